/* The regularized logistic model problem and its damped Newton method. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "opt/linalg.h"
#include "opt/loss.h"
#include "opt/objective.h"

double opt_logit_value(const opt_logit_model *o, const double *x) {
  double s = 0.0;
  for (size_t r = o->r0; r < o->r1; r++)
    s += opt_softplus(-o->y[r] * opt_dot(o->A + r * o->d, x, o->d));
  double v = s * o->inv_m + 0.5 * o->kappa * opt_norm2sq(x, o->d);
  return o->q ? v + opt_dot(o->q, x, o->d) : v;
}

void opt_logit_grad(const opt_logit_model *o, const double *x, double *g) {
  for (size_t c = 0; c < o->d; c++)
    g[c] = o->kappa * x[c] + (o->q ? o->q[c] : 0.0);
  for (size_t r = o->r0; r < o->r1; r++) {
    const double *a = o->A + r * o->d;
    double yz = o->y[r] * opt_dot(a, x, o->d);
    opt_axpy(-o->y[r] * opt_sigmoid(-yz) * o->inv_m, a, g, o->d);
  }
}

void opt_logit_hess(const opt_logit_model *o, const double *x, double *h) {
  size_t d = o->d;
  memset(h, 0, d * d * sizeof *h);
  for (size_t r = o->r0; r < o->r1; r++) {
    const double *a = o->A + r * d;
    double s = opt_sigmoid(opt_dot(a, x, d));
    opt_syr_lower(s * (1.0 - s) * o->inv_m, a, h, d);
  }
  for (size_t c = 0; c < d; c++)
    h[c * d + c] += o->kappa;
  opt_symmetrize(h, d);
}

/* Backtracking along p from x into trial: the largest t = 2^-k (k < 60)
 * satisfying Armijo with slack; returns the accepted step or 0. */
static double line_search(const opt_logit_model *o, const double *x, const double *p,
                          double f0, double slope, double *trial) {
  double slack = 8.0 * DBL_EPSILON * fabs(f0);
  for (double t = 1.0; t > 0x1p-60; t *= 0.5) {
    for (size_t c = 0; c < o->d; c++)
      trial[c] = x[c] + t * p[c];
    if (opt_logit_value(o, trial) <= f0 + 1e-4 * t * slope + slack) return t;
  }
  return 0.0;
}

int opt_logit_newton(const opt_logit_model *o, double *x, int max_steps, double gtol,
                     double *work, double *grad_norm) {
  size_t d = o->d;
  double *h = work, *g = work + d * d, *p = g + d, *trial = p + d;
  opt_logit_grad(o, x, g);
  *grad_norm = opt_norm2(g, d);
  for (int step = 0; step < max_steps; step++) {
    if (*grad_norm <= gtol) return 0;
    opt_logit_hess(o, x, h);
    if (opt_cholesky(h, d) != 0) return -1;
    for (size_t c = 0; c < d; c++)
      p[c] = -g[c];
    opt_cholesky_solve(h, d, p);
    double t = line_search(o, x, p, opt_logit_value(o, x), opt_dot(g, p, d), trial);
    if (t == 0.0) break; /* no decrease possible: at the optimum to rounding */
    memcpy(x, trial, d * sizeof *x);
    opt_logit_grad(o, x, g);
    *grad_norm = opt_norm2(g, d);
  }
  return *grad_norm <= gtol ? 0 : 1;
}
