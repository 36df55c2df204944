#include "datagen.h"

#include <math.h>
#include <nlopt.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "common.h"
#include "family.h"
#include "reference.h"
#include "rng.h"

typedef struct counted {
    dl2o_instance inst;
    long evals;
} counted;

static double counted_objective(unsigned n, const double *x, double *grad, void *data)
{
    counted *c = data;
    c->evals++;
    return dl2o_instance_objective(n, x, grad, &c->inst);
}

/* Start r, coordinate j: a ladder of scales around the box centre c (width
 * w). r = 0 is c itself; then the levels k = 1, 2, ..., 7 repeat: k < 7 is
 * c + w 2^(k-8) N(0, 1) (w/128 up to w/4), clamped, and k = 7 is uniform in
 * the box. Uniform starts alone are poor on wide boxes: best-of-8 L-BFGS data
 * on rastrigin-10 averaged f = 70.6 with them and 25.1 with this ladder
 * (ackley-10: 20.0 vs 2.7), as local minima far from the centre are worse. */
static double start_coordinate(const dl2o_family *fam, int j, int r, dl2o_rng *rng)
{
    double lo = fam->lower[j], hi = fam->upper[j], c = 0.5 * (lo + hi), w = hi - lo;
    if (r == 0) return c;
    int k = 1 + (r - 1) % 7;
    if (k == 7) return lo + w * dl2o_rng_uniform(rng);
    double v = c + w * ldexp(1.0, k - 8) * dl2o_rng_normal(rng);
    return v < lo ? lo : (v > hi ? hi : v);
}

nlopt_opt dl2o_local_create(const dl2o_family *fam, nlopt_func f, void *data, int maxeval)
{
    nlopt_opt opt = nlopt_create(NLOPT_LD_LBFGS, (unsigned)fam->n);
    if (!opt) return NULL;
    nlopt_set_lower_bounds(opt, fam->lower);
    nlopt_set_upper_bounds(opt, fam->upper);
    nlopt_set_min_objective(opt, f, data);
    nlopt_set_maxeval(opt, maxeval);
    nlopt_set_ftol_rel(opt, 1e-12);
    nlopt_set_xtol_rel(opt, 1e-10);
    return opt;
}

double dl2o_local_run(nlopt_opt opt, const dl2o_family *fam, const double *theta, double *x)
{
    double f = NAN;
    nlopt_result res = nlopt_optimize(opt, x, &f);
    if (res == NLOPT_INVALID_ARGS || res == NLOPT_OUT_OF_MEMORY) return NAN;
    if (res > 0 || res == NLOPT_ROUNDOFF_LIMITED) return f;
    /* NLOPT_FAILURE: the line search could not improve, typically because the
     * start was a minimum already (seen on rastrigin-2: the best cell's
     * minimum was dropped this way). x is a point it visited; score it. */
    for (int j = 0; j < fam->n; j++)
        if (!(x[j] >= fam->lower[j] && x[j] <= fam->upper[j])) return NAN;
    return dl2o_family_eval(fam, theta, x, NULL);
}

double dl2o_local_best(const dl2o_family *fam, const double *theta, uint64_t seed, uint64_t index,
                       int restarts, int local_maxeval, double *x, long *evals)
{
    int n = fam->n;
    double best = NAN;
    double *xs = malloc((size_t)n * sizeof *xs);
    counted c = {{fam, theta}, 0};
    nlopt_opt opt = dl2o_local_create(fam, counted_objective, &c, local_maxeval);
    if (!xs || !opt) goto out;
    dl2o_rng rng;
    dl2o_rng_init(&rng, seed, DL2O_STREAM_STARTS, index);
    for (int r = 0; r < restarts; r++) {
        for (int j = 0; j < n; j++) xs[j] = start_coordinate(fam, j, r, &rng);
        double fx = dl2o_local_run(opt, fam, theta, xs);
        if (isfinite(fx) && (!isfinite(best) || fx < best)) {
            best = fx;
            memcpy(x, xs, (size_t)n * sizeof *x);
        }
    }
out:
    if (opt) nlopt_destroy(opt);
    free(xs);
    if (evals) *evals = c.evals;
    return best;
}

dl2o_status dl2o_datagen(const dl2o_family *fam, int N, uint64_t seed, int restarts,
                         int local_maxeval, int threads, dl2o_progress *progress,
                         int (*should_stop)(unsigned, void *), void *stop_data,
                         dl2o_dataset *out)
{
    dl2o_status st = DL2O_OK;
    if (N < 1 || restarts < 1 || local_maxeval < 1)
        return DL2O_FAIL(DL2O_EINVAL, "data generation needs instances, restarts and "
                         "local_maxeval >= 1 (got %d, %d, %d)", N, restarts, local_maxeval);
    st = dl2o_dataset_alloc(out, N, fam->n, fam->p);
    if (st != DL2O_OK) return st;
    snprintf(out->family, sizeof out->family, "%s", fam->name);
    out->seed = seed;
    out->restarts = restarts;
    out->local_maxeval = local_maxeval;
    double t0 = dl2o_now();
    int nt = fam->thread_safe ? threads : 1;
#ifdef _OPENMP
    if (nt <= 0) nt = omp_get_max_threads();
#else
    nt = 1;
#endif
    long done = 0;
    dl2o_status first_st = DL2O_OK;
    char first_msg[DL2O_ERRMSG_MAX] = "";
    if (should_stop && should_stop(0, stop_data)) { /* then from thread 0 as it works */
        dl2o_dataset_free(out);
        return DL2O_FAIL(DL2O_EINTERRUPTED, "stopped during data generation (0 of %d "
                         "instances); no data was saved", N);
    }
#pragma omp parallel for schedule(dynamic, 8) num_threads(nt)
    for (int i = 0; i < N; i++) {
        if (first_st != DL2O_OK) continue;
        double *theta = out->theta + (size_t)i * fam->p;
        dl2o_status s = dl2o_family_sample_theta(fam, seed, (uint64_t)i, theta);
        double f = NAN;
        if (s == DL2O_OK) {
            double *x = out->x + (size_t)i * fam->n;
            /* LASSO is convex and its exact optimum is cheap (plugin/reference.c),
             * while L-BFGS on the l1 kinks stalls far from it; the local runs
             * are only the fallback there. */
            if (fam->kind == DL2O_FAMILY_LASSO) f = dl2o_reference_optimum(fam, theta, 0, 0, 0, x);
            if (!isfinite(f))
                f = dl2o_local_best(fam, theta, seed, (uint64_t)i, restarts, local_maxeval, x, NULL);
            if (!isfinite(f))
                s = DL2O_FAIL(DL2O_ESOLVER, "every local run failed on instance %d of '%s'; "
                              "check that f is finite in the box", i, fam->name);
        }
        out->f[i] = f;
#pragma omp critical(dl2o_datagen)
        {
            if (s != DL2O_OK && first_st == DL2O_OK) {
                first_st = s;
                dl2o_copy_last_error(first_msg, sizeof first_msg);
            }
            done++;
#ifdef _OPENMP
            if (omp_get_thread_num() == 0)
#endif
            {
                if (progress) dl2o_progress_update(progress, done, "");
                if (should_stop && first_st == DL2O_OK && should_stop(0, stop_data)) {
                    first_st = DL2O_FAIL(DL2O_EINTERRUPTED, "stopped during data generation "
                                         "(%ld of %d instances); no data was saved", done, N);
                    dl2o_copy_last_error(first_msg, sizeof first_msg);
                }
            }
        }
    }
    out->seconds = dl2o_now() - t0;
    if (first_st != DL2O_OK) {
        st = dl2o_fail(first_st, __FILE__, __LINE__, "%s", first_msg);
        dl2o_dataset_free(out);
        return st;
    }
    if (progress) dl2o_progress_finish(progress, "");
    return DL2O_OK;
}
