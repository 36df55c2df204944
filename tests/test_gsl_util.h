/* test_gsl_util.h — what the GSL bridge tests share: a rastrigin-2 instance
 * as GSL callbacks with an independent call counter, and fixture paths. */
#ifndef DL2O_TEST_GSL_UTIL_H
#define DL2O_TEST_GSL_UTIL_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dl2o.h"
#include "dl2o_gsl.h"

/* Seed of the held-out theta stream: the fixtures train with seed 11. */
#define GSLT_HELDOUT_SEED 20250917u

typedef struct gslt_obj {
    const dl2o_family *family;
    const double *theta;
    unsigned long calls;      /* every call of f, df or fdf: the independent count */
    unsigned long limit;      /* > 0: calls past it are not counted in best (baseline) */
    double best;              /* best f among the first `limit` calls */
    int nan_right;            /* 1: f is NaN where x[0] > 0;  2: NaN everywhere */
    unsigned long nan_after;  /* > 0: f is NaN from call nan_after + 1 on */
    gsl_error_handler_t *seen_handler; /* the GSL handler active inside the last call */
} gslt_obj;

static inline double gslt_eval(gslt_obj *o, const gsl_vector *x, gsl_vector *g)
{
    double xd[16], gd[16];
    size_t n = x->size;
    for (size_t j = 0; j < n; j++) xd[j] = gsl_vector_get(x, j);
    o->seen_handler = gsl_set_error_handler(NULL);
    gsl_set_error_handler(o->seen_handler);
    o->calls++;
    double f = dl2o_family_eval(o->family, o->theta, xd, g ? gd : NULL);
    if (o->nan_right == 2 || (o->nan_right == 1 && xd[0] > 0) ||
        (o->nan_after && o->calls > o->nan_after))
        f = NAN;
    if (g)
        for (size_t j = 0; j < n; j++) gsl_vector_set(g, j, isnan(f) ? NAN : gd[j]);
    if ((!o->limit || o->calls <= o->limit) && f < o->best) o->best = f;
    return f;
}

static inline double gslt_f(const gsl_vector *x, void *p) { return gslt_eval(p, x, NULL); }
static inline void gslt_df(const gsl_vector *x, void *p, gsl_vector *g) { gslt_eval(p, x, g); }
static inline void gslt_fdf(const gsl_vector *x, void *p, double *f, gsl_vector *g)
{
    *f = gslt_eval(p, x, g);
}

static inline void gslt_obj_init(gslt_obj *o, const dl2o_family *fam, const double *theta)
{
    memset(o, 0, sizeof *o);
    o->family = fam;
    o->theta = theta;
    o->best = INFINITY;
}

static inline gsl_multimin_function_fdf gslt_fdf_of(gslt_obj *o)
{
    gsl_multimin_function_fdf F = {gslt_f, gslt_df, gslt_fdf, dl2o_family_dim_x(o->family), o};
    return F;
}

static inline gsl_multimin_function gslt_f_of(gslt_obj *o)
{
    gsl_multimin_function F = {gslt_f, dl2o_family_dim_x(o->family), o};
    return F;
}

/* "probe" or "theta" fixture model; NULL (and a message) when it is missing. */
static inline dl2o_initializer *gslt_load(const char *mode)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/rastrigin-2.%s.h5", DL2O_FIXTURE_DIR, mode);
    dl2o_initializer *init = NULL;
    if (dl2o_initializer_load(path, &init) != DL2O_OK) {
        fprintf(stderr, "cannot load %s: %s\n", path, dl2o_last_error());
        return NULL;
    }
    dl2o_initializer_set_device(init, DL2O_DEVICE_CPU);
    return init;
}

#endif
