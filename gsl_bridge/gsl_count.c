/* gsl_count.c — the GSL bridge's plumbing: a counting, budget-enforcing
 * wrapper around the caller's GSL callbacks; the nlopt_func-shaped adapter
 * the initializer evaluates through; candidates; error reporting. */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gsl_internal.h"

/* ------------------------------------------------------------- errors */

static _Thread_local char last_err[768];
static _Thread_local size_t last_evals;

const char *dl2o_gsl_last_error(void) { return last_err; }
size_t dl2o_gsl_last_evals(void) { return last_evals; }
void gslb_clear_error(void) { last_err[0] = '\0'; }
void gslb_set_last_evals(size_t evals) { last_evals = evals; }

int gslb_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_err, sizeof last_err, fmt, ap);
    va_end(ap);
    return code;
}

int gslb_from_dl2o(dl2o_status st, const dl2o_initializer *init, const char *where)
{
    int code;
    switch (st) {
    case DL2O_OK: return GSL_SUCCESS;
    case DL2O_EINVAL: code = GSL_EINVAL; break;
    case DL2O_ENOMEM: code = GSL_ENOMEM; break;
    case DL2O_EDIM: code = GSL_EBADLEN; break;
    case DL2O_ENONFINITE: code = GSL_EBADFUNC; break;
    case DL2O_EDEVICE:
    case DL2O_EUNSUPPORTED: code = GSL_EUNSUP; break;
    default: code = GSL_EFAILED; break;
    }
    const char *msg = init ? dl2o_initializer_errmsg(init) : dl2o_last_error();
    return gslb_fail(code, "%s: %s (%s)", where, msg && *msg ? msg : "initializer failed",
                     dl2o_strerror(st));
}

int gslb_check_common(const dl2o_initializer *init, size_t fn, const double *theta,
                      const char *where)
{
    if (!init)
        return gslb_fail(GSL_EINVAL, "%s: init is NULL; load a model with dl2o_initializer_load",
                         where);
    size_t n = dl2o_initializer_dim_x(init);
    if (fn != n)
        return gslb_fail(GSL_EBADLEN, "%s: the function has n = %zu but the model (%s) has "
                         "dim_x = %zu; use a model trained for this dimension", where, fn,
                         dl2o_initializer_family(init), n);
    if (!theta && dl2o_initializer_guidance(init) == DL2O_GUIDANCE_THETA)
        return gslb_fail(GSL_EINVAL, "%s: this model (%s) is theta-guided and needs the "
                         "instance's theta; pass it, or use a probe-guided model", where,
                         dl2o_initializer_family(init));
    return GSL_SUCCESS;
}

/* ---------------------------------------------------- counting wrapper */

/* Takes one evaluation from the budget; at the cap, unwinds to the driver
 * (or, outside a run, refuses with 0). */
static int take(gslb_ctx *c)
{
    if (c->evals >= c->cap) {
        if (c->escape) longjmp(*c->escape, 1);
        return 0;
    }
    c->evals++;
    return 1;
}

static void note(gslb_ctx *c, const gsl_vector *x, double f)
{
    if (!(f < c->best_f) || !isfinite(f)) return;
    c->best_f = f;
    for (size_t j = 0; j < c->n; j++) c->best_x[j] = x->data[j * x->stride];
}

/* The caller's callbacks run under the caller's own GSL error handler. */
static void user_on(gslb_ctx *c) { gsl_set_error_handler(c->caller_handler); }
static void user_off(void) { gsl_set_error_handler_off(); }

static double w_f(const gsl_vector *x, void *p)
{
    gslb_ctx *c = p;
    if (!take(c)) return NAN;
    user_on(c);
    double v = c->ufdf ? GSL_MULTIMIN_FN_EVAL_F(c->ufdf, x) : GSL_MULTIMIN_FN_EVAL(c->uf, x);
    user_off();
    note(c, x, v);
    return v;
}

static void w_df(const gsl_vector *x, void *p, gsl_vector *g)
{
    gslb_ctx *c = p;
    if (!take(c)) {
        gsl_vector_set_all(g, NAN);
        return;
    }
    user_on(c);
    GSL_MULTIMIN_FN_EVAL_DF(c->ufdf, x, g);
    user_off();
}

static void w_fdf(const gsl_vector *x, void *p, double *f, gsl_vector *g)
{
    gslb_ctx *c = p;
    if (!take(c)) {
        *f = NAN;
        gsl_vector_set_all(g, NAN);
        return;
    }
    user_on(c);
    GSL_MULTIMIN_FN_EVAL_F_DF(c->ufdf, x, f, g);
    user_off();
    note(c, x, *f);
}

int gslb_ctx_init(gslb_ctx *c, gsl_multimin_function_fdf *fdf, gsl_multimin_function *f,
                  size_t n, gsl_error_handler_t *caller_handler)
{
    memset(c, 0, sizeof *c);
    c->ufdf = fdf;
    c->uf = f;
    c->n = n;
    c->caller_handler = caller_handler;
    c->cap = (size_t)-1;
    c->best_f = INFINITY;
    c->best_x = calloc(2 * n, sizeof *c->best_x);
    if (!c->best_x)
        return gslb_fail(GSL_ENOMEM, "dl2o_gsl: out of memory for %zu doubles", 2 * n);
    c->xh = c->best_x + n;
    c->wfdf = (gsl_multimin_function_fdf){.f = w_f, .df = w_df, .fdf = w_fdf, .n = n, .params = c};
    c->wf = (gsl_multimin_function){.f = w_f, .n = n, .params = c};
    return GSL_SUCCESS;
}

void gslb_ctx_free(gslb_ctx *c)
{
    free(c->best_x);
    c->best_x = c->xh = NULL;
}

/* ------------------------------------------- the initializer's adapter */

/* f(n, x, grad, data) over the caller's GSL objective. With grad, fdf is one
 * evaluation; an f-only objective gets a forward difference (1 + n). */
static double adapter(unsigned n, const double *x, double *grad, void *data)
{
    gslb_ctx *c = data;
    gsl_vector_const_view xv = gsl_vector_const_view_array(x, n);
    if (!grad) return w_f(&xv.vector, c);
    if (c->ufdf) {
        double f;
        gsl_vector_view gv = gsl_vector_view_array(grad, n);
        w_fdf(&xv.vector, c, &f, &gv.vector);
        return f;
    }
    double f0 = w_f(&xv.vector, c);
    memcpy(c->xh, x, n * sizeof *x);
    gsl_vector_view hv = gsl_vector_view_array(c->xh, n);
    for (unsigned j = 0; j < n; j++) {
        double h = sqrt(DBL_EPSILON) * fmax(1.0, fabs(x[j]));
        volatile double xj = x[j] + h; /* the step actually taken */
        c->xh[j] = xj;
        grad[j] = (w_f(&hv.vector, c) - f0) / (xj - x[j]);
        c->xh[j] = x[j];
    }
    return f0;
}

size_t gslb_propose_cost(const gslb_ctx *c, const dl2o_initializer *init, unsigned K)
{
    size_t per_probe = c->ufdf ? 1 : 1 + c->n;
    /* probes and anchor-run steps each want a gradient */
    return (size_t)dl2o_initializer_guidance_evals(init) * per_probe + K;
}

void gslb_cands_free(gslb_cands *cd)
{
    free(cd->x);
    free(cd->fx);
    memset(cd, 0, sizeof *cd);
}

int gslb_propose(gslb_ctx *c, dl2o_initializer *init, const double *theta, unsigned K,
                 gslb_cands *out, const char *where)
{
    memset(out, 0, sizeof *out);
    unsigned K0 = dl2o_initializer_get_candidates(init);
    size_t n = c->n;
    out->x = malloc((size_t)K * n * sizeof *out->x);
    out->fx = malloc((size_t)K * sizeof *out->fx);
    if (!out->x || !out->fx) {
        gslb_cands_free(out);
        return gslb_fail(GSL_ENOMEM, "%s: out of memory for %u candidates; lower the candidate "
                         "count", where, K);
    }
    dl2o_status st = K == K0 ? DL2O_OK : dl2o_initializer_set_candidates(init, K);
    if (st == DL2O_OK) {
        jmp_buf *esc = c->escape;
        c->escape = NULL; /* never unwind through the initializer */
        unsigned used = 0;
        st = dl2o_initializer_propose(init, (unsigned)n, adapter, c, theta, NULL, NULL, out->x,
                                      out->fx, &out->count, &used);
        c->escape = esc;
        if (K != K0) dl2o_initializer_set_candidates(init, K0);
    }
    if (st != DL2O_OK) {
        gslb_cands_free(out);
        return gslb_from_dl2o(st, init, where);
    }
    return GSL_SUCCESS;
}

/* ---------------------------------------------------------- steps */

/* The step for coordinate j: the scaled standard deviation of the top
 * candidates, kept within [1e-3, 0.25] of the box width. */
static double spread_one(const dl2o_initializer *init, const gslb_cands *cd, size_t n, size_t j)
{
    const double *lo = dl2o_initializer_lower(init), *hi = dl2o_initializer_upper(init);
    unsigned m = cd->count < DL2O_GSL_SPREAD_TOP ? cd->count : DL2O_GSL_SPREAD_TOP;
    double mean = 0, var = 0, w = hi[j] - lo[j];
    for (unsigned r = 0; r < m; r++) mean += cd->x[(size_t)r * n + j];
    mean /= m;
    for (unsigned r = 0; r < m; r++) {
        double d = cd->x[(size_t)r * n + j] - mean;
        var += d * d;
    }
    double s = DL2O_GSL_SPREAD_SCALE * sqrt(m > 1 ? var / (m - 1) : 0.0);
    if (!(s >= 1e-3 * w)) s = 1e-3 * w;
    if (s > 0.25 * w) s = 0.25 * w;
    return s;
}

void gslb_spread_step(const dl2o_initializer *init, const gslb_cands *cd, size_t n, double *step)
{
    for (size_t j = 0; j < n; j++) step[j] = spread_one(init, cd, n, j);
}

double gslb_auto_step_size(const dl2o_initializer *init, const gslb_cands *cd, size_t n)
{
    double ss = 0;
    for (size_t j = 0; j < n; j++) {
        double s = spread_one(init, cd, n, j);
        ss += s * s;
    }
    return DL2O_GSL_STEP_SCALE * sqrt(ss / (double)n);
}
