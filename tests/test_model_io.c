/* test_model_io.c — weight files (plugin/model_io.c).
 *
 *   test_model_io roundtrip    save/load bit-exact, theta and probe models
 *   test_model_io malformed    each broken weight file rejected with its own message
 *   test_model_io atomic       failed saves leave no partial or temporary file
 *   test_model_io write        writes files for tests/check_h5py.py into
 *                              <build>/test-tmp/io_h5py
 *
 * Broken files are made by saving a good one, then editing a copy with the
 * HDF5 C API (tests/io_util.h). DL2O_TEST_VERBOSE=1 prints every message.
 */
#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"
#include "data_io.h"
#include "io_util.h"
#include "model.h"
#include "model_io.h"
#include "testutil.h"

/* ------------------------------------------------------------ round trips */

static void roundtrip_one(const char *dir, const char *name, dl2o_model *m)
{
    char path[1024];
    dl2o_model back;
    CHECK(io_join(path, sizeof path, dir, name));
    dl2o_status st = dl2o_model_save(m, path);
    CHECK_MSG(st == DL2O_OK, "%s: save: %s", name, dl2o_last_error());
    struct stat sb;
    CHECK_MSG(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0644, "%s: mode", name);
    st = dl2o_model_load(path, &back);
    CHECK_MSG(st == DL2O_OK, "%s: load: %s", name, dl2o_last_error());
    if (st != DL2O_OK) return;
    io_check_same_model(m, &back, name);
    CHECK_MSG(strcmp(back.training_json, m->training_json ? m->training_json : "{}") == 0,
              "%s: training %s", name, back.training_json);
    if (m->created[0]) {
        CHECK_MSG(strcmp(back.created, m->created) == 0, "%s: created %s", name, back.created);
    } else {
        int Y, M, D, h, mi, s;
        char z = 0;
        CHECK_MSG(strlen(back.created) == 20 &&
                      sscanf(back.created, "%4d-%2d-%2dT%2d:%2d:%2d%c", &Y, &M, &D, &h, &mi, &s,
                             &z) == 7 && z == 'Z' && Y >= 1970 && M >= 1 && M <= 12 &&
                      D >= 1 && D <= 31 && h < 24 && mi < 60 && s < 61,
                  "%s: created \"%s\" is not ISO 8601 UTC", name, back.created);
    }
    /* A loaded model saves again to an equal model. */
    char again[1024];
    CHECK(io_join(again, sizeof again, dir, "again.h5"));
    dl2o_model third;
    CHECK(dl2o_model_save(&back, again) == DL2O_OK);
    CHECK(dl2o_model_load(again, &third) == DL2O_OK);
    io_check_same_model(&back, &third, name);
    CHECK(third.training_json && strcmp(third.training_json, back.training_json) == 0);
    CHECK(strcmp(third.created, back.created) == 0);
    dl2o_model_free(&third);
    dl2o_model_free(&back);
}

static void test_roundtrip(void)
{
    const char *dir = dl2o_test_tmpdir("io_roundtrip");
    struct {
        const char *name;
        dl2o_guidance g;
        dl2o_schedule_kind kind;
        int T;
        double b0, b1;
        int json, created, anchor, signed_log;
    } cases[] = { /* signed_log 1: versions 1 and 2; 0: version 3 */
        {"theta.h5", DL2O_GUIDANCE_THETA, DL2O_SCHEDULE_COSINE, 100, 0, 0, 1, 1, 0, 1},
        {"probe.h5", DL2O_GUIDANCE_PROBE, DL2O_SCHEDULE_COSINE, 50, 0, 0, 1, 0, 0, 1},
        {"theta_nojson.h5", DL2O_GUIDANCE_THETA, DL2O_SCHEDULE_COSINE, 20, 0, 0, 0, 0, 0, 1},
        {"linear_default.h5", DL2O_GUIDANCE_PROBE, DL2O_SCHEDULE_LINEAR, 100, 0, 0, 1, 1, 0, 1},
        {"linear_default_t10.h5", DL2O_GUIDANCE_THETA, DL2O_SCHEDULE_LINEAR, 10, 0, 0, 1, 1, 0, 1},
        {"linear_range.h5", DL2O_GUIDANCE_THETA, DL2O_SCHEDULE_LINEAR, 37, 3.3e-3, 0.41, 1, 1, 0, 1},
        {"probe_anchor.h5", DL2O_GUIDANCE_PROBE, DL2O_SCHEDULE_COSINE, 100, 0, 0, 1, 0, 40, 1},
        {"theta_anchor.h5", DL2O_GUIDANCE_THETA, DL2O_SCHEDULE_COSINE, 30, 0, 0, 1, 1, 1, 1},
        {"probe_v3.h5", DL2O_GUIDANCE_PROBE, DL2O_SCHEDULE_COSINE, 100, 0, 0, 1, 1, 0, 0},
        {"theta_v3.h5", DL2O_GUIDANCE_THETA, DL2O_SCHEDULE_LINEAR, 40, 0, 0, 0, 0, 0, 0},
        {"probe_anchor_v3.h5", DL2O_GUIDANCE_PROBE, DL2O_SCHEDULE_COSINE, 100, 0, 0, 1, 0, 7, 0},
    };
    H5E_auto2_t before_func = NULL, after_func = NULL;
    void *before_data = NULL, *after_data = NULL;
    H5Eget_auto2(H5E_DEFAULT, &before_func, &before_data);
    long long ids0 = io_open_ids();
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        dl2o_model m;
        dl2o_status st = io_make_model_anchored(&m, cases[c].g, cases[c].kind, cases[c].T,
                                                cases[c].b0, cases[c].b1, cases[c].anchor,
                                                cases[c].signed_log, 100 + c);
        CHECK_MSG(st == DL2O_OK, "%s: %s", cases[c].name, dl2o_last_error());
        if (st != DL2O_OK) continue;
        if (cases[c].json) m.training_json = io_dupstr(IO_JSON);
        if (cases[c].created) snprintf(m.created, sizeof m.created, "2025-01-02T03:04:05Z");
        roundtrip_one(dir, cases[c].name, &m);
        dl2o_model_free(&m);
    }
    H5Eget_auto2(H5E_DEFAULT, &after_func, &after_data);
    CHECK_MSG(before_func == after_func && before_data == after_data,
              "HDF5's error handler was not restored");
    CHECK(io_count_tmp_files(dir) == 0);
    CHECK(io_open_ids() == ids0);
}

/* ------------------------------------------------------- malformed models */

typedef int (*io_mutate_fn)(hid_t f);

static int m_version4(hid_t f) { return io_set_i32(f, "format_version", 4); }
static int m_v3_no_values(hid_t f) { return io_del_attr(f, "guidance_values"); }
static int m_v3_values_log(hid_t f) { return io_set_vstr(f, "guidance_values", "log"); }
/* Version 2 means anchored: its anchor_maxeval must be there, and >= 1. */
static int m_v2_no_anchor(hid_t f) { return io_set_i32(f, "format_version", 2); }
static int m_v2_anchor_zero(hid_t f)
{
    return io_set_i32(f, "format_version", 2) || io_set_i32(f, "anchor_maxeval", 0);
}
static int m_version0(hid_t f) { return io_set_i32(f, "format_version", 0); }
static int m_format_data(hid_t f) { return io_set_vstr(f, "format", "dl2o-data"); }
static int m_no_format(hid_t f) { return io_del_attr(f, "format"); }
static int m_no_dim_theta(hid_t f) { return io_del_attr(f, "dim_theta"); }
static int m_no_training(hid_t f) { return io_del_attr(f, "training"); }
static int m_dim_x_float(hid_t f) { return io_set_f64(f, "dim_x", 3.0); }
static int m_dim_x_array(hid_t f)
{
    int v[2] = {3, 3};
    return io_set_attr(f, "dim_x", H5T_STD_I32LE, H5T_NATIVE_INT, 2, v);
}
static int m_blocks_huge(hid_t f) { return io_set_i64(f, "denoiser_blocks", 1000); }
static int m_width_neg(hid_t f) { return io_set_i32(f, "oracle_width", -5); }
static int m_guidance(hid_t f) { return io_set_vstr(f, "guidance_mode", "gradient"); }
static int m_kind(hid_t f) { return io_set_vstr(f, "schedule_kind", "sigmoid"); }
static int m_dtype(hid_t f) { return io_set_vstr(f, "dtype", "float16"); }
static int m_T1(hid_t f) { return io_set_i32(f, "schedule_T", 1); }
static int m_probes_theta(hid_t f) { return io_set_i32(f, "n_probes", 2); }
static int m_training_int(hid_t f) { return io_set_i32(f, "training", 5); }
static int m_fscale_nan(hid_t f) { return io_set_f64(f, "f_scale", NAN); }
static int m_family_long(hid_t f)
{
    char s[100];
    memset(s, 'a', sizeof s - 1);
    s[sizeof s - 1] = '\0';
    return io_set_vstr(f, "family", s);
}
static int m_family_badutf8(hid_t f) { return io_set_fstr(f, "family", "ab\xff", H5T_CSET_ASCII); }
static int m_fixed_strings(hid_t f)
{
    return io_set_fstr_pad(f, "family", "fixed-fam   ", H5T_CSET_ASCII, H5T_STR_SPACEPAD) ||
           io_set_fstr(f, "guidance_mode", "theta", H5T_CSET_UTF8) ||
           io_set_fstr(f, "training", "{\"a\": 1}", H5T_CSET_UTF8) ||
           io_set_fstr(f, "format", "dl2o-weights", H5T_CSET_ASCII);
}
static int m_linear_bad_beta(hid_t f)
{
    return io_set_vstr(f, "schedule_kind", "linear") || io_set_f64(f, "schedule_beta_start", 0.5) ||
           io_set_f64(f, "schedule_beta_end", 0.1);
}
static int m_dim_x_4(hid_t f) { return io_set_i32(f, "dim_x", 4); }
static int m_w_shape(hid_t f)
{
    hsize_t d[2] = {8, 7};
    return io_replace_ds(f, "/denoiser/block0_fc1/W", H5T_IEEE_F32LE, 2, d);
}
static int m_w_f64(hid_t f)
{
    hsize_t d[2] = {8, 12};
    return io_replace_ds(f, "/denoiser/in/W", H5T_IEEE_F64LE, 2, d);
}
static int m_xstd_f32(hid_t f)
{
    hsize_t d[1] = {3};
    return io_replace_ds(f, "/normalization/x_std", H5T_IEEE_F32LE, 1, d);
}
static int m_xstd_int(hid_t f)
{
    hsize_t d[1] = {3};
    return io_replace_ds(f, "/normalization/x_std", H5T_STD_I32LE, 1, d);
}
static int m_lower_rank2(hid_t f)
{
    hsize_t d[2] = {3, 1};
    return io_replace_ds(f, "/box/lower", H5T_IEEE_F64LE, 2, d);
}
static int m_no_oracle_b(hid_t f) { return H5Ldelete(f, "/oracle/out/b", H5P_DEFAULT) < 0; }
static int m_no_denoiser(hid_t f) { return H5Ldelete(f, "/denoiser", H5P_DEFAULT) < 0; }
static int m_w_group(hid_t f)
{
    if (H5Ldelete(f, "/denoiser/in/W", H5P_DEFAULT) < 0) return -1;
    hid_t g = H5Gcreate2(f, "/denoiser/in/W", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    return g < 0 ? -1 : (H5Gclose(g), 0);
}
static int m_nan_weight(hid_t f) { return io_poke(f, "/oracle/in/W", 7, NAN); }
static int m_inf_mean(hid_t f) { return io_poke(f, "/normalization/x_mean", 2, INFINITY); }
static int m_std_zero(hid_t f) { return io_poke(f, "/normalization/x_std", 1, 0.0); }
static int m_gstd_neg(hid_t f) { return io_poke(f, "/normalization/g_std", 4, -1.0); }
static int m_box(hid_t f) { return io_poke(f, "/box/lower", 2, 5.0); }
static int m_no_probes(hid_t f) { return H5Ldelete(f, "/probe/points", H5P_DEFAULT) < 0; }
static int m_probes_shape(hid_t f)
{
    hsize_t d[2] = {3, 4};
    return io_replace_ds(f, "/probe/points", H5T_IEEE_F64LE, 2, d);
}

enum { SPECIAL_NONE, SPECIAL_TRUNCATE, SPECIAL_TEXT, SPECIAL_MISSING, SPECIAL_DIR, SPECIAL_EMPTY };

static void test_malformed(void)
{
    const char *dir = dl2o_test_tmpdir("io_malformed");
    struct {
        const char *name;
        int probe;     /* start from the probe-mode file */
        int special;
        io_mutate_fn mutate;
        dl2o_status want;
        const char *substr;
    } cases[] = {
        {"truncated", 0, SPECIAL_TRUNCATE, NULL, DL2O_EFORMAT, "HDF5 cannot open it"},
        {"text", 0, SPECIAL_TEXT, NULL, DL2O_EFORMAT, "not an HDF5 file"},
        {"empty", 0, SPECIAL_EMPTY, NULL, DL2O_EFORMAT, "not an HDF5 file"},
        {"missing", 0, SPECIAL_MISSING, NULL, DL2O_EIO, "cannot open: No such file"},
        {"directory", 0, SPECIAL_DIR, NULL, DL2O_EIO, "it is a directory"},
        {"version4", 0, 0, m_version4, DL2O_EFORMAT,
         "format_version 4 is not supported; this library (dl2o " DL2O_VERSION ") reads versions 1 "
         "to 3; the file is newer: upgrade dl2o"},
        {"v3_no_values", 0, 0, m_v3_no_values, DL2O_EFORMAT, "attribute guidance_values is missing"},
        {"v3_values_log", 1, 0, m_v3_values_log, DL2O_EFORMAT,
         "guidance_values \"log\" is unknown, expected \"linear\""},
        {"v2_no_anchor", 0, 0, m_v2_no_anchor, DL2O_EFORMAT, "attribute anchor_maxeval is missing"},
        {"v2_anchor_zero", 1, 0, m_v2_anchor_zero, DL2O_EFORMAT,
         "attribute anchor_maxeval = 0 is out of range 1..1000000"},
        {"version0", 0, 0, m_version0, DL2O_EFORMAT, "format_version 0 is not supported"},
        {"format_data", 0, 0, m_format_data, DL2O_EFORMAT,
         "this is a \"dl2o-data\" file, expected \"dl2o-weights\""},
        {"no_format", 0, 0, m_no_format, DL2O_EFORMAT, "no `format` attribute"},
        {"no_dim_theta", 0, 0, m_no_dim_theta, DL2O_EFORMAT, "attribute dim_theta is missing"},
        {"no_training", 0, 0, m_no_training, DL2O_EFORMAT, "attribute training is missing"},
        {"dim_x_float", 0, 0, m_dim_x_float, DL2O_EFORMAT,
         "attribute dim_x has type float, expected integer"},
        {"dim_x_array", 0, 0, m_dim_x_array, DL2O_EFORMAT, "attribute dim_x holds 2 values"},
        {"blocks_huge", 0, 0, m_blocks_huge, DL2O_EFORMAT,
         "attribute denoiser_blocks = 1000 is out of range 0..32"},
        {"width_neg", 0, 0, m_width_neg, DL2O_EFORMAT, "attribute oracle_width = -5 is out of range"},
        {"guidance", 0, 0, m_guidance, DL2O_EFORMAT, "guidance_mode \"gradient\" is unknown"},
        {"kind", 0, 0, m_kind, DL2O_EFORMAT, "schedule_kind \"sigmoid\" is unknown"},
        {"dtype", 0, 0, m_dtype, DL2O_EFORMAT, "dtype \"float16\" is not supported"},
        {"T1", 0, 0, m_T1, DL2O_EFORMAT, "attribute schedule_T = 1 is out of range"},
        {"probes_theta", 0, 0, m_probes_theta, DL2O_EFORMAT,
         "n_probes = 2 does not fit guidance_mode \"theta\""},
        {"training_int", 0, 0, m_training_int, DL2O_EFORMAT,
         "attribute training has type integer, expected string"},
        {"fscale_nan", 0, 0, m_fscale_nan, DL2O_EFORMAT, "attribute f_scale is not finite"},
        {"family_long", 0, 0, m_family_long, DL2O_EFORMAT,
         "attribute family is 99 bytes long, at most 63"},
        {"family_utf8", 0, 0, m_family_badutf8, DL2O_EFORMAT, "attribute family is not valid UTF-8"},
        {"fixed_strings", 0, 0, m_fixed_strings, DL2O_OK, NULL},
        {"linear_beta", 0, 0, m_linear_bad_beta, DL2O_EFORMAT,
         "the attributes describe an invalid model (linear schedule needs 0 < beta_start"},
        {"dim_x_4", 0, 0, m_dim_x_4, DL2O_EFORMAT,
         "dataset /denoiser/in/W has shape (8, 12), expected (8, 13); the file does not match "
         "its own attributes, regenerate it with `dl2o train`"},
        {"w_shape", 0, 0, m_w_shape, DL2O_EFORMAT,
         "dataset /denoiser/block0_fc1/W has shape (8, 7), expected (8, 8)"},
        {"w_float64", 0, 0, m_w_f64, DL2O_EFORMAT,
         "dataset /denoiser/in/W has type float64, expected float32"},
        {"xstd_float32", 0, 0, m_xstd_f32, DL2O_EFORMAT,
         "dataset /normalization/x_std has type float32, expected float64"},
        {"xstd_int", 0, 0, m_xstd_int, DL2O_EFORMAT,
         "dataset /normalization/x_std has type int32, expected float64"},
        {"lower_rank2", 0, 0, m_lower_rank2, DL2O_EFORMAT,
         "dataset /box/lower has shape (3, 1), expected (3,)"},
        {"no_oracle_b", 0, 0, m_no_oracle_b, DL2O_EFORMAT, "dataset /oracle/out/b is missing"},
        {"no_denoiser", 0, 0, m_no_denoiser, DL2O_EFORMAT, "dataset /denoiser/in/W is missing"},
        {"w_group", 0, 0, m_w_group, DL2O_EFORMAT, "/denoiser/in/W is not a dataset"},
        {"nan_weight", 0, 0, m_nan_weight, DL2O_EFORMAT,
         "dataset /oracle/in/W holds a non-finite value (nan) at flat index 7"},
        {"inf_mean", 0, 0, m_inf_mean, DL2O_EFORMAT,
         "dataset /normalization/x_mean holds a non-finite value (inf) at flat index 2"},
        {"std_zero", 0, 0, m_std_zero, DL2O_EFORMAT, "/normalization/x_std[1] = 0 is not positive"},
        {"gstd_neg", 0, 0, m_gstd_neg, DL2O_EFORMAT, "/normalization/g_std[4] = -1 is not positive"},
        {"box", 0, 0, m_box, DL2O_EFORMAT, "/box/lower[2] = 5 is not below /box/upper[2]"},
        {"no_probes", 1, 0, m_no_probes, DL2O_EFORMAT, "dataset /probe/points is missing"},
        {"probes_shape", 1, 0, m_probes_shape, DL2O_EFORMAT,
         "dataset /probe/points has shape (3, 4), expected (4, 3)"},
    };
    enum { NC = sizeof cases / sizeof cases[0] };
    static char msgs[NC][DL2O_ERRMSG_MAX];
    char good[2][1024], path[1024];
    dl2o_model m[2];
    for (int k = 0; k < 2; k++) {
        CHECK(io_make_model(&m[k], k ? DL2O_GUIDANCE_PROBE : DL2O_GUIDANCE_THETA,
                         DL2O_SCHEDULE_COSINE, 100, 0, 0, 7 + k) == DL2O_OK);
        m[k].training_json = io_dupstr(IO_JSON);
        CHECK(io_join(good[k], sizeof good[k], dir, k ? "good_probe.h5" : "good_theta.h5"));
        CHECK_MSG(dl2o_model_save(&m[k], good[k]) == DL2O_OK, "%s", dl2o_last_error());
    }
    for (int c = 0; c < NC; c++) {
        char name[64];
        snprintf(name, sizeof name, "%s.h5", cases[c].name);
        CHECK(io_join(path, sizeof path, dir, name));
        const char *src = good[cases[c].probe];
        int prep = 0;
        switch (cases[c].special) {
        case SPECIAL_TRUNCATE: prep = io_copy_file(src, path, (size_t)io_file_size(src) / 2); break;
        case SPECIAL_EMPTY: prep = io_copy_file(src, path, 0); break;
        case SPECIAL_TEXT: {
            FILE *fp = fopen(path, "w");
            prep = fp && fputs("this is not HDF5\n", fp) >= 0 && fclose(fp) == 0 ? 0 : -1;
            break;
        }
        case SPECIAL_MISSING: break;
        case SPECIAL_DIR: prep = mkdir(path, 0755); break;
        default: prep = io_mutate_copy(src, path, cases[c].mutate); break;
        }
        CHECK_MSG(prep == 0, "%s: could not prepare the file", cases[c].name);
        if (cases[c].special == SPECIAL_TRUNCATE) CHECK(io_file_size(path) < io_file_size(src));
        dl2o_model out;
        memset(&out, 0xAB, sizeof out);
        dl2o_clear_error();
        long long ids0 = io_open_ids();
        dl2o_status st = dl2o_model_load(path, &out);
        const char *msg = dl2o_last_error();
        snprintf(msgs[c], sizeof msgs[c], "%s", msg + (strncmp(msg, path, strlen(path)) ? 0 : strlen(path)));
        if (getenv("DL2O_TEST_VERBOSE")) printf("%-14s %3d %s\n", cases[c].name, (int)st, msg);
        CHECK_MSG(st == cases[c].want, "%s: status %d (%s), want %d", cases[c].name, (int)st, msg,
                  (int)cases[c].want);
        if (cases[c].want == DL2O_OK) {
            if (st == DL2O_OK) {
                CHECK_MSG(strcmp(out.family, "fixed-fam") == 0, "family %s", out.family);
                CHECK(out.training_json && strcmp(out.training_json, "{\"a\": 1}") == 0);
                CHECK(memcmp(out.params, m[0].params, m[0].n_params * sizeof(float)) == 0);
            }
            dl2o_model_free(&out);
            msgs[c][0] = '\0';
            continue;
        }
        CHECK_MSG(strstr(msg, cases[c].substr) != NULL, "%s: message \"%s\" lacks \"%s\"",
                  cases[c].name, msg, cases[c].substr);
        CHECK_MSG(strncmp(msg, path, strlen(path)) == 0 && msg[strlen(path)] == ':',
                  "%s: message does not start with the path: %s", cases[c].name, msg);
        CHECK_MSG(strstr(msg, "; ") != NULL, "%s: no advice in \"%s\"", cases[c].name, msg);
        CHECK_MSG(io_is_zeroed(&out, sizeof out), "%s: the model is not left zeroed", cases[c].name);
        CHECK_MSG(io_open_ids() == ids0, "%s: %lld HDF5 ids left open", cases[c].name,
                  io_open_ids() - ids0);
    }
    /* Each failure has its own message. */
    for (int a = 0; a < NC; a++)
        for (int b = a + 1; b < NC; b++)
            if (msgs[a][0] && msgs[b][0] && cases[a].special != SPECIAL_EMPTY &&
                cases[b].special != SPECIAL_EMPTY)
                CHECK_MSG(strcmp(msgs[a], msgs[b]) != 0, "%s and %s give the same message",
                          cases[a].name, cases[b].name);
    /* A good file still loads; loading needs no write access to anything. */
    dl2o_model ok;
    CHECK(dl2o_model_load(good[1], &ok) == DL2O_OK);
    io_check_same_model(&m[1], &ok, "good probe file");
    dl2o_model_free(&ok);
    CHECK(dl2o_model_load(NULL, &ok) == DL2O_EINVAL);
    CHECK(dl2o_model_load(good[0], NULL) == DL2O_EINVAL);
    dl2o_model_free(&m[0]);
    dl2o_model_free(&m[1]);
}

/* ------------------------------------------------------------ atomic save */

static void test_atomic(void)
{
    const char *dir = dl2o_test_tmpdir("io_atomic");
    char path[1024], nodir[1024], sub[1024], subfile[1024];
    dl2o_model a, b, bad, back;
    CHECK(io_make_model(&a, DL2O_GUIDANCE_THETA, DL2O_SCHEDULE_COSINE, 100, 0, 0, 1) == DL2O_OK);
    CHECK(io_make_model(&b, DL2O_GUIDANCE_PROBE, DL2O_SCHEDULE_COSINE, 100, 0, 0, 2) == DL2O_OK);
    CHECK(io_join(path, sizeof path, dir, "w.h5"));
    long long ids0 = io_open_ids();

    /* Into a directory that does not exist: EIO, nothing created. */
    CHECK(io_join(nodir, sizeof nodir, dir, "no-such-dir/w.h5"));
    dl2o_status st = dl2o_model_save(&a, nodir);
    CHECK_MSG(st == DL2O_EIO, "status %d: %s", (int)st, dl2o_last_error());
    CHECK(strstr(dl2o_last_error(), "cannot create a temporary file") != NULL);
    CHECK(strstr(dl2o_last_error(), "no-such-dir/w.h5") != NULL);
    CHECK(io_count_entries(dir) == 0);

    /* A good file, then failed saves over it leave it as it was. */
    CHECK(dl2o_model_save(&a, path) == DL2O_OK);
    long size_a = io_file_size(path);
    CHECK(size_a > 0);
    struct {
        const char *name;
        int field; /* 0: NaN parameter, 1: x_std = 0, 2: lower > upper, 3: Inf probe,
                      4: uninitialized, 5: training record too long */
        dl2o_status want;
        const char *substr;
    } fails[] = {
        {"nan_param", 0, DL2O_ENONFINITE, "parameter 5 is not finite"},
        {"zero_std", 1, DL2O_EINVAL, "x_std[0] = 0 is not positive"},
        {"box", 2, DL2O_EINVAL, "/box/lower[1] = 3 is not below"},
        {"inf_probe", 3, DL2O_ENONFINITE, "/probe/points has a non-finite value"},
        {"uninit", 4, DL2O_EINVAL, "the model is not initialized"},
        {"huge_training", 5, DL2O_EINVAL, "the training record is over 1048576 bytes"},
    };
    for (size_t c = 0; c < sizeof fails / sizeof fails[0]; c++) {
        CHECK(io_make_model(&bad, DL2O_GUIDANCE_PROBE, DL2O_SCHEDULE_COSINE, 100, 0, 0, 3) == DL2O_OK);
        switch (fails[c].field) {
        case 0: bad.params[5] = NAN; break;
        case 1: bad.x_std[0] = 0.0; break;
        case 2: bad.lower[1] = 3.0; break;
        case 3: bad.probes[2] = INFINITY; break;
        case 5:
            bad.training_json = calloc((1u << 20) + 2, 1);
            if (bad.training_json) memset(bad.training_json, 'a', (1u << 20) + 1);
            break;
        default: dl2o_model_free(&bad); break;
        }
        st = dl2o_model_save(&bad, path);
        CHECK_MSG(st == fails[c].want, "%s: status %d: %s", fails[c].name, (int)st, dl2o_last_error());
        CHECK_MSG(strstr(dl2o_last_error(), fails[c].substr) != NULL, "%s: \"%s\"", fails[c].name,
                  dl2o_last_error());
        CHECK(io_file_size(path) == size_a);
        CHECK(io_count_tmp_files(dir) == 0);
        CHECK(dl2o_model_load(path, &back) == DL2O_OK);
        io_check_same_model(&a, &back, fails[c].name);
        dl2o_model_free(&back);
        dl2o_model_free(&bad);
    }

    /* The rename fails (the target is a non-empty directory) after the whole
     * file was written: EIO, the temporary file is removed. */
    CHECK(io_join(sub, sizeof sub, dir, "sub"));
    CHECK(io_join(subfile, sizeof subfile, dir, "sub/keep"));
    CHECK(mkdir(sub, 0755) == 0 && io_copy_file(path, subfile, SIZE_MAX) == 0);
    st = dl2o_model_save(&b, sub);
    CHECK_MSG(st == DL2O_EIO, "status %d: %s", (int)st, dl2o_last_error());
    CHECK(strstr(dl2o_last_error(), "cannot rename the temporary file over it") != NULL);
    CHECK(io_count_tmp_files(dir) == 0);
    CHECK(io_count_entries(sub) == 1);

    /* A successful save replaces the file as a whole. */
    CHECK(dl2o_model_save(&b, path) == DL2O_OK);
    CHECK(dl2o_model_load(path, &back) == DL2O_OK);
    io_check_same_model(&b, &back, "replaced");
    dl2o_model_free(&back);
    CHECK(io_count_tmp_files(dir) == 0);
    CHECK(io_count_entries(dir) == 2); /* w.h5 and sub */
    CHECK(io_open_ids() == ids0);
    CHECK(dl2o_model_save(&a, NULL) == DL2O_EINVAL);
    CHECK(dl2o_model_save(NULL, path) == DL2O_EINVAL);
    dl2o_model_free(&a);
    dl2o_model_free(&b);
}


/* ------------------------------------------------------- files for h5py */

static int write_files(const char *dir)
{
    char path[1024];
    dl2o_model m;
    dl2o_dataset d;
    int ok = 1;
    /* Known values, mirrored in check_h5py.py. */
    ok &= io_make_model_anchored(&m, DL2O_GUIDANCE_PROBE, DL2O_SCHEDULE_LINEAR, 50, 0, 0, 0, 1, 21) ==
          DL2O_OK;
    m.training_json = io_dupstr(IO_JSON);
    ok &= io_join(path, sizeof path, dir, "probe.h5") && dl2o_model_save(&m, path) == DL2O_OK;
    dl2o_model_free(&m);
    ok &= io_make_model(&m, DL2O_GUIDANCE_THETA, DL2O_SCHEDULE_COSINE, 100, 0, 0, 22) == DL2O_OK;
    ok &= io_join(path, sizeof path, dir, "theta.h5") && dl2o_model_save(&m, path) == DL2O_OK;
    dl2o_model_free(&m);
    ok &= io_make_model_anchored(&m, DL2O_GUIDANCE_PROBE, DL2O_SCHEDULE_COSINE, 100, 0, 0, 40, 1, 25) ==
          DL2O_OK;
    ok &= io_join(path, sizeof path, dir, "anchor.h5") && dl2o_model_save(&m, path) == DL2O_OK;
    dl2o_model_free(&m);
    ok &= io_make_model_anchored(&m, DL2O_GUIDANCE_PROBE, DL2O_SCHEDULE_COSINE, 100, 0, 0, 40, 0, 26) ==
          DL2O_OK;
    ok &= io_join(path, sizeof path, dir, "anchor_v3.h5") && dl2o_model_save(&m, path) == DL2O_OK;
    dl2o_model_free(&m);
    io_make_data(&d, 7, 5, 23);
    ok &= io_join(path, sizeof path, dir, "data.h5") && dl2o_dataset_save(&d, path) == DL2O_OK;
    dl2o_dataset_free(&d);
    io_make_data(&d, 4, 0, 24);
    ok &= io_join(path, sizeof path, dir, "data0.h5") && dl2o_dataset_save(&d, path) == DL2O_OK;
    dl2o_dataset_free(&d);
    if (!ok) fprintf(stderr, "write: %s\n", dl2o_last_error());
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "roundtrip") == 0) test_roundtrip();
    else if (strcmp(mode, "malformed") == 0) test_malformed();
    else if (strcmp(mode, "atomic") == 0) test_atomic();
    else if (strcmp(mode, "write") == 0) {
        CHECK(write_files(dl2o_test_tmpdir("io_h5py")) == 0);
    } else {
        fprintf(stderr, "usage: %s roundtrip|malformed|atomic|write\n", argv[0]);
        return 2;
    }
    return dl2o_test_finish(mode);
}
