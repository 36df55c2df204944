/* run_util.c — see run_util.h. */
#include "run_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

pid_t run_spawn(char *const argv[], char *const env[], int *err_fd)
{
    int fds[2] = {-1, -1};
    if (err_fd && pipe(fds) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        for (char *const *e = env; e && *e; e++) {
            char name[256];
            const char *eq = strchr(*e, '=');
            snprintf(name, sizeof name, "%.*s", (int)(eq - *e), *e);
            if (eq[1]) setenv(name, eq + 1, 1);
            else unsetenv(name);
        }
        int null = open("/dev/null", O_WRONLY);
        dup2(null, STDOUT_FILENO);
        if (err_fd) {
            dup2(fds[1], STDERR_FILENO);
            close(fds[0]);
            close(fds[1]);
        }
        /* Default signal dispositions, whatever the test runner set. */
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        execv(argv[0], argv);
        _exit(127);
    }
    if (err_fd) {
        close(fds[1]);
        *err_fd = fds[0];
    }
    return pid;
}

int run_wait(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int run_cmd(char *const argv[], char *const env[])
{
    pid_t pid = run_spawn(argv, env, NULL);
    return pid < 0 ? -1 : run_wait(pid);
}

static int read_some(int fd, char *log, size_t size)
{
    char buf[4096];
    ssize_t got;
    while ((got = read(fd, buf, sizeof buf)) < 0 && errno == EINTR) {}
    if (got <= 0) return 0;
    size_t len = strlen(log), room = size - 1 - len, take = (size_t)got < room ? (size_t)got : room;
    memcpy(log + len, buf, take);
    log[len + take] = '\0';
    return 1;
}

int run_read_until(int err_fd, const char *prefix, char *log, size_t size)
{
    size_t plen = strlen(prefix);
    while (read_some(err_fd, log, size))
        for (const char *line = log; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
            if (!strncmp(line, prefix, plen) && strchr(line, '\n')) return 1;
    return 0;
}

void run_drain(int err_fd, char *log, size_t size)
{
    while (read_some(err_fd, log, size)) {}
    close(err_fd);
}

/* ---------------------------------------------------------------- files */

typedef struct visit {
    hid_t other;
    int count, same;
    char *why;
    size_t size;
} visit;

static int compare_one(hid_t a, hid_t b, const char *name, char *why, size_t size)
{
    hid_t ta = H5Dget_type(a), tb = H5Dget_type(b), sa = H5Dget_space(a), sb = H5Dget_space(b);
    hsize_t da[8] = {0}, db[8] = {0};
    int ra = H5Sget_simple_extent_dims(sa, da, NULL), rb = H5Sget_simple_extent_dims(sb, db, NULL);
    size_t es = H5Tget_size(ta), n = (size_t)H5Sget_simple_extent_npoints(sa);
    int ok = ra == rb && ra >= 0 && ra <= 8 && !memcmp(da, db, sizeof da) && es == H5Tget_size(tb) &&
             H5Tget_class(ta) == H5Tget_class(tb);
    if (!ok) snprintf(why, size, "%s: type or shape differs", name);
    void *ba = ok ? calloc(n + 1, es) : NULL, *bb = ok ? calloc(n + 1, es) : NULL;
    if (ok && (!ba || !bb || H5Dread(a, ta, H5S_ALL, H5S_ALL, H5P_DEFAULT, ba) < 0 ||
               H5Dread(b, ta, H5S_ALL, H5S_ALL, H5P_DEFAULT, bb) < 0)) {
        snprintf(why, size, "%s: cannot read", name);
        ok = 0;
    }
    if (ok && memcmp(ba, bb, n * es)) {
        size_t i = 0;
        while (i < n * es && ((char *)ba)[i] == ((char *)bb)[i]) i++;
        snprintf(why, size, "%s: bytes differ from element %zu on", name, i / es);
        ok = 0;
    }
    free(ba);
    free(bb);
    H5Tclose(ta);
    H5Tclose(tb);
    H5Sclose(sa);
    H5Sclose(sb);
    return ok;
}

static herr_t visit_cb(hid_t group, const char *name, const H5L_info_t *info, void *data)
{
    visit *v = data;
    (void)info;
    hid_t obj = H5Oopen(group, name, H5P_DEFAULT);
    if (obj < 0) return -1;
    int is_ds = H5Iget_type(obj) == H5I_DATASET;
    H5Oclose(obj);
    if (!is_ds) return 0;
    v->count++;
    if (!v->same || !v->why) return 0;
    if (H5Lexists(v->other, name, H5P_DEFAULT) <= 0) {
        snprintf(v->why, v->size, "%s: missing in the second file", name);
        v->same = 0;
        return 0;
    }
    hid_t a = H5Dopen2(group, name, H5P_DEFAULT), b = H5Dopen2(v->other, name, H5P_DEFAULT);
    if (a < 0 || b < 0 || !compare_one(a, b, name, v->why, v->size)) {
        if (a < 0 || b < 0) snprintf(v->why, v->size, "%s: cannot open", name);
        v->same = 0;
    }
    if (a >= 0) H5Dclose(a);
    if (b >= 0) H5Dclose(b);
    return 0;
}

int same_datasets(const char *a, const char *b, char *why, size_t size)
{
    snprintf(why, size, "cannot open %s or %s", a, b);
    H5E_auto2_t func;
    void *fdata;
    H5Eget_auto2(H5E_DEFAULT, &func, &fdata);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t fa = H5Fopen(a, H5F_ACC_RDONLY, H5P_DEFAULT), fb = H5Fopen(b, H5F_ACC_RDONLY, H5P_DEFAULT);
    visit va = {fb, 0, 1, why, size}, vb = {fa, 0, 1, NULL, 0};
    int same = fa >= 0 && fb >= 0 && H5Lvisit(fa, H5_INDEX_NAME, H5_ITER_INC, visit_cb, &va) >= 0 &&
               H5Lvisit(fb, H5_INDEX_NAME, H5_ITER_INC, visit_cb, &vb) >= 0 && va.same;
    if (same && va.count != vb.count) {
        snprintf(why, size, "%s has %d datasets, %s has %d", a, va.count, b, vb.count);
        same = 0;
    }
    if (same && va.count == 0) {
        snprintf(why, size, "%s holds no datasets", a);
        same = 0;
    }
    if (fa >= 0) H5Fclose(fa);
    if (fb >= 0) H5Fclose(fb);
    H5Eset_auto2(H5E_DEFAULT, func, fdata);
    return same;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    size_t cap = 1 << 16, n = 0, got;
    char *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n, fp)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) free(buf);
            buf = nb;
        }
    }
    fclose(fp);
    *len = n;
    return buf;
}

int same_bytes(const char *a, const char *b)
{
    size_t la = 0, lb = 0;
    char *ba = slurp(a, &la), *bb = slurp(b, &lb);
    int same = ba && bb && la == lb && !memcmp(ba, bb, la);
    free(ba);
    free(bb);
    return same;
}

int count_tmp_files(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        if (strstr(e->d_name, ".tmp")) {
            fprintf(stderr, "left behind: %s/%s\n", dir, e->d_name);
            n++;
        }
    if (d) closedir(d);
    return n;
}

int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}
