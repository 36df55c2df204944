/* test_matrix.c — the API rows of the bad-input matrix (docs/ERRORS.md).
 *
 *   test_matrix ROW        runs one row; tests/matrix.cmake adds one CTest
 *                          case per ROW(...) line of the table at the end
 *   test_matrix prep DIR   writes the malformed files the CLI rows use
 *                          (tests/check_matrix.py) into DIR
 *
 * Every row feeds one kind of bad input to the public API and checks the
 * status, a distinctive part of the message, that outputs are left
 * untouched, and that nothing crashes. Rows that change process limits
 * (RLIMIT_AS, RLIMIT_FSIZE) run their work in a forked child, which must
 * exit normally (HDF5's atexit clean-up included). Exit 77: skipped. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>
#include <nlopt.h>

#include "common.h"
#include "data_io.h"
#include "dl2o.h"
#include "dl2o_gsl.h"
#include "dl2o_nlopt.h"
#include "io_util.h"
#include "model.h"
#include "model_io.h"
#include "testutil.h"

/* ------------------------------------------------------------ sanitizers */

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MATRIX_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define MATRIX_SANITIZED 1
#endif
#endif
#ifndef MATRIX_SANITIZED
#define MATRIX_SANITIZED 0
#endif

/* Under ASan a failed huge allocation must come back as NULL (that is what
 * the allocation rows test), and anything over 64 GiB counts as failed, as
 * it would on a machine without overcommit. ASAN_OPTIONS still override. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1:max_allocation_size_mb=65536";
}

/* The failed huge allocations below make ASan print a warning (not an
 * error) for each; it goes to stderr rather than to the report files that
 * make check-asan fails on. Real errors still end the process (exit 86). */
extern void __sanitizer_set_report_path(const char *path) __attribute__((weak));
static void sanitizer_reports_to_stderr(void)
{
    if (__sanitizer_set_report_path) __sanitizer_set_report_path("stderr");
}

/* --------------------------------------------------------------- helpers */

#define PROBE_MODEL DL2O_FIXTURE_DIR "/rastrigin-2.probe.h5"
#define THETA_MODEL DL2O_FIXTURE_DIR "/rastrigin-2.theta.h5"
#define SENTINEL 123.25
#define SKIP 77

static dl2o_family *g_fam;
static double g_theta[8];
static const char *g_dir;

/* Whether msg contains frag; "a|b" accepts either (where HDF5 versions word
 * the same damage differently). */
static int contains(const char *msg, const char *frag)
{
    if (!msg || !frag) return 0;
    for (const char *p = frag;;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        char part[256];
        snprintf(part, sizeof part, "%.*s", (int)len, p);
        if (strstr(msg, part)) return 1;
        if (!bar) return 0;
        p = bar + 1;
    }
}

#define CHECK_ERR(call, want, frag)                                                      \
    do {                                                                                 \
        dl2o_clear_error();                                                              \
        dl2o_status st_ = (call);                                                        \
        CHECK_MSG(st_ == (want), "%s: status %d (%s), want %d", #call, (int)st_,         \
                  dl2o_last_error(), (int)(want));                                       \
        CHECK_MSG(contains(dl2o_last_error(), frag), "%s: message \"%s\" lacks \"%s\"",   \
                  #call, dl2o_last_error(), frag);                                       \
    } while (0)

#define CHECK_GSL(call, want, frag)                                                      \
    do {                                                                                 \
        int st_ = (call);                                                                \
        CHECK_MSG(st_ == (want), "%s: GSL status %d (%s), want %d", #call, st_,          \
                  dl2o_gsl_last_error(), (int)(want));                                   \
        CHECK_MSG(contains(dl2o_gsl_last_error(), frag),                                 \
                  "%s: message \"%s\" lacks \"%s\"", #call, dl2o_gsl_last_error(), frag); \
    } while (0)

static void fill(double *v, size_t n, double value)
{
    for (size_t i = 0; i < n; i++) v[i] = value;
}

static int all_equal(const double *v, size_t n, double value)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] != value) return 0;
    return 1;
}

static dl2o_initializer *load(const char *path)
{
    dl2o_initializer *init = NULL;
    dl2o_status st = dl2o_initializer_load(path, &init);
    CHECK_MSG(st == DL2O_OK, "cannot load %s: %s", path, dl2o_last_error());
    if (init) dl2o_initializer_set_device(init, DL2O_DEVICE_CPU);
    return init;
}

static const char *path_in(const char *name)
{
    static char buf[8][1200];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, sizeof buf[0], "%s/%s", g_dir, name);
    return p;
}

static const char *write_text(const char *name, const char *text)
{
    const char *p = path_in(name);
    FILE *fp = fopen(p, "w");
    CHECK(fp != NULL);
    if (fp) {
        fputs(text, fp);
        fclose(fp);
    }
    return p;
}

/* The whole file, or NULL; *len its size. */
static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, fp)) > 0;) {
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

static int same_bytes(const char *path, const char *want, size_t want_len)
{
    size_t len = 0;
    char *got = slurp(path, &len);
    int same = got && len == want_len && memcmp(got, want, len) == 0;
    free(got);
    return same;
}

/* Entries of dir whose name contains ".tmp" (any temporary naming). */
static int tmp_leftovers(const char *dir)
{
    DIR *dp = opendir(dir);
    int n = 0;
    if (!dp) return -1;
    for (struct dirent *e; (e = readdir(dp));)
        if (strstr(e->d_name, ".tmp")) {
            fprintf(stderr, "leftover: %s/%s\n", dir, e->d_name);
            n++;
        }
    closedir(dp);
    return n;
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Runs fn in a forked child that must exit(0) on its own: a signal (a
 * crash, or a crash in an atexit handler) is a failure. */
static void in_child(const char *what, void (*fn)(void *), void *arg)
{
    fflush(NULL);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        dl2o_test_failures = 0;
        fn(arg);
        fflush(NULL);
        exit(dl2o_test_failures ? 1 : 0); /* runs atexit handlers (HDF5's) */
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    if (WIFSIGNALED(status))
        CHECK_MSG(0, "%s: the child died from signal %d (%s)", what, WTERMSIG(status),
                  strsignal(WTERMSIG(status)));
    else
        CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: the child reported failures",
                  what);
}

/* Address space in use now, from /proc/self/statm; 0 if unknown. */
static size_t vm_bytes(void)
{
    FILE *fp = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (fp) {
        if (fscanf(fp, "%lu", &pages) != 1) pages = 0;
        fclose(fp);
    }
    return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}

static void limit_address_space(size_t extra)
{
    size_t now = vm_bytes();
    CHECK(now > 0);
    struct rlimit rl = {now + extra, now + extra};
    CHECK_MSG(setrlimit(RLIMIT_AS, &rl) == 0, "setrlimit(RLIMIT_AS): %s", strerror(errno));
}

/* "Disk full" for this process: writes past `bytes` fail with EFBIG. */
static void limit_file_size(size_t bytes)
{
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = {bytes, bytes};
    CHECK_MSG(setrlimit(RLIMIT_FSIZE, &rl) == 0, "setrlimit(RLIMIT_FSIZE): %s", strerror(errno));
}

/* ------------------------------------------------------------ objectives */

enum { OBJ_OK, OBJ_NAN_RIGHT, OBJ_INF_CYCLE, OBJ_ALL_NAN, OBJ_NAN_FIRST };

typedef struct obj {
    dl2o_instance inst;
    int mode;
    unsigned calls, first; /* OBJ_NAN_FIRST: the first `first` calls give NaN f and grad */
} obj;

static void obj_init(obj *o, int mode)
{
    memset(o, 0, sizeof *o);
    o->inst.family = g_fam;
    o->inst.theta = g_theta;
    o->mode = mode;
}

static double obj_f(unsigned n, const double *x, double *grad, void *data)
{
    obj *o = data;
    o->calls++;
    double f = dl2o_instance_objective(n, x, grad, &o->inst);
    switch (o->mode) {
    case OBJ_NAN_RIGHT: return x[0] > 0 ? NAN : f;
    case OBJ_INF_CYCLE: return o->calls % 3 == 1 ? INFINITY : o->calls % 3 == 2 ? -INFINITY : f;
    case OBJ_ALL_NAN: return NAN;
    case OBJ_NAN_FIRST:
        if (o->calls <= o->first) {
            if (grad) fill(grad, n, NAN);
            return NAN;
        }
        return f;
    default: return f;
    }
}

static double gsl_f(const gsl_vector *x, void *p)
{
    return obj_f((unsigned)x->size, x->data, NULL, p);
}
static void gsl_df(const gsl_vector *x, void *p, gsl_vector *g)
{
    obj_f((unsigned)x->size, x->data, g->data, p);
}
static void gsl_fdf(const gsl_vector *x, void *p, double *f, gsl_vector *g)
{
    *f = obj_f((unsigned)x->size, x->data, g->data, p);
}

static double sum_squares(unsigned n, const double *x, double *grad, void *data)
{
    (void)data;
    double s = 0;
    for (unsigned j = 0; j < n; j++) {
        s += x[j] * x[j];
        if (grad) grad[j] = 2 * x[j];
    }
    return s;
}

static double gsl_sq_f(const gsl_vector *x, void *p)
{
    return sum_squares((unsigned)x->size, x->data, NULL, p);
}
static void gsl_sq_df(const gsl_vector *x, void *p, gsl_vector *g)
{
    sum_squares((unsigned)x->size, x->data, g->data, p);
}
static void gsl_sq_fdf(const gsl_vector *x, void *p, double *f, gsl_vector *g)
{
    *f = sum_squares((unsigned)x->size, x->data, g->data, p);
}

/* ============================================================ NULL pointers */

static void row_null_family(void)
{
    dl2o_family *f = (dl2o_family *)&f;
    CHECK_ERR(dl2o_family_standard(NULL, &f), DL2O_EINVAL, "NULL argument");
    CHECK_ERR(dl2o_family_standard("rastrigin-2", NULL), DL2O_EINVAL, "NULL argument");
    CHECK_ERR(dl2o_family_custom(NULL, &f), DL2O_EINVAL, "NULL argument");
    double lo[2] = {-1, -1}, hi[2] = {1, 1};
    dl2o_family_spec spec = {.name = "quad", .dim_x = 2, .dim_theta = 1, .lower = lo, .upper = hi,
                             .f = sum_squares, .theta_file = NULL, .sampler = NULL};
    CHECK_ERR(dl2o_family_custom(&spec, NULL), DL2O_EINVAL, "NULL argument");
    CHECK_ERR(dl2o_family_custom(&spec, &f), DL2O_EINVAL, "give exactly one of sampler or theta_file");
    CHECK(f == NULL);
    spec.theta_file = "unused.csv";
    spec.f = NULL;
    CHECK_ERR(dl2o_family_custom(&spec, &f), DL2O_EINVAL, "f, lower and upper are required");
    spec.f = sum_squares;
    spec.lower = NULL;
    CHECK_ERR(dl2o_family_custom(&spec, &f), DL2O_EINVAL, "f, lower and upper are required");
    spec.lower = lo;
    spec.name = NULL;
    CHECK_ERR(dl2o_family_custom(&spec, &f), DL2O_EINVAL, "family name must be");
    double th[8];
    CHECK_ERR(dl2o_family_sample_theta(NULL, 1, 0, th), DL2O_EINVAL, "NULL argument");
    CHECK_ERR(dl2o_family_sample_theta(g_fam, 1, 0, NULL), DL2O_EINVAL, "NULL argument");
    /* Accessors and the evaluators answer neutral values, never crash. */
    CHECK(dl2o_family_dim_x(NULL) == 0 && dl2o_family_dim_theta(NULL) == 0);
    CHECK(dl2o_family_lower(NULL) == NULL && dl2o_family_upper(NULL) == NULL);
    CHECK(strcmp(dl2o_family_name(NULL), "") == 0);
    dl2o_family_free(NULL);
    double x[2] = {0.5, 0.5}, grad[2] = {SENTINEL, SENTINEL};
    CHECK(isnan(dl2o_family_eval(NULL, g_theta, x, grad)));
    CHECK(isnan(dl2o_family_eval(g_fam, NULL, x, grad)));
    CHECK(isnan(dl2o_family_eval(g_fam, g_theta, NULL, grad)));
    CHECK(isnan(dl2o_instance_objective(2, x, grad, NULL)));
    dl2o_instance no_family = {NULL, g_theta};
    CHECK(isnan(dl2o_instance_objective(2, x, grad, &no_family)));
    CHECK(isfinite(dl2o_family_eval(g_fam, g_theta, x, NULL))); /* grad NULL is allowed */
}

static void row_null_initializer(void)
{
    dl2o_initializer *init = (dl2o_initializer *)&init;
    CHECK_ERR(dl2o_initializer_load(NULL, &init), DL2O_EINVAL, "path is NULL");
    CHECK(init == NULL);
    CHECK_ERR(dl2o_initializer_load(PROBE_MODEL, NULL), DL2O_EINVAL, "out is NULL");
    CHECK_ERR(dl2o_initializer_set_candidates(NULL, 8), DL2O_EINVAL, "initializer is NULL");
    CHECK_ERR(dl2o_initializer_set_sampler(NULL, DL2O_SAMPLER_DDIM), DL2O_EINVAL, "initializer is NULL");
    CHECK_ERR(dl2o_initializer_set_steps(NULL, 5), DL2O_EINVAL, "initializer is NULL");
    CHECK_ERR(dl2o_initializer_set_seed(NULL, 5), DL2O_EINVAL, "initializer is NULL");
    CHECK_ERR(dl2o_initializer_set_device(NULL, DL2O_DEVICE_CPU), DL2O_EINVAL, "initializer is NULL");
    CHECK(dl2o_initializer_get_candidates(NULL) == 0 && dl2o_initializer_get_steps(NULL) == 0);
    CHECK(dl2o_initializer_get_seed(NULL) == 0);
    CHECK(dl2o_initializer_get_sampler(NULL) == DL2O_SAMPLER_DDIM);
    CHECK(dl2o_initializer_get_device(NULL) == DL2O_DEVICE_AUTO);
    CHECK(dl2o_initializer_dim_x(NULL) == 0 && dl2o_initializer_dim_theta(NULL) == 0);
    CHECK(dl2o_initializer_guidance_evals(NULL) == 0);
    CHECK(dl2o_initializer_lower(NULL) == NULL && dl2o_initializer_upper(NULL) == NULL);
    CHECK(strcmp(dl2o_initializer_family(NULL), "") == 0);
    CHECK(strcmp(dl2o_initializer_errmsg(NULL), "") == 0);
    dl2o_initializer_free(NULL);
    CHECK(strcmp(dl2o_strerror((dl2o_status)-99), "unknown status") == 0);
}

static void row_null_propose(void)
{
    dl2o_initializer *pm = load(PROBE_MODEL), *tm = load(THETA_MODEL);
    if (!pm || !tm) return;
    dl2o_initializer_set_candidates(pm, 8);
    dl2o_initializer_set_candidates(tm, 8);
    obj o;
    obj_init(&o, OBJ_OK);
    double x[16], fx[8];
    unsigned count = 77, evals = 77;
    fill(x, 16, SENTINEL);
    CHECK_ERR(dl2o_initializer_propose(NULL, 2, obj_f, &o, NULL, NULL, NULL, x, fx, &count, &evals),
              DL2O_EINVAL, "initializer is NULL");
    CHECK_ERR(dl2o_initializer_propose(pm, 2, NULL, &o, NULL, NULL, NULL, x, fx, &count, &evals),
              DL2O_EINVAL, "f, x, fx and count are required");
    CHECK_ERR(dl2o_initializer_propose(pm, 2, obj_f, &o, NULL, NULL, NULL, NULL, fx, &count, &evals),
              DL2O_EINVAL, "f, x, fx and count are required");
    CHECK_ERR(dl2o_initializer_propose(pm, 2, obj_f, &o, NULL, NULL, NULL, x, NULL, &count, &evals),
              DL2O_EINVAL, "f, x, fx and count are required");
    CHECK_ERR(dl2o_initializer_propose(pm, 2, obj_f, &o, NULL, NULL, NULL, x, fx, NULL, &evals),
              DL2O_EINVAL, "f, x, fx and count are required");
    /* theta NULL: fine for a probe model, an error for a theta model. */
    CHECK_ERR(dl2o_initializer_propose(tm, 2, obj_f, &o, NULL, NULL, NULL, x, fx, &count, &evals),
              DL2O_EINVAL, "needs theta");
    CHECK(contains(dl2o_initializer_errmsg(tm), "needs theta"));
    CHECK(all_equal(x, 16, SENTINEL) && count == 77 && evals == 0 && o.calls == 0);
    /* evals NULL, f_data NULL and lb/ub NULL are allowed. */
    CHECK(dl2o_initializer_propose(pm, 2, obj_f, &o, NULL, NULL, NULL, x, fx, &count, NULL) == DL2O_OK);
    CHECK(count == 8);
    CHECK(dl2o_initializer_propose(pm, 2, sum_squares, NULL, NULL, NULL, NULL, x, fx, &count,
                                   NULL) == DL2O_OK);
    dl2o_initializer_free(pm);
    dl2o_initializer_free(tm);
}

static void small_config(dl2o_train_config *c)
{
    dl2o_train_config_default(c);
    c->instances = 40, c->restarts = 1, c->local_maxeval = 20, c->steps = 3;
    c->width = 8, c->blocks = 1, c->oracle_width = 8, c->oracle_blocks = 1, c->probes = 2;
    c->T = 10, c->batch = 16, c->threads = 1, c->device = DL2O_DEVICE_CPU;
}

static void row_null_train(void)
{
    dl2o_train_config c;
    small_config(&c);
    const char *out = path_in("never.h5");
    CHECK_ERR(dl2o_train(NULL, &c, out, NULL), DL2O_EINVAL, "NULL argument");
    CHECK_ERR(dl2o_train(g_fam, NULL, out, NULL), DL2O_EINVAL, "NULL argument");
    CHECK_ERR(dl2o_train(g_fam, &c, NULL, NULL), DL2O_EINVAL, "NULL argument");
    CHECK(!exists(out));
    /* report NULL is allowed */
    c.data_path = NULL, c.loss_csv = NULL;
    CHECK_MSG(dl2o_train(g_fam, &c, out, NULL) == DL2O_OK, "%s", dl2o_last_error());
    CHECK(exists(out) && tmp_leftovers(g_dir) == 0);
}

static void row_null_train_config(void)
{
    /* Like dl2o_nlopt_settings_default(NULL) and
     * dl2o_gsl_multistart_options_default(NULL): a no-op, not a crash. */
    dl2o_train_config_default(NULL);
    dl2o_nlopt_settings_default(NULL);
    dl2o_gsl_multistart_options_default(NULL);
}

static void row_null_nlopt(void)
{
    dl2o_initializer *pm = load(PROBE_MODEL);
    if (!pm) return;
    dl2o_initializer_set_candidates(pm, 8);
    nlopt_opt opt = nlopt_create(NLOPT_LD_LBFGS, 2);
    obj o;
    obj_init(&o, OBJ_OK);
    double x[2] = {SENTINEL, SENTINEL}, minf = SENTINEL;
    int evals = -5;
    CHECK_ERR(dl2o_nlopt_warmstart(NULL, pm, obj_f, &o, NULL, x), DL2O_EINVAL, "opt is NULL");
    CHECK_ERR(dl2o_nlopt_warmstart(opt, NULL, obj_f, &o, NULL, x), DL2O_EINVAL, "init is NULL");
    CHECK_ERR(dl2o_nlopt_warmstart(opt, pm, NULL, &o, NULL, x), DL2O_EINVAL, "f is NULL");
    CHECK_ERR(dl2o_nlopt_warmstart(opt, pm, obj_f, &o, NULL, NULL), DL2O_EINVAL, "x is NULL");
    CHECK_ERR(dl2o_nlopt_multistart(NULL, pm, obj_f, &o, NULL, 2, x, &minf, &evals), DL2O_EINVAL,
              "opt is NULL");
    CHECK_ERR(dl2o_nlopt_multistart(opt, NULL, obj_f, &o, NULL, 2, x, &minf, &evals), DL2O_EINVAL,
              "init is NULL");
    CHECK_ERR(dl2o_nlopt_multistart(opt, pm, obj_f, &o, NULL, 2, NULL, &minf, &evals), DL2O_EINVAL,
              "x is NULL");
    CHECK_ERR(dl2o_nlopt_multistart(opt, pm, obj_f, &o, NULL, 2, x, NULL, &evals), DL2O_EINVAL,
              "minf is NULL");
    CHECK_ERR(dl2o_nlopt_multistart_ex(opt, NULL, obj_f, &o, NULL, NULL, x, &minf, NULL),
              DL2O_EINVAL, "init is NULL");
    CHECK(all_equal(x, 2, SENTINEL) && minf == SENTINEL && evals == -5 && o.calls == 0);
    /* settings, report and evals_used NULL are allowed */
    nlopt_set_maxeval(opt, 60);
    CHECK(dl2o_nlopt_multistart_ex(opt, pm, obj_f, &o, NULL, NULL, x, &minf, NULL) == DL2O_OK);
    CHECK(dl2o_nlopt_multistart(opt, pm, obj_f, &o, NULL, 2, x, &minf, NULL) == DL2O_OK);
    nlopt_destroy(opt);
    dl2o_initializer_free(pm);
}

static void row_null_gsl(void)
{
    dl2o_initializer *pm = load(PROBE_MODEL);
    if (!pm) return;
    dl2o_initializer_set_candidates(pm, 8);
    gsl_error_handler_t *old = gsl_set_error_handler(NULL); /* GSL's aborting default */
    obj o;
    obj_init(&o, OBJ_OK);
    gsl_multimin_function_fdf F = {gsl_f, gsl_df, gsl_fdf, 2, &o}, Fbad = F;
    gsl_multimin_function G = {gsl_f, 2, &o};
    gsl_multimin_fdfminimizer *sd = gsl_multimin_fdfminimizer_alloc(
        gsl_multimin_fdfminimizer_vector_bfgs2, 2);
    gsl_multimin_fminimizer *sf = gsl_multimin_fminimizer_alloc(
        gsl_multimin_fminimizer_nmsimplex2, 2);
    gsl_vector *x = gsl_vector_alloc(2);
    gsl_vector_set_all(x, SENTINEL);
    double minf = SENTINEL;
    const gsl_multimin_fdfminimizer_type *T = gsl_multimin_fdfminimizer_vector_bfgs2;
    CHECK_GSL(dl2o_gsl_fdfminimizer_set(NULL, &F, pm, NULL, 0, 0.1), GSL_EINVAL, "s is NULL");
    CHECK_GSL(dl2o_gsl_fdfminimizer_set(sd, NULL, pm, NULL, 0, 0.1), GSL_EINVAL, "fdf is NULL");
    Fbad.df = NULL;
    CHECK_GSL(dl2o_gsl_fdfminimizer_set(sd, &Fbad, pm, NULL, 0, 0.1), GSL_EINVAL, "lacks f, df or fdf");
    CHECK_GSL(dl2o_gsl_fdfminimizer_set(sd, &F, NULL, NULL, 0, 0.1), GSL_EINVAL, "init is NULL");
    CHECK_GSL(dl2o_gsl_fminimizer_set(NULL, &G, pm, NULL), GSL_EINVAL, "s is NULL");
    CHECK_GSL(dl2o_gsl_fminimizer_set(sf, NULL, pm, NULL), GSL_EINVAL, "f is NULL");
    CHECK_GSL(dl2o_gsl_fdf_multistart(NULL, &F, pm, NULL, NULL, x, &minf), GSL_EINVAL, "T is NULL");
    CHECK_GSL(dl2o_gsl_fdf_multistart(T, NULL, pm, NULL, NULL, x, &minf), GSL_EINVAL, "fdf is NULL");
    CHECK_GSL(dl2o_gsl_fdf_multistart(T, &F, NULL, NULL, NULL, x, &minf), GSL_EINVAL, "init is NULL");
    CHECK_GSL(dl2o_gsl_fdf_multistart(T, &F, pm, NULL, NULL, NULL, &minf), GSL_EINVAL,
              "x and minf are required");
    CHECK_GSL(dl2o_gsl_fdf_multistart(T, &F, pm, NULL, NULL, x, NULL), GSL_EINVAL,
              "x and minf are required");
    CHECK_GSL(dl2o_gsl_f_multistart(NULL, &G, pm, NULL, NULL, x, &minf), GSL_EINVAL, "T is NULL");
    CHECK_GSL(dl2o_gsl_f_multistart(gsl_multimin_fminimizer_nmsimplex2, NULL, pm, NULL, NULL, x,
                                    &minf), GSL_EINVAL, "f is NULL");
    const gsl_multimin_fdfminimizer_type *tf;
    const gsl_multimin_fminimizer_type *tg;
    CHECK_GSL(dl2o_gsl_type_from_string(NULL, &tf, &tg), GSL_EINVAL, "(null)");
    CHECK_GSL(dl2o_gsl_type_from_string("bfgs2", NULL, &tg), GSL_EINVAL, "unknown GSL minimizer");
    CHECK(all_equal(x->data, 2, SENTINEL) && minf == SENTINEL && o.calls == 0);
    CHECK(gsl_set_error_handler(old) == NULL); /* the caller's handler is left as found */
    gsl_vector_free(x);
    gsl_multimin_fdfminimizer_free(sd);
    gsl_multimin_fminimizer_free(sf);
    dl2o_initializer_free(pm);
}

/* ==================================================== dimension mismatch */

static void row_dim_propose(void)
{
    dl2o_initializer *pm = load(PROBE_MODEL);
    if (!pm) return;
    dl2o_initializer_set_candidates(pm, 4);
    obj o;
    obj_init(&o, OBJ_OK);
    double x[12], fx[4];
    unsigned count = 77;
    fill(x, 12, SENTINEL);
    CHECK_ERR(dl2o_initializer_propose(pm, 3, obj_f, &o, NULL, NULL, NULL, x, fx, &count, NULL),
              DL2O_EDIM, "problem has n = 3 but the model (rastrigin-2) has dim_x = 2");
    CHECK_ERR(dl2o_initializer_propose(pm, 0, obj_f, &o, NULL, NULL, NULL, x, fx, &count, NULL),
              DL2O_EDIM, "has dim_x = 2");
    CHECK(all_equal(x, 12, SENTINEL) && count == 77 && o.calls == 0);
    dl2o_initializer_free(pm);
}

static void row_dim_nlopt(void)
{
    dl2o_initializer *pm = load(PROBE_MODEL);
    if (!pm) return;
    nlopt_opt opt = nlopt_create(NLOPT_LN_BOBYQA, 3);
    obj o;
    obj_init(&o, OBJ_OK);
    double x[3] = {SENTINEL, SENTINEL, SENTINEL}, minf = SENTINEL;
    CHECK_ERR(dl2o_nlopt_warmstart(opt, pm, obj_f, &o, NULL, x), DL2O_EDIM,
              "the nlopt_opt has dimension 3 but the model (rastrigin-2) has dim_x = 2");
    CHECK_ERR(dl2o_nlopt_multistart(opt, pm, obj_f, &o, NULL, 2, x, &minf, NULL), DL2O_EDIM,
              "has dimension 3");
    CHECK(all_equal(x, 3, SENTINEL) && minf == SENTINEL && o.calls == 0);
    nlopt_destroy(opt);
    dl2o_initializer_free(pm);
}

static void row_dim_gsl(void)
{
    dl2o_initializer *pm = load(PROBE_MODEL);
    if (!pm) return;
    obj o;
    obj_init(&o, OBJ_OK);
    gsl_multimin_function_fdf F3 = {gsl_f, gsl_df, gsl_fdf, 3, &o}, F2 = F3;
    F2.n = 2;
    gsl_multimin_fdfminimizer *s3 = gsl_multimin_fdfminimizer_alloc(
        gsl_multimin_fdfminimizer_vector_bfgs2, 3);
    gsl_vector *x3 = gsl_vector_alloc(3), *x2 = gsl_vector_alloc(2);
    gsl_vector_set_all(x3, SENTINEL);
    double minf = SENTINEL;
    const gsl_multimin_fdfminimizer_type *T = gsl_multimin_fdfminimizer_vector_bfgs2;
    CHECK_GSL(dl2o_gsl_fdfminimizer_set(s3, &F3, pm, NULL, 0, 0.1), GSL_EBADLEN,
              "the function has n = 3 but the model (rastrigin-2) has dim_x = 2");
    CHECK_GSL(dl2o_gsl_fdfminimizer_set(s3, &F2, pm, NULL, 0, 0.1), GSL_EBADLEN,
              "the minimizer has size 3 but fdf->n = 2");
    CHECK_GSL(dl2o_gsl_fdf_multistart(T, &F3, pm, NULL, NULL, x3, &minf), GSL_EBADLEN, "n = 3");
    CHECK_GSL(dl2o_gsl_fdf_multistart(T, &F2, pm, NULL, NULL, x3, &minf), GSL_EBADLEN,
              "x has size 3 but the function has n = 2");
    CHECK(all_equal(x3->data, 3, SENTINEL) && minf == SENTINEL && o.calls == 0);
    gsl_vector_free(x3);
    gsl_vector_free(x2);
    gsl_multimin_fdfminimizer_free(s3);
    dl2o_initializer_free(pm);
}

/* ====================================================== theta: length, NaN */

static void row_theta_file_columns(void)
{
    double lo[2] = {-1, -1}, hi[2] = {1, 1};
    dl2o_family *f = NULL;
    dl2o_family_spec spec = {.name = "quad", .dim_x = 2, .dim_theta = 3, .lower = lo, .upper = hi,
                             .f = sum_squares};
    struct {
        const char *name, *text;
        dl2o_status want;
        const char *frag;
    } cases[] = {
        {"short.csv", "1,2,3\n4,5\n", DL2O_EFORMAT, "short.csv:2: 2 columns, expected 3"},
        {"long.csv", "1,2,3,4\n", DL2O_EFORMAT, "long.csv:1: 4 columns, expected 3"},
        {"alpha.csv", "1,2,x\n", DL2O_EFORMAT, "alpha.csv:1: field 3 is not a number"},
        {"nan.csv", "1,2,3\nnan,0,0\n", DL2O_ENONFINITE, "nan.csv:2: field 1 is NaN or Inf"},
        {"empty.csv", "# nothing\n", DL2O_EFORMAT, "no data rows"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        spec.theta_file = write_text(cases[c].name, cases[c].text);
        CHECK_ERR(dl2o_family_custom(&spec, &f), cases[c].want, cases[c].frag);
        CHECK(f == NULL);
    }
    spec.theta_file = path_in("missing.csv");
    CHECK_ERR(dl2o_family_custom(&spec, &f), DL2O_EIO, "cannot open");
    spec.dim_theta = 0;
    spec.theta_file = write_text("ok.csv", "1,2,3\n");
    CHECK_ERR(dl2o_family_custom(&spec, &f), DL2O_EINVAL, "dim_theta must be >= 1");
    spec.dim_theta = 3;
    CHECK(dl2o_family_custom(&spec, &f) == DL2O_OK && f != NULL);
    dl2o_family_free(f);
}

static void row_theta_nonfinite(void)
{
    dl2o_initializer *tm = load(THETA_MODEL), *pm = load(PROBE_MODEL);
    if (!tm || !pm) return;
    dl2o_initializer_set_candidates(tm, 4);
    dl2o_initializer_set_candidates(pm, 4);
    obj o;
    obj_init(&o, OBJ_OK);
    double bad[8], x[8], fx[4];
    unsigned count = 77;
    const double values[3] = {NAN, INFINITY, -INFINITY};
    for (int v = 0; v < 3; v++)
        for (int at = 0; at < 8; at += 7) {
            memcpy(bad, g_theta, sizeof bad);
            bad[at] = values[v];
            fill(x, 8, SENTINEL);
            CHECK_ERR(dl2o_initializer_propose(tm, 2, obj_f, &o, bad, NULL, NULL, x, fx, &count, NULL),
                      DL2O_ENONFINITE, "theta contains NaN or Inf");
            CHECK(all_equal(x, 8, SENTINEL) && count == 77 && o.calls == 0);
        }
    /* The bridges pass it through: the same error. */
    nlopt_opt opt = nlopt_create(NLOPT_LD_LBFGS, 2);
    CHECK_ERR(dl2o_nlopt_warmstart(opt, tm, obj_f, &o, bad, x), DL2O_ENONFINITE, "theta contains");
    nlopt_destroy(opt);
    gsl_multimin_function_fdf F = {gsl_f, gsl_df, gsl_fdf, 2, &o};
    gsl_vector *xv = gsl_vector_alloc(2);
    double minf = SENTINEL;
    CHECK_GSL(dl2o_gsl_fdf_multistart(gsl_multimin_fdfminimizer_vector_bfgs2, &F, tm, bad, NULL, xv,
                                      &minf), GSL_EBADFUNC, "theta contains NaN or Inf");
    CHECK(minf == SENTINEL);
    gsl_vector_free(xv);
    /* A probe-guided model does not read theta: not an error. */
    CHECK(dl2o_initializer_propose(pm, 2, obj_f, &o, bad, NULL, NULL, x, fx, &count, NULL) == DL2O_OK);
    dl2o_initializer_free(tm);
    dl2o_initializer_free(pm);
}

/* ================================================================ bounds */

static void row_bounds_nonfinite(void)
{
    dl2o_initializer *pm = load(PROBE_MODEL);
    if (!pm) return;
    dl2o_initializer_set_candidates(pm, 4);
    obj o;
    obj_init(&o, OBJ_OK);
    double x[8], fx[4], lb[2] = {-1, NAN}, ub[2] = {1, 1};
    unsigned count = 77;
    fill(x, 8, SENTINEL);
    CHECK_ERR(dl2o_initializer_propose(pm, 2, obj_f, &o, NULL, lb, ub, x, fx, &count, NULL),
              DL2O_ENONFINITE, "bound of x[1] is NaN");
    lb[1] = -1, ub[0] = NAN;
    CHECK_ERR(dl2o_initializer_propose(pm, 2, obj_f, &o, NULL, lb, ub, x, fx, &count, NULL),
              DL2O_ENONFINITE, "bound of x[0] is NaN");
    CHECK_ERR(dl2o_initializer_propose(pm, 2, obj_f, &o, NULL, NULL, ub, x, fx, &count, NULL),
              DL2O_ENONFINITE, "bound of x[0] is NaN");
    CHECK(all_equal(x, 8, SENTINEL) && count == 77 && o.calls == 0);
    dl2o_initializer_free(pm);
}

static void row_bounds_inverted(void)
{
    dl2o_initializer *pm = load(PROBE_MODEL);
    if (!pm) return;
    dl2o_initializer_set_candidates(pm, 4);
    obj o;
    obj_init(&o, OBJ_OK);
    double x[8], fx[4], lb[2] = {-1, 2}, ub[2] = {1, 1};
    unsigned count = 77;
    fill(x, 8, SENTINEL);
    CHECK_ERR(dl2o_initializer_propose(pm, 2, obj_f, &o, NULL, lb, ub, x, fx, &count, NULL),
              DL2O_EINVAL, "lower bound 2 > upper bound 1 at x[1]");
    CHECK(all_equal(x, 8, SENTINEL) && count == 77 && o.calls == 0);
    /* lb == ub is a fixed coordinate, not an error. */
    lb[1] = ub[1] = 0.25;
    CHECK(dl2o_initializer_propose(pm, 2, obj_f, &o, NULL, lb, ub, x, fx, &count, NULL) == DL2O_OK);
    for (unsigned k = 0; k < count; k++) CHECK(x[2 * k + 1] == 0.25);
    dl2o_initializer_free(pm);
}

static void row_bounds_infinite(void)
{
    dl2o_initializer *pm = load(PROBE_MODEL);
    if (!pm) return;
    dl2o_initializer_set_candidates(pm, 8);
    const double *mlo = dl2o_initializer_lower(pm), *mhi = dl2o_initializer_upper(pm);
    obj o;
    obj_init(&o, OBJ_OK);
    double x[16], fx[8], lb[2] = {-INFINITY, -INFINITY}, ub[2] = {INFINITY, INFINITY};
    unsigned count = 0;
    /* (-Inf, +Inf): allowed; the model's box limits the candidates. */
    CHECK(dl2o_initializer_propose(pm, 2, obj_f, &o, NULL, lb, ub, x, fx, &count, NULL) == DL2O_OK);
    CHECK(count == 8);
    for (unsigned k = 0; k < 2 * count; k++) CHECK(x[k] >= mlo[k % 2] && x[k] <= mhi[k % 2]);
    /* One side infinite: the other side still clamps. */
    lb[0] = 1.0;
    CHECK(dl2o_initializer_propose(pm, 2, obj_f, &o, NULL, lb, ub, x, fx, &count, NULL) == DL2O_OK);
    for (unsigned k = 0; k < count; k++) CHECK(x[2 * k] >= 1.0 && x[2 * k] <= mhi[0]);
    /* lb = +Inf or ub = -Inf: no real x satisfies them. */
    lb[0] = INFINITY;
    fill(x, 16, SENTINEL);
    count = 77;
    CHECK_ERR(dl2o_initializer_propose(pm, 2, obj_f, &o, NULL, lb, ub, x, fx, &count, NULL),
              DL2O_EINVAL, "no finite x satisfies");
    lb[0] = -INFINITY, ub[1] = -INFINITY;
    CHECK_ERR(dl2o_initializer_propose(pm, 2, obj_f, &o, NULL, lb, ub, x, fx, &count, NULL),
              DL2O_EINVAL, "no finite x satisfies");
    CHECK(all_equal(x, 16, SENTINEL) && count == 77);
    dl2o_initializer_free(pm);
}

static void row_family_spec_bounds(void)
{
    struct {
        double lo, hi;
    } cases[] = {{-INFINITY, 1}, {-1, INFINITY}, {NAN, 1}, {-1, NAN}, {2, 1}, {1, 1}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        double lo[2] = {-1, cases[c].lo}, hi[2] = {1, cases[c].hi};
        dl2o_family_spec spec = {.name = "box", .dim_x = 2, .dim_theta = 1, .lower = lo,
                                 .upper = hi, .f = sum_squares,
                                 .theta_file = write_text("t.csv", "1\n")};
        dl2o_family *f = (dl2o_family *)&f;
        CHECK_ERR(dl2o_family_custom(&spec, &f), DL2O_EINVAL,
                  "bounds of x[1] must be finite with lower < upper");
        CHECK(f == NULL);
    }
}

/* Bounds through the bridges: NLopt's opt carries them; GSL has none. */
static void row_bounds_nlopt(void)
{
    dl2o_initializer *pm = load(PROBE_MODEL);
    if (!pm) return;
    dl2o_initializer_set_candidates(pm, 8);
    const double *mlo = dl2o_initializer_lower(pm), *mhi = dl2o_initializer_upper(pm);
    obj o;
    obj_init(&o, OBJ_OK);
    nlopt_opt opt = nlopt_create(NLOPT_LN_BOBYQA, 2);
    double x[2] = {SENTINEL, SENTINEL}, minf = SENTINEL;
    double lb[2] = {-1, NAN}, ub[2] = {1, 1};
    nlopt_set_lower_bounds(opt, lb);
    nlopt_set_upper_bounds(opt, ub);
    CHECK_ERR(dl2o_nlopt_warmstart(opt, pm, obj_f, &o, NULL, x), DL2O_ENONFINITE,
              "bound of x[1] is NaN");
    lb[1] = 2.0;
    nlopt_set_lower_bounds(opt, lb);
    CHECK_ERR(dl2o_nlopt_warmstart(opt, pm, obj_f, &o, NULL, x), DL2O_EINVAL,
              "lower bound 2 > upper bound 1 at x[1]");
    nlopt_set_maxeval(opt, 100);
    CHECK_ERR(dl2o_nlopt_multistart(opt, pm, obj_f, &o, NULL, 2, x, &minf, NULL), DL2O_EINVAL,
              "lower bound 2 > upper bound 1");
    CHECK(all_equal(x, 2, SENTINEL) && minf == SENTINEL);
    /* Infinite bounds (NLopt's default): allowed, the model's box limits the
     * start, and the initial step is finite and positive. */
    nlopt_destroy(opt);
    opt = nlopt_create(NLOPT_LN_BOBYQA, 2);
    CHECK(dl2o_nlopt_warmstart(opt, pm, obj_f, &o, NULL, x) == DL2O_OK);
    double step[2] = {0, 0};
    CHECK(nlopt_get_initial_step(opt, x, step) > 0);
    for (int j = 0; j < 2; j++) {
        CHECK(x[j] >= mlo[j] && x[j] <= mhi[j]);
        CHECK(isfinite(step[j]) && step[j] > 0);
    }
    nlopt_set_maxeval(opt, 100);
    CHECK(dl2o_nlopt_multistart(opt, pm, obj_f, &o, NULL, 2, x, &minf, NULL) == DL2O_OK);
    CHECK(isfinite(minf));
    nlopt_destroy(opt);
    dl2o_initializer_free(pm);
}

static void row_bounds_gsl(void)
{
    dl2o_initializer *pm = load(PROBE_MODEL);
    if (!pm) return;
    dl2o_initializer_set_candidates(pm, 8);
    const double *mlo = dl2o_initializer_lower(pm), *mhi = dl2o_initializer_upper(pm);
    obj o;
    obj_init(&o, OBJ_OK);
    gsl_multimin_function_fdf F = {gsl_f, gsl_df, gsl_fdf, 2, &o};
    gsl_multimin_fdfminimizer *s = gsl_multimin_fdfminimizer_alloc(
        gsl_multimin_fdfminimizer_vector_bfgs2, 2);
    CHECK(dl2o_gsl_fdfminimizer_set(s, &F, pm, NULL, 0, 0.1) == GSL_SUCCESS);
    for (int j = 0; j < 2; j++) {
        double v = gsl_vector_get(s->x, j);
        CHECK(v >= mlo[j] && v <= mhi[j]); /* the model's box is the only box */
    }
    gsl_multimin_fdfminimizer_free(s);
    dl2o_initializer_free(pm);
}

/* ====================================================== objective values */

static void row_objective_some_nonfinite(void)
{
    dl2o_initializer *pm = load(PROBE_MODEL);
    if (!pm) return;
    unsigned K = 32, count = 0, evals = 0, P = dl2o_initializer_guidance_evals(pm);
    dl2o_initializer_set_candidates(pm, K);
    double x[64], fx[32];
    for (int mode = OBJ_NAN_RIGHT; mode <= OBJ_INF_CYCLE; mode++) {
        obj o;
        obj_init(&o, mode);
        CHECK(dl2o_initializer_propose(pm, 2, obj_f, &o, NULL, NULL, NULL, x, fx, &count, &evals) ==
              DL2O_OK);
        CHECK_MSG(count > 0 && count < K, "mode %d: %u of %u kept", mode, count, K);
        CHECK(evals == P + K); /* the dropped ones were evaluated, and counted */
        for (unsigned k = 0; k < count; k++) {
            CHECK(isfinite(fx[k]) && (k == 0 || fx[k - 1] <= fx[k]));
            if (mode == OBJ_NAN_RIGHT) CHECK(x[2 * k] <= 0);
        }
    }
    /* The bridges: a warm start and a multistart still succeed. */
    obj o;
    obj_init(&o, OBJ_NAN_RIGHT);
    nlopt_opt opt = nlopt_create(NLOPT_LN_BOBYQA, 2);
    CHECK(dl2o_nlopt_warmstart(opt, pm, obj_f, &o, NULL, x) == DL2O_OK && x[0] <= 0);
    nlopt_destroy(opt);
    gsl_multimin_function_fdf F = {gsl_f, gsl_df, gsl_fdf, 2, &o};
    gsl_vector *xv = gsl_vector_alloc(2);
    double minf;
    dl2o_gsl_multistart_options opts;
    dl2o_gsl_multistart_options_default(&opts);
    int st = dl2o_gsl_fdf_multistart(gsl_multimin_fdfminimizer_vector_bfgs2, &F, pm, NULL, &opts,
                                     xv, &minf);
    CHECK_MSG(st == GSL_SUCCESS || st == GSL_EMAXITER || st == GSL_ENOPROG, "GSL status %d: %s", st,
              dl2o_gsl_last_error());
    CHECK(isfinite(minf) && opts.candidates > 0 && opts.candidates < K);
    gsl_vector_free(xv);
    dl2o_initializer_free(pm);
}

static void row_objective_all_nonfinite(void)
{
    dl2o_initializer *pm = load(PROBE_MODEL);
    if (!pm) return;
    unsigned K = 16, P = dl2o_initializer_guidance_evals(pm);
    dl2o_initializer_set_candidates(pm, K);
    obj o;
    obj_init(&o, OBJ_ALL_NAN);
    double x[32], fx[16];
    unsigned count = 77, evals = 0;
    fill(x, 32, SENTINEL);
    fill(fx, 16, SENTINEL);
    CHECK_ERR(dl2o_initializer_propose(pm, 2, obj_f, &o, NULL, NULL, NULL, x, fx, &count, &evals),
              DL2O_ENONFINITE, "the objective was NaN/Inf at all 16 candidates");
    CHECK(all_equal(x, 32, SENTINEL) && all_equal(fx, 16, SENTINEL) && count == 77);
    CHECK(evals == P + K && o.calls == P + K);
    /* NLopt: warm start and multistart leave x (and minf) untouched. */
    nlopt_opt opt = nlopt_create(NLOPT_LD_LBFGS, 2);
    double minf = SENTINEL;
    int ev = -5;
    CHECK_ERR(dl2o_nlopt_warmstart(opt, pm, obj_f, &o, NULL, x), DL2O_ENONFINITE, "NaN/Inf at all");
    nlopt_set_maxeval(opt, 200);
    CHECK_ERR(dl2o_nlopt_multistart(opt, pm, obj_f, &o, NULL, 2, x, &minf, &ev), DL2O_ENONFINITE,
              "NaN/Inf at all");
    CHECK(all_equal(x, 2, SENTINEL) && minf == SENTINEL && ev == -5);
    nlopt_destroy(opt);
    /* GSL: GSL_EBADFUNC, nothing written. */
    gsl_multimin_function_fdf F = {gsl_f, gsl_df, gsl_fdf, 2, &o};
    gsl_multimin_function G = {gsl_f, 2, &o};
    gsl_vector *xv = gsl_vector_alloc(2);
    gsl_vector_set_all(xv, SENTINEL);
    gsl_multimin_fminimizer *sf = gsl_multimin_fminimizer_alloc(
        gsl_multimin_fminimizer_nmsimplex2, 2);
    CHECK_GSL(dl2o_gsl_fdf_multistart(gsl_multimin_fdfminimizer_vector_bfgs2, &F, pm, NULL, NULL, xv,
                                      &minf), GSL_EBADFUNC, "NaN/Inf at all");
    CHECK_GSL(dl2o_gsl_fminimizer_set(sf, &G, pm, NULL), GSL_EBADFUNC, "NaN/Inf at all");
    CHECK(all_equal(xv->data, 2, SENTINEL) && minf == SENTINEL);
    gsl_multimin_fminimizer_free(sf);
    gsl_vector_free(xv);
    dl2o_initializer_free(pm);
}

static void row_objective_probe_nonfinite(void)
{
    dl2o_initializer *pm = load(PROBE_MODEL);
    if (!pm) return;
    unsigned K = 8, count = 0, evals = 0, P = dl2o_initializer_guidance_evals(pm);
    dl2o_initializer_set_candidates(pm, K);
    obj o;
    obj_init(&o, OBJ_NAN_FIRST);
    o.first = P; /* NaN f and gradient at every probe point, finite after */
    double x[16], fx[8];
    CHECK(dl2o_initializer_propose(pm, 2, obj_f, &o, NULL, NULL, NULL, x, fx, &count, &evals) ==
          DL2O_OK);
    CHECK(count == K && evals == P + K);
    for (unsigned k = 0; k < 2 * count; k++) CHECK(isfinite(x[k]));
    dl2o_initializer_free(pm);
}

/* ================================================================ K */

static void row_k_zero(void)
{
    dl2o_initializer *pm = load(PROBE_MODEL);
    if (!pm) return;
    dl2o_initializer_set_candidates(pm, 12);
    CHECK_ERR(dl2o_initializer_set_candidates(pm, 0), DL2O_EINVAL,
              "candidate count 0 is out of range 1..1048576");
    CHECK_ERR(dl2o_initializer_set_candidates(pm, (1u << 20) + 1), DL2O_EINVAL,
              "candidate count 1048577 is out of range");
    CHECK_ERR(dl2o_initializer_set_candidates(pm, 0xFFFFFFFFu), DL2O_EINVAL, "out of range");
    CHECK(dl2o_initializer_get_candidates(pm) == 12);
    CHECK(contains(dl2o_initializer_errmsg(pm), "out of range"));
    /* Bridge counterparts: starts = 0 with no budget (open-ended needs one). */
    obj o;
    obj_init(&o, OBJ_OK);
    nlopt_opt opt = nlopt_create(NLOPT_LD_LBFGS, 2);
    double x[2] = {SENTINEL, SENTINEL}, minf = SENTINEL;
    CHECK_ERR(dl2o_nlopt_multistart(opt, pm, obj_f, &o, NULL, 0, x, &minf, NULL), DL2O_EINVAL,
              "starts = 0 (run until the budget is spent) needs a budget");
    nlopt_destroy(opt);
    gsl_multimin_function_fdf F = {gsl_f, gsl_df, gsl_fdf, 2, &o};
    gsl_vector *xv = gsl_vector_alloc(2);
    dl2o_gsl_multistart_options opts;
    dl2o_gsl_multistart_options_default(&opts);
    opts.starts = 0;
    CHECK_GSL(dl2o_gsl_fdf_multistart(gsl_multimin_fdfminimizer_vector_bfgs2, &F, pm, NULL, &opts,
                                      xv, &minf), GSL_EINVAL, "starts and max_iter must be >= 1");
    CHECK(all_equal(x, 2, SENTINEL) && minf == SENTINEL && o.calls == 0);
    gsl_vector_free(xv);
    dl2o_initializer_free(pm);
}

/* K = 2^20 on the fixture needs several GiB; with the address space
 * limited to 256 MiB more than in use, the allocation fails cleanly, and
 * the handle stays usable at a small K. */
static void child_k_absurd_rlimit(void *arg)
{
    (void)arg;
    dl2o_initializer *pm = load(PROBE_MODEL);
    if (!pm) return;
    obj o;
    obj_init(&o, OBJ_OK);
    double x[32], fx[16];
    unsigned count = 0;
    dl2o_initializer_set_candidates(pm, 16);
    CHECK(dl2o_initializer_propose(pm, 2, obj_f, &o, NULL, NULL, NULL, x, fx, &count, NULL) == DL2O_OK);
    limit_address_space((size_t)256 << 20);
    CHECK(dl2o_initializer_set_candidates(pm, 1u << 20) == DL2O_OK);
    fill(x, 32, SENTINEL);
    count = 77;
    o.calls = 0;
    CHECK_ERR(dl2o_initializer_propose(pm, 2, obj_f, &o, NULL, NULL, NULL, x, fx, &count, NULL),
              DL2O_ENOMEM, "lower the");
    CHECK(contains(dl2o_initializer_errmsg(pm), "out of memory"));
    CHECK(all_equal(x, 32, SENTINEL) && count == 77 && o.calls == 0);
    CHECK(dl2o_initializer_set_candidates(pm, 16) == DL2O_OK);
    CHECK_MSG(dl2o_initializer_propose(pm, 2, obj_f, &o, NULL, NULL, NULL, x, fx, &count, NULL) ==
                  DL2O_OK && count == 16, "after the failure: %s", dl2o_last_error());
    dl2o_initializer_free(pm);
}

static int row_k_absurd_rlimit(void)
{
    if (MATRIX_SANITIZED) {
        printf("skipped: a sanitizer's shadow memory does not fit under RLIMIT_AS\n");
        return SKIP;
    }
    in_child("k_absurd_rlimit", child_k_absurd_rlimit, NULL);
    return 0;
}

/* A theta-guided model with dim_x = 100000: K = 2^20 candidates would need
 * 800 GB for x alone. Every path fails with ENOMEM, never crashes. */
static const char *write_huge_dim_model(void)
{
    dl2o_model_dims d = {.dim_x = 100000, .dim_theta = 1, .guidance = DL2O_GUIDANCE_THETA,
                         .width = 4, .blocks = 0, .oracle_width = 4, .oracle_blocks = 0,
                         .time_embed = 2, .schedule = DL2O_SCHEDULE_COSINE, .T = 4};
    dl2o_model m;
    const char *path = path_in("huge-dim.h5");
    CHECK_MSG(dl2o_model_init(&m, &d) == DL2O_OK, "%s", dl2o_last_error());
    snprintf(m.family, sizeof m.family, "huge-dim");
    for (int j = 0; j < d.dim_x; j++) m.lower[j] = -1, m.upper[j] = 1;
    m.f_scale = 1.0;
    CHECK_MSG(dl2o_model_save(&m, path) == DL2O_OK, "%s", dl2o_last_error());
    dl2o_model_free(&m);
    return path;
}

static void child_k_absurd_huge_dim(void *arg)
{
    const char *path = arg;
    dl2o_initializer *init = load(path);
    if (!init) return;
    if (MATRIX_SANITIZED) sanitizer_reports_to_stderr();
    else limit_address_space((size_t)2 << 30);
    unsigned n = 100000;
    double *x = malloc(n * sizeof *x), fx[4], theta[1] = {0.5}, minf = SENTINEL;
    unsigned count = 77;
    CHECK(x != NULL);
    if (!x) return;
    fill(x, n, SENTINEL);
    CHECK(dl2o_initializer_set_candidates(init, 1u << 20) == DL2O_OK);
    /* propose: x is too small for K rows, but nothing may be written on error */
    CHECK_ERR(dl2o_initializer_propose(init, n, sum_squares, NULL, theta, NULL, NULL, x, fx, &count,
                                       NULL), DL2O_ENOMEM, "out of memory for 1048576 candidates");
    CHECK(all_equal(x, n, SENTINEL) && count == 77);
    nlopt_opt opt = nlopt_create(NLOPT_LN_BOBYQA, n);
    CHECK_ERR(dl2o_nlopt_warmstart(opt, init, sum_squares, NULL, theta, x), DL2O_ENOMEM,
              "out of memory allocating candidates");
    CHECK_ERR(dl2o_nlopt_multistart(opt, init, sum_squares, NULL, theta, 2, x, &minf, NULL),
              DL2O_ENOMEM, "out of memory");
    nlopt_destroy(opt);
    gsl_multimin_function_fdf F = {gsl_sq_f, gsl_sq_df, gsl_sq_fdf, n, NULL};
    gsl_vector *xv = gsl_vector_alloc(n);
    gsl_multimin_fdfminimizer *s = gsl_multimin_fdfminimizer_alloc(
        gsl_multimin_fdfminimizer_vector_bfgs2, n);
    CHECK(xv && s);
    if (xv && s) {
        CHECK_GSL(dl2o_gsl_fdfminimizer_set(s, &F, init, theta, 0, 0.1), GSL_ENOMEM,
                  "out of memory for 1048576 candidates");
        CHECK_GSL(dl2o_gsl_fdf_multistart(gsl_multimin_fdfminimizer_vector_bfgs2, &F, init, theta,
                                          NULL, xv, &minf), GSL_ENOMEM, "out of memory");
    }
    CHECK(all_equal(x, n, SENTINEL) && minf == SENTINEL);
    /* The handle still works at a sane K. */
    CHECK(dl2o_initializer_set_candidates(init, 2) == DL2O_OK);
    double *x2 = malloc(2 * (size_t)n * sizeof *x2);
    CHECK_MSG(x2 && dl2o_initializer_propose(init, n, sum_squares, NULL, theta, NULL, NULL, x2, fx,
                                             &count, NULL) == DL2O_OK && count == 2,
              "after the failure: %s", dl2o_last_error());
    free(x2);
    if (s) gsl_multimin_fdfminimizer_free(s);
    if (xv) gsl_vector_free(xv);
    free(x);
    dl2o_initializer_free(init);
}

static int row_k_absurd_huge_dim(void)
{
    const char *path = write_huge_dim_model();
    in_child("k_absurd_huge_dim", child_k_absurd_huge_dim, (void *)path);
    return 0;
}

/* ================================================================ device */

static void row_device_unavailable(void)
{
    /* main() hid every GPU (CUDA_VISIBLE_DEVICES="") before any CUDA call. */
    dl2o_initializer *pm = NULL;
    CHECK(dl2o_initializer_load(PROBE_MODEL, &pm) == DL2O_OK); /* AUTO falls back to the CPU */
    if (!pm) return;
    CHECK_ERR(dl2o_initializer_set_device(pm, DL2O_DEVICE_CUDA), DL2O_EDEVICE, "no usable GPU");
    CHECK(contains(dl2o_initializer_errmsg(pm), "no usable GPU"));
    CHECK(dl2o_initializer_get_device(pm) == DL2O_DEVICE_AUTO);
    CHECK_ERR(dl2o_initializer_set_device(pm, (dl2o_device)9), DL2O_EINVAL, "unknown device 9");
    /* The handle still proposes, on the CPU. */
    obj o;
    obj_init(&o, OBJ_OK);
    double x[16], fx[8];
    unsigned count = 0;
    dl2o_initializer_set_candidates(pm, 8);
    CHECK(dl2o_initializer_propose(pm, 2, obj_f, &o, NULL, NULL, NULL, x, fx, &count, NULL) == DL2O_OK);
    dl2o_initializer_free(pm);
    /* Training on a missing GPU fails before anything is written. */
    dl2o_train_config c;
    small_config(&c);
    c.device = DL2O_DEVICE_CUDA;
    c.data_path = path_in("d.data.h5");
    c.loss_csv = path_in("d.loss.csv");
    const char *out = path_in("d.h5");
    CHECK_ERR(dl2o_train(g_fam, &c, out, NULL), DL2O_EDEVICE, "no usable GPU");
    CHECK(!exists(out) && !exists(c.data_path) && !exists(c.loss_csv));
}

/* ========================================================= weight/data files */

static int m_version4(hid_t f) { return io_set_i32(f, "format_version", 4); }
static int m_shape(hid_t f)
{
    hsize_t dims[2] = {3, 3};
    return io_replace_ds(f, "/denoiser/in/W", H5T_IEEE_F32LE, 2, dims);
}
static int m_family_r3(hid_t f) { return io_set_vstr(f, "family", "rastrigin-3"); }
static int m_family_custom(hid_t f) { return io_set_vstr(f, "family", "my-own-family"); }
static int d_version(hid_t f) { return io_set_i32(f, "format_version", 3); }
static int d_shape(hid_t f)
{
    hsize_t dims[2] = {7, 4};
    return io_replace_ds(f, "/x", H5T_IEEE_F64LE, 2, dims);
}

/* The malformed files of the API and CLI rows, made from good ones. */
static int prep_files(const char *dir)
{
    char p[1200];
    int bad = 0;
#define MAKE(name, src, fn) \
    (snprintf(p, sizeof p, "%s/%s", dir, name), bad |= io_mutate_copy(src, p, fn) != 0)
    MAKE("weights-version4.h5", PROBE_MODEL, m_version4);
    MAKE("weights-shape.h5", PROBE_MODEL, m_shape);
    MAKE("weights-family-dims.h5", PROBE_MODEL, m_family_r3);
    MAKE("weights-family-custom.h5", PROBE_MODEL, m_family_custom);
    dl2o_dataset d;
    io_make_data(&d, 7, 8, 5);
    snprintf(p, sizeof p, "%s/data-good.h5", dir);
    bad |= dl2o_dataset_save(&d, p) != DL2O_OK;
    dl2o_dataset_free(&d);
    char good[1200];
    snprintf(good, sizeof good, "%s", p);
    MAKE("data-version3.h5", good, d_version);
    MAKE("data-shape.h5", good, d_shape);
#undef MAKE
    if (bad) fprintf(stderr, "prep: %s\n", dl2o_last_error());
    return bad;
}

static void row_load_bad_weights(void)
{
    CHECK(prep_files(g_dir) == 0);
    const char *trunc = path_in("truncated.h5"), *text = write_text("text.h5", "not HDF5\n");
    CHECK(io_copy_file(PROBE_MODEL, trunc, (size_t)io_file_size(PROBE_MODEL) / 2) == 0);
    mkdir(path_in("a-directory.h5"), 0755);
    struct {
        const char *path;
        dl2o_status want;
        const char *frag;
    } cases[] = {
        {path_in("missing.h5"), DL2O_EIO, "cannot open"},
        {path_in("a-directory.h5"), DL2O_EIO, "it is a directory"},
        {trunc, DL2O_EFORMAT, "HDF5 cannot open it|not an HDF5 file"},
        {text, DL2O_EFORMAT, "not an HDF5 file"},
        {path_in("weights-version4.h5"), DL2O_EFORMAT, "format_version 4 is not supported"},
        {path_in("weights-shape.h5"), DL2O_EFORMAT, "dataset /denoiser/in/W has shape (3, 3)"},
        {path_in("data-good.h5"), DL2O_EFORMAT, "expected \"dl2o-weights\""},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        dl2o_initializer *init = (dl2o_initializer *)&init;
        CHECK_ERR(dl2o_initializer_load(cases[c].path, &init), cases[c].want, cases[c].frag);
        CHECK(init == NULL);
    }
    /* A model whose dimensions disagree with its family name still loads
     * (the family is a label); the problem's n decides, see dim_propose. */
    dl2o_initializer *init = NULL;
    CHECK(dl2o_initializer_load(path_in("weights-family-dims.h5"), &init) == DL2O_OK);
    CHECK(init && dl2o_initializer_dim_x(init) == 2);
    dl2o_initializer_free(init);
}

static void row_train_bad_data_file(void)
{
    CHECK(prep_files(g_dir) == 0);
    const char *trunc = path_in("data-truncated.h5");
    CHECK(io_copy_file(path_in("data-good.h5"), trunc, (size_t)io_file_size(path_in("data-good.h5")) / 2) == 0);
    struct {
        const char *path, *frag;
    } cases[] = {
        {trunc, "HDF5 cannot open it|not an HDF5 file"},
        {path_in("data-version3.h5"), "dl2o-data format_version 3 is not supported"},
        {path_in("data-shape.h5"), "dataset /x has shape (7, 4), expected (7, 3)"},
        {PROBE_MODEL, "expected \"dl2o-data\""},
        {write_text("data-text.h5", "text\n"), "not an HDF5 file"},
    };
    const char *out = path_in("never.h5");
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        dl2o_train_config cfg;
        small_config(&cfg);
        cfg.data_path = cases[c].path;
        cfg.loss_csv = path_in("never.loss.csv");
        size_t len = 0;
        char *before = slurp(cases[c].path, &len);
        CHECK_ERR(dl2o_train(g_fam, &cfg, out, NULL), DL2O_EFORMAT, cases[c].frag);
        CHECK(!exists(out) && !exists(cfg.loss_csv));
        CHECK_MSG(before && same_bytes(cases[c].path, before, len), "%s was changed", cases[c].path);
        free(before);
    }
    CHECK(tmp_leftovers(g_dir) == 0);
}

/* ======================================================== output location */

typedef struct save_case {
    int data; /* 0: weight file, 1: data file */
    const char *path;
    char *before;
    size_t len;
} save_case;

static dl2o_status save_one(int data, const char *path)
{
    dl2o_status st;
    if (data) {
        dl2o_dataset d;
        io_make_data(&d, 400, 8, 9); /* ~ 56 KB */
        st = dl2o_dataset_save(&d, path);
        dl2o_dataset_free(&d);
    } else {
        dl2o_model m;
        st = io_make_model(&m, DL2O_GUIDANCE_PROBE, DL2O_SCHEDULE_COSINE, 100, 0, 0, 4);
        if (st == DL2O_OK) st = dl2o_model_save(&m, path);
        dl2o_model_free(&m);
    }
    return st;
}

static void child_save_full(void *arg)
{
    save_case *c = arg;
    limit_file_size(4096);
    CHECK_ERR(save_one(c->data, c->path), DL2O_EIO, "check free disk space");
    CHECK_MSG(same_bytes(c->path, c->before, c->len), "the earlier file was changed");
    CHECK(tmp_leftovers(g_dir) == 0);
    /* HDF5 still works in this process, and its exit clean-up must not crash. */
    if (c->data) {
        dl2o_dataset d;
        CHECK_MSG(dl2o_dataset_load(c->path, &d) == DL2O_OK, "%s", dl2o_last_error());
        dl2o_dataset_free(&d);
    } else {
        dl2o_model m;
        CHECK_MSG(dl2o_model_load(c->path, &m) == DL2O_OK, "%s", dl2o_last_error());
        dl2o_model_free(&m);
    }
}

static void save_full(int data)
{
    save_case c = {data, path_in(data ? "earlier.data.h5" : "earlier.h5"), NULL, 0};
    /* an earlier, good file of the same kind */
    CHECK_MSG(save_one(data, c.path) == DL2O_OK, "%s", dl2o_last_error());
    c.before = slurp(c.path, &c.len);
    CHECK(c.before && c.len > 4096);
    in_child(data ? "dataset_save under RLIMIT_FSIZE" : "model_save under RLIMIT_FSIZE",
             child_save_full, &c);
    CHECK(same_bytes(c.path, c.before, c.len));
    free(c.before);
}

static void row_save_full_weights(void) { save_full(0); }
static void row_save_full_data(void) { save_full(1); }

static void child_save_unwritable(void *arg)
{
    (void)arg;
    const char *paths[] = {path_in("no-such-dir/w.h5"), "/dev/null/w.h5"};
    for (int data = 0; data < 2; data++)
        for (int p = 0; p < 2; p++)
            CHECK_ERR(save_one(data, paths[p]), DL2O_EIO, "cannot create a temporary file next to it");
    /* A directory in the way: written in full, the rename fails. */
    const char *dir = path_in("a-dir.h5"), *keep = path_in("a-dir.h5/keep");
    CHECK(mkdir(dir, 0755) == 0);
    write_text("a-dir.h5/keep", "keep\n");
    CHECK_ERR(save_one(0, dir), DL2O_EIO, "cannot rename the temporary file over it");
    CHECK(same_bytes(keep, "keep\n", 5));
    CHECK(tmp_leftovers(g_dir) == 0 && tmp_leftovers(dir) == 0);
}

static void row_save_unwritable(void) { in_child("saves to unwritable paths", child_save_unwritable, NULL); }

static void row_train_unwritable(void)
{
    const char *earlier = write_text("w.h5", "earlier weights\n");
    struct {
        const char *out, *data, *loss, *frag;
    } cases[] = {
        /* the loss curve is opened before training: nothing else is touched */
        {earlier, NULL, path_in("nodir/l.csv"), "cannot write the loss curve"},
        /* the data file is saved before training */
        {earlier, path_in("nodir/d.h5"), NULL, "cannot create a temporary file next to it"},
        /* the weight file at the end */
        {path_in("nodir/w.h5"), NULL, NULL, "cannot create a temporary file next to it"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        dl2o_train_config cfg;
        small_config(&cfg);
        cfg.data_path = cases[c].data;
        cfg.loss_csv = cases[c].loss;
        CHECK_ERR(dl2o_train(g_fam, &cfg, cases[c].out, NULL), DL2O_EIO, cases[c].frag);
        CHECK(same_bytes(earlier, "earlier weights\n", 16));
        CHECK(tmp_leftovers(g_dir) == 0);
    }
}

/* =================================================================== table */

typedef struct row {
    const char *name;
    void (*run)(void);
    int (*run_skip)(void); /* rows that may skip (exit 77) */
} row;

#define ROW(name) {#name, row_##name, NULL}
#define ROW_SKIPPABLE(name) {#name, NULL, row_##name}

/* One CTest case per line: tests/matrix.cmake reads the names from here. */
static const row ROWS[] = {
    ROW(null_family),
    ROW(null_initializer),
    ROW(null_propose),
    ROW(null_train),
    ROW(null_train_config),
    ROW(null_nlopt),
    ROW(null_gsl),
    ROW(dim_propose),
    ROW(dim_nlopt),
    ROW(dim_gsl),
    ROW(theta_file_columns),
    ROW(theta_nonfinite),
    ROW(bounds_nonfinite),
    ROW(bounds_inverted),
    ROW(bounds_infinite),
    ROW(family_spec_bounds),
    ROW(bounds_nlopt),
    ROW(bounds_gsl),
    ROW(objective_some_nonfinite),
    ROW(objective_all_nonfinite),
    ROW(objective_probe_nonfinite),
    ROW(k_zero),
    ROW_SKIPPABLE(k_absurd_rlimit),
    ROW_SKIPPABLE(k_absurd_huge_dim),
    ROW(device_unavailable),
    ROW(load_bad_weights),
    ROW(train_bad_data_file),
    ROW(save_full_weights),
    ROW(save_full_data),
    ROW(save_unwritable),
    ROW(train_unwritable),
};

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "prep")) return prep_files(argv[2]) ? 1 : 0;
    if (argc != 2) {
        fprintf(stderr, "usage: %s ROW | prep DIR\n", argv[0]);
        return 2;
    }
    const row *r = NULL;
    for (size_t i = 0; i < sizeof ROWS / sizeof ROWS[0]; i++)
        if (!strcmp(argv[1], ROWS[i].name)) r = &ROWS[i];
    if (!r) {
        fprintf(stderr, "test_matrix: unknown row '%s'\n", argv[1]);
        return 2;
    }
    /* No GPU for any row: the missing-GPU row needs it, the others do not care. */
    setenv("CUDA_VISIBLE_DEVICES", "", 1);
    char dir[128];
    snprintf(dir, sizeof dir, "matrix_api_%s", r->name);
    g_dir = dl2o_test_tmpdir(dir);
    CHECK(dl2o_family_standard("rastrigin-2", &g_fam) == DL2O_OK);
    CHECK(dl2o_family_sample_theta(g_fam, 424242, 0, g_theta) == DL2O_OK);
    int code = 0;
    if (r->run) r->run();
    else code = r->run_skip();
    dl2o_family_free(g_fam);
    if (code == SKIP && !dl2o_test_failures) return SKIP;
    return dl2o_test_finish(r->name);
}
