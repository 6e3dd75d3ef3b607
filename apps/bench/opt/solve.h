/* Exact solutions computed while a problem is built. Internal to dckpt_opt. */
#ifndef OPT_SOLVE_H
#define OPT_SOLVE_H

#include <stddef.h>

#include "opt/problem.h"

/**
 * The minimizer of f into x (d entries) and f(x) into *f_star: the normal
 * equations (A^T A / m + lambda I) x = A^T b / m by Cholesky for least
 * squares; Newton's method from 0 to ||grad f|| <= 1e-12 for logistic.
 * @return DCKPT_OK, DCKPT_EINVAL (no unique optimum, or Newton failed: the
 *         message says why and what to change) or DCKPT_ENOMEM.
 */
int opt_solve_optimum(const opt_problem *p, double *x, double *f_star, char *err,
                      size_t errlen);

/** L_i = lambda_max(A_i^T A_i) / m * (1 or 1/4 for logistic) + lambda / N for
 *  every agent, by power iteration on the d x d Gram matrix. */
int opt_compute_lipschitz(const opt_problem *p, double *L, char *err, size_t errlen);

/** Gradient-norm target of the logistic Newton solve. */
#define OPT_NEWTON_GTOL 1e-12

#endif
