/* rng.h — seedable, reproducible random streams.
 *
 * Generator: xoshiro256** seeded by splitmix64 from (seed, stream, index).
 * Every random quantity in dl2o comes from a named stream, and the index
 * selects an independent sub-stream (an instance, a call), so results do not
 * depend on thread count or on the order in which instances are processed.
 *
 *   stream              index            draws
 *   DL2O_STREAM_THETA    instance i       theta of training instance i
 *   DL2O_STREAM_STARTS   instance i       random starts of its local runs
 *   DL2O_STREAM_WEIGHTS  0                network initialization
 *   DL2O_STREAM_BATCH    step             minibatch indices
 *   DL2O_STREAM_NOISE    step             diffusion times and noise in training
 *   DL2O_STREAM_PROBES   0                probe points
 *   DL2O_STREAM_SAMPLE   call counter     sampler noise of one propose() call
 *   DL2O_STREAM_BENCH    instance i       held-out instances (benchmarks, demo)
 *   DL2O_STREAM_HOPS     run r            NLopt multistart: hop step or uniform start of run r
 *
 * Normals come from Box-Muller on 53-bit uniforms, one pair per two draws.
 */
#ifndef DL2O_RNG_H
#define DL2O_RNG_H

#include <stdint.h>

enum {
    DL2O_STREAM_THETA = 1,
    DL2O_STREAM_STARTS = 2,
    DL2O_STREAM_WEIGHTS = 3,
    DL2O_STREAM_BATCH = 4,
    DL2O_STREAM_NOISE = 5,
    DL2O_STREAM_PROBES = 6,
    DL2O_STREAM_SAMPLE = 7,
    DL2O_STREAM_BENCH = 8,
    DL2O_STREAM_HOPS = 9
};

typedef struct dl2o_rng {
    uint64_t s[4];
    double spare;
    int has_spare;
} dl2o_rng;

void dl2o_rng_init(dl2o_rng *rng, uint64_t seed, uint64_t stream, uint64_t index);
uint64_t dl2o_rng_next(dl2o_rng *rng);
double dl2o_rng_uniform(dl2o_rng *rng);            /* [0, 1) */
double dl2o_rng_normal(dl2o_rng *rng);             /* N(0, 1) */
uint64_t dl2o_rng_below(dl2o_rng *rng, uint64_t n); /* uniform in [0, n), n > 0 */

#endif
