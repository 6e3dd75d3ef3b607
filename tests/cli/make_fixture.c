/* Builds a real checkpoint directory through the public API for the CLI tests
 * (tests/cli/cli_test.sh):
 *
 *   usage: cli_fixture DIR
 *
 *   metadata   n_trials 3, algorithms DGD (20 iterations) and EXTRA (10),
 *              benchmark_metadata {"problem":"quadratic","agents":8}, seed 42
 *   DGD        trial 0 complete (saves 4, 9, 14, final 19), trial 1 in progress
 *              (saves 4, 9), trial 2 not started
 *   EXTRA      trials 0, 1, 2 complete (save 4, final 9)
 *   metrics    saved with its completion marker
 *
 * Every checkpoint holds: x f64 [2,3] = {it + 0.1, 1/3, 2/3, 1e-300, -2.5,
 * trial}, rng u64 [4] = {2^64-1, 1, 2, it}, f f32 [3] = {0.1, 1.5, -3.25},
 * iteration i64 scalar = it, note bytes "hello", header {"alg","trial","iteration"}.
 * Compression level 3, keep_n 2, checkpoint step 5.
 */
#include <stdio.h>

#include "check.h"
#include "dckpt.h"

static dckpt_record *make_state(const char *alg, int64_t trial, int64_t it) {
  dckpt_record *rec = dckpt_record_create();
  CHECK(rec != NULL);
  const double x[6] = {(double)it + 0.1, 1.0 / 3.0, 2.0 / 3.0,
                       1e-300,           -2.5,      (double)trial};
  const uint64_t x_shape[2] = {2, 3};
  const uint64_t rng[4] = {UINT64_MAX, 1, 2, (uint64_t)it};
  const float f[3] = {0.1f, 1.5f, -3.25f};
  const uint64_t f_shape[1] = {3};
  CHECK_OK(dckpt_record_put(rec, "x", DCKPT_F64, 2, x_shape, x));
  CHECK_OK(dckpt_record_put_u64(rec, "rng", rng, 4));
  CHECK_OK(dckpt_record_put(rec, "f", DCKPT_F32, 1, f_shape, f));
  CHECK_OK(dckpt_record_put(rec, "iteration", DCKPT_I64, 0, NULL, &it));
  CHECK_OK(dckpt_record_put_bytes(rec, "note", "hello", 5));
  char header[256];
  snprintf(header, sizeof header, "{\"alg\":\"%s\",\"trial\":%lld,\"iteration\":%lld}",
           alg, (long long)trial, (long long)it);
  CHECK_OK(dckpt_record_set_header(rec, header));
  return rec;
}

/* Saves at the due iterations below `upto`, then marks complete at `final`
 * when final >= 0. */
static void run_trial(dckpt_store *st, const char *alg, int64_t a, int64_t t,
                      int64_t upto, int64_t final) {
  for (int64_t it = 0; it < upto; it++) {
    bool due = false;
    CHECK_OK(dckpt_store_should_checkpoint(st, it, &due));
    if (!due) continue;
    dckpt_record *rec = make_state(alg, t, it);
    CHECK_OK(dckpt_store_save(st, a, t, it, rec));
    dckpt_record_free(rec);
  }
  if (final < 0) return;
  dckpt_record *rec = make_state(alg, t, final);
  CHECK_OK(dckpt_store_mark_complete(st, a, t, final, rec));
  dckpt_record_free(rec);
}

static void initialize(dckpt_store *st) {
  dckpt_algorithm_info algs[2] = {{.name = "DGD", .iterations = 20},
                                  {.name = "EXTRA", .iterations = 10}};
  dckpt_metadata meta = {.n_trials = 3,
                         .n_algorithms = 2,
                         .algorithms = algs,
                         .benchmark_metadata = "{\"problem\":\"quadratic\",\"agents\":8}",
                         .has_seed = true,
                         .rng_seed = 42};
  dckpt_record *initial = dckpt_record_create();
  dckpt_record *problem = dckpt_record_create();
  CHECK(initial && problem);
  const double zeros[3] = {0, 0, 0};
  const double a[4] = {2, 0, 0, 3};
  const uint64_t a_shape[2] = {2, 2};
  CHECK_OK(dckpt_record_put_f64(initial, "x0", zeros, 3));
  CHECK_OK(dckpt_record_put(problem, "A", DCKPT_F64, 2, a_shape, a));
  CHECK_OK(dckpt_store_initialize(st, &meta, initial, problem));
  dckpt_record_free(initial);
  dckpt_record_free(problem);
}

static void save_metrics(dckpt_store *st) {
  dckpt_record *m = dckpt_record_create();
  CHECK(m != NULL);
  const double regret[6] = {1.0, 0.5, 0.25, 2.0, 1.0, 0.5};
  const uint64_t shape[2] = {2, 3};
  CHECK_OK(dckpt_record_put(m, "regret", DCKPT_F64, 2, shape, regret));
  CHECK_OK(dckpt_record_set_header(m, "{\"metrics\":[\"regret\"]}"));
  CHECK_OK(dckpt_store_save_metrics(st, m));
  dckpt_record_free(m);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: cli_fixture DIR\n");
    return 2;
  }
  dckpt_store_options opts;
  dckpt_store_options_init(&opts);
  opts.checkpoint_step = 5;
  opts.keep_n = 2;
  opts.compression_level = 3;
  opts.durability = DCKPT_DURABILITY_NONE;
  opts.flags = DCKPT_OPEN_WRITE;
  dckpt_store *st = NULL;
  int rc = dckpt_store_open(argv[1], &opts, &st);
  if (rc != DCKPT_OK) {
    fprintf(stderr, "cli_fixture: %s\n", st ? dckpt_store_errmsg(st) : "out of memory");
    dckpt_store_close(st);
    return 1;
  }
  initialize(st);
  run_trial(st, "DGD", 0, 0, 19, 19);
  run_trial(st, "DGD", 0, 1, 12, -1);
  for (int64_t t = 0; t < 3; t++)
    run_trial(st, "EXTRA", 1, t, 9, 9);
  save_metrics(st);
  dckpt_store_close(st);
  return 0;
}
