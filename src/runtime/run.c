/* dckpt_run: set-up on rank 0, agreement, the work loop, and a final status
 * that every rank returns alike. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/run_ctx.h"

void dckpt_run_options_init(dckpt_run_options *o) {
  if (!o) return;
  memset(o, 0, sizeof *o);
  o->struct_size = sizeof *o;
  dckpt_store_options_init(&o->store);
  o->mode = DCKPT_RUN_AUTO;
  o->n_trials = 1;
  o->metrics_period = 1;
  o->deadline_margin = 10.0;
  o->handle_signals = true;
  o->progress = 1;
  o->progress_interval = 30.0;
  o->background_checkpoints = true;
  o->scheduler = DCKPT_SCHED_AUTO;
  o->index_interval = 10.0;
  o->metrics_segment_bytes = DCKPT_RUN_SEGMENT_BYTES;
}

int run_fail(run_ctx *c, int status, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (c->status == DCKPT_OK) {
    c->status = status;
    memcpy(c->message, msg, sizeof msg);
  }
  dckpt_log(&c->log, status == DCKPT_EINTERRUPTED ? DCKPT_LOG_DEBUG : DCKPT_LOG_ERROR,
            "%s", msg);
  return status;
}

bool run_records_equal(const dckpt_record *a, const dckpt_record *b, char *what,
                       size_t len) {
  if (dckpt_record_count(a) != dckpt_record_count(b)) {
    snprintf(what, len, "%zu arrays against %zu", dckpt_record_count(a),
             dckpt_record_count(b));
    return false;
  }
  for (size_t i = 0; i < dckpt_record_count(a); i++) {
    dckpt_array_info x, y;
    dckpt_record_at(a, i, &x);
    if (dckpt_record_find(b, x.name, &y) != DCKPT_OK) {
      snprintf(what, len, "array '%s' is missing", x.name);
      return false;
    }
    if (x.dtype != y.dtype || x.ndim != y.ndim || x.nbytes != y.nbytes ||
        memcmp(x.shape, y.shape, sizeof x.shape) != 0 ||
        (x.nbytes && memcmp(x.data, y.data, (size_t)x.nbytes) != 0)) {
      snprintf(what, len, "array '%s' differs", x.name);
      return false;
    }
  }
  return true;
}

bool run_should_stop(run_ctx *c, bool force_poll) {
  if (c->stopping) return true;
  double before = c->stop.next_poll;
  bool local = run_stop_due(&c->stop, force_poll);
  bool polled = c->stop.next_poll != before; /* a poll was due: look at the others too */
  if (local) {
    dckpt_log(&c->log, DCKPT_LOG_WARN, "rank %d: stopping: %s; checkpointing", c->rank,
              c->stop.reason);
    c->stop_seen_here = true;
    run_sched_raise_stop(&c->sched);
  } else if ((polled || force_poll) && run_sched_stop_raised(&c->sched)) {
    snprintf(c->stop.reason, sizeof c->stop.reason, "another rank asked to stop");
    local = true;
  }
  if (local) c->stopping = true;
  return local;
}

/* The DCKPT_MAX_* limits on what is asked, before anything is opened or
 * created; a growth past them is refused by dckpt_store_extend. */
static int check_limits(run_ctx *c) {
  const dckpt_run_options *o = c->o;
  if (!c->algs && c->n_algs > 0)
    return run_fail(c, DCKPT_EINVAL, "algs is NULL (n_algs %zu)", c->n_algs);
  if (c->n_algs > DCKPT_MAX_ALGORITHMS)
    return run_fail(c, DCKPT_ETOOBIG, "%zu algorithms exceed the limit of %d", c->n_algs,
                    DCKPT_MAX_ALGORITHMS);
  if (o->n_trials > DCKPT_MAX_TRIALS || o->add_trials > DCKPT_MAX_TRIALS ||
      o->n_trials + o->add_trials > DCKPT_MAX_TRIALS)
    return run_fail(c, DCKPT_ETOOBIG, "%lld + %lld trials exceed the limit of %lld",
                    (long long)o->n_trials, (long long)o->add_trials,
                    (long long)DCKPT_MAX_TRIALS);
  int64_t trials = o->n_trials + o->add_trials;
  if (trials > 0 && (int64_t)c->n_algs > DCKPT_MAX_PAIRS / trials)
    return run_fail(c, DCKPT_ETOOBIG,
                    "%zu algorithms x %lld trials exceed the limit of %lld pairs",
                    c->n_algs, (long long)trials, (long long)DCKPT_MAX_PAIRS);
  for (size_t a = 0; a < c->n_algs; a++)
    if (c->algs[a].iterations > DCKPT_MAX_ITERATIONS ||
        o->add_iterations > DCKPT_MAX_ITERATIONS - c->algs[a].iterations)
      return run_fail(c, DCKPT_ETOOBIG,
                      "algorithm '%s': %lld + %lld iterations exceed the limit of %lld",
                      c->algs[a].name ? c->algs[a].name : "?",
                      (long long)c->algs[a].iterations, (long long)o->add_iterations,
                      (long long)DCKPT_MAX_ITERATIONS);
  /* the whole run: progress adds every pair's iterations in 64 bits (9e15
   * iterations x 1025 trials overflowed it). In doubles: each term is below
   * 2^78, and the limit (2^62) lies far enough under 2^63. */
  double total = 0;
  for (size_t a = 0; a < c->n_algs && trials > 0; a++) {
    int64_t it = c->algs[a].iterations + (o->add_iterations > 0 ? o->add_iterations : 0);
    if (it > 0) total += (double)it * (double)trials;
  }
  if (total > (double)DCKPT_MAX_TOTAL_ITERATIONS)
    return run_fail(c, DCKPT_ETOOBIG,
                    "%zu algorithms x %lld trials, %.3g iterations in all, exceed the "
                    "limit of %lld iterations per run (2^62)",
                    c->n_algs, (long long)trials, total,
                    (long long)DCKPT_MAX_TOTAL_ITERATIONS);
  return DCKPT_OK;
}

static int check_arguments(run_ctx *c) {
  const dckpt_run_options *o = c->o;
  if (!o->dir || !*o->dir)
    return run_fail(c, DCKPT_EINVAL, "the run directory is not set");
  if (c->n_algs == 0) return run_fail(c, DCKPT_EINVAL, "no algorithms to run");
  if (o->scheduler != DCKPT_SCHED_COUNTER && o->scheduler != DCKPT_SCHED_DISPENSER &&
      o->scheduler != DCKPT_SCHED_AUTO)
    return run_fail(c, DCKPT_EINVAL, "unknown scheduler %d", (int)o->scheduler);
  if (!(o->index_interval >= 0))
    return run_fail(c, DCKPT_EINVAL, "index_interval must be >= 0 seconds, got %g",
                    o->index_interval);
  if (o->n_trials < 1 && o->mode == DCKPT_RUN_NEW)
    return run_fail(c, DCKPT_EINVAL, "n_trials must be >= 1, got %lld",
                    (long long)o->n_trials);
  if (o->add_trials < 0 || o->add_iterations < 0)
    return run_fail(c, DCKPT_EINVAL, "add_trials and add_iterations must be >= 0");
  if (o->run_name && !dckpt_run_name_valid(o->run_name))
    return run_fail(c, DCKPT_EINVAL,
                    "run_name '%.80s' is not a run name (1 to %d letters, digits, '.', "
                    "'_' or '-', the first a letter or a digit)",
                    o->run_name, DCKPT_RUN_NAME_MAX);
  if (o->shared && (o->add_trials || o->add_iterations))
    return run_fail(c, DCKPT_EINVAL,
                    "a shared run takes no add_trials or add_iterations (each run "
                    "would add them again): ask for the totals (n_trials, iterations)");
  if (!(o->checkpoint_interval >= 0 && o->checkpoint_interval <= 1e12))
    return run_fail(c, DCKPT_EINVAL,
                    "checkpoint_interval must be a number of seconds in 0..1e12, got %g",
                    o->checkpoint_interval);
  if (o->metrics_period < 1)
    return run_fail(c, DCKPT_EINVAL, "metrics_period must be >= 1, got %lld",
                    (long long)o->metrics_period);
  DCKPT_TRY(check_limits(c));
  for (size_t a = 0; a < c->n_algs; a++) {
    const dckpt_algorithm *al = &c->algs[a];
    if (!al->name || !*al->name)
      return run_fail(c, DCKPT_EINVAL, "algorithm %zu has no name", a);
    if (al->iterations < 1)
      return run_fail(c, DCKPT_EINVAL, "algorithm '%s' needs iterations >= 1, got %lld",
                      al->name, (long long)al->iterations);
    if (!al->create || !al->step || !al->save || !al->load || !al->destroy ||
        (al->n_metrics > 0 && !al->metrics))
      return run_fail(c, DCKPT_EINVAL, "algorithm '%s' lacks a callback", al->name);
    for (size_t b = 0; b < a; b++)
      if (!strcmp(al->name, c->algs[b].name))
        return run_fail(c, DCKPT_EINVAL, "duplicate algorithm name '%s'", al->name);
  }
  return DCKPT_OK;
}

/* Every rank takes the worst status seen anywhere and its message. Worse:
 * errors > ECALLBACK > EINTERRUPTED > OK; among stops, a rank that saw the
 * request itself (signal, HALT, deadline: it has the reason) is preferred to
 * one that only followed the others. */
static int agree(run_ctx *c) {
  int rank_of_status = c->status == DCKPT_OK             ? 0
                       : c->status == DCKPT_EINTERRUPTED ? (c->stop_seen_here ? 2 : 1)
                       : c->status == DCKPT_ECALLBACK    ? 3
                                                         : 4;
  struct {
    int severity, rank;
  } mine = {rank_of_status, c->rank}, worst;
  if (c->size == 1) {
    worst = mine;
  } else {
    /* (rank 0 may come late: it alone scans and plans at set-up) */
    dckpt_run_barrier(c->comm);
    /* MAXLOC breaks ties by the lowest rank: a deterministic messenger. */
    MPI_Allreduce(&mine, &worst, 1, MPI_2INT, MPI_MAXLOC, c->comm);
  }
  int status = c->status;
  MPI_Bcast(&status, 1, MPI_INT, worst.rank, c->comm);
  MPI_Bcast(c->message, (int)sizeof c->message, MPI_CHAR, worst.rank, c->comm);
  c->status = status;
  return status;
}

/* The final verdict: the worst status anywhere, except that a stop which came
 * after the last pair was done (or taken by a rank that finished it) is no
 * stop at all: the campaign is complete. */
static int settle(run_ctx *c) {
  int64_t mine = c->pairs_completed, done = 0;
  MPI_Allreduce(&mine, &done, 1, MPI_INT64_T, MPI_SUM, c->comm);
  if (c->status == DCKPT_EINTERRUPTED && done == c->plan.n_pending) {
    c->status = DCKPT_OK;
    c->message[0] = '\0';
  }
  return agree(c);
}

int run_open_store(run_ctx *c) {
  dckpt_store_options so = c->o->store;
  so.flags = DCKPT_OPEN_WRITE;
  /* A resume creates nothing: a missing directory is refused as it is. */
  if (c->o->mode == DCKPT_RUN_RESUME) so.flags |= DCKPT_OPEN_EXISTING;
  /* Other ranks touch no file to open: rank 0 has prepared DIR. */
  if (c->rank != 0)
    so.flags |= DCKPT_OPEN_NO_LOCK | DCKPT_OPEN_NO_PREPARE;
  else if (c->o->break_lock)
    so.flags |= DCKPT_OPEN_BREAK_LOCK;
  if (c->rank == 0 && c->o->shared) so.flags |= DCKPT_OPEN_SHARED;
  int rc = dckpt_store_open(c->o->dir, &so, &c->store);
  if (rc == DCKPT_ENOENT && c->o->mode == DCKPT_RUN_RESUME)
    return run_fail(c, rc, "'%s' holds no run to resume: %s", c->o->dir,
                    dckpt_store_errmsg(c->store));
  if (rc != DCKPT_OK)
    return run_fail(c, rc, "rank %d: %s", c->rank,
                    c->store ? dckpt_store_errmsg(c->store) : "out of memory");
  c->store_open = true;
  if (c->o->shared && c->o->job_state)
    dckpt_store_set_job_state(c->store, c->o->job_state, c->o->job_state_ctx);
  return DCKPT_OK;
}

/* The background checkpoint writer, when periodic checkpoints are asked for
 * and not turned off. Started once the directory holds the run; its handle
 * gets the run's metadata rather than reading it. */
static void start_writer(run_ctx *c) {
  if (!c->o->background_checkpoints || c->o->store.checkpoint_step == DCKPT_STEP_NONE)
    return;
  char err[1024];
  int rc = run_writer_start(&c->writer, dckpt_store_get_dir(c->store),
                            dckpt_store_get_options(c->store), c->meta_text, c->meta_len,
                            &c->log, err, sizeof err);
  if (rc != DCKPT_OK) run_fail(c, rc, "rank %d: checkpoint writer: %s", c->rank, err);
}

/* Rank 0 keeps the completion index; every rank reports to it. */
static int open_sched(run_ctx *c) {
  int irc = run_completion_init(&c->completion, c->index, c->n_algs, c->plan.n_trials,
                                c->o->index_interval);
  c->index = NULL; /* the completion index owns it now (or freed it) */
  if (irc != DCKPT_OK)
    return run_fail(c, irc, "rank %d: cannot start the completion index's thread",
                    c->rank);
  /* a scan that found what the index missed writes it at once */
  run_completion_commit(&c->completion);
  run_completion_log(&c->completion, &c->log);
  if (run_sched_open(&c->sched, c->comm, c->o->scheduler, c->n_algs, c->plan.work_done,
                     c->plan.alg_done, c->plan.n_pending, &c->completion,
                     c->rank == 0 ? c->stop.halt_paths : NULL, &c->log) != DCKPT_OK)
    return run_fail(c, DCKPT_EMPI, "rank %d: cannot start the pair scheduler", c->rank);
  c->sched_open = true;
  return DCKPT_OK;
}

/* Rank 0, before any work: the files that tell how the run ended (its
 * run_status.json and a named run's own) can be written where they belong,
 * the named run's folder made; found only at the end, a file or a link in
 * the folder's place cost the named verdict with a mere warning. */
static int prepare_status(run_ctx *c) {
  int rc = dckpt_store_prepare_run_status(c->store, c->o->run_name);
  if (rc == DCKPT_OK) return DCKPT_OK;
  c->status_blocked = true; /* said once, not again at the end */
  return run_fail(c, rc, "%s", dckpt_store_errmsg(c->store));
}

/* Rank 0 decides the plan and reads the shared inputs; the others receive
 * them and open the store without touching a file. */
static int set_up(run_ctx *c) {
  /* Options that could not be read failed already (dckpt_run). */
  int rc = c->status != DCKPT_OK ? c->status : check_arguments(c);
  bool shared0 = c->o->shared && c->rank == 0;
  if (rc == DCKPT_OK && c->rank == 0) rc = run_open_store(c);
  if (rc == DCKPT_OK && c->rank == 0) rc = prepare_status(c);
  if (rc == DCKPT_OK && c->rank == 0) rc = run_plan_rank0(c);
  if (agree(c) != DCKPT_OK) return c->status;
  if (run_share_plan(c) != DCKPT_OK) run_fail(c, DCKPT_ENOMEM, "out of memory");
  c->planned = true;
  run_share_inputs(c);
  /* a shared run holds the lock only to set up */
  if (c->status == DCKPT_OK && shared0) run_shared_unlock(c);
  if (c->status == DCKPT_OK) start_writer(c);
  if (agree(c) != DCKPT_OK) return c->status;
  open_sched(c);
  return agree(c);
}

static void work(run_ctx *c) {
  for (;;) {
    if (run_should_stop(c, true)) {
      /* pairs may be left: this is a stop (undone if, in the end, none is) */
      run_fail(c, DCKPT_EINTERRUPTED, "rank %d stopped: %s", c->rank, c->stop.reason);
      break;
    }
    /* every rank looks for DIR/HALT before its first pair; later only rank 0
     * (and its service thread), which stops the others */
    if (c->rank != 0) c->stop.halt_paths[0] = c->stop.halt_paths[1] = NULL;
    int64_t i = run_sched_next(&c->sched);
    if (i >= c->plan.n_pending) {
      /* shared: the pairs other runs held whose holder is gone (and, with
       * shared_wait, the others until each is complete) */
      int wrc = c->o->shared ? run_shared_wait(c) : DCKPT_OK;
      if (wrc == DCKPT_EINTERRUPTED)
        run_fail(c, wrc, "rank %d stopped: %s", c->rank, c->stop.reason);
      else if (wrc != DCKPT_OK && wrc != DCKPT_ECALLBACK)
        run_sched_raise_stop(&c->sched);
      break;
    }
    const run_pair *p = &c->plan.pending[i];
    int rc = c->o->shared ? run_shared_pair(c, p) : run_pair_execute(c, p);
    if (rc == DCKPT_EINTERRUPTED) {
      run_fail(c, rc, "rank %d stopped: %s", c->rank, c->stop.reason);
      break;
    }
    /* A failed trial stays resumable; the others go on. An I/O error stops all. */
    if (rc != DCKPT_OK && rc != DCKPT_ECALLBACK) {
      run_sched_raise_stop(&c->sched);
      break;
    }
  }
  /* every completion report reaches rank 0, whose index is then committed */
  run_sched_finish(&c->sched);
  run_completion_commit(&c->completion);
  run_completion_log(&c->completion, &c->log);
}

/* The report says only what is known: a run refused before its plan was
 * made (a bad argument, a mismatch, a marker it could not read) counts no
 * pairs at all rather than "every pair complete". */
static void fill_report(run_ctx *c, dckpt_run_report *rep, double start, bool planned) {
  int64_t mine[4] = {c->pairs_run, c->pairs_completed, c->iterations_run,
                     c->shared.n_watch},
          sum[4];
  MPI_Allreduce(mine, sum, 4, MPI_INT64_T, MPI_SUM, c->comm);
  int64_t total = planned ? c->plan.n_trials * (int64_t)c->n_algs : 0;
  rep->status = c->status;
  rep->pairs_total = total;
  rep->pairs_run = sum[0];
  rep->pairs_completed = planned ? total - c->plan.n_pending + sum[1] : 0;
  rep->iterations_run = sum[2];
  rep->seconds = run_now() - start;
  rep->resumed = c->plan.resumed;
  snprintf(rep->message, sizeof rep->message, "%s", c->message);
  if (!planned || rep->status != DCKPT_OK || !c->o->shared) return;
  /* another shared run may have grown the campaign (more trials) since this
   * one made its plan: the new pairs count, so that a run that completed its
   * plan does not take the campaign for complete (and fail making results) */
  int64_t grown[3] = {0, 0, c->plan.n_trials};
  if (c->rank == 0) run_shared_growth(c, &grown[0], &grown[1], &grown[2]);
  MPI_Bcast(grown, 3, MPI_INT64_T, 0, c->comm);
  rep->pairs_total += grown[0];
  rep->pairs_completed += grown[1];
  /* a shared run that left pairs to the runs holding them says so */
  char held[256] = "", more[512] = "";
  if (sum[3] > 0)
    snprintf(held, sizeof held, "%lld pair(s) held by other runs", (long long)sum[3]);
  if (grown[1] < grown[0])
    snprintf(more, sizeof more,
             "%s%lld pair(s) not complete of the trials another run added (the "
             "campaign grew to %lld trials after this run made its plan), left to the "
             "runs on it",
             held[0] ? "; " : "", (long long)(grown[0] - grown[1]), (long long)grown[2]);
  if (held[0] || more[0]) {
    snprintf(rep->message, sizeof rep->message,
             "nothing left to claim: %s%s, whose last to complete computes the results",
             held, more);
    if (c->rank == 0) dckpt_log(&c->log, DCKPT_LOG_INFO, "%s", rep->message);
  }
}

/* Rank 0 leaves DIR/run_status.json: how the last run ended, for batch
 * scripts (a launcher's own exit status is not reliable once it is signalled).
 * Written at the end of every run that held the directory's lock, failures
 * included; a run refused before it held the lock (another run holds it, the
 * directory is missing) writes nothing, since the directory is not its own. */
static void write_status_file(run_ctx *c, const dckpt_run_report *rep) {
  dckpt_run_status st;
  dckpt_run_status_init(&st);
  st.status = rep->status;
  st.exit_code = rep->status == DCKPT_OK             ? 0
                 : rep->status == DCKPT_EINTERRUPTED ? DCKPT_EXIT_INTERRUPTED
                                                     : 1;
  snprintf(st.message, sizeof st.message, "%s", rep->message);
  st.pairs_total = rep->pairs_total;
  st.pairs_completed = rep->pairs_completed;
  st.iterations_run = rep->iterations_run;
  st.ranks = c->size;
  st.seconds = rep->seconds;
  st.finished_at = run_now();
  if (dckpt_store_write_run_status(c->store, &st) != DCKPT_OK && !c->status_blocked)
    dckpt_log(&c->log, DCKPT_LOG_WARN, "%s", dckpt_store_errmsg(c->store));
  /* a named run's own verdict, which no other run overwrites */
  if (dckpt_run_name_valid(c->o->run_name) && !c->status_blocked &&
      dckpt_store_write_named_status(c->store, c->o->run_name, &st) != DCKPT_OK)
    dckpt_log(&c->log, DCKPT_LOG_WARN, "%s", dckpt_store_errmsg(c->store));
}

static void tear_down(run_ctx *c) {
  if (c->sched_open) run_sched_close(&c->sched);
  run_completion_free(&c->completion);
  dckpt_index_free(c->index);
  free(c->meta_text);
  run_writer_stop(&c->writer, &c->log);
  dckpt_record_free(c->problem);
  dckpt_store_close(c->store);
  run_plan_free(&c->plan);
  free(c->shared.watch);
  if (c->o->handle_signals) run_signals_uninstall();
  MPI_Comm_free(&c->comm);
}

int dckpt_run(MPI_Comm comm, const dckpt_run_options *opts, const dckpt_algorithm *algs,
              size_t n_algs, const dckpt_record *problem, dckpt_run_report *report) {
  double start = run_now();
  run_ctx ctx, *c = &ctx;
  memset(c, 0, sizeof *c);
  MPI_Comm_dup(comm, &c->comm);
  MPI_Comm_rank(c->comm, &c->rank);
  MPI_Comm_size(c->comm, &c->size);
  char why[512];
  int orc = run_options_take(c, opts, why, sizeof why);
  opts = c->o; /* from here on, only the options as read */
  c->algs = algs;
  c->n_algs = n_algs;
  c->user_problem = problem;
  c->log = (dckpt_logger){opts->store.log, opts->store.log_ctx, opts->store.log_level};
  if (orc != DCKPT_OK) run_fail(c, orc, "%s", why);
  /* the directory's HALT stops every run; a named run's own stops it alone
   * (no directory, or a bad name: refused by set_up's check_arguments) */
  char halt[4096] = "", own_halt[4096] = "";
  if (opts->dir && *opts->dir) {
    int hrc = dckpt_halt_path(opts->dir, NULL, halt, sizeof halt);
    if (hrc == DCKPT_OK && dckpt_run_name_valid(opts->run_name))
      hrc = dckpt_halt_path(opts->dir, opts->run_name, own_halt, sizeof own_halt);
    if (hrc != DCKPT_OK)
      run_fail(c, hrc, "dir '%.200s': %s", opts->dir,
               hrc == DCKPT_ETOOBIG
                   ? "the path of its HALT file does not fit in 4096 bytes"
                   : "out of memory");
  }
  c->stop =
      (run_stop){.halt_paths = {halt[0] ? halt : NULL, own_halt[0] ? own_halt : NULL},
                 .deadline = opts->deadline,
                 .margin_fixed = opts->deadline_margin};
  if (opts->handle_signals) run_signals_install();
  int rc = set_up(c);
  if (rc == DCKPT_OK) {
    if (c->rank == 0) run_progress_start(&c->progress, opts, &c->plan, algs, n_algs);
    work(c);
    /* ranks whose last pair ended early wait here for the others' */
    dckpt_run_barrier(c->comm);
    /* every rank of this run has released its last pair */
    if (c->o->shared) {
      run_shared_last_look(c);
      run_shared_sweep(c);
    }
    if (c->rank == 0) run_progress_tick(&c->progress, &c->sched, true);
    rc = settle(c);
  }
  dckpt_run_report local, *rep = report ? report : &local;
  fill_report(c, rep, start, c->planned);
  if (c->rank == 0 && c->store && c->store_open) write_status_file(c, rep);
  tear_down(c);
  run_signal_consume(); /* the next dckpt_run starts without this request */
  return rc;
}
