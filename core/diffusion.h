/* diffusion.h — Diff-L2O training (denoiser + oracle) and sampling on a backend.
 *
 * All x here are normalized: xn = (x - x_mean) / x_std. Step numbers t run
 * 1..T; schedule arrays are indexed t-1.
 *
 * Loss of one minibatch of B rows (instance i, step t, noise eps):
 *   L_eps    = mean_{r,j} (eps_hat - eps)^2
 *   L_f      = lambda_f / f_scale * mean_r w_t f(x0_hat_r; theta_i),  w_t = alpha_bar_t
 *   L_oracle = mean_{r,j} (o(g_i) - xn_i)^2 + lambda_oracle_f / f_scale * mean_r f(o(g_i); theta_i)
 * x0_hat = (x_t - sqrt(1-ab) eps_hat) / sqrt(ab), mapped to x and clamped to
 * the box; the objective gradient flows back through eps_hat (and o) only in
 * coordinates the clamp did not cut.
 */
#ifndef DL2O_DIFFUSION_H
#define DL2O_DIFFUSION_H

#include <stdint.h>

#include "backend.h"
#include "dl2o.h"
#include "family.h"
#include "model.h"

typedef struct dl2o_train_data {
    int N;
    const float *x;          /* (N, n) normalized solutions */
    const float *g;          /* (N, G) normalized guidance */
    const double *origin;    /* (N, n) what x is relative to (anchors), or NULL:
                                a point is origin + x_mean + x_std * x */
    const double *theta;     /* (N, p) for the objective terms */
    const dl2o_family *family;
} dl2o_train_data;

/* One minibatch, drawn by dl2o_trainer_draw_batch or supplied by a caller
 * (parity tests feed two backends the same batch). */
typedef struct dl2o_train_batch {
    int B;
    int *idx;                /* (B) instance of each row */
    float *t;                /* (B) diffusion step, 1..T */
    float *eps;              /* (B, n) noise */
    int *buf_i; float *buf_f; /* the allocations behind the above */
} dl2o_train_batch;

typedef struct dl2o_train_hparams {
    double lr;
    double lambda_f, lambda_oracle_f;
    double beta1, beta2, adam_eps;
} dl2o_train_hparams;

typedef struct dl2o_train_losses {
    double eps, f, oracle, oracle_f; /* the four terms; f terms as plain means of f */
    double total;                    /* the loss whose gradient is taken */
} dl2o_train_losses;

typedef struct dl2o_trainer dl2o_trainer;

dl2o_status dl2o_train_batch_alloc(dl2o_train_batch *b, int B, int n);
void dl2o_train_batch_free(dl2o_train_batch *b);
/* Draws indices, steps and noise for `step` from the streams of `seed`. */
void dl2o_trainer_draw_batch(const dl2o_model *m, int N, uint64_t seed, uint64_t step,
                             dl2o_train_batch *b);

/* Uploads the model's parameters; Adam state starts at zero. */
dl2o_status dl2o_trainer_create(const dl2o_backend *be, const dl2o_model *m, int batch,
                                dl2o_trainer **out);
void dl2o_trainer_free(dl2o_trainer *tr);
/* Losses and the gradient of losses->total, without updating (tests, parity). */
dl2o_status dl2o_trainer_gradient(dl2o_trainer *tr, const dl2o_train_data *data,
                                  const dl2o_train_batch *b, const dl2o_train_hparams *hp,
                                  dl2o_train_losses *losses);
void dl2o_trainer_set_params(dl2o_trainer *tr, const float *params); /* (P) host */
void dl2o_trainer_get_grads(dl2o_trainer *tr, float *grads);         /* (P) host */
/* One Adam step (step counts from 1). */
dl2o_status dl2o_trainer_step(dl2o_trainer *tr, const dl2o_train_data *data,
                              const dl2o_train_batch *b, const dl2o_train_hparams *hp, int step,
                              dl2o_train_losses *losses);
/* Copies the trained parameters back into the model. */
dl2o_status dl2o_trainer_download(dl2o_trainer *tr, dl2o_model *m);
/* Adam's moment estimates (P each, host), for checkpoints: get downloads
 * them, set uploads them (a resumed run). The step count is not trainer
 * state: the caller passes it to each dl2o_trainer_step, so a run resumed
 * after k steps continues with step k + 1. */
dl2o_status dl2o_trainer_get_adam(dl2o_trainer *tr, float *adam_m, float *adam_v);
dl2o_status dl2o_trainer_set_adam(dl2o_trainer *tr, const float *adam_m, const float *adam_v);

/* ---- sampling ---- */

typedef struct dl2o_sampler_ws dl2o_sampler_ws;

/* Scratch for up to max_rows rows on a backend, with the model's weights. */
dl2o_status dl2o_sampler_ws_create(const dl2o_backend *be, const dl2o_model *m, int max_rows,
                                   dl2o_sampler_ws **out);
void dl2o_sampler_ws_free(dl2o_sampler_ws *ws);

/* Number of noise vectors (rows, n) a run consumes: the start plus one per
 * noisy step. */
int dl2o_sampler_noise_draws(const dl2o_model *m, dl2o_sampler kind, int steps);

/* Draws rows samples (host out, normalized) conditioned on g (rows, G),
 * clipping x0 estimates into [lo, hi] (n, normalized). Noise comes from
 * `noise` (host, dl2o_sampler_noise_draws * rows * n floats) when not NULL,
 * else from the stream (seed, DL2O_STREAM_SAMPLE, index). */
dl2o_status dl2o_sample(dl2o_sampler_ws *ws, int rows, const float *g, const float *lo,
                        const float *hi, dl2o_sampler kind, int steps, const float *noise,
                        uint64_t seed, uint64_t index, float *x_out);

/* The oracle's point (rows, n normalized) for g (rows, G). */
dl2o_status dl2o_oracle_predict(dl2o_sampler_ws *ws, int rows, const float *g, float *x_out);

#endif
