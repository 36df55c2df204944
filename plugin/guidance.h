/* guidance.h — guidance encoders: the condition vector g of one instance.
 *   theta: g = theta.
 *   probe: per probe point p_j: slog f(p_j), then slog of each component of
 *          grad f(p_j); slog(v) = sign(v) log(1 + |v|) tames the range of
 *          objective values. Costs one evaluation per probe.
 * The network sees g normalized with the model's g_mean / g_std. */
#ifndef DL2O_GUIDANCE_H
#define DL2O_GUIDANCE_H

#include "dl2o.h"
#include "model.h"

/* g (dim_g) raw, before normalization. Non-finite probe values are stored as
 * NaN and become 0 (the training mean) in dl2o_guidance_normalize. *evals
 * gets the evaluations spent. scratch: (dim_x) doubles. */
dl2o_status dl2o_guidance_encode(const dl2o_model *m, dl2o_func f, void *f_data,
                                 const double *theta, double *g, double *scratch,
                                 unsigned *evals);
void dl2o_guidance_normalize(const dl2o_model *m, const double *g, float *gn);
double dl2o_slog(double v);

#endif
