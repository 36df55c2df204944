/* data_io.c — training data files, "dl2o-data" version 1 (weights/FORMAT.md). */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "data_io.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "h5util.h"

#define FORMAT_NAME "dl2o-data"
#define FORMAT_VERSION 1
#define REMEDY "delete it and let `dl2o train` generate the data again"
#define DIM_MAX 100000

typedef struct data_entry {
    const char *name;
    double *v;
    int rank;
    hsize_t dims[2];
} data_entry;

/* /theta is always present, (n, 0) when dim_theta is 0. */
static void data_table(const dl2o_dataset *d, data_entry e[3])
{
    hsize_t n = (hsize_t)d->n;
    e[0] = (data_entry){"/theta", d->theta, 2, {n, (hsize_t)d->dim_theta}};
    e[1] = (data_entry){"/x", d->x, 2, {n, (hsize_t)d->dim_x}};
    e[2] = (data_entry){"/f", d->f, 1, {n, 0}};
}

static dl2o_status check_for_save(const dl2o_dataset *d, const char *path)
{
    data_entry e[3];
    if (!d->buf || !d->theta || !d->x || !d->f || d->n < 1 || d->dim_x < 1 || d->dim_x > DIM_MAX ||
        d->dim_theta < 0 || d->dim_theta > DIM_MAX)
        return DL2O_FAIL(DL2O_EINVAL, "%s: refusing to save: the data set is empty or has invalid "
                         "sizes (n=%d, dim_x=%d, dim_theta=%d); build it with dl2o_dataset_alloc",
                         path, d->n, d->dim_x, d->dim_theta);
    if (strnlen(d->family, sizeof d->family) == sizeof d->family)
        return DL2O_FAIL(DL2O_EINVAL, "%s: refusing to save: the family name is not terminated",
                         path);
    if (d->restarts < 0 || d->local_maxeval < 0 || !isfinite(d->seconds) || d->seconds < 0)
        return DL2O_FAIL(DL2O_EINVAL, "%s: refusing to save: restarts, local_maxeval and "
                         "seconds must be non-negative", path);
    data_table(d, e);
    for (int k = 0; k < 3; k++) {
        size_t cnt = (size_t)e[k].dims[0] * (e[k].rank == 2 ? (size_t)e[k].dims[1] : 1);
        for (size_t i = 0; i < cnt; i++)
            if (!isfinite(e[k].v[i]))
                return DL2O_FAIL(DL2O_ENONFINITE, "%s: refusing to save: %s holds a non-finite "
                                 "value at flat index %zu; drop or re-solve that instance",
                                 path, e[k].name, i);
    }
    return DL2O_OK;
}

dl2o_status dl2o_dataset_save(const dl2o_dataset *d, const char *path)
{
    dl2o_status st = DL2O_OK;
    dl2o_h5_quiet q;
    dl2o_h5_writer w = {.path = path, .tmp = NULL, .fd = -1, .file = H5I_INVALID_HID};
    data_entry e[3];
    if (!d || !path || !path[0])
        return DL2O_FAIL(DL2O_EINVAL, "dl2o_dataset_save: a data set and a path are required");
    st = check_for_save(d, path);
    if (st != DL2O_OK) return st;
    dl2o_h5_quiet_begin(&q);
    DL2O_TRY(dl2o_h5_writer_open(&w, path));
    DL2O_TRY(dl2o_h5_write_attr_str(&w, "format", FORMAT_NAME));
    DL2O_TRY(dl2o_h5_write_attr_i32(&w, "format_version", FORMAT_VERSION));
    DL2O_TRY(dl2o_h5_write_attr_str(&w, "family", d->family));
    DL2O_TRY(dl2o_h5_write_attr_i32(&w, "dim_x", d->dim_x));
    DL2O_TRY(dl2o_h5_write_attr_i32(&w, "dim_theta", d->dim_theta));
    DL2O_TRY(dl2o_h5_write_attr_i32(&w, "n", d->n));
    DL2O_TRY(dl2o_h5_write_attr_u64(&w, "seed", d->seed));
    DL2O_TRY(dl2o_h5_write_attr_i32(&w, "restarts", d->restarts));
    DL2O_TRY(dl2o_h5_write_attr_i32(&w, "local_maxeval", d->local_maxeval));
    DL2O_TRY(dl2o_h5_write_attr_f64(&w, "seconds", d->seconds));
    data_table(d, e);
    for (int k = 0; k < 3; k++)
        DL2O_TRY(dl2o_h5_write_f64(&w, e[k].name, e[k].rank, e[k].dims, e[k].v));
    DL2O_TRY(dl2o_h5_writer_commit(&w));
out:
    dl2o_h5_writer_abort(&w);
    dl2o_h5_quiet_end(&q);
    return st;
}

dl2o_status dl2o_dataset_load(const char *path, dl2o_dataset *d)
{
    dl2o_status st = DL2O_OK;
    dl2o_h5_quiet q;
    dl2o_h5_reader r = {.path = path, .remedy = REMEDY, .file = H5I_INVALID_HID};
    dl2o_dataset h; /* the header, then the shapes, before anything is allocated */
    data_entry e[3];
    char family[DL2O_NAME_MAX];
    if (!d) return DL2O_FAIL(DL2O_EINVAL, "dl2o_dataset_load: a data set to load into is required");
    memset(d, 0, sizeof *d);
    memset(&h, 0, sizeof h);
    if (!path || !path[0]) return DL2O_FAIL(DL2O_EINVAL, "dl2o_dataset_load: a path is required");
    dl2o_h5_quiet_begin(&q);
    DL2O_TRY(dl2o_h5_reader_open(&r, path, REMEDY));
    DL2O_TRY(dl2o_h5_check_format(&r, FORMAT_NAME, FORMAT_VERSION));
    DL2O_TRY(dl2o_h5_attr_strbuf(&r, "family", family, sizeof family));
    DL2O_TRY(dl2o_h5_attr_int(&r, "dim_x", 1, DIM_MAX, &h.dim_x));
    DL2O_TRY(dl2o_h5_attr_int(&r, "dim_theta", 0, DIM_MAX, &h.dim_theta));
    DL2O_TRY(dl2o_h5_attr_int(&r, "n", 1, 0x7fffffff, &h.n));
    DL2O_TRY(dl2o_h5_attr_u64(&r, "seed", &h.seed));
    DL2O_TRY(dl2o_h5_attr_int(&r, "restarts", 0, 0x7fffffff, &h.restarts));
    DL2O_TRY(dl2o_h5_attr_int(&r, "local_maxeval", 0, 0x7fffffff, &h.local_maxeval));
    DL2O_TRY(dl2o_h5_attr_f64(&r, "seconds", &h.seconds));
    if (h.seconds < 0) {
        st = DL2O_FAIL(DL2O_EFORMAT, "%s: attribute seconds = %g is negative; %s", path, h.seconds,
                       REMEDY);
        goto out;
    }
    data_table(&h, e);
    for (int k = 0; k < 3; k++)
        DL2O_TRY(dl2o_h5_read(&r, e[k].name, DL2O_H5_F64, e[k].rank, e[k].dims, NULL));
    DL2O_TRY(dl2o_dataset_alloc(d, h.n, h.dim_x, h.dim_theta));
    snprintf(d->family, sizeof d->family, "%s", family);
    d->seed = h.seed;
    d->restarts = h.restarts;
    d->local_maxeval = h.local_maxeval;
    d->seconds = h.seconds;
    data_table(d, e);
    for (int k = 0; k < 3; k++)
        DL2O_TRY(dl2o_h5_read(&r, e[k].name, DL2O_H5_F64, e[k].rank, e[k].dims, e[k].v));
out:
    dl2o_h5_reader_close(&r);
    dl2o_h5_quiet_end(&q);
    if (st != DL2O_OK) dl2o_dataset_free(d);
    return st;
}
