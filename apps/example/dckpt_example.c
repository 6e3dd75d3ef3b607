/* dckpt-example: a small but real serial benchmark campaign run through the
 * dckpt checkpoint store, in the manner of the Python ancestor's benchmark():
 * three first-order methods x T trials x K iterations on a seeded
 * least-squares problem, each (algorithm, trial) pair with its own PRNG
 * stream, checkpointed as it goes, resumable after any kill, with the results
 * loaded back from the store at the end. See docs/example.md. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "example.h"

volatile sig_atomic_t ex_stop_requested = 0;

/* Async-signal-safe: only sets the flag. The trial loop sees it after the
 * current iteration, checkpoints, and the program exits with status 3. */
static void on_stop_signal(int sig) {
  (void)sig;
  ex_stop_requested = 1;
}

static int install_signal_handlers(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop_signal;
  sa.sa_flags = SA_RESTART; /* the library's I/O carries on; nanosleep returns early */
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0) {
    perror("dckpt-example: sigaction");
    return -1;
  }
  return 0;
}

void ex_log(void *ctx, dckpt_log_level level, const char *msg) {
  (void)ctx;
  fprintf(stderr, "dckpt-example: %s: %s\n", dckpt_log_level_name(level), msg);
}

int ex_store_error(const dckpt_store *store, const char *what, int status) {
  const char *msg = store ? dckpt_store_errmsg(store) : "";
  fprintf(stderr, "dckpt-example: %s: %s (%s)\n", what,
          msg[0] ? msg : dckpt_strerror(status), dckpt_err_name(status));
  return EX_EXIT_FAIL;
}

int ex_get(const dckpt_record *rec, const char *what, const char *name, dckpt_dtype dtype,
           void *out, uint64_t n) {
  int rc = dckpt_record_get(rec, name, dtype, out, n);
  if (rc == DCKPT_ENOENT)
    fprintf(stderr, "dckpt-example: %s: array '%s' is missing\n", what, name);
  else if (rc != DCKPT_OK)
    fprintf(stderr, "dckpt-example: %s: array '%s' is not %s[%llu]\n", what, name,
            dckpt_dtype_name(dtype), (unsigned long long)n);
  return rc;
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Opens DIR for writing with the options of the command line. */
static int open_store(const ex_options *o, dckpt_store **out) {
  dckpt_store_options so;
  dckpt_store_options_init(&so);
  so.checkpoint_step = o->checkpoint_step;
  so.keep_n = o->keep;
  so.durability = o->no_fsync ? DCKPT_DURABILITY_NONE : DCKPT_DURABILITY_FULL;
  so.flags = DCKPT_OPEN_WRITE;
  so.log = ex_log;
  so.log_level = o->verbose ? DCKPT_LOG_INFO : DCKPT_LOG_WARN;
  int rc = dckpt_store_open(o->dir, &so, out);
  if (rc == DCKPT_OK) return EX_EXIT_OK;
  ex_store_error(*out, "open", rc);
  dckpt_store_close(*out);
  *out = NULL;
  return EX_EXIT_FAIL;
}

/* Set up or resume, run what is left, report, and optionally verify. */
static int campaign(ex_run *run) {
  int status = ex_setup_run(run);
  if (status == EX_EXIT_OK) status = ex_run_all(run);
  if (status == EX_EXIT_OK) status = ex_report(run);
  if (status == EX_EXIT_OK && run->opts->verify_against)
    status = ex_verify_against(run, run->opts->verify_against);
  return status;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0); /* progress survives a SIGKILL in a pipe */
  ex_options opts;
  int status = ex_parse_options(argc, argv, &opts);
  if (status >= 0) return status;
  if (install_signal_handlers() != 0) return EX_EXIT_FAIL;
  double start = now_seconds();
  ex_run run = {.opts = &opts};
  status = open_store(&opts, &run.store);
  if (status == EX_EXIT_OK) status = campaign(&run);
  dckpt_store_close(run.store);
  ex_run_free(&run);
  if (status == EX_EXIT_INTERRUPTED)
    printf("interrupted: progress is checkpointed; run the same command again to resume "
           "(exit status 3)\n");
  if (status != EX_EXIT_USAGE && status != EX_EXIT_FAIL)
    printf("elapsed: %.2f s\n", now_seconds() - start);
  return status;
}
