/* h5util_read.c — the strict readers of h5util.h. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"
#include "h5util.h"

/* Longest string attribute ever read; a longer one means a damaged file. */
#define STR_ATTR_MAX ((size_t)1 << 24)

/* ----------------------------------------------------------------- reader */

dl2o_status dl2o_h5_reader_open(dl2o_h5_reader *r, const char *path, const char *remedy)
{
    dl2o_status st = DL2O_OK;
    hid_t fapl = H5I_INVALID_HID;
    char why[160], sys[128];
    struct stat sb;
    r->path = path;
    r->remedy = remedy;
    r->file = H5I_INVALID_HID;
    r->checked_strings = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return DL2O_FAIL(DL2O_EIO, "%s: cannot open: %s; check the path and its permissions",
                         path, dl2o_h5_sys_reason(errno, sys));
    int is_dir = fstat(fileno(fp), &sb) == 0 && S_ISDIR(sb.st_mode);
    fclose(fp);
    if (is_dir) return DL2O_FAIL(DL2O_EIO, "%s: cannot open: it is a directory; pass a file", path);
    htri_t is = H5Fis_hdf5(path);
    if (is == 0)
        return DL2O_FAIL(DL2O_EFORMAT, "%s: not an HDF5 file; pass a dl2o .h5 file, or %s", path,
                         remedy);
    if (is < 0)
        return DL2O_FAIL(DL2O_EIO, "%s: cannot be read (%s); check the file and its permissions",
                         path, dl2o_h5_reason(why));
    /* Structures libhdf5 would trust are checked before it reads any of
     * them, H5Fopen included (h5guard.c). */
    const char *defer = NULL;
    if ((st = dl2o_h5_guard(r, &defer)) != DL2O_OK) return st;
    fapl = dl2o_h5_new_fapl();
    r->file = fapl < 0 ? H5I_INVALID_HID : H5Fopen(path, H5F_ACC_RDONLY, fapl);
    if (r->file < 0)
        st = DL2O_FAIL(DL2O_EFORMAT,
                       "%s: HDF5 cannot open it (%s); the file is damaged or truncated (an "
                       "interrupted copy?), %s",
                       path, dl2o_h5_reason(why), remedy);
    else if (defer)
        st = DL2O_FAIL(DL2O_EFORMAT, "%s: HDF5 opens it but %s, so its structure cannot be "
                       "checked before reading; %s", path, defer, remedy);
    dl2o_h5_close(&fapl);
    if (st != DL2O_OK) dl2o_h5_reader_close(r);
    return st;
}

void dl2o_h5_reader_close(dl2o_h5_reader *r)
{
    dl2o_h5_close(&r->file);
    free(r->checked_strings);
    r->checked_strings = NULL;
}

int dl2o_h5_attr_exists(dl2o_h5_reader *r, const char *name)
{
    return H5Aexists(r->file, name) > 0;
}

static const char *class_name(H5T_class_t c)
{
    switch (c) {
    case H5T_INTEGER: return "integer";
    case H5T_FLOAT: return "float";
    case H5T_STRING: return "string";
    case H5T_ENUM: return "enum (bool?)";
    case H5T_COMPOUND: return "compound";
    case H5T_ARRAY: return "array";
    case H5T_VLEN: return "variable-length sequence";
    default: return "other";
    }
}

/* Non-zero for the plain number types numpy and C write: IEEE float32 or
 * float64, or an 8- to 64-bit integer using all its bits, either byte order.
 * HDF5 can describe others (odd precisions, bit offsets, exponent layouts);
 * converting those runs little-used code in libhdf5, so a hostile file
 * gets no further than this check. */
static int plain_number(hid_t type)
{
    H5T_class_t cls = H5Tget_class(type);
    if (cls == H5T_FLOAT)
        return H5Tequal(type, H5T_IEEE_F32LE) > 0 || H5Tequal(type, H5T_IEEE_F32BE) > 0 ||
               H5Tequal(type, H5T_IEEE_F64LE) > 0 || H5Tequal(type, H5T_IEEE_F64BE) > 0;
    if (cls != H5T_INTEGER) return 0;
    size_t size = H5Tget_size(type);
    H5T_order_t order = H5Tget_order(type);
    return (size == 1 || size == 2 || size == 4 || size == 8) &&
           H5Tget_precision(type) == 8 * size && H5Tget_offset(type) == 0 &&
           (order == H5T_ORDER_LE || order == H5T_ORDER_BE || size == 1);
}

/* Opens attribute `name`, checks it holds one value of class `want`. */
static dl2o_status open_attr(dl2o_h5_reader *r, const char *name, H5T_class_t want, hid_t *attr,
                             hid_t *type)
{
    dl2o_status st = DL2O_OK;
    hid_t space = H5I_INVALID_HID;
    char why[160];
    htri_t ex = H5Aexists(r->file, name);
    if (ex == 0)
        return DL2O_FAIL(DL2O_EFORMAT,
                         "%s: attribute %s is missing; the file is incomplete or not a dl2o "
                         "file, %s",
                         r->path, name, r->remedy);
    if (ex < 0 || (*attr = H5Aopen(r->file, name, H5P_DEFAULT)) < 0 ||
        (*type = H5Aget_type(*attr)) < 0 || (space = H5Aget_space(*attr)) < 0) {
        st = DL2O_FAIL(DL2O_EIO, "%s: cannot read attribute %s (%s); the file is damaged, %s",
                       r->path, name, dl2o_h5_reason(why), r->remedy);
        goto out;
    }
    H5T_class_t cls = H5Tget_class(*type);
    if (cls != want) {
        st = DL2O_FAIL(DL2O_EFORMAT, "%s: attribute %s has type %s, expected %s; %s", r->path,
                       name, class_name(cls), class_name(want), r->remedy);
        goto out;
    }
    if (cls != H5T_STRING && !plain_number(*type)) {
        st = DL2O_FAIL(DL2O_EFORMAT, "%s: attribute %s has a non-standard %s type (unusual "
                       "precision, offset or layout); %s", r->path, name, class_name(cls),
                       r->remedy);
        goto out;
    }
    hssize_t npoints = H5Sget_simple_extent_npoints(space);
    if (npoints != 1)
        st = DL2O_FAIL(DL2O_EFORMAT, "%s: attribute %s holds %lld values, expected one; %s",
                       r->path, name, (long long)npoints, r->remedy);
out:
    dl2o_h5_close(&space);
    return st;
}

static dl2o_status read_attr(dl2o_h5_reader *r, const char *name, hid_t attr, hid_t mtype,
                             void *buf)
{
    char why[160];
    if (H5Aread(attr, mtype, buf) < 0)
        return DL2O_FAIL(DL2O_EIO, "%s: cannot read attribute %s (%s); the file is damaged, %s",
                         r->path, name, dl2o_h5_reason(why), r->remedy);
    return DL2O_OK;
}

/* An integer attribute: *neg set when negative (then *v holds it as signed). */
static dl2o_status attr_integer(dl2o_h5_reader *r, const char *name, long long *sv,
                                unsigned long long *uv, int *neg)
{
    dl2o_status st = DL2O_OK;
    hid_t attr = H5I_INVALID_HID, type = H5I_INVALID_HID;
    DL2O_TRY(open_attr(r, name, H5T_INTEGER, &attr, &type));
    *neg = 0;
    if (H5Tget_sign(type) == H5T_SGN_NONE) {
        DL2O_TRY(read_attr(r, name, attr, H5T_NATIVE_ULLONG, uv));
        *sv = *uv > (unsigned long long)LLONG_MAX ? LLONG_MAX : (long long)*uv;
    } else {
        DL2O_TRY(read_attr(r, name, attr, H5T_NATIVE_LLONG, sv));
        *neg = *sv < 0;
        *uv = *neg ? 0 : (unsigned long long)*sv;
    }
out:
    dl2o_h5_close(&type);
    dl2o_h5_close(&attr);
    return st;
}

dl2o_status dl2o_h5_attr_int(dl2o_h5_reader *r, const char *name, long long lo, long long hi,
                             int *out)
{
    long long v;
    unsigned long long u;
    int neg;
    dl2o_status st = attr_integer(r, name, &v, &u, &neg);
    if (st != DL2O_OK) return st;
    if (v < lo || v > hi || v < INT_MIN || v > INT_MAX)
        return DL2O_FAIL(DL2O_EFORMAT, "%s: attribute %s = %lld is out of range %lld..%lld; %s",
                         r->path, name, v, lo, hi, r->remedy);
    *out = (int)v;
    return DL2O_OK;
}

dl2o_status dl2o_h5_attr_u64(dl2o_h5_reader *r, const char *name, uint64_t *out)
{
    long long v;
    unsigned long long u;
    int neg;
    dl2o_status st = attr_integer(r, name, &v, &u, &neg);
    if (st != DL2O_OK) return st;
    if (neg)
        return DL2O_FAIL(DL2O_EFORMAT, "%s: attribute %s = %lld is negative; %s", r->path, name,
                         v, r->remedy);
    *out = (uint64_t)u;
    return DL2O_OK;
}

dl2o_status dl2o_h5_attr_f64(dl2o_h5_reader *r, const char *name, double *out)
{
    dl2o_status st = DL2O_OK;
    hid_t attr = H5I_INVALID_HID, type = H5I_INVALID_HID;
    DL2O_TRY(open_attr(r, name, H5T_FLOAT, &attr, &type));
    DL2O_TRY(read_attr(r, name, attr, H5T_NATIVE_DOUBLE, out));
    if (!isfinite(*out))
        st = DL2O_FAIL(DL2O_EFORMAT, "%s: attribute %s is not finite (%g); %s", r->path, name,
                       *out, r->remedy);
out:
    dl2o_h5_close(&type);
    dl2o_h5_close(&attr);
    return st;
}

dl2o_status dl2o_h5_attr_str(dl2o_h5_reader *r, const char *name, size_t max_len, char **out)
{
    dl2o_status st = DL2O_OK;
    hid_t attr = H5I_INVALID_HID, type = H5I_INVALID_HID, mtype = H5I_INVALID_HID;
    char *vs = NULL, *s = NULL;
    *out = NULL;
    DL2O_TRY(open_attr(r, name, H5T_STRING, &attr, &type));
    htri_t vlen = H5Tis_variable_str(type);
    size_t fsize = H5Tget_size(type);
    if (!vlen && fsize > STR_ATTR_MAX) {
        st = DL2O_FAIL(DL2O_EFORMAT, "%s: attribute %s is a %zu-byte string, too long; %s",
                       r->path, name, fsize, r->remedy);
        goto out;
    }
    mtype = H5Tcopy(H5T_C_S1);
    if (mtype < 0 || H5Tset_cset(mtype, H5Tget_cset(type)) < 0 ||
        (vlen > 0 ? H5Tset_size(mtype, H5T_VARIABLE) : H5Tset_size(mtype, fsize + 1)) < 0 ||
        H5Tset_strpad(mtype, H5T_STR_NULLTERM) < 0) {
        st = DL2O_FAIL(DL2O_EFORMAT, "%s: attribute %s has an unusable string type; %s", r->path,
                       name, r->remedy);
        goto out;
    }
    if (vlen > 0 && !dl2o_h5_string_checked(r, name)) {
        /* libhdf5 would read it unchecked from the global heap (h5guard.c). */
        st = DL2O_FAIL(DL2O_EFORMAT,
                       "%s: attribute %s is a variable-length string this reader cannot check "
                       "before reading (not a single string of 1-byte characters in the root "
                       "group's header); the file is damaged, %s",
                       r->path, name, r->remedy);
        goto out;
    }
    if (vlen > 0) {
        DL2O_TRY(read_attr(r, name, attr, mtype, &vs));
        s = dl2o_xcalloc(vs ? strlen(vs) + 1 : 1, 1, "a string attribute");
        if (s && vs) strcpy(s, vs);
    } else {
        s = dl2o_xcalloc(fsize + 2, 1, "a string attribute");
        if (s) DL2O_TRY(read_attr(r, name, attr, mtype, s));
    }
    if (!s) {
        st = DL2O_ENOMEM;
        goto out;
    }
    size_t len = strlen(s);
    if (len > max_len)
        st = DL2O_FAIL(DL2O_EFORMAT, "%s: attribute %s is %zu bytes long, at most %zu allowed; %s",
                       r->path, name, len, max_len, r->remedy);
    else if (!dl2o_h5_utf8_valid(s))
        st = DL2O_FAIL(DL2O_EFORMAT, "%s: attribute %s is not valid UTF-8; %s", r->path, name,
                       r->remedy);
out:
    if (vs) H5free_memory(vs);
    if (st == DL2O_OK) *out = s;
    else free(s);
    dl2o_h5_close(&mtype);
    dl2o_h5_close(&type);
    dl2o_h5_close(&attr);
    return st;
}

dl2o_status dl2o_h5_attr_strbuf(dl2o_h5_reader *r, const char *name, char *buf, size_t size)
{
    char *s = NULL;
    dl2o_status st = dl2o_h5_attr_str(r, name, size - 1, &s);
    if (st == DL2O_OK) snprintf(buf, size, "%s", s);
    free(s);
    return st;
}

dl2o_status dl2o_h5_check_format(dl2o_h5_reader *r, const char *format, int version)
{
    return dl2o_h5_check_format_range(r, format, version, version, NULL);
}

dl2o_status dl2o_h5_check_format_range(dl2o_h5_reader *r, const char *format, int oldest,
                                       int newest, int *version)
{
    dl2o_status st = DL2O_OK;
    char *fmt = NULL;
    int v = 0;
    if (!dl2o_h5_attr_exists(r, "format"))
        return DL2O_FAIL(DL2O_EFORMAT,
                         "%s: no `format` attribute, so this is not a dl2o file; pass a \"%s\" "
                         "file, or %s",
                         r->path, format, r->remedy);
    DL2O_TRY(dl2o_h5_attr_str(r, "format", 64, &fmt));
    if (strcmp(fmt, format) != 0) {
        st = DL2O_FAIL(DL2O_EFORMAT, "%s: this is a \"%s\" file, expected \"%s\"; pass a \"%s\" "
                       "file, or %s", r->path, fmt, format, format, r->remedy);
        goto out;
    }
    DL2O_TRY(dl2o_h5_attr_int(r, "format_version", INT_MIN, INT_MAX, &v));
    if (v < oldest || v > newest) {
        char which[48];
        if (oldest == newest) snprintf(which, sizeof which, "version %d only", newest);
        else snprintf(which, sizeof which, "versions %d to %d", oldest, newest);
        st = DL2O_FAIL(DL2O_EFORMAT,
                       "%s: %s format_version %d is not supported; this library (dl2o %s) reads "
                       "%s; %s%s",
                       r->path, format, v, DL2O_VERSION, which,
                       v > newest ? "the file is newer: upgrade dl2o to read it, or "
                                  : "the file is damaged, ",
                       r->remedy);
    } else if (version) {
        *version = v;
    }
out:
    free(fmt);
    return st;
}

/* Non-zero when every link on the absolute path exists. */
static int path_exists(hid_t file, const char *path)
{
    char buf[256];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof buf) return 0;
    memcpy(buf, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        char c = buf[i];
        buf[i] = '\0';
        int ok = H5Lexists(file, buf, H5P_DEFAULT) > 0;
        buf[i] = c;
        if (!ok) return 0;
    }
    return 1;
}

static void shape_str(char *buf, size_t size, int rank, const hsize_t *dims)
{
    size_t used = (size_t)snprintf(buf, size, "(");
    for (int i = 0; i < rank && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%llu", i ? ", " : "",
                                 (unsigned long long)dims[i]);
    if (used < size) snprintf(buf + used, size - used, rank == 1 ? ",)" : ")");
}

static void type_str(char *buf, size_t size, hid_t type)
{
    H5T_class_t cls = H5Tget_class(type);
    size_t bits = 8 * H5Tget_size(type);
    if (cls == H5T_FLOAT)
        snprintf(buf, size, "float%zu%s", bits, plain_number(type) ? "" : " (not IEEE)");
    else if (cls == H5T_INTEGER)
        snprintf(buf, size, "%sint%zu", H5Tget_sign(type) == H5T_SGN_NONE ? "u" : "", bits);
    else snprintf(buf, size, "%s", class_name(cls));
}

/* Checks that the values of dataset ds (nbytes of them) are stored in this
 * file, the way dl2o writes them: contiguous (or compact) layout, every byte
 * allocated, no filters, no external raw-data files. Found by fuzzing:
 * - a shape alone lets a few-KB file declare gigabytes (storage is
 *   allocated late, and unwritten storage reads as fill values), which the
 *   loaders would allocate and libhdf5 would then "read";
 * - external storage lets a file name /dev/zero, a FIFO or another user's
 *   file as its data;
 * - chunked and filtered (compressed) datasets: libhdf5 1.10.8 trusts the
 *   chunk dimensions in the layout message and the size a decompressed
 *   chunk comes out at, and copies past its buffers when they disagree
 *   (heap overflow in H5Dread). Their chunk index and the decompression
 *   cannot be checked from outside, so they are refused. */
static dl2o_status check_storage(dl2o_h5_reader *r, const char *dset, hid_t ds, double nbytes)
{
    dl2o_status st = DL2O_OK;
    char why[160];
    hid_t dcpl = H5Dget_create_plist(ds);
    H5D_layout_t layout = dcpl < 0 ? H5D_LAYOUT_ERROR : H5Pget_layout(dcpl);
    int n_ext = dcpl < 0 ? -1 : H5Pget_external_count(dcpl);
    int n_filters = dcpl < 0 ? -1 : H5Pget_nfilters(dcpl);
    if (layout < 0 || n_ext < 0 || n_filters < 0) {
        st = DL2O_FAIL(DL2O_EFORMAT, "%s: cannot read the storage layout of dataset %s (%s); "
                       "the file is damaged, %s", r->path, dset, dl2o_h5_reason(why), r->remedy);
        goto out;
    }
    if (n_ext > 0 || (layout != H5D_CONTIGUOUS && layout != H5D_CHUNKED &&
                      layout != H5D_COMPACT)) {
        st = DL2O_FAIL(DL2O_EFORMAT, "%s: dataset %s keeps its values outside this file "
                       "(external or virtual storage); store them in the file, %s", r->path,
                       dset, r->remedy);
        goto out;
    }
    if (layout == H5D_CHUNKED || n_filters > 0) {
        st = DL2O_FAIL(DL2O_EFORMAT, "%s: dataset %s is chunked or compressed; dl2o reads "
                       "contiguous datasets only, as it writes them (rewrite it without chunks "
                       "or compression, e.g. `h5repack -l CONTI`), or %s", r->path, dset,
                       r->remedy);
        goto out;
    }
    double stored = (double)H5Dget_storage_size(ds);
    if (stored < nbytes)
        st = DL2O_FAIL(DL2O_EFORMAT, "%s: dataset %s declares %.0f bytes but the file stores "
                       "only %.0f; the file is incomplete or damaged, %s", r->path, dset,
                       nbytes, stored, r->remedy);
out:
    dl2o_h5_close(&dcpl);
    return st;
}

dl2o_status dl2o_h5_read(dl2o_h5_reader *r, const char *dset, dl2o_h5_elem elem, int rank,
                         const hsize_t *dims, void *buf)
{
    dl2o_status st = DL2O_OK;
    hid_t ds = H5I_INVALID_HID, type = H5I_INVALID_HID, space = H5I_INVALID_HID;
    char why[160], got[96], want[96];
    hsize_t fdims[H5S_MAX_RANK];
    if (!path_exists(r->file, dset))
        return DL2O_FAIL(DL2O_EFORMAT, "%s: dataset %s is missing; the file is incomplete, %s",
                         r->path, dset, r->remedy);
    if ((ds = H5Dopen2(r->file, dset, H5P_DEFAULT)) < 0) {
        st = DL2O_FAIL(DL2O_EFORMAT, "%s: %s is not a dataset; %s", r->path, dset, r->remedy);
        goto out;
    }
    if ((type = H5Dget_type(ds)) < 0 || (space = H5Dget_space(ds)) < 0) {
        st = DL2O_FAIL(DL2O_EIO, "%s: cannot read dataset %s (%s); the file is damaged, %s",
                       r->path, dset, dl2o_h5_reason(why), r->remedy);
        goto out;
    }
    if (H5Tget_class(type) != H5T_FLOAT || H5Tget_size(type) != (size_t)elem ||
        !plain_number(type)) {
        type_str(got, sizeof got, type);
        st = DL2O_FAIL(DL2O_EFORMAT, "%s: dataset %s has type %s, expected float%d; %s", r->path,
                       dset, got, 8 * (int)elem, r->remedy);
        goto out;
    }
    int frank = H5Sget_simple_extent_ndims(space);
    if (frank < 0 || frank > H5S_MAX_RANK) frank = 0;
    H5Sget_simple_extent_dims(space, fdims, NULL);
    shape_str(got, sizeof got, frank, fdims);
    shape_str(want, sizeof want, rank, dims);
    int same = frank == rank && H5Sget_simple_extent_type(space) == H5S_SIMPLE;
    for (int i = 0; same && i < rank; i++) same = fdims[i] == dims[i];
    if (!same) {
        st = DL2O_FAIL(DL2O_EFORMAT,
                       "%s: dataset %s has shape %s, expected %s; the file does not match its "
                       "own attributes, %s",
                       r->path, dset, got, want, r->remedy);
        goto out;
    }
    size_t n = 1;
    for (int i = 0; i < rank; i++) n *= (size_t)dims[i]; /* callers' dims: bounded, no wrap */
    if (n == 0) goto out;
    /* Storage before reading (found by fuzzing): the shape alone lets a few-KB
     * file declare gigabytes (HDF5 allocates storage late, and reading
     * unwritten storage returns fill values), which callers would allocate
     * and HDF5 would then "read". The data must be in this file. */
    DL2O_TRY(check_storage(r, dset, ds, (double)n * (double)elem));
    if (!buf) goto out;
    hid_t mtype = elem == DL2O_H5_F32 ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE;
    if (H5Dread(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        st = DL2O_FAIL(DL2O_EIO, "%s: cannot read dataset %s (%s); the file is damaged, %s",
                       r->path, dset, dl2o_h5_reason(why), r->remedy);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        double v = elem == DL2O_H5_F32 ? (double)((const float *)buf)[i] : ((const double *)buf)[i];
        if (!isfinite(v)) {
            st = DL2O_FAIL(DL2O_EFORMAT,
                           "%s: dataset %s holds a non-finite value (%g) at flat index %zu; the "
                           "file is corrupt or came from a diverged training, %s",
                           r->path, dset, v, i, r->remedy);
            break;
        }
    }
out:
    dl2o_h5_close(&space);
    dl2o_h5_close(&type);
    dl2o_h5_close(&ds);
    return st;
}
