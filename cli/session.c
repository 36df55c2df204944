/* session.c — what sample and solve share: weights, settings, theta rows. */
#include <stdlib.h>
#include <string.h>

#include "backend_select.h"
#include "cli.h"

void cli_print_vec(FILE *fp, const double *v, unsigned n)
{
    for (unsigned j = 0; j < n; j++) fprintf(fp, ",%.17g", v[j]);
}

int cli_session_open(cli_session *s, const char *cmd, const char *weights, const char *theta_path,
                     const cli_sampling *opt)
{
    dl2o_status st;
    memset(s, 0, sizeof *s);
    if (!weights || !theta_path) {
        fprintf(stderr, "dl2o %s: --weights and --theta are required (see --help)\n", cmd);
        return 1;
    }
    if ((st = dl2o_initializer_load(weights, &s->init)) != DL2O_OK)
        return cli_fail(cmd, "cannot load the weights", st);
    dl2o_sampler sampler;
    dl2o_device device;
    if (!strcmp(opt->sampler, "ddim")) sampler = DL2O_SAMPLER_DDIM;
    else if (!strcmp(opt->sampler, "ancestral")) sampler = DL2O_SAMPLER_ANCESTRAL;
    else {
        fprintf(stderr, "dl2o %s: --sampler must be ddim or ancestral\n", cmd);
        goto fail;
    }
    if (cli_parse_device(opt->device, &device)) {
        fprintf(stderr, "dl2o %s: --device must be auto, cpu or cuda\n", cmd);
        goto fail;
    }
    if ((st = dl2o_initializer_set_candidates(s->init, opt->count)) != DL2O_OK ||
        (st = dl2o_initializer_set_sampler(s->init, sampler)) != DL2O_OK ||
        (sampler == DL2O_SAMPLER_DDIM && (st = dl2o_initializer_set_steps(s->init, opt->steps)) != DL2O_OK) ||
        (st = dl2o_initializer_set_seed(s->init, opt->seed)) != DL2O_OK ||
        (st = dl2o_initializer_set_device(s->init, device)) != DL2O_OK) {
        cli_fail(cmd, "bad setting", st);
        goto fail;
    }
    char backend[256];
    if (dl2o_backend_describe(device, backend, sizeof backend) == DL2O_OK)
        fprintf(stderr, "dl2o %s: using %s\n", cmd, backend);
    const char *fam = dl2o_initializer_family(s->init);
    if ((st = dl2o_family_standard(fam, &s->family)) != DL2O_OK) {
        fprintf(stderr, "dl2o %s: the model's family '%s' is not a standard family, so the CLI "
                "cannot evaluate it; use the C API with your objective\n", cmd, fam);
        goto fail;
    }
    s->n = dl2o_family_dim_x(s->family);
    s->p = dl2o_family_dim_theta(s->family);
    if (s->n != dl2o_initializer_dim_x(s->init) || s->p != dl2o_initializer_dim_theta(s->init)) {
        fprintf(stderr, "dl2o %s: %s: model dimensions do not match family '%s'\n", cmd, weights, fam);
        goto fail;
    }
    if (cli_read_thetas(cmd, theta_path, s->p, &s->thetas, &s->rows)) goto fail;
    return 0;
fail:
    cli_session_close(s);
    return 1;
}

void cli_session_close(cli_session *s)
{
    dl2o_initializer_free(s->init);
    dl2o_family_free(s->family);
    free(s->thetas);
    memset(s, 0, sizeof *s);
}
