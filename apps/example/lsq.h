/* The example's benchmark problem: least squares, f(x) = ||Ax - b||^2 / (2m),
 * generated from a seed, with the dense linear algebra it needs (power
 * iteration for the curvature bounds, Cholesky for the exact minimum). */
#ifndef DCKPT_EXAMPLE_LSQ_H
#define DCKPT_EXAMPLE_LSQ_H

#include <stddef.h>
#include <stdint.h>

typedef struct lsq_problem {
  size_t m, n;
  double *a; /* m x n, row-major */
  double *b; /* m */
} lsq_problem;

/** Allocates an m x n problem (zeroed). @return 0, or -1 when out of memory. */
int lsq_alloc(lsq_problem *p, size_t m, size_t n);
void lsq_free(lsq_problem *p);

/** Fills p (already allocated) from `seed`: Gaussian entries with column
 *  scales spread over 1.5 decades (ill-conditioned, so that the methods
 *  differ), b = A x_true + small Gaussian noise. */
void lsq_generate(lsq_problem *p, uint64_t seed);

/** f(x) = ||Ax - b||^2 / (2m). */
double lsq_loss(const lsq_problem *p, const double *x);

/** Gradient of the loss restricted to `rows` (count entries, repeats allowed):
 *  g = sum_i a_i (a_i.x - b_i) / count. rows == NULL means every row. */
void lsq_gradient(const lsq_problem *p, const double *x, const size_t *rows, size_t count,
                  double *g);

/** Curvature bounds of the Hessian H = A^T A / m: L = largest eigenvalue by
 *  power iteration, mu = smallest by inverse power iteration (Cholesky).
 *  @return 0, -1 when out of memory, -2 when H is not positive definite. */
int lsq_curvature(const lsq_problem *p, double *lipschitz, double *mu);

/** Exact minimiser via the normal equations H x = A^T b / m (Cholesky).
 *  @param x_star  n entries, or NULL. @return as lsq_curvature. */
int lsq_minimum(const lsq_problem *p, double *x_star, double *f_star);

#endif
