/* test_rounds.c — self-improving data rounds (dl2o_train_config.rounds):
 * labels only ever get better and the first round improves many of them;
 * the record says what happened; a run with rounds refuses --resume and,
 * when stopped, leaves neither a weight file nor a checkpoint. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dl2o.h"
#include "testutil.h"

static unsigned stop_at;
static int stop_later(unsigned done, void *data)
{
    (void)data;
    return done >= stop_at;
}

static void small_config(dl2o_train_config *c)
{
    dl2o_train_config_default(c);
    c->instances = 600;
    c->restarts = 2;
    c->local_maxeval = 60;
    c->steps = 150;
    c->width = 32;
    c->blocks = 1;
    c->oracle_width = 32;
    c->oracle_blocks = 1;
    c->probes = 4;
    c->seed = 31;
    c->device = DL2O_DEVICE_CPU;
}

int main(void)
{
    const char *dir = dl2o_test_tmpdir("rounds");
    char out[1024], ckpt[1024];
    snprintf(out, sizeof out, "%s/r.h5", dir);
    snprintf(ckpt, sizeof ckpt, "%s/r.ckpt.h5", dir);
    dl2o_family *fam = NULL;
    CHECK(dl2o_family_standard("rastrigin-2", &fam) == DL2O_OK);

    /* Rounds improve the data, and the improvement is recorded. */
    dl2o_train_config c;
    small_config(&c);
    c.rounds = 2;
    c.round_steps = 50;
    dl2o_train_report rep;
    dl2o_status st = dl2o_train(fam, &c, out, &rep);
    CHECK_MSG(st == DL2O_OK, "%s", dl2o_last_error());
    printf("data mean f %.4f -> %.4f after %u rounds\n", rep.data_mean_f, rep.final_data_mean_f,
           c.rounds);
    CHECK(rep.steps_done == c.steps + 2 * c.round_steps);
    CHECK_MSG(rep.final_data_mean_f < rep.data_mean_f - 0.01,
              "the rounds did not improve the labels: %.6f -> %.6f", rep.data_mean_f,
              rep.final_data_mean_f);
    dl2o_initializer *init = NULL;
    CHECK(dl2o_initializer_load(out, &init) == DL2O_OK);
    /* Without rounds the two means agree. */
    small_config(&c);
    st = dl2o_train(fam, &c, out, &rep);
    CHECK(st == DL2O_OK && rep.final_data_mean_f == rep.data_mean_f);
    dl2o_initializer_free(init);

    /* --resume is refused; a stop saves nothing and touches no output. */
    small_config(&c);
    c.rounds = 1;
    c.resume = 1;
    c.checkpoint = ckpt;
    CHECK(dl2o_train(fam, &c, out, NULL) == DL2O_EINVAL);
    CHECK(strstr(dl2o_last_error(), "cannot be resumed") != NULL);
    remove(out);
    c.resume = 0;
    c.should_stop = stop_later;
    stop_at = c.steps + 10; /* inside the round's retraining */
    st = dl2o_train(fam, &c, out, &rep);
    CHECK(st == DL2O_EINTERRUPTED);
    CHECK(strstr(dl2o_last_error(), "saves no checkpoint") != NULL);
    CHECK(access(out, F_OK) != 0 && access(ckpt, F_OK) != 0);

    /* Bad settings. */
    small_config(&c);
    c.rounds = 1;
    c.round_polish = 0;
    CHECK(dl2o_train(fam, &c, out, NULL) == DL2O_EINVAL);
    c.round_polish = 40;
    c.round_candidates = 8; /* polish more than sampled */
    CHECK(dl2o_train(fam, &c, out, NULL) == DL2O_EINVAL);
    dl2o_family_free(fam);
    return dl2o_test_finish("rounds");
}
