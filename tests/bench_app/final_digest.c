/* Prints a digest of every trial's final record of a dckpt-bench campaign,
 * for comparing campaigns bit for bit:
 *
 *   bench_final_digest DIR [--metrics]
 *
 * One line per (algorithm, trial): "NAME TRIAL ITERATION DIGEST", where the
 * digest is FNV-1a 64 over the record's JSON header and, for every array in
 * order, its name, dtype, shape and bytes; ITERATION is the record's
 * "_dckpt_iteration". With --metrics a last line "metrics DIGEST" covers the
 * campaign's metrics record (what the tables and plots are drawn from).
 * The store is opened read-only (no lock taken). Exit 0, or 1 with a message. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "dckpt.h"

#define FNV_OFFSET 1469598103934665603ull
#define FNV_PRIME  1099511628211ull

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++)
    h = (h ^ b[i]) * FNV_PRIME;
  return h;
}

static uint64_t digest(const dckpt_record *r) {
  const char *header = dckpt_record_header(r);
  uint64_t h = fnv(FNV_OFFSET, header ? header : "", header ? strlen(header) + 1 : 1);
  for (size_t i = 0; i < dckpt_record_count(r); i++) {
    dckpt_array_info a;
    if (dckpt_record_at(r, i, &a) != DCKPT_OK) return 0;
    h = fnv(h, a.name, strlen(a.name) + 1);
    int32_t meta[2] = {(int32_t)a.dtype, (int32_t)a.ndim};
    h = fnv(h, meta, sizeof meta);
    h = fnv(h, a.shape, (size_t)a.ndim * sizeof a.shape[0]);
    if (a.nbytes) h = fnv(h, a.data, (size_t)a.nbytes);
  }
  return h;
}

static int64_t iteration(const dckpt_record *r) {
  dckpt_array_info a;
  int64_t k = -1;
  if (dckpt_record_find(r, "_dckpt_iteration", &a) == DCKPT_OK && a.dtype == DCKPT_I64 &&
      a.nelems == 1)
    memcpy(&k, a.data, sizeof k);
  return k;
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "--metrics") != 0)) {
    fprintf(stderr, "usage: bench_final_digest DIR [--metrics]\n");
    return 2;
  }
  bool metrics = argc == 3;
  dckpt_store_options o;
  dckpt_store_options_init(&o);
  o.flags = DCKPT_OPEN_READ;
  dckpt_store *s = NULL;
  dckpt_result *res = NULL;
  int rc = dckpt_store_open(argv[1], &o, &s);
  if (rc == DCKPT_OK) rc = dckpt_store_load_results(s, &res);
  if (rc != DCKPT_OK) {
    fprintf(stderr, "bench_final_digest: %s: %s\n", argv[1],
            s ? dckpt_store_errmsg(s) : dckpt_strerror(rc));
    dckpt_store_close(s);
    return 1;
  }
  for (size_t a = 0; a < dckpt_result_n_algorithms(res); a++)
    for (int64_t t = 0; t < dckpt_result_n_trials(res); t++) {
      const dckpt_record *r = dckpt_result_trial(res, a, t);
      printf("%s %" PRId64 " %" PRId64 " %016" PRIx64 "\n",
             dckpt_result_algorithm_name(res, a), t, iteration(r), digest(r));
    }
  dckpt_result_free(res);
  if (metrics) {
    bool computed = false;
    dckpt_record *m = NULL;
    rc = dckpt_store_metrics_computed(s, &computed);
    if (rc == DCKPT_OK && !computed) rc = DCKPT_ENOENT;
    if (rc == DCKPT_OK) rc = dckpt_store_load_metrics(s, &m);
    if (rc != DCKPT_OK) {
      fprintf(stderr, "bench_final_digest: %s: no metrics record: %s\n", argv[1],
              computed ? dckpt_store_errmsg(s) : "metrics not computed");
      dckpt_store_close(s);
      return 1;
    }
    printf("metrics %016" PRIx64 "\n", digest(m));
    dckpt_record_free(m);
  }
  dckpt_store_close(s);
  return fflush(stdout) == 0 ? 0 : 1;
}
