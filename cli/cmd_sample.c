/* cmd_sample.c — `dl2o sample`: K candidates per theta row, best first. */
#include <stdlib.h>

#include "cli.h"

static const char USAGE[] = "--weights FILE.h5 --theta THETA.csv [--count K] [--steps S] "
                            "[--seed S] [--out X.csv]";

int dl2o_cmd_sample(int argc, char **argv)
{
    const char *weights = NULL, *theta = NULL, *out = NULL;
    cli_sampling sp = CLI_SAMPLING_DEFAULTS;
    const cli_opt opts[] = {
        {"weights", CLI_STR, &weights, "weight file (.h5)"},
        {"theta", CLI_STR, &theta, "theta CSV: one instance per line, no header"},
        {"count", CLI_UINT, &sp.count, "candidates per instance, K (64)"},
        CLI_SAMPLING_OPTS(sp),
        {"out", CLI_STR, &out, "output CSV (stdout)"},
    };
    const char *pos[1];
    int npos, r = cli_parse("sample", USAGE, argc, argv, opts, sizeof opts / sizeof opts[0], pos, 0, &npos);
    if (r) return r > 0 ? 0 : 2;
    cli_session s;
    if (cli_session_open(&s, "sample", weights, theta, &sp)) return 1;
    unsigned K = sp.count, n = s.n;
    double *x = malloc((size_t)K * n * sizeof *x), *fx = malloc((size_t)K * sizeof *fx);
    cli_out o;
    int ok = x && fx && cli_out_open(&o, "sample", out) == 0;
    if (!x || !fx) fprintf(stderr, "dl2o sample: out of memory for %u candidates\n", K);
    if (ok) {
        fprintf(o.fp, "instance,candidate,f");
        for (unsigned j = 1; j <= n; j++) fprintf(o.fp, ",x%u", j);
        fputc('\n', o.fp);
        for (size_t i = 0; i < s.rows && ok; i++) {
            dl2o_instance inst = {s.family, s.thetas + i * s.p};
            unsigned cnt = 0;
            dl2o_status st = dl2o_initializer_propose(s.init, n, dl2o_instance_objective, &inst,
                                                      inst.theta, NULL, NULL, x, fx, &cnt, NULL);
            if (st != DL2O_OK) {
                fprintf(stderr, "dl2o sample: instance %zu: %s\n", i, dl2o_initializer_errmsg(s.init));
                ok = 0;
                break;
            }
            for (unsigned k = 0; k < cnt; k++) {
                fprintf(o.fp, "%zu,%u,%.17g", i, k, fx[k]);
                cli_print_vec(o.fp, x + (size_t)k * n, n);
                fputc('\n', o.fp);
            }
        }
        if (cli_out_close(&o, "sample", ok)) ok = 0;
    }
    free(x);
    free(fx);
    cli_session_close(&s);
    return ok ? 0 : 1;
}
