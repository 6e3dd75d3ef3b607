/* Shared runs (dckpt_run_options.shared; docs/design.md, "Shared runs"):
 * rank 0 registers the run with a lease of its own in DIR/leases before it
 * takes the lock to set up, and gives the lock back once the plan is made;
 * every rank claims a pair's lease before running it, leaves a pair that
 * another run holds, renews the lease while it works, and releases it after. When its
 * hand-out is exhausted, a rank looks at the pairs it left: those whose holder is gone
 * are taken over; the rest are left to their holders and the run ends
 * (unless shared_wait: then it watches them until each is complete). */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "runtime/run_ctx.h"
#include "store/index.h"

/* How often a pair's holder renews its lease (the store's timeout, after
 * which a holder on another host counts as gone, is 900 s). */
#define LEASE_RENEW_SECONDS 60.0
/* Between two looks at the pairs that other runs hold. */
#define WATCH_PERIOD_SECONDS 0.25

static void nap(double seconds) {
  struct timespec ts = {0, (long)(seconds * 1e9)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

int run_shared_unlock(run_ctx *c) {
  /* the index lists only what this run completes from now on; other runs'
   * files are not this run's to remove (the index was made while the lock
   * was held, which allowed it) */
  if (c->index) c->index->may_compact = false;
  if (dckpt_store_release_lock(c->store) != DCKPT_OK)
    return run_fail(c, DCKPT_EINVAL, "rank 0: %s", dckpt_store_errmsg(c->store));
  return DCKPT_OK;
}

int run_shared_renew(run_ctx *c, double now) {
  if (!c->shared.holding || now < c->shared.next_renew) return DCKPT_OK;
  c->shared.next_renew = now + LEASE_RENEW_SECONDS;
  int rc = dckpt_store_renew_pair(c->store);
  if (rc == DCKPT_ELOCKED) {
    dckpt_log(&c->log, DCKPT_LOG_WARN, "rank %d: %s; leaving the pair to it", c->rank,
              dckpt_store_errmsg(c->store));
    return rc;
  }
  /* a renewal that failed otherwise is tried again; the lease stays ours
   * until the timeout, and then the next renewal says so */
  if (rc != DCKPT_OK)
    dckpt_log(&c->log, DCKPT_LOG_WARN, "rank %d: cannot renew a lease: %s", c->rank,
              dckpt_store_errmsg(c->store));
  return DCKPT_OK;
}

/* What a look at a pair found. */
enum { PAIR_RAN, PAIR_DONE, PAIR_HELD };

/* Claims `p` and runs it when it is not complete: PAIR_RAN (run_pair_execute
 * said *rc), PAIR_DONE (complete: by another run, or by this one now),
 * PAIR_HELD (another run holds it, or took it while this one ran it). */
static int try_pair(run_ctx *c, const run_pair *p, int *rc) {
  *rc = DCKPT_OK;
  int claim = dckpt_store_claim_pair(c->store, p->alg, p->trial);
  if (claim == DCKPT_ELOCKED) return PAIR_HELD;
  if (claim != DCKPT_OK) {
    *rc = run_fail(c, claim, "rank %d: %s", c->rank, dckpt_store_errmsg(c->store));
    return PAIR_RAN;
  }
  c->shared.holding = true;
  dckpt_trial_status st;
  *rc = dckpt_store_trial_status(c->store, p->alg, p->trial, &st);
  int what = PAIR_RAN;
  if (*rc != DCKPT_OK) {
    run_fail(c, *rc, "rank %d: %s", c->rank, dckpt_store_errmsg(c->store));
  } else if (st.state == DCKPT_TRIAL_COMPLETE) {
    /* completed by another run since the plan was made */
    c->pairs_completed++;
    run_sched_complete(&c->sched, p->alg, p->trial);
    what = PAIR_DONE;
  } else {
    c->shared.next_renew = run_now() + LEASE_RENEW_SECONDS;
    *rc = run_pair_execute(c, p);
    if (*rc == DCKPT_ELOCKED) {
      *rc = DCKPT_OK;
      what = PAIR_HELD;
    }
  }
  dckpt_store_release_pair(c->store);
  c->shared.holding = false;
  return what;
}

int run_shared_pair(run_ctx *c, const run_pair *p) {
  int rc;
  if (try_pair(c, p, &rc) != PAIR_HELD) return rc;
  run_pair *w = realloc(c->shared.watch, (size_t)(c->shared.n_watch + 1) * sizeof *w);
  if (!w) return run_fail(c, DCKPT_ENOMEM, "out of memory");
  c->shared.watch = w;
  w[c->shared.n_watch++] = *p;
  return DCKPT_OK;
}

/* One look at each watched pair: a pair whose holder is gone is taken over
 * and run, one found complete is counted; those still held stay watched.
 * Sets *progress when a pair was run or found complete. */
static int watch_pass(run_ctx *c, bool *progress) {
  int64_t kept = 0;
  *progress = false;
  for (int64_t i = 0; i < c->shared.n_watch; i++) {
    if (run_should_stop(c, true)) return DCKPT_EINTERRUPTED;
    int rc;
    int what = try_pair(c, &c->shared.watch[i], &rc);
    if (rc == DCKPT_EINTERRUPTED) return rc;
    if (rc != DCKPT_OK && rc != DCKPT_ECALLBACK) return rc;
    if (what == PAIR_HELD)
      c->shared.watch[kept++] = c->shared.watch[i];
    else
      *progress = true;
  }
  c->shared.n_watch = kept;
  return DCKPT_OK;
}

int run_shared_wait(run_ctx *c) {
  while (c->shared.n_watch > 0) {
    bool progress;
    int rc = watch_pass(c, &progress);
    if (rc != DCKPT_OK) return rc;
    if (c->shared.n_watch == 0) break;
    /* Nothing left to claim: every pair left is held by a run not known to
     * be gone. Unless asked to wait (shared_wait), end now; a pass that ran
     * or counted a pair looks once more (time went by while it ran). */
    if (!c->o->shared_wait) {
      if (progress) continue;
      break;
    }
    /* the pairs are other runs' for now: look again shortly, answering
     * this run's ranks meanwhile */
    double until = run_now() + WATCH_PERIOD_SECONDS;
    while (run_now() < until) {
      run_sched_serve(&c->sched);
      if (c->rank == 0) run_progress_tick(&c->progress, &c->sched, false);
      nap(0.01);
    }
  }
  return DCKPT_OK;
}

void run_shared_last_look(run_ctx *c) {
  int64_t kept = 0;
  for (int64_t i = 0; i < c->shared.n_watch; i++) {
    const run_pair *p = &c->shared.watch[i];
    dckpt_trial_status st;
    /* a pair's completion is committed before its lease is released */
    if (dckpt_store_trial_status(c->store, p->alg, p->trial, &st) == DCKPT_OK &&
        st.state == DCKPT_TRIAL_COMPLETE)
      c->pairs_completed++;
    else
      c->shared.watch[kept++] = *p;
  }
  c->shared.n_watch = kept;
}

void run_shared_sweep(run_ctx *c) {
  if (c->rank != 0 || c->shared.holding) return;
  dckpt_lease_entry *v = NULL;
  size_t n = 0;
  if (dckpt_lease_list(dckpt_store_get_dir(c->store), &v, &n) != DCKPT_OK) return;
  for (size_t i = 0; i < n; i++) {
    dckpt_trial_status st;
    if (v[i].alg < 0 ||
        dckpt_store_trial_status(c->store, v[i].alg, v[i].trial, &st) != DCKPT_OK ||
        st.state != DCKPT_TRIAL_COMPLETE)
      continue;
    /* ELOCKED: its holder still runs (it found the pair complete, or is
     * about to); other failures leave the lease as it was */
    if (dckpt_store_claim_pair(c->store, v[i].alg, v[i].trial) == DCKPT_OK)
      dckpt_store_release_pair(c->store);
  }
  dckpt_free(v);
}

void run_shared_growth(run_ctx *c, int64_t *added, int64_t *added_done,
                       int64_t *n_trials) {
  *added = *added_done = 0;
  *n_trials = c->plan.n_trials;
  dckpt_metadata *m = NULL;
  if (dckpt_store_load_metadata(c->store, &m) != DCKPT_OK) {
    /* the results, which read it too, say what is wrong with it */
    dckpt_log(&c->log, DCKPT_LOG_WARN, "rank 0: cannot look for a growth of the run: %s",
              dckpt_store_errmsg(c->store));
    return;
  }
  /* more iterations are refused while this run is registered (plan.c): only
   * trials can have been added */
  if (m->n_algorithms == c->n_algs && m->n_trials > c->plan.n_trials) {
    *n_trials = m->n_trials;
    *added = (m->n_trials - c->plan.n_trials) * (int64_t)c->n_algs;
    for (size_t a = 0; a < c->n_algs; a++) {
      int64_t *done = NULL;
      size_t count = 0;
      if (dckpt_store_completed_trials(c->store, (int64_t)a, m->n_trials, &done,
                                       &count) != DCKPT_OK)
        continue; /* counted as not complete: the results are left to others */
      for (size_t i = 0; i < count; i++)
        if (done[i] >= c->plan.n_trials) (*added_done)++;
      dckpt_free(done);
    }
  }
  dckpt_metadata_free(m);
}
