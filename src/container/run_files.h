/* Which files of a checkpoint directory a container holds, named by their
 * paths relative to the directory ("algorithm_0/trial_3/progress.json"): the
 * one rule for what `dckpt pack` takes from a directory, what a container's
 * index may name (ctr_path_valid) and what `dckpt ls DIR` lists. Everything
 * else a directory holds -- the lock, temporaries, index/, leases/, runs/,
 * HALT, names of other forms -- is bookkeeping of the runs that used it, or
 * no file of the run, and is never packed.
 *
 * libc only: dckpt, which links neither HDF5 nor MPI, compiles this file in
 * (apps/dckpt/CMakeLists.txt), so it cannot include dckpt_container.h; its
 * kinds are the numbers of dckpt_entry_kind (layout.c checks that they
 * agree). */
#ifndef DCKPT_CONTAINER_RUN_FILES_H
#define DCKPT_CONTAINER_RUN_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** The kinds: dckpt_entry_kind's numbers (dckpt_container.h). */
enum {
  CTR_RF_METADATA = 1,
  CTR_RF_PROBLEM = 2,
  CTR_RF_INITIAL = 3,
  CTR_RF_METRICS = 4,
  CTR_RF_METRICS_MARKER = 5,
  CTR_RF_CHECKPOINT = 6,
  CTR_RF_PROGRESS = 7,
  CTR_RF_COMPLETE = 8,
  CTR_RF_OTHER = 9, /* run_status.json, results/[DIR/...]NAME */
  CTR_RF_SEGMENT = 10,
};

/** Longest path of a file a container holds, in bytes. */
#define CTR_RF_MAX_PATH 1024

/** Most directories between results/ and a file under it
 *  (results/d1/.../d16/NAME). */
#define CTR_RF_MAX_RESULTS_DEPTH 16

/** Why ctr_results_path_check refuses a path. */
enum { CTR_RF_BAD_NAME = 1, CTR_RF_TOO_DEEP = 2 };

/** A file a container holds, as its path names it. */
typedef struct ctr_run_file {
  int kind;    /* CTR_RF_* */
  int64_t alg; /* the algorithm and trial of a trial's file, else -1 */
  int64_t trial;
  int64_t iteration; /* a checkpoint's iteration, a segment's number, else -1 */
} ctr_run_file;

/**
 * Whether a container holds a file at `path` (`len` bytes, not
 * NUL-terminated): the root files of the layout, run_status.json,
 * results/NAME and results/DIR/.../NAME (ctr_results_path_check) and, in
 * algorithm_<a>/trial_<t>/ (plain decimal numbers, at most 2^31 - 1),
 * checkpoint_<iteration>.dckpt (7 digits at least), metrics_<n>.dckpt (6 at least),
 * progress.json, complete.json -- each spelled exactly as the directory layout spells it.
 * *out (may be NULL) is set when so.
 */
bool ctr_run_file_parse(const char *path, size_t len, ctr_run_file *out);

/**
 * Whether `p` (`len` bytes, what follows "results/") names a file a container
 * may hold under results/: names separated by single '/', each of letters,
 * digits, '.', '_' and '-', not starting with '.', 1..255 bytes, at most
 * CTR_RF_MAX_RESULTS_DEPTH directories deep. @return 0 when so, else
 * CTR_RF_BAD_NAME or CTR_RF_TOO_DEEP. (The whole path's length is bounded by
 * CTR_RF_MAX_PATH, which ctr_run_file_parse checks.)
 */
int ctr_results_path_check(const char *p, size_t len);

/**
 * Called by ctr_results_walk for each name under results/, in the order a
 * container holds them: `rel` is "results/..." (what the container names the
 * file), `full` its path in the directory. `why` is NULL for a file the
 * container holds (its `size` in bytes); else it says why the name is left
 * out ("a symbolic link ...", "a FIFO ...", "not a name a container keeps").
 * A non-zero return stops the walk, which then returns that value.
 */
typedef int (*ctr_results_fn)(void *ctx, const char *rel, const char *full, uint64_t size,
                              const char *why);

/**
 * Walks DIR/results (following a link at DIR/results itself, none below it)
 * in the order a container holds its files: each directory's names sorted by
 * strcmp, a subdirectory's files where its name sorts. Regular files whose
 * paths ctr_run_file_parse takes are the run's; symbolic links (to anything),
 * FIFOs, sockets, devices and names a container does not allow are passed
 * with a reason, and not followed. Empty directories hold no file.
 * @return 0 (also when DIR/results does not exist); an errno value with
 * `err` saying which path and why: EINVAL for a directory nested deeper than
 * CTR_RF_MAX_RESULTS_DEPTH below results/, ENAMETOOLONG for a file whose path
 * is longer than CTR_RF_MAX_PATH (so the tree is refused, not cut); the
 * value an opendir/lstat failed with; ENOMEM; or what `fn` returned.
 */
int ctr_results_walk(const char *dir, ctr_results_fn fn, void *ctx, char *err,
                     size_t errlen);

/** File name of each root kind ("metadata.json", ...), NULL for the others. */
const char *ctr_root_name(int kind);

/** Parses "algorithm_<a>/trial_<t>" (+ "/NAME" when `name` is not NULL) with
 *  plain decimal numbers; `name` points into `path`. */
bool ctr_parse_trial_path(const char *path, int64_t *alg, int64_t *trial,
                          const char **name);

#endif
