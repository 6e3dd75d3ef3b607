#define _XOPEN_SOURCE 700 /* nftw(), clock_gettime() */
#include "bench_util.h"

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

static int remove_entry(const char *path, const struct stat *sb, int flag,
                        struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  remove(path);
  return 0;
}

void bench_remove_tree(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0) return;
  nftw(path, remove_entry, 32, FTW_DEPTH | FTW_PHYS);
}
