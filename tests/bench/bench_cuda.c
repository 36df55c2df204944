/* bench_cuda.c — training time and sampling throughput, CUDA next to CPU.
 * A benchmark, not a test: it prints figures and asserts nothing about time.
 *
 * Training: each standard family at the CPU default config of dl2o_train
 * (probe guidance with 16 probes, denoiser 128 x 3 blocks, oracle 128 x 2,
 * time embedding 32, cosine T = 100, batch 256, lr 2e-3, lambda_f =
 * lambda_oracle_f = 0.05, 3000 steps), run straight through core/trainer.c
 * on synthetic data: 10,000 instances with theta from the family's sampler,
 * x uniform in the box and probe guidance computed from the family. No
 * solver is needed, so it runs in the engine-only build too. The per-step
 * work (GEMMs, the objective terms on the host) is that of a real run.
 *
 * Sampling: rastrigin-10 at the same network, DDIM 10 steps, end to end from
 * host guidance to host candidates, noise from the backend, batch 1 .. 1M.
 *
 *   bench_cuda [--train-steps=3000] [--cpu-train-steps=3000] [--families=a,b,..]
 *              [--max-batch=1000000] [--cpu-max-batch=100000] [--no-train]
 *              [--no-sample] [--no-cpu]
 * A step count below 3000 is timed as given and scaled to 3000 steps. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "common.h"
#include "diffusion.h"
#include "family.h"
#include "model.h"
#include "rng.h"
#ifdef DL2O_HAVE_CUDA
#include "backend_cuda.h"
#endif

enum { DEFAULT_STEPS = 3000, INSTANCES = 10000, BATCH = 256, PROBES = 16 };

typedef struct options {
    int train_steps, cpu_train_steps, max_batch, cpu_max_batch;
    int train, sample, use_cpu;
    const char *families;
} options;

static const char *const STANDARD = "lasso-5x10,lasso-25x50,rastrigin-2,rastrigin-10,ackley-2,ackley-10";

static int parse_options(int argc, char **argv, options *o)
{
    *o = (options){DEFAULT_STEPS, DEFAULT_STEPS, 1000000, 100000, 1, 1, 1, STANDARD};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *eq = strchr(a, '=');
        int v = eq ? atoi(eq + 1) : 0;
#define OPT(name) (!strncmp(a, name "=", sizeof name) && v > 0)
        if (OPT("--train-steps")) o->train_steps = v;
        else if (OPT("--cpu-train-steps")) o->cpu_train_steps = v;
        else if (OPT("--max-batch")) o->max_batch = v;
        else if (OPT("--cpu-max-batch")) o->cpu_max_batch = v;
        else if (!strncmp(a, "--families=", 11)) o->families = a + 11;
        else if (!strcmp(a, "--no-train")) o->train = 0;
        else if (!strcmp(a, "--no-sample")) o->sample = 0;
        else if (!strcmp(a, "--no-cpu")) o->use_cpu = 0;
        else {
            fprintf(stderr, "bench_cuda: unknown or bad option '%s' (see the file's header)\n", a);
            return -1;
        }
#undef OPT
    }
    return 0;
}

/* The default network for a family's sizes. */
static dl2o_model_dims default_dims(const dl2o_family *fam)
{
    return (dl2o_model_dims){.dim_x = fam->n, .dim_theta = fam->p, .guidance = DL2O_GUIDANCE_PROBE,
                             .n_probes = PROBES, .width = 128, .blocks = 3, .oracle_width = 128,
                             .oracle_blocks = 2, .time_embed = 32,
                             .schedule = DL2O_SCHEDULE_COSINE, .T = 100};
}

/* The default network for the family, with initialized weights. */
static dl2o_status default_model(const dl2o_family *fam, dl2o_model *m)
{
    dl2o_model_dims d = default_dims(fam);
    dl2o_status st = dl2o_model_init(m, &d);
    if (st != DL2O_OK) return st;
    dl2o_rng r;
    dl2o_rng_init(&r, 1, DL2O_STREAM_WEIGHTS, 0);
    dl2o_mlp_init_params(&m->denoiser, m->params, &r);
    dl2o_mlp_init_params(&m->oracle, m->params, &r);
    return DL2O_OK;
}

static double slog(double v) { return v < 0 ? -log1p(-v) : log1p(v); }

/* Column means and standard deviations of a (rows, cols) float matrix, then
 * normalizes it in place. */
static void normalize_columns(float *a, size_t rows, int cols, double *mean, double *sd)
{
    for (int j = 0; j < cols; j++) {
        double s = 0.0, s2 = 0.0;
        for (size_t r = 0; r < rows; r++) s += a[r * cols + j], s2 += (double)a[r * cols + j] * a[r * cols + j];
        mean[j] = s / rows;
        double var = s2 / rows - mean[j] * mean[j];
        sd[j] = var > 1e-12 ? sqrt(var) : 1.0;
        for (size_t r = 0; r < rows; r++) a[r * cols + j] = (float)((a[r * cols + j] - mean[j]) / sd[j]);
    }
}

typedef struct synthetic {
    double *theta;  /* (N, p) */
    float *x, *g;   /* (N, n), (N, G) normalized */
} synthetic;

/* Fills the model's normalization and f_scale from synthetic data. */
static dl2o_status make_data(const dl2o_family *fam, dl2o_model *m, synthetic *s)
{
    int n = fam->n, p = fam->p, G = m->dim_g;
    size_t N = INSTANCES;
    s->theta = dl2o_calloc(N * p, sizeof *s->theta);
    s->x = dl2o_calloc(N * n, sizeof *s->x);
    s->g = dl2o_calloc(N * G, sizeof *s->g);
    double *xd = dl2o_calloc((size_t)n, sizeof *xd), *grad = dl2o_calloc((size_t)n, sizeof *grad);
    if (!s->theta || !s->x || !s->g || !xd || !grad) {
        free(xd), free(grad);
        return DL2O_FAIL(DL2O_ENOMEM, "out of memory for synthetic data");
    }
    dl2o_rng r;
    dl2o_rng_init(&r, 1, DL2O_STREAM_PROBES, 0);
    for (int k = 0; k < PROBES * n; k++) m->probes[k] = 3.0 * dl2o_rng_normal(&r);
    double fsum = 0.0, f2sum = 0.0;
    for (size_t i = 0; i < N; i++) {
        double *th = s->theta + i * p;
        dl2o_family_sample_theta(fam, 1, i, th);
        dl2o_rng_init(&r, 1, DL2O_STREAM_STARTS, i);
        for (int j = 0; j < n; j++) {
            xd[j] = fam->lower[j] + (fam->upper[j] - fam->lower[j]) * dl2o_rng_uniform(&r);
            s->x[i * n + j] = (float)xd[j];
        }
        double f = dl2o_family_eval(fam, th, xd, grad);
        fsum += fabs(f), f2sum += f * f;
        float *gi = s->g + i * G;
        for (int k = 0; k < PROBES; k++, gi += 1 + n) {
            gi[0] = (float)slog(dl2o_family_eval(fam, th, m->probes + (size_t)k * n, grad));
            for (int j = 0; j < n; j++) gi[1 + j] = (float)slog(grad[j]);
        }
    }
    normalize_columns(s->x, N, n, m->x_mean, m->x_std);
    normalize_columns(s->g, N, G, m->g_mean, m->g_std);
    memcpy(m->lower, fam->lower, (size_t)n * sizeof *m->lower);
    memcpy(m->upper, fam->upper, (size_t)n * sizeof *m->upper);
    double mean = fsum / N, var = f2sum / N - mean * mean;
    m->f_scale = mean + sqrt(var > 0 ? var : 0) > 1e-8 ? mean + sqrt(var > 0 ? var : 0) : 1.0;
    free(xd), free(grad);
    return DL2O_OK;
}

static void free_data(synthetic *s)
{
    free(s->theta), free(s->x), free(s->g);
    memset(s, 0, sizeof *s);
}

/* Seconds for `steps` training steps (batch drawing included), or < 0 on error. */
static double time_training(const dl2o_backend *be, const dl2o_model *m, const dl2o_train_data *data,
                            int steps, double *final_loss)
{
    dl2o_train_hparams hp = {.lr = 2e-3, .lambda_f = 0.05, .lambda_oracle_f = 0.05, .beta1 = 0.9,
                             .beta2 = 0.999, .adam_eps = 1e-8};
    dl2o_trainer *tr = NULL;
    dl2o_train_batch b;
    dl2o_train_losses loss = {0};
    double t = -1.0;
    if (dl2o_train_batch_alloc(&b, BATCH, m->dims.dim_x) != DL2O_OK) return -1.0;
    if (dl2o_trainer_create(be, m, BATCH, &tr) != DL2O_OK) goto out;
    double t0 = dl2o_now();
    for (int step = 1; step <= steps; step++) {
        dl2o_trainer_draw_batch(m, data->N, 1, (uint64_t)step, &b);
        if (dl2o_trainer_step(tr, data, &b, &hp, step, &loss) != DL2O_OK) goto out;
    }
    t = dl2o_now() - t0;
    *final_loss = loss.total;
out:
    if (t < 0) fprintf(stderr, "bench_cuda: training on %s: %s\n", be->name, dl2o_last_error());
    dl2o_trainer_free(tr);
    dl2o_train_batch_free(&b);
    return t;
}

static void bench_training(const dl2o_backend *const *bes, int nbe, const options *o)
{
    printf("\n## training, CPU default config (probe guidance x %d, denoiser 128 x 3, oracle 128 x 2, "
           "T = 100, batch %d), synthetic data of %d instances\n", PROBES, BATCH, INSTANCES);
    printf("%-13s %-5s %6s %10s %13s %11s %9s\n", "family", "on", "steps", "ms/step",
           "s/3000 steps", "final loss", "speedup");
    char list[512];
    snprintf(list, sizeof list, "%s", o->families);
    for (char *name = strtok(list, ","); name; name = strtok(NULL, ",")) {
        dl2o_family *fam = NULL;
        dl2o_model m;
        synthetic s = {0};
        if (dl2o_family_standard(name, &fam) != DL2O_OK) {
            fprintf(stderr, "bench_cuda: %s\n", dl2o_last_error());
            continue;
        }
        if (default_model(fam, &m) != DL2O_OK || make_data(fam, &m, &s) != DL2O_OK) {
            fprintf(stderr, "bench_cuda: %s\n", dl2o_last_error());
            goto next;
        }
        dl2o_train_data data = {.N = INSTANCES, .x = s.x, .g = s.g, .theta = s.theta, .family = fam};
        double first = 0.0;
        for (int k = 0; k < nbe; k++) {
            int steps = bes[k] == &dl2o_backend_cpu ? o->cpu_train_steps : o->train_steps;
            double loss = NAN, t = time_training(bes[k], &m, &data, steps, &loss);
            double per = t / steps, full = per * DEFAULT_STEPS;
            printf("%-13s %-5s %6d %10.3f %12.2f%s %11.4g", name, bes[k]->name, steps, 1e3 * per,
                   full, steps < DEFAULT_STEPS ? "*" : " ", loss);
            if (k == 0) first = full;
            else if (t > 0 && first > 0) printf(" %8.1fx", first / full);
            printf("\n");
            fflush(stdout);
        }
    next:
        free_data(&s);
        dl2o_model_free(&m);
        dl2o_family_free(fam);
    }
    printf("(* scaled to %d steps from the steps timed; the loss is the last step's; speedup: "
           "first backend's time / this one's)\n", DEFAULT_STEPS);
}

/* Candidates per second for one batch size, or < 0 on error. */
static double time_sampling(const dl2o_backend *be, const dl2o_model *m, int R, const float *g,
                            const float *lo, const float *hi, float *x)
{
    dl2o_sampler_ws *ws = NULL;
    if (dl2o_sampler_ws_create(be, m, R, &ws) != DL2O_OK) goto fail;
    if (dl2o_sample(ws, R, g, lo, hi, DL2O_SAMPLER_DDIM, 10, NULL, 1, 0, x) != DL2O_OK) goto fail;
    int reps = 0;
    double t0 = dl2o_now(), t;
    do {
        if (dl2o_sample(ws, R, g, lo, hi, DL2O_SAMPLER_DDIM, 10, NULL, 1, (uint64_t)reps + 1, x) != DL2O_OK)
            goto fail;
        reps++;
        t = dl2o_now() - t0;
    } while (t < 0.5 || reps < 3);
    dl2o_sampler_ws_free(ws);
    return (double)R * reps / t;
fail:
    fprintf(stderr, "bench_cuda: sampling %d rows on %s: %s\n", R, be->name, dl2o_last_error());
    dl2o_sampler_ws_free(ws);
    return -1.0;
}

static void bench_sampling(const dl2o_backend *const *bes, int nbe, const options *o)
{
    dl2o_family *fam = NULL;
    dl2o_model m;
    if (dl2o_family_standard("rastrigin-10", &fam) != DL2O_OK) return;
    if (default_model(fam, &m) != DL2O_OK) {
        fprintf(stderr, "bench_cuda: %s\n", dl2o_last_error());
        dl2o_family_free(fam);
        return;
    }
    dl2o_rng r;
    dl2o_rng_init(&r, 1, DL2O_STREAM_BENCH, 0);
    int n = m.dims.dim_x, G = m.dim_g, Rmax = o->max_batch;
    float *g = dl2o_calloc((size_t)Rmax * G, sizeof *g), *x = dl2o_calloc((size_t)Rmax * n, sizeof *x);
    float lo[64], hi[64];
    for (int j = 0; j < n; j++) lo[j] = -2.0f, hi[j] = 2.0f;
    if (!g || !x) {
        fprintf(stderr, "bench_cuda: no host memory for %d sampling rows\n", Rmax);
        goto out;
    }
    for (size_t i = 0; i < (size_t)Rmax * G; i++) g[i] = (float)dl2o_rng_normal(&r);
    printf("\n## sampling rastrigin-10 (G = %d, denoiser 128 x 3), DDIM 10 steps: candidates/s, "
           "host g in, host x out\n%-9s", G, "batch");
    for (int k = 0; k < nbe; k++) printf("  %14s", bes[k]->name);
    printf("\n");
    for (int R = 1; R <= Rmax; R *= 10) {
        printf("%-9d", R);
        for (int k = 0; k < nbe; k++) {
            int cap = bes[k] == &dl2o_backend_cpu ? o->cpu_max_batch : Rmax;
            if (R > cap) printf("  %14s", "-");
            else printf("  %14.4g", time_sampling(bes[k], &m, R, g, lo, hi, x));
            fflush(stdout);
        }
        printf("\n");
    }
out:
    free(g), free(x);
    dl2o_model_free(&m);
    dl2o_family_free(fam);
}

int main(int argc, char **argv)
{
    options o;
    if (parse_options(argc, argv, &o) != 0) return 2;
    const dl2o_backend *bes[2];
    int nbe = 0;
    if (o.use_cpu) bes[nbe++] = &dl2o_backend_cpu;
    printf("# bench_cuda: cpu = the reference backend on this machine (%s)\n",
#ifdef DL2O_NO_BLAS
           "plain-C GEMM, no BLAS: not a fair CPU figure"
#else
           "BLAS sgemm; OPENBLAS_NUM_THREADS caps its threads"
#endif
    );
#ifdef DL2O_HAVE_CUDA
    const dl2o_backend *gpu = NULL;
    char why[256];
    if (dl2o_backend_cuda_shared(&gpu, why, sizeof why) == DL2O_OK) {
        char desc[256];
        dl2o_backend_cuda_describe(gpu, desc, sizeof desc);
        printf("# cuda = %s\n", desc);
        bes[nbe++] = gpu;
    } else {
        printf("# cuda: not used: %s\n", why);
    }
#else
    printf("# cuda: not in this build\n");
#endif
    if (!nbe) return 0;
    if (o.sample) bench_sampling(bes, nbe, &o); /* the shorter part first */
    if (o.train) bench_training(bes, nbe, &o);
    return 0;
}
