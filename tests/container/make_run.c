/* Builds a checkpoint directory through the public API for the container
 * tests, with every kind of array a record can hold:
 *
 *   container_fixture DIR N_ALGS N_TRIALS [STATE_ELEMS]
 *
 * Trial t of algorithm a is complete when (a + t) % 3 == 0, in progress when
 * it is 1, not started when it is 2; trials save at iterations 4, 9, 14
 * (keep 2) and complete ones are marked at 19. Every checkpoint holds:
 *   x        f64 [STATE_ELEMS]   (default 300) values of a noisy sine
 *   m        f32 [2, 3]
 *   cube     f64 [2, 2, 2]
 *   it       i64 scalar           the iteration
 *   rng      u64 [4]              {2^64-1, a, t, it}
 *   note     bytes                "a/t/it"
 *   empty    f64 [0]              zero-length
 *   nothing  bytes [0]            zero-length bytes
 *   flat     i64 [0, 5]           zero elements, two dimensions
 *   neg      i64 [3]              {-1, INT64_MIN, INT64_MAX}
 * with the header {"alg": a, "trial": t, "iteration": it}. The problem
 * record holds one array of every dtype, the initial record none, the
 * metrics record one f64 [A, 3]; results/table.txt and run_status.json are
 * written as a run leaves them. Compression level 3. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "dckpt.h"

static dckpt_record *state(int64_t a, int64_t t, int64_t it, uint64_t n) {
  dckpt_record *r = dckpt_record_create();
  CHECK(r != NULL);
  double *x = malloc(n * sizeof *x + 8);
  CHECK(x != NULL);
  uint64_t s = (uint64_t)(a * 1000003 + t * 1009 + it) | 1;
  for (uint64_t i = 0; i < n; i++) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    x[i] = sin((double)i * 1e-2 + (double)it) + (double)(s >> 11) * 0x1p-60;
  }
  const float m[6] = {0.1f, -1.5f, 3.25f, 1e-30f, -0.0f, 7.0f};
  const double cube[8] = {1, 2, 3, 4, 5, 6, 7, -8e300};
  const uint64_t rng[4] = {UINT64_MAX, (uint64_t)a, (uint64_t)t, (uint64_t)it};
  const int64_t neg[3] = {-1, INT64_MIN, INT64_MAX};
  const uint64_t sx[1] = {n}, sm[2] = {2, 3}, sc[3] = {2, 2, 2}, s0[1] = {0},
                 sf[2] = {0, 5};
  char note[64], header[128];
  snprintf(note, sizeof note, "%lld/%lld/%lld", (long long)a, (long long)t,
           (long long)it);
  CHECK_OK(dckpt_record_put(r, "x", DCKPT_F64, 1, sx, x));
  CHECK_OK(dckpt_record_put(r, "m", DCKPT_F32, 2, sm, m));
  CHECK_OK(dckpt_record_put(r, "cube", DCKPT_F64, 3, sc, cube));
  CHECK_OK(dckpt_record_put(r, "it", DCKPT_I64, 0, NULL, &it));
  CHECK_OK(dckpt_record_put_u64(r, "rng", rng, 4));
  CHECK_OK(dckpt_record_put_bytes(r, "note", note, strlen(note)));
  CHECK_OK(dckpt_record_put(r, "empty", DCKPT_F64, 1, s0, NULL));
  CHECK_OK(dckpt_record_put(r, "nothing", DCKPT_BYTES, 1, s0, NULL));
  CHECK_OK(dckpt_record_put(r, "flat", DCKPT_I64, 2, sf, NULL));
  CHECK_OK(dckpt_record_put_i64(r, "neg", neg, 3));
  snprintf(header, sizeof header, "{\"alg\":%lld,\"trial\":%lld,\"iteration\":%lld}",
           (long long)a, (long long)t, (long long)it);
  CHECK_OK(dckpt_record_set_header(r, header));
  free(x);
  return r;
}

static dckpt_record *problem(void) {
  dckpt_record *r = dckpt_record_create();
  const double f64[3] = {1.5, -2.5, 1e-300};
  const float f32[2] = {0.25f, -8.0f};
  const int64_t i64[2] = {-7, 7};
  const uint64_t u64[2] = {0, UINT64_MAX}, s2[1] = {2}, s3[1] = {3};
  CHECK_OK(dckpt_record_put(r, "f64", DCKPT_F64, 1, s3, f64));
  CHECK_OK(dckpt_record_put(r, "f32", DCKPT_F32, 1, s2, f32));
  CHECK_OK(dckpt_record_put(r, "i64", DCKPT_I64, 1, s2, i64));
  CHECK_OK(dckpt_record_put(r, "u64", DCKPT_U64, 1, s2, u64));
  CHECK_OK(dckpt_record_put_bytes(r, "bytes", "\0\1\2\377", 4));
  CHECK_OK(dckpt_record_set_header(r, "{\"problem\":\"container fixture\"}"));
  return r;
}

static void trial(dckpt_store *st, int64_t a, int64_t t, uint64_t n) {
  int kind = (int)((a + t) % 3);
  if (kind == 2) return;
  for (int64_t it = 4; it <= 14; it += 5) {
    dckpt_record *r = state(a, t, it, n);
    CHECK_OK(dckpt_store_save(st, a, t, it, r));
    dckpt_record_free(r);
  }
  if (kind != 0) return;
  dckpt_record *r = state(a, t, 19, n);
  CHECK_OK(dckpt_store_mark_complete(st, a, t, 19, r));
  dckpt_record_free(r);
}

static int write_text(const char *path, const char *text, size_t len) {
  dckpt_file_writer *w = NULL;
  int rc = dckpt_file_writer_open(path, DCKPT_DURABILITY_NONE, &w);
  if (rc == DCKPT_OK) rc = dckpt_file_writer_write(w, text, len);
  if (rc == DCKPT_OK) rc = dckpt_file_writer_commit(w);
  dckpt_file_writer_free(w);
  return rc;
}

static void extras(const char *dir, int64_t n_algs) {
  char path[4200];
  snprintf(path, sizeof path, "%s/results", dir);
  CHECK(mkdir(path, 0777) == 0);
  snprintf(path, sizeof path, "%s/results/table.txt", dir);
  const char table[] = "metric  A  B\nerror   1  2\n";
  CHECK_OK(write_text(path, table, sizeof table - 1));
  snprintf(path, sizeof path, "%s/run_status.json", dir);
  const char status[] = "{\"status\":\"OK\",\"exit_code\":0}\n";
  CHECK_OK(write_text(path, status, sizeof status - 1));
  dckpt_store_options o;
  dckpt_store_options_init(&o);
  dckpt_store *st = NULL;
  CHECK_OK(dckpt_store_open(dir, &o, &st));
  dckpt_record *m = dckpt_record_create();
  double *v = calloc((size_t)n_algs * 3 + 1, sizeof *v);
  for (int64_t i = 0; i < n_algs * 3; i++)
    v[i] = (double)i / 7.0;
  const uint64_t shape[2] = {(uint64_t)n_algs, 3};
  CHECK_OK(dckpt_record_put(m, "values", DCKPT_F64, 2, shape, v));
  CHECK_OK(dckpt_store_save_metrics(st, m));
  dckpt_record_free(m);
  free(v);
  dckpt_store_close(st);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: container_fixture DIR N_ALGS N_TRIALS [STATE_ELEMS]\n");
    return 2;
  }
  const char *dir = argv[1];
  int64_t n_algs = atoll(argv[2]), n_trials = atoll(argv[3]);
  uint64_t n = argc > 4 ? (uint64_t)atoll(argv[4]) : 300;
  dckpt_store_options o;
  dckpt_store_options_init(&o);
  o.checkpoint_step = 5;
  o.keep_n = 2;
  o.compression_level = 3;
  o.durability = DCKPT_DURABILITY_NONE;
  dckpt_store *st = NULL;
  CHECK_OK(dckpt_store_open(dir, &o, &st));
  dckpt_algorithm_info *algs = calloc((size_t)n_algs, sizeof *algs);
  char(*names)[32] = calloc((size_t)n_algs, sizeof *names);
  for (int64_t a = 0; a < n_algs; a++) {
    snprintf(names[a], sizeof names[a], "alg%lld", (long long)a);
    algs[a] = (dckpt_algorithm_info){.name = names[a], .iterations = 20};
  }
  dckpt_metadata meta = {.n_trials = n_trials,
                         .n_algorithms = (size_t)n_algs,
                         .algorithms = algs,
                         .benchmark_metadata = "{\"fixture\":true}",
                         .has_seed = true,
                         .rng_seed = 42,
                         .format_version = 1};
  dckpt_record *p = problem();
  CHECK_OK(dckpt_store_initialize(st, &meta, NULL, p));
  dckpt_record_free(p);
  for (int64_t a = 0; a < n_algs; a++)
    for (int64_t t = 0; t < n_trials; t++)
      trial(st, a, t, n);
  dckpt_store_close(st);
  extras(dir, n_algs);
  free(algs);
  free(names);
  return 0;
}
