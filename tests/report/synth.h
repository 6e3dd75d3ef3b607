/* Synthetic benchmark-like series for the report tests and the docs figure:
 * deterministic, so images and tables are reproducible. */
#ifndef DCKPT_TESTS_REPORT_SYNTH_H
#define DCKPT_TESTS_REPORT_SYNTH_H

#include <stdint.h>

#include "report/report.h"

#define SYNTH_ALGS    3
#define SYNTH_METRICS 3
#define SYNTH_TRIALS  10
#define SYNTH_POINTS  51 /* iterations 0, 10, ..., 500 */

/** Owns the arrays behind `series`. */
typedef struct synth_run {
  report_series series[SYNTH_ALGS * SYNTH_METRICS];
  int64_t iterations[SYNTH_POINTS];
  double values[SYNTH_ALGS * SYNTH_METRICS][SYNTH_TRIALS * SYNTH_POINTS];
} synth_run;

/** Fills `r` (about 250 KB: allocate it, do not put it on the stack):
 *  "suboptimality" decays geometrically (log axis), "consensus error" decays
 *  to a noise floor, "messages sent" grows linearly (linear axis). */
void synth_fill(synth_run *r);

#endif
