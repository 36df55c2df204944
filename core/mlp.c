#include "mlp.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common.h"

int dl2o_mlp_layout(dl2o_mlp *m, int n_in, int width, int blocks, int n_out, size_t offset)
{
    memset(m, 0, sizeof *m);
    if (n_in < 1 || width < 1 || n_out < 1 || blocks < 0 || blocks > DL2O_MAX_BLOCKS) return -1;
    m->n_in = n_in, m->width = width, m->blocks = blocks, m->n_out = n_out;
    m->offset = offset;
    size_t at = offset;
    int k = 0;
    int ins[2 * DL2O_MAX_BLOCKS + 2], outs[2 * DL2O_MAX_BLOCKS + 2];
    ins[k] = n_in, outs[k++] = width;
    for (int b = 0; b < 2 * blocks; b++) ins[k] = width, outs[k++] = width;
    ins[k] = width, outs[k++] = n_out;
    for (int i = 0; i < k; i++) {
        dl2o_linear *L = &m->layer[i];
        L->in = ins[i], L->out = outs[i];
        L->w = at;
        at += (size_t)L->in * L->out;
        L->b = at;
        at += (size_t)L->out;
    }
    m->n_layers = k;
    m->n_params = at - offset;
    return 0;
}

void dl2o_mlp_layer_name(const dl2o_mlp *m, int i, char name[DL2O_LAYER_NAME_MAX])
{
    if (i == 0) snprintf(name, DL2O_LAYER_NAME_MAX, "in");
    else if (i == m->n_layers - 1) snprintf(name, DL2O_LAYER_NAME_MAX, "out");
    else snprintf(name, DL2O_LAYER_NAME_MAX, "block%d_fc%d", (i - 1) / 2, (i - 1) % 2 + 1);
}

void dl2o_mlp_init_params(const dl2o_mlp *m, float *params, dl2o_rng *rng)
{
    for (int i = 0; i < m->n_layers; i++) {
        const dl2o_linear *L = &m->layer[i];
        int second_of_block = i > 0 && i < m->n_layers - 1 && (i - 1) % 2 == 1;
        double sd = sqrt(2.0 / L->in) * (second_of_block ? 0.1 : 1.0);
        if (i == m->n_layers - 1) sd = sqrt(1.0 / L->in);
        float *W = params + L->w;
        for (size_t j = 0; j < (size_t)L->in * L->out; j++) W[j] = (float)(sd * dl2o_rng_normal(rng));
        memset(params + L->b, 0, (size_t)L->out * sizeof(float));
    }
}

dl2o_status dl2o_mlp_cache_alloc(const dl2o_backend *be, const dl2o_mlp *m, int max_batch,
                                 dl2o_mlp_cache *c)
{
    memset(c, 0, sizeof *c);
    size_t BH = (size_t)max_batch * m->width, L = (size_t)m->blocks;
    size_t total = (size_t)max_batch * m->n_in + 2 * (L + 1) * BH + 2 * L * BH + 3 * BH;
    c->buf = be->alloc(be, total * sizeof(float));
    if (!c->buf)
        return DL2O_FAIL(DL2O_ENOMEM, "out of memory for network activations (%zu floats, %s); "
                         "lower the batch or candidate count", total, be->name);
    float *p = c->buf;
    c->max_batch = max_batch;
    c->u = p, p += (size_t)max_batch * m->n_in;
    c->h = p, p += (L + 1) * BH;
    c->s = p, p += (L + 1) * BH;
    c->z1 = p, p += L * BH;
    c->a1 = p, p += L * BH;
    c->dh = p, p += BH;
    c->ds = p, p += BH;
    c->dz = p;
    return DL2O_OK;
}

void dl2o_mlp_cache_free(const dl2o_backend *be, dl2o_mlp_cache *c)
{
    if (c->buf) be->free(be, c->buf);
    memset(c, 0, sizeof *c);
}

/* y (B, out) = x (B, in) W^T + b */
static void linear_forward(const dl2o_backend *be, const dl2o_linear *L, const float *params,
                           int B, const float *x, float *y)
{
    be->gemm(be, 0, 1, B, L->out, L->in, 1.0f, x, L->in, params + L->w, L->in, 0.0f, y, L->out);
    be->add_bias(be, B, L->out, params + L->b, y);
}

/* dW += dy^T x, db += sum dy, dx = dy W (when dx) */
static void linear_backward(const dl2o_backend *be, const dl2o_linear *L, const float *params,
                            int B, const float *x, const float *dy, float *dparams, float *dx)
{
    be->gemm(be, 1, 0, L->out, L->in, B, 1.0f, dy, L->out, x, L->in, 1.0f, dparams + L->w, L->in);
    be->bias_grad(be, B, L->out, dy, dparams + L->b);
    if (dx) be->gemm(be, 0, 0, B, L->in, L->out, 1.0f, dy, L->out, params + L->w, L->in, 0.0f, dx, L->in);
}

void dl2o_mlp_forward(const dl2o_backend *be, const dl2o_mlp *m, const float *params,
                      dl2o_mlp_cache *c, int B, const float *u, float *y)
{
    size_t BH = (size_t)B * m->width, stride = (size_t)c->max_batch * m->width;
    be->copy(be, c->u, u, (size_t)B * m->n_in * sizeof(float));
    linear_forward(be, &m->layer[0], params, B, c->u, c->h);
    for (int k = 0; k < m->blocks; k++) {
        float *h = c->h + k * stride, *s = c->s + k * stride, *hn = h + stride;
        float *z1 = c->z1 + k * stride, *a1 = c->a1 + k * stride;
        be->silu(be, BH, h, s);
        linear_forward(be, &m->layer[1 + 2 * k], params, B, s, z1);
        be->silu(be, BH, z1, a1);
        linear_forward(be, &m->layer[2 + 2 * k], params, B, a1, hn);
        be->axpy(be, BH, 1.0f, h, hn);
    }
    float *hL = c->h + m->blocks * stride, *sL = c->s + m->blocks * stride;
    be->silu(be, BH, hL, sL);
    linear_forward(be, &m->layer[m->n_layers - 1], params, B, sL, y);
}

void dl2o_mlp_backward(const dl2o_backend *be, const dl2o_mlp *m, const float *params,
                       dl2o_mlp_cache *c, int B, const float *dy, float *dparams, float *du)
{
    size_t BH = (size_t)B * m->width, stride = (size_t)c->max_batch * m->width;
    float *hL = c->h + m->blocks * stride, *sL = c->s + m->blocks * stride;
    /* dh: gradient w.r.t. the residual stream, carried down through the blocks */
    linear_backward(be, &m->layer[m->n_layers - 1], params, B, sL, dy, dparams, c->ds);
    be->silu_backward(be, BH, hL, c->ds, c->dh);
    for (int k = m->blocks - 1; k >= 0; k--) {
        float *h = c->h + k * stride, *s = c->s + k * stride;
        float *z1 = c->z1 + k * stride, *a1 = c->a1 + k * stride;
        /* hn = h + fc2(silu(fc1(silu(h)))): dh passes straight through the skip */
        linear_backward(be, &m->layer[2 + 2 * k], params, B, a1, c->dh, dparams, c->ds);
        be->silu_backward(be, BH, z1, c->ds, c->dz);
        linear_backward(be, &m->layer[1 + 2 * k], params, B, s, c->dz, dparams, c->ds);
        be->silu_backward(be, BH, h, c->ds, c->dz);
        be->axpy(be, BH, 1.0f, c->dz, c->dh);
    }
    linear_backward(be, &m->layer[0], params, B, c->u, c->dh, dparams, du);
}
