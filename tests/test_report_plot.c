/* dckpt_report plots: PNGs are decoded with cairo and checked for size,
 * content, every algorithm's line and band colour; edge cases must not
 * crash and must still give a readable PNG. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "report/report.h"
#include "report/rtest.h"
#include "report/synth.h"

#define ERRLEN    512
#define PANEL_TOP 110 /* below title and one legend row: panel content only */

static int write_plots(const char *dir, const report_series *s, size_t n) {
  char err[ERRLEN] = "";
  int n_fig = -1;
  if (report_write_plots(dir, s, n, &n_fig, err, sizeof err) != 0)
    CHECK_FAIL_("report_write_plots: %s", err);
  CHECK_EQ(rtest_count_prefix(dir, ".dckpt-tmp."), 0);
  return n_fig;
}

static void check_colours(const rtest_png *png, size_t n_alg) {
  for (size_t a = 0; a < n_alg; a++) {
    unsigned char line[3], band[3];
    report_palette_color(a, 0, line);
    report_palette_color(a, 1, band);
    long nl = rtest_png_count_near(png, line, 10, PANEL_TOP, png->h);
    long nb = rtest_png_count_near(png, band, 4, PANEL_TOP, png->h);
    fprintf(stderr, "   algorithm %zu: %ld line px, %ld band px\n", a, nl, nb);
    if (nl < 800) CHECK_FAIL_("algorithm %zu: only %ld line pixels", a, nl);
    if (nb < 800) CHECK_FAIL_("algorithm %zu: only %ld band pixels", a, nb);
  }
}

static void test_synthetic_figure(void) {
  const char *dir = rtest_dir("plot_synth");
  synth_run *r = malloc(sizeof *r);
  CHECK(r != NULL);
  synth_fill(r);
  CHECK_EQ(write_plots(dir, r->series, SYNTH_ALGS * SYNTH_METRICS), 1);
  rtest_png png;
  rtest_png_load(&png, dir, "plots_fig1.png");
  CHECK_EQ(png.w, 1800);
  CHECK_EQ(png.h, 600);
  long ink = rtest_png_nonwhite(&png), distinct = rtest_png_distinct(&png);
  fprintf(stderr, "   %ld non-white pixels, %ld distinct colours\n", ink, distinct);
  CHECK_GT(ink, 1800L * 600 / 20);
  CHECK_GT(distinct, 500);
  check_colours(&png, SYNTH_ALGS);
  rtest_png_free(&png);
  free(r);
}

/* A colour that is not in the palette must not be found: the counter can fail. */
static void test_colour_check_discriminates(void) {
  const char *dir = rtest_dir("plot_discriminate");
  synth_run *r = malloc(sizeof *r);
  CHECK(r != NULL);
  synth_fill(r);
  write_plots(dir, r->series, SYNTH_ALGS); /* one metric, three algorithms */
  rtest_png png;
  rtest_png_load(&png, dir, "plots_fig1.png");
  CHECK_EQ(png.w, 600);
  unsigned char fourth[3], magenta[3] = {255, 0, 255};
  report_palette_color(3, 0, fourth);
  CHECK_LT(rtest_png_count_near(&png, fourth, 10, 0, png.h), 20);
  CHECK_EQ(rtest_png_count_near(&png, magenta, 10, 0, png.h), 0);
  rtest_png_free(&png);
  free(r);
}

/* Seven metrics make figures of 3, 3 and 1 panels; a later run with fewer
 * metrics removes the figures it no longer produces. */
static void test_figures_and_stale(void) {
  const char *dir = rtest_dir("plot_many");
  static const char *const names[7] = {"m1", "m2", "m3", "m4", "m5", "m6", "m7"};
  static const int64_t it[4] = {0, 1, 2, 3};
  static const double v[8] = {4, 3, 2, 1, 5, 4, 3, 2};
  report_series s[7];
  for (int k = 0; k < 7; k++)
    s[k] = (report_series){"alg", names[k], 4, it, 2, v};
  CHECK_EQ(write_plots(dir, s, 7), 3);
  int widths[3] = {1800, 1800, 600};
  for (int f = 0; f < 3; f++) {
    char name[32];
    snprintf(name, sizeof name, "plots_fig%d.png", f + 1);
    rtest_png png;
    rtest_png_load(&png, dir, name);
    CHECK_EQ(png.w, widths[f]);
    rtest_png_free(&png);
  }
  CHECK_EQ(write_plots(dir, s, 2), 1);
  CHECK_EQ(rtest_count_prefix(dir, "plots_fig"), 1);
  CHECK_EQ(write_plots(dir, s, 0), 0);
  CHECK_EQ(rtest_count_prefix(dir, "plots_fig"), 0);
}

static void test_log_scale_decision(void) {
  enum { N = 41 };
  int64_t it[N];
  double decay[N], linear[N], shallow[N], with_zero[N], nan_only[N];
  for (int i = 0; i < N; i++) {
    it[i] = 5 * i;
    decay[i] = 3.0 * exp(-0.05 * 5 * i); /* 3 down to ~1.4e-4: > 4 decades */
    linear[i] = 1.0 + i;                 /* 1..41: not 2 decades */
    shallow[i] = 50.0 * exp(-0.02 * i);  /* under one decade */
    with_zero[i] = decay[i] - decay[N - 1];
    nan_only[i] = NAN;
  }
  report_series s[] = {
      {"a", "decay", N, it, 1, decay},       {"a", "linear", N, it, 1, linear},
      {"a", "shallow", N, it, 1, shallow},   {"a", "with_zero", N, it, 1, with_zero},
      {"a", "nan_only", N, it, 1, nan_only}, {"b", "decay", N, it, 1, linear},
  };
  size_t n = sizeof s / sizeof s[0];
  CHECK_EQ(report_metric_log_scale(s, n, "decay"), 1);
  CHECK_EQ(report_metric_log_scale(s, n, "linear"), 0);
  CHECK_EQ(report_metric_log_scale(s, n, "shallow"), 0);
  CHECK_EQ(report_metric_log_scale(s, n, "with_zero"), 0);
  CHECK_EQ(report_metric_log_scale(s, n, "nan_only"), 0);
  CHECK_EQ(report_metric_log_scale(s, n, "absent"), 0);
  /* One negative value anywhere in the metric switches it back to linear. */
  linear[7] = -1.0;
  CHECK_EQ(report_metric_log_scale(s, n, "decay"), 0);
  CHECK_EQ(write_plots(rtest_dir("plot_log"), s, n), 2);
}

/* Inputs that must still give a well-formed figure: NaN-only and infinite
 * values, one point, zero trials, zero points, constant values, huge values. */
static void test_degenerate_inputs(void) {
  const char *dir = rtest_dir("plot_degenerate");
  static const int64_t one_it[1] = {7}, it[3] = {0, 1, 2};
  static const double one_v[2] = {1.5, 2.5};
  static const double nan_v[3] = {NAN, NAN, NAN};
  static const double inf_v[6] = {INFINITY, 1, -INFINITY, NAN, 2, 3};
  static const double flat[3] = {4.2, 4.2, 4.2};
  static const double huge[6] = {1e308, -1e308, 1e308, -1e308, 1.7e308, -1.7e308};
  static const double tiny[3] = {1e-320, 2e-320, 4e-300};
  report_series s[] = {
      {"nan", "all nan", 3, it, 1, nan_v},
      {"inf", "with inf", 2, it, 3, inf_v},
      {"one", "single point", 1, one_it, 2, one_v},
      {"none", "zero trials", 3, it, 0, NULL},
      {"empty", "zero points", 0, NULL, 4, NULL},
      {"flat", "constant", 3, it, 1, flat},
      {"huge", "huge", 3, it, 2, huge},
      {"tiny", "subnormal", 3, it, 1, tiny},
  };
  size_t n = sizeof s / sizeof s[0];
  CHECK_EQ(write_plots(dir, s, n), 3);
  for (int f = 1; f <= 3; f++) {
    char name[32];
    snprintf(name, sizeof name, "plots_fig%d.png", f);
    rtest_png png;
    rtest_png_load(&png, dir, name);
    CHECK_GT(rtest_png_nonwhite(&png), 1000);
    rtest_png_free(&png);
  }
  char err[ERRLEN];
  CHECK_EQ(report_write_tables(dir, s, n, err, sizeof err), 0);
}

/* Past eight algorithms colours repeat (dashed) and the legend wraps. */
static void test_many_algorithms(void) {
  const char *dir = rtest_dir("plot_algs");
  enum { A = 20, P = 30 };
  int64_t iters[P];
  double *v = malloc(sizeof(double) * A * P * 2);
  CHECK(v != NULL);
  char names[A][32];
  report_series s[A];
  for (int i = 0; i < P; i++)
    iters[i] = 10 * i;
  for (int a = 0; a < A; a++) {
    snprintf(names[a], sizeof names[a], "algorithm number %d", a);
    for (int k = 0; k < 2 * P; k++)
      v[a * 2 * P + k] = (a + 1) * (1.0 + 0.1 * (k / P)) + 0.1 * (k % P);
    s[a] = (report_series){names[a], "metric", P, iters, 2, v + a * 2 * P};
  }
  CHECK_EQ(write_plots(dir, s, A), 1);
  rtest_png png;
  rtest_png_load(&png, dir, "plots_fig1.png");
  CHECK_EQ(png.w, 600);
  CHECK_GT(png.h, 600); /* extra legend rows */
  rtest_png_free(&png);
  free(v);
}

/* A directory squatting on the figure's name: the rename fails, the error
 * names the file and the step, and no temporary file is left behind. */
static void test_unwritable(void) {
  const char *dir = rtest_dir("plot_unwritable");
  char err[ERRLEN] = "", squatter[1200];
  snprintf(squatter, sizeof squatter, "%s/plots_fig1.png", dir);
  CHECK(mkdir(squatter, 0755) == 0);
  static const int64_t it[2] = {0, 1};
  static const double v[2] = {1, 2};
  report_series s = {"a", "m", 2, it, 1, v};
  int rc = report_write_plots(dir, &s, 1, NULL, err, sizeof err);
  rmdir(squatter);
  CHECK_NE(rc, 0);
  CHECK_CONTAINS(err, squatter);
  CHECK_CONTAINS(err, "rename");
  CHECK_EQ(rtest_count_prefix(dir, ".dckpt-tmp."), 0);
}

int main(int argc, char **argv) {
  static const check_case cases[] = {
      {"synthetic", test_synthetic_figure},
      {"discriminates", test_colour_check_discriminates},
      {"figures", test_figures_and_stale},
      {"log_scale", test_log_scale_decision},
      {"degenerate", test_degenerate_inputs},
      {"many_algorithms", test_many_algorithms},
      {"unwritable", test_unwritable},
  };
  return rtest_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
