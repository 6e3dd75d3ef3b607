/* The lock of a file path: of a run directory (DIR/dckpt.lock), and of
 * anything else that must have exactly one owner at a time.
 *
 * The kernel arbitrates: the holder keeps an OFD write lock (fcntl
 * F_OFD_SETLK) on the lock file for as long as it holds it, and the kernel
 * drops it when the holder dies. The lock file also names its holder (host,
 * pid, the pid's start time, job id, since when; io/lock_facts.h), so that a
 * run that is refused can say by whom, and so that a holder that did not or
 * could not take the kernel lock is still respected.
 *
 * Guarantees (docs/design.md, "Lock"; docs/operations.md for file systems):
 *  - Of any number of processes that try at once, on a fresh path or on a
 *    stale lock, exactly one gets it; every other is refused with DCKPT_ELOCKED
 *    and a message naming the holder.
 *  - No path through this code deletes, renames or rewrites the lock file of a
 *    holder that still runs; the holder's own release unlinks its file while
 *    it still holds the kernel lock.
 *  - A new lock file appears whole and already locked: it is written and
 *    locked under a private name, then published with link(2).
 *  - A holder on another host is taken over only when the kernel lock proves
 *    it gone (it held the kernel lock, the lock is free, and the file system
 *    shares locks between hosts: io/lock_fs.h), or when the caller breaks the
 *    lock on purpose (`force`). A kernel lock that is held is never broken.
 *  - Where the file system has no fcntl locks (ENOLCK, ENOSYS, EOPNOTSUPP),
 *    the lock file alone decides: link(2) still lets exactly one process
 *    create it, but a stale lock is only taken with `force`.
 */
#ifndef DCKPT_IO_LOCK_H
#define DCKPT_IO_LOCK_H

#include <stdbool.h>

#include "io/lock_facts.h"
#include "util/err.h"
#include "util/log.h"

/* dckpt_job_state and dckpt_job_state_fn: public, in dckpt.h. */

/** What else proves a holder gone, and so makes a lock a lease: a claim that
 *  its holder renews, and that others may take over by its age or its job. */
typedef struct dckpt_lease_policy {
  /** A holder on another host whose last renewal is older than this many
   *  seconds is gone (0: never by age). It must exceed the renewal period by
   *  far more than the longest stall of a holder (docs/design.md, "Leases"). */
  double timeout;
  /** Asked about the job of a holder on another host (NULL: never). */
  dckpt_job_state_fn job_state;
  void *ctx;
} dckpt_lease_policy;

typedef struct dckpt_lock {
  char *path;
  int fd; /* the lock file, open while held (else -1) */
  bool held;
  bool kernel; /* held through the kernel lock (false: no fcntl locks here) */
  bool lease;  /* taken with dckpt_lease_claim */
  dckpt_lease_policy policy;
  const struct dckpt_lock_rules *rules; /* leases: io/lease.c's (lock_internal.h) */
  dckpt_lock_facts self;
} dckpt_lock;

/**
 * Takes the lock file `path`; its directory must exist. `job_id` (may be
 * NULL) is recorded as the holder's job. With `force`, a lock whose holder
 * cannot be proven gone (another host, an unreadable file, a file system
 * without locks) is broken, with a warning; a held kernel lock is not.
 * Take-overs are logged as warnings naming the previous holder.
 * @return DCKPT_OK, DCKPT_ELOCKED (the message names the holder: host, pid,
 *         job id, since), or the I/O error naming the file.
 */
int dckpt_lock_acquire(dckpt_lock *lock, const char *path, const char *job_id, bool force,
                       const dckpt_logger *log, dckpt_err *err);

/** Releases the lock: removes the lock file when it is still this holder's,
 *  then drops the kernel lock. Safe when not held, also on a zeroed struct
 *  that was never acquired; the struct may be reused. */
void dckpt_lock_release(dckpt_lock *lock);

/** How long a refused process waits at most for the facts of a holder that
 *  has the kernel lock but whose file does not name a live holder yet
 *  (default 10 s). Not thread-safe; for tests. */
void dckpt_lock_set_facts_wait(double seconds);

/**
 * Leases: claims lock file `path` (its directory must exist) like
 * dckpt_lock_acquire without `force`, with the same guarantee (of any number
 * of claimants, on a fresh path or on a holder that is gone, exactly one gets
 * it; the others get DCKPT_ELOCKED naming it), and three more ways for a
 * holder on another host to be gone: it recorded the claimant's own
 * `job_id` and an incarnation older than `restart` (the claimant's: Slurm's
 * SLURM_RESTART_COUNT, 0 when never requeued; a scheduler ends every process
 * of a job before it starts the job again, so an older incarnation of the
 * claimant's own job is gone, while the same incarnation is a sibling rank),
 * its job is gone (policy->job_state), or its last renewal is older than
 * policy->timeout. Every take-over first wins a
 * ticket published with link(2) (io/lock_internal.h), so a take-over is
 * exclusive also where the kernel lock cannot decide it: file systems whose
 * locks are private to each host or that have none. The holder renews with
 * dckpt_lease_renew and releases with dckpt_lock_release.
 */
int dckpt_lease_claim(dckpt_lock *lease, const char *path, const char *job_id,
                      int64_t restart, const dckpt_lease_policy *policy,
                      const dckpt_logger *log, dckpt_err *err);

/** Leases: records a renewal (now) in the holder's file, in place. Returns
 *  DCKPT_ELOCKED, naming the new holder, when the lease is no longer this
 *  holder's (taken over after its renewal grew older than the timeout): the
 *  caller must then stop using what the lease guards and release it. */
int dckpt_lease_renew(dckpt_lock *lease, dckpt_err *err);

/** Who holds lock file `path` and whether it still runs; changes nothing.
 *  Problems with the file go into info->state and info->error. */
void dckpt_lock_probe(const char *path, dckpt_lock_info *info);

#endif
