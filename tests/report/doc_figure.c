/* The figure and tables of docs/results.md, rendered from the synthetic
 * campaign (tests/report/synth.c) and checked:
 *
 *   report_doc_figure OUT_DIR [--docs SOURCE_DIR]
 *
 * writes OUT_DIR/plots_fig1.png and table.{txt,tex,csv} and fails (exit 1,
 * naming the check) unless: one 1800 x 600 figure and no temporary were
 * written; it is not blank; each of its three panels shows every algorithm's
 * line and band colour (the palette's exact RGB) while a palette colour no
 * algorithm has is absent; table.csv has a row of 10 trials per metric and
 * statistic. With --docs it also fails unless the page shows what this
 * renders: docs/img/results_example.png the same picture (pixel by pixel, up
 * to antialiasing), the table.txt block of docs/results.md the same text,
 * and its table.csv excerpt the start of the real lines. To refresh the page
 * after a change to the plots or tables: run it with OUT_DIR, copy
 * plots_fig1.png to docs/img/results_example.png and paste the tables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "report/report.h"
#include "report/rtest.h"
#include "report/synth.h"

#define PANELS      3
#define PANEL_W     600
#define PANEL_TOP   110 /* below title and one legend row: panel content only */
#define MIN_LINE_PX 400 /* a mean line across a panel has 600-950 */
/* A min-max band over the 10 trials covers 1800-7600 px in the first two
 * panels; the third metric (messages sent) is nearly the same in every
 * trial, so its band is a few dozen px at most and is not required. */
static const long min_band_px[PANELS] = {1000, 1000, 0};
#define MAX_STRAY   20 /* a colour nobody uses */
#define DIFF_TOL    24 /* per channel: antialiasing of another rasterizer */
#define MAX_DIFF_PX (1800L * 600 / 1000) /* 0.1 % of the pixels */

static void render(const char *dir) {
  synth_run *r = malloc(sizeof *r);
  CHECK(r != NULL);
  synth_fill(r);
  char err[512] = "";
  int n_fig = -1;
  size_t n = sizeof r->series / sizeof r->series[0];
  if (report_write_tables(dir, r->series, n, err, sizeof err) != 0)
    CHECK_FAIL_("report_write_tables(%s): %s", dir, err);
  if (report_write_plots(dir, r->series, n, &n_fig, err, sizeof err) != 0)
    CHECK_FAIL_("report_write_plots(%s): %s", dir, err);
  CHECK_EQ(n_fig, 1); /* three metrics: one figure of three panels */
  CHECK_EQ(rtest_count_prefix(dir, ".dckpt-tmp."), 0);
  CHECK_EQ(rtest_count_prefix(dir, "plots_fig2"), 0);
  free(r);
}

/* Every algorithm's line and band in every panel; no fourth algorithm. */
static void check_panels(const rtest_png *png) {
  unsigned char fourth[3];
  report_palette_color(SYNTH_ALGS, 0, fourth);
  for (int p = 0; p < PANELS; p++) {
    int x0 = p * PANEL_W, x1 = x0 + PANEL_W;
    for (size_t a = 0; a < SYNTH_ALGS; a++) {
      unsigned char line[3], band[3];
      report_palette_color(a, 0, line);
      report_palette_color(a, 1, band);
      long nl = rtest_png_count_box(png, line, 10, x0, x1, PANEL_TOP, png->h);
      long nb = rtest_png_count_box(png, band, 4, x0, x1, PANEL_TOP, png->h);
      fprintf(stderr, "   panel %d, algorithm %zu: %ld line px, %ld band px\n", p, a, nl,
              nb);
      if (nl < MIN_LINE_PX)
        CHECK_FAIL_("panel %d: algorithm %zu has %ld line px", p, a, nl);
      if (nb < min_band_px[p])
        CHECK_FAIL_("panel %d: algorithm %zu has %ld band px", p, a, nb);
    }
    CHECK_LT(rtest_png_count_box(png, fourth, 10, x0, x1, 0, png->h), MAX_STRAY);
  }
}

static void check_figure(const char *dir) {
  rtest_png png;
  rtest_png_load(&png, dir, "plots_fig1.png");
  CHECK_EQ(png.w, PANELS * PANEL_W);
  CHECK_EQ(png.h, 600);
  long ink = rtest_png_nonwhite(&png), distinct = rtest_png_distinct(&png);
  fprintf(stderr, "   %ld non-white pixels, %ld distinct colours\n", ink, distinct);
  CHECK_GT(ink, 1800L * 600 / 20);
  CHECK_GT(distinct, 500);
  check_panels(&png);
  rtest_png_free(&png);
}

/* One CRLF-terminated row of table.csv: 2 + 3 fields per algorithm, and
 * every algorithm's count ("n") is the 10 trials. */
static void check_csv_row(char *row, int k) {
  int field = 0;
  for (char *f = strtok(row, ","); f; f = strtok(NULL, ","), field++)
    if (field >= 2 && (field - 2) % 3 == 2 && strcmp(f, "10") != 0)
      CHECK_FAIL_("table.csv row %d, field %d: n is '%s', not 10", k, field, f);
  CHECK_EQ(field, 2 + 3 * SYNTH_ALGS);
}

/* table.csv: a header, then metrics x statistics rows. */
static void check_csv(const char *dir) {
  char *csv = rtest_read(dir, "table.csv", NULL);
  CHECK(csv != NULL);
  CHECK(strncmp(csv, "metric,statistic,DGD mean,DGD std,DGD n,EXTRA mean,", 51) == 0);
  int rows = 0;
  char *line = strstr(csv, "\r\n");
  CHECK(line != NULL);
  for (line += 2; *line; rows++) {
    char *end = strstr(line, "\r\n");
    CHECK(end != NULL);
    *end = '\0';
    check_csv_row(line, rows + 1);
    line = end + 2;
  }
  CHECK_EQ(rows, SYNTH_METRICS * 3);
  free(csv);
}

/* The ``` block of docs/results.md that follows the heading `title`. */
static char *docs_block(const char *page, const char *title) {
  const char *h = strstr(page, title);
  if (!h) CHECK_FAIL_("docs/results.md has no heading '%s'", title);
  const char *open = strstr(h, "```");
  CHECK(open != NULL);
  open = strchr(open, '\n') + 1;
  const char *close = strstr(open, "```");
  CHECK(close != NULL);
  size_t n = (size_t)(close - open);
  char *b = malloc(n + 1);
  CHECK(b != NULL);
  memcpy(b, open, n);
  b[n] = '\0';
  return b;
}

/* Each line of the excerpt is the start of the same line of `real` up to its
 * "..." (CRLF in real, LF in the page). */
static void check_excerpt(const char *excerpt, const char *real, const char *what) {
  for (const char *e = excerpt; *e;) {
    const char *eol = strchr(e, '\n'), *dots = strstr(e, "...");
    size_t n = (size_t)((dots && dots < eol ? dots : eol) - e);
    if (strncmp(e, real, n) != 0)
      CHECK_FAIL_("docs/results.md, %s: '%.*s' is not what the report writes", what,
                  (int)n, e);
    real = strchr(real, '\n');
    CHECK(real != NULL);
    real++;
    e = eol + 1;
  }
}

static void check_docs(const char *dir, const char *src) {
  char docs[2048];
  snprintf(docs, sizeof docs, "%s/docs", src);
  rtest_png want, got;
  rtest_png_load(&want, docs, "img/results_example.png");
  rtest_png_load(&got, dir, "plots_fig1.png");
  CHECK_EQ(want.w, got.w);
  CHECK_EQ(want.h, got.h);
  long diff = rtest_png_differ(&want, &got, DIFF_TOL);
  fprintf(stderr, "   docs/img/results_example.png: %ld pixels differ\n", diff);
  if (diff > MAX_DIFF_PX)
    CHECK_FAIL_("docs/img/results_example.png differs from the rendering in %ld pixels: "
                "refresh it (see tests/report/doc_figure.c)",
                diff);
  rtest_png_free(&want);
  rtest_png_free(&got);
  char *page = rtest_read(docs, "results.md", NULL);
  CHECK(page != NULL);
  char *txt = rtest_read(dir, "table.txt", NULL),
       *csv = rtest_read(dir, "table.csv", NULL);
  char *txt_block = docs_block(page, "### table.txt");
  if (strcmp(txt_block, txt) != 0)
    CHECK_FAIL_("docs/results.md: the table.txt block is not what the report writes:\n%s",
                txt);
  char *csv_block = docs_block(page, "### table.csv");
  check_excerpt(csv_block, csv, "table.csv");
  free(csv_block);
  free(txt_block);
  free(csv);
  free(txt);
  free(page);
}

int main(int argc, char **argv) {
  if (argc != 2 && !(argc == 4 && strcmp(argv[2], "--docs") == 0)) {
    fprintf(stderr, "usage: %s OUT_DIR [--docs SOURCE_DIR]\n", argv[0]);
    return 2;
  }
  render(argv[1]);
  check_figure(argv[1]);
  check_csv(argv[1]);
  if (argc == 4) check_docs(argv[1], argv[3]);
  fprintf(stderr, "report_doc_figure: plots_fig1.png and table.{txt,tex,csv} in %s%s\n",
          argv[1], argc == 4 ? ", the same as docs/results.md shows" : "");
  return 0;
}
