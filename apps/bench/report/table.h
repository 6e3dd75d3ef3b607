/* The results table: rows metric × statistic, one column per algorithm, and
 * its three renderings (plain text, LaTeX, CSV). */
#ifndef DCKPT_REPORT_TABLE_H
#define DCKPT_REPORT_TABLE_H

#include <stdio.h>

#include "series.h"

typedef struct report_table {
  report_layout lay;
  stat_summary *cell; /* [(m * REPORT_N_STATS + stat) * n_alg + a] */
} report_table;

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
