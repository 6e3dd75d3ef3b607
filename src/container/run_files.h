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
  CTR_RF_OTHER = 9, /* run_status.json, results/NAME */
  CTR_RF_SEGMENT = 10,
};

/** Longest path of a file a container holds, in bytes. */
#define CTR_RF_MAX_PATH 1024

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
 * results/NAME (NAME of letters, digits, '.', '_' and '-', not starting with
 * '.', at most 255 bytes) and, in algorithm_<a>/trial_<t>/ (plain decimal
 * numbers, at most 2^31 - 1), checkpoint_<iteration>.dckpt (7 digits at
 * least), metrics_<n>.dckpt (6 at least), progress.json, complete.json -- each
 * spelled exactly as the directory layout spells it. *out (may be NULL) is
 * set when so.
 */
bool ctr_run_file_parse(const char *path, size_t len, ctr_run_file *out);

/** File name of each root kind ("metadata.json", ...), NULL for the others. */
const char *ctr_root_name(int kind);

/** Parses "algorithm_<a>/trial_<t>" (+ "/NAME" when `name` is not NULL) with
 *  plain decimal numbers; `name` points into `path`. */
bool ctr_parse_trial_path(const char *path, int64_t *alg, int64_t *trial,
                          const char **name);

#endif
