#define _GNU_SOURCE
#include "io/lock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/atomic.h"
#include "io/fs.h"
#include "io/path.h"

/* Publishes `text` as the lock file. With `replace`, an existing lock is
 * overwritten (take-over); otherwise EEXIST when one exists. */
static int publish(const dckpt_lock *lock, const char *text, bool replace,
                   dckpt_err *err) {
  dckpt_io_opts io = {.durable = true, .label = "lock"};
  char *tmpname = dckpt_path_printf("%s.%ld.new", lock->path, (long)lock->self.info.pid);
  if (!tmpname) return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  int rc = dckpt_io_write_file(tmpname, text, strlen(text), &io, err);
  if (rc == DCKPT_OK) {
    if (replace) {
      rc = dckpt_io_rename(tmpname, lock->path, true, err);
    } else if (link(tmpname, lock->path) != 0) {
      rc = errno == EEXIST
               ? DCKPT_EEXIST
               : dckpt_err_errno(err, errno, "cannot create lock '%s'", lock->path);
    }
    unlink(tmpname);
  }
  free(tmpname);
  return rc;
}

/* Reads the facts of lock file `path`: DCKPT_OK (parsed), DCKPT_ENOENT,
 * DCKPT_ECORRUPT (unreadable; `why` says so) or another I/O status. */
static int read_facts(const char *path, dckpt_lock_facts *f, char *why, size_t whylen) {
  char *text = NULL;
  size_t len = 0;
  dckpt_err err;
  dckpt_err_clear(&err);
  int rc = dckpt_read_file(path, DCKPT_LOCK_FACTS_MAX, &text, &len, &err);
  if (rc != DCKPT_OK) {
    memset(f, 0, sizeof *f);
    f->info.pid = -1;
    dckpt_err_copy(&err, why, whylen);
    return rc;
  }
  char reason[256];
  if (!dckpt_lock_facts_parse(text, len, f, reason, sizeof reason)) {
    snprintf(why, whylen, "'%s' cannot be read: %s", path, reason);
    rc = DCKPT_ECORRUPT;
  }
  free(text);
  return rc;
}

void dckpt_lock_probe(const char *path, dckpt_lock_info *info) {
  dckpt_lock_facts f;
  char why[512];
  int rc = read_facts(path, &f, why, sizeof why);
  *info = f.info;
  if (rc == DCKPT_ENOENT) {
    info->state = DCKPT_LOCK_NONE;
  } else if (rc != DCKPT_OK) {
    info->state = DCKPT_LOCK_UNREADABLE;
    snprintf(info->error, sizeof info->error, "%s", why);
  } else {
    info->state = dckpt_lock_judge(&f, DCKPT_KERNEL_UNKNOWN, false);
  }
}

int dckpt_lock_acquire(dckpt_lock *lock, const char *path, const char *job_id, bool force,
                       const dckpt_logger *log, dckpt_err *err) {
  memset(lock, 0, sizeof *lock);
  lock->path = strdup(path);
  if (!lock->path) return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  dckpt_lock_facts_self(&lock->self, job_id, false);
  char *text = dckpt_lock_facts_text(&lock->self);
  if (!text) return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");

  int rc = publish(lock, text, false, err);
  if (rc == DCKPT_EEXIST) {
    dckpt_lock_facts h;
    char why[512];
    int jrc = read_facts(lock->path, &h, why, sizeof why);
    const dckpt_lock_info *hi = &h.info;
    dckpt_lock_state st = jrc == DCKPT_OK
                              ? dckpt_lock_judge(&h, DCKPT_KERNEL_UNKNOWN, false)
                              : DCKPT_LOCK_UNREADABLE;
    if (st == DCKPT_LOCK_STALE) {
      dckpt_log(
          log, DCKPT_LOG_WARN,
          "taking over stale lock '%s': its holder (pid %lld on %s, job '%s', since %s) "
          "is no longer running",
          lock->path, (long long)hi->pid, hi->host, hi->job_id, hi->since);
      rc = publish(lock, text, true, err);
    } else if (force) {
      dckpt_log(log, DCKPT_LOG_WARN,
                "breaking lock '%s' held by pid %lld on %s (job '%s', since %s) as asked",
                lock->path, (long long)hi->pid, hi->host, hi->job_id, hi->since);
      rc = publish(lock, text, true, err);
    } else if (st == DCKPT_LOCK_UNREADABLE) {
      rc = dckpt_err_set(err, DCKPT_ELOCKED,
                         "'%s' exists but cannot be read (%s); if no run uses this "
                         "directory, break the lock",
                         lock->path, why);
    } else {
      rc =
          dckpt_err_set(err, DCKPT_ELOCKED,
                        "'%s' is held by pid %lld on host %s (job '%s', since %s)%s",
                        lock->path, (long long)hi->pid, hi->host, hi->job_id, hi->since,
                        st == DCKPT_LOCK_ALIVE ? ", which is still running"
                                               : "; if that run is gone, break the lock");
    }
  }
  free(text);
  if (rc == DCKPT_OK) lock->held = true;
  return rc;
}

void dckpt_lock_release(dckpt_lock *lock) {
  if (!lock) return;
  if (lock->held) {
    dckpt_lock_facts h;
    char why[512];
    if (read_facts(lock->path, &h, why, sizeof why) == DCKPT_OK &&
        h.info.pid == lock->self.info.pid && !strcmp(h.info.host, lock->self.info.host))
      unlink(lock->path);
  }
  lock->held = false;
  free(lock->path);
  lock->path = NULL;
}
