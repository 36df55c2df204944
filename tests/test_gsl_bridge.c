/* test_gsl_bridge.c — the GSL bridge against the real GSL, one CTest case
 * per mode (tests/gsl.cmake):
 *   type ALG   every minimizer type through warm start and multistart
 *   counting   evaluation totals equal an independent count; budgets hold
 *   nan        NaN candidates are dropped; all-NaN is an error, not an abort
 *   badinput   bad arguments return GSL codes under GSL's default handler,
 *              and the caller's handler is left as found */
#include <stdlib.h>
#include <string.h>

#include "test_gsl_util.h"
#include "testutil.h"

/* The listed types, resolved through the bridge's own name lookup. */
static const char *const NAMES[] = {"bfgs2",           "bfgs",       "conjugate_fr",
                                    "conjugate_pr",    "steepest_descent",
                                    "nmsimplex2",      "nmsimplex2rand"};
static struct {
    const char *name;
    const gsl_multimin_fdfminimizer_type *fdf;
    const gsl_multimin_fminimizer_type *f;
} TYPES[sizeof NAMES / sizeof NAMES[0]];

static dl2o_family *fam;
static double theta[8];

/* Runs the multistart of type t (fdf or f) on obj; returns the status. */
static int multistart(int t, gslt_obj *obj, dl2o_initializer *init, const double *th,
                      dl2o_gsl_multistart_options *o, gsl_vector *x, double *minf)
{
    gsl_multimin_function_fdf F = gslt_fdf_of(obj);
    gsl_multimin_function G = gslt_f_of(obj);
    return TYPES[t].fdf ? dl2o_gsl_fdf_multistart(TYPES[t].fdf, &F, init, th, o, x, minf)
                        : dl2o_gsl_f_multistart(TYPES[t].f, &G, init, th, o, x, minf);
}

/* Best candidate value of a propose() with the given seed. */
static double best_candidate(dl2o_initializer *init, const double *th, uint64_t seed)
{
    unsigned K = dl2o_initializer_get_candidates(init), cnt = 0;
    double *x = malloc((size_t)K * 2 * sizeof *x), *fx = malloc(K * sizeof *fx), f = NAN;
    dl2o_instance inst = {fam, theta};
    dl2o_initializer_set_seed(init, seed);
    if (x && fx && dl2o_initializer_propose(init, 2, dl2o_instance_objective, &inst, th, NULL,
                                            NULL, x, fx, &cnt, NULL) == DL2O_OK)
        f = fx[0];
    free(x);
    free(fx);
    return f;
}

/* Warm start with seed 5, then the caller's own iterate loop; returns the
 * value at the start (*fend: after iterating). */
static double warm_case(int t, const char *mode, dl2o_initializer *init, const double *th,
                        double *fend)
{
    gslt_obj obj;
    gslt_obj_init(&obj, fam, theta);
    gsl_multimin_function_fdf F = gslt_fdf_of(&obj);
    gsl_multimin_function G = gslt_f_of(&obj);
    dl2o_initializer_set_seed(init, 5);
    double fs = NAN;
    int st;
    if (TYPES[t].fdf) {
        gsl_multimin_fdfminimizer *s = gsl_multimin_fdfminimizer_alloc(TYPES[t].fdf, 2);
        st = dl2o_gsl_fdfminimizer_set(s, &F, init, th, 0, 0.1);
        CHECK_MSG(st == GSL_SUCCESS, "%s", dl2o_gsl_last_error());
        CHECK(s->fdf == &F); /* later iterations call the user's callbacks */
        fs = s->f;
        /* same seed, same guidance (fdf probes): the best candidate itself */
        double f0 = best_candidate(init, th, 5);
        CHECK_MSG(fs == f0, "%s/%s: set at f %.17g, best candidate %.17g", TYPES[t].name, mode,
                  fs, f0);
        unsigned long before = obj.calls;
        for (int it = 0; it < 50 && !gsl_multimin_fdfminimizer_iterate(s); it++)
            if (gsl_multimin_test_gradient(s->gradient, 1e-6) == GSL_SUCCESS) break;
        CHECK(obj.calls > before);
        *fend = s->f;
        gsl_multimin_fdfminimizer_free(s);
    } else {
        gsl_multimin_fminimizer *s = gsl_multimin_fminimizer_alloc(TYPES[t].f, 2);
        st = dl2o_gsl_fminimizer_set(s, &G, init, th);
        CHECK_MSG(st == GSL_SUCCESS, "%s", dl2o_gsl_last_error());
        CHECK(s->f == &G);
        /* GSL sets no fval before the first iterate: the start is s->x. */
        double x0[2] = {gsl_vector_get(s->x, 0), gsl_vector_get(s->x, 1)};
        fs = dl2o_family_eval(fam, theta, x0, NULL);
        if (th) { /* theta guidance: the same candidates as a plain propose */
            double f0 = best_candidate(init, th, 5);
            CHECK_MSG(fs == f0, "%s/%s: simplex start %.17g, best candidate %.17g", TYPES[t].name,
                      mode, fs, f0);
        }
        unsigned long before = obj.calls;
        for (int it = 0; it < 100 && !gsl_multimin_fminimizer_iterate(s); it++)
            if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(s), 1e-6) == GSL_SUCCESS) break;
        CHECK(obj.calls > before);
        *fend = s->fval;
        gsl_multimin_fminimizer_free(s);
    }
    CHECK_MSG(*fend < fs, "%s/%s: iterating from the warm start did not improve (%.9g -> %.9g)",
              TYPES[t].name, mode, fs, *fend);
    return fs;
}

static void type_case(int t, const char *mode)
{
    dl2o_initializer *init = gslt_load(mode);
    CHECK(init != NULL);
    if (!init) return;
    const double *th = strcmp(mode, "theta") ? NULL : theta;
    double fend, fs = warm_case(t, mode, init, th, &fend);
    /* Multistart from the same candidates: strictly better than the start,
     * as good as the one warm-started run, counted exactly. */
    gsl_vector *x = gsl_vector_alloc(2);
    gslt_obj obj;
    gslt_obj_init(&obj, fam, theta);
    dl2o_gsl_multistart_options o;
    dl2o_gsl_multistart_options_default(&o);
    o.max_evals = 1000; /* room for every run to reach its test */
    dl2o_initializer_set_seed(init, 5);
    double minf = NAN;
    int st = multistart(t, &obj, init, th, &o, x, &minf);
    CHECK_MSG(st == GSL_SUCCESS || st == GSL_EMAXITER, "%s/%s: status %d (%s)", TYPES[t].name,
              mode, st, dl2o_gsl_last_error());
    CHECK_MSG(minf < fs - 1e-9, "%s/%s: minf %.9g not below the start %.9g", TYPES[t].name, mode,
              minf, fs);
    double xd[2] = {gsl_vector_get(x, 0), gsl_vector_get(x, 1)};
    CHECK(dl2o_test_close(dl2o_family_eval(fam, theta, xd, NULL), minf, 1e-12, 1e-12));
    CHECK(minf == obj.best); /* the best point the user's callback ever saw */
    CHECK_MSG(o.evals == obj.calls, "%s/%s: reported %zu, counted %lu", TYPES[t].name, mode,
              o.evals, obj.calls);
    CHECK(o.evals <= 1000 && o.runs >= 1 && o.runs <= o.starts && o.candidates >= 1);
    CHECK(o.evals == dl2o_gsl_last_evals());
    printf("%s/%s: status %d, minf %.6f (start %.6f, one warm run %.6f), evals %zu, runs %zu, "
           "converged %zu, iterations %zu\n", TYPES[t].name, mode, st, minf, fs, fend, o.evals,
           o.runs, o.converged, o.iterations);
    gsl_vector_free(x);
    dl2o_initializer_free(init);
}

static void resolve_types(void)
{
    for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++) {
        TYPES[i].name = NAMES[i];
        CHECK(dl2o_gsl_type_from_string(NAMES[i], &TYPES[i].fdf, &TYPES[i].f) == GSL_SUCCESS);
        CHECK(!TYPES[i].fdf != !TYPES[i].f);
    }
    const gsl_multimin_fdfminimizer_type *a;
    const gsl_multimin_fminimizer_type *b;
    CHECK(dl2o_gsl_type_from_string("lbfgs", &a, &b) == GSL_EINVAL && !a && !b);
    CHECK(dl2o_gsl_type_from_string(NULL, &a, &b) == GSL_EINVAL);
}

static void test_type(const char *name)
{
    int t = -1;
    for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++)
        if (!strcmp(NAMES[i], name)) t = (int)i;
    CHECK_MSG(t >= 0, "unknown type %s", name);
    if (t < 0) return;
    type_case(t, "probe");
    type_case(t, "theta");
}

/* Every total equals the user's own count, in both modes, with and without
 * budgets; tight budgets are used to the last evaluation and never passed. */
static void test_counting(void)
{
    static const size_t budgets[] = {0, 400, 150, 77, 40, 30, 12};
    static const int types[] = {0, 2, 4, 5};
    const char *modes[] = {"probe", "theta"};
    gsl_vector *x = gsl_vector_alloc(2);
    for (int mo = 0; mo < 2; mo++) {
        dl2o_initializer *init = gslt_load(modes[mo]);
        CHECK(init != NULL);
        if (!init) continue;
        const double *th = mo ? theta : NULL;
        for (size_t ti = 0; ti < sizeof types / sizeof types[0]; ti++)
            for (size_t b = 0; b < sizeof budgets / sizeof budgets[0]; b++) {
                int t = types[ti];
                gslt_obj obj;
                gslt_obj_init(&obj, fam, theta);
                dl2o_gsl_multistart_options o;
                dl2o_gsl_multistart_options_default(&o);
                o.max_evals = budgets[b];
                double minf;
                int st = multistart(t, &obj, init, th, &o, x, &minf);
                /* f-only probes cost 1 + n each: 8 * 3 = 24 > 12 - 1. */
                int too_small = budgets[b] && budgets[b] < (mo ? 0u : TYPES[t].f ? 24u : 8u) + 1;
                if (too_small) {
                    CHECK_MSG(st == GSL_EINVAL, "%s/%s B=%zu: %d", TYPES[t].name, modes[mo],
                              budgets[b], st);
                    CHECK(obj.calls == 0);
                    continue;
                }
                CHECK_MSG(st == GSL_SUCCESS || st == GSL_EMAXITER, "%s/%s B=%zu: %d %s",
                          TYPES[t].name, modes[mo], budgets[b], st, dl2o_gsl_last_error());
                CHECK_MSG(o.evals == obj.calls, "%s/%s B=%zu: reported %zu, counted %lu",
                          TYPES[t].name, modes[mo], budgets[b], o.evals, obj.calls);
                if (budgets[b]) CHECK(obj.calls <= budgets[b]);
                /* Below what four runs need, every evaluation is spent. */
                if (budgets[b] && budgets[b] <= 40)
                    CHECK_MSG(obj.calls == budgets[b], "%s/%s B=%zu: used %lu", TYPES[t].name,
                              modes[mo], budgets[b], obj.calls);
                CHECK(minf == obj.best);
            }
        /* The _set partners report through dl2o_gsl_last_evals(). */
        gslt_obj obj;
        gslt_obj_init(&obj, fam, theta);
        gsl_multimin_function_fdf F = gslt_fdf_of(&obj);
        gsl_multimin_fdfminimizer *s = gsl_multimin_fdfminimizer_alloc(
            gsl_multimin_fdfminimizer_vector_bfgs2, 2);
        CHECK(dl2o_gsl_fdfminimizer_set(s, &F, init, th, 0.05, 0.1) == GSL_SUCCESS);
        CHECK_MSG(dl2o_gsl_last_evals() == obj.calls, "fdf set: %zu vs %lu", dl2o_gsl_last_evals(),
                  obj.calls);
        /* probes (fdf) + K candidates (f) + the set's fdf call */
        CHECK(obj.calls == dl2o_initializer_guidance_evals(init) +
                               dl2o_initializer_get_candidates(init) + 1);
        gsl_multimin_fdfminimizer_free(s);
        gslt_obj_init(&obj, fam, theta);
        gsl_multimin_function G = gslt_f_of(&obj);
        gsl_multimin_fminimizer *sf = gsl_multimin_fminimizer_alloc(
            gsl_multimin_fminimizer_nmsimplex2, 2);
        CHECK(dl2o_gsl_fminimizer_set(sf, &G, init, th) == GSL_SUCCESS);
        CHECK_MSG(dl2o_gsl_last_evals() == obj.calls, "f set: %zu vs %lu", dl2o_gsl_last_evals(),
                  obj.calls);
        /* probes with forward differences (1 + n) + K + the simplex's n + 1 */
        CHECK(obj.calls == dl2o_initializer_guidance_evals(init) * 3 +
                               dl2o_initializer_get_candidates(init) + 3);
        gsl_multimin_fminimizer_free(sf);
        dl2o_initializer_free(init);
    }
    gsl_vector_free(x);
}

static void test_nan(void)
{
    dl2o_initializer *init = gslt_load("theta");
    CHECK(init != NULL);
    if (!init) return;
    gsl_set_error_handler(NULL); /* GSL's default: aborts on any GSL error */
    unsigned K = dl2o_initializer_get_candidates(init);
    gsl_vector *x = gsl_vector_alloc(2);
    for (int t = 0; t < 7; t++) {
        gslt_obj obj;
        gslt_obj_init(&obj, fam, theta);
        obj.nan_right = 1;
        dl2o_gsl_multistart_options o;
        dl2o_gsl_multistart_options_default(&o);
        o.max_evals = 300;
        double minf = NAN;
        int st = multistart(t, &obj, init, theta, &o, x, &minf);
        CHECK_MSG(st == GSL_SUCCESS || st == GSL_EMAXITER, "%s: %d %s", TYPES[t].name, st,
                  dl2o_gsl_last_error());
        CHECK_MSG(o.candidates > 0 && o.candidates < K, "%s: %zu of %u candidates kept",
                  TYPES[t].name, o.candidates, K);
        CHECK(isfinite(minf) && gsl_vector_get(x, 0) <= 0);
        CHECK(o.evals == obj.calls);
    }
    /* The warm start starts from a finite candidate. */
    gslt_obj obj;
    gslt_obj_init(&obj, fam, theta);
    obj.nan_right = 1;
    gsl_multimin_function_fdf F = gslt_fdf_of(&obj);
    gsl_multimin_fdfminimizer *s = gsl_multimin_fdfminimizer_alloc(
        gsl_multimin_fdfminimizer_vector_bfgs2, 2);
    CHECK(dl2o_gsl_fdfminimizer_set(s, &F, init, theta, 0, 0.1) == GSL_SUCCESS);
    CHECK(isfinite(s->f) && gsl_vector_get(s->x, 0) <= 0);
    /* All NaN: an error code and a message, no abort, nothing written. */
    obj.nan_right = 2;
    CHECK(dl2o_gsl_fdfminimizer_set(s, &F, init, theta, 0, 0.1) == GSL_EBADFUNC);
    CHECK(strlen(dl2o_gsl_last_error()) > 0);
    double minf = 42;
    gsl_vector_set_all(x, 7);
    CHECK(dl2o_gsl_fdf_multistart(gsl_multimin_fdfminimizer_vector_bfgs2, &F, init, theta, NULL,
                                  x, &minf) == GSL_EBADFUNC);
    CHECK(minf == 42 && gsl_vector_get(x, 0) == 7);
    /* NaN right after the candidates: nmsimplex2's set raises a GSL error
     * (GSL_EBADFUNC) inside every run, which the default handler would turn
     * into an abort. Runs stop; the best candidate is the answer. */
    gslt_obj_init(&obj, fam, theta);
    obj.nan_after = K;
    gsl_multimin_function G = gslt_f_of(&obj);
    minf = NAN;
    int st = dl2o_gsl_f_multistart(gsl_multimin_fminimizer_nmsimplex2, &G, init, theta, NULL, x,
                                   &minf);
    CHECK_MSG(st == GSL_ENOPROG, "NaN after the candidates: %d %s", st, dl2o_gsl_last_error());
    CHECK(isfinite(minf) && minf == obj.best);
    CHECK(gsl_set_error_handler(NULL) == NULL); /* still GSL's default */
    gsl_multimin_fdfminimizer_free(s);
    gsl_vector_free(x);
    dl2o_initializer_free(init);
}

static int custom_calls;
static void custom_handler(const char *reason, const char *file, int line, int gsl_errno)
{
    (void)reason, (void)file, (void)line, (void)gsl_errno;
    custom_calls++;
}

/* Every bad call once; returns how many returned the expected code. */
static int bad_calls(dl2o_initializer *probe, dl2o_initializer *thetam)
{
    int ok = 0, total = 0;
    gslt_obj obj;
    gslt_obj_init(&obj, fam, theta);
    gsl_multimin_function_fdf F = gslt_fdf_of(&obj), F3 = F, Fnodf = F;
    gsl_multimin_function G = gslt_f_of(&obj), G3 = G;
    F3.n = 3, G3.n = 3, Fnodf.df = NULL;
    gsl_vector *x = gsl_vector_alloc(2), *x3 = gsl_vector_alloc(3);
    gsl_multimin_fdfminimizer *s3 = gsl_multimin_fdfminimizer_alloc(
        gsl_multimin_fdfminimizer_vector_bfgs2, 3);
    gsl_multimin_fminimizer *sf3 = gsl_multimin_fminimizer_alloc(
        gsl_multimin_fminimizer_nmsimplex2, 3);
    const gsl_multimin_fdfminimizer_type *B2 = gsl_multimin_fdfminimizer_vector_bfgs2;
    const gsl_multimin_fminimizer_type *NM = gsl_multimin_fminimizer_nmsimplex2;
    dl2o_gsl_multistart_options o0, tiny;
    dl2o_gsl_multistart_options_default(&o0);
    o0.starts = 0;
    dl2o_gsl_multistart_options_default(&tiny);
    tiny.max_evals = 5; /* < 8 probes + 1 */
    double minf;
    struct { int got, want; const char *what; } r[] = {
        {dl2o_gsl_fdf_multistart(NULL, &F, probe, NULL, NULL, x, &minf), GSL_EINVAL, "NULL T"},
        {dl2o_gsl_f_multistart(NULL, &G, probe, NULL, NULL, x, &minf), GSL_EINVAL, "NULL T (f)"},
        {dl2o_gsl_fdf_multistart(B2, NULL, probe, NULL, NULL, x, &minf), GSL_EINVAL, "NULL fdf"},
        {dl2o_gsl_f_multistart(NM, NULL, probe, NULL, NULL, x, &minf), GSL_EINVAL, "NULL f"},
        {dl2o_gsl_fdf_multistart(B2, &Fnodf, probe, NULL, NULL, x, &minf), GSL_EINVAL, "no df"},
        {dl2o_gsl_fdf_multistart(B2, &F, NULL, NULL, NULL, x, &minf), GSL_EINVAL, "NULL init"},
        {dl2o_gsl_fdf_multistart(B2, &F3, probe, NULL, NULL, x3, &minf), GSL_EBADLEN, "n = 3"},
        {dl2o_gsl_f_multistart(NM, &G3, probe, NULL, NULL, x3, &minf), GSL_EBADLEN, "n = 3 (f)"},
        {dl2o_gsl_fdf_multistart(B2, &F, probe, NULL, NULL, x3, &minf), GSL_EBADLEN, "x size"},
        {dl2o_gsl_fdf_multistart(B2, &F, probe, NULL, NULL, NULL, &minf), GSL_EINVAL, "NULL x"},
        {dl2o_gsl_fdf_multistart(B2, &F, probe, NULL, NULL, x, NULL), GSL_EINVAL, "NULL minf"},
        {dl2o_gsl_fdf_multistart(B2, &F, thetam, NULL, NULL, x, &minf), GSL_EINVAL, "no theta"},
        {dl2o_gsl_f_multistart(NM, &G, thetam, NULL, NULL, x, &minf), GSL_EINVAL, "no theta (f)"},
        {dl2o_gsl_fdf_multistart(B2, &F, probe, NULL, &o0, x, &minf), GSL_EINVAL, "starts 0"},
        {dl2o_gsl_fdf_multistart(B2, &F, probe, NULL, &tiny, x, &minf), GSL_EINVAL, "budget"},
        {dl2o_gsl_fdfminimizer_set(NULL, &F, probe, NULL, 0, 0.1), GSL_EINVAL, "NULL s"},
        {dl2o_gsl_fdfminimizer_set(s3, &F, probe, NULL, 0, 0.1), GSL_EBADLEN, "s size"},
        {dl2o_gsl_fdfminimizer_set(s3, &F3, probe, NULL, 0, 0.1), GSL_EBADLEN, "model dim"},
        {dl2o_gsl_fdfminimizer_set(s3, &F3, thetam, NULL, 0, 0.1), GSL_EBADLEN, "dim first"},
        {dl2o_gsl_fdfminimizer_set(NULL, &F, thetam, NULL, 0, 0.1), GSL_EINVAL, "NULL s (t)"},
        {dl2o_gsl_fminimizer_set(sf3, &G, probe, NULL), GSL_EBADLEN, "sf size"},
        {dl2o_gsl_fminimizer_set(sf3, NULL, probe, NULL), GSL_EINVAL, "NULL f (set)"},
        {dl2o_gsl_fminimizer_set(NULL, &G, thetam, theta), GSL_EINVAL, "NULL sf"},
    };
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) {
        total++;
        CHECK_MSG(r[i].got == r[i].want, "%s: got %d, want %d", r[i].what, r[i].got, r[i].want);
        ok += r[i].got == r[i].want;
    }
    CHECK(strlen(dl2o_gsl_last_error()) > 0);
    CHECK(obj.calls == 0); /* nothing was evaluated */
    gsl_multimin_fdfminimizer_free(s3);
    gsl_multimin_fminimizer_free(sf3);
    gsl_vector_free(x);
    gsl_vector_free(x3);
    return ok == total;
}

static void test_badinput(void)
{
    dl2o_initializer *probe = gslt_load("probe"), *thetam = gslt_load("theta");
    CHECK(probe && thetam);
    if (!probe || !thetam) return;
    /* 1. Under GSL's default (aborting) handler: codes, no abort. */
    gsl_set_error_handler(NULL);
    CHECK(bad_calls(probe, thetam));
    CHECK(gsl_set_error_handler(NULL) == NULL);
    /* 2. Under a custom handler: never called, and still installed after
     *    bad calls, a successful call, and an all-NaN call. */
    gsl_set_error_handler(custom_handler);
    CHECK(bad_calls(probe, thetam));
    gslt_obj obj;
    gslt_obj_init(&obj, fam, theta);
    gsl_multimin_function_fdf F = gslt_fdf_of(&obj);
    gsl_vector *x = gsl_vector_alloc(2);
    double minf;
    CHECK(dl2o_gsl_fdf_multistart(gsl_multimin_fdfminimizer_vector_bfgs2, &F, probe, NULL, NULL,
                                  x, &minf) == GSL_SUCCESS);
    CHECK(obj.seen_handler == custom_handler); /* user callbacks see the caller's handler */
    CHECK(gsl_set_error_handler(custom_handler) == custom_handler);
    obj.nan_right = 2;
    CHECK(dl2o_gsl_fdf_multistart(gsl_multimin_fdfminimizer_vector_bfgs2, &F, probe, NULL, NULL,
                                  x, &minf) == GSL_EBADFUNC);
    CHECK(gsl_set_error_handler(NULL) == custom_handler);
    CHECK_MSG(custom_calls == 0, "the caller's handler was called %d times", custom_calls);
    /* 3. Handler turned off by the caller stays off. */
    gsl_set_error_handler_off();
    gsl_error_handler_t *off = gsl_set_error_handler_off();
    CHECK(bad_calls(probe, thetam));
    CHECK(gsl_set_error_handler(NULL) == off);
    gsl_vector_free(x);
    dl2o_initializer_free(probe);
    dl2o_initializer_free(thetam);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_gsl_bridge type ALG | counting | nan | badinput\n");
        return 2;
    }
    if (dl2o_family_standard("rastrigin-2", &fam) != DL2O_OK ||
        dl2o_family_sample_theta(fam, GSLT_HELDOUT_SEED, 0, theta) != DL2O_OK) {
        fprintf(stderr, "cannot build rastrigin-2: %s\n", dl2o_last_error());
        return 1;
    }
    resolve_types();
    if (!strcmp(argv[1], "type") && argc > 2) test_type(argv[2]);
    else if (!strcmp(argv[1], "counting")) test_counting();
    else if (!strcmp(argv[1], "nan")) test_nan();
    else if (!strcmp(argv[1], "badinput")) test_badinput();
    else {
        fprintf(stderr, "unknown mode %s\n", argv[1]);
        return 2;
    }
    dl2o_family_free(fam);
    return dl2o_test_finish(argv[1]);
}
