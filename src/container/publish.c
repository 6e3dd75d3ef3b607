/* Temporaries and their crash-safe publication (publish.h). */
#define _GNU_SOURCE
#include "container/publish.h"

#include "io/sys.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

/* the prefix every temporary of dckpt has (io/atomic.h), so the store's own
 * clean-up recognises these too */
#define TMP_PREFIX ".dckpt-tmp."

char *ctr_dirname(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return strdup(".");
  if (slash == path) return strdup("/");
  return strndup(path, (size_t)(slash - path));
}

static const char *base_of(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

/* "<dir>/.dckpt-tmp.<base>.<host>.<pid>." */
static int stem(const char *target, char *buf, size_t len, ctr_err *e) {
  char host[256] = "host";
  if (gethostname(host, sizeof host - 1) != 0) snprintf(host, sizeof host, "host");
  char *dir = ctr_dirname(target);
  if (!dir) return ctr_fail(e, DCKPT_ENOMEM, "out of memory");
  int n = snprintf(buf, len, "%s/" TMP_PREFIX "%s.%s.%ld.", dir, base_of(target), host,
                   (long)getpid());
  free(dir);
  if (n < 0 || (size_t)n + 8 >= len)
    return ctr_fail(e, DCKPT_EINVAL, "path '%s' is too long", target);
  return DCKPT_OK;
}

/* Six letters after the stem, tried until one is free (mkstemp's idea,
 * spelled with io/sys.h's calls so that every file change goes through io/). */
static void next_suffix(char *at, unsigned attempt) {
  static const char letters[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  uint64_t x = (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15ull ^ (uint64_t)getpid() << 20 ^
               (uint64_t)attempt * 0xBF58476D1CE4E5B9ull ^ (uint64_t)ts.tv_sec;
  for (int i = 0; i < 6; i++, x /= 36)
    at[i] = letters[x % 36];
  at[6] = '\0';
}

int ctr_make_temporary(const char *target, char *tmp, size_t len, ctr_err *e) {
  CTR_TRY(stem(target, tmp, len, e));
  char *at = tmp + strlen(tmp);
  for (unsigned attempt = 0; attempt < 100; attempt++) {
    next_suffix(at, attempt);
    int fd = dckpt_sys_open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) return dckpt_sys_close(fd), DCKPT_OK;
    if (errno != EEXIST) break;
  }
  return ctr_fail_errno(e, errno, "cannot create a file beside '%s'", target);
}

int ctr_make_temporary_dir(const char *target, char *tmp, size_t len, ctr_err *e) {
  CTR_TRY(stem(target, tmp, len, e));
  char *at = tmp + strlen(tmp);
  for (unsigned attempt = 0; attempt < 100; attempt++) {
    next_suffix(at, attempt);
    if (dckpt_sys_mkdir(tmp, 0755) == 0) return DCKPT_OK;
    if (errno != EEXIST) break;
  }
  return ctr_fail_errno(e, errno, "cannot create a directory beside '%s'", target);
}

void ctr_clean_stale_temporaries(const char *target, const dckpt_logger *log) {
  char host[256] = "host", prefix[600];
  if (gethostname(host, sizeof host - 1) != 0) snprintf(host, sizeof host, "host");
  snprintf(prefix, sizeof prefix, TMP_PREFIX "%s.%s.", base_of(target), host);
  char *dir = ctr_dirname(target);
  DIR *d = dir ? opendir(dir) : NULL;
  struct dirent *de;
  size_t n = strlen(prefix);
  while (d && (de = readdir(d)) != NULL) {
    char *end = NULL;
    if (strncmp(de->d_name, prefix, n) != 0) continue;
    long pid = strtol(de->d_name + n, &end, 10);
    if (pid <= 0 || !end || *end != '.') continue;
    if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue; /* alive, or unknown */
    char path[4600];
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    ctr_remove_tree(path);
    dckpt_log(log, DCKPT_LOG_INFO, "removed '%s', left by a process that died", path);
  }
  if (d) closedir(d);
  free(dir);
}

int ctr_fsync_path(const char *path, ctr_err *e) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ctr_fail_errno(e, errno, "cannot open '%s' to sync it", path);
  int rc = dckpt_sys_fsync(fd) == 0 ? DCKPT_OK
                                    : ctr_fail_errno(e, errno, "cannot sync '%s'", path);
  close(fd);
  return rc;
}

int ctr_fsync_parent(const char *path, ctr_err *e) {
  char *dir = ctr_dirname(path);
  if (!dir) return ctr_fail(e, DCKPT_ENOMEM, "out of memory");
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int rc = fd < 0 ? ctr_fail_errno(e, errno, "cannot open directory '%s'", dir)
           : dckpt_sys_fsync(fd) == 0
               ? DCKPT_OK
               : ctr_fail_errno(e, errno, "cannot sync directory '%s'", dir);
  if (fd >= 0) close(fd);
  free(dir);
  return rc;
}

int ctr_rename(const char *from, const char *to, ctr_err *e) {
  if (dckpt_sys_rename(from, to) == 0) return DCKPT_OK;
  return ctr_fail_errno(e, errno, "cannot rename '%s' to '%s'", from, to);
}

int ctr_check_no_holes(const char *path, ctr_err *e) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ctr_fail_errno(e, errno, "cannot open '%s'", path);
  struct stat st;
  uint64_t missing = 0;
  off_t size = fstat(fd, &st) == 0 ? st.st_size : 0, at = 0;
  while (at < size) {
    off_t hole = lseek(fd, at, SEEK_HOLE);
    if (hole < 0 || hole >= size) break; /* no holes (or cannot tell) */
    off_t data = lseek(fd, hole, SEEK_DATA);
    if (data < 0) data = size; /* a hole to the end */
    missing += (uint64_t)(data - hole);
    at = data;
  }
  close(fd);
  if (!missing) return DCKPT_OK;
  struct statvfs vfs;
  bool full = statvfs(path, &vfs) == 0 && vfs.f_bavail * vfs.f_frsize < (1u << 20);
  return ctr_fail(e, full ? DCKPT_ENOSPC : DCKPT_EIO,
                  "'%s': %llu of its %lld bytes were never written although MPI-IO "
                  "reported them written%s; nothing is published",
                  path, (unsigned long long)missing, (long long)size,
                  full ? " (No space left on device)" : "");
}

static void remove_at(int dirfd, const char *name) {
  int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) {
    DIR *d = fdopendir(fd);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL)
      if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) remove_at(fd, de->d_name);
    if (d)
      closedir(d);
    else
      close(fd);
    (void)dckpt_sys_unlinkat(dirfd, name, AT_REMOVEDIR);
  } else {
    (void)dckpt_sys_unlinkat(dirfd, name, 0);
  }
}

void ctr_remove_tree(const char *path) {
  remove_at(AT_FDCWD, path);
}
