/* Axis ranges and ticks. Major ticks sit at 1, 2 or 5 × 10^k on linear axes
 * and at whole decades on log axes; labels on a linear axis share one power
 * of ten written beside the axis when the numbers would be long. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot.h"

#define PAD_FRACTION    0.04
#define CLAMP_ABS       1e307 /* keeps hi - lo, padded, finite */
#define LOG_MIN_DECADES 2.0

int axis_wants_log(double lo, double hi) {
  return lo > 0.0 && hi >= lo && log10(hi) - log10(lo) > LOG_MIN_DECADES;
}

static double clamp_abs(double v) {
  return v > CLAMP_ABS ? CLAMP_ABS : v < -CLAMP_ABS ? -CLAMP_ABS : v;
}

void axis_set_range(plot_axis *ax, double lo, double hi, int log, int integer) {
  memset(ax, 0, sizeof *ax);
  ax->integer = integer;
  ax->log = log && axis_wants_log(lo, hi);
  if (!(lo <= hi)) { /* no data: an empty unit box */
    lo = 0.0;
    hi = 1.0;
  }
  if (ax->log) {
    lo = log10(lo);
    hi = log10(hi);
  }
  lo = clamp_abs(lo);
  hi = clamp_abs(hi);
  double mag = fmax(fabs(lo), fabs(hi));
  if (hi - lo <= 1e-9 * mag || hi == lo) {
    /* One value: open a window around it so the line has somewhere to be. */
    double d = integer ? 1.0 : (mag > 0.0 ? 0.1 * mag : 1.0);
    lo -= d;
    hi += d;
  } else {
    double pad = PAD_FRACTION * (hi - lo);
    lo -= pad;
    hi += pad;
  }
  ax->lo = lo;
  ax->hi = hi;
}

static double nice_up(double raw) {
  double base = pow(10.0, floor(log10(raw)));
  double f = raw / base;
  double m = f <= 1.0 + 1e-9 ? 1.0 : f <= 2.0 + 1e-9 ? 2.0 : f <= 5.0 + 1e-9 ? 5.0 : 10.0;
  return m * base;
}

/* The next nice step below `step`: 10 -> 5 -> 2 -> 1 -> 0.5 ... */
static double nice_down(double step) {
  double base = pow(10.0, floor(log10(step) + 1e-9));
  double f = step / base;
  return f > 4.0 ? 2.0 * base : f > 1.5 ? base : 0.5 * base;
}

static int place_linear(plot_axis *ax, double step) {
  double first = ceil(ax->lo / step - 1e-9);
  ax->n_ticks = 0;
  for (double k = first; ax->n_ticks < AXIS_MAX_TICKS; k += 1.0) {
    double v = k * step;
    if (v > ax->hi + 1e-9 * step) break;
    ax->tick[ax->n_ticks++] = fabs(v) < 1e-9 * step ? 0.0 : v;
  }
  ax->step = step;
  return ax->n_ticks;
}

static void linear_labels(plot_axis *ax) {
  double mag = 0.0;
  for (int k = 0; k < ax->n_ticks; k++)
    mag = fmax(mag, fabs(ax->tick[k]));
  int e = mag > 0.0 ? (int)floor(log10(mag) + 1e-9) : 0;
  /* Iteration counts read best written out in full up to millions. */
  int big = ax->integer ? 7 : 5;
  ax->exp10 = (e >= big || e <= -4) ? e : 0;
  double scaled = ax->step / pow(10.0, ax->exp10);
  int d = (int)ceil(-log10(scaled) - 1e-9);
  ax->decimals = d > 0 ? d : 0;
}

static void place_log(plot_axis *ax, int max_ticks) {
  double d0 = ceil(ax->lo - 1e-9), d1 = floor(ax->hi + 1e-9);
  double every = 1.0;
  while ((d1 - d0) / every + 1.0 > max_ticks)
    every += 1.0;
  ax->n_ticks = 0;
  for (double d = ceil(d0 / every) * every; d <= d1 && ax->n_ticks < AXIS_MAX_TICKS;
       d += every)
    ax->tick[ax->n_ticks++] = d;
  ax->step = every;
  /* Minor ticks: the unlabelled decades when labels skip some, else
   * 2..9 × 10^k while those stay legible. */
  ax->n_minor = 0;
  if (every > 1.0) {
    for (double d = d0; d <= d1 && ax->n_minor < AXIS_MAX_MINOR; d += 1.0)
      if (fmod(d, every) != 0.0) ax->minor[ax->n_minor++] = d;
    return;
  }
  if (ax->hi - ax->lo > 8.0) return;
  for (double d = floor(ax->lo); d <= ax->hi; d += 1.0)
    for (int m = 2; m <= 9 && ax->n_minor < AXIS_MAX_MINOR; m++) {
      double u = d + log10((double)m);
      if (u > ax->lo && u < ax->hi) ax->minor[ax->n_minor++] = u;
    }
}

static double count_ticks(const plot_axis *ax, double step) {
  return floor(ax->hi / step + 1e-9) - ceil(ax->lo / step - 1e-9) + 1.0;
}

void axis_set_ticks(plot_axis *ax, int max_ticks) {
  if (max_ticks < 2) max_ticks = 2;
  if (max_ticks > AXIS_MAX_TICKS) max_ticks = AXIS_MAX_TICKS;
  if (ax->log) {
    place_log(ax, max_ticks);
    return;
  }
  /* The densest 1-2-5 step that still fits: the padding around the data
   * often lets a finer step in than span / (max - 1) suggests. */
  double step = nice_up((ax->hi - ax->lo) / (max_ticks - 1));
  for (int tries = 0; tries < 3; tries++) {
    double finer = nice_down(step);
    if ((ax->integer && finer < 1.0) || count_ticks(ax, finer) > max_ticks) break;
    step = finer;
  }
  if (ax->integer && step < 1.0) step = 1.0;
  /* Very narrow windows can still leave fewer than two ticks in view. */
  for (int tries = 0; place_linear(ax, step) < 2 && tries < 6; tries++) {
    double finer = nice_down(step);
    if (ax->integer && finer < 1.0) break;
    step = finer;
  }
  linear_labels(ax);
}

double axis_unit(const plot_axis *ax, double v) {
  return ax->log ? log10(v) : clamp_abs(v);
}

double axis_frac(const plot_axis *ax, double u) {
  return (u - ax->lo) / (ax->hi - ax->lo);
}

static void linear_label(const plot_axis *ax, int k, char *buf, size_t n) {
  double v = ax->tick[k] / pow(10.0, ax->exp10);
  char tmp[64];
  snprintf(tmp, sizeof tmp, "%.*f", ax->decimals, v);
  if (tmp[0] == '-' && strspn(tmp + 1, "0.") == strlen(tmp + 1)) {
    snprintf(buf, n, "%s", tmp + 1); /* "-0.0" is zero */
    return;
  }
  if (tmp[0] == '-')
    snprintf(buf, n, "\u2212%s", tmp + 1);
  else
    snprintf(buf, n, "%s", tmp);
}

double axis_label_width(cairo_t *cr, const plot_axis *ax, int k) {
  if (ax->log) return pow10_width(cr, "", (int)ax->tick[k]);
  char buf[80];
  linear_label(ax, k, buf, sizeof buf);
  return text_width(cr, buf);
}

void axis_label_at(cairo_t *cr, const plot_axis *ax, int k, double x, double y, double hx,
                   text_valign v) {
  if (ax->log) {
    pow10_at(cr, x, y, "", (int)ax->tick[k], hx, v);
    return;
  }
  char buf[80];
  linear_label(ax, k, buf, sizeof buf);
  text_at(cr, x, y, buf, hx, v);
}
