#include "rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void dl2o_rng_init(dl2o_rng *rng, uint64_t seed, uint64_t stream, uint64_t index)
{
    /* Mix the three keys through splitmix so nearby keys give unrelated states. */
    uint64_t x = seed;
    uint64_t a = splitmix64(&x);
    x = a ^ (stream * 0xD1B54A32D192ED03ull);
    uint64_t b = splitmix64(&x);
    x = b ^ (index * 0xAEF17502108EF2D9ull);
    for (int i = 0; i < 4; i++) rng->s[i] = splitmix64(&x);
    rng->has_spare = 0;
    rng->spare = 0.0;
}

uint64_t dl2o_rng_next(dl2o_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double dl2o_rng_uniform(dl2o_rng *rng) { return (double)(dl2o_rng_next(rng) >> 11) * 0x1.0p-53; }

double dl2o_rng_normal(dl2o_rng *rng)
{
    if (rng->has_spare) {
        rng->has_spare = 0;
        return rng->spare;
    }
    double u1 = 1.0 - dl2o_rng_uniform(rng); /* (0, 1]: log is finite */
    double u2 = dl2o_rng_uniform(rng);
    double r = sqrt(-2.0 * log(u1));
    double a = 6.283185307179586476925286766559 * u2;
    rng->spare = r * sin(a);
    rng->has_spare = 1;
    return r * cos(a);
}

uint64_t dl2o_rng_below(dl2o_rng *rng, uint64_t n)
{
    /* Rejection keeps it unbiased. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t r;
    do r = dl2o_rng_next(rng);
    while (r >= limit);
    return r % n;
}
