/* train.c — the training entry: data (generate or reuse), guidance,
 * normalization, Adam on the Diff-L2O loss, atomic save; a stopped run saves
 * a checkpoint (checkpoint.h) that a resumed run continues from (resume.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "checkpoint.h"
#include "common.h"
#include "data_io.h"
#include "datagen.h"
#include "diffusion.h"
#include "family.h"
#include "guidance.h"
#include "model_io.h"
#include "progress.h"
#include "resume.h"
#include "rng.h"
#include "rounds.h"

void dl2o_train_config_default(dl2o_train_config *c)
{
    if (!c) return;
    memset(c, 0, sizeof *c);
    c->instances = 10000;
    c->restarts = 8;
    c->local_maxeval = 300;
    c->guidance = DL2O_GUIDANCE_PROBE;
    c->probes = 16;
    c->width = 128;
    c->blocks = 3;
    c->oracle_width = 128;
    c->oracle_blocks = 2;
    c->time_embed = 32;
    c->schedule = DL2O_SCHEDULE_COSINE;
    c->T = 100;
    c->steps = 3000;
    c->batch = 256;
    c->lr = 2e-3;
    c->lambda_f = 0.05;
    c->lambda_oracle_f = 0.05;
    c->rounds = 0;
    c->round_candidates = 32;
    c->round_polish = 2;
    c->round_steps = 0;
    c->seed = 1;
    c->device = DL2O_DEVICE_AUTO;
    c->progress = 0;
}

static dl2o_status check_config(const dl2o_train_config *c)
{
    if (c->instances < 1 || c->instances > 100000000u)
        return DL2O_FAIL(DL2O_EINVAL, "instances must be 1..1e8, got %u", c->instances);
    if (c->restarts < 1 || c->local_maxeval < 1)
        return DL2O_FAIL(DL2O_EINVAL, "restarts and local_maxeval must be >= 1");
    if (c->steps < 1 || c->batch < 1 || c->batch > 65536)
        return DL2O_FAIL(DL2O_EINVAL, "steps must be >= 1 and batch 1..65536");
    if (!(c->lr > 0.0) || !isfinite(c->lr) || !(c->lambda_f >= 0.0) || !(c->lambda_oracle_f >= 0.0) ||
        !isfinite(c->lambda_f) || !isfinite(c->lambda_oracle_f))
        return DL2O_FAIL(DL2O_EINVAL, "lr must be > 0 and the lambdas >= 0, all finite");
    if (c->rounds > 100 || (c->rounds && (c->round_candidates < 1 || c->round_candidates > 65536 ||
                                          c->round_polish < 1 || c->round_polish > c->round_candidates)))
        return DL2O_FAIL(DL2O_EINVAL, "rounds must be 0..100, round_candidates 1..65536 and "
                         "round_polish 1..round_candidates");
    if (c->rounds && c->resume)
        return DL2O_FAIL(DL2O_EINVAL, "a run with data rounds cannot be resumed (its data changes "
                         "as it trains); train it again without --resume");
    if (c->anchor_maxeval > DL2O_ANCHOR_MAXEVAL_MAX)
        return DL2O_FAIL(DL2O_EINVAL, "anchor_maxeval must be 0..%d, got %u", DL2O_ANCHOR_MAXEVAL_MAX,
                         c->anchor_maxeval);
    return DL2O_OK;
}

/* Reuses the data file when it was made for the same family, seed and solver
 * settings and holds enough instances; otherwise generates (and saves). */
static dl2o_status get_data(const dl2o_family *fam, const dl2o_train_config *c, int N,
                            dl2o_dataset *d, int *reused)
{
    dl2o_status st;
    *reused = 0;
    if (c->data_path && access(c->data_path, F_OK) == 0) {
        st = dl2o_dataset_load(c->data_path, d);
        if (st != DL2O_OK) return st;
        if (!strcmp(d->family, fam->name) && d->dim_x == fam->n && d->dim_theta == fam->p &&
            d->seed == c->seed && d->restarts == (int)c->restarts &&
            d->local_maxeval == (int)c->local_maxeval && d->n >= N) {
            d->n = N; /* use the first N; arrays keep their layout */
            *reused = 1;
            return DL2O_OK;
        }
        if (c->progress)
            fprintf(stderr, "data file %s was made with other settings (%s, %d instances, seed "
                    "%llu); regenerating it\n", c->data_path, d->family, d->n,
                    (unsigned long long)d->seed);
        dl2o_dataset_free(d);
    }
    dl2o_progress prog;
    dl2o_progress_start(&prog, "data", N, N / 10, c->progress);
    st = dl2o_datagen(fam, N, c->seed, (int)c->restarts, (int)c->local_maxeval, (int)c->threads,
                      &prog, c->should_stop, c->stop_data, d);
    if (st == DL2O_OK && c->data_path) st = dl2o_dataset_save(d, c->data_path);
    return st;
}

static void draw_probes(dl2o_model *m, uint64_t seed)
{
    dl2o_rng rng;
    dl2o_rng_init(&rng, seed, DL2O_STREAM_PROBES, 0);
    int n = m->dims.dim_x;
    for (int j = 0; j < m->dims.n_probes; j++)
        for (int k = 0; k < n; k++) {
            double lo = m->lower[k], hi = m->upper[k];
            double v = 0.5 * (lo + hi) + 0.2 * (hi - lo) * dl2o_rng_normal(&rng);
            m->probes[(size_t)j * n + k] = v < lo ? lo : (v > hi ? hi : v);
        }
}

static void mean_std(const double *v, int rows, int cols, int k, double floor_std, double *mean,
                     double *std)
{
    double s = 0.0, ss = 0.0;
    int cnt = 0;
    for (int r = 0; r < rows; r++) {
        double x = v[(size_t)r * cols + k];
        if (!isfinite(x)) continue;
        s += x, cnt++;
    }
    double mu = cnt ? s / cnt : 0.0;
    for (int r = 0; r < rows; r++) {
        double x = v[(size_t)r * cols + k];
        if (isfinite(x)) ss += (x - mu) * (x - mu);
    }
    double sd = cnt > 1 ? sqrt(ss / (cnt - 1)) : 1.0;
    *mean = mu;
    *std = sd > floor_std ? sd : (floor_std > 0 ? floor_std : 1.0);
}

/* Guidance of every training instance (raw), then normalization statistics. */
static dl2o_status build_guidance(const dl2o_family *fam, dl2o_model *m, const dl2o_dataset *d,
                                  int threads, double *graw)
{
    int G = m->dim_g, n = m->dims.dim_x;
    dl2o_status first = DL2O_OK;
    int nt = fam->thread_safe ? (threads > 0 ? threads : 0) : 1;
#ifndef _OPENMP
    nt = 1;
#endif
    if (nt == 0) nt = (int)sysconf(_SC_NPROCESSORS_ONLN);
#pragma omp parallel num_threads(nt)
    {
        double *scratch = malloc((size_t)n * sizeof *scratch);
#pragma omp for schedule(static)
        for (int i = 0; i < d->n; i++) {
            dl2o_instance inst = {fam, d->theta + (size_t)i * d->dim_theta};
            dl2o_guidance_info gi;
            dl2o_status s = scratch ? dl2o_guidance_encode(m, dl2o_instance_objective, &inst,
                                                           inst.theta, NULL, NULL,
                                                           graw + (size_t)i * G, scratch, &gi)
                                    : DL2O_ENOMEM;
            if (s != DL2O_OK) {
#pragma omp critical(dl2o_guidance)
                first = s;
            }
        }
        free(scratch);
    }
    if (first != DL2O_OK) return DL2O_FAIL(first, "could not compute the training guidance");
    for (int k = 0; k < G; k++) mean_std(graw, d->n, G, k, 1e-6, &m->g_mean[k], &m->g_std[k]);
    return DL2O_OK;
}

/* Warm-up, then cosine decay to lr/10, over a phase of `steps` steps: the
 * first training, and each data round's retraining. */
static double lr_at(double lr, unsigned steps, unsigned step)
{
    unsigned warm = steps / 10 < 100 ? steps / 10 : 100;
    if (step <= warm) return lr * step / (warm + 1);
    double u = (double)(step - warm) / (double)(steps - warm + 1);
    return lr * (0.1 + 0.9 * 0.5 * (1.0 + cos(3.141592653589793 * u)));
}

static unsigned round_steps(const dl2o_train_config *c)
{
    return c->round_steps ? c->round_steps : (c->steps / 2 ? c->steps / 2 : 1);
}

/* The network's targets: (x - origin - x_mean) / x_std, origin the anchors
 * or 0. */
static void normalize_x(const dl2o_model *m, const dl2o_dataset *d, const double *origin, int N,
                        float *xn)
{
    int n = m->dims.dim_x;
    for (int i = 0; i < N; i++)
        for (int k = 0; k < n; k++) {
            size_t at = (size_t)i * n + k;
            xn[at] = (float)((d->x[at] - (origin ? origin[at] : 0.0) - m->x_mean[k]) / m->x_std[k]);
        }
}

/* Appends s to buf as a JSON string body. */
static void json_escape(char *buf, size_t size, const char *s)
{
    size_t at = strlen(buf);
    for (; s && *s && at + 7 < size; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') at += (size_t)snprintf(buf + at, size - at, "\\%c", ch);
        else if (ch < 0x20) at += (size_t)snprintf(buf + at, size - at, "\\u%04x", ch);
        else buf[at++] = (char)ch, buf[at] = '\0';
    }
}

static char *training_record(const dl2o_train_config *c, const dl2o_train_report *r, int N,
                             const char *device)
{
    size_t size = 4096 + (c->command ? 6 * strlen(c->command) : 0);
    char *j = malloc(size);
    if (!j) return NULL;
    snprintf(j, size, "{\"command\": \"");
    json_escape(j, size, c->command ? c->command : "dl2o_train()");
    size_t at = strlen(j);
    snprintf(j + at, size - at,
             "\", \"seed\": %llu, \"instances\": %d, \"restarts\": %u, \"local_maxeval\": %u, "
             "\"steps\": %u, \"steps_done\": %u, \"resumed_from\": %u, \"batch\": %u, "
             "\"lr\": %.6g, \"lambda_f\": %.6g, "
             "\"lambda_oracle_f\": %.6g, \"device\": \"%s\", \"data_reused\": %u, "
             "\"data_seconds\": %.3f, \"train_seconds\": %.3f, \"data_mean_f\": %.17g, "
             "\"final_loss_eps\": %.6g, \"final_loss_f\": %.6g, \"final_loss_oracle\": %.6g, "
             "\"anchor_maxeval\": %u, \"rounds\": %u, \"round_candidates\": %u, "
             "\"round_polish\": %u, \"round_steps\": %u, \"final_data_mean_f\": %.17g, "
             "\"signed_log\": %u}",
             (unsigned long long)c->seed, N, c->restarts, c->local_maxeval, c->steps,
             r->steps_done, r->resumed_from, c->batch, c->lr, c->lambda_f, c->lambda_oracle_f,
             device, r->data_reused, r->data_seconds, r->train_seconds, r->data_mean_f,
             r->final_loss_eps, r->final_loss_f, r->final_loss_oracle, c->anchor_maxeval,
             c->rounds, c->round_candidates, c->round_polish, c->rounds ? round_steps(c) : 0,
             r->final_data_mean_f, c->signed_log != 0);
    return j;
}

/* The checkpoint and output paths must not alias: a completed run removes
 * its checkpoint. */
static dl2o_status check_paths(const dl2o_train_config *c, const char *out_path)
{
    const char *ck = c->checkpoint;
    if (c->resume && !ck)
        return DL2O_FAIL(DL2O_EINVAL, "resume needs the checkpoint's path (cfg->checkpoint)");
    if (ck && (!strcmp(ck, out_path) || (c->data_path && !strcmp(ck, c->data_path)) ||
               (c->loss_csv && !strcmp(ck, c->loss_csv))))
        return DL2O_FAIL(DL2O_EINVAL, "the checkpoint path %s is also an output path; give the "
                         "checkpoint its own file", ck);
    return DL2O_OK;
}

/* Loads the checkpoint to resume and checks it was saved by this run. */
static dl2o_status load_resume(const dl2o_train_config *c, const char *config, dl2o_model *ckm,
                               dl2o_train_state *ck)
{
    dl2o_status st = DL2O_OK;
    if (access(c->checkpoint, F_OK) != 0)
        return DL2O_FAIL(DL2O_EIO, "%s: no checkpoint to resume from; train without --resume to "
                         "start the run", c->checkpoint);
    DL2O_TRY(dl2o_checkpoint_load(c->checkpoint, ckm, ck));
    DL2O_TRY(dl2o_resume_check_config(c->checkpoint, ck->config, config));
    if (ck->step > c->steps)
        st = DL2O_FAIL(DL2O_EFORMAT, "%s: the checkpoint is at step %u of %u; delete it and "
                       "train without --resume", c->checkpoint, ck->step, c->steps);
out:
    return st;
}

/* Saves the state after `done` steps to cfg->checkpoint. */
static dl2o_status save_checkpoint(const dl2o_train_config *c, dl2o_trainer *tr, dl2o_model *m,
                                   const char *config, uint64_t data_hash, unsigned done,
                                   const double ema[3], const dl2o_loss_log *log,
                                   const dl2o_train_report *rep, int N, const char *device)
{
    dl2o_status st = DL2O_OK;
    dl2o_train_state s = {.step = done, .data_hash = data_hash, .loss = log->rows,
                          .train_seconds = rep->train_seconds};
    memcpy(s.ema, ema, sizeof s.ema);
    s.config = (char *)config;
    s.adam_m = dl2o_xcalloc(m->n_params, sizeof(float), "Adam state");
    s.adam_v = dl2o_xcalloc(m->n_params, sizeof(float), "Adam state");
    free(m->training_json);
    m->training_json = training_record(c, rep, N, device);
    if (!s.adam_m || !s.adam_v || !m->training_json) {
        st = DL2O_FAIL(DL2O_ENOMEM, "out of memory for the checkpoint");
        goto out;
    }
    DL2O_TRY(dl2o_trainer_download(tr, m));
    DL2O_TRY(dl2o_trainer_get_adam(tr, s.adam_m, s.adam_v));
    DL2O_TRY(dl2o_checkpoint_save(m, &s, c->checkpoint));
out:
    free(s.adam_m);
    free(s.adam_v);
    return st;
}

/* Everything dl2o_train holds, released in one place. */
typedef struct train_run train_run;
static dl2o_status data_round(train_run *r, const dl2o_train_config *c, const dl2o_family *fam,
                              const dl2o_backend *be, unsigned k, int N, double *mean_f,
                              dl2o_progress *prog);

struct train_run {
    dl2o_dataset d;
    dl2o_model m, ckm; /* the model; the checkpoint's model when resuming */
    dl2o_train_state ck;
    dl2o_trainer *tr;
    dl2o_train_batch batch;
    double *graw;
    double *origin; /* (N, n) anchors, then (N, n) offsets; anchored models only */
    float *xn, *gn;
    dl2o_loss_log log;
    FILE *loss_fp;
    char loss_tmp[4096];
};

/* Round k: improve the labels with the current weights, then renormalize
 * (with the first statistics, which the network has learned). */
static dl2o_status data_round(train_run *r, const dl2o_train_config *c, const dl2o_family *fam,
                              const dl2o_backend *be, unsigned k, int N, double *mean_f,
                              dl2o_progress *prog)
{
    dl2o_status st = DL2O_OK;
    dl2o_model *m = &r->m;
    DL2O_TRY(dl2o_trainer_download(r->tr, m));
    dl2o_round_setup s = {.candidates = c->round_candidates, .polish = c->round_polish,
                          .local_maxeval = (int)c->local_maxeval,
                          .seed = c->seed ^ (0x9E3779B97F4A7C15ull * k), .threads = (int)c->threads};
    int improved = 0;
    double before = *mean_f, t0 = dl2o_now();
    DL2O_TRY(dl2o_round_improve(fam, m, be, r->gn, r->origin, &s, N, &r->d, &improved));
    *mean_f = 0.0;
    for (int i = 0; i < N; i++) *mean_f += r->d.f[i] / N;
    normalize_x(m, &r->d, r->origin, N, r->xn);
    if (prog->enabled) {
        if (prog->tty) fputc('\n', stderr);
        fprintf(stderr, "data round %u: %d of %d labels improved, mean f %.5g -> %.5g (%.1fs)\n", k,
                improved, N, before, *mean_f, dl2o_now() - t0);
    }
out:
    return st;
}

static void train_run_free(train_run *r)
{
    if (r->loss_fp) fclose(r->loss_fp);
    if (r->loss_tmp[0]) remove(r->loss_tmp);
    dl2o_train_batch_free(&r->batch);
    dl2o_trainer_free(r->tr);
    free(r->graw);
    free(r->origin);
    free(r->xn);
    free(r->gn);
    free(r->log.rows);
    dl2o_train_state_free(&r->ck);
    dl2o_model_free(&r->ckm);
    dl2o_model_free(&r->m);
    dl2o_dataset_free(&r->d);
}

/* Opens "<loss_csv>.tmp" and writes the header and the rows already done. */
static dl2o_status open_loss_csv(train_run *r, const char *path)
{
    snprintf(r->loss_tmp, sizeof r->loss_tmp, "%s.tmp", path);
    r->loss_fp = fopen(r->loss_tmp, "w");
    if (!r->loss_fp) {
        r->loss_tmp[0] = '\0';
        return DL2O_FAIL(DL2O_EIO, "cannot write the loss curve %s.tmp; check the directory", path);
    }
    fputs(DL2O_LOSS_HEADER, r->loss_fp);
    for (size_t i = 0; i < r->log.n; i++)
        dl2o_loss_row_print(r->loss_fp, r->log.rows + i * DL2O_LOSS_COLS);
    return DL2O_OK;
}

/* Closes the temporary loss curve, reporting any write error (a full disk
 * shows up here); the rename comes after the weight file is safely saved, so
 * a failure leaves both earlier files as they were. */
static dl2o_status close_loss_csv(train_run *r, const char *path)
{
    int bad = ferror(r->loss_fp) != 0;
    bad |= fclose(r->loss_fp) != 0;
    r->loss_fp = NULL;
    if (bad) return DL2O_FAIL(DL2O_EIO, "cannot write the loss curve %s; check free disk space", path);
    return DL2O_OK;
}

static dl2o_status commit_loss_csv(train_run *r, const char *path)
{
    if (rename(r->loss_tmp, path) != 0)
        return DL2O_FAIL(DL2O_EIO, "cannot write the loss curve %s", path);
    r->loss_tmp[0] = '\0';
    return DL2O_OK;
}

dl2o_status dl2o_train(const dl2o_family *fam, const dl2o_train_config *c, const char *out_path,
                       dl2o_train_report *report)
{
    dl2o_status st = DL2O_OK;
    train_run run, *r = &run;
    dl2o_train_report rep = {0};
    const dl2o_backend *be = NULL;
    char config[DL2O_RUN_CONFIG_MAX];

    memset(r, 0, sizeof *r);
    if (!fam || !c || !out_path) return DL2O_FAIL(DL2O_EINVAL, "dl2o_train: NULL argument");
    DL2O_TRY(check_config(c));
    DL2O_TRY(check_paths(c, out_path));
    if (c->guidance == DL2O_GUIDANCE_THETA && fam->p < 1)
        return DL2O_FAIL(DL2O_EINVAL, "family '%s' has no theta; train with probe guidance",
                         fam->name);
    DL2O_TRY(dl2o_backend_select(c->device, &be));
    int N = (int)c->instances;
    if (fam->thetas && (size_t)N > fam->n_thetas) N = (int)fam->n_thetas;
    dl2o_model_dims dims = {
        .dim_x = fam->n, .dim_theta = fam->p, .guidance = c->guidance,
        .n_probes = c->guidance == DL2O_GUIDANCE_PROBE ? (int)c->probes : 0,
        .width = (int)c->width, .blocks = (int)c->blocks, .oracle_width = (int)c->oracle_width,
        .oracle_blocks = (int)c->oracle_blocks, .time_embed = (int)c->time_embed,
        .schedule = c->schedule, .T = (int)c->T, .anchor_maxeval = (int)c->anchor_maxeval,
        .signed_log = c->signed_log != 0};
    dl2o_run_config(fam, c, &dims, N, config, sizeof config);
    if (c->resume) DL2O_TRY(load_resume(c, config, &r->ckm, &r->ck));
    unsigned done = r->ck.step;
    rep.resumed_from = rep.steps_done = done;

    double t0 = dl2o_now();
    int reused = 0;
    st = get_data(fam, c, N, &r->d, &reused);
    if (st == DL2O_EINTERRUPTED && report) *report = rep;
    if (st != DL2O_OK) goto out;
    rep.data_reused = (unsigned)reused;
    rep.data_seconds = reused ? 0.0 : dl2o_now() - t0;
    for (int i = 0; i < N; i++) rep.data_mean_f += r->d.f[i] / N;
    uint64_t data_hash = dl2o_data_hash(&r->d, N);
    if (c->resume && data_hash != r->ck.data_hash) {
        st = DL2O_FAIL(DL2O_EINVAL, "%s: the training data differs from the interrupted run's "
                       "(%s%s); resume with the same data, or start over without --resume",
                       c->checkpoint, c->data_path ? "was the data file changed? " : "",
                       c->data_path ? c->data_path : "the data was regenerated");
        goto out;
    }

    dl2o_model *m = &r->m;
    DL2O_TRY(dl2o_model_init(m, &dims));
    snprintf(m->family, sizeof m->family, "%s", fam->name);
    m->family_version = DL2O_FAMILY_VERSION;
    int n = m->dims.dim_x, G = m->dim_g;
    memcpy(m->lower, fam->lower, (size_t)n * sizeof(double));
    memcpy(m->upper, fam->upper, (size_t)n * sizeof(double));
    if (m->probes) draw_probes(m, c->seed);

    r->graw = dl2o_xcalloc((size_t)N, (size_t)G * sizeof(double), "training guidance");
    r->xn = dl2o_xcalloc((size_t)N, (size_t)n * sizeof(float), "normalized data");
    r->gn = dl2o_xcalloc((size_t)N, (size_t)G * sizeof(float), "normalized guidance");
    if (!r->graw || !r->xn || !r->gn) {
        st = DL2O_ENOMEM;
        goto out;
    }
    const dl2o_dataset *d = &r->d;
    DL2O_TRY(build_guidance(fam, m, d, (int)c->threads, r->graw));
    /* What the model learns: the solutions, or their offsets from the anchors. */
    double *target = d->x, *offsets = NULL;
    if (m->dims.anchor_maxeval > 0) {
        r->origin = dl2o_xcalloc((size_t)N * n, sizeof(double), "anchors");
        offsets = dl2o_xcalloc((size_t)N * n, sizeof(double), "anchor offsets");
        if (!r->origin || !offsets) {
            free(offsets);
            st = DL2O_ENOMEM;
            goto out;
        }
        for (int i = 0; i < N; i++) {
            const double *a = dl2o_guidance_anchor(m, r->graw + (size_t)i * G);
            for (int k = 0; k < n; k++) {
                r->origin[(size_t)i * n + k] = a[k];
                offsets[(size_t)i * n + k] = d->x[(size_t)i * n + k] - a[k];
            }
        }
        target = offsets;
    }
    for (int k = 0; k < n; k++)
        mean_std(target, N, n, k, 1e-3 * (m->upper[k] - m->lower[k]), &m->x_mean[k], &m->x_std[k]);
    free(offsets);
    double fabs_mean = 0.0, fmean = 0.0, fvar = 0.0;
    for (int i = 0; i < N; i++) fabs_mean += fabs(d->f[i]) / N, fmean += d->f[i] / N;
    for (int i = 0; i < N; i++) fvar += (d->f[i] - fmean) * (d->f[i] - fmean) / N;
    m->f_scale = fabs_mean + sqrt(fvar) > 1e-8 ? fabs_mean + sqrt(fvar) : 1.0;
    normalize_x(m, d, r->origin, N, r->xn);
    for (int i = 0; i < N; i++)
        dl2o_guidance_normalize(m, r->graw + (size_t)i * G, r->gn + (size_t)i * G);

    double ema[3] = {0, 0, 0};
    if (c->resume) { /* the checkpoint's weights, Adam state, averages and loss curve */
        DL2O_TRY(dl2o_resume_check_model(c->checkpoint, &r->ckm, m));
        memcpy(m->params, r->ckm.params, m->n_params * sizeof(float));
        memcpy(ema, r->ck.ema, sizeof ema);
        r->log = (dl2o_loss_log){r->ck.loss, done, done};
        r->ck.loss = NULL;
    } else {
        dl2o_rng wrng;
        dl2o_rng_init(&wrng, c->seed, DL2O_STREAM_WEIGHTS, 0);
        dl2o_mlp_init_params(&m->denoiser, m->params, &wrng);
        dl2o_mlp_init_params(&m->oracle, m->params, &wrng);
    }

    int B = (int)c->batch;
    DL2O_TRY(dl2o_trainer_create(be, m, B, &r->tr));
    if (c->resume) DL2O_TRY(dl2o_trainer_set_adam(r->tr, r->ck.adam_m, r->ck.adam_v));
    DL2O_TRY(dl2o_train_batch_alloc(&r->batch, B, n));
    if (c->loss_csv) DL2O_TRY(open_loss_csv(r, c->loss_csv));
    dl2o_train_data data = {.N = N, .x = r->xn, .g = r->gn, .origin = r->origin,
                            .theta = d->theta, .family = fam};
    dl2o_train_hparams hp = {.lambda_f = c->lambda_f, .lambda_oracle_f = c->lambda_oracle_f,
                             .beta1 = 0.9, .beta2 = 0.999, .adam_eps = 1e-8};
    long epoch = N / B > 0 ? N / B : 1;
    dl2o_progress prog;
    char extra[96];
    /* Data rounds: after the first `steps`, each round improves the labels
     * and retrains for round_steps more (rounds.h). */
    unsigned RS = round_steps(c), total = c->steps + c->rounds * RS;
    rep.final_data_mean_f = rep.data_mean_f;
    dl2o_progress_start(&prog, "train", total, epoch, c->progress);
    double t1 = dl2o_now();
    int stopped = 0;
    for (unsigned s = done + 1; s <= total; s++) {
        if (c->should_stop && c->should_stop(s - 1, c->stop_data)) {
            stopped = 1;
            break;
        }
        unsigned phase_step = s <= c->steps ? s : (s - c->steps - 1) % RS + 1;
        if (s > c->steps && phase_step == 1) {
            unsigned k = (s - c->steps - 1) / RS + 1;
            DL2O_TRY(data_round(r, c, fam, be, k, N, &rep.final_data_mean_f, &prog));
        }
        dl2o_train_losses L;
        hp.lr = lr_at(c->lr, s <= c->steps ? c->steps : RS, phase_step);
        dl2o_trainer_draw_batch(m, N, c->seed, s, &r->batch);
        DL2O_TRY(dl2o_trainer_step(r->tr, &data, &r->batch, &hp, (int)s, &L));
        double a = s == 1 ? 1.0 : 0.02;
        ema[0] += a * (L.eps - ema[0]);
        ema[1] += a * (L.f - ema[1]);
        ema[2] += a * (L.oracle - ema[2]);
        double row[DL2O_LOSS_COLS] = {s, hp.lr, L.eps, L.f, L.oracle, L.oracle_f};
        if (c->checkpoint) DL2O_TRY(dl2o_loss_log_add(&r->log, row));
        if (r->loss_fp) dl2o_loss_row_print(r->loss_fp, row);
        done = s;
        snprintf(extra, sizeof extra, "eps %.4f f %.4g oracle %.4f", ema[0], ema[1], ema[2]);
        dl2o_progress_update(&prog, s, extra);
    }
    rep.train_seconds = r->ck.train_seconds + (dl2o_now() - t1);
    rep.final_loss_eps = ema[0];
    rep.final_loss_f = ema[1];
    rep.final_loss_oracle = ema[2];
    rep.steps_done = done;
    if (stopped) {
        if (prog.enabled && prog.tty) fputc('\n', stderr);
        if (c->rounds) { /* its data changed: nothing to resume from */
            if (report) *report = rep;
            st = DL2O_FAIL(DL2O_EINTERRUPTED, "stopped after step %u of %u; a run with data "
                           "rounds saves no checkpoint, so train it again to finish", done, total);
            goto out;
        }
        if (c->checkpoint)
            DL2O_TRY(save_checkpoint(c, r->tr, m, config, data_hash, done, ema, &r->log, &rep, N,
                                     be->name));
        rep.checkpoint_saved = c->checkpoint != NULL;
        if (report) *report = rep;
        st = DL2O_FAIL(DL2O_EINTERRUPTED, "stopped after step %u of %u%s%s", done, c->steps,
                       c->checkpoint ? "; state saved to " : "; no checkpoint path was set",
                       c->checkpoint ? c->checkpoint : "");
        goto out;
    }
    snprintf(extra, sizeof extra, "eps %.4f f %.4g oracle %.4f", ema[0], ema[1], ema[2]);
    dl2o_progress_finish(&prog, extra);
    DL2O_TRY(dl2o_trainer_download(r->tr, m));
    m->training_json = training_record(c, &rep, N, be->name);
    if (!m->training_json) {
        st = DL2O_FAIL(DL2O_ENOMEM, "out of memory for the training record");
        goto out;
    }
    if (r->loss_fp) DL2O_TRY(close_loss_csv(r, c->loss_csv));
    DL2O_TRY(dl2o_model_save(m, out_path));
    if (r->loss_tmp[0]) DL2O_TRY(commit_loss_csv(r, c->loss_csv));
    if (c->checkpoint) remove(c->checkpoint); /* the run is complete: nothing to resume */
    if (report) *report = rep;
out:
    train_run_free(r);
    return st;
}
