#include "reference.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datagen.h"
#include "family.h"

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

/* While x has more than m nonzeros, A_S has a null vector d: along it the
 * residual stays put and the L1 term is linear, so step along +-d (the sign
 * that does not raise f) until a coordinate reaches 0. Leaves at most m
 * nonzeros, f not raised, r unchanged. Returns -1 if it cannot (a singular
 * m x m minor, or the box in the way). */
static int lasso_shrink_support(const dl2o_family *fam, const double *A, double *x)
{
    int m = fam->m, n = fam->n, ok = 0;
    int *T = malloc((size_t)(m + 1) * sizeof *T);
    double *M = malloc((size_t)m * m * sizeof *M), *rhs = malloc((size_t)m * sizeof *rhs);
    double *d = malloc((size_t)(m + 1) * sizeof *d);
    if (!T || !M || !rhs || !d) ok = -1;
    while (ok == 0) {
        int k = 0;
        for (int j = 0; j < n && k <= m; j++)
            if (x[j] != 0.0) T[k++] = j;
        if (k <= m) break;
        /* d = (1, y) on T with A_T d = 0: A_{T[1..m]} y = -a_{T[0]} (m, m) */
        for (int i = 0; i < m; i++) {
            rhs[i] = -A[(size_t)i * n + T[0]];
            for (int c = 0; c < m; c++) M[(size_t)i * m + c] = A[(size_t)i * n + T[c + 1]];
        }
        d[0] = 1.0;
        if ((ok = solve_linear(m, M, rhs, d + 1)) != 0) break;
        double slope = 0.0; /* d(L1)/dt along +d */
        for (int u = 0; u <= m; u++) slope += (x[T[u]] > 0 ? 1.0 : -1.0) * d[u];
        double sg = slope > 0 ? -1.0 : 1.0, step = HUGE_VAL;
        int hit = -1;
        for (int u = 0; u <= m; u++) {
            double du = sg * d[u], t = HUGE_VAL;
            if (du * x[T[u]] < 0) t = -x[T[u]] / du;
            if (t < step) step = t, hit = u;
        }
        for (int u = 0; u <= m && hit >= 0; u++) {
            double nx = u == hit ? 0.0 : x[T[u]] + step * sg * d[u];
            if (!(nx >= fam->lower[T[u]] && nx <= fam->upper[T[u]])) ok = -1;
        }
        if (hit < 0 || ok != 0) {
            ok = -1;
            break;
        }
        for (int u = 0; u <= m; u++) x[T[u]] = u == hit ? 0.0 : x[T[u]] + step * sg * d[u];
    }
    free(T);
    free(M);
    free(rhs);
    free(d);
    return ok;
}

/* A subspace step of coordinate descent. On the orthant of x's sign pattern
 * s, with the zeros held, the objective is a quadratic whose minimizer solves
 * A_S'A_S x_S = A_S'b - lambda s. Move x (and r = Ax - b) toward it as far as
 * the signs and the box allow; a coordinate that reaches 0 stays there, so f
 * never rises. Returns 0 when the full step was taken and x satisfies the KKT
 * conditions (|A_j'r| <= lambda off the support): x is then the optimum. */
static int lasso_subspace_step(const dl2o_family *fam, const double *A, const double *b,
                               double *x, double *r)
{
    int m = fam->m, n = fam->n, k = 0;
    int *S = malloc((size_t)n * sizeof *S);
    double *G = malloc((size_t)n * n * sizeof *G), *rhs = malloc((size_t)n * sizeof *rhs);
    double *xs = malloc((size_t)n * sizeof *xs);
    int ok = S && G && rhs && xs ? 0 : -1;
    if (ok == 0) {
        /* The shrink may move x even when it stops short of m nonzeros:
         * r = Ax - b afresh either way, not drifted by its steps. */
        ok = lasso_shrink_support(fam, A, x);
        for (int i = 0; i < m; i++) {
            double t = -b[i];
            for (int j = 0; j < n; j++) t += A[(size_t)i * n + j] * x[j];
            r[i] = t;
        }
    }
    for (int j = 0; j < n && ok == 0; j++)
        if (x[j] != 0.0) S[k++] = j;
    if (ok == 0 && (k == 0 || k > m)) ok = -1;
    for (int u = 0; u < k && ok == 0; u++) { /* G = A_S'A_S (k, k), rhs (k) */
        double t = 0.0;
        for (int i = 0; i < m; i++) t += A[(size_t)i * n + S[u]] * b[i];
        rhs[u] = t - DL2O_LASSO_LAMBDA * (x[S[u]] > 0 ? 1.0 : -1.0);
        for (int v = 0; v < k; v++) {
            double g = 0.0;
            for (int i = 0; i < m; i++) g += A[(size_t)i * n + S[u]] * A[(size_t)i * n + S[v]];
            G[(size_t)u * k + v] = g;
        }
    }
    if (ok == 0) ok = solve_linear(k, G, rhs, xs);
    double step = 1.0;
    int hit = -1; /* the coordinate that limits the step */
    for (int u = 0; u < k && ok == 0; u++) {
        int j = S[u];
        double d = xs[u] - x[j], t = 1.0;
        if ((xs[u] > 0) != (x[j] > 0) || xs[u] == 0.0) t = x[j] / (x[j] - xs[u]);
        if (xs[u] > fam->upper[j]) t = fmin(t, (fam->upper[j] - x[j]) / d);
        if (xs[u] < fam->lower[j]) t = fmin(t, (fam->lower[j] - x[j]) / d);
        if (t < step) step = t, hit = u;
    }
    if (ok == 0) {
        for (int u = 0; u < k; u++) {
            double nx = u == hit && xs[u] * x[S[u]] <= 0.0 ? 0.0 : x[S[u]] + step * (xs[u] - x[S[u]]);
            nx = fmin(fmax(nx, fam->lower[S[u]]), fam->upper[S[u]]);
            double d = nx - x[S[u]];
            for (int i = 0; i < m; i++) r[i] += A[(size_t)i * n + S[u]] * d;
            x[S[u]] = nx;
        }
        if (hit >= 0) ok = -1;
    }
    for (int j = 0, u = 0; j < n && ok == 0; j++) { /* KKT off the support */
        if (u < k && S[u] == j) {
            u++;
            continue;
        }
        double g = 0.0;
        for (int i = 0; i < m; i++) g += A[(size_t)i * n + j] * r[i];
        if (fabs(g) > DL2O_LASSO_LAMBDA * (1.0 + 1e-12)) ok = -1;
    }
    free(S);
    free(G);
    free(rhs);
    free(xs);
    return ok;
}

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
        /* CD alone crawls on lasso-25x50, whose support has nearly m
         * columns (A_S'A_S ill-conditioned: 10^4 to 10^6 sweeps at moves of
         * 1e-6); a subspace step every few sweeps ends it in a few. */
        if (sweep % 4 == 3 && lasso_subspace_step(fam, A, b, x, r) == 0) break;
    }
    free(r);
    free(aa);
    return dl2o_family_eval(fam, theta, x, NULL);
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
