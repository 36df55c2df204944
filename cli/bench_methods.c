/* bench_methods.c — the methods `dl2o bench` compares. Each one minimizes
 * the instance through one counting wrapper that charges every call of f
 * and refuses calls past the budget, so no method can overspend, and each
 * is scored by the best f it evaluated. */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "dl2o_nlopt.h"
#include "rng.h"

typedef struct counter {
    dl2o_instance inst;
    long evals, budget, hit; /* hit: evaluations when f first reached target */
    double best, target;
    double *best_x;          /* (n) */
    nlopt_opt stop;          /* forced to stop once the budget is spent */
    int tight;               /* run to 1e-15 / 1e-12 tolerances (target runs) */
} counter;

static double counted(unsigned n, const double *x, double *grad, void *data)
{
    counter *c = data;
    if (c->evals >= c->budget) {
        if (c->stop) nlopt_force_stop(c->stop);
        if (grad) memset(grad, 0, n * sizeof *grad);
        return HUGE_VAL;
    }
    c->evals++;
    double f = dl2o_instance_objective(n, x, grad, &c->inst);
    if (f < c->best) {
        c->best = f;
        memcpy(c->best_x, x, n * sizeof *x);
    }
    if (!c->hit && f <= c->target) c->hit = c->evals;
    return f;
}

static void counter_init(counter *c, const bench_instance *in, long budget, double *best_x)
{
    memset(c, 0, sizeof *c);
    c->inst.family = in->family;
    c->inst.theta = in->theta;
    c->budget = budget;
    c->best = HUGE_VAL;
    c->target = -HUGE_VAL;
    c->best_x = best_x;
}

static double finish(counter *c, long *evals)
{
    *evals = c->evals;
    return isfinite(c->best) ? c->best : NAN;
}

static nlopt_opt make_opt(nlopt_algorithm alg, const bench_instance *in, counter *c, long maxeval)
{
    nlopt_opt o = nlopt_create(alg, in->n);
    if (!o) return NULL;
    /* NLopt's stochastic methods (CRS2, ISRES, MLSL's sample) draw from one
     * global generator seeded from the clock unless told: seed it per
     * instance and algorithm so that a bench reruns identically. */
    nlopt_srand((unsigned long)(in->seed ^ (in->index << 16) ^ (uint64_t)alg));
    nlopt_set_lower_bounds(o, dl2o_family_lower(in->family));
    nlopt_set_upper_bounds(o, dl2o_family_upper(in->family));
    nlopt_set_min_objective(o, counted, c);
    nlopt_set_maxeval(o, (int)(maxeval > 0 ? maxeval : 1));
    nlopt_set_ftol_rel(o, c->tight ? 1e-15 : 1e-10);
    nlopt_set_xtol_rel(o, c->tight ? 1e-12 : 1e-8);
    return o;
}

static void random_point(const bench_instance *in, dl2o_rng *rng, double *x)
{
    const double *lo = dl2o_family_lower(in->family), *hi = dl2o_family_upper(in->family);
    for (unsigned j = 0; j < in->n; j++) x[j] = lo[j] + (hi[j] - lo[j]) * dl2o_rng_uniform(rng);
}

/* Each method's random stream: the instance's index and a method tag. */
static void method_rng(dl2o_rng *rng, const bench_instance *in, unsigned tag)
{
    dl2o_rng_init(rng, in->seed, DL2O_STREAM_BENCH, (in->index << 8) | tag);
}

static double local_from(const bench_setup *s, const bench_instance *in, counter *c, double *x)
{
    nlopt_opt o = make_opt(s->local, in, c, c->budget - c->evals);
    if (!o) return NAN;
    c->stop = o;
    double f;
    nlopt_optimize(o, x, &f);
    c->stop = NULL;
    nlopt_destroy(o);
    return c->best;
}

static double m_cold(const bench_setup *s, const bench_instance *in, long budget, long *evals)
{
    double *x = calloc(2 * (size_t)in->n, sizeof *x);
    counter c;
    counter_init(&c, in, budget, x + in->n);
    const double *lo = dl2o_family_lower(in->family), *hi = dl2o_family_upper(in->family);
    for (unsigned j = 0; j < in->n; j++) x[j] = fmin(fmax(0.0, lo[j]), hi[j]);
    local_from(s, in, &c, x);
    free(x);
    return finish(&c, evals);
}

static double m_random_nlopt(const bench_setup *s, const bench_instance *in, long budget,
                             long *evals)
{
    double *x = calloc(2 * (size_t)in->n, sizeof *x);
    counter c;
    counter_init(&c, in, budget, x + in->n);
    dl2o_rng rng;
    method_rng(&rng, in, 1);
    while (c.evals < budget) {
        long before = c.evals;
        random_point(in, &rng, x);
        local_from(s, in, &c, x);
        if (c.evals == before) break;
    }
    free(x);
    return finish(&c, evals);
}

/* ---- GSL random restarts (vector_bfgs2) ---- */
static double g_f(const gsl_vector *v, void *p)
{
    counter *c = p;
    return counted((unsigned)v->size, v->data, NULL, c);
}
static void g_df(const gsl_vector *v, void *p, gsl_vector *g)
{
    counter *c = p;
    counted((unsigned)v->size, v->data, g->data, c);
}
static void g_fdf(const gsl_vector *v, void *p, double *f, gsl_vector *g)
{
    counter *c = p;
    *f = counted((unsigned)v->size, v->data, g->data, c);
}

static double m_random_gsl(const bench_setup *s, const bench_instance *in, long budget,
                           long *evals)
{
    (void)s;
    double *xb = calloc(in->n, sizeof *xb);
    counter c;
    counter_init(&c, in, budget, xb);
    gsl_vector *x = gsl_vector_alloc(in->n);
    gsl_multimin_fdfminimizer *m = gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, in->n);
    gsl_multimin_function_fdf fdf = {g_f, g_df, g_fdf, in->n, &c};
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    dl2o_rng rng;
    method_rng(&rng, in, 2);
    const double *lo = dl2o_family_lower(in->family), *hi = dl2o_family_upper(in->family);
    while (x && m && c.evals < budget) {
        long before = c.evals;
        random_point(in, &rng, x->data);
        /* x->data is contiguous (stride 1) from gsl_vector_alloc */
        if (gsl_multimin_fdfminimizer_set(m, &fdf, x, 0.01 * (hi[0] - lo[0]), 0.1) != GSL_SUCCESS)
            break;
        for (int it = 0; it < 10000 && c.evals < budget; it++) {
            if (gsl_multimin_fdfminimizer_iterate(m) != GSL_SUCCESS) break;
            if (gsl_multimin_test_gradient(m->gradient, 1e-6) == GSL_SUCCESS) break;
        }
        if (c.evals == before) break;
    }
    gsl_set_error_handler(old);
    if (m) gsl_multimin_fdfminimizer_free(m);
    if (x) gsl_vector_free(x);
    free(xb);
    return finish(&c, evals);
}

static double m_mlsl(const bench_setup *s, const bench_instance *in, long budget, long *evals)
{
    double *x = calloc(2 * (size_t)in->n, sizeof *x);
    counter c;
    counter_init(&c, in, budget, x + in->n);
    nlopt_opt o = make_opt(NLOPT_G_MLSL_LDS, in, &c, budget);
    nlopt_opt local = nlopt_create(s->local, in->n);
    if (o && local) {
        nlopt_set_ftol_rel(local, 1e-10);
        nlopt_set_xtol_rel(local, 1e-8);
        nlopt_set_local_optimizer(o, local);
        c.stop = o;
        dl2o_rng rng;
        method_rng(&rng, in, 3);
        random_point(in, &rng, x);
        double f;
        nlopt_optimize(o, x, &f);
    }
    if (local) nlopt_destroy(local);
    if (o) nlopt_destroy(o);
    free(x);
    return finish(&c, evals);
}

/* A global method with half the budget, then the local solver from its best. */
static double global_polish(const bench_setup *s, const bench_instance *in, long budget,
                            long *evals, nlopt_algorithm alg, unsigned tag)
{
    double *x = calloc(2 * (size_t)in->n, sizeof *x);
    counter c;
    counter_init(&c, in, budget, x + in->n);
    nlopt_opt o = make_opt(alg, in, &c, budget / 2);
    if (o) {
        c.stop = o;
        dl2o_rng rng;
        method_rng(&rng, in, tag);
        random_point(in, &rng, x);
        double f;
        nlopt_optimize(o, x, &f);
        nlopt_destroy(o);
        c.stop = NULL;
        if (isfinite(c.best)) {
            memcpy(x, c.best_x, in->n * sizeof *x);
            local_from(s, in, &c, x);
        }
    }
    free(x);
    return finish(&c, evals);
}

static double m_crs2(const bench_setup *s, const bench_instance *in, long b, long *e)
{
    return global_polish(s, in, b, e, NLOPT_GN_CRS2_LM, 4);
}
static double m_isres(const bench_setup *s, const bench_instance *in, long b, long *e)
{
    return global_polish(s, in, b, e, NLOPT_GN_ISRES, 5);
}
static double m_direct(const bench_setup *s, const bench_instance *in, long b, long *e)
{
    return global_polish(s, in, b, e, NLOPT_GN_DIRECT_L, 6);
}

static double m_sampler(const bench_setup *s, const bench_instance *in, long budget, long *evals)
{
    long k = budget - (long)dl2o_initializer_guidance_evals(s->init);
    if (k > (long)s->max_count) k = s->max_count;
    *evals = 0;
    if (k < 1) return NAN;
    double *x = malloc(((size_t)k + 1) * in->n * sizeof *x), *fx = malloc((size_t)k * sizeof *fx);
    counter c;
    counter_init(&c, in, budget, x + (size_t)k * in->n);
    unsigned K0 = dl2o_initializer_get_candidates(s->init), count;
    if (x && fx && dl2o_initializer_set_candidates(s->init, (unsigned)k) == DL2O_OK)
        dl2o_initializer_propose(s->init, in->n, counted, &c, in->theta, NULL, NULL, x, fx, &count,
                                 NULL);
    dl2o_initializer_set_candidates(s->init, K0);
    free(x);
    free(fx);
    return finish(&c, evals);
}

/* K for a warm start within a budget: at most 64, at most a quarter of what
 * the probes leave. */
static long warm_k(const bench_setup *s, long budget)
{
    long k = (budget - (long)dl2o_initializer_guidance_evals(s->init)) / 4;
    return k > 64 ? 64 : k;
}

static double warm_run(const bench_setup *s, const bench_instance *in, counter *c, long k)
{
    double *x = calloc(in->n, sizeof *x);
    unsigned K0 = dl2o_initializer_get_candidates(s->init);
    long rest = c->budget - (long)dl2o_initializer_guidance_evals(s->init) - k;
    nlopt_opt o = x ? make_opt(s->local, in, c, rest) : NULL;
    if (o && dl2o_initializer_set_candidates(s->init, (unsigned)k) == DL2O_OK &&
        dl2o_nlopt_warmstart(o, s->init, counted, c, in->theta, x) == DL2O_OK) {
        c->stop = o;
        double f;
        nlopt_optimize(o, x, &f);
        c->stop = NULL;
    }
    dl2o_initializer_set_candidates(s->init, K0);
    if (o) nlopt_destroy(o);
    free(x);
    return c->best;
}

static double m_warm(const bench_setup *s, const bench_instance *in, long budget, long *evals)
{
    long k = warm_k(s, budget);
    *evals = 0;
    if (k < 1) return NAN;
    double *xb = calloc(in->n, sizeof *xb);
    counter c;
    counter_init(&c, in, budget, xb);
    warm_run(s, in, &c, k);
    free(xb);
    return finish(&c, evals);
}

static double m_multistart(const bench_setup *s, const bench_instance *in, long budget,
                           long *evals)
{
    double *x = calloc(2 * (size_t)in->n, sizeof *x), minf;
    counter c;
    counter_init(&c, in, budget, x + in->n);
    nlopt_opt local = make_opt(s->local, in, &c, budget);
    dl2o_nlopt_settings set;
    dl2o_nlopt_settings_default(&set);
    set.starts = s->starts; /* 0: runs from fresh candidates until the budget is spent */
    if (local) dl2o_nlopt_multistart_ex(local, s->init, counted, &c, in->theta, &set, x, &minf, NULL);
    if (local) nlopt_destroy(local);
    free(x);
    return finish(&c, evals);
}

const bench_method dl2o_bench_methods[] = {
    {"cold start", m_cold},
    {"random restarts (NLopt)", m_random_nlopt},
    {"random restarts (GSL bfgs2)", m_random_gsl},
    {"MLSL-LDS", m_mlsl},
    {"CRS2-LM + polish", m_crs2},
    {"ISRES + polish", m_isres},
    {"DIRECT-L + polish", m_direct},
    {"dl2o sampler alone", m_sampler},
    {"dl2o warm start", m_warm},
    {"dl2o multistart", m_multistart},
};
const int dl2o_bench_method_count = sizeof dl2o_bench_methods / sizeof dl2o_bench_methods[0];

long dl2o_bench_evals_to_target(const bench_setup *s, const bench_instance *in, double fstar,
                                int warm, long maxeval)
{
    double *x = calloc(2 * (size_t)in->n, sizeof *x);
    counter c;
    counter_init(&c, in, maxeval, x + in->n);
    c.target = fstar + 1e-6 * (1.0 + fabs(fstar));
    c.tight = 1;
    if (warm) {
        long k = warm_k(s, 400);
        warm_run(s, in, &c, k < 1 ? 1 : k);
    } else {
        local_from(s, in, &c, x); /* from x = 0 */
    }
    free(x);
    return c.hit ? c.hit : -1;
}
