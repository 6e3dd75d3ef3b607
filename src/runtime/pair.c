/* One (algorithm, trial) pair: restore or create its state, iterate with
 * checkpoints, metric recording and stop checks, and mark it complete. The
 * runner's own arrays in every checkpoint carry the RNG, the iteration and the
 * metric history (the rows since the last metric segment, and the list of the
 * segments that hold the rest), so a restored trial continues exactly where
 * it stopped. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/run_ctx.h"
#include "util/utf8.h"

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
  /* metric segments: rows [0, seg_rows) are committed in n_segs segments
   * whose content digests the next checkpoints list */
  uint64_t *seg_digests;
  int64_t n_segs, seg_cap, seg_rows;
  int64_t saved_iter; /* newest iteration on disk (-1: none) */
  double ckpt_clock;  /* interval clock at the last checkpoint or the start */
  /* what the callback being called said with dckpt_run_fail_reason ("" for
   * nothing); emptied before each call */
  char reason[DCKPT_RUN_REASON_MAX];
} trial;

/* The trial whose callbacks this thread calls (dckpt_run_fail_reason finds
 * its reason buffer here); NULL outside run_pair_execute. */
static _Thread_local trial *calling;

int dckpt_run_fail_reason(const dckpt_trial_info *info, const char *fmt, ...) {
  trial *t = calling;
  if (!t || !info || info != &t->info || !fmt) return DCKPT_EINVAL;
  /* twice the room, so that a cut of the formatting lies beyond what is kept */
  char raw[2 * DCKPT_RUN_REASON_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(raw, sizeof raw, fmt, ap);
  va_end(ap);
  size_t n = dckpt_utf8_mend(raw, t->reason, sizeof t->reason);
  /* one line: the reason ends up in a log line and a one-line message */
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)t->reason[i] < 0x20 || t->reason[i] == 0x7f) t->reason[i] = ' ';
  return DCKPT_OK;
}

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

/* A callback `what` returned rc: reported with the reason it gave, if any
 * (at most DCKPT_RUN_REASON_MAX - 1 bytes: with the longest names and
 * numbers the message still fits the report's 1024 bytes whole). */
static int fail_at(trial *t, int64_t k, const char *what, int rc) {
  return trial_fail(t, DCKPT_ECALLBACK, " failed at iteration %lld: %s returned %d%s%s",
                    (long long)k, what, rc, t->reason[0] ? ": " : "", t->reason);
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
  t->reason[0] = '\0';
  int rc = t->alg->metrics(&t->info, t->state, k, row);
  if (rc != 0) return fail_at(t, k, "metrics", rc);
  t->metrics_iter[t->rows++] = k;
  return DCKPT_OK;
}

/* Puts the runner's arrays: RNG, iteration, and the metric rows from
 * `first` on (all of them in a final checkpoint, else those since the last
 * segment) with the list of segments that hold the rows before. */
static int put_runner_arrays(trial *t, dckpt_record *r, int64_t k, bool final) {
  int64_t first = final ? 0 : t->seg_rows, nm = t->alg->n_metrics;
  uint64_t shape[2] = {(uint64_t)(t->rows - first), (uint64_t)(nm > 0 ? nm : 0)};
  int rc = dckpt_record_put_u64(r, KEY_RNG, t->rng.s, 4);
  if (!rc) rc = dckpt_record_put(r, KEY_ITER, DCKPT_I64, 0, NULL, &k);
  if (rc || nm <= 0) return rc;
  rc = dckpt_record_put_ref(r, KEY_METRICS, DCKPT_F64, 2, shape, t->metrics + first * nm);
  if (!rc)
    rc = dckpt_record_put_ref(r, KEY_METRICS_ITER, DCKPT_I64, 1, shape,
                              t->metrics_iter + first);
  uint64_t n = (uint64_t)t->n_segs;
  if (!rc && !final && n > 0)
    rc = dckpt_record_put_ref(r, DCKPT_SEGMENTS_KEY, DCKPT_U64, 1, &n, t->seg_digests);
  return rc;
}

/* Builds the checkpoint record: the algorithm's arrays plus the runner's. */
static int build_record(trial *t, int64_t k, bool final, dckpt_record **out) {
  *out = NULL;
  dckpt_record *r = dckpt_record_create();
  if (!r) return trial_fail(t, DCKPT_ENOMEM, ": out of memory for its checkpoint");
  t->reason[0] = '\0';
  int rc = t->alg->save(&t->info, t->state, r);
  if (rc != 0) {
    dckpt_record_free(r);
    return fail_at(t, k, "save", rc);
  }
  rc = put_runner_arrays(t, r, k, final);
  if (rc) {
    rc = trial_fail(t, rc, ": cannot build its checkpoint: %s", dckpt_record_errmsg(r));
    dckpt_record_free(r);
    return rc;
  }
  *out = r;
  return DCKPT_OK;
}

/* When the rows since the last segment have reached metrics_segment_bytes,
 * makes them the next segment (a copy, with its digest listed from now on);
 * *seg stays NULL otherwise. The caller commits it before the checkpoint. */
static int cut_segment(trial *t, dckpt_record **seg) {
  *seg = NULL;
  int64_t nm = t->alg->n_metrics, tail = t->rows - t->seg_rows;
  size_t limit = t->c->o->metrics_segment_bytes;
  if (nm <= 0 || limit == 0 || tail <= 0 ||
      (uint64_t)tail * (uint64_t)(nm + 1) * 8 < limit)
    return DCKPT_OK;
  if (t->n_segs == t->seg_cap) {
    int64_t cap = t->seg_cap ? 2 * t->seg_cap : 16;
    uint64_t *d = realloc(t->seg_digests, (size_t)cap * sizeof *d);
    if (!d) return trial_fail(t, DCKPT_ENOMEM, ": out of memory for its metric segments");
    t->seg_digests = d;
    t->seg_cap = cap;
  }
  uint64_t shape[2] = {(uint64_t)tail, (uint64_t)nm};
  dckpt_record *r = dckpt_record_create();
  int rc = r ? DCKPT_OK : DCKPT_ENOMEM;
  if (!rc)
    rc = dckpt_record_put(r, KEY_METRICS, DCKPT_F64, 2, shape,
                          t->metrics + t->seg_rows * nm);
  if (!rc)
    rc = dckpt_record_put(r, KEY_METRICS_ITER, DCKPT_I64, 1, shape,
                          t->metrics_iter + t->seg_rows);
  if (!rc) rc = dckpt_record_digest(r, &t->seg_digests[t->n_segs]);
  if (rc) {
    dckpt_record_free(r);
    return trial_fail(t, rc, ": cannot build metric segment %lld: out of memory",
                      (long long)t->n_segs);
  }
  t->n_segs++;
  t->seg_rows = t->rows;
  *seg = r;
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
  dckpt_record *seg = NULL, *r = NULL;
  int64_t seq = t->n_segs;
  if (!final) DCKPT_TRY(cut_segment(t, &seg));
  int brc = build_record(t, k, final, &r);
  if (brc != DCKPT_OK) {
    dckpt_record_free(seg);
    return brc;
  }
  run_writer_job job = {.alg = t->info.alg,
                        .trial = t->info.trial,
                        .iteration = k,
                        .final = final,
                        .rec = r,
                        .owned = false,
                        .segment = seg,
                        .segment_seq = seq};
  if (!c->writer.running) {
    double seconds;
    int rc = run_writer_save(c->store, &job, &seconds);
    run_stop_learn_checkpoint(&c->stop, seconds);
    dckpt_record_free(r);
    dckpt_record_free(seg);
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
      dckpt_record_free(seg);
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
 * grown plan has no such row, so it goes. (A final checkpoint lists no
 * segments, so such a row is never inside one.) */
static void drop_stale_final_row(trial *t) {
  int64_t period = t->c->o->metrics_period;
  while (t->rows > t->seg_rows) {
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

/* Appends the metric rows of `r` (a checkpoint's tail or a segment). A
 * record whose arrays do not fit this algorithm's metrics gives the
 * record's status (ENOENT, EMISMATCH) and `why`; running out of memory is
 * reported. */
static int append_rows(trial *t, const dckpt_record *r, char *why, size_t len) {
  dckpt_array_info mi;
  int rc = dckpt_record_find(r, KEY_METRICS_ITER, &mi);
  if (rc != DCKPT_OK) {
    snprintf(why, len, "it has no array '%s'", KEY_METRICS_ITER);
    return rc;
  }
  uint64_t nm = (uint64_t)t->alg->n_metrics;
  DCKPT_TRY(reserve_metrics(t, t->rows + (int64_t)mi.nelems));
  rc = get_array(r, KEY_METRICS, DCKPT_F64, t->metrics + t->rows * t->alg->n_metrics,
                 mi.nelems * nm, why, len);
  if (!rc)
    rc = get_array(r, KEY_METRICS_ITER, DCKPT_I64, t->metrics_iter + t->rows, mi.nelems,
                   why, len);
  if (!rc) t->rows += (int64_t)mi.nelems;
  return rc;
}

/* Whether a failure to use a checkpoint's segments sends the trial to an
 * older checkpoint (the segment is missing, unsound, stale or not metric
 * rows) rather than failing the run (no memory, an I/O error). */
static bool falls_back(int rc) {
  return rc == DCKPT_ENOENT || rc == DCKPT_ECORRUPT || rc == DCKPT_EVERSION ||
         rc == DCKPT_EMISMATCH || rc == DCKPT_ETOOBIG;
}

/* Loads segment i (digest d) and appends its rows; on a failure that falls
 * back, `why` says what is wrong with it. */
static int load_segment(trial *t, uint64_t i, uint64_t d, char *why, size_t len) {
  dckpt_record *seg = NULL;
  int rc = dckpt_store_load_segment(t->c->store, t->info.alg, t->info.trial, (int64_t)i,
                                    d, &seg);
  if (rc == DCKPT_OK) {
    char what[DCKPT_MAX_NAME + 64] = "";
    rc = append_rows(t, seg, what, sizeof what);
    if (falls_back(rc))
      snprintf(why, len, "metric segment %llu does not hold this algorithm's rows: %s",
               (unsigned long long)i, what);
  } else if (falls_back(rc))
    snprintf(why, len, "%s", dckpt_store_errmsg(t->c->store));
  else
    rc = store_fail(t, rc);
  dckpt_record_free(seg);
  return rc;
}

/* Loads, in order, the metric segments that checkpoint `last` lists (their
 * digests in DCKPT_SEGMENTS_KEY). `why` is set, and DCKPT_OK returned, when
 * one is unusable, so that the caller tries an older checkpoint. */
static int load_segments(trial *t, const dckpt_record *r, int64_t last, char *why,
                         size_t len) {
  dckpt_array_info li;
  if (dckpt_record_find(r, DCKPT_SEGMENTS_KEY, &li) != DCKPT_OK) return DCKPT_OK;
  if (li.dtype != DCKPT_U64 || li.ndim != 1) {
    snprintf(why, len, "checkpoint %lld: '%s' is not a list of u64 digests",
             (long long)last, DCKPT_SEGMENTS_KEY);
    return DCKPT_OK;
  }
  uint64_t *d = realloc(t->seg_digests, (li.nelems + 1) * sizeof *d);
  if (!d) return trial_fail(t, DCKPT_ENOMEM, ": out of memory for its metric segments");
  t->seg_digests = d;
  t->seg_cap = (int64_t)li.nelems + 1;
  memcpy(d, li.data, li.nelems * sizeof *d);
  for (uint64_t i = 0; i < li.nelems; i++) {
    int rc = load_segment(t, i, d[i], why, len);
    if (falls_back(rc)) return DCKPT_OK;
    DCKPT_TRY(rc);
  }
  t->n_segs = (int64_t)li.nelems;
  t->seg_rows = t->rows;
  return DCKPT_OK;
}

/* Restores the runner's arrays and the algorithm's state from a checkpoint
 * (the store has checked that it is this trial's, of iteration `last`; the
 * runner's own iteration must say so too). When a metric segment it lists
 * is unusable, `unusable` says so and nothing is restored. */
static int restore(trial *t, const dckpt_record *r, int64_t last, char *unusable,
                   size_t len) {
  unusable[0] = '\0';
  t->rows = t->n_segs = t->seg_rows = 0;
  int64_t it = -1;
  char why[DCKPT_MAX_NAME + 64] = "out of memory";
  int rc = get_array(r, KEY_RNG, DCKPT_U64, t->rng.s, 4, why, sizeof why);
  if (!rc) rc = get_array(r, KEY_ITER, DCKPT_I64, &it, 1, why, sizeof why);
  if (!rc && it != last)
    return store_fail_fmt(t, DCKPT_ECORRUPT,
                          ": checkpoint %lld holds the state after iteration %lld",
                          (long long)last, (long long)it);
  dckpt_array_info mi;
  if (!rc && t->alg->n_metrics > 0) {
    DCKPT_TRY(load_segments(t, r, last, unusable, len));
    if (unusable[0]) return DCKPT_OK;
    if (dckpt_record_find(r, KEY_METRICS_ITER, &mi) == DCKPT_OK)
      rc = append_rows(t, r, why, sizeof why);
    if (!rc) drop_stale_final_row(t);
  }
  if (rc != DCKPT_OK)
    return store_fail_fmt(t, rc == DCKPT_ENOMEM ? rc : DCKPT_ECORRUPT,
                          ": checkpoint %lld lacks the runner's state: %s",
                          (long long)last, why);
  t->reason[0] = '\0';
  rc = t->alg->load(&t->info, r, &t->state);
  if (rc != 0) return fail_at(t, last, "load", rc);
  t->saved_iter = last;
  return DCKPT_OK;
}

/* Restores the newest checkpoint whose metric segments are all usable,
 * falling back checkpoint by checkpoint (each unusable one is named in a
 * warning); *restored is false when none is (the trial starts over). */
static int restore_latest(trial *t, bool *restored, int64_t *last) {
  run_ctx *c = t->c;
  *restored = false;
  dckpt_record *r = NULL;
  int rc = dckpt_store_load_latest(c->store, t->info.alg, t->info.trial, &r, last);
  if (rc != DCKPT_OK) return store_fail(t, rc);
  while (r) {
    char why[1200];
    rc = restore(t, r, *last, why, sizeof why);
    dckpt_record_free(r);
    r = NULL;
    if (rc != DCKPT_OK) return rc;
    if (!why[0]) {
      *restored = true;
      return DCKPT_OK;
    }
    int64_t bad = *last;
    rc = dckpt_store_load_before(c->store, t->info.alg, t->info.trial, bad, &r, last);
    if (rc != DCKPT_OK) return store_fail(t, rc);
    dckpt_log(&c->log, DCKPT_LOG_WARN,
              "rank %d: algorithm '%s' trial %lld: checkpoint %lld is unusable (%s); %s",
              c->rank, t->alg->name, (long long)t->info.trial, (long long)bad, why,
              r ? "falling back to an older one" : "no older one: the trial starts over");
  }
  t->rows = t->n_segs = t->seg_rows = 0;
  *last = -1;
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
    t->reason[0] = '\0';
    int rc = t->alg->step(&t->info, t->state, k, &t->rng);
    if (rc != 0) return fail_at(t, k, "step", rc);
    DCKPT_TRY(record_metrics(t, k));
    double t1 = run_now();
    run_stop_learn_iteration(&c->stop, t1 - t0);
    c->iterations_run++;
    c->unreported++;
    run_sched_serve(&c->sched);
    report_work(c, t->info.alg, false);
    if (c->o->shared && run_shared_renew(c, t1) != DCKPT_OK) {
      /* the pair is another run's now: this one writes nothing more */
      DCKPT_TRY(collect_save(t, true));
      return DCKPT_ELOCKED;
    }
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
  calling = &t;
  int64_t last = -1;
  bool restored = false;
  int rc = restore_latest(&t, &restored, &last);
  if (rc == DCKPT_OK && !restored) {
    dckpt_rng_seed(&t.rng, dckpt_pair_seed(c->o->seed, pair->alg, pair->trial));
    t.reason[0] = '\0';
    int crc = t.alg->create(&t.info, &t.rng, &t.state);
    if (crc != 0) rc = fail_at(&t, 0, "create", crc);
  }
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
  calling = NULL; /* destroy cannot fail */
  if (t.state) t.alg->destroy(&t.info, t.state);
  free(t.metrics);
  free(t.metrics_iter);
  free(t.seg_digests);
  return rc;
}
