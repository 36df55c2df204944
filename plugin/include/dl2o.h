/* dl2o.h — public API of dl2o: a learned initializer stage (Diff-L2O) for
 * families of parametric optimization problems f(x; theta).
 *
 * Conventions
 *  - Every function that can fail returns dl2o_status: 0 is DL2O_OK, errors
 *    are negative. dl2o_strerror() names a status; dl2o_last_error() gives
 *    the calling thread's last message ("what, where, what to do"), and
 *    handles keep their own copy (dl2o_initializer_errmsg).
 *  - Objectives have NLopt's nlopt_func shape, so existing callbacks plug in
 *    unchanged: f(n, x, grad, data) returns f(x) and fills grad when grad is
 *    not NULL. One call is one evaluation, with or without grad.
 *  - Arrays are row-major. Shapes are written as comments: (K, n).
 *  - Nothing here exits, aborts or prints unless asked to (progress output).
 */
#ifndef DL2O_H
#define DL2O_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DL2O_VERSION "0.1.0"

/* ------------------------------------------------------------------ status */

typedef enum dl2o_status {
    DL2O_OK = 0,
    DL2O_EINVAL = -1,       /* a bad argument: NULL, zero count, lb > ub, ... */
    DL2O_ENOMEM = -2,       /* an allocation failed */
    DL2O_EIO = -3,          /* a file could not be opened, read or written */
    DL2O_EFORMAT = -4,      /* a file is malformed, or of an unknown version */
    DL2O_EDIM = -5,         /* dimensions of model and problem disagree */
    DL2O_ENONFINITE = -6,   /* NaN/Inf where finite numbers are needed */
    DL2O_EDEVICE = -7,      /* the requested device is not available */
    DL2O_EINTERRUPTED = -8, /* stopped by a signal or by the caller */
    DL2O_ESOLVER = -9,      /* the classic solver failed */
    DL2O_EUNSUPPORTED = -10 /* valid, but not supported by this build */
} dl2o_status;

const char *dl2o_strerror(dl2o_status status);
/* The message of the calling thread's most recent failure; "" when there
 * was none. Like errno, a later success does not clear it: read it right
 * after a call returned an error. */
const char *dl2o_last_error(void);
const char *dl2o_version(void);

/* f(n, x, grad, data): the nlopt_func shape. */
typedef double (*dl2o_func)(unsigned n, const double *x, double *grad, void *data);

/* Fills theta (dim_theta) for the training instance whose seed is `seed`.
 * It must depend on seed only, so data generation is reproducible and can
 * run in parallel. Returns 0 on success, non-zero to abort generation. */
typedef int (*dl2o_theta_sampler)(uint64_t seed, unsigned dim_theta, double *theta,
                                  void *data);

typedef enum dl2o_guidance {
    DL2O_GUIDANCE_THETA = 0, /* condition on theta itself (normalized) */
    DL2O_GUIDANCE_PROBE = 1  /* condition on f and grad f at stored probe points */
} dl2o_guidance;
/* Either mode may be anchored (dl2o_train_config.anchor_maxeval > 0): each
 * propose() first runs LD_LBFGS from the centre of the box for at most that
 * many evaluations, conditions on where it ends (the anchor), and samples
 * candidates as steps away from it; the anchor itself is always one of the
 * candidates. */

typedef enum dl2o_sampler { DL2O_SAMPLER_DDIM = 0, DL2O_SAMPLER_ANCESTRAL = 1 } dl2o_sampler;

typedef enum dl2o_device {
    DL2O_DEVICE_AUTO = 0, /* a GPU when one is usable, else the CPU */
    DL2O_DEVICE_CPU = 1,
    DL2O_DEVICE_CUDA = 2
} dl2o_device;

typedef enum dl2o_schedule_kind { DL2O_SCHEDULE_COSINE = 0, DL2O_SCHEDULE_LINEAR = 1 } dl2o_schedule_kind;

/* ---------------------------------------------------------------- families */

/* A family of problems: x in a box of R^dim_x, theta in R^dim_theta. */
typedef struct dl2o_family dl2o_family;

/* Standard families: "lasso-MxN", "rastrigin-N", "ackley-N", e.g.
 * "lasso-25x50", "rastrigin-10", "ackley-2". theta is A row-major, then the
 * vectors; dl2o_family_sample_theta draws every entry N(0, 1).
 *   lasso-MxN    theta = A (M, N), b (M)        box [-5, 5]^N
 *                f = 1/2 |Ax - b|^2 + 0.005 |x|_1   (subgradient, sign(0) = 0)
 *   rastrigin-N  theta = A (N, N), b (N), c (N) box [-8, 8]^N
 *                f = 1/2 |Ax - b|^2 - 10 sum_i c_i cos(2 pi x_i) + 10 N
 *   ackley-N     theta = A (N, N), b (N)        box [-32, 32]^N
 *                z = Ax - b, f = -20 exp(-0.2 sqrt(|z|^2 / N))
 *                                - exp(sum_i cos(2 pi z_i) / N) + 20 + e */
dl2o_status dl2o_family_standard(const char *name, dl2o_family **out);

typedef struct dl2o_family_spec {
    const char *name;        /* shown in files and messages; no '/' */
    unsigned dim_x, dim_theta;
    const double *lower;     /* (dim_x) finite */
    const double *upper;     /* (dim_x) finite, > lower */
    dl2o_func f;             /* called as f(n, x, grad, (void *)theta) */
    dl2o_theta_sampler sampler; /* either this ... */
    void *sampler_data;
    const char *theta_file;  /* ... or a theta CSV (one instance per line) */
    int thread_safe;         /* non-zero: f and sampler may run concurrently */
} dl2o_family_spec;

/* Copies everything it needs from spec (the theta file is read now). */
dl2o_status dl2o_family_custom(const dl2o_family_spec *spec, dl2o_family **out);
void dl2o_family_free(dl2o_family *family);

const char *dl2o_family_name(const dl2o_family *family);
unsigned dl2o_family_dim_x(const dl2o_family *family);
unsigned dl2o_family_dim_theta(const dl2o_family *family);
const double *dl2o_family_lower(const dl2o_family *family); /* (dim_x) */
const double *dl2o_family_upper(const dl2o_family *family); /* (dim_x) */
/* Draws the theta of training instance `index` of the stream `seed`. */
dl2o_status dl2o_family_sample_theta(const dl2o_family *family, uint64_t seed,
                                     uint64_t index, double *theta);
/* f(x; theta), and grad (dim_x) when grad is not NULL. */
double dl2o_family_eval(const dl2o_family *family, const double *theta, const double *x,
                        double *grad);

/* One instance of a family, usable as the data of an nlopt_func:
 *   dl2o_instance inst = {family, theta};
 *   nlopt_set_min_objective(opt, dl2o_instance_objective, &inst); */
typedef struct dl2o_instance {
    const dl2o_family *family;
    const double *theta;
} dl2o_instance;
double dl2o_instance_objective(unsigned n, const double *x, double *grad, void *instance);

/* ------------------------------------------------------------- initializer */

/* A loaded model plus its sampling settings and scratch space. One handle is
 * not safe to use from two threads at once; give each thread its own.
 * On the CPU, handles share no mutable state, so threads with their own
 * handles (on the same weight file or not) may load, set and propose at
 * once (tests/tsan runs this under ThreadSanitizer), and a thread's
 * candidates do not depend on what the others do; loading is as thread-safe
 * as the HDF5 library (Debian's is built thread-safe). On a GPU all handles
 * share one CUDA stream, whose ops take a lock (cuda/backend_cuda.h). */
typedef struct dl2o_initializer dl2o_initializer;

dl2o_status dl2o_initializer_load(const char *path, dl2o_initializer **out);
void dl2o_initializer_free(dl2o_initializer *init);
const char *dl2o_initializer_errmsg(const dl2o_initializer *init);

/* Settings. Defaults: 64 candidates, DDIM, 10 steps, seed 0, device AUTO. */
dl2o_status dl2o_initializer_set_candidates(dl2o_initializer *init, unsigned k);
unsigned dl2o_initializer_get_candidates(const dl2o_initializer *init);
dl2o_status dl2o_initializer_set_sampler(dl2o_initializer *init, dl2o_sampler sampler);
dl2o_sampler dl2o_initializer_get_sampler(const dl2o_initializer *init);
/* DDIM steps, 1..T. The ancestral sampler always takes T steps. */
dl2o_status dl2o_initializer_set_steps(dl2o_initializer *init, unsigned steps);
unsigned dl2o_initializer_get_steps(const dl2o_initializer *init);
/* Resets the noise stream: the same seed and the same calls give the same
 * candidates. */
dl2o_status dl2o_initializer_set_seed(dl2o_initializer *init, uint64_t seed);
uint64_t dl2o_initializer_get_seed(const dl2o_initializer *init);
dl2o_status dl2o_initializer_set_device(dl2o_initializer *init, dl2o_device device);
dl2o_device dl2o_initializer_get_device(const dl2o_initializer *init);

/* Model metadata. */
unsigned dl2o_initializer_dim_x(const dl2o_initializer *init);
unsigned dl2o_initializer_dim_theta(const dl2o_initializer *init);
dl2o_guidance dl2o_initializer_guidance(const dl2o_initializer *init);
const char *dl2o_initializer_family(const dl2o_initializer *init);
const double *dl2o_initializer_lower(const dl2o_initializer *init); /* (dim_x) */
const double *dl2o_initializer_upper(const dl2o_initializer *init); /* (dim_x) */
/* Objective evaluations a propose() spends before its candidates, at most:
 * the probes in probe mode (0 in theta mode) plus, for an anchored model,
 * the anchor run's limit. Budgets are planned with this bound; the anchor run
 * usually stops earlier, and propose() reports what it used. */
unsigned dl2o_initializer_guidance_evals(const dl2o_initializer *init);
/* The anchor run's limit of evaluations; 0: the model is not anchored. */
unsigned dl2o_initializer_anchor_evals(const dl2o_initializer *init);

/* Proposes candidates for one instance.
 *   n         must equal the model's dim_x.
 *   f, f_data the instance's objective; evaluated on every candidate (and on
 *             the probe points in probe mode).
 *   theta     (dim_theta), required in theta mode, may be NULL in probe mode.
 *   lb, ub    (n) bounds to clamp candidates into, or NULL for the model's box.
 *   x         (K, n) out: candidates sorted by f, best first.
 *   fx        (K) out: their objective values. An anchored model's anchor
 *             is one of the K rows, its f known from the anchor run; the
 *             other K - 1 rows are evaluated.
 *   count     out: how many rows are valid; candidates whose f is NaN/Inf
 *             are dropped. If none is valid the call fails with
 *             DL2O_ENONFINITE and leaves x and fx untouched.
 *   evals     out (may be NULL): objective evaluations used, probes and the
 *             anchor run included.
 * K = dl2o_initializer_get_candidates(init). */
dl2o_status dl2o_initializer_propose(dl2o_initializer *init, unsigned n, dl2o_func f,
                                     void *f_data, const double *theta, const double *lb,
                                     const double *ub, double *x, double *fx, unsigned *count,
                                     unsigned *evals);

/* ---------------------------------------------------------------- training */

typedef struct dl2o_train_config {
    /* data */
    unsigned instances;      /* training instances (10000) */
    unsigned restarts;       /* local LD_LBFGS runs per instance, best kept (8) */
    unsigned local_maxeval;  /* evaluations per local run (300) */
    const char *data_path;   /* HDF5 data file to reuse or create; NULL: none */
    /* model */
    dl2o_guidance guidance;  /* DL2O_GUIDANCE_PROBE */
    unsigned probes;         /* probe points in probe mode (16) */
    unsigned anchor_maxeval; /* > 0: anchored (see dl2o_guidance), the anchor
                                run's limit of evaluations; 0: none (0) */
    unsigned signed_log;     /* 1: probe values pass through sign(v) log(1 + |v|),
                                as before weight format 3; 0: linear values (0) */
    unsigned width, blocks;  /* denoiser MLP: hidden width, residual blocks (128, 3) */
    unsigned oracle_width, oracle_blocks; /* (128, 2) */
    unsigned time_embed;     /* sinusoidal time-embedding width, even (32) */
    dl2o_schedule_kind schedule; /* DL2O_SCHEDULE_COSINE */
    unsigned T;              /* diffusion steps (100) */
    /* optimization */
    unsigned steps;          /* Adam steps (3000) */
    unsigned batch;          /* (256) */
    double lr;               /* Adam learning rate, cosine-decayed to lr/10 (2e-3) */
    double lambda_f;         /* weight of w_t * f(x0_hat; theta) / f_scale (0.05) */
    double lambda_oracle_f;  /* weight of f(o(g); theta) / f_scale in the oracle loss (0.05) */
    uint64_t seed;           /* seeds data, weights and batches (1) */
    /* self-improving data (DESIGN.md): after the first `steps`, each round
     * samples round_candidates per training instance from the model, polishes
     * the best round_polish distinct ones with the data's local solver
     * (local_maxeval each), keeps every label that improves, and trains
     * round_steps more from the current weights. Such a run cannot be resumed
     * and saves no checkpoint when stopped. */
    unsigned rounds;         /* (0) */
    unsigned round_candidates; /* (32) */
    unsigned round_polish;   /* (2) */
    unsigned round_steps;    /* 0: steps / 2 (0) */
    dl2o_device device;      /* DL2O_DEVICE_AUTO */
    unsigned threads;        /* threads for data generation; 0: all cores */
    /* reporting */
    const char *loss_csv;    /* per-step losses as CSV; NULL: none */
    int progress;            /* 0: silent; 1: bar on a TTY, else a line per epoch */
    const char *command;     /* recorded in the file's training record */
    /* interrupting and resuming */
    int (*should_stop)(unsigned done, void *data); /* NULL: run to the end */
    void *stop_data;         /* passed to should_stop */
    const char *checkpoint;  /* where a stopped run saves its state; NULL: nowhere */
    int resume;              /* non-zero: continue the run saved at `checkpoint` */
} dl2o_train_config;

void dl2o_train_config_default(dl2o_train_config *cfg);

typedef struct dl2o_train_report {
    double data_seconds, train_seconds;
    double data_mean_f;      /* mean f of the training solutions */
    double final_data_mean_f; /* ... after the last data round (= data_mean_f without rounds) */
    double final_loss_eps, final_loss_f, final_loss_oracle;
    unsigned data_reused;    /* 1 when the data file was reused */
    unsigned resumed_from;   /* steps the checkpoint had done (0: a fresh run) */
    unsigned steps_done;     /* steps done when dl2o_train returned */
    unsigned checkpoint_saved; /* 1 when a stopped run saved cfg->checkpoint */
} dl2o_train_report;

/* Generates (or reuses) data, trains, and writes the weight file atomically.
 * report may be NULL; it is filled on success and on DL2O_EINTERRUPTED.
 *
 * Stopping. should_stop, when set, is polled while the data is generated
 * (done = 0) and before every Adam step (done = steps done so far), always
 * from the calling thread. When it returns non-zero the run stops:
 *  - during data generation nothing is saved (the data file is written only
 *    when complete); dl2o_train returns DL2O_EINTERRUPTED;
 *  - during training the state after `done` steps is saved atomically to
 *    cfg->checkpoint (when set), and dl2o_train returns DL2O_EINTERRUPTED,
 *    or the save's error. out_path and loss_csv are not touched, and no
 *    temporary file is left.
 * The library installs no signal handler: a program that wants Ctrl-C to
 * checkpoint sets a volatile sig_atomic_t flag in its own handler and
 * returns it from should_stop (the dl2o CLI does this).
 *
 * Resuming. With cfg->resume set, the run saved at cfg->checkpoint
 * continues from its step. cfg must describe the same run: the family, seed,
 * data settings, model sizes and optimization settings are checked against
 * the checkpoint's fingerprint, and the training data (reused from
 * cfg->data_path, or regenerated from the seed) against its hash; any
 * difference is DL2O_EINVAL with the first differing setting named. On the
 * CPU backend, a run stopped and resumed any number of times ends with the
 * same weights, bit for bit, and the same loss CSV as an uninterrupted run.
 * A completed run removes the file at cfg->checkpoint.
 *
 * Determinism. On the CPU backend, the same family, cfg and seed give the
 * same data, weights and loss curve bit for bit, whatever cfg->threads and
 * OMP_NUM_THREADS are (every instance has its own random sub-stream, and
 * parallel loops write disjoint rows). The matrix products go through
 * OpenBLAS, which splits a product between its threads; the split changes
 * the rounding of some entries (measured on OpenBLAS 0.3.21: weights differ
 * by up to 7e-6 after 150 steps between 1 and 2 OpenBLAS threads), so bit
 * for bit equality across machines also needs the same OpenBLAS thread
 * count. One thread (OPENBLAS_NUM_THREADS=1, or openblas_set_num_threads(1))
 * gives the same bits on any core count; the dl2o CLI runs it so. The same
 * holds for dl2o_initializer_propose's candidates. Results are not promised
 * to match across CPU types, BLAS builds or compilers, nor between the CPU
 * and CUDA backends. */
dl2o_status dl2o_train(const dl2o_family *family, const dl2o_train_config *cfg,
                       const char *out_path, dl2o_train_report *report);

#ifdef __cplusplus
}
#endif
#endif /* DL2O_H */
