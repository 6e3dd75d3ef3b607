/* Per-iteration metrics of a trial, computed at the agents' average
 * xbar = (1/N) sum_i x_i (definitions in docs/algorithms.md). */
#ifndef OPT_METRICS_H
#define OPT_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "dckpt_run.h"
#include "opt/problem.h"

enum {
  OPT_METRIC_SUBOPTIMALITY = 0, /* f(xbar) - f* */
  OPT_METRIC_CONSENSUS,         /* (1/N) sum_i ||x_i - xbar||^2 */
  OPT_METRIC_GRADIENT_NORM,     /* ||grad f(xbar)|| */
  OPT_METRIC_DISTANCE,          /* ||xbar - x*|| */
  OPT_METRIC_ACCURACY,       /* share of rows with sign(a.xbar) = b; NaN for regression */
  OPT_METRIC_GRADIENT_EVALS, /* cumulative local gradient evaluations */
  OPT_METRIC_MESSAGES,       /* cumulative vectors sent */
  OPT_N_METRICS
};

/** The names, in the order above: "suboptimality", "consensus_error",
 *  "gradient_norm", "distance_to_optimum", "accuracy", "gradient_evaluations",
 *  "messages". */
extern const char *const opt_metric_names[OPT_N_METRICS];

/**
 * Metrics of the iterates X (n_agents x d) into out[OPT_N_METRICS], with the
 * two counters given. work holds 2 d doubles. A row counts as correctly
 * classified when a.xbar >= 0 and b = +1, or a.xbar < 0 and b = -1.
 */
void opt_compute_metrics(const opt_problem *p, const double *X, int64_t grad_evals,
                         int64_t messages, double *work, double *out);

/** The dckpt_algorithm.metrics callback of every method. */
int opt_metrics(const dckpt_trial_info *info, const void *state, int64_t k, double *out);

#endif
