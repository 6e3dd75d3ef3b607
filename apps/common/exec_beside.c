/* See exec_beside.h. No allocation and no library but libc: the static
 * dckpt-bench launcher uses it too. */
#define _GNU_SOURCE
#include "exec_beside.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void dckpt_exec_beside(const char *const places[], size_t n_places, char **argv,
                       char *msg, size_t msg_len) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) {
    snprintf(msg, msg_len, "cannot find this program's own path: %s", strerror(errno));
    return;
  }
  self[n] = '\0';
  char *slash = strrchr(self, '/');
  if (slash) *slash = '\0';
  char path[PATH_MAX + 64];
  int e = ENOENT;
  size_t used = (size_t)snprintf(msg, msg_len, "cannot run");
  for (size_t i = 0; i < n_places; i++) {
    snprintf(path, sizeof path, "%s/%s", self, places[i]);
    execv(path, argv);
    if (errno != ENOENT) e = errno; /* the reason worth telling: not just absent */
    if (used < msg_len)
      used += (size_t)snprintf(msg + used, msg_len - used, "%s %s", i ? " or" : "", path);
  }
  if (used < msg_len) snprintf(msg + used, msg_len - used, ": %s", strerror(e));
}
