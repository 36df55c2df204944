/* dl2o_gsl.c — the GSL bridge's entry points: warm-start _set partners and
 * the learned multistart drivers (fdf and f minimizers). Plumbing (counting
 * wrapper, adapter, candidates, errors) lives in gsl_count.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gsl_internal.h"

void dl2o_gsl_multistart_options_default(dl2o_gsl_multistart_options *o)
{
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->starts = 8;
    o->max_iter = 500;
    o->max_evals = 0;
    o->gradient_tol = 1e-6;
    o->size_tol = 1e-6;
    o->step_size = 0;
    o->tol = 0.1;
    o->min_distance = 1e-2;
}

int dl2o_gsl_type_from_string(const char *name, const gsl_multimin_fdfminimizer_type **fdf,
                              const gsl_multimin_fminimizer_type **f)
{
    static const struct {
        const char *name;
        const gsl_multimin_fdfminimizer_type *const *fdf;
        const gsl_multimin_fminimizer_type *const *f;
    } types[] = {
        {"bfgs2", &gsl_multimin_fdfminimizer_vector_bfgs2, NULL},
        {"bfgs", &gsl_multimin_fdfminimizer_vector_bfgs, NULL},
        {"conjugate_fr", &gsl_multimin_fdfminimizer_conjugate_fr, NULL},
        {"conjugate_pr", &gsl_multimin_fdfminimizer_conjugate_pr, NULL},
        {"steepest_descent", &gsl_multimin_fdfminimizer_steepest_descent, NULL},
        {"nmsimplex2", NULL, &gsl_multimin_fminimizer_nmsimplex2},
        {"nmsimplex2rand", NULL, &gsl_multimin_fminimizer_nmsimplex2rand},
    };
    if (fdf) *fdf = NULL;
    if (f) *f = NULL;
    for (size_t i = 0; name && fdf && f && i < sizeof types / sizeof types[0]; i++)
        if (!strcmp(types[i].name, name)) {
            *fdf = types[i].fdf ? *types[i].fdf : NULL;
            *f = types[i].f ? *types[i].f : NULL;
            return GSL_SUCCESS;
        }
    return gslb_fail(GSL_EINVAL, "unknown GSL minimizer '%s'; use one of bfgs2, bfgs, "
                     "conjugate_fr, conjugate_pr, steepest_descent, nmsimplex2, nmsimplex2rand",
                     name ? name : "(null)");
}

static int nonneg(double v) { return isfinite(v) && v >= 0; }

static int check_fdf(const gsl_multimin_function_fdf *fdf, const char *w)
{
    if (!fdf || !fdf->f || !fdf->df || !fdf->fdf)
        return gslb_fail(GSL_EINVAL, "%s: fdf is NULL or lacks f, df or fdf; fill all three "
                         "callbacks of the gsl_multimin_function_fdf", w);
    return GSL_SUCCESS;
}

static int check_f(const gsl_multimin_function *f, const char *w)
{
    if (!f || !f->f)
        return gslb_fail(GSL_EINVAL, "%s: f is NULL or has no callback; fill the "
                         "gsl_multimin_function", w);
    return GSL_SUCCESS;
}

/* ---------------------------------------------------------- single start */

int dl2o_gsl_fdfminimizer_set(gsl_multimin_fdfminimizer *s, gsl_multimin_function_fdf *fdf,
                              dl2o_initializer *init, const double *theta, double step_size,
                              double tol)
{
    static const char W[] = "dl2o_gsl_fdfminimizer_set";
    gslb_clear_error();
    gslb_set_last_evals(0);
    int st;
    if (!s || !s->x || !s->type)
        return gslb_fail(GSL_EINVAL, "%s: s is NULL; allocate it with "
                         "gsl_multimin_fdfminimizer_alloc", W);
    if ((st = check_fdf(fdf, W)) || (st = gslb_check_common(init, fdf->n, theta, W))) return st;
    if (s->x->size != fdf->n)
        return gslb_fail(GSL_EBADLEN, "%s: the minimizer has size %zu but fdf->n = %zu", W,
                         s->x->size, fdf->n);
    if (!nonneg(step_size) || !nonneg(tol))
        return gslb_fail(GSL_EINVAL, "%s: step_size (%g) and tol (%g) must be finite and >= 0 "
                         "(step_size 0: from the candidates)", W, step_size, tol);
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    gslb_ctx c;
    gslb_cands cd = {0};
    gsl_multimin_function_fdf saved = *fdf;
    if ((st = gslb_ctx_init(&c, &saved, NULL, fdf->n, old)) == GSL_SUCCESS &&
        (st = gslb_propose(&c, init, theta, dl2o_initializer_get_candidates(init), &cd, W)) ==
            GSL_SUCCESS) {
        gsl_vector_const_view x0 = gsl_vector_const_view_array(cd.x, fdf->n);
        double step = step_size > 0 ? step_size : gslb_auto_step_size(init, &cd, fdf->n);
        /* GSL types keep the fdf pointer (vector_bfgs2 also in its state), so
         * the set sees the caller's own struct, whose callbacks point at the
         * counting wrapper for the duration of the set only. */
        *fdf = c.wfdf;
        st = gsl_multimin_fdfminimizer_set(s, fdf, &x0.vector, step, tol);
        *fdf = saved;
        if (st) gslb_fail(st, "%s: gsl_multimin_fdfminimizer_set failed: %s", W, gsl_strerror(st));
    }
    gslb_set_last_evals(c.evals);
    gslb_cands_free(&cd);
    gslb_ctx_free(&c);
    gsl_set_error_handler(old);
    return st;
}

int dl2o_gsl_fminimizer_set(gsl_multimin_fminimizer *s, gsl_multimin_function *f,
                            dl2o_initializer *init, const double *theta)
{
    static const char W[] = "dl2o_gsl_fminimizer_set";
    gslb_clear_error();
    gslb_set_last_evals(0);
    int st;
    if (!s || !s->x || !s->type)
        return gslb_fail(GSL_EINVAL, "%s: s is NULL; allocate it with "
                         "gsl_multimin_fminimizer_alloc", W);
    if ((st = check_f(f, W)) || (st = gslb_check_common(init, f->n, theta, W))) return st;
    if (s->x->size != f->n)
        return gslb_fail(GSL_EBADLEN, "%s: the minimizer has size %zu but f->n = %zu", W,
                         s->x->size, f->n);
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    gslb_ctx c;
    gslb_cands cd = {0};
    gsl_vector *step = NULL;
    gsl_multimin_function saved = *f;
    if ((st = gslb_ctx_init(&c, NULL, &saved, f->n, old)) == GSL_SUCCESS &&
        (st = gslb_propose(&c, init, theta, dl2o_initializer_get_candidates(init), &cd, W)) ==
            GSL_SUCCESS) {
        if (!(step = gsl_vector_alloc(f->n))) {
            st = gslb_fail(GSL_ENOMEM, "%s: out of memory", W);
        } else {
            gslb_spread_step(init, &cd, f->n, step->data);
            gsl_vector_const_view x0 = gsl_vector_const_view_array(cd.x, f->n);
            *f = c.wf; /* as above: counted during the set, the caller's after */
            st = gsl_multimin_fminimizer_set(s, f, &x0.vector, step);
            *f = saved;
            if (st) gslb_fail(st, "%s: gsl_multimin_fminimizer_set failed: %s", W, gsl_strerror(st));
        }
    }
    gslb_set_last_evals(c.evals);
    if (step) gsl_vector_free(step);
    gslb_cands_free(&cd);
    gslb_ctx_free(&c);
    gsl_set_error_handler(old);
    return st;
}

/* ------------------------------------------------------------ multistart */

enum { RUN_CONVERGED, RUN_BUDGET, RUN_STOPPED };

typedef struct ms {
    gslb_ctx c;
    gslb_cands cd;
    dl2o_gsl_multistart_options o;
    size_t n, budget; /* budget: (size_t)-1 when none */
    gsl_multimin_fdfminimizer *sd;
    gsl_multimin_fminimizer *sf;
    gsl_vector *step; /* f: the simplex step vector */
    double step_size; /* fdf: the first trial step */
} ms;

/* One run from x0. Returns RUN_*; unwinds here when its share is spent. */
static int run_one(ms *m, const double *x0)
{
    jmp_buf jb;
    gsl_vector_const_view xv = gsl_vector_const_view_array(x0, m->n);
    m->c.escape = &jb;
    if (setjmp(jb)) {
        m->c.escape = NULL;
        return RUN_BUDGET;
    }
    int st = m->sd ? gsl_multimin_fdfminimizer_set(m->sd, &m->c.wfdf, &xv.vector, m->step_size,
                                                   m->o.tol)
                   : gsl_multimin_fminimizer_set(m->sf, &m->c.wf, &xv.vector, m->step);
    int out = st ? RUN_STOPPED : RUN_BUDGET;
    for (size_t it = 0; !st && it < m->o.max_iter; it++) {
        m->o.iterations++;
        st = m->sd ? gsl_multimin_fdfminimizer_iterate(m->sd)
                   : gsl_multimin_fminimizer_iterate(m->sf);
        /* A stopped iterate (e.g. GSL_ENOPROG at machine precision) still
         * counts as converged when the test passes at its point. */
        int test = m->sd ? gsl_multimin_test_gradient(m->sd->gradient, m->o.gradient_tol)
                         : gsl_multimin_test_size(gsl_multimin_fminimizer_size(m->sf),
                                                  m->o.size_tol);
        if (test == GSL_SUCCESS) out = RUN_CONVERGED;
        else if (st) out = RUN_STOPPED;
        if (test == GSL_SUCCESS) break;
    }
    m->c.escape = NULL;
    return out;
}

/* Indices of the first `starts` candidates that are distinct from all
 * earlier picks (inf-norm, relative to the box width). Returns how many. */
static size_t pick_starts(const ms *m, const dl2o_initializer *init, size_t *idx)
{
    const double *lo = dl2o_initializer_lower(init), *hi = dl2o_initializer_upper(init);
    size_t k = 0, n = m->n;
    for (unsigned r = 0; r < m->cd.count && k < m->o.starts; r++) {
        const double *xr = m->cd.x + (size_t)r * n;
        int distinct = 1;
        for (size_t a = 0; a < k && distinct; a++) {
            const double *xa = m->cd.x + idx[a] * n;
            int far = 0;
            for (size_t j = 0; j < n && !far; j++)
                far = fabs(xr[j] - xa[j]) > m->o.min_distance * (hi[j] - lo[j]);
            distinct = far;
        }
        if (distinct) idx[k++] = r;
    }
    return k;
}

static int check_opts(const dl2o_gsl_multistart_options *o, const char *w)
{
    if (!o->starts || !o->max_iter || !nonneg(o->gradient_tol) || !nonneg(o->size_tol) ||
        !nonneg(o->step_size) || !nonneg(o->tol) || !nonneg(o->min_distance))
        return gslb_fail(GSL_EINVAL, "%s: bad options: starts and max_iter must be >= 1, the "
                         "tolerances, step_size and min_distance finite and >= 0; start from "
                         "dl2o_gsl_multistart_options_default", w);
    return GSL_SUCCESS;
}

/* Everything after validation: candidates, runs, result. Handler is off. */
static int multistart(ms *m, dl2o_initializer *init, const double *theta, gsl_vector *x,
                      double *minf, const char *w)
{
    int st;
    unsigned K = dl2o_initializer_get_candidates(init);
    size_t probes = gslb_propose_cost(&m->c, init, 0);
    if (m->budget != (size_t)-1) {
        if (m->budget < probes + 1)
            return gslb_fail(GSL_EINVAL, "%s: max_evals = %zu leaves nothing for candidates "
                             "after %zu probe evaluations; raise max_evals", w, m->budget, probes);
        if (probes + K > m->budget / 2) {
            size_t k2 = (m->budget - probes) / 2;
            if (k2 < 1) k2 = 1;
            if (k2 < K) K = (unsigned)k2;
        }
    }
    if ((st = gslb_propose(&m->c, init, theta, K, &m->cd, w))) return st;
    m->o.candidates = m->cd.count;
    size_t most = m->o.starts < m->cd.count ? m->o.starts : m->cd.count;
    size_t *idx = malloc(most * sizeof *idx);
    if (!idx) return gslb_fail(GSL_ENOMEM, "%s: out of memory", w);
    size_t runs = pick_starts(m, init, idx);
    if (m->sd) {
        m->step_size = m->o.step_size > 0 ? m->o.step_size : gslb_auto_step_size(init, &m->cd, m->n);
    } else {
        gslb_spread_step(init, &m->cd, m->n, m->step->data);
    }
    int any_budget = 0;
    for (size_t r = 0; r < runs; r++) {
        size_t left = m->budget - m->c.evals; /* huge when there is no budget */
        if (m->budget != (size_t)-1) {
            if (left == 0) {
                any_budget = 1;
                break;
            }
            size_t share = left / (runs - r);
            m->c.cap = m->c.evals + (share ? share : 1);
        }
        m->o.runs++;
        int out = run_one(m, m->cd.x + idx[r] * m->n);
        if (out == RUN_CONVERGED) m->o.converged++;
        if (out == RUN_BUDGET) any_budget = 1;
    }
    free(idx);
    for (size_t j = 0; j < m->n; j++) gsl_vector_set(x, j, m->c.best_x[j]);
    *minf = m->c.best_f;
    if (m->o.converged) return GSL_SUCCESS;
    if (any_budget)
        return gslb_fail(GSL_EMAXITER, "%s: no run passed its test within max_iter = %zu and "
                         "the evaluation budget; x is the best point found (raise the budgets or "
                         "loosen the tolerance)", w, m->o.max_iter);
    return gslb_fail(GSL_ENOPROG, "%s: every run stopped (GSL error) before its test passed; x "
                     "is the best point found", w);
}

/* Shared by both drivers: validation of x, minf, opts; setup; cleanup. */
static int drive(const gsl_multimin_fdfminimizer_type *Tdf, const gsl_multimin_fminimizer_type *Tf,
                 gsl_multimin_function_fdf *fdf, gsl_multimin_function *f, dl2o_initializer *init,
                 const double *theta, dl2o_gsl_multistart_options *opts, gsl_vector *x,
                 double *minf, const char *w)
{
    int st;
    if ((st = Tdf ? check_fdf(fdf, w) : check_f(f, w))) return st;
    size_t n = fdf ? fdf->n : f->n;
    if ((st = gslb_check_common(init, n, theta, w))) return st;
    if (!x || !minf) return gslb_fail(GSL_EINVAL, "%s: x and minf are required", w);
    if (x->size != n)
        return gslb_fail(GSL_EBADLEN, "%s: x has size %zu but the function has n = %zu", w,
                         x->size, n);
    ms m;
    memset(&m, 0, sizeof m);
    if (opts) m.o = *opts;
    else dl2o_gsl_multistart_options_default(&m.o);
    if ((st = check_opts(&m.o, w))) return st;
    m.o.evals = m.o.candidates = m.o.runs = m.o.converged = m.o.iterations = 0;
    m.n = n;
    m.budget = m.o.max_evals ? m.o.max_evals : (size_t)-1;

    gsl_error_handler_t *old = gsl_set_error_handler_off();
    if ((st = gslb_ctx_init(&m.c, fdf, f, n, old)) == GSL_SUCCESS) {
        if (Tdf) m.sd = gsl_multimin_fdfminimizer_alloc(Tdf, n);
        else if ((m.sf = gsl_multimin_fminimizer_alloc(Tf, n))) m.step = gsl_vector_alloc(n);
        if (!(Tdf ? !!m.sd : m.sf && m.step))
            st = gslb_fail(GSL_ENOMEM, "%s: cannot allocate the %s minimizer for n = %zu", w,
                           Tdf ? Tdf->name : Tf->name, n);
        else
            st = multistart(&m, init, theta, x, minf, w);
    }
    m.o.evals = m.c.evals;
    gslb_set_last_evals(m.c.evals);
    if (opts && (st == GSL_SUCCESS || st == GSL_EMAXITER || st == GSL_ENOPROG)) {
        opts->evals = m.o.evals;
        opts->candidates = m.o.candidates;
        opts->runs = m.o.runs;
        opts->converged = m.o.converged;
        opts->iterations = m.o.iterations;
    }
    if (m.sd) gsl_multimin_fdfminimizer_free(m.sd);
    if (m.sf) gsl_multimin_fminimizer_free(m.sf);
    if (m.step) gsl_vector_free(m.step);
    gslb_cands_free(&m.cd);
    gslb_ctx_free(&m.c);
    gsl_set_error_handler(old);
    return st;
}

int dl2o_gsl_fdf_multistart(const gsl_multimin_fdfminimizer_type *T,
                            gsl_multimin_function_fdf *fdf, dl2o_initializer *init,
                            const double *theta, dl2o_gsl_multistart_options *opts,
                            gsl_vector *x, double *minf)
{
    static const char W[] = "dl2o_gsl_fdf_multistart";
    gslb_clear_error();
    gslb_set_last_evals(0);
    if (!T)
        return gslb_fail(GSL_EINVAL, "%s: T is NULL; pass a minimizer type such as "
                         "gsl_multimin_fdfminimizer_vector_bfgs2", W);
    return drive(T, NULL, fdf, NULL, init, theta, opts, x, minf, W);
}

int dl2o_gsl_f_multistart(const gsl_multimin_fminimizer_type *T, gsl_multimin_function *f,
                          dl2o_initializer *init, const double *theta,
                          dl2o_gsl_multistart_options *opts, gsl_vector *x, double *minf)
{
    static const char W[] = "dl2o_gsl_f_multistart";
    gslb_clear_error();
    gslb_set_last_evals(0);
    if (!T)
        return gslb_fail(GSL_EINVAL, "%s: T is NULL; pass a minimizer type such as "
                         "gsl_multimin_fminimizer_nmsimplex2", W);
    return drive(NULL, T, NULL, f, init, theta, opts, x, minf, W);
}
