/* Running a shell command and keeping what it prints. */
#define _GNU_SOURCE
#include "command.h"

#include <stdio.h>

int app_run_capture(const char *cmd, char *buf, size_t len) {
  FILE *p = popen(cmd, "re");
  if (!p) return -1;
  size_t used = 0;
  for (size_t got; used + 1 < len && (got = fread(buf + used, 1, len - 1 - used, p)) > 0;)
    used += got;
  if (len) buf[used] = '\0';
  char sink[256];
  while (fread(sink, 1, sizeof sink, p) > 0) {
  }
  return pclose(p);
}
