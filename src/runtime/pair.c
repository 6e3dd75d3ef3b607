/* One (algorithm, trial) pair: restore or create its state, iterate with
 * checkpoints, metric recording and stop checks, and mark it complete. The
 * runner's own arrays in every checkpoint carry the RNG, the iteration and the
 * metric history, so a restored trial continues exactly where it stopped. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/run_ctx.h"

#define KEY_RNG          "_dckpt_rng"
#define KEY_ITER         "_dckpt_iteration"
#define KEY_METRICS      "_dckpt_metrics"
#define KEY_METRICS_ITER "_dckpt_metrics_iter"

typedef struct trial {
  run_ctx *c;
  const dckpt_algorithm *alg;
  dckpt_trial_info info;
  dckpt_rng rng;
  void *state;
  double *metrics; /* rows x n_metrics */
  int64_t *metrics_iter;
  int64_t rows, cap;
  int64_t saved_iter; /* newest iteration on disk (-1: none) */
  double ckpt_clock;  /* interval clock at the last checkpoint or the start */
} trial;

/* Reports a failure of the trial, named by rank, algorithm and trial; `fmt`
 * goes on from "trial T" (": cannot ..." or " failed at ..."). */
static int report(trial *t, int rc, const char *fmt, va_list ap) {
  char what[900];
  vsnprintf(what, sizeof what, fmt, ap);
  return run_fail(t->c, rc, "rank %d: algorithm '%s' trial %lld%s", t->c->rank,
                  t->alg->name, (long long)t->info.trial, what);
}

__attribute__((format(printf, 3, 4))) static int store_fail_fmt(trial *t, int rc,
                                                                const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  rc = report(t, rc, fmt, ap);
  va_end(ap);
  return rc;
}

static int store_fail_msg(trial *t, int rc, const char *msg) {
  return store_fail_fmt(t, rc, ": %s", msg);
}

static int store_fail(trial *t, int rc) {
  return store_fail_msg(t, rc, dckpt_store_errmsg(t->c->store));
}

/* Collects the outcome of a save handed to the writer (waiting for it when
 * `wait`; nothing to do when none is in flight): learns its duration for the
 * deadline margin and reports a failure exactly as the save would have
 * synchronously. The previous checkpoint stays committed on disk. */
static int collect_save(trial *t, bool wait) {
  run_writer_result res;
  if (!run_writer_collect(&t->c->writer, wait, &res, &t->c->log)) return DCKPT_OK;
  run_stop_learn_checkpoint(&t->c->stop, res.seconds);
  if (res.status != DCKPT_OK) return store_fail_msg(t, res.status, res.message);
  t->saved_iter = res.iteration;
  return DCKPT_OK;
}

/* The one way the loop reports a failure of its own: a save still in flight
 * came first, so it is collected, and when it failed that is the failure
 * reported; otherwise this one. */
__attribute__((format(printf, 3, 4))) static int trial_fail(trial *t, int rc,
                                                            const char *fmt, ...) {
  DCKPT_TRY(collect_save(t, true));
  va_list ap;
  va_start(ap, fmt);
  rc = report(t, rc, fmt, ap);
  va_end(ap);
  return rc;
}

static int fail_at(trial *t, int64_t k, const char *what, int rc) {
  return trial_fail(t, DCKPT_ECALLBACK, " failed at iteration %lld: %s returned %d",
                    (long long)k, what, rc);
}

/* Makes room for at least `rows` rows of metrics. */
static int reserve_metrics(trial *t, int64_t rows) {
  if (rows <= t->cap) return DCKPT_OK;
  int64_t cap = t->cap ? 2 * t->cap : 64;
  if (cap < rows) cap = rows;
  size_t nm = (size_t)(t->alg->n_metrics > 0 ? t->alg->n_metrics : 1);
  double *m = realloc(t->metrics, (size_t)cap * nm * sizeof *m);
  if (m) t->metrics = m;
  int64_t *mi = realloc(t->metrics_iter, (size_t)cap * sizeof *mi);
  if (mi) t->metrics_iter = mi;
  if (!m || !mi) return trial_fail(t, DCKPT_ENOMEM, ": out of memory for metric history");
  t->cap = cap;
  return DCKPT_OK;
}

static int record_metrics(trial *t, int64_t k) {
  if (t->alg->n_metrics <= 0 || !t->alg->metrics) return DCKPT_OK;
  int64_t period = t->c->o->metrics_period;
  if ((k + 1) % period != 0 && k != t->info.iterations - 1) return DCKPT_OK;
  DCKPT_TRY(reserve_metrics(t, t->rows + 1));
  double *row = t->metrics + t->rows * t->alg->n_metrics;
  int rc = t->alg->metrics(&t->info, t->state, k, row);
  if (rc != 0) return fail_at(t, k, "metrics", rc);
  t->metrics_iter[t->rows++] = k;
  return DCKPT_OK;
}

/* Builds the checkpoint record: the algorithm's arrays plus the runner's. */
static int build_record(trial *t, int64_t k, dckpt_record **out) {
  *out = NULL;
  dckpt_record *r = dckpt_record_create();
  if (!r) return trial_fail(t, DCKPT_ENOMEM, ": out of memory for its checkpoint");
  int rc = t->alg->save(&t->info, t->state, r);
  if (rc != 0) {
    dckpt_record_free(r);
    return fail_at(t, k, "save", rc);
  }
  uint64_t shape[2] = {(uint64_t)t->rows,
                       (uint64_t)(t->alg->n_metrics > 0 ? t->alg->n_metrics : 0)};
  rc = dckpt_record_put_u64(r, KEY_RNG, t->rng.s, 4);
  if (!rc) rc = dckpt_record_put(r, KEY_ITER, DCKPT_I64, 0, NULL, &k);
  if (!rc && t->alg->n_metrics > 0) {
    rc = dckpt_record_put_ref(r, KEY_METRICS, DCKPT_F64, 2, shape, t->metrics);
    if (!rc)
      rc =
          dckpt_record_put_ref(r, KEY_METRICS_ITER, DCKPT_I64, 1, shape, t->metrics_iter);
  }
  if (rc) {
    rc = trial_fail(t, rc, ": cannot build its checkpoint: %s", dckpt_record_errmsg(r));
    dckpt_record_free(r);
    return rc;
  }
  *out = r;
  return DCKPT_OK;
}

/* Saves the state after iteration k: periodic (`background`), final, or at a
 * stop. Without the writer, on this thread. With it, every save of the trial
 * goes through the writer's handle (one handle writes the trial's files): a
 * periodic one as a private copy of the record while the loop goes on, the
 * others waited for. At most one save is in flight: the previous one is
 * collected first, so the checkpoints taken are the same either way. */
static int save_state(trial *t, int64_t k, bool final, bool background) {
  run_ctx *c = t->c;
  DCKPT_TRY(collect_save(t, true));
  dckpt_record *r = NULL;
  DCKPT_TRY(build_record(t, k, &r));
  run_writer_job job = {.alg = t->info.alg,
                        .trial = t->info.trial,
                        .iteration = k,
                        .final = final,
                        .rec = r,
                        .owned = false};
  if (!c->writer.running) {
    double seconds;
    int rc = run_writer_save(c->store, &job, &seconds);
    run_stop_learn_checkpoint(&c->stop, seconds);
    dckpt_record_free(r);
    if (rc != DCKPT_OK) return store_fail(t, rc);
    t->saved_iter = k;
    return DCKPT_OK;
  }
  if (background) {
    /* The algorithm's save and the runner lend arrays (put_ref) that the
     * next iterations change: the record takes copies of those, and only of
     * those, before the writer gets it. */
    if (dckpt_record_own(r) != DCKPT_OK) {
      int rc = trial_fail(t, DCKPT_ENOMEM, ": cannot copy its checkpoint: %s",
                          dckpt_record_errmsg(r));
      dckpt_record_free(r);
      return rc;
    }
    job.owned = true;
    run_writer_submit(&c->writer, &job);
    return DCKPT_OK;
  }
  run_writer_submit(&c->writer, &job);
  int rc = collect_save(t, true);
  dckpt_record_free(r);
  return rc;
}

/* A trial that was complete and now has more iterations recorded its old
 * last iteration although it is off the metrics grid; a fresh run of the
 * grown plan has no such row, so it goes. */
static void drop_stale_final_row(trial *t) {
  int64_t period = t->c->o->metrics_period;
  while (t->rows > 0) {
    int64_t k = t->metrics_iter[t->rows - 1];
    if ((k + 1) % period == 0 || k == t->info.iterations - 1) break;
    t->rows--;
  }
}

/* dckpt_record_get() of one of the runner's arrays; on failure `why` says
 * which and what is wrong (the const record keeps no message). */
static int get_array(const dckpt_record *r, const char *key, dckpt_dtype dtype, void *out,
                     uint64_t n, char *why, size_t len) {
  int rc = dckpt_record_get(r, key, dtype, out, n);
  if (rc == DCKPT_ENOENT)
    snprintf(why, len, "it has no array '%s'", key);
  else if (rc != DCKPT_OK)
    snprintf(why, len, "its array '%s' is not %s[%llu]", key, dckpt_dtype_name(dtype),
             (unsigned long long)n);
  return rc;
}

/* Restores the runner's arrays and the algorithm's state from a checkpoint
 * (the store has checked that it is this trial's, of iteration `last`; the
 * runner's own iteration must say so too). */
static int restore(trial *t, const dckpt_record *r, int64_t last) {
  int64_t it = -1;
  char why[DCKPT_MAX_NAME + 64] = "out of memory";
  int rc = get_array(r, KEY_RNG, DCKPT_U64, t->rng.s, 4, why, sizeof why);
  if (!rc) rc = get_array(r, KEY_ITER, DCKPT_I64, &it, 1, why, sizeof why);
  if (!rc && it != last)
    return store_fail_fmt(t, DCKPT_ECORRUPT,
                          ": checkpoint %lld holds the state after iteration %lld",
                          (long long)last, (long long)it);
  dckpt_array_info mi;
  if (!rc && t->alg->n_metrics > 0 &&
      dckpt_record_find(r, KEY_METRICS_ITER, &mi) == DCKPT_OK) {
    rc = reserve_metrics(t, (int64_t)mi.nelems);
    t->rows = (int64_t)mi.nelems;
    if (!rc)
      rc = get_array(r, KEY_METRICS, DCKPT_F64, t->metrics,
                     mi.nelems * (uint64_t)t->alg->n_metrics, why, sizeof why);
    if (!rc)
      rc = get_array(r, KEY_METRICS_ITER, DCKPT_I64, t->metrics_iter, mi.nelems, why,
                     sizeof why);
    if (!rc) drop_stale_final_row(t);
  }
  if (rc != DCKPT_OK)
    return store_fail_fmt(t, rc == DCKPT_ENOMEM ? rc : DCKPT_ECORRUPT,
                          ": checkpoint %lld lacks the runner's state: %s",
                          (long long)last, why);
  rc = t->alg->load(&t->info, r, &t->state);
  if (rc != 0) return fail_at(t, last, "load", rc);
  t->saved_iter = last;
  return DCKPT_OK;
}

static void report_work(run_ctx *c, int64_t alg, bool now) {
  double when = run_now();
  if (!now && when - c->last_report < 0.5) return;
  run_sched_add_work(&c->sched, alg, c->unreported);
  c->unreported = 0;
  c->last_report = when;
  run_progress_tick(&c->progress, &c->sched, false);
}

/* The clock that checkpoint_interval is measured on: the loop's own (`now`,
 * already read), unless a test brings its own. */
static double interval_clock(const run_ctx *c, double now) {
  const dckpt_run_experimental *x = &c->x;
  return x->interval_clock ? x->interval_clock(x->interval_clock_ctx) : now;
}

/* Whether a periodic checkpoint is due after iteration k: every
 * checkpoint_step iterations, or once checkpoint_interval seconds have gone
 * by since the trial's last checkpoint. Either restarts the interval, which
 * counts from when a checkpoint is taken, not from when it is committed: the
 * iterations a checkpoint falls on do not depend on how long saves take. */
static bool checkpoint_due(trial *t, int64_t k, double now) {
  bool due = false;
  dckpt_store_should_checkpoint(t->c->store, k, &due);
  double interval = t->c->o->checkpoint_interval;
  if (interval <= 0) return due;
  double clock = interval_clock(t->c, now);
  due = due || clock - t->ckpt_clock >= interval;
  if (due) t->ckpt_clock = clock;
  return due;
}

static int iterate(trial *t, int64_t start) {
  run_ctx *c = t->c;
  for (int64_t k = start; k < t->info.iterations; k++) {
    /* news of a background save: its duration, or its failure, early */
    if (c->writer.busy) DCKPT_TRY(collect_save(t, false));
    if (run_should_stop(c, false)) {
      /* keep what was computed since the last checkpoint (a save in flight
       * is waited for first: it may be that checkpoint) */
      DCKPT_TRY(collect_save(t, true));
      if (k - 1 > t->saved_iter) DCKPT_TRY(save_state(t, k - 1, false, false));
      return DCKPT_EINTERRUPTED;
    }
    double t0 = run_now();
    int rc = t->alg->step(&t->info, t->state, k, &t->rng);
    if (rc != 0) return fail_at(t, k, "step", rc);
    DCKPT_TRY(record_metrics(t, k));
    double t1 = run_now();
    run_stop_learn_iteration(&c->stop, t1 - t0);
    c->iterations_run++;
    c->unreported++;
    run_sched_serve(&c->sched);
    report_work(c, t->info.alg, false);
    if (k < t->info.iterations - 1 && checkpoint_due(t, k, t1))
      DCKPT_TRY(save_state(t, k, false, true));
  }
  return save_state(t, t->info.iterations - 1, true, false);
}

int run_pair_execute(run_ctx *c, const run_pair *pair) {
  trial t;
  memset(&t, 0, sizeof t);
  t.c = c;
  t.alg = &c->algs[pair->alg];
  t.info = (dckpt_trial_info){pair->alg, pair->trial, c->plan.iterations[pair->alg],
                              c->problem, t.alg->user};
  t.saved_iter = -1;
  dckpt_record *r = NULL;
  int64_t last = -1;
  int rc = dckpt_store_load_latest(c->store, pair->alg, pair->trial, &r, &last);
  if (rc != DCKPT_OK)
    rc = store_fail(&t, rc);
  else if (r)
    rc = restore(&t, r, last);
  else {
    dckpt_rng_seed(&t.rng, dckpt_pair_seed(c->o->seed, pair->alg, pair->trial));
    int crc = t.alg->create(&t.info, &t.rng, &t.state);
    if (crc != 0) rc = fail_at(&t, 0, "create", crc);
  }
  dckpt_record_free(r);
  if (rc == DCKPT_OK) {
    c->pairs_run++;
    t.ckpt_clock = interval_clock(c, run_now());
    rc = iterate(&t, last + 1);
    /* nothing stays in flight once the pair returns (iterate's exits have
     * collected already; this is the guarantee) */
    int wrc = collect_save(&t, true);
    if (rc == DCKPT_OK) rc = wrc;
    if (rc == DCKPT_OK) {
      c->pairs_completed++;
      /* complete.json is committed: rank 0's completion index may list it */
      run_sched_complete(&c->sched, pair->alg, pair->trial);
    }
  }
  report_work(c, pair->alg, true);
  if (t.state) t.alg->destroy(&t.info, t.state);
  free(t.metrics);
  free(t.metrics_iter);
  return rc;
}
