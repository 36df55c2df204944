/* cmd_train.c — `dl2o train`: data, training and an atomic weight file.
 *
 * SIGINT and SIGTERM stop the run cooperatively: the handler only sets a
 * flag, dl2o_train polls it before each step, saves a checkpoint and
 * returns; the command then exits with 128 + the signal's number (130,
 * 143). A second signal of the same kind ends the process at once (the
 * handler is installed with SA_RESETHAND). `--resume` continues the run. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend_select.h"
#include "cli.h"
#include "family.h"
#include "model.h"
#include "schedule.h"

static const char USAGE[] =
    "--family NAME [--instances N] [--steps N] [--guidance theta|probe] [--anchor-maxeval N] [--seed S] "
    "[--device auto|cpu] [--checkpoint FILE] [--resume] --out FILE.h5\n\n"
    "Ctrl-C (SIGINT) or SIGTERM saves the run's state to the checkpoint\n"
    "(<out>.ckpt.h5) and exits with status 130 or 143; the same command plus\n"
    "--resume continues it and ends with the same weights as an uninterrupted\n"
    "run. A second Ctrl-C quits at once without a checkpoint.";

static volatile sig_atomic_t stop_signal; /* the signal that asked to stop, or 0 */

static void on_signal(int sig) { stop_signal = sig; }

static int should_stop(unsigned done, void *data)
{
    (void)done;
    int *told = data;
    if (!stop_signal) return 0;
    if (!*told) {
        *told = 1;
        fprintf(stderr, "\ndl2o train: %s; stopping (press Ctrl-C again to quit at once)\n",
                stop_signal == SIGINT ? "interrupted" : "terminated");
    }
    return 1;
}

static void install_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND | SA_RESTART; /* no EINTR in the middle of a write */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* "<dir>/<stem>" of out, without a trailing ".h5". */
static void stem_of(const char *out, char *stem, size_t size)
{
    snprintf(stem, size, "%s", out);
    size_t l = strlen(stem);
    if (l > 3 && !strcmp(stem + l - 3, ".h5")) stem[l - 3] = '\0';
}

static void join_args(int argc, char **argv, char *buf, size_t size)
{
    snprintf(buf, size, "dl2o");
    for (int i = 0; i < argc; i++) {
        size_t at = strlen(buf);
        snprintf(buf + at, size - at, " %s", argv[i]);
    }
}

int dl2o_cmd_train(int argc, char **argv)
{
    dl2o_train_config c;
    dl2o_train_config_default(&c);
    const char *family = NULL, *out = NULL, *guidance = "probe", *device = "auto";
    const char *data = NULL, *loss = NULL, *theta = NULL, *schedule = "cosine";
    const char *checkpoint = NULL;
    int quiet = 0, no_data = 0, resume = 0, told = 0, signed_log = 0;
    unsigned threads = 0;
    const cli_opt opts[] = {
        {"family", CLI_STR, &family, "lasso-MxN, rastrigin-N or ackley-N (e.g. rastrigin-10)"},
        {"out", CLI_STR, &out, "weight file to write (.h5)"},
        {"instances", CLI_UINT, &c.instances, "training instances (10000)"},
        {"steps", CLI_UINT, &c.steps, "Adam steps (3000)"},
        {"guidance", CLI_STR, &guidance, "theta or probe (probe)"},
        {"seed", CLI_U64, &c.seed, "seed of data, weights and batches (1)"},
        {"device", CLI_STR, &device, "auto, cpu or cuda (auto)"},
        {"theta", CLI_STR, &theta, "train on these theta rows (CSV) instead of sampled ones"},
        {"data", CLI_STR, &data, "data file to reuse or create (<out>.data.h5)"},
        {"no-data-file", CLI_FLAG, &no_data, "do not keep a data file"},
        {"loss-csv", CLI_STR, &loss, "loss curve CSV (<out>.loss.csv)"},
        {"restarts", CLI_UINT, &c.restarts, "local LD_LBFGS runs per instance (8)"},
        {"local-maxeval", CLI_UINT, &c.local_maxeval, "evaluations per local run (300)"},
        {"probes", CLI_UINT, &c.probes, "probe points, probe guidance (16)"},
        {"anchor-maxeval", CLI_UINT, &c.anchor_maxeval, "anchor: condition on, and sample steps "
                                                         "from, the end of an LD_LBFGS run of at "
                                                         "most this many evaluations from the "
                                                         "box centre; 0: no anchor (0)"},
        {"signed-log", CLI_FLAG, &signed_log, "probe values as sign(v) log(1 + |v|), the "
                                                "pre-version-3 weight files' encoding"},
        {"width", CLI_UINT, &c.width, "denoiser width (128)"},
        {"blocks", CLI_UINT, &c.blocks, "denoiser residual blocks (3)"},
        {"oracle-width", CLI_UINT, &c.oracle_width, "oracle width (128)"},
        {"oracle-blocks", CLI_UINT, &c.oracle_blocks, "oracle residual blocks (2)"},
        {"schedule", CLI_STR, &schedule, "cosine or linear (cosine)"},
        {"T", CLI_UINT, &c.T, "diffusion steps (100)"},
        {"batch", CLI_UINT, &c.batch, "minibatch rows (256)"},
        {"lr", CLI_DOUBLE, &c.lr, "Adam learning rate (0.002)"},
        {"lambda-f", CLI_DOUBLE, &c.lambda_f, "weight of the objective term (0.05)"},
        {"lambda-oracle-f", CLI_DOUBLE, &c.lambda_oracle_f, "oracle objective weight (0.05)"},
        {"rounds", CLI_UINT, &c.rounds, "self-improving data rounds: sample from the model, "
                                        "polish, keep better labels, train on (0)"},
        {"round-candidates", CLI_UINT, &c.round_candidates, "candidates per instance and round (32)"},
        {"round-polish", CLI_UINT, &c.round_polish, "of which polished by LD_LBFGS (2)"},
        {"round-steps", CLI_UINT, &c.round_steps, "Adam steps after each round (0: steps / 2)"},
        {"threads", CLI_UINT, &threads, "data-generation threads (0: all cores)"},
        {"checkpoint", CLI_STR, &checkpoint, "state saved on SIGINT/SIGTERM (<out>.ckpt.h5)"},
        {"resume", CLI_FLAG, &resume, "continue the interrupted run (same options)"},
        {"quiet", CLI_FLAG, &quiet, "no progress output"},
    };
    const char *pos[1];
    int npos, r = cli_parse("train", USAGE, argc, argv, opts, sizeof opts / sizeof opts[0], pos, 0, &npos);
    if (r) return r > 0 ? 0 : 2;
    if (!family || !out) {
        fprintf(stderr, "dl2o train: --family and --out are required (see --help)\n");
        return 2;
    }
    if (dl2o_guidance_parse(guidance, &c.guidance)) {
        fprintf(stderr, "dl2o train: --guidance must be theta or probe\n");
        return 2;
    }
    if (cli_parse_device(device, &c.device)) {
        fprintf(stderr, "dl2o train: --device must be auto, cpu or cuda\n");
        return 2;
    }
    if (dl2o_schedule_kind_parse(schedule, &c.schedule)) {
        fprintf(stderr, "dl2o train: --schedule must be cosine or linear\n");
        return 2;
    }
    c.threads = threads;
    char stem[4096], data_path[4200], loss_path[4200], ckpt_path[4200], command[8192];
    stem_of(out, stem, sizeof stem);
    snprintf(data_path, sizeof data_path, "%s.data.h5", stem);
    snprintf(loss_path, sizeof loss_path, "%s.loss.csv", stem);
    snprintf(ckpt_path, sizeof ckpt_path, "%s.ckpt.h5", stem);
    c.data_path = no_data ? NULL : data ? data : data_path;
    c.loss_csv = loss ? loss : loss_path;
    c.checkpoint = checkpoint ? checkpoint : ckpt_path;
    c.resume = resume;
    c.should_stop = should_stop;
    c.stop_data = &told;
    c.progress = !quiet;
    c.signed_log = (unsigned)signed_log;
    join_args(argc, argv, command, sizeof command);
    c.command = command;
    if (!resume && access(c.checkpoint, F_OK) == 0)
        fprintf(stderr, "dl2o train: note: %s holds an interrupted run; add --resume to "
                "continue it (this run replaces it)\n", c.checkpoint);

    dl2o_family *fam = NULL;
    dl2o_status st = dl2o_family_standard(family, &fam);
    if (st != DL2O_OK) return cli_fail("train", "bad --family", st);
    if (theta) {
        /* A file of theta rows replaces the sampled instances. */
        if (cli_read_thetas("train", theta, dl2o_family_dim_theta(fam), &fam->thetas, &fam->n_thetas)) {
            dl2o_family_free(fam);
            return 1;
        }
    }
    dl2o_train_report rep = {0};
    char backend[256];
    if ((st = dl2o_backend_describe(c.device, backend, sizeof backend)) != DL2O_OK) {
        dl2o_family_free(fam);
        return cli_fail("train", "bad --device", st);
    }
    if (!quiet) fprintf(stderr, "dl2o train: %s, %s guidance, using %s\n", family, guidance, backend);
    install_handlers();
    st = dl2o_train(fam, &c, out, &rep);
    dl2o_family_free(fam);
    if (st == DL2O_EINTERRUPTED) {
        int sig = stop_signal ? (int)stop_signal : SIGINT;
        if (rep.checkpoint_saved)
            fprintf(stderr, "dl2o train: saved the run after step %u of %u to %s; run the same "
                    "command with --resume to continue\n", rep.steps_done, c.steps, c.checkpoint);
        else
            fprintf(stderr, "dl2o train: %s\n", dl2o_last_error());
        return 128 + sig;
    }
    if (st != DL2O_OK) return cli_fail("train", "training failed", st);
    if (!quiet)
        fprintf(stderr, "wrote %s (data %.1fs%s, mean f %.4g%s; training %.1fs%s; loss eps %.4f)\n",
                out, rep.data_seconds, rep.data_reused ? ", reused" : "", rep.data_mean_f,
                c.rounds ? " before the rounds" : "", rep.train_seconds,
                rep.resumed_from ? ", resumed" : "", rep.final_loss_eps);
    return 0;
}
