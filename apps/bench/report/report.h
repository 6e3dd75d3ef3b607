/*
 * dckpt_report — tables and plots of benchmark metric series.
 *
 * Pure data in, files out: the caller hands over, for every (algorithm,
 * metric) pair, the metric's value at each recorded iteration of each trial;
 * this library writes results/table.txt, table.tex, table.csv and
 * plots_fig<N>.png. It knows nothing about MPI or the checkpoint store.
 *
 * Conventions
 *  - Functions return 0 on success and -1 on failure; on failure `err`
 *    (capacity `errlen`, may be NULL/0) holds a message naming the file or the
 *    offending series and the cause.
 *  - Series are grouped by metric name across algorithms. Algorithms and
 *    metrics keep the order of their first appearance in the array.
 *  - Non-finite values (NaN, ±inf) mean "no value": they are skipped by every
 *    statistic and leave gaps in plots. Nothing crashes on them. A trial
 *    whose metric turns non-finite after finite values and stays so has
 *    diverged (report_diverged_at): the tables then count such trials per
 *    algorithm and mark the min/avg cells that cover them.
 *  - Every file is replaced atomically (temporary file in the same directory,
 *    fsync, rename, directory fsync): a kill leaves the old file or the new one.
 *  - Not thread-safe only in the sense that two calls must not write the same
 *    directory at once.
 */
#ifndef DCKPT_BENCH_REPORT_H
#define DCKPT_BENCH_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** One metric of one algorithm over all trials. Nothing is copied or freed. */
typedef struct report_series {
  const char *algorithm;     /**< legend label / table column; non-empty */
  const char *metric;        /**< e.g. "suboptimality"; non-empty */
  int64_t n_points;          /**< recorded iterations, >= 0 */
  const int64_t *iterations; /**< x values, n_points, strictly increasing */
  int64_t n_trials;          /**< >= 0 */
  const double *values;      /**< n_trials × n_points, row-major by trial */
} report_series;

/** Per-trial scalars summarised in the tables (one row per metric × stat). */
typedef enum report_stat {
  REPORT_STAT_FINAL, /**< value at the series' last recorded iteration */
  REPORT_STAT_MIN,   /**< smallest finite value over the iterations */
  REPORT_STAT_AVG,   /**< trapezoidal average over the iteration range */
  REPORT_N_STATS
} report_stat;

/** Where a trial's metric diverged: of the n values v[0], v[stride],
 *  v[2 * stride], ..., the index where the stretch of non-finite values (NaN,
 *  ±inf) that ends them begins, when a finite value comes before it; -1 when
 *  the last value is finite or none is (a metric that never had a finite
 *  value, such as accuracy on a least-squares problem, did not diverge; a
 *  gap followed by finite values is a gap). The one rule of "diverged" for
 *  the tables and dckpt-bench: such a trial has no final value, while its
 *  min and avg cover only the iterations before. */
int64_t report_diverged_at(const double *v, size_t stride, int64_t n);

/** Row label of a statistic: "final", "min", "avg". */
const char *report_stat_name(report_stat stat);

/** Writes `dir`/table.txt, table.tex and table.csv (creating `dir` itself if
 *  it is missing; its parent must exist). Cells are mean ± sample standard
 *  deviation across trials of the per-trial statistic. */
int report_write_tables(const char *dir, const report_series *s, size_t n, char *err,
                        size_t errlen);

/** Whether `dir`/table.txt, table.tex and table.csv hold, byte for byte,
 *  what report_write_tables would write for these series (false also when
 *  one is missing or unreadable, or when rendering fails). */
bool report_tables_match(const char *dir, const report_series *s, size_t n);

/** Prints the table.txt layout to `out` (the runner's end-of-run summary). */
int report_print_table(FILE *out, const report_series *s, size_t n, char *err,
                       size_t errlen);

/** Most metrics drawn in one figure (panels side by side). */
#define REPORT_METRICS_PER_FIGURE 3

/** Writes `dir`/plots_fig1.png, plots_fig2.png, ...: each metric against
 *  iteration, mean across trials as a line and the min–max range as a band,
 *  one colour per algorithm. Figures left over from an earlier call with more
 *  metrics are removed. `n_figures` (may be NULL) receives the count written. */
int report_write_plots(const char *dir, const report_series *s, size_t n, int *n_figures,
                       char *err, size_t errlen);

/** 1 when the plots draw `metric` on a log y axis: every finite value of the
 *  metric (all algorithms, trials, iterations) is > 0 and max/min > 100.
 *  0 otherwise, including when the metric is absent or has no finite value. */
int report_metric_log_scale(const report_series *s, size_t n, const char *metric);

/** The colour of the algorithm with index `i` (order of first appearance):
 *  `band` = 0 gives the line colour, 1 the band's colour as rendered over a
 *  white background. Colours come from the Okabe–Ito palette and cycle after
 *  eight; later cycles are drawn dashed. */
void report_palette_color(size_t i, int band, unsigned char rgb[3]);

#ifdef __cplusplus
}
#endif

#endif
