/* Shared runs and the directory's lock (docs/design.md, "Shared runs"): a
 * shared run registers itself with a lease DIR/leases/run.<host>.<pid>.lease
 * before it takes the lock, holds the lock only to set up or finish, and
 * waits while another shared run holds it for that; a run that is not shared
 * takes the lock and then refuses to go on while a shared run is registered.
 * Since each side registers (or locks) first and looks at the other second,
 * at least one of two that meet sees the other. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/fs.h"
#include "io/lock.h"
#include "io/path.h"
#include "io/walk.h"
#include "store/store_internal.h"

typedef struct runs_seen {
  const char *dir; /* DIR/leases */
  bool force;      /* a holder that cannot be judged does not count */
  long long self_pid;
  const char *self_host;
  int n;
  char names[768];
} runs_seen;

/* Whether the holder `h` of a run's lease counts as a run still working. */
static bool counts(const dckpt_lock_info *h, bool force) {
  return h->state == DCKPT_LOCK_ALIVE || (!force && (h->state == DCKPT_LOCK_UNKNOWN ||
                                                     h->state == DCKPT_LOCK_UNREADABLE));
}

static void describe(char *buf, size_t len, const dckpt_lock_info *h) {
  if (h->state == DCKPT_LOCK_UNREADABLE) {
    snprintf(buf, len, "%s", h->error);
    return;
  }
  snprintf(buf, len, "pid %lld on host %s%s%s%s since %s", (long long)h->pid, h->host,
           h->job_id[0] ? " (job '" : "", h->job_id, h->job_id[0] ? "')" : "", h->since);
}

static int visit_run(void *ctx, const dckpt_walk_entry *e, dckpt_err *err) {
  (void)err;
  runs_seen *rs = ctx;
  size_t n = strlen(e->name), sl = strlen(DCKPT_LEASE_SUFFIX);
  if (strncmp(e->name, DCKPT_RUN_LEASE_PREFIX, strlen(DCKPT_RUN_LEASE_PREFIX)) != 0 ||
      n <= sl || strcmp(e->name + n - sl, DCKPT_LEASE_SUFFIX) != 0)
    return DCKPT_OK;
  char *path = dckpt_path_join(rs->dir, e->name);
  if (!path) return DCKPT_OK;
  dckpt_lock_info h;
  dckpt_lock_probe(path, &h);
  free(path);
  if (!counts(&h, rs->force)) return DCKPT_OK;
  if (rs->self_host && h.pid == rs->self_pid && !strcmp(h.host, rs->self_host))
    return DCKPT_OK;
  char one[700];
  describe(one, sizeof one, &h);
  size_t used = strlen(rs->names);
  if (used + 8 < sizeof rs->names)
    snprintf(rs->names + used, sizeof rs->names - used, "%s%s", rs->n ? "; " : "", one);
  rs->n++;
  return DCKPT_OK;
}

int dckpt_store_shared_runs(dckpt_store *s, bool force, const char *self_host,
                            long long self_pid, char *names, size_t len) {
  char *dir = dckpt_layout_leases_dir(s);
  if (!dir) return -1;
  runs_seen rs = {dir, force, self_pid, self_host, 0, ""};
  dckpt_err err;
  dckpt_err_clear(&err);
  (void)dckpt_walk(dir, DCKPT_WALK_MISSING_OK | DCKPT_WALK_UNREADABLE_OK, visit_run, &rs,
                   &err);
  free(dir);
  if (names && len) snprintf(names, len, "%s", rs.names);
  return rs.n;
}

int dckpt_store_refuse_shared_runs(dckpt_store *s, bool force) {
  char names[768];
  int n = dckpt_store_shared_runs(s, force, NULL, 0, names, sizeof names);
  if (n < 0) return dckpt_err_set(&s->err, DCKPT_ENOMEM, "out of memory");
  if (n == 0) return DCKPT_OK;
  dckpt_lock_release(&s->lock);
  char halt[DCKPT_ERRMSG_MAX];
  (void)dckpt_halt_path(s->dir, NULL, halt, sizeof halt);
  return dckpt_err_set(&s->err, DCKPT_ELOCKED,
                       "'%s' is in use by %d shared run(s) (%s): a run that is not "
                       "shared waits until they end (stop them with '%s'; a "
                       "registration that cannot be read or judged is ignored with "
                       "DCKPT_OPEN_BREAK_LOCK)",
                       s->dir, n, names, halt);
}

/* Whether the lock's holder `h` is a shared run (it holds its run lease). */
static bool holder_is_shared(dckpt_store *s, const dckpt_lock_info *h) {
  if (h->state != DCKPT_LOCK_ALIVE && h->state != DCKPT_LOCK_UNKNOWN) return false;
  char *path = dckpt_layout_run_lease(s->dir, h->host, (long long)h->pid);
  if (!path) return false;
  dckpt_lock_info r;
  dckpt_lock_probe(path, &r);
  free(path);
  return (r.state == DCKPT_LOCK_ALIVE || r.state == DCKPT_LOCK_UNKNOWN) &&
         r.pid == h->pid && !strcmp(r.host, h->host) && r.pid_start == h->pid_start;
}

static void nap(double seconds) {
  struct timespec ts = {(time_t)seconds,
                        (long)((seconds - (double)(time_t)seconds) * 1e9)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

int dckpt_store_lock_exclusive(dckpt_store *s, const char *path, bool force) {
  int rc = dckpt_lock_acquire(&s->lock, path, s->job_id, force, &s->log, &s->err);
  if (rc == DCKPT_ELOCKED) {
    dckpt_lock_info h;
    dckpt_lock_probe(path, &h);
    if (holder_is_shared(s, &h)) {
      char was[sizeof s->err.msg];
      snprintf(was, sizeof was, "%s", s->err.msg);
      return dckpt_err_set(&s->err, DCKPT_ELOCKED,
                           "%s; it is a shared run: a run that is not shared waits "
                           "until every shared run has ended",
                           was);
    }
    return rc;
  }
  return rc == DCKPT_OK ? dckpt_store_refuse_shared_runs(s, force) : rc;
}

int dckpt_store_lock_shared(dckpt_store *s, const char *path, bool force) {
  double wait = 0.005;
  for (int vanished = 0;;) {
    int rc = dckpt_lock_acquire(&s->lock, path, s->job_id, force, &s->log, &s->err);
    if (rc != DCKPT_ELOCKED) return rc;
    dckpt_lock_info h;
    dckpt_lock_probe(path, &h);
    /* released between the attempt and the look: try again at once */
    if (h.state == DCKPT_LOCK_NONE && ++vanished < 100) continue;
    if (!holder_is_shared(s, &h)) {
      char was[sizeof s->err.msg];
      snprintf(was, sizeof was, "%s", s->err.msg);
      return dckpt_err_set(&s->err, DCKPT_ELOCKED,
                           "%s; that run is not shared (a shared run joins only "
                           "shared runs)",
                           was);
    }
    /* another shared run sets up or finishes: a short while */
    nap(wait);
    if (wait < 0.2) wait *= 2;
  }
}

/* A pair's holder on another host that has not renewed its lease for this
 * long is gone (docs/runtime.md, "Shared runs"): far beyond the runtime's
 * renewal period (60 s) and the longest stall a holder should have. */
#define LEASE_TIMEOUT_SECONDS 900.0

/* The policy of s's leases: the timeout, and the job_state callback when
 * one was set (dckpt_store_set_job_state). */
static const dckpt_lease_policy *lease_policy(dckpt_store *s) {
  s->lease_policy.timeout = LEASE_TIMEOUT_SECONDS;
  return &s->lease_policy;
}

int dckpt_store_set_job_state(dckpt_store *s, dckpt_job_state_fn job_state, void *ctx) {
  if (!s) return DCKPT_EINVAL;
  if (s->pair.held)
    return dckpt_err_set(&s->err, DCKPT_EINVAL,
                         "set_job_state: this handle holds the lease of a pair ('%s')",
                         s->pair.path);
  s->lease_policy.job_state = job_state;
  s->lease_policy.ctx = job_state ? ctx : NULL;
  return DCKPT_OK;
}

int dckpt_store_join_shared(dckpt_store *s) {
  if (s->member.held) return DCKPT_OK;
  dckpt_lock_facts me;
  dckpt_lock_facts_self(&me, NULL, false);
  char *leases = dckpt_layout_leases_dir(s);
  char *path = dckpt_layout_run_lease(s->dir, me.info.host, (long long)me.info.pid);
  int rc = !leases || !path ? dckpt_err_set(&s->err, DCKPT_ENOMEM, "out of memory")
                            : dckpt_mkdirs(leases, true, &s->err);
  if (rc == DCKPT_OK)
    rc = dckpt_lease_claim(&s->member, path, s->job_id, s->opts.job_restart,
                           lease_policy(s), &s->log, &s->err);
  free(leases);
  free(path);
  return rc;
}

int dckpt_store_claim_run_name(dckpt_store *s, const char *name) {
  char *path = dckpt_layout_named_run(s->dir, name, DCKPT_NAMED_RUN_LEASE);
  if (!path) return dckpt_err_set(&s->err, DCKPT_ENOMEM, "out of memory");
  bool same = s->name.held && s->name.path && !strcmp(s->name.path, path);
  int rc = DCKPT_OK;
  if (!same) {
    dckpt_lock_release(&s->name); /* another name asked before: that one is free */
    rc = dckpt_lease_claim(&s->name, path, s->job_id, s->opts.job_restart,
                           lease_policy(s), &s->log, &s->err);
  }
  free(path);
  /* a status of its own: DCKPT_ELOCKED says the directory is locked, which
   * a caller (dckpt_run's, dckpt-bench) would tell the user */
  if (rc == DCKPT_ELOCKED) {
    char why[DCKPT_ERRMSG_MAX], halt[DCKPT_ERRMSG_MAX];
    snprintf(why, sizeof why, "%s", s->err.msg);
    (void)dckpt_halt_path(s->dir, name, halt, sizeof halt);
    rc = dckpt_err_set(&s->err, DCKPT_ENAMEINUSE,
                       "the run name '%s' is in use in '%s' (%s): a live run of that "
                       "name would share its HALT and run_status.json; give another "
                       "name, or stop that run first (create '%s': it stops that run "
                       "alone, which can be resumed)",
                       name, s->dir, why, halt);
  }
  return rc;
}

int dckpt_store_check_alone(dckpt_store *s) {
  char names[768];
  int n = dckpt_store_shared_runs(
      s, (s->opts.flags & DCKPT_OPEN_BREAK_LOCK) != 0, s->member.self.info.host,
      (long long)s->member.self.info.pid, names, sizeof names);
  if (n < 0) return dckpt_err_set(&s->err, DCKPT_ENOMEM, "out of memory");
  if (n == 0) return DCKPT_OK;
  return dckpt_err_set(&s->err, DCKPT_ELOCKED,
                       "extend '%s': more iterations are asked, but %d other shared "
                       "run(s) work on it (%s): a run of the old plan would complete "
                       "pairs at the old iteration count; grow it when they have ended",
                       s->dir, n, names);
}

int dckpt_store_release_lock(dckpt_store *s) {
  if (!s || !(s->opts.flags & DCKPT_OPEN_SHARED) || !s->lock.held)
    return s ? dckpt_err_set(&s->err, DCKPT_EINVAL,
                             "release_lock: only a DCKPT_OPEN_SHARED handle that "
                             "holds the lock gives it back")
             : DCKPT_EINVAL;
  dckpt_lock_release(&s->lock);
  return DCKPT_OK;
}

int dckpt_store_claim_pair(dckpt_store *s, int64_t alg, int64_t trial) {
  /* (store.c's checks are not called from here: store.c calls this file) */
  if (s->failed_open || !s->writable)
    return dckpt_err_set(&s->err, DCKPT_EINVAL,
                         "claim_pair: '%s' is not open for writing", s->dir);
  if (alg < 0 || alg > INT32_MAX || trial < 0 || trial > INT32_MAX)
    return dckpt_err_set(&s->err, DCKPT_EINVAL,
                         "claim_pair: pair (%lld, %lld) is out of range", (long long)alg,
                         (long long)trial);
  if (s->pair.held)
    return dckpt_err_set(&s->err, DCKPT_EINVAL,
                         "claim_pair: this handle holds the lease of another pair "
                         "('%s'); release it first",
                         s->pair.path);
  char *path = dckpt_layout_pair_lease(s->dir, alg, trial);
  if (!path) return dckpt_err_set(&s->err, DCKPT_ENOMEM, "out of memory");
  int rc = dckpt_lease_claim(&s->pair, path, s->job_id, s->opts.job_restart,
                             lease_policy(s), &s->log, &s->err);
  free(path);
  return rc;
}

int dckpt_store_renew_pair(dckpt_store *s) {
  if (!s->pair.held)
    return dckpt_err_set(&s->err, DCKPT_EINVAL, "renew_pair: no pair is claimed");
  return dckpt_lease_renew(&s->pair, &s->err);
}

void dckpt_store_release_pair(dckpt_store *s) {
  if (s) dckpt_lock_release(&s->pair);
}

/* ---- dckpt_lease_list ---- */

typedef struct lease_list {
  const char *dir; /* DIR/leases */
  dckpt_lease_entry *v;
  size_t n, cap;
} lease_list;

/* "pair.<alg>.<trial>.lease" or "run.<...>.lease"; false for anything else
 * (tickets "<lease>.take.*", temporaries). */
static bool lease_name(const char *name, int64_t *alg, int64_t *trial) {
  size_t n = strlen(name), sl = strlen(DCKPT_LEASE_SUFFIX);
  if (n <= sl || strcmp(name + n - sl, DCKPT_LEASE_SUFFIX) != 0 || strstr(name, ".take."))
    return false;
  *alg = *trial = -1;
  if (!strncmp(name, DCKPT_RUN_LEASE_PREFIX, strlen(DCKPT_RUN_LEASE_PREFIX))) return true;
  long long a, t;
  int end = 0;
  if (sscanf(name, "pair.%lld.%lld%n", &a, &t, &end) != 2 || a < 0 || t < 0 ||
      strcmp(name + end, DCKPT_LEASE_SUFFIX) != 0)
    return false;
  *alg = a, *trial = t;
  return true;
}

static int visit_lease(void *ctx, const dckpt_walk_entry *e, dckpt_err *err) {
  lease_list *l = ctx;
  int64_t alg, trial;
  if (!lease_name(e->name, &alg, &trial)) return DCKPT_OK;
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 16;
    dckpt_lease_entry *v = realloc(l->v, cap * sizeof *v);
    if (!v) return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
    l->v = v, l->cap = cap;
  }
  char *path = dckpt_path_join(l->dir, e->name);
  if (!path) return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  dckpt_lease_entry *x = &l->v[l->n];
  memset(x, 0, sizeof *x);
  x->alg = alg, x->trial = trial;
  dckpt_lock_probe(path, &x->holder);
  free(path);
  /* released between the listing and the look */
  if (x->holder.state != DCKPT_LOCK_NONE) l->n++;
  return DCKPT_OK;
}

static int lease_order(const void *pa, const void *pb) {
  const dckpt_lease_entry *a = pa, *b = pb;
  if (a->alg != b->alg) return a->alg < b->alg ? -1 : 1;
  if (a->trial != b->trial) return a->trial < b->trial ? -1 : 1;
  return strcmp(a->holder.host, b->holder.host) ? strcmp(a->holder.host, b->holder.host)
         : a->holder.pid < b->holder.pid        ? -1
                                                : a->holder.pid > b->holder.pid;
}

int dckpt_lease_list(const char *dir, dckpt_lease_entry **out, size_t *n) {
  if (out) *out = NULL;
  if (n) *n = 0;
  if (!dir || !out || !n) return DCKPT_EINVAL;
  char *leases = dckpt_path_join(dir, DCKPT_LEASES_DIR);
  if (!leases) return DCKPT_ENOMEM;
  lease_list l = {leases, NULL, 0, 0};
  dckpt_err err;
  dckpt_err_clear(&err);
  int rc = dckpt_walk(leases, DCKPT_WALK_MISSING_OK, visit_lease, &l, &err);
  free(leases);
  if (rc != DCKPT_OK) {
    free(l.v);
    return rc;
  }
  if (l.n) qsort(l.v, l.n, sizeof *l.v, lease_order);
  *out = l.v;
  *n = l.n;
  return DCKPT_OK;
}
