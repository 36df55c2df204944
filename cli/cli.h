/* cli.h — subcommands of the dl2o command and their shared helpers. */
#ifndef DL2O_CLI_H
#define DL2O_CLI_H

#include <stdio.h>

#include "dl2o.h"

int dl2o_cmd_train(int argc, char **argv);
int dl2o_cmd_info(int argc, char **argv);
int dl2o_cmd_sample(int argc, char **argv);
int dl2o_cmd_solve(int argc, char **argv);
int dl2o_cmd_demo(int argc, char **argv);
int dl2o_cmd_bench(int argc, char **argv);

/* ---- options: --name value pairs and flags, one table per command ---- */
typedef enum { CLI_STR, CLI_UINT, CLI_U64, CLI_DOUBLE, CLI_FLAG } cli_kind;
typedef struct cli_opt {
    const char *name; /* without the leading "--" */
    cli_kind kind;
    void *dst;        /* const char **, unsigned *, uint64_t *, double *, int * */
    const char *help;
} cli_opt;

/* Parses argv[1..]; positional arguments go to pos (at most max_pos).
 * Returns 0 to go on, 1 when --help was printed, -1 after printing an error. */
int cli_parse(const char *cmd, const char *usage, int argc, char **argv, const cli_opt *opts,
              int n_opts, const char **pos, int max_pos, int *n_pos);
void cli_usage(FILE *fp, const char *cmd, const char *usage, const cli_opt *opts, int n_opts);
/* Prints "dl2o CMD: what: <last error>" to stderr; returns exit status 1. */
int cli_fail(const char *cmd, const char *what, dl2o_status st);
int cli_parse_device(const char *s, dl2o_device *d);

/* ---- output files: written under a temporary name, renamed on success ---- */
typedef struct cli_out {
    FILE *fp;
    char final_path[4096], tmp_path[4200];
} cli_out;
/* path NULL or "-" writes to stdout. */
int cli_out_open(cli_out *o, const char *cmd, const char *path);
/* Closes; renames into place when ok, removes the temporary otherwise. */
int cli_out_close(cli_out *o, const char *cmd, int ok);

/* Reads a theta CSV for a model's family; rows (rows, dim_theta). */
int cli_read_thetas(const char *cmd, const char *path, unsigned dim_theta, double **rows,
                    size_t *n_rows);

/* ---- a loaded model plus the theta rows of a standard family ---- */
typedef struct cli_session {
    dl2o_initializer *init;
    dl2o_family *family;
    double *thetas; /* (rows, p) */
    size_t rows;
    unsigned n, p;
} cli_session;

typedef struct cli_sampling {
    unsigned count, steps;
    uint64_t seed;
    const char *sampler, *device;
} cli_sampling;

/* The sampling options sample and solve share, as rows of an option table:
 * steps, sampler, seed, device. */
#define CLI_SAMPLING_OPTS(sp)                                                            \
    {"steps", CLI_UINT, &(sp).steps, "DDIM steps (10)"},                                 \
    {"sampler", CLI_STR, &(sp).sampler, "ddim or ancestral (ddim)"},                     \
    {"seed", CLI_U64, &(sp).seed, "noise seed (0)"},                                     \
    {"device", CLI_STR, &(sp).device, "auto, cpu or cuda (auto)"}
#define CLI_SAMPLING_DEFAULTS {.count = 64, .steps = 10, .seed = 0, .sampler = "ddim", .device = "auto"}

/* Loads weights, applies the sampling settings, reads the theta CSV and
 * rebuilds the model's family. Returns 0, or 1 after printing an error. */
int cli_session_open(cli_session *s, const char *cmd, const char *weights, const char *theta_path,
                     const cli_sampling *opt);
void cli_session_close(cli_session *s);
/* ---- bridge solvers for `dl2o solve --solver nlopt:ALG | gsl:ALG` ---- */
typedef struct cli_solve_opts {
    const char *solver;  /* "none", "nlopt:ALG" or "gsl:ALG" */
    const char *mode;    /* nlopt: "warmstart" or "multistart" */
    unsigned starts;     /* local runs in multistart */
    unsigned maxeval;    /* total evaluations per instance, all included; 0: none */
} cli_solve_opts;

/* Solve instance i of the session: x (n) and *f out, *evals the true total
 * spent (probes, candidates and solver). Return 0, or -1 after printing an
 * error. alg is the text after "nlopt:" / "gsl:". */
int cli_solve_nlopt(cli_session *s, const char *alg, const cli_solve_opts *o, size_t i, double *x,
                    double *f, unsigned *evals);
int cli_solve_gsl(cli_session *s, const char *alg, const cli_solve_opts *o, size_t i, double *x,
                  double *f, unsigned *evals);

/* Writes "%.17g" values joined by commas (after a leading comma). */
void cli_print_vec(FILE *fp, const double *v, unsigned n);

#endif
