/* The markdown tables of a run: durable saves, saves without fsync, loads,
 * CPU only, file sizes, and where the saves spend their time. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench_store.h"
#include "bench_util.h"

/* "12.3 (11.9) ms, 1234 MiB/s" */
static const char *cell(const size_result *r, method m, char *out, size_t n) {
  const stat_cell *s = &r->m[m];
  if (!s->have) {
    snprintf(out, n, "—");
    return out;
  }
  double med = s->median * 1e3, mn = s->min * 1e3;
  int prec = med < 10 ? 2 : med < 100 ? 1 : 0;
  snprintf(out, n, "%.*f (%.*f) ms, %.0f MiB/s", prec, med, prec, mn,
           bench_mibs(r->state_bytes, s->median));
  return out;
}

double ratio(const size_result *r, method num, method den) {
  if (!r->m[num].have || !r->m[den].have || r->m[den].median <= 0) return NAN;
  return r->m[num].median / r->m[den].median;
}

static void print_ratio(double v) {
  if (isnan(v))
    printf(" — |");
  else
    printf(" %.2f× |", v);
}

static void print_durable(const options *o, const size_result *res, bool ancestor) {
  char a[96], b[96], c[96], d[96], lbl[32];
  printf("\n### Durable saves (fsync), median (min) of N runs\n\n");
  printf(
      "| state | N | dckpt save FULL | write+fsync | tmp+write+fsync+rename+dir fsync |"
      " dckpt / write+fsync throughput |%s\n",
      ancestor ? " ancestor save +fsync |" : "");
  printf("|---|---|---|---|---|---|%s\n", ancestor ? "---|" : "");
  for (size_t i = 0; i < o->n_sizes; i++) {
    const size_result *r = &res[i];
    bench_format_size(r->state_bytes, lbl, sizeof lbl);
    printf("| %s | %d | %s | %s | %s |", lbl, r->m[M_DCKPT_FULL].reps,
           cell(r, M_DCKPT_FULL, a, sizeof a), cell(r, M_WRITE_FSYNC, b, sizeof b),
           cell(r, M_WRITE_RENAME, c, sizeof c));
    print_ratio(ratio(r, M_WRITE_FSYNC, M_DCKPT_FULL));
    if (ancestor) printf(" %s |", cell(r, M_ANC_SAVE_FSYNC, d, sizeof d));
    printf("\n");
  }
}

static void print_nondurable(const options *o, const size_result *res, bool ancestor) {
  char a[96], b[96], c[96], lbl[32];
  printf("\n### Saves without fsync (DCKPT_DURABILITY_NONE), median (min)\n\n");
  printf("| state | dckpt save NONE | write (no fsync) |%s\n",
         ancestor ? " ancestor save (no fsync) | dckpt speed-up vs ancestor |" : "");
  printf("|---|---|---|%s\n", ancestor ? "---|---|" : "");
  for (size_t i = 0; i < o->n_sizes; i++) {
    const size_result *r = &res[i];
    bench_format_size(r->state_bytes, lbl, sizeof lbl);
    printf("| %s | %s | %s |", lbl, cell(r, M_DCKPT_NONE, a, sizeof a),
           cell(r, M_WRITE_ONLY, b, sizeof b));
    if (ancestor) {
      printf(" %s |", cell(r, M_ANC_SAVE, c, sizeof c));
      print_ratio(ratio(r, M_ANC_SAVE, M_DCKPT_NONE));
    }
    printf("\n");
  }
}

/* The ancestor's columns of the loads table for one size. */
static void print_ancestor_loads(const size_result *r) {
  char a[96], e[96];
  printf(" %s | %s |", cell(r, M_ANC_LOAD_WARM, a, sizeof a),
         cell(r, M_ANC_LOAD_COLD, e, sizeof e));
  double w = ratio(r, M_ANC_LOAD_WARM, M_LOAD_WARM);
  double cl = ratio(r, M_ANC_LOAD_COLD, M_LOAD_COLD);
  if (isnan(w))
    printf(" — |");
  else if (isnan(cl))
    printf(" %.2f× |", w);
  else
    printf(" %.2f× (%.2f×) |", w, cl);
}

static void print_loads(const options *o, const size_result *res, bool ancestor) {
  char a[96], b[96], c[96], d[96], lbl[32];
  printf("\n### Loads, median (min)\n\n");
  printf("| state | dckpt load warm | read() raw warm | dckpt load cold | read() raw "
         "cold |%s\n",
         ancestor
             ? " ancestor load warm | ancestor load cold | dckpt speed-up warm (cold) |"
             : "");
  printf("|---|---|---|---|---|%s\n", ancestor ? "---|---|---|" : "");
  for (size_t i = 0; i < o->n_sizes; i++) {
    const size_result *r = &res[i];
    bench_format_size(r->state_bytes, lbl, sizeof lbl);
    printf("| %s | %s | %s | %s | %s |", lbl, cell(r, M_LOAD_WARM, a, sizeof a),
           cell(r, M_READ_WARM, b, sizeof b), cell(r, M_LOAD_COLD, c, sizeof c),
           cell(r, M_READ_COLD, d, sizeof d));
    if (ancestor) print_ancestor_loads(r);
    printf("\n");
  }
}

static void print_cpu(const options *o, const size_result *res) {
  char a[96], b[96], c[96], lbl[32];
  printf("\n### CPU only, in memory (no file system), median (min)\n\n");
  printf("| state | dckpt_record_encode level %d (shuffle + zstd) | dckpt_record_parse |"
         " ZSTD_compress level 1, no shuffle |\n|---|---|---|---|\n",
         o->level);
  for (size_t i = 0; i < o->n_sizes; i++) {
    const size_result *r = &res[i];
    bench_format_size(r->state_bytes, lbl, sizeof lbl);
    printf("| %s | %s | %s | %s |\n", lbl, cell(r, M_ENCODE, a, sizeof a),
           cell(r, M_DECODE, b, sizeof b), cell(r, M_ZSTD1, c, sizeof c));
  }
}

static void print_sizes(const options *o, const size_result *res, bool ancestor) {
  char lbl[32];
  printf("\n### File sizes (bytes; ratio = raw / file)\n\n");
  printf("| state | raw | dckpt (level %d, shuffle) | zstd level 1, no shuffle |%s\n",
         o->level, ancestor ? " ancestor pickle + zstd 1 | ancestor / dckpt |" : "");
  printf("|---|---|---|---|%s\n", ancestor ? "---|---|" : "");
  for (size_t i = 0; i < o->n_sizes; i++) {
    const size_result *r = &res[i];
    bench_format_size(r->state_bytes, lbl, sizeof lbl);
    printf("| %s | %llu | %llu (%.3f×) | %llu (%.3f×) |", lbl,
           (unsigned long long)r->raw_bytes, (unsigned long long)r->dckpt_file,
           (double)r->raw_bytes / (double)r->dckpt_file,
           (unsigned long long)r->zstd1_bytes,
           (double)r->raw_bytes / (double)r->zstd1_bytes);
    if (ancestor && r->anc_file)
      printf(" %llu (%.3f×) | %.3f× |", (unsigned long long)r->anc_file,
             (double)r->raw_bytes / (double)r->anc_file,
             (double)r->anc_file / (double)r->dckpt_file);
    else if (ancestor)
      printf(" — | — |");
    printf("\n");
  }
}

void print_tables(const options *o, const size_result *res, bool ancestor) {
  print_durable(o, res, ancestor);
  print_nondurable(o, res, ancestor);
  print_loads(o, res, ancestor);
  print_cpu(o, res);
  print_sizes(o, res, ancestor);
  for (int dur = 0; dur < 2 && o->phases && o->n_sizes > 0; dur++)
    print_phase_table(res, o->n_sizes, dur);
}
