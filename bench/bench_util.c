#define _XOPEN_SOURCE 700 /* nftw(), clock_gettime() */
#include "bench_util.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int bench_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double bench_median(const double *v, size_t n) {
  if (n == 0) return 0;
  double *c = malloc(n * sizeof *c);
  if (!c) {
    fprintf(stderr, "bench: out of memory\n");
    exit(1);
  }
  memcpy(c, v, n * sizeof *c);
  qsort(c, n, sizeof *c, bench_cmp_double);
  double m = n % 2 ? c[n / 2] : 0.5 * (c[n / 2 - 1] + c[n / 2]);
  free(c);
  return m;
}

/* nftw() passes no context: the tree being removed is one at a time. */
static const char *remove_prog;
static int remove_failures;

static int remove_entry(const char *path, const struct stat *sb, int flag,
                        struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  if (remove(path) != 0) {
    remove_failures++;
    if (remove_prog)
      fprintf(stderr, "%s: remove %s: %s\n", remove_prog, path, strerror(errno));
  }
  return 0;
}

int bench_remove_tree(const char *path, const char *prog) {
  struct stat st;
  if (lstat(path, &st) != 0) return 0;
  remove_prog = prog;
  remove_failures = 0;
  nftw(path, remove_entry, 32, FTW_DEPTH | FTW_PHYS);
  return remove_failures;
}
