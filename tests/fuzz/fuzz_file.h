/* fuzz_file.h — hands a fuzz input to a loader that takes a path.
 *
 * The loaders (dl2o_model_load, dl2o_dataset_load, dl2o_csv_read) open a
 * path, so each input is written to one file per process and the loader is
 * given its name. The file is a memfd (anonymous, RAM-backed, never on disk)
 * opened through /proc/self/fd/N; where memfd_create is missing it is a
 * mkstemp file under $TMPDIR (or /tmp), removed at exit. Rewriting one file
 * per input keeps the harness at a few thousand executions a second and
 * leaves nothing behind when the fuzzer is killed (memfd) or exits.
 *
 * HDF5's core driver (H5LTopen_file_image) would avoid the file, but then
 * the loaders' own open path (fopen, H5Fis_hdf5, H5Fopen with their access
 * property list) would not be the code under test.
 */
#ifndef DL2O_FUZZ_FILE_H
#define DL2O_FUZZ_FILE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int fuzz_fd = -1;
static char fuzz_path[4096];

static void fuzz_file_cleanup(void)
{
    if (strncmp(fuzz_path, "/proc/", 6) != 0 && fuzz_path[0]) unlink(fuzz_path);
}

/* Writes data to the per-process file and returns its path; aborts (a
 * harness failure, not a finding) if the file cannot be written. */
static const char *fuzz_file_write(const uint8_t *data, size_t size)
{
    if (fuzz_fd < 0) {
#ifdef MFD_CLOEXEC
        fuzz_fd = memfd_create("dl2o-fuzz", MFD_CLOEXEC);
        if (fuzz_fd >= 0) snprintf(fuzz_path, sizeof fuzz_path, "/proc/self/fd/%d", fuzz_fd);
#endif
        if (fuzz_fd < 0) {
            const char *dir = getenv("TMPDIR");
            snprintf(fuzz_path, sizeof fuzz_path, "%s/dl2o-fuzz-XXXXXX", dir && dir[0] ? dir : "/tmp");
            fuzz_fd = mkstemp(fuzz_path);
            if (fuzz_fd < 0) {
                perror("fuzz harness: cannot create the input file");
                abort();
            }
            atexit(fuzz_file_cleanup);
        }
    }
    if (ftruncate(fuzz_fd, 0) != 0) {
        perror("fuzz harness: ftruncate");
        abort();
    }
    size_t done = 0;
    while (done < size) {
        ssize_t w = pwrite(fuzz_fd, data + done, size - done, (off_t)done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            perror("fuzz harness: write");
            abort();
        }
        done += (size_t)w;
    }
    return fuzz_path;
}

#endif
