#include "opt/metrics.h"

#include <math.h>

#include "opt/algo_internal.h"
#include "opt/linalg.h"
#include "opt/objective.h"

const char *const opt_metric_names[OPT_N_METRICS] = {
    "suboptimality", "consensus_error",      "gradient_norm", "distance_to_optimum",
    "accuracy",      "gradient_evaluations", "messages"};

static double accuracy(const opt_problem *p, const double *x) {
  if (p->kind != OPT_LOGISTIC) return NAN;
  size_t right = 0;
  for (size_t r = 0; r < p->m; r++) {
    double z = opt_dot(p->A + r * p->d, x, p->d);
    if ((z >= 0.0) == (p->b[r] > 0.0)) right++;
  }
  return (double)right / (double)p->m;
}

void opt_compute_metrics(const opt_problem *p, const double *X, int64_t grad_evals,
                         int64_t messages, double *work, double *out) {
  size_t n = p->n_agents, d = p->d;
  double *xbar = work, *g = work + d;
  for (size_t c = 0; c < d; c++)
    xbar[c] = 0.0;
  for (size_t i = 0; i < n; i++)
    opt_axpy(1.0, X + i * d, xbar, d);
  for (size_t c = 0; c < d; c++)
    xbar[c] /= (double)n;
  double consensus = 0.0;
  for (size_t i = 0; i < n; i++)
    consensus += opt_dist2sq(X + i * d, xbar, d);
  opt_grad(p, xbar, g);
  out[OPT_METRIC_SUBOPTIMALITY] = opt_value(p, xbar) - p->f_star;
  out[OPT_METRIC_CONSENSUS] = consensus / (double)n;
  out[OPT_METRIC_GRADIENT_NORM] = opt_norm2(g, d);
  out[OPT_METRIC_DISTANCE] = opt_dist2(xbar, p->x_star, d);
  out[OPT_METRIC_ACCURACY] = accuracy(p, xbar);
  out[OPT_METRIC_GRADIENT_EVALS] = (double)grad_evals;
  out[OPT_METRIC_MESSAGES] = (double)messages;
}

int opt_metrics(const dckpt_trial_info *info, const void *state, int64_t k, double *out) {
  (void)info;
  (void)k;
  const opt_state *s = state;
  /* The state's scratch is free between iterations; its pointer is const
   * here, its contents are not. */
  opt_compute_metrics(&s->prob, s->buf[0], s->grad_evals, s->messages, s->work, out);
  return DCKPT_OK;
}
