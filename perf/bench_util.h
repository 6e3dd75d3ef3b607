/* Small helpers shared by the benchmark programs under perf/: a monotonic
 * clock, medians, fatal errors and allocation, paths, sizes written as "64K",
 * the page cache, the load average, and removing a scratch directory tree. */
#ifndef DCKPT_BENCH_UTIL_H
#define DCKPT_BENCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Seconds on CLOCK_MONOTONIC. */
double bench_now(void);

/** qsort() comparison of two doubles, ascending. */
int bench_cmp_double(const void *a, const void *b);

/** Median of v[0, n) (0 when n is 0); v is left as it was. */
double bench_median(const double *v, size_t n);

/** Removes `path` and everything below it, if it exists (best effort: a
 *  benchmark's scratch directory). */
void bench_remove_tree(const char *path);

/** Prints "PROG: message" on stderr and exits with status 1. `prog` is the
 *  program's name, set once with bench_set_prog (default "bench"). */
__attribute__((format(printf, 1, 2), noreturn)) void bench_die(const char *fmt, ...);
void bench_set_prog(const char *prog);

/** malloc() that never returns NULL (bench_die instead); n may be 0. */
void *bench_xmalloc(size_t n);

/** "a/b" in new memory (caller frees). */
char *bench_path_join(const char *a, const char *b);

/** "64K", "1M", "2G", "64KiB", "1048576" -> bytes (K/M/G = KiB/MiB/GiB).
 *  False for anything else, 0, or more than 64 GiB. */
bool bench_parse_size(const char *s, uint64_t *out);

/** "64 KiB", "1 MiB", "1000 B": the largest unit that divides b. */
void bench_format_size(uint64_t b, char *out, size_t n);

/** MiB per second for `bytes` in `secs` (0 when secs is not positive). */
double bench_mibs(uint64_t bytes, double secs);

/** sync(), then 3 into /proc/sys/vm/drop_caches; false when not allowed
 *  (needs root). */
bool bench_drop_caches(void);

/** The 1-minute load average from /proc/loadavg, or -1. */
double bench_loadavg1(void);

#endif
