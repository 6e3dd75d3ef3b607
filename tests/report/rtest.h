/* Helpers shared by the report tests: scratch directories, whole-file reads,
 * decoded PNGs and pixel counts, and a by-name case runner. */
#ifndef DCKPT_TESTS_REPORT_RTEST_H
#define DCKPT_TESTS_REPORT_RTEST_H

#include <stddef.h>
#include <stdint.h>

#include <cairo.h>

#include "check.h" /* check_case */

/** An empty directory DCKPT_TEST_TMP/report.<name> (emptied if it exists). */
const char *rtest_dir(const char *name);
/** The whole file, NUL-terminated (caller frees); NULL if unreadable. */
char *rtest_read(const char *dir, const char *name, size_t *len);
/** Number of entries in dir whose name starts with prefix. */
int rtest_count_prefix(const char *dir, const char *prefix);

/** A decoded PNG; fails the test if it cannot be read. */
typedef struct rtest_png {
  cairo_surface_t *surf;
  int w, h, stride;
  const unsigned char *data;
} rtest_png;

void rtest_png_load(rtest_png *p, const char *dir, const char *name);
void rtest_png_free(rtest_png *p);
/** Pixels in rows [y0, y1) within `tol` (per channel) of rgb. */
long rtest_png_count_near(const rtest_png *p, const unsigned char rgb[3], int tol, int y0,
                          int y1);
/** Pixels in the box [x0, x1) x [y0, y1) within `tol` (per channel) of rgb. */
long rtest_png_count_box(const rtest_png *p, const unsigned char rgb[3], int tol, int x0,
                         int x1, int y0, int y1);
/** Pixels that are not white, and distinct colours. */
long rtest_png_nonwhite(const rtest_png *p);
/** Pixels of two images of the same size that differ by more than `tol` in a
 *  channel. */
long rtest_png_differ(const rtest_png *a, const rtest_png *b, int tol);
long rtest_png_distinct(const rtest_png *p);

/** Runs the case named argv[1], or every case without an argument. */
int rtest_main(int argc, char **argv, const check_case *cases, size_t n);

#endif
