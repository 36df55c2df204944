/* testutil.h — tiny check macros. A failed CHECK reports file:line and the
 * test exits non-zero at the end; exit code 77 means "skipped" to CTest. */
#ifndef DL2O_TESTUTIL_H
#define DL2O_TESTUTIL_H

#include <stdio.h>

extern int dl2o_test_failures;

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);     \
            dl2o_test_failures++;                                                        \
        }                                                                                \
    } while (0)

#define CHECK_MSG(cond, ...)                                                             \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond);     \
            fprintf(stderr, __VA_ARGS__);                                                \
            fputc('\n', stderr);                                                         \
            dl2o_test_failures++;                                                        \
        }                                                                                \
    } while (0)

/* Relative closeness: |a - b| <= atol + rtol |b|. */
int dl2o_test_close(double a, double b, double atol, double rtol);
/* A fresh scratch directory under the build tree for this test. */
const char *dl2o_test_tmpdir(const char *name);
/* Prints a summary and returns the process exit code. */
int dl2o_test_finish(const char *name);

#endif
