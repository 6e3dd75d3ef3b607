#define _GNU_SOURCE
#include "io/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/atomic.h"

char *dckpt_path_printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *out = NULL;
  int n = vasprintf(&out, fmt, ap);
  va_end(ap);
  return n < 0 ? NULL : out;
}

char *dckpt_path_join(const char *a, const char *b) {
  size_t la = strlen(a);
  if (la > 0 && a[la - 1] == '/') return dckpt_path_printf("%s%s", a, b);
  return dckpt_path_printf("%s/%s", a, b);
}

char *dckpt_path_dirname(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return strdup(".");
  if (slash == path) return strdup("/");
  return strndup(path, (size_t)(slash - path));
}

const char *dckpt_path_basename(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

bool dckpt_path_exists(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0;
}

bool dckpt_path_is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int dckpt_read_file(const char *path, uint64_t max_bytes, char **data, size_t *len,
                    dckpt_err *err) {
  *data = NULL;
  *len = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return dckpt_err_errno(err, errno, "cannot open '%s'", path);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return dckpt_err_errno(err, e, "cannot stat '%s'", path);
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return dckpt_err_set(err, DCKPT_EINVAL, "'%s' is not a regular file", path);
  }
  uint64_t size = (uint64_t)st.st_size;
  if (size > max_bytes) {
    close(fd);
    return dckpt_err_set(err, DCKPT_ETOOBIG,
                         "'%s' is %llu bytes, more than the limit of %llu", path,
                         (unsigned long long)size, (unsigned long long)max_bytes);
  }
  char *buf = malloc((size_t)size + 1);
  if (!buf) {
    close(fd);
    return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory reading '%s' (%llu bytes)",
                         path, (unsigned long long)size);
  }
  size_t got = 0;
  while (got < size) {
    ssize_t n = read(fd, buf + got, (size_t)size - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      free(buf);
      close(fd);
      return dckpt_err_errno(err, e, "cannot read '%s'", path);
    }
    if (n == 0) break; /* shrank while reading: take what is there */
    got += (size_t)n;
  }
  close(fd);
  buf[got] = '\0';
  *data = buf;
  *len = got;
  return DCKPT_OK;
}

int dckpt_mkdirs(const char *path, bool durable, dckpt_err *err) {
  if (dckpt_path_is_dir(path)) return DCKPT_OK;
  char *copy = strdup(path);
  if (!copy) return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  size_t n = strlen(copy);
  while (n > 1 && copy[n - 1] == '/')
    copy[--n] = '\0';
  int rc = DCKPT_OK;
  for (char *p = copy + 1;; p++) {
    bool end = *p == '\0';
    if (*p == '/' || end) {
      *p = '\0';
      if (mkdir(copy, 0755) == 0) {
        if (durable) {
          char *parent = dckpt_path_dirname(copy);
          rc = parent ? dckpt_io_fsync_dir(parent, err)
                      : dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
          free(parent);
          if (rc != DCKPT_OK) break;
        }
      } else if (errno != EEXIST || !dckpt_path_is_dir(copy)) {
        rc = dckpt_err_errno(err, errno == EEXIST ? ENOTDIR : errno,
                             "cannot create directory '%s'", copy);
        break;
      }
      if (end) break;
      *p = '/';
    }
  }
  free(copy);
  return rc;
}

static int remove_at(int dirfd, const char *name, const char *shown, dckpt_err *err);

static int remove_dir_contents(int fd, const char *shown, dckpt_err *err) {
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
    rc = remove_at(dirfd(d), de->d_name, shown, err);
    if (rc != DCKPT_OK) break;
  }
  closedir(d);
  return rc;
}

static int remove_at(int dirfd, const char *name, const char *shown, dckpt_err *err) {
  if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT) return DCKPT_OK;
  if (errno != EISDIR && errno != EPERM)
    return dckpt_err_errno(err, errno, "cannot remove '%s/%s'", shown, name);
  int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return dckpt_err_errno(err, errno, "cannot open '%s/%s'", shown, name);
  char *sub = dckpt_path_join(shown, name);
  int rc = sub ? remove_dir_contents(fd, sub, err)
               : (close(fd), dckpt_err_set(err, DCKPT_ENOMEM, "out of memory"));
  free(sub);
  if (rc != DCKPT_OK) return rc;
  if (unlinkat(dirfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
    return dckpt_err_errno(err, errno, "cannot remove directory '%s/%s'", shown, name);
  return DCKPT_OK;
}

int dckpt_remove_tree(const char *path, dckpt_err *err) {
  struct stat st;
  if (lstat(path, &st) != 0) {
    if (errno == ENOENT) return DCKPT_OK;
    return dckpt_err_errno(err, errno, "cannot stat '%s'", path);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (unlink(path) != 0) return dckpt_err_errno(err, errno, "cannot remove '%s'", path);
    return DCKPT_OK;
  }
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return dckpt_err_errno(err, errno, "cannot open '%s'", path);
  DCKPT_TRY(remove_dir_contents(fd, path, err));
  if (rmdir(path) != 0 && errno != ENOENT)
    return dckpt_err_errno(err, errno, "cannot remove directory '%s'", path);
  return DCKPT_OK;
}

static int size_of(int fd, const char *shown, uint64_t *bytes, dckpt_err *err) {
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
    struct stat st;
    if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (S_ISREG(st.st_mode)) {
      *bytes += (uint64_t)st.st_size;
    } else if (S_ISDIR(st.st_mode)) {
      int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (sub < 0) continue;
      char *name = dckpt_path_join(shown, de->d_name);
      rc = name ? size_of(sub, name, bytes, err)
                : (close(sub), dckpt_err_set(err, DCKPT_ENOMEM, "out of memory"));
      free(name);
      if (rc != DCKPT_OK) break;
    }
  }
  closedir(d);
  return rc;
}

int dckpt_tree_size(const char *path, uint64_t *bytes, dckpt_err *err) {
  *bytes = 0;
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return DCKPT_OK;
    return dckpt_err_errno(err, errno, "cannot open '%s'", path);
  }
  return size_of(fd, path, bytes, err);
}

int dckpt_clean_temporaries(const char *dir, size_t *removed, dckpt_err *err) {
  if (removed) *removed = 0;
  DIR *d = opendir(dir);
  if (!d) {
    if (errno == ENOENT) return DCKPT_OK;
    return dckpt_err_errno(err, errno, "cannot read directory '%s'", dir);
  }
  int rc = DCKPT_OK;
  struct dirent *de;
  size_t plen = strlen(DCKPT_TMP_PREFIX);
  while ((de = readdir(d)) != NULL) {
    if (strncmp(de->d_name, DCKPT_TMP_PREFIX, plen) != 0) continue;
    if (unlinkat(dirfd(d), de->d_name, 0) != 0 && errno != ENOENT) {
      rc = dckpt_err_errno(err, errno, "cannot remove leftover temporary '%s/%s'", dir,
                           de->d_name);
      break;
    }
    if (removed) (*removed)++;
  }
  closedir(d);
  return rc;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int dckpt_list_dir(const char *dir, dckpt_dirlist *out, dckpt_err *err) {
  out->names = NULL;
  out->count = 0;
  DIR *d = opendir(dir);
  if (!d) {
    if (errno == ENOENT) return DCKPT_OK;
    return dckpt_err_errno(err, errno, "cannot read directory '%s'", dir);
  }
  size_t cap = 0;
  struct dirent *de;
  int rc = DCKPT_OK;
  while ((de = readdir(d)) != NULL) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
    if (out->count == cap) {
      cap = cap ? cap * 2 : 16;
      char **grown = realloc(out->names, cap * sizeof *grown);
      if (!grown) {
        rc = dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
        break;
      }
      out->names = grown;
    }
    out->names[out->count] = strdup(de->d_name);
    if (!out->names[out->count]) {
      rc = dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
      break;
    }
    out->count++;
  }
  closedir(d);
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
