#include "outfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "errmsg.h"

int report_ensure_dir(const char *dir, char *err, size_t errlen) {
  if (!dir || !*dir) return report_errf(err, errlen, "output directory not given");
  if (mkdir(dir, 0777) == 0) return 0;
  int e = errno;
  struct stat st;
  if (e == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) return 0;
  return report_errno(err, errlen, e == EEXIST ? ENOTDIR : e,
                      "%s: cannot create the output directory", dir);
}

static char *join(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s", dir, name);
  return p;
}

int report_file_open(const char *dir, const char *name, dckpt_file_writer **w, char *err,
                     size_t errlen) {
  char *path = join(dir, name);
  if (!path) return report_errf(err, errlen, "%s/%s: out of memory", dir, name);
  int rc = dckpt_file_writer_open(path, DCKPT_DURABILITY_FULL, w);
  free(path);
  if (rc == DCKPT_OK) return 0;
  report_errf(err, errlen, "%s", *w ? dckpt_file_writer_errmsg(*w) : "out of memory");
  dckpt_file_writer_free(*w);
  *w = NULL;
  return -1;
}

int report_file_commit(dckpt_file_writer *w, char *err, size_t errlen) {
  int rc = dckpt_file_writer_commit(w);
  if (rc != DCKPT_OK) report_errf(err, errlen, "%s", dckpt_file_writer_errmsg(w));
  dckpt_file_writer_free(w);
  return rc == DCKPT_OK ? 0 : -1;
}

int report_file_write(const char *dir, const char *name, const void *data, size_t len,
                      char *err, size_t errlen) {
  dckpt_file_writer *w = NULL;
  if (report_file_open(dir, name, &w, err, errlen) != 0) return -1;
  dckpt_file_writer_write(w, data, len); /* a failure is reported by commit */
  return report_file_commit(w, err, errlen);
}
