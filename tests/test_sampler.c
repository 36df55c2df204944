/* test_sampler.c — samplers: reproducible by seed, caller-supplied noise
 * equals the stream's, x0 clipping keeps samples in the box. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "diffusion.h"
#include "model.h"
#include "rng.h"
#include "testutil.h"

static void run(dl2o_sampler kind, int steps)
{
    dl2o_model_dims d = {.dim_x = 3, .dim_theta = 4, .guidance = DL2O_GUIDANCE_THETA,
                         .width = 16, .blocks = 2, .oracle_width = 8, .oracle_blocks = 1,
                         .time_embed = 8, .schedule = DL2O_SCHEDULE_COSINE, .T = 50};
    dl2o_model m;
    CHECK(dl2o_model_init(&m, &d) == DL2O_OK);
    dl2o_rng rng;
    dl2o_rng_init(&rng, 1, 2, 3);
    dl2o_mlp_init_params(&m.denoiser, m.params, &rng);
    dl2o_mlp_init_params(&m.oracle, m.params, &rng);
    enum { R = 6, n = 3 };
    float g[R * 4], lo[n] = {-1, -2, -0.5f}, hi[n] = {1, 0.5f, 0.5f};
    for (int i = 0; i < R * 4; i++) g[i] = (float)dl2o_rng_normal(&rng);
    dl2o_sampler_ws *ws = NULL;
    CHECK(dl2o_sampler_ws_create(&dl2o_backend_cpu, &m, R, &ws) == DL2O_OK);
    float a[R * n], b[R * n], c[R * n];
    CHECK(dl2o_sample(ws, R, g, lo, hi, kind, steps, NULL, 42, 7, a) == DL2O_OK);
    CHECK(dl2o_sample(ws, R, g, lo, hi, kind, steps, NULL, 42, 7, b) == DL2O_OK);
    CHECK_MSG(memcmp(a, b, sizeof a) == 0, "same seed and index must give bitwise-equal samples");
    CHECK(dl2o_sample(ws, R, g, lo, hi, kind, steps, NULL, 42, 8, c) == DL2O_OK);
    CHECK_MSG(memcmp(a, c, sizeof a) != 0, "another index must give other samples");
    CHECK(dl2o_sample(ws, R, g, lo, hi, kind, steps, NULL, 43, 7, c) == DL2O_OK);
    CHECK_MSG(memcmp(a, c, sizeof a) != 0, "another seed must give other samples");
    for (int i = 0; i < R * n; i++)
        CHECK_MSG(a[i] >= lo[i % n] - 1e-5f && a[i] <= hi[i % n] + 1e-5f, "sample %d = %g outside [%g, %g]",
                  i, a[i], lo[i % n], hi[i % n]);

    /* The same noise handed in explicitly reproduces the stream's samples. */
    int draws = dl2o_sampler_noise_draws(&m, kind, steps);
    float *noise = malloc((size_t)draws * R * n * sizeof *noise);
    for (int k = 0; k < draws; k++)
        dl2o_backend_cpu.normal(&dl2o_backend_cpu, (size_t)R * n, 42, DL2O_STREAM_SAMPLE,
                                (7ull << 16) + (uint64_t)k, noise + (size_t)k * R * n);
    CHECK(dl2o_sample(ws, R, g, lo, hi, kind, steps, noise, 0, 0, c) == DL2O_OK);
    CHECK_MSG(memcmp(a, c, sizeof a) == 0, "supplied noise must reproduce the stream's samples");
    free(noise);

    /* Bad requests are errors, not crashes. */
    CHECK(dl2o_sample(ws, R + 1, g, lo, hi, kind, steps, NULL, 1, 1, c) == DL2O_EINVAL);
    if (kind == DL2O_SAMPLER_DDIM) CHECK(dl2o_sample(ws, R, g, lo, hi, kind, 51, NULL, 1, 1, c) == DL2O_EINVAL);
    dl2o_sampler_ws_free(ws);
    dl2o_model_free(&m);
}

int main(void)
{
    run(DL2O_SAMPLER_DDIM, 10);
    run(DL2O_SAMPLER_DDIM, 1);
    run(DL2O_SAMPLER_ANCESTRAL, 0);
    return dl2o_test_finish("test_sampler");
}
