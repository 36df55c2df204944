/* solve_gsl.c — `dl2o solve --solver gsl:ALG`: the learned multistart of
 * the GSL bridge (dl2o_gsl.h) on instance i of a standard family.
 * ALG: bfgs2, bfgs, conjugate_fr, conjugate_pr, steepest_descent (fdf
 * minimizers), nmsimplex2, nmsimplex2rand (f minimizers). --starts k local
 * runs (--mode warmstart means one run from the best candidate); --maxeval B
 * is the whole per-instance budget, probes and candidates included (0: the
 * bridge's defaults, no evaluation limit). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dl2o_gsl.h"


/* The instance as GSL callbacks; GSL vectors may be strided, so copy. */
typedef struct gsl_inst {
    dl2o_instance inst;
    double *x, *g; /* (n), (n) */
} gsl_inst;

static const double *dense(gsl_inst *d, const gsl_vector *v)
{
    if (v->stride == 1) return v->data;
    for (size_t j = 0; j < v->size; j++) d->x[j] = v->data[j * v->stride];
    return d->x;
}

static double g_f(const gsl_vector *x, void *p)
{
    gsl_inst *d = p;
    return dl2o_instance_objective((unsigned)x->size, dense(d, x), NULL, &d->inst);
}

static void g_fdf(const gsl_vector *x, void *p, double *f, gsl_vector *g)
{
    gsl_inst *d = p;
    *f = dl2o_instance_objective((unsigned)x->size, dense(d, x), d->g, &d->inst);
    for (size_t j = 0; j < g->size; j++) g->data[j * g->stride] = d->g[j];
}

static void g_df(const gsl_vector *x, void *p, gsl_vector *g)
{
    double f;
    g_fdf(x, p, &f, g);
}

int cli_solve_gsl(cli_session *s, const char *alg, const cli_solve_opts *o, size_t i, double *x,
                  double *f, unsigned *evals)
{
    const gsl_multimin_fdfminimizer_type *T_fdf;
    const gsl_multimin_fminimizer_type *T_f;
    if (dl2o_gsl_type_from_string(alg, &T_fdf, &T_f) != GSL_SUCCESS) {
        fprintf(stderr, "dl2o solve: %s\n", dl2o_gsl_last_error());
        return -1;
    }
    unsigned n = s->n;
    gsl_inst d = {{s->family, s->thetas + i * s->p}, malloc(2 * (size_t)n * sizeof(double)), NULL};
    gsl_vector *xv = gsl_vector_calloc(n);
    if (!d.x || !xv) {
        fprintf(stderr, "dl2o solve: out of memory\n");
        free(d.x);
        if (xv) gsl_vector_free(xv);
        return -1;
    }
    d.g = d.x + n;
    gsl_multimin_function_fdf fdf = {g_f, g_df, g_fdf, n, &d};
    gsl_multimin_function fn = {g_f, n, &d};
    dl2o_gsl_multistart_options opts;
    dl2o_gsl_multistart_options_default(&opts);
    opts.starts = o->mode && !strcmp(o->mode, "warmstart") ? 1 : o->starts ? o->starts : 4;
    opts.max_evals = o->maxeval;
    double minf = 0;
    int st = T_fdf ? dl2o_gsl_fdf_multistart(T_fdf, &fdf, s->init, d.inst.theta, &opts, xv, &minf)
                   : dl2o_gsl_f_multistart(T_f, &fn, s->init, d.inst.theta, &opts, xv, &minf);
    int ok = st == GSL_SUCCESS || st == GSL_EMAXITER || st == GSL_ENOPROG;
    if (ok) {
        for (unsigned j = 0; j < n; j++) x[j] = gsl_vector_get(xv, j);
        *f = minf;
        *evals = (unsigned)opts.evals;
    } else {
        fprintf(stderr, "dl2o solve: instance %zu: %s\n", i, dl2o_gsl_last_error());
    }
    gsl_vector_free(xv);
    free(d.x);
    return ok ? 0 : -1;
}
