/* nlopt_lasso_warmstart.c — NLopt's LD_LBFGS on LASSO problems, cold from
 * x = 0 and warm-started by dl2o, side by side: evaluations until f is
 * within 1e-6 (1 + |f*|) of the optimum, the warm start's own included.
 *
 *   usage: nlopt_lasso_warmstart WEIGHTS.h5 [INSTANCES=10]
 *   WEIGHTS.h5: a lasso-5x10 model. If the file does not exist, a small
 *   probe-guided one is trained there first (a few seconds); a real one
 *   comes from  dl2o train --family lasso-5x10 --out lasso.h5
 *
 * The objective is our own callback, written as any NLopt user would; the
 * model is probe-guided, so the warm start needs no theta (NULL) and reads
 * the problem through the callback alone. Instances come from seed 31337,
 * which training does not use; f* is a long LD_SLSQP run.
 *
 * What to expect: on this nonsmooth objective L-BFGS's count swings from
 * ~100 to thousands between instances, and the shipped model's starts are
 * not close enough to x* to save evaluations reliably (over 480 runs the
 * warm median was 765.5 against 722.5 cold; docs/BENCHMARKS.md, "LASSO
 * warm start"). The example shows how to wire the warm start, not a win.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl2o.h"
#include "dl2o_nlopt.h"

#define M 5
#define N 10

/* f(x) = 1/2 |Ax - b|^2 + lambda |x|_1, counted; hit = evaluations when f
 * first reached target. */
typedef struct lasso {
    const double *A, *b; /* (M, N) row-major, (M) */
    int evals, hit;
    double target;
} lasso;

static double lasso_f(unsigned n, const double *x, double *grad, void *data)
{
    lasso *p = data;
    double f = 0, r[M];
    for (int i = 0; i < M; i++) {
        r[i] = -p->b[i];
        for (unsigned j = 0; j < n; j++) r[i] += p->A[i * N + j] * x[j];
        f += 0.5 * r[i] * r[i];
    }
    for (unsigned j = 0; j < n; j++) {
        f += 0.005 * fabs(x[j]);
        if (grad) {
            grad[j] = 0.005 * ((x[j] > 0) - (x[j] < 0));
            for (int i = 0; i < M; i++) grad[j] += p->A[i * N + j] * r[i];
        }
    }
    p->evals++;
    if (!p->hit && f <= p->target) p->hit = p->evals;
    return f;
}

static nlopt_opt make_opt(nlopt_algorithm a, lasso *p, int maxeval)
{
    nlopt_opt o = nlopt_create(a, N);
    nlopt_set_lower_bounds1(o, -5);
    nlopt_set_upper_bounds1(o, 5);
    nlopt_set_min_objective(o, lasso_f, p);
    nlopt_set_ftol_rel(o, 1e-14);
    nlopt_set_maxeval(o, maxeval);
    return o;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s WEIGHTS.h5 [INSTANCES=10]\n", argv[0]);
        return 2;
    }
    int count = argc > 2 ? atoi(argv[2]) : 10;
    dl2o_family *fam = NULL;
    dl2o_initializer *init = NULL;
    if (dl2o_family_standard("lasso-5x10", &fam) != DL2O_OK) goto fail;
    FILE *exists = fopen(argv[1], "rb");
    if (exists) fclose(exists);
    else {
        printf("training a small lasso-5x10 model into %s ...\n", argv[1]);
        dl2o_train_config c;
        dl2o_train_config_default(&c);
        c.instances = 2000, c.steps = 600, c.width = 64, c.blocks = 2, c.probes = 12, c.seed = 5;
        c.restarts = 3, c.oracle_width = 64, c.oracle_blocks = 1;
        if (dl2o_train(fam, &c, argv[1], NULL) != DL2O_OK) goto fail;
    }
    if (dl2o_initializer_load(argv[1], &init) != DL2O_OK) goto fail;
    dl2o_initializer_set_candidates(init, 8);

    double theta[M * N + M];
    long total[2] = {0, 0};
    printf("%8s %12s %10s %10s\n", "instance", "f*", "cold", "dl2o warm");
    for (int k = 0; k < count; k++) {
        dl2o_family_sample_theta(fam, 31337, (uint64_t)k, theta);
        lasso p = {theta, theta + M * N, 0, 0, -HUGE_VAL};
        double x[N] = {0}, fstar;
        nlopt_opt o = make_opt(NLOPT_LD_SLSQP, &p, 20000);
        nlopt_optimize(o, x, &fstar);
        nlopt_destroy(o);
        int used[2];
        for (int warm = 0; warm < 2; warm++) {
            lasso q = {theta, theta + M * N, 0, 0, fstar + 1e-6 * (1 + fabs(fstar))};
            double minf;
            memset(x, 0, sizeof x);
            o = make_opt(NLOPT_LD_LBFGS, &q, 3000);
            if (warm && dl2o_nlopt_warmstart(o, init, lasso_f, &q, NULL, x) != DL2O_OK) goto fail;
            nlopt_optimize(o, x, &minf);
            nlopt_destroy(o);
            used[warm] = q.hit ? q.hit : q.evals; /* q.evals: never got there */
            total[warm] += used[warm];
        }
        printf("%8d %12.6f %10d %10d\n", k, fstar, used[0], used[1]);
    }
    printf("%8s %12s %10.1f %10.1f  (mean evaluations)\n", "", "", (double)total[0] / count,
           (double)total[1] / count);
    dl2o_initializer_free(init);
    dl2o_family_free(fam);
    return 0;
fail:
    fprintf(stderr, "%s\n", dl2o_last_error());
    dl2o_initializer_free(init);
    dl2o_family_free(fam);
    return 1;
}
