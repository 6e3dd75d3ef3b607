/* Which files of a checkpoint directory a container holds (run_files.h). */
#include "run_files.h" /* (dckpt compiles this file without src/ in its path) */

#include <string.h>

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
  if ((p = skip(path, end, "results/")) && safe_name(p, (size_t)(end - p)))
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
