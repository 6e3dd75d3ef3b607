/* The references a checkpoint is measured against: the same bytes written
 * and read with plain system calls on the same disk. */
#define _XOPEN_SOURCE 700 /* fsync() */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_store.h"
#include "bench_util.h"

static void write_all(int fd, const void *buf, size_t len, const char *path) {
  const unsigned char *p = buf;
  while (len > 0) {
    ssize_t w = write(fd, p, len);
    if (w < 0) {
      if (errno == EINTR) continue;
      bench_die("write %s: %s", path, strerror(errno));
    }
    p += w;
    len -= (size_t)w;
  }
}

static void fsync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) bench_die("open directory %s: %s", dir, strerror(errno));
  if (fsync(fd) != 0) bench_die("fsync directory %s: %s", dir, strerror(errno));
  close(fd);
}

void unlink_quiet(const char *path) {
  if (unlink(path) != 0 && errno != ENOENT)
    bench_die("unlink %s: %s", path, strerror(errno));
}

void save_plain(const char *dir, const char *path, const char *tmp, const void *buf,
                size_t len, bool do_fsync, bool via_rename) {
  const char *target = via_rename ? tmp : path;
  int fd = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) bench_die("open %s: %s", target, strerror(errno));
  write_all(fd, buf, len, target);
  if (do_fsync && fsync(fd) != 0) bench_die("fsync %s: %s", target, strerror(errno));
  if (close(fd) != 0) bench_die("close %s: %s", target, strerror(errno));
  if (via_rename) {
    if (rename(tmp, path) != 0) bench_die("rename %s: %s", tmp, strerror(errno));
    if (do_fsync) fsync_dir(dir);
  }
}

void read_plain(const char *path, size_t expect) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) bench_die("open %s: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) bench_die("fstat %s: %s", path, strerror(errno));
  size_t len = (size_t)st.st_size;
  if (len != expect) bench_die("%s has %zu bytes, expected %zu", path, len, expect);
  unsigned char *b = bench_xmalloc(len);
  size_t got = 0;
  while (got < len) {
    ssize_t r = read(fd, b + got, len - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) bench_die("read %s: %s", path, r < 0 ? strerror(errno) : "short file");
    got += (size_t)r;
  }
  close(fd);
  /* touch the buffer so the read cannot be optimised into nothing */
  volatile unsigned char sink = b[len / 2];
  (void)sink;
  free(b);
}
