/* fuzz_csv.c — libFuzzer target for the theta CSV reader (core/csv.c).
 *
 * The input is the file. It is read with expect_cols = 0 (columns taken
 * from the first row); when that succeeds it is read again expecting that
 * column count (must give the same table) and one more (must fail). Every
 * value returned must be finite and the table exactly rows x cols; a file
 * holding a NUL byte must fail.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "dl2o.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file_write(data, size);
    double *v = NULL, *w = NULL;
    size_t rows = 0, cols = 0, rows2 = 0, cols2 = 0;
    dl2o_status st = dl2o_csv_read(path, 0, &v, &rows, &cols);
    /* A NUL byte anywhere (even in a comment or a last line without a
     * newline) is an error, never a silently shortened line. */
    if (st == DL2O_OK && memchr(data, 0, size)) abort();
    if (st != DL2O_OK) {
        if (v || rows || cols || !dl2o_last_error()[0]) abort();
        return 0;
    }
    if (!v || rows < 1 || cols < 1) abort();
    for (size_t i = 0; i < rows * cols; i++)
        if (!isfinite(v[i])) abort();
    if (dl2o_csv_read(path, cols, &w, &rows2, &cols2) != DL2O_OK || rows2 != rows ||
        cols2 != cols || memcmp(v, w, rows * cols * sizeof *v) != 0)
        abort();
    free(w);
    w = NULL;
    if (dl2o_csv_read(path, cols + 1, &w, &rows2, &cols2) == DL2O_OK || w) abort();
    free(v);
    return 0;
}
