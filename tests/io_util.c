/* io_util.c — fixtures and HDF5 file editing shared by the I/O tests. */
#include "io_util.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rng.h"
#include "testutil.h"

char *io_dupstr(const char *s)
{
    char *d = malloc(strlen(s) + 1);
    if (d) strcpy(d, s);
    return d;
}

int io_join(char *buf, size_t size, const char *dir, const char *name)
{
    return snprintf(buf, size, "%s/%s", dir, name) < (int)size;
}

/* A small model with every parameter and statistic random. */
dl2o_status io_make_model(dl2o_model *m, dl2o_guidance g, dl2o_schedule_kind kind, int T,
                          double b0, double b1, uint64_t seed)
{
    return io_make_model_anchored(m, g, kind, T, b0, b1, 0, 0, seed);
}

dl2o_status io_make_model_anchored(dl2o_model *m, dl2o_guidance g, dl2o_schedule_kind kind, int T,
                                   double b0, double b1, int anchor_maxeval, int signed_log,
                                   uint64_t seed)
{
    dl2o_model_dims d = {.dim_x = 3, .dim_theta = 5, .guidance = g,
                         .n_probes = g == DL2O_GUIDANCE_PROBE ? 4 : 0, .width = 8, .blocks = 2,
                         .oracle_width = 6, .oracle_blocks = 1, .time_embed = 4,
                         .schedule = kind, .T = T, .beta_start = b0, .beta_end = b1,
                         .anchor_maxeval = anchor_maxeval, .signed_log = signed_log};
    dl2o_status st = dl2o_model_init(m, &d);
    if (st != DL2O_OK) return st;
    dl2o_rng rng;
    dl2o_rng_init(&rng, seed, DL2O_STREAM_WEIGHTS, 0);
    for (size_t i = 0; i < m->n_params; i++) m->params[i] = (float)dl2o_rng_normal(&rng);
    int n = d.dim_x, G = m->dim_g;
    for (int i = 0; i < n; i++) {
        m->x_mean[i] = dl2o_rng_normal(&rng);
        m->x_std[i] = 0.5 + dl2o_rng_uniform(&rng);
        m->lower[i] = -1.0 - dl2o_rng_uniform(&rng);
        m->upper[i] = 1.0 + dl2o_rng_uniform(&rng);
    }
    for (int i = 0; i < G; i++) {
        m->g_mean[i] = dl2o_rng_normal(&rng);
        m->g_std[i] = 0.25 + dl2o_rng_uniform(&rng);
    }
    for (int i = 0; i < d.n_probes * n; i++) m->probes[i] = 3.0 * dl2o_rng_normal(&rng);
    snprintf(m->family, sizeof m->family, "%s", g == DL2O_GUIDANCE_PROBE ? "ackley-3" : "lasso-test");
    m->family_version = 3;
    m->f_scale = 12.5 + dl2o_rng_uniform(&rng);
    return DL2O_OK;
}

static size_t io_n_stats(const dl2o_model *m)
{
    return 4 * (size_t)m->dims.dim_x + 2 * (size_t)m->dim_g +
           (size_t)m->dims.n_probes * (size_t)m->dims.dim_x;
}

/* Everything a save/load must keep, bit for bit. */
void io_check_same_model(const dl2o_model *a, const dl2o_model *b, const char *what)
{
    const dl2o_model_dims *x = &a->dims, *y = &b->dims;
    CHECK_MSG(x->dim_x == y->dim_x && x->dim_theta == y->dim_theta && x->guidance == y->guidance &&
                  x->n_probes == y->n_probes && x->width == y->width && x->blocks == y->blocks &&
                  x->oracle_width == y->oracle_width && x->oracle_blocks == y->oracle_blocks &&
                  x->time_embed == y->time_embed && x->schedule == y->schedule && x->T == y->T &&
                  x->anchor_maxeval == y->anchor_maxeval && x->signed_log == y->signed_log,
              "%s: dims differ", what);
    CHECK_MSG(a->dim_g == b->dim_g, "%s", what);
    CHECK_MSG(strcmp(a->family, b->family) == 0, "%s: family %s vs %s", what, a->family, b->family);
    CHECK_MSG(a->family_version == b->family_version, "%s", what);
    CHECK_MSG(strcmp(a->library_version, b->library_version) == 0, "%s", what);
    CHECK_MSG(a->f_scale == b->f_scale, "%s: f_scale", what);
    CHECK_MSG(a->n_params == b->n_params, "%s", what);
    if (a->n_params == b->n_params && a->params && b->params)
        CHECK_MSG(memcmp(a->params, b->params, a->n_params * sizeof(float)) == 0, "%s: params", what);
    CHECK_MSG(io_n_stats(a) == io_n_stats(b), "%s", what);
    if (io_n_stats(a) == io_n_stats(b) && a->stats && b->stats)
        CHECK_MSG(memcmp(a->stats, b->stats, io_n_stats(a) * sizeof(double)) == 0, "%s: stats", what);
    CHECK_MSG((a->probes == NULL) == (b->probes == NULL), "%s: probes", what);
    CHECK_MSG(a->sched.T == b->sched.T && a->sched.kind == b->sched.kind, "%s: schedule", what);
    if (a->sched.T == b->sched.T && a->sched.beta && b->sched.beta)
        CHECK_MSG(memcmp(a->sched.beta, b->sched.beta, 3 * (size_t)a->sched.T * sizeof(double)) == 0,
                  "%s: schedule arrays differ", what);
    CHECK_MSG(a->denoiser.n_params == b->denoiser.n_params && a->oracle.n_params == b->oracle.n_params,
              "%s: layouts", what);
}

int io_count_tmp_files(const char *dir)
{
    DIR *dp = opendir(dir);
    int n = 0;
    if (!dp) return -1;
    for (struct dirent *e; (e = readdir(dp));)
        if (strstr(e->d_name, ".tmp.")) n++;
    closedir(dp);
    return n;
}

int io_count_entries(const char *dir)
{
    DIR *dp = opendir(dir);
    int n = 0;
    if (!dp) return -1;
    for (struct dirent *e; (e = readdir(dp));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(dp);
    return n;
}

/* Copies src to dst, keeping only the first `keep` bytes (all: SIZE_MAX). */
int io_copy_file(const char *src, const char *dst, size_t keep)
{
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    int ok = in && out;
    char buf[4096];
    size_t got;
    while (ok && keep > 0 && (got = fread(buf, 1, keep < sizeof buf ? keep : sizeof buf, in)) > 0) {
        ok = fwrite(buf, 1, got, out) == got;
        keep -= got;
    }
    if (in) fclose(in);
    if (out && fclose(out) != 0) ok = 0;
    return ok ? 0 : -1;
}

long io_file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

/* HDF5 files and objects in files still open (the library opens files
 * with H5F_CLOSE_STRONG, so this mostly guards against a file left open). */
long long io_open_ids(void) { return (long long)H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL); }

int io_is_zeroed(const void *p, size_t size)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < size; i++)
        if (b[i]) return 0;
    return 1;
}

/* ------------------------------------------------- editing files with HDF5 */

int io_set_attr(hid_t f, const char *name, hid_t ftype, hid_t mtype, hsize_t count,
                const void *v)
{
    if (H5Aexists(f, name) > 0 && H5Adelete(f, name) < 0) return -1;
    hid_t sp = count == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &count, NULL);
    hid_t a = H5Acreate2(f, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = a < 0 ? -1 : H5Awrite(a, mtype, v);
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    return e < 0 ? -1 : 0;
}

int io_set_i32(hid_t f, const char *name, int v)
{
    return io_set_attr(f, name, H5T_STD_I32LE, H5T_NATIVE_INT, 0, &v);
}

int io_set_i64(hid_t f, const char *name, long long v)
{
    return io_set_attr(f, name, H5T_STD_I64LE, H5T_NATIVE_LLONG, 0, &v);
}

int io_set_f64(hid_t f, const char *name, double v)
{
    return io_set_attr(f, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, &v);
}

int io_set_vstr(hid_t f, const char *name, const char *s)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    int r = io_set_attr(f, name, t, t, 0, &s);
    H5Tclose(t);
    return r;
}

/* A fixed-length string, null-padded as numpy bytes_ would write it (or
 * space-padded, Fortran style). */
int io_set_fstr_pad(hid_t f, const char *name, const char *s, H5T_cset_t cset, H5T_str_t pad)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, strlen(s));
    H5Tset_strpad(t, pad);
    H5Tset_cset(t, cset);
    int r = io_set_attr(f, name, t, t, 0, s);
    H5Tclose(t);
    return r;
}

int io_set_fstr(hid_t f, const char *name, const char *s, H5T_cset_t cset)
{
    return io_set_fstr_pad(f, name, s, cset, H5T_STR_NULLPAD);
}

int io_del_attr(hid_t f, const char *name) { return H5Adelete(f, name) < 0 ? -1 : 0; }

/* Replaces dataset `path` with a new one of the given type and shape, filled with 0.5. */
int io_replace_ds(hid_t f, const char *path, hid_t ftype, int rank, const hsize_t *dims)
{
    size_t n = 1;
    for (int i = 0; i < rank; i++) n *= dims[i];
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v || H5Ldelete(f, path, H5P_DEFAULT) < 0) return free(v), -1;
    for (size_t i = 0; i < n; i++) v[i] = 0.5;
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t ds = H5Dcreate2(f, path, ftype, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = ds < 0 ? -1 : H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    if (ds >= 0) H5Dclose(ds);
    H5Sclose(sp);
    free(v);
    return e < 0 ? -1 : 0;
}

/* Sets element i of an existing dataset (read as double, written back). */
int io_poke(hid_t f, const char *path, size_t i, double value)
{
    hid_t ds = H5Dopen2(f, path, H5P_DEFAULT);
    if (ds < 0) return -1;
    hid_t sp = H5Dget_space(ds);
    hssize_t n = H5Sget_simple_extent_npoints(sp);
    double *v = n > 0 ? malloc((size_t)n * sizeof *v) : NULL;
    int ok = v && (size_t)n > i &&
             H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0;
    if (ok) {
        v[i] = value;
        ok = H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0;
    }
    free(v);
    H5Sclose(sp);
    H5Dclose(ds);
    return ok ? 0 : -1;
}

void io_make_data(dl2o_dataset *d, int n, int dim_theta, uint64_t seed)
{
    CHECK(dl2o_dataset_alloc(d, n, 3, dim_theta) == DL2O_OK);
    dl2o_rng rng;
    dl2o_rng_init(&rng, seed, DL2O_STREAM_THETA, 0);
    size_t total = (size_t)n * (size_t)(3 + dim_theta + 1);
    for (size_t i = 0; i < total; i++) d->buf[i] = dl2o_rng_normal(&rng);
    snprintf(d->family, sizeof d->family, "rastrigin-3");
    d->seed = 0xFEDCBA9876543210ull;
    d->restarts = 8;
    d->local_maxeval = 300;
    d->seconds = 1.25;
}

void io_check_same_data(const dl2o_dataset *a, const dl2o_dataset *b, const char *what)
{
    CHECK_MSG(a->n == b->n && a->dim_x == b->dim_x && a->dim_theta == b->dim_theta, "%s", what);
    CHECK_MSG(strcmp(a->family, b->family) == 0 && a->seed == b->seed && a->restarts == b->restarts &&
                  a->local_maxeval == b->local_maxeval && a->seconds == b->seconds,
              "%s: metadata", what);
    size_t total = (size_t)a->n * (size_t)(a->dim_x + a->dim_theta + 1);
    if (a->n == b->n && a->dim_x == b->dim_x && a->dim_theta == b->dim_theta)
        CHECK_MSG(memcmp(a->buf, b->buf, total * sizeof(double)) == 0, "%s: values", what);
}

int io_mutate_copy(const char *src, const char *dst, io_mutate_fn mutate)
{
    if (io_copy_file(src, dst, SIZE_MAX) != 0) return -1;
    hid_t f = H5Fopen(dst, H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0) return -1;
    int bad = mutate(f) != 0;
    if (H5Fclose(f) < 0) bad = 1;
    return bad ? -1 : 0;
}
