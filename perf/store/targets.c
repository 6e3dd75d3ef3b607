/* The performance targets of the store (docs/performance.md), one
 * PASS / FAIL / SKIP line each, with the measured value. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "bench_store.h"
#include "bench_util.h"

enum { FAIL = 0, PASS = 1, SKIP = 2 };

__attribute__((format(printf, 3, 4))) static void verdict(verdicts *v, int state,
                                                          const char *fmt, ...);
static void verdict(verdicts *v, int state, const char *fmt, ...) {
  static const char *const tag[3] = {"FAIL", "PASS", "SKIP"};
  va_list ap;
  va_start(ap, fmt);
  printf("- **%s** ", tag[state]);
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  if (state == PASS)
    v->pass++;
  else if (state == FAIL)
    v->fail++;
  else
    v->skip++;
}

static const size_result *find_size(const options *o, const size_result *res,
                                    uint64_t s) {
  for (size_t i = 0; i < o->n_sizes; i++)
    if (res[i].state_bytes == s) return &res[i];
  return NULL;
}

static void durable_64m(verdicts *v, const size_result *r) {
  if (!r) {
    verdict(v, SKIP, "durable save of 64 MiB ≥ 0.8× write+fsync: 64M not in --sizes");
    return;
  }
  double q = ratio(r, M_WRITE_FSYNC, M_DCKPT_FULL);
  verdict(v, q >= 0.8,
          "durable save of 64 MiB ≥ 0.8× write+fsync throughput: %.2f× (%.0f vs %.0f "
          "MiB/s)",
          q, bench_mibs(r->state_bytes, r->m[M_DCKPT_FULL].median),
          bench_mibs(r->state_bytes, r->m[M_WRITE_FSYNC].median));
  double rot = phase_median(r, 0, "rotate");
  if (!isnan(rot) && q > 0)
    printf("  - info: without its `rotate` step (%.1f ms: moving the oldest checkpoint "
           "aside) "
           "the durable save would reach %.2f×\n",
           rot * 1e3, r->m[M_WRITE_FSYNC].median / (r->m[M_DCKPT_FULL].median - rot));
}

static void durable_64k(verdicts *v, const size_result *r) {
  if (!r) {
    verdict(v, SKIP, "64 KiB durable save ≤ 3 ms: 64K not in --sizes");
    return;
  }
  double ms = r->m[M_DCKPT_FULL].median * 1e3;
  verdict(v, ms <= 3.0, "64 KiB durable (FULL) save ≤ 3 ms median: %.2f ms", ms);
}

static void file_vs_raw(verdicts *v, const options *o, const size_result *res) {
  for (size_t i = 0; i < o->n_sizes; i++) {
    char lbl[32];
    bench_format_size(res[i].state_bytes, lbl, sizeof lbl);
    double q = (double)res[i].raw_bytes / (double)res[i].dckpt_file;
    verdict(v, q >= 1.25, "%s: dckpt file ≥ 1.25× smaller than raw: %.3f×", lbl, q);
  }
}

static void loads_vs_ancestor(verdicts *v, const options *o, const size_result *res) {
  for (size_t i = 0; i < o->n_sizes; i++) {
    char lbl[32];
    bench_format_size(res[i].state_bytes, lbl, sizeof lbl);
    double q = ratio(&res[i], M_ANC_LOAD_WARM, M_LOAD_WARM);
    verdict(v, q >= 3.0, "%s: load ≥ 3× faster than the ancestor (warm cache): %.2f×",
            lbl, q);
    double qc = ratio(&res[i], M_ANC_LOAD_COLD, M_LOAD_COLD);
    if (!isnan(qc))
      printf("  - info: %s cold (after drop_caches): %.2f× the ancestor; not a target, "
             "both sides wait for the same device reads\n",
             lbl, qc);
  }
}

static void vs_ancestor(verdicts *v, const options *o, const size_result *res) {
  const size_result *r64k = find_size(o, res, 64 * KIB);
  const size_result *r64m = find_size(o, res, 64 * MIB);
  if (r64k) {
    double q = ratio(r64k, M_ANC_SAVE, M_DCKPT_NONE);
    verdict(v, q >= 3.0, "64 KiB save ≥ 3× faster than the ancestor (no fsync): %.2f×",
            q);
  }
  if (r64m) {
    double q = ratio(r64m, M_ANC_SAVE, M_DCKPT_NONE);
    verdict(v, q >= 1.5, "64 MiB save ≥ 1.5× faster than the ancestor (no fsync): %.2f×",
            q);
  }
  loads_vs_ancestor(v, o, res);
  for (size_t i = 0; i < o->n_sizes; i++) {
    char lbl[32];
    bench_format_size(res[i].state_bytes, lbl, sizeof lbl);
    if (!res[i].anc_file) continue;
    double q = (double)res[i].anc_file / (double)res[i].dckpt_file;
    verdict(v, q >= 1.2, "%s: dckpt file ≥ 1.2× smaller than the ancestor's: %.3f×", lbl,
            q);
  }
}

verdicts print_targets(const options *o, const size_result *res, bool ancestor) {
  verdicts v = {0, 0, 0};
  printf("\n### Targets\n\n");
  durable_64m(&v, find_size(o, res, 64 * MIB));
  file_vs_raw(&v, o, res);
  durable_64k(&v, find_size(o, res, 64 * KIB));
  if (ancestor)
    vs_ancestor(&v, o, res);
  else
    verdict(&v, SKIP,
            "ancestor targets: run with --ancestor perf/baselines/ancestor_baseline.py");
  return v;
}
