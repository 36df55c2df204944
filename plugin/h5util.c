/* h5util.c — general helpers and the atomic writer of h5util.h. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "h5util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

/* ---------------------------------------------------------------- general */

void dl2o_h5_quiet_begin(dl2o_h5_quiet *q)
{
    q->func = NULL;
    q->data = NULL;
    q->saved = H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data) >= 0;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void dl2o_h5_quiet_end(const dl2o_h5_quiet *q)
{
    if (q->saved) H5Eset_auto2(H5E_DEFAULT, q->func, q->data);
}

void dl2o_h5_close(hid_t *id)
{
    if (*id < 0) return;
    switch (H5Iget_type(*id)) {
    case H5I_FILE: H5Fclose(*id); break;
    case H5I_GROUP: H5Gclose(*id); break;
    case H5I_DATASET: H5Dclose(*id); break;
    case H5I_ATTR: H5Aclose(*id); break;
    case H5I_DATATYPE: H5Tclose(*id); break;
    case H5I_DATASPACE: H5Sclose(*id); break;
    case H5I_GENPROP_LST: H5Pclose(*id); break;
    default: break;
    }
    *id = H5I_INVALID_HID;
}

int dl2o_h5_utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p++, cp, need;
        if (c < 0x80) continue;
        if (c >= 0xC2 && c <= 0xDF) cp = c & 0x1F, need = 1;
        else if (c >= 0xE0 && c <= 0xEF) cp = c & 0x0F, need = 2;
        else if (c >= 0xF0 && c <= 0xF4) cp = c & 0x07, need = 3;
        else return 0;
        for (unsigned k = 0; k < need; k++, p++) {
            if ((*p & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (*p & 0x3F);
        }
        if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
    }
    return 1;
}

static herr_t detail_cb(unsigned n, const H5E_error2_t *e, void *data)
{
    char *buf = data;
    if (n == 0 && e->desc && e->desc[0]) snprintf(buf, 160, "%s", e->desc);
    return 0;
}

const char *dl2o_h5_reason(char buf[160])
{
    buf[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, detail_cb, buf);
    if (!buf[0]) snprintf(buf, 160, "no detail given");
    return buf;
}

const char *dl2o_h5_sys_reason(int err, char buf[128])
{
    if (strerror_r(err, buf, 128) != 0) snprintf(buf, 128, "error %d", err);
    return buf;
}

hid_t dl2o_h5_new_fapl(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0) return fapl;
    /* Closing the file really closes it (and fails loudly) even if an id leaked. */
    H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
#if (H5_VERS_MAJOR == 1 && H5_VERS_MINOR == 10 && H5_VERS_RELEASE >= 7) || H5_VERSION_GE(1, 12, 1)
    /* Work on file systems without flock (some network/container mounts). */
    H5Pset_file_locking(fapl, 1, 1);
#endif
    return fapl;
}

/* ----------------------------------------------------------------- writer */

dl2o_status dl2o_h5_writer_open(dl2o_h5_writer *w, const char *path)
{
    dl2o_status st = DL2O_OK;
    hid_t fapl = H5I_INVALID_HID;
    char why[160], sys[128];
    w->path = path;
    w->fd = -1;
    w->file = H5I_INVALID_HID;
    size_t size = strlen(path) + sizeof ".tmp.XXXXXX";
    w->tmp = dl2o_xcalloc(size, 1, "a file name");
    if (!w->tmp) return DL2O_ENOMEM;
    snprintf(w->tmp, size, "%s.tmp.XXXXXX", path);
    w->fd = mkstemp(w->tmp);
    if (w->fd < 0) {
        int e = errno;
        free(w->tmp);
        w->tmp = NULL;
        return DL2O_FAIL(DL2O_EIO,
                         "%s: cannot create a temporary file next to it: %s; check that the "
                         "directory exists and is writable",
                         path, dl2o_h5_sys_reason(e, sys));
    }
    /* mkstemp makes the file 0600; a saved model is an ordinary data file. */
    if (fchmod(w->fd, 0644) != 0) {
        st = DL2O_FAIL(DL2O_EIO, "%s: cannot set permissions of %s: %s; check the file system",
                       path, w->tmp, dl2o_h5_sys_reason(errno, sys));
        goto out;
    }
    /* The file is built in memory (core driver, no backing store) and its
     * image written out by us at commit: HDF5 itself then never meets a full
     * disk. HDF5 1.10 left a half-closed file id behind when H5Fclose failed
     * on a write error, and its exit-time clean-up crashed on it. */
    fapl = dl2o_h5_new_fapl();
    if (fapl >= 0 && H5Pset_fapl_core(fapl, (size_t)1 << 20, 0) < 0) dl2o_h5_close(&fapl);
    w->file = fapl < 0 ? H5I_INVALID_HID : H5Fcreate(w->tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (w->file < 0) {
        st = DL2O_FAIL(DL2O_EIO, "%s: HDF5 cannot create %s (%s); check free space and permissions",
                       path, w->tmp, dl2o_h5_reason(why));
        goto out;
    }
out:
    dl2o_h5_close(&fapl);
    return st;
}

/* Writes all of buf to fd; 0, or -1 with errno set. */
static int write_all(int fd, const unsigned char *buf, size_t size)
{
    while (size > 0) {
        ssize_t k = write(fd, buf, size);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            if (k == 0) errno = ENOSPC;
            return -1;
        }
        buf += k;
        size -= (size_t)k;
    }
    return 0;
}

dl2o_status dl2o_h5_writer_commit(dl2o_h5_writer *w)
{
    char why[160], sys[128];
    unsigned char *image = NULL;
    ssize_t size = H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0 ? -1 : H5Fget_file_image(w->file, NULL, 0);
    if (size > 0) image = dl2o_calloc((size_t)size, 1);
    if (size <= 0 || !image || H5Fget_file_image(w->file, image, (size_t)size) != size) {
        free(image);
        return DL2O_FAIL(size > 0 && !image ? DL2O_ENOMEM : DL2O_EIO,
                         "%s: HDF5 cannot assemble the file (%s); check free memory", w->path,
                         dl2o_h5_reason(why));
    }
    herr_t herr = H5Fclose(w->file);
    w->file = H5I_INVALID_HID;
    int bad = herr < 0 ? -1 : write_all(w->fd, image, (size_t)size);
    int e = errno;
    free(image);
    if (herr < 0)
        return DL2O_FAIL(DL2O_EIO, "%s: HDF5 cannot finish the file (%s)", w->path, dl2o_h5_reason(why));
    if (bad)
        return DL2O_FAIL(DL2O_EIO, "%s: cannot write %s: %s; check free disk space", w->path,
                         w->tmp, dl2o_h5_sys_reason(e, sys));
    if (fsync(w->fd) != 0)
        return DL2O_FAIL(DL2O_EIO, "%s: cannot flush %s to disk: %s; check the file system",
                         w->path, w->tmp, dl2o_h5_sys_reason(errno, sys));
    int fd = w->fd;
    w->fd = -1;
    if (close(fd) != 0)
        return DL2O_FAIL(DL2O_EIO, "%s: cannot close %s: %s; check free disk space", w->path,
                         w->tmp, dl2o_h5_sys_reason(errno, sys));
    if (rename(w->tmp, w->path) != 0)
        return DL2O_FAIL(DL2O_EIO,
                         "%s: cannot rename the temporary file over it: %s; check that the path "
                         "is not a directory and that its directory is writable",
                         w->path, dl2o_h5_sys_reason(errno, sys));
    free(w->tmp);
    w->tmp = NULL;
    /* Make the rename itself durable; best effort, the data is already safe. */
    const char *slash = strrchr(w->path, '/');
    char *dir = slash ? dl2o_calloc((size_t)(slash - w->path) + 2, 1) : NULL;
    if (dir) memcpy(dir, w->path, slash == w->path ? 1 : (size_t)(slash - w->path));
    int dfd = open(dir ? dir : ".", O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    free(dir);
    return DL2O_OK;
}

void dl2o_h5_writer_abort(dl2o_h5_writer *w)
{
    dl2o_h5_close(&w->file);
    if (w->fd >= 0) close(w->fd);
    w->fd = -1;
    if (w->tmp) unlink(w->tmp);
    free(w->tmp);
    w->tmp = NULL;
}

static dl2o_status write_attr(dl2o_h5_writer *w, const char *name, hid_t ftype, hid_t mtype,
                              const void *value)
{
    dl2o_status st = DL2O_OK;
    hid_t space = H5Screate(H5S_SCALAR), attr = H5I_INVALID_HID;
    char why[160];
    if (space >= 0) attr = H5Acreate2(w->file, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
    if (attr < 0 || H5Awrite(attr, mtype, value) < 0)
        st = DL2O_FAIL(DL2O_EIO, "%s: cannot write attribute %s (%s); check free disk space",
                       w->path, name, dl2o_h5_reason(why));
    dl2o_h5_close(&attr);
    dl2o_h5_close(&space);
    return st;
}

dl2o_status dl2o_h5_write_attr_str(dl2o_h5_writer *w, const char *name, const char *value)
{
    if (!dl2o_h5_utf8_valid(value))
        return DL2O_FAIL(DL2O_EINVAL, "%s: attribute %s is not valid UTF-8; fix the string",
                         w->path, name);
    hid_t type = H5Tcopy(H5T_C_S1);
    dl2o_status st = DL2O_OK;
    char why[160];
    if (type < 0 || H5Tset_size(type, H5T_VARIABLE) < 0 || H5Tset_cset(type, H5T_CSET_UTF8) < 0)
        st = DL2O_FAIL(DL2O_EIO, "%s: cannot make a string type (%s)", w->path,
                       dl2o_h5_reason(why));
    else
        st = write_attr(w, name, type, type, &value);
    dl2o_h5_close(&type);
    return st;
}

dl2o_status dl2o_h5_write_attr_i32(dl2o_h5_writer *w, const char *name, int value)
{
    return write_attr(w, name, H5T_STD_I32LE, H5T_NATIVE_INT, &value);
}

dl2o_status dl2o_h5_write_attr_u64(dl2o_h5_writer *w, const char *name, uint64_t value)
{
    return write_attr(w, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, &value);
}

dl2o_status dl2o_h5_write_attr_f64(dl2o_h5_writer *w, const char *name, double value)
{
    return write_attr(w, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

static dl2o_status write_ds(dl2o_h5_writer *w, const char *dset, int rank, const hsize_t *dims,
                            hid_t ftype, hid_t mtype, const void *data)
{
    dl2o_status st = DL2O_OK;
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE), space = H5I_INVALID_HID, ds = H5I_INVALID_HID;
    char why[160];
    hsize_t n = 1;
    for (int i = 0; i < rank; i++) n *= dims[i];
    if (lcpl >= 0 && H5Pset_create_intermediate_group(lcpl, 1) >= 0)
        space = H5Screate_simple(rank, dims, NULL);
    if (space >= 0) ds = H5Dcreate2(w->file, dset, ftype, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    /* A dataset with a zero dimension has nothing to write. */
    if (ds < 0 || (n > 0 && H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0))
        st = DL2O_FAIL(DL2O_EIO, "%s: cannot write dataset %s (%s); check free disk space",
                       w->path, dset, dl2o_h5_reason(why));
    dl2o_h5_close(&ds);
    dl2o_h5_close(&space);
    dl2o_h5_close(&lcpl);
    return st;
}

dl2o_status dl2o_h5_write_f32(dl2o_h5_writer *w, const char *dset, int rank, const hsize_t *dims,
                              const float *data)
{
    return write_ds(w, dset, rank, dims, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, data);
}

dl2o_status dl2o_h5_write_f64(dl2o_h5_writer *w, const char *dset, int rank, const hsize_t *dims,
                              const double *data)
{
    return write_ds(w, dset, rank, dims, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, data);
}
