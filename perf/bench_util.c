#define _XOPEN_SOURCE 700 /* nftw(), clock_gettime(), sync() */
#include "bench_util.h"

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define KIB ((uint64_t)1024)
#define MIB (KIB * KIB)
#define GIB (MIB * KIB)

static const char *bench_prog = "bench";

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
  double *c = bench_xmalloc(n * sizeof *c);
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

void bench_set_prog(const char *prog) {
  bench_prog = prog;
}

void bench_die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: ", bench_prog);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

void *bench_xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) bench_die("out of memory (%zu bytes)", n);
  return p;
}

char *bench_path_join(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  char *p = bench_xmalloc(la + lb + 2);
  memcpy(p, a, la);
  p[la] = '/';
  memcpy(p + la + 1, b, lb + 1);
  return p;
}

bool bench_parse_size(const char *s, uint64_t *out) {
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || end == s || s[0] == '-') return false;
  uint64_t mul = 1;
  switch (*end) {
  case 'K':
  case 'k': mul = KIB; break;
  case 'M':
  case 'm': mul = MIB; break;
  case 'G':
  case 'g': mul = GIB; break;
  default: break;
  }
  if (mul != 1) end++;
  if (*end == 'i' && end[1] == 'B')
    end += 2;
  else if (*end == 'B')
    end++;
  if (*end != '\0' || v == 0 || v > 64 * GIB / mul) return false;
  *out = (uint64_t)v * mul;
  return true;
}

void bench_format_size(uint64_t b, char *out, size_t n) {
  if (b >= MIB && b % MIB == 0)
    snprintf(out, n, "%llu MiB", (unsigned long long)(b / MIB));
  else if (b >= KIB && b % KIB == 0)
    snprintf(out, n, "%llu KiB", (unsigned long long)(b / KIB));
  else
    snprintf(out, n, "%llu B", (unsigned long long)b);
}

double bench_mibs(uint64_t bytes, double secs) {
  return secs > 0 ? (double)bytes / (double)MIB / secs : 0.0;
}

bool bench_drop_caches(void) {
  sync();
  FILE *f = fopen("/proc/sys/vm/drop_caches", "w");
  if (!f) return false;
  bool ok = fputs("3\n", f) >= 0;
  if (fclose(f) != 0) ok = false;
  return ok;
}

double bench_loadavg1(void) {
  FILE *f = fopen("/proc/loadavg", "r");
  double v = -1;
  if (f) {
    if (fscanf(f, "%lf", &v) != 1) v = -1;
    fclose(f);
  }
  return v;
}
