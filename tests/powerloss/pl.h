/* The power-loss tests (issue 14): every operation that commits something
 * runs once with its file-changing calls recorded (the traced twin of the
 * library, src/io/trace.c); io/crashfs.c then yields the on-disk states a
 * power loss at any point could leave, and each state is recovered from as a
 * resubmitted job would: open for writing, verify, load every trial, compare
 * with what was committed, then finish the run and check its results.
 *
 * An operation is a row of the table in pl_scenarios.c: the steps that
 * build the state before, the steps of the operation, and what a recovery
 * does again; the versions expected after each step follow from the steps
 * (see the note at the top of pl_scenarios.c). */
#ifndef DCKPT_TESTS_PL_H
#define DCKPT_TESTS_PL_H

#include <stdbool.h>
#include <stdint.h>

#include "dckpt.h"

#define PL_ALGS   2
#define PL_TRIALS 2
#define PL_CALLS  8 /* at most this many committing calls per operation */

/** What a run holds, as far as recovery can see it: one value per thing that
 *  an operation commits. */
typedef struct pl_version {
  bool run; /* metadata.json exists */
  int64_t n_trials;
  int64_t iterations[PL_ALGS];
  int tag;                           /* benchmark_metadata {"tag": N}; 0: none */
  int64_t last[PL_ALGS][PL_TRIALS];  /* newest committed iteration; -1: none */
  bool complete[PL_ALGS][PL_TRIALS]; /* complete.json */
  int metrics;                       /* metrics record version; 0: none */
  int backups;                       /* archives beside the run */
  int status;                        /* run_status.json version; 0: none */
  int container; /* FILE.h5 (pl_run.file): 1 holds the packed run; 0 none */
} pl_version;

/** One run of an operation: where it lives, and its versions. */
typedef struct pl_run {
  char world[1024]; /* the directory snapshotted; the run is world/run */
  char dir[1100];   /* world/run */
  char file[1100];  /* world/run.h5: the container of pack and unpack */
  dckpt_durability durability;
  pl_version v[PL_CALLS + 1]; /* v[0] before; v[i] after the i-th call returned */
  int n_calls;
} pl_run;

/* Flags of a scenario. */
enum {
  /** Completion markers may vanish before the plan grows (extend). */
  PL_MAY_UNMARK = 1u << 0,
  /** The operation has no durability setting (it always syncs). */
  PL_FULL_ONLY = 1u << 1,
  /** Running the operation again after a kill is not idempotent (a second
   *  backup archive): no "after a kill" exploration. */
  PL_NO_KILL = 1u << 2,
  /** The state before is damaged on purpose (bit rot): what verify reports
   *  about it until recovery has dealt with it is not judged. */
  PL_DAMAGED_BEFORE = 1u << 3,
  /** The run appears whole or not at all (unpack): every field must be that
   *  of one same version, not each of any allowed one. */
  PL_WHOLE = 1u << 4,
};

/** One step of a scenario: a call the fixture makes on the run. The steps
 *  that commit something (PL_INITIALIZE .. PL_UNPACK) each make the next
 *  version of the run; the others only prepare. */
typedef enum pl_kind {
  PL_END = 0,
  PL_INITIALIZE,    /* initialize (1 trial, 3 + 3 iterations) unless the run is there */
  PL_SAVE,          /* dckpt_store_save(alg, trial, n) */
  PL_MARK_COMPLETE, /* dckpt_store_mark_complete(alg, trial, n) */
  PL_APPEND,        /* dckpt_store_append_metadata {"tag": n} */
  PL_EXTEND,        /* dckpt_store_extend to `trial` trials, algorithm alg to n */
  PL_SAVE_METRICS,  /* dckpt_store_save_metrics, record version n */
  PL_RUN_STATUS,    /* dckpt_store_write_run_status, version n */
  PL_BACKUP,        /* dckpt_store_backup */
  PL_INDEX_ADD,     /* add (alg, trial) to the index of PL_INDEX_SCAN, commit it */
  PL_SEGMENT,       /* dckpt_store_save_segment(alg, trial, seq n) */
  PL_SAVE_LISTING,  /* as PL_SAVE, the state listing segments 0 .. n-1 */
  PL_PACK,          /* dckpt_container_pack DIR FILE.h5 (one rank, in a child) */
  PL_UNPACK,        /* dckpt_container_unpack FILE.h5 DIR, unless DIR is there */
  PL_LOAD,          /* dckpt_store_load_latest(alg, trial) (moves damage aside) */
  PL_RESUME,        /* PL_LOAD; later steps on the trial up to what it found are
                       skipped, unmarked (a load promises nothing durable) */
  PL_RESUME_DONE,   /* when the trial is complete, its later steps are skipped and
                       count as done (the scan before made it durable) */
  PL_INDEX_SCAN,    /* dckpt_store_scan for the index and commit what it found */
  PL_DAMAGE,        /* flip a byte of checkpoint n (setups only): a load finds n - 1 */
  PL_REMOVE_RUN,    /* remove DIR (setups only); FILE.h5 stays */
} pl_kind;

typedef struct pl_step {
  pl_kind kind;
  int64_t alg, trial; /* the pair (PL_EXTEND: trial is the number of trials) */
  int64_t n;          /* the iteration, version or number of iterations */
} pl_step;

#define PL_STEPS 12 /* at most this many steps before, and in the operation */

/** What the recovery does besides resuming every trial to its end. */
typedef enum pl_recovery {
  PL_RESUME_TRIALS = 0, /* nothing more */
  PL_REDO,              /* the operation's steps again (they are idempotent) */
} pl_recovery;

/** One operation: a row of the table in pl_scenarios.c. */
typedef struct pl_scenario {
  const char *name;
  const char *what;
  unsigned flags;
  pl_recovery recovery;
  /** The state before, built untraced: steps on an empty directory. */
  pl_step before[PL_STEPS];
  /** The traced operation. It runs again after a kill ("after_kill"), so it
   *  starts from what the run holds, as a resubmitted job would. */
  pl_step op[PL_STEPS];
} pl_scenario;

/** Every scenario; the last has name NULL (pl_scenarios.c). */
extern const pl_scenario pl_scenarios[];

/** Builds the state before (untraced) and fills r->v[0..n_calls]. */
void pl_scenario_setup(const pl_scenario *sc, pl_run *r);
/** The operation, traced by the caller: pl_ok() after each committing step
 *  that returned DCKPT_OK; fails the test on an error. */
void pl_scenario_run(const pl_scenario *sc, const pl_run *r);
/** What a resubmitted job does again on `s` (PL_REDO), or nothing. False on
 *  failure (the message is s's). */
bool pl_scenario_redo(const pl_scenario *sc, dckpt_store *s, const pl_run *r);

/* ---- the fixture: a small campaign whose every byte is known ---- */

/** Store options of the fixture (keep_n 2, quiet log, r's durability). */
dckpt_store_options pl_store_options(const pl_run *r);
/** Opens r's store for writing, or fails the test. */
dckpt_store *pl_open(const pl_run *r);
/** The plan of version v (two algorithms). */
dckpt_metadata pl_plan(const pl_version *v);
/** The state of trial (alg, trial) at iteration i. */
dckpt_record *pl_state(int64_t alg, int64_t trial, int64_t i);
bool pl_state_equal(const dckpt_record *rec, int64_t alg, int64_t trial, int64_t i);
/** Metric segment `seq` of trial (alg, trial). */
dckpt_record *pl_segment(int64_t alg, int64_t trial, int64_t seq);
bool pl_segment_equal(const dckpt_record *rec, int64_t alg, int64_t trial, int64_t seq);
/** pl_state(alg, trial, i) listing the digests of segments 0 .. i-1
 *  (DCKPT_SEGMENTS_KEY), as a checkpoint that builds on them. */
dckpt_record *pl_state_listing(int64_t alg, int64_t trial, int64_t i);
/** The initial-algorithms and problem records. */
dckpt_record *pl_initial(void);
dckpt_record *pl_problem(void);
/** The metrics record of version v (>= 1). */
dckpt_record *pl_metrics(int v);
/** The run_status.json of version v (>= 1): iterations_run is v. */
dckpt_run_status pl_status(int v);

/** A fresh version: no run. */
pl_version pl_none(void);
/** A run just initialized with n_trials and the iterations (3, 3). */
pl_version pl_fresh(int64_t n_trials);

/* ---- in scenarios ---- */

/** Marks that the call just made returned DCKPT_OK: the run now holds
 *  v[version], which must survive any later crash. */
void pl_ok(int version, const char *label);
/** The version a mark's label names, or -1 for a label pl_ok did not make. */
int pl_mark_version(const char *record_text);
/** Initializes the run of `s` with the plan of v (recovery and PL_INITIALIZE). */
void pl_initialize_with(dckpt_store *s, const pl_version *v);

/* ---- recovery (pl_recover.c) ---- */

/** How a recovery went (exit status of the recovering process). */
enum {
  PL_RECOVERED = 0,
  PL_LOST = 10,      /* something committed is gone */
  PL_STUCK = 11,     /* the run cannot be resumed */
  PL_DAMAGED = 12,   /* damaged data was accepted */
  PL_MISMATCH = 13,  /* neither the state before nor the one after */
  PL_BAD_FILES = 14, /* verify finds damaged files (nothing else went wrong) */
};

/** Recovers from the state under r->dir of scenario `sc`, where calls had
 *  returned up to version v[marks] (which must be found, or one up to
 *  v[upto]: the call in flight, or, after a kill, any later one, since a
 *  killed call may have taken effect without returning), and finishes the
 *  run. Exits the process with one of the codes above (a message on stderr
 *  when not PL_RECOVERED). */
void pl_recover(const pl_run *r, const pl_scenario *sc, int marks, int upto);

#endif
