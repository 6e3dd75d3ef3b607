/* Values and gradients of the problem's objective, whole or per agent, plus
 * the regularized logistic model problem that Newton's method minimizes. */
#ifndef OPT_OBJECTIVE_H
#define OPT_OBJECTIVE_H

#include <stddef.h>

#include "opt/problem.h"

/** f(x) over all rows. */
double opt_value(const opt_problem *p, const double *x);
/** g = grad f(x). */
void opt_grad(const opt_problem *p, const double *x, double *g);
/** f_i(x) of agent i. */
double opt_local_value(const opt_problem *p, size_t i, const double *x);
/** g = grad f_i(x). */
void opt_local_grad(const opt_problem *p, size_t i, const double *x, double *g);
/**
 * Unbiased minibatch estimate of grad f_i(x) from the `count` row indices
 * `rows` (absolute, drawn from agent i's block with replacement):
 * g = (m_i / count) sum_{r in rows} grad loss_r(x) / m + (lambda / N) x.
 */
void opt_local_grad_sample(const opt_problem *p, size_t i, const double *x,
                           const size_t *rows, size_t count, double *g);

/**
 * phi(x) = sum_{r in [r0, r1)} loss_r(x) * inv_m + (kappa / 2) ||x||^2 + q.x
 * for the logistic loss: the global objective (all rows, kappa = lambda,
 * q = NULL) and an agent's ADMM subproblem are both of this form.
 */
typedef struct opt_logit_model {
  const double *A, *y;
  size_t r0, r1, d;
  double inv_m, kappa;
  const double *q; /* d entries or NULL */
} opt_logit_model;

double opt_logit_value(const opt_logit_model *o, const double *x);
void opt_logit_grad(const opt_logit_model *o, const double *x, double *g);
/** Full symmetric Hessian into h (d x d). */
void opt_logit_hess(const opt_logit_model *o, const double *x, double *h);

/**
 * Damped Newton on phi from x (updated in place): at most max_steps steps,
 * stopping once ||grad phi|| <= gtol; Armijo backtracking with a slack of a
 * few ulps of |phi| so that rounding noise near the optimum does not stall
 * the line search. work holds d * d + 3 * d doubles.
 * @return 0 converged to gtol, 1 steps exhausted, -1 Hessian not positive
 *         definite. *grad_norm gets the final gradient norm.
 */
int opt_logit_newton(const opt_logit_model *o, double *x, int max_steps, double gtol,
                     double *work, double *grad_norm);

#endif
