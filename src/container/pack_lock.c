/* Whether a run holds DIR. A pack reads DIR and must not write it (a killed
 * pack leaves DIR untouched), so it does not take the lock; it asks who
 * holds it (dckpt_lock_query, the lock's own judgement) and refuses a
 * holder that runs, or may (another host, an unreadable lock). */
#include <stdlib.h>

#include "container/pack.h"

int pk_check_lock(const char *dir, const dckpt_logger *log, ctr_err *e) {
  dckpt_lock_info *l = NULL;
  int rc = dckpt_lock_query(dir, &l);
  if (rc != DCKPT_OK) return ctr_fail(e, rc, "pack: cannot ask who holds '%s'", dir);
  switch (l->state) {
  case DCKPT_LOCK_NONE: break;
  case DCKPT_LOCK_STALE:
    dckpt_log(log, DCKPT_LOG_WARN,
              "pack: '%s' is locked by process %lld of this host, which is gone; packing "
              "anyway",
              dir, (long long)l->pid);
    break;
  case DCKPT_LOCK_UNREADABLE:
    rc = ctr_fail(e, DCKPT_ELOCKED,
                  "pack: '%s' has a lock that cannot be read (%s); pack it after the run "
                  "ends, or pass --ignore-lock if no run holds it",
                  dir, l->error);
    break;
  default:
    rc = ctr_fail(e, DCKPT_ELOCKED,
                  "pack: '%s' is held by a run%s (host %s, pid %lld%s%s, since %s); pack "
                  "it after the run ends, or pass --ignore-lock if that run is gone",
                  dir, l->state == DCKPT_LOCK_UNKNOWN ? " of another host" : "", l->host,
                  (long long)l->pid, l->job_id[0] ? ", job " : "", l->job_id,
                  l->since[0] ? l->since : "?");
  }
  dckpt_free(l);
  return rc;
}
