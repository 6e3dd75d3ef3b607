/*
 * dckpt experimental interface — NO STABILITY PROMISE.
 *
 * What is declared here exists for dckpt's own tests and tools (crash tests
 * that kill a process at a chosen step of the commit protocol, tests that
 * drive the runtime's clock, the runtime's worker ranks). It may change or
 * disappear in any release, minor or patch, without a deprecation period, and
 * programs that use it must be rebuilt against each new version. Nothing in
 * dckpt.h or dckpt_run.h depends on it: a program that never includes this
 * header passes NULL as the `experimental` pointer of the option structs (the
 * _init functions set it so) and is unaffected.
 *
 * How it is reached: dckpt_store_options.experimental and
 * dckpt_run_options.experimental point to the structs below. Each starts with
 * its own struct_size, under the same rule as the stable option structs
 * (dckpt.h, "Conventions"): fill it with its _init function first.
 */
#ifndef DCKPT_EXPERIMENTAL_H
#define DCKPT_EXPERIMENTAL_H

#include <string.h>

#include "dckpt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------- */
/* Store                                                                     */
/* ------------------------------------------------------------------------- */

/**
 * dckpt_store_options.flags, with DCKPT_OPEN_WRITE: take no lock. For a
 * process that writes only its own trial directories while another process
 * holds the directory's lock — the runtime's worker ranks and background
 * checkpoint writers. Nothing then keeps two writers of one trial apart: the
 * caller must.
 */
#define DCKPT_OPEN_NO_LOCK 4u
/** With DCKPT_OPEN_WRITE | DCKPT_OPEN_NO_LOCK: the lock holder has prepared
 *  DIR (it exists, its leftover temporaries are gone), so the open touches no
 *  file at all: no directory creation, no clean-up. For handles that write
 *  only their own trial directories while the lock holder runs (MPI worker
 *  ranks, a background checkpoint writer); pair it with
 *  dckpt_store_adopt_metadata() so that the handle never reads metadata.json
 *  either. */
#define DCKPT_OPEN_NO_PREPARE 16u

/** Hooks of the store (dckpt_store_options.experimental). */
typedef struct dckpt_store_experimental {
  /** sizeof(dckpt_store_experimental); set by dckpt_store_experimental_init. */
  size_t struct_size;
  /**
   * Called with the name of each step of the commit protocol just before the
   * step runs ("ckpt.write", "ckpt.fsync", "ckpt.rename", "ckpt.dirsync",
   * "progress.write", ..., "rotate", "backup.write", ...; docs/design.md,
   * "Commit protocol"), on the thread that saves (with dckpt_run's background
   * checkpoints, the rank's writer thread). Crash tests kill the process from
   * it. NULL: none.
   */
  void (*step_hook)(void *ctx, const char *step);
  /** Passed to step_hook. */
  void *step_hook_ctx;
} dckpt_store_experimental;

/** Clears `x` and sets its struct_size. */
static inline void dckpt_store_experimental_init(dckpt_store_experimental *x) {
  memset(x, 0, sizeof *x);
  x->struct_size = sizeof *x;
}

/* ------------------------------------------------------------------------- */
/* Runtime (dckpt_run.h)                                                     */
/* ------------------------------------------------------------------------- */

/** Hooks of the runtime (dckpt_run_options.experimental). */
typedef struct dckpt_run_experimental {
  /** sizeof(dckpt_run_experimental); set by dckpt_run_experimental_init. */
  size_t struct_size;
  /**
   * The clock that dckpt_run_options.checkpoint_interval is measured on, in
   * seconds (only differences matter), called on the loop's thread after
   * every iteration. NULL: the monotonic clock. Lets a test decide by state
   * which iterations the checkpoints fall on.
   */
  double (*interval_clock)(void *ctx);
  /** Passed to interval_clock. */
  void *interval_clock_ctx;
} dckpt_run_experimental;

/** Clears `x` and sets its struct_size. */
static inline void dckpt_run_experimental_init(dckpt_run_experimental *x) {
  memset(x, 0, sizeof *x);
  x->struct_size = sizeof *x;
}

#ifdef __cplusplus
}
#endif

#endif /* DCKPT_EXPERIMENTAL_H */
