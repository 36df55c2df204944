/* PLACEHOLDER — replaced by the nlopt bridge work; must not ship. */
#include "cli.h"
int cli_solve_nlopt(cli_session *s, const char *alg, const cli_solve_opts *o, size_t i, double *x,
                  double *f, unsigned *evals)
{
    (void)s, (void)alg, (void)o, (void)i, (void)x, (void)f, (void)evals;
    fprintf(stderr, "dl2o solve: the nlopt bridge is not built yet\n");
    return -1;
}
