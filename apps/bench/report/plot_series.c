/* The data of a panel: per algorithm, the min–max band across trials and the
 * mean line. Bands of all algorithms go down before any line, so no band
 * veils another algorithm's line. */
#include <math.h>
#include <stdlib.h>

#include "plot.h"

#define LINE_WIDTH    2.2
#define MARKER_RADIUS 3.5

/* One series in pixel coordinates; ok[i] is 0 where no trial was finite. */
typedef struct pts {
  int64_t n;
  double *x, *mean, *lo, *hi;
  unsigned char *ok;
} pts;

double frame_x(const plot_frame *f, double it) {
  return f->x + axis_frac(&f->xa, it) * f->w;
}

double frame_y(const plot_frame *f, double v) {
  return f->y + f->h - axis_frac(&f->ya, axis_unit(&f->ya, v)) * f->h;
}

static void free_pts(pts *p) {
  free(p->x);
  free(p->mean);
  free(p->lo);
  free(p->hi);
  free(p->ok);
}

static int series_pts(const plot_frame *f, const report_series *s, pts *p) {
  size_t n = (size_t)s->n_points ? (size_t)s->n_points : 1;
  p->n = s->n_points;
  p->x = malloc(n * sizeof *p->x);
  p->mean = malloc(n * sizeof *p->mean);
  p->lo = malloc(n * sizeof *p->lo);
  p->hi = malloc(n * sizeof *p->hi);
  p->ok = malloc(n);
  if (!p->x || !p->mean || !p->lo || !p->hi || !p->ok) {
    free_pts(p);
    return -1;
  }
  for (int64_t i = 0; i < s->n_points; i++) {
    double mean, lo, hi;
    p->ok[i] = stat_point(s, i, &mean, &lo, &hi) > 0;
    p->x[i] = frame_x(f, (double)s->iterations[i]);
    p->mean[i] = p->ok[i] ? frame_y(f, mean) : 0.0;
    p->lo[i] = p->ok[i] ? frame_y(f, lo) : 0.0;
    p->hi[i] = p->ok[i] ? frame_y(f, hi) : 0.0;
  }
  return 0;
}

/* End (exclusive) of the run of drawable points starting at i. */
static int64_t run_end(const pts *p, int64_t i) {
  while (i < p->n && p->ok[i])
    i++;
  return i;
}

static void draw_band(cairo_t *cr, const pts *p, size_t colour) {
  palette_source(cr, colour, PLOT_BAND_ALPHA);
  for (int64_t s = 0; s < p->n; s++) {
    if (!p->ok[s]) continue;
    int64_t e = run_end(p, s);
    if (e - s == 1) {
      cairo_rectangle(cr, p->x[s] - 3.0, p->hi[s], 6.0, p->lo[s] - p->hi[s]);
    } else {
      cairo_move_to(cr, p->x[s], p->hi[s]);
      for (int64_t j = s + 1; j < e; j++)
        cairo_line_to(cr, p->x[j], p->hi[j]);
      for (int64_t j = e - 1; j >= s; j--)
        cairo_line_to(cr, p->x[j], p->lo[j]);
      cairo_close_path(cr);
    }
    cairo_fill(cr);
    s = e;
  }
}

static void draw_line(cairo_t *cr, const pts *p, size_t colour) {
  palette_source(cr, colour, 1.0);
  palette_dash(cr, colour);
  cairo_set_line_width(cr, LINE_WIDTH);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  for (int64_t s = 0; s < p->n; s++) {
    if (!p->ok[s]) continue;
    int64_t e = run_end(p, s);
    if (e - s == 1) { /* an isolated point would vanish as a zero-length line */
      cairo_new_sub_path(cr);
      cairo_arc(cr, p->x[s], p->mean[s], MARKER_RADIUS, 0.0, 6.283185307179586);
      cairo_fill(cr);
    } else {
      cairo_move_to(cr, p->x[s], p->mean[s]);
      for (int64_t j = s + 1; j < e; j++)
        cairo_line_to(cr, p->x[j], p->mean[j]);
      cairo_stroke(cr);
    }
    s = e;
  }
  cairo_set_dash(cr, NULL, 0, 0.0);
}

int series_draw_all(cairo_t *cr, const report_layout *L, size_t m, const plot_frame *f) {
  cairo_save(cr);
  cairo_rectangle(cr, f->x, f->y, f->w, f->h);
  cairo_clip(cr);
  int rc = 0;
  for (int pass = 0; pass < 2 && rc == 0; pass++)
    for (size_t a = 0; a < L->n_alg && rc == 0; a++) {
      const report_series *s = layout_cell(L, m, a);
      if (!s || s->n_trials == 0 || s->n_points == 0) continue;
      pts p = {0};
      if (series_pts(f, s, &p) != 0) {
        rc = -1;
        break;
      }
      if (pass == 0)
        draw_band(cr, &p, a);
      else
        draw_line(cr, &p, a);
      free_pts(&p);
    }
  cairo_restore(cr);
  return rc;
}
