/* gsl_rastrigin_restarts.c — your GSL random-restart loop, and the dl2o
 * learned restarts that replace it, side by side at the same number of
 * objective evaluations, on held-out rastrigin-2 instances.
 *
 *   gsl_rastrigin_restarts [WEIGHTS.h5 [INSTANCES [BUDGET]]]
 *
 * WEIGHTS is a rastrigin-2 model (e.g. from `dl2o train --family rastrigin-2
 * --out r2.h5`). Without it the program trains a small probe-guided model
 * in-process with dl2o_train (a few seconds on 2 cores) and saves it as
 * ./gsl_rastrigin_restarts.h5, which later runs reuse. INSTANCES (100) and
 * BUDGET (200) set the comparison. Every call of f, df or fdf counts as one
 * evaluation, the model's probes and candidates included.
 *
 * Build: cc gsl_rastrigin_restarts.c $(pkg-config --cflags --libs dl2o) -lm */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>

#include "dl2o.h"
#include "dl2o_gsl.h"

/* ---- your objective: one instance of a family, with an evaluation counter */
typedef struct problem {
    const dl2o_family *family;
    const double *theta;
    unsigned long evals, budget; /* evaluations past budget do not count */
    double best;
} problem;

static double eval(problem *p, const gsl_vector *x, gsl_vector *g)
{
    double xd[2] = {gsl_vector_get(x, 0), gsl_vector_get(x, 1)}, gd[2];
    double f = dl2o_family_eval(p->family, p->theta, xd, g ? gd : NULL);
    if (g) gsl_vector_set(g, 0, gd[0]), gsl_vector_set(g, 1, gd[1]);
    if (++p->evals <= p->budget && f < p->best) p->best = f;
    return f;
}
static double my_f(const gsl_vector *x, void *p) { return eval(p, x, NULL); }
static void my_df(const gsl_vector *x, void *p, gsl_vector *g) { eval(p, x, g); }
static void my_fdf(const gsl_vector *x, void *p, double *f, gsl_vector *g) { *f = eval(p, x, g); }

static uint64_t rng = 88172645463325252ull;
static double uniform(void) /* xorshift64, in [0, 1) */
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

/* ---- before: random starts in the box until the budget is spent */
static double random_restarts(problem *p, gsl_multimin_function_fdf *F, const double *lo,
                              const double *hi)
{
    gsl_multimin_fdfminimizer *s =
        gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, 2);
    gsl_vector *x = gsl_vector_alloc(2);
    while (p->evals < p->budget) {
        for (int j = 0; j < 2; j++) gsl_vector_set(x, j, lo[j] + (hi[j] - lo[j]) * uniform());
        gsl_multimin_fdfminimizer_set(s, F, x, 0.1, 0.1);
        for (int it = 0; it < 500 && p->evals < p->budget; it++)
            if (gsl_multimin_fdfminimizer_iterate(s) ||
                gsl_multimin_test_gradient(s->gradient, 1e-6) == GSL_SUCCESS)
                break;
    }
    gsl_multimin_fdfminimizer_free(s);
    gsl_vector_free(x);
    return p->best;
}

/* ---- after: one call */
static double learned_restarts(problem *p, gsl_multimin_function_fdf *F, dl2o_initializer *init)
{
    dl2o_gsl_multistart_options o;
    dl2o_gsl_multistart_options_default(&o);
    o.max_evals = p->budget;
    gsl_vector *x = gsl_vector_alloc(2);
    double minf = NAN;
    const double *theta = dl2o_initializer_guidance(init) == DL2O_GUIDANCE_THETA ? p->theta : NULL;
    int st = dl2o_gsl_fdf_multistart(gsl_multimin_fdfminimizer_vector_bfgs2, F, init, theta, &o,
                                     x, &minf);
    if (st != GSL_SUCCESS && st != GSL_EMAXITER)
        fprintf(stderr, "dl2o_gsl_fdf_multistart: %s\n", dl2o_gsl_last_error());
    gsl_vector_free(x);
    return minf;
}

static dl2o_status train_small(const dl2o_family *fam, const char *path)
{
    dl2o_train_config c;
    dl2o_train_config_default(&c);
    c.instances = 2000, c.restarts = 3, c.local_maxeval = 100, c.probes = 8;
    c.width = 64, c.blocks = 2, c.oracle_width = 64, c.oracle_blocks = 1, c.steps = 600;
    c.seed = 11, c.device = DL2O_DEVICE_CPU;
    fprintf(stderr, "no weights given: training a small rastrigin-2 model into %s ...\n", path);
    return dl2o_train(fam, &c, path, NULL);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "gsl_rastrigin_restarts.h5";
    int n_inst = argc > 2 ? atoi(argv[2]) : 100;
    unsigned long budget = argc > 3 ? strtoul(argv[3], NULL, 10) : 200;
    if (n_inst < 1 || budget < 50) {
        fprintf(stderr, "usage: %s [WEIGHTS.h5 [INSTANCES >= 1 [BUDGET >= 50]]]\n", argv[0]);
        return 2;
    }
    gsl_set_error_handler_off(); /* GSL's default handler aborts */
    dl2o_family *fam = NULL;
    dl2o_initializer *init = NULL;
    if (dl2o_family_standard("rastrigin-2", &fam) != DL2O_OK ||
        (argc <= 1 && dl2o_initializer_load(path, &init) != DL2O_OK &&
         train_small(fam, path) != DL2O_OK) ||
        (!init && dl2o_initializer_load(path, &init) != DL2O_OK)) {
        fprintf(stderr, "%s: %s\n", path, dl2o_last_error());
        dl2o_family_free(fam);
        return 1;
    }
    const double *lo = dl2o_family_lower(fam), *hi = dl2o_family_upper(fam);
    double sum_r = 0, sum_d = 0;
    int succ_r = 0, succ_d = 0;
    for (int i = 0; i < n_inst; i++) {
        double theta[8]; /* held out: the seed of the training stream is 11 */
        dl2o_family_sample_theta(fam, 424242, (uint64_t)i, theta);
        problem pr = {fam, theta, 0, budget, INFINITY}, pd = pr, pref = pr;
        gsl_multimin_function_fdf Fr = {my_f, my_df, my_fdf, 2, &pr};
        gsl_multimin_function_fdf Fd = {my_f, my_df, my_fdf, 2, &pd};
        gsl_multimin_function_fdf Fref = {my_f, my_df, my_fdf, 2, &pref};
        double fr = random_restarts(&pr, &Fr, lo, hi);
        double fd = learned_restarts(&pd, &Fd, init);
        pref.budget = 5000; /* best known: a long random-restart run */
        double best = fmin(fmin(fr, fd), random_restarts(&pref, &Fref, lo, hi));
        double tol = 1e-3 * (1 + fabs(best));
        sum_r += fr, sum_d += fd;
        succ_r += fr <= best + tol, succ_d += fd <= best + tol;
    }
    printf("rastrigin-2, %d held-out instances, %lu evaluations each, GSL vector_bfgs2\n",
           n_inst, budget);
    printf("  %-26s success %.2f   mean f %.3f\n", "random restarts", (double)succ_r / n_inst,
           sum_r / n_inst);
    printf("  %-26s success %.2f   mean f %.3f\n", "dl2o learned restarts", (double)succ_d / n_inst,
           sum_d / n_inst);
    printf("(success: within 1e-3 (1 + |f|) of the best value known for the instance)\n");
    dl2o_initializer_free(init);
    dl2o_family_free(fam);
    return 0;
}
