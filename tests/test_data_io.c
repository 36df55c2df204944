/* test_data_io.c — training data files (plugin/data_io.c): round trips
 * (dim_theta 5 and 0), malformed files each rejected with its own message,
 * and failed saves that leave the earlier file. */
#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_io.h"
#include "dataset.h"
#include "io_util.h"
#include "model.h"
#include "model_io.h"
#include "testutil.h"

static int d_x_shape(hid_t f)
{
    hsize_t d[2] = {7, 4};
    return io_replace_ds(f, "/x", H5T_IEEE_F64LE, 2, d);
}
static int d_n8(hid_t f) { return io_set_i32(f, "n", 8); }
static int d_seed_neg(hid_t f) { return io_set_i64(f, "seed", -1); }
static int d_seed_float(hid_t f) { return io_set_f64(f, "seed", 1.0); }
static int d_nan_f(hid_t f) { return io_poke(f, "/f", 3, NAN); }
static int d_no_theta(hid_t f) { return H5Ldelete(f, "/theta", H5P_DEFAULT) < 0; }
static int d_version(hid_t f) { return io_set_i32(f, "format_version", 3); }
static int d_seconds_neg(hid_t f) { return io_set_f64(f, "seconds", -2.0); }
static int d_f_float32(hid_t f)
{
    hsize_t d[1] = {7};
    return io_replace_ds(f, "/f", H5T_IEEE_F32LE, 1, d);
}

static void test_data(void)
{
    const char *dir = dl2o_test_tmpdir("io_data");
    char path[1024], path0[1024], wpath[1024];
    dl2o_dataset d, d0, back;
    io_make_data(&d, 7, 5, 11);
    io_make_data(&d0, 4, 0, 12);
    CHECK(io_join(path, sizeof path, dir, "data.h5"));
    CHECK(io_join(path0, sizeof path0, dir, "data0.h5"));
    CHECK_MSG(dl2o_dataset_save(&d, path) == DL2O_OK, "%s", dl2o_last_error());
    CHECK_MSG(dl2o_dataset_save(&d0, path0) == DL2O_OK, "%s", dl2o_last_error());
    dl2o_status st = dl2o_dataset_load(path, &back);
    CHECK_MSG(st == DL2O_OK, "%s", dl2o_last_error());
    if (st == DL2O_OK) io_check_same_data(&d, &back, "data");
    dl2o_dataset_free(&back);
    st = dl2o_dataset_load(path0, &back);
    CHECK_MSG(st == DL2O_OK, "%s", dl2o_last_error());
    if (st == DL2O_OK) io_check_same_data(&d0, &back, "data, dim_theta = 0");
    dl2o_dataset_free(&back);

    /* A weight file is not a data file, and the other way round. */
    dl2o_model m;
    CHECK(io_make_model(&m, DL2O_GUIDANCE_THETA, DL2O_SCHEDULE_COSINE, 100, 0, 0, 5) == DL2O_OK);
    CHECK(io_join(wpath, sizeof wpath, dir, "w.h5"));
    CHECK(dl2o_model_save(&m, wpath) == DL2O_OK);
    dl2o_model_free(&m);
    CHECK(dl2o_dataset_load(wpath, &back) == DL2O_EFORMAT);
    CHECK(strstr(dl2o_last_error(), "this is a \"dl2o-weights\" file, expected \"dl2o-data\"") != NULL);
    CHECK(dl2o_model_load(path, &m) == DL2O_EFORMAT);
    CHECK(strstr(dl2o_last_error(), "this is a \"dl2o-data\" file, expected \"dl2o-weights\"") != NULL);

    struct {
        const char *name;
        io_mutate_fn mutate;
        const char *substr;
    } cases[] = {
        {"x_shape", d_x_shape, "dataset /x has shape (7, 4), expected (7, 3)"},
        {"n8", d_n8, "dataset /theta has shape (7, 5), expected (8, 5)"},
        {"seed_neg", d_seed_neg, "attribute seed = -1 is negative"},
        {"seed_float", d_seed_float, "attribute seed has type float, expected integer"},
        {"nan_f", d_nan_f, "dataset /f holds a non-finite value (nan) at flat index 3"},
        {"no_theta", d_no_theta, "dataset /theta is missing"},
        {"version", d_version, "dl2o-data format_version 3 is not supported"},
        {"seconds_neg", d_seconds_neg, "attribute seconds = -2 is negative"},
        {"f_float32", d_f_float32, "dataset /f has type float32, expected float64"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char bad[1024], name[64];
        snprintf(name, sizeof name, "bad_%s.h5", cases[c].name);
        CHECK(io_join(bad, sizeof bad, dir, name));
        int prep = io_mutate_copy(path, bad, cases[c].mutate);
        CHECK_MSG(prep == 0, "%s: could not prepare the file", cases[c].name);
        memset(&back, 0xAB, sizeof back);
        long long ids0 = io_open_ids();
        st = dl2o_dataset_load(bad, &back);
        CHECK_MSG(st == DL2O_EFORMAT, "%s: status %d", cases[c].name, (int)st);
        CHECK_MSG(strstr(dl2o_last_error(), cases[c].substr) != NULL, "%s: \"%s\"", cases[c].name,
                  dl2o_last_error());
        CHECK_MSG(strncmp(dl2o_last_error(), bad, strlen(bad)) == 0, "%s: no path", cases[c].name);
        CHECK_MSG(io_is_zeroed(&back, sizeof back), "%s: not zeroed", cases[c].name);
        CHECK_MSG(io_open_ids() == ids0, "%s: HDF5 ids left open", cases[c].name);
    }
    char missing[1024];
    CHECK(io_join(missing, sizeof missing, dir, "missing.h5"));
    CHECK(dl2o_dataset_load(missing, &back) == DL2O_EIO);

    /* A failed data save leaves the earlier file. */
    d.f[2] = INFINITY;
    st = dl2o_dataset_save(&d, path);
    CHECK(st == DL2O_ENONFINITE);
    CHECK(strstr(dl2o_last_error(), "/f holds a non-finite value at flat index 2") != NULL);
    CHECK(io_count_tmp_files(dir) == 0);
    d.f[2] = 0.0;
    CHECK(dl2o_dataset_load(path, &back) == DL2O_OK);
    CHECK(back.n == 7 && back.f[2] != 0.0);
    dl2o_dataset_free(&back);
    char nodir[1024];
    CHECK(io_join(nodir, sizeof nodir, dir, "nowhere/data.h5"));
    CHECK(dl2o_dataset_save(&d, nodir) == DL2O_EIO);
    CHECK(io_count_tmp_files(dir) == 0);
    dl2o_dataset_free(&d);
    dl2o_dataset_free(&d0);
}

int main(void)
{
    test_data();
    return dl2o_test_finish("data");
}
