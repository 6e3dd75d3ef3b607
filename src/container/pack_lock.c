/* Whether a run holds DIR. A pack reads DIR and must not write it (a killed
 * pack leaves DIR untouched), so it does not take the lock; it asks who
 * holds it (dckpt_lock_query, the lock's own judgement) and refuses a
 * holder that runs, or may (another host, an unreadable lock); and whether
 * shared runs are registered (dckpt_lease_list), which work on DIR
 * without holding the lock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container/pack.h"

/* Refuses DIR while a shared run is registered whose holder may still run
 * (alive, or not to be judged from here), as a writing open would. */
static int check_shared_runs(const char *dir, ctr_err *e) {
  dckpt_lease_entry *ls = NULL;
  size_t n = 0;
  int rc = dckpt_lease_list(dir, &ls, &n);
  if (rc != DCKPT_OK)
    return ctr_fail(e, rc, "pack: cannot list the leases of '%s' (%s)", dir,
                    dckpt_strerror(rc));
  int runs = 0;
  char names[512] = "";
  for (size_t i = 0; i < n; i++) {
    const dckpt_lock_info *h = &ls[i].holder;
    if (ls[i].alg >= 0 ||
        (h->state != DCKPT_LOCK_ALIVE && h->state != DCKPT_LOCK_UNKNOWN &&
         h->state != DCKPT_LOCK_UNREADABLE))
      continue;
    size_t len = strlen(names);
    if (len < sizeof names - 1)
      snprintf(names + len, sizeof names - len, "%spid %lld on host %s", runs ? ", " : "",
               (long long)h->pid, h->host[0] ? h->host : "?");
    runs++;
  }
  dckpt_free(ls);
  if (runs == 0) return DCKPT_OK;
  return ctr_fail(e, DCKPT_ELOCKED,
                  "pack: '%s' is in use by %d shared run(s) (%s); pack it after they "
                  "end, or pass --ignore-lock if they are gone",
                  dir, runs, names);
}

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
  /* shared runs hold the lock only to set up and to finish: in between their
   * registrations (DIR/leases) say that they work on DIR */
  if (rc == DCKPT_OK) rc = check_shared_runs(dir, e);
  return rc;
}
