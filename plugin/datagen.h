/* datagen.h — training data from the classic solver: for each instance, the
 * best of `restarts` NLopt LD_LBFGS runs, started from the box centre, from
 * Gaussian starts around it at doubling scales, and (last) from a uniform
 * point in the box (for LASSO families, the exact optimum by coordinate
 * descent when it is better, which it nearly always is). Instances are independent (their theta and starts come from their own
 * rng sub-streams), so the result does not depend on the thread count. */
#ifndef DL2O_DATAGEN_H
#define DL2O_DATAGEN_H

#include <nlopt.h>

#include "dataset.h"
#include "dl2o.h"
#include "progress.h"

/* should_stop (may be NULL) is polled from the calling thread as instances
 * finish; non-zero stops the run with DL2O_EINTERRUPTED and no data. */
dl2o_status dl2o_datagen(const dl2o_family *fam, int n_instances, uint64_t seed, int restarts,
                         int local_maxeval, int threads, dl2o_progress *progress,
                         int (*should_stop)(unsigned, void *), void *stop_data,
                         dl2o_dataset *out);

/* The local solver of data generation and of the reference optima: LD_LBFGS
 * in the family's box, ftol_rel 1e-12, xtol_rel 1e-10, at most maxeval
 * evaluations of f(n, x, grad, data). NULL when out of memory. */
nlopt_opt dl2o_local_create(const dl2o_family *fam, nlopt_func f, void *data, int maxeval);
/* Runs opt from x (n, in place) on the instance theta; returns f at the x it
 * leaves, or NaN when the run gave nothing usable. */
double dl2o_local_run(nlopt_opt opt, const dl2o_family *fam, const double *theta, double *x);

/* Best of `restarts` local LD_LBFGS runs for one instance; x (n) out, returns f
 * (NaN when every run failed). evals (may be NULL) counts evaluations. */
double dl2o_local_best(const dl2o_family *fam, const double *theta, uint64_t seed, uint64_t index,
                       int restarts, int local_maxeval, double *x, long *evals);

#endif
