/* backend_cuda.cu — the CUDA backend: cuBLAS for GEMMs, one kernel per
 * elementwise op, cuRAND (Philox, device API) for noise. Every op matches
 * the CPU reference in core/backend_cpu.c; tests/test_cuda_parity.c checks
 * that op by op. See backend_cuda.h for threading, errors and noise.
 *
 * Host code here is C-like C++: no exceptions, RTTI, new or C++ library
 * calls. (nvcc's launch stubs still use C++ guarded statics, so the final
 * link pulls in libstdc++; CMake does that by linking with the C++ driver.) */
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <curand_kernel.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend_cuda.h"
extern "C" {
#include "common.h" /* C functions: dl2o_fail */
}

/* ------------------------------------------------------------ state, errors */

typedef struct cuda_ctx {
    dl2o_backend be; /* first: the pointer handed out is the context's */
    int device;
    cudaStream_t stream;
    cublasHandle_t blas;
    pthread_mutex_t lock; /* held while an op queues work or records an error */
    dl2o_status err;      /* first error since the last sync */
    const char *err_file;
    int err_line;
    char err_msg[DL2O_ERRMSG_MAX - 64];
    char desc[160];
} cuda_ctx;

static cuda_ctx *ctx_of(const dl2o_backend *be) { return (cuda_ctx *)be->ctx; }

/* Keeps the first error only; later ones are usually its consequences. Lock held. */
static void record(cuda_ctx *c, dl2o_status st, const char *file, int line, const char *fmt, ...)
    DL2O_PRINTF(5, 6);
static void record(cuda_ctx *c, dl2o_status st, const char *file, int line, const char *fmt, ...)
{
    if (c->err != DL2O_OK) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err_msg, sizeof c->err_msg, fmt, ap);
    va_end(ap);
    c->err = st, c->err_file = file, c->err_line = line;
}

static dl2o_status status_of(cudaError_t e)
{
    return e == cudaErrorMemoryAllocation ? DL2O_ENOMEM : DL2O_EDEVICE;
}

static bool cu_ok(cuda_ctx *c, cudaError_t e, const char *what, const char *file, int line)
{
    if (e == cudaSuccess) return true;
    record(c, status_of(e), file, line, "%s failed: %s (%s)", what, cudaGetErrorString(e),
           cudaGetErrorName(e));
    return false;
}

static bool blas_ok(cuda_ctx *c, cublasStatus_t s, const char *what, const char *file, int line)
{
    if (s == CUBLAS_STATUS_SUCCESS) return true;
    record(c, s == CUBLAS_STATUS_ALLOC_FAILED ? DL2O_ENOMEM : DL2O_EDEVICE, file, line,
           "%s failed: %s (%s)", what, cublasGetStatusString(s), cublasGetStatusName(s));
    return false;
}

#define CU(c, call) cu_ok((c), (call), #call, __FILE__, __LINE__)
#define BLAS(c, call) blas_ok((c), (call), #call, __FILE__, __LINE__)

/* Holds the instance's lock for one op and makes its device current. */
struct op_guard {
    cuda_ctx *c;
    explicit op_guard(const dl2o_backend *be) : c(ctx_of(be))
    {
        pthread_mutex_lock(&c->lock);
        int cur = -1;
        if (cudaGetDevice(&cur) != cudaSuccess || cur != c->device) CU(c, cudaSetDevice(c->device));
    }
    ~op_guard() { pthread_mutex_unlock(&c->lock); }
    op_guard(const op_guard &) = delete;
    op_guard &operator=(const op_guard &) = delete;
};

/* Grid-stride launches: enough blocks to fill the GPU, never a zero grid. */
enum { THREADS = 256 };
static unsigned blocks_for(size_t n)
{
    size_t b = (n + THREADS - 1) / THREADS;
    return (unsigned)(b < (1u << 18) ? b : (1u << 18));
}

#define LAUNCH(c, n, kernel, ...)                                                         \
    do {                                                                                  \
        if ((n) > 0) {                                                                    \
            kernel<<<blocks_for(n), THREADS, 0, (c)->stream>>>(__VA_ARGS__);              \
            cu_ok((c), cudaGetLastError(), "launch of " #kernel, __FILE__, __LINE__);     \
        }                                                                                 \
    } while (0)

#define GRID_STRIDE(i, n)                                                                 \
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < (n);               \
         i += (size_t)gridDim.x * blockDim.x)

/* ------------------------------------------------------------------ memory */

static void *cuda_alloc(const dl2o_backend *be, size_t bytes)
{
    op_guard g(be);
    void *p = NULL;
    cudaError_t e = cudaMalloc(&p, bytes ? bytes : 16);
    if (e != cudaSuccess) {
        /* Out of memory is the caller's to report (it returns DL2O_ENOMEM with
         * what it was allocating); clear it so no later check trips on it.
         * Anything else (a broken context) is kept for the next sync. */
        (void)cudaGetLastError();
        if (e != cudaErrorMemoryAllocation) cu_ok(g.c, e, "cudaMalloc", __FILE__, __LINE__);
        return NULL;
    }
    if (bytes && !CU(g.c, cudaMemsetAsync(p, 0, bytes, g.c->stream))) {
        cudaFree(p);
        return NULL;
    }
    return p;
}

static void cuda_free(const dl2o_backend *be, void *p)
{
    if (!p) return;
    op_guard g(be);
    CU(g.c, cudaFree(p));
}

static bool host_is_pinned(const void *p)
{
    cudaPointerAttributes a;
    if (cudaPointerGetAttributes(&a, p) != cudaSuccess) {
        (void)cudaGetLastError();
        return false;
    }
    return a.type == cudaMemoryTypeHost;
}

/* The caller may reuse src as soon as upload returns: a copy from pageable
 * memory is staged before cudaMemcpyAsync returns; from pinned memory we wait. */
static void cuda_upload(const dl2o_backend *be, void *dst, const void *src, size_t bytes)
{
    if (!bytes) return;
    op_guard g(be);
    if (CU(g.c, cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, g.c->stream)) &&
        host_is_pinned(src))
        CU(g.c, cudaStreamSynchronize(g.c->stream));
}

/* Returns with dst filled: callers read it right away. */
static void cuda_download(const dl2o_backend *be, void *dst, const void *src, size_t bytes)
{
    if (!bytes) return;
    op_guard g(be);
    if (CU(g.c, cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, g.c->stream)))
        CU(g.c, cudaStreamSynchronize(g.c->stream));
}

/* memmove semantics, as on the CPU: overlapping ranges go through a
 * stream-ordered temporary (no caller does that today). */
static void cuda_copy(const dl2o_backend *be, void *dst, const void *src, size_t bytes)
{
    if (!bytes || dst == src) return;
    op_guard g(be);
    const char *d = (const char *)dst, *s = (const char *)src;
    if (d + bytes <= s || s + bytes <= d) {
        CU(g.c, cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, g.c->stream));
        return;
    }
    void *tmp = NULL;
    if (CU(g.c, cudaMallocAsync(&tmp, bytes, g.c->stream))) {
        CU(g.c, cudaMemcpyAsync(tmp, src, bytes, cudaMemcpyDeviceToDevice, g.c->stream));
        CU(g.c, cudaMemcpyAsync(dst, tmp, bytes, cudaMemcpyDeviceToDevice, g.c->stream));
        CU(g.c, cudaFreeAsync(tmp, g.c->stream));
    }
}

static void cuda_zero(const dl2o_backend *be, void *p, size_t bytes)
{
    if (!bytes) return;
    op_guard g(be);
    CU(g.c, cudaMemsetAsync(p, 0, bytes, g.c->stream));
}

static dl2o_status cuda_sync(const dl2o_backend *be)
{
    cuda_ctx *c = ctx_of(be);
    char msg[sizeof c->err_msg];
    const char *file;
    int line;
    dl2o_status st;
    {
        op_guard g(be);
        CU(c, cudaStreamSynchronize(c->stream)); /* faults inside kernels surface here */
        st = c->err, file = c->err_file, line = c->err_line;
        memcpy(msg, c->err_msg, sizeof msg);
        c->err = DL2O_OK;
    }
    if (st == DL2O_OK) return DL2O_OK;
    return dl2o_fail(st, file, line, "CUDA backend (%s): %s", c->desc, msg);
}

/* -------------------------------------------------------------------- gemm */

static void cuda_gemm(const dl2o_backend *be, int trans_a, int trans_b, int M, int N, int K,
                      float alpha, const float *A, int lda, const float *B, int ldb, float beta,
                      float *C, int ldc)
{
    op_guard g(be);
    /* Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T, as on the CPU. */
    cublasOperation_t ta = trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
    cublasOperation_t tb = trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
    BLAS(g.c, cublasSgemm(g.c->blas, tb, ta, N, M, K, &alpha, B, ldb, A, lda, &beta, C, ldc));
}

/* ------------------------------------------------------------- elementwise */

__global__ void k_add_bias(size_t total, int cols, const float *b, float *y)
{
    GRID_STRIDE(i, total) y[i] += b[i % (size_t)cols];
}

static void cuda_add_bias(const dl2o_backend *be, int rows, int cols, const float *b, float *y)
{
    op_guard g(be);
    size_t total = (size_t)rows * (size_t)cols;
    LAUNCH(g.c, total, k_add_bias, total, cols, b, y);
}

/* One block per 32 columns; its 32 x 32 threads sum rows ty, ty + 32, ...
 * and then reduce over ty in a fixed order, so results are deterministic. */
enum { BG_COLS = 32, BG_ROWS = 32 };
__global__ void k_bias_grad(int rows, int cols, const float *dy, float *db)
{
    __shared__ float part[BG_ROWS][BG_COLS + 1];
    int c = blockIdx.x * BG_COLS + threadIdx.x;
    float s = 0.0f;
    if (c < cols)
        for (int r = threadIdx.y; r < rows; r += BG_ROWS) s += dy[(size_t)r * cols + c];
    part[threadIdx.y][threadIdx.x] = s;
    __syncthreads();
    for (int half = BG_ROWS / 2; half > 0; half /= 2) {
        if ((int)threadIdx.y < half) part[threadIdx.y][threadIdx.x] += part[threadIdx.y + half][threadIdx.x];
        __syncthreads();
    }
    if (threadIdx.y == 0 && c < cols) db[c] += part[0][threadIdx.x];
}

static void cuda_bias_grad(const dl2o_backend *be, int rows, int cols, const float *dy, float *db)
{
    if (rows <= 0 || cols <= 0) return;
    op_guard g(be);
    dim3 block(BG_COLS, BG_ROWS), grid((unsigned)((cols + BG_COLS - 1) / BG_COLS));
    k_bias_grad<<<grid, block, 0, g.c->stream>>>(rows, cols, dy, db);
    CU(g.c, cudaGetLastError());
}

__device__ float sigmoid_dev(float z) { return 1.0f / (1.0f + expf(-z)); }

__global__ void k_silu(size_t n, const float *z, float *a)
{
    GRID_STRIDE(i, n) a[i] = z[i] * sigmoid_dev(z[i]);
}

static void cuda_silu(const dl2o_backend *be, size_t n, const float *z, float *a)
{
    op_guard g(be);
    LAUNCH(g.c, n, k_silu, n, z, a);
}

__global__ void k_silu_backward(size_t n, const float *z, const float *da, float *dz)
{
    GRID_STRIDE(i, n)
    {
        float s = sigmoid_dev(z[i]);
        dz[i] = da[i] * s * (1.0f + z[i] * (1.0f - s));
    }
}

static void cuda_silu_backward(const dl2o_backend *be, size_t n, const float *z, const float *da,
                               float *dz)
{
    op_guard g(be);
    LAUNCH(g.c, n, k_silu_backward, n, z, da, dz);
}

__global__ void k_axpy(size_t n, float a, const float *x, float *y)
{
    GRID_STRIDE(i, n) y[i] += a * x[i];
}

static void cuda_axpy(const dl2o_backend *be, size_t n, float a, const float *x, float *y)
{
    op_guard g(be);
    LAUNCH(g.c, n, k_axpy, n, a, x, y);
}

__global__ void k_scale(size_t n, float a, float *x)
{
    GRID_STRIDE(i, n) x[i] *= a;
}

static void cuda_scale(const dl2o_backend *be, size_t n, float a, float *x)
{
    op_guard g(be);
    LAUNCH(g.c, n, k_scale, n, a, x);
}

/* ----------------------------------------------------- diffusion-specific */

/* The embedding is computed in double, as on the CPU, so both round the same. */
__global__ void k_pack_input(size_t total, int n, int E, int G, const float *x, const float *t,
                             const float *g, float *u)
{
    int width = n + E + G, half = E / 2;
    GRID_STRIDE(i, total)
    {
        size_t r = i / (size_t)width;
        int k = (int)(i - r * (size_t)width);
        float v;
        if (k < n) {
            v = x[r * n + k];
        } else if (k < n + E) {
            int kk = k - n, j = kk < half ? kk : kk - half;
            double w = exp(-9.210340371976184 * j / half); /* ln(10000) */
            double a = (double)t[r] * w;
            v = (float)(kk < half ? sin(a) : cos(a));
        } else {
            v = g[r * G + (k - n - E)];
        }
        u[i] = v;
    }
}

static void cuda_pack_input(const dl2o_backend *be, int rows, int n, int E, int G, const float *x,
                            const float *t, const float *g, float *u)
{
    op_guard gd(be);
    size_t total = (size_t)rows * (size_t)(n + E + G);
    LAUNCH(gd.c, total, k_pack_input, total, n, E, G, x, t, g, u);
}

__global__ void k_q_sample(size_t total, int n, const float *sa, const float *sb,
                           const float *x0, const float *eps, float *xt)
{
    GRID_STRIDE(i, total)
    {
        size_t r = i / (size_t)n;
        xt[i] = sa[r] * x0[i] + sb[r] * eps[i];
    }
}

static void cuda_q_sample(const dl2o_backend *be, int rows, int n, const float *sa,
                          const float *sb, const float *x0, const float *eps, float *xt)
{
    op_guard g(be);
    size_t total = (size_t)rows * (size_t)n;
    LAUNCH(g.c, total, k_q_sample, total, n, sa, sb, x0, eps, xt);
}

__global__ void k_predict_x0(size_t total, int n, const float *sa, const float *sb,
                             const float *xt, const float *eps, float *x0)
{
    GRID_STRIDE(i, total)
    {
        size_t r = i / (size_t)n;
        x0[i] = (xt[i] - sb[r] * eps[i]) / sa[r];
    }
}

static void cuda_predict_x0(const dl2o_backend *be, int rows, int n, const float *sa,
                            const float *sb, const float *xt, const float *eps, float *x0)
{
    op_guard g(be);
    size_t total = (size_t)rows * (size_t)n;
    LAUNCH(g.c, total, k_predict_x0, total, n, sa, sb, xt, eps, x0);
}

__global__ void k_scale_rows(size_t total, int n, const float *w, float *x)
{
    GRID_STRIDE(i, total) x[i] *= w[i / (size_t)n];
}

static void cuda_scale_rows(const dl2o_backend *be, int rows, int n, const float *w, float *x)
{
    op_guard g(be);
    size_t total = (size_t)rows * (size_t)n;
    LAUNCH(g.c, total, k_scale_rows, total, n, w, x);
}

__global__ void k_sampler_step(size_t total, int n, dl2o_step_coefs c, const float *lo,
                               const float *hi, const float *eps, const float *z, float *x)
{
    GRID_STRIDE(i, total)
    {
        int j = (int)(i % (size_t)n);
        float xi = x[i];
        float x0 = (xi - c.sb * eps[i]) / c.sa;
        x0 = x0 < lo[j] ? lo[j] : (x0 > hi[j] ? hi[j] : x0);
        float e = (xi - c.sa * x0) / c.sb;
        float nx = c.c_x0 * x0 + c.c_eps * e + c.c_x * xi;
        if (z) nx += c.sigma * z[i];
        x[i] = nx;
    }
}

static void cuda_sampler_step(const dl2o_backend *be, int rows, int n, dl2o_step_coefs c,
                              const float *lo, const float *hi, const float *eps, const float *z,
                              float *x)
{
    op_guard g(be);
    size_t total = (size_t)rows * (size_t)n;
    LAUNCH(g.c, total, k_sampler_step, total, n, c, lo, hi, eps, z, x);
}

__global__ void k_adam(size_t n, float *p, const float *g, float *m, float *v, float lr,
                       float beta1, float beta2, float eps, float c1, float c2)
{
    GRID_STRIDE(i, n)
    {
        float mi = beta1 * m[i] + (1.0f - beta1) * g[i];
        float vi = beta2 * v[i] + (1.0f - beta2) * g[i] * g[i];
        m[i] = mi, v[i] = vi;
        p[i] -= lr * (mi / c1) / (sqrtf(vi / c2) + eps);
    }
}

static void cuda_adam(const dl2o_backend *be, size_t n, float *p, const float *g, float *m,
                      float *v, float lr, float beta1, float beta2, float eps, int step)
{
    op_guard gd(be);
    /* the bias corrections exactly as the CPU computes them */
    float c1 = 1.0f - powf(beta1, (float)step), c2 = 1.0f - powf(beta2, (float)step);
    LAUNCH(gd.c, n, k_adam, n, p, g, m, v, lr, beta1, beta2, eps, c1, c2);
}

/* splitmix64 finalizer: spreads (seed, stream) over the Philox key. */
static unsigned long long mix64(unsigned long long z)
{
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Thread k writes out[4k .. 4k+3] from Philox counter (index, k): the values
 * depend on (seed, stream, index, position) only, not on the launch shape. */
__global__ void k_normal(size_t n, unsigned long long key, unsigned long long index, float *out)
{
    size_t quads = (n + 3) / 4;
    GRID_STRIDE(k, quads)
    {
        curandStatePhilox4_32_10_t st;
        curand_init(key, index, 4ull * k, &st);
        float4 v = curand_normal4(&st);
        size_t at = 4 * k;
        out[at] = v.x;
        if (at + 1 < n) out[at + 1] = v.y;
        if (at + 2 < n) out[at + 2] = v.z;
        if (at + 3 < n) out[at + 3] = v.w;
    }
}

static void cuda_normal(const dl2o_backend *be, size_t n, uint64_t seed, uint64_t stream,
                        uint64_t index, float *out)
{
    op_guard g(be);
    unsigned long long key = mix64(mix64(seed) ^ stream);
    size_t quads = (n + 3) / 4;
    LAUNCH(g.c, quads, k_normal, n, key, (unsigned long long)index, out);
}

/* --------------------------------------------------------------- lifecycle */

static const dl2o_backend cuda_ops = {
    .name = "cuda",
    .ctx = NULL,
    .alloc = cuda_alloc,
    .free = cuda_free,
    .upload = cuda_upload,
    .download = cuda_download,
    .copy = cuda_copy,
    .zero = cuda_zero,
    .sync = cuda_sync,
    .gemm = cuda_gemm,
    .add_bias = cuda_add_bias,
    .bias_grad = cuda_bias_grad,
    .silu = cuda_silu,
    .silu_backward = cuda_silu_backward,
    .axpy = cuda_axpy,
    .scale = cuda_scale,
    .pack_input = cuda_pack_input,
    .q_sample = cuda_q_sample,
    .predict_x0 = cuda_predict_x0,
    .scale_rows = cuda_scale_rows,
    .sampler_step = cuda_sampler_step,
    .adam = cuda_adam,
    .normal = cuda_normal,
};

extern "C" int dl2o_cuda_device_count(char *why, size_t why_size)
{
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
        (void)cudaGetLastError();
        int drv = 0, rt = 0;
        cudaDriverGetVersion(&drv);
        cudaRuntimeGetVersion(&rt);
        if (!why || !why_size) return 0;
        if (drv == 0)
            snprintf(why, why_size, "no NVIDIA driver found (%s)", cudaGetErrorString(e));
        else if (e == cudaErrorInsufficientDriver)
            snprintf(why, why_size, "the NVIDIA driver supports CUDA %d.%d, this build needs %d.%d",
                     drv / 1000, drv % 1000 / 10, rt / 1000, rt % 1000 / 10);
        else
            snprintf(why, why_size, "%s (%s)", cudaGetErrorString(e), cudaGetErrorName(e));
        return 0;
    }
    if (n == 0 && why && why_size) snprintf(why, why_size, "no CUDA device found");
    return n;
}

extern "C" void dl2o_backend_cuda_destroy(const dl2o_backend *be)
{
    if (!be) return;
    cuda_ctx *c = ctx_of(be);
    if (cudaSetDevice(c->device) == cudaSuccess) {
        if (c->stream) cudaStreamSynchronize(c->stream);
        if (c->blas) cublasDestroy(c->blas);
        if (c->stream) cudaStreamDestroy(c->stream);
    }
    (void)cudaGetLastError();
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* Builds an instance; on failure writes the reason to why and returns its status. */
static dl2o_status create(int device, cuda_ctx **out, char *why, size_t why_size)
{
    *out = NULL;
    char reason[256] = "";
    int count = dl2o_cuda_device_count(reason, sizeof reason);
    if (device < 0 || device >= count) {
        if (count > 0) snprintf(reason, sizeof reason, "device %d requested, %d present", device, count);
        snprintf(why, why_size, "%s", reason);
        return DL2O_EDEVICE;
    }
    cuda_ctx *c = (cuda_ctx *)calloc(1, sizeof *c);
    if (!c) {
        snprintf(why, why_size, "out of host memory for the CUDA backend");
        return DL2O_ENOMEM;
    }
    c->be = cuda_ops;
    c->be.ctx = c;
    c->device = device;
    pthread_mutex_init(&c->lock, NULL);
    cudaDeviceProp prop;
    if (CU(c, cudaSetDevice(device)) && CU(c, cudaGetDeviceProperties(&prop, device)) &&
        CU(c, cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking)) &&
        BLAS(c, cublasCreate(&c->blas)) && BLAS(c, cublasSetStream(c->blas, c->stream))) {
        const char *tf32 = getenv("DL2O_CUDA_TF32");
        int use_tf32 = tf32 && tf32[0] == '1';
        if (use_tf32) BLAS(c, cublasSetMathMode(c->blas, CUBLAS_TF32_TENSOR_OP_MATH));
        snprintf(c->desc, sizeof c->desc, "%.96s, sm_%d%d, %.1f GiB, device %d%s", prop.name,
                 prop.major, prop.minor, prop.totalGlobalMem / 1073741824.0, device,
                 use_tf32 ? ", TF32 GEMMs" : "");
    }
    if (c->err != DL2O_OK) {
        dl2o_status st = c->err;
        snprintf(why, why_size, "%s", c->err_msg);
        dl2o_backend_cuda_destroy(&c->be);
        return st;
    }
    *out = c;
    return DL2O_OK;
}

extern "C" dl2o_status dl2o_backend_cuda_create(int device, const dl2o_backend **out)
{
    char why[DL2O_ERRMSG_MAX - 64];
    cuda_ctx *c;
    dl2o_status st = create(device, &c, why, sizeof why);
    *out = c ? &c->be : NULL;
    if (st != DL2O_OK) return DL2O_FAIL(st, "no usable CUDA device: %s", why);
    return DL2O_OK;
}

static pthread_once_t shared_once = PTHREAD_ONCE_INIT;
static cuda_ctx *shared_ctx;
static dl2o_status shared_status;
static char shared_why[DL2O_ERRMSG_MAX - 64];

static void shared_init(void)
{
    shared_status = create(0, &shared_ctx, shared_why, sizeof shared_why);
}

extern "C" dl2o_status dl2o_backend_cuda_shared(const dl2o_backend **out, char *why,
                                                size_t why_size)
{
    pthread_once(&shared_once, shared_init);
    *out = shared_ctx ? &shared_ctx->be : NULL;
    if (shared_status != DL2O_OK && why && why_size) snprintf(why, why_size, "%s", shared_why);
    return shared_status;
}

extern "C" void dl2o_backend_cuda_describe(const dl2o_backend *be, char *buf, size_t size)
{
    if (size) snprintf(buf, size, "%s", be ? ctx_of(be)->desc : "");
}
