/* backend.h — the compute backend as a struct of function pointers (ggml /
 * llm.c style). The CPU backend (backend_cpu.c) is the plain reference;
 * other backends are checked against it op by op.
 *
 * Buffers passed to ops live on the backend (device pointers); only upload,
 * download and the host-side callers touch host memory. Ops do not return
 * errors: a backend records the first failure and sync() reports it, so a
 * caller checks once per step instead of after every launch.
 */
#ifndef DL2O_BACKEND_H
#define DL2O_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "dl2o.h"

typedef struct dl2o_backend dl2o_backend;

/* One reverse-diffusion step for all rows at the same t (see sampler.c):
 *   x0  = (x - sb * eps) / sa, clipped into [lo, hi] per coordinate
 *   eps' = (x - sa * x0) / sb
 *   x  <- c_x0 * x0 + c_eps * eps' + c_x * x + sigma * z   (z: noise, or 0) */
typedef struct dl2o_step_coefs {
    float sa, sb;           /* sqrt(alpha_bar_t), sqrt(1 - alpha_bar_t) */
    float c_x0, c_eps, c_x; /* the update's mixing weights */
    float sigma;            /* noise scale; 0 for DDIM */
} dl2o_step_coefs;

struct dl2o_backend {
    const char *name;
    void *ctx;

    void *(*alloc)(const dl2o_backend *be, size_t bytes); /* zeroed, NULL on failure */
    void (*free)(const dl2o_backend *be, void *p);
    void (*upload)(const dl2o_backend *be, void *dst, const void *src, size_t bytes);
    void (*download)(const dl2o_backend *be, void *dst, const void *src, size_t bytes);
    void (*copy)(const dl2o_backend *be, void *dst, const void *src, size_t bytes);
    void (*zero)(const dl2o_backend *be, void *p, size_t bytes);
    /* First error since the last sync (and waits for queued work). */
    dl2o_status (*sync)(const dl2o_backend *be);

    /* C (M, N) = alpha op(A) op(B) + beta C, row-major; op(A) is (M, K). */
    void (*gemm)(const dl2o_backend *be, int trans_a, int trans_b, int M, int N, int K,
                 float alpha, const float *A, int lda, const float *B, int ldb, float beta,
                 float *C, int ldc);
    /* y[r, :] += b                                 y: (rows, cols), b: (cols) */
    void (*add_bias)(const dl2o_backend *be, int rows, int cols, const float *b, float *y);
    /* db += sum_r dy[r, :] */
    void (*bias_grad)(const dl2o_backend *be, int rows, int cols, const float *dy, float *db);
    /* a = z * sigmoid(z) */
    void (*silu)(const dl2o_backend *be, size_t n, const float *z, float *a);
    /* dz = da * silu'(z) */
    void (*silu_backward)(const dl2o_backend *be, size_t n, const float *z, const float *da,
                          float *dz);
    /* y += a x */
    void (*axpy)(const dl2o_backend *be, size_t n, float a, const float *x, float *y);
    void (*scale)(const dl2o_backend *be, size_t n, float a, float *x);

    /* u (rows, n + E + G) = [x | sinusoidal embedding of t | g]
     *   x: (rows, n), t: (rows) step numbers, g: (rows, G) or NULL when G = 0.
     *   emb[k] = sin(t w_k), emb[E/2 + k] = cos(t w_k), w_k = 10000^(-k / (E/2)). */
    void (*pack_input)(const dl2o_backend *be, int rows, int n, int E, int G, const float *x,
                       const float *t, const float *g, float *u);
    /* xt = sa[r] x0 + sb[r] eps, per row r.           x0, eps, xt: (rows, n) */
    void (*q_sample)(const dl2o_backend *be, int rows, int n, const float *sa, const float *sb,
                     const float *x0, const float *eps, float *xt);
    /* x0 = (xt - sb[r] eps) / sa[r], per row r. */
    void (*predict_x0)(const dl2o_backend *be, int rows, int n, const float *sa,
                       const float *sb, const float *xt, const float *eps, float *x0);
    /* dx (rows, n) *= w[r], per row r. */
    void (*scale_rows)(const dl2o_backend *be, int rows, int n, const float *w, float *x);
    /* One sampler step, see dl2o_step_coefs. z may be NULL (no noise). */
    void (*sampler_step)(const dl2o_backend *be, int rows, int n, dl2o_step_coefs c,
                         const float *lo, const float *hi, const float *eps, const float *z,
                         float *x);
    /* Adam with bias correction; step counts from 1. */
    void (*adam)(const dl2o_backend *be, size_t n, float *p, const float *g, float *m, float *v,
                 float lr, float beta1, float beta2, float eps, int step);
    /* out (n) ~ N(0, 1) from the stream (seed, stream, index). */
    void (*normal)(const dl2o_backend *be, size_t n, uint64_t seed, uint64_t stream,
                   uint64_t index, float *out);
};

extern const dl2o_backend dl2o_backend_cpu;

/* Sets how many threads OpenBLAS runs a matrix product on, process-wide.
 * OpenBLAS splits a product between its threads and the split changes the
 * rounding of some entries, so results are bit-reproducible only for a fixed
 * count; the CLI sets 1 (README, "Determinism"). Returns 0, or -1 when the
 * BLAS linked in has no such call (then it is left as it is). */
int dl2o_blas_set_threads(int n);

/* The backend for a device request; AUTO falls back to the CPU. */
dl2o_status dl2o_backend_select(dl2o_device device, const dl2o_backend **out);

#endif
