/* The fixture of the power-loss tests: a two-algorithm campaign whose every
 * record is derived from its coordinates, so that recovery can tell exactly
 * which bytes it got back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "io/trace.h"
#include "pl.h"
#include "testutil.h"

/* 1200 doubles: about three 4 KiB blocks once compressed, so that torn
 * writes have places to tear. */
#define STATE_N 1200

static const char *const alg_names[PL_ALGS] = {"alpha", "beta"};

static void quiet(void *ctx, dckpt_log_level level, const char *msg) {
  (void)ctx, (void)level, (void)msg;
}

dckpt_store_options pl_store_options(const pl_run *r) {
  dckpt_store_options o;
  dckpt_store_options_init(&o);
  o.keep_n = 2;
  o.durability = r->durability;
  o.log = quiet;
  o.log_level = DCKPT_LOG_ERROR;
  return o;
}

dckpt_store *pl_open(const pl_run *r) {
  dckpt_store_options o = pl_store_options(r);
  dckpt_store *s = NULL;
  int rc = dckpt_store_open(r->dir, &o, &s);
  if (rc != DCKPT_OK) CHECK_FAIL_("open '%s': %s", r->dir, dckpt_store_errmsg(s));
  return s;
}

dckpt_metadata pl_plan(const pl_version *v) {
  static dckpt_algorithm_info algs[PL_ALGS];
  for (int a = 0; a < PL_ALGS; a++)
    algs[a] =
        (dckpt_algorithm_info){.name = alg_names[a], .iterations = v->iterations[a]};
  dckpt_metadata m = {0};
  m.n_trials = v->n_trials;
  m.algorithms = algs;
  m.n_algorithms = PL_ALGS;
  m.benchmark_metadata = (char *)"{\"campaign\": \"powerloss\"}";
  m.rng_seed = 2026;
  m.has_seed = true;
  return m;
}

static uint64_t seed_of(int64_t alg, int64_t trial) {
  return 1000 + 10 * (uint64_t)alg + (uint64_t)trial;
}

dckpt_record *pl_state(int64_t alg, int64_t trial, int64_t i) {
  return tu_state(seed_of(alg, trial), i, STATE_N);
}

bool pl_state_equal(const dckpt_record *rec, int64_t alg, int64_t trial, int64_t i) {
  return tu_state_equal(rec, seed_of(alg, trial), i, STATE_N);
}

dckpt_record *pl_segment(int64_t alg, int64_t trial, int64_t seq) {
  return tu_state(9000 + seed_of(alg, trial), seq, 40);
}

bool pl_segment_equal(const dckpt_record *rec, int64_t alg, int64_t trial, int64_t seq) {
  return tu_state_equal(rec, 9000 + seed_of(alg, trial), seq, 40);
}

dckpt_record *pl_state_listing(int64_t alg, int64_t trial, int64_t i) {
  dckpt_record *r = pl_state(alg, trial, i);
  uint64_t digests[PL_STEPS];
  CHECK(i >= 1 && i <= PL_STEPS);
  for (int64_t s = 0; s < i; s++) {
    dckpt_record *seg = pl_segment(alg, trial, s);
    CHECK_OK(dckpt_record_digest(seg, &digests[s]));
    dckpt_record_free(seg);
  }
  CHECK_OK(dckpt_record_put_u64(r, DCKPT_SEGMENTS_KEY, digests, (uint64_t)i));
  return r;
}

dckpt_record *pl_initial(void) {
  return tu_state(77, -1, 64);
}

dckpt_record *pl_problem(void) {
  return tu_state(78, -1, 64);
}

dckpt_record *pl_metrics(int v) {
  return tu_state(500 + (uint64_t)v, 0, 300);
}

dckpt_run_status pl_status(int v) {
  dckpt_run_status st;
  dckpt_run_status_init(&st);
  st.status = DCKPT_EINTERRUPTED;
  st.exit_code = 75;
  snprintf(st.message, sizeof st.message, "stopped by the power-loss test, version %d",
           v);
  st.pairs_total = 7;
  st.iterations_run = v;
  return st;
}

pl_version pl_none(void) {
  pl_version v;
  memset(&v, 0, sizeof v);
  for (int a = 0; a < PL_ALGS; a++)
    for (int t = 0; t < PL_TRIALS; t++)
      v.last[a][t] = -1;
  return v;
}

pl_version pl_fresh(int64_t n_trials) {
  pl_version v = pl_none();
  v.run = true;
  v.n_trials = n_trials;
  v.iterations[0] = v.iterations[1] = 3;
  return v;
}

void pl_ok(int version, const char *label) {
  char text[256];
  snprintf(text, sizeof text, "v%d %s", version, label);
  dckpt_trace_mark(text);
}

int pl_mark_version(const char *record_text) {
  int v = -1;
  return sscanf(record_text, "mark \"v%d ", &v) == 1 ? v : -1;
}

void pl_initialize_with(dckpt_store *s, const pl_version *v) {
  dckpt_metadata plan = pl_plan(v);
  dckpt_record *init = pl_initial(), *prob = pl_problem();
  int rc = dckpt_store_initialize(s, &plan, init, prob);
  if (rc != DCKPT_OK) CHECK_FAIL_("initialize: %s", dckpt_store_errmsg(s));
  dckpt_record_free(init);
  dckpt_record_free(prob);
}
