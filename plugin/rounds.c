#include "rounds.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "datagen.h"
#include "diffusion.h"

/* Per-thread scratch: a sampler workspace and host rows for K candidates. */
typedef struct round_ws {
    dl2o_sampler_ws *ws;
    float *g, *xn, *lo, *hi;  /* (K, G), (K, n), (n), (n) */
    double *x, *f, *xp;       /* (K, n), (K), (2, n): best point, run scratch */
    int *order;               /* (K) */
} round_ws;

static void round_ws_free(round_ws *w)
{
    dl2o_sampler_ws_free(w->ws);
    free(w->g);
    free(w->x);
    free(w->order);
    memset(w, 0, sizeof *w);
}

static dl2o_status round_ws_alloc(round_ws *w, const dl2o_backend *be, const dl2o_model *m, int K)
{
    size_t n = (size_t)m->dims.dim_x, G = (size_t)m->dim_g;
    memset(w, 0, sizeof *w);
    w->g = dl2o_calloc((size_t)K * (G + n) + 2 * n, sizeof(float));
    w->x = dl2o_calloc((size_t)K * (n + 1) + 2 * n, sizeof(double));
    w->order = dl2o_calloc((size_t)K, sizeof(int));
    if (!w->g || !w->x || !w->order) {
        round_ws_free(w);
        return DL2O_FAIL(DL2O_ENOMEM, "out of memory for the data rounds (%d candidates)", K);
    }
    w->xn = w->g + (size_t)K * G;
    w->lo = w->xn + (size_t)K * n;
    w->hi = w->lo + n;
    w->f = w->x + (size_t)K * n;
    w->xp = w->f + K;
    dl2o_status st = dl2o_sampler_ws_create(be, m, K, &w->ws);
    if (st != DL2O_OK) round_ws_free(w);
    return st;
}

/* Candidates for instance i, sampled, clamped, evaluated and ranked, then
 * the best `polish` distinct ones polished with the data's local solver.
 * Returns the best f found, its point in w->xp; NaN when nothing finite. */
static double improve_one(const dl2o_family *fam, const dl2o_model *m, const float *gn,
                          const double *origin, const dl2o_round_setup *s, int i,
                          const double *theta, nlopt_opt opt, round_ws *w, dl2o_status *st)
{
    int n = m->dims.dim_x, G = m->dim_g, K = (int)s->candidates;
    const double *o = origin ? origin + (size_t)i * n : NULL;
    for (int r = 0; r < K; r++)
        memcpy(w->g + (size_t)r * G, gn + (size_t)i * G, (size_t)G * sizeof(float));
    for (int j = 0; j < n; j++) { /* the clip of propose(): the box and DL2O_X0_CLIP_STD */
        double base = m->x_mean[j] + (o ? o[j] : 0.0);
        w->lo[j] = (float)fmax((m->lower[j] - base) / m->x_std[j], -DL2O_X0_CLIP_STD);
        w->hi[j] = (float)fmin((m->upper[j] - base) / m->x_std[j], DL2O_X0_CLIP_STD);
    }
    int steps = m->sched.T < 10 ? m->sched.T : 10; /* propose()'s default */
    *st = dl2o_sample(w->ws, K, w->g, w->lo, w->hi, DL2O_SAMPLER_DDIM, steps, NULL, s->seed,
                      (uint64_t)i, w->xn);
    if (*st != DL2O_OK) return NAN;
    int cnt = 0;
    for (int r = 0; r < K; r++) {
        double *xr = w->x + (size_t)r * n;
        for (int j = 0; j < n; j++) {
            double v = (o ? o[j] : 0.0) + m->x_mean[j] + m->x_std[j] * w->xn[(size_t)r * n + j];
            xr[j] = fmin(fmax(v, m->lower[j]), m->upper[j]);
        }
        w->f[r] = dl2o_family_eval(fam, theta, xr, NULL);
        if (isfinite(w->f[r])) w->order[cnt++] = r;
    }
    for (int a = 1; a < cnt; a++) { /* insertion sort by f; ties keep row order */
        int v = w->order[a], b = a - 1;
        while (b >= 0 && w->f[w->order[b]] > w->f[v]) w->order[b + 1] = w->order[b], b--;
        w->order[b + 1] = v;
    }
    double best = NAN;
    int polished = 0; /* w->order[0 .. polished) are the polished starts, moved to the front */
    for (int a = 0; a < cnt && polished < (int)s->polish; a++) {
        const double *xa = w->x + (size_t)w->order[a] * n;
        int distinct = 1; /* by more than 1e-3 of the box from every start so far */
        for (int b = 0; b < polished && distinct; b++) {
            const double *xb = w->x + (size_t)w->order[b] * n;
            int same = 1;
            for (int j = 0; j < n && same; j++)
                same = fabs(xa[j] - xb[j]) <= 1e-3 * (m->upper[j] - m->lower[j]);
            distinct = !same;
        }
        if (!distinct) continue;
        int keep = w->order[polished];
        w->order[polished] = w->order[a], w->order[a] = keep;
        xa = w->x + (size_t)w->order[polished++] * n;
        double *xr = w->xp + n; /* the run's own copy */
        memcpy(xr, xa, (size_t)n * sizeof *xr);
        double f = dl2o_local_run(opt, fam, theta, xr);
        if (isfinite(f) && !(f >= best)) {
            best = f;
            memcpy(w->xp, xr, (size_t)n * sizeof *xr);
        }
    }
    return best;
}

dl2o_status dl2o_round_improve(const dl2o_family *fam, const dl2o_model *m,
                               const dl2o_backend *be, const float *gn, const double *origin,
                               const dl2o_round_setup *s, int N, dl2o_dataset *d, int *improved)
{
    dl2o_status first = DL2O_OK;
    char msg[DL2O_ERRMSG_MAX] = "";
    int better = 0;
    *improved = 0;
    if (s->candidates < 1 || s->polish < 1)
        return DL2O_FAIL(DL2O_EINVAL, "data rounds need candidates and polish >= 1");
    int nt = be == &dl2o_backend_cpu && fam->thread_safe ? s->threads : 1;
#ifndef _OPENMP
    nt = 1;
#endif
    if (nt <= 0) nt = (int)sysconf(_SC_NPROCESSORS_ONLN);
#pragma omp parallel num_threads(nt) reduction(+ : better)
    {
        round_ws w;
        dl2o_status st = round_ws_alloc(&w, be, m, (int)s->candidates);
        dl2o_instance inst = {fam, NULL};
        nlopt_opt opt = st == DL2O_OK ? dl2o_local_create(fam, dl2o_instance_objective, &inst,
                                                          s->local_maxeval)
                                      : NULL;
        if (st == DL2O_OK && !opt) st = DL2O_FAIL(DL2O_ENOMEM, "out of memory for the local solver");
        int n = m->dims.dim_x;
#pragma omp for schedule(dynamic, 16)
        for (int i = 0; i < N; i++) {
            if (st != DL2O_OK) continue;
            const double *theta = d->theta + (size_t)i * d->dim_theta;
            inst.theta = theta;
            double f = improve_one(fam, m, gn, origin, s, i, theta, opt, &w, &st);
            if (st == DL2O_OK && isfinite(f) && f < d->f[i]) {
                memcpy(d->x + (size_t)i * n, w.xp, (size_t)n * sizeof(double));
                d->f[i] = f;
                better++;
            }
        }
        if (st != DL2O_OK) {
#pragma omp critical(dl2o_rounds)
            if (first == DL2O_OK) {
                first = st;
                dl2o_copy_last_error(msg, sizeof msg);
            }
        }
        if (opt) nlopt_destroy(opt);
        round_ws_free(&w);
    }
    *improved = better;
    return first == DL2O_OK ? DL2O_OK : dl2o_fail(first, __FILE__, __LINE__, "%s", msg);
}
