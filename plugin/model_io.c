/* model_io.c — weight files, "dl2o-weights" versions 1 to 3
 * (weights/FORMAT.md). Version 2 adds the anchor, version 3 linear guidance
 * values. Signed-log models are written as version 1 (no anchor) or 2, so
 * readers that predate anchors or linear values still read them. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "model_io.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "h5util.h"

#define FORMAT_NAME "dl2o-weights"
#define REMEDY "regenerate it with `dl2o train`"
#define TRAINING_MAX ((size_t)1 << 20)

/* Sanity ranges of the size attributes; dl2o_model_init checks the rest. */
#define DIM_MAX 100000
#define WIDTH_MAX 8192
#define PROBES_MAX 1024
#define EMBED_MAX 1024

/* The float64 arrays of a model, as stored. */
typedef struct stat_entry {
    const char *name;
    double *v;
    int rank;
    hsize_t dims[2];
} stat_entry;

static int stat_table(const dl2o_model *m, stat_entry e[7])
{
    hsize_t n = (hsize_t)m->dims.dim_x, G = (hsize_t)m->dim_g, P = (hsize_t)m->dims.n_probes;
    e[0] = (stat_entry){"/normalization/x_mean", m->x_mean, 1, {n, 0}};
    e[1] = (stat_entry){"/normalization/x_std", m->x_std, 1, {n, 0}};
    e[2] = (stat_entry){"/normalization/g_mean", m->g_mean, 1, {G, 0}};
    e[3] = (stat_entry){"/normalization/g_std", m->g_std, 1, {G, 0}};
    e[4] = (stat_entry){"/box/lower", m->lower, 1, {n, 0}};
    e[5] = (stat_entry){"/box/upper", m->upper, 1, {n, 0}};
    if (m->dims.guidance != DL2O_GUIDANCE_PROBE) return 6;
    e[6] = (stat_entry){"/probe/points", m->probes, 2, {P, n}};
    return 7;
}

/* The value checks a loaded file must pass; a model to be saved as well. */
static dl2o_status check_values(const dl2o_model *m, const char *path, int saving)
{
    dl2o_status code = saving ? DL2O_EINVAL : DL2O_EFORMAT;
    const char *pre = saving ? "refusing to save: " : "";
    const char *post = saving ? "fix the model's statistics" : "the file is corrupt, " REMEDY;
    for (int i = 0; i < m->dims.dim_x; i++) {
        if (!(m->x_std[i] > 0))
            return DL2O_FAIL(code, "%s: %s/normalization/x_std[%d] = %g is not positive; %s", path,
                             pre, i, m->x_std[i], post);
        if (!(m->lower[i] < m->upper[i]))
            return DL2O_FAIL(code, "%s: %s/box/lower[%d] = %g is not below /box/upper[%d] = %g; %s",
                             path, pre, i, m->lower[i], i, m->upper[i], post);
    }
    for (int i = 0; i < m->dim_g; i++)
        if (!(m->g_std[i] > 0))
            return DL2O_FAIL(code, "%s: %s/normalization/g_std[%d] = %g is not positive; %s", path,
                             pre, i, m->g_std[i], post);
    if (!(m->f_scale > 0) || !isfinite(m->f_scale))
        return DL2O_FAIL(code, "%s: %sf_scale = %g is not a positive finite number; %s", path, pre,
                         m->f_scale, post);
    return DL2O_OK;
}

/* Non-zero when a schedule built from (b0, b1) equals m's bit for bit. */
static int rebuilds(const dl2o_model *m, double b0, double b1)
{
    dl2o_schedule s;
    dl2o_status st = dl2o_schedule_init(&s, m->dims.schedule, m->dims.T, b0, b1);
    int same = st == DL2O_OK &&
               memcmp(s.beta, m->sched.beta, (size_t)m->dims.T * sizeof(double)) == 0;
    dl2o_schedule_free(&s);
    return same;
}

/* The beta range written to the file. Linear: the range the loader rebuilds
 * the schedule from, checked to give the same betas bit for bit; when the
 * dims ask for the default (0, 0), the built ends, with beta_end searched
 * within a few ulps since beta[T-1] = a + (b - a) may round. Cosine: the
 * built ends, informational. */
static dl2o_status schedule_range(const dl2o_model *m, const char *path, double *b0, double *b1)
{
    const dl2o_model_dims *d = &m->dims;
    *b0 = m->sched.beta_start, *b1 = m->sched.beta_end;
    if (d->schedule == DL2O_SCHEDULE_LINEAR && (d->beta_start != 0.0 || d->beta_end != 0.0))
        *b0 = d->beta_start, *b1 = d->beta_end;
    if (rebuilds(m, *b0, *b1)) return DL2O_OK;
    double lo = m->sched.beta_end, hi = m->sched.beta_end;
    for (int k = 0; k < 4 && d->schedule == DL2O_SCHEDULE_LINEAR; k++) {
        lo = nextafter(lo, 0.0), hi = nextafter(hi, 1.0);
        if (rebuilds(m, *b0, lo)) return *b1 = lo, DL2O_OK;
        if (rebuilds(m, *b0, hi)) return *b1 = hi, DL2O_OK;
    }
    dl2o_clear_error();
    return DL2O_FAIL(DL2O_EINVAL, "%s: refusing to save: the noise schedule cannot be rebuilt "
                     "from its beta range; build the model with dl2o_model_init", path);
}

static int same_layout(const dl2o_mlp *a, int n_in, int width, int blocks, int n_out, size_t off)
{
    dl2o_mlp b;
    if (dl2o_mlp_layout(&b, n_in, width, blocks, n_out, off) || a->n_layers != b.n_layers ||
        a->offset != b.offset || a->n_params != b.n_params)
        return 0;
    for (int i = 0; i < b.n_layers; i++)
        if (a->layer[i].in != b.layer[i].in || a->layer[i].out != b.layer[i].out ||
            a->layer[i].w != b.layer[i].w || a->layer[i].b != b.layer[i].b)
            return 0;
    return 1;
}

static dl2o_status check_for_save(const dl2o_model *m, const char *path, double *b0, double *b1)
{
    dl2o_status st = DL2O_OK;
    const dl2o_model_dims *d = &m->dims;
    stat_entry e[7];
    if (!m->params || !m->stats || !m->sched.beta)
        return DL2O_FAIL(DL2O_EINVAL, "%s: refusing to save: the model is not initialized; "
                         "call dl2o_model_init first", path);
    int n = d->dim_x, G = m->dim_g;
    if (G != dl2o_model_dim_g(d) || m->sched.T != d->T || m->sched.kind != d->schedule ||
        !same_layout(&m->denoiser, n + d->time_embed + G, d->width, d->blocks, n, 0) ||
        !same_layout(&m->oracle, G, d->oracle_width, d->oracle_blocks, n, m->denoiser.n_params) ||
        m->n_params != m->denoiser.n_params + m->oracle.n_params)
        return DL2O_FAIL(DL2O_EINVAL, "%s: refusing to save: the model's sizes do not match its "
                         "dims; build it with dl2o_model_init", path);
    if (strnlen(m->family, sizeof m->family) == sizeof m->family ||
        strnlen(m->library_version, sizeof m->library_version) == sizeof m->library_version ||
        strnlen(m->created, sizeof m->created) == sizeof m->created)
        return DL2O_FAIL(DL2O_EINVAL, "%s: refusing to save: a name field is not terminated", path);
    if (m->training_json && strlen(m->training_json) > TRAINING_MAX)
        return DL2O_FAIL(DL2O_EINVAL, "%s: refusing to save: the training record is over %zu "
                         "bytes; shorten it", path, TRAINING_MAX);
    for (size_t i = 0; i < m->n_params; i++)
        if (!isfinite(m->params[i]))
            return DL2O_FAIL(DL2O_ENONFINITE,
                             "%s: refusing to save: parameter %zu is not finite; the training "
                             "diverged, lower the learning rate and retrain", path, i);
    int ne = stat_table(m, e);
    for (int k = 0; k < ne; k++) {
        size_t cnt = (size_t)e[k].dims[0] * (e[k].rank == 2 ? (size_t)e[k].dims[1] : 1);
        if (!dl2o_all_finite(e[k].v, cnt))
            return DL2O_FAIL(DL2O_ENONFINITE, "%s: refusing to save: %s has a non-finite value; "
                             "fix the model's statistics", path, e[k].name);
    }
    DL2O_TRY(check_values(m, path, 1));
    DL2O_TRY(schedule_range(m, path, b0, b1));
out:
    return st;
}

static dl2o_status write_attrs(dl2o_h5_writer *w, const dl2o_model *m, double b0, double b1)
{
    dl2o_status st = DL2O_OK;
    const dl2o_model_dims *d = &m->dims;
    char created[32];
    snprintf(created, sizeof created, "%s", m->created);
    if (!created[0]) {
        time_t now = time(NULL);
        struct tm tm;
        if (!gmtime_r(&now, &tm) || !strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm))
            snprintf(created, sizeof created, "1970-01-01T00:00:00Z");
    }
    DL2O_TRY(dl2o_h5_write_attr_str(w, "format", FORMAT_NAME));
    int version = !d->signed_log ? 3 : d->anchor_maxeval > 0 ? 2 : 1;
    DL2O_TRY(dl2o_h5_write_attr_i32(w, "format_version", version));
    DL2O_TRY(dl2o_h5_write_attr_str(w, "library_version", m->library_version));
    DL2O_TRY(dl2o_h5_write_attr_str(w, "family", m->family));
    DL2O_TRY(dl2o_h5_write_attr_i32(w, "family_version", m->family_version));
    DL2O_TRY(dl2o_h5_write_attr_i32(w, "dim_x", d->dim_x));
    DL2O_TRY(dl2o_h5_write_attr_i32(w, "dim_theta", d->dim_theta));
    DL2O_TRY(dl2o_h5_write_attr_str(w, "guidance_mode", dl2o_guidance_name(d->guidance)));
    DL2O_TRY(dl2o_h5_write_attr_i32(w, "n_probes", d->n_probes));
    if (d->anchor_maxeval > 0) DL2O_TRY(dl2o_h5_write_attr_i32(w, "anchor_maxeval", d->anchor_maxeval));
    if (version >= 3) DL2O_TRY(dl2o_h5_write_attr_str(w, "guidance_values", "linear"));
    DL2O_TRY(dl2o_h5_write_attr_str(w, "schedule_kind", dl2o_schedule_kind_name(d->schedule)));
    DL2O_TRY(dl2o_h5_write_attr_i32(w, "schedule_T", d->T));
    DL2O_TRY(dl2o_h5_write_attr_f64(w, "schedule_beta_start", b0));
    DL2O_TRY(dl2o_h5_write_attr_f64(w, "schedule_beta_end", b1));
    DL2O_TRY(dl2o_h5_write_attr_str(w, "dtype", "float32"));
    DL2O_TRY(dl2o_h5_write_attr_str(w, "created", created));
    DL2O_TRY(dl2o_h5_write_attr_str(w, "training", m->training_json ? m->training_json : "{}"));
    DL2O_TRY(dl2o_h5_write_attr_i32(w, "denoiser_width", d->width));
    DL2O_TRY(dl2o_h5_write_attr_i32(w, "denoiser_blocks", d->blocks));
    DL2O_TRY(dl2o_h5_write_attr_i32(w, "oracle_width", d->oracle_width));
    DL2O_TRY(dl2o_h5_write_attr_i32(w, "oracle_blocks", d->oracle_blocks));
    DL2O_TRY(dl2o_h5_write_attr_i32(w, "time_embed", d->time_embed));
    DL2O_TRY(dl2o_h5_write_attr_f64(w, "f_scale", m->f_scale));
out:
    return st;
}

/* Writes (buf != NULL: reads) every layer of mlp under /<group>/<layer>/{W,b}. */
static dl2o_status mlp_io(dl2o_h5_writer *w, dl2o_h5_reader *r, const char *group,
                          const dl2o_mlp *mlp, float *params)
{
    dl2o_status st = DL2O_OK;
    char layer[DL2O_LAYER_NAME_MAX], ds[96];
    for (int i = 0; i < mlp->n_layers; i++) {
        const dl2o_linear *L = &mlp->layer[i];
        hsize_t wd[2] = {(hsize_t)L->out, (hsize_t)L->in}, bd[1] = {(hsize_t)L->out};
        dl2o_mlp_layer_name(mlp, i, layer);
        snprintf(ds, sizeof ds, "/%s/%s/W", group, layer);
        DL2O_TRY(w ? dl2o_h5_write_f32(w, ds, 2, wd, params + L->w)
                   : dl2o_h5_read(r, ds, DL2O_H5_F32, 2, wd, params ? params + L->w : NULL));
        snprintf(ds, sizeof ds, "/%s/%s/b", group, layer);
        DL2O_TRY(w ? dl2o_h5_write_f32(w, ds, 1, bd, params + L->b)
                   : dl2o_h5_read(r, ds, DL2O_H5_F32, 1, bd, params ? params + L->b : NULL));
    }
out:
    return st;
}

dl2o_status dl2o_model_save(const dl2o_model *m, const char *path)
{
    return dl2o_model_save_with(m, path, NULL, NULL);
}

dl2o_status dl2o_model_save_with(const dl2o_model *m, const char *path, dl2o_model_extra extra,
                                 const void *extra_data)
{
    dl2o_status st = DL2O_OK;
    dl2o_h5_quiet q;
    dl2o_h5_writer w = {.path = path, .tmp = NULL, .fd = -1, .file = H5I_INVALID_HID};
    stat_entry e[7];
    double b0 = 0, b1 = 0;
    if (!m || !path || !path[0])
        return DL2O_FAIL(DL2O_EINVAL, "dl2o_model_save: a model and a path are required");
    st = check_for_save(m, path, &b0, &b1);
    if (st != DL2O_OK) return st;
    dl2o_h5_quiet_begin(&q);
    DL2O_TRY(dl2o_h5_writer_open(&w, path));
    DL2O_TRY(write_attrs(&w, m, b0, b1));
    DL2O_TRY(mlp_io(&w, NULL, "denoiser", &m->denoiser, m->params));
    DL2O_TRY(mlp_io(&w, NULL, "oracle", &m->oracle, m->params));
    int ne = stat_table(m, e);
    for (int k = 0; k < ne; k++)
        DL2O_TRY(dl2o_h5_write_f64(&w, e[k].name, e[k].rank, e[k].dims, e[k].v));
    if (extra) DL2O_TRY(extra(&w, extra_data));
    DL2O_TRY(dl2o_h5_writer_commit(&w));
out:
    dl2o_h5_writer_abort(&w);
    dl2o_h5_quiet_end(&q);
    return st;
}

/* The root attributes into dims and the model's metadata fields. */
typedef struct file_meta {
    dl2o_model_dims dims;
    char family[DL2O_NAME_MAX], library_version[16], created[32];
    int family_version;
    double f_scale;
    char *training;
} file_meta;

static dl2o_status read_meta(dl2o_h5_reader *r, int version, file_meta *fm)
{
    dl2o_status st = DL2O_OK;
    dl2o_model_dims *d = &fm->dims;
    char guidance[16], kind[16], dtype[16];
    double b0, b1;
    DL2O_TRY(dl2o_h5_attr_strbuf(r, "library_version", fm->library_version,
                                 sizeof fm->library_version));
    DL2O_TRY(dl2o_h5_attr_strbuf(r, "family", fm->family, sizeof fm->family));
    DL2O_TRY(dl2o_h5_attr_int(r, "family_version", 0, 1000000, &fm->family_version));
    DL2O_TRY(dl2o_h5_attr_int(r, "dim_x", 1, DIM_MAX, &d->dim_x));
    DL2O_TRY(dl2o_h5_attr_int(r, "dim_theta", 0, DIM_MAX, &d->dim_theta));
    DL2O_TRY(dl2o_h5_attr_strbuf(r, "guidance_mode", guidance, sizeof guidance));
    if (dl2o_guidance_parse(guidance, &d->guidance))
        return DL2O_FAIL(DL2O_EFORMAT, "%s: guidance_mode \"%s\" is unknown, expected \"theta\" "
                         "or \"probe\"; %s", r->path, guidance, REMEDY);
    DL2O_TRY(dl2o_h5_attr_int(r, "n_probes", 0, PROBES_MAX, &d->n_probes));
    if ((d->guidance == DL2O_GUIDANCE_PROBE) != (d->n_probes > 0))
        return DL2O_FAIL(DL2O_EFORMAT, "%s: n_probes = %d does not fit guidance_mode \"%s\" "
                         "(theta: 0, probe: 1 or more); %s",
                         r->path, d->n_probes, guidance, REMEDY);
    /* Version 2 files are the anchored ones: the attribute is required there;
     * version 3 has it when anchored, and says how guidance values are kept. */
    if (version == 2 || (version >= 3 && dl2o_h5_attr_exists(r, "anchor_maxeval")))
        DL2O_TRY(dl2o_h5_attr_int(r, "anchor_maxeval", 1, DL2O_ANCHOR_MAXEVAL_MAX, &d->anchor_maxeval));
    d->signed_log = version < 3;
    if (version >= 3) {
        char values[16];
        DL2O_TRY(dl2o_h5_attr_strbuf(r, "guidance_values", values, sizeof values));
        if (strcmp(values, "linear") != 0)
            return DL2O_FAIL(DL2O_EFORMAT, "%s: guidance_values \"%s\" is unknown, expected "
                             "\"linear\"; %s", r->path, values, REMEDY);
    }
    DL2O_TRY(dl2o_h5_attr_strbuf(r, "schedule_kind", kind, sizeof kind));
    if (dl2o_schedule_kind_parse(kind, &d->schedule))
        return DL2O_FAIL(DL2O_EFORMAT, "%s: schedule_kind \"%s\" is unknown, expected \"cosine\" "
                         "or \"linear\"; %s", r->path, kind, REMEDY);
    DL2O_TRY(dl2o_h5_attr_int(r, "schedule_T", 2, DL2O_T_MAX, &d->T));
    DL2O_TRY(dl2o_h5_attr_f64(r, "schedule_beta_start", &b0));
    DL2O_TRY(dl2o_h5_attr_f64(r, "schedule_beta_end", &b1));
    /* Cosine schedules ignore the range: it is informational there. */
    d->beta_start = d->schedule == DL2O_SCHEDULE_LINEAR ? b0 : 0.0;
    d->beta_end = d->schedule == DL2O_SCHEDULE_LINEAR ? b1 : 0.0;
    DL2O_TRY(dl2o_h5_attr_strbuf(r, "dtype", dtype, sizeof dtype));
    if (strcmp(dtype, "float32") != 0)
        return DL2O_FAIL(DL2O_EFORMAT, "%s: dtype \"%s\" is not supported, this library reads "
                         "\"float32\" weights; %s", r->path, dtype, REMEDY);
    DL2O_TRY(dl2o_h5_attr_strbuf(r, "created", fm->created, sizeof fm->created));
    DL2O_TRY(dl2o_h5_attr_str(r, "training", TRAINING_MAX, &fm->training));
    DL2O_TRY(dl2o_h5_attr_int(r, "denoiser_width", 1, WIDTH_MAX, &d->width));
    DL2O_TRY(dl2o_h5_attr_int(r, "denoiser_blocks", 0, DL2O_MAX_BLOCKS, &d->blocks));
    DL2O_TRY(dl2o_h5_attr_int(r, "oracle_width", 1, WIDTH_MAX, &d->oracle_width));
    DL2O_TRY(dl2o_h5_attr_int(r, "oracle_blocks", 0, DL2O_MAX_BLOCKS, &d->oracle_blocks));
    DL2O_TRY(dl2o_h5_attr_int(r, "time_embed", 2, EMBED_MAX, &d->time_embed));
    DL2O_TRY(dl2o_h5_attr_f64(r, "f_scale", &fm->f_scale));
out:
    return st;
}

/* Checks every dataset's type, shape and storage (dl2o_h5_read with no
 * buffer) before dl2o_model_init allocates (found by fuzzing): the size
 * attributes alone, in range, can ask for gigabytes of parameters, so a
 * few-KB file must first show that it holds them. Layouts that
 * dl2o_mlp_layout refuses are left to dl2o_model_init to report. */
static dl2o_status check_shapes(dl2o_h5_reader *r, const dl2o_model_dims *d)
{
    dl2o_status st = DL2O_OK;
    dl2o_model s; /* sizes only: no arrays */
    stat_entry e[7];
    memset(&s, 0, sizeof s);
    s.dims = *d;
    s.dim_g = dl2o_model_dim_g(d);
    int n = d->dim_x;
    if (s.dim_g < 0 || s.dim_g > DIM_MAX ||
        dl2o_mlp_layout(&s.denoiser, n + d->time_embed + s.dim_g, d->width, d->blocks, n, 0) ||
        dl2o_mlp_layout(&s.oracle, s.dim_g, d->oracle_width, d->oracle_blocks, n, 0))
        return DL2O_OK;
    DL2O_TRY(mlp_io(NULL, r, "denoiser", &s.denoiser, NULL));
    DL2O_TRY(mlp_io(NULL, r, "oracle", &s.oracle, NULL));
    int ne = stat_table(&s, e);
    for (int k = 0; k < ne; k++)
        DL2O_TRY(dl2o_h5_read(r, e[k].name, DL2O_H5_F64, e[k].rank, e[k].dims, NULL));
out:
    return st;
}

/* Drops the " (file.c:123)" suffix dl2o_fail appends. */
static void strip_location(char *msg)
{
    size_t len = strlen(msg);
    char *open = strrchr(msg, '(');
    if (open && open > msg && open[-1] == ' ' && len && msg[len - 1] == ')') open[-1] = '\0';
}

dl2o_status dl2o_model_load(const char *path, dl2o_model *m)
{
    dl2o_status st = DL2O_OK;
    dl2o_h5_quiet q;
    dl2o_h5_reader r = {.path = path, .remedy = REMEDY, .file = H5I_INVALID_HID};
    file_meta fm;
    stat_entry e[7];
    char inner[DL2O_ERRMSG_MAX];
    if (!m) return DL2O_FAIL(DL2O_EINVAL, "dl2o_model_load: a model to load into is required");
    memset(m, 0, sizeof *m);
    memset(&fm, 0, sizeof fm);
    if (!path || !path[0]) return DL2O_FAIL(DL2O_EINVAL, "dl2o_model_load: a path is required");
    dl2o_h5_quiet_begin(&q);
    DL2O_TRY(dl2o_h5_reader_open(&r, path, REMEDY));
    int version = 0;
    DL2O_TRY(dl2o_h5_check_format_range(&r, FORMAT_NAME, 1, DL2O_FORMAT_VERSION, &version));
    DL2O_TRY(read_meta(&r, version, &fm));
    DL2O_TRY(check_shapes(&r, &fm.dims));
    st = dl2o_model_init(m, &fm.dims);
    if (st == DL2O_ENOMEM) goto out;
    if (st != DL2O_OK) {
        dl2o_copy_last_error(inner, sizeof inner);
        strip_location(inner);
        st = DL2O_FAIL(DL2O_EFORMAT, "%s: the attributes describe an invalid model (%s); %s",
                       path, inner, REMEDY);
        goto out;
    }
    snprintf(m->family, sizeof m->family, "%s", fm.family);
    snprintf(m->library_version, sizeof m->library_version, "%s", fm.library_version);
    snprintf(m->created, sizeof m->created, "%s", fm.created);
    m->family_version = fm.family_version;
    m->f_scale = fm.f_scale;
    m->training_json = fm.training;
    fm.training = NULL;
    DL2O_TRY(mlp_io(NULL, &r, "denoiser", &m->denoiser, m->params));
    DL2O_TRY(mlp_io(NULL, &r, "oracle", &m->oracle, m->params));
    int ne = stat_table(m, e);
    for (int k = 0; k < ne; k++)
        DL2O_TRY(dl2o_h5_read(&r, e[k].name, DL2O_H5_F64, e[k].rank, e[k].dims, e[k].v));
    DL2O_TRY(check_values(m, path, 0));
out:
    dl2o_h5_reader_close(&r);
    dl2o_h5_quiet_end(&q);
    free(fm.training);
    if (st != DL2O_OK) dl2o_model_free(m);
    return st;
}
