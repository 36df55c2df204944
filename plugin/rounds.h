/* rounds.h — self-improving data (DESIGN.md, "Better data from the model
 * itself"): sample candidates for every training instance from the model
 * being trained, polish the best with the local solver, and keep whatever
 * beats the instance's label. dl2o_train then trains on (continues from the
 * current weights). */
#ifndef DL2O_ROUNDS_H
#define DL2O_ROUNDS_H

#include "backend.h"
#include "dataset.h"
#include "family.h"
#include "model.h"

typedef struct dl2o_round_setup {
    unsigned candidates;  /* sampled per instance (K) */
    unsigned polish;      /* best distinct candidates polished per instance */
    int local_maxeval;    /* evaluations of each polish */
    uint64_t seed;        /* sampler noise: (seed, instance) */
    int threads;          /* 0: all cores; the CPU backend only, else 1 */
} dl2o_round_setup;

/* One round over the first N instances of d, in place. gn (N, G): the
 * normalized guidance; origin (N, n): the anchors, or NULL. m's parameters
 * are the current weights. *improved gets the instances whose label got
 * better. Deterministic for a given setup, whatever the thread count. */
dl2o_status dl2o_round_improve(const dl2o_family *fam, const dl2o_model *m,
                               const dl2o_backend *be, const float *gn, const double *origin,
                               const dl2o_round_setup *s, int N, dl2o_dataset *d,
                               int *improved);

#endif
