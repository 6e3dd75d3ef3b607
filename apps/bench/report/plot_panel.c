/* One panel: one metric against iteration for every algorithm, with its
 * frame, grid, ticks, labels and title. The margins follow the widest y tick
 * label, so long numbers never run into the axis label. */
#include <math.h>
#include <stdlib.h>

#include "plot.h"

#define TITLE_SIZE    16.0
#define LABEL_SIZE    14.0
#define TICK_SIZE     12.5
#define TICK_LEN      5.0
#define MINOR_LEN     3.0
#define TOP_MARGIN    44.0
#define BOTTOM_MARGIN 58.0
#define RIGHT_MARGIN  26.0

int metric_range(const report_layout *L, size_t m, double *lo, double *hi) {
  *lo = INFINITY;
  *hi = -INFINITY;
  for (size_t a = 0; a < L->n_alg; a++) {
    const report_series *s = layout_cell(L, m, a);
    double l, h;
    if (!s || !stat_range(s, &l, &h)) continue;
    *lo = fmin(*lo, l);
    *hi = fmax(*hi, h);
  }
  return *lo <= *hi;
}

static int iteration_range(const report_layout *L, size_t m, double *lo, double *hi) {
  *lo = INFINITY;
  *hi = -INFINITY;
  for (size_t a = 0; a < L->n_alg; a++) {
    const report_series *s = layout_cell(L, m, a);
    if (!s || s->n_points == 0) continue;
    *lo = fmin(*lo, (double)s->iterations[0]);
    *hi = fmax(*hi, (double)s->iterations[s->n_points - 1]);
  }
  return *lo <= *hi;
}

static double max_label_width(cairo_t *cr, const plot_axis *ax) {
  double w = 0.0;
  for (int k = 0; k < ax->n_ticks; k++)
    w = fmax(w, axis_label_width(cr, ax, k));
  return w;
}

/* Fewer x ticks until neighbouring labels keep a clear gap. */
static void fit_x_ticks(cairo_t *cr, plot_axis *ax, double width) {
  for (int max = (int)(width / 60.0);; max--) {
    axis_set_ticks(ax, max);
    if (max <= 2 || ax->n_ticks < 2) return;
    double gap = axis_frac(ax, ax->tick[1]) * width - axis_frac(ax, ax->tick[0]) * width;
    if (gap >= max_label_width(cr, ax) + 18.0) return;
  }
}

static void panel_layout(cairo_t *cr, const report_layout *L, size_t m, double x,
                         double y, double w, double h, plot_frame *f) {
  double lo, hi;
  int has = metric_range(L, m, &lo, &hi);
  axis_set_range(&f->ya, has ? lo : 1.0, has ? hi : 0.0, 1, 0);
  has = iteration_range(L, m, &lo, &hi);
  axis_set_range(&f->xa, has ? lo : 1.0, has ? hi : 0.0, 0, 1);
  f->y = round(y + TOP_MARGIN);
  f->h = round(h - TOP_MARGIN - BOTTOM_MARGIN);
  /* Decade labels are short and evenly spaced: a log axis can take more. */
  axis_set_ticks(&f->ya, (int)(f->h / (f->ya.log ? 40.0 : 55.0)));
  text_font(cr, TICK_SIZE, 0);
  double left = 12.0 + LABEL_SIZE + 12.0 + max_label_width(cr, &f->ya) + 6.0 + TICK_LEN;
  f->x = round(x + left);
  f->w = round(x + w - RIGHT_MARGIN) - f->x;
  fit_x_ticks(cr, &f->xa, f->w);
}

/* Crisp one-pixel lines sit on pixel centres. */
static double snap(double v) {
  return floor(v) + 0.5;
}

static void draw_grid(cairo_t *cr, const plot_frame *f) {
  cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
  cairo_set_line_width(cr, 1.0);
  for (int k = 0; k < f->ya.n_ticks; k++) {
    double y = snap(f->y + f->h - axis_frac(&f->ya, f->ya.tick[k]) * f->h);
    cairo_move_to(cr, f->x, y);
    cairo_line_to(cr, f->x + f->w, y);
  }
  for (int k = 0; k < f->xa.n_ticks; k++) {
    double x = snap(frame_x(f, f->xa.tick[k]));
    cairo_move_to(cr, x, f->y);
    cairo_line_to(cr, x, f->y + f->h);
  }
  cairo_stroke(cr);
}

static double tick_y(const plot_frame *f, double u) {
  return snap(f->y + f->h - axis_frac(&f->ya, u) * f->h);
}

/* Tick marks point outwards so they never cover data. */
static void tick_marks(cairo_t *cr, const plot_frame *f) {
  double bottom = f->y + f->h;
  for (int k = 0; k < f->ya.n_ticks; k++) {
    cairo_move_to(cr, f->x, tick_y(f, f->ya.tick[k]));
    cairo_rel_line_to(cr, -TICK_LEN, 0.0);
  }
  for (int k = 0; k < f->ya.n_minor; k++) {
    cairo_move_to(cr, f->x, tick_y(f, f->ya.minor[k]));
    cairo_rel_line_to(cr, -MINOR_LEN, 0.0);
  }
  for (int k = 0; k < f->xa.n_ticks; k++) {
    cairo_move_to(cr, snap(frame_x(f, f->xa.tick[k])), bottom);
    cairo_rel_line_to(cr, 0.0, TICK_LEN);
  }
}

static void tick_labels(cairo_t *cr, const plot_frame *f) {
  text_font(cr, TICK_SIZE, 0);
  for (int k = 0; k < f->ya.n_ticks; k++)
    axis_label_at(cr, &f->ya, k, f->x - TICK_LEN - 4.0, tick_y(f, f->ya.tick[k]), 1.0,
                  TEXT_MIDDLE);
  double label_y = f->y + f->h + TICK_LEN + 5.0;
  for (int k = 0; k < f->xa.n_ticks; k++)
    axis_label_at(cr, &f->xa, k, snap(frame_x(f, f->xa.tick[k])), label_y, 0.5, TEXT_TOP);
  /* The shared power of ten: above the y axis, under the right end of x. */
  if (f->ya.exp10)
    pow10_at(cr, f->x, f->y - 8.0, "\u00d7", f->ya.exp10, 0.0, TEXT_BASELINE);
  if (f->xa.exp10)
    pow10_at(cr, f->x + f->w, label_y + 22.0, "\u00d7", f->xa.exp10, 1.0, TEXT_TOP);
}

static void draw_axes(cairo_t *cr, const plot_frame *f) {
  cairo_set_source_rgb(cr, PLOT_INK);
  cairo_set_line_width(cr, 1.0);
  cairo_rectangle(cr, snap(f->x), snap(f->y), floor(f->w), floor(f->h));
  tick_marks(cr, f);
  cairo_stroke(cr);
  tick_labels(cr, f);
}

static void draw_titles(cairo_t *cr, const plot_frame *f, const char *metric, double x,
                        double y, double h) {
  cairo_set_source_rgb(cr, PLOT_INK);
  text_fit(cr, metric, f->w, TITLE_SIZE, 1);
  text_at(cr, f->x + 0.5 * f->w, y + 26.0, metric, 0.5, TEXT_BASELINE);
  text_font(cr, LABEL_SIZE, 0);
  text_at(cr, f->x + 0.5 * f->w, y + h - 14.0, "iteration", 0.5, TEXT_BASELINE);
  text_fit(cr, metric, f->h, LABEL_SIZE, 0);
  text_at_up(cr, x + 12.0 + 0.5 * LABEL_SIZE, f->y + 0.5 * f->h, metric);
}

int panel_draw(cairo_t *cr, const report_layout *L, size_t m, double x, double y,
               double w, double h) {
  plot_frame f;
  panel_layout(cr, L, m, x, y, w, h, &f);
  draw_grid(cr, &f);
  int rc = series_draw_all(cr, L, m, &f);
  double lo, hi;
  if (!metric_range(L, m, &lo, &hi)) {
    cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
    text_font(cr, LABEL_SIZE, 0);
    text_at(cr, f.x + 0.5 * f.w, f.y + 0.5 * f.h, "no finite values", 0.5, TEXT_MIDDLE);
  }
  draw_axes(cr, &f);
  draw_titles(cr, &f, L->met[m], x, y, h);
  return rc;
}
