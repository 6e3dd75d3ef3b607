/* table.txt: an aligned plain-text table for terminals and logs. Within each
 * algorithm column the means are right-aligned and the "±" signs line up. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "numfmt.h"
#include "table.h"

#define TXT_GAP      2
#define TXT_NONE     "\u2014" /* em dash: no finite value */
#define TXT_DIVERGED "\u2020" /* dagger: min/avg over diverged trials' prefixes */

typedef struct txt_parts {
  char mean[48], pm[48], note[48];
} txt_parts;

/* Widths of one algorithm column: mean part, "± std" part, note part. */
typedef struct txt_col {
  size_t wm, wp, wn, w;
} txt_col;

static void parts_of(const stat_summary *c, report_stat st, txt_parts *p) {
  p->mean[0] = p->pm[0] = p->note[0] = '\0';
  if (c->n_ok == 0) {
    snprintf(p->mean, sizeof p->mean, "%s", TXT_NONE);
    return;
  }
  fmt_sig(c->mean, p->mean, sizeof p->mean);
  if (c->n_ok > 1) {
    char sd[40];
    fmt_sig(c->std, sd, sizeof sd);
    snprintf(p->pm, sizeof p->pm, "\u00b1 %s", sd);
  }
  if (c->n_ok < c->n_trials)
    snprintf(p->note, sizeof p->note, "(%" PRId64 "/%" PRId64 ")", c->n_ok, c->n_trials);
  if (c->n_diverged > 0 && st != REPORT_STAT_FINAL)
    snprintf(p->note + strlen(p->note), sizeof p->note - strlen(p->note), "%s%s",
             p->note[0] ? " " : "", TXT_DIVERGED);
}

/* Rows of the table body: the "diverged" rows first when a trial diverged,
 * then metric x statistic. */
static size_t n_rows(const report_table *T) {
  return (T->any_diverged ? 2 : 0) + T->lay.n_met * REPORT_N_STATS;
}

/* Row r's labels and algorithm a's cell parts. */
static void row_parts(const report_table *T, size_t r, size_t a, const char **metric,
                      const char **stat, txt_parts *p) {
  if (T->any_diverged && r < 2) {
    const table_divergence *d = &T->div[a];
    *metric = r == 0 ? TABLE_DIVERGED : "";
    *stat = r == 0 ? TABLE_DIVERGED_TRIALS : TABLE_DIVERGED_FROM;
    p->pm[0] = p->note[0] = '\0';
    if (r == 0)
      snprintf(p->mean, sizeof p->mean, "%" PRId64 "/%" PRId64, d->n_diverged,
               d->n_trials);
    else if (d->first >= 0)
      snprintf(p->mean, sizeof p->mean, "%" PRId64, d->first);
    else
      snprintf(p->mean, sizeof p->mean, "%s", TXT_NONE);
    return;
  }
  if (T->any_diverged) r -= 2;
  size_t m = r / REPORT_N_STATS;
  report_stat st = (report_stat)(r % REPORT_N_STATS);
  *metric = st == 0 ? T->lay.met[m] : "";
  *stat = report_stat_name(st);
  parts_of(table_cell(T, m, st, a), st, p);
}

static size_t max_sz(size_t a, size_t b) {
  return a > b ? a : b;
}

static void column_widths(const report_table *T, size_t a, txt_col *col) {
  memset(col, 0, sizeof *col);
  txt_parts p;
  const char *metric, *stat;
  for (size_t r = 0; r < n_rows(T); r++) {
    row_parts(T, r, a, &metric, &stat, &p);
    col->wm = max_sz(col->wm, utf8_width(p.mean));
    col->wp = max_sz(col->wp, utf8_width(p.pm));
    col->wn = max_sz(col->wn, utf8_width(p.note));
  }
  size_t body = col->wm + (col->wp ? 1 + col->wp : 0) + (col->wn ? 1 + col->wn : 0);
  col->w = max_sz(body, utf8_width(T->lay.alg[a]));
}

static void pad(FILE *out, size_t n) {
  for (size_t i = 0; i < n; i++)
    fputc(' ', out);
}

/* Prints `s` in a field of width w; alignment right when `right`. */
static void field(FILE *out, const char *s, size_t w, int right) {
  size_t len = utf8_width(s);
  size_t fill = w > len ? w - len : 0;
  if (right) pad(out, fill);
  fputs(s, out);
  if (!right) pad(out, fill);
}

static void cell(FILE *out, const txt_parts *p, const txt_col *col, int last) {
  field(out, p->mean, col->wm, 1);
  size_t used = col->wm;
  /* The last column gets no padding after its final part: no trailing blanks. */
  int more = p->note[0] != '\0';
  if (col->wp && (!last || p->pm[0] || more)) {
    fputc(' ', out);
    field(out, p->pm, last && !more ? 0 : col->wp, 0);
    used += 1 + col->wp;
  }
  if (col->wn && more) {
    fputc(' ', out);
    field(out, p->note, last ? 0 : col->wn, 0);
    used += 1 + col->wn;
  }
  if (!last) pad(out, col->w - used + TXT_GAP);
}

static void rule(FILE *out, size_t w) {
  for (size_t i = 0; i < w; i++)
    fputs("\u2500", out);
}

static void header(FILE *out, const report_table *T, const txt_col *cols, size_t w0,
                   size_t w1) {
  field(out, "metric", w0 + TXT_GAP, 0);
  field(out, "statistic", w1 + TXT_GAP, 0);
  for (size_t a = 0; a < T->lay.n_alg; a++)
    field(out, T->lay.alg[a], a + 1 < T->lay.n_alg ? cols[a].w + TXT_GAP : 0, 0);
  fputc('\n', out);
  rule(out, w0);
  pad(out, TXT_GAP);
  rule(out, w1);
  for (size_t a = 0; a < T->lay.n_alg; a++) {
    pad(out, TXT_GAP);
    rule(out, cols[a].w);
  }
  fputc('\n', out);
}

static void footer(FILE *out, bool diverged) {
  fputs("\nCells: mean \u00b1 sample standard deviation across trials (a bare mean: one"
        " trial);\n" TXT_NONE " no finite value; (k/n): only k of n trials had a finite"
        " value.\nfinal: value at the last recorded iteration; min: smallest value over"
        " the\niterations; avg: trapezoidal average over the recorded iteration range.\n",
        out);
  if (diverged)
    fputs("diverged: k/n trials in which a metric ended inf/NaN after finite values;\n"
          "from iteration: the first recorded iteration of such a value (the "
          "earliest);\n" TXT_DIVERGED
          ": this min or avg covers such trials only up to there, not a"
          " converged result.\n",
          out);
}

int table_emit_txt(FILE *out, const report_table *T) {
  const report_layout *L = &T->lay;
  txt_col *cols = calloc(L->n_alg ? L->n_alg : 1, sizeof *cols);
  if (!cols) return -1;
  size_t w0 = utf8_width("metric"), w1 = utf8_width("statistic");
  for (size_t m = 0; m < L->n_met; m++)
    w0 = max_sz(w0, utf8_width(L->met[m]));
  if (T->any_diverged) {
    w0 = max_sz(w0, utf8_width(TABLE_DIVERGED));
    w1 = max_sz(w1, utf8_width(TABLE_DIVERGED_FROM));
  }
  for (size_t a = 0; a < L->n_alg; a++)
    column_widths(T, a, &cols[a]);
  header(out, T, cols, w0, w1);
  /* (series give every metric an algorithm: no algorithm, no row) */
  for (size_t r = 0; L->n_alg > 0 && r < n_rows(T); r++) {
    for (size_t a = 0; a < L->n_alg; a++) {
      const char *metric, *stat;
      txt_parts p;
      row_parts(T, r, a, &metric, &stat, &p);
      if (a == 0) {
        /* The metric name heads its group only: the block reads as one unit. */
        field(out, metric, w0 + TXT_GAP, 0);
        field(out, stat, w1 + TXT_GAP, 0);
      }
      cell(out, &p, &cols[a], a + 1 == L->n_alg);
    }
    fputc('\n', out);
  }
  footer(out, T->any_diverged);
  free(cols);
  return ferror(out) ? -1 : 0;
}
