/* cmd_bench.c — `dl2o bench`: every method at each equal total evaluation
 * budget on held-out instances, against best-known optima (DESIGN.md,
 * Benchmark protocol). Probes and candidates count like any evaluation. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cli.h"
#include "common.h"
#include "progress.h"
#include "reference.h"

static const char USAGE[] =
    "--weights FILE.h5 [--instances N] [--seed S] [--budgets 200,1000,5000] "
    "[--solver nlopt:LD_LBFGS] [--json out.json] [--markdown out.md] [--plot out.svg]";

#define BENCH_SEED 1000003 /* held-out theta stream; training defaults to seed 1 */
#define MAX_BUDGETS 16

static int parse_budgets(const char *s, long *b)
{
    int n = 0;
    while (*s && n < MAX_BUDGETS) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v < 1 || v > 10000000) return -1;
        if (n && v <= b[n - 1]) return -1;
        b[n++] = v;
        s = end;
        if (*s == ',') s++;
        else if (*s) return -1;
    }
    return n;
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

static uint64_t cell_seed(uint64_t seed, size_t instance, long budget)
{
    return seed * 0x9E3779B97F4A7C15ull ^ ((uint64_t)instance << 24) ^ (uint64_t)budget;
}

/* Median of the counts that reached the target (-1 = not reached counts as
 * above every reached one). */
static double median_evals(long *v, int n, int *reached)
{
    *reached = 0;
    for (int i = 0; i < n; i++) {
        if (v[i] < 0) v[i] = 1L << 40;
        else (*reached)++;
    }
    qsort(v, (size_t)n, sizeof *v, cmp_long);
    double med = n % 2 ? (double)v[n / 2] : 0.5 * ((double)v[n / 2 - 1] + (double)v[n / 2]);
    return med >= (double)(1L << 40) ? INFINITY : med;
}

static int write_file(const char *cmd, const char *path, const bench_table *t,
                      void (*fn)(FILE *, const bench_table *))
{
    cli_out o;
    if (cli_out_open(&o, cmd, path) != 0) return -1;
    fn(o.fp, t);
    return cli_out_close(&o, cmd, 1);
}

int dl2o_cmd_bench(int argc, char **argv)
{
    const char *weights = NULL, *budgets_s = "200,1000,5000", *solver = "nlopt:LD_LBFGS";
    const char *json = NULL, *md = NULL, *plot = NULL;
    unsigned instances = 50, starts = 0, max_count = 1024;
    uint64_t seed = BENCH_SEED;
    int quiet = 0;
    const cli_opt opts[] = {
        {"weights", CLI_STR, &weights, "weight file of a standard family (.h5)"},
        {"instances", CLI_UINT, &instances, "held-out instances (50)"},
        {"seed", CLI_U64, &seed, "seed of the held-out theta stream (1000003)"},
        {"budgets", CLI_STR, &budgets_s, "total evaluations per instance, ascending (200,1000,5000)"},
        {"solver", CLI_STR, &solver, "local solver of every method (nlopt:LD_LBFGS)"},
        {"starts", CLI_UINT, &starts, "dl2o multistart runs (0: until the budget is spent)"},
        {"max-count", CLI_UINT, &max_count, "largest K for the sampler-alone method (1024)"},
        {"json", CLI_STR, &json, "write the results as JSON"},
        {"markdown", CLI_STR, &md, "write the Markdown table (it also goes to stdout)"},
        {"plot", CLI_STR, &plot, "write an SVG plot of success rate against budget"},
        {"quiet", CLI_FLAG, &quiet, "no progress output"},
    };
    const char *pos[1];
    int npos, r = cli_parse("bench", USAGE, argc, argv, opts, sizeof opts / sizeof opts[0], pos, 0, &npos);
    if (r) return r > 0 ? 0 : 2;
    long budgets[MAX_BUDGETS];
    int nb = parse_budgets(budgets_s, budgets);
    if (!weights || nb < 1 || instances < 1 || strncmp(solver, "nlopt:", 6) != 0 || max_count < 1) {
        fprintf(stderr, "dl2o bench: need --weights, ascending --budgets like 200,1000,5000, "
                "--instances >= 1 and --solver nlopt:ALG (see --help)\n");
        return 2;
    }
    bench_setup s = {.starts = starts, .max_count = max_count};
    s.local = nlopt_algorithm_from_string(solver + 6);
    if ((int)s.local < 0) {
        fprintf(stderr, "dl2o bench: unknown NLopt algorithm '%s'\n", solver + 6);
        return 2;
    }
    cli_session ses;
    /* The session reads no theta file here: held-out thetas are drawn. */
    dl2o_status st = dl2o_initializer_load(weights, &s.init);
    if (st != DL2O_OK) return cli_fail("bench", "cannot load the weights", st);
    memset(&ses, 0, sizeof ses);
    ses.init = s.init;
    if ((st = dl2o_family_standard(dl2o_initializer_family(s.init), &ses.family)) != DL2O_OK) {
        fprintf(stderr, "dl2o bench: the model's family '%s' is not a standard family\n",
                dl2o_initializer_family(s.init));
        cli_session_close(&ses);
        return 1;
    }
    const dl2o_family *fam = ses.family;
    unsigned n = dl2o_family_dim_x(fam), p = dl2o_family_dim_theta(fam);
    int M = dl2o_bench_method_count, lasso = !strncmp(dl2o_family_name(fam), "lasso-", 6);
    int ackley = !strncmp(dl2o_family_name(fam), "ackley-", 7);
    size_t N = instances, cells = (size_t)M * nb;
    double *theta = malloc(N * p * sizeof *theta), *fstar = malloc(N * sizeof *fstar);
    double *fres = malloc(cells * N * sizeof *fres), *secs = calloc(cells, sizeof *secs);
    long *evals = malloc(cells * N * sizeof *evals), *tc = malloc(N * sizeof *tc);
    long *tw = malloc(N * sizeof *tw);
    double *xs = malloc(n * sizeof *xs);
    bench_cell *out = calloc(cells, sizeof *out);
    int rc = 1;
    if (!theta || !fstar || !fres || !secs || !evals || !tc || !tw || !xs || !out) {
        fprintf(stderr, "dl2o bench: out of memory\n");
        goto done;
    }
    /* Held-out instances; Ackley keeps those whose optimum A^-1 b is in the box. */
    for (size_t i = 0, k = 0; i < N; k++) {
        if (k > 100 * N + 1000) {
            fprintf(stderr, "dl2o bench: too few held-out instances have a known optimum\n");
            goto done;
        }
        dl2o_family_sample_theta(fam, seed, k, theta + i * p);
        fstar[i] = dl2o_reference_optimum(fam, theta + i * p, seed, k, 200, xs);
        if (ackley && !isfinite(fstar[i])) continue;
        i++;
    }
    dl2o_progress prog;
    dl2o_progress_start(&prog, "bench", (long)(N * cells), (long)cells * ((long)N / 10 + 1), !quiet);
    for (size_t i = 0; i < N; i++) {
        bench_instance in = {fam, theta + i * p, n, seed, i};
        for (int m = 0; m < M; m++)
            for (int b = 0; b < nb; b++) {
                size_t c = (size_t)m * nb + b;
                /* propose() draws from a stream that counts calls: restart it
                 * per instance and budget, so that a cell's figures do not
                 * depend on which other budgets or methods ran before it. */
                dl2o_initializer_set_seed(s.init, cell_seed(seed, i, budgets[b]));
                double t0 = dl2o_now();
                fres[c * N + i] = dl2o_bench_methods[m].run(&s, &in, budgets[b], &evals[c * N + i]);
                secs[c] += dl2o_now() - t0;
                if (fres[c * N + i] < fstar[i]) fstar[i] = fres[c * N + i];
                dl2o_progress_update(&prog, (long)(i * cells + c + 1), dl2o_bench_methods[m].name);
            }
        if (lasso) {
            dl2o_initializer_set_seed(s.init, cell_seed(seed, i, 20000));
            tc[i] = dl2o_bench_evals_to_target(&s, &in, fstar[i], 0, 20000);
            tw[i] = dl2o_bench_evals_to_target(&s, &in, fstar[i], 1, 20000);
        }
    }
    dl2o_progress_finish(&prog, "");
    bench_table t = {.family = dl2o_family_name(fam), .weights = weights, .solver = solver,
                     .instances = instances, .seed = seed, .n_budgets = nb, .budgets = budgets,
                     .cells = out, .lasso = lasso};
    for (size_t i = 0; i < N; i++) t.mean_fstar += fstar[i] / (double)N;
    for (size_t c = 0; c < cells; c++) {
        bench_cell *o = &out[c];
        for (size_t i = 0; i < N; i++) {
            double f = fres[c * N + i];
            if (!isfinite(f)) continue;
            o->count++;
            o->mean_f += f;
            o->mean_gap += f - fstar[i];
            o->success += f <= fstar[i] + 1e-3 * (1.0 + fabs(fstar[i]));
            o->mean_evals += (double)evals[c * N + i];
        }
        if (o->count) {
            o->mean_f /= o->count, o->mean_gap /= o->count, o->success /= o->count;
            o->mean_evals /= o->count;
        }
        o->seconds = secs[c] / (double)N;
    }
    if (lasso) {
        t.median_cold = median_evals(tc, (int)N, &t.reached_cold);
        t.median_warm = median_evals(tw, (int)N, &t.reached_warm);
    }
    dl2o_bench_markdown(stdout, &t);
    rc = 0;
    if (md && write_file("bench", md, &t, dl2o_bench_markdown)) rc = 1;
    if (json && write_file("bench", json, &t, dl2o_bench_json)) rc = 1;
    if (plot && write_file("bench", plot, &t, dl2o_bench_svg)) rc = 1;
done:
    free(theta), free(fstar), free(fres), free(secs), free(evals), free(tc), free(tw), free(xs);
    free(out);
    cli_session_close(&ses);
    return rc;
}
