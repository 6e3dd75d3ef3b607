/* table.tex: a booktabs tabular to \input into a paper. Numbers are typeset
 * in math mode (1.2\times 10^{-5}) rather than as raw "1.2e-05". */
#include <inttypes.h>

#include "numfmt.h"
#include "table.h"

/* Names are user text: every LaTeX special character is escaped. */
static void tex_escape(FILE *out, const char *s) {
  for (; *s; s++) {
    switch (*s) {
    case '\\': fputs("\\textbackslash{}", out); break;
    case '~': fputs("\\textasciitilde{}", out); break;
    case '^': fputs("\\textasciicircum{}", out); break;
    case '<': fputs("\\textless{}", out); break;
    case '>': fputs("\\textgreater{}", out); break;
    case '|': fputs("\\textbar{}", out); break;
    case '&':
    case '%':
    case '$':
    case '#':
    case '_':
    case '{':
    case '}':
      fputc('\\', out);
      fputc(*s, out);
      break;
    default: fputc(*s, out);
    }
  }
}

static void tex_cell(FILE *out, const stat_summary *c, report_stat st) {
  if (c->n_ok == 0) {
    fputs("---", out);
    return;
  }
  char num[80];
  fmt_tex(c->mean, num, sizeof num);
  fprintf(out, "$%s", num);
  if (c->n_ok > 1) {
    fmt_tex(c->std, num, sizeof num);
    fprintf(out, " \\pm %s", num);
  }
  if (c->n_diverged > 0 && st != REPORT_STAT_FINAL) fputs("{}^{\\dagger}", out);
  fputc('$', out);
  if (c->n_ok < c->n_trials)
    fprintf(out, " {\\footnotesize(%" PRId64 "/%" PRId64 ")}", c->n_ok, c->n_trials);
}

/* The "diverged" rows: k/n trials, and the earliest iteration one did. */
static void tex_diverged(FILE *out, const report_table *T) {
  fputs("\\midrule\n" TABLE_DIVERGED " & " TABLE_DIVERGED_TRIALS, out);
  for (size_t a = 0; a < T->lay.n_alg; a++)
    fprintf(out, " & %" PRId64 "/%" PRId64, T->div[a].n_diverged, T->div[a].n_trials);
  fputs(" \\\\\n & " TABLE_DIVERGED_FROM, out);
  for (size_t a = 0; a < T->lay.n_alg; a++)
    if (T->div[a].first >= 0)
      fprintf(out, " & %" PRId64, T->div[a].first);
    else
      fputs(" & ---", out);
  fputs(" \\\\\n", out);
}

static void tex_header(FILE *out, const report_table *T) {
  fputs(
      "% Written by dckpt-bench; needs \\usepackage{booktabs}.\n"
      "% Cells: mean $\\pm$ sample standard deviation across trials (a bare mean:\n"
      "% one trial); --- no finite value; (k/n): only k of n trials had a finite value.\n"
      "% final: value at the last recorded iteration; min: smallest value over the\n"
      "% iterations; avg: trapezoidal average over the recorded iteration range.\n",
      out);
  if (T->any_diverged)
    fputs(
        "% diverged: k/n trials in which a metric ended inf/NaN after finite values;\n"
        "% from iteration: the first recorded iteration of such a value (the earliest);\n"
        "% $^\\dagger$: this min or avg covers such trials only up to there, not a\n"
        "% converged result.\n",
        out);
  fputs("\\begin{tabular}{ll", out);
  for (size_t a = 0; a < T->lay.n_alg; a++)
    fputc('r', out);
  fputs("}\n\\toprule\nMetric & Statistic", out);
  for (size_t a = 0; a < T->lay.n_alg; a++) {
    fputs(" & ", out);
    tex_escape(out, T->lay.alg[a]);
  }
  fputs(" \\\\\n", out);
}

int table_emit_tex(FILE *out, const report_table *T) {
  const report_layout *L = &T->lay;
  tex_header(out, T);
  if (T->any_diverged) tex_diverged(out, T);
  for (size_t m = 0; m < L->n_met; m++) {
    fputs("\\midrule\n", out);
    for (int st = 0; st < REPORT_N_STATS; st++) {
      if (st == 0) tex_escape(out, L->met[m]);
      fprintf(out, " & %s", report_stat_name((report_stat)st));
      for (size_t a = 0; a < L->n_alg; a++) {
        fputs(" & ", out);
        tex_cell(out, table_cell(T, m, (report_stat)st, a), (report_stat)st);
      }
      fputs(" \\\\\n", out);
    }
  }
  if (L->n_met == 0) fputs("\\midrule\n", out);
  fputs("\\bottomrule\n\\end{tabular}\n", out);
  return ferror(out) ? -1 : 0;
}
