/* family.c — the standard families of DESIGN.md, letter for letter, and
 * user-defined families. theta is one flat vector: A row-major, then the
 * vectors in the order given. */
#include "family.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "csv.h"
#include "rng.h"

#define TWO_PI 6.283185307179586476925286766559
#define EULER_E 2.718281828459045235360287471352

/* r (m) = A x - b with A (m, n) row-major. */
static void residual(int m, int n, const double *A, const double *b, const double *x, double *r)
{
    for (int i = 0; i < m; i++) {
        double s = -b[i];
        const double *a = A + (size_t)i * n;
        for (int j = 0; j < n; j++) s += a[j] * x[j];
        r[i] = s;
    }
}

/* grad (n) = A^T r. */
static void at_times(int m, int n, const double *A, const double *r, double *grad)
{
    for (int j = 0; j < n; j++) grad[j] = 0.0;
    for (int i = 0; i < m; i++) {
        const double *a = A + (size_t)i * n;
        for (int j = 0; j < n; j++) grad[j] += a[j] * r[i];
    }
}

/* Residual scratch lives on the stack for small m; larger m allocates. */
#define STACK_R 256

static double lasso_eval(const dl2o_family *fam, const double *th, const double *x, double *grad)
{
    int m = fam->m, n = fam->n;
    const double *A = th, *b = th + (size_t)m * n;
    double rs[STACK_R], *r = m <= STACK_R ? rs : malloc((size_t)m * sizeof *r);
    if (!r) return NAN;
    residual(m, n, A, b, x, r);
    double f = 0.0;
    for (int i = 0; i < m; i++) f += 0.5 * r[i] * r[i];
    for (int j = 0; j < n; j++) f += DL2O_LASSO_LAMBDA * fabs(x[j]);
    if (grad) {
        at_times(m, n, A, r, grad);
        for (int j = 0; j < n; j++) /* subgradient with sign(0) = 0 */
            grad[j] += DL2O_LASSO_LAMBDA * (double)((x[j] > 0) - (x[j] < 0));
    }
    if (r != rs) free(r);
    return f;
}

static double rastrigin_eval(const dl2o_family *fam, const double *th, const double *x,
                             double *grad)
{
    int n = fam->n;
    const double *A = th, *b = th + (size_t)n * n, *c = b + n;
    double rs[STACK_R], *r = n <= STACK_R ? rs : malloc((size_t)n * sizeof *r);
    if (!r) return NAN;
    residual(n, n, A, b, x, r);
    const double alpha = DL2O_RASTRIGIN_ALPHA;
    double f = alpha * n;
    for (int i = 0; i < n; i++) f += 0.5 * r[i] * r[i] - alpha * c[i] * cos(TWO_PI * x[i]);
    if (grad) {
        at_times(n, n, A, r, grad);
        for (int j = 0; j < n; j++) grad[j] += alpha * TWO_PI * c[j] * sin(TWO_PI * x[j]);
    }
    if (r != rs) free(r);
    return f;
}

static double ackley_eval(const dl2o_family *fam, const double *th, const double *x, double *grad)
{
    int n = fam->n;
    const double *A = th, *b = th + (size_t)n * n;
    double zs[STACK_R], *z = n <= STACK_R ? zs : malloc((size_t)n * sizeof *z);
    if (!z) return NAN;
    residual(n, n, A, b, x, z);
    double ss = 0.0, cs = 0.0;
    for (int i = 0; i < n; i++) {
        ss += z[i] * z[i];
        cs += cos(TWO_PI * z[i]);
    }
    double q = sqrt(ss / n), e1 = exp(-0.2 * q), e2 = exp(cs / n);
    double f = -20.0 * e1 - e2 + 20.0 + EULER_E;
    if (grad) {
        /* d/dz of -20 exp(-0.2 q) is 4 exp(-0.2 q) z / (n q); at z = 0 the
         * limit of its norm is finite but its direction is not: use 0. */
        double k1 = q > 0.0 ? 4.0 * e1 / (n * q) : 0.0;
        for (int i = 0; i < n; i++) z[i] = k1 * z[i] + TWO_PI / n * e2 * sin(TWO_PI * z[i]);
        at_times(n, n, A, z, grad);
    }
    if (z != zs) free(z);
    return f;
}

double dl2o_family_eval(const dl2o_family *fam, const double *theta, const double *x, double *grad)
{
    /* Bad pointers give NaN, which every caller already treats as a failed
     * evaluation, rather than a crash inside the caller's optimizer. */
    if (!fam) return NAN;
    if (!x || (!theta && fam->p > 0 && fam->kind != DL2O_FAMILY_CUSTOM)) {
        for (int j = 0; grad && j < fam->n; j++) grad[j] = NAN;
        return NAN;
    }
    switch (fam->kind) {
    case DL2O_FAMILY_LASSO: return lasso_eval(fam, theta, x, grad);
    case DL2O_FAMILY_RASTRIGIN: return rastrigin_eval(fam, theta, x, grad);
    case DL2O_FAMILY_ACKLEY: return ackley_eval(fam, theta, x, grad);
    case DL2O_FAMILY_CUSTOM: return fam->f((unsigned)fam->n, x, grad, (void *)theta);
    }
    return NAN;
}

double dl2o_instance_objective(unsigned n, const double *x, double *grad, void *instance)
{
    const dl2o_instance *in = instance;
    (void)n;
    return in ? dl2o_family_eval(in->family, in->theta, x, grad) : NAN;
}

/* ---- construction ---------------------------------------------------------- */

static dl2o_status family_alloc(const char *name, dl2o_family_kind kind, int m, int n, int p,
                                dl2o_family **out)
{
    dl2o_family *fam = dl2o_xcalloc(1, sizeof *fam, "family");
    if (!fam) return DL2O_ENOMEM;
    fam->lower = dl2o_xcalloc(2 * (size_t)n, sizeof(double), "family bounds");
    if (!fam->lower) {
        free(fam);
        return DL2O_ENOMEM;
    }
    fam->upper = fam->lower + n;
    snprintf(fam->name, sizeof fam->name, "%s", name);
    fam->kind = kind;
    fam->m = m;
    fam->n = n;
    fam->p = p;
    fam->thread_safe = kind != DL2O_FAMILY_CUSTOM;
    *out = fam;
    return DL2O_OK;
}

/* Parses a positive size at *s, advancing it. */
static int parse_size(const char **s, int *v)
{
    char *end;
    if (**s < '1' || **s > '9') return -1;
    long x = strtol(*s, &end, 10);
    if (x < 1 || x > 4096) return -1;
    *v = (int)x;
    *s = end;
    return 0;
}

#define MAX_STD_DIM 4096

dl2o_status dl2o_family_standard(const char *name, dl2o_family **out)
{
    if (!name || !out) return DL2O_FAIL(DL2O_EINVAL, "dl2o_family_standard: NULL argument");
    *out = NULL;
    dl2o_family_kind kind;
    const char *s;
    int m = 0, n = 0;
    double box;
    if (strncmp(name, "lasso-", 6) == 0) {
        kind = DL2O_FAMILY_LASSO, s = name + 6, box = 5.0;
        if (parse_size(&s, &m) || *s++ != 'x' || parse_size(&s, &n) || *s) goto bad;
    } else if (strncmp(name, "rastrigin-", 10) == 0) {
        kind = DL2O_FAMILY_RASTRIGIN, s = name + 10, box = 8.0;
        if (parse_size(&s, &n) || *s) goto bad;
        m = n;
    } else if (strncmp(name, "ackley-", 7) == 0) {
        kind = DL2O_FAMILY_ACKLEY, s = name + 7, box = 32.0;
        if (parse_size(&s, &n) || *s) goto bad;
        m = n;
    } else {
        goto bad;
    }
    if (n > MAX_STD_DIM || m > MAX_STD_DIM) goto bad;
    int p = m * n + m + (kind == DL2O_FAMILY_RASTRIGIN ? n : 0);
    dl2o_status st = family_alloc(name, kind, m, n, p, out);
    if (st != DL2O_OK) return st;
    for (int j = 0; j < n; j++) (*out)->lower[j] = -box, (*out)->upper[j] = box;
    return DL2O_OK;
bad:
    return DL2O_FAIL(DL2O_EINVAL,
                     "unknown family '%s'; use lasso-MxN, rastrigin-N or ackley-N (e.g. "
                     "lasso-25x50, rastrigin-10, ackley-2), sizes 1..%d",
                     name, MAX_STD_DIM);
}

dl2o_status dl2o_family_custom(const dl2o_family_spec *spec, dl2o_family **out)
{
    dl2o_status st = DL2O_OK;
    dl2o_family *fam = NULL;
    if (!spec || !out) return DL2O_FAIL(DL2O_EINVAL, "dl2o_family_custom: NULL argument");
    *out = NULL;
    if (!spec->name || !spec->name[0] || strlen(spec->name) >= DL2O_NAME_MAX || strchr(spec->name, '/'))
        return DL2O_FAIL(DL2O_EINVAL, "family name must be 1..%d characters without '/'",
                         DL2O_NAME_MAX - 1);
    if (spec->dim_x < 1 || spec->dim_x > 100000 || spec->dim_theta > 100000)
        return DL2O_FAIL(DL2O_EINVAL, "family '%s': dim_x must be 1..100000 and dim_theta <= 100000",
                         spec->name);
    if (!spec->f || !spec->lower || !spec->upper)
        return DL2O_FAIL(DL2O_EINVAL, "family '%s': f, lower and upper are required", spec->name);
    if (!spec->sampler == !spec->theta_file)
        return DL2O_FAIL(DL2O_EINVAL, "family '%s': give exactly one of sampler or theta_file",
                         spec->name);
    /* The file's rows must have dim_theta columns; 0 would accept any width
     * and hand f a zero-length theta. */
    if (spec->theta_file && spec->dim_theta == 0)
        return DL2O_FAIL(DL2O_EINVAL,
                         "family '%s': dim_theta must be >= 1 (the columns of the theta file)",
                         spec->name);
    for (unsigned j = 0; j < spec->dim_x; j++)
        if (!isfinite(spec->lower[j]) || !isfinite(spec->upper[j]) ||
            !(spec->lower[j] < spec->upper[j]))
            return DL2O_FAIL(DL2O_EINVAL,
                             "family '%s': bounds of x[%u] must be finite with lower < upper "
                             "(got %g, %g)",
                             spec->name, j, spec->lower[j], spec->upper[j]);
    DL2O_TRY(family_alloc(spec->name, DL2O_FAMILY_CUSTOM, 0, (int)spec->dim_x,
                          (int)spec->dim_theta, &fam));
    memcpy(fam->lower, spec->lower, spec->dim_x * sizeof(double));
    memcpy(fam->upper, spec->upper, spec->dim_x * sizeof(double));
    fam->f = spec->f;
    fam->sampler = spec->sampler;
    fam->sampler_data = spec->sampler_data;
    fam->thread_safe = spec->thread_safe != 0;
    if (spec->theta_file) {
        size_t cols = 0;
        DL2O_TRY(dl2o_csv_read(spec->theta_file, spec->dim_theta, &fam->thetas, &fam->n_thetas,
                               &cols));
    }
    *out = fam;
    fam = NULL;
out:
    dl2o_family_free(fam);
    return st;
}

void dl2o_family_free(dl2o_family *fam)
{
    if (!fam) return;
    free(fam->lower);
    free(fam->thetas);
    free(fam);
}

const char *dl2o_family_name(const dl2o_family *fam) { return fam ? fam->name : ""; }
unsigned dl2o_family_dim_x(const dl2o_family *fam) { return fam ? (unsigned)fam->n : 0; }
unsigned dl2o_family_dim_theta(const dl2o_family *fam) { return fam ? (unsigned)fam->p : 0; }
const double *dl2o_family_lower(const dl2o_family *fam) { return fam ? fam->lower : NULL; }
const double *dl2o_family_upper(const dl2o_family *fam) { return fam ? fam->upper : NULL; }
size_t dl2o_family_theta_rows(const dl2o_family *fam) { return fam ? fam->n_thetas : 0; }

dl2o_status dl2o_family_sample_theta(const dl2o_family *fam, uint64_t seed, uint64_t index,
                                     double *theta)
{
    if (!fam || !theta) return DL2O_FAIL(DL2O_EINVAL, "dl2o_family_sample_theta: NULL argument");
    if (fam->thetas) {
        if (index >= fam->n_thetas)
            return DL2O_FAIL(DL2O_EINVAL, "family '%s': instance %llu is past the %zu theta rows",
                             fam->name, (unsigned long long)index, fam->n_thetas);
        memcpy(theta, fam->thetas + index * (size_t)fam->p, (size_t)fam->p * sizeof *theta);
        return DL2O_OK;
    }
    dl2o_rng rng;
    dl2o_rng_init(&rng, seed, DL2O_STREAM_THETA, index);
    if (fam->kind != DL2O_FAMILY_CUSTOM) {
        for (int i = 0; i < fam->p; i++) theta[i] = dl2o_rng_normal(&rng);
        return DL2O_OK;
    }
    uint64_t instance_seed = dl2o_rng_next(&rng);
    if (fam->sampler(instance_seed, (unsigned)fam->p, theta, fam->sampler_data) != 0)
        return DL2O_FAIL(DL2O_EINVAL, "family '%s': the theta sampler failed on instance %llu",
                         fam->name, (unsigned long long)index);
    if (!dl2o_all_finite(theta, (size_t)fam->p))
        return DL2O_FAIL(DL2O_ENONFINITE, "family '%s': the theta sampler gave NaN/Inf on instance %llu",
                         fam->name, (unsigned long long)index);
    return DL2O_OK;
}
