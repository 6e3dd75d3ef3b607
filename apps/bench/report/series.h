/* Validation and grouping of report series, and the statistics computed
 * from them. Shared by the table and plot writers. */
#ifndef DCKPT_REPORT_SERIES_H
#define DCKPT_REPORT_SERIES_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"

/** The series arranged as a metric × algorithm grid. */
typedef struct report_layout {
  size_t n_alg, n_met;
  const char **alg; /* names, order of first appearance */
  const char **met;
  const report_series **cell; /* [m * n_alg + a]; NULL when absent */
} report_layout;

/** Checks every series and builds the grid. On failure `L` is empty and
 *  `err` names the offending series. */
int layout_build(report_layout *L, const report_series *s, size_t n, char *err,
                 size_t errlen);
void layout_free(report_layout *L);

static inline const report_series *layout_cell(const report_layout *L, size_t m,
                                               size_t a) {
  return L->cell[m * L->n_alg + a];
}

/** A statistic summarised across trials: only trials where it is finite count. */
typedef struct stat_summary {
  double mean, std;   /* std: sample (n-1); NaN when n_ok < 2; mean NaN when 0 */
  int64_t n_ok;       /* trials with a finite value */
  int64_t n_trials;   /* all trials of the series (0 when the series is absent) */
  int64_t n_diverged; /* trials whose values turn non-finite after finite ones */
} stat_summary;

/** The iteration at which trial `t` of `s` diverged (report_diverged_at), or
 *  -1 when it did not. */
int64_t stat_diverged(const report_series *s, int64_t t);

/** The per-trial scalar `stat` of trial `t`; NaN when it has no finite value. */
double stat_trial(const report_series *s, int64_t t, report_stat stat);

/** Mean and spread of stat_trial over the trials; `s` may be NULL. */
stat_summary stat_summarize(const report_series *s, report_stat stat);

/** Across the trials at point `i`: mean, min and max of the finite values.
 *  Returns how many trials were finite (0: the outputs are NaN). */
int64_t stat_point(const report_series *s, int64_t i, double *mean, double *lo,
                   double *hi);

/** Smallest and largest finite value of one series; 0 when it has none. */
int stat_range(const report_series *s, double *lo, double *hi);

#endif
