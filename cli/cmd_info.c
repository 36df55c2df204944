/* cmd_info.c — `dl2o info FILE.h5`: a weight file's metadata. */
#include <stdio.h>

#include "cli.h"
#include "model.h"
#include "model_io.h"

static void print_box(const dl2o_model *m)
{
    int n = m->dims.dim_x, same = 1;
    for (int j = 1; j < n; j++)
        if (m->lower[j] != m->lower[0] || m->upper[j] != m->upper[0]) same = 0;
    if (same) {
        printf("box              [%g, %g]^%d\n", m->lower[0], m->upper[0], n);
        return;
    }
    printf("box             ");
    for (int j = 0; j < n; j++) printf(" [%g, %g]", m->lower[j], m->upper[j]);
    printf("\n");
}

int dl2o_cmd_info(int argc, char **argv)
{
    const cli_opt opts[] = {{"", CLI_FLAG, NULL, ""}};
    const char *pos[1];
    int npos, r = cli_parse("info", "FILE.h5", argc, argv, opts, 0, pos, 1, &npos);
    if (r) return r > 0 ? 0 : 2;
    if (npos != 1) {
        fprintf(stderr, "dl2o info: give one weight file (see --help)\n");
        return 2;
    }
    dl2o_model m;
    dl2o_status st = dl2o_model_load(pos[0], &m);
    if (st != DL2O_OK) return cli_fail("info", "cannot load the weights", st);
    printf("file             %s\n", pos[0]);
    printf("family           %s (version %d)\n", m.family, m.family_version);
    printf("dim_x            %d\n", m.dims.dim_x);
    printf("dim_theta        %d\n", m.dims.dim_theta);
    if (m.dims.guidance == DL2O_GUIDANCE_PROBE)
        printf("guidance         probe: %d probe points, %d guidance values (%s)\n", m.dims.n_probes,
               m.dim_g, m.dims.signed_log ? "signed log" : "linear");
    else
        printf("guidance         theta: %d guidance values\n", m.dim_g);
    if (m.dims.anchor_maxeval > 0)
        printf("anchor           LD_LBFGS from the box centre, at most %d evaluations; candidates "
               "are steps from its end\n", m.dims.anchor_maxeval);
    else
        printf("anchor           none\n");
    printf("schedule         %s, T = %d, beta %.4g .. %.4g, alpha_bar_T = %.3g\n",
           dl2o_schedule_kind_name(m.sched.kind), m.sched.T, m.sched.beta_start, m.sched.beta_end,
           m.sched.alpha_bar[m.sched.T - 1]);
    printf("denoiser         MLP %d -> %d x %d residual blocks -> %d (time embedding %d)\n",
           m.denoiser.n_in, m.denoiser.width, m.denoiser.blocks, m.denoiser.n_out, m.dims.time_embed);
    printf("oracle           MLP %d -> %d x %d residual blocks -> %d\n", m.oracle.n_in, m.oracle.width,
           m.oracle.blocks, m.oracle.n_out);
    printf("parameters       %zu float32 (%.2f MB)\n", m.n_params, m.n_params * 4.0 / 1e6);
    print_box(&m);
    printf("f_scale          %.6g\n", m.f_scale);
    printf("created          %s\n", m.created);
    printf("library_version  %s\n", m.library_version);
    printf("training         %s\n", m.training_json ? m.training_json : "{}");
    dl2o_model_free(&m);
    return 0;
}
