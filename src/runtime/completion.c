/* Rank 0's completion index of the campaign: the pairs reported complete by
 * every rank, committed to DIR/index at a bounded interval and at the end of
 * the run (docs/design.md, "Completion index"). A failed commit does not fail
 * the run: the index is a cache, and the markers it would have listed are
 * read by the next scan instead.
 *
 * The index and every file operation on it belong to one thread of its own,
 * the committer, so that whoever reports a completion (rank 0's service
 * thread, which also hands out pairs) never waits for a write or an fsync.
 * Reports only set a bit in `fresh` under the mutex; the committer swaps
 * `fresh` with its zeroed `spare` under the mutex (a pointer swap), then,
 * with the mutex released, adds those pairs to the index and commits it.
 * While rank 0's service thread runs, the committer also looks for the halt
 * files on its behalf (a stat every RUN_HALT_POLL seconds), for the same
 * reason. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runtime/runtime_internal.h"
#include "util/thread.h"

/* After a failed commit, the next one (but a forced one) waits at least this
 * long, even with index_interval 0: a failing file system is not hammered. */
#define RETRY_SECONDS 1.0

static double mono_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static struct timespec mono_at(double t) {
  struct timespec ts;
  ts.tv_sec = (time_t)t;
  ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
  if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
  if (ts.tv_nsec < 0) ts.tv_nsec = 0;
  return ts;
}

/* The committer's: adds the pairs of `bits` (then zeroed) to the index. */
static int64_t merge_fresh(run_completion *rc, uint8_t *bits) {
  int64_t n = 0;
  size_t bytes = rc->n_algs * rc->stride;
  for (size_t i = 0; i < bytes; i++) {
    if (!bits[i]) continue;
    for (int bit = 0; bit < 8; bit++)
      if ((bits[i] >> bit) & 1) {
        int64_t alg = (int64_t)(i / rc->stride);
        int64_t trial = (int64_t)(i % rc->stride) * 8 + bit;
        if (dckpt_index_add(rc->ix, alg, trial) == DCKPT_OK) n++;
      }
    bits[i] = 0;
  }
  return n;
}

/* The committer's: takes the reports in, commits when the index changed.
 * Called with mu held; returns with it held, released meanwhile. Returns
 * the commit's status. */
static int commit_once(run_completion *rc) {
  uint8_t *mine = rc->fresh;
  rc->fresh = rc->spare;
  rc->spare = mine;
  rc->fresh_any = false;
  pthread_mutex_unlock(&rc->mu);

  int64_t added = merge_fresh(rc, mine);
  bool wrote = dckpt_index_dirty(rc->ix);
  int status = wrote ? dckpt_index_commit(rc->ix) : DCKPT_OK;

  pthread_mutex_lock(&rc->mu);
  rc->added += added;
  if (wrote && status == DCKPT_OK) {
    rc->commits++;
  } else if (status != DCKPT_OK && !rc->warned) {
    snprintf(rc->message, sizeof rc->message,
             "cannot write the completion index (the next resume will read the "
             "markers of the pairs it misses): %.900s",
             dckpt_index_errmsg(rc->ix));
  }
  return status;
}

/* Looks for the halt files (mu held; released meanwhile). */
static void look_for_halt(run_completion *rc) {
  const char *const *paths = rc->halt_paths;
  pthread_mutex_unlock(&rc->mu);
  bool found = run_halt_found(paths) != NULL;
  pthread_mutex_lock(&rc->mu);
  if (found) {
    rc->halt_seen = true;
    rc->halt_paths = NULL; /* seen once is enough */
  }
}

static void *committer_main(void *arg) {
  run_completion *rc = arg;
  /* when the last commit (or attempt: a failing file system is not retried
   * at once) began; the first periodic one comes an interval after start */
  double last = mono_now(), next_halt = 0;
  bool failed = false;
  pthread_mutex_lock(&rc->mu);
  for (;;) {
    if (rc->quit) break;
    double now = mono_now();
    if (rc->halt_paths && now >= next_halt) {
      look_for_halt(rc);
      next_halt = mono_now() + RUN_HALT_POLL;
      continue;
    }
    bool forced = rc->asked > rc->served;
    if (!forced) {
      /* the index itself is this thread's: reading it needs no lock */
      bool pending = rc->fresh_any || dckpt_index_dirty(rc->ix);
      double wait = failed && rc->interval < RETRY_SECONDS ? RETRY_SECONDS : rc->interval;
      double due = pending ? last + wait : -1;
      if (rc->halt_paths && (due < 0 || next_halt < due)) due = next_halt;
      if (due < 0) {
        pthread_cond_wait(&rc->wake, &rc->mu);
        continue;
      }
      if (now < due) {
        struct timespec ts = mono_at(due);
        pthread_cond_timedwait(&rc->wake, &rc->mu, &ts);
        continue;
      }
      if (!pending) continue; /* the halt files are due */
    }
    /* every report made before a forced commit was asked for is in `fresh` */
    uint64_t serving = rc->asked;
    last = mono_now();
    failed = commit_once(rc) != DCKPT_OK;
    rc->served = serving;
    pthread_cond_broadcast(&rc->done);
  }
  pthread_mutex_unlock(&rc->mu);
  return NULL;
}

/* Undoes what init set up (the thread is not running). */
static void release(run_completion *rc, int made) {
  if (made >= 3) pthread_cond_destroy(&rc->done);
  if (made >= 2) pthread_cond_destroy(&rc->wake);
  if (made >= 1) pthread_mutex_destroy(&rc->mu);
  free(rc->fresh);
  free(rc->spare);
  dckpt_index_free(rc->ix);
  rc->fresh = rc->spare = NULL;
  rc->ix = NULL;
  rc->active = false;
}

int run_completion_init(run_completion *rc, dckpt_index *ix, size_t n_algs,
                        int64_t n_trials, double interval) {
  memset(rc, 0, sizeof *rc);
  if (!ix) return DCKPT_OK; /* not rank 0: every call is a no-op */
  rc->ix = ix;
  rc->n_algs = n_algs;
  rc->n_trials = n_trials > 0 ? n_trials : 0;
  rc->stride = ((size_t)rc->n_trials + 7) / 8;
  rc->interval = interval;
  size_t bytes = n_algs * rc->stride + 1;
  rc->fresh = calloc(bytes, 1);
  rc->spare = calloc(bytes, 1);
  int made = 0;
  if (!rc->fresh || !rc->spare) goto fail;
  if (pthread_mutex_init(&rc->mu, NULL) != 0) goto fail;
  made = 1;
  pthread_condattr_t ca;
  if (pthread_condattr_init(&ca) != 0) goto fail;
  bool ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
            pthread_cond_init(&rc->wake, &ca) == 0;
  pthread_condattr_destroy(&ca);
  if (!ok) goto fail;
  made = 2;
  if (pthread_cond_init(&rc->done, NULL) != 0) goto fail;
  made = 3;
  rc->active = true;
  if (dckpt_thread_start(&rc->thread, committer_main, rc) != 0) goto fail;
  rc->running = true;
  return DCKPT_OK;
fail:
  release(rc, made);
  return DCKPT_ENOMEM;
}

void run_completion_add(run_completion *rc, int64_t alg, int64_t trial) {
  if (!rc || !rc->active) return;
  if (alg < 0 || (size_t)alg >= rc->n_algs || trial < 0 || trial >= rc->n_trials) return;
  size_t i = (size_t)alg * rc->stride + (size_t)trial / 8;
  uint8_t mask = (uint8_t)(1u << (trial % 8));
  pthread_mutex_lock(&rc->mu);
  rc->fresh[i] |= mask;
  bool first = !rc->fresh_any;
  rc->fresh_any = true;
  /* the committer learns that something is pending (it then waits for the
   * interval); a signal without a waiter costs nothing */
  if (first) pthread_cond_signal(&rc->wake);
  pthread_mutex_unlock(&rc->mu);
}

bool run_completion_watch_halt(run_completion *rc, const char *const *paths) {
  if (!rc || !rc->active) return false;
  pthread_mutex_lock(&rc->mu);
  rc->halt_paths = rc->halt_seen ? NULL : paths;
  pthread_cond_signal(&rc->wake);
  pthread_mutex_unlock(&rc->mu);
  return true;
}

bool run_completion_halt_seen(run_completion *rc) {
  if (!rc || !rc->active) return false;
  pthread_mutex_lock(&rc->mu);
  bool seen = rc->halt_seen;
  pthread_mutex_unlock(&rc->mu);
  return seen;
}

void run_completion_commit(run_completion *rc) {
  if (!rc || !rc->active) return;
  pthread_mutex_lock(&rc->mu);
  uint64_t mine = ++rc->asked;
  pthread_cond_signal(&rc->wake);
  while (rc->served < mine)
    pthread_cond_wait(&rc->done, &rc->mu);
  pthread_mutex_unlock(&rc->mu);
}

void run_completion_log(run_completion *rc, const dckpt_logger *lg) {
  if (!rc || !rc->active) return;
  char msg[1024] = "";
  pthread_mutex_lock(&rc->mu);
  if (rc->message[0] && !rc->warned) {
    memcpy(msg, rc->message, sizeof msg);
    rc->warned = true;
  }
  pthread_mutex_unlock(&rc->mu);
  if (msg[0]) dckpt_log(lg, DCKPT_LOG_WARN, "%s", msg);
}

void run_completion_free(run_completion *rc) {
  if (!rc || !rc->active) return;
  if (rc->running) {
    /* a commit in progress is finished first; nothing more is written */
    pthread_mutex_lock(&rc->mu);
    rc->quit = true;
    pthread_cond_signal(&rc->wake);
    pthread_mutex_unlock(&rc->mu);
    pthread_join(rc->thread, NULL);
    rc->running = false;
  }
  release(rc, 3);
}
