/* Checks a figure that dckpt-bench drew, decoded with cairo:
 *
 *   bench_png_check FILE WIDTH HEIGHT N_ALGS [HIDDEN...]
 *
 * HEIGHT may end in '+' ("600+": at least 600; a legend that wraps makes a
 * figure taller). The figure must have exactly that size, must not be blank
 * (enough non-white pixels and colours), and below the title and legend
 * (the top quarter) each of the first N_ALGS line colours of the palette
 * (report_palette_color, the exact RGB the plots use) must cover at least
 * MIN_LINE_PIXELS pixels, except the HIDDEN algorithm indices (lines that
 * coincide with a later algorithm's, which is drawn over them), while a
 * palette colour that no algorithm has (when N_ALGS < 8) must be all but
 * absent. Prints what it counted; exit 0, or 1 with the first failure. */
#include <cairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

#define TOLERANCE        10  /* per channel: antialiased line cores */
#define MIN_LINE_PIXELS  150 /* a line across a panel has thousands */
#define MAX_STRAY_PIXELS 20  /* a colour nobody uses */

typedef struct image {
  int w, h, stride;
  const unsigned char *data;
} image;

/* Both RGB24 and ARGB32 store one native-endian 32-bit word per pixel. */
static unsigned pixel(const image *im, int x, int y) {
  unsigned v;
  memcpy(&v, im->data + (size_t)y * (size_t)im->stride + (size_t)x * 4, 4);
  return v & 0xFFFFFFu;
}

static long count_near(const image *im, const unsigned char rgb[3], int y0) {
  long n = 0;
  for (int y = y0; y < im->h; y++)
    for (int x = 0; x < im->w; x++) {
      unsigned v = pixel(im, x, y);
      int r = (int)(v >> 16), g = (int)((v >> 8) & 0xFF), b = (int)(v & 0xFF);
      n += abs(r - rgb[0]) <= TOLERANCE && abs(g - rgb[1]) <= TOLERANCE &&
           abs(b - rgb[2]) <= TOLERANCE;
    }
  return n;
}

static int cmp_unsigned(const void *a, const void *b) {
  unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
  return (x > y) - (x < y);
}

/* Non-white pixels and distinct colours. */
static void census(const image *im, long *nonwhite, long *distinct) {
  size_t n = (size_t)im->w * (size_t)im->h;
  unsigned *all = malloc(n * sizeof *all + 1);
  *nonwhite = 0;
  *distinct = 0;
  if (!all) return;
  for (int y = 0; y < im->h; y++)
    for (int x = 0; x < im->w; x++) {
      unsigned v = pixel(im, x, y);
      all[(size_t)y * (size_t)im->w + (size_t)x] = v;
      *nonwhite += v != 0xFFFFFFu;
    }
  qsort(all, n, sizeof *all, cmp_unsigned);
  *distinct = n > 0;
  for (size_t i = 1; i < n; i++)
    *distinct += all[i] != all[i - 1];
  free(all);
}

static int fail(const char *file, const char *what) {
  fprintf(stderr, "bench_png_check: %s: %s\n", file, what);
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: bench_png_check FILE WIDTH HEIGHT[+] N_ALGS [HIDDEN...]\n");
    return 2;
  }
  const char *file = argv[1];
  int want_w = atoi(argv[2]), want_h = atoi(argv[3]), n_algs = atoi(argv[4]);
  int at_least = argv[3][strlen(argv[3]) - 1] == '+';
  cairo_surface_t *surf = cairo_image_surface_create_from_png(file);
  if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
    int rc = fail(file, cairo_status_to_string(cairo_surface_status(surf)));
    cairo_surface_destroy(surf);
    return rc;
  }
  cairo_surface_flush(surf);
  image im = {cairo_image_surface_get_width(surf), cairo_image_surface_get_height(surf),
              cairo_image_surface_get_stride(surf), cairo_image_surface_get_data(surf)};
  cairo_format_t fmt = cairo_image_surface_get_format(surf);
  char msg[256];
  int rc = 0;
  printf("%s: %d x %d\n", file, im.w, im.h);
  if (fmt != CAIRO_FORMAT_RGB24 && fmt != CAIRO_FORMAT_ARGB32) {
    rc = fail(file, "not an RGB image");
  } else if (im.w != want_w || (at_least ? im.h < want_h : im.h != want_h)) {
    snprintf(msg, sizeof msg, "size %d x %d, wanted %d x %d%s", im.w, im.h, want_w,
             want_h, at_least ? " or taller" : "");
    rc = fail(file, msg);
  }
  long nonwhite = 0, distinct = 0;
  if (rc == 0) census(&im, &nonwhite, &distinct);
  printf("  non-white pixels %ld (%.1f%%), distinct colours %ld\n", nonwhite,
         100.0 * (double)nonwhite / ((double)im.w * im.h + 1), distinct);
  if (rc == 0 && (nonwhite < (long)im.w * im.h / 50 || distinct < 50))
    rc = fail(file, "blank or nearly blank");
  int top = im.h / 4; /* title, key and legend live above */
  for (int a = 0; rc == 0 && a < n_algs; a++) {
    unsigned char rgb[3];
    report_palette_color((size_t)a, 0, rgb);
    long n = count_near(&im, rgb, top);
    int hidden = 0;
    for (int i = 5; i < argc; i++)
      hidden = hidden || atoi(argv[i]) == a;
    printf("  algorithm %d line #%02X%02X%02X: %ld pixels%s\n", a, rgb[0], rgb[1], rgb[2],
           n, hidden ? " (may be hidden)" : "");
    if (!hidden && n < MIN_LINE_PIXELS) {
      snprintf(msg, sizeof msg,
               "algorithm %d's line colour #%02X%02X%02X covers only %ld pixels", a,
               rgb[0], rgb[1], rgb[2], n);
      rc = fail(file, msg);
    }
  }
  if (rc == 0 && n_algs < 8) { /* yellow, the palette's last, is nobody's */
    unsigned char rgb[3];
    report_palette_color(7, 0, rgb);
    long n = count_near(&im, rgb, top);
    printf("  unused colour #%02X%02X%02X: %ld pixels\n", rgb[0], rgb[1], rgb[2], n);
    if (n > MAX_STRAY_PIXELS) rc = fail(file, "a colour no algorithm has is drawn");
  }
  cairo_surface_destroy(surf);
  return rc;
}
