/* Metrics against values worked out by hand on a two-agent, two-dimensional
 * problem with A = I (agent i holds row i):
 *   least squares, b = (1, 2): f(x) = ((x1 - 1)^2 + (x2 - 2)^2) / 4,
 *     x* = (1, 2), f* = 0; agents at (0, 0) and (2, 2), so xbar = (1, 1):
 *     f(xbar) = 1/4, consensus = (2 + 2) / 2 = 2,
 *     grad f(xbar) = (xbar - b) / 2 = (0, -1/2), ||xbar - x*|| = 1.
 *   logistic, b = (+1, -1), same agents: a.xbar = 1 on both rows, so row 1
 *     is right and row 2 wrong (accuracy 1/2);
 *     f(xbar) = (log(1 + e^-1) + log(1 + e)) / 2,
 *     grad f(xbar) = (-sigma(-1), sigma(1)) / 2. */
#include <math.h>

#include "check.h"
#include "dckpt.h"
#include "opt/metrics.h"
#include "opt/problem.h"

static const double A[4] = {1, 0, 0, 1};
static const int64_t rows[3] = {0, 1, 2};
static const double X[4] = {0, 0, 2, 2};

static opt_problem tiny(opt_problem_kind kind, const double *b, const double *x_star) {
  opt_problem p = {0};
  p.kind = kind;
  p.m = 2;
  p.d = 2;
  p.n_agents = 2;
  p.A = A;
  p.b = b;
  p.agent_rows = rows;
  p.x_star = x_star;
  return p;
}

static void check_close(double got, double want) {
  if (!(fabs(got - want) <= 1e-15 * fmax(1.0, fabs(want))))
    CHECK_FAIL_("got %.17g, want %.17g", got, want);
}

static void test_least_squares_by_hand(void) {
  double b[2] = {1, 2}, x_star[2] = {1, 2}, work[4], out[OPT_N_METRICS];
  opt_problem p = tiny(OPT_LEAST_SQUARES, b, x_star);
  opt_compute_metrics(&p, X, 12, 34, work, out);
  check_close(out[OPT_METRIC_SUBOPTIMALITY], 0.25);
  check_close(out[OPT_METRIC_CONSENSUS], 2.0);
  check_close(out[OPT_METRIC_GRADIENT_NORM], 0.5);
  check_close(out[OPT_METRIC_DISTANCE], 1.0);
  CHECK(isnan(out[OPT_METRIC_ACCURACY]));
  check_close(out[OPT_METRIC_GRADIENT_EVALS], 12.0);
  check_close(out[OPT_METRIC_MESSAGES], 34.0);
}

static void test_logistic_by_hand(void) {
  double b[2] = {1, -1}, x_star[2] = {0, 0}, work[4], out[OPT_N_METRICS];
  opt_problem p = tiny(OPT_LOGISTIC, b, x_star);
  p.f_star = 0.1; /* any value: the metric subtracts it */
  opt_compute_metrics(&p, X, 0, 0, work, out);
  double s_minus = 1.0 / (1.0 + exp(1.0)), s_plus = 1.0 / (1.0 + exp(-1.0));
  check_close(out[OPT_METRIC_SUBOPTIMALITY],
              (log(1.0 + exp(-1.0)) + log(1.0 + exp(1.0))) / 2.0 - 0.1);
  check_close(out[OPT_METRIC_GRADIENT_NORM],
              0.5 * sqrt(s_minus * s_minus + s_plus * s_plus));
  check_close(out[OPT_METRIC_DISTANCE], sqrt(2.0));
  check_close(out[OPT_METRIC_ACCURACY], 0.5);
  check_close(out[OPT_METRIC_CONSENSUS], 2.0);
}

/* lambda = 1e308 (accepted by the config: f* is finite): the gradient at
 * xbar = (1, 1) is about (1e308, 1e308), its norm 1.414e308 < DBL_MAX, but
 * the sum of its squares overflows; it read inf ('no finite value' in the
 * table, exit 0). Likewise a distance of 1e200. */
static void test_huge_values_finite(void) {
  double b[2] = {1, 2}, x_star[2] = {1, 2}, work[4], out[OPT_N_METRICS];
  opt_problem p = tiny(OPT_LEAST_SQUARES, b, x_star);
  p.lambda = 1e308;
  opt_compute_metrics(&p, X, 0, 0, work, out);
  check_close(out[OPT_METRIC_GRADIENT_NORM], 1e308 * sqrt(2.0));
  check_close(out[OPT_METRIC_SUBOPTIMALITY], 1e308);
  check_close(out[OPT_METRIC_DISTANCE], 1.0);
  double far[2] = {-1e200, 2};
  p = tiny(OPT_LEAST_SQUARES, b, far);
  opt_compute_metrics(&p, X, 0, 0, work, out);
  check_close(out[OPT_METRIC_DISTANCE], 1e200);
  /* what does overflow stays inf; NaN stays NaN */
  double inf_star[2] = {-1.5e308, 1.5e308}, nan_star[2] = {NAN, 0};
  p = tiny(OPT_LEAST_SQUARES, b, inf_star);
  opt_compute_metrics(&p, X, 0, 0, work, out);
  CHECK(isinf(out[OPT_METRIC_DISTANCE]));
  p = tiny(OPT_LEAST_SQUARES, b, nan_star);
  opt_compute_metrics(&p, X, 0, 0, work, out);
  CHECK(isnan(out[OPT_METRIC_DISTANCE]));
}

static void test_names(void) {
  CHECK_STR_EQ(opt_metric_names[OPT_METRIC_SUBOPTIMALITY], "suboptimality");
  CHECK_STR_EQ(opt_metric_names[OPT_METRIC_MESSAGES], "messages");
  for (int i = 0; i < OPT_N_METRICS; i++)
    CHECK(opt_metric_names[i] != NULL);
}

int main(void) {
  RUN_TEST(test_least_squares_by_hand);
  RUN_TEST(test_logistic_by_hand);
  RUN_TEST(test_huge_values_finite);
  RUN_TEST(test_names);
  return 0;
}
