/* The figure legend: one entry per algorithm (a band swatch crossed by the
 * line as drawn in the panels). One centred row when everything fits;
 * otherwise a centred grid of equal columns, which reads better than ragged
 * rows. */
#include <math.h>

#include "plot.h"

#define LEGEND_SIZE 14.0
#define SWATCH_W    30.0
#define SWATCH_H    14.0
#define SWATCH_GAP  8.0
#define ENTRY_GAP   28.0

typedef struct legend_grid {
  size_t cols, rows;
  double col_w;   /* entry width in grid mode; 0 in single-row mode */
  double total_w; /* width of the row or of the grid */
} legend_grid;

/* Sets the entry's font (shrunk if the name alone overflows) and returns its width. */
static double entry_width(cairo_t *cr, const char *name, double avail) {
  text_fit(cr, name, avail - SWATCH_W - SWATCH_GAP, LEGEND_SIZE, 0);
  return SWATCH_W + SWATCH_GAP + text_width(cr, name);
}

static legend_grid legend_layout(cairo_t *cr, const report_layout *L, double avail) {
  legend_grid g = {L->n_alg, L->n_alg ? 1 : 0, 0.0, 0.0};
  double widest = 0.0;
  for (size_t a = 0; a < L->n_alg; a++) {
    double ew = entry_width(cr, L->alg[a], avail);
    widest = fmax(widest, ew);
    g.total_w += (a ? ENTRY_GAP : 0.0) + ew;
  }
  if (g.total_w <= avail) return g;
  g.col_w = fmin(widest, avail);
  g.cols = (size_t)((avail + ENTRY_GAP) / (g.col_w + ENTRY_GAP));
  if (g.cols < 1) g.cols = 1;
  g.rows = (L->n_alg + g.cols - 1) / g.cols;
  g.total_w = (double)g.cols * g.col_w + (double)(g.cols - 1) * ENTRY_GAP;
  return g;
}

double legend_height(cairo_t *cr, const report_layout *L, double w) {
  return (double)legend_layout(cr, L, w).rows * LEGEND_ROW_H;
}

static void swatch(cairo_t *cr, size_t a, double x, double yc) {
  palette_source(cr, a, PLOT_BAND_ALPHA);
  cairo_rectangle(cr, x, yc - 0.5 * SWATCH_H, SWATCH_W, SWATCH_H);
  cairo_fill(cr);
  palette_source(cr, a, 1.0);
  palette_dash(cr, a);
  cairo_set_line_width(cr, 2.5);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
  cairo_move_to(cr, x, yc);
  cairo_line_to(cr, x + SWATCH_W, yc);
  cairo_stroke(cr);
  cairo_set_dash(cr, NULL, 0, 0.0);
}

void legend_draw(cairo_t *cr, const report_layout *L, double x, double y, double w) {
  legend_grid g = legend_layout(cr, L, w);
  double left = x + 0.5 * (w - g.total_w), cx = left;
  for (size_t a = 0; a < L->n_alg; a++) {
    size_t row = a / g.cols, col = a % g.cols;
    double ew = entry_width(cr, L->alg[a], w);
    if (g.col_w > 0.0) cx = left + (double)col * (g.col_w + ENTRY_GAP);
    double yc = y + ((double)row + 0.5) * LEGEND_ROW_H;
    swatch(cr, a, cx, yc);
    cairo_set_source_rgb(cr, PLOT_INK);
    text_at(cr, cx + SWATCH_W + SWATCH_GAP, yc, L->alg[a], 0.0, TEXT_MIDDLE);
    cx += ew + ENTRY_GAP;
  }
}
