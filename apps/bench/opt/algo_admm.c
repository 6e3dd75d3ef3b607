/* Decentralized consensus ADMM (Shi, Ling, Yuan, Wu, Yin 2014, with penalty
 * c = rho), phi^0 = 0:
 *   x_i^{k+1}   = argmin_x f_i(x) + phi_i^k . x
 *                          + rho sum_{j in N_i} ||x - (x_i^k + x_j^k) / 2||^2
 *   phi_i^{k+1} = phi_i^k + rho (d_i x_i^{k+1} - sum_{j in N_i} x_j^{k+1})
 * The x-update's optimality condition is
 *   grad f_i(x) + phi_i + 2 rho d_i x - rho (d_i x_i^k + s_i^k) = 0,
 * s_i = sum of the neighbours' x_j, kept in the state ("nsum") because the
 * phi-update and the next x-update both need it: one exchange per iteration.
 * How the x-update is solved (docs/algorithms.md):
 *   least squares, full gradient: exactly, by a Cholesky factor prepared once;
 *   logistic, full gradient: `inner` damped Newton steps from x_i^k;
 *   minibatches (either problem): `inner` stochastic gradient steps of size
 *   1 / (L_i + 2 rho d_i) from x_i^k, each on a fresh minibatch. */
#include <stdlib.h>
#include <string.h>

#include "opt/algo_internal.h"
#include "opt/linalg.h"
#include "opt/network.h"
#include "opt/objective.h"
#include "opt/util.h"

static bool exact_solve(const opt_state *s) {
  return s->prob.kind == OPT_LEAST_SQUARES && s->cfg->batch == 0;
}

/* Factor of A_i^T A_i / m + (lambda / N + 2 rho d_i) I and A_i^T b_i / m. */
static int prepare_agent(opt_state *s, size_t i, double *l, double *rhs) {
  const opt_problem *p = &s->prob;
  size_t d = s->d;
  double inv_m = 1.0 / (double)p->m;
  memset(l, 0, d * d * sizeof *l);
  memset(rhs, 0, d * sizeof *rhs);
  for (int64_t r = p->agent_rows[i]; r < p->agent_rows[i + 1]; r++) {
    const double *a = p->A + (size_t)r * d;
    opt_syr_lower(inv_m, a, l, d);
    opt_axpy(p->b[r] * inv_m, a, rhs, d);
  }
  double shift = p->lambda / (double)p->n_agents +
                 2.0 * s->rho * (double)opt_network_degree(&p->net, i);
  for (size_t c = 0; c < d; c++)
    l[c * d + c] += shift;
  return opt_cholesky(l, d) == 0 ? DCKPT_OK : DCKPT_EINVAL;
}

int opt_prepare_admm(opt_state *s) {
  if (!exact_solve(s)) return DCKPT_OK;
  size_t dd;
  if (!opt_mul_size(s->d, s->d, &dd) || !opt_mul_size(dd, s->n, &dd)) return DCKPT_ENOMEM;
  s->factor = opt_alloc_f64(dd);
  s->rhs0 = opt_alloc_f64(s->nd);
  if (!s->factor || !s->rhs0) return DCKPT_ENOMEM;
  for (size_t i = 0; i < s->n; i++) {
    int rc = prepare_agent(s, i, s->factor + i * s->d * s->d, s->rhs0 + i * s->d);
    if (rc != DCKPT_OK) return rc;
  }
  return DCKPT_OK;
}

/* target = rho (d_i x_i^k + s_i^k) - phi_i: the linear part of the x-update. */
static void linear_part(const opt_state *s, size_t i, double *target) {
  size_t d = s->d;
  double di = (double)opt_network_degree(&s->prob.net, i);
  const double *xi = s->buf[0] + i * d, *phi = s->buf[1] + i * d, *ns = s->buf[2] + i * d;
  for (size_t c = 0; c < d; c++)
    target[c] = s->rho * (di * xi[c] + ns[c]) - phi[c];
}

static void update_exact(opt_state *s, size_t i, double *xn) {
  linear_part(s, i, xn);
  opt_axpy(1.0, s->rhs0 + i * s->d, xn, s->d);
  opt_cholesky_solve(s->factor + i * s->d * s->d, s->d, xn);
  s->grad_evals += 1;
}

static void update_newton(opt_state *s, size_t i, double *xn) {
  const opt_problem *p = &s->prob;
  size_t d = s->d;
  double *q = s->work + d * d + 3 * d, gnorm;
  linear_part(s, i, q);
  for (size_t c = 0; c < d; c++)
    q[c] = -q[c];
  double di = (double)opt_network_degree(&p->net, i);
  opt_logit_model o = {p->A,
                       p->b,
                       (size_t)p->agent_rows[i],
                       (size_t)p->agent_rows[i + 1],
                       d,
                       1.0 / (double)p->m,
                       p->lambda / (double)p->n_agents + 2.0 * s->rho * di,
                       q};
  memcpy(xn, s->buf[0] + i * d, d * sizeof *xn);
  /* gtol 0: always `inner` steps (fewer only if no step decreases phi). The
   * subproblem is strongly convex, so the Hessian is positive definite. */
  (void)opt_logit_newton(&o, xn, (int)s->cfg->inner, 0.0, s->work, &gnorm);
  s->grad_evals += s->cfg->inner;
}

static void update_sgd(opt_state *s, size_t i, double *xn, dckpt_rng *rng) {
  size_t d = s->d;
  double *target = s->work, *g = s->work + d;
  double two_rho_d = 2.0 * s->rho * (double)opt_network_degree(&s->prob.net, i);
  double eta = 1.0 / (s->prob.lipschitz[i] + two_rho_d);
  linear_part(s, i, target);
  memcpy(xn, s->buf[0] + i * d, d * sizeof *xn);
  for (int64_t it = 0; it < s->cfg->inner; it++) {
    opt_draw_batch(s, i, rng);
    opt_local_grad_sample(&s->prob, i, xn, s->rows, (size_t)s->cfg->batch, g);
    for (size_t c = 0; c < d; c++)
      xn[c] -= eta * (g[c] + two_rho_d * xn[c] - target[c]);
  }
  s->grad_evals += s->cfg->inner;
}

int opt_step_admm(opt_state *s, dckpt_rng *rng) {
  const opt_network *net = &s->prob.net;
  double *x = s->buf[0], *phi = s->buf[1], *ns = s->buf[2], *xn = s->tmp;
  if (s->t == 0) { /* the neighbours' starting points */
    opt_network_neighbor_sum(net, x, ns, s->d);
    s->messages += opt_broadcast_messages(s);
  }
  for (size_t i = 0; i < s->n; i++) {
    double *xi = xn + i * s->d;
    if (exact_solve(s))
      update_exact(s, i, xi);
    else if (s->cfg->batch > 0)
      update_sgd(s, i, xi, rng);
    else
      update_newton(s, i, xi);
  }
  memcpy(x, xn, s->nd * sizeof *x);
  opt_network_neighbor_sum(net, x, ns, s->d);
  s->messages += opt_broadcast_messages(s);
  for (size_t i = 0; i < s->n; i++) {
    double di = (double)opt_network_degree(net, i);
    double *pi = phi + i * s->d;
    const double *xi = x + i * s->d, *si = ns + i * s->d;
    for (size_t c = 0; c < s->d; c++)
      pi[c] += s->rho * (di * xi[c] - si[c]);
  }
  return DCKPT_OK;
}
