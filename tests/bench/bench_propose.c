/* bench_propose.c — latency of one dl2o_initializer_propose() call: guidance
 * (probes), K candidates by DDIM, evaluation and ranking. A benchmark, not a
 * test: it prints figures and asserts nothing about time.
 *
 *   bench_propose WEIGHTS.h5 [K=64] [STEPS=10] [INSTANCES=200]
 * Run with OPENBLAS_NUM_THREADS=1 for the one-core figure. */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "dl2o.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_propose WEIGHTS.h5 [K] [STEPS] [INSTANCES]\n");
        return 2;
    }
    unsigned K = argc > 2 ? (unsigned)atoi(argv[2]) : 64;
    unsigned steps = argc > 3 ? (unsigned)atoi(argv[3]) : 10;
    unsigned N = argc > 4 ? (unsigned)atoi(argv[4]) : 200;
    dl2o_initializer *init = NULL;
    dl2o_family *fam = NULL;
    if (dl2o_initializer_load(argv[1], &init) != DL2O_OK ||
        dl2o_family_standard(dl2o_initializer_family(init), &fam) != DL2O_OK ||
        dl2o_initializer_set_candidates(init, K) != DL2O_OK ||
        dl2o_initializer_set_steps(init, steps) != DL2O_OK) {
        fprintf(stderr, "bench_propose: %s\n", dl2o_last_error());
        return 1;
    }
    unsigned n = dl2o_family_dim_x(fam), p = dl2o_family_dim_theta(fam);
    double *theta = malloc((size_t)N * p * sizeof *theta), *x = malloc((size_t)K * n * sizeof *x);
    double *fx = malloc(K * sizeof *fx);
    for (unsigned i = 0; i < N; i++) dl2o_family_sample_theta(fam, 31337, i, theta + (size_t)i * p);
    unsigned count, evals = 0;
    dl2o_instance warm = {fam, theta};
    dl2o_initializer_propose(init, n, dl2o_instance_objective, &warm, theta, NULL, NULL, x, fx,
                             &count, &evals); /* first call allocates scratch */
    double t0 = dl2o_now();
    for (unsigned i = 0; i < N; i++) {
        dl2o_instance inst = {fam, theta + (size_t)i * p};
        if (dl2o_initializer_propose(init, n, dl2o_instance_objective, &inst, inst.theta, NULL, NULL,
                                     x, fx, &count, &evals) != DL2O_OK) {
            fprintf(stderr, "bench_propose: %s\n", dl2o_initializer_errmsg(init));
            return 1;
        }
    }
    double per = (dl2o_now() - t0) / N;
    printf("%s: K = %u, DDIM %u steps, %u evaluations per call: %.3f ms per instance (%u instances)\n",
           dl2o_initializer_family(init), K, steps, evals, 1e3 * per, N);
    free(theta);
    free(x);
    free(fx);
    dl2o_family_free(fam);
    dl2o_initializer_free(init);
    return 0;
}
