/* gsl_internal.h — what the GSL bridge's files share: the counting wrapper
 * around the caller's GSL callbacks, the nlopt_func-shaped adapter the
 * initializer calls, error reporting, and the candidate step. */
#ifndef DL2O_GSL_INTERNAL_H
#define DL2O_GSL_INTERNAL_H

#include <setjmp.h>
#include <stddef.h>

#include "dl2o_gsl.h"

/* One bridge call's view of the caller's objective. Exactly one of ufdf and
 * uf is set. GSL is handed wfdf / wf, whose params point back here. */
typedef struct gslb_ctx {
    gsl_multimin_function_fdf *ufdf;
    gsl_multimin_function *uf;
    size_t n;
    gsl_error_handler_t *caller_handler; /* restored around user callbacks */
    size_t evals;                        /* calls of the caller's f, df, fdf */
    size_t cap;                          /* evals may not pass this */
    jmp_buf *escape;                     /* where to unwind at cap; NULL: return NaN */
    double best_f;                       /* best finite f evaluated, +Inf if none */
    double *best_x;                      /* (n) */
    double *xh;                          /* (n) scratch for forward differences */
    gsl_multimin_function_fdf wfdf;
    gsl_multimin_function wf;
} gslb_ctx;

/* Sets the thread's last error (printf-style) and returns code. */
int gslb_fail(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void gslb_clear_error(void);
void gslb_set_last_evals(size_t evals);
/* Maps a dl2o_status to a GSL code, copying the initializer's message. */
int gslb_from_dl2o(dl2o_status st, const dl2o_initializer *init, const char *where);

/* Prepares ctx for exactly one of fdf / f; allocates best_x and xh.
 * Returns GSL_SUCCESS or GSL_ENOMEM. */
int gslb_ctx_init(gslb_ctx *c, gsl_multimin_function_fdf *fdf, gsl_multimin_function *f,
                  size_t n, gsl_error_handler_t *caller_handler);
void gslb_ctx_free(gslb_ctx *c);

/* Checks the arguments every entry point shares: init, the objective's n
 * against the model, theta for theta-guided models. where names the caller.
 * Returns GSL_SUCCESS or an error code (message set). */
int gslb_check_common(const dl2o_initializer *init, size_t fn, const double *theta,
                      const char *where);

/* The candidates of one propose() call, best first. */
typedef struct gslb_cands {
    double *x;      /* (K, n) */
    double *fx;     /* (K) */
    unsigned count; /* valid rows */
} gslb_cands;

/* Evaluations a propose() with K candidates costs through this ctx. */
size_t gslb_propose_cost(const gslb_ctx *c, const dl2o_initializer *init, unsigned K);
/* Proposes K candidates through the counting adapter (never unwinds: the
 * caller checks the budget with gslb_propose_cost first). The initializer's
 * candidate setting is restored afterwards. out->x/fx are allocated here;
 * free with gslb_cands_free. */
int gslb_propose(gslb_ctx *c, dl2o_initializer *init, const double *theta, unsigned K,
                 gslb_cands *out, const char *where);
void gslb_cands_free(gslb_cands *cd);

/* Per-coordinate step from the spread of the top candidates (see
 * dl2o_gsl_fminimizer_set), into step (n). */
void gslb_spread_step(const dl2o_initializer *init, const gslb_cands *cd, size_t n, double *step);
/* The automatic fdf step_size: 0.5 * RMS of the spread step. */
double gslb_auto_step_size(const dl2o_initializer *init, const gslb_cands *cd, size_t n);

#endif
