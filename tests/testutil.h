/* Shared helpers of the store tests: scratch directories, records with real
 * state, a log collector, and child processes whose output the test reads. */
#ifndef DCKPT_TESTS_TESTUTIL_H
#define DCKPT_TESTS_TESTUTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "dckpt.h"

/** A fresh, empty scratch directory path under DCKPT_TEST_TMP (not created);
 *  `tag` keeps tests apart. Returns a static buffer valid until the next call. */
const char *tu_scratch(const char *tag);
/** rm -rf. */
void tu_rmrf(const char *path);
/** Writes `text` to `path` (plain, for crafting bad files). */
void tu_write_text(const char *path, const char *text);
/** Reads a whole file into a malloc'd NUL-terminated buffer (NULL if missing). */
char *tu_read_text(const char *path, size_t *len);
bool tu_exists(const char *path);
/** "dir/rel" in one of four static buffers that take turns (so a few results
 *  can be used together). */
const char *tu_at(const char *dir, const char *rel);

/** A solver-like state: "x" f64[n] derived from `seed` and `iteration`, "rng"
 *  u64[4], "iteration" i64 scalar. */
dckpt_record *tu_state(uint64_t seed, int64_t iteration, uint64_t n);
/** Checks that `rec` equals tu_state(seed, iteration, n) exactly. */
bool tu_state_equal(const dckpt_record *rec, uint64_t seed, int64_t iteration,
                    uint64_t n);

/** Loads the newest checkpoint of trial `t` of algorithm `a` and tells
 *  whether it is at `iteration` and equals tu_state(seed, iteration, n);
 *  says on stderr what differs. For CHECK(), which names the caller's line. */
bool tu_latest_is(dckpt_store *s, int64_t a, int64_t t, int64_t iteration, uint64_t seed,
                  uint64_t n);

/** A child process whose standard output the test reads through `out`. */
typedef struct tu_child {
  pid_t pid;
  FILE *out;
} tu_child;
/** Starts argv[0] with `argv` (NULL-terminated), its stdout piped to `out`. */
tu_child tu_spawn(const char *const *argv);
/** Closes `out`, reaps the child; returns its exit code, -1 if a signal ended
 *  it (`*killed` tells whether that was SIGKILL). */
int tu_child_end(tu_child *c, bool *killed);

/** Log collector: remembers every message, for checks on warnings. */
typedef struct tu_log {
  char text[16384];
  int warnings;
} tu_log;
void tu_log_fn(void *ctx, dckpt_log_level level, const char *msg);

/** Options with the collector installed. */
dckpt_store_options tu_options(tu_log *log);
/** Opens a store or fails the test with its message. */
dckpt_store *tu_open(const char *dir, const dckpt_store_options *opts);
/** Opens a store on `dir` and starts the run of tu_plan(n_trials) in it (no
 *  initial or problem records), or fails the test. */
dckpt_store *tu_new_run(const char *dir, const dckpt_store_options *opts,
                        int64_t n_trials);
/** A two-algorithm plan ("dgd" 10 iterations, "extra" 20) with n_trials. */
dckpt_metadata tu_plan(int64_t n_trials);

#endif
