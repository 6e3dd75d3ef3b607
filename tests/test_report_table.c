/* dckpt_report tables: hand-made series with known statistics, written as
 * table.txt / .tex / .csv and read back. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "report/report.h"
#include "report/rtest.h"
#include "report/series.h"

#define ERRLEN 512

/* Two algorithms, two metrics; "B" has no "acc" series at all.
 * A/loss, 3 trials at iterations 0, 10, 20:
 *   final 1, 2, 0.5   min 1, 2, 0.5   avg 2.25, 3.5, 2.75 (t2 skips its NaN)
 * A/acc: trial 1 is all NaN, so 2 of 3 trials count.
 * B/loss, 1 trial: final NaN -> no value; min 1; avg 2: it diverged at
 * iteration 20 (A's trial 2 has a gap, not a divergence), so the tables
 * start with the "diverged" rows and mark B's min and avg. */
static const int64_t iters[3] = {0, 10, 20};
static const double a_loss[9] = {4, 2, 1, 6, 3, 2, 5, NAN, 0.5};
static const double a_acc[9] = {0.5, 0.7, 0.9, NAN, NAN, NAN, 0.4, 0.6, 0.8};
static const double b_loss[3] = {3, 1, NAN};
#define ALG_A "A_x"
#define ALG_B "B, \"v2\""

static const report_series fixture[] = {
    {ALG_A, "loss_fn", 3, iters, 3, a_loss},
    {ALG_B, "loss_fn", 3, iters, 1, b_loss},
    {ALG_A, "acc", 3, iters, 3, a_acc},
};
#define N_FIXTURE (sizeof fixture / sizeof fixture[0])

/* ---- a small RFC 4180 reader ---- */

typedef struct csv {
  int rows, cols[16];
  char *cell[16][16];
} csv;

static char *csv_field(const char **p) {
  char *out = malloc(strlen(*p) + 1), *o = out;
  CHECK(out != NULL);
  if (**p == '"') {
    for ((*p)++; **p; (*p)++) {
      if (**p == '"' && (*p)[1] == '"')
        *o++ = *(*p)++;
      else if (**p == '"')
        break;
      else
        *o++ = **p;
    }
    CHECK(**p == '"');
    (*p)++;
  } else {
    while (**p && **p != ',' && **p != '\r' && **p != '\n')
      *o++ = *(*p)++;
  }
  *o = '\0';
  return out;
}

static void csv_parse(csv *c, const char *text) {
  memset(c, 0, sizeof *c);
  for (const char *p = text; *p; c->rows++) {
    CHECK_LT(c->rows, 16);
    for (;;) {
      CHECK_LT(c->cols[c->rows], 16);
      c->cell[c->rows][c->cols[c->rows]++] = csv_field(&p);
      if (*p != ',') break;
      p++;
    }
    /* RFC 4180 records end in CRLF. */
    CHECK(p[0] == '\r' && p[1] == '\n');
    p += 2;
  }
}

static void csv_free(csv *c) {
  for (int r = 0; r < c->rows; r++)
    for (int k = 0; k < c->cols[r]; k++)
      free(c->cell[r][k]);
}

static void check_num(const char *got, double want) {
  char *end;
  double v = strtod(got, &end);
  if (*end != '\0') CHECK_FAIL_("\"%s\" is not a number", got);
  if (isnan(want)) {
    if (!isnan(v)) CHECK_FAIL_("got %s, wanted nan", got);
  } else if (!(fabs(v - want) <= 1e-12 * fmax(1.0, fabs(want)))) {
    CHECK_FAIL_("got %s, wanted %.17g", got, want);
  }
}

/* Row r of the CSV: metric, statistic, then (mean, std, n) for A and B. */
static void check_row(const csv *c, int r, const char *metric, const char *stat,
                      const double want[6]) {
  CHECK_EQ(c->cols[r], 8);
  CHECK_STR_EQ(c->cell[r][0], metric);
  CHECK_STR_EQ(c->cell[r][1], stat);
  for (int k = 0; k < 6; k++)
    check_num(c->cell[r][2 + k], want[k]);
}

/* Writes the fixture's tables into the fresh directory `name`; returns it. */
static const char *fixture_tables(const char *name) {
  const char *dir = rtest_dir(name);
  char err[ERRLEN];
  if (report_write_tables(dir, fixture, N_FIXTURE, err, sizeof err) != 0)
    CHECK_FAIL_("report_write_tables: %s", err);
  return dir;
}

static void test_csv(void) {
  const char *dir = fixture_tables("table_csv");
  char *text = rtest_read(dir, "table.csv", NULL);
  CHECK(text != NULL);
  csv c;
  csv_parse(&c, text);
  CHECK_EQ(c.rows, 9);
  static const char *const head[8] = {"metric", "statistic",   "A_x mean",   "A_x std",
                                      "A_x n",  ALG_B " mean", ALG_B " std", ALG_B " n"};
  CHECK_EQ(c.cols[0], 8);
  for (int k = 0; k < 8; k++)
    CHECK_STR_EQ(c.cell[0][k], head[k]);
  double sd_final =
      sqrt((pow(1 - 3.5 / 3, 2) + pow(2 - 3.5 / 3, 2) + pow(0.5 - 3.5 / 3, 2)) / 2);
  double sd_avg =
      sqrt((pow(2.25 - 8.5 / 3, 2) + pow(3.5 - 8.5 / 3, 2) + pow(2.75 - 8.5 / 3, 2)) / 2);
  /* diverged trials of n; the earliest iteration, of k */
  check_row(&c, 1, "diverged", "trials", (double[]){0, NAN, 3, 1, NAN, 1});
  check_row(&c, 2, "diverged", "from iteration", (double[]){NAN, NAN, 0, 20, NAN, 1});
  check_row(&c, 3, "loss_fn", "final", (double[]){3.5 / 3, sd_final, 3, NAN, NAN, 0});
  check_row(&c, 4, "loss_fn", "min", (double[]){3.5 / 3, sd_final, 3, 1, NAN, 1});
  check_row(&c, 5, "loss_fn", "avg", (double[]){8.5 / 3, sd_avg, 3, 2, NAN, 1});
  check_row(&c, 6, "acc", "final", (double[]){0.85, sqrt(0.005), 2, NAN, NAN, 0});
  check_row(&c, 7, "acc", "min", (double[]){0.45, sqrt(0.005), 2, NAN, NAN, 0});
  check_row(&c, 8, "acc", "avg", (double[]){0.65, sqrt(0.005), 2, NAN, NAN, 0});
  csv_free(&c);
  free(text);
}

/* Display column (code points) where `needle` starts in `line`, or -1. */
static int display_col(const char *line, const char *needle) {
  const char *hit = strstr(line, needle);
  if (!hit) return -1;
  int col = 0;
  for (const char *p = line; p < hit; p++)
    col += ((unsigned char)*p & 0xC0) != 0x80;
  return col;
}

static void test_txt(void) {
  const char *dir = fixture_tables("table_txt");
  char *text = rtest_read(dir, "table.txt", NULL);
  CHECK(text != NULL);
  char *lines[32];
  int n = 0;
  for (char *save = NULL, *l = strtok_r(text, "\n", &save); l && n < 32;
       l = strtok_r(NULL, "\n", &save))
    lines[n++] = l;
  CHECK_GE(n, 10);
  CHECK(strncmp(lines[0], "metric", 6) == 0);
  CHECK_CONTAINS(lines[0], ALG_A);
  CHECK_CONTAINS(lines[0], ALG_B);
  CHECK_CONTAINS(lines[1], "\u2500\u2500");
  /* B diverged: the "diverged" rows come first */
  CHECK(strncmp(lines[2], "diverged  trials  ", 18) == 0);
  CHECK_CONTAINS(lines[2], "0/3");
  CHECK_CONTAINS(lines[2], "1/1");
  CHECK(strncmp(lines[3], "          from iteration  ", 26) == 0);
  CHECK_CONTAINS(lines[3], " 20");
  /* Data rows: metric name on a group's first row only, statistic always. */
  CHECK(strncmp(lines[4], "loss_fn", 7) == 0);
  CHECK_CONTAINS(lines[4], "final");
  CHECK_CONTAINS(lines[4], "1.167 \u00b1 0.7638");
  CHECK_CONTAINS(lines[4], "\u2014"); /* B's final: no finite value */
  CHECK(lines[5][0] == ' ');
  /* B's min and avg cover its diverged trial up to iteration 20: marked */
  CHECK_CONTAINS(lines[5], " 1 \u2020");
  CHECK_CONTAINS(lines[6], " 2 \u2020");
  CHECK(strstr(lines[4], "\u2020") == NULL); /* not its final */
  CHECK_CONTAINS(lines[7], "0.85 \u00b1 0.07071 (2/3)");
  /* The "±" of column A lines up on every row. */
  int col = display_col(lines[4], "\u00b1");
  for (int r = 5; r < 10; r++)
    CHECK_EQ(display_col(lines[r], "\u00b1"), col);
  CHECK_CONTAINS(lines[n - 1], "not a converged result.");
  for (int r = 0; r < n; r++) {
    size_t len = strlen(lines[r]);
    if (len && lines[r][len - 1] == ' ') CHECK_FAIL_("trailing blank on line %d", r);
  }
  free(text);
}

static void test_tex(void) {
  const char *dir = fixture_tables("table_tex");
  char *tex = rtest_read(dir, "table.tex", NULL);
  CHECK(tex != NULL);
  CHECK_CONTAINS(tex, "\\begin{tabular}{llrr}");
  CHECK_CONTAINS(tex,
                 "\\toprule\nMetric & Statistic & A\\_x & B, \"v2\" \\\\\n\\midrule\n");
  CHECK_CONTAINS(tex, "loss\\_fn & final & $1.167 \\pm 0.7638$ & --- \\\\");
  CHECK_CONTAINS(tex, "\\midrule\ndiverged & trials & 0/3 & 1/1 \\\\\n"
                      " & from iteration & --- & 20 \\\\\n\\midrule\n");
  CHECK_CONTAINS(tex, " & min & $1.167 \\pm 0.7638$ & $1{}^{\\dagger}$ \\\\");
  CHECK_CONTAINS(tex,
                 "% $^\\dagger$: this min or avg covers such trials only up to there");
  CHECK_CONTAINS(tex, "\\bottomrule\n\\end{tabular}\n");
  /* Every underscore outside comments is escaped. */
  for (const char *p = tex; *p; p++) {
    if (*p == '%' && (p == tex || p[-1] == '\n')) p = strchr(p, '\n');
    if (!p) break;
    if (*p == '_' && p[-1] != '\\') CHECK_FAIL_("bare underscore at offset %td", p - tex);
  }
  free(tex);
}

static void test_print_matches_file(void) {
  const char *dir = fixture_tables("table_print");
  char err[ERRLEN];
  char path[1200];
  snprintf(path, sizeof path, "%s/printed.txt", dir);
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  CHECK_EQ(report_print_table(f, fixture, N_FIXTURE, err, sizeof err), 0);
  fclose(f);
  char *a = rtest_read(dir, "table.txt", NULL), *b = rtest_read(dir, "printed.txt", NULL);
  CHECK_STR_EQ(a, b);
  free(a);
  free(b);
  CHECK_EQ(rtest_count_prefix(dir, ".dckpt-tmp."), 0);
}

static void test_no_series(void) {
  const char *dir = rtest_dir("table_empty");
  char err[ERRLEN];
  CHECK_EQ(report_write_tables(dir, NULL, 0, err, sizeof err), 0);
  char *csv_text = rtest_read(dir, "table.csv", NULL);
  CHECK_STR_EQ(csv_text, "metric,statistic\r\n");
  free(csv_text);
  char *tex = rtest_read(dir, "table.tex", NULL);
  CHECK_CONTAINS(tex, "\\toprule");
  CHECK_CONTAINS(tex, "\\bottomrule");
  free(tex);
}

static void test_bad_input(void) {
  const char *dir = rtest_dir("table_bad");
  char err[ERRLEN] = "";
  report_series twice[2] = {fixture[0], fixture[0]};
  CHECK_NE(report_write_tables(dir, twice, 2, err, sizeof err), 0);
  CHECK_CONTAINS(err, "A_x/loss_fn given twice");
  static const int64_t back[3] = {0, 20, 10};
  report_series shuffled = {"A", "m", 3, back, 1, b_loss};
  CHECK_NE(report_write_tables(dir, &shuffled, 1, err, sizeof err), 0);
  CHECK_CONTAINS(err, "not strictly increasing at index 2");
  report_series no_values = {"A", "m", 3, iters, 2, NULL};
  CHECK_NE(report_write_tables(dir, &no_values, 1, err, sizeof err), 0);
  CHECK_CONTAINS(err, "values is NULL");
  report_series unnamed = {"", "m", 0, NULL, 0, NULL};
  CHECK_NE(report_print_table(stdout, &unnamed, 1, err, sizeof err), 0);
  CHECK_CONTAINS(err, "names are required");
  /* Nothing was written for rejected input. */
  CHECK(rtest_read(dir, "table.txt", NULL) == NULL);
}

static void test_unwritable(void) {
  const char *dir = rtest_dir("table_unwritable");
  char err[ERRLEN] = "", blocker[1200];
  snprintf(blocker, sizeof blocker, "%s/file", dir);
  FILE *f = fopen(blocker, "w");
  CHECK(f != NULL);
  fclose(f);
  CHECK_NE(report_write_tables(blocker, fixture, N_FIXTURE, err, sizeof err), 0);
  CHECK_CONTAINS(err, blocker);
  CHECK_CONTAINS(err, "Not a directory");
  char sub[1300];
  snprintf(sub, sizeof sub, "%s/results", blocker);
  CHECK_NE(report_write_tables(sub, fixture, N_FIXTURE, err, sizeof err), 0);
  CHECK_CONTAINS(err, sub);
}

/* The rule of "diverged": a finite value, then non-finite ones to the end. */
static void test_diverged(void) {
  static const double gap[3] = {1, NAN, 2}, boom[4] = {1, 2, NAN, INFINITY},
                      none[2] = {NAN, NAN}, late[3] = {NAN, 1, NAN},
                      strided[6] = {1, 5, INFINITY, 6, NAN, 7};
  CHECK_EQ(report_diverged_at(gap, 1, 3), -1);
  CHECK_EQ(report_diverged_at(boom, 1, 4), 2);
  CHECK_EQ(report_diverged_at(none, 1, 2), -1);
  CHECK_EQ(report_diverged_at(late, 1, 3), 2);
  CHECK_EQ(report_diverged_at(boom, 1, 0), -1);
  CHECK_EQ(report_diverged_at(strided, 2, 3), 1); /* 1, inf, nan */
  CHECK_EQ(report_diverged_at(strided + 1, 2, 3), -1);
  /* without a diverged trial the tables have no "diverged" rows (A alone:
   * a gap and an all-NaN trial are not divergences) */
  const report_series a_only[2] = {fixture[0], fixture[2]};
  const char *dir = rtest_dir("table_no_diverged");
  char err[ERRLEN];
  CHECK_EQ(report_write_tables(dir, a_only, 2, err, sizeof err), 0);
  char *text = rtest_read(dir, "table.csv", NULL);
  csv c;
  csv_parse(&c, text);
  CHECK_EQ(c.rows, 7);
  CHECK_STR_EQ(c.cell[1][0], "loss_fn");
  csv_free(&c);
  free(text);
  text = rtest_read(dir, "table.txt", NULL);
  CHECK(strstr(text, "diverged") == NULL && strstr(text, "\u2020") == NULL);
  free(text);
  text = rtest_read(dir, "table.tex", NULL);
  CHECK(strstr(text, "diverged") == NULL && strstr(text, "dagger") == NULL);
  free(text);
  stat_summary s = stat_summarize(&fixture[1], REPORT_STAT_AVG);
  CHECK_EQ(s.n_diverged, 1);
  CHECK_EQ(stat_diverged(&fixture[1], 0), 20);
  CHECK_EQ(stat_diverged(&fixture[0], 2), -1);
}

/* Trials near the top of double's range: the squares of their differences
 * overflow, but their mean and spread are finite (they read "mean ± inf"). */
static void test_huge(void) {
  static const int64_t at[1] = {0};
  static const double big[3] = {1e300, 3e300, 5e300}, small[3] = {1, 3, 5};
  report_series sb = {"A", "m", 1, at, 3, big}, ss = {"A", "m", 1, at, 3, small};
  stat_summary b = stat_summarize(&sb, REPORT_STAT_FINAL);
  stat_summary n = stat_summarize(&ss, REPORT_STAT_FINAL);
  CHECK_EQ(b.n_ok, 3);
  CHECK(fabs(b.mean - 3e300) <= 1e-12 * 3e300);
  CHECK(fabs(b.std - 2e300) <= 1e-12 * 2e300);
  /* ordinary values: the first pass, unchanged */
  CHECK(n.mean == 3.0 && n.std == 2.0);
}

int main(int argc, char **argv) {
  static const check_case cases[] = {
      {"csv", test_csv},
      {"txt", test_txt},
      {"tex", test_tex},
      {"print", test_print_matches_file},
      {"empty", test_no_series},
      {"bad_input", test_bad_input},
      {"unwritable", test_unwritable},
      {"huge", test_huge},
      {"diverged", test_diverged},
  };
  return rtest_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
