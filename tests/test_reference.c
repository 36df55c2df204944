/* test_reference.c — the best-known optima dl2o bench scores against
 * (plugin/reference.c, plugin/rastrigin_fstar.c).
 *
 *   rastrigin-2:  lattice enumeration matches an exhaustive search that
 *                 starts L-BFGS in every lattice cell of the box (and at the
 *                 cell corners), so no basin is missed.
 *   rastrigin-10: lattice enumeration is never worse than 3000 L-BFGS starts,
 *                 and is strictly better on most instances (DESIGN.md: random
 *                 starts miss the best minimum almost always at n = 10).
 *   lasso-*:      the coordinate-descent optimum satisfies the KKT conditions.
 *   ackley-*:     0 at A^-1 b, or NaN when that is outside the box.
 * Every returned f must equal f at the returned x, inside the box. */
#include <math.h>
#include <nlopt.h>
#include <stdlib.h>
#include <string.h>

#include "datagen.h"
#include "family.h"
#include "reference.h"
#include "testutil.h"

#define SEED 4242 /* not a training or benchmark seed */

static double lbfgs_from(const dl2o_family *fam, const double *theta, double *x)
{
    dl2o_instance inst = {fam, theta};
    nlopt_opt opt = nlopt_create(NLOPT_LD_LBFGS, (unsigned)fam->n);
    nlopt_set_lower_bounds(opt, fam->lower);
    nlopt_set_upper_bounds(opt, fam->upper);
    nlopt_set_min_objective(opt, dl2o_instance_objective, &inst);
    nlopt_set_maxeval(opt, 1000);
    nlopt_set_ftol_rel(opt, 1e-12);
    nlopt_set_xtol_rel(opt, 1e-10);
    double f = NAN;
    nlopt_result r = nlopt_optimize(opt, x, &f);
    nlopt_destroy(opt);
    return r < 0 && r != NLOPT_ROUNDOFF_LIMITED ? INFINITY : f;
}

static void check_point(const dl2o_family *fam, const double *theta, double f, const double *x)
{
    CHECK(isfinite(f));
    for (int j = 0; j < fam->n; j++) CHECK(x[j] >= fam->lower[j] && x[j] <= fam->upper[j]);
    CHECK(fabs(dl2o_family_eval(fam, theta, x, NULL) - f) <= 1e-12 * (1 + fabs(f)));
}

static void test_rastrigin2(void)
{
    dl2o_family *fam = NULL;
    CHECK(dl2o_family_standard("rastrigin-2", &fam) == DL2O_OK);
    double theta[8], x[2], xs[2];
    int instances = 25;
    for (int i = 0; i < instances; i++) {
        dl2o_family_sample_theta(fam, SEED, (uint64_t)i, theta);
        double fstar = dl2o_reference_optimum(fam, theta, SEED, (uint64_t)i, 20, x);
        check_point(fam, theta, fstar, x);
        /* Exhaustive: a start at every quarter-integer point of the box
         * reaches every cell of both lattices (Z and Z + 1/2). */
        double brute = INFINITY;
        for (double u = -8; u <= 8; u += 0.25)
            for (double v = -8; v <= 8; v += 0.25) {
                xs[0] = u, xs[1] = v;
                brute = fmin(brute, lbfgs_from(fam, theta, xs));
            }
        CHECK_MSG(fstar <= brute + 1e-9 * (1 + fabs(brute)), "instance %d: lattice %.12g, "
                  "exhaustive %.12g", i, fstar, brute);
        CHECK_MSG(fstar >= brute - 1e-6, "instance %d: lattice %.12g below every minimum found "
                  "exhaustively (%.12g)", i, fstar, brute);
    }
    dl2o_family_free(fam);
}

static void test_rastrigin10(void)
{
    dl2o_family *fam = NULL;
    CHECK(dl2o_family_standard("rastrigin-10", &fam) == DL2O_OK);
    double theta[120], x[10], xm[10];
    int instances = 6, better = 0;
    for (int i = 0; i < instances; i++) {
        dl2o_family_sample_theta(fam, SEED, (uint64_t)i, theta);
        double fstar = dl2o_reference_optimum(fam, theta, SEED, (uint64_t)i, 50, x);
        check_point(fam, theta, fstar, x);
        double multi = dl2o_local_best(fam, theta, SEED + 1, (uint64_t)i, 3000, 1000, xm, NULL);
        CHECK_MSG(fstar <= multi + 1e-9 * (1 + fabs(multi)), "instance %d: lattice %.6f worse "
                  "than 3000 L-BFGS starts %.6f", i, fstar, multi);
        better += fstar < multi - 1e-6;
        printf("rastrigin-10 instance %d: lattice f* %.4f, 3000 starts %.4f\n", i, fstar, multi);
    }
    CHECK_MSG(better >= instances / 2, "lattice better than the multistart on %d/%d only",
              better, instances);
    dl2o_family_free(fam);
}

static void test_lasso(const char *name)
{
    dl2o_family *fam = NULL;
    CHECK(dl2o_family_standard(name, &fam) == DL2O_OK);
    int m = fam->m, n = fam->n;
    double *theta = malloc((size_t)fam->p * sizeof *theta), *x = malloc((size_t)n * sizeof *x);
    for (int i = 0; i < 50; i++) {
        dl2o_family_sample_theta(fam, SEED, (uint64_t)i, theta);
        double f = dl2o_reference_optimum(fam, theta, SEED, (uint64_t)i, 0, x);
        check_point(fam, theta, f, x);
        /* KKT of 1/2|Ax-b|^2 + lambda|x|_1 (the box is inactive at these sizes) */
        double worst = 0.0;
        for (int j = 0; j < n; j++) {
            double g = 0.0; /* (A'(Ax - b))_j */
            for (int r = 0; r < m; r++) {
                double res = -theta[(size_t)m * n + r];
                for (int k = 0; k < n; k++) res += theta[(size_t)r * n + k] * x[k];
                g += theta[(size_t)r * n + j] * res;
            }
            double v = x[j] != 0.0 ? fabs(g + DL2O_LASSO_LAMBDA * (x[j] > 0 ? 1 : -1))
                                   : fmax(0.0, fabs(g) - DL2O_LASSO_LAMBDA);
            worst = fmax(worst, v);
        }
        CHECK_MSG(worst <= 1e-9, "%s instance %d: KKT violation %.3g", name, i, worst);
    }
    free(theta);
    free(x);
    dl2o_family_free(fam);
}

static void test_ackley(const char *name)
{
    dl2o_family *fam = NULL;
    CHECK(dl2o_family_standard(name, &fam) == DL2O_OK);
    int n = fam->n, inside = 0;
    double *theta = malloc((size_t)fam->p * sizeof *theta), *x = malloc((size_t)n * sizeof *x);
    for (int i = 0; i < 40; i++) {
        dl2o_family_sample_theta(fam, SEED, (uint64_t)i, theta);
        double f = dl2o_reference_optimum(fam, theta, SEED, (uint64_t)i, 0, x);
        if (isnan(f)) continue; /* A^-1 b outside the box */
        inside++;
        check_point(fam, theta, f, x);
        CHECK(fabs(f) <= 1e-9);
    }
    CHECK(inside >= 20);
    free(theta);
    free(x);
    dl2o_family_free(fam);
}

int main(int argc, char **argv)
{
    const char *which = argc > 1 ? argv[1] : "";
    if (!strcmp(which, "rastrigin-2")) test_rastrigin2();
    else if (!strcmp(which, "rastrigin-10")) test_rastrigin10();
    else if (!strncmp(which, "lasso-", 6)) test_lasso(which);
    else if (!strncmp(which, "ackley-", 7)) test_ackley(which);
    else {
        fprintf(stderr, "usage: test_reference rastrigin-2|rastrigin-10|lasso-*|ackley-*\n");
        return 2;
    }
    return dl2o_test_finish("reference");
}
