/* Dense linear algebra for the least-squares example. Sizes are small (the
 * default is 200 x 50), so plain loops are enough. */
#include "lsq.h"
#include "dckpt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Column scales fall from 1 to 10^-1.5 (condition number ~ 10^3), and the
 * right-hand side carries noise of this standard deviation. */
static const double column_decades = 1.5;
static const double noise_level = 0.01;

int lsq_alloc(lsq_problem *p, size_t m, size_t n) {
  p->m = m;
  p->n = n;
  p->a = calloc(m * n, sizeof *p->a);
  p->b = calloc(m, sizeof *p->b);
  if (p->a && p->b) return 0;
  lsq_free(p);
  return -1;
}

void lsq_free(lsq_problem *p) {
  free(p->a);
  free(p->b);
  p->a = p->b = NULL;
}

void lsq_generate(lsq_problem *p, uint64_t seed) {
  dckpt_rng rng;
  dckpt_rng_seed(&rng, seed);
  size_t m = p->m, n = p->n;
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < n; j++) {
      double spread = n > 1 ? (double)j / (double)(n - 1) : 0.0;
      p->a[i * n + j] = dckpt_rng_normal(&rng) * pow(10.0, -column_decades * spread);
    }
  /* b = A x_true + noise, with x_true drawn one coordinate at a time. */
  for (size_t j = 0; j < n; j++) {
    double xj = dckpt_rng_normal(&rng);
    for (size_t i = 0; i < m; i++)
      p->b[i] += p->a[i * n + j] * xj;
  }
  for (size_t i = 0; i < m; i++)
    p->b[i] += noise_level * dckpt_rng_normal(&rng);
}

static double row_residual(const lsq_problem *p, size_t i, const double *x) {
  const double *row = p->a + i * p->n;
  double s = -p->b[i];
  for (size_t j = 0; j < p->n; j++)
    s += row[j] * x[j];
  return s;
}

double lsq_loss(const lsq_problem *p, const double *x) {
  double s = 0.0;
  for (size_t i = 0; i < p->m; i++) {
    double r = row_residual(p, i, x);
    s += r * r;
  }
  return s / (2.0 * (double)p->m);
}

void lsq_gradient(const lsq_problem *p, const double *x, const size_t *rows, size_t count,
                  double *g) {
  size_t n = p->n, total = rows ? count : p->m;
  memset(g, 0, n * sizeof *g);
  for (size_t k = 0; k < total; k++) {
    size_t i = rows ? rows[k] : k;
    double r = row_residual(p, i, x);
    const double *row = p->a + i * n;
    for (size_t j = 0; j < n; j++)
      g[j] += r * row[j];
  }
  for (size_t j = 0; j < n; j++)
    g[j] /= (double)total;
}

/* H = A^T A / m (n x n, row-major) and, when rhs is not NULL, A^T b / m. */
static void normal_equations(const lsq_problem *p, double *h, double *rhs) {
  size_t m = p->m, n = p->n;
  for (size_t j = 0; j < n; j++)
    for (size_t k = 0; k <= j; k++) {
      double s = 0.0;
      for (size_t i = 0; i < m; i++)
        s += p->a[i * n + j] * p->a[i * n + k];
      h[j * n + k] = h[k * n + j] = s / (double)m;
    }
  for (size_t j = 0; rhs && j < n; j++) {
    double s = 0.0;
    for (size_t i = 0; i < m; i++)
      s += p->a[i * n + j] * p->b[i];
    rhs[j] = s / (double)m;
  }
}

/* In-place Cholesky factorisation H = R^T R, R upper triangular (stored in
 * the upper triangle). @return 0, or -2 when H is not positive definite. */
static int cholesky(double *h, size_t n) {
  for (size_t j = 0; j < n; j++) {
    double d = h[j * n + j];
    for (size_t k = 0; k < j; k++)
      d -= h[k * n + j] * h[k * n + j];
    if (!(d > 0.0)) return -2;
    d = sqrt(d);
    h[j * n + j] = d;
    for (size_t c = j + 1; c < n; c++) {
      double s = h[j * n + c];
      for (size_t k = 0; k < j; k++)
        s -= h[k * n + j] * h[k * n + c];
      h[j * n + c] = s / d;
    }
  }
  return 0;
}

/* Solves R^T R x = v in place with the factor from cholesky(). */
static void cholesky_solve(const double *r, size_t n, double *v) {
  for (size_t j = 0; j < n; j++) { /* R^T y = v */
    double s = v[j];
    for (size_t k = 0; k < j; k++)
      s -= r[k * n + j] * v[k];
    v[j] = s / r[j * n + j];
  }
  for (size_t j = n; j-- > 0;) { /* R x = y */
    double s = v[j];
    for (size_t k = j + 1; k < n; k++)
      s -= r[j * n + k] * v[k];
    v[j] = s / r[j * n + j];
  }
}

static double normalise(double *v, size_t n) {
  double s = 0.0;
  for (size_t j = 0; j < n; j++)
    s += v[j] * v[j];
  s = sqrt(s);
  for (size_t j = 0; j < n && s > 0.0; j++)
    v[j] /= s;
  return s;
}

/* Largest eigenvalue of the symmetric matrix h by power iteration, or of its
 * inverse when `factor` (its Cholesky factor) is given. */
static double power_iteration(const double *h, const double *factor, size_t n, double *v,
                              double *w) {
  for (size_t j = 0; j < n; j++)
    v[j] = 1.0 + 0.01 * (double)j;
  normalise(v, n);
  double lambda = 0.0;
  for (int it = 0; it < 500; it++) {
    if (factor) {
      memcpy(w, v, n * sizeof *w);
      cholesky_solve(factor, n, w);
    } else {
      for (size_t j = 0; j < n; j++) {
        double s = 0.0;
        for (size_t k = 0; k < n; k++)
          s += h[j * n + k] * v[k];
        w[j] = s;
      }
    }
    lambda = normalise(w, n);
    memcpy(v, w, n * sizeof *v);
  }
  return lambda;
}

int lsq_curvature(const lsq_problem *p, double *lipschitz, double *mu) {
  size_t n = p->n;
  double *h = malloc(n * n * sizeof *h), *r = malloc(n * n * sizeof *r);
  double *v = malloc(n * sizeof *v), *w = malloc(n * sizeof *w);
  int rc = h && r && v && w ? 0 : -1;
  if (rc == 0) {
    normal_equations(p, h, NULL);
    memcpy(r, h, n * n * sizeof *r);
    rc = cholesky(r, n);
  }
  if (rc == 0) {
    *lipschitz = power_iteration(h, NULL, n, v, w);
    *mu = 1.0 / power_iteration(h, r, n, v, w);
  }
  free(h);
  free(r);
  free(v);
  free(w);
  return rc;
}

int lsq_minimum(const lsq_problem *p, double *x_star, double *f_star) {
  size_t n = p->n;
  double *h = malloc(n * n * sizeof *h), *x = malloc(n * sizeof *x);
  int rc = h && x ? 0 : -1;
  if (rc == 0) {
    normal_equations(p, h, x);
    rc = cholesky(h, n);
  }
  if (rc == 0) {
    cholesky_solve(h, n, x);
    *f_star = lsq_loss(p, x);
    if (x_star) memcpy(x_star, x, n * sizeof *x);
  }
  free(h);
  free(x);
  return rc;
}
