/* A checkpoint writer that is killed on purpose (by the crash tests).
 *
 *   crash_writer DIR steps STEP N    SIGKILL itself just before the N-th time
 *                                    the commit protocol reaches STEP
 *   crash_writer DIR run             run to completion (resuming as needed)
 *   crash_writer DIR loop            save forever; the driver kills it
 *   crash_writer DIR loop-nofsync    the same with durability "none"
 *
 * It initializes DIR when empty, resumes from the newest checkpoint, saves
 * after every iteration of a deterministic state, and marks the trial
 * complete after ITERS iterations. After each call that commits, it prints
 * "committed <what> <iteration>" on stdout (unbuffered), so the driver knows
 * what must survive the kill. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "dckpt_experimental.h"
#include "testutil.h"

#define ITERS   6
#define STATE_N 4096
#define SEED    11

static const char *target;
static long remaining = -1;

static void hook(void *ctx, const char *step) {
  (void)ctx;
  if (target && strcmp(step, target) == 0 && --remaining == 0) raise(SIGKILL);
}

static void say(const char *what, long long it) {
  printf("committed %s %lld\n", what, it);
  fflush(stdout);
}

static dckpt_store *open_store(const char *dir, bool nofsync) {
  dckpt_store_options o = tu_options(NULL);
  o.keep_n = 2;
  dckpt_store_experimental hooks; /* copied by the open */
  dckpt_store_experimental_init(&hooks);
  hooks.step_hook = hook;
  o.experimental = &hooks;
  o.durability = nofsync ? DCKPT_DURABILITY_NONE : DCKPT_DURABILITY_FULL;
  dckpt_store *s = tu_open(dir, &o);
  bool empty = false;
  CHECK_OK(dckpt_store_is_empty(s, &empty));
  char meta[2048];
  snprintf(meta, sizeof meta, "%s/metadata.json", dir);
  if (!tu_exists(meta)) {
    dckpt_metadata plan = tu_plan(1);
    dckpt_record *init = tu_state(SEED, -1, 64);
    CHECK_OK(dckpt_store_initialize(s, &plan, init, init));
    dckpt_record_free(init);
    say("initialize", 0);
  }
  return s;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: crash_writer DIR steps STEP N | run | loop | loop-nofsync\n");
    return 2;
  }
  bool nofsync = strcmp(argv[2], "loop-nofsync") == 0;
  bool loop = nofsync || strcmp(argv[2], "loop") == 0;
  if (strcmp(argv[2], "steps") == 0 && argc == 5) {
    target = argv[3];
    remaining = atol(argv[4]);
  }
  dckpt_store *s = open_store(argv[1], nofsync);
  dckpt_record *r = NULL;
  int64_t last = -1;
  CHECK_OK(dckpt_store_load_latest(s, 0, 0, &r, &last));
  if (r && !tu_state_equal(r, SEED, last, STATE_N)) CHECK_FAIL_("resumed state differs");
  bool done = false;
  CHECK_OK(dckpt_store_trial_is_complete(s, 0, 0, &done));
  if (!done && !loop && last == ITERS - 1) {
    /* killed after the final save but before complete.json: finish marking */
    CHECK_OK(dckpt_store_mark_complete(s, 0, 0, last, r));
    say("complete", last);
    done = true;
  }
  dckpt_record_free(r);
  for (int64_t i = last + 1; !done && (loop || i < ITERS); i++) {
    dckpt_record *st = tu_state(SEED, i, STATE_N);
    if (!loop && i == ITERS - 1) {
      CHECK_OK(dckpt_store_mark_complete(s, 0, 0, i, st));
      say("complete", i);
    } else {
      CHECK_OK(dckpt_store_save(s, 0, 0, i, st));
      say("save", i);
    }
    dckpt_record_free(st);
  }
  dckpt_store_close(s);
  return 0;
}
