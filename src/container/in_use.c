/* Whether a run works on DIR, for a pack (which reads DIR) and for an unpack
 * --restore (which adds trial directories to it). A pack must not write DIR
 * (a killed pack leaves DIR untouched), so neither takes the lock; they ask
 * who holds it (dckpt_lock_query, the lock's own judgement) and refuse a
 * holder that runs, or may (another host, an unreadable lock); and whether
 * shared runs are registered (dckpt_lease_list), which work on DIR
 * without holding the lock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container/ctr.h"

/* Refuses DIR while a shared run is registered whose holder may still run
 * (alive, or not to be judged from here), as a writing open would. */
static int check_shared_runs(const char *dir, const char *what, const char *action,
                             ctr_err *e) {
  dckpt_lease_entry *ls = NULL;
  size_t n = 0;
  int rc = dckpt_lease_list(dir, &ls, &n);
  if (rc != DCKPT_OK)
    return ctr_fail(e, rc, "%s: cannot list the leases of '%s' (%s)", what, dir,
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
                  "%s: '%s' is in use by %d shared run(s) (%s); %s after they "
                  "end, or pass --ignore-lock if they are gone",
                  what, dir, runs, names, action);
}

int ctr_check_not_in_use(const char *dir, const char *what, const char *action,
                         const dckpt_logger *log, ctr_err *e) {
  dckpt_lock_info *l = NULL;
  int rc = dckpt_lock_query(dir, &l);
  if (rc != DCKPT_OK) return ctr_fail(e, rc, "%s: cannot ask who holds '%s'", what, dir);
  switch (l->state) {
  case DCKPT_LOCK_NONE: break;
  case DCKPT_LOCK_STALE:
    dckpt_log(log, DCKPT_LOG_WARN,
              "%s: '%s' is locked by process %lld of this host, which is gone; going on "
              "anyway",
              what, dir, (long long)l->pid);
    break;
  case DCKPT_LOCK_UNREADABLE:
    rc = ctr_fail(e, DCKPT_ELOCKED,
                  "%s: '%s' has a lock that cannot be read (%s); %s after the run "
                  "ends, or pass --ignore-lock if no run holds it",
                  what, dir, l->error, action);
    break;
  default:
    rc = ctr_fail(e, DCKPT_ELOCKED,
                  "%s: '%s' is held by a run%s (host %s, pid %lld%s%s, since %s); %s "
                  "after the run ends, or pass --ignore-lock if that run is gone",
                  what, dir, l->state == DCKPT_LOCK_UNKNOWN ? " of another host" : "",
                  l->host, (long long)l->pid, l->job_id[0] ? ", job " : "", l->job_id,
                  l->since[0] ? l->since : "?", action);
  }
  dckpt_free(l);
  /* shared runs hold the lock only to set up and to finish: in between their
   * registrations (DIR/leases) say that they work on DIR */
  if (rc == DCKPT_OK) rc = check_shared_runs(dir, what, action, e);
  return rc;
}
