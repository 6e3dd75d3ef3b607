/* The run lock: DIR/dckpt.lock names its holder (host, pid, pid start time,
 * job id, start time). It is created atomically with link(2), which works on
 * network file systems too. A lock whose holder is a dead process on this host
 * is stale and may be taken over; a holder on another host cannot be checked,
 * so only an explicit break takes its lock. */
#ifndef DCKPT_IO_LOCK_H
#define DCKPT_IO_LOCK_H

#include <stdbool.h>

#include "util/err.h"
#include "util/log.h"

#define DCKPT_LOCK_NAME "dckpt.lock"

typedef struct dckpt_lock {
  char *path;
  bool held;
  char host[256];
  long pid;
  unsigned long long pid_start;
} dckpt_lock;

/** Takes the lock of directory `dir` (which must exist). `job_id` may be NULL.
 *  With `force`, a lock held from another host is taken over too. Take-overs
 *  are logged as warnings naming the previous holder. */
int dckpt_lock_acquire(dckpt_lock *lock, const char *dir, const char *job_id, bool force,
                       const dckpt_logger *log, dckpt_err *err);

/** Releases the lock when this process still holds it. Safe when not held. */
void dckpt_lock_release(dckpt_lock *lock);

/** Start time of process `pid` in clock ticks since boot (0 when unknown). */
unsigned long long dckpt_process_start_time(long pid);

#endif
