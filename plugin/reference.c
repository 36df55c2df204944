#include "reference.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datagen.h"
#include "family.h"

/* Coordinate descent for 1/2 |Ax - b|^2 + lambda |x|_1 on a box: each
 * coordinate step is exact (soft threshold, then clamp into the box). */
static double lasso_cd(const dl2o_family *fam, const double *theta, double *x)
{
    int m = fam->m, n = fam->n;
    const double *A = theta, *b = theta + (size_t)m * n;
    double *r = malloc((size_t)m * sizeof *r), *aa = malloc((size_t)n * sizeof *aa);
    if (!r || !aa) {
        free(r);
        free(aa);
        return NAN;
    }
    for (int j = 0; j < n; j++) {
        x[j] = 0.0;
        aa[j] = 0.0;
        for (int i = 0; i < m; i++) aa[j] += A[(size_t)i * n + j] * A[(size_t)i * n + j];
    }
    for (int i = 0; i < m; i++) r[i] = -b[i]; /* r = Ax - b at x = 0 */
    for (int sweep = 0; sweep < 1000000; sweep++) {
        double moved = 0.0;
        for (int j = 0; j < n; j++) {
            if (aa[j] == 0.0) continue;
            double ar = 0.0;
            for (int i = 0; i < m; i++) ar += A[(size_t)i * n + j] * r[i];
            double z = x[j] * aa[j] - ar, lam = DL2O_LASSO_LAMBDA;
            double nx = (z > lam ? z - lam : z < -lam ? z + lam : 0.0) / aa[j];
            nx = fmin(fmax(nx, fam->lower[j]), fam->upper[j]);
            double d = nx - x[j];
            if (d != 0.0)
                for (int i = 0; i < m; i++) r[i] += A[(size_t)i * n + j] * d;
            x[j] = nx;
            moved = fmax(moved, fabs(d));
        }
        if (moved < 1e-15) break;
    }
    free(r);
    free(aa);
    return dl2o_family_eval(fam, theta, x, NULL);
}

/* x = A^-1 b by Gaussian elimination with partial pivoting; -1 if singular. */
static int solve_linear(int n, const double *A, const double *b, double *x)
{
    double *M = malloc((size_t)n * (n + 1) * sizeof *M);
    if (!M) return -1;
    for (int i = 0; i < n; i++) {
        memcpy(M + (size_t)i * (n + 1), A + (size_t)i * n, (size_t)n * sizeof *M);
        M[(size_t)i * (n + 1) + n] = b[i];
    }
    int ok = 0;
    for (int c = 0; c < n; c++) {
        int p = c;
        for (int i = c + 1; i < n; i++)
            if (fabs(M[(size_t)i * (n + 1) + c]) > fabs(M[(size_t)p * (n + 1) + c])) p = i;
        if (fabs(M[(size_t)p * (n + 1) + c]) < 1e-300) {
            ok = -1;
            break;
        }
        for (int k = 0; k <= n && p != c; k++) {
            double t = M[(size_t)c * (n + 1) + k];
            M[(size_t)c * (n + 1) + k] = M[(size_t)p * (n + 1) + k];
            M[(size_t)p * (n + 1) + k] = t;
        }
        for (int i = c + 1; i < n; i++) {
            double f = M[(size_t)i * (n + 1) + c] / M[(size_t)c * (n + 1) + c];
            for (int k = c; k <= n; k++) M[(size_t)i * (n + 1) + k] -= f * M[(size_t)c * (n + 1) + k];
        }
    }
    for (int i = n - 1; i >= 0 && ok == 0; i--) {
        double s = M[(size_t)i * (n + 1) + n];
        for (int k = i + 1; k < n; k++) s -= M[(size_t)i * (n + 1) + k] * x[k];
        x[i] = s / M[(size_t)i * (n + 1) + i];
    }
    free(M);
    return ok;
}

double dl2o_reference_optimum(const dl2o_family *fam, const double *theta, uint64_t seed,
                              uint64_t index, int starts, double *x)
{
    switch (fam->kind) {
    case DL2O_FAMILY_LASSO: return lasso_cd(fam, theta, x);
    case DL2O_FAMILY_ACKLEY: {
        int n = fam->n;
        if (solve_linear(n, theta, theta + (size_t)n * n, x) != 0) return NAN;
        for (int j = 0; j < n; j++)
            if (!(x[j] >= fam->lower[j] && x[j] <= fam->upper[j])) return NAN;
        return dl2o_family_eval(fam, theta, x, NULL);
    }
    case DL2O_FAMILY_RASTRIGIN: return dl2o_rastrigin_fstar(fam, theta, seed, index, starts, x);
    case DL2O_FAMILY_CUSTOM: break;
    }
    return dl2o_local_best(fam, theta, seed, index, starts, 1000, x, NULL);
}
