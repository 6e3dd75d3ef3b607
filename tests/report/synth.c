#include "synth.h"

#include <math.h>

static const char *const alg_names[SYNTH_ALGS] = {"DGD", "EXTRA", "gradient_tracking"};
static const char *const metric_names[SYNTH_METRICS] = {
    "suboptimality", "consensus error", "messages sent"};

/* splitmix64: tiny, seedable, good enough for plot noise. */
static double uniform(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return (double)(z >> 11) / 9007199254740992.0;
}

static double value(int a, int m, int t, double it, uint64_t *rng) {
  double jitter = 1.0 + 0.6 * (uniform(rng) - 0.5);
  double rate[SYNTH_ALGS] = {0.008, 0.025, 0.035};
  switch (m) {
  case 0: /* DGD stalls at a floor set by its constant step; the others converge */
    return (a == 0 ? 1e-2 * (1.0 + 0.1 * t) : 0.0) + 10.0 * exp(-rate[a] * it) * jitter;
  case 1: return 2.0 * exp(-2.0 * rate[a] * it) * jitter + 1e-3 * (1.0 + uniform(rng));
  default: return (double)(2 + a) * 40.0 * it * (1.0 + 0.02 * (uniform(rng) - 0.5));
  }
}

void synth_fill(synth_run *r) {
  for (int i = 0; i < SYNTH_POINTS; i++)
    r->iterations[i] = 10 * i;
  uint64_t rng = 12345;
  for (int m = 0; m < SYNTH_METRICS; m++)
    for (int a = 0; a < SYNTH_ALGS; a++) {
      int k = m * SYNTH_ALGS + a;
      for (int t = 0; t < SYNTH_TRIALS; t++)
        for (int i = 0; i < SYNTH_POINTS; i++)
          r->values[k][t * SYNTH_POINTS + i] = value(a, m, t, 10.0 * i, &rng);
      r->series[k] = (report_series){alg_names[a],  metric_names[m], SYNTH_POINTS,
                                     r->iterations, SYNTH_TRIALS,    r->values[k]};
    }
}
