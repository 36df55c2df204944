/* trainer.c — one Adam step of the Diff-L2O loss (see diffusion.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "diffusion.h"
#include "rng.h"

struct dl2o_trainer {
    const dl2o_backend *be;
    const dl2o_model *m;
    int B, n, G, E;
    size_t P;
    float *params, *grads, *adam_m, *adam_v; /* (P) each, on the backend */
    dl2o_mlp_cache den, ora;
    /* per-batch device buffers */
    float *x0, *eps, *xt, *t, *sa, *sb, *g, *u, *eps_hat, *d_eps, *x0_hat, *o_hat, *d_o, *tmp;
    void *dev;  /* one allocation behind params..tmp */
    /* host scratch */
    float *h_x0, *h_g, *h_sa, *h_sb, *h_rows, *h_d;
    double *h_x, *h_grad, *h_w; /* (n), (n), (B) */
    void *host; /* one allocation behind the host scratch */
};

dl2o_status dl2o_train_batch_alloc(dl2o_train_batch *b, int B, int n)
{
    memset(b, 0, sizeof *b);
    b->buf_i = dl2o_xcalloc((size_t)B, sizeof(int), "batch indices");
    b->buf_f = dl2o_xcalloc((size_t)B * (n + 1), sizeof(float), "batch noise");
    if (!b->buf_i || !b->buf_f) {
        dl2o_train_batch_free(b);
        return DL2O_ENOMEM;
    }
    b->B = B;
    b->idx = b->buf_i;
    b->t = b->buf_f;
    b->eps = b->buf_f + B;
    return DL2O_OK;
}

void dl2o_train_batch_free(dl2o_train_batch *b)
{
    free(b->buf_i);
    free(b->buf_f);
    memset(b, 0, sizeof *b);
}

void dl2o_trainer_draw_batch(const dl2o_model *m, int N, uint64_t seed, uint64_t step,
                             dl2o_train_batch *b)
{
    dl2o_rng rb, rn;
    dl2o_rng_init(&rb, seed, DL2O_STREAM_BATCH, step);
    dl2o_rng_init(&rn, seed, DL2O_STREAM_NOISE, step);
    int n = m->dims.dim_x, T = m->sched.T;
    for (int r = 0; r < b->B; r++) {
        b->idx[r] = (int)dl2o_rng_below(&rb, (uint64_t)N);
        b->t[r] = (float)(1 + dl2o_rng_below(&rn, (uint64_t)T));
    }
    for (size_t i = 0; i < (size_t)b->B * n; i++) b->eps[i] = (float)dl2o_rng_normal(&rn);
}

void dl2o_trainer_free(dl2o_trainer *tr)
{
    if (!tr) return;
    dl2o_mlp_cache_free(tr->be, &tr->den);
    dl2o_mlp_cache_free(tr->be, &tr->ora);
    if (tr->dev) tr->be->free(tr->be, tr->dev);
    free(tr->host);
    free(tr);
}

dl2o_status dl2o_trainer_create(const dl2o_backend *be, const dl2o_model *m, int batch,
                                dl2o_trainer **out)
{
    dl2o_status st = DL2O_OK;
    *out = NULL;
    if (batch < 1 || batch > (1 << 20))
        return DL2O_FAIL(DL2O_EINVAL, "batch size %d is out of range 1..%d", batch, 1 << 20);
    dl2o_trainer *tr = dl2o_xcalloc(1, sizeof *tr, "trainer");
    if (!tr) return DL2O_ENOMEM;
    tr->be = be, tr->m = m, tr->B = batch;
    tr->n = m->dims.dim_x, tr->G = m->dim_g, tr->E = m->dims.time_embed, tr->P = m->n_params;
    size_t B = (size_t)batch, n = (size_t)tr->n, G = (size_t)tr->G;
    size_t U = n + (size_t)tr->E + G;
    size_t dev_floats = 4 * tr->P + 10 * B * n + 3 * B + B * G + B * U;
    tr->dev = be->alloc(be, dev_floats * sizeof(float));
    if (!tr->dev) {
        st = DL2O_FAIL(DL2O_ENOMEM, "out of memory for training buffers on %s (%zu floats)",
                       be->name, dev_floats);
        goto out;
    }
    float *p = tr->dev;
    tr->params = p, p += tr->P;
    tr->grads = p, p += tr->P;
    tr->adam_m = p, p += tr->P;
    tr->adam_v = p, p += tr->P;
    float **bn[] = {&tr->x0, &tr->eps, &tr->xt, &tr->eps_hat, &tr->d_eps,
                    &tr->x0_hat, &tr->o_hat, &tr->d_o, &tr->tmp};
    for (size_t i = 0; i < sizeof bn / sizeof bn[0]; i++) *bn[i] = p, p += B * n;
    p += B * n; /* spare row block keeps the count in dev_floats honest */
    tr->t = p, p += B;
    tr->sa = p, p += B;
    tr->sb = p, p += B;
    tr->g = p, p += B * G;
    tr->u = p;
    size_t host_floats = B * n + B * G + 2 * B + 2 * B * n;
    tr->host = dl2o_calloc(1, host_floats * sizeof(float) + (2 * n + B) * sizeof(double));
    if (!tr->host) {
        st = DL2O_FAIL(DL2O_ENOMEM, "out of memory for training host buffers");
        goto out;
    }
    double *hd = tr->host;
    tr->h_x = hd, hd += n;
    tr->h_grad = hd, hd += n;
    tr->h_w = hd, hd += B;
    float *hf = (float *)hd;
    tr->h_x0 = hf, hf += B * n;
    tr->h_g = hf, hf += B * G;
    tr->h_sa = hf, hf += B;
    tr->h_sb = hf, hf += B;
    tr->h_rows = hf, hf += B * n;
    tr->h_d = hf;
    DL2O_TRY(dl2o_mlp_cache_alloc(be, &m->denoiser, batch, &tr->den));
    DL2O_TRY(dl2o_mlp_cache_alloc(be, &m->oracle, batch, &tr->ora));
    be->upload(be, tr->params, m->params, tr->P * sizeof(float));
    DL2O_TRY(be->sync(be));
    *out = tr;
    tr = NULL;
out:
    dl2o_trainer_free(tr);
    return st;
}

/* Objective term for rows x_n (host, (B, n) normalized) with per-row loss
 * weights w: writes d = w(r) * dx/dxn * grad f(x) into d (host, (B, n)),
 * zero where the box clamp cut, and adds sum_r w(r) f(x_r) to *loss.
 * Rows are relative to data->origin when it is set (anchored models).
 * Returns the plain mean of f over the rows with finite f. */
static double objective_term(dl2o_trainer *tr, const dl2o_train_data *data,
                             const dl2o_train_batch *b, const float *xn, const double *w,
                             float *d, double *loss)
{
    const dl2o_model *m = tr->m;
    int n = tr->n, p = (int)dl2o_family_dim_theta(data->family);
    double sum = 0.0;
    int cnt = 0;
    for (int r = 0; r < tr->B; r++) {
        float *dr = d + (size_t)r * n;
        const double *o = data->origin ? data->origin + (size_t)b->idx[r] * n : NULL;
        for (int j = 0; j < n; j++) {
            double x = (o ? o[j] : 0.0) + m->x_mean[j] + m->x_std[j] * xn[(size_t)r * n + j];
            tr->h_x[j] = x < m->lower[j] ? m->lower[j] : (x > m->upper[j] ? m->upper[j] : x);
        }
        const double *theta = data->theta + (size_t)b->idx[r] * p;
        double f = dl2o_family_eval(data->family, theta, tr->h_x, tr->h_grad);
        if (!isfinite(f) || !dl2o_all_finite(tr->h_grad, (size_t)n)) {
            memset(dr, 0, (size_t)n * sizeof *dr);
            continue;
        }
        sum += f, cnt++;
        *loss += w[r] * f;
        for (int j = 0; j < n; j++) {
            double x = (o ? o[j] : 0.0) + m->x_mean[j] + m->x_std[j] * xn[(size_t)r * n + j];
            int clamped = x < m->lower[j] || x > m->upper[j];
            dr[j] = clamped ? 0.0f : (float)(w[r] * tr->h_grad[j] * m->x_std[j]);
        }
    }
    return cnt ? sum / cnt : 0.0;
}

static double mean_sq_diff(const float *a, const float *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    return s / (double)n;
}

dl2o_status dl2o_trainer_gradient(dl2o_trainer *tr, const dl2o_train_data *data,
                                  const dl2o_train_batch *b, const dl2o_train_hparams *hp,
                                  dl2o_train_losses *losses)
{
    const dl2o_backend *be = tr->be;
    const dl2o_model *m = tr->m;
    int B = tr->B, n = tr->n, G = tr->G, E = tr->E;
    size_t Bn = (size_t)B * n;
    if (b->B != B) return DL2O_FAIL(DL2O_EINVAL, "batch has %d rows, trainer expects %d", b->B, B);

    for (int r = 0; r < B; r++) {
        int i = b->idx[r], t = (int)b->t[r];
        if (i < 0 || i >= data->N || t < 1 || t > m->sched.T)
            return DL2O_FAIL(DL2O_EINVAL, "batch row %d has instance %d / step %d out of range", r,
                             i, t);
        memcpy(tr->h_x0 + (size_t)r * n, data->x + (size_t)i * n, (size_t)n * sizeof(float));
        if (G) memcpy(tr->h_g + (size_t)r * G, data->g + (size_t)i * G, (size_t)G * sizeof(float));
        double ab = m->sched.alpha_bar[t - 1];
        tr->h_sa[r] = (float)sqrt(ab);
        tr->h_sb[r] = (float)sqrt(1.0 - ab);
    }
    be->upload(be, tr->x0, tr->h_x0, Bn * sizeof(float));
    be->upload(be, tr->eps, b->eps, Bn * sizeof(float));
    be->upload(be, tr->t, b->t, (size_t)B * sizeof(float));
    be->upload(be, tr->sa, tr->h_sa, (size_t)B * sizeof(float));
    be->upload(be, tr->sb, tr->h_sb, (size_t)B * sizeof(float));
    if (G) be->upload(be, tr->g, tr->h_g, (size_t)B * G * sizeof(float));
    be->zero(be, tr->grads, tr->P * sizeof(float));

    double loss_f = 0.0, loss_of = 0.0; /* weighted objective terms, as differentiated */

    /* ---- denoiser: eps-MSE ---- */
    be->q_sample(be, B, n, tr->sa, tr->sb, tr->x0, tr->eps, tr->xt);
    be->pack_input(be, B, n, E, G, tr->xt, tr->t, tr->g, tr->u);
    dl2o_mlp_forward(be, &m->denoiser, tr->params, &tr->den, B, tr->u, tr->eps_hat);
    be->copy(be, tr->d_eps, tr->eps_hat, Bn * sizeof(float));
    be->axpy(be, Bn, -1.0f, tr->eps, tr->d_eps);
    be->scale(be, Bn, 2.0f / (float)Bn, tr->d_eps);
    be->download(be, tr->h_rows, tr->eps_hat, Bn * sizeof(float));
    losses->eps = mean_sq_diff(tr->h_rows, b->eps, Bn);

    /* ---- denoiser: lambda_f w_t f(x0_hat) / f_scale ---- */
    losses->f = 0.0;
    if (hp->lambda_f > 0.0) {
        be->predict_x0(be, B, n, tr->sa, tr->sb, tr->xt, tr->eps_hat, tr->x0_hat);
        be->download(be, tr->h_rows, tr->x0_hat, Bn * sizeof(float));
        for (int r = 0; r < B; r++) /* w_t = alpha_bar_t */
            tr->h_w[r] = hp->lambda_f * m->sched.alpha_bar[(int)b->t[r] - 1] / (B * m->f_scale);
        losses->f = objective_term(tr, data, b, tr->h_rows, tr->h_w, tr->h_d, &loss_f);
        /* d x0_hat / d eps_hat = -sb / sa, per row */
        for (int r = 0; r < B; r++) tr->h_sa[r] = -tr->h_sb[r] / tr->h_sa[r];
        be->upload(be, tr->tmp, tr->h_d, Bn * sizeof(float));
        be->upload(be, tr->sa, tr->h_sa, (size_t)B * sizeof(float));
        be->scale_rows(be, B, n, tr->sa, tr->tmp);
        be->axpy(be, Bn, 1.0f, tr->tmp, tr->d_eps);
    }
    dl2o_mlp_backward(be, &m->denoiser, tr->params, &tr->den, B, tr->d_eps, tr->grads, NULL);

    /* ---- oracle: MSE to the data + lambda f(o(g)) ---- */
    dl2o_mlp_forward(be, &m->oracle, tr->params, &tr->ora, B, tr->g, tr->o_hat);
    be->copy(be, tr->d_o, tr->o_hat, Bn * sizeof(float));
    be->axpy(be, Bn, -1.0f, tr->x0, tr->d_o);
    be->scale(be, Bn, 2.0f / (float)Bn, tr->d_o);
    be->download(be, tr->h_rows, tr->o_hat, Bn * sizeof(float));
    losses->oracle = mean_sq_diff(tr->h_rows, tr->h_x0, Bn);
    losses->oracle_f = 0.0;
    if (hp->lambda_oracle_f > 0.0) {
        for (int r = 0; r < B; r++) tr->h_w[r] = hp->lambda_oracle_f / (B * m->f_scale);
        losses->oracle_f = objective_term(tr, data, b, tr->h_rows, tr->h_w, tr->h_d, &loss_of);
        be->upload(be, tr->tmp, tr->h_d, Bn * sizeof(float));
        be->axpy(be, Bn, 1.0f, tr->tmp, tr->d_o);
    }
    dl2o_mlp_backward(be, &m->oracle, tr->params, &tr->ora, B, tr->d_o, tr->grads, NULL);

    losses->total = losses->eps + loss_f + losses->oracle + loss_of;
    dl2o_status st = be->sync(be);
    if (st == DL2O_OK && !isfinite(losses->total))
        st = DL2O_FAIL(DL2O_ENONFINITE, "training diverged (loss is NaN/Inf); lower --lr or lambda_f");
    return st;
}

dl2o_status dl2o_trainer_step(dl2o_trainer *tr, const dl2o_train_data *data,
                              const dl2o_train_batch *b, const dl2o_train_hparams *hp, int step,
                              dl2o_train_losses *losses)
{
    dl2o_status st = dl2o_trainer_gradient(tr, data, b, hp, losses);
    if (st != DL2O_OK) return st;
    tr->be->adam(tr->be, tr->P, tr->params, tr->grads, tr->adam_m, tr->adam_v, (float)hp->lr,
                 (float)hp->beta1, (float)hp->beta2, (float)hp->adam_eps, step);
    return tr->be->sync(tr->be);
}

void dl2o_trainer_set_params(dl2o_trainer *tr, const float *params)
{
    tr->be->upload(tr->be, tr->params, params, tr->P * sizeof(float));
}

void dl2o_trainer_get_grads(dl2o_trainer *tr, float *grads)
{
    tr->be->download(tr->be, grads, tr->grads, tr->P * sizeof(float));
}

dl2o_status dl2o_trainer_download(dl2o_trainer *tr, dl2o_model *m)
{
    tr->be->download(tr->be, m->params, tr->params, tr->P * sizeof(float));
    return tr->be->sync(tr->be);
}

dl2o_status dl2o_trainer_get_adam(dl2o_trainer *tr, float *adam_m, float *adam_v)
{
    tr->be->download(tr->be, adam_m, tr->adam_m, tr->P * sizeof(float));
    tr->be->download(tr->be, adam_v, tr->adam_v, tr->P * sizeof(float));
    return tr->be->sync(tr->be);
}

dl2o_status dl2o_trainer_set_adam(dl2o_trainer *tr, const float *adam_m, const float *adam_v)
{
    tr->be->upload(tr->be, tr->adam_m, adam_m, tr->P * sizeof(float));
    tr->be->upload(tr->be, tr->adam_v, adam_v, tr->P * sizeof(float));
    return tr->be->sync(tr->be);
}
