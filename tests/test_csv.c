/* test_csv.c — the strict numeric CSV reader (theta files). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "csv.h"
#include "testutil.h"

static const char *g_dir;

static const char *tmp_path(const char *name)
{
    static char path[4][1200];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, sizeof path[0], "%s/%s", g_dir, name);
    return p;
}

/* Writes len bytes (text may hold NULs). */
static const char *write_bytes(const char *name, const char *text, size_t len)
{
    const char *path = tmp_path(name);
    FILE *fp = fopen(path, "wb");
    if (!fp || fwrite(text, 1, len, fp) != len || fclose(fp) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
    return path;
}

static const char *write_text(const char *name, const char *text)
{
    return write_bytes(name, text, strlen(text));
}

/* Reads a file that must fail with `want`; the message must name the file
 * and, when line > 0, the line as "path:line:". */
static void expect_error(const char *path, size_t expect_cols, dl2o_status want, int line,
                         const char *what)
{
    double *data = (double *)&data; /* a sentinel, not NULL */
    size_t rows = 99, cols = 99;
    dl2o_clear_error();
    dl2o_status st = dl2o_csv_read(path, expect_cols, &data, &rows, &cols);
    CHECK_MSG(st == want, "%s: status %d (%s), expected %d (%s): %s", what, (int)st,
              dl2o_strerror(st), (int)want, dl2o_strerror(want), dl2o_last_error());
    CHECK_MSG(data == NULL && rows == 0 && cols == 0, "%s: outputs not cleared on failure", what);
    if (st == DL2O_OK && data != (double *)&data) free(data);
    const char *msg = dl2o_last_error();
    CHECK_MSG(strstr(msg, path) != NULL, "%s: message does not name the file: %s", what, msg);
    if (line > 0) {
        char loc[1300];
        snprintf(loc, sizeof loc, "%s:%d:", path, line);
        CHECK_MSG(strstr(msg, loc) != NULL, "%s: message does not name line %d: %s", what, line,
                  msg);
    }
}

static void test_good(void)
{
    const char *path = write_text("good.csv", "# thetas, one per line\n"
                                              "1, 2.5 ,-3\n"
                                              "\n"
                                              "   \t \n"
                                              "   # an indented comment\n"
                                              "4e2,\t5,6\r\n"
                                              "  -0.125 , 1e-3,7   "); /* no final newline */
    static const double want[9] = {1, 2.5, -3, 400, 5, 6, -0.125, 1e-3, 7};
    for (size_t expect = 0; expect <= 3; expect += 3) {
        double *data = NULL;
        size_t rows = 0, cols = 0;
        dl2o_status st = dl2o_csv_read(path, expect, &data, &rows, &cols);
        CHECK_MSG(st == DL2O_OK, "good file (expect_cols %zu): %s", expect, dl2o_last_error());
        CHECK_MSG(rows == 3 && cols == 3, "good file: %zu x %zu, expected 3 x 3", rows, cols);
        if (st == DL2O_OK && rows == 3 && cols == 3)
            for (int i = 0; i < 9; i++)
                CHECK_MSG(data[i] == want[i], "good file: value %d = %.17g, expected %.17g", i,
                          data[i], want[i]);
        free(data);
    }
    /* One column, one row; exact round trip of %.17g. */
    path = write_text("one.csv", "0.10000000000000001\n");
    double *data = NULL;
    size_t rows = 0, cols = 0;
    CHECK(dl2o_csv_read(path, 1, &data, &rows, &cols) == DL2O_OK && rows == 1 && cols == 1);
    if (data) CHECK(data[0] == 0.1);
    free(data);
    /* Many rows: the buffer grows past its first allocation. */
    size_t n = 3000, len = 0;
    char *big = malloc(n * 32);
    for (size_t i = 0; i < n; i++) len += (size_t)sprintf(big + len, "%zu,%zu.5,-%zu\n", i, i, i);
    path = write_bytes("many.csv", big, len);
    free(big);
    data = NULL;
    CHECK(dl2o_csv_read(path, 3, &data, &rows, &cols) == DL2O_OK && rows == n && cols == 3);
    if (data && rows == n) {
        int bad = 0;
        for (size_t i = 0; i < n; i++)
            bad += data[3 * i] != (double)i || data[3 * i + 1] != i + 0.5 ||
                   data[3 * i + 2] != -(double)i;
        CHECK_MSG(bad == 0, "many rows: %d wrong", bad);
    }
    free(data);
}

/* A line of exactly `content` bytes ("3,4" padded with spaces), between two
 * ordinary lines or at the end of the file. */
static const char *long_line_file(const char *name, size_t content, int at_eof, int newline)
{
    size_t cap = content + 64, len = 0;
    char *buf = malloc(cap);
    if (!buf) exit(1);
    len += (size_t)sprintf(buf, "1,2\n");
    memset(buf + len, ' ', content);
    memcpy(buf + len, "3,4", 3);
    len += content;
    if (newline) buf[len++] = '\n';
    if (!at_eof) len += (size_t)sprintf(buf + len, "5,6\n");
    const char *path = write_bytes(name, buf, len);
    free(buf);
    return path;
}

static void test_line_length(void)
{
    const size_t max = DL2O_CSV_LINE_MAX;
    double *data = NULL;
    size_t rows = 0, cols = 0;
    /* Exactly DL2O_CSV_LINE_MAX bytes is allowed, with or without a newline. */
    const char *path = long_line_file("max-mid.csv", max, 0, 1);
    dl2o_status st = dl2o_csv_read(path, 2, &data, &rows, &cols);
    CHECK_MSG(st == DL2O_OK && rows == 3, "a %zu-byte line before more lines: %s", max,
              dl2o_last_error());
    if (st == DL2O_OK && rows == 3) CHECK(data[2] == 3 && data[3] == 4 && data[5] == 6);
    free(data);
    data = NULL;
    path = long_line_file("max-eof-nl.csv", max, 1, 1);
    st = dl2o_csv_read(path, 2, &data, &rows, &cols);
    CHECK_MSG(st == DL2O_OK && rows == 2, "a final %zu-byte line with newline: %s", max,
              dl2o_last_error());
    free(data);
    data = NULL;
    path = long_line_file("max-eof.csv", max, 1, 0);
    st = dl2o_csv_read(path, 2, &data, &rows, &cols);
    CHECK_MSG(st == DL2O_OK && rows == 2, "a final %zu-byte line without newline: %s", max,
              dl2o_last_error());
    free(data);
    /* One byte more is an error naming the line, wherever the line is. */
    expect_error(long_line_file("over-mid.csv", max + 1, 0, 1), 2, DL2O_EFORMAT, 2,
                 "overlong line");
    CHECK(strstr(dl2o_last_error(), "longer") != NULL);
    expect_error(long_line_file("over-eof.csv", max + 1, 1, 0), 2, DL2O_EFORMAT, 2,
                 "overlong final line");
    expect_error(long_line_file("way-over.csv", 3 * max, 0, 1), 2, DL2O_EFORMAT, 2,
                 "very long line");
}

static void test_errors(void)
{
    const char *good = write_text("good3.csv", "# c\n1,2,3\n4,5,6\n");
    expect_error(good, 4, DL2O_EFORMAT, 2, "3 columns, expect_cols 4");
    expect_error(good, 2, DL2O_EFORMAT, 2, "3 columns, expect_cols 2");
    expect_error(write_text("ragged.csv", "1,2,3\n\n4,5\n"), 0, DL2O_EFORMAT, 3, "short row");
    expect_error(write_text("ragged2.csv", "1,2\n3,4\n# c\n5,6,7\n"), 0, DL2O_EFORMAT, 4,
                 "long row");
    expect_error(write_text("ragged3.csv", "1,2,3\n4,5,6\n7,8\n"), 3, DL2O_EFORMAT, 3,
                 "short row with expect_cols");
    expect_error(write_text("alpha.csv", "1,2\n1,abc\n"), 0, DL2O_EFORMAT, 2, "non-numeric");
    CHECK(strstr(dl2o_last_error(), "not a number") != NULL);
    expect_error(write_text("suffix.csv", "1,2x\n"), 0, DL2O_EFORMAT, 1, "number with suffix");
    expect_error(write_text("dots.csv", "1.2.3,4\n"), 0, DL2O_EFORMAT, 1, "1.2.3");
    expect_error(write_text("space.csv", "1 2,3\n"), 0, DL2O_EFORMAT, 1, "space-separated");
    expect_error(write_text("semicolon.csv", "1;2\n"), 0, DL2O_EFORMAT, 1, "semicolon");
    expect_error(write_text("header.csv", "a,b\n1,2\n"), 0, DL2O_EFORMAT, 1, "header line");
    expect_error(write_text("empty-field.csv", "0,0,0\n1,,2\n"), 0, DL2O_EFORMAT, 2,
                 "empty field");
    expect_error(write_text("trailing-comma.csv", "1,2,\n"), 0, DL2O_EFORMAT, 1,
                 "trailing comma");
    expect_error(write_text("leading-comma.csv", ",1,2\n"), 0, DL2O_EFORMAT, 1, "leading comma");
    expect_error(write_text("blank-field.csv", "1, ,2\n"), 0, DL2O_EFORMAT, 1, "blank field");
    expect_error(write_text("nan.csv", "1,2\n# c\n3,nan\n"), 0, DL2O_ENONFINITE, 3, "nan");
    CHECK(strstr(dl2o_last_error(), "NaN") != NULL);
    expect_error(write_text("nan2.csv", "NAN,1\n"), 0, DL2O_ENONFINITE, 1, "NAN");
    expect_error(write_text("inf.csv", "1,inf\n"), 0, DL2O_ENONFINITE, 1, "inf");
    expect_error(write_text("ninf.csv", "1,2\n-Infinity,3\n"), 0, DL2O_ENONFINITE, 2,
                 "-Infinity");
    expect_error(write_text("huge.csv", "1,1e400\n"), 0, DL2O_ENONFINITE, 1, "1e400 overflows");
    expect_error(write_bytes("nul.csv", "1,2\n3,4\0,5\n", 11), 0, DL2O_EFORMAT, 2, "NUL byte");
    expect_error(tmp_path("does-not-exist.csv"), 0, DL2O_EIO, 0, "missing file");
    expect_error(g_dir, 0, DL2O_EIO, 0, "a directory");
    expect_error(write_text("comments.csv", "# only\n# comments\n\n  \n"), 0, DL2O_EFORMAT, 0,
                 "only comments");
    CHECK(strstr(dl2o_last_error(), "no data") != NULL);
    expect_error(write_text("empty.csv", ""), 0, DL2O_EFORMAT, 0, "empty file");

    double *data = NULL;
    size_t rows, cols;
    dl2o_clear_error();
    CHECK(dl2o_csv_read(NULL, 0, &data, &rows, &cols) == DL2O_EINVAL);
    CHECK(dl2o_last_error()[0] != '\0');
    CHECK(dl2o_csv_read(good, 0, NULL, &rows, &cols) == DL2O_EINVAL);
    CHECK(dl2o_csv_read(good, 0, &data, NULL, &cols) == DL2O_EINVAL);
    CHECK(dl2o_csv_read(good, 0, &data, &rows, NULL) == DL2O_EINVAL);
}

int main(void)
{
    g_dir = dl2o_test_tmpdir("csv");
    test_good();
    test_line_length();
    test_errors();
    return dl2o_test_finish("test_csv");
}
