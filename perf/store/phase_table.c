/* The table of where a save spends its time: one row per commit-protocol
 * step (in the order the steps were first seen), one column per size. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench_store.h"
#include "bench_util.h"

#define MAX_NAMES (MAX_PHASES * 2)

/* The union of the step names over the sizes, first-seen order. */
static size_t step_names(const size_result *res, size_t ns, int dur,
                         char names[MAX_NAMES][PHASE_NAME]) {
  size_t nn = 0;
  for (size_t i = 0; i < ns; i++)
    for (size_t k = 0; k < res[i].n_phases[dur]; k++) {
      size_t j = 0;
      while (j < nn && strcmp(names[j], res[i].phases[dur][k].name) != 0)
        j++;
      if (j == nn && nn < MAX_NAMES)
        snprintf(names[nn++], PHASE_NAME, "%s", res[i].phases[dur][k].name);
    }
  return nn;
}

static void print_header(const size_result *res, size_t ns, int dur) {
  char lbl[32];
  printf("\n### Where a %s save spends its time (median ms per step, from the store's "
         "step hook)\n\n",
         dur == 0 ? "durable (FULL)" : "non-durable (NONE)");
  printf("| step (time until the next step starts) |");
  for (size_t i = 0; i < ns; i++) {
    bench_format_size(res[i].state_bytes, lbl, sizeof lbl);
    printf(" %s |", lbl);
  }
  printf("\n|---|");
  for (size_t i = 0; i < ns; i++)
    printf("---|");
  printf("\n");
}

void print_phase_table(const size_result *res, size_t ns, int dur) {
  char names[MAX_NAMES][PHASE_NAME];
  size_t nn = step_names(res, ns, dur, names);
  if (nn == 0) return;
  print_header(res, ns, dur);
  for (size_t j = 0; j < nn; j++) {
    printf("| %s |", names[j]);
    for (size_t i = 0; i < ns; i++) {
      double v = phase_median(&res[i], dur, names[j]);
      if (isnan(v))
        printf(" — |");
      else
        printf(" %.3f |", v * 1e3);
    }
    printf("\n");
  }
  printf("| **total (median of the save)** |");
  for (size_t i = 0; i < ns; i++)
    printf(" %.3f |", res[i].m[dur == 0 ? M_DCKPT_FULL : M_DCKPT_NONE].median * 1e3);
  printf("\n");
}
