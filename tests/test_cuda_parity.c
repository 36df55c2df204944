/* test_cuda_parity.c — the CUDA backend against the CPU reference.
 *
 *   1. Every op of core/backend.h on both backends from the same inputs, at
 *      a few sizes, by normalized error
 *          err = max |gpu - cpu| / (atol + rtol max |cpu|),   err <= 1;
 *      normal() draws other noise by design, so it is checked for moments,
 *      reproducibility and independence of the launch shape instead.
 *   2. Sampling (DDIM 10 and 1 steps, ancestral) with caller-supplied noise,
 *      and the oracle, give the CPU's candidates.
 *   3. The first gradient, then 50 Adam steps from the same weights on the
 *      same host-drawn batches, give the CPU's losses.
 * Tolerances were sized by swapping OpenBLAS for the plain-C GEMM of the
 * engine-only build, a realistic "other summation order": the largest error
 * that gave was 0.5% of a GEMM's tolerance, 6% of the sampling tolerance and
 * 0.3% of the loss tolerance.
 *   4. Errors: out-of-memory is a NULL from alloc with nothing left behind;
 *      a failing cuBLAS call is reported by the next sync() with its name;
 *      device selection picks the GPU for auto and cuda.
 *
 * Exits 77 (CTest: skipped) in a build without the CUDA backend or on a
 * machine without a usable GPU, after checking that --device cuda is then a
 * clear error and auto falls back to the CPU.
 *
 * `test_cuda_parity --self` runs parts 1-3 with the CPU backend on both
 * sides (every error 0): the harness itself, checked where no GPU is. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "backend_select.h"
#include "common.h"
#include "diffusion.h"
#include "family.h"
#include "model.h"
#include "rng.h"
#include "testutil.h"
#ifdef DL2O_HAVE_CUDA
#include "backend_cuda.h"
#endif

#define SKIP 77

static const dl2o_backend *const cpu = &dl2o_backend_cpu;
static dl2o_rng rng;

/* Without a GPU: --device cuda is a clear error, auto is the CPU. */
static void check_selection_without_gpu(void)
{
    const dl2o_backend *be = NULL;
    CHECK(dl2o_backend_select(DL2O_DEVICE_CUDA, &be) == DL2O_EDEVICE && be == NULL);
    CHECK_MSG(strstr(dl2o_last_error(), "no usable GPU") != NULL, "got: %s", dl2o_last_error());
    printf("  --device cuda: %s\n", dl2o_last_error());
    CHECK(dl2o_backend_select(DL2O_DEVICE_AUTO, &be) == DL2O_OK && be == cpu);
    char desc[512];
    CHECK(dl2o_backend_describe(DL2O_DEVICE_AUTO, desc, sizeof desc) == DL2O_OK);
    CHECK_MSG(strncmp(desc, "cpu (no usable GPU: ", 20) == 0, "got: %s", desc);
    printf("  --device auto: %s\n", desc);
}

static float *randn(size_t n, double scale)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    for (size_t i = 0; i < n; i++) p[i] = (float)(scale * dl2o_rng_normal(&rng));
    return p;
}

/* max |a - ref| / (atol + rtol max |ref|); NaN anywhere counts as infinite. */
static double norm_err(const float *a, const float *ref, size_t n, double atol, double rtol)
{
    double dmax = 0.0, rmax = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - ref[i]);
        if (!(d == d)) return INFINITY;
        if (d > dmax) dmax = d;
        if (fabs(ref[i]) > rmax) rmax = fabs(ref[i]);
    }
    return dmax / (atol + rtol * rmax);
}

static void expect_close(const char *what, const float *gpu, const float *ref, size_t n,
                         double atol, double rtol)
{
    double e = norm_err(gpu, ref, n, atol, rtol);
    printf("  %-58s err %.3g\n", what, e);
    CHECK_MSG(e <= 1.0, "%s: normalized error %g > 1 (atol %g, rtol %g)", what, e, atol, rtol);
}

static void expect_sync_ok(const dl2o_backend *be, const char *what)
{
    dl2o_status st = be->sync(be);
    CHECK_MSG(st == DL2O_OK, "%s on %s: %s", what, be->name, dl2o_last_error());
}

/* ------------------------------------------------------------ op by op */

enum { MAXBUF = 6 };

typedef struct op_case op_case;
struct op_case {
    char name[96];
    int nbuf;            /* device buffers d[0 .. nbuf-1] */
    size_t len[MAXBUF];  /* floats in each */
    float *init[MAXBUF]; /* host contents, uploaded before the op */
    int out;             /* the buffer compared afterwards */
    double atol, rtol;
    void (*run)(const dl2o_backend *be, float **d, const op_case *c);
    int i[8];            /* the op's integer arguments */
    float f[8];          /* and its scalars */
};

static void case_setup(op_case *c, const char *name, int nbuf, const size_t *len, int out,
                       double atol, double rtol, void (*run)(const dl2o_backend *, float **, const op_case *))
{
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    c->nbuf = nbuf, c->out = out, c->atol = atol, c->rtol = rtol, c->run = run;
    for (int k = 0; k < nbuf; k++) c->len[k] = len[k], c->init[k] = randn(len[k], 1.0);
}

static void run_case_on(const dl2o_backend *be, const op_case *c, float *result)
{
    float *d[MAXBUF] = {0};
    int ok = 1;
    for (int k = 0; k < c->nbuf; k++) {
        d[k] = be->alloc(be, c->len[k] * sizeof(float));
        CHECK_MSG(d[k] != NULL, "%s: alloc of %zu floats on %s", c->name, c->len[k], be->name);
        if (!d[k]) ok = 0;
        else be->upload(be, d[k], c->init[k], c->len[k] * sizeof(float));
    }
    if (ok) {
        c->run(be, d, c);
        be->download(be, result, d[c->out], c->len[c->out] * sizeof(float));
    }
    expect_sync_ok(be, c->name);
    for (int k = 0; k < c->nbuf; k++) be->free(be, d[k]);
}

/* Runs the case on both backends, compares, frees its inputs. */
static void check_case(const dl2o_backend *gpu, op_case *c)
{
    size_t n = c->len[c->out];
    float *a = calloc(n, sizeof *a), *b = calloc(n, sizeof *b);
    run_case_on(cpu, c, a);
    run_case_on(gpu, c, b);
    expect_close(c->name, b, a, n, c->atol, c->rtol);
    free(a);
    free(b);
    for (int k = 0; k < c->nbuf; k++) free(c->init[k]);
}

static void run_gemm(const dl2o_backend *be, float **d, const op_case *c)
{
    be->gemm(be, c->i[0], c->i[1], c->i[2], c->i[3], c->i[4], c->f[0], d[0], c->i[5], d[1],
             c->i[6], c->f[1], d[2], c->i[7]);
}

static void check_gemm(const dl2o_backend *gpu, int ta, int tb, int M, int N, int K, int pad,
                       float alpha, float beta)
{
    int lda = (ta ? M : K) + pad, ldb = (tb ? K : N) + pad, ldc = N + pad;
    size_t len[3] = {(size_t)(ta ? K : M) * lda, (size_t)(tb ? N : K) * ldb, (size_t)M * ldc};
    char name[96];
    snprintf(name, sizeof name, "gemm %c%c M=%d N=%d K=%d pad=%d beta=%g", ta ? 'T' : 'N',
             tb ? 'T' : 'N', M, N, K, pad, beta);
    op_case c;
    case_setup(&c, name, 3, len, 2, 1e-5, 1e-4, run_gemm);
    int iv[8] = {ta, tb, M, N, K, lda, ldb, ldc};
    memcpy(c.i, iv, sizeof iv);
    c.f[0] = alpha, c.f[1] = beta;
    check_case(gpu, &c);
}

static void run_add_bias(const dl2o_backend *be, float **d, const op_case *c)
{
    be->add_bias(be, c->i[0], c->i[1], d[0], d[1]);
}
static void run_bias_grad(const dl2o_backend *be, float **d, const op_case *c)
{
    be->bias_grad(be, c->i[0], c->i[1], d[0], d[1]);
}
static void run_silu(const dl2o_backend *be, float **d, const op_case *c)
{
    be->silu(be, c->len[0], d[0], d[1]);
}
static void run_silu_backward(const dl2o_backend *be, float **d, const op_case *c)
{
    be->silu_backward(be, c->len[0], d[0], d[1], d[2]);
}
static void run_axpy(const dl2o_backend *be, float **d, const op_case *c)
{
    be->axpy(be, c->len[0], c->f[0], d[0], d[1]);
}
static void run_scale(const dl2o_backend *be, float **d, const op_case *c)
{
    be->scale(be, c->len[0], c->f[0], d[0]);
}
static void run_q_sample(const dl2o_backend *be, float **d, const op_case *c)
{
    be->q_sample(be, c->i[0], c->i[1], d[0], d[1], d[2], d[3], d[4]);
}
static void run_predict_x0(const dl2o_backend *be, float **d, const op_case *c)
{
    be->predict_x0(be, c->i[0], c->i[1], d[0], d[1], d[2], d[3], d[4]);
}
static void run_scale_rows(const dl2o_backend *be, float **d, const op_case *c)
{
    be->scale_rows(be, c->i[0], c->i[1], d[0], d[1]);
}
static void run_pack_input(const dl2o_backend *be, float **d, const op_case *c)
{
    be->pack_input(be, c->i[0], c->i[1], c->i[2], c->i[3], d[0], d[1], c->i[3] ? d[2] : NULL, d[3]);
}
static void run_sampler_step(const dl2o_backend *be, float **d, const op_case *c)
{
    dl2o_step_coefs k = {c->f[0], c->f[1], c->f[2], c->f[3], c->f[4], c->f[5]};
    be->sampler_step(be, c->i[0], c->i[1], k, d[0], d[1], d[2], c->i[2] ? d[3] : NULL, d[4]);
}
static void run_adam(const dl2o_backend *be, float **d, const op_case *c)
{
    be->adam(be, c->len[0], d[0], d[1], d[2], d[3], c->f[0], c->f[1], c->f[2], c->f[3], c->i[2]);
}
static void run_copy_zero(const dl2o_backend *be, float **d, const op_case *c)
{
    size_t n = c->len[0], half = n / 2;
    be->copy(be, d[1], d[0], n * sizeof(float));
    be->copy(be, d[1] + 1, d[1], half * sizeof(float)); /* overlapping: memmove semantics */
    be->zero(be, d[1] + half + 1, (n - half - 1) / 2 * sizeof(float));
}

/* Inputs that reach every branch of an op. */
static void prep_wide(op_case *c) /* silu: both tails */
{
    for (size_t i = 0; i < c->len[0]; i++) c->init[0][i] *= 6.0f;
}
static void prep_sa(op_case *c) /* predict_x0 divides by sa > 0 */
{
    for (size_t i = 0; i < c->len[0]; i++) c->init[0][i] = 0.05f + fabsf(c->init[0][i]);
}
static void prep_box(op_case *c) /* sampler step: lo < 0 < hi, x wide enough to clip */
{
    for (size_t j = 0; j < c->len[0]; j++) {
        c->init[0][j] = -0.5f - fabsf(c->init[0][j]);
        c->init[1][j] = 0.5f + fabsf(c->init[1][j]);
    }
    for (size_t i = 0; i < c->len[4]; i++) c->init[4][i] *= 2.0f;
}
static void prep_adam(op_case *c) /* v >= 0, of the size of g^2 */
{
    for (size_t i = 0; i < c->len[3]; i++) c->init[3][i] = 1e-3f * fabsf(c->init[3][i]);
}

/* The ops on (rows, cols) data. shape: one letter per buffer, r = rows
 * floats, c = cols, x = rows * cols. Each case gets i = {rows, cols, arg}. */
typedef struct row_op {
    const char *name, *shape;
    int out;
    double atol, rtol;
    void (*run)(const dl2o_backend *, float **, const op_case *);
    void (*prep)(op_case *);
    int arg;
    float f[6];
} row_op;

#define STEP_COEFS 0.6f, 0.8f, 0.7f, 0.3f
#define ADAM_ARGS 2e-3f, 0.9f, 0.999f, 1e-8f
static const row_op ROW_OPS[] = {
    {"add_bias", "cx", 1, 1e-6, 1e-5, run_add_bias, NULL, 0, {0}},
    {"bias_grad", "xc", 1, 1e-5, 1e-4, run_bias_grad, NULL, 0, {0}},
    {"silu", "xx", 1, 1e-6, 1e-5, run_silu, prep_wide, 0, {0}},
    {"silu_backward", "xxx", 2, 1e-6, 1e-5, run_silu_backward, prep_wide, 0, {0}},
    {"axpy", "xx", 1, 1e-6, 1e-5, run_axpy, NULL, 0, {-0.37f}},
    {"scale", "x", 0, 1e-6, 1e-5, run_scale, NULL, 0, {2.5f}},
    {"copy (also overlapping) + zero", "xx", 1, 1e-30, 0.0, run_copy_zero, NULL, 0, {0}},
    {"q_sample", "rrxxx", 4, 1e-6, 1e-5, run_q_sample, NULL, 0, {0}},
    {"predict_x0", "rrxxx", 4, 1e-6, 1e-5, run_predict_x0, prep_sa, 0, {0}},
    {"scale_rows", "rx", 1, 1e-6, 1e-5, run_scale_rows, NULL, 0, {0}},
    {"sampler_step (DDIM, no z)", "ccxxx", 4, 1e-6, 1e-5, run_sampler_step, prep_box, 0,
     {STEP_COEFS, 0.0f, 0.0f}},
    {"sampler_step (ancestral, z)", "ccxxx", 4, 1e-6, 1e-5, run_sampler_step, prep_box, 1,
     {STEP_COEFS, 0.2f, 0.15f}},
    {"adam (p, step 3)", "xxxx", 0, 1e-6, 1e-5, run_adam, prep_adam, 3, {ADAM_ARGS}},
    {"adam (m, step 3)", "xxxx", 2, 1e-6, 1e-5, run_adam, prep_adam, 3, {ADAM_ARGS}},
    {"adam (v, step 3)", "xxxx", 3, 1e-6, 1e-5, run_adam, prep_adam, 3, {ADAM_ARGS}},
};

static void check_row_ops(const dl2o_backend *gpu, int rows, int cols)
{
    for (size_t k = 0; k < sizeof ROW_OPS / sizeof ROW_OPS[0]; k++) {
        const row_op *op = &ROW_OPS[k];
        size_t len[MAXBUF];
        int nbuf = (int)strlen(op->shape);
        for (int b = 0; b < nbuf; b++)
            len[b] = op->shape[b] == 'r' ? (size_t)rows
                   : op->shape[b] == 'c' ? (size_t)cols : (size_t)rows * cols;
        char name[96];
        snprintf(name, sizeof name, "%s rows=%d cols=%d", op->name, rows, cols);
        op_case c;
        case_setup(&c, name, nbuf, len, op->out, op->atol, op->rtol, op->run);
        c.i[0] = rows, c.i[1] = cols, c.i[2] = op->arg;
        memcpy(c.f, op->f, sizeof op->f);
        if (op->prep) op->prep(&c);
        check_case(gpu, &c);
    }
}

static void check_pack_input(const dl2o_backend *gpu, int rows, int n, int E, int G)
{
    size_t len[4] = {(size_t)rows * n, (size_t)rows, (size_t)rows * (G ? G : 1),
                     (size_t)rows * (n + E + G)};
    char name[96];
    snprintf(name, sizeof name, "pack_input rows=%d n=%d E=%d G=%d", rows, n, E, G);
    op_case c;
    case_setup(&c, name, 4, len, 3, 1e-6, 1e-6, run_pack_input);
    for (int r = 0; r < rows; r++) c.init[1][r] = (float)(1 + (r * 37) % 1000); /* t = 1..1000 */
    c.i[0] = rows, c.i[1] = n, c.i[2] = E, c.i[3] = G;
    check_case(gpu, &c);
}

/* ---------------------------------------------------------------- normal */

static void check_normal(const dl2o_backend *gpu)
{
    size_t n = (size_t)1 << 20;
    float *d = gpu->alloc(gpu, (n + 8) * sizeof(float));
    float *a = malloc((n + 8) * sizeof *a), *b = malloc((n + 8) * sizeof *b);
    CHECK(d && a && b);
    if (!d || !a || !b) goto out;
    gpu->normal(gpu, n, 42, DL2O_STREAM_SAMPLE, 5, d);
    gpu->download(gpu, a, d, n * sizeof(float));
    double s = 0.0, s2 = 0.0;
    for (size_t i = 0; i < n; i++) s += a[i], s2 += (double)a[i] * a[i];
    double mean = s / n, var = s2 / n - mean * mean;
    printf("  %-58s mean %.2e var %.5f\n", "normal 2^20 draws", mean, var);
    CHECK_MSG(fabs(mean) < 5.0 / sqrt((double)n) && fabs(var - 1.0) < 0.01,
              "normal draws: mean %g, variance %g", mean, var);

    gpu->normal(gpu, n, 42, DL2O_STREAM_SAMPLE, 5, d);
    gpu->download(gpu, b, d, n * sizeof(float));
    CHECK_MSG(memcmp(a, b, n * sizeof *a) == 0, "normal: same (seed, stream, index) must repeat");
    gpu->normal(gpu, n, 42, DL2O_STREAM_SAMPLE, 6, d);
    gpu->download(gpu, b, d, n * sizeof(float));
    CHECK_MSG(memcmp(a, b, 64 * sizeof *a) != 0, "normal: another index must give other noise");
    gpu->normal(gpu, n, 42, DL2O_STREAM_NOISE, 5, d);
    gpu->download(gpu, b, d, n * sizeof(float));
    CHECK_MSG(memcmp(a, b, 64 * sizeof *a) != 0, "normal: another stream must give other noise");
    /* odd lengths and unaligned outputs: a prefix of the same sequence */
    for (size_t k = 1; k <= 7; k++) {
        gpu->normal(gpu, k, 42, DL2O_STREAM_SAMPLE, 5, d + 1);
        gpu->download(gpu, b, d + 1, k * sizeof(float));
        CHECK_MSG(memcmp(a, b, k * sizeof *a) == 0, "normal: %zu draws must be the prefix of more", k);
    }
    expect_sync_ok(gpu, "normal");
out:
    gpu->free(gpu, d);
    free(a);
    free(b);
}

/* ---------------------------------------------------------- sampling */

static void init_model(dl2o_model *m, const dl2o_model_dims *d, uint64_t seed)
{
    CHECK(dl2o_model_init(m, d) == DL2O_OK);
    dl2o_rng r;
    dl2o_rng_init(&r, seed, DL2O_STREAM_WEIGHTS, 0);
    dl2o_mlp_init_params(&m->denoiser, m->params, &r);
    dl2o_mlp_init_params(&m->oracle, m->params, &r);
}

static void check_sampling(const dl2o_backend *gpu, const dl2o_model_dims *d, int R)
{
    dl2o_model m;
    init_model(&m, d, 11);
    int n = d->dim_x, G = m.dim_g;
    dl2o_sampler_ws *wc = NULL, *wg = NULL;
    CHECK(dl2o_sampler_ws_create(cpu, &m, R, &wc) == DL2O_OK);
    CHECK_MSG(dl2o_sampler_ws_create(gpu, &m, R, &wg) == DL2O_OK, "%s", dl2o_last_error());
    float *g = randn((size_t)R * G, 1.0), *lo = malloc(n * sizeof *lo), *hi = malloc(n * sizeof *hi);
    float *xc = malloc((size_t)R * n * sizeof *xc), *xg = malloc((size_t)R * n * sizeof *xg);
    for (int j = 0; j < n; j++) lo[j] = -1.5f + 0.1f * (j % 3), hi[j] = 1.5f - 0.2f * (j % 2);
    struct { dl2o_sampler kind; int steps; const char *name; } runs[] = {
        {DL2O_SAMPLER_DDIM, 10, "DDIM 10 steps"},
        {DL2O_SAMPLER_DDIM, 1, "DDIM 1 step"},
        {DL2O_SAMPLER_ANCESTRAL, 0, "ancestral"},
    };
    for (size_t k = 0; wc && wg && k < sizeof runs / sizeof runs[0]; k++) {
        int draws = dl2o_sampler_noise_draws(&m, runs[k].kind, runs[k].steps);
        float *noise = randn((size_t)draws * R * n, 1.0);
        CHECK(dl2o_sample(wc, R, g, lo, hi, runs[k].kind, runs[k].steps, noise, 0, 0, xc) == DL2O_OK);
        dl2o_status st = dl2o_sample(wg, R, g, lo, hi, runs[k].kind, runs[k].steps, noise, 0, 0, xg);
        CHECK_MSG(st == DL2O_OK, "%s", dl2o_last_error());
        char what[96];
        snprintf(what, sizeof what, "sample %s, n=%d G=%d width=%d, %d rows", runs[k].name, n, G,
                 d->width, R);
        /* The first step divides eps_hat by sqrt(alpha_bar_T), about 5e-4 for
         * the cosine schedule at T = 100, so last-bit differences between two
         * GEMMs reach 1e-3 in the candidates: 8e-4 measured between OpenBLAS
         * and the plain-C GEMM. A wrong op moves them by O(0.1 .. 1). */
        expect_close(what, xg, xc, (size_t)R * n, 5e-3, 5e-3);
        free(noise);
    }
    if (wc && wg) {
        /* the GPU's own noise: reproducible, inside the box */
        float *again = malloc((size_t)R * n * sizeof *again);
        CHECK(dl2o_sample(wg, R, g, lo, hi, DL2O_SAMPLER_DDIM, 10, NULL, 7, 3, xg) == DL2O_OK);
        CHECK(dl2o_sample(wg, R, g, lo, hi, DL2O_SAMPLER_DDIM, 10, NULL, 7, 3, again) == DL2O_OK);
        CHECK_MSG(memcmp(xg, again, (size_t)R * n * sizeof *xg) == 0,
                  "GPU sampling with the same seed must repeat bit for bit");
        free(again);
        CHECK(dl2o_oracle_predict(wc, R, g, xc) == DL2O_OK);
        CHECK(dl2o_oracle_predict(wg, R, g, xg) == DL2O_OK);
        expect_close("oracle_predict", xg, xc, (size_t)R * n, 1e-5, 1e-4);
    }
    dl2o_sampler_ws_free(wc);
    dl2o_sampler_ws_free(wg);
    free(g), free(lo), free(hi), free(xc), free(xg);
    dl2o_model_free(&m);
}

/* ------------------------------------------------------------ training */

static int losses_close(const dl2o_train_losses *g, const dl2o_train_losses *c, double rtol,
                        double *worst)
{
    const double a[5] = {g->total, g->eps, g->f, g->oracle, g->oracle_f};
    const double b[5] = {c->total, c->eps, c->f, c->oracle, c->oracle_f};
    int ok = 1;
    for (int k = 0; k < 5; k++) {
        double rel = fabs(a[k] - b[k]) / (1e-6 + fabs(b[k]));
        if (rel > *worst) *worst = rel;
        if (!dl2o_test_close(a[k], b[k], 1e-6, rtol)) ok = 0;
    }
    return ok;
}

static void check_training(const dl2o_backend *gpu)
{
    enum { N = 256, B = 64, STEPS = 50 };
    dl2o_family *fam = NULL;
    CHECK(dl2o_family_standard("rastrigin-2", &fam) == DL2O_OK);
    if (!fam) return;
    int n = fam->n, p = fam->p;
    dl2o_model_dims d = {.dim_x = n, .dim_theta = p, .guidance = DL2O_GUIDANCE_THETA,
                         .width = 64, .blocks = 2, .oracle_width = 32, .oracle_blocks = 1,
                         .time_embed = 16, .schedule = DL2O_SCHEDULE_COSINE, .T = 100};
    dl2o_model m;
    init_model(&m, &d, 5);
    for (int j = 0; j < n; j++) {
        m.lower[j] = fam->lower[j], m.upper[j] = fam->upper[j];
        m.x_mean[j] = 0.0, m.x_std[j] = 3.0;
    }
    m.f_scale = 30.0;
    double *theta = malloc((size_t)N * p * sizeof *theta);
    float *x = randn((size_t)N * n, 1.0), *gv = malloc((size_t)N * p * sizeof *gv);
    for (int i = 0; i < N; i++) CHECK(dl2o_family_sample_theta(fam, 3, (uint64_t)i, theta + (size_t)i * p) == DL2O_OK);
    for (size_t i = 0; i < (size_t)N * p; i++) gv[i] = (float)theta[i];
    dl2o_train_data data = {.N = N, .x = x, .g = gv, .theta = theta, .family = fam};
    dl2o_train_hparams hp = {.lr = 2e-3, .lambda_f = 0.05, .lambda_oracle_f = 0.05,
                             .beta1 = 0.9, .beta2 = 0.999, .adam_eps = 1e-8};
    dl2o_trainer *tc = NULL, *tg = NULL;
    dl2o_train_batch b;
    CHECK(dl2o_train_batch_alloc(&b, B, n) == DL2O_OK);
    CHECK(dl2o_trainer_create(cpu, &m, B, &tc) == DL2O_OK);
    CHECK_MSG(dl2o_trainer_create(gpu, &m, B, &tg) == DL2O_OK, "%s", dl2o_last_error());
    float *gc = malloc(m.n_params * sizeof *gc), *gg = malloc(m.n_params * sizeof *gg);
    if (tc && tg) {
        dl2o_train_losses lc, lg;
        double worst = 0.0;
        dl2o_trainer_draw_batch(&m, N, 9, 0, &b);
        CHECK(dl2o_trainer_gradient(tc, &data, &b, &hp, &lc) == DL2O_OK);
        CHECK_MSG(dl2o_trainer_gradient(tg, &data, &b, &hp, &lg) == DL2O_OK, "%s", dl2o_last_error());
        dl2o_trainer_get_grads(tc, gc);
        dl2o_trainer_get_grads(tg, gg);
        expect_sync_ok(gpu, "get_grads");
        expect_close("training gradient (all parameters)", gg, gc, m.n_params, 1e-6, 1e-4);
        CHECK(losses_close(&lg, &lc, 1e-4, &worst));
        int bad = 0;
        worst = 0.0;
        for (int step = 1; step <= STEPS; step++) {
            dl2o_trainer_draw_batch(&m, N, 9, (uint64_t)step, &b);
            CHECK(dl2o_trainer_step(tc, &data, &b, &hp, step, &lc) == DL2O_OK);
            dl2o_status st = dl2o_trainer_step(tg, &data, &b, &hp, step, &lg);
            CHECK_MSG(st == DL2O_OK, "step %d: %s", step, dl2o_last_error());
            if (!losses_close(&lg, &lc, 5e-4, &worst) && bad++ < 5)
                fprintf(stderr, "step %d: gpu losses %.7g %.7g %.7g %.7g %.7g vs cpu %.7g %.7g %.7g %.7g %.7g\n",
                        step, lg.total, lg.eps, lg.f, lg.oracle, lg.oracle_f, lc.total, lc.eps,
                        lc.f, lc.oracle, lc.oracle_f);
        }
        printf("  %-58s worst relative loss difference %.3g\n", "50 training steps", worst);
        CHECK_MSG(bad == 0, "%d of %d training steps had losses off by more than 5e-4 relative", bad, STEPS);
        dl2o_model mc, mg;
        init_model(&mc, &d, 5);
        init_model(&mg, &d, 5);
        CHECK(dl2o_trainer_download(tc, &mc) == DL2O_OK);
        CHECK(dl2o_trainer_download(tg, &mg) == DL2O_OK);
        expect_close("parameters after 50 steps", mg.params, mc.params, m.n_params, 1e-3, 1e-2);
        dl2o_model_free(&mc);
        dl2o_model_free(&mg);
    }
    dl2o_trainer_free(tc);
    dl2o_trainer_free(tg);
    dl2o_train_batch_free(&b);
    free(gc), free(gg), free(theta), free(x), free(gv);
    dl2o_model_free(&m);
    dl2o_family_free(fam);
}

/* -------------------------------------------------------------- errors */

#ifdef DL2O_HAVE_CUDA
static void check_errors(const dl2o_backend *gpu)
{
    void *huge = gpu->alloc(gpu, (size_t)1 << 52);
    CHECK_MSG(huge == NULL, "a 4 PiB allocation must fail");
    gpu->free(gpu, huge);
    expect_sync_ok(gpu, "sync after a failed alloc (no error left behind)");

    float *d = gpu->alloc(gpu, 64 * sizeof(float));
    CHECK(d != NULL);
    gpu->gemm(gpu, 0, 0, 4, 4, 4, 1.0f, d, 1 /* lda < K */, d + 16, 4, 0.0f, d + 32, 4);
    dl2o_status st = gpu->sync(gpu);
    CHECK_MSG(st == DL2O_EDEVICE && strstr(dl2o_last_error(), "cublasSgemm"),
              "a bad GEMM must surface at sync with its name, got %d: %s", (int)st, dl2o_last_error());
    printf("  %-58s \"%s\"\n", "bad gemm reported as", dl2o_last_error());
    expect_sync_ok(gpu, "sync after a reported error");
    gpu->free(gpu, d);
}

#endif /* DL2O_HAVE_CUDA */

/* Ops, noise, sampling and training: `be` against the CPU reference. */
static void check_parity(const dl2o_backend *be)
{
    printf("ops:\n");
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            check_gemm(be, ta, tb, 1, 1, 1, 0, 1.0f, 0.0f);
            check_gemm(be, ta, tb, 17, 5, 33, 3, 0.5f, 0.0f);
            check_gemm(be, ta, tb, 256, 128, 218, 0, 1.0f, 1.0f);
            check_gemm(be, ta, tb, 64, 300, 128, 2, -1.5f, 0.25f);
        }
    int sizes[][2] = {{1, 1}, {3, 7}, {256, 128}, {4099, 33}};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
        check_row_ops(be, sizes[k][0], sizes[k][1]);
    check_pack_input(be, 1, 1, 2, 0);
    check_pack_input(be, 5, 3, 8, 4);
    check_pack_input(be, 1000, 10, 32, 176);
    check_normal(be);

    printf("sampling with supplied noise:\n");
    dl2o_model_dims small = {.dim_x = 3, .dim_theta = 4, .guidance = DL2O_GUIDANCE_THETA,
                             .width = 16, .blocks = 2, .oracle_width = 8, .oracle_blocks = 1,
                             .time_embed = 8, .schedule = DL2O_SCHEDULE_COSINE, .T = 50};
    check_sampling(be, &small, 6);
    /* the CPU default network at rastrigin-10's probe guidance width */
    dl2o_model_dims deflt = {.dim_x = 10, .dim_theta = 176, .guidance = DL2O_GUIDANCE_THETA,
                             .width = 128, .blocks = 3, .oracle_width = 128, .oracle_blocks = 2,
                             .time_embed = 32, .schedule = DL2O_SCHEDULE_COSINE, .T = 100};
    check_sampling(be, &deflt, 300);

    printf("training:\n");
    check_training(be);
}

int main(int argc, char **argv)
{
    dl2o_rng_init(&rng, 2024, 99, 0);
    if (argc > 1 && !strcmp(argv[1], "--self")) {
        dl2o_backend self = dl2o_backend_cpu;
        self.name = "cpu (self-test)";
        check_parity(&self);
        return dl2o_test_finish("test_cuda_parity --self");
    }
#ifndef DL2O_HAVE_CUDA
    check_selection_without_gpu();
    if (dl2o_test_failures) return dl2o_test_finish("test_cuda_parity");
    printf("test_cuda_parity: skipped: this build has no CUDA backend (DL2O_CUDA=OFF or no CUDA "
           "toolkit at configure time)\n");
    return SKIP;
#else
    char why[256];
    if (dl2o_cuda_device_count(why, sizeof why) == 0) {
        check_selection_without_gpu();
        if (dl2o_test_failures) return dl2o_test_finish("test_cuda_parity");
        printf("test_cuda_parity: skipped: no usable GPU: %s\n", why);
        return SKIP;
    }
    const dl2o_backend *gpu = NULL;
    if (dl2o_backend_cuda_create(0, &gpu) != DL2O_OK) {
        fprintf(stderr, "test_cuda_parity: a GPU is present but the backend failed: %s\n",
                dl2o_last_error());
        return 1;
    }
    char desc[256];
    dl2o_backend_cuda_describe(gpu, desc, sizeof desc);
    printf("test_cuda_parity on %s\n", desc);
    check_parity(gpu);

    printf("errors and selection:\n");
    check_errors(gpu);
    const dl2o_backend *be = NULL;
    CHECK(dl2o_backend_select(DL2O_DEVICE_CUDA, &be) == DL2O_OK && be && !strcmp(be->name, "cuda"));
    CHECK(dl2o_backend_select(DL2O_DEVICE_AUTO, &be) == DL2O_OK && be && !strcmp(be->name, "cuda"));
    CHECK(dl2o_backend_describe(DL2O_DEVICE_AUTO, desc, sizeof desc) == DL2O_OK);
    CHECK_MSG(strncmp(desc, "cuda (", 6) == 0, "got: %s", desc);
    printf("  --device auto: %s\n", desc);

    dl2o_backend_cuda_destroy(gpu);
    return dl2o_test_finish("test_cuda_parity");
#endif
}
