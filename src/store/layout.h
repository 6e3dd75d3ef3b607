/* The run directory's layout, in one place: the name of every file and
 * folder dckpt keeps in it, what kind of entry each name is, and which kinds
 * are bookkeeping (the lock, a stop request, the last run's status,
 * temporaries) rather than the run's data. docs/format.md, "Directory layout",
 * is the description for users. */
#ifndef DCKPT_STORE_LAYOUT_H
#define DCKPT_STORE_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "dckpt.h"

/** Extension of record files. */
#define DCKPT_EXT ".dckpt"

/* The root of a run directory. DCKPT_LOCK_FILE, DCKPT_RUN_STATUS_FILE and
 * DCKPT_HALT_FILE are public (dckpt.h): programs and the runtime name them. */
#define DCKPT_METADATA_FILE  "metadata.json"
#define DCKPT_PROBLEM_FILE   "benchmark_problem" DCKPT_EXT
#define DCKPT_INITIAL_FILE   "initial_algorithms" DCKPT_EXT
#define DCKPT_METRICS_FILE   "metric_computation" DCKPT_EXT
#define DCKPT_METRICS_MARKER "metric_computation_complete.json"
#define DCKPT_RESULTS_DIR    "results"
#define DCKPT_ALG_DIR_PREFIX "algorithm_"
/* The completion index: a folder of one file per run instance that wrote one
 * ("run-<16 hex digits>.idx"), a cache of which pairs are complete
 * (store/index.c; format in docs/format.md, "Completion index"). */
#define DCKPT_INDEX_DIR         "index"
#define DCKPT_INDEX_FILE_PREFIX "run-"
#define DCKPT_INDEX_FILE_SUFFIX ".idx"
/* Shared runs (docs/design.md, "Shared runs"): a folder of leases, one per
 * shared run that works on the directory ("run.<host>.<pid>.lease") and one
 * per pair a run is working on ("pair.<alg>.<trial>.lease"), with the files
 * their claims publish and take over through (io/lock.c, io/lease.c). */
#define DCKPT_LEASES_DIR       "leases"
#define DCKPT_RUN_LEASE_PREFIX "run."
#define DCKPT_LEASE_SUFFIX     ".lease"
/* Named runs (dckpt_run_options.run_name): DIR/runs/<name>/ holds that run's
 * own stop request (HALT) and how it ended (run_status.json). The folder's
 * name, DCKPT_RUNS_DIR, is public (dckpt.h). */
/* A named run's lease on its name, DIR/runs/<name>/run.lease, held while it
 * runs (store/shared.c): two live runs of one name would share a HALT and
 * overwrite each other's run_status.json. */
#define DCKPT_NAMED_RUN_LEASE "run" DCKPT_LEASE_SUFFIX
/* A trial's directory. */
#define DCKPT_PROGRESS_FILE "progress.json"
#define DCKPT_COMPLETE_FILE "complete.json"
/** A metric segment: metrics_<seq, 6+ digits>.dckpt (docs/format.md). */
#define DCKPT_SEGMENT_PREFIX "metrics_"
/** Suffix of a checkpoint that failed verification and was moved aside. */
#define DCKPT_CORRUPT_SUFFIX ".corrupt"

/** What an entry of the directory's root is, by its name. */
typedef enum dckpt_entry_kind {
  DCKPT_ENTRY_FOREIGN = 0, /* not dckpt's */
  DCKPT_ENTRY_METADATA,
  DCKPT_ENTRY_PROBLEM,
  DCKPT_ENTRY_INITIAL,
  DCKPT_ENTRY_METRICS,
  DCKPT_ENTRY_METRICS_MARKER,
  DCKPT_ENTRY_RESULTS,
  DCKPT_ENTRY_ALG_DIR,
  DCKPT_ENTRY_INDEX,      /* the completion index (a cache of the markers) */
  DCKPT_ENTRY_LOCK,       /* the lock file, or one being published (dckpt.lock.*) */
  DCKPT_ENTRY_LEASES,     /* the leases of shared runs and of their pairs */
  DCKPT_ENTRY_RUNS,       /* named runs' own HALT and run_status.json */
  DCKPT_ENTRY_HALT,       /* a user's stop request */
  DCKPT_ENTRY_RUN_STATUS, /* how the last run ended */
  DCKPT_ENTRY_TEMPORARY   /* .dckpt-tmp.*: a file being written */
} dckpt_entry_kind;

/** The kind of root entry `name` (a bare name, no '/'). */
dckpt_entry_kind dckpt_layout_kind(const char *name);

/** Bookkeeping rather than the run's data: a directory holding only these is
 *  empty for dckpt_store_is_empty() and may receive a new run. */
bool dckpt_layout_is_bookkeeping(dckpt_entry_kind kind);

/** What an initialize that died before writing metadata.json leaves behind;
 *  the next initialize writes over it. */
bool dckpt_layout_is_init_leftover(dckpt_entry_kind kind);

/** Transient: exists only while a process runs (the lock, temporaries); never
 *  archived by a backup. */
bool dckpt_layout_is_transient(dckpt_entry_kind kind);

/* ---- paths inside the store's directory (malloc'd; NULL when out of memory) ---- */
char *dckpt_layout_root_file(const dckpt_store *s, const char *name);
char *dckpt_layout_alg_dir(const dckpt_store *s, int64_t alg);
char *dckpt_layout_trial_dir(const dckpt_store *s, int64_t alg, int64_t trial);
/** DIR/index and DIR/index/run-<instance>.idx. */
char *dckpt_layout_index_dir(const dckpt_store *s);
char *dckpt_layout_index_file(const dckpt_store *s, const char *instance);
/** DIR/leases, DIR/leases/run.<host>.<pid>.lease and
 *  DIR/leases/pair.<alg>.<trial>.lease. */
char *dckpt_layout_leases_dir(const dckpt_store *s);
char *dckpt_layout_run_lease(const char *dir, const char *host, long long pid);
char *dckpt_layout_pair_lease(const char *dir, int64_t alg, int64_t trial);
/** DIR/runs/<run_name>/<file> (file NULL: the folder itself); the name must
 *  pass dckpt_run_name_valid(). */
char *dckpt_layout_named_run(const char *dir, const char *run_name, const char *file);
/** Parses "run-<16 hex digits>.idx" into instance (17 bytes); false otherwise. */
bool dckpt_layout_parse_index_file(const char *name, char *instance);
/** Parses "trial_<digits>" (no sign, no leading zeros but "0"); false otherwise. */
bool dckpt_layout_parse_trial_dir(const char *name, int64_t *trial);
char *dckpt_layout_trial_file(const dckpt_store *s, int64_t alg, int64_t trial,
                              const char *name);
char *dckpt_layout_checkpoint(const dckpt_store *s, int64_t alg, int64_t trial,
                              int64_t iteration);
/** Parses "checkpoint_<digits>.dckpt"; false for any other name. */
bool dckpt_layout_parse_checkpoint(const char *name, int64_t *iteration);
/** Metric segment `seq` of a trial. */
char *dckpt_layout_segment(const dckpt_store *s, int64_t alg, int64_t trial, int64_t seq);
/** Parses "metrics_<digits>.dckpt"; false for any other name. */
bool dckpt_layout_parse_segment(const char *name, int64_t *seq);
/** Whether `name` is a safe checkpoint file name (no '/', no "..", pattern). */
bool dckpt_layout_safe_checkpoint_name(const char *name);

#endif
