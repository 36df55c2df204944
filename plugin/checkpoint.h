/* checkpoint.h — the resumable state of an interrupted dl2o_train run.
 *
 * A checkpoint is a weight file (model_io.h) with one more group,
 * /train_state (weights/FORMAT.md, "Checkpoint"): the Adam moments, the step
 * count, the progress averages, the loss curve so far and a fingerprint of
 * the run. Every loader of weight files ignores the group, so a checkpoint
 * is also a usable (partly trained) model. Saving is atomic, like any
 * weight file; loading is strict, like any weight file.
 */
#ifndef DL2O_CHECKPOINT_H
#define DL2O_CHECKPOINT_H

#include <stdint.h>

#include "dl2o.h"
#include "model.h"

#define DL2O_LOSS_COLS 6 /* step, lr, loss_eps, loss_f, loss_oracle, loss_oracle_f */

typedef struct dl2o_train_state {
    unsigned step;          /* Adam steps done; the run continues with step + 1 */
    char *config;           /* "key=value;..." of everything that shapes the run (heap) */
    uint64_t data_hash;     /* FNV-1a of the training data's theta, x and f */
    double ema[3];          /* progress averages of loss_eps, loss_f, loss_oracle */
    double train_seconds;   /* training time spent before the stop */
    float *adam_m, *adam_v; /* (n_params) each, heap */
    double *loss;           /* (step, DL2O_LOSS_COLS) the loss curve so far, heap */
} dl2o_train_state;

/* Writes m plus s to path, atomically. s->adam_m and adam_v hold
 * m->n_params values, s->loss s->step rows. */
dl2o_status dl2o_checkpoint_save(const dl2o_model *m, const dl2o_train_state *s,
                                 const char *path);

/* Reads a checkpoint into m and s (both overwritten; on failure both are
 * left zeroed). A weight file without /train_state is DL2O_EFORMAT. */
dl2o_status dl2o_checkpoint_load(const char *path, dl2o_model *m, dl2o_train_state *s);

void dl2o_train_state_free(dl2o_train_state *s);

#endif
