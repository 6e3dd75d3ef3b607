/* test_powerloss OPERATION MODE: explores the crash states of one operation
 * (tests/powerloss/pl_scenarios.c) under one persistence promise:
 *   full        durability full: every state must recover
 *   none        durability none: a killed process's state must recover; after
 *               a power loss losses are counted, damage is a violation
 *   after_kill  durability full, the operation killed before one of its calls,
 *               run again, and the power lost during the second run
 * Knobs (environment; defaults from the build, smaller under sanitizers):
 *   DCKPT_POWERLOSS_STATES       distinct states per exploration (0: all)
 *   DCKPT_POWERLOSS_KILLS        kill points of after_kill (0: before every call)
 *   DCKPT_POWERLOSS_KILL_STATES  distinct states per kill point (0: all)
 *   DCKPT_POWERLOSS_SEED         the sampling seed (printed; random by default)
 *   DCKPT_POWERLOSS_REPLAY       KILL:POINT:STATE, one state only, from a
 *                                failure's replay line; the state is kept
 *   DCKPT_POWERLOSS_KEEP=1       keep the scratch space
 *   DCKPT_POWERLOSS_VERBOSE=1    list the recorded calls
 * A long run: DCKPT_POWERLOSS_STATES=0 DCKPT_POWERLOSS_KILLS=0
 * DCKPT_POWERLOSS_KILL_STATES=0 ctest -L powerloss. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "io/fs.h"
#include "pl_explore.h"

static uint64_t env_u64(const char *name, uint64_t fallback) {
  const char *v = getenv(name);
  if (!v || !*v) return fallback;
  char *end = NULL;
  unsigned long long x = strtoull(v, &end, 10);
  if (*end) CHECK_FAIL_("%s=%s is not a number", name, v);
  return (uint64_t)x;
}

static const pl_scenario *find(const char *name) {
  for (size_t i = 0; pl_scenarios[i].name; i++)
    if (!strcmp(pl_scenarios[i].name, name)) return &pl_scenarios[i];
  return NULL;
}

static void usage(void) {
  fprintf(stderr, "usage: test_powerloss OPERATION full|none|after_kill\noperations:");
  for (size_t i = 0; pl_scenarios[i].name; i++)
    fprintf(stderr, " %s", pl_scenarios[i].name);
  fputc('\n', stderr);
  exit(2);
}

static void options(pl_config *o, char **argv, const char *op) {
  memset(o, 0, sizeof *o);
  o->argv0 = argv[0];
  o->mode = argv[2];
  o->seed = env_u64("DCKPT_POWERLOSS_SEED", (uint64_t)time(NULL) ^ (uint64_t)getpid());
  o->budget = env_u64("DCKPT_POWERLOSS_STATES", DCKPT_POWERLOSS_STATES);
  o->kill_budget = env_u64("DCKPT_POWERLOSS_KILL_STATES", DCKPT_POWERLOSS_KILL_STATES);
  o->kills = env_u64("DCKPT_POWERLOSS_KILLS", DCKPT_POWERLOSS_KILLS);
  o->replay = getenv("DCKPT_POWERLOSS_REPLAY");
  o->keep = o->replay || env_u64("DCKPT_POWERLOSS_KEEP", 0);
  o->verbose = env_u64("DCKPT_POWERLOSS_VERBOSE", 0) != 0;
  /* tmpfs when there is one: thousands of small trees are written */
  const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : DCKPT_TEST_TMP;
  /* a unique name: a directory kept by an earlier run (a violation, a replay,
   * a killed test) may carry this process's pid */
  snprintf(o->base, sizeof o->base, "%s/dckpt-powerloss-%s-%s-XXXXXX", tmp, op, o->mode);
  CHECK(mkdtemp(o->base) != NULL);
}

static void summary(const pl_scenario *sc, const pl_config *o, const pl_stats *st,
                    dckpt_durability d, bool after_kill) {
  /* the count saturates: say so rather than print 2^64 - 1 */
  char combos[32];
  if (st->combos == UINT64_MAX)
    snprintf(combos, sizeof combos, "more than %llu",
             (unsigned long long)(UINT64_MAX - 1));
  else
    snprintf(combos, sizeof combos, "%llu", (unsigned long long)st->combos);
  printf("powerloss %s [%s%s]: %s\n  %zu exploration(s), %zu crash point(s), %s possible "
         "state(s), %zu built, %zu distinct recovered from (%s, seed %llu), "
         "%zu violation(s)\n",
         sc->name, d == DCKPT_DURABILITY_NONE ? "durability none" : "durability full",
         after_kill ? ", power lost after a kill and a rerun" : "", sc->what,
         st->explorations, st->points, combos, st->draws, st->states,
         st->sampled ? "sampled" : "all", (unsigned long long)o->seed, st->violations);
  if (d == DCKPT_DURABILITY_NONE)
    printf(
        "  after a power loss (what durability none gives up): committed data lost in "
        "%zu, run stuck in %zu, damaged files left (found by verify) in %zu state(s)\n",
        st->outcome[PL_LOST - PL_LOST], st->outcome[PL_STUCK - PL_LOST],
        st->outcome[PL_BAD_FILES - PL_LOST]);
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc != 3) usage();
  const pl_scenario *sc = find(argv[1]);
  bool none = !strcmp(argv[2], "none"), after_kill = !strcmp(argv[2], "after_kill");
  if (!sc || (!none && !after_kill && strcmp(argv[2], "full"))) usage();
  pl_config o;
  options(&o, argv, sc->name);
  printf("powerloss %s %s: seed %llu (replay with DCKPT_POWERLOSS_SEED=%llu)\n", sc->name,
         argv[2], (unsigned long long)o.seed, (unsigned long long)o.seed);
  if ((none && (sc->flags & PL_FULL_ONLY)) || (after_kill && (sc->flags & PL_NO_KILL))) {
    printf("powerloss %s %s: skipped (not applicable to this operation)\n", sc->name,
           argv[2]);
    return 0;
  }
  dckpt_durability d = none ? DCKPT_DURABILITY_NONE : DCKPT_DURABILITY_FULL;
  pl_stats st;
  pl_explore(sc, d, after_kill, &o, &st);
  summary(sc, &o, &st, d, after_kill);
  dckpt_err e;
  if (!o.keep && !st.violations) CHECK_OK(dckpt_remove_tree(o.base, &e));
  if (o.keep || st.violations) printf("scratch space kept: %s\n", o.base);
  return st.violations ? 1 : 0;
}
