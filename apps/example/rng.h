/* Small deterministic PRNG for the example: xoshiro256** seeded by splitmix64.
 * The whole state is four u64 words, saved in every checkpoint. */
#ifndef DCKPT_EXAMPLE_RNG_H
#define DCKPT_EXAMPLE_RNG_H

#include <stdint.h>

typedef struct ex_rng {
  uint64_t s[4];
} ex_rng;

/** Seeds the generator from one 64-bit value (splitmix64 fills the state). */
void ex_rng_seed(ex_rng *rng, uint64_t seed);
/** Next 64 random bits. */
uint64_t ex_rng_next(ex_rng *rng);
/** Uniform double in [0, 1), 53 random bits. */
double ex_rng_uniform(ex_rng *rng);
/** Uniform integer in [0, bound) for bound >= 1 (rejection, no modulo bias). */
uint64_t ex_rng_below(ex_rng *rng, uint64_t bound);
/** Standard normal deviate (Box-Muller; one of the pair is discarded so that
 *  the state is the only thing a checkpoint must carry). */
double ex_rng_normal(ex_rng *rng);

/** Seed of the (algorithm, trial) pair, as in the Python ancestor:
 *  (base + 0x9E3779B9*(alg+1) + 0x85EBCA6B*(trial+1)) mod 2^32. */
uint64_t ex_pair_seed(uint64_t base, int64_t alg, int64_t trial);

#endif
