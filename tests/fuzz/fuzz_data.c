/* fuzz_data.c — libFuzzer target for training data files ("dl2o-data" v1).
 *
 * dl2o_dataset_load must either succeed, with arrays of the sizes its
 * attributes give and only finite values, or fail with a status, a message
 * and a zeroed data set.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "data_io.h"
#include "dl2o.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file_write(data, size);
    dl2o_dataset d;
    dl2o_status st = dl2o_dataset_load(path, &d);
    if (st != DL2O_OK) {
        if (!dl2o_last_error()[0] || d.buf || d.n) {
            fprintf(stderr, "failed load without a message or with a non-empty data set\n");
            abort();
        }
        return 0;
    }
    /* Touch every value: ASan checks the sizes, the loop checks finiteness. */
    size_t total = (size_t)d.n * ((size_t)d.dim_theta + (size_t)d.dim_x + 1);
    for (size_t i = 0; i < total; i++)
        if (!isfinite(d.buf[i])) abort();
    if (d.theta != d.buf || d.f != d.x + (size_t)d.n * (size_t)d.dim_x) abort();
    dl2o_dataset_free(&d);
    return 0;
}
