/* test_gsl_cli.c — `dl2o solve --solver gsl:ALG` on held-out rastrigin-2
 * instances: header, budget, and f against an independent recomputation
 * with the formula of DESIGN.md (not the library's family code):
 *   f(x; A, b, c) = 1/2 |Ax - b|^2 - alpha sum_i c_i cos(2 pi x_i) + alpha n,
 *   alpha = 10, theta = (A row-major, b, c). */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "test_gsl_util.h"
#include "testutil.h"

#define N_INST 6

static double rastrigin2(const double *th, const double *x)
{
    const double *A = th, *b = th + 4, *c = th + 6, alpha = 10, pi = 3.14159265358979323846;
    double f = 2 * alpha;
    for (int i = 0; i < 2; i++) {
        double r = A[2 * i] * x[0] + A[2 * i + 1] * x[1] - b[i];
        f += 0.5 * r * r - alpha * c[i] * cos(2 * pi * x[i]);
    }
    return f;
}

/* Runs the CLI; returns its exit status. */
static int run(const char *model, const char *csv, const char *solver, const char *out,
               const char *extra)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' solve --weights '%s/rastrigin-2.%s.h5' --theta '%s' "
             "--solver %s %s --out '%s' 2>&1", DL2O_CLI, DL2O_FIXTURE_DIR, model, csv, solver,
             extra, out);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void check_output(const char *path, double th[][8], unsigned maxeval, const char *what)
{
    FILE *fp = fopen(path, "r");
    CHECK_MSG(fp != NULL, "%s: no output %s", what, path);
    if (!fp) return;
    char line[1024];
    CHECK(fgets(line, sizeof line, fp) && !strcmp(line, "instance,f,evals,x1,x2\n"));
    int rows = 0;
    double mean = 0;
    while (fgets(line, sizeof line, fp)) {
        int i;
        unsigned evals;
        double f, x[2];
        CHECK_MSG(sscanf(line, "%d,%lf,%u,%lf,%lf", &i, &f, &evals, &x[0], &x[1]) == 5, "%s: %s",
                  what, line);
        CHECK(i == rows && i < N_INST);
        if (i != rows || i >= N_INST) break;
        double ref = rastrigin2(th[i], x);
        CHECK_MSG(dl2o_test_close(f, ref, 1e-9, 1e-9), "%s: instance %d: f %.17g, recomputed %.17g",
                  what, i, f, ref);
        CHECK_MSG(evals <= maxeval && evals > 0, "%s: instance %d used %u evaluations", what, i,
                  evals);
        mean += f / N_INST;
        rows++;
    }
    CHECK_MSG(rows == N_INST, "%s: %d rows", what, rows);
    /* Local minima of these instances lie in [0, ~40]; the solver must have
     * reached a low one on average. */
    CHECK_MSG(mean < 15, "%s: mean f %.3f", what, mean);
    printf("%s: %d rows, mean f %.4f, all recomputed within 1e-9\n", what, rows, mean);
    fclose(fp);
}

int main(void)
{
    const char *dir = dl2o_test_tmpdir("gsl_cli");
    dl2o_family *fam;
    CHECK(dl2o_family_standard("rastrigin-2", &fam) == DL2O_OK);
    double th[N_INST][8];
    char csv[1200], out[1200];
    snprintf(csv, sizeof csv, "%s/theta.csv", dir);
    FILE *fp = fopen(csv, "w");
    CHECK(fp != NULL);
    if (!fp) return dl2o_test_finish("gsl.cli");
    for (int i = 0; i < N_INST; i++) {
        CHECK(dl2o_family_sample_theta(fam, GSLT_HELDOUT_SEED + 1, (uint64_t)i, th[i]) == DL2O_OK);
        for (int k = 0; k < 8; k++) fprintf(fp, "%s%.17g", k ? "," : "", th[i][k]);
        fputc('\n', fp);
    }
    fclose(fp);
    dl2o_family_free(fam);

    static const struct { const char *model, *solver; unsigned maxeval; } cases[] = {
        {"probe", "gsl:bfgs2", 300}, {"theta", "gsl:bfgs2", 300},
        {"probe", "gsl:nmsimplex2", 300}, {"theta", "gsl:conjugate_pr", 120},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char extra[64], what[128];
        snprintf(extra, sizeof extra, "--starts 4 --maxeval %u", cases[c].maxeval);
        snprintf(out, sizeof out, "%s/out%zu.csv", dir, c);
        snprintf(what, sizeof what, "%s %s --maxeval %u", cases[c].model, cases[c].solver,
                 cases[c].maxeval);
        int rc = run(cases[c].model, csv, cases[c].solver, out, extra);
        CHECK_MSG(rc == 0, "%s: exit %d", what, rc);
        if (rc == 0) check_output(out, th, cases[c].maxeval, what);
    }
    /* An unknown minimizer is refused with a non-zero exit. */
    snprintf(out, sizeof out, "%s/bad.csv", dir);
    CHECK(run("probe", csv, "gsl:lbfgs", out, "") != 0);
    return dl2o_test_finish("gsl.cli");
}
