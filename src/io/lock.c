/* The lock of a file path (lock.h): take, release, probe. */
#define _GNU_SOURCE
#include "io/lock.h"

#include <errno.h>
#include <fcntl.h>
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

/* How long a refused process waits, at most, for the facts of a holder that
 * has the kernel lock but has not written them yet (a take-over between its
 * truncate and its write): the wait ends as soon as they appear. */
static double facts_wait_seconds = 10.0;

void dckpt_lock_set_facts_wait(double seconds) {
  facts_wait_seconds = seconds;
}

enum { RETRY_NOW = DCKPT_LOCK_RETRY_NOW, RETRY_LATER = DCKPT_LOCK_RETRY_LATER };

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void pause_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

bool dckpt_lock_read_raw(int fd, char *raw, size_t cap, size_t *len, dckpt_lock_facts *f,
                         char *why, size_t whylen) {
  ssize_t n;
  do
    n = pread(fd, raw, cap, 0);
  while (n < 0 && errno == EINTR);
  *len = n > 0 ? (size_t)n : 0;
  if (n < 0) {
    memset(f, 0, sizeof *f);
    f->info.pid = -1;
    snprintf(why, whylen, "cannot read it: %s", strerror(errno));
    return false;
  }
  return dckpt_lock_facts_parse(raw, (size_t)n, f, why, whylen);
}

/* Reads the lock file through `fd` (from offset 0) and parses it. */
static bool read_facts_fd(int fd, dckpt_lock_facts *f, char *why, size_t whylen) {
  char buf[DCKPT_LOCK_FACTS_MAX + 1];
  size_t n;
  return dckpt_lock_read_raw(fd, buf, sizeof buf, &n, f, why, whylen);
}

/* Whether `path` still names the file open as `fd`: a holder's release
 * unlinks the file, so a lock taken on an unlinked inode is no lock. */
bool dckpt_lock_names_inode(int fd, const char *path) {
  struct stat a, b;
  return fstat(fd, &a) == 0 && a.st_nlink > 0 && stat(path, &b) == 0 &&
         a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Replaces the lock file's content with this holder's facts, in place: the
 * kernel lock belongs to the inode, so the file is never renamed over.
 * On a network file system fdatasync makes the facts visible to the other
 * clients; on a local one every reader shares the page cache, and a lock
 * file lost or emptied by a power loss is free anyway, so no sync. */
int dckpt_lock_write_facts(dckpt_lock *lock, int fd, bool truncate, dckpt_err *err) {
  lock->self.kernel_lock = lock->kernel;
  char *text = dckpt_lock_facts_text(&lock->self);
  if (!text) return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  size_t len = strlen(text);
  ssize_t n = -1;
  if (!truncate || dckpt_sys_ftruncate(fd, 0) == 0) {
    do
      n = dckpt_sys_pwrite(fd, text, len, 0);
    while (n < 0 && errno == EINTR);
  }
  int rc = DCKPT_OK;
  if (n != (ssize_t)len ||
      (dckpt_lockfs_of(fd) != DCKPT_LOCKFS_LOCAL && dckpt_sys_fdatasync(fd) != 0))
    rc = dckpt_err_errno(err, n >= 0 && n != (ssize_t)len ? EIO : errno,
                         "cannot write lock '%s'", lock->path);
  free(text);
  return rc;
}

/* "pid 41233 on host node17 (job '881234', since 2026-11-29T09:30:11Z)";
 * without a job, "(since ...)" alone (it read "job ''") */
void dckpt_lock_describe(const dckpt_lock_info *h, char *buf, size_t len) {
  snprintf(buf, len, "pid %lld on host %s (%s%s%ssince %s)", (long long)h->pid,
           h->host[0] ? h->host : "?", h->job_id[0] ? "job '" : "", h->job_id,
           h->job_id[0] ? "', " : "", h->since[0] ? h->since : "?");
}

int dckpt_lock_publish(dckpt_lock *lock, const char *target, bool klock, int *fd_out,
                       dckpt_err *err) {
  static _Atomic unsigned counter;
  const dckpt_lock_info *me = &lock->self.info;
  char *tmp = dckpt_path_printf("%s.%s.%lld.%u", lock->path, me->host, (long long)me->pid,
                                counter++);
  if (!tmp) return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  int fd = dckpt_sys_open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    int rc = dckpt_err_errno(err, errno, "cannot create lock '%s'", tmp);
    free(tmp);
    return rc;
  }
  dckpt_klock k = klock ? dckpt_klock_try(fd) : DCKPT_KLOCK_UNSUPPORTED;
  if (klock) lock->kernel = k == DCKPT_KLOCK_TAKEN;
  int rc = k == DCKPT_KLOCK_TAKEN || k == DCKPT_KLOCK_UNSUPPORTED
               ? dckpt_lock_write_facts(lock, fd, false, err)
               : dckpt_err_errno(err, k == DCKPT_KLOCK_BUSY ? EAGAIN : errno,
                                 "cannot lock '%s'", tmp);
  if (rc == DCKPT_OK && dckpt_sys_link(tmp, target) != 0) {
    int e = errno;
    struct stat st;
    /* NFS may report a retransmitted link(2) as failed although it was made */
    if (!(fstat(fd, &st) == 0 && st.st_nlink == 2))
      rc = e == EEXIST ? RETRY_NOW
                       : dckpt_err_errno(err, e, "cannot create lock '%s'", target);
  }
  dckpt_sys_unlink(tmp);
  free(tmp);
  if (rc == DCKPT_OK && fd_out)
    *fd_out = fd;
  else
    dckpt_sys_close(fd);
  return rc;
}

/* A new lock file: written and kernel-locked under a private name
 * (<path>.<host>.<pid>.<n>), then published with link(2), which never
 * replaces an existing file. So the file appears whole and already locked,
 * and of all processes that find no lock exactly one creates it. */
static int create(dckpt_lock *lock, dckpt_err *err) {
  return dckpt_lock_publish(lock, lock->path, true, &lock->fd, err);
}

/* We hold the kernel lock of an existing lock file: decide on its facts. */
static int decide_locked(dckpt_lock *lock, int fd, bool force, const dckpt_logger *log,
                         dckpt_err *err) {
  dckpt_lock_facts h;
  char why[256], who[700];
  bool readable = read_facts_fd(fd, &h, why, sizeof why);
  bool shared = dckpt_lockfs_shared(fd);
  struct stat st;
  bool empty = !readable && fstat(fd, &st) == 0 && st.st_size == 0;
  dckpt_lock_state state =
      readable ? dckpt_lock_judge(&h, DCKPT_KERNEL_FREE, shared) : DCKPT_LOCK_UNREADABLE;
  dckpt_lock_describe(&h.info, who, sizeof who);
  if (empty && shared) {
    /* Files are published whole: an empty one is a take-over that died
     * between its truncate and its write, since we hold its kernel lock and
     * every host sees it. (Where locks are local to a host, a taker on
     * another host may be writing right now: only a break takes it.) */
    dckpt_log(log, DCKPT_LOG_WARN,
              "taking over lock '%s': it is empty (a take-over was interrupted)",
              lock->path);
  } else if (!readable && shared) {
    /* Every holder holds the kernel lock for its whole run, and every host
     * sees it: no process uses this lock. Its facts were cut short by a power
     * loss while a take-over rewrote them in place (zeros, garbage or half a
     * text after the reboot; tests/powerloss), and refusing would leave a
     * run that only a break resumes. */
    dckpt_log(log, DCKPT_LOG_WARN,
              "taking over lock '%s': it cannot be read (%s), and no process holds its "
              "kernel lock (a crash cut it short)",
              lock->path, why);
  } else if (state == DCKPT_LOCK_STALE) {
    dckpt_log(log, DCKPT_LOG_WARN, "taking over stale lock '%s': its holder, %s, %s",
              lock->path, who,
              dckpt_lock_holder_local(&h) ? "is no longer running"
                                          : "no longer holds its kernel lock");
  } else if (force) {
    dckpt_log(log, DCKPT_LOG_WARN, "breaking lock '%s' held by %s as asked", lock->path,
              readable ? who : why);
  } else if (state == DCKPT_LOCK_UNREADABLE) {
    return dckpt_err_set(err, DCKPT_ELOCKED,
                         "'%s' exists but cannot be read (%s); if no run uses it, break "
                         "the lock",
                         lock->path, why);
  } else {
    return dckpt_err_set(err, DCKPT_ELOCKED, "'%s' is held by %s%s", lock->path, who,
                         state == DCKPT_LOCK_ALIVE
                             ? ", which is still running"
                             : "; if that run is gone, break the lock");
  }
  return dckpt_lock_write_facts(lock, fd, true, err);
}

/* Another process holds the kernel lock. Conclusive when the file names a
 * holder that explains it: one on another host (not checkable from here), or
 * one on this host that runs. Otherwise (empty, cut short, or naming a dead
 * holder) a take-over is writing its facts right now, or the holder is being
 * killed and still holds its files (SIGKILL pending, exiting): try again
 * shortly, so that the refusal names whoever holds the lock after it. */
static int refuse_busy(dckpt_lock *lock, char *last, size_t lastlen, dckpt_err *err) {
  int fd = open(lock->path, O_RDONLY | O_CLOEXEC); /* fresh: NFS close-to-open */
  if (fd < 0) return errno == ENOENT ? RETRY_NOW : RETRY_LATER;
  dckpt_lock_facts h;
  char why[256], who[700];
  bool readable = read_facts_fd(fd, &h, why, sizeof why);
  close(fd);
  dckpt_lock_describe(&h.info, who, sizeof who);
  if (readable && !dckpt_lock_holder_local(&h))
    return dckpt_err_set(err, DCKPT_ELOCKED,
                         "'%s' is held by %s, which holds its kernel lock", lock->path,
                         who);
  if (readable && dckpt_lock_holder_running(&h) && !dckpt_lock_holder_dying(&h))
    return dckpt_err_set(err, DCKPT_ELOCKED, "'%s' is held by %s, which is still running",
                         lock->path, who);
  if (readable && dckpt_lock_holder_running(&h))
    snprintf(last, lastlen,
             "its kernel lock is held by %s, which is being killed but has not ended",
             who);
  else if (readable)
    snprintf(last, lastlen,
             "its kernel lock is held, but the process it names (%s) is gone: a process "
             "that run started may still hold it",
             who);
  else
    snprintf(last, lastlen, "its kernel lock is held, but the file %s", why);
  return RETRY_LATER;
}

/* No fcntl locks on this file system: the lock file alone decides. Its
 * creation by link(2) is still exclusive, but nothing can make one of many
 * processes the only one to take a stale file over, so only `force` does. */
static int decide_unlocked(dckpt_lock *lock, int fd, bool force, const dckpt_logger *log,
                           dckpt_err *err) {
  dckpt_lock_facts h;
  char why[256], who[700];
  bool readable = read_facts_fd(fd, &h, why, sizeof why);
  dckpt_lock_state state = readable ? dckpt_lock_judge(&h, DCKPT_KERNEL_UNKNOWN, false)
                                    : DCKPT_LOCK_UNREADABLE;
  dckpt_lock_describe(&h.info, who, sizeof who);
  if (force) {
    dckpt_log(log, DCKPT_LOG_WARN, "breaking lock '%s' held by %s as asked", lock->path,
              readable ? who : why);
    return dckpt_lock_write_facts(lock, fd, true, err);
  }
  if (state == DCKPT_LOCK_UNREADABLE)
    return dckpt_err_set(err, DCKPT_ELOCKED,
                         "'%s' exists but cannot be read (%s); if no run uses it, break "
                         "the lock",
                         lock->path, why);
  return dckpt_err_set(
      err, DCKPT_ELOCKED, "'%s' is held by %s%s", lock->path, who,
      state == DCKPT_LOCK_ALIVE ? ", which is still running"
      : state == DCKPT_LOCK_STALE
          ? ", which is no longer running; this file system has no fcntl locks, so "
            "taking the lock over is left to you: break the lock"
          : "; if that run is gone, break the lock");
}

/* One attempt: DCKPT_OK (held), RETRY_NOW, RETRY_LATER, or a final status. */
static int attempt(dckpt_lock *lock, bool force, const dckpt_logger *log, char *last,
                   size_t lastlen, dckpt_err *err) {
  int fd = dckpt_sys_open(lock->path, O_RDWR | O_CLOEXEC, 0);
  if (fd < 0 && errno == ENOENT) return create(lock, err);
  if (fd < 0) return dckpt_err_errno(err, errno, "cannot open lock '%s'", lock->path);
  int rc;
  dckpt_klock k = dckpt_klock_try(fd);
  switch (k) {
  case DCKPT_KLOCK_TAKEN:
    lock->kernel = true;
    rc = !dckpt_lock_names_inode(fd, lock->path) ? RETRY_NOW
         : lock->rules ? lock->rules->decide(lock, fd, (int)k, log, last, lastlen, err)
                       : decide_locked(lock, fd, force, log, err);
    break;
  case DCKPT_KLOCK_BUSY:
    rc = lock->rules ? lock->rules->busy(lock, fd, last, lastlen) : DCKPT_OK;
    if (rc == DCKPT_OK) rc = refuse_busy(lock, last, lastlen, err);
    break;
  case DCKPT_KLOCK_UNSUPPORTED:
    lock->kernel = false;
    rc = lock->rules ? lock->rules->decide(lock, fd, (int)k, log, last, lastlen, err)
                     : decide_unlocked(lock, fd, force, log, err);
    break;
  default: rc = dckpt_err_errno(err, errno, "cannot lock '%s'", lock->path); break;
  }
  if (rc == DCKPT_OK)
    lock->fd = fd;
  else
    dckpt_sys_close(fd);
  return rc;
}

/* Removes private names (<path>.<host>.<pid>.<n>) that a process of this
 * host left behind when it died between creating one and publishing it. A
 * live process's is never touched. */
typedef struct sweep {
  const char *prefix; /* "<base>.<host>." */
} sweep;

static int sweep_entry(void *ctx, const dckpt_walk_entry *e, dckpt_err *err) {
  (void)err;
  const sweep *sw = ctx;
  size_t plen = strlen(sw->prefix);
  if (strncmp(e->name, sw->prefix, plen) != 0) return DCKPT_OK;
  char *end = NULL;
  dckpt_lock_facts f = {.info = {.pid = strtoll(e->name + plen, &end, 10)}};
  if (end && *end == '.' && f.info.pid > 0 && !dckpt_lock_holder_running(&f))
    (void)dckpt_sys_unlinkat(e->dirfd, e->name, 0);
  return DCKPT_OK;
}

static void sweep_orphans(const dckpt_lock *lock) {
  char *dir = dckpt_path_dirname(lock->path);
  char *prefix =
      dckpt_path_printf("%s.%s.", dckpt_path_basename(lock->path), lock->self.info.host);
  sweep sw = {prefix};
  if (dir && prefix)
    (void)dckpt_walk(dir, DCKPT_WALK_UNREADABLE_OK, sweep_entry, &sw, NULL);
  free(dir);
  free(prefix);
}

static int acquire(dckpt_lock *lock, const char *path, const char *job_id,
                   int64_t restart, bool force, const dckpt_lock_rules *rules,
                   const dckpt_lease_policy *policy, const dckpt_logger *log,
                   dckpt_err *err) {
  memset(lock, 0, sizeof *lock);
  lock->fd = -1;
  lock->path = strdup(path);
  if (!lock->path) return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  dckpt_lock_facts_self(&lock->self, job_id, false);
  if (rules) {
    lock->lease = true;
    lock->rules = rules;
    lock->policy = *policy;
    lock->self.renewed = (double)time(NULL);
    lock->self.restart = restart < 0 ? 0 : restart;
  }
  char last[1024] = "";
  double start = now_seconds();
  long pause = 1;
  int rc;
  while ((rc = attempt(lock, force, log, last, sizeof last, err)) == RETRY_NOW ||
         rc == RETRY_LATER) {
    if (now_seconds() - start > facts_wait_seconds) {
      rc = dckpt_err_set(err, DCKPT_ELOCKED, "'%s' is held: %s", lock->path,
                         last[0] ? last : "it changed hands too often to be taken");
      break;
    }
    if (rc == RETRY_LATER) {
      pause_ms(pause);
      pause = pause < 32 ? pause * 2 : 50;
    }
  }
  if (rc != DCKPT_OK) {
    dckpt_lock_release(lock);
    return rc;
  }
  lock->held = true;
  if (!lock->kernel)
    dckpt_log(log, DCKPT_LOG_INFO,
              "'%s': this file system has no fcntl locks; the lock file alone keeps "
              "other runs out, and a stale lock will need a break",
              lock->path);
  sweep_orphans(lock);
  struct stat st;
  if (lock->rules && fstat(lock->fd, &st) == 0)
    lock->rules->sweep(lock->path, (unsigned long long)st.st_ino, false);
  return DCKPT_OK;
}

int dckpt_lock_acquire(dckpt_lock *lock, const char *path, const char *job_id, bool force,
                       const dckpt_logger *log, dckpt_err *err) {
  return acquire(lock, path, job_id, -1, force, NULL, NULL, log, err);
}

int dckpt_lock_acquire_with(dckpt_lock *lock, const char *path, const char *job_id,
                            int64_t restart, const dckpt_lock_rules *rules,
                            const dckpt_lease_policy *policy, const dckpt_logger *log,
                            dckpt_err *err) {
  return acquire(lock, path, job_id, restart, false, rules, policy, log, err);
}

void dckpt_lock_release(dckpt_lock *lock) {
  /* A lock never acquired (a zeroed struct: fd 0 is not ours) has no path. */
  if (!lock || !lock->path) return;
  if (lock->held && lock->fd >= 0) {
    /* Unlink while the kernel lock is still held, and only our own file: the
     * path may name another file by now (the directory was cleared, or the
     * lock broken on a file system without locks). */
    dckpt_lock_facts h;
    char why[64];
    struct stat st;
    if (dckpt_lock_names_inode(lock->fd, lock->path) &&
        read_facts_fd(lock->fd, &h, why, sizeof why) &&
        h.info.pid == lock->self.info.pid && !strcmp(h.info.host, lock->self.info.host) &&
        dckpt_sys_unlink(lock->path) == 0 && lock->rules && fstat(lock->fd, &st) == 0)
      lock->rules->sweep(lock->path, (unsigned long long)st.st_ino, true);
  }
  if (lock->fd >= 0) dckpt_sys_close(lock->fd); /* drops the kernel lock */
  lock->fd = -1;
  lock->held = false;
  free(lock->path);
  lock->path = NULL;
}

void dckpt_lock_probe(const char *path, dckpt_lock_info *info) {
  memset(info, 0, sizeof *info);
  info->pid = -1;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return; /* DCKPT_LOCK_NONE */
    info->state = DCKPT_LOCK_UNREADABLE;
    snprintf(info->error, sizeof info->error, "cannot open '%s': %s", path,
             strerror(errno));
    return;
  }
  dckpt_kernel_lock kernel = dckpt_klock_test(fd);
  dckpt_lock_facts h;
  char why[256];
  bool readable = read_facts_fd(fd, &h, why, sizeof why);
  *info = h.info;
  if (readable)
    info->state = dckpt_lock_judge(&h, kernel, dckpt_lockfs_shared(fd));
  else if (kernel == DCKPT_KERNEL_HELD)
    info->state = DCKPT_LOCK_ALIVE; /* its holder is writing the facts */
  else {
    info->state = DCKPT_LOCK_UNREADABLE;
    snprintf(info->error, sizeof info->error, "'%s' cannot be read: %s", path, why);
  }
  close(fd);
}
