/* schedule.h — variance-preserving noise schedules for DDPM/DDIM.
 *
 * Index t = 0..T-1 is diffusion step t+1: beta[t], alpha[t] = 1 - beta[t],
 * alpha_bar[t] = prod_{s<=t} alpha[s]. A schedule must take data to noise:
 * alpha_bar[T-1] <= DL2O_ALPHA_BAR_END_MAX, checked on creation.
 *
 * linear: beta goes linearly from beta_start to beta_end. With both set to 0
 *   the classic 1e-4 .. 0.02 range is scaled by 1000/T, which keeps the total
 *   noise of the 1000-step DDPM schedule at any T (the end capped at 0.999).
 * cosine: Nichol & Dhariwal, alpha_bar(t) = cos^2(((t/T)+s)/(1+s) * pi/2),
 *   s = 0.008, beta clipped to 0.999.
 */
#ifndef DL2O_SCHEDULE_H
#define DL2O_SCHEDULE_H

#include "dl2o.h"

#define DL2O_ALPHA_BAR_END_MAX 1e-3
#define DL2O_T_MAX 10000

typedef struct dl2o_schedule {
    dl2o_schedule_kind kind;
    int T;
    double beta_start, beta_end; /* beta[0] and beta[T-1] as built */
    double *beta, *alpha, *alpha_bar; /* (T) each, one allocation */
} dl2o_schedule;

/* beta_start/beta_end are used by the linear kind only (0, 0: default). */
dl2o_status dl2o_schedule_init(dl2o_schedule *s, dl2o_schedule_kind kind, int T,
                               double beta_start, double beta_end);
void dl2o_schedule_free(dl2o_schedule *s);
const char *dl2o_schedule_kind_name(dl2o_schedule_kind kind);
/* Returns 0 and sets *kind for "cosine"/"linear", -1 otherwise. */
int dl2o_schedule_kind_parse(const char *name, dl2o_schedule_kind *kind);

#endif
