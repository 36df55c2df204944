#include "schedule.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

void dl2o_schedule_free(dl2o_schedule *s)
{
    if (!s) return;
    free(s->beta);
    s->beta = s->alpha = s->alpha_bar = NULL;
}

const char *dl2o_schedule_kind_name(dl2o_schedule_kind kind)
{
    return kind == DL2O_SCHEDULE_LINEAR ? "linear" : "cosine";
}

int dl2o_schedule_kind_parse(const char *name, dl2o_schedule_kind *kind)
{
    if (!name) return -1;
    if (strcmp(name, "cosine") == 0) *kind = DL2O_SCHEDULE_COSINE;
    else if (strcmp(name, "linear") == 0) *kind = DL2O_SCHEDULE_LINEAR;
    else return -1;
    return 0;
}

static double cosine_alpha_bar(double u)
{
    const double s = 0.008, half_pi = 1.5707963267948966;
    double c = cos((u + s) / (1.0 + s) * half_pi);
    return c * c;
}

dl2o_status dl2o_schedule_init(dl2o_schedule *s, dl2o_schedule_kind kind, int T,
                               double beta_start, double beta_end)
{
    memset(s, 0, sizeof *s);
    if (T < 2 || T > DL2O_T_MAX)
        return DL2O_FAIL(DL2O_EINVAL, "schedule T = %d is out of range; use 2..%d", T, DL2O_T_MAX);
    if (kind != DL2O_SCHEDULE_COSINE && kind != DL2O_SCHEDULE_LINEAR)
        return DL2O_FAIL(DL2O_EINVAL, "unknown schedule kind %d; use cosine or linear", (int)kind);
    double *buf = dl2o_xcalloc(3 * (size_t)T, sizeof *buf, "noise schedule");
    if (!buf) return DL2O_ENOMEM;
    s->kind = kind;
    s->T = T;
    s->beta = buf;
    s->alpha = buf + T;
    s->alpha_bar = buf + 2 * T;

    if (kind == DL2O_SCHEDULE_LINEAR) {
        if (beta_start == 0.0 && beta_end == 0.0) {
            double scale = 1000.0 / T;
            beta_start = 1e-4 * scale;
            beta_end = 0.02 * scale;
            /* Below T = 21 the scaled end reaches 1: cap it where the cosine
             * schedule clips, which still takes data to noise. */
            if (beta_end > 0.999) beta_end = 0.999;
        }
        if (!(beta_start > 0.0) || !(beta_end >= beta_start) || !(beta_end < 1.0)) {
            dl2o_schedule_free(s);
            return DL2O_FAIL(DL2O_EINVAL,
                             "linear schedule needs 0 < beta_start <= beta_end < 1, got %g..%g",
                             beta_start, beta_end);
        }
        for (int t = 0; t < T; t++)
            s->beta[t] = beta_start + (beta_end - beta_start) * t / (double)(T - 1);
    } else {
        for (int t = 0; t < T; t++) {
            double b = 1.0 - cosine_alpha_bar((t + 1.0) / T) / cosine_alpha_bar((double)t / T);
            s->beta[t] = b < 0.999 ? b : 0.999;
        }
    }
    double ab = 1.0;
    for (int t = 0; t < T; t++) {
        s->alpha[t] = 1.0 - s->beta[t];
        ab *= s->alpha[t];
        s->alpha_bar[t] = ab;
    }
    s->beta_start = s->beta[0];
    s->beta_end = s->beta[T - 1];
    if (!(s->alpha_bar[T - 1] <= DL2O_ALPHA_BAR_END_MAX)) {
        double end = s->alpha_bar[T - 1];
        dl2o_schedule_free(s);
        return DL2O_FAIL(DL2O_EINVAL,
                         "schedule does not reach noise: alpha_bar_T = %.3g > %g; raise the beta "
                         "range or T, or use the cosine schedule",
                         end, DL2O_ALPHA_BAR_END_MAX);
    }
    return DL2O_OK;
}
