/* Crash consistency with real processes: crash_writer is SIGKILLed just before
 * every step of the commit protocol (and at random moments); after each kill
 * the store opens (taking over the dead writer's lock), verifies clean, and
 * still holds every checkpoint the writer had reported as committed. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "testutil.h"

#define SEED    11
#define STATE_N 4096
#define ITERS   6

static const char *writer;

typedef struct outcome {
  bool killed;
  int exit_code;
  long long committed; /* last iteration reported committed, -1 if none */
  bool initialized, completed;
} outcome;

/* Runs the writer with `args`; kills it after `kill_after_ms` when >= 0. */
static outcome run_writer(const char *dir, const char *const *args, int kill_after_ms) {
  const char *argv[8] = {writer, dir};
  for (int i = 0; args[i] && i < 5; i++)
    argv[2 + i] = args[i];
  tu_child c = tu_spawn(argv);
  if (kill_after_ms >= 0) {
    struct timespec ts = {kill_after_ms / 1000, (long)(kill_after_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    kill(c.pid, SIGKILL);
  }
  outcome o = {.committed = -1};
  char line[256];
  while (fgets(line, sizeof line, c.out)) {
    char what[64];
    long long it;
    if (sscanf(line, "committed %63s %lld", what, &it) != 2) continue;
    if (!strcmp(what, "initialize"))
      o.initialized = true;
    else
      o.committed = it;
    if (!strcmp(what, "complete")) o.completed = true;
  }
  o.exit_code = tu_child_end(&c, &o.killed);
  return o;
}

static int n_bad_seen;
static void on_bad(void *ctx, const char *path, int status, const char *reason) {
  (void)ctx;
  n_bad_seen++;
  fprintf(stderr, "verify: %s [%s] %s\n", path, dckpt_err_name(status), reason);
}

/* After a kill: nothing committed is lost and the directory verifies.
 * Returns the iteration found (which later kills must not lose either). */
static long long check_after_kill(const char *dir, const outcome *o, const char *what) {
  tu_log log;
  dckpt_store_options opts = tu_options(&log);
  dckpt_store *s = tu_open(dir, &opts); /* takes over the dead writer's lock */
  char meta[2048];
  snprintf(meta, sizeof meta, "%s/metadata.json", dir);
  if (!tu_exists(meta)) {
    CHECK(!o->initialized);
    dckpt_store_close(s);
    return -1;
  }
  dckpt_record *r = NULL;
  int64_t it = -1;
  CHECK_OK(dckpt_store_load_latest(s, 0, 0, &r, &it));
  if (it < o->committed)
    CHECK_FAIL_("%s: committed %lld but loaded %lld", what, o->committed, (long long)it);
  /* at most the one save in flight may have landed beyond what was reported */
  CHECK_LE(it, o->committed + 1);
  if (r && !tu_state_equal(r, SEED, it, STATE_N))
    CHECK_FAIL_("%s: state of iteration %lld differs", what, (long long)it);
  dckpt_record_free(r);
  if (o->completed) {
    dckpt_record *fin = NULL;
    CHECK_OK(dckpt_store_load_final_state(s, 0, 0, &fin));
    CHECK(tu_state_equal(fin, SEED, ITERS - 1, STATE_N));
    dckpt_record_free(fin);
  }
  n_bad_seen = 0;
  size_t n_bad = 0;
  CHECK_OK(dckpt_store_verify(s, on_bad, NULL, &n_bad));
  if (n_bad) CHECK_FAIL_("%s: verify found %zu problem(s)", what, n_bad);
  dckpt_store_close(s);
  return it;
}

/* The resumed writer finishes the trial with the exact final state. */
static void finish_and_check(const char *dir, const char *what) {
  const char *run[] = {"run", NULL};
  outcome o = run_writer(dir, run, -1);
  if (o.exit_code != 0) CHECK_FAIL_("%s: resumed writer exited %d", what, o.exit_code);
  dckpt_store_options opts = tu_options(NULL);
  opts.flags = DCKPT_OPEN_READ;
  dckpt_store *s = tu_open(dir, &opts);
  dckpt_record *fin = NULL;
  CHECK_OK(dckpt_store_load_final_state(s, 0, 0, &fin));
  CHECK(tu_state_equal(fin, SEED, ITERS - 1, STATE_N));
  dckpt_record_free(fin);
  dckpt_store_close(s);
}

static const char *const steps[] = {
    "metadata.write",   "metadata.fsync",  "metadata.rename", "metadata.dirsync",
    "initial.write",    "initial.rename",  "problem.write",   "problem.dirsync",
    "ckpt.write",       "ckpt.fsync",      "ckpt.rename",     "ckpt.done",
    "progress.write",   "progress.rename", "progress.done",   "trial.dirsync",
    "rotate",           "complete.write",  "complete.fsync",  "complete.rename",
    "complete.dirsync", "complete.done",
};

static void test_kill_at_every_step(void) {
  int kills = 0;
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
    for (int nth = 1; nth <= 4; nth++) {
      char dir[1024], n[16], what[128];
      snprintf(dir, sizeof dir, "%s", tu_scratch("crash-step"));
      snprintf(n, sizeof n, "%d", nth);
      snprintf(what, sizeof what, "kill before %s #%d", steps[i], nth);
      const char *args[] = {"steps", steps[i], n, NULL};
      outcome o = run_writer(dir, args, -1);
      if (!o.killed) {
        /* the step occurs fewer than nth times in a full run: must be a clean finish */
        if (o.exit_code != 0) CHECK_FAIL_("%s: writer exited %d", what, o.exit_code);
        continue;
      }
      kills++;
      check_after_kill(dir, &o, what);
      finish_and_check(dir, what);
      tu_rmrf(dir);
    }
  }
  printf("killed the writer at %d protocol points\n", kills);
  CHECK_GE(kills, 49); /* every step once, per-save steps four times */
}

/* Kills at random moments: 30 rounds at least, and more until the run has
 * committed past iteration 10, so that the test means the same on a loaded
 * machine as on a quiet one (a round that commits nothing new gets longer
 * before its kill). DCKPT_CRASH_SEED=N replays the delays. */
static void test_kill_at_random_moments(void) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", tu_scratch("crash-random"));
  const char *env = getenv("DCKPT_CRASH_SEED");
  unsigned seed = env ? (unsigned)strtoul(env, NULL, 10) : (unsigned)time(NULL);
  printf("random kill delays from seed %u (DCKPT_CRASH_SEED=%u replays them)\n", seed,
         seed);
  srand(seed);
  long long high = -1;
  int extra = 0, round = 0;
  for (; round < 30 || high <= 10; round++) {
    if (round >= 400) CHECK_FAIL_("no progress past iteration %lld in 400 rounds", high);
    int delay = 5 + rand() % 120 + extra;
    /* a killed process loses nothing with either durability setting */
    const char *mode[] = {round % 2 ? "loop-nofsync" : "loop", NULL};
    outcome o = run_writer(dir, mode, delay);
    CHECK(o.killed || o.exit_code == 0);
    char what[64];
    snprintf(what, sizeof what, "random kill %d after %d ms", round, delay);
    /* what earlier rounds committed must survive too */
    long long before = high;
    if (o.committed > high) high = o.committed;
    o.committed = high;
    long long found = check_after_kill(dir, &o, what);
    if (found > high) high = found;
    if (high == before && extra < 2000) extra += 25;
  }
  printf("%d rounds, highest committed iteration %lld\n", round, high);
  tu_rmrf(dir);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: test_crash WRITER steps|random\n");
    return 2;
  }
  writer = argv[1];
  if (!strcmp(argv[2], "steps"))
    RUN_TEST(test_kill_at_every_step);
  else
    RUN_TEST(test_kill_at_random_moments);
  printf("test_crash %s: all passed\n", argv[2]);
  return 0;
}
