/* The state bench_store saves: solver-like, x_i = sin(i * 1e-3) + 1e-3 * N(0, 1)
 * over the whole state, split into two float64 arrays "algorithm" and
 * "network" of shape AGENTS x dim, plus RNG_WORDS u64 words "rng_state", as
 * the ancestor's checkpoint holds an algorithm state, a network state and an
 * RNG state. The normal deviates come from dckpt's public generator. */
#include <math.h>
#include <string.h>

#include "bench_store.h"
#include "bench_util.h"

/* Fills x[0..n) and rng[0..RNG_WORDS) from `seed`. */
static void make_state(double *x, size_t n, uint64_t *rng, uint64_t seed) {
  dckpt_rng r;
  dckpt_rng_seed(&r, seed);
  for (size_t i = 0; i < n; i++)
    x[i] = sin((double)i * 1e-3) + 1e-3 * dckpt_rng_normal(&r);
  /* Shaped like numpy's PCG64 state: state hi/lo, inc hi/lo, has_uint32, uinteger. */
  for (unsigned i = 0; i < 4; i++)
    rng[i] = r.s[i];
  rng[4] = 0;
  rng[5] = 0;
}

dckpt_record *make_record(uint64_t state, uint64_t seed, unsigned char **bufp) {
  const size_t n = (size_t)(state / sizeof(double));
  const size_t half = n / 2;
  unsigned char *buf = bench_xmalloc((size_t)state + RNG_WORDS * sizeof(uint64_t));
  double *x = (double *)(void *)buf;
  uint64_t *rngw = (uint64_t *)(void *)(buf + state);
  make_state(x, n, rngw, seed);
  dckpt_record *rec = dckpt_record_create();
  if (!rec) bench_die("out of memory");
  const uint64_t shape[2] = {AGENTS, half / AGENTS};
  const uint64_t rshape[1] = {RNG_WORDS};
  if (dckpt_record_put_ref(rec, "algorithm", DCKPT_F64, 2, shape, x) != DCKPT_OK ||
      dckpt_record_put_ref(rec, "network", DCKPT_F64, 2, shape, x + half) != DCKPT_OK ||
      dckpt_record_put_ref(rec, "rng_state", DCKPT_U64, 1, rshape, rngw) != DCKPT_OK)
    bench_die("dckpt_record_put_ref: %s", dckpt_record_errmsg(rec));
  *bufp = buf;
  return rec;
}

void verify_loaded(const dckpt_record *rec, const unsigned char *buf, uint64_t state) {
  static const char *const names[3] = {"algorithm", "network", "rng_state"};
  const size_t half = (size_t)(state / sizeof(double) / 2 * sizeof(double));
  const size_t off[3] = {0, half, (size_t)state};
  const size_t len[3] = {half, half, RNG_WORDS * sizeof(uint64_t)};
  for (int i = 0; i < 3; i++) {
    dckpt_array_info ai;
    if (dckpt_record_find(rec, names[i], &ai) != DCKPT_OK)
      bench_die("loaded checkpoint lacks array '%s'", names[i]);
    if (ai.nbytes != len[i] || memcmp(ai.data, buf + off[i], len[i]) != 0)
      bench_die("loaded array '%s' differs from what was saved", names[i]);
  }
}
