#define _GNU_SOURCE
#include "io/path.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
