/* backend_cpu.c — the reference backend: plain loops plus BLAS sgemm.
 *
 * sgemm goes through the Fortran BLAS symbol sgemm_, not cblas_sgemm: GSL's
 * pkg-config line links libgslcblas, whose unoptimized cblas_sgemm would
 * otherwise interpose on OpenBLAS's in any program that also links GSL (we
 * measured it taking 80% of training time). libgslcblas has no sgemm_. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "common.h"
#include "rng.h"

/* Denormal floats cost a microcode assist per operation on x86: with them
 * flushed to zero (FTZ) and read as zero (DAZ), propose() on rastrigin-10 went
 * from 15.8 to 11.0 ms. The caller's MXCSR is restored after each op, so
 * nothing leaks into the user's own floating point. */
#if defined(__x86_64__) || defined(__SSE2__)
#include <xmmintrin.h>
#define FLUSH_DENORMALS_BEGIN                                                            \
    const unsigned saved_csr_ = _mm_getcsr();                                            \
    _mm_setcsr(saved_csr_ | 0x8040u)
#define FLUSH_DENORMALS_END _mm_setcsr(saved_csr_)
#else
#define FLUSH_DENORMALS_BEGIN (void)0
#define FLUSH_DENORMALS_END (void)0
#endif

static void *cpu_alloc(const dl2o_backend *be, size_t bytes)
{
    (void)be;
    return dl2o_calloc(bytes, 1);
}

static void cpu_free(const dl2o_backend *be, void *p)
{
    (void)be;
    free(p);
}

static void cpu_copy(const dl2o_backend *be, void *dst, const void *src, size_t bytes)
{
    (void)be;
    if (bytes) memmove(dst, src, bytes);
}

static void cpu_zero(const dl2o_backend *be, void *p, size_t bytes)
{
    (void)be;
    if (bytes) memset(p, 0, bytes);
}

static dl2o_status cpu_sync(const dl2o_backend *be)
{
    (void)be;
    return DL2O_OK;
}

#ifndef DL2O_NO_BLAS
void sgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
            const float *alpha, const float *a, const int *lda, const float *b, const int *ldb,
            const float *beta, float *c, const int *ldc);

/* Weak: present when the BLAS is OpenBLAS. */
void openblas_set_num_threads(int n) __attribute__((weak));

int dl2o_blas_set_threads(int n)
{
    if (!openblas_set_num_threads) return -1;
    openblas_set_num_threads(n);
    return 0;
}

static void cpu_gemm(const dl2o_backend *be, int trans_a, int trans_b, int M, int N, int K,
                     float alpha, const float *A, int lda, const float *B, int ldb, float beta,
                     float *C, int ldc)
{
    (void)be;
    /* Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T. */
    const char ta = trans_a ? 'T' : 'N', tb = trans_b ? 'T' : 'N';
    FLUSH_DENORMALS_BEGIN;
    sgemm_(&tb, &ta, &N, &M, &K, &alpha, B, &ldb, A, &lda, &beta, C, &ldc);
    FLUSH_DENORMALS_END;
}
#else
int dl2o_blas_set_threads(int n)
{
    (void)n;
    return -1;
}

/* No BLAS (the engine-only build, tests/gpu/CMakeLists.txt): plain loops in
 * double, a reference rather than a fast path. The inner loop always runs
 * along a row in memory: a dot product when op(B) = B^T, else a row update. */
static float gemm_out(float alpha, double acc, float beta, float c)
{
    return (float)(alpha * acc + (beta == 0.0f ? 0.0 : (double)beta * c));
}

static void cpu_gemm(const dl2o_backend *be, int trans_a, int trans_b, int M, int N, int K,
                     float alpha, const float *A, int lda, const float *B, int ldb, float beta,
                     float *C, int ldc)
{
    (void)be;
#define OP_A(i, k) (trans_a ? A[(size_t)(k) * lda + (i)] : A[(size_t)(i) * lda + (k)])
    double *acc = trans_b ? NULL : dl2o_calloc((size_t)N, sizeof *acc);
    if (!trans_b && !acc) return; /* N doubles of scratch; C keeps its value */
    for (int i = 0; i < M; i++) {
        float *c = C + (size_t)i * ldc;
        if (trans_b) {
            for (int j = 0; j < N; j++) {
                const float *b = B + (size_t)j * ldb;
                double s = 0.0;
                for (int k = 0; k < K; k++) s += OP_A(i, k) * (double)b[k];
                c[j] = gemm_out(alpha, s, beta, c[j]);
            }
            continue;
        }
        memset(acc, 0, (size_t)N * sizeof *acc);
        for (int k = 0; k < K; k++) {
            double a = OP_A(i, k);
            const float *b = B + (size_t)k * ldb;
            for (int j = 0; j < N; j++) acc[j] += a * b[j];
        }
        for (int j = 0; j < N; j++) c[j] = gemm_out(alpha, acc[j], beta, c[j]);
    }
#undef OP_A
    free(acc);
}
#endif

static void cpu_add_bias(const dl2o_backend *be, int rows, int cols, const float *b, float *y)
{
    (void)be;
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) y[(size_t)r * cols + c] += b[c];
}

static void cpu_bias_grad(const dl2o_backend *be, int rows, int cols, const float *dy, float *db)
{
    (void)be;
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) db[c] += dy[(size_t)r * cols + c];
}

/* exp(x) for float in straight-line code the compiler can vectorize (libm's
 * expf is a call per element and was a third of sampling time): x = k ln2 + r,
 * |r| <= ln2/2, e^r by its degree-6 Taylor polynomial (relative error < 2e-7),
 * 2^k by building the exponent bits. Inputs are clamped to [-87, 87]; the
 * clamps are written so that a NaN becomes -87 (found by fuzzing: a weight
 * file with huge finite weights makes NaNs, and (int32_t)NaN below is
 * undefined behaviour). silu still returns NaN for a NaN input (z * ...). */
static inline float fast_expf(float x)
{
    const float shift = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    x = x > -87.0f ? x : -87.0f;
    x = x < 87.0f ? x : 87.0f;
    float kf = (x * 1.44269504088896341f + shift) - shift;
    float r = x - kf * 0.693145751953125f - kf * 1.42860682030941723212e-6f;
    float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 + r * (1.0f / 720))))));
    int32_t bits = ((int32_t)kf + 127) << 23;
    float two_k;
    memcpy(&two_k, &bits, sizeof two_k);
    return p * two_k;
}

static inline float sigmoidf_(float z) { return 1.0f / (1.0f + fast_expf(-z)); }

static void cpu_silu(const dl2o_backend *be, size_t n, const float *z, float *a)
{
    (void)be;
    FLUSH_DENORMALS_BEGIN;
    for (size_t i = 0; i < n; i++) a[i] = z[i] * sigmoidf_(z[i]);
    FLUSH_DENORMALS_END;
}

static void cpu_silu_backward(const dl2o_backend *be, size_t n, const float *z, const float *da,
                              float *dz)
{
    (void)be;
    FLUSH_DENORMALS_BEGIN;
    for (size_t i = 0; i < n; i++) {
        float s = sigmoidf_(z[i]);
        dz[i] = da[i] * s * (1.0f + z[i] * (1.0f - s));
    }
    FLUSH_DENORMALS_END;
}

static void cpu_axpy(const dl2o_backend *be, size_t n, float a, const float *x, float *y)
{
    (void)be;
    for (size_t i = 0; i < n; i++) y[i] += a * x[i];
}

static void cpu_scale(const dl2o_backend *be, size_t n, float a, float *x)
{
    (void)be;
    for (size_t i = 0; i < n; i++) x[i] *= a;
}

static void cpu_pack_input(const dl2o_backend *be, int rows, int n, int E, int G, const float *x,
                           const float *t, const float *g, float *u)
{
    (void)be;
    int width = n + E + G, half = E / 2;
    for (int r = 0; r < rows; r++) {
        float *ur = u + (size_t)r * width;
        memcpy(ur, x + (size_t)r * n, (size_t)n * sizeof *ur);
        for (int k = 0; k < half; k++) {
            double w = exp(-9.210340371976184 * k / half); /* ln(10000) */
            double a = (double)t[r] * w;
            ur[n + k] = (float)sin(a);
            ur[n + half + k] = (float)cos(a);
        }
        if (G > 0) memcpy(ur + n + E, g + (size_t)r * G, (size_t)G * sizeof *ur);
    }
}

static void cpu_q_sample(const dl2o_backend *be, int rows, int n, const float *sa,
                         const float *sb, const float *x0, const float *eps, float *xt)
{
    (void)be;
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < n; j++) {
            size_t i = (size_t)r * n + j;
            xt[i] = sa[r] * x0[i] + sb[r] * eps[i];
        }
}

static void cpu_predict_x0(const dl2o_backend *be, int rows, int n, const float *sa,
                           const float *sb, const float *xt, const float *eps, float *x0)
{
    (void)be;
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < n; j++) {
            size_t i = (size_t)r * n + j;
            x0[i] = (xt[i] - sb[r] * eps[i]) / sa[r];
        }
}

static void cpu_scale_rows(const dl2o_backend *be, int rows, int n, const float *w, float *x)
{
    (void)be;
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < n; j++) x[(size_t)r * n + j] *= w[r];
}

static void cpu_sampler_step(const dl2o_backend *be, int rows, int n, dl2o_step_coefs c,
                             const float *lo, const float *hi, const float *eps, const float *z,
                             float *x)
{
    (void)be;
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < n; j++) {
            size_t i = (size_t)r * n + j;
            float x0 = (x[i] - c.sb * eps[i]) / c.sa;
            x0 = x0 < lo[j] ? lo[j] : (x0 > hi[j] ? hi[j] : x0);
            float e = (x[i] - c.sa * x0) / c.sb;
            float nx = c.c_x0 * x0 + c.c_eps * e + c.c_x * x[i];
            if (z) nx += c.sigma * z[i];
            x[i] = nx;
        }
}

static void cpu_adam(const dl2o_backend *be, size_t n, float *p, const float *g, float *m,
                     float *v, float lr, float beta1, float beta2, float eps, int step)
{
    (void)be;
    float c1 = 1.0f - powf(beta1, (float)step), c2 = 1.0f - powf(beta2, (float)step);
    for (size_t i = 0; i < n; i++) {
        m[i] = beta1 * m[i] + (1.0f - beta1) * g[i];
        v[i] = beta2 * v[i] + (1.0f - beta2) * g[i] * g[i];
        p[i] -= lr * (m[i] / c1) / (sqrtf(v[i] / c2) + eps);
    }
}

static void cpu_normal(const dl2o_backend *be, size_t n, uint64_t seed, uint64_t stream,
                       uint64_t index, float *out)
{
    (void)be;
    dl2o_rng rng;
    dl2o_rng_init(&rng, seed, stream, index);
    for (size_t i = 0; i < n; i++) out[i] = (float)dl2o_rng_normal(&rng);
}

const dl2o_backend dl2o_backend_cpu = {
    .name = "cpu",
    .ctx = NULL,
    .alloc = cpu_alloc,
    .free = cpu_free,
    .upload = cpu_copy,
    .download = cpu_copy,
    .copy = cpu_copy,
    .zero = cpu_zero,
    .sync = cpu_sync,
    .gemm = cpu_gemm,
    .add_bias = cpu_add_bias,
    .bias_grad = cpu_bias_grad,
    .silu = cpu_silu,
    .silu_backward = cpu_silu_backward,
    .axpy = cpu_axpy,
    .scale = cpu_scale,
    .pack_input = cpu_pack_input,
    .q_sample = cpu_q_sample,
    .predict_x0 = cpu_predict_x0,
    .scale_rows = cpu_scale_rows,
    .sampler_step = cpu_sampler_step,
    .adam = cpu_adam,
    .normal = cpu_normal,
};
