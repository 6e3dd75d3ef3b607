/* The explorer of the power-loss tests (pl_explore.c). */
#ifndef DCKPT_TESTS_PL_EXPLORE_H
#define DCKPT_TESTS_PL_EXPLORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pl.h"

typedef struct pl_config {
  const char *argv0, *mode; /* for the replay line */
  char base[512];           /* scratch space (on tmpfs when there is one) */
  uint64_t seed;
  uint64_t budget;      /* distinct states recovered per exploration; 0: all */
  uint64_t kill_budget; /* the same per kill point of an "after a kill" run */
  uint64_t kills;       /* kill points of an "after a kill" run; 0: every call */
  const char *replay;   /* "KILL:POINT:STATE" (KILL 0: no kill), or NULL */
  bool keep;            /* keep the scratch space */
  bool verbose;         /* list the recorded calls */
} pl_config;

typedef struct pl_stats {
  size_t explorations; /* one, or one per kill point */
  size_t points;       /* crash points */
  uint64_t combos;     /* states those points can leave (saturating) */
  size_t draws;        /* states built */
  size_t states;       /* distinct states recovered from */
  size_t outcome[5];   /* PL_LOST .. PL_BAD_FILES */
  size_t violations;
  bool sampled;
} pl_stats;

/** Explores scenario `sc` with durability `d`; with `after_kill`, once per
 *  kill point: the operation is killed just before that call, run again to
 *  its end, and the power fails during the second run. */
void pl_explore(const pl_scenario *sc, dckpt_durability d, bool after_kill,
                const pl_config *o, pl_stats *st);

#endif
