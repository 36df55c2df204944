/* test_shipped_weights.c — a shipped weight file must place candidates better
 * than chance: on 20 held-out instances (the benchmark's theta stream, which
 * training never uses), the best of its K candidates must beat the best of
 * K + P uniform points in the box (P = the model's probe evaluations, so
 * both sides spend the same evaluations), on average and on most instances.
 * Uniform points are a weak bar: an untrained model whose samples only
 * follow the training data's mean and spread clears it (tried). So the
 * candidates must also beat as many points drawn from that unconditional
 * prior, N(x_mean, x_std) cut into the box: the guidance has to matter.
 *
 * usage: test_shipped_weights FAMILY   (loads weights/FAMILY.h5) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl2o.h"
#include "model.h"
#include "model_io.h"
#include "rng.h"
#include "testutil.h"

#define HELDOUT_SEED 1000003 /* dl2o bench's default held-out stream */
#define INSTANCES 20
#define K 64

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s FAMILY\n", argv[0]);
        return 2;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/weights/%s.h5", DL2O_SOURCE_DIR, argv[1]);
    dl2o_initializer *init = NULL;
    dl2o_family *fam = NULL;
    dl2o_status st = dl2o_initializer_load(path, &init);
    CHECK_MSG(st == DL2O_OK, "%s: %s", path, dl2o_last_error());
    if (st != DL2O_OK) return dl2o_test_finish("shipped_weights");
    CHECK(strcmp(dl2o_initializer_family(init), argv[1]) == 0);
    CHECK_MSG(dl2o_initializer_guidance(init) == DL2O_GUIDANCE_PROBE,
              "shipped files work from the callback alone (probe guidance)");
    CHECK(dl2o_family_standard(argv[1], &fam) == DL2O_OK);
    if (!fam) return dl2o_test_finish("shipped_weights");

    unsigned n = dl2o_family_dim_x(fam), p = dl2o_family_dim_theta(fam);
    unsigned P = dl2o_initializer_guidance_evals(init);
    const double *lo = dl2o_family_lower(fam), *hi = dl2o_family_upper(fam);
    double *theta = malloc(p * sizeof *theta), *x = malloc((size_t)K * n * sizeof *x);
    double *fx = malloc(K * sizeof *fx), *xr = malloc(n * sizeof *xr);
    CHECK(theta && x && fx && xr);
    CHECK(dl2o_initializer_set_candidates(init, K) == DL2O_OK);
    dl2o_model stats; /* the training data's x_mean and x_std */
    CHECK(dl2o_model_load(path, &stats) == DL2O_OK);
    double sum_model = 0, sum_random = 0, sum_prior = 0;
    int wins = 0;
    for (int i = 0; i < INSTANCES && theta && x && fx && xr; i++) {
        CHECK(dl2o_family_sample_theta(fam, HELDOUT_SEED, (uint64_t)i, theta) == DL2O_OK);
        dl2o_instance inst = {fam, theta};
        unsigned count = 0, used = 0;
        /* theta NULL: the file must work from the objective alone */
        st = dl2o_initializer_propose(init, n, dl2o_instance_objective, &inst, NULL, lo, hi, x, fx,
                                      &count, &used);
        CHECK_MSG(st == DL2O_OK, "%s", dl2o_last_error());
        CHECK(used == P + K && count >= 1);
        double fm = count ? fx[0] : HUGE_VAL, fr = HUGE_VAL;
        dl2o_rng rng;
        dl2o_rng_init(&rng, 77, DL2O_STREAM_BENCH, (uint64_t)i);
        for (unsigned r = 0; r < P + K; r++) {
            for (unsigned j = 0; j < n; j++) xr[j] = lo[j] + (hi[j] - lo[j]) * dl2o_rng_uniform(&rng);
            fr = fmin(fr, dl2o_family_eval(fam, theta, xr, NULL));
        }
        double fp = HUGE_VAL;
        for (unsigned r = 0; r < P + K; r++) {
            for (unsigned j = 0; j < n; j++) {
                double v = stats.x_mean[j] + stats.x_std[j] * dl2o_rng_normal(&rng);
                xr[j] = fmin(fmax(v, lo[j]), hi[j]);
            }
            fp = fmin(fp, dl2o_family_eval(fam, theta, xr, NULL));
        }
        sum_model += fm, sum_random += fr, sum_prior += fp, wins += fm < fr;
    }
    printf("%s: mean best-of-%d f: model %.4f, random (%u points) %.4f, data prior %.4f; model "
           "better than random on %d/%d\n", argv[1], K, sum_model / INSTANCES, P + K,
           sum_random / INSTANCES, sum_prior / INSTANCES, wins, INSTANCES);
    CHECK(sum_model < sum_random);
    CHECK_MSG(sum_model < sum_prior, "no better than the unconditional data prior");
    CHECK(wins >= INSTANCES * 3 / 4);
    free(theta);
    free(x);
    free(fx);
    free(xr);
    dl2o_model_free(&stats);
    dl2o_family_free(fam);
    dl2o_initializer_free(init);
    return dl2o_test_finish("shipped_weights");
}
