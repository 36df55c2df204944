/* reference.h — best-known optima for held-out instances (benchmarks, demo).
 *   lasso-MxN:   exact, cyclic coordinate descent with the box as bounds,
 *                run until no coordinate moves by 1e-15 (convex problem).
 *   ackley-N:    0 at x = A^-1 b when that lies in the box; otherwise the
 *                instance has no known optimum (returns NaN).
 *   rastrigin-N: lattice enumeration inside the ellipsoid that bounds every
 *                better point, from a multistart incumbent, each enumerated
 *                point polished by L-BFGS (rastrigin_fstar.c).
 *   user families: the best of `starts` L-BFGS runs from random starts.
 *   Benchmarks merge in every method's result. */
#ifndef DL2O_REFERENCE_H
#define DL2O_REFERENCE_H

#include <stdint.h>

#include "dl2o.h"

/* Returns f* and writes its x (dim_x); NaN when none is known. The random
 * starts come from the stream (seed, DL2O_STREAM_STARTS, index). */
double dl2o_reference_optimum(const dl2o_family *fam, const double *theta, uint64_t seed,
                              uint64_t index, int starts, double *x);

/* The rastrigin-N case of dl2o_reference_optimum (fam must be a standard
 * rastrigin family): at most min(starts, 50) random starts give the first
 * incumbent. Returns f* and writes its x; NaN when out of memory. */
double dl2o_rastrigin_fstar(const dl2o_family *fam, const double *theta, uint64_t seed,
                            uint64_t index, int starts, double *x);

#endif
