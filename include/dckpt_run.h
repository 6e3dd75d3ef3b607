/*
 * dckpt runtime — run a benchmark campaign of (algorithm, trial) pairs over MPI
 * ranks, checkpointed and resumable through the store of dckpt.h.
 *
 * The user describes each algorithm with callbacks (create a trial's state
 * from the problem and the trial's RNG, step, write/read the state to/from a
 * record, per-iteration metrics) and hands a problem record; dckpt_run() does
 * the rest: metadata and initial files (rank 0), dynamic hand-out of pairs,
 * periodic checkpoints with the RNG and metric history inside, completion
 * markers, stop requests (signals, HALT file, deadline), progress, and a final
 * status that is the same on every rank.
 *
 * Conventions are those of dckpt.h (statuses, ownership, option structs with
 * struct_size). dckpt_run() is MPI collective: every rank of the
 * communicator calls it with equivalent arguments, and every rank returns
 * the same status and report. Hooks for tests are in dckpt_experimental.h.
 *
 * Determinism: a pair's RNG is seeded by dckpt_pair_seed(run seed, alg, trial)
 * and its state is saved in every checkpoint, so a campaign interrupted and
 * resumed any number of times, on any number of ranks, ends bit-identical to an
 * uninterrupted one, provided the callbacks are deterministic functions of
 * (problem, state, RNG).
 */
#ifndef DCKPT_RUN_H
#define DCKPT_RUN_H

#include <mpi.h>

#include "dckpt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Random numbers (dckpt_rng, dckpt_pair_seed) are declared in dckpt.h. */

/* ------------------------------------------------------------------------- */
/* Algorithms                                                                */
/* ------------------------------------------------------------------------- */

/** What a trial's callbacks are told about the trial. */
typedef struct dckpt_trial_info {
  int64_t alg;                 /* algorithm index */
  int64_t trial;               /* trial number */
  int64_t iterations;          /* planned iterations of this algorithm */
  const dckpt_record *problem; /* the run's problem record (read-only) */
  void *user;                  /* dckpt_algorithm.user */
} dckpt_trial_info;

/**
 * One algorithm of a campaign. Callbacks return DCKPT_OK or any non-zero value
 * for failure (reported as DCKPT_ECALLBACK with rank, algorithm, trial and
 * iteration, and the reason the callback gave with dckpt_run_fail_reason()).
 * `state` is the algorithm's own per-trial object.
 */
typedef struct dckpt_algorithm {
  const char *name;            /* unique within the campaign */
  int64_t iterations;          /* iterations per trial (>= 1) */
  const char *hyperparameters; /* JSON object recorded in metadata, or NULL */
  /** Everything else that decides what this algorithm computes (its method,
   *  every setting) as a JSON object, or NULL. Recorded with the
   *  hyperparameters and the metric names when the run starts; a resume or
   *  growth that asks for anything different is refused (DCKPT_EMISMATCH,
   *  naming the first difference), so two computations never mix in one run. */
  const char *config;
  /** Relative cost of one iteration (for scheduling longest work first);
   *  0 means 1. */
  double cost_hint;
  void *user;

  /** Creates the state of a new trial (iteration 0 not yet run). May draw from
   *  `rng`, the pair's stream. */
  int (*create)(const dckpt_trial_info *info, dckpt_rng *rng, void **state);
  /** Runs iteration k (0-based). */
  int (*step)(const dckpt_trial_info *info, void *state, int64_t k, dckpt_rng *rng);
  /** Writes the state into `rec` (the runner adds the RNG, iteration and
   *  metric history itself). Arrays may be borrowed with dckpt_record_put_ref:
   *  the record is saved before the state changes again. */
  int (*save)(const dckpt_trial_info *info, const void *state, dckpt_record *rec);
  /** Creates a state from a record written by `save`. */
  int (*load)(const dckpt_trial_info *info, const dckpt_record *rec, void **state);
  /** Frees a state. */
  void (*destroy)(const dckpt_trial_info *info, void *state);

  /** Number of metrics recorded per recorded iteration (0 for none). */
  int n_metrics;
  /** Their names (n_metrics entries), stored in the results. */
  const char *const *metric_names;
  /** Computes the metrics after iteration k into out[n_metrics]. */
  int (*metrics)(const dckpt_trial_info *info, const void *state, int64_t k, double *out);
} dckpt_algorithm;

/** Most bytes of a callback's reason kept (dckpt_run_fail_reason()), with
 *  the terminating NUL. */
#define DCKPT_RUN_REASON_MAX 512

#if defined(__GNUC__) || defined(__clang__)
#define DCKPT_RUN_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define DCKPT_RUN_PRINTF(fmt, args)
#endif

/**
 * Says why the callback that is running fails, before it returns non-zero:
 * the runner appends the reason to the failure it reports (the report's
 * message, run_status.json and the log line of the rank), e.g. "rank 1:
 * algorithm 'mix' trial 1 failed at iteration 7: step returned 5: the
 * matrix is not positive definite". Call it from a callback of create,
 * step, save, load or metrics, on the thread dckpt_run called it on, with
 * the `info` the callback was given. The reason is printf-formatted, kept
 * to at most DCKPT_RUN_REASON_MAX - 1 bytes (cut before a character that
 * would not fit), each ill-formed UTF-8 stretch replaced by U+FFFD and each
 * control character by a space. A later call in the same callback replaces
 * it; a callback that then returns 0 leaves no reason behind. Not
 * collective; thread-safe in the sense above.
 * @param[in] info  the callback's `info`.
 * @param[in] fmt   printf format of the reason, and its arguments.
 * @return DCKPT_OK when recorded; DCKPT_EINVAL (nothing recorded) when `fmt`
 *         is NULL, or when no callback of a trial given `info` runs on this
 *         thread (called outside dckpt_run, from another thread, from
 *         destroy, or with a copy of `info`).
 */
DCKPT_API int dckpt_run_fail_reason(const dckpt_trial_info *info, const char *fmt, ...)
    DCKPT_RUN_PRINTF(2, 3);

/* ------------------------------------------------------------------------- */
/* Running a campaign                                                        */
/* ------------------------------------------------------------------------- */

typedef enum dckpt_run_mode {
  DCKPT_RUN_AUTO = 0,  /* resume when DIR holds a run, else start one */
  DCKPT_RUN_NEW = 1,   /* refuse a non-empty DIR */
  DCKPT_RUN_RESUME = 2 /* refuse a DIR without a run */
} dckpt_run_mode;

/** Exit status a program should use for DCKPT_EINTERRUPTED: "stopped on
 *  request, resume me" (EX_TEMPFAIL of sysexits.h). */
#define DCKPT_EXIT_INTERRUPTED 75

/** How pairs are handed out (docs/runtime.md, "Roles"; docs/performance.md
 *  compares them). */
typedef enum dckpt_scheduler {
  /** A counter in an MPI window on rank 0, taken with MPI_Fetch_and_op. In
   *  shared memory no rank waits for another; between nodes MPI may need rank
   *  0's progress for each take. */
  DCKPT_SCHED_COUNTER = 0,
  /** Requests to rank 0 by point-to-point messages, answered by a service
   *  thread of rank 0 when MPI provides MPI_THREAD_MULTIPLE, else between
   *  rank 0's iterations. Needs no shared memory. */
  DCKPT_SCHED_DISPENSER = 1,
  /** The counter in a shared-memory window when every rank is on one node,
   *  the dispenser otherwise (default). */
  DCKPT_SCHED_AUTO = 2
} dckpt_scheduler;

/** How a campaign runs. Fill with dckpt_run_options_init() first; every
 *  rank passes the same values (rank 0's decide what the run records). */
typedef struct dckpt_run_options {
  /** sizeof(dckpt_run_options) as the caller compiled it; set by
   *  dckpt_run_options_init() (dckpt.h, "Option structs"). `store` has its
   *  own struct_size, which the _init function sets too. */
  size_t struct_size;
  /** The run directory (DIR). */
  const char *dir;
  dckpt_run_mode mode;
  /** Store options: checkpoint_step, keep_n, compression_level, durability,
   *  job_id, job_restart, log, experimental. flags are set by the runner. */
  dckpt_store_options store;
  int64_t n_trials;       /* for a new run; on resume must match unless growing */
  uint64_t seed;          /* run seed */
  int64_t add_trials;     /* grow a resumed run by this many trials */
  int64_t add_iterations; /* grow every algorithm by this many iterations */
  /** Archive DIR (dckpt_store_backup) before resuming it. */
  bool backup_before_resume;
  /** Open DIR with DCKPT_OPEN_BREAK_LOCK (dckpt.h). */
  bool break_lock;
  /** JSON object or NULL, recorded in metadata.json with two keys of the
   *  runtime's own added, which it must not hold: "algorithm_hyperparameters"
   *  and "metrics_period". */
  const char *benchmark_metadata;
  /** Everything else that decides what the pairs compute — problem, data (a
   *  content hash, not a path that may move), network, ... — as a JSON object,
   *  or NULL. Recorded with metrics_period when the run starts and compared,
   *  like each algorithm's config, on every resume and growth. */
  const char *campaign;
  /** Record metrics after iterations k with (k + 1) % metrics_period == 0 and
   *  after the last iteration (default 1). */
  int64_t metrics_period;
  /** Absolute deadline (seconds since the epoch), 0 for none. The runner stops
   *  early enough to checkpoint before it, with a margin learned from the
   *  measured checkpoint and iteration times plus `deadline_margin` seconds. */
  double deadline;
  double deadline_margin;
  /** Install handlers for SIGTERM, SIGINT and SIGUSR1 during dckpt_run (they
   *  only set a flag; previous handlers are restored). Default true. */
  bool handle_signals;
  /** Progress reports on rank 0: 0 none, 1 automatic (a live bar on a
   *  terminal, one line every progress_interval seconds otherwise). */
  int progress;
  double progress_interval;
  /** Where progress goes (rank 0), default stderr; NULL with progress 0. */
  void *progress_stream; /* FILE * */
  dckpt_scheduler scheduler;
  /** Save periodic checkpoints on a background thread of each rank (its own
   *  store handle; it never calls MPI) while the trial goes on with the next
   *  iterations (default true). The record is copied first, at most one save
   *  is in flight per rank, and the final save, a stop and the end of a pair
   *  wait for it: the checkpoints taken, and the results, are those of
   *  synchronous saves. The store's step_hook is then called on that thread.
   *  false: every save on the calling thread. */
  bool background_checkpoints;
  /** Checkpoint a trial also whenever it has run for this many seconds since
   *  its last checkpoint (or since it started or resumed in this call),
   *  whatever the iteration; 0 (the default) for none. Usable alone (with
   *  store.checkpoint_step = DCKPT_STEP_NONE) or with the step: either one
   *  makes a checkpoint due, and every checkpoint restarts the interval. A
   *  killed run thus loses at most this much work per trial, plus the save
   *  that was in flight (docs/runtime.md). Resume stays bit-identical
   *  whatever iterations the checkpoints fall on. Must be in 0..1e12. */
  double checkpoint_interval;
  /** NULL (the default), or a dckpt_run_experimental of dckpt_experimental.h
   *  (test hooks; no stability promise). */
  const void *experimental;
  /** Deprecated (removed in 0.3): dckpt_run_experimental.interval_clock of
   *  dckpt_experimental.h, which wins when both are set. */
  DCKPT_DEPRECATED_FOR("dckpt_run_experimental.interval_clock")
  double (*interval_clock)(void *ctx);
  DCKPT_DEPRECATED_FOR("dckpt_run_experimental.interval_clock_ctx")
  void *interval_clock_ctx;
  /** Rank 0 keeps the completion index of the campaign (DIR/index, a cache of
   *  which pairs are complete that makes resumes and `dckpt status` cheap)
   *  from the reports of every rank, and commits it when it changed, at most
   *  every index_interval seconds (default 10; 0: at every completion), and
   *  at the end of the run. */
  double index_interval;
  /** Metric history in segments: once the metric rows recorded since the last
   *  segment reach this many bytes (8 per metric plus 8 for the iteration, per
   *  row), the next periodic checkpoint first commits them as a metric segment
   *  of the trial (dckpt_store_save_segment()) and then lists it instead of
   *  carrying them, so a checkpoint holds the state, the list and fewer than
   *  this many bytes of rows plus those added since the previous checkpoint,
   *  however long the trial has run. The final checkpoint carries the whole
   *  history. Default 256 KiB; 0 puts the whole history in every checkpoint. */
  size_t metrics_segment_bytes;
  /** Join the other shared runs of DIR (default false; docs/runtime.md,
   *  "Shared runs"): instead of holding DIR's lock for the whole run, rank 0
   *  registers the run (DIR/leases) and takes the lock only to set up (start
   *  or check the run, grow it, list the pairs); every rank then claims each
   *  pair with a lease before running it, leaves pairs that another run
   *  holds, and takes over those whose holder is gone (resuming from the
   *  newest checkpoint). The run returns DCKPT_OK once nothing is left for it
   *  to claim: every pair is complete or held by a run not known to be gone
   *  (report.pairs_completed < pairs_total then says how many others hold;
   *  see shared_wait), or when it is stopped. A run that is not
   *  shared and a shared run refuse each other (DCKPT_ELOCKED naming the
   *  holders). With `shared`, add_trials and add_iterations are refused
   *  (several runs would each add them): ask for the totals instead
   *  (n_trials, the algorithms' iterations), which are applied once; more
   *  iterations only while no other shared run works on DIR. */
  bool shared;
  /** A name for this run, or NULL (the default): 1 to DCKPT_RUN_NAME_MAX
   *  letters, digits, '.', '_' or '-' (dckpt_run_name_valid()), e.g. a Slurm
   *  array task's "<array job>_<task>". A named run also stops on
   *  DIR/runs/<name>/HALT, which stops it alone (DIR/HALT stops every run),
   *  and rank 0 also writes how it ended to DIR/runs/<name>/run_status.json,
   *  which no other run overwrites: what the batch script of one of several
   *  shared runs reads (docs/slurm.md, "Job arrays"). */
  const char *run_name;
  /** With `shared`: asked for the state of the job of a pair's holder on
   *  another host (dckpt_job_state_fn of dckpt.h), or NULL (the default:
   *  never). A holder whose job is DCKPT_JOB_GONE is taken over at once,
   *  resuming from the pair's newest checkpoint; without an answer, such a
   *  holder is taken over only by its free kernel lock or once its renewal is
   *  900 s old (docs/design.md, "Leases"). The library asks no scheduler
   *  itself: dckpt-bench and the test campaign pass a Slurm lookup when
   *  SLURM_JOB_ID is set (docs/slurm.md, "Job arrays"). */
  dckpt_job_state_fn job_state;
  /** Passed to job_state. */
  void *job_state_ctx;
  /** With `shared`: once nothing is left to claim, wait (looking every
   *  0.25 s, taking over a pair whose holder turns out gone) until every pair
   *  of the campaign is complete, instead of returning at once (default
   *  false). For runs that may be killed with no restart or requeue to
   *  follow: a waiting run takes over their pairs (docs/runtime.md,
   *  "Shared runs"). */
  bool shared_wait;
} dckpt_run_options;

/** Fills the defaults (mode AUTO, metrics_period 1, handle_signals, progress 1,
 *  progress_interval 30 s, deadline_margin 10 s, background_checkpoints,
 *  scheduler AUTO, index_interval 10 s, metrics_segment_bytes 256 KiB, the store defaults
 * of dckpt_store_options_init()) and sets both struct_sizes. Not collective. */
DCKPT_API void dckpt_run_options_init(dckpt_run_options *opts);

/** What a finished (or stopped) run reports; the same on every rank. The
 *  caller allocates it and it has no struct_size, so no member can be added
 *  without breaking programs built against this header: what a failure was
 *  is said by `status` (e.g. DCKPT_ELOCKED, the directory is locked, vs
 *  DCKPT_ENAMEINUSE, the run name is held), the detail by `message`. */
typedef struct dckpt_run_report {
  int status; /* as returned */
  int64_t pairs_total;
  int64_t pairs_completed; /* complete at the end, including earlier runs */
  int64_t pairs_run;       /* worked on in this call */
  int64_t iterations_run;  /* in this call, over all ranks */
  double seconds;
  bool resumed;
  char message[1024]; /* the first failure, naming rank, algorithm, trial, iteration */
} dckpt_run_report;

/**
 * Runs (or resumes) the campaign: rank 0 opens DIR (taking its lock),
 * initializes or checks and grows the run, and decides the plan; every rank
 * then works on pairs until none is left or a stop is requested. MPI
 * collective over `comm`: every rank calls it, it duplicates `comm` inside
 * (and frees the duplicate before returning), and every rank returns the
 * same status and fills the same report. Rank 0 leaves DIR/run_status.json
 * (dckpt_store_write_run_status) at the end of every run that held the lock,
 * failures included. Needs MPI initialized; the threads it starts (the
 * background checkpoint writer, the store's helpers) never call MPI. Not
 * reentrant: one dckpt_run per process at a time.
 * @param[in] comm     the ranks that run the campaign (any size >= 1).
 * @param[in] opts     the options (dckpt_run_options_init()); not kept.
 * @param[in] algs     n_algs algorithms, the same on every rank; their names
 *                     unique; read during the call only.
 * @param[in] n_algs   >= 1.
 * @param[in] problem  the problem record, read on rank 0 for a new run only
 *                     (other ranks, and every rank on resume, may pass NULL:
 *                     the problem is loaded from DIR).
 * @param[out] report  what happened, the same on every rank; may be NULL.
 * @return DCKPT_OK when every pair is complete; DCKPT_EINTERRUPTED after a
 *         stop request (every rank checkpointed its trial: resume later);
 *         DCKPT_ECALLBACK when a trial failed (others finished or stopped;
 *         the failed trial stays resumable); DCKPT_EMISMATCH when DIR holds a
 *         different campaign (named); DCKPT_EINVAL (bad options or
 *         algorithms, named; struct_size 0; for a new run, a name, JSON
 *         text or metric name that is not UTF-8, named with the first bad
 *         byte's offset, before the run is written); DCKPT_ETOOBIG (beyond the
 *         DCKPT_MAX_* limits); DCKPT_ELOCKED (another run holds DIR);
 *         DCKPT_ENAMEINUSE (another run, not known to be gone, holds
 *         run_name: report.status tells it from DCKPT_ELOCKED);
 *         DCKPT_ENOTEMPTY (DCKPT_RUN_NEW on a directory in use); DCKPT_ENOENT
 *         (DCKPT_RUN_RESUME without a run); DCKPT_EMPI; DCKPT_ENOMEM; any
 *         status of the store's calls (I/O, DCKPT_ECORRUPT, ...). The report's
 *         message names the rank, algorithm, trial and iteration of the
 *         first failure.
 */
DCKPT_API int dckpt_run(MPI_Comm comm, const dckpt_run_options *opts,
                        const dckpt_algorithm *algs, size_t n_algs,
                        const dckpt_record *problem, dckpt_run_report *report);

/**
 * MPI_Barrier(comm), except that a rank waiting for the others sleeps between
 * tests of an MPI_Ibarrier (pauses doubling from 20 µs to 2 ms) instead of
 * polling without pause, as Open MPI's MPI_Barrier does: a rank that waits
 * for a slower one then leaves its core to the ranks that still work, which
 * matters when a node runs more ranks than it has cores. It leaves the
 * barrier at most ~2 ms later than MPI_Barrier would. dckpt_run waits this
 * way wherever a rank may wait long (for rank 0's set-up, for the last
 * trials of the run); a program can call it before collectives that follow
 * long work on one rank (rank 0 writing results, say). Collective over comm.
 * @return DCKPT_OK; DCKPT_EINVAL for MPI_COMM_NULL; DCKPT_EMPI when an MPI
 *         call fails (under MPI_ERRORS_RETURN).
 */
DCKPT_API int dckpt_run_barrier(MPI_Comm comm);

/** Asks a running dckpt_run in this process to stop, checkpointing (for
 *  programs that install their own signal handlers; `signum` is reported as
 *  the reason). Async-signal-safe and thread-safe; not collective: the other
 *  ranks learn of it through dckpt_run. A request made before dckpt_run
 *  starts (say, during MPI_Init) stops it at once; dckpt_run forgets the
 *  request when it returns. */
DCKPT_API void dckpt_request_stop(int signum);

#ifdef __cplusplus
}
#endif

#endif /* DCKPT_RUN_H */
