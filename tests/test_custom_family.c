/* test_custom_family.c — a user-defined family through the public API only:
 * f(x; theta) = |x - theta|^2 in [-2, 2]^2, solution x* = theta. Trains with
 * a theta sampler, then with a theta file, and checks that the model's best
 * candidate lands near theta on new instances from the callback alone. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl2o.h"
#include "testutil.h"

static double shifted_sphere(unsigned n, const double *x, double *grad, void *data)
{
    const double *theta = data;
    double f = 0.0;
    for (unsigned j = 0; j < n; j++) {
        double d = x[j] - theta[j];
        f += d * d;
        if (grad) grad[j] = 2.0 * d;
    }
    return f;
}

/* theta uniform in [-1.5, 1.5]^2, from the seed alone */
static int theta_sampler(uint64_t seed, unsigned p, double *theta, void *data)
{
    (void)data;
    for (unsigned k = 0; k < p; k++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        theta[k] = -1.5 + 3.0 * (double)(seed >> 11) * 0x1.0p-53;
    }
    return 0;
}

static double mean_error(const char *path)
{
    dl2o_initializer *init = NULL;
    CHECK(dl2o_initializer_load(path, &init) == DL2O_OK);
    if (!init) return INFINITY;
    CHECK(!strcmp(dl2o_initializer_family(init), "shifted-sphere"));
    double x[64 * 2], fx[64], err = 0.0;
    for (int i = 0; i < 20; i++) {
        double theta[2];
        theta_sampler(999000 + (uint64_t)i, 2, theta, NULL);
        unsigned count = 0;
        CHECK(dl2o_initializer_propose(init, 2, shifted_sphere, theta, NULL, NULL, NULL, x, fx,
                                       &count, NULL) == DL2O_OK);
        err += sqrt(fx[0]) / 20; /* distance of the best candidate to theta */
    }
    dl2o_initializer_free(init);
    return err;
}

int main(void)
{
    const char *dir = dl2o_test_tmpdir("custom_family");
    char path[1200], thetas[1200];
    double lo[2] = {-2, -2}, hi[2] = {2, 2};
    dl2o_family_spec spec = {.name = "shifted-sphere", .dim_x = 2, .dim_theta = 2, .lower = lo,
                             .upper = hi, .f = shifted_sphere, .sampler = theta_sampler,
                             .thread_safe = 1};
    dl2o_family *fam = NULL;
    CHECK(dl2o_family_custom(&spec, &fam) == DL2O_OK);
    dl2o_train_config cfg;
    dl2o_train_config_default(&cfg);
    cfg.instances = 1000, cfg.restarts = 1, cfg.steps = 400, cfg.width = 32, cfg.blocks = 1;
    cfg.oracle_width = 32, cfg.oracle_blocks = 1, cfg.probes = 4;
    snprintf(path, sizeof path, "%s/sampler.h5", dir);
    CHECK(dl2o_train(fam, &cfg, path, NULL) == DL2O_OK);
    double e1 = mean_error(path);
    printf("sampler-trained: mean distance of the best candidate to x* = %.4f\n", e1);
    /* Random points in the box are ~1.5 away; the model must do far better. */
    CHECK(e1 < 0.2);
    dl2o_family_free(fam);

    /* The same family from a theta file, theta guidance this time. */
    snprintf(thetas, sizeof thetas, "%s/thetas.csv", dir);
    FILE *fp = fopen(thetas, "w");
    CHECK(fp != NULL);
    for (int i = 0; fp && i < 800; i++) {
        double t[2];
        theta_sampler((uint64_t)i, 2, t, NULL);
        fprintf(fp, "%.17g,%.17g\n", t[0], t[1]);
    }
    if (fp) fclose(fp);
    spec.sampler = NULL;
    spec.theta_file = thetas;
    spec.thread_safe = 0;
    CHECK(dl2o_family_custom(&spec, &fam) == DL2O_OK);
    cfg.guidance = DL2O_GUIDANCE_THETA;
    snprintf(path, sizeof path, "%s/file.h5", dir);
    CHECK(dl2o_train(fam, &cfg, path, NULL) == DL2O_OK);
    dl2o_initializer *init = NULL;
    CHECK(dl2o_initializer_load(path, &init) == DL2O_OK);
    double x[64 * 2], fx[64], theta[2] = {0.7, -0.4};
    unsigned count;
    CHECK(dl2o_initializer_propose(init, 2, shifted_sphere, theta, theta, NULL, NULL, x, fx, &count,
                                   NULL) == DL2O_OK);
    CHECK(sqrt(fx[0]) < 0.2);
    dl2o_initializer_free(init);

    /* Bad training input: an error, no file. */
    CHECK(dl2o_train(NULL, &cfg, path, NULL) == DL2O_EINVAL);
    cfg.steps = 0;
    snprintf(path, sizeof path, "%s/never.h5", dir);
    CHECK(dl2o_train(fam, &cfg, path, NULL) == DL2O_EINVAL);
    FILE *never = fopen(path, "r");
    CHECK(never == NULL);
    if (never) fclose(never);
    dl2o_family_free(fam);
    return dl2o_test_finish("test_custom_family");
}
