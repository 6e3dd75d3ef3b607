/* xoshiro256** 1.0 and splitmix64 (public-domain algorithms by Blackman and
 * Vigna), written out for the example. */
#include "rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

void ex_rng_seed(ex_rng *rng, uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64(&x);
}

uint64_t ex_rng_next(ex_rng *rng) {
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

double ex_rng_uniform(ex_rng *rng) {
  return (double)(ex_rng_next(rng) >> 11) * 0x1.0p-53;
}

uint64_t ex_rng_below(ex_rng *rng, uint64_t bound) {
  uint64_t limit = UINT64_MAX - UINT64_MAX % bound; /* multiple of bound */
  uint64_t r;
  do
    r = ex_rng_next(rng);
  while (r >= limit);
  return r % bound;
}

double ex_rng_normal(ex_rng *rng) {
  double u1 = 1.0 - ex_rng_uniform(rng); /* (0, 1]: log is finite */
  double u2 = ex_rng_uniform(rng);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

uint64_t ex_pair_seed(uint64_t base, int64_t alg, int64_t trial) {
  uint64_t a = (uint64_t)alg + 1, t = (uint64_t)trial + 1;
  return (base + 0x9E3779B9u * a + 0x85EBCA6Bu * t) & 0xFFFFFFFFu;
}
