/* main.c — the dl2o command: dispatches to one file per subcommand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "cli.h"

static const struct {
    const char *name, *summary;
    int (*run)(int argc, char **argv);
} commands[] = {
    {"train", "generate data and train a model for a family", dl2o_cmd_train},
    {"info", "print a weight file's metadata", dl2o_cmd_info},
    {"sample", "write K candidates per instance of a theta CSV", dl2o_cmd_sample},
    {"solve", "write one solution per instance of a theta CSV", dl2o_cmd_solve},
    {"bench", "compare dl2o with classic methods at equal evaluation budgets", dl2o_cmd_bench},
    {"demo", "benchmark the shipped rastrigin-10 and ackley-10 weights (make demo)", dl2o_cmd_demo},
};

static void usage(FILE *fp)
{
    fprintf(fp, "usage: dl2o <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(fp, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(fp, "\n'dl2o <command> --help' shows a command's options. dl2o %s\n", DL2O_VERSION);
}

/* One BLAS thread unless DL2O_BLAS_THREADS=N asks for more: the same seed
 * then gives the same bits whatever the core count and OPENBLAS_NUM_THREADS
 * (README, "Determinism"); dl2o's products are small, so little is lost. */
static void pin_blas_threads(void)
{
    const char *env = getenv("DL2O_BLAS_THREADS");
    long n = env && *env ? strtol(env, NULL, 10) : 1;
    dl2o_blas_set_threads(n >= 1 && n <= 1024 ? (int)n : 1);
}

int main(int argc, char **argv)
{
    pin_blas_threads();
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("dl2o %s\n", DL2O_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "dl2o: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
