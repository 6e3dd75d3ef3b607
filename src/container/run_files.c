/* Which files of a checkpoint directory a container holds (run_files.h). */
#define _GNU_SOURCE    /* lstat, strdup */
#include "run_files.h" /* (dckpt compiles this file without src/ in its path) */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *ctr_root_name(int kind) {
  switch (kind) {
  case CTR_RF_METADATA: return "metadata.json";
  case CTR_RF_PROBLEM: return "benchmark_problem.dckpt";
  case CTR_RF_INITIAL: return "initial_algorithms.dckpt";
  case CTR_RF_METRICS: return "metric_computation.dckpt";
  case CTR_RF_METRICS_MARKER: return "metric_computation_complete.json";
  default: return NULL;
  }
}

/* Decimal digits at s (below end), at least `width` of them; zeros first
 * only to make up the width, as printf's %0<width>lld writes them; at most
 * INT64_MAX. @return the end of the digits, NULL when there are none or they
 * are not so written. */
static const char *number(const char *s, const char *end, int width, int64_t *out) {
  const char *p = s;
  int64_t v = 0;
  for (; p < end && *p >= '0' && *p <= '9'; p++) {
    if (v > (INT64_MAX - (*p - '0')) / 10) return NULL;
    v = v * 10 + (*p - '0');
  }
  long n = p - s;
  if (n == 0 || n < width || (n > (width > 1 ? width : 1) && *s == '0')) return NULL;
  *out = v;
  return p;
}

/* `p` (below end) starts with `text`: @return what follows, else NULL. */
static const char *skip(const char *p, const char *end, const char *text) {
  size_t n = strlen(text);
  return (size_t)(end - p) >= n && !memcmp(p, text, n) ? p + n : NULL;
}

static bool safe_name(const char *s, size_t len) {
  if (len == 0 || len > 255 || s[0] == '.') return false;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

int ctr_results_path_check(const char *p, size_t len) {
  const char *end = p + len;
  int dirs = 0;
  for (;;) {
    const char *slash = memchr(p, '/', (size_t)(end - p));
    const char *stop = slash ? slash : end;
    if (!safe_name(p, (size_t)(stop - p))) return CTR_RF_BAD_NAME;
    if (!slash) break;
    if (++dirs > CTR_RF_MAX_RESULTS_DEPTH) return CTR_RF_TOO_DEEP;
    p = slash + 1;
  }
  return 0;
}

/* checkpoint_<7+ digits>.dckpt, metrics_<6+ digits>.dckpt, progress.json,
 * complete.json: the kind, with *it set for the numbered ones. */
static int trial_file(const char *p, const char *end, int64_t *it) {
  const char *q;
  *it = -1;
  if ((q = skip(p, end, "checkpoint_")) && (q = number(q, end, 7, it)) &&
      (q = skip(q, end, ".dckpt")) && q == end)
    return CTR_RF_CHECKPOINT;
  if ((q = skip(p, end, "metrics_")) && (q = number(q, end, 6, it)) &&
      (q = skip(q, end, ".dckpt")) && q == end)
    return CTR_RF_SEGMENT;
  *it = -1;
  if ((q = skip(p, end, "progress.json")) && q == end) return CTR_RF_PROGRESS;
  if ((q = skip(p, end, "complete.json")) && q == end) return CTR_RF_COMPLETE;
  return 0;
}

bool ctr_run_file_parse(const char *path, size_t len, ctr_run_file *out) {
  ctr_run_file f = {0, -1, -1, -1};
  const char *end = path + len, *p;
  if (len == 0 || len > CTR_RF_MAX_PATH || memchr(path, '\0', len)) return false;
  for (int k = CTR_RF_METADATA; k <= CTR_RF_METRICS_MARKER; k++)
    if ((p = skip(path, end, ctr_root_name(k))) && p == end) f.kind = k;
  if ((p = skip(path, end, "run_status.json")) && p == end) f.kind = CTR_RF_OTHER;
  if ((p = skip(path, end, "results/")) &&
      ctr_results_path_check(p, (size_t)(end - p)) == 0)
    f.kind = CTR_RF_OTHER;
  if (!f.kind && (p = skip(path, end, "algorithm_")) && (p = number(p, end, 1, &f.alg)) &&
      f.alg <= INT32_MAX && (p = skip(p, end, "/trial_")) &&
      (p = number(p, end, 1, &f.trial)) && f.trial <= INT32_MAX &&
      (p = skip(p, end, "/")))
    f.kind = trial_file(p, end, &f.iteration);
  if (!f.kind) return false;
  if (f.kind < CTR_RF_CHECKPOINT || f.kind == CTR_RF_OTHER) f.alg = f.trial = -1;
  if (out) *out = f;
  return true;
}

bool ctr_parse_trial_path(const char *path, int64_t *alg, int64_t *trial,
                          const char **name) {
  const char *end = path + strlen(path), *p;
  if (!(p = skip(path, end, "algorithm_")) || !(p = number(p, end, 1, alg)) ||
      !(p = skip(p, end, "/trial_")) || !(p = number(p, end, 1, trial)))
    return false;
  if (!name) return *p == '\0';
  if (*p != '/' || !p[1]) return false;
  *name = p + 1;
  return true;
}

/* ---- the tree under results/ ---- */

typedef struct rw_ctx {
  ctr_results_fn fn;
  void *ctx;
  char *err;
  size_t errlen;
} rw_ctx;

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in `full` (".", ".." left out), sorted; *n set. NULL with
 * errno set when it cannot be listed. */
static char **sorted_names(const char *full, size_t *n) {
  DIR *d = opendir(full);
  *n = 0;
  if (!d) return NULL;
  char **names = NULL;
  size_t cap = 0;
  struct dirent *de;
  int bad = 0;
  errno = 0;
  while (!bad && (de = readdir(d)) != NULL) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
    if (*n == cap) {
      cap = cap ? 2 * cap : 16;
      char **p = realloc(names, cap * sizeof *p);
      if (!p) {
        bad = ENOMEM;
        break;
      }
      names = p;
    }
    if (!(names[*n] = strdup(de->d_name)))
      bad = ENOMEM;
    else
      ++*n;
  }
  if (!bad && errno) bad = errno; /* readdir failed */
  closedir(d);
  if (bad) {
    for (size_t i = 0; i < *n; i++)
      free(names[i]);
    free(names);
    *n = 0;
    errno = bad;
    return NULL;
  }
  if (*n > 1) qsort(names, *n, sizeof *names, cmp_str);
  if (!names) names = malloc(1); /* an empty directory: not an error */
  if (!names) errno = ENOMEM;
  return names;
}

static const char *special_kind(mode_t m) {
  if (S_ISLNK(m))
    return "a symbolic link, not followed (a container holds regular files)";
  if (S_ISFIFO(m)) return "a FIFO, not a regular file";
  if (S_ISSOCK(m)) return "a socket, not a regular file";
  if (S_ISCHR(m) || S_ISBLK(m)) return "a device, not a regular file";
  return "not a regular file";
}

/* The directory `rel` (results/..., `depth` directories below results/) at
 * `full`. */
static int walk_results(rw_ctx *w, const char *full, const char *rel, int depth) {
  size_t n = 0;
  char **names = sorted_names(full, &n);
  if (!names) {
    int rc = errno ? errno : EIO;
    if (rc == ENOENT && depth == 0) return 0;
    snprintf(w->err, w->errlen, "cannot list '%s': %s", full, strerror(rc));
    return rc;
  }
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    const char *name = names[i];
    size_t rlen = strlen(rel) + 1 + strlen(name), flen = strlen(full) + 1 + strlen(name);
    char *sub = malloc(rlen + 1), *path = malloc(flen + 1);
    if (!sub || !path) {
      snprintf(w->err, w->errlen, "out of memory listing '%s'", full);
      rc = ENOMEM;
    } else {
      snprintf(sub, rlen + 1, "%s/%s", rel, name);
      snprintf(path, flen + 1, "%s/%s", full, name);
      struct stat st;
      if (ctr_results_path_check(name, strlen(name)) != 0) {
        rc = w->fn(w->ctx, sub, path, 0, "not a name a container keeps");
      } else if (lstat(path, &st) != 0) {
        if (errno != ENOENT) { /* gone since it was listed: nothing to keep */
          rc = errno;
          snprintf(w->err, w->errlen, "cannot read '%s': %s", path, strerror(rc));
        }
      } else if (S_ISDIR(st.st_mode)) {
        if (depth + 1 > CTR_RF_MAX_RESULTS_DEPTH) {
          snprintf(w->err, w->errlen,
                   "a directory %d levels below results/, where a container holds files "
                   "at most %d directories deep: '%s'",
                   depth + 1, CTR_RF_MAX_RESULTS_DEPTH, path);
          rc = EINVAL;
        } else {
          rc = walk_results(w, path, sub, depth + 1);
        }
      } else if (!S_ISREG(st.st_mode)) {
        rc = w->fn(w->ctx, sub, path, 0, special_kind(st.st_mode));
      } else if (rlen > CTR_RF_MAX_PATH) {
        snprintf(w->err, w->errlen,
                 "a path in the run of %zu bytes, longer than the %d bytes a container "
                 "holds: '%s'",
                 rlen, CTR_RF_MAX_PATH, path);
        rc = ENAMETOOLONG;
      } else {
        rc = w->fn(w->ctx, sub, path, (uint64_t)st.st_size, NULL);
      }
    }
    free(sub);
    free(path);
  }
  for (size_t i = 0; i < n; i++)
    free(names[i]);
  free(names);
  return rc;
}

int ctr_results_walk(const char *dir, ctr_results_fn fn, void *ctx, char *err,
                     size_t errlen) {
  rw_ctx w = {fn, ctx, err, errlen};
  size_t len = strlen(dir) + sizeof "/results";
  char *full = malloc(len);
  if (!full) {
    snprintf(err, errlen, "out of memory");
    return ENOMEM;
  }
  snprintf(full, len, "%s/results", dir);
  int rc = walk_results(&w, full, "results", 0);
  free(full);
  return rc;
}
