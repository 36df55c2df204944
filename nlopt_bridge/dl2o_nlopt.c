/* dl2o_nlopt.c — warm start and learned multistart for nlopt_opt.
 * The rules (step, distinctness, budget, result codes) are documented in
 * dl2o_nlopt.h; this file follows them. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "dl2o_nlopt.h"
#include "rng.h"

#define TOP_SPREAD 8          /* candidates whose spread gives the step */
#define STEP_FLOOR 1e-3       /* step >= STEP_FLOOR * box width */
#define BOBYQA_ROOM 0.45      /* step <= BOBYQA_ROOM * (ub - lb) */

/* ------------------------------------------------------------ shared setup */

typedef struct problem {
    unsigned n, count, P;
    double *lb, *ub, *w, *s, *step; /* (n) each: bounds, box width, spread, step */
    const double *mlb, *mub;        /* (n) each: the model's box */
    double *cand, *fc;              /* (K, n), (K) candidates sorted best first */
} problem;

static void problem_free(problem *p)
{
    free(p->lb);
    free(p->cand);
    memset(p, 0, sizeof *p);
}

/* The width of the box candidates live in: opt's bounds cut by the model's
 * box (propose clamps into the same one); 0 for a fixed coordinate. */
static double box_width(double lb, double ub, double mlb, double mub)
{
    double a = fmax(lb, mlb), b = fmin(ub, mub);
    if (a > b) a = lb, b = ub;
    double w = b - a;
    if (isfinite(w) && w > 0) return w;
    if (lb == ub) return 0.0;
    return mub - mlb;
}

/* Checks the arguments every call shares. */
static dl2o_status check_common(const char *fn, nlopt_opt opt, dl2o_initializer *init,
                                nlopt_func f, double *x)
{
    if (!opt || !init || !f || !x)
        return DL2O_FAIL(DL2O_EINVAL, "%s: %s is NULL; pass the nlopt_opt, the initializer from "
                         "dl2o_initializer_load, the objective and an x array of n doubles", fn,
                         !opt ? "opt" : !init ? "init" : !f ? "f" : "x");
    unsigned n = nlopt_get_dimension(opt), m = dl2o_initializer_dim_x(init);
    if (n != m)
        return DL2O_FAIL(DL2O_EDIM, "%s: the nlopt_opt has dimension %u but the model (%s) has "
                         "dim_x = %u; use a model trained for this problem", fn, n,
                         dl2o_initializer_family(init), m);
    return DL2O_OK;
}

/* Allocates room for K candidates and reads opt's bounds. */
static dl2o_status problem_init(problem *p, const char *fn, nlopt_opt opt, dl2o_initializer *init,
                                unsigned K)
{
    unsigned n = nlopt_get_dimension(opt);
    memset(p, 0, sizeof *p);
    p->n = n, p->P = dl2o_initializer_guidance_evals(init);
    p->lb = dl2o_xcalloc(5 * (size_t)n, sizeof(double), "bounds");
    p->cand = dl2o_xcalloc((size_t)K * (n + 1), sizeof(double), "candidates");
    if (!p->lb || !p->cand) {
        problem_free(p);
        return DL2O_ENOMEM;
    }
    p->ub = p->lb + n, p->w = p->ub + n, p->s = p->w + n, p->step = p->s + n;
    p->fc = p->cand + (size_t)K * n;
    if (nlopt_get_lower_bounds(opt, p->lb) < 0 || nlopt_get_upper_bounds(opt, p->ub) < 0) {
        problem_free(p);
        return DL2O_FAIL(DL2O_ESOLVER, "%s: cannot read the bounds of the nlopt_opt: %s", fn,
                         nlopt_get_errmsg(opt) ? nlopt_get_errmsg(opt) : "no message");
    }
    const double *mlb = dl2o_initializer_lower(init), *mub = dl2o_initializer_upper(init);
    for (unsigned j = 0; j < n; j++) p->w[j] = box_width(p->lb[j], p->ub[j], mlb[j], mub[j]);
    p->mlb = mlb, p->mub = mub;
    return DL2O_OK;
}

/* Per-coordinate spread of the best candidates, floored (see the header). */
static void spread(problem *p)
{
    unsigned m = p->count < TOP_SPREAD ? p->count : TOP_SPREAD, n = p->n;
    for (unsigned j = 0; j < n; j++) {
        double mean = 0, var = 0;
        for (unsigned r = 0; r < m; r++) mean += p->cand[(size_t)r * n + j];
        mean /= m;
        for (unsigned r = 0; r < m; r++) {
            double d = p->cand[(size_t)r * n + j] - mean;
            var += d * d;
        }
        double s = sqrt(var / m), least = STEP_FLOOR * p->w[j];
        if (!(s >= least)) s = least;
        if (!(s > 0) || !isfinite(s)) s = STEP_FLOOR * (1.0 + fabs(mean));
        p->s[j] = s;
    }
}

/* The initial step around x (see the header). */
static void step_at(problem *p, const double *x)
{
    for (unsigned j = 0; j < p->n; j++) {
        double s = p->s[j], width = p->ub[j] - p->lb[j];
        double room = fmin(x[j] - p->lb[j], p->ub[j] - x[j]);
        if (width > 0) {
            s = fmin(s, BOBYQA_ROOM * width);
            if (room >= 0.25 * s) s = fmin(s, room); /* else one-sided, toward the interior */
        }
        p->step[j] = s > 0 ? s : p->s[j];
    }
}

static dl2o_status set_step(nlopt_opt opt, const double *step, const char *fn)
{
    if (nlopt_set_initial_step(opt, step) < 0)
        return DL2O_FAIL(DL2O_ESOLVER, "%s: nlopt_set_initial_step failed: %s", fn,
                         nlopt_get_errmsg(opt) ? nlopt_get_errmsg(opt) : "no message");
    return DL2O_OK;
}

/* ------------------------------------------------------------- warm start */

dl2o_status dl2o_nlopt_warmstart(nlopt_opt opt, dl2o_initializer *init, nlopt_func f,
                                 void *f_data, const double *theta, double *x)
{
    problem p;
    dl2o_status st = check_common(__func__, opt, init, f, x);
    if (st != DL2O_OK) return st;
    st = problem_init(&p, __func__, opt, init, dl2o_initializer_get_candidates(init));
    if (st != DL2O_OK) return st;
    DL2O_TRY(dl2o_initializer_propose(init, p.n, f, f_data, theta, p.lb, p.ub, p.cand, p.fc,
                                      &p.count, NULL));
    for (unsigned j = 0; j < p.n; j++) /* propose clamps already; keep it certain */
        p.cand[j] = fmin(fmax(p.cand[j], p.lb[j]), p.ub[j]);
    spread(&p);
    step_at(&p, p.cand);
    DL2O_TRY(set_step(opt, p.step, __func__));
    memcpy(x, p.cand, p.n * sizeof *x);
out:
    problem_free(&p);
    return st;
}

/* ------------------------------------------------------------- multistart */

/* Counts every evaluation, never lets the total pass cap, and forwards a
 * force-stop set on the user's handle to the run in progress. */
typedef struct counter {
    nlopt_func f;
    void *data;
    nlopt_opt user, run;
    long evals, cap; /* cap < 0: none */
    int capped, forced;
} counter;

static double counted(unsigned n, const double *x, double *grad, void *data)
{
    counter *c = data;
    if (c->cap >= 0 && c->evals >= c->cap) {
        c->capped = 1;
        if (c->run) nlopt_force_stop(c->run);
        if (grad) memset(grad, 0, n * sizeof *grad);
        return HUGE_VAL;
    }
    c->evals++;
    double v = c->f(n, x, grad, c->data);
    int stop = nlopt_get_force_stop(c->user);
    if (stop) {
        c->forced = 1;
        if (c->run) nlopt_set_force_stop(c->run, stop);
    }
    return v;
}

void dl2o_nlopt_settings_default(dl2o_nlopt_settings *s)
{
    if (!s) return;
    s->starts = 4;
    s->run_maxeval = 0;
    s->distinct = DL2O_NLOPT_DISTINCT;
    s->hop_after = 8;
    s->explore_every = 6;
}

/* A hop start (see the header): xbest plus a Gaussian step of scale s per
 * coordinate, cut into the box. The stream is keyed by the initializer's
 * seed and the bits of the first batch's best f, so instances differ and
 * reruns repeat. */
static void hop_from(const problem *p, uint64_t key, unsigned run, const double *xbest, double *x)
{
    dl2o_rng rng;
    dl2o_rng_init(&rng, key, DL2O_STREAM_HOPS, run);
    for (unsigned j = 0; j < p->n; j++) {
        double v = xbest[j] + p->s[j] * dl2o_rng_normal(&rng);
        x[j] = fmin(fmax(v, p->lb[j]), p->ub[j]);
    }
}

/* An exploring start (see the header): uniform in opt's box; on a side
 * where that is infinite, the model's box stands in (a model-wide interval
 * from the finite bound when the two do not meet). It draws from the hop
 * stream of its run: a run is a hop or an exploration, never both. */
static void explore_from(const problem *p, uint64_t key, unsigned run, double *x)
{
    dl2o_rng rng;
    dl2o_rng_init(&rng, key, DL2O_STREAM_HOPS, run);
    for (unsigned j = 0; j < p->n; j++) {
        double lo = p->lb[j], hi = p->ub[j];
        if (!isfinite(lo) || !isfinite(hi)) {
            lo = fmax(lo, p->mlb[j]), hi = fmin(hi, p->mub[j]);
            if (!(lo <= hi)) {
                double w = p->mub[j] - p->mlb[j];
                if (isfinite(p->lb[j])) lo = p->lb[j], hi = lo + w;
                else hi = p->ub[j], lo = hi - w;
            }
        }
        x[j] = lo + (hi - lo) * dl2o_rng_uniform(&rng);
    }
}

static int inside(const problem *p, const double *x)
{
    for (unsigned j = 0; j < p->n; j++)
        if (!(x[j] >= p->lb[j] && x[j] <= p->ub[j])) return 0;
    return 1;
}

/* Picks up to `want` candidates, best first, each distinct from the ones
 * before; returns how many (at least 1). */
static unsigned pick_starts(const problem *p, double delta, unsigned want, unsigned *sel)
{
    unsigned k = 0, n = p->n;
    for (unsigned r = 0; r < p->count && k < want; r++) {
        const double *c = p->cand + (size_t)r * n;
        int distinct = 1;
        for (unsigned q = 0; q < k && distinct; q++) {
            const double *o = p->cand + (size_t)sel[q] * n;
            int differs = 0;
            for (unsigned j = 0; j < n && !differs; j++)
                differs = fabs(c[j] - o[j]) > delta * p->w[j];
            distinct = differs;
        }
        if (distinct) sel[k++] = r;
    }
    return k;
}

static dl2o_status check_ms_args(const dl2o_nlopt_settings *s, int B, double *minf)
{
    if (!minf)
        return DL2O_FAIL(DL2O_EINVAL, "dl2o_nlopt_multistart: minf is NULL; pass a double to "
                         "receive the best f");
    if (s->starts < 1 && B <= 0)
        return DL2O_FAIL(DL2O_EINVAL, "dl2o_nlopt_multistart: starts = 0 (run until the budget "
                         "is spent) needs a budget: set nlopt_set_maxeval(local, B) with B > 0, or "
                         "pass starts >= 1");
    if (s->run_maxeval < 0)
        return DL2O_FAIL(DL2O_EINVAL,
                         "dl2o_nlopt_multistart: run_maxeval must be >= 0 (0: no cap)");
    if (!(s->distinct > 0 && s->distinct < 1))
        return DL2O_FAIL(DL2O_EINVAL, "dl2o_nlopt_multistart: distinct must be in (0, 1), got %g; "
                         "0 selects the default %g", s->distinct, DL2O_NLOPT_DISTINCT);
    return DL2O_OK;
}

unsigned dl2o_nlopt_budget_candidates(const dl2o_initializer *init, int budget)
{
    if (!init) return 0;
    unsigned K = dl2o_initializer_get_candidates(init), P = dl2o_initializer_guidance_evals(init);
    if (budget <= 0) return K;
    if ((unsigned)budget <= P) return 0;
    long room = (long)budget - P, reserve = room / 2, least = 3L * dl2o_initializer_dim_x(init);
    if (reserve < least) reserve = least;
    long k = room - reserve;
    if (k < 1) k = 1;
    return (long)K > k ? (unsigned)k : K;
}

/* Candidates within the budget B (<= 0: none), see the header. */
static dl2o_status budget_K(dl2o_initializer *init, long B, unsigned *K)
{
    *K = dl2o_nlopt_budget_candidates(init, B > INT_MAX ? INT_MAX : (int)B);
    if (B > 0 && *K == 0)
        return DL2O_FAIL(DL2O_EINVAL, "dl2o_nlopt_multistart: nlopt_get_maxeval(local) = %d leaves "
                         "no evaluation after the model's %u probes; raise maxeval (several "
                         "times the candidate count) or set it to 0 for no limit", (int)B,
                         dl2o_initializer_guidance_evals(init));
    return DL2O_OK;
}

dl2o_status dl2o_nlopt_multistart_ex(nlopt_opt local, dl2o_initializer *init, nlopt_func f,
                                     void *f_data, const double *theta,
                                     const dl2o_nlopt_settings *settings, double *x,
                                     double *minf, dl2o_nlopt_report *report)
{
    dl2o_nlopt_settings set;
    dl2o_nlopt_settings_default(&set);
    if (settings) set = *settings;
    if (set.distinct == 0) set.distinct = DL2O_NLOPT_DISTINCT;
    problem p = {0};
    nlopt_opt run = NULL;
    unsigned *sel = NULL, K0 = dl2o_initializer_get_candidates(init), K = K0;
    double *xr = NULL, *xbest = NULL;
    counter c = {f, f_data, local, NULL, 0, -1, 0, 0};
    int B = local ? nlopt_get_maxeval(local) : 0, best_run = -1, nfail = 0, stopval = 0;
    nlopt_result best_res = NLOPT_SUCCESS, last_res = NLOPT_SUCCESS, fail_res = NLOPT_SUCCESS;
    char fail_msg[256] = "";
    unsigned runs = 0, hops = 0, explored = 0;
    uint64_t hop_key = 0;
    if (report) memset(report, 0, sizeof *report);
    dl2o_status st = check_common("dl2o_nlopt_multistart", local, init, f, x);
    if (st != DL2O_OK) return st;
    if ((st = check_ms_args(&set, B, minf)) != DL2O_OK) return st;
    DL2O_TRY(budget_K(init, B, &K));
    DL2O_TRY(problem_init(&p, "dl2o_nlopt_multistart", local, init, K));
    sel = dl2o_xcalloc(set.starts > K ? set.starts : K, sizeof *sel, "start list");
    xr = dl2o_xcalloc(2 * (size_t)p.n, sizeof *xr, "start point");
    if (!sel || !xr) {
        st = DL2O_ENOMEM;
        goto out;
    }
    xbest = xr + p.n;
    c.cap = B > 0 ? B : -1;
    nlopt_set_force_stop(local, 0);
    double fbest = HUGE_VAL;
    int batch = 0;
    unsigned drawn = 0, K_drawn = 0; /* batches and candidates proposed */
    if (!(run = nlopt_copy(local))) {
        st = DL2O_FAIL(DL2O_ENOMEM, "dl2o_nlopt_multistart: nlopt_copy failed (out of memory)");
        goto out;
    }
    c.run = run;
    if (nlopt_set_min_objective(run, counted, &c) < 0) {
        st = DL2O_FAIL(DL2O_ESOLVER, "dl2o_nlopt_multistart: cannot set the objective: %s",
                       nlopt_get_errmsg(run) ? nlopt_get_errmsg(run) : "no message");
        goto out;
    }
    /* starts = 0 repeats 1-2 with fresh candidates until the budget is spent */
    for (;; batch++) {
        /* 1. candidates, K shrunk for what is left of the budget, restored after */
        if (batch > 0 && (set.starts > 0 || c.forced || stopval || nfail == (int)runs ||
                          B - c.evals <= (long)p.P + 1))
            break;
        DL2O_TRY(budget_K(init, B > 0 ? B - c.evals : 0, &K));
        if (K != K0) DL2O_TRY(dl2o_initializer_set_candidates(init, K));
        st = dl2o_initializer_propose(init, p.n, counted, &c, theta, p.lb, p.ub, p.cand, p.fc,
                                      &p.count, NULL);
        dl2o_initializer_set_candidates(init, K0);
        if (st != DL2O_OK) {
            if (batch == 0) goto out;
            st = DL2O_OK; /* a later batch failing keeps the results so far */
            break;
        }
        drawn++, K_drawn += K;
        if (p.fc[0] < fbest) {
            fbest = p.fc[0];
            memcpy(xbest, p.cand, p.n * sizeof *xbest);
        }
        if (batch == 0) {
            memcpy(&hop_key, &p.fc[0], sizeof hop_key);
            hop_key ^= dl2o_initializer_get_seed(init);
        }
        spread(&p);
        unsigned nsel = pick_starts(&p, set.distinct, set.starts ? set.starts : p.count, sel);

        /* 2. the local runs, on a copy of `local` whose objective is counted */
        for (unsigned r = 0; r < nsel && !c.forced; r++) {
            long left = B > 0 ? B - c.evals : 0;
            if (B > 0 && left <= 0) break;
            /* fixed starts share the budget; open-ended ones take what is left */
            long alloc = B > 0 ? (set.starts ? left / (long)(nsel - r) : left) : 0;
            if (B > 0 && alloc < 1) alloc = 1;
            if (set.run_maxeval > 0 && (alloc == 0 || alloc > set.run_maxeval)) alloc = set.run_maxeval;
            int late = set.starts == 0 && set.hop_after > 0 && runs >= set.hop_after;
            unsigned phase = late ? runs - set.hop_after : 0;
            int explore = late && set.explore_every > 0 && phase % set.explore_every ==
                          set.explore_every - 1;
            int hop = late && !explore && phase % 2 == 0 && isfinite(fbest);
            if (explore)
                explore_from(&p, hop_key, runs, xr), explored++;
            else if (hop)
                hop_from(&p, hop_key, runs, xbest, xr), hops++;
            else
                memcpy(xr, p.cand + (size_t)sel[r] * p.n, p.n * sizeof *xr);
            step_at(&p, xr);
            nlopt_set_maxeval(run, (int)alloc);
            DL2O_TRY(set_step(run, p.step, "dl2o_nlopt_multistart"));
            double fr = HUGE_VAL;
            nlopt_result rr = nlopt_optimize(run, xr, &fr);
            runs++;
            if (c.capped && !c.forced) rr = NLOPT_MAXEVAL_REACHED; /* our own safety stop */
            int usable = rr > 0 || rr == NLOPT_ROUNDOFF_LIMITED || rr == NLOPT_FORCED_STOP;
            if (!usable) {
                nfail++, fail_res = rr;
                const char *em = nlopt_get_errmsg(run);
                snprintf(fail_msg, sizeof fail_msg, "%s", em ? em : "");
                continue;
            }
            last_res = rr;
            if (isfinite(fr) && inside(&p, xr) && (fr < fbest || (fr == fbest && best_run < 0))) {
                fbest = fr, best_run = (int)runs - 1, best_res = rr;
                memcpy(xbest, xr, p.n * sizeof *xbest);
            }
            if (rr == NLOPT_STOPVAL_REACHED) {
                stopval = 1;
                break;
            }
        }
    }

    /* 3. the outcome */
    nlopt_result res = c.forced ? NLOPT_FORCED_STOP
                       : stopval ? NLOPT_STOPVAL_REACHED
                       : (B > 0 && c.evals >= B) ? NLOPT_MAXEVAL_REACHED
                       : best_run >= 0 ? best_res
                       : runs > (unsigned)nfail ? last_res
                       : runs ? fail_res : NLOPT_MAXEVAL_REACHED;
    if (report)
        *report = (dl2o_nlopt_report){res, (int)c.evals, p.P * drawn, K_drawn,
                                      runs, hops, explored, best_run};
    if (runs > 0 && nfail == (int)runs && !c.forced) {
        st = DL2O_FAIL(DL2O_ESOLVER, "dl2o_nlopt_multistart: every local run failed (%s: %s); "
                       "check the algorithm and settings of `local` with a plain nlopt_optimize",
                       nlopt_result_to_string(fail_res), fail_msg[0] ? fail_msg : "no message");
        goto out;
    }
    if (c.forced)
        st = DL2O_FAIL(DL2O_EINTERRUPTED, "dl2o_nlopt_multistart: stopped by nlopt_force_stop "
                       "after %ld evaluations; x holds the best point found so far", c.evals);
    memcpy(x, xbest, p.n * sizeof *x);
    *minf = fbest;
out:
    nlopt_destroy(run);
    free(sel);
    free(xr);
    problem_free(&p);
    return st;
}

dl2o_status dl2o_nlopt_multistart(nlopt_opt local, dl2o_initializer *init, nlopt_func f,
                                  void *f_data, const double *theta, unsigned starts,
                                  double *x, double *minf, int *evals_used)
{
    dl2o_nlopt_settings s;
    dl2o_nlopt_settings_default(&s);
    s.starts = starts;
    dl2o_nlopt_report rep = {0};
    dl2o_status st = dl2o_nlopt_multistart_ex(local, init, f, f_data, theta, &s, x, minf, &rep);
    if (evals_used && (st == DL2O_OK || st == DL2O_EINTERRUPTED || st == DL2O_ESOLVER))
        *evals_used = rep.evals;
    return st;
}
