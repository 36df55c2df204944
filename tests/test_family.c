/* test_family.c — the standard and custom families of DESIGN.md.
 *
 *   test_family <family>   one standard family (lasso-5x10, rastrigin-10, ...):
 *                          reference vectors from ../shared/testvectors, finite
 *                          differences, LASSO kinks, Ackley's minimum, box and
 *                          dims, theta sampling, dl2o_instance_objective.
 *   test_family --parse    name parsing, sized forms against an independent
 *                          long-double implementation.
 *   test_family --custom   dl2o_family_custom: callbacks, samplers, theta files,
 *                          bad specs.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "dl2o.h"
#include "family.h"
#include "rng.h"
#include "testutil.h"

#define PI_L 3.141592653589793238462643383279502884L
#define E_L 2.718281828459045235360287471352662498L

/* ---- helpers ------------------------------------------------------------------ */

static double norm2(const double *v, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += v[i] * v[i];
    return sqrt(s);
}

static int all_finite(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i])) return 0;
    return 1;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    return p;
}

static void uniform_in_box(dl2o_rng *rng, const dl2o_family *fam, double *x)
{
    const double *lo = dl2o_family_lower(fam), *hi = dl2o_family_upper(fam);
    for (unsigned j = 0; j < dl2o_family_dim_x(fam); j++)
        x[j] = lo[j] + (hi[j] - lo[j]) * dl2o_rng_uniform(rng);
}

/* Independent implementation of DESIGN.md's formulas in long double, written
 * column by column. Returns f and fills grad (n). For LASSO, also returns the
 * smooth part's gradient A^T r in smooth_grad when it is not NULL. */
static double ref_eval(dl2o_family_kind kind, int m, int n, const double *th, const double *x,
                       double *grad, double *smooth_grad)
{
    const double *A = th, *b = th + (size_t)m * n;
    long double *r = xmalloc((size_t)m * sizeof *r);
    for (int i = 0; i < m; i++) r[i] = -(long double)b[i];
    for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++) r[i] += (long double)A[(size_t)i * n + j] * x[j];
    long double f = 0.0L;
    long double *w = xmalloc((size_t)m * sizeof *w); /* weights so that grad = A^T w + extra */
    long double *extra = xmalloc((size_t)n * sizeof *extra);
    for (int j = 0; j < n; j++) extra[j] = 0.0L;
    if (kind == DL2O_FAMILY_LASSO || kind == DL2O_FAMILY_RASTRIGIN) {
        for (int i = 0; i < m; i++) {
            f += 0.5L * r[i] * r[i];
            w[i] = r[i];
        }
        if (kind == DL2O_FAMILY_LASSO) {
            for (int j = 0; j < n; j++) {
                f += 0.005L * fabsl((long double)x[j]);
                extra[j] = x[j] > 0 ? 0.005L : x[j] < 0 ? -0.005L : 0.0L;
            }
        } else {
            const double *c = b + m;
            for (int j = 0; j < n; j++) {
                f += 10.0L - 10.0L * c[j] * cosl(2.0L * PI_L * x[j]);
                extra[j] = 10.0L * 2.0L * PI_L * c[j] * sinl(2.0L * PI_L * x[j]);
            }
        }
    } else { /* ackley */
        long double ss = 0.0L, cs = 0.0L;
        for (int i = 0; i < m; i++) {
            ss += r[i] * r[i];
            cs += cosl(2.0L * PI_L * r[i]);
        }
        long double q = sqrtl(ss / n), e1 = expl(-0.2L * q), e2 = expl(cs / n);
        f = -20.0L * e1 - e2 + 20.0L + E_L;
        for (int i = 0; i < m; i++)
            w[i] = (q > 0 ? 4.0L * e1 * r[i] / (n * q) : 0.0L) +
                   2.0L * PI_L / n * e2 * sinl(2.0L * PI_L * r[i]);
    }
    for (int j = 0; j < n; j++) {
        long double s = 0.0L;
        for (int i = 0; i < m; i++) s += (long double)A[(size_t)i * n + j] * w[i];
        if (smooth_grad) smooth_grad[j] = (double)s;
        if (grad) grad[j] = (double)(s + extra[j]);
    }
    free(r);
    free(w);
    free(extra);
    return (double)f;
}

/* Gradient comparison: every component within rtol * (1 + ||ref||). */
static double grad_err(const double *g, const double *ref, int n)
{
    double worst = 0.0, scale = 1.0 + norm2(ref, (size_t)n);
    for (int j = 0; j < n; j++) {
        double e = fabs(g[j] - ref[j]) / scale;
        if (!(e <= worst)) worst = e; /* NaN propagates as failure */
    }
    return worst;
}

/* ---- reference vectors ------------------------------------------------------------ */

#define VEC_LINE_MAX (1u << 20)

/* Reads the next data line of fp (skipping '#' and blank lines) as numbers.
 * Returns the count, 0 at EOF, -1 on a malformed line. */
static long read_numbers(FILE *fp, char *buf, double **out, size_t *lineno)
{
    for (;;) {
        if (!fgets(buf, VEC_LINE_MAX, fp)) return 0;
        ++*lineno;
        size_t l = strlen(buf);
        if (l == VEC_LINE_MAX - 1 && buf[l - 1] != '\n') return -1;
        while (l && (buf[l - 1] == '\n' || buf[l - 1] == '\r' || buf[l - 1] == ' ')) buf[--l] = 0;
        if (l == 0 || buf[0] == '#') continue;
        break;
    }
    size_t cap = 16, len = 0;
    double *v = xmalloc(cap * sizeof *v);
    char *p = buf;
    for (;;) {
        char *end;
        double d = strtod(p, &end);
        if (end == p) {
            free(v);
            return -1;
        }
        if (len == cap) {
            cap *= 2;
            double *nv = realloc(v, cap * sizeof *nv);
            if (!nv) {
                free(v);
                return -1;
            }
            v = nv;
        }
        v[len++] = d;
        while (*end == ' ') end++;
        if (*end == '\0') break;
        if (*end != ',') {
            free(v);
            return -1;
        }
        p = end + 1;
    }
    *out = v;
    return (long)len;
}

static void test_reference_vectors(const dl2o_family *fam, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/testvectors/%s.txt", DL2O_SHARED_DIR, name);
    FILE *fp = fopen(path, "r");
    CHECK_MSG(fp != NULL,
              "reference vectors %s are missing: they are required, not optional (the shared "
              "folder holds one file per standard family)",
              path);
    if (!fp) return;
    char *buf = xmalloc(VEC_LINE_MAX);
    const int n = (int)dl2o_family_dim_x(fam), p = (int)dl2o_family_dim_theta(fam);
    double *g = xmalloc((size_t)n * sizeof *g), *g2 = xmalloc((size_t)n * sizeof *g2);
    size_t lineno = 0;
    int cases = 0, bad = 0;
    double worst_f = 0.0, worst_g = 0.0;
    for (;;) {
        double *v[4] = {NULL, NULL, NULL, NULL};
        long len[4];
        len[0] = read_numbers(fp, buf, &v[0], &lineno);
        if (len[0] == 0) break;
        for (int k = 1; k < 4 && len[0] > 0; k++) len[k] = read_numbers(fp, buf, &v[k], &lineno);
        int ok = len[0] == p && len[1] == n && len[2] == 1 && len[3] == n;
        CHECK_MSG(ok, "%s: case %d (ending at line %zu) is malformed: expected %d,%d,1,%d numbers",
                  path, cases + 1, lineno, p, n, n);
        if (ok) {
            const double *theta = v[0], *x = v[1], fref = v[2][0], *gref = v[3];
            double f = dl2o_family_eval(fam, theta, x, g);
            double f_nograd = dl2o_family_eval(fam, theta, x, NULL);
            double ef = fabs(f - fref) / (1e-13 + fabs(fref));
            double eg = grad_err(g, gref, n);
            if (!(ef <= worst_f)) worst_f = ef;
            if (!(eg <= worst_g)) worst_g = eg;
            CHECK_MSG(dl2o_test_close(f, fref, 1e-13, 1e-12),
                      "%s case %d: f = %.17g, reference %.17g", name, cases + 1, f, fref);
            CHECK_MSG(eg <= 1e-9, "%s case %d: gradient off by %.3g (relative to 1 + |g|)",
                      name, cases + 1, eg);
            CHECK_MSG(f_nograd == f, "%s case %d: f without gradient %.17g != %.17g", name,
                      cases + 1, f_nograd, f);
            /* The independent long-double implementation agrees too. */
            double fr = ref_eval(fam->kind, fam->m, n, theta, x, g2, NULL);
            CHECK_MSG(dl2o_test_close(fr, fref, 1e-13, 1e-12),
                      "%s case %d: test's own f %.17g vs reference %.17g", name, cases + 1, fr,
                      fref);
            CHECK(grad_err(g2, gref, n) <= 1e-9);
        } else {
            bad++;
        }
        for (int k = 0; k < 4; k++) free(v[k]);
        cases++;
        if (bad) break;
    }
    CHECK_MSG(cases >= 5, "%s: %d cases, expected at least 5", path, cases);
    printf("%s: %d reference cases, worst relative error f %.3g, grad %.3g\n", name, cases,
           worst_f, worst_g);
    fclose(fp);
    free(buf);
    free(g);
    free(g2);
}

/* ---- finite differences ------------------------------------------------------------- */

/* Central differences of f against the analytic gradient at x; returns the
 * worst |fd - g| / (1 + ||g||). Steps never cross a LASSO kink except at
 * coordinates that sit on it (x_j == 0), where the central difference is the
 * average of the one-sided derivatives. */
static double fd_error(const dl2o_family *fam, const double *theta, const double *x, double h)
{
    int n = (int)dl2o_family_dim_x(fam);
    double *g = xmalloc((size_t)n * sizeof *g), *xp = xmalloc((size_t)n * sizeof *xp);
    dl2o_family_eval(fam, theta, x, g);
    double worst = 0.0, scale = 1.0 + norm2(g, (size_t)n);
    if (!all_finite(g, (size_t)n)) worst = INFINITY;
    for (int j = 0; j < n; j++) {
        double hj = h;
        if (x[j] != 0.0 && fabs(x[j]) < 2 * hj) hj = fabs(x[j]) / 2;
        memcpy(xp, x, (size_t)n * sizeof *xp);
        xp[j] = x[j] + hj;
        double up = xp[j], fp = dl2o_family_eval(fam, theta, xp, NULL);
        xp[j] = x[j] - hj;
        double dn = xp[j], fm = dl2o_family_eval(fam, theta, xp, NULL);
        double fd = (fp - fm) / (up - dn);
        double e = fabs(fd - g[j]) / scale;
        if (!(e <= worst)) worst = e;
    }
    free(g);
    free(xp);
    return worst;
}

/* Tolerances for central differences with h = 1e-5 (measured worst errors
 * are one to two orders below). LASSO is a quadratic plus |x|: the central
 * difference is exact up to rounding. */
static double fd_tolerance(dl2o_family_kind kind) { return kind == DL2O_FAMILY_LASSO ? 1e-7 : 2e-6; }

static void test_finite_differences(const dl2o_family *fam, const char *name)
{
    int n = (int)dl2o_family_dim_x(fam), p = (int)dl2o_family_dim_theta(fam);
    double *theta = xmalloc((size_t)p * sizeof *theta), *x = xmalloc((size_t)n * sizeof *x);
    dl2o_rng rng;
    dl2o_rng_init(&rng, 12345, 99, 0);
    double worst = 0.0, tol = fd_tolerance(fam->kind);
    for (int k = 0; k < 20; k++) {
        CHECK(dl2o_family_sample_theta(fam, 777, (uint64_t)k, theta) == DL2O_OK);
        uniform_in_box(&rng, fam, x);
        double e = fd_error(fam, theta, x, 1e-5);
        CHECK_MSG(e <= tol, "%s point %d: finite differences off by %.3g (> %g)", name, k, e, tol);
        if (!(e <= worst)) worst = e;
    }
    printf("%s: finite differences at 20 random points, worst %.3g (tolerance %g)\n", name,
           worst, tol);

    /* Near the box corners too: the box is where solvers go. */
    for (int k = 0; k < 3; k++) {
        CHECK(dl2o_family_sample_theta(fam, 778, (uint64_t)k, theta) == DL2O_OK);
        for (int j = 0; j < n; j++)
            x[j] = (dl2o_rng_uniform(&rng) < 0.5 ? dl2o_family_lower(fam)[j]
                                                 : dl2o_family_upper(fam)[j]) *
                   (1.0 - 1e-3 * dl2o_rng_uniform(&rng));
        double e = fd_error(fam, theta, x, 1e-5);
        CHECK_MSG(e <= tol, "%s corner %d: finite differences off by %.3g", name, k, e);
    }
    free(theta);
    free(x);
}

/* LASSO kinks: with sign(0) = 0 the gradient component at x_j = 0 is exactly
 * the smooth part (A^T r)_j, which is also the average of the one-sided
 * derivatives and what a central difference measures. */
static void test_lasso_kinks(const dl2o_family *fam, const char *name)
{
    int n = (int)dl2o_family_dim_x(fam), p = (int)dl2o_family_dim_theta(fam);
    double *theta = xmalloc((size_t)p * sizeof *theta), *x = xmalloc((size_t)n * sizeof *x);
    double *g = xmalloc((size_t)n * sizeof *g), *sg = xmalloc((size_t)n * sizeof *sg);
    double *xp = xmalloc((size_t)n * sizeof *xp);
    dl2o_rng rng;
    dl2o_rng_init(&rng, 4242, 99, 1);
    int zeros = 0;
    for (int k = 0; k < 20; k++) {
        CHECK(dl2o_family_sample_theta(fam, 779, (uint64_t)k, theta) == DL2O_OK);
        uniform_in_box(&rng, fam, x);
        for (int j = 0; j < n; j++)
            if ((j + k) % 3 == 0 || k == 19) x[j] = 0.0; /* the last point is x = 0 */
        double e = fd_error(fam, theta, x, 1e-5);
        CHECK_MSG(e <= fd_tolerance(DL2O_FAMILY_LASSO),
                  "%s kink point %d: central differences off by %.3g", name, k, e);
        dl2o_family_eval(fam, theta, x, g);
        ref_eval(DL2O_FAMILY_LASSO, fam->m, n, theta, x, NULL, sg);
        double scale = 1.0 + norm2(sg, (size_t)n);
        for (int j = 0; j < n; j++) {
            if (x[j] != 0.0) {
                double s = x[j] > 0 ? 1.0 : -1.0;
                CHECK_MSG(fabs(g[j] - (sg[j] + 0.005 * s)) <= 1e-12 * scale,
                          "%s point %d: grad[%d] = %.17g, expected (A^T r)_j + lambda sign(x_j) "
                          "= %.17g",
                          name, k, j, g[j], sg[j] + 0.005 * s);
                continue;
            }
            zeros++;
            CHECK_MSG(fabs(g[j] - sg[j]) <= 1e-12 * scale,
                      "%s point %d: at x[%d] = 0 grad = %.17g, expected (A^T r)_j = %.17g "
                      "(sign(0) = 0)",
                      name, k, j, g[j], sg[j]);
            /* One-sided derivatives are (A^T r)_j +- lambda; grad is their mean. */
            double h = 1e-6, f0 = dl2o_family_eval(fam, theta, x, NULL);
            memcpy(xp, x, (size_t)n * sizeof *xp);
            xp[j] = h;
            double right = (dl2o_family_eval(fam, theta, xp, NULL) - f0) / h;
            xp[j] = -h;
            double left = (f0 - dl2o_family_eval(fam, theta, xp, NULL)) / h;
            CHECK_MSG(fabs(right - left - 2 * 0.005) <= 1e-4 * scale,
                      "%s point %d: one-sided derivatives at x[%d] = 0 differ by %.6g, expected "
                      "2 lambda = 0.01",
                      name, k, j, right - left);
            CHECK_MSG(fabs(0.5 * (right + left) - g[j]) <= 1e-4 * scale,
                      "%s point %d: grad[%d] = %.10g is not the mean %.10g of the one-sided "
                      "derivatives",
                      name, k, j, g[j], 0.5 * (right + left));
        }
    }
    CHECK(zeros > 20);
    free(theta);
    free(x);
    free(g);
    free(sg);
    free(xp);
}

/* Solves A x = b (n x n, row-major) by Gaussian elimination with partial
 * pivoting and one step of iterative refinement. Returns 0 on success. */
static int solve(int n, const double *A0, const double *b0, double *x)
{
    double *A = xmalloc((size_t)n * n * sizeof *A), *b = xmalloc((size_t)n * sizeof *b);
    double *r = xmalloc((size_t)n * sizeof *r);
    int *perm = xmalloc((size_t)n * sizeof *perm), rc = 0;
    memcpy(A, A0, (size_t)n * n * sizeof *A);
    for (int i = 0; i < n; i++) perm[i] = i;
    for (int k = 0; k < n && !rc; k++) {
        int piv = k;
        for (int i = k + 1; i < n; i++)
            if (fabs(A[(size_t)i * n + k]) > fabs(A[(size_t)piv * n + k])) piv = i;
        if (A[(size_t)piv * n + k] == 0.0) {
            rc = -1;
            break;
        }
        if (piv != k) {
            for (int j = 0; j < n; j++) {
                double t = A[(size_t)k * n + j];
                A[(size_t)k * n + j] = A[(size_t)piv * n + j];
                A[(size_t)piv * n + j] = t;
            }
            int t = perm[k];
            perm[k] = perm[piv];
            perm[piv] = t;
        }
        for (int i = k + 1; i < n; i++) {
            double l = A[(size_t)i * n + k] / A[(size_t)k * n + k];
            A[(size_t)i * n + k] = l;
            for (int j = k + 1; j < n; j++) A[(size_t)i * n + j] -= l * A[(size_t)k * n + j];
        }
    }
    for (int pass = 0; pass < 2 && !rc; pass++) {
        /* rhs: b on the first pass, the residual b - A x on the second. */
        for (int i = 0; i < n; i++) {
            long double s = b0[i];
            if (pass)
                for (int j = 0; j < n; j++) s -= (long double)A0[(size_t)i * n + j] * x[j];
            r[i] = (double)s;
        }
        for (int i = 0; i < n; i++) b[i] = r[perm[i]];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < i; j++) b[i] -= A[(size_t)i * n + j] * b[j];
        for (int i = n - 1; i >= 0; i--) {
            for (int j = i + 1; j < n; j++) b[i] -= A[(size_t)i * n + j] * b[j];
            b[i] /= A[(size_t)i * n + i];
        }
        for (int i = 0; i < n; i++) {
            if (pass) x[i] += b[i];
            else x[i] = b[i];
        }
    }
    free(A);
    free(b);
    free(r);
    free(perm);
    return rc;
}

/* The global minimum of Ackley is 0 at x = A^-1 b; the gradient there must
 * stay finite (the sqrt guard at z = 0). */
static void test_ackley_minimum(const dl2o_family *fam, const char *name)
{
    int n = (int)dl2o_family_dim_x(fam), p = (int)dl2o_family_dim_theta(fam);
    double *theta = xmalloc((size_t)p * sizeof *theta), *x = xmalloc((size_t)n * sizeof *x);
    double *g = xmalloc((size_t)n * sizeof *g);
    for (int k = 0; k < 5; k++) {
        CHECK(dl2o_family_sample_theta(fam, 2024, (uint64_t)k, theta) == DL2O_OK);
        CHECK(solve(n, theta, theta + (size_t)n * n, x) == 0);
        double f = dl2o_family_eval(fam, theta, x, g);
        CHECK_MSG(fabs(f) < 1e-10, "%s instance %d: f(A^-1 b) = %.3g, expected 0", name, k, f);
        CHECK_MSG(all_finite(g, (size_t)n), "%s instance %d: gradient at A^-1 b is not finite",
                  name, k);
        /* Moving away from the minimum increases f. */
        for (int j = 0; j < n; j++) x[j] += 1e-3;
        CHECK(dl2o_family_eval(fam, theta, x, NULL) > 1e-4);
    }
    /* z exactly 0: integer A, x and b = A x make the residual exact. The
     * gradient's direction is undefined there; the guard returns 0. */
    dl2o_rng rng;
    dl2o_rng_init(&rng, 5, 99, 2);
    for (int i = 0; i < n * n; i++) theta[i] = (double)((int)dl2o_rng_below(&rng, 9) - 4);
    for (int j = 0; j < n; j++) x[j] = (double)((int)dl2o_rng_below(&rng, 21) - 10);
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int j = 0; j < n; j++) s += theta[(size_t)i * n + j] * x[j];
        theta[(size_t)n * n + i] = s;
    }
    double f = dl2o_family_eval(fam, theta, x, g);
    CHECK_MSG(fabs(f) < 1e-10, "%s: f at z = 0 exactly is %.3g", name, f);
    CHECK_MSG(all_finite(g, (size_t)n), "%s: gradient at z = 0 exactly is not finite", name);
    CHECK_MSG(norm2(g, (size_t)n) == 0.0, "%s: gradient at z = 0 exactly is %.3g, expected 0",
              name, norm2(g, (size_t)n));
    free(theta);
    free(x);
    free(g);
}

/* ---- sampling and instances --------------------------------------------------------- */

static void test_sampling(const dl2o_family *fam, const char *name)
{
    int p = (int)dl2o_family_dim_theta(fam);
    double *a = xmalloc((size_t)p * sizeof *a), *b = xmalloc((size_t)p * sizeof *b);
    CHECK(dl2o_family_sample_theta(fam, 11, 3, a) == DL2O_OK);
    CHECK(dl2o_family_sample_theta(fam, 11, 3, b) == DL2O_OK);
    CHECK_MSG(memcmp(a, b, (size_t)p * sizeof *a) == 0, "%s: same seed/index differ", name);
    CHECK(all_finite(a, (size_t)p));
    /* Documented stream: theta of instance i is N(0,1) draws of (seed, THETA, i). */
    dl2o_rng rng;
    dl2o_rng_init(&rng, 11, DL2O_STREAM_THETA, 3);
    int same_stream = 1;
    for (int i = 0; i < p; i++) same_stream &= a[i] == dl2o_rng_normal(&rng);
    CHECK_MSG(same_stream, "%s: theta is not drawn from the (seed, DL2O_STREAM_THETA, index) stream",
              name);

    int equal = 0;
    CHECK(dl2o_family_sample_theta(fam, 11, 4, b) == DL2O_OK);
    for (int i = 0; i < p; i++) equal += a[i] == b[i];
    CHECK_MSG(equal == 0, "%s: indices 3 and 4 share %d of %d values", name, equal, p);
    equal = 0;
    CHECK(dl2o_family_sample_theta(fam, 12, 3, b) == DL2O_OK);
    for (int i = 0; i < p; i++) equal += a[i] == b[i];
    CHECK_MSG(equal == 0, "%s: seeds 11 and 12 share %d of %d values", name, equal, p);

    /* Moments over >= 1e5 draws: mean 0, variance 1, kurtosis 3, P(|x|<1). */
    int instances = (100000 + p - 1) / p;
    double s1 = 0, s2 = 0, s4 = 0, inside = 0;
    for (int k = 0; k < instances; k++) {
        if (dl2o_family_sample_theta(fam, 99, (uint64_t)k, a) != DL2O_OK) {
            CHECK(!"sample_theta failed");
            break;
        }
        for (int i = 0; i < p; i++) {
            s1 += a[i];
            s2 += a[i] * a[i];
            s4 += a[i] * a[i] * a[i] * a[i];
            inside += fabs(a[i]) < 1.0;
        }
    }
    double N = (double)instances * p, mean = s1 / N, var = s2 / N - mean * mean;
    /* 5 sigma: sd(mean) = 1/sqrt(N), sd(var) ~ sqrt(2/N), sd(m4) ~ sqrt(96/N). */
    CHECK_MSG(fabs(mean) < 5 / sqrt(N), "%s: theta mean %.4g", name, mean);
    CHECK_MSG(fabs(var - 1) < 5 * sqrt(2 / N), "%s: theta variance %.4g", name, var);
    CHECK_MSG(fabs(s4 / N - 3) < 5 * sqrt(96 / N), "%s: theta 4th moment %.4g", name, s4 / N);
    CHECK_MSG(fabs(inside / N - 0.682689492137086) < 5 * sqrt(0.25 / N),
              "%s: P(|theta| < 1) = %.4g", name, inside / N);
    free(a);
    free(b);
}

static void test_instance_objective(const dl2o_family *fam, const char *name)
{
    int n = (int)dl2o_family_dim_x(fam), p = (int)dl2o_family_dim_theta(fam);
    double *theta = xmalloc((size_t)p * sizeof *theta), *x = xmalloc((size_t)n * sizeof *x);
    double *g1 = xmalloc((size_t)n * sizeof *g1), *g2 = xmalloc((size_t)n * sizeof *g2);
    dl2o_rng rng;
    dl2o_rng_init(&rng, 31, 99, 3);
    for (int k = 0; k < 5; k++) {
        CHECK(dl2o_family_sample_theta(fam, 31, (uint64_t)k, theta) == DL2O_OK);
        uniform_in_box(&rng, fam, x);
        dl2o_instance inst = {fam, theta};
        double f1 = dl2o_family_eval(fam, theta, x, g1);
        double f2 = dl2o_instance_objective((unsigned)n, x, g2, &inst);
        double f3 = dl2o_instance_objective((unsigned)n, x, NULL, &inst);
        CHECK_MSG(f1 == f2 && f1 == f3, "%s: instance objective %.17g / %.17g vs eval %.17g", name,
                  f2, f3, f1);
        CHECK_MSG(memcmp(g1, g2, (size_t)n * sizeof *g1) == 0,
                  "%s: instance objective gradient differs from dl2o_family_eval", name);
        CHECK(isfinite(f1) && all_finite(g1, (size_t)n));
    }
    free(theta);
    free(x);
    free(g1);
    free(g2);
}

/* ---- one standard family ------------------------------------------------------------ */

typedef struct std_case {
    const char *name;
    dl2o_family_kind kind;
    int m, n, p;
    double box;
} std_case;

static const std_case STANDARD[] = {
    {"lasso-5x10", DL2O_FAMILY_LASSO, 5, 10, 5 * 10 + 5, 5.0},
    {"lasso-25x50", DL2O_FAMILY_LASSO, 25, 50, 25 * 50 + 25, 5.0},
    {"rastrigin-2", DL2O_FAMILY_RASTRIGIN, 2, 2, 4 + 2 + 2, 8.0},
    {"rastrigin-10", DL2O_FAMILY_RASTRIGIN, 10, 10, 100 + 10 + 10, 8.0},
    {"ackley-2", DL2O_FAMILY_ACKLEY, 2, 2, 4 + 2, 32.0},
    {"ackley-10", DL2O_FAMILY_ACKLEY, 10, 10, 100 + 10, 32.0},
};

static void check_shape(const dl2o_family *fam, const std_case *c)
{
    CHECK_MSG(strcmp(dl2o_family_name(fam), c->name) == 0, "name '%s', expected '%s'",
              dl2o_family_name(fam), c->name);
    CHECK_MSG(dl2o_family_dim_x(fam) == (unsigned)c->n, "%s: dim_x %u, expected %d", c->name,
              dl2o_family_dim_x(fam), c->n);
    CHECK_MSG(dl2o_family_dim_theta(fam) == (unsigned)c->p, "%s: dim_theta %u, expected %d",
              c->name, dl2o_family_dim_theta(fam), c->p);
    CHECK(fam->kind == c->kind && fam->m == c->m && fam->n == c->n);
    CHECK(fam->thread_safe == 1);
    CHECK(dl2o_family_theta_rows(fam) == 0);
    const double *lo = dl2o_family_lower(fam), *hi = dl2o_family_upper(fam);
    CHECK(lo != NULL && hi != NULL);
    if (!lo || !hi) return;
    for (int j = 0; j < c->n; j++)
        CHECK_MSG(lo[j] == -c->box && hi[j] == c->box, "%s: box of x[%d] is [%g, %g], expected "
                  "[%g, %g]", c->name, j, lo[j], hi[j], -c->box, c->box);
}

static void test_standard(const char *name)
{
    const std_case *c = NULL;
    for (size_t i = 0; i < sizeof STANDARD / sizeof *STANDARD; i++)
        if (strcmp(STANDARD[i].name, name) == 0) c = &STANDARD[i];
    CHECK_MSG(c != NULL, "'%s' is not one of the standard families this test knows", name);
    if (!c) return;
    dl2o_family *fam = NULL;
    dl2o_status st = dl2o_family_standard(name, &fam);
    CHECK_MSG(st == DL2O_OK && fam, "dl2o_family_standard(%s): %s", name, dl2o_last_error());
    if (!fam) return;
    check_shape(fam, c);
    test_reference_vectors(fam, name);
    test_finite_differences(fam, name);
    if (c->kind == DL2O_FAMILY_LASSO) test_lasso_kinks(fam, name);
    if (c->kind == DL2O_FAMILY_ACKLEY) test_ackley_minimum(fam, name);
    test_sampling(fam, name);
    test_instance_objective(fam, name);
    dl2o_family_free(fam);
}

/* ---- parsing ------------------------------------------------------------------------ */

static void test_sized(const char *name, dl2o_family_kind kind, int m, int n, double box)
{
    dl2o_family *fam = NULL;
    dl2o_status st = dl2o_family_standard(name, &fam);
    CHECK_MSG(st == DL2O_OK && fam, "'%s' rejected: %s", name, dl2o_last_error());
    if (!fam) return;
    int p = m * n + m + (kind == DL2O_FAMILY_RASTRIGIN ? n : 0);
    std_case c = {name, kind, m, n, p, box};
    check_shape(fam, &c);
    double *theta = xmalloc((size_t)p * sizeof *theta), *x = xmalloc((size_t)n * sizeof *x);
    double *g = xmalloc((size_t)n * sizeof *g), *gr = xmalloc((size_t)n * sizeof *gr);
    dl2o_rng rng;
    dl2o_rng_init(&rng, 8, 99, 4);
    for (int k = 0; k < 4; k++) {
        CHECK(dl2o_family_sample_theta(fam, 8, (uint64_t)k, theta) == DL2O_OK);
        uniform_in_box(&rng, fam, x);
        if (k == 3)
            for (int j = 0; j < n; j += 2) x[j] = 0.0;
        double f = dl2o_family_eval(fam, theta, x, g);
        double fr = ref_eval(kind, m, n, theta, x, gr, NULL);
        CHECK_MSG(dl2o_test_close(f, fr, 1e-13, 1e-12), "%s point %d: f %.17g, expected %.17g",
                  name, k, f, fr);
        CHECK_MSG(grad_err(g, gr, n) <= 1e-10, "%s point %d: gradient off by %.3g", name, k,
                  grad_err(g, gr, n));
    }
    free(theta);
    free(x);
    free(g);
    free(gr);
    dl2o_family_free(fam);
}

static void test_parse(void)
{
    test_sized("lasso-3x7", DL2O_FAMILY_LASSO, 3, 7, 5.0);
    test_sized("lasso-7x3", DL2O_FAMILY_LASSO, 7, 3, 5.0);
    test_sized("lasso-1x1", DL2O_FAMILY_LASSO, 1, 1, 5.0);
    test_sized("lasso-300x4", DL2O_FAMILY_LASSO, 300, 4, 5.0); /* m past the stack scratch */
    test_sized("rastrigin-5", DL2O_FAMILY_RASTRIGIN, 5, 5, 8.0);
    test_sized("rastrigin-1", DL2O_FAMILY_RASTRIGIN, 1, 1, 8.0);
    test_sized("rastrigin-260", DL2O_FAMILY_RASTRIGIN, 260, 260, 8.0);
    test_sized("ackley-3", DL2O_FAMILY_ACKLEY, 3, 3, 32.0);
    test_sized("ackley-1", DL2O_FAMILY_ACKLEY, 1, 1, 32.0);
    test_sized("ackley-260", DL2O_FAMILY_ACKLEY, 260, 260, 32.0);

    /* The largest size is accepted (nothing of size p is allocated yet). */
    dl2o_family *fam = NULL;
    CHECK(dl2o_family_standard("rastrigin-4096", &fam) == DL2O_OK && fam);
    if (fam) CHECK(dl2o_family_dim_x(fam) == 4096);
    dl2o_family_free(fam);
    dl2o_family_free(NULL); /* harmless */

    static const char *const bad[] = {
        "lasso-0x3",      "rastrigin-",     "ackley-2x",     "foo",           "",
        "rastrigin-99999", "rastrigin-4097", "lasso-4097x2",  "lasso-3",       "lasso-3x",
        "lasso-x3",       "lasso-3x0",      "lasso-5x10x2",  "lasso-5X10",    "lasso5x10",
        "rastrigin-0",    "rastrigin-02",   "rastrigin--2",  "rastrigin-+2",  "rastrigin-2 ",
        " rastrigin-2",   "Rastrigin-2",    "rastrigin-2.0", "rastrigin-1e1", "ackley-",
        "ackley-0",       "ackley-2x2",     "ackley",        "rastrigin-99999999999999999999999",
        "lasso-5x10\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        dl2o_family *sentinel = (dl2o_family *)&fam, *out = sentinel;
        dl2o_clear_error();
        dl2o_status st = dl2o_family_standard(bad[i], &out);
        CHECK_MSG(st == DL2O_EINVAL, "'%s' gave status %d, expected DL2O_EINVAL", bad[i], (int)st);
        CHECK_MSG(out == NULL, "'%s': *out not cleared on failure", bad[i]);
        CHECK_MSG(dl2o_last_error()[0] != '\0', "'%s': no error message", bad[i]);
        if (bad[i][0] && !strchr(bad[i], '\n'))
            CHECK_MSG(strstr(dl2o_last_error(), bad[i]) != NULL,
                      "the message does not name the bad family '%s': %s", bad[i],
                      dl2o_last_error());
        if (st == DL2O_OK && out != sentinel) dl2o_family_free(out);
    }
    dl2o_family *out = NULL;
    dl2o_clear_error();
    CHECK(dl2o_family_standard(NULL, &out) == DL2O_EINVAL && out == NULL);
    CHECK(dl2o_last_error()[0] != '\0');
    dl2o_clear_error();
    CHECK(dl2o_family_standard("lasso-5x10", NULL) == DL2O_EINVAL);
    CHECK(dl2o_last_error()[0] != '\0');

    /* Accessors on NULL do not crash. */
    CHECK(dl2o_family_dim_x(NULL) == 0 && dl2o_family_dim_theta(NULL) == 0);
    CHECK(dl2o_family_lower(NULL) == NULL && dl2o_family_upper(NULL) == NULL);
    CHECK(strcmp(dl2o_family_name(NULL), "") == 0);
    double th[1];
    dl2o_clear_error();
    CHECK(dl2o_family_sample_theta(NULL, 0, 0, th) == DL2O_EINVAL);
    CHECK(dl2o_last_error()[0] != '\0');
}

/* ---- custom families ---------------------------------------------------------------- */

/* f(x; theta) = sum_j theta[j] (x_j - theta[n + j])^2, theta through data. */
static const void *g_last_data;
static unsigned g_calls;

static double weighted_quad(unsigned n, const double *x, double *grad, void *data)
{
    const double *th = data;
    g_last_data = data;
    g_calls++;
    double f = 0.0;
    for (unsigned j = 0; j < n; j++) {
        double d = x[j] - th[n + j];
        f += th[j] * d * d;
        if (grad) grad[j] = 2.0 * th[j] * d;
    }
    return f;
}

typedef struct sampler_ctx {
    int calls;
    uint64_t last_seed;
    unsigned last_dim;
    int mode; /* 0: ok, 1: fail, 2: NaN */
} sampler_ctx;

static int my_sampler(uint64_t seed, unsigned dim_theta, double *theta, void *data)
{
    sampler_ctx *ctx = data;
    ctx->calls++;
    ctx->last_seed = seed;
    ctx->last_dim = dim_theta;
    dl2o_rng rng;
    dl2o_rng_init(&rng, seed, 0, 0);
    for (unsigned i = 0; i < dim_theta; i++) theta[i] = 0.5 + dl2o_rng_uniform(&rng);
    if (ctx->mode == 1) return 1;
    if (ctx->mode == 2) theta[dim_theta - 1] = NAN;
    return 0;
}

static int write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    if (!fp) return -1;
    fputs(text, fp);
    return fclose(fp);
}

static void expect_bad_spec(const dl2o_family_spec *spec, const char *what)
{
    dl2o_family sentinel_storage, *out = &sentinel_storage;
    dl2o_clear_error();
    dl2o_status st = dl2o_family_custom(spec, &out);
    CHECK_MSG(st == DL2O_EINVAL, "%s: status %d, expected DL2O_EINVAL", what, (int)st);
    if (spec) CHECK_MSG(out == NULL, "%s: *out not cleared", what);
    CHECK_MSG(dl2o_last_error()[0] != '\0', "%s: no error message", what);
    if (st == DL2O_OK && out != &sentinel_storage) dl2o_family_free(out);
}

static void test_custom(void)
{
    enum { N = 3, P = 2 * N };
    double lower[N] = {-1, -2, -3}, upper[N] = {1, 2, 3};
    sampler_ctx ctx = {0, 0, 0, 0};
    dl2o_family_spec spec = {.name = "weighted-quad", .dim_x = N, .dim_theta = P,
                             .lower = lower, .upper = upper, .f = weighted_quad,
                             .sampler = my_sampler, .sampler_data = &ctx, .theta_file = NULL,
                             .thread_safe = 0};
    dl2o_family *fam = NULL;
    dl2o_status st = dl2o_family_custom(&spec, &fam);
    CHECK_MSG(st == DL2O_OK && fam, "custom family: %s", dl2o_last_error());
    if (!fam) return;
    lower[0] = -100; /* the family keeps its own copy */
    CHECK(strcmp(dl2o_family_name(fam), "weighted-quad") == 0);
    CHECK(dl2o_family_dim_x(fam) == N && dl2o_family_dim_theta(fam) == P);
    CHECK(dl2o_family_lower(fam)[0] == -1 && dl2o_family_lower(fam)[2] == -3);
    CHECK(dl2o_family_upper(fam)[1] == 2);
    CHECK(fam->thread_safe == 0);
    lower[0] = -1;

    /* The sampler: called with its data, a seed that depends on (seed, index)
     * only, and dim_theta. */
    double t1[P], t2[P];
    CHECK(dl2o_family_sample_theta(fam, 7, 3, t1) == DL2O_OK);
    uint64_t seed73 = ctx.last_seed;
    CHECK(ctx.calls == 1 && ctx.last_dim == P);
    CHECK(dl2o_family_sample_theta(fam, 7, 3, t2) == DL2O_OK);
    CHECK(ctx.calls == 2 && ctx.last_seed == seed73);
    CHECK(memcmp(t1, t2, sizeof t1) == 0);
    CHECK(dl2o_family_sample_theta(fam, 7, 4, t2) == DL2O_OK);
    CHECK(ctx.last_seed != seed73 && memcmp(t1, t2, sizeof t1) != 0);
    CHECK(dl2o_family_sample_theta(fam, 8, 3, t2) == DL2O_OK);
    CHECK(ctx.last_seed != seed73 && memcmp(t1, t2, sizeof t1) != 0);

    /* Evaluation hands theta to the callback as its data pointer. */
    double x[N] = {0.25, -1.5, 2.0}, g[N], g2[N], gd[N];
    g_calls = 0;
    double f = dl2o_family_eval(fam, t1, x, g);
    CHECK(g_last_data == (const void *)t1 && g_calls == 1);
    double fd = weighted_quad(N, x, gd, t1);
    CHECK(f == fd && memcmp(g, gd, sizeof g) == 0);
    dl2o_instance inst = {fam, t1};
    CHECK(dl2o_instance_objective(N, x, g2, &inst) == f);
    CHECK(memcmp(g, g2, sizeof g) == 0);
    CHECK(g_last_data == (const void *)t1);

    /* A failing sampler, and one that gives NaN. */
    ctx.mode = 1;
    dl2o_clear_error();
    CHECK(dl2o_family_sample_theta(fam, 7, 3, t2) == DL2O_EINVAL);
    CHECK(dl2o_last_error()[0] != '\0');
    ctx.mode = 2;
    dl2o_clear_error();
    CHECK(dl2o_family_sample_theta(fam, 7, 3, t2) == DL2O_ENONFINITE);
    CHECK(dl2o_last_error()[0] != '\0');
    ctx.mode = 0;
    dl2o_family_free(fam);
    fam = NULL;

    /* A theta file: one instance per row, seed ignored, index past the end
     * rejected. */
    const char *dir = dl2o_test_tmpdir("family_custom");
    char path[1200], bad_path[1200], missing[1200];
    snprintf(path, sizeof path, "%s/thetas.csv", dir);
    snprintf(bad_path, sizeof bad_path, "%s/ragged.csv", dir);
    snprintf(missing, sizeof missing, "%s/no-such-file.csv", dir);
    const double rows[3][P] = {{1, 2, 3, 0.5, -0.25, 0.125},
                               {0.1, 0.2, 0.3, 1e-3, -7, 1.5e10},
                               {4, 5, 6, -1, -2, -3}};
    CHECK(write_file(path, "# thetas for weighted-quad\n"
                           "1,2,3,0.5,-0.25,0.125\n"
                           "\n"
                           "0.1, 0.2, 0.3, 1e-3, -7, 1.5e10\n"
                           "4,5,6,-1,-2,-3\n") == 0);
    CHECK(write_file(bad_path, "1,2,3,4,5,6\n1,2,3\n") == 0);
    spec.sampler = NULL;
    spec.sampler_data = NULL;
    spec.theta_file = path;
    spec.thread_safe = 1;
    st = dl2o_family_custom(&spec, &fam);
    CHECK_MSG(st == DL2O_OK && fam, "theta-file family: %s", dl2o_last_error());
    if (fam) {
        CHECK(fam->thread_safe == 1);
        CHECK(dl2o_family_theta_rows(fam) == 3);
        for (int r = 0; r < 3; r++) {
            CHECK(dl2o_family_sample_theta(fam, 1, (uint64_t)r, t1) == DL2O_OK);
            CHECK(dl2o_family_sample_theta(fam, 999, (uint64_t)r, t2) == DL2O_OK);
            CHECK_MSG(memcmp(t1, rows[r], sizeof t1) == 0, "theta row %d differs", r);
            CHECK(memcmp(t1, t2, sizeof t1) == 0);
        }
        dl2o_clear_error();
        CHECK(dl2o_family_sample_theta(fam, 1, 3, t1) == DL2O_EINVAL);
        CHECK(dl2o_last_error()[0] != '\0');
        CHECK(dl2o_family_sample_theta(fam, 1, UINT64_MAX, t1) == DL2O_EINVAL);
        CHECK(dl2o_family_eval(fam, rows[2], x, g) == weighted_quad(N, x, gd, (void *)rows[2]));
        dl2o_family_free(fam);
        fam = NULL;
    }
    /* A theta file whose rows do not have dim_theta columns, or that is missing. */
    spec.dim_theta = P + 1;
    fam = (dl2o_family *)&ctx;
    CHECK(dl2o_family_custom(&spec, &fam) == DL2O_EFORMAT && fam == NULL);
    spec.dim_theta = P;
    spec.theta_file = bad_path;
    CHECK(dl2o_family_custom(&spec, &fam) == DL2O_EFORMAT && fam == NULL);
    spec.theta_file = missing;
    CHECK(dl2o_family_custom(&spec, &fam) == DL2O_EIO && fam == NULL);
    CHECK(strstr(dl2o_last_error(), "no-such-file.csv") != NULL);
    /* dim_theta 0 with a theta file would hand f a zero-length theta. */
    spec.theta_file = path;
    spec.dim_theta = 0;
    expect_bad_spec(&spec, "theta_file with dim_theta 0");
    spec.dim_theta = P;

    /* Bad specs. */
    dl2o_family_spec good = spec;
    good.theta_file = NULL;
    good.sampler = my_sampler;
    good.sampler_data = &ctx;
    CHECK(dl2o_family_custom(&good, &fam) == DL2O_OK && fam);
    dl2o_family_free(fam);
    fam = NULL;

    dl2o_family_spec s = good;
    s.f = NULL;
    expect_bad_spec(&s, "NULL f");
    double lo2[N] = {-1, 2, -3}, hi2[N] = {1, 2, 3};
    s = good, s.lower = lo2, s.upper = hi2;
    expect_bad_spec(&s, "lower == upper");
    lo2[1] = 2.5;
    expect_bad_spec(&s, "lower > upper");
    lo2[1] = NAN;
    expect_bad_spec(&s, "NaN lower bound");
    lo2[1] = -2, hi2[2] = NAN;
    expect_bad_spec(&s, "NaN upper bound");
    hi2[2] = INFINITY;
    expect_bad_spec(&s, "infinite upper bound");
    hi2[2] = 3, lo2[0] = -INFINITY;
    expect_bad_spec(&s, "infinite lower bound");
    s = good, s.lower = NULL;
    expect_bad_spec(&s, "NULL lower");
    s = good, s.upper = NULL;
    expect_bad_spec(&s, "NULL upper");
    s = good, s.theta_file = path;
    expect_bad_spec(&s, "both sampler and theta_file");
    s = good, s.sampler = NULL;
    expect_bad_spec(&s, "neither sampler nor theta_file");
    s = good, s.name = NULL;
    expect_bad_spec(&s, "NULL name");
    s = good, s.name = "";
    expect_bad_spec(&s, "empty name");
    s = good, s.name = "a/b";
    expect_bad_spec(&s, "name with '/'");
    char longname[DL2O_NAME_MAX + 1];
    memset(longname, 'a', DL2O_NAME_MAX);
    longname[DL2O_NAME_MAX] = '\0';
    s = good, s.name = longname;
    expect_bad_spec(&s, "name of DL2O_NAME_MAX characters");
    longname[DL2O_NAME_MAX - 1] = '\0'; /* the longest that fits */
    CHECK(dl2o_family_custom(&s, &fam) == DL2O_OK && fam);
    if (fam) CHECK(strcmp(dl2o_family_name(fam), longname) == 0);
    dl2o_family_free(fam);
    fam = NULL;
    s = good, s.dim_x = 0;
    expect_bad_spec(&s, "dim_x 0");
    expect_bad_spec(NULL, "NULL spec");
    dl2o_clear_error();
    CHECK(dl2o_family_custom(&good, NULL) == DL2O_EINVAL);
    CHECK(dl2o_last_error()[0] != '\0');
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <standard family> | --parse | --custom\n", argv[0]);
        return 2;
    }
    const char *what = argv[1];
    if (strcmp(what, "--parse") == 0) test_parse();
    else if (strcmp(what, "--custom") == 0) test_custom();
    else test_standard(what);
    char label[128];
    snprintf(label, sizeof label, "test_family %s", what);
    return dl2o_test_finish(label);
}
