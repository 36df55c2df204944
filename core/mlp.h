/* mlp.h — residual MLP over float32, forward and backward through a backend.
 *
 *   h0 = W_in u + b_in                              u: (B, n_in), h: (B, H)
 *   h_{k+1} = h_k + W2_k silu(W1_k silu(h_k) + b1_k) + b2_k   k < blocks
 *   y = W_out silu(h_L) + b_out                     y: (B, n_out)
 *
 * All weights of a model live in one float allocation; a dl2o_mlp holds only
 * offsets into it. W is (out, in) row-major, as stored in the weight file.
 */
#ifndef DL2O_MLP_H
#define DL2O_MLP_H

#include <stddef.h>

#include "backend.h"
#include "rng.h"

#define DL2O_MAX_BLOCKS 32
#define DL2O_LAYER_NAME_MAX 32

typedef struct dl2o_linear {
    int in, out;
    size_t w, b; /* offsets (floats) of W (out, in) and b (out) in the parameter block */
} dl2o_linear;

typedef struct dl2o_mlp {
    int n_in, width, blocks, n_out;
    size_t offset, n_params; /* the range [offset, offset + n_params) it owns */
    dl2o_linear layer[2 * DL2O_MAX_BLOCKS + 2]; /* in, (fc1, fc2) per block, out */
    int n_layers;
} dl2o_mlp;

/* Lays out the parameters starting at `offset`. Returns -1 on bad sizes. */
int dl2o_mlp_layout(dl2o_mlp *m, int n_in, int width, int blocks, int n_out, size_t offset);
/* Layer names as used in weight files: "in", "block0_fc1", "block0_fc2", ..., "out". */
void dl2o_mlp_layer_name(const dl2o_mlp *m, int i, char name[DL2O_LAYER_NAME_MAX]);

/* He-style init; the second layer of each block starts near zero so every
 * block starts close to the identity. */
void dl2o_mlp_init_params(const dl2o_mlp *m, float *params, dl2o_rng *rng);

/* Activations kept for backward, on the backend. Sized for max_batch rows. */
typedef struct dl2o_mlp_cache {
    int max_batch;
    float *u;   /* (B, n_in) input copy */
    float *h;   /* (blocks+1, B, H) residual stream at each block input, last = final */
    float *s;   /* (blocks+1, B, H) silu(h) */
    float *z1;  /* (blocks, B, H) first linear of each block */
    float *a1;  /* (blocks, B, H) silu(z1) */
    float *dh, *ds, *dz; /* (B, H) scratch for backward */
    float *buf; /* the one allocation behind all of the above */
} dl2o_mlp_cache;

dl2o_status dl2o_mlp_cache_alloc(const dl2o_backend *be, const dl2o_mlp *m, int max_batch,
                                 dl2o_mlp_cache *c);
void dl2o_mlp_cache_free(const dl2o_backend *be, dl2o_mlp_cache *c);

/* y (B, n_out) = mlp(u (B, n_in)). params is the model's whole block. */
void dl2o_mlp_forward(const dl2o_backend *be, const dl2o_mlp *m, const float *params,
                      dl2o_mlp_cache *c, int B, const float *u, float *y);
/* Given dy (B, n_out) for the last forward, accumulates dparams (+=) and
 * writes du (B, n_in) when du is not NULL. */
void dl2o_mlp_backward(const dl2o_backend *be, const dl2o_mlp *m, const float *params,
                       dl2o_mlp_cache *c, int B, const float *dy, float *dparams, float *du);

#endif
