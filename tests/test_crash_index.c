/* Crash consistency of the completion index with real processes:
 * crash_index_writer is SIGKILLed just before every step of an index commit,
 * of a compaction, of a growth that takes pairs out of the index, and of the
 * markers around them. After each kill a scan through the index must give
 * exactly what the markers say without having to distrust the index (it
 * never lists a pair that is not complete), every pair the writer reported
 * complete must still be complete, and the resumed writer must end with every
 * pair complete and listed. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "testutil.h"

#define TRIALS 4
#define PAIRS  (2 * TRIALS)

static const char *writer;

typedef struct outcome {
  bool killed;
  int exit_code;
  bool reported[PAIRS]; /* reported complete (and not grown since) */
} outcome;

static outcome run_writer(const char *dir, const char *step, int nth) {
  char n[16];
  snprintf(n, sizeof n, "%d", nth);
  const char *steps_argv[] = {writer, dir, "steps", step, n, NULL};
  const char *run_argv[] = {writer, dir, "run", NULL};
  tu_child c = tu_spawn(step ? steps_argv : run_argv);
  outcome o = {0};
  char line[256], what[32];
  long long a, t;
  while (fgets(line, sizeof line, c.out)) {
    if (sscanf(line, "committed %31s %lld %lld", what, &a, &t) != 3) continue;
    if (!strcmp(what, "complete")) o.reported[a * TRIALS + t] = true;
    if (!strcmp(what, "growing"))
      for (int k = 0; k < TRIALS; k++)
        o.reported[TRIALS + k] = false;
  }
  o.exit_code = tu_child_end(&c, &o.killed);
  return o;
}

/* The scan through the index equals the markers, and trusted the index. */
static int check_scan(dckpt_store *s, const char *what, const bool *reported) {
  dckpt_trial_status st[PAIRS];
  dckpt_scan_info info;
  dckpt_scan_info_init(&info);
  CHECK_OK(dckpt_store_scan(s, 0, st, PAIRS, &info, NULL));
  if (info.note[0]) CHECK_FAIL_("%s: the index was not trusted: %s", what, info.note);
  int complete = 0;
  for (int64_t i = 0; i < PAIRS; i++) {
    dckpt_trial_status want;
    CHECK_OK(dckpt_store_trial_status(s, i / TRIALS, i % TRIALS, &want));
    if (st[i].state != want.state)
      CHECK_FAIL_("%s: pair %lld: scan says %d, markers %d", what, (long long)i,
                  st[i].state, want.state);
    if (reported && reported[i] && st[i].state != DCKPT_TRIAL_COMPLETE)
      CHECK_FAIL_("%s: pair %lld was reported complete and is not", what, (long long)i);
    complete += st[i].state == DCKPT_TRIAL_COMPLETE;
  }
  return complete;
}

static void check_after_kill(const char *dir, const outcome *o, const char *what) {
  char meta[2048];
  snprintf(meta, sizeof meta, "%s/metadata.json", dir);
  if (!tu_exists(meta)) return; /* killed while initializing */
  dckpt_store_options opts = tu_options(NULL);
  dckpt_store *s = tu_open(dir, &opts); /* takes over the dead writer's lock */
  check_scan(s, what, o->reported);
  size_t n_bad = 0;
  CHECK_OK(dckpt_store_verify(s, NULL, NULL, &n_bad));
  if (n_bad) CHECK_FAIL_("%s: verify found %zu problem(s)", what, n_bad);
  dckpt_store_close(s);
}

static void finish_and_check(const char *dir, const char *what) {
  outcome o = run_writer(dir, NULL, 0);
  if (o.exit_code != 0) CHECK_FAIL_("%s: resumed writer exited %d", what, o.exit_code);
  dckpt_store_options opts = tu_options(NULL);
  opts.flags = DCKPT_OPEN_READ;
  dckpt_store *s = tu_open(dir, &opts);
  CHECK_EQ(check_scan(s, what, NULL), PAIRS);
  dckpt_trial_status st[PAIRS];
  dckpt_scan_info info;
  dckpt_scan_info_init(&info);
  CHECK_OK(dckpt_store_scan(s, 0, st, PAIRS, &info, NULL));
  CHECK_EQ(info.listed, PAIRS);
  CHECK_EQ(info.read, 0);
  CHECK_EQ(info.index_files, 1);
  dckpt_store_close(s);
}

static const char *const steps[] = {
    "index.mkdir",     "index.write",      "index.fsync",      "index.rename",
    "index.dirsync",   "index.done",       "index.compact",    "index.compact_dirsync",
    "complete.write",  "complete.rename",  "complete.dirsync", "metadata.write",
    "metadata.rename", "metadata.dirsync",
};

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: test_crash_index WRITER\n");
    return 2;
  }
  writer = argv[1];
  int kills = 0;
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
    for (int nth = 1; nth <= 14; nth++) {
      char dir[1024], what[128];
      snprintf(dir, sizeof dir, "%s", tu_scratch("crash-index"));
      snprintf(what, sizeof what, "kill before %s #%d", steps[i], nth);
      outcome o = run_writer(dir, steps[i], nth);
      if (!o.killed) {
        /* the step comes fewer than nth times in a whole run: a clean end */
        if (o.exit_code != 0) CHECK_FAIL_("%s: writer exited %d", what, o.exit_code);
        tu_rmrf(dir);
        break;
      }
      kills++;
      check_after_kill(dir, &o, what);
      finish_and_check(dir, what);
      tu_rmrf(dir);
    }
  printf("killed the index writer at %d points\n", kills);
  CHECK_GE(kills, 60);
  printf("test_crash_index: all passed\n");
  return 0;
}
