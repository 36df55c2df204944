/* cmd_solve.c — `dl2o solve`: one solution per theta row.
 * --solver none takes the best candidate; nlopt:ALG and gsl:ALG hand the
 * candidates to the classic solver through the bridges. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char USAGE[] = "--weights FILE.h5 --theta THETA.csv [--count K] "
                            "[--solver none|nlopt:ALG|gsl:ALG] [--mode warmstart|multistart] "
                            "[--starts k] [--maxeval B] [--out X.csv]";

/* The best candidate within the budget: K shrinks so probes + K <= maxeval. */
static int solve_none(cli_session *s, const cli_solve_opts *so, size_t i, double *x, double *f,
                      unsigned *evals, double *cand, double *fc)
{
    unsigned K = dl2o_initializer_get_candidates(s->init);
    unsigned probes = dl2o_initializer_guidance_evals(s->init);
    if (so->maxeval) {
        if (so->maxeval <= probes) {
            fprintf(stderr, "dl2o solve: --maxeval %u leaves no evaluation for candidates after "
                    "%u probes\n", so->maxeval, probes);
            return -1;
        }
        if (probes + K > so->maxeval) dl2o_initializer_set_candidates(s->init, so->maxeval - probes);
    }
    dl2o_instance inst = {s->family, s->thetas + i * s->p};
    unsigned cnt = 0;
    dl2o_status st = dl2o_initializer_propose(s->init, s->n, dl2o_instance_objective, &inst,
                                              inst.theta, NULL, NULL, cand, fc, &cnt, evals);
    dl2o_initializer_set_candidates(s->init, K);
    if (st != DL2O_OK) {
        fprintf(stderr, "dl2o solve: instance %zu: %s\n", i, dl2o_initializer_errmsg(s->init));
        return -1;
    }
    memcpy(x, cand, s->n * sizeof *x);
    *f = fc[0];
    return 0;
}

int dl2o_cmd_solve(int argc, char **argv)
{
    const char *weights = NULL, *theta = NULL, *out = NULL;
    cli_sampling sp = CLI_SAMPLING_DEFAULTS;
    cli_solve_opts so = {.solver = "none", .mode = "multistart", .starts = 0, .maxeval = 0};
    const cli_opt opts[] = {
        {"weights", CLI_STR, &weights, "weight file (.h5)"},
        {"theta", CLI_STR, &theta, "theta CSV: one instance per line, no header"},
        {"count", CLI_UINT, &sp.count, "candidates per instance, K (64)"},
        {"solver", CLI_STR, &so.solver, "none (best candidate), nlopt:ALG (e.g. nlopt:LD_LBFGS) or "
                                        "gsl:ALG (e.g. gsl:bfgs2) (none)"},
        {"mode", CLI_STR, &so.mode, "warmstart (one local run from the best candidate, initial "
                                    "step from the candidates' spread) or multistart (runs from "
                                    "the best distinct candidates, see --starts) (multistart)"},
        {"starts", CLI_UINT, &so.starts, "multistart: local runs from the best distinct candidates; 0: "
                                         "with nlopt and --maxeval, keep starting runs from fresh "
                                         "candidates until the budget is spent, else 4 (0)"},
        {"maxeval", CLI_UINT, &so.maxeval, "total evaluation budget per instance: probes, "
                                           "candidates and solver runs (0: no total limit; each "
                                           "NLopt run then stops at ftol_rel 1e-10 / xtol_rel 1e-8 "
                                           "or 10000 evaluations)"},
        CLI_SAMPLING_OPTS(sp),
        {"out", CLI_STR, &out, "output CSV (stdout)"},
    };
    const char *pos[1];
    int npos, r = cli_parse("solve", USAGE, argc, argv, opts, sizeof opts / sizeof opts[0], pos, 0, &npos);
    if (r) return r > 0 ? 0 : 2;
    if (strcmp(so.solver, "none") && strncmp(so.solver, "nlopt:", 6) && strncmp(so.solver, "gsl:", 4)) {
        fprintf(stderr, "dl2o solve: unknown solver '%s'; use none, nlopt:ALG or gsl:ALG\n", so.solver);
        return 2;
    }
    cli_session s;
    if (cli_session_open(&s, "solve", weights, theta, &sp)) return 1;
    unsigned K = sp.count, n = s.n;
    double *cand = malloc((size_t)K * n * sizeof *cand), *fc = malloc((size_t)K * sizeof *fc);
    double *x = malloc((size_t)n * sizeof *x);
    cli_out o;
    int ok = cand && fc && x && cli_out_open(&o, "solve", out) == 0;
    if (!cand || !fc || !x) fprintf(stderr, "dl2o solve: out of memory for %u candidates\n", K);
    if (ok) {
        fprintf(o.fp, "instance,f,evals");
        for (unsigned j = 1; j <= n; j++) fprintf(o.fp, ",x%u", j);
        fputc('\n', o.fp);
        for (size_t i = 0; i < s.rows && ok; i++) {
            double f;
            unsigned evals = 0;
            int bad = !strncmp(so.solver, "nlopt:", 6)
                          ? cli_solve_nlopt(&s, so.solver + 6, &so, i, x, &f, &evals)
                      : !strncmp(so.solver, "gsl:", 4)
                          ? cli_solve_gsl(&s, so.solver + 4, &so, i, x, &f, &evals)
                          : solve_none(&s, &so, i, x, &f, &evals, cand, fc);
            if (bad) {
                ok = 0;
                break;
            }
            fprintf(o.fp, "%zu,%.17g,%u", i, f, evals);
            cli_print_vec(o.fp, x, n);
            fputc('\n', o.fp);
        }
        if (cli_out_close(&o, "solve", ok)) ok = 0;
    }
    free(cand);
    free(fc);
    free(x);
    cli_session_close(&s);
    return ok ? 0 : 1;
}
