/* io_util.h — fixtures and HDF5 file editing shared by the I/O tests
 * (test_model_io.c, test_data_io.c). Malformed files are made by saving a
 * good file, copying it and editing the copy with the HDF5 C API. */
#ifndef DL2O_IO_UTIL_H
#define DL2O_IO_UTIL_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "model.h"

/* A training record with non-ASCII text, to check UTF-8 survives. */
#define IO_JSON "{\"command\": \"dl2o train --steps 10\", \"seed\": 7, \"note\": \"θ ≥ 0\"}"

char *io_dupstr(const char *s);
/* dir/name into buf; 0 if it does not fit. */
int io_join(char *buf, size_t size, const char *dir, const char *name);

/* A small model (n = 3, dim_theta = 5, 4 probes in probe mode, widths 8/6)
 * with every parameter and statistic random from seed. */
dl2o_status io_make_model(dl2o_model *m, dl2o_guidance g, dl2o_schedule_kind kind, int T,
                          double b0, double b1, uint64_t seed);
/* The same with an anchor (anchor_maxeval > 0) and signed-log guidance values
 * (signed_log = 1); io_make_model has neither. Saved as format version 3
 * when linear, else version 2 when anchored, else 1. */
dl2o_status io_make_model_anchored(dl2o_model *m, dl2o_guidance g, dl2o_schedule_kind kind, int T,
                                   double b0, double b1, int anchor_maxeval, int signed_log,
                                   uint64_t seed);
/* CHECKs that everything a save/load keeps is equal, bit for bit. */
void io_check_same_model(const dl2o_model *a, const dl2o_model *b, const char *what);
/* A data set (dim_x = 3) with random values and fixed metadata. */
void io_make_data(dl2o_dataset *d, int n, int dim_theta, uint64_t seed);
void io_check_same_data(const dl2o_dataset *a, const dl2o_dataset *b, const char *what);

/* Files. */
int io_count_tmp_files(const char *dir); /* names containing ".tmp." */
int io_count_entries(const char *dir);
/* Copies src to dst, keeping the first `keep` bytes (all: SIZE_MAX). 0 on success. */
int io_copy_file(const char *src, const char *dst, size_t keep);
long io_file_size(const char *path);
/* HDF5 files and objects in files still open (the library opens files
 * with H5F_CLOSE_STRONG, so this mostly guards against a file left open). */
long long io_open_ids(void);
int io_is_zeroed(const void *p, size_t size);

/* Editing an open file; each returns 0 on success. Attributes are replaced
 * (count 0: scalar, else a 1-D array of count values). */
int io_set_attr(hid_t f, const char *name, hid_t ftype, hid_t mtype, hsize_t count,
                const void *v);
int io_set_i32(hid_t f, const char *name, int v);
int io_set_i64(hid_t f, const char *name, long long v);
int io_set_f64(hid_t f, const char *name, double v);
int io_set_vstr(hid_t f, const char *name, const char *s); /* variable-length UTF-8 */
/* Fixed-length, null-padded as numpy bytes_ writes it, or space-padded. */
int io_set_fstr_pad(hid_t f, const char *name, const char *s, H5T_cset_t cset, H5T_str_t pad);
int io_set_fstr(hid_t f, const char *name, const char *s, H5T_cset_t cset);
int io_del_attr(hid_t f, const char *name);
/* Replaces dataset path by one of type ftype and shape dims, filled with 0.5. */
int io_replace_ds(hid_t f, const char *path, hid_t ftype, int rank, const hsize_t *dims);
/* Sets element i (flat) of an existing dataset. */
int io_poke(hid_t f, const char *path, size_t i, double value);

typedef int (*io_mutate_fn)(hid_t f);
/* Copies src to dst and applies mutate to the copy. 0 on success. */
int io_mutate_copy(const char *src, const char *dst, io_mutate_fn mutate);

#endif
