#define _GNU_SOURCE
#include "io/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/path.h"
#include "io/sys.h"
#include "io/walk.h"

static int read_fd(int fd, const char *path, uint64_t max_bytes, char **data, size_t *len,
                   dckpt_err *err) {
  struct stat st;
  if (fstat(fd, &st) != 0) return dckpt_err_errno(err, errno, "cannot stat '%s'", path);
  if (!S_ISREG(st.st_mode))
    return dckpt_err_set(err, DCKPT_EINVAL, "'%s' is not a regular file", path);
  uint64_t size = (uint64_t)st.st_size;
  if (size > max_bytes)
    return dckpt_err_set(err, DCKPT_ETOOBIG,
                         "'%s' is %llu bytes, more than the limit of %llu", path,
                         (unsigned long long)size, (unsigned long long)max_bytes);
  char *buf = malloc((size_t)size + 1);
  if (!buf)
    return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory reading '%s' (%llu bytes)",
                         path, (unsigned long long)size);
  size_t got = 0;
  while (got < size) {
    ssize_t n = read(fd, buf + got, (size_t)size - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      free(buf);
      return dckpt_err_errno(err, e, "cannot read '%s'", path);
    }
    if (n == 0) break; /* shrank while reading: take what is there */
    got += (size_t)n;
  }
  buf[got] = '\0';
  *data = buf;
  *len = got;
  return DCKPT_OK;
}

int dckpt_read_file(const char *path, uint64_t max_bytes, char **data, size_t *len,
                    dckpt_err *err) {
  *data = NULL;
  *len = 0;
  /* O_NONBLOCK: a FIFO in place of the file must not wait for a writer; it
   * is refused below as not a regular file (no effect on regular files). */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return dckpt_err_errno(err, errno, "cannot open '%s'", path);
  int rc = read_fd(fd, path, max_bytes, data, len, err);
  close(fd);
  return rc;
}

int dckpt_io_sync_file(const char *path, dckpt_err *err) {
  /* O_NONBLOCK: a FIFO in the file's place must not hang the open */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return dckpt_err_errno(err, errno, "cannot open '%s' to sync it", path);
  int rc = DCKPT_OK;
  struct stat st;
  if (fstat(fd, &st) != 0)
    rc = dckpt_err_errno(err, errno, "cannot stat '%s'", path);
  else if (S_ISREG(st.st_mode) && dckpt_sys_fdatasync(fd) != 0)
    rc = dckpt_err_errno(err, errno, "cannot sync '%s'", path);
  dckpt_sys_close(fd);
  return rc;
}

int dckpt_io_fsync_dir(const char *dir, dckpt_err *err) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return dckpt_err_errno(err, errno, "cannot open directory '%s' to sync it", dir);
  int rc = DCKPT_OK;
  if (dckpt_sys_fsync(fd) != 0 && errno != EINVAL)
    rc = dckpt_err_errno(err, errno, "cannot sync directory '%s'", dir);
  dckpt_sys_close(fd);
  return rc;
}

/* Creates one directory of a mkdir -p; EEXIST from a directory is fine. */
static int make_one(const char *dir, bool durable, dckpt_err *err) {
  if (dckpt_sys_mkdir(dir, 0755) != 0) {
    if (errno == EEXIST && dckpt_path_is_dir(dir)) return DCKPT_OK;
    return dckpt_err_errno(err, errno == EEXIST ? ENOTDIR : errno,
                           "cannot create directory '%s'", dir);
  }
  if (!durable) return DCKPT_OK;
  char *parent = dckpt_path_dirname(dir);
  int rc = parent ? dckpt_io_fsync_dir(parent, err)
                  : dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  free(parent);
  return rc;
}

int dckpt_mkdirs(const char *path, bool durable, dckpt_err *err) {
  if (dckpt_path_is_dir(path)) return DCKPT_OK;
  char *copy = strdup(path);
  if (!copy) return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  size_t n = strlen(copy);
  while (n > 1 && copy[n - 1] == '/')
    copy[--n] = '\0';
  int rc = DCKPT_OK;
  for (char *p = copy + 1; rc == DCKPT_OK; p++) {
    bool end = *p == '\0';
    if (*p != '/' && !end) continue;
    *p = '\0';
    rc = make_one(copy, durable, err);
    if (end) break;
    *p = '/';
  }
  free(copy);
  return rc;
}

const char *dckpt_io_kind_name(unsigned mode) {
  mode_t m = (mode_t)mode;
  return S_ISREG(m)    ? "a regular file"
         : S_ISDIR(m)  ? "a directory"
         : S_ISLNK(m)  ? "a symbolic link"
         : S_ISFIFO(m) ? "a FIFO"
         : S_ISSOCK(m) ? "a socket"
                       : "a device";
}

int dckpt_io_own_dir(const char *path, const char *what, bool durable, dckpt_err *err) {
  struct stat st;
  if (lstat(path, &st) != 0) {
    if (errno != ENOENT)
      return dckpt_err_errno(err, errno, "cannot look at '%s' (%s)", path, what);
    DCKPT_TRY(make_one(path, durable, err));
    if (lstat(path, &st) != 0)
      return dckpt_err_errno(err, errno, "cannot look at '%s' (%s)", path, what);
  }
  if (S_ISLNK(st.st_mode))
    return dckpt_err_set(err, DCKPT_ENOTDIR,
                         "'%s' (%s) is a symbolic link; dckpt keeps a directory of its "
                         "own there and follows no link: remove the link",
                         path, what);
  if (!S_ISDIR(st.st_mode))
    return dckpt_err_set(err, DCKPT_ENOTDIR,
                         "'%s' (%s) is %s, not a directory: remove or rename it", path,
                         what, dckpt_io_kind_name(st.st_mode));
  if (access(path, R_OK | W_OK | X_OK) != 0)
    return dckpt_err_errno(err, errno, "directory '%s' (%s) cannot be read and written",
                           path, what);
  return DCKPT_OK;
}

int dckpt_io_file_place(const char *path, const char *what, dckpt_err *err) {
  struct stat st;
  if (lstat(path, &st) != 0) {
    if (errno == ENOENT) return DCKPT_OK;
    return dckpt_err_errno(err, errno, "cannot look at '%s' (%s)", path, what);
  }
  if (S_ISDIR(st.st_mode))
    return dckpt_err_set(err, DCKPT_EEXIST,
                         "'%s' (%s) is a directory, not a file: remove or rename it",
                         path, what);
  return DCKPT_OK;
}

/* ---- removal ---- */

static int remove_entry(void *ctx, const dckpt_walk_entry *e, dckpt_err *err) {
  (void)ctx;
  if (dckpt_sys_unlinkat(e->dirfd, e->name, 0) == 0 || errno == ENOENT) return DCKPT_OK;
  if (errno != EISDIR && errno != EPERM)
    return dckpt_err_errno(err, errno, "cannot remove '%s/%s'", e->dir, e->name);
  char *sub = dckpt_path_join(e->dir, e->name);
  if (!sub) return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  int rc = dckpt_walk_at(e->dirfd, e->name, sub, 0, remove_entry, NULL, err);
  free(sub);
  if (rc != DCKPT_OK) return rc;
  if (dckpt_sys_unlinkat(e->dirfd, e->name, AT_REMOVEDIR) != 0 && errno != ENOENT)
    return dckpt_err_errno(err, errno, "cannot remove directory '%s/%s'", e->dir,
                           e->name);
  return DCKPT_OK;
}

int dckpt_remove_tree(const char *path, dckpt_err *err) {
  struct stat st;
  if (lstat(path, &st) != 0) {
    if (errno == ENOENT) return DCKPT_OK;
    return dckpt_err_errno(err, errno, "cannot stat '%s'", path);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (dckpt_sys_unlink(path) != 0)
      return dckpt_err_errno(err, errno, "cannot remove '%s'", path);
    return DCKPT_OK;
  }
  DCKPT_TRY(dckpt_walk_at(AT_FDCWD, path, path, 0, remove_entry, NULL, err));
  if (dckpt_sys_rmdir(path) != 0 && errno != ENOENT)
    return dckpt_err_errno(err, errno, "cannot remove directory '%s'", path);
  return DCKPT_OK;
}

int dckpt_io_remove(const char *path, bool durable, dckpt_err *err) {
  if (dckpt_sys_unlink(path) != 0 && errno != ENOENT)
    return dckpt_err_errno(err, errno, "cannot remove '%s'", path);
  if (!durable) return DCKPT_OK;
  /* Also when the file was gone already: whoever unlinked it may have been
   * killed before making that durable. */
  char *dir = dckpt_path_dirname(path);
  if (!dir) return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  int rc = dckpt_path_is_dir(dir) ? dckpt_io_fsync_dir(dir, err) : DCKPT_OK;
  free(dir);
  return rc;
}

/* ---- size ---- */

static int add_size(void *ctx, const dckpt_walk_entry *e, dckpt_err *err) {
  uint64_t *bytes = ctx;
  struct stat st;
  if (fstatat(e->dirfd, e->name, &st, AT_SYMLINK_NOFOLLOW) != 0) return DCKPT_OK;
  if (S_ISREG(st.st_mode)) *bytes += (uint64_t)st.st_size;
  if (!S_ISDIR(st.st_mode)) return DCKPT_OK;
  char *sub = dckpt_path_join(e->dir, e->name);
  if (!sub) return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  /* A subdirectory that cannot be read (or vanished meanwhile) counts as empty. */
  int rc = dckpt_walk_at(e->dirfd, e->name, sub, DCKPT_WALK_UNREADABLE_OK, add_size,
                         bytes, err);
  free(sub);
  return rc;
}

int dckpt_tree_size(const char *path, uint64_t *bytes, dckpt_err *err) {
  *bytes = 0;
  return dckpt_walk(path, DCKPT_WALK_MISSING_OK, add_size, bytes, err);
}

/* ---- listing ---- */

typedef struct lister {
  dckpt_dirlist *out;
  size_t cap;
} lister;

static int add_name(void *ctx, const dckpt_walk_entry *e, dckpt_err *err) {
  lister *l = ctx;
  dckpt_dirlist *out = l->out;
  if (out->count == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    char **grown = realloc(out->names, cap * sizeof *grown);
    if (!grown) return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
    out->names = grown;
    l->cap = cap;
  }
  out->names[out->count] = strdup(e->name);
  if (!out->names[out->count]) return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  out->count++;
  return DCKPT_OK;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int dckpt_list_dir(const char *dir, dckpt_dirlist *out, dckpt_err *err) {
  out->names = NULL;
  out->count = 0;
  lister l = {out, 0};
  int rc = dckpt_walk(dir, DCKPT_WALK_MISSING_OK, add_name, &l, err);
  if (rc != DCKPT_OK) {
    dckpt_dirlist_free(out);
    return rc;
  }
  if (out->count > 1) qsort(out->names, out->count, sizeof *out->names, cmp_names);
  return DCKPT_OK;
}

void dckpt_dirlist_free(dckpt_dirlist *list) {
  if (!list) return;
  for (size_t i = 0; i < list->count; i++)
    free(list->names[i]);
  free(list->names);
  list->names = NULL;
  list->count = 0;
}
