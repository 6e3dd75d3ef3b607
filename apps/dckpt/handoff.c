/* dckpt and dckpt-h5: which program runs a command line, and the hand-off
 * from the one to the other. */
#include <stdio.h>

#include "cli.h"
#include "exec_beside.h"

static char **g_argv; /* main's, for the hand-off */

void cli_handoff_init(char **argv) {
  g_argv = argv;
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
