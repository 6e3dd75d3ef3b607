/* dckpt-bench as installed in bin/: a small static program that blocks the
 * stop signals (SIGTERM, SIGINT, SIGUSR1) and executes the real dckpt-bench
 * (libexec/dckpt/dckpt-bench) in its place, same process and arguments.
 *
 * Why: the real program links Open MPI, cairo and their dependencies, and the
 * dynamic loader needs 5 to 50 ms before main() runs; a stop signal in that
 * window would find no handler and kill the rank (exit 143: a preemption at
 * job start would look like a failure). A blocked signal stays pending across
 * execve, and the real program's first act is to install its handlers and
 * unblock them, so a signal at any instant after launch is honoured: exit 75
 * and run_status.json. This program links nothing but a static libc, so its
 * own start is a single execve. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>

#include "exec_beside.h"

/* Where the real program lies, relative to this one: the build tree keeps it
 * in libexec/dckpt/ beside this program, the install tree in
 * PREFIX/libexec/dckpt/ beside bin/. */
static const char *const k_places[] = {"libexec/dckpt/dckpt-bench",
                                       "../libexec/dckpt/dckpt-bench"};

int main(int argc, char **argv) {
  (void)argc;
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGUSR1);
  sigprocmask(SIG_BLOCK, &stop, NULL);
  char msg[3 * 4200];
  dckpt_exec_beside(k_places, sizeof k_places / sizeof k_places[0], argv, msg,
                    sizeof msg);
  fprintf(stderr, "dckpt-bench: %s\n", msg);
  return 127;
}
