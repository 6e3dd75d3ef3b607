/* dckpt-example: a serial benchmark campaign (3 least-squares solvers x T
 * trials x K iterations) run through the checkpoint store. Shared types and
 * the functions each source file provides. */
#ifndef DCKPT_EXAMPLE_H
#define DCKPT_EXAMPLE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "algos.h"
#include "dckpt.h"
#include "lsq.h"

/* Exit statuses (docs/example.md). */
enum {
  EX_EXIT_OK = 0,          /* campaign finished (and --verify-against agreed) */
  EX_EXIT_FAIL = 1,        /* a store, I/O or numerical error */
  EX_EXIT_USAGE = 2,       /* bad options, or DIR holds a different plan */
  EX_EXIT_INTERRUPTED = 3, /* SIGINT/SIGTERM: checkpoint saved, resume me */
  EX_EXIT_DIFFERENT = 4    /* --verify-against found a difference */
};

/* Fixed shape of the benchmark problem. */
enum { EX_ROWS = 200, EX_COLS = 50, EX_BATCH = 100 };
/* Largest accepted plan (the loss history is held in memory). */
#define EX_MAX_TRIALS     INT64_C(1000000)
#define EX_MAX_ITERATIONS INT64_C(10000000)

typedef struct ex_options {
  const char *dir;
  const char *verify_against; /* NULL unless --verify-against */
  int64_t trials, iterations, checkpoint_step, progress;
  int keep;
  uint64_t seed;
  long sleep_us;
  bool trials_set, iterations_set, seed_set; /* given on the command line */
  bool no_fsync, verbose;
} ex_options;

/** Parses argv. @return -1 to go on, else the exit status (0 after --help). */
int ex_parse_options(int argc, char **argv, ex_options *opts);

/** Everything a trial needs, fixed for the whole run. */
typedef struct ex_run {
  dckpt_store *store;
  const ex_options *opts;
  lsq_problem problem;
  ex_step_params params[EX_N_ALGORITHMS];
  double lipschitz, mu, f_star;
  size_t batch;
  int64_t n_trials, iterations;
  uint64_t seed;
} ex_run;

/** Set by the SIGINT/SIGTERM handler; checked after every iteration. */
extern volatile sig_atomic_t ex_stop_requested;

/* setup.c: a new run in an empty DIR, or the plan and problem of the run in
 * DIR (refused when it differs from the options). Returns an exit status. */
int ex_setup_run(ex_run *run);
void ex_run_free(ex_run *run);

/* trial.c: runs every (algorithm, trial) pair not yet complete.
 * Returns EX_EXIT_OK, EX_EXIT_INTERRUPTED or EX_EXIT_FAIL. */
int ex_run_all(ex_run *run);

/* report.c: loads the results, prints the table, saves the metrics record. */
int ex_report(ex_run *run);

/* verify.c: compares every trial's final state with the run in `other_dir`.
 * Returns EX_EXIT_OK (identical), EX_EXIT_DIFFERENT or EX_EXIT_FAIL. */
int ex_verify_against(ex_run *run, const char *other_dir);

/* Shared helpers (dckpt_example.c). */
/** Prints "dckpt-example: <what>: <store message> (<status name>)". */
int ex_store_error(const dckpt_store *store, const char *what, int status);
/** dckpt_record_get() that prints "dckpt-example: <what>: array '<name>' is
 *  missing / is not <dtype>[n]" when it fails (a const record keeps no
 *  message: the caller names what it asked for). Returns the status. */
int ex_get(const dckpt_record *rec, const char *what, const char *name, dckpt_dtype dtype,
           void *out, uint64_t n);
/** The logging callback: library messages go to stderr. */
void ex_log(void *ctx, dckpt_log_level level, const char *msg);

#endif
