/* common.h — error reporting, allocation and timing shared by every layer.
 *
 * Every failure goes through dl2o_fail(), which records a thread-local
 * message with the source location and returns the status, so a function's
 * single cleanup path can read: `st = DL2O_FAIL(DL2O_EINVAL, "..."); goto out;`.
 */
#ifndef DL2O_COMMON_H
#define DL2O_COMMON_H

#include <stddef.h>
#include <stdio.h>

#include "dl2o.h"

#define DL2O_ERRMSG_MAX 512

#if defined(__GNUC__)
#define DL2O_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define DL2O_PRINTF(a, b)
#endif

/* Records "msg (file:line)" as the thread's last error; returns status. */
dl2o_status dl2o_fail(dl2o_status status, const char *file, int line, const char *fmt, ...)
    DL2O_PRINTF(4, 5);
#define DL2O_FAIL(status, ...) dl2o_fail((status), __FILE__, __LINE__, __VA_ARGS__)

/* Copies the thread's last error into buf (a handle's own message). */
void dl2o_copy_last_error(char *buf, size_t size);
void dl2o_clear_error(void);

/* Calls that return dl2o_status: jump to `out` with st set on failure. */
#define DL2O_TRY(call)                                                                   \
    do {                                                                                 \
        st = (call);                                                                     \
        if (st != DL2O_OK) goto out;                                                     \
    } while (0)

/* calloc that refuses size overflow (count * size) instead of wrapping. */
void *dl2o_calloc(size_t count, size_t size);
/* Like dl2o_calloc, but records an ENOMEM error naming `what`. */
void *dl2o_xcalloc(size_t count, size_t size, const char *what);

/* Seconds from a monotonic clock. */
double dl2o_now(void);

int dl2o_all_finite(const double *v, size_t n);

#endif
