#define _GNU_SOURCE
#include "io/walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* Walks the directory open as `fd` (taken over and closed). */
static int walk_fd(int fd, const char *shown, dckpt_walk_fn fn, void *ctx,
                   dckpt_err *err) {
  DIR *d = fdopendir(fd);
  if (!d) {
    int e = errno;
    close(fd);
    return dckpt_err_errno(err, e, "cannot read directory '%s'", shown);
  }
  int rc = DCKPT_OK;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
    dckpt_walk_entry e = {dirfd(d), de->d_name, shown};
    rc = fn(ctx, &e, err);
    if (rc != DCKPT_OK) break;
  }
  closedir(d);
  return rc == DCKPT_WALK_STOP ? DCKPT_OK : rc;
}

static int open_failed(const char *shown, unsigned flags, dckpt_err *err) {
  if (flags & DCKPT_WALK_UNREADABLE_OK) return DCKPT_OK;
  if (errno == ENOENT && (flags & DCKPT_WALK_MISSING_OK)) return DCKPT_OK;
  return dckpt_err_errno(err, errno, "cannot read directory '%s'", shown);
}

int dckpt_walk(const char *dir, unsigned flags, dckpt_walk_fn fn, void *ctx,
               dckpt_err *err) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return open_failed(dir, flags, err);
  return walk_fd(fd, dir, fn, ctx, err);
}

int dckpt_walk_at(int dirfd, const char *name, const char *shown, unsigned flags,
                  dckpt_walk_fn fn, void *ctx, dckpt_err *err) {
  int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return open_failed(shown, flags, err);
  return walk_fd(fd, shown, fn, ctx, err);
}
