/* Okabe & Ito's colour-blind-safe palette. Blue and vermillion come first
 * (the pair most readers tell apart); yellow, faint on white, comes last. */
#include <math.h>

#include "plot.h"

static const unsigned char okabe_ito[][3] = {
    {0x00, 0x72, 0xB2}, /* blue */
    {0xD5, 0x5E, 0x00}, /* vermillion */
    {0x00, 0x9E, 0x73}, /* bluish green */
    {0xE6, 0x9F, 0x00}, /* orange */
    {0xCC, 0x79, 0xA7}, /* reddish purple */
    {0x56, 0xB4, 0xE9}, /* sky blue */
    {0x00, 0x00, 0x00}, /* black */
    {0xF0, 0xE4, 0x42}, /* yellow */
};
#define N_COLOURS (sizeof okabe_ito / sizeof okabe_ito[0])

void report_palette_color(size_t i, int band, unsigned char rgb[3]) {
  const unsigned char *c = okabe_ito[i % N_COLOURS];
  for (int k = 0; k < 3; k++) {
    double v = band ? 255.0 * (1.0 - PLOT_BAND_ALPHA) + c[k] * PLOT_BAND_ALPHA : c[k];
    rgb[k] = (unsigned char)lround(v);
  }
}

void palette_source(cairo_t *cr, size_t i, double alpha) {
  const unsigned char *c = okabe_ito[i % N_COLOURS];
  cairo_set_source_rgba(cr, c[0] / 255.0, c[1] / 255.0, c[2] / 255.0, alpha);
}

/* Beyond eight algorithms colours repeat; the dash tells the cycles apart. */
void palette_dash(cairo_t *cr, size_t i) {
  static const double dashed[] = {9.0, 4.0};
  static const double dotted[] = {2.0, 3.0};
  static const double dash_dot[] = {9.0, 3.0, 2.0, 3.0};
  switch ((i / N_COLOURS) % 4) {
  case 0: cairo_set_dash(cr, NULL, 0, 0.0); break;
  case 1: cairo_set_dash(cr, dashed, 2, 0.0); break;
  case 2: cairo_set_dash(cr, dotted, 2, 0.0); break;
  default: cairo_set_dash(cr, dash_dot, 4, 0.0); break;
  }
}
