/* test_e2e.c — the whole method on rastrigin-2: the model trained by the
 * fixture (a few seconds of training) must place its best-of-K candidate
 * clearly closer to the best-known minimum than the best of as many random
 * candidates, on held-out instances. Breaking training (e.g. no Adam steps)
 * makes this fail. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "datagen.h"
#include "dl2o.h"
#include "family.h"
#include "rng.h"
#include "testutil.h"

#define HELDOUT_SEED 9090909 /* disjoint from the fixture's training seed 11 */

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : DL2O_FIXTURE_DIR "/rastrigin-2.probe.h5";
    dl2o_family *fam = NULL;
    dl2o_initializer *init = NULL;
    CHECK(dl2o_family_standard("rastrigin-2", &fam) == DL2O_OK);
    CHECK(dl2o_initializer_load(path, &init) == DL2O_OK);
    if (!init || !fam) return dl2o_test_finish("test_e2e");
    enum { K = 32, INSTANCES = 40 };
    CHECK(dl2o_initializer_set_candidates(init, K) == DL2O_OK);
    double theta[8], x[K * 2], fx[K], xr[2], gap_model = 0, gap_random = 0;
    for (int i = 0; i < INSTANCES; i++) {
        dl2o_family_sample_theta(fam, HELDOUT_SEED, (uint64_t)i, theta);
        dl2o_instance inst = {fam, theta};
        unsigned count = 0, evals = 0;
        CHECK(dl2o_initializer_propose(init, 2, dl2o_instance_objective, &inst, theta, NULL, NULL, x,
                                       fx, &count, &evals) == DL2O_OK);
        dl2o_rng rng;
        dl2o_rng_init(&rng, HELDOUT_SEED, DL2O_STREAM_BENCH, (uint64_t)i);
        double f_rand = INFINITY;
        for (unsigned k = 0; k < evals; k++) { /* same evaluations, probes included */
            for (int j = 0; j < 2; j++) xr[j] = -8.0 + 16.0 * dl2o_rng_uniform(&rng);
            f_rand = fmin(f_rand, dl2o_family_eval(fam, theta, xr, NULL));
        }
        double fstar = dl2o_local_best(fam, theta, HELDOUT_SEED, (uint64_t)i, 60, 200, xr, NULL);
        fstar = fmin(fstar, fmin(fx[0], f_rand));
        gap_model += (fx[0] - fstar) / INSTANCES;
        gap_random += (f_rand - fstar) / INSTANCES;
    }
    printf("mean gap to best-known: dl2o best-of-%d %.3f, random %.3f\n", K, gap_model, gap_random);
    CHECK_MSG(gap_model < 0.75 * gap_random,
              "dl2o candidates (gap %.3f) must beat random ones (gap %.3f) by 25%%", gap_model,
              gap_random);
    dl2o_initializer_free(init);
    dl2o_family_free(fam);
    return dl2o_test_finish("test_e2e");
}
