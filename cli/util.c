/* util.c — option parsing, error reporting and atomic output for the CLI. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "csv.h"

void cli_usage(FILE *fp, const char *cmd, const char *usage, const cli_opt *opts, int n_opts)
{
    fprintf(fp, "usage: dl2o %s %s\n\noptions:\n", cmd, usage);
    for (int i = 0; i < n_opts; i++) {
        const char *arg = opts[i].kind == CLI_FLAG ? "" : opts[i].kind == CLI_STR ? " VALUE" : " N";
        char left[64];
        snprintf(left, sizeof left, "--%s%s", opts[i].name, arg);
        fprintf(fp, "  %-24s %s\n", left, opts[i].help);
    }
    fprintf(fp, "  %-24s %s\n", "--help", "show this help");
}

static int parse_value(const cli_opt *o, const char *v)
{
    char *end;
    errno = 0;
    switch (o->kind) {
    case CLI_STR: *(const char **)o->dst = v; return 0;
    case CLI_UINT: {
        if (*v == '-') return -1;
        unsigned long x = strtoul(v, &end, 10);
        if (errno || end == v || *end || x > 0xFFFFFFFFul) return -1;
        *(unsigned *)o->dst = (unsigned)x;
        return 0;
    }
    case CLI_U64: {
        if (*v == '-') return -1;
        unsigned long long x = strtoull(v, &end, 10);
        if (errno || end == v || *end) return -1;
        *(uint64_t *)o->dst = (uint64_t)x;
        return 0;
    }
    case CLI_DOUBLE: {
        double x = strtod(v, &end);
        if (errno || end == v || *end) return -1;
        *(double *)o->dst = x;
        return 0;
    }
    case CLI_FLAG: return -1;
    }
    return -1;
}

int cli_parse(const char *cmd, const char *usage, int argc, char **argv, const cli_opt *opts,
              int n_opts, const char **pos, int max_pos, int *n_pos)
{
    *n_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            cli_usage(stdout, cmd, usage, opts, n_opts);
            return 1;
        }
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            if (*n_pos >= max_pos) {
                fprintf(stderr, "dl2o %s: unexpected argument '%s' (see --help)\n", cmd, a);
                return -1;
            }
            pos[(*n_pos)++] = a;
            continue;
        }
        const cli_opt *o = NULL;
        for (int k = 0; k < n_opts; k++)
            if (!strcmp(a + 2, opts[k].name)) o = &opts[k];
        if (!o) {
            fprintf(stderr, "dl2o %s: unknown option '%s' (see --help)\n", cmd, a);
            return -1;
        }
        if (o->kind == CLI_FLAG) {
            *(int *)o->dst = 1;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "dl2o %s: option '%s' needs a value\n", cmd, a);
            return -1;
        }
        if (parse_value(o, argv[++i]) != 0) {
            fprintf(stderr, "dl2o %s: bad value '%s' for %s\n", cmd, argv[i], a);
            return -1;
        }
    }
    return 0;
}

int cli_fail(const char *cmd, const char *what, dl2o_status st)
{
    const char *msg = dl2o_last_error();
    fprintf(stderr, "dl2o %s: %s: %s%s%s\n", cmd, what, dl2o_strerror(st), msg[0] ? ": " : "", msg);
    return 1;
}

int cli_parse_device(const char *s, dl2o_device *d)
{
    if (!strcmp(s, "auto")) *d = DL2O_DEVICE_AUTO;
    else if (!strcmp(s, "cpu")) *d = DL2O_DEVICE_CPU;
    else if (!strcmp(s, "cuda")) *d = DL2O_DEVICE_CUDA;
    else return -1;
    return 0;
}

int cli_out_open(cli_out *o, const char *cmd, const char *path)
{
    memset(o, 0, sizeof *o);
    if (!path || !strcmp(path, "-")) {
        o->fp = stdout;
        return 0;
    }
    if (strlen(path) >= sizeof o->final_path) {
        fprintf(stderr, "dl2o %s: output path too long\n", cmd);
        return -1;
    }
    snprintf(o->final_path, sizeof o->final_path, "%s", path);
    snprintf(o->tmp_path, sizeof o->tmp_path, "%s.tmp.%ld", path, (long)getpid());
    o->fp = fopen(o->tmp_path, "w");
    if (!o->fp) {
        fprintf(stderr, "dl2o %s: cannot write %s: %s\n", cmd, path, strerror(errno));
        return -1;
    }
    return 0;
}

int cli_out_close(cli_out *o, const char *cmd, int ok)
{
    if (!o->fp) return ok ? 0 : -1;
    if (o->fp == stdout) {
        o->fp = NULL;
        return fflush(stdout) == 0 && ok ? 0 : -1;
    }
    int bad = ferror(o->fp);
    bad |= fclose(o->fp) != 0;
    o->fp = NULL;
    if (ok && !bad && rename(o->tmp_path, o->final_path) == 0) return 0;
    if (ok) fprintf(stderr, "dl2o %s: cannot write %s: %s\n", cmd, o->final_path, strerror(errno));
    remove(o->tmp_path);
    return -1;
}

int cli_read_thetas(const char *cmd, const char *path, unsigned dim_theta, double **rows,
                    size_t *n_rows)
{
    size_t cols = 0;
    dl2o_status st = dl2o_csv_read(path, dim_theta, rows, n_rows, &cols);
    if (st != DL2O_OK) {
        cli_fail(cmd, "cannot read the theta file", st);
        return -1;
    }
    return 0;
}
