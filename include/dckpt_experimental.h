/*
 * dckpt experimental interface — NO STABILITY PROMISE.
 *
 * What is declared here exists for dckpt's own tests and tools (crash tests
 * that kill a process at a chosen step of the commit protocol, tests that
 * drive the runtime's clock, the runtime's worker ranks). It may change or
 * disappear in any release, minor or patch, without a deprecation period, and
 * programs that use it must be rebuilt against each new version. Nothing in
 * dckpt.h or dckpt_run.h depends on it: a program that never includes this
 * header passes NULL as the `experimental` pointer of the option structs (the
 * _init functions set it so) and is unaffected.
 *
 * How it is reached: dckpt_store_options.experimental and
 * dckpt_run_options.experimental point to the structs below. Each starts with
 * its own struct_size, under the same rule as the stable option structs
 * (dckpt.h, "Conventions"): fill it with its _init function first.
 */
#ifndef DCKPT_EXPERIMENTAL_H
#define DCKPT_EXPERIMENTAL_H

#include <string.h>

#include "dckpt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------- */
/* Store                                                                     */
/* ------------------------------------------------------------------------- */

/**
 * dckpt_store_options.flags, with DCKPT_OPEN_WRITE: take no lock. For a
 * process that writes only its own trial directories while another process
 * holds the directory's lock — the runtime's worker ranks and background
 * checkpoint writers. Nothing then keeps two writers of one trial apart: the
 * caller must.
 */
#define DCKPT_OPEN_NO_LOCK 4u
/** With DCKPT_OPEN_WRITE | DCKPT_OPEN_NO_LOCK: the lock holder has prepared
 *  DIR (it exists, its leftover temporaries are gone), so the open touches no
 *  file at all: no directory creation, no clean-up. For handles that write
 *  only their own trial directories while the lock holder runs (MPI worker
 *  ranks, a background checkpoint writer); pair it with
 *  dckpt_store_adopt_metadata() so that the handle never reads metadata.json
 *  either. */
#define DCKPT_OPEN_NO_PREPARE 16u

/** Hooks of the store (dckpt_store_options.experimental). */
typedef struct dckpt_store_experimental {
  /** sizeof(dckpt_store_experimental); set by dckpt_store_experimental_init. */
  size_t struct_size;
  /**
   * Called with the name of each step of the commit protocol just before the
   * step runs ("ckpt.write", "ckpt.fsync", "ckpt.rename", "progress.write",
   * ..., "trial.dirsync", "rotate", "backup.write", ...; docs/design.md,
   * "Commit protocol"), on the thread that saves (with dckpt_run's background
   * checkpoints, the rank's writer thread). Crash tests kill the process from
   * it. NULL: none.
   */
  void (*step_hook)(void *ctx, const char *step);
  /** Passed to step_hook. */
  void *step_hook_ctx;
} dckpt_store_experimental;

/** Clears `x` and sets its struct_size. */
static inline void dckpt_store_experimental_init(dckpt_store_experimental *x) {
  memset(x, 0, sizeof *x);
  x->struct_size = sizeof *x;
}

/* Shared runs (DCKPT_OPEN_SHARED; docs/runtime.md, "Shared runs"): what
 * dckpt_run does with them, for drivers of their own. A pair's lease is a file
 * DIR/leases/pair.<alg>.<trial>.lease that exactly one process holds at a
 * time; a holder that is gone (a dead process on this host, a free kernel
 * lock where every host sees them, a job that dckpt_store_set_job_state's
 * callback calls DCKPT_JOB_GONE, or a renewal older than 900 s) is taken
 * over. A handle holds at most one pair's lease. */

/**
 * A DCKPT_OPEN_SHARED handle gives the directory's lock back once its set-up
 * is done; it stays registered as a shared run until it is closed, and goes
 * on writing trials like a handle opened with DCKPT_OPEN_NO_LOCK.
 * @return DCKPT_OK, DCKPT_EINVAL (not a shared handle, or the lock is not held).
 */
DCKPT_API int dckpt_store_release_lock(dckpt_store *store);

/**
 * Claims the lease of pair (alg, trial) for this handle (writable).
 * @return DCKPT_OK (it is this handle's until dckpt_store_release_pair),
 *         DCKPT_ELOCKED (another process holds it: the message names it),
 *         DCKPT_EINVAL (a pair's lease is held already, an index out of range,
 *         a read-only handle), or the I/O error naming the file.
 */
DCKPT_API int dckpt_store_claim_pair(dckpt_store *store, int64_t alg, int64_t trial);

/**
 * Renews the lease of the claimed pair (the runtime does it every 60 s).
 * @return DCKPT_OK, DCKPT_ELOCKED (it was taken over, its renewal being too
 *         old: stop working on the pair without writing, then release it),
 *         DCKPT_EINVAL (no pair is claimed), or the I/O error.
 */
DCKPT_API int dckpt_store_renew_pair(dckpt_store *store);

/** Releases the claimed pair's lease (nothing when none is held). */
DCKPT_API void dckpt_store_release_pair(dckpt_store *store);

/**
 * Sets the callback asked for the job state of a pair's holder on another
 * host when this handle claims a pair (dckpt_run_options.job_state does it
 * for dckpt_run): a holder whose job is DCKPT_JOB_GONE is taken over at once.
 * NULL (the default) asks nothing.
 * @return DCKPT_OK, DCKPT_EINVAL (NULL store, or a pair's lease is held).
 */
DCKPT_API int dckpt_store_set_job_state(dckpt_store *store, dckpt_job_state_fn job_state,
                                        void *ctx);

/**
 * What dckpt_run's rank 0 does before any work (writable handle): checks that
 * DIR/run_status.json and, when `run_name` is not NULL, the named run's
 * DIR/runs/<run_name>/run_status.json can be written where they belong,
 * creating DIR/runs and DIR/runs/<run_name>. A run that learnt only at its
 * end that it cannot say how it ended would have worked for nothing. With a
 * `run_name`, the handle also takes the name's lease,
 * DIR/runs/<run_name>/run.lease, held until dckpt_store_close(): two live
 * runs of one name would share its HALT and overwrite each other's status.
 * @return DCKPT_OK; DCKPT_ENAMEINUSE when a run not known to be gone
 *         (another handle, another process) holds the name, the message
 *         naming it (not DCKPT_ELOCKED, which says the directory is locked);
 *         DCKPT_ENOTDIR
 *         when a folder's place holds anything but a directory (a regular
 *         file, a FIFO, a symbolic link: dckpt follows none there),
 *         DCKPT_EEXIST when a directory stands where a status file goes,
 *         DCKPT_EACCES for a folder that cannot be read and written,
 *         DCKPT_EINVAL (a read-only handle, a name that
 *         dckpt_run_name_valid() refuses); the message names the path and
 *         what is there.
 */
DCKPT_API int dckpt_store_prepare_run_status(dckpt_store *store, const char *run_name);

/* ------------------------------------------------------------------------- */
/* Records                                                                   */
/* ------------------------------------------------------------------------- */

/**
 * dckpt_record_put() without the rule that the name be UTF-8, for a tool that
 * rebuilds a record it read (the container's reader does): record files
 * written before commit 475f4a0 may hold names that are not UTF-8, and
 * readers keep them (docs/format.md). The name must still be 1..255 bytes
 * without '/' or NUL, and everything else is checked as dckpt_record_put()
 * checks it. New arrays take dckpt_record_put().
 * @return as dckpt_record_put().
 */
DCKPT_API int dckpt_record_put_tolerant(dckpt_record *rec, const char *name,
                                        dckpt_dtype dtype, int ndim,
                                        const uint64_t *shape, const void *data);

/**
 * dckpt_record_set_header() that takes what a reader of a record file takes
 * as a header (docs/format.md): any JSON object of at most 32 MiB, even one
 * followed by other bytes, holding a key twice, bytes that are not UTF-8 or
 * a number beyond a double's range, which dckpt_record_set_header() refuses
 * and which files written before that rule may hold. For a tool that
 * rebuilds a record it read (the container's reader does), so that a copy of
 * such a file reads back as the file does; new headers take
 * dckpt_record_set_header().
 * @return DCKPT_OK; DCKPT_EINVAL (NULL rec; not a JSON object);
 *         DCKPT_ETOOBIG; DCKPT_ENOMEM. On failure the header is unchanged.
 */
DCKPT_API int dckpt_record_set_header_tolerant(dckpt_record *rec, const char *json);

/* ------------------------------------------------------------------------- */
/* Runtime (dckpt_run.h)                                                     */
/* ------------------------------------------------------------------------- */

/** Hooks of the runtime (dckpt_run_options.experimental). */
typedef struct dckpt_run_experimental {
  /** sizeof(dckpt_run_experimental); set by dckpt_run_experimental_init. */
  size_t struct_size;
  /**
   * The clock that dckpt_run_options.checkpoint_interval is measured on, in
   * seconds (only differences matter), called on the loop's thread after
   * every iteration. NULL: the monotonic clock. Lets a test decide by state
   * which iterations the checkpoints fall on.
   */
  double (*interval_clock)(void *ctx);
  /** Passed to interval_clock. */
  void *interval_clock_ctx;
} dckpt_run_experimental;

/** Clears `x` and sets its struct_size. */
static inline void dckpt_run_experimental_init(dckpt_run_experimental *x) {
  memset(x, 0, sizeof *x);
  x->struct_size = sizeof *x;
}

#ifdef __cplusplus
}
#endif

#endif /* DCKPT_EXPERIMENTAL_H */
