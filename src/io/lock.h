/* The lock of a file path (a run directory's dckpt.lock): the lock file names
 * its holder (io/lock_facts.h). It is created atomically with link(2), which
 * works on network file systems too. A lock whose holder is a dead process on
 * this host is stale and may be taken over; a holder on another host cannot
 * be checked, so only an explicit break takes its lock. */
#ifndef DCKPT_IO_LOCK_H
#define DCKPT_IO_LOCK_H

#include <stdbool.h>

#include "io/lock_facts.h"
#include "util/err.h"
#include "util/log.h"

typedef struct dckpt_lock {
  char *path;
  bool held;
  dckpt_lock_facts self;
} dckpt_lock;

/** Takes the lock file `path` (its directory must exist). `job_id` may be
 *  NULL. With `force`, a lock held from another host is taken over too.
 *  Take-overs are logged as warnings naming the previous holder.
 *  @return DCKPT_OK, DCKPT_ELOCKED (the message names the holder), or the
 *          I/O error. */
int dckpt_lock_acquire(dckpt_lock *lock, const char *path, const char *job_id, bool force,
                       const dckpt_logger *log, dckpt_err *err);

/** Releases the lock when this process still holds it. Safe when not held. */
void dckpt_lock_release(dckpt_lock *lock);

/** Who holds lock file `path` and whether it still runs; changes nothing.
 *  Problems with the file go into info->state and info->error. */
void dckpt_lock_probe(const char *path, dckpt_lock_info *info);

#endif
