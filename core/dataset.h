/* dataset.h — training data: instances theta_i with their best-known x_i.
 * Written to and read from an HDF5 data file by plugin/data_io.c. */
#ifndef DL2O_DATASET_H
#define DL2O_DATASET_H

#include <stdint.h>

#include "dl2o.h"
#include "model.h"

typedef struct dl2o_dataset {
    char family[DL2O_NAME_MAX];
    int n, dim_x, dim_theta;   /* n instances */
    uint64_t seed;             /* the seed theta and starts were drawn from */
    int restarts, local_maxeval;
    double seconds;            /* time spent generating */
    double *theta;             /* (n, dim_theta) */
    double *x;                 /* (n, dim_x) best solution found */
    double *f;                 /* (n) its objective value */
    double *buf;               /* the one allocation behind theta, x, f */
} dl2o_dataset;

dl2o_status dl2o_dataset_alloc(dl2o_dataset *d, int n, int dim_x, int dim_theta);
void dl2o_dataset_free(dl2o_dataset *d);

#endif
