/* test_guidance.c — probe guidance holds f and grad f at the probe points
 * as they are (format version 3), or their signed logarithm for signed_log
 * models (versions 1 and 2); non-finite values become NaN either way. */
#include <math.h>
#include <stdio.h>

#include "guidance.h"
#include "model.h"
#include "testutil.h"

/* f = x0^2 + 3 x1 - 5 (NaN where x0 > 100), gradient (2 x0, 3) */
static double objective(unsigned n, const double *x, double *grad, void *data)
{
    (void)n, (void)data;
    if (grad) grad[0] = 2 * x[0], grad[1] = 3;
    return x[0] > 100 ? NAN : x[0] * x[0] + 3 * x[1] - 5;
}

static double slog(double v) { return v < 0 ? -log1p(-v) : log1p(v); }

static void check_encoding(int signed_log)
{
    dl2o_model_dims d = {.dim_x = 2, .dim_theta = 0, .guidance = DL2O_GUIDANCE_PROBE,
                         .n_probes = 3, .width = 4, .blocks = 1, .oracle_width = 4,
                         .oracle_blocks = 1, .time_embed = 4, .schedule = DL2O_SCHEDULE_COSINE,
                         .T = 10, .signed_log = signed_log};
    dl2o_model m;
    CHECK(dl2o_model_init(&m, &d) == DL2O_OK);
    CHECK(m.dim_g == 9);
    const double probes[3][2] = {{1.5, -2.0}, {-4.0, 0.25}, {200.0, 1.0}};
    for (int j = 0; j < 3; j++) m.probes[2 * j] = probes[j][0], m.probes[2 * j + 1] = probes[j][1];
    double g[9], scratch[2];
    dl2o_guidance_info info;
    CHECK(dl2o_guidance_encode(&m, objective, NULL, NULL, NULL, NULL, g, scratch, &info) == DL2O_OK);
    CHECK(info.evals == 3);
    for (int j = 0; j < 2; j++) { /* the two finite probes */
        double x0 = probes[j][0], x1 = probes[j][1];
        double want[3] = {x0 * x0 + 3 * x1 - 5, 2 * x0, 3};
        for (int k = 0; k < 3; k++) {
            double w = signed_log ? slog(want[k]) : want[k];
            CHECK_MSG(g[3 * j + k] == w, "signed_log %d, probe %d, value %d: %.17g, want %.17g",
                      signed_log, j, k, g[3 * j + k], w);
        }
    }
    CHECK(isnan(g[6])); /* f is NaN at the third probe; its gradient is finite */
    CHECK(g[7] == (signed_log ? slog(400.0) : 400.0));
    dl2o_model_free(&m);
}

int main(void)
{
    check_encoding(0);
    check_encoding(1);
    return dl2o_test_finish("guidance");
}
