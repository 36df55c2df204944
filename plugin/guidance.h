/* guidance.h — guidance encoders: the condition vector g of one instance.
 *   theta:  g = theta.
 *   probe:  per probe point p_j: f(p_j), then each component of grad f(p_j).
 *           Models with signed_log (weight format versions 1 and 2) store
 *           slog(v) = sign(v) log(1 + |v|) of each instead. Costs one
 *           evaluation per probe.
 *   anchor: added to either mode when the model has anchor_maxeval > 0. An
 *           LD_LBFGS run of at most anchor_maxeval evaluations from the
 *           centre of the box ends at the anchor a (the best point it
 *           evaluated); g gets a (n values, raw) and f(a) (slog f(a) with
 *           signed_log). The model then describes solutions as offsets
 *           from a. Why: on the
 *           standard families the box centre's local minimum is already
 *           better than any classic global method at small budgets
 *           (docs/BENCHMARKS.md), and what is left to learn, the step from
 *           that basin to a better one, is small and similar across
 *           instances, where the solutions themselves are not.
 * The network sees g normalized with the model's g_mean / g_std. */
#ifndef DL2O_GUIDANCE_H
#define DL2O_GUIDANCE_H

#include "dl2o.h"
#include "model.h"

typedef struct dl2o_guidance_info {
    unsigned evals;  /* evaluations of f spent: probes plus the anchor run */
    double f_anchor; /* f at the anchor (anchored models), NaN if never finite */
} dl2o_guidance_info;

/* g (dim_g) raw, before normalization. Non-finite probe values are stored as
 * NaN and become 0 (the training mean) in dl2o_guidance_normalize.
 * lo, hi (n): the box of the anchor run, NULL for the model's box. scratch:
 * (dim_x) doubles. */
dl2o_status dl2o_guidance_encode(const dl2o_model *m, dl2o_func f, void *f_data,
                                 const double *theta, const double *lo, const double *hi,
                                 double *g, double *scratch, dl2o_guidance_info *info);
/* The anchor inside g (n values), or NULL when the model has none. */
const double *dl2o_guidance_anchor(const dl2o_model *m, const double *g);
void dl2o_guidance_normalize(const dl2o_model *m, const double *g, float *gn);

#endif
