/* test_mlp.c — backprop of the residual MLP and of the whole Diff-L2O loss
 * (eps-MSE + objective terms + oracle) against central finite differences. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "diffusion.h"
#include "family.h"
#include "mlp.h"
#include "model.h"
#include "rng.h"
#include "testutil.h"

/* L = sum(w * mlp(u)) in double, for finite differences. */
static double mlp_loss(const dl2o_mlp *m, const float *params, dl2o_mlp_cache *c, int B,
                       const float *u, const float *w, float *y)
{
    dl2o_mlp_forward(&dl2o_backend_cpu, m, params, c, B, u, y);
    double L = 0.0;
    for (int i = 0; i < B * m->n_out; i++) L += (double)w[i] * y[i];
    return L;
}

/* Compares analytic and central-difference derivatives over `count` indices;
 * requires agreement where the derivative is not tiny. */
static void compare(const char *what, const float *analytic, const double *numeric, int count,
                    double scale)
{
    int checked = 0;
    for (int i = 0; i < count; i++) {
        double a = analytic[i], nmr = numeric[i];
        if (fabs(nmr) < 1e-3 * scale && fabs(a) < 1e-3 * scale) continue;
        checked++;
        CHECK_MSG(fabs(a - nmr) <= 2e-2 * fabs(nmr) + 2e-3 * scale, "%s[%d]: analytic %g vs FD %g",
                  what, i, a, nmr);
    }
    CHECK_MSG(checked > count / 4, "%s: only %d of %d derivatives were large enough to check", what,
              checked, count);
}

static void test_mlp_backprop(int blocks)
{
    const dl2o_backend *be = &dl2o_backend_cpu;
    dl2o_mlp m;
    CHECK(dl2o_mlp_layout(&m, 5, 8, blocks, 3, 0) == 0);
    int B = 4;
    float *params = calloc(m.n_params, sizeof *params), *grads = calloc(m.n_params, sizeof *grads);
    float u[4 * 5], w[4 * 3], y[4 * 3], du[4 * 5];
    dl2o_rng rng;
    dl2o_rng_init(&rng, 7, 99, (uint64_t)blocks);
    dl2o_mlp_init_params(&m, params, &rng);
    /* Non-zero biases and a stronger second block layer exercise every term. */
    for (size_t i = 0; i < m.n_params; i++) params[i] += (float)(0.3 * dl2o_rng_normal(&rng));
    for (int i = 0; i < B * 5; i++) u[i] = (float)dl2o_rng_normal(&rng);
    for (int i = 0; i < B * 3; i++) w[i] = (float)dl2o_rng_normal(&rng);
    dl2o_mlp_cache c;
    CHECK(dl2o_mlp_cache_alloc(be, &m, B, &c) == DL2O_OK);
    mlp_loss(&m, params, &c, B, u, w, y);
    dl2o_mlp_backward(be, &m, params, &c, B, w, grads, du);

    int P = (int)m.n_params;
    double *num = calloc((size_t)P, sizeof *num), h = 1e-2;
    for (int i = 0; i < P; i++) {
        float keep = params[i];
        params[i] = keep + (float)h;
        double lp = mlp_loss(&m, params, &c, B, u, w, y);
        params[i] = keep - (float)h;
        double lm = mlp_loss(&m, params, &c, B, u, w, y);
        params[i] = keep;
        num[i] = (lp - lm) / (2 * h);
    }
    compare("dparams", grads, num, P, 1.0);
    double numu[20];
    for (int i = 0; i < B * 5; i++) {
        float keep = u[i];
        u[i] = keep + (float)h;
        double lp = mlp_loss(&m, params, &c, B, u, w, y);
        u[i] = keep - (float)h;
        double lm = mlp_loss(&m, params, &c, B, u, w, y);
        u[i] = keep;
        numu[i] = (lp - lm) / (2 * h);
    }
    compare("du", du, numu, B * 5, 1.0);
    dl2o_mlp_cache_free(be, &c);
    free(params);
    free(grads);
    free(num);
}

/* The full training loss on a tiny rastrigin-2 model: d total / d params.
 * Anchored: the rows are offsets from per-instance origins (anchors), which
 * the objective terms must add back, in the value and in the gradient. */
static void test_loss_gradient(int blocks, int anchored)
{
    const dl2o_backend *be = &dl2o_backend_cpu;
    dl2o_family *fam = NULL;
    CHECK(dl2o_family_standard("rastrigin-2", &fam) == DL2O_OK);
    dl2o_model_dims d = {.dim_x = 2, .dim_theta = 8, .guidance = DL2O_GUIDANCE_THETA,
                         .width = 6, .blocks = blocks, .oracle_width = 5, .oracle_blocks = 1,
                         .time_embed = 4, .schedule = DL2O_SCHEDULE_COSINE, .T = 20,
                         .anchor_maxeval = anchored ? 5 : 0};
    dl2o_model m;
    CHECK(dl2o_model_init(&m, &d) == DL2O_OK);
    for (int j = 0; j < 2; j++) m.lower[j] = -8, m.upper[j] = 8, m.x_std[j] = 0.5;
    m.f_scale = 20.0;
    dl2o_rng rng;
    dl2o_rng_init(&rng, 3, 1, 1);
    dl2o_mlp_init_params(&m.denoiser, m.params, &rng);
    dl2o_mlp_init_params(&m.oracle, m.params, &rng);
    for (size_t i = 0; i < m.n_params; i++) m.params[i] += (float)(0.2 * dl2o_rng_normal(&rng));

    enum { N = 6, B = 5, GMAX = 8 + 3 };
    int G = m.dim_g;
    CHECK(G == (anchored ? GMAX : 8));
    double theta[N * 8], origin[N * 2];
    float xn[N * 2], gn[N * GMAX];
    for (int i = 0; i < N; i++) {
        dl2o_family_sample_theta(fam, 5, (uint64_t)i, theta + i * 8);
        for (int k = 0; k < G; k++) gn[i * G + k] = (float)(k < 8 ? theta[i * 8 + k] : 0.3 * k);
        for (int j = 0; j < 2; j++) xn[i * 2 + j] = (float)dl2o_rng_normal(&rng);
        for (int j = 0; j < 2; j++) origin[i * 2 + j] = 3.0 * dl2o_rng_normal(&rng);
    }
    dl2o_train_data data = {.N = N, .x = xn, .g = gn, .origin = anchored ? origin : NULL,
                            .theta = theta, .family = fam};
    dl2o_train_batch b;
    CHECK(dl2o_train_batch_alloc(&b, B, 2) == DL2O_OK);
    dl2o_trainer_draw_batch(&m, N, 9, 1, &b);
    /* Low-noise steps make the objective term large, so it is really tested. */
    for (int r = 0; r < B; r++) b.t[r] = (float)(1 + r);
    dl2o_train_hparams hp = {.lr = 0, .lambda_f = 0.5, .lambda_oracle_f = 0.5};
    dl2o_trainer *tr = NULL;
    CHECK(dl2o_trainer_create(be, &m, B, &tr) == DL2O_OK);
    dl2o_train_losses L;
    CHECK(dl2o_trainer_gradient(tr, &data, &b, &hp, &L) == DL2O_OK);
    CHECK(L.f > 0.0 && L.oracle_f > 0.0);
    if (anchored) { /* the origins must move the points the objective sees */
        dl2o_train_losses L0;
        dl2o_train_data plain = data;
        plain.origin = NULL;
        CHECK(dl2o_trainer_gradient(tr, &plain, &b, &hp, &L0) == DL2O_OK);
        CHECK(fabs(L0.f - L.f) > 1e-3 * fabs(L.f));
        CHECK(dl2o_trainer_gradient(tr, &data, &b, &hp, &L) == DL2O_OK);
    }
    int P = (int)m.n_params;
    float *g = calloc((size_t)P, sizeof *g), *p = malloc((size_t)P * sizeof *p);
    double *num = calloc((size_t)P, sizeof *num), h = 2e-3;
    dl2o_trainer_get_grads(tr, g);
    memcpy(p, m.params, (size_t)P * sizeof *p);
    double gmax = 0;
    for (int i = 0; i < P; i++) gmax = fmax(gmax, fabs(g[i]));
    for (int i = 0; i < P; i++) {
        float keep = p[i];
        p[i] = keep + (float)h;
        dl2o_trainer_set_params(tr, p);
        dl2o_trainer_gradient(tr, &data, &b, &hp, &L);
        double lp = L.total;
        p[i] = keep - (float)h;
        dl2o_trainer_set_params(tr, p);
        dl2o_trainer_gradient(tr, &data, &b, &hp, &L);
        p[i] = keep;
        num[i] = (lp - L.total) / (2 * h);
    }
    compare("dloss/dparams", g, num, P, gmax);
    dl2o_trainer_free(tr);
    dl2o_train_batch_free(&b);
    dl2o_model_free(&m);
    dl2o_family_free(fam);
    free(g);
    free(p);
    free(num);
}

int main(void)
{
    for (int blocks = 0; blocks <= 2; blocks++) {
        test_mlp_backprop(blocks);
        test_loss_gradient(blocks, 0);
        test_loss_gradient(blocks, 1);
    }
    return dl2o_test_finish("test_mlp");
}
