/* What the race drivers of locks and leases (race.c, lease_race.c) share: a
 * seeded generator, formatted paths, files read back and counted. Header-only,
 * included by one program each. */
#ifndef DCKPT_TESTS_RACE_UTIL_H
#define DCKPT_TESTS_RACE_UTIL_H

#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* splitmix64: the next number of the sequence in *state (seeded by the
 * driver, which prints the seed). */
static inline uint64_t splitmix64(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* A formatted string (to free); exits 2 when out of memory. */
static inline char *fmt(const char *f, ...) {
  va_list ap;
  va_start(ap, f);
  char *s = NULL;
  int n = vasprintf(&s, f, ap);
  va_end(ap);
  if (n < 0) {
    fprintf(stderr, "out of memory\n");
    exit(2);
  }
  return s;
}

/* The first 8 KiB of a file's text (to free), or NULL when it is missing. */
static inline char *read_text(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return NULL;
  char *buf = calloc(1, 8192);
  if (buf && fread(buf, 1, 8191, f) == 0 && ferror(f)) buf[0] = '\0';
  fclose(f);
  return buf;
}

/* How many entries of `dir` start with `prefix` (0 when it cannot be read). */
static inline int count_prefix(const char *dir, const char *prefix) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  int n = 0;
  struct dirent *de;
  while ((de = readdir(d)))
    n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
  closedir(d);
  return n;
}

#endif
