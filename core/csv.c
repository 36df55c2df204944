#include "csv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* Parses one line into a growing array; returns the field count or -1. */
static long parse_line(const char *path, size_t lineno, char *line, double **data, size_t *len,
                       size_t *cap, dl2o_status *st)
{
    long fields = 0;
    char *p = line;
    for (;;) {
        char *end;
        while (*p == ' ' || *p == '\t') p++;
        errno = 0;
        double v = strtod(p, &end);
        char *q = end;
        while (*q == ' ' || *q == '\t' || *q == '\r') q++;
        if (end == p || (*q != ',' && *q != '\0')) {
            *st = DL2O_FAIL(DL2O_EFORMAT, "%s:%zu: field %ld is not a number", path, lineno,
                            fields + 1);
            return -1;
        }
        if (!isfinite(v)) {
            *st = DL2O_FAIL(DL2O_ENONFINITE, "%s:%zu: field %ld is NaN or Inf", path, lineno,
                            fields + 1);
            return -1;
        }
        if (*len == *cap) {
            size_t ncap = *cap ? 2 * *cap : 1024;
            double *nd = realloc(*data, ncap * sizeof *nd);
            if (!nd) {
                *st = DL2O_FAIL(DL2O_ENOMEM, "%s:%zu: out of memory", path, lineno);
                return -1;
            }
            *data = nd;
            *cap = ncap;
        }
        (*data)[(*len)++] = v;
        fields++;
        if (*q == '\0') return fields;
        p = q + 1;
    }
}

/* Reads one line into line (NUL-terminated, without its '\n'): returns its
 * length, -1 at the end of the file, or max + 1 when the line holds more
 * than max bytes (the rest of it is left unread). *nul is set when the line
 * holds a NUL byte. (fgets hid a NUL in a final line without a newline: it
 * cut the line there silently; found by fuzzing.) */
static long next_line(FILE *fp, char *line, size_t max, int *nul)
{
    size_t n = 0;
    int c;
    *nul = 0;
    while ((c = getc(fp)) != EOF && c != '\n') {
        if (n == max) return (long)max + 1;
        if (c == '\0') *nul = 1;
        line[n++] = (char)c;
    }
    if (c == EOF && n == 0) return -1;
    line[n] = '\0';
    return (long)n;
}

dl2o_status dl2o_csv_read(const char *path, size_t expect_cols, double **data, size_t *rows,
                          size_t *cols)
{
    dl2o_status st = DL2O_OK;
    if (!path || !data || !rows || !cols) return DL2O_FAIL(DL2O_EINVAL, "dl2o_csv_read: NULL argument");
    *data = NULL;
    *rows = *cols = 0;
    double *buf = NULL;
    size_t len = 0, cap = 0, nrows = 0, ncols = expect_cols;
    char *line = malloc(DL2O_CSV_LINE_MAX + 2);
    FILE *fp = fopen(path, "r");
    if (!line) {
        st = DL2O_FAIL(DL2O_ENOMEM, "out of memory reading %s", path);
        goto out;
    }
    if (!fp) {
        st = DL2O_FAIL(DL2O_EIO, "cannot open %s: %s", path, strerror(errno));
        goto out;
    }
    size_t lineno = 0;
    long got;
    int nul;
    while ((got = next_line(fp, line, DL2O_CSV_LINE_MAX, &nul)) >= 0) {
        lineno++;
        size_t l = (size_t)got;
        if (l > DL2O_CSV_LINE_MAX) {
            st = DL2O_FAIL(DL2O_EFORMAT, "%s:%zu: line longer than %u bytes", path, lineno,
                           DL2O_CSV_LINE_MAX);
            goto out;
        }
        if (nul) {
            st = DL2O_FAIL(DL2O_EFORMAT, "%s:%zu: NUL byte in line", path, lineno);
            goto out;
        }
        while (l > 0 && line[l - 1] == '\r') line[--l] = '\0';
        char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        if (*p == '\0' || *p == '#') continue;
        long f = parse_line(path, lineno, p, &buf, &len, &cap, &st);
        if (f < 0) goto out;
        if (ncols == 0) ncols = (size_t)f;
        if ((size_t)f != ncols) {
            st = DL2O_FAIL(DL2O_EFORMAT, "%s:%zu: %ld columns, expected %zu", path, lineno, f,
                           ncols);
            goto out;
        }
        nrows++;
    }
    if (ferror(fp)) {
        st = DL2O_FAIL(DL2O_EIO, "error reading %s", path);
        goto out;
    }
    if (nrows == 0) {
        st = DL2O_FAIL(DL2O_EFORMAT, "%s: no data rows", path);
        goto out;
    }
    *data = buf;
    *rows = nrows;
    *cols = ncols;
    buf = NULL;
out:
    if (fp) fclose(fp);
    free(line);
    free(buf);
    return st;
}
