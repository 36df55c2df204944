/* bench.h — `dl2o bench`: methods at equal evaluation budgets on held-out
 * instances (DESIGN.md, Benchmark protocol). */
#ifndef DL2O_CLI_BENCH_H
#define DL2O_CLI_BENCH_H

#include <nlopt.h>
#include <stdint.h>
#include <stdio.h>

#include "dl2o.h"

/* One held-out instance, as every method sees it. */
typedef struct bench_instance {
    const dl2o_family *family;
    const double *theta;
    unsigned n;
    uint64_t seed, index;      /* for each method's own random stream */
} bench_instance;

typedef struct bench_setup {
    nlopt_algorithm local;     /* the local solver of every method */
    dl2o_initializer *init;
    unsigned starts;           /* dl2o multistart runs; 0: budget / 50 in [4, 32] */
    unsigned max_count;        /* cap on K for the sampler-alone method */
} bench_setup;

/* Runs one method on one instance within `budget` evaluations: returns the
 * best f it evaluated (NaN when it could not run) and the evaluations it
 * spent in *evals. Every method is charged for every call of f. */
typedef double (*bench_method_fn)(const bench_setup *s, const bench_instance *in, long budget,
                                  long *evals);

typedef struct bench_method {
    const char *name;
    bench_method_fn run;
} bench_method;

extern const bench_method dl2o_bench_methods[];
extern const int dl2o_bench_method_count;

/* Cold and warm LD_LBFGS-style runs to f* + 1e-6 (1 + |f*|): evaluations
 * used when the target was first reached, or -1. */
long dl2o_bench_evals_to_target(const bench_setup *s, const bench_instance *in, double fstar,
                                int warm, long maxeval);

/* ---- reports ---- */
typedef struct bench_cell {
    double mean_f, mean_gap, success, mean_evals, seconds;
    int count; /* instances the method could run */
} bench_cell;

typedef struct bench_table {
    const char *family, *weights, *solver;
    unsigned instances;
    uint64_t seed;
    int n_budgets;
    const long *budgets;
    double mean_fstar;
    bench_cell *cells; /* (methods, budgets) */
    int lasso;         /* the LASSO target columns below are filled */
    double median_cold, median_warm;
    int reached_cold, reached_warm;
} bench_table;

void dl2o_bench_markdown(FILE *fp, const bench_table *t);
void dl2o_bench_json(FILE *fp, const bench_table *t);
void dl2o_bench_svg(FILE *fp, const bench_table *t);

#endif
