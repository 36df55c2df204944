#include "model.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"

const char *dl2o_guidance_name(dl2o_guidance g) { return g == DL2O_GUIDANCE_PROBE ? "probe" : "theta"; }

int dl2o_guidance_parse(const char *name, dl2o_guidance *g)
{
    if (!name) return -1;
    if (strcmp(name, "theta") == 0) *g = DL2O_GUIDANCE_THETA;
    else if (strcmp(name, "probe") == 0) *g = DL2O_GUIDANCE_PROBE;
    else return -1;
    return 0;
}

int dl2o_model_dim_g(const dl2o_model_dims *d)
{
    int g = d->guidance == DL2O_GUIDANCE_PROBE ? d->n_probes * (1 + d->dim_x) : d->dim_theta;
    return d->anchor_maxeval > 0 ? g + d->dim_x + 1 : g;
}

/* Limits keep every product below well under INT_MAX, which the GEMM sizes use. */
#define DIM_MAX 100000
#define WIDTH_MAX 8192
#define PROBES_MAX 1024

static dl2o_status check_dims(const dl2o_model_dims *d)
{
    if (d->dim_x < 1 || d->dim_x > DIM_MAX)
        return DL2O_FAIL(DL2O_EINVAL, "dim_x = %d is out of range 1..%d", d->dim_x, DIM_MAX);
    if (d->dim_theta < 0 || d->dim_theta > DIM_MAX)
        return DL2O_FAIL(DL2O_EINVAL, "dim_theta = %d is out of range 0..%d", d->dim_theta, DIM_MAX);
    if (d->guidance != DL2O_GUIDANCE_THETA && d->guidance != DL2O_GUIDANCE_PROBE)
        return DL2O_FAIL(DL2O_EINVAL, "unknown guidance mode %d", (int)d->guidance);
    if (d->guidance == DL2O_GUIDANCE_THETA && d->dim_theta < 1)
        return DL2O_FAIL(DL2O_EINVAL, "theta guidance needs dim_theta >= 1");
    if (d->guidance == DL2O_GUIDANCE_PROBE && (d->n_probes < 1 || d->n_probes > PROBES_MAX))
        return DL2O_FAIL(DL2O_EINVAL, "probe guidance needs 1..%d probes, got %d", PROBES_MAX,
                         d->n_probes);
    if (d->guidance == DL2O_GUIDANCE_THETA && d->n_probes != 0)
        return DL2O_FAIL(DL2O_EINVAL, "theta guidance takes no probes, got %d", d->n_probes);
    if (d->anchor_maxeval < 0 || d->anchor_maxeval > DL2O_ANCHOR_MAXEVAL_MAX)
        return DL2O_FAIL(DL2O_EINVAL, "anchor_maxeval = %d is out of range 0..%d", d->anchor_maxeval,
                         DL2O_ANCHOR_MAXEVAL_MAX);
    if (dl2o_model_dim_g(d) > DIM_MAX)
        return DL2O_FAIL(DL2O_EINVAL, "guidance width %d is over %d; use fewer probes",
                         dl2o_model_dim_g(d), DIM_MAX);
    if (d->width < 1 || d->width > WIDTH_MAX || d->oracle_width < 1 || d->oracle_width > WIDTH_MAX)
        return DL2O_FAIL(DL2O_EINVAL, "network widths must be 1..%d", WIDTH_MAX);
    if (d->blocks < 0 || d->blocks > DL2O_MAX_BLOCKS || d->oracle_blocks < 0 ||
        d->oracle_blocks > DL2O_MAX_BLOCKS)
        return DL2O_FAIL(DL2O_EINVAL, "residual blocks must be 0..%d", DL2O_MAX_BLOCKS);
    if (d->time_embed < 2 || d->time_embed > 1024 || d->time_embed % 2)
        return DL2O_FAIL(DL2O_EINVAL, "time embedding width must be even, 2..1024, got %d",
                         d->time_embed);
    return DL2O_OK;
}

dl2o_status dl2o_model_init(dl2o_model *m, const dl2o_model_dims *dims)
{
    dl2o_status st = DL2O_OK;
    memset(m, 0, sizeof *m);
    DL2O_TRY(check_dims(dims));
    m->dims = *dims;
    m->dim_g = dl2o_model_dim_g(dims);
    DL2O_TRY(dl2o_schedule_init(&m->sched, dims->schedule, dims->T, dims->beta_start,
                                dims->beta_end));
    int n = dims->dim_x, G = m->dim_g;
    if (dl2o_mlp_layout(&m->denoiser, n + dims->time_embed + G, dims->width, dims->blocks, n, 0) ||
        dl2o_mlp_layout(&m->oracle, G, dims->oracle_width, dims->oracle_blocks, n,
                        m->denoiser.n_params)) {
        st = DL2O_FAIL(DL2O_EINVAL, "network sizes overflow");
        goto out;
    }
    m->n_params = m->denoiser.n_params + m->oracle.n_params;
    m->params = dl2o_xcalloc(m->n_params, sizeof(float), "model parameters");
    size_t n_stats = 4 * (size_t)n + 2 * (size_t)G + (size_t)dims->n_probes * n;
    m->stats = dl2o_xcalloc(n_stats, sizeof(double), "model statistics");
    if (!m->params || !m->stats) {
        st = DL2O_ENOMEM;
        goto out;
    }
    double *p = m->stats;
    m->x_mean = p, p += n;
    m->x_std = p, p += n;
    m->lower = p, p += n;
    m->upper = p, p += n;
    m->g_mean = p, p += G;
    m->g_std = p, p += G;
    m->probes = dims->n_probes ? p : NULL;
    for (int i = 0; i < n; i++) m->x_std[i] = 1.0, m->lower[i] = -1.0, m->upper[i] = 1.0;
    for (int i = 0; i < G; i++) m->g_std[i] = 1.0;
    m->f_scale = 1.0;
    m->family_version = 1;
    snprintf(m->library_version, sizeof m->library_version, "%s", DL2O_VERSION);
out:
    if (st != DL2O_OK) dl2o_model_free(m);
    return st;
}

void dl2o_model_free(dl2o_model *m)
{
    if (!m) return;
    dl2o_schedule_free(&m->sched);
    free(m->params);
    free(m->stats);
    free(m->training_json);
    memset(m, 0, sizeof *m);
}
