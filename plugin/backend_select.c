/* backend_select.c — maps a device request to a compute backend. */
#include "backend.h"
#include "common.h"

dl2o_status dl2o_backend_select(dl2o_device device, const dl2o_backend **out)
{
    switch (device) {
    case DL2O_DEVICE_AUTO:
    case DL2O_DEVICE_CPU: *out = &dl2o_backend_cpu; return DL2O_OK;
    case DL2O_DEVICE_CUDA:
        *out = NULL;
        return DL2O_FAIL(DL2O_EDEVICE,
                         "device 'cuda' requested, but this build has no CUDA backend; use "
                         "--device cpu or auto");
    }
    *out = NULL;
    return DL2O_FAIL(DL2O_EINVAL, "unknown device %d; use auto, cpu or cuda", (int)device);
}
