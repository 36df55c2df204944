/* test_nlopt_cli.c — `dl2o solve --solver nlopt:ALG` end to end: the CSV
 * header, evals <= --maxeval, and f recomputed here from DESIGN.md's
 * rastrigin formula, independently of the library:
 *   f(x; A, b, c) = 1/2 |Ax - b|^2 - 10 sum_i c_i cos(2 pi x_i) + 10 n.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dl2o.h"
#include "testutil.h"

#define ROWS 20
#define PROBE_MODEL DL2O_FIXTURE_DIR "/rastrigin-2.probe.h5"
#define THETA_MODEL DL2O_FIXTURE_DIR "/rastrigin-2.theta.h5"

static double thetas[ROWS][8];
static char dir[1024], theta_csv[1100], out_csv[1100];

static double rastrigin2(const double *th, const double *x)
{
    const long double pi = 3.141592653589793238462643383279502884L;
    long double f = 20.0L; /* alpha n */
    for (int i = 0; i < 2; i++) {
        long double r = (long double)th[2 * i] * x[0] + (long double)th[2 * i + 1] * x[1];
        r -= th[4 + i];
        f += 0.5L * r * r - 10.0L * th[6 + i] * cosl(2 * pi * x[i]);
    }
    return (double)f;
}

static int run(const char *model, const char *solver, const char *mode, unsigned maxeval)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "'%s' solve --weights '%s' --theta '%s' --solver %s --mode %s "
             "--maxeval %u --out '%s'",
             DL2O_CLI, model, theta_csv, solver, mode, maxeval, out_csv);
    remove(out_csv);
    return system(cmd);
}

/* Checks the CSV of the last run; returns the number of rows read. */
static int check_output(const char *what, unsigned maxeval)
{
    FILE *fp = fopen(out_csv, "r");
    CHECK_MSG(fp != NULL, "%s: no output %s", what, out_csv);
    if (!fp) return 0;
    char line[1024];
    CHECK(fgets(line, sizeof line, fp) && !strcmp(line, "instance,f,evals,x1,x2\n"));
    int rows = 0;
    double worst = 0;
    while (fgets(line, sizeof line, fp)) {
        int i;
        unsigned evals;
        double f, x[2];
        if (sscanf(line, "%d,%lf,%u,%lf,%lf", &i, &f, &evals, &x[0], &x[1]) != 5) {
            CHECK_MSG(0, "%s: bad row '%s'", what, line);
            break;
        }
        CHECK(i == rows);
        CHECK_MSG(evals >= 1 && evals <= maxeval, "%s: row %d: evals %u > maxeval %u", what, i,
                  evals, maxeval);
        CHECK(fabs(x[0]) <= 8 && fabs(x[1]) <= 8);
        if (i >= 0 && i < ROWS) {
            double ref = rastrigin2(thetas[i], x);
            worst = fmax(worst, fabs(f - ref) / (1 + fabs(ref)));
        }
        rows++;
    }
    fclose(fp);
    CHECK_MSG(worst < 1e-12, "%s: f differs from the recomputation by %g (relative)", what, worst);
    CHECK_MSG(rows == ROWS, "%s: %d rows", what, rows);
    return rows;
}

int main(void)
{
    dl2o_family *fam;
    if (dl2o_family_standard("rastrigin-2", &fam) != DL2O_OK) return 1;
    snprintf(dir, sizeof dir, "%s", dl2o_test_tmpdir("nlopt_cli"));
    snprintf(theta_csv, sizeof theta_csv, "%s/theta.csv", dir);
    snprintf(out_csv, sizeof out_csv, "%s/out.csv", dir);
    FILE *fp = fopen(theta_csv, "w");
    if (!fp) return 1;
    for (int i = 0; i < ROWS; i++) { /* held out: seed 9191 */
        dl2o_family_sample_theta(fam, 9191, (uint64_t)i, thetas[i]);
        for (int j = 0; j < 8; j++) fprintf(fp, "%s%.17g", j ? "," : "", thetas[i][j]);
        fputc('\n', fp);
    }
    fclose(fp);
    dl2o_family_free(fam);

    CHECK(run(PROBE_MODEL, "nlopt:LD_LBFGS", "multistart", 200) == 0);
    check_output("LD_LBFGS multistart", 200);
    CHECK(run(THETA_MODEL, "nlopt:LN_BOBYQA", "multistart", 150) == 0);
    check_output("LN_BOBYQA multistart", 150);
    CHECK(run(PROBE_MODEL, "nlopt:LD_SLSQP", "warmstart", 100) == 0);
    check_output("LD_SLSQP warmstart", 100);
    CHECK(run(THETA_MODEL, "nlopt:G_MLSL_LDS", "warmstart", 120) == 0); /* gets a local solver */
    check_output("G_MLSL_LDS warmstart", 120);
    CHECK(run(THETA_MODEL, "nlopt:LN_SBPLX", "warmstart", 0) == 0);
    check_output("LN_SBPLX warmstart, no budget", 10000 + 64);
    /* errors: a non-zero exit and no output file */
    CHECK(run(PROBE_MODEL, "nlopt:NOT_AN_ALGORITHM", "multistart", 200) != 0);
    CHECK(run(PROBE_MODEL, "nlopt:LD_LBFGS", "sideways", 200) != 0);
    CHECK(run(PROBE_MODEL, "nlopt:LD_LBFGS", "multistart", 3) != 0);
    fp = fopen(out_csv, "r");
    CHECK(fp == NULL);
    if (fp) fclose(fp);
    return dl2o_test_finish("nlopt cli");
}
