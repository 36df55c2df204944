/* test_tsan_propose.c — several threads, each with its own initializer on
 * the same weight file, load and propose at once (built with
 * -fsanitize=thread by tests/tsan/run.sh; any race is a TSan report and a
 * failure). Also checks that running concurrently changes nothing: every
 * thread's candidates equal those of the same calls made one thread at a
 * time, and each thread's error message is its own.
 *
 *   test_tsan_propose WEIGHTS.h5   (a probe-guided rastrigin-2 model)
 */
#include <hdf5.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl2o.h"

#define THREADS 4
#define ROUNDS 8
#define K 24

typedef struct job {
    int id;
    const char *path;
    const dl2o_family *fam;
    const double *thetas; /* (ROUNDS + THREADS, p) */
    unsigned p;
    double x[ROUNDS][K * 2], fx[ROUNDS][K];
    unsigned count[ROUNDS];
    int failed;
} job;

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static int serial_loads; /* HDF5 not built thread-safe: load one at a time */

#define FAIL(j, ...)                                                                     \
    do {                                                                                 \
        fprintf(stderr, "thread %d: ", (j)->id);                                         \
        fprintf(stderr, __VA_ARGS__);                                                    \
        fputc('\n', stderr);                                                             \
        (j)->failed = 1;                                                                 \
    } while (0)

static void *work(void *arg)
{
    job *j = arg;
    dl2o_initializer *init = NULL;
    if (serial_loads) pthread_mutex_lock(&load_lock);
    dl2o_status st = dl2o_initializer_load(j->path, &init);
    if (serial_loads) pthread_mutex_unlock(&load_lock);
    if (st != DL2O_OK) {
        FAIL(j, "load: %s", dl2o_last_error());
        return NULL;
    }
    if (dl2o_initializer_dim_x(init) != 2) {
        FAIL(j, "the model is not for dim_x = 2");
        dl2o_initializer_free(init);
        return NULL;
    }
    dl2o_initializer_set_device(init, DL2O_DEVICE_CPU);
    dl2o_initializer_set_candidates(init, K);
    dl2o_initializer_set_steps(init, 5);
    dl2o_initializer_set_seed(init, 1000 + (uint64_t)j->id);
    for (int r = 0; r < ROUNDS; r++) {
        dl2o_instance inst = {j->fam, j->thetas + (size_t)(j->id + r) * j->p};
        st = dl2o_initializer_propose(init, 2, dl2o_instance_objective, &inst, inst.theta, NULL,
                                      NULL, j->x[r], j->fx[r], &j->count[r], NULL);
        if (st != DL2O_OK) FAIL(j, "propose: %s", dl2o_last_error());
        /* A failing call of this thread: its message must name its own n. */
        unsigned bad_n = 10 + (unsigned)j->id;
        char want[32];
        snprintf(want, sizeof want, "n = %u", bad_n);
        double bx[K * 2], bfx[K];
        unsigned bcount;
        st = dl2o_initializer_propose(init, bad_n, dl2o_instance_objective, &inst, inst.theta,
                                      NULL, NULL, bx, bfx, &bcount, NULL);
        if (st != DL2O_EDIM || !strstr(dl2o_last_error(), want) ||
            !strstr(dl2o_initializer_errmsg(init), want))
            FAIL(j, "expected DL2O_EDIM naming %s, got %d: %s", want, st, dl2o_last_error());
    }
    dl2o_initializer_free(init);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_tsan_propose WEIGHTS.h5\n");
        return 2;
    }
    hbool_t safe = 0;
    H5is_library_threadsafe(&safe);
    serial_loads = !safe;
    dl2o_family *fam = NULL;
    if (dl2o_family_standard("rastrigin-2", &fam) != DL2O_OK) {
        fprintf(stderr, "%s\n", dl2o_last_error());
        return 1;
    }
    unsigned p = dl2o_family_dim_theta(fam);
    double *thetas = calloc((size_t)(ROUNDS + THREADS) * p, sizeof *thetas);
    static job jobs[THREADS], ref[THREADS];
    if (!thetas) return 1;
    for (unsigned i = 0; i < ROUNDS + THREADS; i++)
        dl2o_family_sample_theta(fam, 4242, i, thetas + (size_t)i * p);

    pthread_t tid[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (job){.id = i, .path = argv[1], .fam = fam, .thetas = thetas, .p = p};
        ref[i] = jobs[i];
        if (pthread_create(&tid[i], NULL, work, &jobs[i]) != 0) return 1;
    }
    for (int i = 0; i < THREADS; i++) pthread_join(tid[i], NULL);
    for (int i = 0; i < THREADS; i++) work(&ref[i]); /* the same calls, one thread at a time */

    int bad = 0;
    for (int i = 0; i < THREADS; i++) {
        bad |= jobs[i].failed | ref[i].failed;
        if (memcmp(jobs[i].x, ref[i].x, sizeof jobs[i].x) ||
            memcmp(jobs[i].fx, ref[i].fx, sizeof jobs[i].fx) ||
            memcmp(jobs[i].count, ref[i].count, sizeof jobs[i].count)) {
            fprintf(stderr, "thread %d: concurrent candidates differ from serial ones\n", i);
            bad = 1;
        }
    }
    free(thetas);
    dl2o_family_free(fam);
    printf("tsan propose: %d threads x %d rounds, HDF5 %sthread-safe: %s\n", THREADS, ROUNDS,
           safe ? "" : "not ", bad ? "FAILED" : "ok");
    return bad;
}
