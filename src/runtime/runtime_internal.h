/* Shared pieces of the MPI runtime. */
#ifndef DCKPT_RUNTIME_INTERNAL_H
#define DCKPT_RUNTIME_INTERNAL_H

#include <mpi.h>
#include <pthread.h>
#include <stdio.h>

#include "dckpt_experimental.h"
#include "dckpt_run.h"
#include "util/log.h"
#include "util/try.h"

/** Default of dckpt_run_options.metrics_segment_bytes: rows of a few
 *  metrics in the thousands, small beside any state worth checkpointing. */
#define DCKPT_RUN_SEGMENT_BYTES ((size_t)256 * 1024)

/** One (algorithm, trial) pair still to run, with its remaining work. */
typedef struct run_pair {
  int64_t alg, trial;
  int64_t start; /* first iteration still to run (progress + 1) */
  double cost;   /* remaining iterations x cost hint */
} run_pair;

/** The plan every rank agrees on after set-up. */
typedef struct run_plan {
  int64_t n_trials;
  size_t n_algs;
  int64_t *iterations; /* per algorithm, possibly grown on resume */
  run_pair *pending;   /* not complete, longest first */
  int64_t n_pending;
  int64_t work_total, work_done; /* iterations over all pairs; already done */
  int64_t *alg_done;             /* per algorithm, already done */
  bool resumed;
} run_plan;

void run_plan_free(run_plan *p);

/* ---- stop.c: stop requests ---- */
/** The halt files a run looks for: the directory's and its own. */
#define RUN_HALT_PATHS 2
/** Seconds between two looks for them by rank 0's committer thread. */
#define RUN_HALT_POLL 0.5
/** The first of `paths` (RUN_HALT_PATHS, NULLs skipped) that exists, or NULL. */
const char *run_halt_found(const char *const *paths);
typedef struct run_stop {
  /* DIR/HALT, and DIR/runs/<name>/HALT of a named run (else NULL); both
   * NULL on ranks that no longer look */
  const char *halt_paths[RUN_HALT_PATHS];
  double deadline; /* absolute, 0 = none */
  double margin_fixed;
  double max_ckpt_seconds; /* learned */
  double iter_seconds;     /* learned (moving average) */
  double next_poll;        /* wall time of the next halt-file / window poll */
  char reason[128];
} run_stop;

double run_now(void);
/** Installs handlers for SIGTERM/SIGINT/SIGUSR1 (flag only); restores on uninstall. */
void run_signals_install(void);
void run_signals_uninstall(void);
/** Whether this process was asked to stop (signal or dckpt_request_stop). */
int run_signal_seen(void);
/** Forgets a request once a run has honoured it. */
void run_signal_consume(void);
/** Checks the local conditions (signal; halt file and deadline when due).
 *  Returns true and fills reason when a stop is due. */
bool run_stop_due(run_stop *st, bool force_poll);
void run_stop_learn_checkpoint(run_stop *st, double seconds);
void run_stop_learn_iteration(run_stop *st, double seconds);

/* ---- completion.c: rank 0's completion index of the campaign ---- */
/* Pairs completed anywhere are reported as their reports arrive; the index is
 * committed when it changed and `interval` seconds passed since the last
 * commit, and when the run asks (at its start and end). The index and its
 * files belong to a thread of its own, the committer: a report only sets a
 * bit under `mu`, which is never held across a file operation, so rank 0's
 * service thread never waits for a write or an fsync. Messages are kept for
 * the loop's thread. */
typedef struct run_completion {
  bool active;  /* rank 0 with an index */
  bool running; /* the committer thread exists (init and free only) */
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t wake; /* the committer: a report, a commit asked for, quit */
  pthread_cond_t done; /* a commit asked for is done */
  dckpt_index *ix;     /* the committer's alone: no lock */
  size_t n_algs, stride;
  int64_t n_trials;
  double interval; /* seconds between commits (0: after every report) */
  uint8_t *spare;  /* the committer's: all zero between its commits */
  /* under mu: */
  uint8_t *fresh; /* pairs reported since the committer took the last ones */
  bool fresh_any, quit;
  uint64_t asked, served;        /* commits asked for (run_completion_commit), done */
  const char *const *halt_paths; /* looked for by the committer (NULL: not) */
  bool halt_seen;
  int64_t commits, added;
  char message[1024]; /* a failed commit, not yet logged */
  bool warned;
} run_completion;

/** Takes over `ix` (rank 0; NULL elsewhere: every call is then a no-op) and
 *  starts the committer for an index of n_algs x n_trials pairs. On failure
 *  (DCKPT_ENOMEM) `ix` is freed and nothing is left running. */
int run_completion_init(run_completion *rc, dckpt_index *ix, size_t n_algs,
                        int64_t n_trials, double interval);
/** A pair is complete (its marker committed). Never waits for file I/O. */
void run_completion_add(run_completion *rc, int64_t alg, int64_t trial);
/** Has the committer look for `paths` (RUN_HALT_PATHS, kept by the caller)
 *  every RUN_HALT_POLL seconds, for rank 0's service thread, which must not
 *  touch a file itself (NULL: no more); false when there is no committer
 *  (not rank 0). */
bool run_completion_watch_halt(run_completion *rc, const char *const *paths);
/** Whether the committer has found one of the watched halt files. */
bool run_completion_halt_seen(run_completion *rc);
/** Commits every pair reported so far, if the index changed, and returns
 *  once that commit is done (or failed: see run_completion_log). */
void run_completion_commit(run_completion *rc);
/** Passes a failed commit's message to the log (the loop's thread only). */
void run_completion_log(run_completion *rc, const dckpt_logger *lg);
/** Stops the committer (a commit in progress ends first; what was reported
 *  since the last commit is not written) and frees the index. */
void run_completion_free(run_completion *rc);

/* ---- service.c: what rank 0 answers by point-to-point messages ---- */
#define RUN_SENDS 32

/* Every rank sends rank 0 a report when it completes a pair, and a goodbye
 * when it has no more work. With the message scheduler, pair requests, stop
 * requests and iteration counts go the same way and rank 0 relays a stop to
 * every rank. Rank 0 answers from a service thread when MPI gives
 * MPI_THREAD_MULTIPLE (a request then never waits for rank 0's iteration),
 * else between its own iterations. Traffic uses a private communicator. */
typedef struct run_service {
  MPI_Comm comm;
  int rank, size;
  bool messages; /* pairs, stop and work counts go through the service */
  bool threaded; /* rank 0 serves from a thread */
  bool thread_running;
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  run_completion *completion;
  const char *const *halt_paths;        /* rank 0's thread also looks for these */
  void (*raise_window_stop)(void *ctx); /* ... and raises the window's flag */
  void *raise_ctx;
  bool halt_watched; /* the halt files are looked for by the completion index's thread */
  /* rank 0, under mu */
  int64_t next, n_pending;
  int64_t work_done, *alg_done;
  size_t n_algs;
  bool stop, quit;
  int *noted; /* per rank: told of the stop (int: scattered at the end) */
  bool *bye;  /* per rank: said goodbye */
  int byes;
  double next_halt_check;
  MPI_Request rx; /* the receive kept posted for the next message */
  int64_t rx_buf[2];
  /* ranks > 0 */
  bool got_stop, sent_stop, note_seen;
  struct {
    MPI_Request req;
    int64_t buf[2];
  } sends[RUN_SENDS];
} run_service;

/** Collective. Rank 0's thread (if any) looks for `halt_paths` and, when one
 *  appears, stops the run: by messages, or with `raise_window_stop`. */
int run_service_open(run_service *v, MPI_Comm comm, bool messages, size_t n_algs,
                     int64_t work_done, const int64_t *alg_done, int64_t n_pending,
                     run_completion *completion, const char *const *halt_paths,
                     void (*raise_window_stop)(void *ctx), void *raise_ctx);
/** Next pair index (messages only). */
int64_t run_service_next(run_service *v);
/** Rank 0 without a thread: answers what is waiting; everyone: completes sends
 *  and looks for a stop notice. Cheap when nothing is waiting. */
void run_service_poll(run_service *v);
void run_service_raise_stop(run_service *v);
bool run_service_stop_raised(run_service *v);
void run_service_add_work(run_service *v, int64_t alg, int64_t iterations);
void run_service_read_work(run_service *v, int64_t *total, int64_t *per_alg);
/** A pair of this rank is complete (its complete.json committed). */
void run_service_complete(run_service *v, int64_t alg, int64_t trial);
/** Collective, after the last pair: every report reaches rank 0, whose
 *  thread then stops. */
void run_service_finish(run_service *v);
void run_service_close(run_service *v);

/* ---- sched.c: who takes which pair, the stop flag, the work counters ---- */
typedef struct run_sched {
  MPI_Comm comm;
  int rank, size;
  bool window; /* counter, stop flag and work counts in an MPI window */
  bool shared; /* ... in shared memory (no rank ever waits for rank 0) */
  MPI_Win win;
  int64_t *base; /* rank 0: [0] next pair, [1] stop flag, [2] iterations done,
                    [3..] per-algorithm iterations done */
  size_t n_algs;
  run_service svc;
} run_sched;

/** Collective. DCKPT_SCHED_AUTO takes the counter in a shared-memory window
 *  when every rank is on one node and the MPI can make one, else messages. */
int run_sched_open(run_sched *s, MPI_Comm comm, dckpt_scheduler mode, size_t n_algs,
                   int64_t work_done, const int64_t *alg_done, int64_t n_pending,
                   run_completion *completion, const char *const *halt_paths,
                   const dckpt_logger *lg);
void run_sched_close(run_sched *s);
/** Next pair index for this rank (>= n_pending: none left). */
int64_t run_sched_next(run_sched *s);
/** Called between iterations: rank 0 answers what is waiting (without a
 *  service thread); cheap when nothing is. */
void run_sched_serve(run_sched *s);
/** Collective, after the work loop. */
void run_sched_finish(run_sched *s);
/** Raises the shared stop flag. */
void run_sched_raise_stop(run_sched *s);
/** Reads the shared stop flag. */
bool run_sched_stop_raised(run_sched *s);
/** Adds iterations done (overall and for one algorithm). */
void run_sched_add_work(run_sched *s, int64_t alg, int64_t iterations);
/** Rank 0: reads the counters of iterations done. */
void run_sched_read_work(run_sched *s, int64_t *total, int64_t *per_alg);
/** A pair of this rank is complete: reported to rank 0's completion index. */
void run_sched_complete(run_sched *s, int64_t alg, int64_t trial);

/* ---- progress.c ---- */
typedef struct run_progress {
  FILE *out;
  int mode; /* 0 none, 1 auto */
  bool tty;
  double interval, start, last;
  int64_t total, done_at_start;
  size_t n_algs;
  const dckpt_algorithm *algs;
  const run_plan *plan;
} run_progress;

void run_progress_start(run_progress *p, const dckpt_run_options *o, const run_plan *plan,
                        const dckpt_algorithm *algs, size_t n_algs);
/** Rank 0: prints a report when one is due (or when `final`). */
void run_progress_tick(run_progress *p, run_sched *s, bool final);

/* ---- writer.c: periodic checkpoints saved by a background thread ---- */
/** One save for the writer. */
typedef struct run_writer_job {
  int64_t alg, trial, iteration;
  bool final;              /* dckpt_store_mark_complete instead of dckpt_store_save */
  const dckpt_record *rec; /* what to save: owned by the writer when `owned` */
  bool owned;              /* the writer frees rec after the save */
  dckpt_record *segment;   /* a metric segment to commit first, or NULL; the
                              writer thread frees it after the save */
  int64_t segment_seq;
} run_writer_job;

/** Carries out `job` on `store` (the writer's handle, or the run's own when
 *  there is no writer): the segment, if any, then the save or the completion
 *  (not when the segment failed), timed into *seconds. */
int run_writer_save(dckpt_store *store, const run_writer_job *job, double *seconds);

/** The outcome of a job. */
typedef struct run_writer_result {
  int64_t iteration;
  int status;         /* of the store call */
  double seconds;     /* its duration */
  char message[1024]; /* the store's message when status != DCKPT_OK */
} run_writer_result;

#define RUN_WRITER_LOGS 8

/* A per-rank thread with its own store handle (DCKPT_OPEN_NO_LOCK: the run's
 * lock is rank 0's), so that the durable commit protocol of a periodic
 * checkpoint overlaps the next iterations. At most one job at a time. The
 * store handle is used by the thread only, between start and stop; messages
 * the store logs on it are kept and passed on by the calling thread. */
typedef struct run_writer {
  bool running; /* the thread exists (set and read by the caller only) */
  bool busy;    /* a job was submitted and not yet collected (caller only) */
  dckpt_store *store;
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  /* under mu: */
  bool has_job, quit;
  run_writer_job job;
  run_writer_result result;
  struct {
    dckpt_log_level level;
    char text[512];
  } logs[RUN_WRITER_LOGS];
  int n_logs, lost_logs;
} run_writer;

/** Opens the writer's store handle on `dir` with `so` (flags are set here:
 *  write, no lock, no preparation), gives it `meta` (metadata.json's text,
 *  when not NULL) and starts its thread. On failure fills err and returns
 *  the status; the writer is then not running. */
int run_writer_start(run_writer *w, const char *dir, const dckpt_store_options *so,
                     const char *meta, size_t meta_len, const dckpt_logger *lg, char *err,
                     size_t errlen);
/** Hands a job over; the writer must not be busy. */
void run_writer_submit(run_writer *w, const run_writer_job *job);
/** When a job was submitted: waits for it (`wait`) or looks whether it is
 *  done, and if so fills `out`, passes on the store's messages and returns
 *  true (the writer is then idle). False when there is nothing to collect. */
bool run_writer_collect(run_writer *w, bool wait, run_writer_result *out,
                        const dckpt_logger *lg);
/** Waits for a job in flight (its result is dropped), stops the thread and
 *  closes the handle. Does nothing when the writer is not running. */
void run_writer_stop(run_writer *w, const dckpt_logger *lg);

#endif
