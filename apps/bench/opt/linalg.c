#include "opt/linalg.h"

#include <math.h>

double opt_dot(const double *a, const double *b, size_t n) {
  double s = 0.0;
  for (size_t i = 0; i < n; i++)
    s += a[i] * b[i];
  return s;
}

void opt_axpy(double alpha, const double *x, double *y, size_t n) {
  for (size_t i = 0; i < n; i++)
    y[i] += alpha * x[i];
}

double opt_norm2sq(const double *x, size_t n) {
  return opt_dot(x, x, n);
}

double opt_dist2sq(const double *a, const double *b, size_t n) {
  double s = 0.0;
  for (size_t i = 0; i < n; i++) {
    double t = a[i] - b[i];
    s += t * t;
  }
  return s;
}

/* sqrt(sum of (a[i] - b[i])^2), b NULL for zeros. The plain sum of squares
 * overflows once a component passes ~1.3e154 although the norm may be far
 * below DBL_MAX (a gradient of 1e300 under lambda = 1e308): the metric read
 * inf, 'no finite value', for a finite quantity. Only then the components
 * are divided by a power of two (exact) and the norm scaled back, so every
 * norm that did not overflow keeps its bits. */
static double dist2(const double *a, const double *b, size_t n) {
  double s = 0.0, big = 0.0;
  for (size_t i = 0; i < n; i++) {
    double t = b ? a[i] - b[i] : a[i];
    s += t * t;
    big = fmax(big, fabs(t));
  }
  if (!isinf(s) || !isfinite(big)) return sqrt(s);
  int e;
  (void)frexp(big, &e);
  s = 0.0;
  for (size_t i = 0; i < n; i++) {
    double t = ldexp(b ? a[i] - b[i] : a[i], -e);
    s += t * t;
  }
  return ldexp(sqrt(s), e);
}

double opt_norm2(const double *x, size_t n) {
  return dist2(x, NULL, n);
}

double opt_dist2(const double *a, const double *b, size_t n) {
  return dist2(a, b, n);
}

void opt_syr_lower(double w, const double *a, double *g, size_t n) {
  for (size_t i = 0; i < n; i++) {
    double wa = w * a[i];
    double *row = g + i * n;
    for (size_t j = 0; j <= i; j++)
      row[j] += wa * a[j];
  }
}

void opt_symmetrize(double *g, size_t n) {
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < i; j++)
      g[j * n + i] = g[i * n + j];
}

size_t opt_cholesky(double *g, size_t n) {
  double dmax = 0.0;
  for (size_t i = 0; i < n; i++)
    dmax = fmax(dmax, fabs(g[i * n + i]));
  double floor_pivot = 1e-14 * dmax;
  for (size_t j = 0; j < n; j++) {
    double *rj = g + j * n;
    double piv = rj[j] - opt_dot(rj, rj, j);
    if (!(piv > floor_pivot) || !isfinite(piv)) return j + 1;
    double ljj = sqrt(piv);
    rj[j] = ljj;
    /* Row-oriented: entry (i, j) needs rows i and j up to column j, both
     * contiguous. */
    for (size_t i = j + 1; i < n; i++) {
      double *ri = g + i * n;
      ri[j] = (ri[j] - opt_dot(ri, rj, j)) / ljj;
    }
  }
  return 0;
}

void opt_cholesky_solve(const double *l, size_t n, double *b) {
  for (size_t i = 0; i < n; i++) { /* L y = b */
    const double *ri = l + i * n;
    b[i] = (b[i] - opt_dot(ri, b, i)) / ri[i];
  }
  for (size_t i = n; i-- > 0;) { /* L^T x = y: column i of L^T is row i of L */
    b[i] /= l[i * n + i];
    const double *ri = l + i * n;
    for (size_t k = 0; k < i; k++)
      b[k] -= ri[k] * b[i];
  }
}

double opt_sym_max_eig(const double *g, size_t n, double *work) {
  double *v = work, *w = work + n;
  for (size_t i = 0; i < n; i++)
    v[i] = 1.0 / sqrt((double)n);
  double lam = 0.0;
  for (int it = 0; it < 10000; it++) {
    for (size_t i = 0; i < n; i++)
      w[i] = opt_dot(g + i * n, v, n);
    double next = opt_dot(v, w, n); /* Rayleigh quotient of the unit vector v */
    double nw = sqrt(opt_norm2sq(w, n));
    if (nw == 0.0) return 0.0;
    for (size_t i = 0; i < n; i++)
      v[i] = w[i] / nw;
    if (fabs(next - lam) <= 1e-12 * fabs(next)) return fmax(next, nw);
    lam = next;
  }
  return lam;
}
