#include "series.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"

static int check_one(const report_series *s, size_t k, char *err, size_t errlen) {
  if (!s->algorithm || !*s->algorithm || !s->metric || !*s->metric)
    return report_errf(err, errlen, "series %zu: algorithm and metric names are required",
                       k);
  const char *a = s->algorithm, *m = s->metric;
  if (s->n_points < 0 || s->n_trials < 0)
    return report_errf(err, errlen, "series %s/%s: negative point or trial count", a, m);
  if (s->n_points > 0 && !s->iterations)
    return report_errf(err, errlen, "series %s/%s: iterations is NULL", a, m);
  if (s->n_points > 0 && s->n_trials > 0) {
    /* The value array must be addressable: n_trials * n_points doubles. */
    if ((uint64_t)s->n_trials > SIZE_MAX / sizeof(double) / (uint64_t)s->n_points)
      return report_errf(err, errlen, "series %s/%s: n_trials x n_points overflows", a,
                         m);
    if (!s->values) return report_errf(err, errlen, "series %s/%s: values is NULL", a, m);
  }
  /* Statistics and plots assume x grows; a shuffled series is a caller bug
   * that would otherwise show up as a scribbled plot. */
  for (int64_t i = 1; i < s->n_points; i++)
    if (s->iterations[i] <= s->iterations[i - 1])
      return report_errf(err, errlen,
                         "series %s/%s: iterations not strictly increasing at index %lld",
                         a, m, (long long)i);
  return 0;
}

static size_t find_name(const char **names, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(names[i], name) == 0) return i;
  return n;
}

void layout_free(report_layout *L) {
  free(L->alg);
  free(L->met);
  free(L->cell);
  memset(L, 0, sizeof *L);
}

static int layout_names(report_layout *L, const report_series *s, size_t n) {
  L->alg = calloc(n ? n : 1, sizeof *L->alg);
  L->met = calloc(n ? n : 1, sizeof *L->met);
  if (!L->alg || !L->met) return -1;
  for (size_t k = 0; k < n; k++) {
    if (find_name(L->alg, L->n_alg, s[k].algorithm) == L->n_alg)
      L->alg[L->n_alg++] = s[k].algorithm;
    if (find_name(L->met, L->n_met, s[k].metric) == L->n_met)
      L->met[L->n_met++] = s[k].metric;
  }
  return 0;
}

int layout_build(report_layout *L, const report_series *s, size_t n, char *err,
                 size_t errlen) {
  memset(L, 0, sizeof *L);
  if (n > 0 && !s) return report_errf(err, errlen, "series array is NULL");
  for (size_t k = 0; k < n; k++)
    if (check_one(&s[k], k, err, errlen) != 0) return -1;
  if (layout_names(L, s, n) != 0) goto oom;
  size_t cells = L->n_alg * L->n_met;
  L->cell = calloc(cells ? cells : 1, sizeof *L->cell);
  if (!L->cell) goto oom;
  for (size_t k = 0; k < n; k++) {
    size_t a = find_name(L->alg, L->n_alg, s[k].algorithm);
    size_t m = find_name(L->met, L->n_met, s[k].metric);
    if (L->cell[m * L->n_alg + a]) {
      report_errf(err, errlen, "series %s/%s given twice", s[k].algorithm, s[k].metric);
      layout_free(L);
      return -1;
    }
    L->cell[m * L->n_alg + a] = &s[k];
  }
  return 0;
oom:
  layout_free(L);
  return report_errf(err, errlen, "out of memory grouping %zu series", n);
}

static const double *trial_row(const report_series *s, int64_t t) {
  return s->values + (size_t)t * (size_t)s->n_points;
}

int64_t report_diverged_at(const double *v, size_t stride, int64_t n) {
  int64_t last = n - 1; /* the last finite value */
  while (last >= 0 && !isfinite(v[(size_t)last * stride]))
    last--;
  return last >= 0 && last < n - 1 ? last + 1 : -1;
}

int64_t stat_diverged(const report_series *s, int64_t t) {
  int64_t i = report_diverged_at(trial_row(s, t), 1, s->n_points);
  return i < 0 ? -1 : s->iterations[i];
}

static double trial_final(const report_series *s, int64_t t) {
  if (s->n_points == 0) return NAN;
  double v = trial_row(s, t)[s->n_points - 1];
  return isfinite(v) ? v : NAN;
}

static double trial_min(const report_series *s, int64_t t) {
  const double *row = trial_row(s, t);
  double best = NAN;
  for (int64_t i = 0; i < s->n_points; i++)
    if (isfinite(row[i]) && !(row[i] >= best)) best = row[i];
  return best;
}

/* Trapezoids between consecutive finite points, divided by the covered
 * iteration range: unlike a plain mean of the points it does not overweight
 * densely recorded stretches. Gaps are bridged by the straight line. */
static double trial_avg(const report_series *s, int64_t t) {
  const double *row = trial_row(s, t);
  double area = 0.0, x0 = 0.0, v0 = 0.0, first = NAN;
  int have = 0;
  for (int64_t i = 0; i < s->n_points; i++) {
    if (!isfinite(row[i])) continue;
    double x = (double)s->iterations[i];
    if (have)
      area += 0.5 * (v0 + row[i]) * (x - x0);
    else
      first = x;
    x0 = x;
    v0 = row[i];
    have = 1;
  }
  if (!have) return NAN;
  if (x0 == first) return v0;
  double avg = area / (x0 - first);
  return isfinite(avg) ? avg : NAN;
}

double stat_trial(const report_series *s, int64_t t, report_stat stat) {
  switch (stat) {
  case REPORT_STAT_FINAL: return trial_final(s, t);
  case REPORT_STAT_MIN: return trial_min(s, t);
  case REPORT_STAT_AVG: return trial_avg(s, t);
  case REPORT_N_STATS: break;
  }
  return NAN;
}

/* Welford's update keeps the spread accurate when it is tiny next to the mean
 * (a converged metric near 1e-8 over 30 trials, say), over the finite values
 * divided by `scale`; returns how many there are. */
static int64_t welford(const report_series *s, report_stat stat, double scale,
                       double *mean, double *m2) {
  int64_t n = 0;
  *mean = *m2 = 0.0;
  for (int64_t t = 0; s && t < s->n_trials; t++) {
    double v = stat_trial(s, t, stat);
    if (!isfinite(v)) continue;
    v /= scale;
    n++;
    double d = v - *mean;
    *mean += d / (double)n;
    *m2 += d * (v - *mean);
  }
  return n;
}

stat_summary stat_summarize(const report_series *s, report_stat stat) {
  stat_summary r = {NAN, NAN, 0, s ? s->n_trials : 0, 0};
  for (int64_t t = 0; s && t < s->n_trials; t++)
    r.n_diverged += stat_diverged(s, t) >= 0;
  double mean, m2, scale = 1.0;
  r.n_ok = welford(s, stat, scale, &mean, &m2);
  if (!isfinite(mean) || !isfinite(m2)) {
    /* finite values whose squares (or differences) overflow: trials near
     * 1e190 got "mean ± inf". Again, divided by a power of two (exact) that
     * brings the largest to [0.5, 1). */
    double top = 0.0;
    for (int64_t t = 0; s && t < s->n_trials; t++) {
      double v = stat_trial(s, t, stat);
      if (isfinite(v)) top = fmax(top, fabs(v));
    }
    int e = 0;
    frexp(top, &e);
    scale = ldexp(1.0, e);
    welford(s, stat, scale, &mean, &m2);
  }
  if (r.n_ok > 0) r.mean = mean * scale;
  if (r.n_ok > 1) r.std = sqrt(m2 / (double)(r.n_ok - 1)) * scale;
  if (!isfinite(r.mean)) { /* overflow: report "no value" rather than inf */
    r.n_ok = 0;
    r.mean = r.std = NAN;
  }
  return r;
}

int64_t stat_point(const report_series *s, int64_t i, double *mean, double *lo,
                   double *hi) {
  double sum = 0.0, mn = INFINITY, mx = -INFINITY;
  int64_t k = 0;
  for (int64_t t = 0; t < s->n_trials; t++) {
    double v = trial_row(s, t)[i];
    if (!isfinite(v)) continue;
    sum += v;
    mn = v < mn ? v : mn;
    mx = v > mx ? v : mx;
    k++;
  }
  double m = k > 0 ? sum / (double)k : NAN;
  if (!isfinite(m)) k = 0; /* the sum overflowed: nothing sensible to draw */
  *mean = k ? m : NAN;
  *lo = k ? mn : NAN;
  *hi = k ? mx : NAN;
  return k;
}

int stat_range(const report_series *s, double *lo, double *hi) {
  double mn = INFINITY, mx = -INFINITY;
  size_t total = (size_t)s->n_trials * (size_t)s->n_points;
  for (size_t j = 0; j < total; j++) {
    double v = s->values[j];
    if (!isfinite(v)) continue;
    mn = v < mn ? v : mn;
    mx = v > mx ? v : mx;
  }
  *lo = mn;
  *hi = mx;
  return mn <= mx;
}
