/* Internals of the plot writer: palette, text, axes, panels, legend. */
#ifndef DCKPT_REPORT_PLOT_H
#define DCKPT_REPORT_PLOT_H

#include <cairo.h>

#include "series.h"

/* ---- palette.c ---- */

/** Opacity of the min–max band; lines are opaque. */
#define PLOT_BAND_ALPHA 0.22

/** Sets the source to algorithm `i`'s colour with opacity `alpha`. */
void palette_source(cairo_t *cr, size_t i, double alpha);
/** Line dash of algorithm `i`: solid in the first cycle of the palette. */
void palette_dash(cairo_t *cr, size_t i);

/* ---- plot_text.c ---- */

#define PLOT_FONT "DejaVu Sans"

typedef enum text_valign { TEXT_TOP, TEXT_MIDDLE, TEXT_BASELINE } text_valign;

void text_font(cairo_t *cr, double size, int bold);
double text_width(cairo_t *cr, const char *s);
/** Draws `s` with its anchor at (x, y): `hx` 0 = left, 0.5 = centre, 1 = right;
 *  vertically the top of the digits, their middle, or the baseline. */
void text_at(cairo_t *cr, double x, double y, const char *s, double hx, text_valign v);
/** Centred at (x, y), reading bottom to top (a y-axis label). */
void text_at_up(cairo_t *cr, double x, double y, const char *s);
/** Shrinks the current font until `s` fits in `max_w` (never below 8 px). */
void text_fit(cairo_t *cr, const char *s, double max_w, double size, int bold);
/** "<prefix>10" with a superscript exponent ("10^-3" drawn as 10⁻³). */
double pow10_width(cairo_t *cr, const char *prefix, int exp10);
void pow10_at(cairo_t *cr, double x, double y, const char *prefix, int exp10, double hx,
              text_valign v);

/* ---- plot_axis.c ---- */

#define AXIS_MAX_TICKS 24
#define AXIS_MAX_MINOR 96

/** One axis. On a log axis every position is log10 of the value. */
typedef struct plot_axis {
  int log;
  int integer;   /* ticks only at whole numbers (iterations) */
  double lo, hi; /* visible range, in axis units */
  int n_ticks, n_minor;
  double tick[AXIS_MAX_TICKS];
  double minor[AXIS_MAX_MINOR];
  double step;  /* between major ticks, axis units */
  int decimals; /* linear labels show tick / 10^exp10 with this many decimals */
  int exp10;    /* 0, or the common power of ten written once beside the axis */
} plot_axis;

/** The log-scale rule: all finite values positive and max/min > 100. */
int axis_wants_log(double lo, double hi);
/** Sets the visible range around the data range [lo, hi] (lo > hi: no data). */
void axis_set_range(plot_axis *ax, double lo, double hi, int log, int integer);
/** Places at most `max_ticks` major ticks at "nice" values and prepares labels. */
void axis_set_ticks(plot_axis *ax, int max_ticks);
/** Position of axis value `u` as a fraction of the axis length (0 at lo). */
double axis_frac(const plot_axis *ax, double u);
/** Axis units of a data value (log10 on log axes). */
double axis_unit(const plot_axis *ax, double v);
/** Width of the label of tick k in the current font. */
double axis_label_width(cairo_t *cr, const plot_axis *ax, int k);
/** Draws the label of tick k anchored like text_at. */
void axis_label_at(cairo_t *cr, const plot_axis *ax, int k, double x, double y, double hx,
                   text_valign v);

/* ---- plot_panel.c, plot_series.c ---- */

/** The plot area of a panel in pixels and its two axes. */
typedef struct plot_frame {
  double x, y, w, h;
  plot_axis xa, ya;
} plot_frame;

/** Pixel position of an iteration / a data value. */
double frame_x(const plot_frame *f, double it);
double frame_y(const plot_frame *f, double v);

/** Draws bands then mean lines of every algorithm of metric m, clipped to the
 *  frame. Returns 0, or -1 when out of memory. */
int series_draw_all(cairo_t *cr, const report_layout *L, size_t m, const plot_frame *f);

/** Smallest and largest finite value of metric m over all algorithms. */
int metric_range(const report_layout *L, size_t m, double *lo, double *hi);

/** Draws metric m of every algorithm into the rectangle (x, y, w, h).
 *  Returns 0, or -1 when out of memory. */
int panel_draw(cairo_t *cr, const report_layout *L, size_t m, double x, double y,
               double w, double h);

/* ---- plot_legend.c ---- */

/** Height of one legend row; the figure grows by it for each row past one. */
#define LEGEND_ROW_H 26.0

/** Height the legend needs at width `w`. */
double legend_height(cairo_t *cr, const report_layout *L, double w);
/** Draws the legend rows, centred, from the top edge `y`. */
void legend_draw(cairo_t *cr, const report_layout *L, double x, double y, double w);

/* Colour of text, ticks and frame: dark grey, distinct from the palette's black. */
#define PLOT_INK 0.2, 0.2, 0.2

#endif
