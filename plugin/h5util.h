/* h5util.h — the HDF5 helpers shared by model_io.c and data_io.c (internal;
 * h5util.c: general and writer, h5util_read.c: reader).
 *
 * Writer: an atomic save. dl2o_h5_writer_open creates "<path>.tmp.XXXXXX" in
 * the target's directory; the write helpers add attributes and datasets
 * (intermediate groups are created on demand); dl2o_h5_writer_commit closes
 * the file, fsyncs it and renames it over <path>. dl2o_h5_writer_abort, safe
 * to call in any state, closes and removes the temporary file, so a failed
 * save leaves any earlier file at <path> untouched and no partial file.
 *
 * Reader: strict, typed reads. Every failure records a message of the form
 * "<path>: <what is wrong>; <what to do>" and returns DL2O_EFORMAT (the file
 * is not what it should be), DL2O_EIO (it cannot be opened or read) or
 * DL2O_ENOMEM. Attributes must be scalars (or one-element arrays) of the
 * right type class; datasets must have the exact element type, rank and
 * shape asked for, and hold finite values only.
 *
 * Callers wrap a whole save or load in dl2o_h5_quiet_begin/end so that HDF5
 * prints nothing to stderr; messages carry HDF5's own reason instead.
 */
#ifndef DL2O_H5UTIL_H
#define DL2O_H5UTIL_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#include "dl2o.h"

/* ---------------------------------------------------------------- general */

typedef struct dl2o_h5_quiet {
    H5E_auto2_t func;
    void *data;
    int saved;
} dl2o_h5_quiet;

/* Turns HDF5's automatic error printing off; _end restores the previous handler. */
void dl2o_h5_quiet_begin(dl2o_h5_quiet *q);
void dl2o_h5_quiet_end(const dl2o_h5_quiet *q);

/* Closes an id of any kind (file, group, dataset, attribute, type, space,
 * property list) if it is valid, and sets it to H5I_INVALID_HID. */
void dl2o_h5_close(hid_t *id);

/* Non-zero when s is valid UTF-8 (no overlongs, surrogates or > U+10FFFF). */
int dl2o_h5_utf8_valid(const char *s);

/* HDF5's most specific reason for the error just raised, from its error
 * stack (call right after the failing call). buf: 160 bytes. */
const char *dl2o_h5_reason(char buf[160]);
/* strerror_r(err) into buf (128 bytes). */
const char *dl2o_h5_sys_reason(int err, char buf[128]);
/* A file access property list: strong close degree, and file locking that
 * is skipped where the file system does not support it. */
hid_t dl2o_h5_new_fapl(void);

/* ----------------------------------------------------------------- writer */

typedef struct dl2o_h5_writer {
    const char *path; /* the final path */
    char *tmp;        /* the temporary file, heap; NULL when none is left */
    int fd;           /* its descriptor, kept for fsync; -1 when closed */
    hid_t file;
} dl2o_h5_writer;

dl2o_status dl2o_h5_writer_open(dl2o_h5_writer *w, const char *path);
dl2o_status dl2o_h5_writer_commit(dl2o_h5_writer *w);
void dl2o_h5_writer_abort(dl2o_h5_writer *w);

/* Root attributes. Strings are variable-length UTF-8 (h5py reads str). */
dl2o_status dl2o_h5_write_attr_str(dl2o_h5_writer *w, const char *name, const char *value);
dl2o_status dl2o_h5_write_attr_i32(dl2o_h5_writer *w, const char *name, int value);
dl2o_status dl2o_h5_write_attr_u64(dl2o_h5_writer *w, const char *name, uint64_t value);
dl2o_status dl2o_h5_write_attr_f64(dl2o_h5_writer *w, const char *name, double value);

/* Contiguous little-endian datasets at an absolute path ("/box/lower"). */
dl2o_status dl2o_h5_write_f32(dl2o_h5_writer *w, const char *dset, int rank, const hsize_t *dims,
                              const float *data);
dl2o_status dl2o_h5_write_f64(dl2o_h5_writer *w, const char *dset, int rank, const hsize_t *dims,
                              const double *data);

/* ----------------------------------------------------------------- reader */

typedef struct dl2o_h5_reader {
    const char *path;
    const char *remedy; /* how to get a good file, e.g. "regenerate it with `dl2o train`" */
    hid_t file;
    /* Root attributes whose variable-length string passed h5guard.c's check,
     * NUL-separated, ending with an empty name; heap, freed by _close. */
    char *checked_strings;
} dl2o_h5_reader;

/* Opens read-only. Missing/unreadable: DL2O_EIO. Not HDF5, or HDF5 that
 * cannot be opened (truncated, damaged), or that fails dl2o_h5_guard:
 * DL2O_EFORMAT. */
dl2o_status dl2o_h5_reader_open(dl2o_h5_reader *r, const char *path, const char *remedy);
void dl2o_h5_reader_close(dl2o_h5_reader *r);

/* h5guard.c: before H5Fopen, walks the file itself (superblock, every
 * object header reachable from the root, old-style group B-trees, symbol
 * nodes and local heaps, root attribute messages and the global heap
 * collections of their strings) and refuses the structures that fuzzing
 * showed libhdf5 trusts blindly. Records the root attributes whose
 * variable-length string passed in r->checked_strings. A damaged or
 * uncheckable structure: DL2O_EFORMAT. When the superblock itself is
 * unreadable (truncated file, unknown version) nothing is walked and
 * *defer says why: H5Fopen, which reads nothing else before refusing such
 * a file, reports it; should it open it anyway, the file is refused.
 * Called by dl2o_h5_reader_open. */
dl2o_status dl2o_h5_guard(dl2o_h5_reader *r, const char **defer);
/* Non-zero when the variable-length string attribute `name` passed. */
int dl2o_h5_string_checked(const dl2o_h5_reader *r, const char *name);

/* Checks the `format` string attribute against `format` and the
 * `format_version` integer attribute against `version`. */
dl2o_status dl2o_h5_check_format(dl2o_h5_reader *r, const char *format, int version);
/* The same for a reader of versions oldest..newest; *version (may be NULL)
 * gets the file's. */
dl2o_status dl2o_h5_check_format_range(dl2o_h5_reader *r, const char *format, int oldest,
                                       int newest, int *version);

/* An integer attribute (any integer type in the file) within [lo, hi]. */
dl2o_status dl2o_h5_attr_int(dl2o_h5_reader *r, const char *name, long long lo, long long hi,
                             int *out);
/* A non-negative integer attribute as uint64 (any integer type in the file). */
dl2o_status dl2o_h5_attr_u64(dl2o_h5_reader *r, const char *name, uint64_t *out);
/* A finite floating-point attribute. */
dl2o_status dl2o_h5_attr_f64(dl2o_h5_reader *r, const char *name, double *out);
/* A string attribute, variable- or fixed-length, valid UTF-8, at most
 * max_len bytes. *out is a heap copy the caller frees. */
dl2o_status dl2o_h5_attr_str(dl2o_h5_reader *r, const char *name, size_t max_len, char **out);
/* The same into a caller buffer; the string must fit (size - 1 bytes). */
dl2o_status dl2o_h5_attr_strbuf(dl2o_h5_reader *r, const char *name, char *buf, size_t size);
/* Non-zero when the attribute exists (errors count as absent). */
int dl2o_h5_attr_exists(dl2o_h5_reader *r, const char *name);

typedef enum dl2o_h5_elem { DL2O_H5_F32 = 4, DL2O_H5_F64 = 8 } dl2o_h5_elem;

/* Checks that dataset `dset` (absolute path) exists with element type
 * `elem`, the given rank and exact shape; then, when buf is not NULL, reads
 * it into buf (float or double, row-major) and checks every value is finite. */
dl2o_status dl2o_h5_read(dl2o_h5_reader *r, const char *dset, dl2o_h5_elem elem, int rank,
                         const hsize_t *dims, void *buf);

#endif
