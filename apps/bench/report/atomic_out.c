#include "atomic_out.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errmsg.h"

static char *join(const char *a, const char *b) {
  size_t n = strlen(a) + strlen(b) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s", a, b);
  return p;
}

int report_ensure_dir(const char *dir, char *err, size_t errlen) {
  if (!dir || !*dir) return report_errf(err, errlen, "output directory not given");
  if (mkdir(dir, 0777) == 0) return 0;
  int e = errno;
  struct stat st;
  if (e == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) return 0;
  return report_errno(err, errlen, e == EEXIST ? ENOTDIR : e,
                      "%s: cannot create the output directory", dir);
}

static void release(atomic_out *o) {
  if (o->fd >= 0) close(o->fd);
  free(o->dir);
  free(o->path);
  free(o->tmp);
  memset(o, 0, sizeof *o);
  o->fd = -1;
}

int atomic_out_begin(atomic_out *o, const char *dir, const char *name, char *err,
                     size_t errlen) {
  memset(o, 0, sizeof *o);
  o->fd = -1;
  char tmpname[256];
  snprintf(tmpname, sizeof tmpname, ".dckpt-tmp.%s.XXXXXX", name);
  o->dir = strdup(dir);
  o->path = join(dir, name);
  o->tmp = join(dir, tmpname);
  if (!o->dir || !o->path || !o->tmp) {
    release(o);
    return report_errf(err, errlen, "%s/%s: out of memory", dir, name);
  }
  o->fd = mkstemp(o->tmp);
  if (o->fd < 0) {
    int e = errno;
    report_errno(err, errlen, e, "%s: cannot create a temporary file", o->path);
    release(o);
    return -1;
  }
  /* mkstemp makes the file private; results are meant to be shared. */
  (void)fchmod(o->fd, 0644);
  return 0;
}

void atomic_out_write(atomic_out *o, const void *data, size_t len) {
  const char *p = data;
  while (len > 0 && o->write_errno == 0) {
    ssize_t k = write(o->fd, p, len);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      o->write_errno = k < 0 ? errno : EIO;
      return;
    }
    p += k;
    len -= (size_t)k;
  }
}

static int fsync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY);
  if (fd < 0) return -1;
  int rc = fsync(fd);
  int e = errno;
  close(fd);
  errno = e;
  return rc;
}

/* Runs the durable-commit steps in order; returns the failed step's
 * description (errno in *e) or NULL. */
static const char *commit_steps(atomic_out *o, int *e) {
  *e = o->write_errno;
  if (*e != 0) return "cannot write";
  if (fsync(o->fd) != 0) {
    *e = errno;
    return "cannot fsync";
  }
  int fd = o->fd;
  o->fd = -1;
  if (close(fd) != 0) {
    *e = errno;
    return "cannot close";
  }
  if (rename(o->tmp, o->path) != 0) {
    *e = errno;
    return "cannot rename the temporary file into place";
  }
  if (fsync_dir(o->dir) != 0) {
    *e = errno;
    return "cannot fsync its directory";
  }
  return NULL;
}

int atomic_out_commit(atomic_out *o, char *err, size_t errlen) {
  int e = 0;
  const char *failed = commit_steps(o, &e);
  if (failed) {
    report_errno(err, errlen, e, "%s: %s", o->path, failed);
    atomic_out_abort(o);
    return -1;
  }
  release(o);
  return 0;
}

void atomic_out_abort(atomic_out *o) {
  if (o->tmp) unlink(o->tmp);
  release(o);
}

int atomic_out_file(const char *dir, const char *name, const void *data, size_t len,
                    char *err, size_t errlen) {
  atomic_out o;
  if (atomic_out_begin(&o, dir, name, err, errlen) != 0) return -1;
  atomic_out_write(&o, data, len);
  return atomic_out_commit(&o, err, errlen);
}
