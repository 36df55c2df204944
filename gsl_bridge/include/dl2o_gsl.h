/* dl2o_gsl.h — learned starts and learned restarts for GSL multimin.
 *
 * GSL's gsl_multimin minimizers find one local minimum per run and have
 * neither bounds nor restarts, so users loop over gsl_multimin_*_set from
 * random points. This bridge replaces those random points with the dl2o
 * model's candidates (dl2o.h), in GSL's own conventions:
 *
 *   Single warm start, drop-in partners of the _set calls:
 *     dl2o_gsl_fdfminimizer_set(s, &fdf, init, theta, step_size, tol);
 *     dl2o_gsl_fminimizer_set(s, &f, init, theta);
 *     ... then the caller's usual gsl_multimin_*_iterate loop.
 *
 *   Learned restarts, replacing the caller's random-restart loop:
 *     dl2o_gsl_multistart_options o;
 *     dl2o_gsl_multistart_options_default(&o);
 *     o.max_evals = 200;
 *     int st = dl2o_gsl_fdf_multistart(gsl_multimin_fdfminimizer_vector_bfgs2,
 *                                      &fdf, init, theta, &o, x, &minf);
 *     if (st == GSL_SUCCESS || st == GSL_EMAXITER) use(x, minf, o.evals);
 *
 * The objective is the caller's gsl_multimin_function_fdf (f, df, fdf) or
 * gsl_multimin_function (f) and nothing else: the bridge adapts it to the
 * nlopt_func shape the initializer uses, so probe-guided models need no
 * theta (pass NULL). theta is required by theta-guided models.
 * The model's box (dl2o_initializer_lower/upper) clamps the candidates;
 * GSL itself has no bounds, so the local runs may leave the box.
 *
 * Return values are GSL status codes (gsl_errno.h):
 *   GSL_SUCCESS   done (multistart: at least one run passed its test)
 *   GSL_EMAXITER  multistart: no run passed its test within the iteration
 *                 and evaluation budgets; x and minf still hold the best
 *                 point evaluated, which is usually what the caller wants
 *   GSL_ENOPROG   multistart: every run stopped on a GSL error (typically
 *                 GSL_ENOPROG, "no progress") before its test passed; x and
 *                 minf hold the best point evaluated
 *   GSL_EINVAL    a bad argument (NULL pointer, missing callback, theta
 *                 missing for a theta-guided model, bad option, budget too
 *                 small for the probes and one candidate)
 *   GSL_EBADLEN   dimensions disagree (function n, minimizer or vector size,
 *                 model dim_x)
 *   GSL_EBADFUNC  the objective was NaN/Inf at every candidate
 *   GSL_ENOMEM    out of memory
 *   GSL_EUNSUP    the model's device is not available in this build
 *   GSL_EFAILED   any other failure of the initializer
 * On an error return nothing is written to x, minf or the minimizer, and
 * dl2o_gsl_last_error() says what went wrong, where, and what to do.
 *
 * Error handler. GSL's default error handler aborts. The bridge validates
 * everything before it calls GSL and turns GSL's handler off while it runs,
 * so no input can make it abort; it restores the caller's handler before
 * returning, and also around every call of the caller's own callbacks (so
 * GSL errors raised inside them reach the caller's handler as usual).
 * GSL's handler is process-global: do not run bridge calls concurrently
 * with other code that sets it.
 *
 * Evaluation counting (DESIGN.md, "Budget counting"): every call of the
 * caller's f, df or fdf is one evaluation, whichever GSL makes; a call that
 * returns f and the gradient together (fdf) is one evaluation. The totals
 * include the initializer's probes and candidates:
 *   - candidates are evaluated with f (one each);
 *   - probes (probe-guided models) with fdf, one each; with an f-only
 *     gsl_multimin_function the probe gradient is a forward difference,
 *     so each probe costs 1 + n evaluations.
 * A budget (max_evals) is never exceeded: the bridge's counting wrapper
 * refuses the call that would exceed a run's share, without calling the
 * caller's function, and unwinds out of the GSL iterate (longjmp) back to
 * the driver, which discards that minimizer state. The result of every run
 * is the best point evaluated, so nothing evaluated is wasted.
 */
#ifndef DL2O_GSL_H
#define DL2O_GSL_H

#include <stddef.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_vector.h>

#include "dl2o.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------- single start */

/* Sets s like gsl_multimin_fdfminimizer_set(s, fdf, x0, step_size, tol),
 * with x0 the model's best candidate for this instance.
 *   step_size  the first trial step, as in GSL; > 0 is used as is, 0 picks
 *              DL2O_GSL_STEP_SCALE times the RMS over coordinates of the
 *              simplex steps below (the top candidates' spread).
 *   tol        the line-search tolerance, as in GSL (0.1 is GSL's advice).
 * After it returns GSL_SUCCESS, s holds the caller's fdf and is iterated as
 * usual. (For the set's own evaluation to be counted, the callbacks in *fdf
 * point at the bridge's counting wrapper during the call; they are restored
 * before it returns. Do not use *fdf from another thread meanwhile.)
 * Evaluations used (probes, candidates and the set's own fdf call):
 * dl2o_gsl_last_evals(). */
int dl2o_gsl_fdfminimizer_set(gsl_multimin_fdfminimizer *s, gsl_multimin_function_fdf *fdf,
                              dl2o_initializer *init, const double *theta, double step_size,
                              double tol);

/* Sets s like gsl_multimin_fminimizer_set(s, f, x0, step), with x0 the best
 * candidate and the step-size vector built from the candidates' spread:
 *   step_j = clamp(DL2O_GSL_SPREAD_SCALE * sd_j, 1e-3 w_j, 0.25 w_j),
 * sd_j the standard deviation of coordinate j over the top
 * min(count, DL2O_GSL_SPREAD_TOP) candidates and w_j the width of the
 * model's box. Meant for nmsimplex2 / nmsimplex2rand (any fminimizer type
 * works). Evaluations used (probes, candidates and the simplex set-up):
 * dl2o_gsl_last_evals(). *f is treated as in dl2o_gsl_fdfminimizer_set. */
int dl2o_gsl_fminimizer_set(gsl_multimin_fminimizer *s, gsl_multimin_function *f,
                            dl2o_initializer *init, const double *theta);

#define DL2O_GSL_SPREAD_TOP 8
#define DL2O_GSL_SPREAD_SCALE 0.5
#define DL2O_GSL_STEP_SCALE 0.5

/* ------------------------------------------------------ learned restarts */

typedef struct dl2o_gsl_multistart_options {
    /* in */
    size_t starts;       /* local runs, from the best distinct candidates (8) */
    size_t max_iter;     /* iterations per run (500) */
    size_t max_evals;    /* total evaluations, probes and candidates included;
                            0: no limit (0). K is the initializer's candidate
                            count (dl2o_initializer_set_candidates, 64 by
                            default). When probes + K would take more
                            than half of it, K is lowered for this call to
                            half of what the probes leave (at least 1). Each
                            run may use an equal share of what is left when it
                            starts, so one slow run cannot starve the rest. */
    double gradient_tol; /* fdf: gsl_multimin_test_gradient(g, gradient_tol) (1e-6) */
    double size_tol;     /* f: gsl_multimin_test_size(size, size_tol) (1e-6) */
    double step_size;    /* fdf: first trial step; 0: from the candidates (0) */
    double tol;          /* fdf: line-search tolerance (0.1) */
    double min_distance; /* two candidates are distinct when some coordinate
                            differs by more than min_distance times the box
                            width (1e-2) */
    /* out, written on GSL_SUCCESS, GSL_EMAXITER and GSL_ENOPROG */
    size_t evals;        /* evaluations used in all, probes and candidates included */
    size_t candidates;   /* valid (finite) candidates proposed */
    size_t runs;         /* local runs started */
    size_t converged;    /* runs that passed their test */
    size_t iterations;   /* GSL iterations over all runs */
} dl2o_gsl_multistart_options;

/* Fills the documented defaults (the numbers in parentheses above). */
void dl2o_gsl_multistart_options_default(dl2o_gsl_multistart_options *opts);

/* Runs the caller's minimizer type T from the top `starts` distinct
 * candidates; each run iterates until gsl_multimin_test_gradient passes,
 * GSL reports an error (e.g. GSL_ENOPROG), or max_iter or its evaluation
 * share runs out. x (size n, out) and *minf get the best point evaluated
 * (candidates included). opts may be NULL (defaults, nothing reported).
 * The caller's fdf is only read; the initializer's candidate count and
 * seed stream are used as set (its noise stream advances per call). */
int dl2o_gsl_fdf_multistart(const gsl_multimin_fdfminimizer_type *T,
                            gsl_multimin_function_fdf *fdf, dl2o_initializer *init,
                            const double *theta, dl2o_gsl_multistart_options *opts,
                            gsl_vector *x, double *minf);

/* The same for fminimizers (nmsimplex2, nmsimplex2rand): each run starts
 * with the step vector of dl2o_gsl_fminimizer_set and iterates until
 * gsl_multimin_test_size(size, size_tol) passes. */
int dl2o_gsl_f_multistart(const gsl_multimin_fminimizer_type *T, gsl_multimin_function *f,
                          dl2o_initializer *init, const double *theta,
                          dl2o_gsl_multistart_options *opts, gsl_vector *x, double *minf);

/* ---------------------------------------------------------------- status */

/* Looks up a minimizer type by the name used on the command line: bfgs2,
 * bfgs, conjugate_fr, conjugate_pr, steepest_descent (fdf types) or
 * nmsimplex2, nmsimplex2rand (f types). Sets exactly one of *fdf, *f (the
 * other to NULL) and returns GSL_SUCCESS, or GSL_EINVAL for another name. */
int dl2o_gsl_type_from_string(const char *name, const gsl_multimin_fdfminimizer_type **fdf,
                              const gsl_multimin_fminimizer_type **f);

/* The calling thread's last bridge message: "" after GSL_SUCCESS; what
 * happened on GSL_EMAXITER / GSL_ENOPROG; what failed, where and what to do
 * on an error. */
const char *dl2o_gsl_last_error(void);
/* Evaluations used by the calling thread's last bridge call (all of them,
 * probes and candidates included; also set on errors after evaluating). */
size_t dl2o_gsl_last_evals(void);

#ifdef __cplusplus
}
#endif
#endif /* DL2O_GSL_H */
