/* The DCKPT_IO_TRACE implementation of io/sys.h: each call is carried out and,
 * while a trace runs, recorded (io/trace.h). Built only into the test twin
 * of the library that the power-loss tests link. Global state is unavoidable
 * here (the calls come from anywhere in the library) and harmless (test
 * builds only). */
#define _GNU_SOURCE
#include "io/trace.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "io/sys.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = -1;
static int log_error;
static uint64_t calls, kill_at;
static bool emitted; /* the call under way has its record */
/* Files created through io/sys.h and not written through it yet (io/trace.h:
 * written with other I/O, they are recorded whole at their first fsync). */
static uint64_t *unseen;
static size_t n_unseen, cap_unseen;

/* ---- the log ---- */

static void write_all(const struct iovec *iov, int n) {
  struct iovec v[4];
  memcpy(v, iov, (size_t)n * sizeof *v);
  int i = 0;
  while (i < n && !log_error) {
    ssize_t w = writev(log_fd, v + i, n - i);
    if (w < 0) {
      if (errno != EINTR) log_error = errno;
      continue;
    }
    while (i < n && (size_t)w >= v[i].iov_len)
      w -= (ssize_t)v[i++].iov_len;
    if (i < n) {
      v[i].iov_base = (char *)v[i].iov_base + w;
      v[i].iov_len -= (size_t)w;
    }
  }
}

/* Appends one record; the caller holds mu and has checked log_fd. */
static void emit(dckpt_trace_rec r, const char *name, const char *name2,
                 const void *data) {
  r.name_len = name ? (uint32_t)strlen(name) : 0;
  r.name2_len = name2 ? (uint32_t)strlen(name2) : 0;
  struct iovec v[4] = {{&r, sizeof r},
                       {(void *)(name ? name : ""), r.name_len},
                       {(void *)(name2 ? name2 : ""), r.name2_len},
                       {(void *)(data ? data : ""), data ? (size_t)r.len : 0}};
  write_all(v, 4);
  emitted = true;
}

/* Takes the mutex, which the caller releases after the call, so that the log
 * has the calls in the order they took effect. While a trace runs, counts
 * the call and dies here when the test asked for it; true then. */
static bool begin_call(void) {
  pthread_mutex_lock(&mu);
  emitted = false;
  if (log_fd < 0) return false;
  calls++;
  if (kill_at && calls == kill_at) raise(SIGKILL);
  return true;
}

/* Ends a call: while a trace runs, every call has one record, so that the
 * n-th record is the n-th call (a kill point is named by either); a call
 * that changed nothing (it failed, or opened without creating) gets a
 * NOOP record naming what it was (flags) and errno (off). Restores errno. */
static void end_call(unsigned kind, int err) {
  if (log_fd >= 0 && !emitted)
    emit((dckpt_trace_rec){.kind = DCKPT_TR_NOOP,
                           .flags = (uint32_t)kind,
                           .off = (uint64_t)err},
         NULL, NULL, NULL);
  pthread_mutex_unlock(&mu);
  errno = err;
}

/* ---- where a path lives ---- */

typedef struct place {
  uint64_t dir;     /* inode of the directory holding the entry */
  const char *name; /* the entry's name (inside buf) */
  char buf[PATH_MAX];
} place;

/* Splits `path` (relative to dirfd) into its directory's inode and its last
 * component. False when the directory cannot be found. */
static bool locate(int dirfd, const char *path, place *p) {
  size_t n = strlen(path);
  if (n == 0 || n >= sizeof p->buf) return false;
  memcpy(p->buf, path, n + 1);
  while (n > 1 && p->buf[n - 1] == '/')
    p->buf[--n] = '\0';
  char *slash = strrchr(p->buf, '/');
  struct stat st;
  int rc;
  if (!slash) {
    p->name = p->buf;
    rc = dirfd == AT_FDCWD ? stat(".", &st) : fstat(dirfd, &st);
  } else {
    *slash = '\0';
    p->name = slash + 1;
    rc = fstatat(dirfd, slash == p->buf ? "/" : p->buf, &st, 0);
  }
  p->dir = rc == 0 ? (uint64_t)st.st_ino : 0;
  return rc == 0;
}

static uint64_t ino_at(int dirfd, const char *path) {
  struct stat st;
  return fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 ? (uint64_t)st.st_ino : 0;
}

static uint64_t ino_of(int fd, uint32_t *flags) {
  struct stat st;
  if (fstat(fd, &st) != 0) return 0;
  if (flags) *flags = S_ISDIR(st.st_mode) ? DCKPT_TR_DIR : 0;
  return (uint64_t)st.st_ino;
}

/* ---- files written with other I/O ---- */

static size_t unseen_at(uint64_t ino) {
  for (size_t i = 0; i < n_unseen; i++)
    if (unseen[i] == ino) return i;
  return SIZE_MAX;
}

/* The caller holds mu. Out of memory: the file is not watched, and
 * dckpt_cfs_check_final reports the writes the trace did not see. */
static void unseen_add(uint64_t ino) {
  if (n_unseen == cap_unseen) {
    size_t cap = cap_unseen ? 2 * cap_unseen : 16;
    uint64_t *grown = realloc(unseen, cap * sizeof *grown);
    if (!grown) return;
    unseen = grown;
    cap_unseen = cap;
  }
  unseen[n_unseen++] = ino;
}

static void unseen_drop(uint64_t ino) {
  size_t i = unseen_at(ino);
  if (i != SIZE_MAX) unseen[i] = unseen[--n_unseen];
}

/* Records the whole of a file written with other I/O as one WRITE, counted
 * as a call of its own (a kill point like the others), before the fsync or
 * rename that makes it durable or visible (the file's size must fit in
 * memory: test trees are small). `rfd` reads the file (closed here). A file
 * that cannot be read whole leaves the log short of it:
 * dckpt_cfs_check_final then fails, naming the difference. */
static void catch_up(int rfd) {
  uint32_t flags = 0;
  uint64_t ino = rfd >= 0 ? ino_of(rfd, &flags) : 0;
  pthread_mutex_lock(&mu);
  bool watched =
      ino && log_fd >= 0 && !(flags & DCKPT_TR_DIR) && unseen_at(ino) != SIZE_MAX;
  pthread_mutex_unlock(&mu);
  struct stat st;
  char *data = NULL;
  ssize_t got = -1;
  if (watched && fstat(rfd, &st) == 0 && (data = malloc((size_t)st.st_size + 1)))
    got = pread(rfd, data, (size_t)st.st_size, 0);
  if (rfd >= 0) close(rfd);
  if (got > 0) { /* an empty file has nothing to record: no call counted */
    bool on = begin_call();
    if (on) {
      emit((dckpt_trace_rec){.kind = DCKPT_TR_WRITE, .ino = ino, .len = (uint64_t)got},
           NULL, NULL, data);
      unseen_drop(ino);
    }
    end_call(DCKPT_TR_WRITE, 0);
  }
  free(data);
}

/* Whether a file written with other I/O may need catching up (read under
 * the mutex: the library's threads make calls too). */
static bool watching(void) {
  pthread_mutex_lock(&mu);
  bool any = log_fd >= 0 && n_unseen > 0;
  pthread_mutex_unlock(&mu);
  return any;
}

/* The file behind `fd`, opened again for reading. */
static int reopen(int fd) {
  char self[64];
  snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
  return open(self, O_RDONLY | O_CLOEXEC);
}

/* ---- control ---- */

int dckpt_trace_start(const char *log_path) {
  int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return -errno;
  pthread_mutex_lock(&mu);
  if (log_fd >= 0) close(log_fd);
  log_fd = fd;
  log_error = 0;
  calls = 0;
  kill_at = 0;
  n_unseen = 0;
  pthread_mutex_unlock(&mu);
  return 0;
}

int dckpt_trace_stop(void) {
  pthread_mutex_lock(&mu);
  int rc = -log_error;
  if (log_fd >= 0 && close(log_fd) != 0 && rc == 0) rc = -errno;
  log_fd = -1;
  pthread_mutex_unlock(&mu);
  return rc;
}

void dckpt_trace_mark(const char *label) {
  pthread_mutex_lock(&mu);
  if (log_fd >= 0) emit((dckpt_trace_rec){.kind = DCKPT_TR_MARK}, label, NULL, NULL);
  pthread_mutex_unlock(&mu);
}

void dckpt_trace_kill_at(uint64_t n) {
  pthread_mutex_lock(&mu);
  kill_at = n ? calls + n : 0;
  pthread_mutex_unlock(&mu);
}

uint64_t dckpt_trace_calls(void) {
  pthread_mutex_lock(&mu);
  uint64_t n = calls;
  pthread_mutex_unlock(&mu);
  return n;
}

/* ---- the calls: file contents ---- */

int dckpt_sys_open(const char *path, int flags, mode_t mode) {
  bool on = begin_call();
  bool existed = on && ino_at(AT_FDCWD, path) != 0;
  int fd = open(path, flags, mode);
  int e = errno;
  if (on && fd >= 0 && (flags & O_TMPFILE) == O_TMPFILE) {
    emit((dckpt_trace_rec){.kind = DCKPT_TR_TMPFILE,
                           .ino = ino_of(fd, NULL),
                           .dir = ino_at(AT_FDCWD, path)},
         NULL, NULL, NULL);
  } else if (on && fd >= 0 && (flags & (O_CREAT | O_TRUNC))) {
    dckpt_trace_rec r = {.ino = ino_of(fd, NULL)};
    place p;
    if (!existed && locate(AT_FDCWD, path, &p)) {
      r.kind = DCKPT_TR_CREATE;
      r.dir = p.dir;
      emit(r, p.name, NULL, NULL);
      unseen_add(r.ino);
    } else if (existed && (flags & O_TRUNC)) {
      r.kind = DCKPT_TR_TRUNCATE;
      emit(r, NULL, NULL, NULL);
    }
  }
  end_call(DCKPT_TR_CREATE, e);
  return fd;
}

static ssize_t record_write(int fd, const void *buf, ssize_t n, off_t off) {
  uint64_t ino = ino_of(fd, NULL);
  unseen_drop(ino);
  if (n > 0)
    emit(
        (dckpt_trace_rec){
            .kind = DCKPT_TR_WRITE, .ino = ino, .off = (uint64_t)off, .len = (uint64_t)n},
        NULL, NULL, buf);
  return n;
}

ssize_t dckpt_sys_write(int fd, const void *buf, size_t n) {
  bool on = begin_call();
  off_t off = on ? lseek(fd, 0, SEEK_CUR) : 0;
  ssize_t w = write(fd, buf, n);
  int e = errno;
  if (on) record_write(fd, buf, w, off);
  end_call(DCKPT_TR_WRITE, e);
  return w;
}

ssize_t dckpt_sys_pwrite(int fd, const void *buf, size_t n, off_t off) {
  bool on = begin_call();
  ssize_t w = pwrite(fd, buf, n, off);
  int e = errno;
  if (on) record_write(fd, buf, w, off);
  end_call(DCKPT_TR_WRITE, e);
  return w;
}

int dckpt_sys_ftruncate(int fd, off_t len) {
  bool on = begin_call();
  int rc = ftruncate(fd, len);
  int e = errno;
  if (on && rc == 0) {
    emit((dckpt_trace_rec){.kind = DCKPT_TR_TRUNCATE,
                           .ino = ino_of(fd, NULL),
                           .off = (uint64_t)len},
         NULL, NULL, NULL);
    unseen_drop(ino_of(fd, NULL));
  }
  end_call(DCKPT_TR_TRUNCATE, e);
  return rc;
}

static int sync_call(int fd, int (*call)(int)) {
  if (watching()) catch_up(reopen(fd));
  bool on = begin_call();
  int rc = call(fd);
  int e = errno;
  if (on && rc == 0) {
    dckpt_trace_rec r = {.kind = DCKPT_TR_FSYNC};
    r.ino = ino_of(fd, &r.flags);
    emit(r, NULL, NULL, NULL);
  }
  end_call(DCKPT_TR_FSYNC, e);
  return rc;
}

int dckpt_sys_fsync(int fd) {
  return sync_call(fd, fsync);
}

int dckpt_sys_fdatasync(int fd) {
  return sync_call(fd, fdatasync);
}

int dckpt_sys_sync_file_range(int fd, off_t off, off_t n, unsigned flags) {
  bool on = begin_call();
  int rc = sync_file_range(fd, off, n, flags);
  int e = errno;
  if (on && rc == 0)
    emit((dckpt_trace_rec){.kind = DCKPT_TR_SYNC_RANGE, .ino = ino_of(fd, NULL)}, NULL,
         NULL, NULL);
  end_call(DCKPT_TR_SYNC_RANGE, e);
  return rc;
}

int dckpt_sys_syncfs(int fd) {
  bool on = begin_call();
  int rc = syncfs(fd);
  int e = errno;
  if (on && rc == 0) emit((dckpt_trace_rec){.kind = DCKPT_TR_SYNCFS}, NULL, NULL, NULL);
  end_call(DCKPT_TR_SYNCFS, e);
  return rc;
}

/* Permissions are not part of the crash model: carried out, not recorded. */
int dckpt_sys_fchmod(int fd, mode_t mode) {
  return fchmod(fd, mode);
}

int dckpt_sys_close(int fd) {
  bool on = begin_call();
  uint32_t flags = 0;
  uint64_t ino = on ? ino_of(fd, &flags) : 0;
  int rc = close(fd);
  int e = errno;
  if (on && ino && !(flags & DCKPT_TR_DIR))
    emit((dckpt_trace_rec){.kind = DCKPT_TR_CLOSE, .ino = ino}, NULL, NULL, NULL);
  end_call(DCKPT_TR_CLOSE, e);
  return rc;
}

/* ---- the calls: names ---- */

/* Records a call that moved dir/name (ino) to dir2/name2 (replacing ino2). */
static void emit_move(uint32_t kind, const place *from, uint64_t ino, const place *to,
                      uint64_t ino2) {
  emit(
      (dckpt_trace_rec){
          .kind = kind, .ino = ino, .dir = from->dir, .ino2 = ino2, .dir2 = to->dir},
      from->name, to->name, NULL);
}

int dckpt_sys_renameat2(int fromdir, const char *from, int todir, const char *to,
                        unsigned flags) {
  if (watching()) catch_up(openat(fromdir, from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  bool on = begin_call();
  uint64_t ino = on ? ino_at(fromdir, from) : 0, ino2 = on ? ino_at(todir, to) : 0;
  place a, b;
  bool found = on && locate(fromdir, from, &a) && locate(todir, to, &b);
  int rc = renameat2(fromdir, from, todir, to, flags);
  int e = errno;
  if (found && rc == 0)
    emit_move((flags & RENAME_EXCHANGE) ? DCKPT_TR_EXCHANGE : DCKPT_TR_RENAME, &a, ino,
              &b, ino2);
  end_call((flags & RENAME_EXCHANGE) ? DCKPT_TR_EXCHANGE : DCKPT_TR_RENAME, e);
  return rc;
}

int dckpt_sys_rename(const char *from, const char *to) {
  return dckpt_sys_renameat2(AT_FDCWD, from, AT_FDCWD, to, 0);
}

int dckpt_sys_link(const char *from, const char *to) {
  bool on = begin_call();
  uint64_t ino = on ? ino_at(AT_FDCWD, from) : 0;
  place a, b;
  bool found = on && locate(AT_FDCWD, from, &a) && locate(AT_FDCWD, to, &b);
  int rc = link(from, to);
  int e = errno;
  if (found && rc == 0) emit_move(DCKPT_TR_LINK, &a, ino, &b, 0);
  end_call(DCKPT_TR_LINK, e);
  return rc;
}

int dckpt_sys_link_fd(int fd, const char *to) {
  bool on = begin_call();
  uint64_t ino = on ? ino_of(fd, NULL) : 0;
  place a, b;
  bool found = on && locate(AT_FDCWD, to, &b);
  char proc[40];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  int rc = linkat(AT_FDCWD, proc, AT_FDCWD, to, AT_SYMLINK_FOLLOW);
  int e = errno;
  if (found && rc == 0) {
    a.dir = b.dir; /* an unnamed file of the directory it is linked into */
    a.buf[0] = '\0';
    a.name = a.buf;
    emit_move(DCKPT_TR_LINK, &a, ino, &b, 0);
  }
  end_call(DCKPT_TR_LINK, e);
  return rc;
}

int dckpt_sys_unlinkat(int dirfd, const char *name, int flags) {
  bool on = begin_call();
  uint64_t ino = on ? ino_at(dirfd, name) : 0;
  place p;
  bool found = on && locate(dirfd, name, &p);
  int rc = unlinkat(dirfd, name, flags);
  int e = errno;
  if (found && rc == 0)
    emit((dckpt_trace_rec){.kind =
                               (flags & AT_REMOVEDIR) ? DCKPT_TR_RMDIR : DCKPT_TR_UNLINK,
                           .ino = ino,
                           .dir = p.dir},
         p.name, NULL, NULL);
  end_call((flags & AT_REMOVEDIR) ? DCKPT_TR_RMDIR : DCKPT_TR_UNLINK, e);
  return rc;
}

int dckpt_sys_unlink(const char *path) {
  return dckpt_sys_unlinkat(AT_FDCWD, path, 0);
}

int dckpt_sys_rmdir(const char *path) {
  return dckpt_sys_unlinkat(AT_FDCWD, path, AT_REMOVEDIR);
}

int dckpt_sys_mkdir(const char *path, mode_t mode) {
  bool on = begin_call();
  int rc = mkdir(path, mode);
  int e = errno;
  place p;
  if (on && rc == 0 && locate(AT_FDCWD, path, &p))
    emit((dckpt_trace_rec){.kind = DCKPT_TR_MKDIR,
                           .ino = ino_at(AT_FDCWD, path),
                           .dir = p.dir},
         p.name, NULL, NULL);
  end_call(DCKPT_TR_MKDIR, e);
  return rc;
}
