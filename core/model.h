/* model.h — a trained Diff-L2O model: denoiser + oracle + normalization.
 *
 * Denoiser input per row: [x_t (n) | time embedding (E) | g normalized (G)],
 * output: predicted noise eps (n). The oracle maps g normalized (G) to a
 * normalized point (n). x is normalized as (x - x_mean) / x_std.
 *
 * Guidance g (G values):
 *   theta: g = theta, G = dim_theta.
 *   probe: for each of P probe points p_j: f(p_j), grad f(p_j) (n values),
 *          G = P (1 + n); with signed_log (format versions 1 and 2) each
 *          passes through slog(v) = sign(v) log(1 + |v|) first.
 *   anchor (with either mode, when anchor_maxeval > 0): the end point a of
 *          a short local run from the box centre and f(a) follow,
 *          G += n + 1, and x is modelled as the offset x - a: a point is
 *          a + x_mean + x_std * xn (plugin/guidance.h).
 */
#ifndef DL2O_MODEL_H
#define DL2O_MODEL_H

#include "dl2o.h"
#include "mlp.h"
#include "schedule.h"

/* The newest weight-file version this library reads and writes. Version 3
 * holds linear guidance values; signed-log models are still written as
 * version 1 (no anchor) or 2 (anchored), which older readers read. */
#define DL2O_FORMAT_VERSION 3
#define DL2O_ANCHOR_MAXEVAL_MAX 1000000

/* Samplers clip each x0 estimate to the box and to this many training
 * standard deviations around the training mean (propose() and the data
 * rounds). At t = T the cosine schedule leaves sqrt(alpha_bar) ~ 5e-4, so
 * x0 = (x_t - sb eps) / sa multiplies the denoiser's error by ~2000; clipped
 * only to the box, those estimates carried the first DDIM steps far off:
 * single samples scored f ~ 100 on rastrigin-10, whose data average 25. At 3
 * they score ~30, and the multistart's gap at 200 evaluations fell from 13.8
 * to 3.2 (2 to 4 gave much the same; docs/BENCHMARKS.md). */
#define DL2O_X0_CLIP_STD 3.0
#define DL2O_NAME_MAX 64

typedef struct dl2o_model_dims {
    int dim_x, dim_theta;
    dl2o_guidance guidance;
    int n_probes;             /* probe mode only; 0 in theta mode */
    int width, blocks;        /* denoiser */
    int oracle_width, oracle_blocks;
    int time_embed;           /* even */
    dl2o_schedule_kind schedule;
    int T;
    double beta_start, beta_end; /* linear schedule only; 0, 0: default */
    int anchor_maxeval;       /* > 0: anchored (see above), the local run's budget; 0: none */
    int signed_log;           /* 1: probe and anchor values pass through slog (see above) */
} dl2o_model_dims;

typedef struct dl2o_model {
    dl2o_model_dims dims;
    int dim_g;
    char family[DL2O_NAME_MAX];
    int family_version;
    char library_version[16];
    char created[32];         /* ISO 8601 UTC */
    dl2o_schedule sched;
    dl2o_mlp denoiser, oracle;
    float *params;            /* (n_params): denoiser, then oracle */
    size_t n_params;
    double *x_mean, *x_std;   /* (dim_x) */
    double *g_mean, *g_std;   /* (dim_g) */
    double *lower, *upper;    /* (dim_x) the family's box */
    double *probes;           /* (n_probes, dim_x), probe mode; else NULL */
    double f_scale;           /* typical |f| of the data, scales the lambda terms */
    char *training_json;      /* heap string or NULL */
    double *stats;            /* the one allocation behind the double arrays */
} dl2o_model;

/* Checks dims and allocates everything (parameters zeroed, std = 1). */
dl2o_status dl2o_model_init(dl2o_model *m, const dl2o_model_dims *dims);
void dl2o_model_free(dl2o_model *m);
int dl2o_model_dim_g(const dl2o_model_dims *dims);
const char *dl2o_guidance_name(dl2o_guidance g);
int dl2o_guidance_parse(const char *name, dl2o_guidance *g);

#endif
