/* Dense kernels on small row-major arrays (dimension up to a few hundred):
 * plain loops written so the inner loop runs along contiguous memory. */
#ifndef OPT_LINALG_H
#define OPT_LINALG_H

#include <stddef.h>

double opt_dot(const double *a, const double *b, size_t n);
/** y += alpha * x */
void opt_axpy(double alpha, const double *x, double *y, size_t n);
double opt_norm2sq(const double *x, size_t n);
/** ||a - b||^2 */
double opt_dist2sq(const double *a, const double *b, size_t n);
/** ||x||, finite whenever the norm is (no overflow of the squares) */
double opt_norm2(const double *x, size_t n);
/** ||a - b||, finite whenever the distance is (no overflow of the squares) */
double opt_dist2(const double *a, const double *b, size_t n);

/** Adds w * a a^T to the lower triangle of the n x n matrix g. */
void opt_syr_lower(double w, const double *a, double *g, size_t n);
/** Copies the lower triangle of g onto its upper triangle. */
void opt_symmetrize(double *g, size_t n);

/**
 * Cholesky factorization g = L L^T in place (L in the lower triangle; the upper
 * triangle is left alone). A pivot below 1e-14 times the largest diagonal entry
 * counts as failure: such a matrix is singular to working precision and its
 * "solution" would be noise.
 * @return 0 on success, else 1 + the index of the failing pivot.
 */
size_t opt_cholesky(double *g, size_t n);
/** Solves L L^T x = b in place (b becomes x) with a factor from opt_cholesky. */
void opt_cholesky_solve(const double *l, size_t n, double *b);

/**
 * Largest eigenvalue of the symmetric positive semidefinite matrix g (full
 * storage) by power iteration from the all-ones vector, to a relative change
 * of 1e-12 or 10000 iterations. work holds 2n doubles. The result converges
 * from below; callers that need an upper bound keep a safety factor.
 */
double opt_sym_max_eig(const double *g, size_t n, double *work);

#endif
