#include "dataset.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"

dl2o_status dl2o_dataset_alloc(dl2o_dataset *d, int n, int dim_x, int dim_theta)
{
    memset(d, 0, sizeof *d);
    if (n < 1 || dim_x < 1 || dim_theta < 0)
        return DL2O_FAIL(DL2O_EINVAL, "data set sizes n=%d dim_x=%d dim_theta=%d are invalid", n,
                         dim_x, dim_theta);
    size_t per = (size_t)dim_theta + (size_t)dim_x + 1;
    d->buf = dl2o_xcalloc((size_t)n, per * sizeof(double), "training data");
    if (!d->buf) return DL2O_ENOMEM;
    d->n = n;
    d->dim_x = dim_x;
    d->dim_theta = dim_theta;
    d->theta = d->buf;
    d->x = d->theta + (size_t)n * dim_theta;
    d->f = d->x + (size_t)n * dim_x;
    return DL2O_OK;
}

void dl2o_dataset_free(dl2o_dataset *d)
{
    if (!d) return;
    free(d->buf);
    memset(d, 0, sizeof *d);
}
