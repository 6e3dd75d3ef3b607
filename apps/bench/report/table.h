/* The results table: rows metric × statistic, one column per algorithm, and
 * its three renderings (plain text, LaTeX, CSV). */
#ifndef DCKPT_REPORT_TABLE_H
#define DCKPT_REPORT_TABLE_H

#include <stdbool.h>
#include <stdio.h>

#include "series.h"

/** An algorithm's diverged trials: those in which any of its metrics turned
 *  non-finite after finite values (stat_diverged). */
typedef struct table_divergence {
  int64_t n_trials;   /* the most trials of its series */
  int64_t n_diverged; /* trials that diverged */
  int64_t first;      /* the earliest iteration one did; -1 when none */
} table_divergence;

typedef struct report_table {
  report_layout lay;
  stat_summary *cell;    /* [(m * REPORT_N_STATS + stat) * n_alg + a] */
  table_divergence *div; /* [a] */
  bool any_diverged;     /* then the renderings add the "diverged" rows first */
} report_table;

/** Labels of the "diverged" rows (metric column, then each statistic). */
#define TABLE_DIVERGED        "diverged"
#define TABLE_DIVERGED_TRIALS "trials"
#define TABLE_DIVERGED_FROM   "from iteration"

int table_build(report_table *T, const report_series *s, size_t n, char *err,
                size_t errlen);
void table_free(report_table *T);

static inline const stat_summary *table_cell(const report_table *T, size_t m,
                                             report_stat st, size_t a) {
  return &T->cell[(m * REPORT_N_STATS + (size_t)st) * T->lay.n_alg + a];
}

/* Emitters write to `out` and return 0, or -1 when the stream failed. */
int table_emit_txt(FILE *out, const report_table *T);
int table_emit_tex(FILE *out, const report_table *T);
int table_emit_csv(FILE *out, const report_table *T);

#endif
