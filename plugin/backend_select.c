/* backend_select.c — maps a device request to a compute backend.
 *
 * auto: the CUDA backend when this build has it and a GPU is usable (the
 * shared backend could be made: device present, context, stream, cuBLAS),
 * else the CPU. cuda: the CUDA backend or DL2O_EDEVICE with the reason.
 * cpu: the CPU reference. */
#include <stdio.h>

#include "backend.h"
#include "backend_select.h"
#include "common.h"
#ifdef DL2O_HAVE_CUDA
#include "backend_cuda.h"
#endif

/* The GPU backend, or NULL with the reason in why. Leaves last_error alone. */
static const dl2o_backend *usable_gpu(char *why, size_t size)
{
#ifdef DL2O_HAVE_CUDA
    const dl2o_backend *be = NULL;
    if (dl2o_backend_cuda_shared(&be, why, size) == DL2O_OK) return be;
    return NULL;
#else
    snprintf(why, size, "this build has no CUDA backend (configured with DL2O_CUDA=OFF or "
                        "without the CUDA toolkit)");
    return NULL;
#endif
}

static dl2o_status select_backend(dl2o_device device, const dl2o_backend **out, char *why,
                                  size_t size)
{
    *out = NULL;
    why[0] = '\0';
    switch (device) {
    case DL2O_DEVICE_CPU: *out = &dl2o_backend_cpu; return DL2O_OK;
    case DL2O_DEVICE_AUTO:
        *out = usable_gpu(why, size);
        if (!*out) *out = &dl2o_backend_cpu;
        return DL2O_OK;
    case DL2O_DEVICE_CUDA:
        *out = usable_gpu(why, size);
        if (*out) return DL2O_OK;
        return DL2O_FAIL(DL2O_EDEVICE, "--device cuda requested but no usable GPU: %s; use "
                         "--device cpu or auto", why);
    }
    return DL2O_FAIL(DL2O_EINVAL, "unknown device %d; use auto, cpu or cuda", (int)device);
}

dl2o_status dl2o_backend_select(dl2o_device device, const dl2o_backend **out)
{
    char why[DL2O_ERRMSG_MAX];
    return select_backend(device, out, why, sizeof why);
}

dl2o_status dl2o_backend_describe(dl2o_device requested, char *buf, size_t size)
{
    char why[DL2O_ERRMSG_MAX];
    const dl2o_backend *be;
    dl2o_status st = select_backend(requested, &be, why, sizeof why);
    if (!size) return st;
    buf[0] = '\0';
    if (st != DL2O_OK) return st;
#ifdef DL2O_HAVE_CUDA
    if (be != &dl2o_backend_cpu) {
        char desc[200];
        dl2o_backend_cuda_describe(be, desc, sizeof desc);
        snprintf(buf, size, "%s (%s)", be->name, desc);
        return st;
    }
#endif
    if (requested == DL2O_DEVICE_AUTO) snprintf(buf, size, "cpu (no usable GPU: %s)", why);
    else snprintf(buf, size, "cpu");
    return st;
}
