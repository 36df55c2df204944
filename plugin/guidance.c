#include "guidance.h"

#include <math.h>
#include <string.h>

#include "common.h"

double dl2o_slog(double v) { return v < 0 ? -log1p(-v) : log1p(v); }

dl2o_status dl2o_guidance_encode(const dl2o_model *m, dl2o_func f, void *f_data,
                                 const double *theta, double *g, double *scratch,
                                 unsigned *evals)
{
    int n = m->dims.dim_x;
    *evals = 0;
    if (m->dims.guidance == DL2O_GUIDANCE_THETA) {
        if (!theta)
            return DL2O_FAIL(DL2O_EINVAL, "this model was trained with theta guidance and needs "
                             "theta; pass the instance's theta (or use a probe-guided model)");
        memcpy(g, theta, (size_t)m->dims.dim_theta * sizeof *g);
        return DL2O_OK;
    }
    if (!f) return DL2O_FAIL(DL2O_EINVAL, "probe guidance needs the objective callback f");
    for (int j = 0; j < m->dims.n_probes; j++) {
        double *gj = g + (size_t)j * (1 + n);
        double fx = f((unsigned)n, m->probes + (size_t)j * n, scratch, f_data);
        (*evals)++;
        gj[0] = isfinite(fx) ? dl2o_slog(fx) : NAN;
        for (int k = 0; k < n; k++) gj[1 + k] = isfinite(scratch[k]) ? dl2o_slog(scratch[k]) : NAN;
    }
    return DL2O_OK;
}

void dl2o_guidance_normalize(const dl2o_model *m, const double *g, float *gn)
{
    for (int k = 0; k < m->dim_g; k++) {
        double v = (g[k] - m->g_mean[k]) / m->g_std[k];
        gn[k] = isfinite(v) ? (float)v : 0.0f;
    }
}
