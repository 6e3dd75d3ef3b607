/* Small helpers shared by the benchmark programs under perf/: a monotonic
 * clock, medians, and removing a scratch directory tree. */
#ifndef DCKPT_BENCH_UTIL_H
#define DCKPT_BENCH_UTIL_H

#include <stddef.h>

/** Seconds on CLOCK_MONOTONIC. */
double bench_now(void);

/** qsort() comparison of two doubles, ascending. */
int bench_cmp_double(const void *a, const void *b);

/** Median of v[0, n) (0 when n is 0); v is left as it was. */
double bench_median(const double *v, size_t n);

/** Removes `path` and everything below it, if it exists (best effort: a
 *  benchmark's scratch directory). */
void bench_remove_tree(const char *path);

#endif
