/* Deletes files in the background. Unlinking a large file can take
 * milliseconds (on file systems that discard freed blocks synchronously), and
 * rotation of old checkpoints has no reason to make a save wait for that: the
 * file is first renamed to a temporary name (cheap, and cleaned up after a
 * crash like any temporary), then unlinked by a worker thread. */
#ifndef DCKPT_IO_REAPER_H
#define DCKPT_IO_REAPER_H

#include <stdint.h>

typedef struct dckpt_reaper dckpt_reaper;

/** Creates a reaper; a thread of its own starts with its first file to
 *  remove or close and stays, asleep when idle, until destroy joins it: no
 *  thread ends at a moment nobody chose, which a fork() in another thread
 *  could meet (under ASan the child then hung). One owner thread destroys;
 *  any thread may queue; the jobs run in order.
 *  NULL: no memory (every call then does its job at once). In a child that
 *  fork() made, every call does its job at once and destroy only frees. */
dckpt_reaper *dckpt_reaper_create(void);
/** The process's own reaper, for owners that may be many and short-lived
 *  (records: a program may hold thousands), which then share one thread
 *  instead of each having one; made by the first call, destroyed (its
 *  thread joined) when the library is unloaded or the process exits.
 *  NULL when it could not be made (jobs are then done at once). */
dckpt_reaper *dckpt_reaper_process(void);
/** Waits until the jobs queued up to `ticket` (dckpt_reaper_close's) are
 *  done. Returns at once for 0, NULL or in a forked child. */
void dckpt_reaper_wait(dckpt_reaper *r, uint64_t ticket);
/** Queues `path` for unlinking (copied). Unlinks at once if the thread cannot
 *  be started. */
void dckpt_reaper_unlink(dckpt_reaper *r, const char *path);
/** Removes `path` off the caller's critical path: renames it at once to the
 *  temporary `.dckpt-tmp.<name>.gone` beside it (so a crash leaves only a
 *  temporary, and a later file of the same name can never be deleted by a
 *  late unlink) and queues that for unlinking. Unlinks `path` at once when
 *  `r` is NULL or the rename fails. */
void dckpt_reaper_remove(dckpt_reaper *r, const char *path);
/** Closes `fd` off the caller's thread: a descriptor of a file without a
 *  name, whose blocks the close frees. Closes at once when `r` is NULL or
 *  the thread cannot be started. Returns the job's ticket for
 *  dckpt_reaper_wait(), 0 when it was done at once. */
uint64_t dckpt_reaper_close(dckpt_reaper *r, int fd);
/** Unlinks and closes everything still queued, stops the thread, frees.
 *  Accepts NULL. */
void dckpt_reaper_destroy(dckpt_reaper *r);

#endif
