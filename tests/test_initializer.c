/* test_initializer.c — dl2o_initializer_propose on the trained rastrigin-2
 * fixtures: counting, ranking, bounds, reproducibility and bad input. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <nlopt.h>

#include "dl2o.h"
#include "testutil.h"

static dl2o_family *fam;
static double theta[8];

static double nan_right_half(unsigned n, const double *x, double *grad, void *data)
{
    if (x[0] > 0) return NAN;
    return dl2o_instance_objective(n, x, grad, data);
}

static double always_nan(unsigned n, const double *x, double *grad, void *data)
{
    (void)n, (void)x, (void)grad, (void)data;
    return NAN;
}

static void test_probe_model(const char *path)
{
    dl2o_initializer *init = NULL;
    CHECK(dl2o_initializer_load(path, &init) == DL2O_OK);
    if (!init) return;
    CHECK(dl2o_initializer_guidance(init) == DL2O_GUIDANCE_PROBE);
    CHECK(!strcmp(dl2o_initializer_family(init), "rastrigin-2"));
    unsigned K = 24, P = dl2o_initializer_guidance_evals(init), count = 0, evals = 0;
    CHECK(P > 0);
    CHECK(dl2o_initializer_set_candidates(init, K) == DL2O_OK);
    double x[24 * 2], fx[24], x2[24 * 2], fx2[24];
    dl2o_instance inst = {fam, theta};
    /* theta NULL: the probe path builds guidance from f alone. */
    CHECK(dl2o_initializer_propose(init, 2, dl2o_instance_objective, &inst, NULL, NULL, NULL, x, fx,
                                   &count, &evals) == DL2O_OK);
    CHECK(count == K);
    CHECK_MSG(evals == P + K, "evals %u, expected %u probes + %u candidates", evals, P, K);
    for (unsigned k = 0; k < count; k++) {
        CHECK(fabs(x[2 * k]) <= 8 && fabs(x[2 * k + 1]) <= 8);
        CHECK(fx[k] == dl2o_family_eval(fam, theta, x + 2 * k, NULL));
        if (k) CHECK(fx[k - 1] <= fx[k]);
    }
    /* Same seed, same call sequence: bitwise the same; the next call differs. */
    CHECK(dl2o_initializer_set_seed(init, 0) == DL2O_OK);
    CHECK(dl2o_initializer_propose(init, 2, dl2o_instance_objective, &inst, NULL, NULL, NULL, x2,
                                   fx2, &count, NULL) == DL2O_OK);
    CHECK(memcmp(x, x2, sizeof x) == 0 && memcmp(fx, fx2, sizeof fx) == 0);
    CHECK(dl2o_initializer_propose(init, 2, dl2o_instance_objective, &inst, NULL, NULL, NULL, x2,
                                   fx2, &count, NULL) == DL2O_OK);
    CHECK(memcmp(x, x2, sizeof x) != 0);

    /* Caller bounds narrower than the model's box are honored. */
    double lb[2] = {0.0, -1.0}, ub[2] = {1.0, 0.5};
    CHECK(dl2o_initializer_propose(init, 2, dl2o_instance_objective, &inst, NULL, lb, ub, x, fx,
                                   &count, NULL) == DL2O_OK);
    for (unsigned k = 0; k < count; k++)
        CHECK(x[2 * k] >= 0 && x[2 * k] <= 1 && x[2 * k + 1] >= -1 && x[2 * k + 1] <= 0.5);

    /* NaN candidates are dropped; the rest stay ranked and finite. */
    CHECK(dl2o_initializer_propose(init, 2, nan_right_half, &inst, NULL, NULL, NULL, x, fx, &count,
                                   NULL) == DL2O_OK);
    CHECK(count > 0 && count < K);
    for (unsigned k = 0; k < count; k++) CHECK(isfinite(fx[k]) && x[2 * k] <= 0);

    /* All NaN: an error, and x, fx, count untouched. */
    for (int i = 0; i < 48; i++) x[i] = 123.0;
    count = 99;
    CHECK(dl2o_initializer_propose(init, 2, always_nan, &inst, NULL, NULL, NULL, x, fx, &count,
                                   NULL) == DL2O_ENONFINITE);
    CHECK(count == 99);
    for (int i = 0; i < 48; i++) CHECK(x[i] == 123.0);
    CHECK(strstr(dl2o_initializer_errmsg(init), "NaN") != NULL);

    /* Bad input. */
    CHECK(dl2o_initializer_propose(init, 3, dl2o_instance_objective, &inst, NULL, NULL, NULL, x, fx,
                                   &count, NULL) == DL2O_EDIM);
    CHECK(strstr(dl2o_initializer_errmsg(init), "dim_x") != NULL);
    CHECK(dl2o_initializer_propose(init, 2, NULL, &inst, NULL, NULL, NULL, x, fx, &count, NULL) ==
          DL2O_EINVAL);
    CHECK(dl2o_initializer_propose(init, 2, dl2o_instance_objective, &inst, NULL, NULL, NULL, NULL,
                                   fx, &count, NULL) == DL2O_EINVAL);
    CHECK(dl2o_initializer_propose(NULL, 2, dl2o_instance_objective, &inst, NULL, NULL, NULL, x, fx,
                                   &count, NULL) == DL2O_EINVAL);
    double bad_lb[2] = {2.0, 0.0}, bad_ub[2] = {1.0, 1.0}, nan_lb[2] = {NAN, 0.0};
    CHECK(dl2o_initializer_propose(init, 2, dl2o_instance_objective, &inst, NULL, bad_lb, bad_ub, x,
                                   fx, &count, NULL) == DL2O_EINVAL);
    CHECK(dl2o_initializer_propose(init, 2, dl2o_instance_objective, &inst, NULL, nan_lb, bad_ub, x,
                                   fx, &count, NULL) == DL2O_ENONFINITE);
    CHECK(dl2o_initializer_set_candidates(init, 0) == DL2O_EINVAL);
    CHECK(dl2o_initializer_set_candidates(init, 0xFFFFFFFFu) == DL2O_EINVAL);
    CHECK(dl2o_initializer_get_candidates(init) == K);
    CHECK(dl2o_initializer_set_steps(init, 0) == DL2O_EINVAL);
    CHECK(dl2o_initializer_set_steps(init, 100000) == DL2O_EINVAL);
    CHECK(dl2o_initializer_set_sampler(init, (dl2o_sampler)7) == DL2O_EINVAL);
    CHECK(dl2o_initializer_set_device(init, DL2O_DEVICE_CUDA) == DL2O_EDEVICE);
    CHECK(dl2o_initializer_get_device(init) == DL2O_DEVICE_AUTO);
    /* The ancestral sampler works too. */
    CHECK(dl2o_initializer_set_sampler(init, DL2O_SAMPLER_ANCESTRAL) == DL2O_OK);
    CHECK(dl2o_initializer_propose(init, 2, dl2o_instance_objective, &inst, NULL, NULL, NULL, x, fx,
                                   &count, NULL) == DL2O_OK && count == K);
    dl2o_initializer_free(init);
}

static void test_theta_model(const char *path)
{
    dl2o_initializer *init = NULL;
    CHECK(dl2o_initializer_load(path, &init) == DL2O_OK);
    if (!init) return;
    CHECK(dl2o_initializer_guidance(init) == DL2O_GUIDANCE_THETA);
    CHECK(dl2o_initializer_guidance_evals(init) == 0);
    double x[64 * 2], fx[64];
    unsigned count, evals;
    dl2o_instance inst = {fam, theta};
    CHECK(dl2o_initializer_propose(init, 2, dl2o_instance_objective, &inst, NULL, NULL, NULL, x, fx,
                                   &count, &evals) == DL2O_EINVAL);
    CHECK(strstr(dl2o_initializer_errmsg(init), "theta") != NULL);
    CHECK(dl2o_initializer_propose(init, 2, dl2o_instance_objective, &inst, theta, NULL, NULL, x, fx,
                                   &count, &evals) == DL2O_OK);
    CHECK(count == 64 && evals == 64);
    double bad[8];
    memcpy(bad, theta, sizeof bad);
    bad[3] = INFINITY;
    CHECK(dl2o_initializer_propose(init, 2, dl2o_instance_objective, &inst, bad, NULL, NULL, x, fx,
                                   &count, &evals) == DL2O_ENONFINITE);
    dl2o_initializer_free(init);
}

typedef struct counting {
    dl2o_instance inst;
    unsigned calls;
} counting;

static double counted(unsigned n, const double *x, double *grad, void *data)
{
    counting *c = data;
    c->calls++;
    return dl2o_instance_objective(n, x, grad, &c->inst);
}

typedef struct best_seen {
    dl2o_instance inst;
    double f, x[2];
} best_seen;

static double keep_best(unsigned n, const double *x, double *grad, void *data)
{
    best_seen *b = data;
    double f = dl2o_instance_objective(n, x, grad, &b->inst);
    if (f < b->f) b->f = f, b->x[0] = x[0], b->x[1] = x[1];
    return f;
}

/* The anchor, computed here the way guidance.h documents it: LD_LBFGS from
 * the box centre, ftol_rel 1e-10, xtol_rel 1e-8, at most `maxeval` calls,
 * and the best point it evaluated must come back as one candidate. */
static double expected_anchor(unsigned maxeval, const double *lb, const double *ub, double *a)
{
    best_seen b = {{fam, theta}, INFINITY, {0, 0}};
    nlopt_opt o = nlopt_create(NLOPT_LD_LBFGS, 2);
    nlopt_set_lower_bounds(o, lb);
    nlopt_set_upper_bounds(o, ub);
    nlopt_set_min_objective(o, keep_best, &b);
    nlopt_set_maxeval(o, (int)maxeval);
    nlopt_set_ftol_rel(o, 1e-10);
    nlopt_set_xtol_rel(o, 1e-8);
    a[0] = 0.5 * (lb[0] + ub[0]), a[1] = 0.5 * (lb[1] + ub[1]);
    double f = NAN;
    nlopt_optimize(o, a, &f);
    nlopt_destroy(o);
    a[0] = b.x[0], a[1] = b.x[1];
    return b.f;
}

static void test_anchor_model(const char *path)
{
    dl2o_initializer *init = NULL;
    CHECK(dl2o_initializer_load(path, &init) == DL2O_OK);
    if (!init) return;
    unsigned A = dl2o_initializer_anchor_evals(init), P = 8, K = 16, count = 0, evals = 0;
    CHECK(A == 30);
    CHECK(dl2o_initializer_guidance_evals(init) == P + A);
    CHECK(dl2o_initializer_set_candidates(init, K) == DL2O_OK);
    double x[16 * 2], fx[16], a[2];
    const double box_lo[2] = {-8, -8}, box_hi[2] = {8, 8}, lb[2] = {-1, 0.25}, ub[2] = {3, 8};
    const double *bounds[2][2] = {{NULL, NULL}, {lb, ub}};
    for (int b = 0; b < 2; b++) {
        counting c = {{fam, theta}, 0};
        const double *l = bounds[b][0], *u = bounds[b][1];
        CHECK(dl2o_initializer_propose(init, 2, counted, &c, NULL, l, u, x, fx, &count, &evals) ==
              DL2O_OK);
        /* every call counted, the anchor's f not evaluated twice */
        CHECK_MSG(evals == c.calls, "propose said %u evaluations, f saw %u", evals, c.calls);
        CHECK(evals > P + K - 1 && evals <= P + A + K - 1);
        double fa = expected_anchor(A, l ? l : box_lo, u ? u : box_hi, a);
        int found = 0;
        for (unsigned k = 0; k < count; k++) {
            found |= x[2 * k] == a[0] && x[2 * k + 1] == a[1] && fx[k] == fa;
            CHECK(fx[k] == dl2o_family_eval(fam, theta, x + 2 * k, NULL));
            if (l) CHECK(x[2 * k] >= l[0] && x[2 * k] <= u[0] && x[2 * k + 1] >= l[1]);
            if (k) CHECK(fx[k - 1] <= fx[k]);
        }
        CHECK_MSG(found, "the anchor (%g, %g), f %g, is not among the candidates", a[0], a[1], fa);
        CHECK(fx[0] <= fa);
    }
    /* NaN everywhere: the anchor run finds nothing finite either */
    CHECK(dl2o_initializer_propose(init, 2, always_nan, NULL, NULL, NULL, NULL, x, fx, &count,
                                   NULL) == DL2O_ENONFINITE);
    dl2o_initializer_free(init);
}

int main(void)
{
    CHECK(dl2o_family_standard("rastrigin-2", &fam) == DL2O_OK);
    CHECK(dl2o_family_sample_theta(fam, 424242, 0, theta) == DL2O_OK);
    test_probe_model(DL2O_FIXTURE_DIR "/rastrigin-2.probe.h5");
    test_theta_model(DL2O_FIXTURE_DIR "/rastrigin-2.theta.h5");
    test_anchor_model(DL2O_FIXTURE_DIR "/rastrigin-2.anchor.h5");
    dl2o_initializer *init = (dl2o_initializer *)1;
    CHECK(dl2o_initializer_load(DL2O_FIXTURE_DIR "/no-such-file.h5", &init) != DL2O_OK);
    CHECK(init == NULL && dl2o_last_error()[0] != '\0');
    CHECK(dl2o_initializer_load(NULL, &init) == DL2O_EINVAL);
    CHECK(dl2o_initializer_load("x.h5", NULL) == DL2O_EINVAL);
    dl2o_family_free(fam);
    return dl2o_test_finish("test_initializer");
}
