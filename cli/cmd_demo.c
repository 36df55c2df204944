/* cmd_demo.c — `dl2o demo`: the benchmark of the shipped rastrigin-10 and
 * ackley-10 files against the classic methods, small enough to finish in
 * about a minute on 2 cores. It is `dl2o bench` with fixed arguments, so the
 * demo and the documented benchmark can never disagree about the protocol. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static const char *const DEMO_FAMILIES[] = {"rastrigin-10", "ackley-10"};

int dl2o_cmd_demo(int argc, char **argv)
{
    const char *dir = "dl2o-demo", *wdir = "weights", *budgets = "200,2000";
    unsigned instances = 50;
    int quiet = 0;
    const cli_opt opts[] = {
        {"weights-dir", CLI_STR, &wdir, "where the shipped weight files are (weights)"},
        {"dir", CLI_STR, &dir, "where the tables, JSON and SVG plots go (dl2o-demo)"},
        {"instances", CLI_UINT, &instances, "held-out instances per family (50)"},
        {"budgets", CLI_STR, &budgets, "total evaluations per instance (200,2000)"},
        {"quiet", CLI_FLAG, &quiet, "no progress output"},
    };
    const char *pos[1];
    int npos, r = cli_parse("demo", "[--weights-dir DIR] [--dir DIR] [--instances N] [--budgets B,...]",
                            argc, argv, opts, sizeof opts / sizeof opts[0], pos, 0, &npos);
    if (r) return r > 0 ? 0 : 2;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "dl2o demo: cannot create %s: %s\n", dir, strerror(errno));
        return 1;
    }
    int rc = 0;
    for (size_t i = 0; i < sizeof DEMO_FAMILIES / sizeof DEMO_FAMILIES[0] && rc == 0; i++) {
        const char *fam = DEMO_FAMILIES[i];
        char weights[4200], md[4200], json[4200], svg[4200], nbuf[32];
        snprintf(weights, sizeof weights, "%s/%s.h5", wdir, fam);
        snprintf(md, sizeof md, "%s/%s.md", dir, fam);
        snprintf(json, sizeof json, "%s/%s.json", dir, fam);
        snprintf(svg, sizeof svg, "%s/%s.svg", dir, fam);
        snprintf(nbuf, sizeof nbuf, "%u", instances);
        struct stat sb;
        if (stat(weights, &sb) != 0) {
            fprintf(stderr, "dl2o demo: %s: %s; run from the source tree or pass --weights-dir "
                    "with the shipped weights/ folder\n", weights, strerror(errno));
            return 1;
        }
        char *bargv[] = {"bench", "--weights", weights, "--instances", nbuf, "--budgets",
                         (char *)budgets, "--markdown", md, "--json", json, "--plot", svg,
                         quiet ? "--quiet" : NULL, NULL};
        int bargc = quiet ? 14 : 13;
        printf("%s## %s\n\n", i ? "\n" : "", fam);
        fflush(stdout);
        rc = dl2o_cmd_bench(bargc, bargv);
        if (rc == 0) printf("\nplot: %s\n", svg);
    }
    return rc;
}
