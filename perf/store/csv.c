/* --csv: every measurement of a run, one row per size and method (and per
 * commit step), read by perf/summarize_store.py. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bench_store.h"
#include "bench_util.h"

const char *const method_key[M_COUNT] = {
    "dckpt_save_full", "write_fsync",         "write_fsync_rename", "dckpt_save_none",
    "write_nofsync",   "dckpt_load_warm",     "read_warm",          "dckpt_load_cold",
    "read_cold",       "dckpt_encode",        "dckpt_decode",       "zstd1_noshuffle",
    "ancestor_save",   "ancestor_save_fsync", "ancestor_load_warm", "ancestor_load_cold"};

/* The size of the file that method m wrote, 0 when it wrote none. */
static uint64_t file_bytes(const size_result *r, int m) {
  if (m == M_DCKPT_FULL || m == M_DCKPT_NONE) return r->dckpt_file;
  if (m == M_WRITE_FSYNC || m == M_WRITE_RENAME || m == M_WRITE_ONLY) return r->raw_bytes;
  if (m == M_ZSTD1) return r->zstd1_bytes;
  if (m == M_ANC_SAVE || m == M_ANC_SAVE_FSYNC) return r->anc_file;
  return 0;
}

static void write_size(FILE *f, const size_result *r) {
  for (int m = 0; m < M_COUNT; m++) {
    const stat_cell *s = &r->m[m];
    if (!s->have) continue;
    fprintf(f, "%llu,%s,%d,%.9f,%.9f,%.3f,%.3f,%llu\n",
            (unsigned long long)r->state_bytes, method_key[m], s->reps, s->median, s->min,
            bench_mibs(r->state_bytes, s->median), bench_mibs(r->state_bytes, s->min),
            (unsigned long long)file_bytes(r, m));
  }
  for (int d = 0; d < 2; d++)
    for (size_t k = 0; k < r->n_phases[d]; k++)
      fprintf(f, "%llu,%s:%s,%d,%.9f,,,\n", (unsigned long long)r->state_bytes,
              d == 0 ? "phase_full" : "phase_none", r->phases[d][k].name,
              r->m[d == 0 ? M_DCKPT_FULL : M_DCKPT_NONE].reps, r->phases[d][k].med);
}

void write_csv(const char *path, const options *o, const size_result *res) {
  FILE *f = fopen(path, "w");
  if (!f) bench_die("cannot write --csv %s: %s", path, strerror(errno));
  fprintf(f,
          "size_bytes,method,reps,median_s,min_s,median_mib_s,best_mib_s,file_bytes\n");
  for (size_t i = 0; i < o->n_sizes; i++)
    write_size(f, &res[i]);
  if (fclose(f) != 0) bench_die("writing --csv %s: %s", path, strerror(errno));
}
