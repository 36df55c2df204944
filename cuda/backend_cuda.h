/* backend_cuda.h — the CUDA backend behind core/backend.h (C linkage).
 *
 * One backend instance owns one CUDA stream and one cuBLAS handle on one
 * device; every op of the instance is queued on that stream in call order.
 * Ops may be called from several threads: each op takes the instance's lock
 * while it queues work, so they serialize on the one stream. An error (a
 * failed CUDA/cuBLAS call, a failed launch, a fault inside a kernel) is kept
 * as the instance's first error and reported by the next sync(), with the
 * failing call, its error string and file:line in dl2o_last_error().
 *
 * Noise: normal() draws from cuRAND's Philox4x32-10 keyed by (seed, stream)
 * with `index` as the subsequence. It is reproducible on any GPU, but it is
 * not the CPU backend's xoshiro stream: the same seed gives other noise on
 * the CPU and the GPU. Parity tests hand both backends the same noise.
 *
 * Precision: float32 throughout; cuBLAS runs in plain FP32 unless the
 * environment sets DL2O_CUDA_TF32=1 (TF32 tensor cores: faster, about 1e-3
 * relative error in GEMMs). */
#ifndef DL2O_BACKEND_CUDA_H
#define DL2O_BACKEND_CUDA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "backend.h"

/* Usable CUDA devices, or 0 with the reason written to why (when not NULL). */
int dl2o_cuda_device_count(char *why, size_t why_size);

/* A new backend on `device` (0-based). On failure *out is NULL and the
 * reason is in dl2o_last_error(). Free it with dl2o_backend_cuda_destroy. */
dl2o_status dl2o_backend_cuda_create(int device, const dl2o_backend **out);
void dl2o_backend_cuda_destroy(const dl2o_backend *be);

/* The process-wide backend on device 0, made on first use (thread-safe) and
 * kept until the process exits. On failure *out is NULL and the reason is
 * written to why (when not NULL); dl2o_last_error() is left alone, so
 * callers that fall back to the CPU leave no stale message. */
dl2o_status dl2o_backend_cuda_shared(const dl2o_backend **out, char *why, size_t why_size);

/* "NVIDIA H200, sm_90, 139.8 GiB, device 0" for a CUDA backend, into buf. */
void dl2o_backend_cuda_describe(const dl2o_backend *be, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
