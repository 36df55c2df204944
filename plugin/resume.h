/* resume.h — what makes a resumed dl2o_train run the same run as the one
 * that was stopped (train.c): the fingerprint a checkpoint records, the
 * hash of the training data, the checks, and the loss curve kept in memory
 * so that a checkpoint can carry it. */
#ifndef DL2O_RESUME_H
#define DL2O_RESUME_H

#include <stdint.h>
#include <stdio.h>

#include "dataset.h"
#include "dl2o.h"
#include "family.h"
#include "model.h"

#define DL2O_RUN_CONFIG_MAX 1024

/* "key=value;..." of every setting that shapes the run's result: family,
 * data settings, model sizes, schedule, optimization, seed. Reals are
 * printed with %.17g, so equal strings mean equal settings. */
void dl2o_run_config(const dl2o_family *fam, const dl2o_train_config *c,
                     const dl2o_model_dims *d, int N, char *buf, size_t size);

/* FNV-1a over the bytes of theta, x and f of the first N instances. */
uint64_t dl2o_data_hash(const dl2o_dataset *d, int N);

/* DL2O_OK when the checkpoint at path was saved by a run with this config;
 * else DL2O_EINVAL naming the first setting that differs. */
dl2o_status dl2o_resume_check_config(const char *path, const char *saved, const char *now);

/* DL2O_OK when the normalization, box and probes this run computed equal
 * the checkpoint's bit for bit (they are recomputed from the same data). */
dl2o_status dl2o_resume_check_model(const char *path, const dl2o_model *saved,
                                    const dl2o_model *now);

/* The loss curve: one row of DL2O_LOSS_COLS values per step. */
typedef struct dl2o_loss_log {
    double *rows;
    size_t n, cap;
} dl2o_loss_log;

dl2o_status dl2o_loss_log_add(dl2o_loss_log *log, const double *row);
/* One CSV line of the loss curve; the header is DL2O_LOSS_HEADER. */
void dl2o_loss_row_print(FILE *fp, const double *row);
#define DL2O_LOSS_HEADER "step,lr,loss_eps,loss_f,loss_oracle,loss_oracle_f\n"

#endif
