/* Leases (io/lock.h, dckpt_lease_claim): a lock whose holder renews it, and
 * that others take over also when the holder's job is gone or its renewal is
 * too old; every take-over goes through a ticket published with link(2), so
 * that it stays exclusive where the kernel lock cannot decide it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io/lock_fs.h"
#include "io/lock_internal.h"
#include "io/path.h"
#include "io/sys.h"
#include "io/walk.h"

/* Tickets of tickets: how many interrupted take-overs in a row are taken. */
enum { MAX_TICKET_DEPTH = 4 };

static uint64_t fnv1a(const char *p, size_t n, uint64_t h) {
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)p[i]) * 0x100000001b3ull;
  return h;
}

static double file_mtime(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 ? (double)st.st_mtim.tv_sec : 0;
}

/* Whether a holder on another host of a file last changed at `mtime` is gone
 * by the lease's own rules: it is an older incarnation of the claimant's own
 * job (a requeued job starts again only once every process of its previous
 * run has ended), its job is gone, or its renewal (else the file's mtime) is
 * older than the timeout. A holder of the same job and incarnation is a
 * sibling rank and judged like any other; one that recorded no incarnation
 * (an older lease file) too. */
static bool gone_by_policy(const dckpt_lock *lock, const dckpt_lock_facts *h,
                           double mtime, char *how, size_t howlen) {
  const dckpt_lease_policy *p = &lock->policy;
  const dckpt_lock_facts *me = &lock->self;
  if (me->info.job_id[0] && h->restart >= 0 && h->restart < me->restart &&
      strcmp(h->info.job_id, me->info.job_id) == 0) {
    snprintf(how, howlen,
             "is run %lld of job '%s', which Slurm has since started again (run %lld)",
             (long long)h->restart, h->info.job_id, (long long)me->restart);
    return true;
  }
  if (p->job_state && h->info.job_id[0] &&
      p->job_state(h->info.job_id, p->ctx) == DCKPT_JOB_GONE) {
    snprintf(how, howlen, "its job '%s' is no longer running", h->info.job_id);
    return true;
  }
  double stamp = h->renewed > 0 ? h->renewed : mtime;
  double age = (double)time(NULL) - stamp;
  if (p->timeout > 0 && stamp > 0 && age > p->timeout) {
    snprintf(how, howlen, "its last renewal is %.0f s old (the timeout is %.0f s)", age,
             p->timeout);
    return true;
  }
  return false;
}

/* The verdict on the holder `h` of a lease file: 1 gone (`how` says why), 0
 * alive or not known to be gone, -1 on its way out (try again shortly). A
 * holder on this host is judged by its pid; one on another host by the kernel
 * lock (`kernel_free`: this process holds it; `shared`: every host sees it),
 * its job and its renewal. */
static int holder_gone(const dckpt_lock *lock, const dckpt_lock_facts *h, double mtime,
                       bool kernel_free, bool shared, char *how, size_t howlen) {
  if (dckpt_lock_holder_local(h)) {
    if (!dckpt_lock_holder_running(h)) {
      snprintf(how, howlen, "is no longer running");
      return 1;
    }
    return dckpt_lock_holder_dying(h) ? -1 : 0;
  }
  if (kernel_free && shared && h->kernel_lock) {
    snprintf(how, howlen, "no longer holds its kernel lock");
    return 1;
  }
  return gone_by_policy(lock, h, mtime, how, howlen) ? 1 : 0;
}

/* "<path>.take.<inode>.<hash of raw>" of the content raw[len] of `fd`. */
static char *ticket_name(int fd, const char *path, const char *raw, size_t len) {
  struct stat st;
  if (fstat(fd, &st) != 0) return NULL;
  uint64_t h = fnv1a(raw, len, 0xcbf29ce484222325ull);
  return dckpt_path_printf("%s.take.%llx.%016llx", path, (unsigned long long)st.st_ino,
                           (unsigned long long)h);
}

/* Whether `fd` (open as `path`) still holds exactly raw[len]. */
static bool unchanged(int fd, const char *path, const char *raw, size_t len) {
  char now[DCKPT_LOCK_FACTS_MAX + 1], why[64];
  size_t n = 0;
  dckpt_lock_facts f;
  (void)dckpt_lock_read_raw(fd, now, sizeof now, &n, &f, why, sizeof why);
  return dckpt_lock_names_inode(fd, path) && n == len && memcmp(now, raw, len) == 0;
}

static int take_ticket_at(dckpt_lock *lock, int fd, const char *path, const char *raw,
                          size_t len, int depth, char *last, size_t lastlen,
                          dckpt_err *err);

/* The ticket `name` exists: its taker is at work (try again shortly), or died
 * half-way, and then its ticket is taken over in turn. */
static int ticket_taken(dckpt_lock *lock, const char *name, int depth, char *last,
                        size_t lastlen, dckpt_err *err) {
  int tfd = open(name, O_RDONLY | O_CLOEXEC);
  if (tfd < 0) return errno == ENOENT ? DCKPT_LOCK_RETRY_NOW : DCKPT_LOCK_RETRY_LATER;
  char raw[DCKPT_LOCK_FACTS_MAX + 1], why[256], who[700], how[512];
  size_t n = 0;
  dckpt_lock_facts t;
  bool readable = dckpt_lock_read_raw(tfd, raw, sizeof raw, &n, &t, why, sizeof why);
  dckpt_lock_describe(&t.info, who, sizeof who);
  int gone = readable
                 ? holder_gone(lock, &t, file_mtime(tfd), false, false, how, sizeof how)
                 : gone_by_policy(lock, &t, file_mtime(tfd), how, sizeof how);
  int rc = DCKPT_LOCK_RETRY_LATER;
  if (gone == 1)
    rc = take_ticket_at(lock, tfd, name, raw, n, depth + 1, last, lastlen, err);
  else if (readable)
    snprintf(last, lastlen, "%s is taking it over", who);
  else
    snprintf(last, lastlen, "a take-over is under way ('%s' %s)", name, why);
  close(tfd);
  return rc;
}

static int take_ticket_at(dckpt_lock *lock, int fd, const char *path, const char *raw,
                          size_t len, int depth, char *last, size_t lastlen,
                          dckpt_err *err) {
  if (depth >= MAX_TICKET_DEPTH)
    return dckpt_err_set(err, DCKPT_ELOCKED,
                         "'%s': %d take-overs in a row died half-way; remove its "
                         "'.take.' files once no run uses it",
                         lock->path, depth);
  char *name = ticket_name(fd, path, raw, len);
  if (!name) return dckpt_err_errno(err, errno, "cannot stat '%s'", path);
  int rc = dckpt_lock_publish(lock, name, false, NULL, err);
  bool mine = rc == DCKPT_OK;
  if (rc == DCKPT_LOCK_RETRY_NOW) /* it exists: ours only by taking it over */
    rc = ticket_taken(lock, name, depth, last, lastlen, err);
  if (rc == DCKPT_OK && !unchanged(fd, path, raw, len)) {
    /* It changed hands or went away meanwhile: look again. (Tickets of a
     * file's inode are swept when its holder releases it.) */
    if (mine) dckpt_sys_unlink(name);
    rc = DCKPT_LOCK_RETRY_NOW;
  }
  free(name);
  return rc;
}

static int take_ticket(dckpt_lock *lock, int fd, const char *path, const char *raw,
                       size_t len, char *last, size_t lastlen, dckpt_err *err) {
  return take_ticket_at(lock, fd, path, raw, len, 0, last, lastlen, err);
}

static int lease_decide(dckpt_lock *lock, int fd, int klock, const dckpt_logger *log,
                        char *last, size_t lastlen, dckpt_err *err) {
  char raw[DCKPT_LOCK_FACTS_MAX + 1], why[256], who[700], how[512] = "";
  size_t n = 0;
  dckpt_lock_facts h;
  bool readable = dckpt_lock_read_raw(fd, raw, sizeof raw, &n, &h, why, sizeof why);
  bool kernel_free = klock == DCKPT_KLOCK_TAKEN;
  bool shared = kernel_free && dckpt_lockfs_shared(fd);
  double mtime = file_mtime(fd);
  dckpt_lock_describe(&h.info, who, sizeof who);
  int gone;
  if (readable)
    gone = holder_gone(lock, &h, mtime, kernel_free, shared, how, sizeof how);
  else if (shared) { /* every holder keeps the kernel lock: nobody uses it */
    gone = 1;
    snprintf(how, sizeof how, "cannot be read (%s) and no process holds it", why);
  } else { /* a take-over writing its facts, or garbage older than the timeout */
    gone = gone_by_policy(lock, &h, mtime, how, sizeof how) ? 1 : -1;
    if (gone == -1) snprintf(last, lastlen, "the file %s", why);
  }
  if (gone == -1) {
    if (readable) snprintf(last, lastlen, "its holder, %s, is being killed", who);
    return DCKPT_LOCK_RETRY_LATER;
  }
  if (gone == 0)
    return dckpt_err_set(err, DCKPT_ELOCKED, "'%s' is held by %s%s", lock->path, who,
                         dckpt_lock_holder_local(&h) ? ", which is still running"
                                                     : ", which may still be running");
  int rc = take_ticket(lock, fd, lock->path, raw, n, last, lastlen, err);
  if (rc != DCKPT_OK) return rc;
  dckpt_log(log, DCKPT_LOG_WARN, "taking over lease '%s': its holder, %s, %s", lock->path,
            readable ? who : "unknown", how);
  return dckpt_lock_write_facts(lock, fd, true, err);
}

static int lease_busy(dckpt_lock *lock, int fd, char *last, size_t lastlen) {
  char raw[DCKPT_LOCK_FACTS_MAX + 1], why[256];
  size_t n = 0;
  dckpt_lock_facts h;
  bool readable = dckpt_lock_read_raw(fd, raw, sizeof raw, &n, &h, why, sizeof why);
  char *name = ticket_name(fd, lock->path, raw, n);
  bool taking = name && access(name, F_OK) == 0;
  /* A holder on another host that holds no kernel lock, or that is gone by
   * the policy, is not who holds it: a taker is deciding (its ticket comes
   * next). */
  char how[512] = "holds no kernel lock", who[700];
  if (taking)
    snprintf(last, lastlen, "a take-over is under way ('%s')", name);
  else if (readable && !dckpt_lock_holder_local(&h) &&
           (!h.kernel_lock ||
            gone_by_policy(lock, &h, file_mtime(fd), how, sizeof how))) {
    taking = true;
    dckpt_lock_describe(&h.info, who, sizeof who);
    snprintf(last, lastlen,
             "its kernel lock is held although its holder, %s, %s: a take-over is under "
             "way, or the file system has not yet dropped that holder's locks (an NFS "
             "lease, a Lustre eviction)",
             who, how);
  }
  free(name);
  return taking ? DCKPT_LOCK_RETRY_LATER : DCKPT_OK;
}

typedef struct ticket_sweep {
  const char *prefix; /* "<base>.take." */
  unsigned long long ino;
  bool same;
} ticket_sweep;

static int sweep_ticket(void *ctx, const dckpt_walk_entry *e, dckpt_err *err) {
  (void)err;
  const ticket_sweep *sw = ctx;
  size_t plen = strlen(sw->prefix);
  if (strncmp(e->name, sw->prefix, plen) != 0) return DCKPT_OK;
  char *end = NULL;
  unsigned long long ino = strtoull(e->name + plen, &end, 16);
  if (end && *end == '.' && (ino == sw->ino) == sw->same)
    (void)dckpt_sys_unlinkat(e->dirfd, e->name, 0);
  return DCKPT_OK;
}

static void sweep_tickets(const char *path, unsigned long long ino, bool same) {
  char *dir = dckpt_path_dirname(path);
  char *prefix = dckpt_path_printf("%s.take.", dckpt_path_basename(path));
  ticket_sweep sw = {prefix, ino, same};
  if (dir && prefix)
    (void)dckpt_walk(dir, DCKPT_WALK_UNREADABLE_OK, sweep_ticket, &sw, NULL);
  free(dir);
  free(prefix);
}

int dckpt_lease_renew(dckpt_lock *lease, dckpt_err *err) {
  if (!lease || !lease->held || !lease->lease || lease->fd < 0)
    return dckpt_err_set(err, DCKPT_EINVAL, "renewing a lease that is not held");
  char raw[DCKPT_LOCK_FACTS_MAX + 1], why[256], who[700];
  size_t n = 0;
  dckpt_lock_facts h;
  bool readable =
      dckpt_lock_read_raw(lease->fd, raw, sizeof raw, &n, &h, why, sizeof why);
  const dckpt_lock_info *me = &lease->self.info;
  if (!dckpt_lock_names_inode(lease->fd, lease->path) || !readable ||
      h.info.pid != me->pid || strcmp(h.info.host, me->host) != 0 ||
      h.info.pid_start != me->pid_start) {
    dckpt_lock_describe(&h.info, who, sizeof who);
    return dckpt_err_set(
        err, DCKPT_ELOCKED, "lease '%s' is no longer ours: %s", lease->path,
        !dckpt_lock_names_inode(lease->fd, lease->path) ? "its file was removed"
        : readable                                      ? who
                                                        : why);
  }
  lease->self.renewed = (double)time(NULL);
  /* The text keeps its length (whole seconds, fixed width): no truncate, so
   * a reader never finds the file empty. */
  return dckpt_lock_write_facts(lease, lease->fd, false, err);
}

static const dckpt_lock_rules lease_rules = {lease_decide, lease_busy, sweep_tickets};

int dckpt_lease_claim(dckpt_lock *lease, const char *path, const char *job_id,
                      int64_t restart, const dckpt_lease_policy *policy,
                      const dckpt_logger *log, dckpt_err *err) {
  static const dckpt_lease_policy none = {0};
  return dckpt_lock_acquire_with(lease, path, job_id, restart, &lease_rules,
                                 policy ? policy : &none, log, err);
}
