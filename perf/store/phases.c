/* Where a save spends its time: the store calls its step hook before each
 * step of the commit protocol; timestamping the calls splits every save into
 * steps at negligible cost. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench_store.h"
#include "bench_util.h"

void phase_hook(void *ctx, const char *step) {
  phase_log *pl = ctx;
  double t = bench_now();
  if (pl->n >= MAX_EVENTS) return;
  snprintf(pl->name[pl->n], PHASE_NAME, "%s", step ? step : "?");
  pl->t[pl->n] = t;
  pl->n++;
}

/* The slot of step `name` (added when new); MAX_PHASES when full. */
static size_t phase_index(phase_acc *pa, const char *name) {
  for (size_t i = 0; i < pa->n_names; i++)
    if (strcmp(pa->names[i], name) == 0) return i;
  if (pa->n_names == MAX_PHASES) return MAX_PHASES;
  snprintf(pa->names[pa->n_names], PHASE_NAME, "%s", name);
  return pa->n_names++;
}

/* A step lasts from its hook call until the next one (the last until t1). */
void phase_add(phase_acc *pa, int rep, const phase_log *pl, double t0, double t1) {
  const char *prev = "(before first step)";
  double tprev = t0;
  for (size_t i = 0; i <= pl->n; i++) {
    double t = (i < pl->n) ? pl->t[i] : t1;
    size_t k = phase_index(pa, prev);
    if (k < MAX_PHASES) pa->v[k][rep] += t - tprev;
    if (i < pl->n) {
      prev = pl->name[i];
      tprev = t;
    }
  }
}

void phase_summarize(const phase_acc *pa, int reps, phase_stat *out, size_t *n_out) {
  *n_out = pa->n_names;
  for (size_t i = 0; i < pa->n_names; i++) {
    snprintf(out[i].name, PHASE_NAME, "%s", pa->names[i]);
    out[i].med = summarize(pa->v[i], reps).median;
  }
}

double phase_median(const size_result *r, int dur, const char *name) {
  for (size_t k = 0; k < r->n_phases[dur]; k++)
    if (strcmp(r->phases[dur][k].name, name) == 0) return r->phases[dur][k].med;
  return NAN;
}
