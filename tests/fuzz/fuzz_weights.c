/* fuzz_weights.c — libFuzzer target for weight files ("dl2o-weights" v1).
 *
 * Each input is a whole file. dl2o_model_load must either succeed or fail
 * with a status, a non-empty message and a zeroed model; never crash, hang,
 * leak or trip a sanitizer. When a file does load, dl2o_initializer_load
 * loads it again and proposes two candidates with two DDIM steps, so that a
 * hostile but well-formed file (huge finite weights, odd statistics) is
 * also run through the sampler the CLI's sample/solve use.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl2o.h"
#include "fuzz_file.h"
#include "model.h"
#include "model_io.h"

/* Models larger than this are loaded but not sampled (keeps exec/s up). */
#define SAMPLE_PARAMS_MAX 200000

static double sphere(unsigned n, const double *x, double *grad, void *data)
{
    (void)data;
    double s = 0;
    for (unsigned i = 0; i < n; i++) {
        s += x[i] * x[i];
        if (grad) grad[i] = 2 * x[i];
    }
    return s;
}

static int all_zero(const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        if (c[i]) return 0;
    return 1;
}

static void propose(const char *path)
{
    dl2o_initializer *init = NULL;
    dl2o_status st = dl2o_initializer_load(path, &init);
    if (st != DL2O_OK) {
        fprintf(stderr, "model_load accepted the file, initializer_load did not: %s\n",
                dl2o_last_error());
        abort();
    }
    unsigned n = dl2o_initializer_dim_x(init), nt = dl2o_initializer_dim_theta(init);
    double *theta = calloc(nt ? nt : 1, sizeof *theta);
    double *x = calloc(2 * (size_t)n, sizeof *x), fx[2];
    unsigned count = 0, evals = 0;
    if (!theta || !x) abort();
    for (unsigned i = 0; i < nt; i++) theta[i] = 0.5;
    if (dl2o_initializer_set_candidates(init, 2) != DL2O_OK ||
        dl2o_initializer_set_steps(init, 2) != DL2O_OK ||
        dl2o_initializer_set_device(init, DL2O_DEVICE_CPU) != DL2O_OK)
        abort();
    st = dl2o_initializer_propose(init, n, sphere, NULL, theta, NULL, NULL, x, fx, &count, &evals);
    if (st == DL2O_OK && (count < 1 || count > 2)) abort();
    if (st != DL2O_OK && !dl2o_last_error()[0]) abort();
    free(theta);
    free(x);
    dl2o_initializer_free(init);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file_write(data, size);
    dl2o_model m;
    dl2o_status st = dl2o_model_load(path, &m);
    if (st != DL2O_OK) {
        /* The contract of model_io.h: a message, and the model left zeroed. */
        if (!dl2o_last_error()[0] || !all_zero(&m, sizeof m)) {
            fprintf(stderr, "failed load without a message or with a non-zero model\n");
            abort();
        }
        return 0;
    }
    size_t n_params = m.n_params;
    dl2o_model_free(&m);
    if (n_params <= SAMPLE_PARAMS_MAX) propose(path);
    return 0;
}
