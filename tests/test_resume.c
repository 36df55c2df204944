/* test_resume.c — crash-safe training: a run stopped and resumed ends with
 * the weights and loss curve of an uninterrupted run, bit for bit.
 *
 *   test_resume api   stops through cfg->should_stop at chosen steps (0, a
 *                     middle step, twice in a row), checks the refusals of a
 *                     checkpoint that does not fit, and a stop during data
 *                     generation.
 *   test_resume cli   the dl2o command as a child: SIGINT, then SIGTERM on
 *                     the resumed run, then --resume to the end; exit codes
 *                     130 and 143, the earlier output untouched, no
 *                     temporary file left.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data_io.h"
#include "dl2o.h"
#include "run_util.h"
#include "testutil.h"

static char dir[1024];

static const char *at(const char *name)
{
    static char paths[8][1200];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    return p;
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    CHECK(fp != NULL);
    if (fp) fputs(text, fp), fclose(fp);
}

static int has_text(const char *path, const char *text)
{
    char buf[256] = "";
    FILE *fp = fopen(path, "r");
    if (!fp) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    return !strcmp(buf, text);
}

static void check_same(const char *a, const char *b)
{
    char why[512];
    CHECK_MSG(same_datasets(a, b, why, sizeof why), "%s vs %s: %s", a, b, why);
}

/* ------------------------------------------------------------------- API */

typedef struct stop_at {
    unsigned step; /* stop when this many steps are done */
    unsigned polls;
} stop_at;

static int stop_when(unsigned done, void *data)
{
    stop_at *s = data;
    s->polls++;
    return done == s->step;
}

static void small_config(dl2o_train_config *c)
{
    dl2o_train_config_default(c);
    c->instances = 300, c->restarts = 2, c->local_maxeval = 40;
    c->probes = 4, c->width = 32, c->blocks = 1, c->oracle_width = 32, c->oracle_blocks = 1;
    c->time_embed = 8, c->T = 20, c->steps = 120, c->batch = 32, c->seed = 7;
    c->device = DL2O_DEVICE_CPU, c->threads = 2;
    c->data_path = at("data.h5");
}

/* Trains with a stop at `step`: expects DL2O_EINTERRUPTED after `step` steps. */
static void interrupted(dl2o_family *fam, int resume, unsigned step)
{
    dl2o_train_config c;
    small_config(&c);
    stop_at s = {step, 0};
    c.should_stop = stop_when, c.stop_data = &s;
    c.loss_csv = at("run.csv"), c.checkpoint = at("ck.h5"), c.resume = resume;
    dl2o_train_report rep;
    memset(&rep, 0xff, sizeof rep);
    dl2o_status st = dl2o_train(fam, &c, at("run.h5"), &rep);
    CHECK_MSG(st == DL2O_EINTERRUPTED, "status %d: %s", st, dl2o_last_error());
    CHECK(rep.steps_done == step && rep.checkpoint_saved == 1);
    CHECK(strstr(dl2o_last_error(), "stopped after step") != NULL);
    CHECK(file_exists(at("ck.h5")));
    /* The earlier outputs are untouched, and nothing temporary is left. */
    CHECK(has_text(at("run.h5"), "earlier weights\n"));
    CHECK(has_text(at("run.csv"), "earlier losses\n"));
    CHECK(count_tmp_files(dir) == 0);
}

static void resume_to_end(dl2o_family *fam, unsigned from)
{
    dl2o_train_config c;
    small_config(&c);
    c.loss_csv = at("run.csv"), c.checkpoint = at("ck.h5"), c.resume = 1;
    dl2o_train_report rep;
    dl2o_status st = dl2o_train(fam, &c, at("run.h5"), &rep);
    CHECK_MSG(st == DL2O_OK, "status %d: %s", st, dl2o_last_error());
    CHECK(rep.resumed_from == from && rep.steps_done == c.steps && rep.data_reused == 1);
    check_same(at("ref.h5"), at("run.h5"));
    CHECK(same_bytes(at("ref.csv"), at("run.csv")));
    CHECK(!file_exists(at("ck.h5"))); /* a completed run removes its checkpoint */
    CHECK(count_tmp_files(dir) == 0);
}

/* Resuming with cfg changed by `change` fails with `want`, naming `what`. */
static void refused(dl2o_family *fam, void (*change)(dl2o_train_config *), const char *ckpt,
                    dl2o_status want, const char *what)
{
    dl2o_train_config c;
    small_config(&c);
    change(&c);
    c.checkpoint = ckpt, c.resume = 1;
    dl2o_status st = dl2o_train(fam, &c, at("other.h5"), NULL);
    CHECK_MSG(st == want && strstr(dl2o_last_error(), what), "status %d, message: %s", st,
              dl2o_last_error());
    CHECK(!file_exists(at("other.h5")));
}

static void other_seed(dl2o_train_config *c) { c->seed = 8; }
static void other_lr(dl2o_train_config *c) { c->lr = 1e-3; }
static void other_width(dl2o_train_config *c) { c->width = 48; }
static void same_run(dl2o_train_config *c) { (void)c; }
static void changed_data(dl2o_train_config *c) { c->data_path = at("data-changed.h5"); }
static void out_is_checkpoint(dl2o_train_config *c) { c->data_path = at("ck.h5"); }

static int test_api(void)
{
    snprintf(dir, sizeof dir, "%s", dl2o_test_tmpdir("resume_api"));
    dl2o_family *fam = NULL;
    CHECK(dl2o_family_standard("rastrigin-2", &fam) == DL2O_OK);
    if (!fam) return 1;

    /* The uninterrupted reference (it also makes the data file). */
    dl2o_train_config c;
    small_config(&c);
    c.loss_csv = at("ref.csv");
    dl2o_status st = dl2o_train(fam, &c, at("ref.h5"), NULL);
    CHECK_MSG(st == DL2O_OK, "%s", dl2o_last_error());

    /* Stopped once in the middle, then resumed. */
    write_text(at("run.h5"), "earlier weights\n");
    write_text(at("run.csv"), "earlier losses\n");
    interrupted(fam, 0, 37);
    resume_to_end(fam, 37);

    /* Stopped before the first step, again after resuming, then resumed. */
    write_text(at("run.h5"), "earlier weights\n");
    write_text(at("run.csv"), "earlier losses\n");
    interrupted(fam, 0, 0);
    interrupted(fam, 1, 0); /* resumed and stopped at once: the same state */
    interrupted(fam, 1, 80);
    resume_to_end(fam, 80);

    /* A checkpoint that does not fit this run is refused, naming why. */
    write_text(at("run.h5"), "earlier weights\n");
    write_text(at("run.csv"), "earlier losses\n");
    interrupted(fam, 0, 50);
    refused(fam, other_seed, at("ck.h5"), DL2O_EINVAL, "seed=7, this run has seed=8");
    refused(fam, other_lr, at("ck.h5"), DL2O_EINVAL, "lr=0.002, this run has lr=0.001");
    refused(fam, other_width, at("ck.h5"), DL2O_EINVAL, "width=32, this run has width=48");
    refused(fam, same_run, at("ref.h5"), DL2O_EFORMAT, "not a checkpoint");
    refused(fam, same_run, at("missing.h5"), DL2O_EIO, "no checkpoint to resume from");
    refused(fam, out_is_checkpoint, at("ck.h5"), DL2O_EINVAL, "also an output path");
    dl2o_dataset d;
    CHECK(dl2o_dataset_load(at("data.h5"), &d) == DL2O_OK);
    d.x[5] += 1e-9; /* same settings, other data */
    CHECK(dl2o_dataset_save(&d, at("data-changed.h5")) == DL2O_OK);
    dl2o_dataset_free(&d);
    refused(fam, changed_data, at("ck.h5"), DL2O_EINVAL, "training data differs");
    CHECK(file_exists(at("ck.h5"))); /* refusals leave the checkpoint alone */
    resume_to_end(fam, 50);

    /* A stop during data generation saves nothing. */
    small_config(&c);
    stop_at s = {0, 0};
    c.data_path = at("fresh-data.h5"), c.checkpoint = at("ck.h5");
    c.should_stop = stop_when, c.stop_data = &s;
    dl2o_train_report rep;
    st = dl2o_train(fam, &c, at("fresh.h5"), &rep);
    CHECK_MSG(st == DL2O_EINTERRUPTED && strstr(dl2o_last_error(), "data generation"), "%d: %s",
              st, dl2o_last_error());
    CHECK(rep.checkpoint_saved == 0 && s.polls >= 1);
    CHECK(!file_exists(at("fresh-data.h5")) && !file_exists(at("ck.h5")) &&
          !file_exists(at("fresh.h5")));
    CHECK(count_tmp_files(dir) == 0);
    dl2o_family_free(fam);
    return dl2o_test_finish("resume api");
}

/* ------------------------------------------------------------------- CLI */

#define TRAIN_ARGS                                                                       \
    "train", "--family", "rastrigin-2", "--guidance", "probe", "--probes", "4",          \
        "--instances", "300", "--restarts", "2", "--local-maxeval", "40", "--steps", "3000", \
        "--width", "32", "--blocks", "1", "--oracle-width", "32", "--oracle-blocks", "1", \
        "--batch", "64", "--seed", "3", "--device", "cpu", "--data", data

/* Runs the CLI until its first progress line of training, then sends sig;
 * returns the exit status. */
static int signalled_run(char *const argv[], int sig, char *log, size_t size)
{
    int fd = -1;
    log[0] = '\0';
    pid_t pid = run_spawn(argv, NULL, &fd);
    CHECK(pid > 0);
    if (pid <= 0) return -1;
    int started = run_read_until(fd, "train ", log, size);
    CHECK_MSG(started, "no training progress line; stderr:\n%s", log);
    if (started) kill(pid, sig);
    run_drain(fd, log, size);
    return run_wait(pid);
}

static int test_cli(void)
{
    snprintf(dir, sizeof dir, "%s", dl2o_test_tmpdir("resume_cli"));
    char data[1200], ref[1200], out[1200], log[16384];
    snprintf(data, sizeof data, "%s", at("data.h5"));
    snprintf(ref, sizeof ref, "%s", at("ref.h5"));
    snprintf(out, sizeof out, "%s", at("run.h5"));
    char *ref_argv[] = {DL2O_CLI, TRAIN_ARGS, "--quiet", "--out", ref, NULL};
    char *run_argv[] = {DL2O_CLI, TRAIN_ARGS, "--out", out, NULL};
    char *resume_argv[] = {DL2O_CLI, TRAIN_ARGS, "--out", out, "--resume", NULL};
    char *finish_argv[] = {DL2O_CLI, TRAIN_ARGS, "--out", out, "--resume", "--quiet", NULL};

    CHECK(run_cmd(ref_argv, NULL) == 0);
    write_text(at("run.h5"), "earlier weights\n");

    int rc = signalled_run(run_argv, SIGINT, log, sizeof log);
    CHECK_MSG(rc == 130, "SIGINT: exit status %d, stderr:\n%s", rc, log);
    CHECK_MSG(strstr(log, "--resume to continue") != NULL, "stderr:\n%s", log);
    CHECK(file_exists(at("run.ckpt.h5")));
    CHECK(has_text(at("run.h5"), "earlier weights\n"));
    CHECK(!file_exists(at("run.loss.csv")));
    CHECK(count_tmp_files(dir) == 0);

    rc = signalled_run(resume_argv, SIGTERM, log, sizeof log);
    CHECK_MSG(rc == 143, "SIGTERM: exit status %d, stderr:\n%s", rc, log);
    CHECK(file_exists(at("run.ckpt.h5")));
    CHECK(has_text(at("run.h5"), "earlier weights\n"));
    CHECK(count_tmp_files(dir) == 0);

    rc = run_cmd(finish_argv, NULL);
    CHECK_MSG(rc == 0, "resumed run: exit status %d", rc);
    check_same(ref, out);
    CHECK(same_bytes(at("ref.loss.csv"), at("run.loss.csv")));
    CHECK(!file_exists(at("run.ckpt.h5")));
    CHECK(count_tmp_files(dir) == 0);

    /* --resume with nothing to resume is an error, not a fresh run. */
    rc = run_cmd(finish_argv, NULL);
    CHECK(rc == 1);
    return dl2o_test_finish("resume cli");
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "api")) return test_api();
    if (argc == 2 && !strcmp(argv[1], "cli")) return test_cli();
    fprintf(stderr, "usage: test_resume api|cli\n");
    return 2;
}
