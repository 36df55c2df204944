/* initializer.c — the initializer stage: load a model, propose candidates
 * for one instance (guidance -> sampler -> clamp -> evaluate -> rank). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "common.h"
#include "diffusion.h"
#include "guidance.h"
#include "model_io.h"

struct dl2o_initializer {
    dl2o_model model;
    const dl2o_backend *be;
    dl2o_device device;
    unsigned K, steps;
    dl2o_sampler sampler;
    uint64_t seed, calls;
    char err[DL2O_ERRMSG_MAX];
    /* scratch sized for `cap` candidates, grown on demand */
    unsigned cap;
    dl2o_sampler_ws *ws;
    double *graw, *scratch, *xd, *fv;  /* (G), (n), (cap, n), (cap) */
    double *clo, *chi;                 /* (n), (n) the clamp box */
    float *gn, *xn, *lo, *hi;          /* (cap, G), (cap, n), (n), (n) */
    int *order;                        /* (cap) */
};

#define K_MAX (1u << 20)



/* Records the failure in the handle too, and returns it. */
static dl2o_status keep(dl2o_initializer *init, dl2o_status st)
{
    if (st != DL2O_OK && init) dl2o_copy_last_error(init->err, sizeof init->err);
    return st;
}

static void free_scratch(dl2o_initializer *init)
{
    dl2o_sampler_ws_free(init->ws);
    init->ws = NULL;
    free(init->graw);
    free(init->gn);
    free(init->order);
    init->graw = NULL, init->gn = NULL, init->order = NULL;
    init->cap = 0;
}

static dl2o_status ensure_scratch(dl2o_initializer *init, unsigned K)
{
    if (init->ws && init->cap >= K) return DL2O_OK;
    free_scratch(init);
    const dl2o_model *m = &init->model;
    size_t n = (size_t)m->dims.dim_x, G = (size_t)m->dim_g;
    init->graw = dl2o_calloc(G + 3 * n + (size_t)K * n + K, sizeof(double));
    init->gn = dl2o_calloc((size_t)K * G + (size_t)K * n + 2 * n, sizeof(float));
    init->order = dl2o_calloc(K, sizeof(int));
    if (!init->graw || !init->gn || !init->order) {
        free_scratch(init);
        return DL2O_FAIL(DL2O_ENOMEM, "out of memory for %u candidates; lower the candidate count", K);
    }
    init->scratch = init->graw + G;
    init->xd = init->scratch + n;
    init->fv = init->xd + (size_t)K * n;
    init->clo = init->fv + K;
    init->chi = init->clo + n;
    init->xn = init->gn + (size_t)K * G;
    init->lo = init->xn + (size_t)K * n;
    init->hi = init->lo + n;
    dl2o_status st = dl2o_sampler_ws_create(init->be, m, (int)K, &init->ws);
    if (st != DL2O_OK) {
        free_scratch(init);
        return st;
    }
    init->cap = K;
    return DL2O_OK;
}

dl2o_status dl2o_initializer_load(const char *path, dl2o_initializer **out)
{
    dl2o_status st = DL2O_OK;
    if (!out) return DL2O_FAIL(DL2O_EINVAL, "dl2o_initializer_load: out is NULL");
    *out = NULL;
    if (!path) return DL2O_FAIL(DL2O_EINVAL, "dl2o_initializer_load: path is NULL");
    dl2o_initializer *init = dl2o_xcalloc(1, sizeof *init, "initializer");
    if (!init) return DL2O_ENOMEM;
    DL2O_TRY(dl2o_model_load(path, &init->model));
    DL2O_TRY(dl2o_backend_select(DL2O_DEVICE_AUTO, &init->be));
    init->device = DL2O_DEVICE_AUTO;
    init->K = 64;
    init->steps = init->model.sched.T < 10 ? (unsigned)init->model.sched.T : 10;
    init->sampler = DL2O_SAMPLER_DDIM;
    *out = init;
    init = NULL;
out:
    dl2o_initializer_free(init);
    return st;
}

void dl2o_initializer_free(dl2o_initializer *init)
{
    if (!init) return;
    free_scratch(init);
    dl2o_model_free(&init->model);
    free(init);
}

const char *dl2o_initializer_errmsg(const dl2o_initializer *init) { return init ? init->err : ""; }

#define NEED(init)                                                                       \
    if (!(init)) return DL2O_FAIL(DL2O_EINVAL, "%s: initializer is NULL", __func__)

dl2o_status dl2o_initializer_set_candidates(dl2o_initializer *init, unsigned k)
{
    NEED(init);
    if (k < 1 || k > K_MAX)
        return keep(init, DL2O_FAIL(DL2O_EINVAL, "candidate count %u is out of range 1..%u", k, K_MAX));
    init->K = k;
    return DL2O_OK;
}
unsigned dl2o_initializer_get_candidates(const dl2o_initializer *init) { return init ? init->K : 0; }

dl2o_status dl2o_initializer_set_sampler(dl2o_initializer *init, dl2o_sampler sampler)
{
    NEED(init);
    if (sampler != DL2O_SAMPLER_DDIM && sampler != DL2O_SAMPLER_ANCESTRAL)
        return keep(init, DL2O_FAIL(DL2O_EINVAL, "unknown sampler %d; use DDIM or ANCESTRAL", (int)sampler));
    init->sampler = sampler;
    return DL2O_OK;
}
dl2o_sampler dl2o_initializer_get_sampler(const dl2o_initializer *init)
{
    return init ? init->sampler : DL2O_SAMPLER_DDIM;
}

dl2o_status dl2o_initializer_set_steps(dl2o_initializer *init, unsigned steps)
{
    NEED(init);
    if (steps < 1 || steps > (unsigned)init->model.sched.T)
        return keep(init, DL2O_FAIL(DL2O_EINVAL, "DDIM steps must be 1..%d (the model's T), got %u",
                                    init->model.sched.T, steps));
    init->steps = steps;
    return DL2O_OK;
}
unsigned dl2o_initializer_get_steps(const dl2o_initializer *init) { return init ? init->steps : 0; }

dl2o_status dl2o_initializer_set_seed(dl2o_initializer *init, uint64_t seed)
{
    NEED(init);
    init->seed = seed;
    init->calls = 0;
    return DL2O_OK;
}
uint64_t dl2o_initializer_get_seed(const dl2o_initializer *init) { return init ? init->seed : 0; }

dl2o_status dl2o_initializer_set_device(dl2o_initializer *init, dl2o_device device)
{
    NEED(init);
    const dl2o_backend *be;
    dl2o_status st = dl2o_backend_select(device, &be);
    if (st != DL2O_OK) return keep(init, st);
    if (be != init->be) free_scratch(init);
    init->be = be;
    init->device = device;
    return DL2O_OK;
}
dl2o_device dl2o_initializer_get_device(const dl2o_initializer *init)
{
    return init ? init->device : DL2O_DEVICE_AUTO;
}

unsigned dl2o_initializer_dim_x(const dl2o_initializer *i) { return i ? (unsigned)i->model.dims.dim_x : 0; }
unsigned dl2o_initializer_dim_theta(const dl2o_initializer *i) { return i ? (unsigned)i->model.dims.dim_theta : 0; }
dl2o_guidance dl2o_initializer_guidance(const dl2o_initializer *i) { return i ? i->model.dims.guidance : DL2O_GUIDANCE_THETA; }
const char *dl2o_initializer_family(const dl2o_initializer *i) { return i ? i->model.family : ""; }
const double *dl2o_initializer_lower(const dl2o_initializer *i) { return i ? i->model.lower : NULL; }
const double *dl2o_initializer_upper(const dl2o_initializer *i) { return i ? i->model.upper : NULL; }
unsigned dl2o_initializer_guidance_evals(const dl2o_initializer *i)
{
    if (!i) return 0;
    const dl2o_model_dims *d = &i->model.dims;
    return (d->guidance == DL2O_GUIDANCE_PROBE ? (unsigned)d->n_probes : 0) +
           (unsigned)d->anchor_maxeval;
}
unsigned dl2o_initializer_anchor_evals(const dl2o_initializer *i)
{
    return i ? (unsigned)i->model.dims.anchor_maxeval : 0;
}

static void sort_by_f(int *order, int cnt, const double *fv)
{
    /* insertion sort: K is small, and it needs no global state */
    for (int a = 1; a < cnt; a++) {
        int v = order[a], b = a - 1;
        while (b >= 0 && (fv[order[b]] > fv[v] || (fv[order[b]] == fv[v] && order[b] > v))) {
            order[b + 1] = order[b];
            b--;
        }
        order[b + 1] = v;
    }
}

static dl2o_status check_bounds(unsigned n, const double *lb, const double *ub)
{
    for (unsigned j = 0; j < n; j++) {
        double l = lb ? lb[j] : -INFINITY, u = ub ? ub[j] : INFINITY;
        if (isnan(l) || isnan(u))
            return DL2O_FAIL(DL2O_ENONFINITE, "bound of x[%u] is NaN", j);
        if (l > u)
            return DL2O_FAIL(DL2O_EINVAL, "lower bound %g > upper bound %g at x[%u]", l, u, j);
        if (l == INFINITY || u == -INFINITY)
            return DL2O_FAIL(DL2O_EINVAL, "bounds of x[%u] are [%g, %g]: no finite x satisfies "
                             "them; use finite bounds, or -Inf/+Inf for no bound", j, l, u);
    }
    return DL2O_OK;
}

static dl2o_status propose(dl2o_initializer *init, unsigned n, dl2o_func f, void *f_data,
                           const double *theta, const double *lb, const double *ub, double *x,
                           double *fx, unsigned *count, unsigned *evals)
{
    const dl2o_model *m = &init->model;
    if (!f || !x || !fx || !count)
        return DL2O_FAIL(DL2O_EINVAL, "dl2o_initializer_propose: f, x, fx and count are required");
    if (n != (unsigned)m->dims.dim_x)
        return DL2O_FAIL(DL2O_EDIM, "problem has n = %u but the model (%s) has dim_x = %d; use a "
                         "model trained for this dimension", n, m->family, m->dims.dim_x);
    if (m->dims.guidance == DL2O_GUIDANCE_THETA && !theta)
        return DL2O_FAIL(DL2O_EINVAL, "this model (%s) was trained with theta guidance and needs "
                         "theta; pass the instance's theta, or use a probe-guided model", m->family);
    if (theta && m->dims.guidance == DL2O_GUIDANCE_THETA &&
        !dl2o_all_finite(theta, (size_t)m->dims.dim_theta))
        return DL2O_FAIL(DL2O_ENONFINITE, "theta contains NaN or Inf");
    dl2o_status st = check_bounds(n, lb, ub);
    if (st != DL2O_OK) return st;
    unsigned K = init->K;
    if ((st = ensure_scratch(init, K)) != DL2O_OK) return st;

    int G = m->dim_g;
    /* Clamp box: the model's box cut by the caller's bounds; where they do
     * not overlap, the caller's bounds win. */
    double *clo = init->clo, *chi = init->chi;
    for (unsigned j = 0; j < n; j++) {
        double l = lb ? lb[j] : -INFINITY, u = ub ? ub[j] : INFINITY;
        double a = fmax(m->lower[j], l), b = fmin(m->upper[j], u);
        if (a > b) a = l, b = u;
        clo[j] = a, chi[j] = b;
    }
    dl2o_guidance_info gi;
    if ((st = dl2o_guidance_encode(m, f, f_data, theta, clo, chi, init->graw, init->scratch, &gi)) !=
        DL2O_OK)
        return st;
    unsigned used = gi.evals;
    dl2o_guidance_normalize(m, init->graw, init->gn);
    for (unsigned r = 1; r < K; r++)
        memcpy(init->gn + (size_t)r * G, init->gn, (size_t)G * sizeof(float));
    /* Anchored models describe offsets from the anchor: (n), else NULL. */
    const double *anchor = dl2o_guidance_anchor(m, init->graw);
    for (unsigned j = 0; j < n; j++) {
        double origin = m->x_mean[j] + (anchor ? anchor[j] : 0.0);
        init->lo[j] = (float)fmax((clo[j] - origin) / m->x_std[j], -DL2O_X0_CLIP_STD);
        init->hi[j] = (float)fmin((chi[j] - origin) / m->x_std[j], DL2O_X0_CLIP_STD);
    }
    st = dl2o_sample(init->ws, (int)K, init->gn, init->lo, init->hi, init->sampler,
                     (int)init->steps, NULL, init->seed, init->calls++, init->xn);
    if (st != DL2O_OK) return st;
    if (K >= 2) /* the oracle's one-pass point takes the last slot */
        if ((st = dl2o_oracle_predict(init->ws, 1, init->gn, init->xn + (size_t)(K - 1) * n)) != DL2O_OK)
            return st;

    int cnt = 0;
    for (unsigned r = 0; r < K; r++) {
        double *xr = init->xd + (size_t)r * n;
        if (anchor && r == 0) { /* the anchor itself is the first candidate; f is known */
            memcpy(xr, anchor, n * sizeof *xr);
            init->fv[r] = gi.f_anchor;
        } else {
            for (unsigned j = 0; j < n; j++) {
                double v = m->x_mean[j] + (anchor ? anchor[j] : 0.0) +
                           m->x_std[j] * init->xn[(size_t)r * n + j];
                xr[j] = v < clo[j] ? clo[j] : (v > chi[j] ? chi[j] : v);
                if (!isfinite(xr[j])) xr[j] = isfinite(clo[j]) ? clo[j] : 0.0;
            }
            init->fv[r] = f(n, xr, NULL, f_data);
            used++;
        }
        if (isfinite(init->fv[r])) init->order[cnt++] = (int)r;
    }
    if (evals) *evals = used;
    if (cnt == 0)
        return DL2O_FAIL(DL2O_ENONFINITE, "the objective was NaN/Inf at all %u candidates; check f "
                         "inside the box (x was left untouched)", K);
    sort_by_f(init->order, cnt, init->fv);
    for (int r = 0; r < cnt; r++) {
        memcpy(x + (size_t)r * n, init->xd + (size_t)init->order[r] * n, n * sizeof *x);
        fx[r] = init->fv[init->order[r]];
    }
    *count = (unsigned)cnt;
    return DL2O_OK;
}

dl2o_status dl2o_initializer_propose(dl2o_initializer *init, unsigned n, dl2o_func f,
                                     void *f_data, const double *theta, const double *lb,
                                     const double *ub, double *x, double *fx, unsigned *count,
                                     unsigned *evals)
{
    NEED(init);
    if (evals) *evals = 0;
    return keep(init, propose(init, n, f, f_data, theta, lb, ub, x, fx, count, evals));
}
