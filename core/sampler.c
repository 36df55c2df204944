/* sampler.c — ancestral DDPM (T steps) and DDIM (S steps, eta = 0), plus the
 * oracle's one-pass prediction, on a backend. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "diffusion.h"

struct dl2o_sampler_ws {
    const dl2o_backend *be;
    const dl2o_model *m;
    int max_rows;
    dl2o_mlp_cache den, ora;
    float *params, *x, *t, *g, *u, *eps, *z, *lo, *hi; /* on the backend */
    void *dev;
    float *h_t; /* (max_rows) host */
};

void dl2o_sampler_ws_free(dl2o_sampler_ws *ws)
{
    if (!ws) return;
    dl2o_mlp_cache_free(ws->be, &ws->den);
    dl2o_mlp_cache_free(ws->be, &ws->ora);
    if (ws->dev) ws->be->free(ws->be, ws->dev);
    free(ws->h_t);
    free(ws);
}

dl2o_status dl2o_sampler_ws_create(const dl2o_backend *be, const dl2o_model *m, int max_rows,
                                   dl2o_sampler_ws **out)
{
    dl2o_status st = DL2O_OK;
    *out = NULL;
    if (max_rows < 1) return DL2O_FAIL(DL2O_EINVAL, "sampler needs at least one row");
    dl2o_sampler_ws *ws = dl2o_xcalloc(1, sizeof *ws, "sampler workspace");
    if (!ws) return DL2O_ENOMEM;
    ws->be = be, ws->m = m, ws->max_rows = max_rows;
    size_t R = (size_t)max_rows, n = (size_t)m->dims.dim_x, G = (size_t)m->dim_g;
    size_t U = n + (size_t)m->dims.time_embed + G;
    size_t floats = m->n_params + 3 * R * n + R + R * G + R * U + 2 * n;
    ws->dev = be->alloc(be, floats * sizeof(float));
    ws->h_t = dl2o_calloc(R, sizeof(float));
    if (!ws->dev || !ws->h_t) {
        st = DL2O_FAIL(DL2O_ENOMEM, "out of memory for %d sampler rows on %s; lower the candidate count",
                       max_rows, be->name);
        goto out;
    }
    float *p = ws->dev;
    ws->params = p, p += m->n_params;
    ws->x = p, p += R * n;
    ws->eps = p, p += R * n;
    ws->z = p, p += R * n;
    ws->t = p, p += R;
    ws->g = p, p += R * G;
    ws->u = p, p += R * U;
    ws->lo = p, p += n;
    ws->hi = p;
    DL2O_TRY(dl2o_mlp_cache_alloc(be, &m->denoiser, max_rows, &ws->den));
    DL2O_TRY(dl2o_mlp_cache_alloc(be, &m->oracle, max_rows, &ws->ora));
    be->upload(be, ws->params, m->params, m->n_params * sizeof(float));
    DL2O_TRY(be->sync(be));
    *out = ws;
    ws = NULL;
out:
    dl2o_sampler_ws_free(ws);
    return st;
}

int dl2o_sampler_noise_draws(const dl2o_model *m, dl2o_sampler kind, int steps)
{
    /* ancestral: start + T-1 noisy steps (the last step is noise-free);
     * DDIM (eta = 0): the start only, whatever the step count */
    (void)steps;
    return kind == DL2O_SAMPLER_ANCESTRAL ? m->sched.T : 1;
}

/* DDIM visits tau_i = round((i + 1) T / S), i = S-1 .. 0, then "step 0". */
static int ddim_step_at(int i, int S, int T)
{
    if (i < 0) return 0;
    return (int)lround((double)(i + 1) * T / S);
}

dl2o_status dl2o_sample(dl2o_sampler_ws *ws, int rows, const float *g, const float *lo,
                        const float *hi, dl2o_sampler kind, int steps, const float *noise,
                        uint64_t seed, uint64_t index, float *x_out)
{
    const dl2o_backend *be = ws->be;
    const dl2o_model *m = ws->m;
    const dl2o_schedule *s = &m->sched;
    int n = m->dims.dim_x, G = m->dim_g, E = m->dims.time_embed, T = s->T;
    size_t Rn = (size_t)rows * n;
    if (rows < 1 || rows > ws->max_rows)
        return DL2O_FAIL(DL2O_EINVAL, "sampler asked for %d rows, workspace holds %d", rows,
                         ws->max_rows);
    if (kind == DL2O_SAMPLER_DDIM && (steps < 1 || steps > T))
        return DL2O_FAIL(DL2O_EINVAL, "DDIM steps must be 1..%d (T), got %d", T, steps);
    if (kind == DL2O_SAMPLER_ANCESTRAL) steps = T;

    be->upload(be, ws->lo, lo, (size_t)n * sizeof(float));
    be->upload(be, ws->hi, hi, (size_t)n * sizeof(float));
    if (G) be->upload(be, ws->g, g, (size_t)rows * G * sizeof(float));
    int draw = 0;
#define NEXT_NOISE(dst)                                                                      \
    do {                                                                                     \
        if (noise) be->upload(be, (dst), noise + (size_t)draw * Rn, Rn * sizeof(float));     \
        else be->normal(be, Rn, seed, DL2O_STREAM_SAMPLE, (index << 16) + (uint64_t)draw, (dst)); \
        draw++;                                                                              \
    } while (0)
    NEXT_NOISE(ws->x);

    for (int i = steps - 1; i >= 0; i--) {
        int t = kind == DL2O_SAMPLER_DDIM ? ddim_step_at(i, steps, T) : i + 1;
        int tp = kind == DL2O_SAMPLER_DDIM ? ddim_step_at(i - 1, steps, T) : i;
        double ab = s->alpha_bar[t - 1], abp = tp > 0 ? s->alpha_bar[tp - 1] : 1.0;
        for (int r = 0; r < rows; r++) ws->h_t[r] = (float)t;
        be->upload(be, ws->t, ws->h_t, (size_t)rows * sizeof(float));
        be->pack_input(be, rows, n, E, G, ws->x, ws->t, ws->g, ws->u);
        dl2o_mlp_forward(be, &m->denoiser, ws->params, &ws->den, rows, ws->u, ws->eps);
        dl2o_step_coefs c = {.sa = (float)sqrt(ab), .sb = (float)sqrt(1.0 - ab)};
        const float *z = NULL;
        if (kind == DL2O_SAMPLER_DDIM) {
            c.c_x0 = (float)sqrt(abp);
            c.c_eps = (float)sqrt(1.0 - abp);
        } else {
            double beta = s->beta[t - 1];
            c.c_x0 = (float)(sqrt(abp) * beta / (1.0 - ab));
            c.c_x = (float)(sqrt(s->alpha[t - 1]) * (1.0 - abp) / (1.0 - ab));
            if (tp > 0) {
                c.sigma = (float)sqrt((1.0 - abp) / (1.0 - ab) * beta);
                NEXT_NOISE(ws->z);
                z = ws->z;
            }
        }
        be->sampler_step(be, rows, n, c, ws->lo, ws->hi, ws->eps, z, ws->x);
    }
#undef NEXT_NOISE
    be->download(be, x_out, ws->x, Rn * sizeof(float));
    return be->sync(be);
}

dl2o_status dl2o_oracle_predict(dl2o_sampler_ws *ws, int rows, const float *g, float *x_out)
{
    const dl2o_backend *be = ws->be;
    const dl2o_model *m = ws->m;
    if (rows < 1 || rows > ws->max_rows)
        return DL2O_FAIL(DL2O_EINVAL, "oracle asked for %d rows, workspace holds %d", rows,
                         ws->max_rows);
    int G = m->dim_g, n = m->dims.dim_x;
    if (G) be->upload(be, ws->g, g, (size_t)rows * G * sizeof(float));
    dl2o_mlp_forward(be, &m->oracle, ws->params, &ws->ora, rows, ws->g, ws->eps);
    be->download(be, x_out, ws->eps, (size_t)rows * n * sizeof(float));
    return be->sync(be);
}
