/* solve_nlopt.c — `dl2o solve --solver nlopt:ALG`: the NLopt bridge on one
 * instance of the session, in warm-start or multistart mode.
 *
 * Budget: --maxeval B counts everything (probes, candidates, NLopt). Each
 * NLopt run also stops at ftol_rel 1e-10 / xtol_rel 1e-8; with B = 0 a run
 * stops there or after RUN_CAP evaluations. The reported point is the best
 * one evaluated, so f is exactly f(x). Algorithms that need a subsidiary
 * optimizer (G_MLSL*, AUGLAG*) get LD_LBFGS with the same tolerances. */
#include <math.h>
#include <nlopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dl2o_nlopt.h"

#define RUN_CAP 10000

/* Counts evaluations, keeps the best point, and holds the total to cap. */
typedef struct tally {
    dl2o_instance inst;
    nlopt_opt opt;
    unsigned evals, cap; /* cap 0: none */
    double fbest, *xbest;
} tally;

static double tallied(unsigned n, const double *x, double *grad, void *data)
{
    tally *t = data;
    if (t->cap && t->evals >= t->cap) {
        if (t->opt) nlopt_force_stop(t->opt);
        if (grad) memset(grad, 0, n * sizeof *grad);
        return HUGE_VAL;
    }
    t->evals++;
    double v = dl2o_instance_objective(n, x, grad, &t->inst);
    const double *lo = dl2o_family_lower(t->inst.family), *hi = dl2o_family_upper(t->inst.family);
    for (unsigned j = 0; j < n; j++)
        if (!(x[j] >= lo[j] && x[j] <= hi[j])) return v; /* never report a point outside */
    if (v < t->fbest) {
        t->fbest = v;
        memcpy(t->xbest, x, n * sizeof *x);
    }
    return v;
}

static int warmstart(cli_session *s, nlopt_opt opt, const cli_solve_opts *o, tally *t, size_t i)
{
    unsigned K0 = dl2o_initializer_get_candidates(s->init);
    if (o->maxeval) { /* the same split as the multistart */
        unsigned K = dl2o_nlopt_budget_candidates(s->init, (int)o->maxeval);
        dl2o_initializer_set_candidates(s->init, K ? K : 1);
    }
    /* x is the bridge's own output: t->xbest is the best point evaluated,
     * which may be a probe rather than the start the bridge picks. */
    double *x = malloc(s->n * sizeof *x), minf;
    if (!x) {
        dl2o_initializer_set_candidates(s->init, K0);
        fprintf(stderr, "dl2o solve: out of memory\n");
        return -1;
    }
    dl2o_status st = dl2o_nlopt_warmstart(opt, s->init, tallied, t, t->inst.theta, x);
    dl2o_initializer_set_candidates(s->init, K0);
    if (st != DL2O_OK) {
        free(x);
        fprintf(stderr, "dl2o solve: instance %zu: warm start: %s\n", i, dl2o_last_error());
        return -1;
    }
    int rest = o->maxeval ? (int)(o->maxeval - t->evals) : RUN_CAP;
    if (rest <= 0) {
        free(x);
        return 0;
    }
    nlopt_set_maxeval(opt, rest);
    t->opt = opt;
    nlopt_result r = nlopt_optimize(opt, x, &minf);
    t->opt = NULL;
    free(x);
    if (r == NLOPT_INVALID_ARGS || r == NLOPT_OUT_OF_MEMORY) {
        fprintf(stderr, "dl2o solve: instance %zu: nlopt: %s: %s\n", i, nlopt_result_to_string(r),
                nlopt_get_errmsg(opt) ? nlopt_get_errmsg(opt) : "no message");
        return -1;
    }
    if (r == NLOPT_FAILURE)
        fprintf(stderr, "dl2o solve: instance %zu: nlopt reported a failure; keeping the best "
                "point evaluated\n", i);
    return 0;
}

static int multistart(cli_session *s, nlopt_opt opt, const cli_solve_opts *o, tally *t, size_t i)
{
    dl2o_nlopt_settings set;
    dl2o_nlopt_settings_default(&set);
    set.starts = o->starts ? o->starts : o->maxeval ? 0 : 4; /* 0: until the budget is spent */
    if (!o->maxeval) set.run_maxeval = RUN_CAP;
    nlopt_set_maxeval(opt, (int)o->maxeval);
    double *x = malloc(s->n * sizeof *x), minf;
    if (!x) {
        fprintf(stderr, "dl2o solve: out of memory\n");
        return -1;
    }
    dl2o_status st = dl2o_nlopt_multistart_ex(opt, s->init, tallied, t, t->inst.theta, &set, x,
                                              &minf, NULL);
    free(x);
    if (st != DL2O_OK) {
        fprintf(stderr, "dl2o solve: instance %zu: multistart: %s\n", i, dl2o_last_error());
        return -1;
    }
    return 0;
}

int cli_solve_nlopt(cli_session *s, const char *alg, const cli_solve_opts *o, size_t i, double *x,
                    double *f, unsigned *evals)
{
    int warm = !strcmp(o->mode, "warmstart");
    if (!warm && strcmp(o->mode, "multistart")) {
        fprintf(stderr, "dl2o solve: --mode must be warmstart or multistart, got '%s'\n", o->mode);
        return -1;
    }
    nlopt_algorithm a = nlopt_algorithm_from_string(alg);
    if ((int)a < 0 || a >= NLOPT_NUM_ALGORITHMS) {
        fprintf(stderr, "dl2o solve: unknown NLopt algorithm '%s'; use a name such as LD_LBFGS, "
                "LD_SLSQP, LN_BOBYQA or LN_SBPLX\n", alg);
        return -1;
    }
    unsigned P = dl2o_initializer_guidance_evals(s->init);
    if (o->maxeval && o->maxeval <= P + 1) {
        fprintf(stderr, "dl2o solve: --maxeval %u leaves no room after %u probes and 1 "
                "candidate; raise it\n", o->maxeval, P);
        return -1;
    }
    nlopt_opt opt = nlopt_create(a, s->n);
    if (!opt) {
        fprintf(stderr, "dl2o solve: nlopt_create(%s, %u) failed\n", alg, s->n);
        return -1;
    }
    tally t = {{s->family, s->thetas + i * s->p}, NULL, 0, o->maxeval, HUGE_VAL, x};
    nlopt_set_lower_bounds(opt, dl2o_family_lower(s->family));
    nlopt_set_upper_bounds(opt, dl2o_family_upper(s->family));
    nlopt_set_min_objective(opt, tallied, &t);
    nlopt_set_ftol_rel(opt, 1e-10);
    nlopt_set_xtol_rel(opt, 1e-8);
    if (a == NLOPT_G_MLSL || a == NLOPT_G_MLSL_LDS || a == NLOPT_AUGLAG || a == NLOPT_AUGLAG_EQ) {
        nlopt_opt sub = nlopt_create(NLOPT_LD_LBFGS, s->n);
        nlopt_set_ftol_rel(sub, 1e-10);
        nlopt_set_xtol_rel(sub, 1e-8);
        nlopt_set_local_optimizer(opt, sub);
        nlopt_destroy(sub);
    }
    int rc = warm ? warmstart(s, opt, o, &t, i) : multistart(s, opt, o, &t, i);
    nlopt_destroy(opt);
    if (rc == 0 && !isfinite(t.fbest)) {
        fprintf(stderr, "dl2o solve: instance %zu: no finite objective value was found\n", i);
        rc = -1;
    }
    *f = t.fbest;
    *evals = t.evals;
    return rc;
}
