/* table.csv: RFC 4180 (CRLF line ends, quoted fields where needed) for
 * scripts. Columns: metric, statistic, then "<algorithm> mean", "<algorithm>
 * std", "<algorithm> n" per algorithm, n counting the trials with a finite
 * value. Numbers carry full precision; "nan" marks no value. When a trial
 * diverged, two rows come first: "diverged,trials" (mean: the trials that
 * diverged, n: all) and "diverged,from iteration" (mean: the earliest
 * iteration one did, n: the trials that diverged). */
#include <inttypes.h>
#include <string.h>

#include "numfmt.h"
#include "table.h"

static void csv_field(FILE *out, const char *s, const char *suffix) {
  int quote = strpbrk(s, ",\"\r\n") != NULL;
  if (!quote) {
    fprintf(out, "%s%s", s, suffix);
    return;
  }
  fputc('"', out);
  for (; *s; s++) {
    if (*s == '"') fputc('"', out);
    fputc(*s, out);
  }
  fprintf(out, "%s\"", suffix);
}

static void csv_number(FILE *out, double v) {
  char buf[40];
  fmt_exact(v, buf, sizeof buf);
  fprintf(out, ",%s", buf);
}

int table_emit_csv(FILE *out, const report_table *T) {
  const report_layout *L = &T->lay;
  fputs("metric,statistic", out);
  static const char *const suffixes[] = {" mean", " std", " n"};
  for (size_t a = 0; a < L->n_alg; a++)
    for (size_t k = 0; k < 3; k++) {
      fputc(',', out);
      csv_field(out, L->alg[a], suffixes[k]);
    }
  fputs("\r\n", out);
  if (T->any_diverged) {
    /* trials: mean k diverged of n; from iteration: the earliest, n = k */
    fputs(TABLE_DIVERGED "," TABLE_DIVERGED_TRIALS, out);
    for (size_t a = 0; a < L->n_alg; a++)
      fprintf(out, ",%" PRId64 ",nan,%" PRId64, T->div[a].n_diverged, T->div[a].n_trials);
    fputs("\r\n" TABLE_DIVERGED "," TABLE_DIVERGED_FROM, out);
    for (size_t a = 0; a < L->n_alg; a++)
      if (T->div[a].first >= 0)
        fprintf(out, ",%" PRId64 ",nan,%" PRId64, T->div[a].first, T->div[a].n_diverged);
      else
        fputs(",nan,nan,0", out);
    fputs("\r\n", out);
  }
  for (size_t m = 0; m < L->n_met; m++)
    for (int st = 0; st < REPORT_N_STATS; st++) {
      csv_field(out, L->met[m], "");
      fprintf(out, ",%s", report_stat_name((report_stat)st));
      for (size_t a = 0; a < L->n_alg; a++) {
        const stat_summary *c = table_cell(T, m, (report_stat)st, a);
        csv_number(out, c->mean);
        csv_number(out, c->std);
        fprintf(out, ",%" PRId64, c->n_ok);
      }
      fputs("\r\n", out);
    }
  return ferror(out) ? -1 : 0;
}
