/* dckpt_report axes (internal): "nice" linear ticks, decade ticks on log
 * axes, the shared power of ten, and ranges for degenerate data. */
#include <math.h>
#include <stdio.h>

#include "check.h"
#include "report/plot.h"
#include "report/rtest.h"

#define CHECK_NEAR(a, b)                                                                 \
  do {                                                                                   \
    double x_ = (a), y_ = (b);                                                           \
    if (!(fabs(x_ - y_) <= 1e-9 * fmax(1.0, fabs(y_))))                                  \
      CHECK_FAIL_("%s == %s (%.17g vs %.17g)", #a, #b, x_, y_);                          \
  } while (0)

/* Every step is 1, 2 or 5 times a power of ten, and ticks are its multiples. */
static void check_nice(const plot_axis *ax) {
  double e = floor(log10(ax->step)), m = ax->step / pow(10.0, e);
  if (!(fabs(m - 1) < 1e-9 || fabs(m - 2) < 1e-9 || fabs(m - 5) < 1e-9))
    CHECK_FAIL_("step %g is not 1, 2 or 5 x 10^k", ax->step);
  for (int k = 0; k < ax->n_ticks; k++) {
    double q = ax->tick[k] / ax->step;
    CHECK_NEAR(q, round(q));
    CHECK(ax->tick[k] >= ax->lo && ax->tick[k] <= ax->hi);
  }
}

static void test_linear_ticks(void) {
  plot_axis ax;
  axis_set_range(&ax, 0, 500, 0, 1); /* iterations 0..500 */
  axis_set_ticks(&ax, 7);
  check_nice(&ax);
  CHECK_NEAR(ax.step, 100);
  CHECK_EQ(ax.n_ticks, 6);
  CHECK_NEAR(ax.tick[0], 0);
  CHECK_EQ(ax.exp10, 0);
  CHECK_EQ(ax.decimals, 0);
  static const double ranges[][2] = {{0, 1},       {-3.7, 12.2},     {0.51, 0.99},
                                     {1e-7, 3e-7}, {123456, 123789}, {-2e9, 5e9}};
  for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++)
    for (int max = 2; max <= 10; max++) {
      axis_set_range(&ax, ranges[r][0], ranges[r][1], 0, 0);
      axis_set_ticks(&ax, max);
      check_nice(&ax);
      if (ax.n_ticks < 2 || ax.n_ticks > max + 1)
        CHECK_FAIL_("range %zu, max %d: %d ticks", r, max, ax.n_ticks);
    }
}

static void test_labels(void) {
  plot_axis ax;
  axis_set_range(&ax, 0, 1, 0, 0);
  axis_set_ticks(&ax, 6);
  CHECK_NEAR(ax.step, 0.2);
  CHECK_EQ(ax.decimals, 1);
  CHECK_EQ(ax.exp10, 0);
  axis_set_range(&ax, 0, 3e-6, 0, 0); /* small: one shared 10^-6 */
  axis_set_ticks(&ax, 4);
  CHECK_EQ(ax.exp10, -6);
  axis_set_range(&ax, 0, 3e7, 0, 1); /* iterations in the tens of millions */
  axis_set_ticks(&ax, 4);
  CHECK_EQ(ax.exp10, 7);
  axis_set_range(&ax, 0, 2e6, 0, 1); /* up to millions: written out in full */
  axis_set_ticks(&ax, 5);
  CHECK_EQ(ax.exp10, 0);
}

static void test_log_ticks(void) {
  plot_axis ax;
  axis_set_range(&ax, 2.6e-5, 10.0, 1, 0);
  CHECK_EQ(ax.log, 1);
  axis_set_ticks(&ax, 10);
  CHECK_NEAR(ax.step, 1);
  CHECK_EQ(ax.n_ticks, 6); /* 10^-4 .. 10^1 */
  CHECK_NEAR(ax.tick[0], -4);
  CHECK_NEAR(ax.tick[5], 1);
  CHECK_GT(ax.n_minor, 40); /* 2..9 x 10^k */
  axis_set_ticks(&ax, 4);   /* crowded: every other decade labelled */
  CHECK_NEAR(ax.step, 2);
  CHECK_LE(ax.n_ticks, 4);
  for (int k = 0; k < ax.n_ticks; k++)
    CHECK_NEAR(fmod(ax.tick[k], 2.0), 0.0);
  CHECK_EQ(ax.n_minor, 3); /* the skipped decades -3, -1, 1 */
  for (int k = 0; k < ax.n_minor; k++)
    CHECK_NEAR(fabs(fmod(ax.minor[k], 2.0)), 1.0);
  axis_set_range(&ax, 1e-12, 1e3, 1, 0); /* 15 decades in 10 labels: every 2nd */
  axis_set_ticks(&ax, 10);
  CHECK_NEAR(ax.step, 2);
  axis_set_range(&ax, 1e-9, 1e3, 1, 0); /* 12 decades, all labelled: no 2..9 */
  axis_set_ticks(&ax, 13);
  CHECK_NEAR(ax.step, 1);
  CHECK_EQ(ax.n_minor, 0);
  /* Only two decades apart: linear, even when asked for log. */
  axis_set_range(&ax, 1.0, 99.0, 1, 0);
  CHECK_EQ(ax.log, 0);
}

static void test_degenerate_ranges(void) {
  plot_axis ax;
  axis_set_range(&ax, 7, 7, 0, 1); /* one iteration */
  CHECK_NEAR(ax.lo, 6);
  CHECK_NEAR(ax.hi, 8);
  axis_set_range(&ax, 0, 0, 0, 0);
  CHECK(ax.lo < 0 && ax.hi > 0);
  axis_set_range(&ax, 1.0, 0.0, 1, 0); /* no data */
  CHECK_EQ(ax.log, 0);
  CHECK(ax.lo < 0.0 + 1e-9 && ax.hi > 1.0 - 1e-9);
  axis_set_range(&ax, -1.7e308, 1.7e308, 0, 0);
  CHECK(isfinite(ax.hi - ax.lo));
  axis_set_ticks(&ax, 6);
  CHECK_GE(ax.n_ticks, 2);
  axis_set_range(&ax, 1.0, 1.0 + 1e-15, 0, 0);
  axis_set_ticks(&ax, 6);
  CHECK_GE(ax.n_ticks, 2);
}

int main(int argc, char **argv) {
  static const check_case cases[] = {
      {"linear_ticks", test_linear_ticks},
      {"labels", test_labels},
      {"log_ticks", test_log_ticks},
      {"degenerate_ranges", test_degenerate_ranges},
  };
  return rtest_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
