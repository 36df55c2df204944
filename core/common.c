#include "common.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static _Thread_local char last_error[DL2O_ERRMSG_MAX];

dl2o_status dl2o_fail(dl2o_status status, const char *file, int line, const char *fmt, ...)
{
    /* The message first, then the location, each cut to fit. */
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    if (len < 0) len = 0;
    size_t used = (size_t)len < sizeof last_error ? (size_t)len : sizeof last_error - 1;
    const char *base = strrchr(file, '/');
    snprintf(last_error + used, sizeof last_error - used, " (%s:%d)", base ? base + 1 : file, line);
    return status;
}

const char *dl2o_last_error(void) { return last_error; }

void dl2o_copy_last_error(char *buf, size_t size)
{
    if (size == 0) return;
    snprintf(buf, size, "%s", last_error);
}

void dl2o_clear_error(void) { last_error[0] = '\0'; }

void *dl2o_calloc(size_t count, size_t size)
{
    if (count == 0 || size == 0) return calloc(1, 1);
    if (count > SIZE_MAX / size) return NULL;
    return calloc(count, size);
}

void *dl2o_xcalloc(size_t count, size_t size, const char *what)
{
    void *p = dl2o_calloc(count, size);
    if (!p)
        DL2O_FAIL(DL2O_ENOMEM, "out of memory allocating %s (%zu x %zu bytes); reduce the sizes",
                  what, count, size);
    return p;
}

double dl2o_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int dl2o_all_finite(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i])) return 0;
    return 1;
}

const char *dl2o_version(void) { return DL2O_VERSION; }

const char *dl2o_strerror(dl2o_status status)
{
    switch (status) {
    case DL2O_OK: return "success";
    case DL2O_EINVAL: return "invalid argument";
    case DL2O_ENOMEM: return "out of memory";
    case DL2O_EIO: return "input/output error";
    case DL2O_EFORMAT: return "malformed or unsupported file";
    case DL2O_EDIM: return "dimension mismatch";
    case DL2O_ENONFINITE: return "non-finite value";
    case DL2O_EDEVICE: return "device not available";
    case DL2O_EINTERRUPTED: return "interrupted";
    case DL2O_ESOLVER: return "solver failure";
    case DL2O_EUNSUPPORTED: return "not supported by this build";
    }
    return "unknown status";
}
