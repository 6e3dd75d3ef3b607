/* Text on the cairo toy API. Vertical anchors use the height of the digit
 * "0" rather than each string's ink, so labels in a row share one baseline. */
#include <stdio.h>
#include <string.h>

#include "plot.h"

#define SUPERSCRIPT_SCALE 0.72
#define SUPERSCRIPT_RISE  0.42

void text_font(cairo_t *cr, double size, int bold) {
  cairo_select_font_face(cr, PLOT_FONT, CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
}

double text_width(cairo_t *cr, const char *s) {
  cairo_text_extents_t te;
  cairo_text_extents(cr, s, &te);
  return te.x_advance;
}

static double digit_height(cairo_t *cr) {
  cairo_text_extents_t te;
  cairo_text_extents(cr, "0", &te);
  return te.height;
}

static double baseline_of(cairo_t *cr, double y, text_valign v) {
  switch (v) {
  case TEXT_TOP: return y + digit_height(cr);
  case TEXT_MIDDLE: return y + 0.5 * digit_height(cr);
  case TEXT_BASELINE: break;
  }
  return y;
}

void text_at(cairo_t *cr, double x, double y, const char *s, double hx, text_valign v) {
  cairo_move_to(cr, x - hx * text_width(cr, s), baseline_of(cr, y, v));
  cairo_show_text(cr, s);
}

void text_at_up(cairo_t *cr, double x, double y, const char *s) {
  cairo_save(cr);
  cairo_translate(cr, x, y);
  cairo_rotate(cr, -0.5 * 3.14159265358979323846);
  text_at(cr, 0.0, 0.0, s, 0.5, TEXT_MIDDLE);
  cairo_restore(cr);
}

void text_fit(cairo_t *cr, const char *s, double max_w, double size, int bold) {
  text_font(cr, size, bold);
  double w = text_width(cr, s);
  if (w > max_w && w > 0.0) {
    double fitted = size * max_w / w;
    text_font(cr, fitted < 8.0 ? 8.0 : fitted, bold);
  }
}

static double font_size(cairo_t *cr) {
  cairo_matrix_t m;
  cairo_get_font_matrix(cr, &m);
  return m.yy;
}

/* A true minus sign (U+2212) is as wide as the digits; '-' looks cramped. */
static void exponent_text(int e, char *buf, size_t n) {
  if (e < 0)
    snprintf(buf, n, "\u2212%d", -e);
  else
    snprintf(buf, n, "%d", e);
}

double pow10_width(cairo_t *cr, const char *prefix, int exp10) {
  char base[64], sup[16];
  snprintf(base, sizeof base, "%s10", prefix);
  exponent_text(exp10, sup, sizeof sup);
  double size = font_size(cr);
  double w = text_width(cr, base);
  cairo_set_font_size(cr, size * SUPERSCRIPT_SCALE);
  w += text_width(cr, sup);
  cairo_set_font_size(cr, size);
  return w;
}

void pow10_at(cairo_t *cr, double x, double y, const char *prefix, int exp10, double hx,
              text_valign v) {
  char base[64], sup[16];
  snprintf(base, sizeof base, "%s10", prefix);
  exponent_text(exp10, sup, sizeof sup);
  double size = font_size(cr);
  double x0 = x - hx * pow10_width(cr, prefix, exp10);
  double yb = baseline_of(cr, y, v);
  cairo_move_to(cr, x0, yb);
  cairo_show_text(cr, base);
  double xs = x0 + text_width(cr, base);
  cairo_set_font_size(cr, size * SUPERSCRIPT_SCALE);
  cairo_move_to(cr, xs, yb - SUPERSCRIPT_RISE * size);
  cairo_show_text(cr, sup);
  cairo_set_font_size(cr, size);
}
