/* test_determinism.c — the same seed gives the same bits on the CPU, across
 * runs and across thread counts (README, "Determinism").
 *
 * The dl2o command trains one small config (probes, an anchor and a data
 * round), and samples candidates from
 * the result, under several thread settings: OPENBLAS_NUM_THREADS 1 and 2,
 * OMP_NUM_THREADS 1 and 2, --threads 1, 2 and 0 (all cores). The data file,
 * the weights, the loss curve and the candidate CSV must be identical byte
 * for byte (datasets for HDF5 files, whose headers carry a timestamp). The
 * sizes are chosen so that OpenBLAS would split the products between two
 * threads: with DL2O_BLAS_THREADS=2 (the CLI's opt-out of its one-thread
 * BLAS) the weights and candidates of this very config differ. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl2o.h"
#include "run_util.h"
#include "testutil.h"

static char dir[1024];

typedef struct setting {
    const char *name, *threads;
    char *env[4];
} setting;

static const setting settings[] = {
    {"one", "1", {"OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1", "DL2O_BLAS_THREADS=", NULL}},
    {"two", "2", {"OPENBLAS_NUM_THREADS=2", "OMP_NUM_THREADS=2", "DL2O_BLAS_THREADS=", NULL}},
    {"again", "1", {"OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1", "DL2O_BLAS_THREADS=", NULL}},
    {"all-cores", "0", {"OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=2", "DL2O_BLAS_THREADS=", NULL}},
};
#define N_SETTINGS (sizeof settings / sizeof settings[0])

static void path_of(char *buf, size_t size, const char *name, const char *suffix)
{
    snprintf(buf, size, "%s/%s%s", dir, name, suffix);
}

/* theta rows of rastrigin-10 drawn through the API. */
static int write_thetas(const char *path)
{
    dl2o_family *fam = NULL;
    if (dl2o_family_standard("rastrigin-10", &fam) != DL2O_OK) return -1;
    unsigned p = dl2o_family_dim_theta(fam);
    double *theta = calloc(p, sizeof *theta);
    FILE *fp = fopen(path, "w");
    int bad = !theta || !fp;
    for (uint64_t i = 0; i < 6 && !bad; i++) {
        bad = dl2o_family_sample_theta(fam, 424242, i, theta) != DL2O_OK;
        for (unsigned k = 0; k < p && !bad; k++) fprintf(fp, "%s%.17g", k ? "," : "", theta[k]);
        fputc('\n', fp);
    }
    if (fp) bad |= fclose(fp) != 0;
    free(theta);
    dl2o_family_free(fam);
    return bad ? -1 : 0;
}

static void run_setting(const setting *s, const char *thetas)
{
    char out[1200], data[1200], cand[1200];
    path_of(out, sizeof out, s->name, ".h5");
    path_of(data, sizeof data, s->name, ".data.h5");
    path_of(cand, sizeof cand, s->name, ".candidates.csv");
    char *train[] = {DL2O_CLI, "train", "--family", "rastrigin-10", "--guidance", "probe",
                     "--probes", "4", "--instances", "200", "--restarts", "2", "--local-maxeval",
                     "50", "--steps", "60", "--width", "64", "--blocks", "1", "--oracle-width",
                     "64", "--oracle-blocks", "1", "--batch", "128", "--seed", "5",
                     /* anchored guidance and a data round, whose loops run in parallel too */
                     "--anchor-maxeval", "20", "--rounds", "1", "--round-steps", "20", "--device",
                     "cpu", "--threads", (char *)s->threads, "--quiet", "--out", out, NULL};
    char *sample[] = {DL2O_CLI, "sample", "--weights", out, "--theta", (char *)thetas, "--count",
                      "100", "--seed", "9", "--device", "cpu", "--out", cand, NULL};
    CHECK_MSG(run_cmd(train, (char *const *)s->env) == 0, "train, setting %s", s->name);
    CHECK_MSG(run_cmd(sample, (char *const *)s->env) == 0, "sample, setting %s", s->name);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s", dl2o_test_tmpdir("determinism"));
    char thetas[1200];
    path_of(thetas, sizeof thetas, "theta", ".csv");
    CHECK(write_thetas(thetas) == 0);
    for (size_t i = 0; i < N_SETTINGS; i++) run_setting(&settings[i], thetas);

    const char *kinds[][2] = {{".h5", "weights"}, {".data.h5", "data"}};
    for (size_t i = 1; i < N_SETTINGS; i++) {
        char a[1200], b[1200], why[512];
        for (int k = 0; k < 2; k++) {
            path_of(a, sizeof a, settings[0].name, kinds[k][0]);
            path_of(b, sizeof b, settings[i].name, kinds[k][0]);
            CHECK_MSG(same_datasets(a, b, why, sizeof why), "%s of settings %s and %s: %s",
                      kinds[k][1], settings[0].name, settings[i].name, why);
        }
        path_of(a, sizeof a, settings[0].name, ".loss.csv");
        path_of(b, sizeof b, settings[i].name, ".loss.csv");
        CHECK_MSG(same_bytes(a, b), "loss curves of settings %s and %s differ", settings[0].name,
                  settings[i].name);
        path_of(a, sizeof a, settings[0].name, ".candidates.csv");
        path_of(b, sizeof b, settings[i].name, ".candidates.csv");
        CHECK_MSG(same_bytes(a, b), "candidates of settings %s and %s differ", settings[0].name,
                  settings[i].name);
    }
    return dl2o_test_finish("determinism");
}
