#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int dl2o_test_failures = 0;

int dl2o_test_close(double a, double b, double atol, double rtol)
{
    return fabs(a - b) <= atol + rtol * fabs(b);
}

const char *dl2o_test_tmpdir(const char *name)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/test-tmp/%s", DL2O_BINARY_DIR, name);
    char cmd[2 * sizeof path + 64];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", path, path);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot create %s\n", path);
        exit(1);
    }
    return path;
}

int dl2o_test_finish(const char *name)
{
    if (dl2o_test_failures) {
        fprintf(stderr, "%s: %d check(s) failed\n", name, dl2o_test_failures);
        return 1;
    }
    printf("%s: all checks passed\n", name);
    return 0;
}
