#include "opt/solve.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "opt/linalg.h"
#include "opt/objective.h"
#include "opt/util.h"

static int solve_least_squares(const opt_problem *p, double *x, double *work, char *err,
                               size_t errlen) {
  size_t d = p->d;
  double *g = work; /* d x d */
  memset(g, 0, d * d * sizeof *g);
  memset(x, 0, d * sizeof *x);
  double inv_m = 1.0 / (double)p->m;
  for (size_t r = 0; r < p->m; r++) {
    const double *a = p->A + r * d;
    opt_syr_lower(inv_m, a, g, d);
    opt_axpy(p->b[r] * inv_m, a, x, d);
  }
  for (size_t c = 0; c < d; c++)
    g[c * d + c] += p->lambda;
  size_t bad = opt_cholesky(g, d);
  if (bad)
    return opt_fail(err, errlen, DCKPT_EINVAL,
                    "least squares: the normal equations (A^T A / m + lambda I) are not "
                    "positive definite (pivot %zu of %zu): some features are constant or "
                    "linearly dependent, so the optimum is not unique; use lambda > 0",
                    bad, d);
  opt_cholesky_solve(g, d, x);
  return DCKPT_OK;
}

static int solve_logistic(const opt_problem *p, double *x, double *work, char *err,
                          size_t errlen) {
  opt_logit_model o = {p->A, p->b, 0, p->m, p->d, 1.0 / (double)p->m, p->lambda, NULL};
  double gnorm = 0.0;
  memset(x, 0, p->d * sizeof *x);
  int rc = opt_logit_newton(&o, x, 200, OPT_NEWTON_GTOL, work, &gnorm);
  if (rc < 0)
    return opt_fail(err, errlen, DCKPT_EINVAL,
                    "logistic regression: the Hessian is not positive definite (features "
                    "constant or linearly dependent); use lambda > 0");
  if (rc > 0)
    return opt_fail(err, errlen, DCKPT_EINVAL,
                    "logistic regression: Newton's method stopped at ||grad f|| = %.3g > "
                    "%g; with lambda = %g the data may be separable (no finite optimum): "
                    "use lambda > 0 or standardize the features",
                    gnorm, OPT_NEWTON_GTOL, p->lambda);
  return DCKPT_OK;
}

int opt_solve_optimum(const opt_problem *p, double *x, double *f_star, char *err,
                      size_t errlen) {
  double *work = opt_alloc_f64(p->d * p->d + 3 * p->d);
  if (!work) return opt_fail(err, errlen, DCKPT_ENOMEM, "optimum: out of memory");
  int rc = p->kind == OPT_LEAST_SQUARES ? solve_least_squares(p, x, work, err, errlen)
                                        : solve_logistic(p, x, work, err, errlen);
  free(work);
  if (rc != DCKPT_OK) return rc;
  *f_star = opt_value(p, x);
  /* data or a lambda beyond what doubles hold (synthetic noise of 1e308) gave
   * an optimum of inf or NaN: every metric of every trial would be "no value" */
  bool finite = isfinite(*f_star);
  for (size_t i = 0; i < p->d && finite; i++)
    finite = isfinite(x[i]);
  if (!finite)
    return opt_fail(
        err, errlen, DCKPT_EINVAL,
        "optimum: f* = %g is not finite: the data or lambda = %g are too large "
        "for double precision; scale them down",
        *f_star, p->lambda);
  return DCKPT_OK;
}

int opt_compute_lipschitz(const opt_problem *p, double *L, char *err, size_t errlen) {
  size_t d = p->d;
  double *g = opt_alloc_f64(d * d + 2 * d);
  if (!g)
    return opt_fail(err, errlen, DCKPT_ENOMEM, "Lipschitz constants: out of memory");
  double curvature = p->kind == OPT_LOGISTIC ? 0.25 : 1.0; /* max of sigma' is 1/4 */
  for (size_t i = 0; i < p->n_agents; i++) {
    memset(g, 0, d * d * sizeof *g);
    for (int64_t r = p->agent_rows[i]; r < p->agent_rows[i + 1]; r++)
      opt_syr_lower(1.0, p->A + (size_t)r * d, g, d);
    opt_symmetrize(g, d);
    double top = opt_sym_max_eig(g, d, g + d * d);
    L[i] = curvature * top / (double)p->m + p->lambda / (double)p->n_agents;
  }
  free(g);
  return DCKPT_OK;
}
