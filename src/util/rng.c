/* xoshiro256** (Blackman & Vigna) seeded through splitmix64, and the pair
 * seed of the ancestor. Written from the published algorithm descriptions. */
#include <math.h>

#include "dckpt.h"

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

void dckpt_rng_seed(dckpt_rng *rng, uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64(&x);
}

uint64_t dckpt_rng_next(dckpt_rng *rng) {
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

double dckpt_rng_uniform(dckpt_rng *rng) {
  return (double)(dckpt_rng_next(rng) >> 11) * 0x1.0p-53;
}

double dckpt_rng_normal(dckpt_rng *rng) {
  for (;;) {
    double u = 2.0 * dckpt_rng_uniform(rng) - 1.0;
    double v = 2.0 * dckpt_rng_uniform(rng) - 1.0;
    double r2 = u * u + v * v;
    if (r2 > 0.0 && r2 < 1.0) return u * sqrt(-2.0 * log(r2) / r2);
  }
}

uint64_t dckpt_rng_below(dckpt_rng *rng, uint64_t n) {
  if (n <= 1) return 0;
  /* Rejection of the top partial range keeps every value equally likely. */
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do
    x = dckpt_rng_next(rng);
  while (x >= limit);
  return x % n;
}

uint64_t dckpt_pair_seed(uint64_t run_seed, int64_t alg, int64_t trial) {
  uint64_t s = run_seed + 0x9E3779B9ull * (uint64_t)(alg + 1) +
               0x85EBCA6Bull * (uint64_t)(trial + 1);
  return s & 0xFFFFFFFFull;
}
