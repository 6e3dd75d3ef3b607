/* Figures: up to REPORT_METRICS_PER_FIGURE panels side by side under a title
 * and a shared legend, written as plots_fig<N>.png. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "errmsg.h"
#include "outfile.h"
#include "plot.h"

#define PANEL_W       600.0
#define FIG_H         600.0 /* with a one-row legend; each extra row adds to it */
#define TITLE_H       60.0
#define TITLE_SIZE    20.0
#define SUBTITLE_SIZE 13.0
#define SIDE_MARGIN   20.0

typedef struct figure {
  const report_layout *L;
  size_t first, count; /* metrics drawn */
  int number, total;
} figure;

static double measure_legend(const report_layout *L, double w) {
  cairo_surface_t *scratch = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
  cairo_t *cr = cairo_create(scratch);
  double h = legend_height(cr, L, w);
  cairo_destroy(cr);
  cairo_surface_destroy(scratch);
  return h;
}

static void draw_heading(cairo_t *cr, const figure *fig, double w) {
  char title[96];
  if (fig->total > 1)
    snprintf(title, sizeof title, "Benchmark results (figure %d of %d)", fig->number,
             fig->total);
  else
    snprintf(title, sizeof title, "Benchmark results");
  cairo_set_source_rgb(cr, PLOT_INK);
  text_fit(cr, title, w - 2.0 * SIDE_MARGIN, TITLE_SIZE, 1);
  text_at(cr, 0.5 * w, 30.0, title, 0.5, TEXT_BASELINE);
  const char *sub = "line: mean over trials   \u00b7   band: min\u2013max over trials";
  cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
  text_fit(cr, sub, w - 2.0 * SIDE_MARGIN, SUBTITLE_SIZE, 0);
  text_at(cr, 0.5 * w, 50.0, sub, 0.5, TEXT_BASELINE);
}

/* Draws the figure; returns the surface, or NULL (message in err). */
static cairo_surface_t *render(const figure *fig, char *err, size_t errlen) {
  double w = PANEL_W * (double)fig->count;
  double legend_h = measure_legend(fig->L, w - 2.0 * SIDE_MARGIN);
  double h = FIG_H + (legend_h > LEGEND_ROW_H ? legend_h - LEGEND_ROW_H : 0.0);
  cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)w, (int)h);
  cairo_t *cr = cairo_create(surf);
  cairo_set_source_rgb(cr, 1.0, 1.0, 1.0);
  cairo_paint(cr);
  draw_heading(cr, fig, w);
  legend_draw(cr, fig->L, SIDE_MARGIN, TITLE_H, w - 2.0 * SIDE_MARGIN);
  double top = TITLE_H + legend_h + 4.0;
  int rc = 0;
  for (size_t k = 0; k < fig->count && rc == 0; k++)
    rc = panel_draw(cr, fig->L, fig->first + k, PANEL_W * (double)k, top, PANEL_W,
                    h - top);
  cairo_status_t st = cairo_status(cr);
  cairo_destroy(cr);
  if (rc != 0 || st != CAIRO_STATUS_SUCCESS) {
    report_errf(err, errlen, "figure %d: cannot draw: %s", fig->number,
                rc != 0 ? "out of memory" : cairo_status_to_string(st));
    cairo_surface_destroy(surf);
    return NULL;
  }
  return surf;
}

static cairo_status_t png_sink(void *closure, const unsigned char *data,
                               unsigned int len) {
  return dckpt_file_writer_write(closure, data, len) == DCKPT_OK
             ? CAIRO_STATUS_SUCCESS
             : CAIRO_STATUS_WRITE_ERROR;
}

static int save_png(cairo_surface_t *surf, const char *dir, const char *name, char *err,
                    size_t errlen) {
  dckpt_file_writer *w = NULL;
  if (report_file_open(dir, name, &w, err, errlen) != 0) return -1;
  cairo_status_t st = cairo_surface_write_to_png_stream(surf, png_sink, w);
  /* a write error is the writer's to report (commit names the file) */
  if (st != CAIRO_STATUS_SUCCESS && st != CAIRO_STATUS_WRITE_ERROR) {
    report_errf(err, errlen, "%s/%s: cannot encode the PNG: %s", dir, name,
                cairo_status_to_string(st));
    dckpt_file_writer_free(w); /* not committed: the old file stays */
    return -1;
  }
  return report_file_commit(w, err, errlen);
}

/* Figures beyond the current count belong to an earlier, larger run. */
static void remove_stale(const char *dir, int from) {
  char path[4096];
  for (int k = from;; k++) {
    int len = snprintf(path, sizeof path, "%s/plots_fig%d.png", dir, k);
    if (len < 0 || (size_t)len >= sizeof path || unlink(path) != 0) break;
  }
}

static int write_figure(const figure *fig, const char *dir, char *err, size_t errlen) {
  char name[64];
  snprintf(name, sizeof name, "plots_fig%d.png", fig->number);
  cairo_surface_t *surf = render(fig, err, errlen);
  if (!surf) return -1;
  int rc = save_png(surf, dir, name, err, errlen);
  cairo_surface_destroy(surf);
  return rc;
}

int report_write_plots(const char *dir, const report_series *s, size_t n, int *n_figures,
                       char *err, size_t errlen) {
  if (n_figures) *n_figures = 0;
  report_layout L;
  if (layout_build(&L, s, n, err, errlen) != 0) return -1;
  int rc = report_ensure_dir(dir, err, errlen);
  figure fig = {&L, 0, 0, 0, 0};
  fig.total =
      (int)((L.n_met + REPORT_METRICS_PER_FIGURE - 1) / REPORT_METRICS_PER_FIGURE);
  for (; rc == 0 && fig.first < L.n_met; fig.first += fig.count) {
    fig.number++;
    fig.count = L.n_met - fig.first;
    if (fig.count > REPORT_METRICS_PER_FIGURE) fig.count = REPORT_METRICS_PER_FIGURE;
    rc = write_figure(&fig, dir, err, errlen);
    if (rc == 0 && n_figures) *n_figures = fig.number;
  }
  if (rc == 0) remove_stale(dir, fig.total + 1);
  layout_free(&L);
  return rc;
}

int report_metric_log_scale(const report_series *s, size_t n, const char *metric) {
  report_layout L;
  if (!metric || layout_build(&L, s, n, NULL, 0) != 0) return 0;
  int log = 0;
  for (size_t m = 0; m < L.n_met; m++) {
    double lo, hi;
    if (strcmp(L.met[m], metric) == 0 && metric_range(&L, m, &lo, &hi))
      log = axis_wants_log(lo, hi);
  }
  layout_free(&L);
  return log;
}
