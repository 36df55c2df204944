/* bench_nlopt_warm_lasso.c — does the warm start pay for itself? LD_LBFGS on
 * held-out lasso-5x10 instances, cold from x = 0 against dl2o warm starts,
 * counting every evaluation (the warm start's probes and candidates too)
 * until f <= f* + 1e-6 (1 + |f*|). f* is exact (plugin/reference.c), checked
 * against a long LD_SLSQP run.
 *
 *   bench_nlopt_warm_lasso MODEL.h5 [SEEDS=8]     e.g. weights/lasso-5x10.h5
 *
 * L-BFGS on this nonsmooth objective is erratic (from one instance to the
 * next the count jumps between ~100 and "never"), and so is the verdict of
 * one sampler seed: with the shipped file the warm median over 60 instances
 * ranged from 571 to 1007 across seeds 0..7 (cold 722.5). So the warm runs
 * repeat with SEEDS sampler seeds and the medians pool every run. Instances
 * use theta seed 4242, which no training run uses.
 *
 * A benchmark, not a ctest case: it reports a model-quality figure, and it
 * exits non-zero while the pooled warm median is not below the cold one
 * (docs/BENCHMARKS.md records the figures). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dl2o.h"
#include "dl2o_nlopt.h"
#include "family.h"
#include "reference.h"
#include "testutil.h"

#define M 5
#define N 10
#define INSTANCES 60
#define MAXEVAL 3000
#define K 8

typedef struct tracked {
    dl2o_instance inst;
    int evals, hit; /* hit: evaluations when f first reached target, 0: not yet */
    double target;
} tracked;

static double objective(unsigned n, const double *x, double *grad, void *data)
{
    tracked *t = data;
    t->evals++;
    double f = dl2o_instance_objective(n, x, grad, &t->inst);
    if (!t->hit && f <= t->target) t->hit = t->evals;
    return f;
}

static nlopt_opt lbfgs(nlopt_algorithm a, tracked *t)
{
    nlopt_opt o = nlopt_create(a, N);
    nlopt_set_lower_bounds1(o, -5);
    nlopt_set_upper_bounds1(o, 5);
    nlopt_set_min_objective(o, objective, t);
    nlopt_set_ftol_rel(o, 1e-14);
    nlopt_set_xtol_rel(o, 1e-12);
    nlopt_set_maxeval(o, MAXEVAL);
    return o;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODEL.h5\n", argv[0]);
        return 2;
    }
    dl2o_family *fam;
    dl2o_initializer *init;
    if (dl2o_family_standard("lasso-5x10", &fam) != DL2O_OK) return 1;
    if (dl2o_initializer_load(argv[1], &init) != DL2O_OK) {
        fprintf(stderr, "%s\n", dl2o_last_error());
        return 1;
    }
    dl2o_initializer_set_candidates(init, K);
    int seeds = argc > 2 ? atoi(argv[2]) : 8;
    if (seeds < 1 || seeds > 64) seeds = 8;
    int cold[INSTANCES], *warm = malloc((size_t)seeds * INSTANCES * sizeof *warm), wins = 0;
    double theta[M * N + M];
    for (int k = 0; k < INSTANCES && warm; k++) {
        dl2o_family_sample_theta(fam, 4242, (uint64_t)k, theta);
        tracked t = {{fam, theta}, 0, 0, -HUGE_VAL};
        nlopt_opt o = lbfgs(NLOPT_LD_SLSQP, &t);
        nlopt_set_maxeval(o, 20000);
        double x[N] = {0}, f;
        nlopt_optimize(o, x, &f);
        nlopt_destroy(o);
        double xs[N], fcd = dl2o_reference_optimum(fam, theta, 0, 0, 0, xs), fstar = fmin(fcd, f);
        CHECK_MSG(fcd <= f + 1e-9 * (1 + fabs(f)), "exact optimum %.12g > SLSQP %.12g", fcd, f);
        for (int w = 0; w <= seeds; w++) { /* w = 0: cold; then one warm run per seed */
            tracked r = {{fam, theta}, 0, 0, fstar + 1e-6 * (1 + fabs(fstar))};
            o = lbfgs(NLOPT_LD_LBFGS, &r);
            memset(x, 0, sizeof x);
            if (w) {
                dl2o_initializer_set_seed(init, (uint64_t)w - 1);
                CHECK(dl2o_nlopt_warmstart(o, init, objective, &r, NULL, x) == DL2O_OK);
            }
            nlopt_optimize(o, x, &f);
            nlopt_destroy(o);
            int used = r.hit ? r.hit : MAXEVAL + 1 + (w ? K : 0);
            if (w) {
                warm[(w - 1) * INSTANCES + k] = used;
                wins += used < cold[k];
            } else {
                cold[k] = used;
            }
        }
    }
    qsort(cold, INSTANCES, sizeof *cold, cmp_int);
    double mc = 0.5 * (cold[INSTANCES / 2 - 1] + cold[INSTANCES / 2]), mw = NAN;
    int nw = seeds * INSTANCES;
    if (warm) {
        qsort(warm, (size_t)nw, sizeof *warm, cmp_int);
        mw = 0.5 * (warm[nw / 2 - 1] + warm[nw / 2]);
    }
    printf("median evaluations to f* + 1e-6(1+|f*|): cold %.1f (%d runs), warm %.1f (%d runs, "
           "%d sampler seeds; K = %d, probes %u); a warm run beat its instance's cold run in %d "
           "of %d\n", mc, INSTANCES, mw, nw, seeds, K, dl2o_initializer_guidance_evals(init), wins,
           nw);
    CHECK_MSG(mw < mc, "the warm start did not save evaluations (median %.1f vs %.1f cold)", mw,
              mc);
    free(warm);
    dl2o_initializer_free(init);
    dl2o_family_free(fam);
    return dl2o_test_finish("nlopt warm start, lasso-5x10");
}
