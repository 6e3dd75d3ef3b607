/* A writer of the completion index that is killed on purpose (by
 * tests/test_crash_index.c).
 *
 *   crash_index_writer DIR steps STEP N   SIGKILL itself just before the N-th
 *                                         time a store step named STEP comes
 *   crash_index_writer DIR run            run to the end (resuming)
 *
 * The run: 2 algorithms x 4 trials (tu_plan). Every pair not complete is
 * marked complete, added to the index and the index committed, one pair at a
 * time; then algorithm 1 grows by 5 iterations (dckpt_store_extend, which
 * takes its pairs out of the index before unmarking them) and its pairs are
 * completed again, committing the index after each. After each call that
 * commits it prints "committed <what> <alg> <trial>". */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dckpt_experimental.h"
#include "testutil.h"

#define TRIALS 4
#define GROWN  25 /* algorithm 1: 20 iterations, then 25 */

static const char *target;
static long remaining = -1;

static void hook(void *ctx, const char *step) {
  (void)ctx;
  if (target && strcmp(step, target) == 0 && --remaining == 0) raise(SIGKILL);
}

static void say(const char *what, int64_t a, int64_t t) {
  printf("committed %s %lld %lld\n", what, (long long)a, (long long)t);
  fflush(stdout);
}

/* Completes every pair that is not, one at a time, committing the index. */
static void complete_all(dckpt_store *s) {
  dckpt_metadata *m = NULL;
  CHECK_OK(dckpt_store_load_metadata(s, &m));
  dckpt_trial_status st[2 * TRIALS];
  dckpt_index *ix = NULL;
  CHECK_OK(dckpt_store_scan(s, 0, st, 2 * TRIALS, NULL, &ix));
  CHECK_OK(dckpt_index_commit(ix)); /* what a resume rebuilt */
  for (int64_t a = 0; a < 2; a++)
    for (int64_t t = 0; t < TRIALS; t++) {
      if (st[a * TRIALS + t].state == DCKPT_TRIAL_COMPLETE) continue;
      int64_t last = m->algorithms[a].iterations - 1;
      dckpt_record *r = tu_state((uint64_t)(10 * a + t), last, 16);
      CHECK_OK(dckpt_store_mark_complete(s, a, t, last, r));
      dckpt_record_free(r);
      say("complete", a, t);
      CHECK_OK(dckpt_index_add(ix, a, t));
      if (dckpt_index_commit(ix) != DCKPT_OK) CHECK_FAIL_("%s", dckpt_index_errmsg(ix));
      say("index", a, t);
    }
  dckpt_index_free(ix);
  dckpt_metadata_free(m);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: crash_index_writer DIR steps STEP N | run\n");
    return 2;
  }
  if (strcmp(argv[2], "steps") == 0 && argc == 5) {
    target = argv[3];
    remaining = atol(argv[4]);
  }
  dckpt_store_options o = tu_options(NULL);
  dckpt_store_experimental hooks; /* copied by the open */
  dckpt_store_experimental_init(&hooks);
  hooks.step_hook = hook;
  o.experimental = &hooks;
  dckpt_store *s = tu_open(argv[1], &o);
  char meta[2048];
  snprintf(meta, sizeof meta, "%s/metadata.json", argv[1]);
  if (!tu_exists(meta)) {
    dckpt_metadata plan = tu_plan(TRIALS);
    CHECK_OK(dckpt_store_initialize(s, &plan, NULL, NULL));
  }
  dckpt_metadata *m = NULL;
  CHECK_OK(dckpt_store_load_metadata(s, &m));
  bool grown = m->algorithms[1].iterations == GROWN;
  dckpt_metadata_free(m);
  if (!grown) {
    complete_all(s);
    int64_t iters[2] = {10, GROWN};
    say("growing", 1, -1); /* from here algorithm 1's pairs may be unmarked */
    CHECK_OK(dckpt_store_extend(s, TRIALS, iters));
    say("grow", 1, -1);
  }
  complete_all(s);
  dckpt_store_close(s);
  return 0;
}
