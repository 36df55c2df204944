/* dl2o_nlopt.h — the dl2o initializer in front of NLopt.
 *
 * Two ways in, both taking the instance's objective f (the nlopt_func you
 * already have: NLopt has no getter for it, so pass it again):
 *
 *   Warm start: x0 and an initial step from the model, then NLopt as usual.
 *     dl2o_nlopt_warmstart(opt, init, f, data, theta_or_NULL, x);
 *     nlopt_optimize(opt, x, &minf);
 *
 *   Learned multistart: local runs from the best distinct candidates,
 *   sharing the budget set with nlopt_set_maxeval(local, B).
 *     dl2o_nlopt_multistart(local, init, f, data, theta_or_NULL, 4, x, &minf, &evals);
 *
 * Common rules
 *  - f is minimized. The model must have dim_x == nlopt_get_dimension(opt),
 *    else DL2O_EDIM.
 *  - theta may be NULL when the model was trained with probe guidance: the
 *    guidance is then built from f at the model's probe points (that costs
 *    dl2o_initializer_guidance_evals(init) evaluations). A theta-guided
 *    model given NULL fails with DL2O_EINVAL.
 *  - The bounds are read from opt. Candidates are clamped into them, and no
 *    x written here is ever outside them. Infinite bounds are allowed: the
 *    model's own box then limits the candidates on that side.
 *  - Candidates where f is NaN or Inf are dropped. If every one is, the
 *    call fails with DL2O_ENONFINITE and leaves x untouched.
 *  - On any error x (and minf) are left untouched, and dl2o_last_error()
 *    says what went wrong and what to do.
 *
 * The initial step (both functions, per coordinate j)
 *    s_j = standard deviation of coordinate j over the best min(8, count)
 *          candidates, floored at 1e-3 * w_j, where w_j is the width of the
 *          box the candidates live in (opt's bounds cut by the model's box);
 *    then t_j = min(s_j, 0.45 (ub-lb)) (LN_BOBYQA needs 2 t_j <= ub-lb),
 *    and around the start point x:
 *    - room on both sides (min(x-lb, ub-x) >= t_j/4): step = min(t_j, that
 *      room), so x - step and x + step are both inside the bounds;
 *    - x on or near a bound: step = t_j, so the step toward the interior
 *      stays inside (NLopt's derivative-free methods step away from a bound
 *      they would cross);
 *    - a fixed coordinate (lb == ub) gets s_j: NLopt needs a positive step
 *      there, and it does not move the coordinate anyway.
 *    The step is always positive and finite.
 */
#ifndef DL2O_NLOPT_H
#define DL2O_NLOPT_H

#include <nlopt.h>

#include "dl2o.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Two candidates are the same start when no coordinate differs by more than
 * this fraction of the box width (see dl2o_nlopt_settings.distinct). */
#define DL2O_NLOPT_DISTINCT 0.01

/* Warm start: draws K = dl2o_initializer_get_candidates(init) candidates,
 * evaluates them with f, writes the best to x (n) and sets opt's initial
 * step (nlopt_set_initial_step) by the rule above. It spends exactly
 * guidance_evals + K evaluations of f, which opt's maxeval does not see;
 * lower K (dl2o_initializer_set_candidates) for tight budgets. opt is not
 * otherwise changed. */
dl2o_status dl2o_nlopt_warmstart(nlopt_opt opt, dl2o_initializer *init, nlopt_func f,
                                 void *f_data, const double *theta, double *x);

/* Learned multistart.
 *   local       the local optimizer, configured as for nlopt_optimize: any
 *               algorithm, bounds, tolerances, constraints. It is copied
 *               (nlopt_copy) and never modified, its objective need not be
 *               set: the runs minimize f. nlopt_get_maxeval(local) > 0 is the
 *               total budget of the whole call: probes + candidates + every
 *               run, never exceeded. Then K shrinks so that the runs keep
 *               at least half of what the probes leave, and at least 3 n
 *               (dl2o_nlopt_budget_candidates), and the runs share the
 *               rest: each gets the remaining budget divided by the runs
 *               still to go, so what a run leaves unused passes to the next.
 *   starts      local runs from the best distinct candidates: each start
 *               differs from every earlier one of its batch by more than
 *               DL2O_NLOPT_DISTINCT times the box width in some coordinate.
 *               Fewer distinct candidates mean fewer runs.
 *               0: open-ended, like random restarts, and only with a budget
 *               (maxeval > 0, else DL2O_EINVAL): runs start from every
 *               distinct candidate in turn, each may use all that is left
 *               (cap it with dl2o_nlopt_settings.run_maxeval), and when a
 *               batch is used up a fresh batch is drawn (its probes and
 *               candidates charged again) until fewer than probes + 2
 *               evaluations remain. After the first hop_after runs
 *               (dl2o_nlopt_settings, default 8), every other run is a hop:
 *               it starts from the best point found so far plus a Gaussian
 *               step whose per-coordinate scale is the spread of the batch's
 *               best candidates (the warm start's step rule), cut into the
 *               box. The model's candidates find the basins worth starting
 *               in; the hops descend from the best of them to neighbouring,
 *               lower ones, where the landscape is funnel-shaped (on
 *               ackley-10 at 2,000 evaluations the success rate went from
 *               0.10 to 0.58, before the uniform starts below; 0.54 with
 *               them, docs/BENCHMARKS.md). Also after hop_after
 *               runs, one run in explore_every (default 6) starts at a
 *               uniform point in the box, so that, like random restarts, a
 *               long enough run reaches every basin, also one the model
 *               never proposes. That is a guarantee, not a speed-up: on the
 *               shipped-weights bench it is a wash (docs/BENCHMARKS.md);
 *               set explore_every = 0 to trust the model alone.
 *   x, minf     out: the best point found and f there.
 *   evals_used  out, may be NULL: the true total of evaluations of f.
 *
 * Result mapping. DL2O_OK when x holds a result. Runs that end in NLopt
 * errors (NLOPT_FAILURE, INVALID_ARGS, OUT_OF_MEMORY) are skipped; when all
 * of them do, DL2O_ESOLVER with NLopt's message. NLOPT_ROUNDOFF_LIMITED runs
 * count as results, as in NLopt. A run that reaches nlopt_set_stopval ends
 * the multistart. The NLopt code for the whole call is in
 * dl2o_nlopt_report.result (dl2o_nlopt_multistart_ex), in this order:
 * NLOPT_FORCED_STOP, NLOPT_STOPVAL_REACHED, NLOPT_MAXEVAL_REACHED (the
 * budget is spent), else the code of the run that produced x.
 *
 * Forced stop. Call nlopt_force_stop(local) (or nlopt_set_force_stop) from
 * f or its caller as with NLopt. The current run stops at its next
 * evaluation, no further run starts, and the call returns
 * DL2O_EINTERRUPTED with x, minf and evals_used holding the best point so
 * far (the best candidate when no run had finished). Like nlopt_optimize,
 * the call clears local's force-stop flag when it starts. */
dl2o_status dl2o_nlopt_multistart(nlopt_opt local, dl2o_initializer *init, nlopt_func f,
                                  void *f_data, const double *theta, unsigned starts,
                                  double *x, double *minf, int *evals_used);

typedef struct dl2o_nlopt_settings {
    unsigned starts;      /* local runs; 0: until the budget is spent (4) */
    int run_maxeval;      /* cap on each run besides the shared budget; 0: none (0) */
    double distinct;      /* distinctness threshold in (0, 1) of the box width;
                             0: DL2O_NLOPT_DISTINCT */
    unsigned hop_after;   /* open-ended mode (starts = 0): runs before hops
                             and uniform starts begin, see above; 0:
                             neither (8) */
    unsigned explore_every; /* open-ended mode, after hop_after runs: one run
                             in this many starts uniformly in the box; 0:
                             never (6) */
} dl2o_nlopt_settings;

typedef struct dl2o_nlopt_report {
    nlopt_result result;     /* see "Result mapping" */
    int evals;               /* total evaluations of f */
    unsigned guidance_evals; /* of which probes, over every batch */
    unsigned candidates;     /* of which candidates, over every batch, K after any shrink */
    unsigned runs;           /* local runs started */
    unsigned hops;           /* of which hops (open-ended mode) */
    unsigned explored;       /* of which uniform starts (open-ended mode) */
    int best_run;            /* run (0-based) that gave x; -1: x is a candidate */
} dl2o_nlopt_report;

void dl2o_nlopt_settings_default(dl2o_nlopt_settings *settings);

/* The candidate count K the multistart draws within a total budget of
 * `budget` evaluations (<= 0: no budget, the initializer's K): the local
 * runs keep at least half of what the model's probes leave, and at least
 * 3 n evaluations (a derivative-free solver such as BOBYQA spends 2 n + 1
 * on its first model; with K = 64 at 200 evaluations, lasso-25x50's
 * L-BFGS runs were left 120 and succeeded on 34 of 50 instances, against
 * 46 of 50 with K = 32). 0 when the probes alone use the budget up; 0 for
 * a NULL init. Useful for planning a warm start within a budget too. */
unsigned dl2o_nlopt_budget_candidates(const dl2o_initializer *init, int budget);

/* dl2o_nlopt_multistart with settings (NULL: defaults) and a report (may
 * be NULL), filled on success and on DL2O_EINTERRUPTED / DL2O_ESOLVER. */
dl2o_status dl2o_nlopt_multistart_ex(nlopt_opt local, dl2o_initializer *init, nlopt_func f,
                                     void *f_data, const double *theta,
                                     const dl2o_nlopt_settings *settings, double *x,
                                     double *minf, dl2o_nlopt_report *report);

#ifdef __cplusplus
}
#endif
#endif /* DL2O_NLOPT_H */
