/* Stop requests: signals (the handler only sets a flag), a HALT file in the
 * run directory, and a deadline with a margin learned from measured
 * checkpoint and iteration times. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "runtime/runtime_internal.h"

/* Set from signal handlers, so it must be a lock-free sig_atomic_t with static
 * storage; the one piece of process-wide state of the runtime. */
static volatile sig_atomic_t stop_signal;

static const int handled[] = {SIGTERM, SIGINT, SIGUSR1};
static struct sigaction previous[3], previous_pipe;
static int installed;

static void on_signal(int signum) {
  stop_signal = signum;
}

void dckpt_request_stop(int signum) {
  stop_signal = signum ? signum : -1;
}

int run_signal_seen(void) {
  return (int)stop_signal;
}

void run_signal_consume(void) {
  stop_signal = 0;
}

void run_signals_install(void) {
  /* A request made before the run (dckpt_request_stop from the program's own
   * handler during start-up) is kept: the run then stops at once. */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART; /* a save in progress is not cut short */
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < 3; i++)
    sigaction(handled[i], &sa, &previous[i]);
  /* A launcher that is being stopped (mpirun on SIGTERM) closes our output
   * pipes first: a write must then fail, not kill the rank before it has
   * checkpointed. */
  struct sigaction ign;
  memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ign, &previous_pipe);
  installed = 1;
}

void run_signals_uninstall(void) {
  if (!installed) return;
  for (size_t i = 0; i < 3; i++)
    sigaction(handled[i], &previous[i], NULL);
  sigaction(SIGPIPE, &previous_pipe, NULL);
  installed = 0;
}

const char *run_halt_found(const char *const *paths) {
  struct stat sb;
  for (int i = 0; i < RUN_HALT_PATHS; i++)
    if (paths[i] && stat(paths[i], &sb) == 0) return paths[i];
  return NULL;
}

double run_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const char *signal_name(int s) {
  switch (s) {
  case SIGTERM: return "SIGTERM";
  case SIGINT: return "SIGINT";
  case SIGUSR1: return "SIGUSR1";
  default: return "a stop request";
  }
}

/* Time needed to finish safely: the slowest checkpoint seen, twice, plus one
 * iteration, plus the fixed margin. */
static double margin(const run_stop *st) {
  return st->margin_fixed + 2.0 * st->max_ckpt_seconds + st->iter_seconds;
}

bool run_stop_due(run_stop *st, bool force_poll) {
  int sig = run_signal_seen();
  if (sig) {
    snprintf(st->reason, sizeof st->reason, "received %s", signal_name(sig));
    return true;
  }
  double now = run_now();
  if (!force_poll && now < st->next_poll) return false;
  st->next_poll = now + 0.5;
  const char *halt = run_halt_found(st->halt_paths);
  if (halt) {
    snprintf(st->reason, sizeof st->reason, "found the halt file '%.100s'", halt);
    return true;
  }
  if (st->deadline > 0 && now + margin(st) >= st->deadline) {
    snprintf(st->reason, sizeof st->reason, "the deadline is %.0f s away (margin %.1f s)",
             st->deadline - now, margin(st));
    return true;
  }
  return false;
}

void run_stop_learn_checkpoint(run_stop *st, double seconds) {
  if (seconds > st->max_ckpt_seconds) st->max_ckpt_seconds = seconds;
}

void run_stop_learn_iteration(run_stop *st, double seconds) {
  st->iter_seconds =
      st->iter_seconds == 0 ? seconds : 0.9 * st->iter_seconds + 0.1 * seconds;
}
