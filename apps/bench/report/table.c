#include "table.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "outfile.h"

const char *report_stat_name(report_stat stat) {
  switch (stat) {
  case REPORT_STAT_FINAL: return "final";
  case REPORT_STAT_MIN: return "min";
  case REPORT_STAT_AVG: return "avg";
  case REPORT_N_STATS: break;
  }
  return "?";
}

/* Trial t of algorithm a diverged at the earliest iteration any of its
 * metrics did. */
static void divergence_of(const report_layout *L, size_t a, table_divergence *d) {
  d->n_trials = d->n_diverged = 0;
  d->first = -1;
  for (size_t m = 0; m < L->n_met; m++) {
    const report_series *s = layout_cell(L, m, a);
    if (s && s->n_trials > d->n_trials) d->n_trials = s->n_trials;
  }
  for (int64_t t = 0; t < d->n_trials; t++) {
    int64_t at = -1;
    for (size_t m = 0; m < L->n_met; m++) {
      const report_series *s = layout_cell(L, m, a);
      int64_t i = s && t < s->n_trials ? stat_diverged(s, t) : -1;
      if (i >= 0 && (at < 0 || i < at)) at = i;
    }
    if (at < 0) continue;
    d->n_diverged++;
    if (d->first < 0 || at < d->first) d->first = at;
  }
}

int table_build(report_table *T, const report_series *s, size_t n, char *err,
                size_t errlen) {
  memset(T, 0, sizeof *T);
  if (layout_build(&T->lay, s, n, err, errlen) != 0) return -1;
  size_t cells = T->lay.n_met * REPORT_N_STATS * T->lay.n_alg;
  T->cell = calloc(cells ? cells : 1, sizeof *T->cell);
  if (!T->cell) {
    table_free(T);
    return report_errf(err, errlen, "out of memory building the table");
  }
  for (size_t m = 0; m < T->lay.n_met; m++)
    for (int st = 0; st < REPORT_N_STATS; st++)
      for (size_t a = 0; a < T->lay.n_alg; a++)
        T->cell[(m * REPORT_N_STATS + (size_t)st) * T->lay.n_alg + a] =
            stat_summarize(layout_cell(&T->lay, m, a), (report_stat)st);
  T->div = calloc(T->lay.n_alg ? T->lay.n_alg : 1, sizeof *T->div);
  if (!T->div) {
    table_free(T);
    return report_errf(err, errlen, "out of memory building the table");
  }
  for (size_t a = 0; a < T->lay.n_alg; a++)
    divergence_of(&T->lay, a, &T->div[a]);
  for (size_t a = 0; a < T->lay.n_alg; a++)
    T->any_diverged = T->any_diverged || T->div[a].n_diverged > 0;
  return 0;
}

void table_free(report_table *T) {
  layout_free(&T->lay);
  free(T->cell);
  free(T->div);
  T->cell = NULL;
  T->div = NULL;
}

/* Renders into memory first so the file on disk is replaced in one step. */
static int write_one(const char *dir, const char *name,
                     int (*emit)(FILE *, const report_table *), const report_table *T,
                     char *err, size_t errlen) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) return report_errno(err, errlen, errno, "%s/%s: cannot render", dir, name);
  int rc = emit(f, T);
  if (fclose(f) != 0) rc = -1;
  if (rc != 0) {
    free(buf);
    return report_errf(err, errlen, "%s/%s: out of memory rendering", dir, name);
  }
  rc = report_file_write(dir, name, buf, len, err, errlen);
  free(buf);
  return rc;
}

static const struct {
  const char *name;
  int (*emit)(FILE *, const report_table *);
} outputs[] = {
    {"table.txt", table_emit_txt},
    {"table.tex", table_emit_tex},
    {"table.csv", table_emit_csv},
};

/* Whether the file dir/name holds exactly the table `emit` renders. */
static bool one_matches(const char *dir, const char *name,
                        int (*emit)(FILE *, const report_table *),
                        const report_table *T) {
  char *want = NULL, *path = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&want, &len);
  if (!f) return false;
  int rc = emit(f, T);
  if (fclose(f) != 0) rc = -1;
  bool same = false;
  size_t plen = strlen(dir) + strlen(name) + 2;
  if (rc == 0 && (path = malloc(plen)) != NULL) {
    snprintf(path, plen, "%s/%s", dir, name);
    FILE *in = fopen(path, "rb");
    if (in) {
      size_t at = 0, got;
      char buf[8192];
      same = true;
      while (same && (got = fread(buf, 1, sizeof buf, in)) > 0) {
        same = at + got <= len && memcmp(want + at, buf, got) == 0;
        at += got;
      }
      same = same && !ferror(in) && at == len;
      fclose(in);
    }
  }
  free(path);
  free(want);
  return same;
}

bool report_tables_match(const char *dir, const report_series *s, size_t n) {
  char err[256];
  report_table T;
  if (table_build(&T, s, n, err, sizeof err) != 0) return false;
  bool same = true;
  for (size_t i = 0; same && i < sizeof outputs / sizeof outputs[0]; i++)
    same = one_matches(dir, outputs[i].name, outputs[i].emit, &T);
  table_free(&T);
  return same;
}

int report_write_tables(const char *dir, const report_series *s, size_t n, char *err,
                        size_t errlen) {
  report_table T;
  if (table_build(&T, s, n, err, errlen) != 0) return -1;
  int rc = report_ensure_dir(dir, err, errlen);
  for (size_t i = 0; rc == 0 && i < sizeof outputs / sizeof outputs[0]; i++)
    rc = write_one(dir, outputs[i].name, outputs[i].emit, &T, err, errlen);
  table_free(&T);
  return rc;
}

int report_print_table(FILE *out, const report_series *s, size_t n, char *err,
                       size_t errlen) {
  if (!out) return report_errf(err, errlen, "no output stream to print the table to");
  report_table T;
  if (table_build(&T, s, n, err, errlen) != 0) return -1;
  errno = 0;
  int rc = table_emit_txt(out, &T);
  if (rc == 0 && fflush(out) != 0) rc = -1;
  table_free(&T);
  if (rc != 0)
    return report_errno(err, errlen, errno ? errno : EIO, "cannot print the table");
  return 0;
}
