#define _GNU_SOURCE
#include "io/atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/fs.h"
#include "io/path.h"
#include "io/sys.h"
#include "io/walk.h"

void dckpt_io_step(const dckpt_io_opts *io, const char *step) {
  if (!io || !io->hook) return;
  char name[128];
  snprintf(name, sizeof name, "%s.%s", io->label ? io->label : "file", step);
  io->hook(io->hook_ctx, name);
}

static void release(dckpt_atomic_file *f) {
  if (f->fd >= 0) dckpt_sys_close(f->fd);
  f->fd = -1;
  free(f->tmp_path);
  free(f->final_path);
  f->tmp_path = NULL;
  f->final_path = NULL;
}

/* A name no other writer uses: the process id and a per-process counter,
 * with O_EXCL deciding (and a retry) should two hosts share a pid. Created
 * with the umask's permissions, like any data file (mkostemp forces 0600). */
static int create_temporary(const char *dir, const char *base, char **tmp_out) {
  static _Atomic unsigned long counter;
  for (int attempt = 0; attempt < 64; attempt++) {
    unsigned long n = counter++;
    char *tmp = dckpt_path_printf("%s/" DCKPT_TMP_PREFIX "%s.%ld.%lu", dir, base,
                                  (long)getpid(), n);
    if (!tmp) {
      errno = ENOMEM;
      return -1;
    }
    int fd = dckpt_sys_open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) {
      *tmp_out = tmp;
      return fd;
    }
    int e = errno;
    free(tmp);
    if (e != EEXIST) {
      errno = e;
      return -1;
    }
  }
  errno = EEXIST;
  return -1;
}

/* Whether an unnamed temporary can be given a name: linking it goes
 * through /proc/self/fd (linkat's AT_EMPTY_PATH needs a capability). Asked
 * once per process. */
static bool can_link_unnamed(void) {
  static _Atomic int known; /* 0 not asked, 1 yes, 2 no */
  if (!known) known = access("/proc/self/fd", X_OK) == 0 ? 1 : 2;
  return known == 1;
}

/* An unnamed temporary in `dir` (O_TMPFILE), or -1: the caller then creates a
 * named one (no O_TMPFILE on this file system, or any other refusal, which
 * the named create reports if it is real). A writer killed before the link
 * leaves nothing behind. */
static int create_unnamed(const char *dir) {
#ifdef O_TMPFILE
  if (!can_link_unnamed()) return -1;
  return dckpt_sys_open(dir, O_WRONLY | O_TMPFILE | O_CLOEXEC, 0666);
#else
  (void)dir;
  return -1;
#endif
}

int dckpt_atomic_begin(dckpt_atomic_file *f, const char *path, const dckpt_io_opts *io,
                       dckpt_err *err) {
  memset(f, 0, sizeof *f);
  f->fd = -1;
  f->io = io;
  /* A name that can never be a file is refused before anything is written
   * (the rename at the commit failed, after every byte). */
  const char *base = dckpt_path_basename(path);
  if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
    return dckpt_err_set(err, DCKPT_EINVAL, "cannot write '%s': %s is not a file name",
                         path,
                         *base ? "'.' or '..'" : "an empty name or one ending in '/'");
  char *dir = dckpt_path_dirname(path);
  f->final_path = strdup(path);
  if (!dir || !f->final_path) {
    free(dir);
    release(f);
    return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  }
  dckpt_io_step(io, "write");
  char *tmp = NULL;
  int fd = io && io->durable && io->unnamed ? create_unnamed(dir) : -1;
  f->unnamed = fd >= 0;
  if (fd < 0) fd = create_temporary(dir, dckpt_path_basename(path), &tmp);
  free(dir);
  if (fd < 0) {
    int e = errno;
    release(f);
    return dckpt_err_errno(err, e, "cannot create a temporary file for '%s'", path);
  }
  f->fd = fd;
  f->tmp_path = tmp;
  return DCKPT_OK;
}

/* Writes all of buf: at `offset` when `positional` (the file position and
 * `written` stay), else at the file position, counting into f->written, in
 * chunks of at most 1 GiB. */
static int write_all(dckpt_atomic_file *f, const char *p, size_t len, bool positional,
                     uint64_t offset, dckpt_err *err) {
  while (len > 0) {
    size_t chunk = len > (size_t)1 << 30 ? (size_t)1 << 30 : len;
    ssize_t n = positional ? dckpt_sys_pwrite(f->fd, p, len, (off_t)offset)
                           : dckpt_sys_write(f->fd, p, chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      return dckpt_err_errno(err, errno, "cannot write '%s'", f->final_path);
    }
    if (n == 0)
      return dckpt_err_set(err, DCKPT_EIO, "cannot write '%s': wrote 0 bytes",
                           f->final_path);
    p += n;
    len -= (size_t)n;
    offset += (uint64_t)n;
    if (!positional) f->written += (uint64_t)n;
  }
  return DCKPT_OK;
}

int dckpt_atomic_write(dckpt_atomic_file *f, const void *buf, size_t len,
                       dckpt_err *err) {
  return write_all(f, buf, len, false, 0, err);
}

int dckpt_atomic_pwrite(dckpt_atomic_file *f, const void *buf, size_t len,
                        uint64_t offset, dckpt_err *err) {
  return write_all(f, buf, len, true, offset, err);
}

void dckpt_atomic_start_writeback(dckpt_atomic_file *f) {
  if (!f->io || !f->io->durable || f->fd < 0) return;
  (void)dckpt_sys_sync_file_range(f->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

static int sync_parent(const char *path, dckpt_err *err) {
  char *dir = dckpt_path_dirname(path);
  if (!dir) return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  int rc = dckpt_io_fsync_dir(dir, err);
  free(dir);
  return rc;
}

/* Moves tmp over path atomically. Without durability an existing target is
 * swapped out with RENAME_EXCHANGE and the old file unlinked: a plain rename
 * over an existing file makes ext4 flush the new file's data first
 * (auto_da_alloc), which costs ~0.15 ms per small file and buys nothing when
 * no fsync follows anyway. */
static int replace_now(const char *tmp, const char *path, const dckpt_io_opts *io) {
#ifdef RENAME_EXCHANGE
  if (io && !io->durable && io->replaces &&
      dckpt_sys_renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) == 0) {
    (void)dckpt_sys_unlink(tmp); /* now the old content; a leftover is a temporary */
    return 0;
  }
  /* ENOENT: no target yet; EINVAL/ENOSYS: no support here. Plain rename. */
#else
  (void)io;
#endif
  return dckpt_sys_rename(tmp, path);
}

/* replace_now, keeping the replaced file open for io->replaced_fd (its
 * unlink, or the rename over it, then only drops its name: the blocks are
 * freed when that descriptor is closed). O_NONBLOCK: a FIFO under the
 * target's name must not block the open. */
static int replace(const char *tmp, const char *path, const dckpt_io_opts *io) {
  int old = -1;
  if (io && io->replaced_fd) {
    *io->replaced_fd = -1;
    old = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  }
  int rc = replace_now(tmp, path, io);
  int e = errno;
  if (rc == 0 && old >= 0)
    *io->replaced_fd = old;
  else if (old >= 0)
    close(old);
  errno = e;
  return rc;
}

/* Names the unnamed temporary `path`: a link when the name is free, else a
 * link to a temporary name renamed over the target. 0 or -1 (errno). */
static int name_unnamed(dckpt_atomic_file *f, const char *path) {
  if (dckpt_sys_link_fd(f->fd, path) == 0) return 0;
  if (errno != EEXIST) return -1;
  char *dir = dckpt_path_dirname(path);
  if (!dir) {
    errno = ENOMEM;
    return -1;
  }
  static _Atomic unsigned long counter;
  int rc = -1;
  for (int attempt = 0; attempt < 64; attempt++) {
    char *tmp = dckpt_path_printf("%s/" DCKPT_TMP_PREFIX "%s.%ld.l%lu", dir,
                                  dckpt_path_basename(path), (long)getpid(), counter++);
    if (!tmp) {
      errno = ENOMEM;
      break;
    }
    if (dckpt_sys_link_fd(f->fd, tmp) == 0) {
      rc = replace(tmp, path, f->io);
      int e = errno;
      if (rc != 0) (void)dckpt_sys_unlink(tmp);
      errno = e;
      free(tmp);
      break;
    }
    int e = errno;
    free(tmp);
    errno = e;
    if (e != EEXIST) break;
  }
  free(dir);
  return rc;
}

/* commit of an unnamed temporary: its data made durable, then named, then
 * closed (the name is made through its descriptor). */
static int commit_unnamed(dckpt_atomic_file *f, dckpt_err *err) {
  const dckpt_io_opts *io = f->io;
  int rc = DCKPT_OK;
  dckpt_io_step(io, "fsync");
  if (dckpt_sys_fdatasync(f->fd) != 0)
    rc = dckpt_err_errno(err, errno, "cannot sync '%s'", f->final_path);
  if (rc == DCKPT_OK) {
    dckpt_io_step(io, "rename");
    if (name_unnamed(f, f->final_path) != 0)
      rc = dckpt_err_errno(err, errno, "cannot create '%s'", f->final_path);
  }
  if (dckpt_sys_close(f->fd) != 0 && rc == DCKPT_OK)
    rc = dckpt_err_errno(err, errno, "cannot close '%s'", f->final_path);
  f->fd = -1;
  if (rc == DCKPT_OK && !io->defer_dirsync) {
    dckpt_io_step(io, "dirsync");
    rc = sync_parent(f->final_path, err);
  }
  if (rc == DCKPT_OK) dckpt_io_step(io, "done");
  release(f);
  return rc;
}

int dckpt_atomic_commit(dckpt_atomic_file *f, dckpt_err *err) {
  if (f->unnamed) return commit_unnamed(f, err);
  int rc = DCKPT_OK;
  const dckpt_io_opts *io = f->io;
  bool durable = io && io->durable;
  if (durable) {
    dckpt_io_step(io, "fsync");
    if (dckpt_sys_fdatasync(f->fd) != 0) {
      rc = dckpt_err_errno(err, errno, "cannot sync '%s'", f->final_path);
      dckpt_atomic_abort(f);
      return rc;
    }
  }
  if (dckpt_sys_close(f->fd) != 0) {
    int e = errno;
    f->fd = -1;
    rc = dckpt_err_errno(err, e, "cannot close '%s'", f->final_path);
    dckpt_atomic_abort(f);
    return rc;
  }
  f->fd = -1;
  dckpt_io_step(io, "rename");
  if (replace(f->tmp_path, f->final_path, io) != 0) {
    rc = dckpt_err_errno(err, errno, "cannot rename '%s' to '%s'", f->tmp_path,
                         f->final_path);
    dckpt_atomic_abort(f);
    return rc;
  }
  if (durable && !io->defer_dirsync) {
    dckpt_io_step(io, "dirsync");
    rc = sync_parent(f->final_path, err);
  }
  dckpt_io_step(io, "done");
  release(f);
  return rc;
}

/* fdatasync once, however many names publish tries. */
static int sync_data(dckpt_atomic_file *f, dckpt_err *err) {
  if (f->synced || !f->io || !f->io->durable) return DCKPT_OK;
  dckpt_io_step(f->io, "fsync");
  if (dckpt_sys_fdatasync(f->fd) != 0)
    return dckpt_err_errno(err, errno, "cannot sync '%s'", f->final_path);
  f->synced = true;
  return DCKPT_OK;
}

int dckpt_atomic_publish(dckpt_atomic_file *f, const char *path, dckpt_err *err) {
  const dckpt_io_opts *io = f->io;
  int rc = sync_data(f, err);
  if (rc == DCKPT_OK) {
    dckpt_io_step(io, "link");
    if ((f->unnamed ? dckpt_sys_link_fd(f->fd, path)
                    : dckpt_sys_link(f->tmp_path, path)) == 0)
      rc = DCKPT_OK;
    else if (errno == EEXIST)
      return DCKPT_EEXIST;
    else
      rc = dckpt_err_errno(err, errno, "cannot create '%s'", path);
  }
  dckpt_atomic_abort(f); /* the temporary goes; on success the data stays at path */
  if (rc == DCKPT_OK && io && io->durable) {
    dckpt_io_step(io, "dirsync");
    rc = sync_parent(path, err);
  }
  if (rc == DCKPT_OK) dckpt_io_step(io, "done");
  return rc;
}

void dckpt_atomic_abort(dckpt_atomic_file *f) {
  if (f->fd >= 0) dckpt_sys_close(f->fd);
  f->fd = -1;
  if (f->tmp_path) dckpt_sys_unlink(f->tmp_path);
  release(f);
}

int dckpt_io_write_file(const char *path, const void *data, size_t len,
                        const dckpt_io_opts *io, dckpt_err *err) {
  dckpt_atomic_file f;
  DCKPT_TRY(dckpt_atomic_begin(&f, path, io, err));
  int rc = dckpt_atomic_write(&f, data, len, err);
  if (rc != DCKPT_OK) {
    dckpt_atomic_abort(&f);
    return rc;
  }
  return dckpt_atomic_commit(&f, err);
}

bool dckpt_io_swap_write(const char *path, const char *spare, const void *data,
                         size_t len, const dckpt_io_opts *io) {
#ifdef RENAME_EXCHANGE
  dckpt_io_step(io, "write");
  int fd = dckpt_sys_open(spare, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
  bool ok = fd >= 0 && dckpt_sys_pwrite(fd, data, len, 0) == (ssize_t)len;
  if (fd >= 0) dckpt_sys_close(fd);
  if (ok) {
    dckpt_io_step(io, "rename");
    ok = dckpt_sys_renameat2(AT_FDCWD, spare, AT_FDCWD, path, RENAME_EXCHANGE) == 0 ||
         (errno == ENOENT && dckpt_sys_rename(spare, path) == 0);
  }
  if (!ok)
    (void)dckpt_sys_unlink(spare);
  else
    dckpt_io_step(io, "done");
  return ok;
#else
  (void)path, (void)spare, (void)data, (void)len, (void)io;
  return false;
#endif
}

int dckpt_io_rename(const char *from, const char *to, bool durable, dckpt_err *err) {
  if (dckpt_sys_rename(from, to) != 0)
    return dckpt_err_errno(err, errno, "cannot rename '%s' to '%s'", from, to);
  return durable ? sync_parent(to, err) : DCKPT_OK;
}

typedef struct cleaner {
  const char *dir;
  size_t removed;
} cleaner;

static int remove_temporary(void *ctx, const dckpt_walk_entry *e, dckpt_err *err) {
  cleaner *c = ctx;
  if (strncmp(e->name, DCKPT_TMP_PREFIX, strlen(DCKPT_TMP_PREFIX)) != 0) return DCKPT_OK;
  if (dckpt_sys_unlinkat(e->dirfd, e->name, 0) != 0 && errno != ENOENT)
    return dckpt_err_errno(err, errno, "cannot remove leftover temporary '%s/%s'", c->dir,
                           e->name);
  c->removed++;
  return DCKPT_OK;
}

int dckpt_clean_temporaries(const char *dir, size_t *removed, dckpt_err *err) {
  cleaner c = {dir, 0};
  int rc = dckpt_walk(dir, DCKPT_WALK_MISSING_OK, remove_temporary, &c, err);
  if (removed) *removed = c.removed;
  return rc;
}
