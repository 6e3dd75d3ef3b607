/* Shared runs and the directory's lock (store/shared.c; docs/design.md,
 * "Shared runs"). */
#ifndef DCKPT_STORE_SHARED_H
#define DCKPT_STORE_SHARED_H

#include <stdbool.h>
#include <stddef.h>

#include "dckpt.h"

/** DCKPT_OPEN_SHARED: registers this process as a shared run of DIR (its
 *  lease DIR/leases/run.<host>.<pid>.lease, held until the handle closes),
 *  before the lock is taken. */
int dckpt_store_join_shared(dckpt_store *s);
/** Claims the run name `name` (valid, its folder made) for this handle: its
 *  lease DIR/runs/<name>/run.lease, held until the handle closes, judged as
 *  the shared runs' leases are (a holder gone, e.g. a requeued job's earlier
 *  incarnation, is taken over). DCKPT_ENAMEINUSE, naming the holder, while
 *  a live run holds it. */
int dckpt_store_claim_run_name(dckpt_store *s, const char *name);
/** With iterations to grow on a DCKPT_OPEN_SHARED handle: refuses
 *  (DCKPT_ELOCKED, naming them) while another shared run is registered. */
int dckpt_store_check_alone(dckpt_store *s);
/** Takes the lock for a shared run (DCKPT_OPEN_SHARED): waits while it is
 *  held by another shared run, refuses (DCKPT_ELOCKED, naming it) a holder
 *  that is not one. */
int dckpt_store_lock_shared(dckpt_store *s, const char *path, bool force);
/** Takes the lock for a run that is not shared: refuses (DCKPT_ELOCKED)
 *  while it is held, saying so when the holder is a shared run, and while a
 *  shared run is registered (dckpt_store_refuse_shared_runs). */
int dckpt_store_lock_exclusive(dckpt_store *s, const char *path, bool force);
/** With the lock held by a run that is not shared: DCKPT_OK when no shared
 *  run is registered, else releases the lock and refuses (DCKPT_ELOCKED),
 *  naming them. `force`: holders that cannot be judged do not count. */
int dckpt_store_refuse_shared_runs(dckpt_store *s, bool force);
/** How many shared runs are registered in DIR/leases besides the one of
 *  `self_host`/`self_pid` (NULL: none excluded), their holders in `names`;
 *  -1 when out of memory. */
int dckpt_store_shared_runs(dckpt_store *s, bool force, const char *self_host,
                            long long self_pid, char *names, size_t len);

#endif
