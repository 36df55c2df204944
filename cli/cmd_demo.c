/* cmd_demo.c — `dl2o demo`: trains a small rastrigin-2 model, then compares
 * on held-out instances the best of K dl2o candidates with the best of
 * random candidates at the same number of evaluations. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "datagen.h"
#include "family.h"
#include "rng.h"

#define DEMO_FAMILY "rastrigin-2"
#define DEMO_TRAIN_SEED 1
#define DEMO_HELDOUT_SEED 1000003 /* never used for training data */

typedef struct row {
    const char *name;
    double f, gap, success, evals;
} row;

static int success(double f, double fstar) { return f <= fstar + 1e-3 * (1.0 + fabs(fstar)); }

int dl2o_cmd_demo(int argc, char **argv)
{
    const char *dir = "dl2o-demo", *weights = NULL;
    unsigned instances = 50, count = 64;
    int quiet = 0;
    const cli_opt opts[] = {
        {"dir", CLI_STR, &dir, "where the model and its data go (dl2o-demo)"},
        {"weights", CLI_STR, &weights, "skip training and use this " DEMO_FAMILY " weight file"},
        {"instances", CLI_UINT, &instances, "held-out instances (50)"},
        {"count", CLI_UINT, &count, "dl2o candidates per instance, K (64)"},
        {"quiet", CLI_FLAG, &quiet, "no progress output"},
    };
    const char *pos[1];
    int npos, r = cli_parse("demo", "[--dir DIR] [--instances N] [--count K]", argc, argv, opts,
                            sizeof opts / sizeof opts[0], pos, 0, &npos);
    if (r) return r > 0 ? 0 : 2;
    if (instances < 1 || count < 1) {
        fprintf(stderr, "dl2o demo: --instances and --count must be >= 1\n");
        return 2;
    }
    char path[4200], data[4200], loss[4200];
    dl2o_status st;
    dl2o_family *fam = NULL;
    dl2o_initializer *init = NULL;
    double *theta = NULL, *x = NULL, *fx = NULL, *xr = NULL;
    int rc = 1;
    if ((st = dl2o_family_standard(DEMO_FAMILY, &fam)) != DL2O_OK) return cli_fail("demo", "family", st);
    if (!weights) {
        if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "dl2o demo: cannot create %s: %s\n", dir, strerror(errno));
            goto out;
        }
        snprintf(path, sizeof path, "%s/%s.h5", dir, DEMO_FAMILY);
        snprintf(data, sizeof data, "%s/%s.data.h5", dir, DEMO_FAMILY);
        snprintf(loss, sizeof loss, "%s/%s.loss.csv", dir, DEMO_FAMILY);
        dl2o_train_config c;
        dl2o_train_config_default(&c);
        c.instances = 4000;
        c.restarts = 4;
        c.local_maxeval = 100;
        c.steps = 1500;
        c.width = 64;
        c.blocks = 2;
        c.oracle_width = 64;
        c.oracle_blocks = 1;
        c.probes = 8;
        c.seed = DEMO_TRAIN_SEED;
        c.data_path = data;
        c.loss_csv = loss;
        c.progress = !quiet;
        c.command = "dl2o demo";
        dl2o_train_report rep;
        if (!quiet) fprintf(stderr, "Training a small %s model (probe guidance, CPU)...\n", DEMO_FAMILY);
        if ((st = dl2o_train(fam, &c, path, &rep)) != DL2O_OK) {
            cli_fail("demo", "training failed", st);
            goto out;
        }
        if (!quiet)
            fprintf(stderr, "trained in %.1fs (data %.1fs%s) -> %s\n", rep.train_seconds,
                    rep.data_seconds, rep.data_reused ? ", reused" : "", path);
        weights = path;
    }
    if ((st = dl2o_initializer_load(weights, &init)) != DL2O_OK ||
        (st = dl2o_initializer_set_candidates(init, count)) != DL2O_OK) {
        cli_fail("demo", "cannot load the weights", st);
        goto out;
    }
    unsigned n = dl2o_family_dim_x(fam), p = dl2o_family_dim_theta(fam);
    if (n != dl2o_initializer_dim_x(init) || p != dl2o_initializer_dim_theta(init)) {
        fprintf(stderr, "dl2o demo: %s is not a %s model\n", weights, DEMO_FAMILY);
        goto out;
    }
    theta = malloc(p * sizeof *theta);
    x = malloc((size_t)count * n * sizeof *x);
    fx = malloc(count * sizeof *fx);
    xr = malloc(n * sizeof *xr);
    if (!theta || !x || !fx || !xr) {
        fprintf(stderr, "dl2o demo: out of memory\n");
        goto out;
    }
    row rows[2] = {{"random candidates", 0, 0, 0, 0}, {"dl2o candidates", 0, 0, 0, 0}};
    unsigned probes = dl2o_initializer_guidance_evals(init);
    for (unsigned i = 0; i < instances; i++) {
        dl2o_family_sample_theta(fam, DEMO_HELDOUT_SEED, i, theta);
        dl2o_instance inst = {fam, theta};
        unsigned cnt = 0, evals = 0;
        if ((st = dl2o_initializer_propose(init, n, dl2o_instance_objective, &inst, theta, NULL, NULL,
                                           x, fx, &cnt, &evals)) != DL2O_OK) {
            cli_fail("demo", "propose failed", st);
            goto out;
        }
        double f_dl2o = fx[0];
        /* Random candidates get the same evaluations, probes included. */
        dl2o_rng rng;
        dl2o_rng_init(&rng, DEMO_HELDOUT_SEED, DL2O_STREAM_BENCH, i);
        double f_rand = INFINITY;
        for (unsigned k = 0; k < evals; k++) {
            for (unsigned j = 0; j < n; j++)
                xr[j] = fam->lower[j] + (fam->upper[j] - fam->lower[j]) * dl2o_rng_uniform(&rng);
            double f = dl2o_family_eval(fam, theta, xr, NULL);
            if (f < f_rand) f_rand = f;
        }
        /* Best known: a heavy L-BFGS multistart, merged with both methods. */
        double fstar = dl2o_local_best(fam, theta, DEMO_HELDOUT_SEED, i, 200, 200, xr, NULL);
        fstar = fmin(fstar, fmin(f_dl2o, f_rand));
        double fs[2] = {f_rand, f_dl2o};
        for (int m = 0; m < 2; m++) {
            rows[m].f += fs[m] / instances;
            rows[m].gap += (fs[m] - fstar) / instances;
            rows[m].success += (double)success(fs[m], fstar) / instances;
            rows[m].evals += (double)evals / instances;
        }
    }
    printf("\n%s, %u held-out instances (seed %d), K = %u dl2o candidates (+%u probe evaluations)\n\n",
           DEMO_FAMILY, instances, DEMO_HELDOUT_SEED, count, probes);
    printf("| method                    |   mean f | mean gap to best-known | success | evals |\n");
    printf("|---------------------------|---------:|-----------------------:|--------:|------:|\n");
    for (int m = 0; m < 2; m++)
        printf("| best of %-17s | %8.3f | %22.3f | %7.2f | %5.0f |\n", rows[m].name, rows[m].f,
               rows[m].gap, rows[m].success, rows[m].evals);
    printf("\nBest-known: 200 L-BFGS starts per instance, merged with both methods. Success: "
           "f <= f* + 1e-3 (1 + |f*|).\n");
    rc = 0;
out:
    dl2o_initializer_free(init);
    dl2o_family_free(fam);
    free(theta);
    free(x);
    free(fx);
    free(xr);
    return rc;
}
