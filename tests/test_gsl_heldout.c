/* test_gsl_heldout.c — on 40 held-out rastrigin-2 instances (a theta seed
 * training never used), dl2o_gsl_fdf_multistart with vector_bfgs2 beats the
 * usual random-restart vector_bfgs2 loop in mean f at the same number of
 * evaluations (every call of f, df, fdf counted; probes and candidates
 * included for dl2o). Both fixture models (probe and theta guidance) are
 * measured; the random loop is given the step size that measured best for
 * it. Success is f <= f_ref + 1e-3 (1 + |f_ref|), f_ref the best of every
 * method and of a 5,000-evaluation random-restart reference run. */
#include <stdint.h>
#include <stdlib.h>

#include "test_gsl_util.h"
#include "testutil.h"

#define N_INST 40
#define BUDGET 200

static uint64_t rng_state;
static double unif(void)
{
    rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) * (1.0 / 9007199254740992.0);
}

/* The loop a user writes: random start in the box, vector_bfgs2 to its
 * gradient test, repeat until the budget is spent. Evaluations past the
 * budget (the last iterate may overrun) do not count towards the result. */
static double random_restarts(gslt_obj *o, unsigned long budget, double step, uint64_t seed)
{
    const double *lo = dl2o_family_lower(o->family), *hi = dl2o_family_upper(o->family);
    gsl_multimin_function_fdf F = gslt_fdf_of(o);
    gsl_multimin_fdfminimizer *s = gsl_multimin_fdfminimizer_alloc(
        gsl_multimin_fdfminimizer_vector_bfgs2, 2);
    gsl_vector *x = gsl_vector_alloc(2);
    rng_state = seed * 0x9E3779B97F4A7C15ull + 1;
    o->limit = budget;
    while (o->calls < budget) {
        for (size_t j = 0; j < 2; j++) gsl_vector_set(x, j, lo[j] + (hi[j] - lo[j]) * unif());
        gsl_multimin_fdfminimizer_set(s, &F, x, step, 0.1);
        for (int it = 0; it < 500 && o->calls < budget; it++) {
            if (gsl_multimin_fdfminimizer_iterate(s)) break;
            if (gsl_multimin_test_gradient(s->gradient, 1e-6) == GSL_SUCCESS) break;
        }
    }
    gsl_multimin_fdfminimizer_free(s);
    gsl_vector_free(x);
    return o->best;
}

int main(void)
{
    gsl_set_error_handler_off(); /* the baseline loop, like a careful user's */
    dl2o_family *fam;
    CHECK(dl2o_family_standard("rastrigin-2", &fam) == DL2O_OK);
    dl2o_initializer *probe = gslt_load("probe"), *thetam = gslt_load("theta");
    CHECK(probe && thetam);
    if (!probe || !thetam) return dl2o_test_finish("gsl.heldout");
    static const double steps[] = {0.01, 0.1, 1.0};
    enum { NS = sizeof steps / sizeof steps[0] };
    double fp[N_INST], ft[N_INST], fr[NS][N_INST], fref[N_INST];
    double evp = 0, evt = 0;
    gsl_vector *x = gsl_vector_alloc(2);
    for (int i = 0; i < N_INST; i++) {
        double th[8];
        CHECK(dl2o_family_sample_theta(fam, GSLT_HELDOUT_SEED, (uint64_t)i, th) == DL2O_OK);
        for (int m = 0; m < 2; m++) {
            gslt_obj o;
            gslt_obj_init(&o, fam, th);
            gsl_multimin_function_fdf F = gslt_fdf_of(&o);
            dl2o_gsl_multistart_options opt;
            dl2o_gsl_multistart_options_default(&opt);
            opt.max_evals = BUDGET;
            double minf = NAN;
            int st = dl2o_gsl_fdf_multistart(gsl_multimin_fdfminimizer_vector_bfgs2, &F,
                                             m ? thetam : probe, m ? th : NULL, &opt, x, &minf);
            CHECK_MSG(st == GSL_SUCCESS || st == GSL_EMAXITER, "instance %d: %d %s", i, st,
                      dl2o_gsl_last_error());
            CHECK(opt.evals == o.calls && o.calls <= BUDGET);
            (m ? ft : fp)[i] = minf;
            *(m ? &evt : &evp) += (double)opt.evals / N_INST;
        }
        fref[i] = fmin(fp[i], ft[i]);
        for (int k = 0; k < NS; k++) {
            gslt_obj o;
            gslt_obj_init(&o, fam, th);
            fr[k][i] = random_restarts(&o, BUDGET, steps[k], 1000u + (uint64_t)i);
            fref[i] = fmin(fref[i], fr[k][i]);
        }
        gslt_obj o;
        gslt_obj_init(&o, fam, th);
        fref[i] = fmin(fref[i], random_restarts(&o, 5000, 0.1, 77u + (uint64_t)i));
    }
    double mp = 0, mt = 0, mr[NS] = {0}, mref = 0;
    int sp = 0, stt = 0, sr[NS] = {0}, wins = 0, losses = 0, best = 0;
    for (int i = 0; i < N_INST; i++) {
        double tol = 1e-3 * (1 + fabs(fref[i]));
        mp += fp[i] / N_INST, mt += ft[i] / N_INST, mref += fref[i] / N_INST;
        sp += fp[i] <= fref[i] + tol, stt += ft[i] <= fref[i] + tol;
        for (int k = 0; k < NS; k++) mr[k] += fr[k][i] / N_INST, sr[k] += fr[k][i] <= fref[i] + tol;
    }
    for (int k = 1; k < NS; k++)
        if (mr[k] < mr[best]) best = k;
    for (int i = 0; i < N_INST; i++) {
        wins += fp[i] < fr[best][i] - 1e-6;
        losses += fp[i] > fr[best][i] + 1e-6;
    }
    printf("rastrigin-2, %d held-out instances, budget %d evaluations, vector_bfgs2\n", N_INST,
           BUDGET);
    printf("  %-34s mean f %7.3f  success %.2f  mean evals %.1f\n", "dl2o multistart (probe)", mp,
           (double)sp / N_INST, evp);
    printf("  %-34s mean f %7.3f  success %.2f  mean evals %.1f\n", "dl2o multistart (theta)", mt,
           (double)stt / N_INST, evt);
    for (int k = 0; k < NS; k++)
        printf("  random restarts, step_size %-7g mean f %7.3f  success %.2f  evals %d\n",
               steps[k], mr[k], (double)sr[k] / N_INST, BUDGET);
    printf("  reference (best known)             mean f %7.3f\n", mref);
    printf("  probe vs best random loop: %d wins, %d losses, %d ties\n", wins, losses,
           N_INST - wins - losses);
    /* A clear win: both models at least 0.5 lower in mean f than the best
     * random loop (measured: about 1.5), and more wins than losses. */
    CHECK_MSG(mp < mr[best] - 0.5, "probe model: mean f %.3f vs random %.3f", mp, mr[best]);
    CHECK_MSG(mt < mr[best] - 0.5, "theta model: mean f %.3f vs random %.3f", mt, mr[best]);
    CHECK_MSG(wins > losses, "%d wins, %d losses", wins, losses);
    gsl_vector_free(x);
    dl2o_initializer_free(probe);
    dl2o_initializer_free(thetam);
    dl2o_family_free(fam);
    return dl2o_test_finish("gsl.heldout");
}
