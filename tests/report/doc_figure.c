/* Renders the synthetic campaign into a directory: the figure and tables
 * shown in docs/results.md (copy plots_fig1.png to docs/img/). Usage:
 * report_doc_figure OUT_DIR */
#include <stdio.h>
#include <stdlib.h>

#include "synth.h"

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  synth_run *r = malloc(sizeof *r);
  if (!r) return 1;
  synth_fill(r);
  char err[512];
  int n_fig = 0;
  size_t n = sizeof r->series / sizeof r->series[0];
  int rc = report_write_tables(argv[1], r->series, n, err, sizeof err);
  if (rc == 0) rc = report_write_plots(argv[1], r->series, n, &n_fig, err, sizeof err);
  if (rc == 0) rc = report_print_table(stdout, r->series, n, err, sizeof err);
  if (rc != 0)
    fprintf(stderr, "report_doc_figure: %s\n", err);
  else
    fprintf(stderr, "report_doc_figure: %d figure(s) in %s\n", n_fig, argv[1]);
  free(r);
  return rc == 0 ? 0 : 1;
}
