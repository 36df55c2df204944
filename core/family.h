/* family.h — the family object behind the public dl2o_family handle. */
#ifndef DL2O_FAMILY_H
#define DL2O_FAMILY_H

#include "dl2o.h"
#include "model.h"

typedef enum dl2o_family_kind {
    DL2O_FAMILY_LASSO,
    DL2O_FAMILY_RASTRIGIN,
    DL2O_FAMILY_ACKLEY,
    DL2O_FAMILY_CUSTOM
} dl2o_family_kind;

#define DL2O_LASSO_LAMBDA 0.005
#define DL2O_RASTRIGIN_ALPHA 10.0
#define DL2O_FAMILY_VERSION 1

struct dl2o_family {
    char name[DL2O_NAME_MAX];
    dl2o_family_kind kind;
    int m, n, p;              /* rows of A (lasso), dim_x, dim_theta */
    double *lower, *upper;    /* (n) */
    dl2o_func f;              /* custom: f(n, x, grad, theta) */
    dl2o_theta_sampler sampler;
    void *sampler_data;
    double *thetas;           /* (n_thetas, p) from a theta file, or NULL */
    size_t n_thetas;
    int thread_safe;
};

/* Number of theta rows a file-backed family holds; 0 for sampled families. */
size_t dl2o_family_theta_rows(const dl2o_family *fam);

#endif
