/* The store handle and the helpers its files share. */
#ifndef DCKPT_STORE_INTERNAL_H
#define DCKPT_STORE_INTERNAL_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "dckpt.h"
#include "format/scratch.h"
#include "io/atomic.h"
#include "io/lock.h"
#include "util/err.h"
#include "util/log.h"

/** Version of the directory layout and its JSON files (metadata.json). */
#define DCKPT_LAYOUT_VERSION 1
/** Extension of record files. */
#define DCKPT_EXT ".dckpt"

struct dckpt_store {
  char *dir;
  char *results;
  char *job_id;
  dckpt_store_options opts;
  dckpt_logger log;
  dckpt_err err;
  dckpt_lock lock;
  bool writable;
  bool failed_open;
  /* The last checkpoint this handle committed: re-saving it is a no-op. */
  int64_t last_alg, last_trial, last_iter;
  /* The checkpoints on disk of the trial last rotated (newest first), so that
   * the next rotation of the same trial needs no directory listing. */
  int64_t known_alg, known_trial;
  int64_t *known;
  size_t n_known;
  /* Deletes large superseded checkpoints off the save's critical path. */
  struct dckpt_reaper *reaper;
  /* Temporaries of every record this handle saves or loads, kept between
   * calls so that small records do not fault in fresh pages each time. */
  dckpt_scratch scratch;
};

/* ---- layout.c: paths (malloc'd; NULL when out of memory) ---- */
char *dckpt_layout_root_file(const dckpt_store *s, const char *name);
char *dckpt_layout_alg_dir(const dckpt_store *s, int64_t alg);
char *dckpt_layout_trial_dir(const dckpt_store *s, int64_t alg, int64_t trial);
char *dckpt_layout_trial_file(const dckpt_store *s, int64_t alg, int64_t trial,
                              const char *name);
char *dckpt_layout_checkpoint(const dckpt_store *s, int64_t alg, int64_t trial,
                              int64_t iteration);
/** Parses "checkpoint_<digits>.dckpt"; false for any other name. */
bool dckpt_layout_parse_checkpoint(const char *name, int64_t *iteration);
/** Whether `name` is a safe checkpoint file name (no '/', no "..", pattern). */
bool dckpt_layout_safe_checkpoint_name(const char *name);

#define DCKPT_METADATA_FILE  "metadata.json"
#define DCKPT_PROBLEM_FILE   "benchmark_problem" DCKPT_EXT
#define DCKPT_INITIAL_FILE   "initial_algorithms" DCKPT_EXT
#define DCKPT_METRICS_FILE   "metric_computation" DCKPT_EXT
#define DCKPT_METRICS_MARKER "metric_computation_complete.json"
#define DCKPT_PROGRESS_FILE  "progress.json"
#define DCKPT_COMPLETE_FILE  "complete.json"
#define DCKPT_RESULTS_DIR    "results"

/* ---- store.c: shared checks and io options ---- */
/** Sets the handle's error; returns status. */
int dckpt_store_fail(dckpt_store *s, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Creates the directory if needed, takes the lock unless the handle was
 *  opened without one, removes leftover temporaries in the root. */
int dckpt_store_prepare_dir(dckpt_store *s);
/** Refuses a writing call on a read-only handle. */
int dckpt_store_require_writable(dckpt_store *s, const char *call);
/** Checks alg / trial indices (non-negative, alg < 2^31). */
int dckpt_store_check_ids(dckpt_store *s, int64_t alg, int64_t trial);
/** io options for writing a file of role `label`. */
dckpt_io_opts dckpt_store_io(const dckpt_store *s, const char *label);
bool dckpt_store_durable(const dckpt_store *s);

/* ---- metadata.c ---- */
/** Loads and validates metadata.json into both forms (either may be NULL). */
int dckpt_store_read_metadata(dckpt_store *s, cJSON **json, dckpt_metadata **meta);

/* ---- markers.c ---- */
/** Reads progress.json: last iteration, or -1 when the file is missing. */
int dckpt_store_read_progress(dckpt_store *s, int64_t alg, int64_t trial, int64_t *last);
/** Reads and validates complete.json; ENOTCOMPLETE when missing. */
int dckpt_store_read_complete(dckpt_store *s, int64_t alg, int64_t trial,
                              char **checkpoint_name, int64_t *iteration,
                              char **alg_name);

#endif
