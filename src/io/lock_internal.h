/* What io/lock.c shares with leases (io/lease.c): not part of the lock's
 * interface. */
#ifndef DCKPT_IO_LOCK_INTERNAL_H
#define DCKPT_IO_LOCK_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "io/lock.h"

/* What one attempt concluded, besides a final status. */
enum { DCKPT_LOCK_RETRY_NOW = 1, DCKPT_LOCK_RETRY_LATER = 2 };

/** Reads the file `fd` from offset 0 into raw[cap] (its length in *len) and
 *  parses it as facts; false (with `why`) when it is not whole facts. */
bool dckpt_lock_read_raw(int fd, char *raw, size_t cap, size_t *len, dckpt_lock_facts *f,
                         char *why, size_t whylen);

/** Whether `path` still names the file open as `fd` (and it is linked). */
bool dckpt_lock_names_inode(int fd, const char *path);

/** "pid 41233 on host node17 (job '881234', since ...)" */
void dckpt_lock_describe(const dckpt_lock_info *h, char *buf, size_t len);

/** Replaces the file's content with the holder's facts, in place (after a
 *  truncate with `truncate`); fdatasync unless the file system is local. */
int dckpt_lock_write_facts(dckpt_lock *lock, int fd, bool truncate, dckpt_err *err);

/** Publishes this holder's facts as the new file `target`: written under a
 *  private name `<lock path>.<host>.<pid>.<n>` (kernel-locked with `klock`),
 *  then linked. DCKPT_OK (the descriptor in *fd_out, or closed when fd_out is
 *  NULL), DCKPT_LOCK_RETRY_NOW when `target` exists, or the I/O error. */
int dckpt_lock_publish(dckpt_lock *lock, const char *target, bool klock, int *fd_out,
                       dckpt_err *err);

/** What a lease adds to the lock (io/lease.c fills it; lock.c only calls
 *  through it, so that lease.c uses lock.c and not the other way round). */
typedef struct dckpt_lock_rules {
  /** Decides on an existing file `fd` (`klock`: DCKPT_KLOCK_TAKEN, this
   *  process holds its free kernel lock; DCKPT_KLOCK_UNSUPPORTED, there is
   *  none): DCKPT_OK once it is this holder's, else as an attempt. */
  int (*decide)(dckpt_lock *lock, int fd, int klock, const dckpt_logger *log, char *last,
                size_t lastlen, dckpt_err *err);
  /** Another process holds the kernel lock of `fd`: DCKPT_LOCK_RETRY_LATER
   *  while a take-over is under way, else DCKPT_OK (refuse as the lock). */
  int (*busy)(dckpt_lock *lock, int fd, char *last, size_t lastlen);
  /** Removes the take-over tickets of `path` whose inode is (`same`) or is
   *  not (!`same`) `ino`: after a release, after a claim. */
  void (*sweep)(const char *path, unsigned long long ino, bool same);
} dckpt_lock_rules;

/** dckpt_lock_acquire (without force) with `rules` and `policy`; `restart`
 *  (the job's incarnation, dckpt_lease_claim) is recorded with the facts. */
int dckpt_lock_acquire_with(dckpt_lock *lock, const char *path, const char *job_id,
                            int64_t restart, const dckpt_lock_rules *rules,
                            const dckpt_lease_policy *policy, const dckpt_logger *log,
                            dckpt_err *err);

#endif
