/* resume.c — fingerprint, data hash and checks of a resumed run (resume.h). */
#include "resume.h"

#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "common.h"
#include "schedule.h"

#define REMEDY "resume with the options of the interrupted run, or start over without --resume"

void dl2o_run_config(const dl2o_family *fam, const dl2o_train_config *c,
                     const dl2o_model_dims *d, int N, char *buf, size_t size)
{
    snprintf(buf, size,
             "family=%s;family_version=%d;dim_x=%d;dim_theta=%d;instances=%d;seed=%llu;"
             "restarts=%u;local_maxeval=%u;guidance=%s;probes=%d;width=%d;blocks=%d;"
             "oracle_width=%d;oracle_blocks=%d;time_embed=%d;schedule=%s;T=%d;steps=%u;"
             "batch=%u;lr=%.17g;lambda_f=%.17g;lambda_oracle_f=%.17g;anchor_maxeval=%d;signed_log=%d",
             fam->name, DL2O_FAMILY_VERSION, d->dim_x, d->dim_theta, N,
             (unsigned long long)c->seed, c->restarts, c->local_maxeval,
             dl2o_guidance_name(d->guidance), d->n_probes, d->width, d->blocks, d->oracle_width,
             d->oracle_blocks, d->time_embed, dl2o_schedule_kind_name(d->schedule), d->T,
             c->steps, c->batch, c->lr, c->lambda_f, c->lambda_oracle_f, d->anchor_maxeval,
             d->signed_log);
}

static uint64_t fnv1a(uint64_t h, const void *p, size_t bytes)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < bytes; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

uint64_t dl2o_data_hash(const dl2o_dataset *d, int N)
{
    uint64_t h = 0xcbf29ce484222325ull;
    h = fnv1a(h, d->theta, (size_t)N * d->dim_theta * sizeof(double));
    h = fnv1a(h, d->x, (size_t)N * d->dim_x * sizeof(double));
    return fnv1a(h, d->f, (size_t)N * sizeof(double));
}

/* The value of `key` in a "key=value;..." string, as [*v, *v + *len). */
static int find_key(const char *s, const char *key, size_t klen, const char **v, size_t *len)
{
    while (s && *s) {
        const char *end = strchr(s, ';'), *eq = strchr(s, '=');
        if (!end) end = s + strlen(s);
        if (eq && eq < end && (size_t)(eq - s) == klen && !strncmp(s, key, klen)) {
            *v = eq + 1;
            *len = (size_t)(end - eq - 1);
            return 1;
        }
        s = *end ? end + 1 : end;
    }
    return 0;
}

dl2o_status dl2o_resume_check_config(const char *path, const char *saved, const char *now)
{
    if (!strcmp(saved, now)) return DL2O_OK;
    for (const char *s = now; *s;) {
        const char *end = strchr(s, ';'), *eq = strchr(s, '=');
        if (!end) end = s + strlen(s);
        if (eq && eq < end) {
            size_t klen = (size_t)(eq - s), nlen = (size_t)(end - eq - 1), slen = 0;
            const char *sv = NULL;
            if (!find_key(saved, s, klen, &sv, &slen))
                return DL2O_FAIL(DL2O_EINVAL, "%s: the checkpoint does not record %.*s; it was "
                                 "saved by another dl2o version: %s", path, (int)klen, s, REMEDY);
            if (slen != nlen || strncmp(sv, eq + 1, nlen))
                return DL2O_FAIL(DL2O_EINVAL, "%s: the checkpoint was saved by a run with "
                                 "%.*s=%.*s, this run has %.*s=%.*s; %s", path, (int)klen, s,
                                 (int)slen, sv, (int)klen, s, (int)nlen, eq + 1, REMEDY);
        }
        s = *end ? end + 1 : end;
    }
    return DL2O_FAIL(DL2O_EINVAL, "%s: the checkpoint records settings this run does not have "
                     "(\"%s\"); %s", path, saved, REMEDY);
}

static int same_doubles(const double *a, const double *b, size_t n)
{
    return n == 0 || (a && b && !memcmp(a, b, n * sizeof *a));
}

dl2o_status dl2o_resume_check_model(const char *path, const dl2o_model *saved,
                                    const dl2o_model *now)
{
    size_t n = (size_t)now->dims.dim_x, G = (size_t)now->dim_g;
    size_t P = (size_t)now->dims.n_probes * n;
    if (saved->n_params != now->n_params || saved->dim_g != now->dim_g ||
        saved->dims.dim_x != now->dims.dim_x || saved->dims.n_probes != now->dims.n_probes ||
        saved->dims.anchor_maxeval != now->dims.anchor_maxeval ||
        saved->dims.signed_log != now->dims.signed_log)
        return DL2O_FAIL(DL2O_EINVAL, "%s: the checkpoint's model has other sizes than this "
                         "run's; %s", path, REMEDY);
    if (!same_doubles(saved->x_mean, now->x_mean, n) || !same_doubles(saved->x_std, now->x_std, n) ||
        !same_doubles(saved->g_mean, now->g_mean, G) || !same_doubles(saved->g_std, now->g_std, G) ||
        !same_doubles(saved->lower, now->lower, n) || !same_doubles(saved->upper, now->upper, n) ||
        !same_doubles(saved->probes, now->probes, P) ||
        memcmp(&saved->f_scale, &now->f_scale, sizeof now->f_scale))
        return DL2O_FAIL(DL2O_EINVAL, "%s: the normalization computed from the training data "
                         "differs from the checkpoint's (the family's code changed?); %s", path,
                         REMEDY);
    return DL2O_OK;
}

dl2o_status dl2o_loss_log_add(dl2o_loss_log *log, const double *row)
{
    if (log->n == log->cap) {
        size_t cap = log->cap ? 2 * log->cap : 1024;
        double *r = cap < SIZE_MAX / (DL2O_LOSS_COLS * sizeof(double))
                        ? realloc(log->rows, cap * DL2O_LOSS_COLS * sizeof(double))
                        : NULL;
        if (!r) return DL2O_FAIL(DL2O_ENOMEM, "out of memory for the loss curve (%zu steps)", cap);
        log->rows = r, log->cap = cap;
    }
    memcpy(log->rows + log->n * DL2O_LOSS_COLS, row, DL2O_LOSS_COLS * sizeof(double));
    log->n++;
    return DL2O_OK;
}

void dl2o_loss_row_print(FILE *fp, const double *row)
{
    fprintf(fp, "%u,%.6g,%.6g,%.6g,%.6g,%.6g\n", (unsigned)row[0], row[1], row[2], row[3], row[4],
            row[5]);
}
