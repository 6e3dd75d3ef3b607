#include "opt/objective.h"

#include <math.h>

#include "opt/linalg.h"
#include "opt/loss.h"

static double row_loss(opt_problem_kind kind, const double *a, double b, const double *x,
                       size_t d) {
  double z = opt_dot(a, x, d);
  if (kind == OPT_LEAST_SQUARES) return 0.5 * (z - b) * (z - b);
  return opt_softplus(-b * z);
}

/* d loss / d z at z = a.x: the residual, or -b sigma(-b z) for logistic. */
static double row_slope(opt_problem_kind kind, const double *a, double b, const double *x,
                        size_t d) {
  double z = opt_dot(a, x, d);
  if (kind == OPT_LEAST_SQUARES) return z - b;
  return -b * opt_sigmoid(-b * z);
}

static double rows_loss(const opt_problem *p, size_t r0, size_t r1, const double *x) {
  double s = 0.0;
  for (size_t r = r0; r < r1; r++)
    s += row_loss(p->kind, p->A + r * p->d, p->b[r], x, p->d);
  return s;
}

/* g += scale * sum of the rows' loss gradients. */
static void rows_grad_add(const opt_problem *p, size_t r0, size_t r1, const double *x,
                          double scale, double *g) {
  for (size_t r = r0; r < r1; r++) {
    const double *a = p->A + r * p->d;
    opt_axpy(scale * row_slope(p->kind, a, p->b[r], x, p->d), a, g, p->d);
  }
}

static void set_scaled(double *g, const double *x, double s, size_t d) {
  for (size_t c = 0; c < d; c++)
    g[c] = s * x[c];
}

double opt_value(const opt_problem *p, const double *x) {
  return rows_loss(p, 0, p->m, x) / (double)p->m + 0.5 * p->lambda * opt_norm2sq(x, p->d);
}

void opt_grad(const opt_problem *p, const double *x, double *g) {
  set_scaled(g, x, p->lambda, p->d);
  rows_grad_add(p, 0, p->m, x, 1.0 / (double)p->m, g);
}

double opt_local_value(const opt_problem *p, size_t i, const double *x) {
  size_t r0 = (size_t)p->agent_rows[i], r1 = (size_t)p->agent_rows[i + 1];
  double reg = 0.5 * p->lambda / (double)p->n_agents;
  return rows_loss(p, r0, r1, x) / (double)p->m + reg * opt_norm2sq(x, p->d);
}

void opt_local_grad(const opt_problem *p, size_t i, const double *x, double *g) {
  size_t r0 = (size_t)p->agent_rows[i], r1 = (size_t)p->agent_rows[i + 1];
  set_scaled(g, x, p->lambda / (double)p->n_agents, p->d);
  rows_grad_add(p, r0, r1, x, 1.0 / (double)p->m, g);
}

void opt_local_grad_sample(const opt_problem *p, size_t i, const double *x,
                           const size_t *rows, size_t count, double *g) {
  size_t mi = (size_t)(p->agent_rows[i + 1] - p->agent_rows[i]);
  double scale = (double)mi / ((double)count * (double)p->m);
  set_scaled(g, x, p->lambda / (double)p->n_agents, p->d);
  for (size_t k = 0; k < count; k++) {
    const double *a = p->A + rows[k] * p->d;
    opt_axpy(scale * row_slope(p->kind, a, p->b[rows[k]], x, p->d), a, g, p->d);
  }
}
