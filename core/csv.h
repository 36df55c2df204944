/* csv.h — strict reader for numeric CSV (theta files).
 * One row per line, comma-separated numbers, no header; lines starting with
 * '#' and blank lines are skipped. Every row must have the same number of
 * columns (expect_cols when non-zero). Non-numeric fields, NaN/Inf, ragged
 * rows and lines over DL2O_CSV_LINE_MAX bytes are errors naming the line. */
#ifndef DL2O_CSV_H
#define DL2O_CSV_H

#include <stddef.h>

#include "dl2o.h"

#define DL2O_CSV_LINE_MAX (1u << 20)

/* *data (rows, cols) is malloc'd; the caller frees it. */
dl2o_status dl2o_csv_read(const char *path, size_t expect_cols, double **data, size_t *rows,
                          size_t *cols);

#endif
