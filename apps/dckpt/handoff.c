/* dckpt and dckpt-h5: which program runs a command line, and the hand-off
 * from the one to the other. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "exec_beside.h"

static char **g_argv; /* main's, for the hand-off */

void cli_handoff_init(char **argv) {
  g_argv = argv;
}

/* HDF5's 8-byte signature at offset 0, the test dckpt_container_probe makes
 * (a file that has it may still not be a container: dckpt-h5 says so). */
bool cli_container_probe(const char *path) {
  static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  unsigned char head[8];
  struct stat st;
  if (!path || stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return false;
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  bool ok = fread(head, 1, 8, f) == 8 && !memcmp(head, sig, 8);
  fclose(f);
  return ok;
}

int cli_handoff(const char *cmd, int fail_exit) {
  /* the build tree keeps dckpt-h5 in libexec/dckpt/ beside dckpt, an install
   * in PREFIX/libexec/dckpt/ beside bin/ (as dckpt-bench's program) */
  static const char *const places[] = {"libexec/dckpt/dckpt-h5",
                                       "../libexec/dckpt/dckpt-h5"};
  char msg[3 * 4200];
  fflush(NULL);
  dckpt_exec_beside(places, sizeof places / sizeof places[0], g_argv, msg, sizeof msg);
  cli_error(cmd, "HDF5 containers are handled by dckpt-h5, which did not start: %s", msg);
  return fail_exit;
}
