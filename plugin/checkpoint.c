/* checkpoint.c — /train_state in a weight file (checkpoint.h, weights/FORMAT.md).
 *
 * The h5util attribute helpers take the object to work on from the writer's
 * or reader's `file` id; HDF5 accepts a group id there as well, so a view
 * with file = the /train_state group reads and writes that group's
 * attributes with the same checks as the root's. */
#include "checkpoint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "h5util.h"
#include "model_io.h"

#define GROUP "/train_state"
#define STATE_FORMAT "dl2o-train-state"
#define STATE_VERSION 1
#define CONFIG_MAX 4096
#define REMEDY "delete it and train again without --resume"

void dl2o_train_state_free(dl2o_train_state *s)
{
    if (!s) return;
    free(s->config);
    free(s->adam_m);
    free(s->adam_v);
    free(s->loss);
    memset(s, 0, sizeof *s);
}

/* A fixed-length UTF-8 string attribute of object g. Readers take either
 * kind (h5util.h); fixed-length keeps the value in the object header, where
 * the reader can check it before libhdf5 parses it (no global heap). */
static dl2o_status write_fixed_str(const char *path, hid_t g, const char *name, const char *value)
{
    dl2o_status st = DL2O_OK;
    hid_t type = H5Tcopy(H5T_C_S1), space = H5Screate(H5S_SCALAR), attr = H5I_INVALID_HID;
    char why[160];
    if (type >= 0 && space >= 0 && H5Tset_size(type, strlen(value) + 1) >= 0 &&
        H5Tset_strpad(type, H5T_STR_NULLTERM) >= 0 && H5Tset_cset(type, H5T_CSET_UTF8) >= 0)
        attr = H5Acreate2(g, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (attr < 0 || H5Awrite(attr, type, value) < 0)
        st = DL2O_FAIL(DL2O_EIO, "%s: cannot write attribute %s/%s (%s); check free disk space",
                       path, GROUP, name, dl2o_h5_reason(why));
    dl2o_h5_close(&attr);
    dl2o_h5_close(&space);
    dl2o_h5_close(&type);
    return st;
}

typedef struct save_args {
    const dl2o_train_state *s;
    size_t P;
} save_args;

static dl2o_status write_state(struct dl2o_h5_writer *w, const void *data)
{
    const save_args *a = data;
    const dl2o_train_state *s = a->s;
    dl2o_status st = DL2O_OK;
    char why[160];
    hid_t g = H5Gcreate2(w->file, GROUP, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return DL2O_FAIL(DL2O_EIO, "%s: cannot create group %s (%s); check free disk space",
                         w->path, GROUP, dl2o_h5_reason(why));
    dl2o_h5_writer gw = {.path = w->path, .tmp = NULL, .fd = -1, .file = g};
    DL2O_TRY(write_fixed_str(w->path, g, "format", STATE_FORMAT));
    DL2O_TRY(dl2o_h5_write_attr_i32(&gw, "format_version", STATE_VERSION));
    DL2O_TRY(dl2o_h5_write_attr_u64(&gw, "step", s->step));
    DL2O_TRY(write_fixed_str(w->path, g, "config", s->config));
    DL2O_TRY(dl2o_h5_write_attr_u64(&gw, "data_hash", s->data_hash));
    DL2O_TRY(dl2o_h5_write_attr_f64(&gw, "ema_loss_eps", s->ema[0]));
    DL2O_TRY(dl2o_h5_write_attr_f64(&gw, "ema_loss_f", s->ema[1]));
    DL2O_TRY(dl2o_h5_write_attr_f64(&gw, "ema_loss_oracle", s->ema[2]));
    DL2O_TRY(dl2o_h5_write_attr_f64(&gw, "train_seconds", s->train_seconds));
    hsize_t pd[1] = {(hsize_t)a->P}, ld[2] = {(hsize_t)s->step, DL2O_LOSS_COLS};
    DL2O_TRY(dl2o_h5_write_f32(w, GROUP "/adam_m", 1, pd, s->adam_m));
    DL2O_TRY(dl2o_h5_write_f32(w, GROUP "/adam_v", 1, pd, s->adam_v));
    DL2O_TRY(dl2o_h5_write_f64(w, GROUP "/loss", 2, ld, s->loss));
out:
    dl2o_h5_close(&g);
    return st;
}

dl2o_status dl2o_checkpoint_save(const dl2o_model *m, const dl2o_train_state *s,
                                 const char *path)
{
    if (!m || !s || !s->config || !s->adam_m || !s->adam_v || (s->step && !s->loss))
        return DL2O_FAIL(DL2O_EINVAL, "dl2o_checkpoint_save: incomplete training state");
    for (size_t i = 0; i < m->n_params; i++)
        if (!isfinite(s->adam_m[i]) || !(s->adam_v[i] >= 0.0f) || !isfinite(s->adam_v[i]))
            return DL2O_FAIL(DL2O_ENONFINITE, "%s: refusing to save: Adam state %zu is not finite; "
                             "the training diverged, lower the learning rate", path, i);
    save_args a = {s, m->n_params};
    return dl2o_model_save_with(m, path, write_state, &a);
}

static dl2o_status read_state(dl2o_h5_reader *r, size_t P, dl2o_train_state *s)
{
    dl2o_status st = DL2O_OK;
    hid_t g = H5I_INVALID_HID;
    char why[160];
    htri_t has = H5Lexists(r->file, GROUP, H5P_DEFAULT);
    if (has <= 0)
        return DL2O_FAIL(DL2O_EFORMAT, "%s: no %s group: this is a weight file, not a checkpoint "
                         "of an interrupted run; pass the checkpoint, or train without --resume",
                         r->path, GROUP);
    if ((g = H5Gopen2(r->file, GROUP, H5P_DEFAULT)) < 0)
        return DL2O_FAIL(DL2O_EFORMAT, "%s: cannot open %s (%s); %s", r->path, GROUP,
                         dl2o_h5_reason(why), REMEDY);
    dl2o_h5_reader gr = {.path = r->path, .remedy = r->remedy, .file = g};
    uint64_t step;
    DL2O_TRY(dl2o_h5_check_format(&gr, STATE_FORMAT, STATE_VERSION));
    DL2O_TRY(dl2o_h5_attr_u64(&gr, "step", &step));
    if (step > 0xFFFFFFFFu) {
        st = DL2O_FAIL(DL2O_EFORMAT, "%s: %s step = %llu is out of range; %s", r->path, GROUP,
                       (unsigned long long)step, REMEDY);
        goto out;
    }
    s->step = (unsigned)step;
    DL2O_TRY(dl2o_h5_attr_str(&gr, "config", CONFIG_MAX, &s->config));
    DL2O_TRY(dl2o_h5_attr_u64(&gr, "data_hash", &s->data_hash));
    DL2O_TRY(dl2o_h5_attr_f64(&gr, "ema_loss_eps", &s->ema[0]));
    DL2O_TRY(dl2o_h5_attr_f64(&gr, "ema_loss_f", &s->ema[1]));
    DL2O_TRY(dl2o_h5_attr_f64(&gr, "ema_loss_oracle", &s->ema[2]));
    DL2O_TRY(dl2o_h5_attr_f64(&gr, "train_seconds", &s->train_seconds));
    hsize_t pd[1] = {(hsize_t)P}, ld[2] = {(hsize_t)s->step, DL2O_LOSS_COLS};
    /* Shapes first, so a corrupt step count cannot ask for a huge buffer. */
    DL2O_TRY(dl2o_h5_read(r, GROUP "/adam_m", DL2O_H5_F32, 1, pd, NULL));
    DL2O_TRY(dl2o_h5_read(r, GROUP "/adam_v", DL2O_H5_F32, 1, pd, NULL));
    DL2O_TRY(dl2o_h5_read(r, GROUP "/loss", DL2O_H5_F64, 2, ld, NULL));
    s->adam_m = dl2o_xcalloc(P, sizeof(float), "Adam state");
    s->adam_v = dl2o_xcalloc(P, sizeof(float), "Adam state");
    s->loss = dl2o_xcalloc((size_t)s->step, DL2O_LOSS_COLS * sizeof(double), "loss curve");
    if (!s->adam_m || !s->adam_v || !s->loss) {
        st = DL2O_ENOMEM;
        goto out;
    }
    DL2O_TRY(dl2o_h5_read(r, GROUP "/adam_m", DL2O_H5_F32, 1, pd, s->adam_m));
    DL2O_TRY(dl2o_h5_read(r, GROUP "/adam_v", DL2O_H5_F32, 1, pd, s->adam_v));
    DL2O_TRY(dl2o_h5_read(r, GROUP "/loss", DL2O_H5_F64, 2, ld, s->loss));
    for (size_t i = 0; i < P; i++)
        if (s->adam_v[i] < 0.0f) {
            st = DL2O_FAIL(DL2O_EFORMAT, "%s: %s/adam_v[%zu] = %g is negative; %s", r->path, GROUP,
                           i, s->adam_v[i], REMEDY);
            goto out;
        }
out:
    dl2o_h5_close(&g);
    return st;
}

dl2o_status dl2o_checkpoint_load(const char *path, dl2o_model *m, dl2o_train_state *s)
{
    dl2o_status st = DL2O_OK;
    dl2o_h5_quiet q;
    dl2o_h5_reader r = {.path = path, .remedy = REMEDY, .file = H5I_INVALID_HID};
    if (!m || !s) return DL2O_FAIL(DL2O_EINVAL, "dl2o_checkpoint_load: NULL argument");
    memset(s, 0, sizeof *s);
    DL2O_TRY(dl2o_model_load(path, m));
    dl2o_h5_quiet_begin(&q);
    st = dl2o_h5_reader_open(&r, path, REMEDY);
    if (st == DL2O_OK) st = read_state(&r, m->n_params, s);
    dl2o_h5_reader_close(&r);
    dl2o_h5_quiet_end(&q);
out:
    if (st != DL2O_OK) {
        dl2o_model_free(m);
        dl2o_train_state_free(s);
    }
    return st;
}
