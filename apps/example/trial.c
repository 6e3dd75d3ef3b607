/* Running one (algorithm, trial) pair through the store: resume from its
 * newest checkpoint or start from its own seed, iterate, checkpoint when the
 * store says so or when a stop is requested, and mark it complete at the end.
 *
 * A checkpoint holds everything the next iteration depends on -- the iterate,
 * the previous iterate (momentum) and the PRNG state -- plus the loss history
 * so far, so that a resumed trial continues exactly as an uninterrupted one. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "example.h"

typedef struct trial_state {
  double *x, *x_prev; /* n each */
  double *loss;       /* loss[k] = f(x) after iteration k; `iterations` entries */
  dckpt_rng rng;
  int64_t next; /* first iteration still to run */
} trial_state;

typedef struct trial_id {
  int64_t alg, trial;
  char tag[96]; /* "[nesterov 2/4]" */
} trial_id;

static int state_alloc(trial_state *st, size_t n, int64_t iterations) {
  st->x = malloc(n * sizeof *st->x);
  st->x_prev = malloc(n * sizeof *st->x_prev);
  st->loss = malloc((size_t)iterations * sizeof *st->loss);
  return st->x && st->x_prev && st->loss ? 0 : -1;
}

static void state_free(trial_state *st) {
  free(st->x);
  free(st->x_prev);
  free(st->loss);
}

/* Builds the checkpoint record of iteration k (arrays borrowed from st) and
 * saves it; `final` marks the trial complete. */
static int save_state(ex_run *run, const trial_id *id, int64_t k, const trial_state *st,
                      bool final) {
  uint64_t n = run->problem.n, four = 4, len = (uint64_t)k + 1;
  char header[160];
  snprintf(header, sizeof header,
           "{\"algorithm\":\"%s\",\"trial\":%" PRId64 ",\"iteration\":%" PRId64 "}",
           ex_algorithm_name((size_t)id->alg), id->trial, k);
  dckpt_record *rec = dckpt_record_create();
  int rc = rec ? DCKPT_OK : DCKPT_ENOMEM;
  if (rc == DCKPT_OK) rc = dckpt_record_put_ref(rec, "x", DCKPT_F64, 1, &n, st->x);
  if (rc == DCKPT_OK)
    rc = dckpt_record_put_ref(rec, "x_prev", DCKPT_F64, 1, &n, st->x_prev);
  if (rc == DCKPT_OK)
    rc = dckpt_record_put_ref(rec, "rng_state", DCKPT_U64, 1, &four, st->rng.s);
  if (rc == DCKPT_OK)
    rc = dckpt_record_put_ref(rec, "loss", DCKPT_F64, 1, &len, st->loss);
  if (rc == DCKPT_OK) rc = dckpt_record_set_header(rec, header);
  if (rc == DCKPT_OK)
    rc = final ? dckpt_store_mark_complete(run->store, id->alg, id->trial, k, rec)
               : dckpt_store_save(run->store, id->alg, id->trial, k, rec);
  if (rc != DCKPT_OK && rec && dckpt_record_errmsg(rec)[0])
    fprintf(stderr, "dckpt-example: %s checkpoint record: %s\n", id->tag,
            dckpt_record_errmsg(rec));
  else if (rc != DCKPT_OK)
    ex_store_error(run->store, final ? "mark complete" : "save checkpoint", rc);
  dckpt_record_free(rec);
  return rc;
}

/* A fresh trial: its own PRNG stream, a random starting point, no history. */
static void start_fresh(const ex_run *run, const trial_id *id, trial_state *st) {
  dckpt_rng_seed(&st->rng, dckpt_pair_seed(run->seed, id->alg, id->trial));
  for (size_t j = 0; j < run->problem.n; j++)
    st->x[j] = dckpt_rng_normal(&st->rng);
  memcpy(st->x_prev, st->x, run->problem.n * sizeof *st->x);
  st->next = 0;
}

/* Copies the arrays of a checkpoint of iteration `iter` into st. */
static int get_state(const ex_run *run, const trial_id *id, const dckpt_record *rec,
                     int64_t iter, trial_state *st) {
  uint64_t n = run->problem.n;
  if (iter >= run->iterations) {
    fprintf(stderr,
            "dckpt-example: %s has a checkpoint of iteration %" PRId64
            ", beyond the planned %" PRId64 " iterations\n",
            id->tag, iter, run->iterations);
    return -1;
  }
  char what[160];
  snprintf(what, sizeof what, "%s checkpoint of iteration %" PRId64, id->tag, iter);
  int rc = ex_get(rec, what, "x", DCKPT_F64, st->x, n);
  if (rc == DCKPT_OK) rc = ex_get(rec, what, "x_prev", DCKPT_F64, st->x_prev, n);
  if (rc == DCKPT_OK) rc = ex_get(rec, what, "rng_state", DCKPT_U64, st->rng.s, 4);
  if (rc == DCKPT_OK)
    rc = ex_get(rec, what, "loss", DCKPT_F64, st->loss, (uint64_t)iter + 1);
  if (rc != DCKPT_OK) return -1;
  st->next = iter + 1;
  return 0;
}

/* Restores st from the newest checkpoint that verifies, or starts fresh. */
static int restore_state(ex_run *run, const trial_id *id, trial_state *st) {
  dckpt_record *rec = NULL;
  int64_t iter = -1;
  int rc = dckpt_store_load_latest(run->store, id->alg, id->trial, &rec, &iter);
  if (rc != DCKPT_OK) {
    ex_store_error(run->store, "load checkpoint", rc);
    return -1;
  }
  if (!rec) {
    start_fresh(run, id, st);
    return 0;
  }
  int status = get_state(run, id, rec, iter, st);
  dckpt_record_free(rec);
  if (status == 0)
    printf("%s resuming from the checkpoint of iteration %" PRId64 "\n", id->tag, iter);
  return status;
}

static void pause_us(long us) {
  if (us <= 0) return;
  struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};
  nanosleep(&ts, NULL); /* a signal cuts it short; the flag is checked next */
}

/* Runs iterations st->next .. K-1, checkpointing on the store's schedule.
 * @return EX_EXIT_OK, EX_EXIT_INTERRUPTED or EX_EXIT_FAIL. */
static int iterate(ex_run *run, const trial_id *id, trial_state *st, ex_workspace *ws) {
  const lsq_problem *p = &run->problem;
  const ex_step_params *params = &run->params[id->alg];
  int64_t last = run->iterations - 1, every = run->opts->progress;
  for (int64_t k = st->next; k <= last; k++) {
    ex_iterate((size_t)id->alg, params, p, run->batch, &st->rng, st->x, st->x_prev, ws);
    st->loss[k] = lsq_loss(p, st->x);
    pause_us(run->opts->sleep_us);
    if (k == last) break;
    bool due = false, stop = ex_stop_requested != 0;
    if (dckpt_store_should_checkpoint(run->store, k, &due) != DCKPT_OK) due = true;
    if ((due || stop) && save_state(run, id, k, st, false) != DCKPT_OK)
      return EX_EXIT_FAIL;
    if (every > 0 && (k + 1) % every == 0)
      printf("%s iteration %" PRId64 ", loss %.6e\n", id->tag, k, st->loss[k]);
    if (stop) {
      printf("%s stop requested: checkpoint of iteration %" PRId64 " saved\n", id->tag,
             k);
      return EX_EXIT_INTERRUPTED;
    }
  }
  if (save_state(run, id, last, st, true) != DCKPT_OK) return EX_EXIT_FAIL;
  printf("%s iteration %" PRId64 ": complete, final loss %.6e\n", id->tag, last,
         st->loss[last]);
  return EX_EXIT_OK;
}

static int run_trial(ex_run *run, const trial_id *id, ex_workspace *ws) {
  trial_state st = {0};
  int status = EX_EXIT_FAIL;
  if (state_alloc(&st, run->problem.n, run->iterations) != 0)
    fprintf(stderr, "dckpt-example: out of memory\n");
  else if (restore_state(run, id, &st) == 0)
    status = iterate(run, id, &st, ws);
  state_free(&st);
  return status;
}

/* Prints how many trials an earlier run completed (they are skipped). */
static int report_complete(ex_run *run) {
  size_t done = 0;
  for (int64_t a = 0; a < EX_N_ALGORITHMS; a++) {
    int64_t *trials = NULL;
    size_t count = 0;
    int rc = dckpt_store_completed_trials(run->store, a, run->n_trials, &trials, &count);
    if (rc != DCKPT_OK) return ex_store_error(run->store, "list completed trials", rc);
    dckpt_free(trials);
    done += count;
  }
  if (done > 0)
    printf("%zu of %" PRId64 " trials are already complete; they are not run again\n",
           done, (int64_t)EX_N_ALGORITHMS * run->n_trials);
  return EX_EXIT_OK;
}

/* Runs (alg, trial) unless it is complete. */
static int visit(ex_run *run, int64_t alg, int64_t trial, ex_workspace *ws) {
  bool complete = false;
  int rc = dckpt_store_trial_is_complete(run->store, alg, trial, &complete);
  if (rc != DCKPT_OK) return ex_store_error(run->store, "read completion marker", rc);
  if (complete) return EX_EXIT_OK;
  trial_id id = {.alg = alg, .trial = trial};
  snprintf(id.tag, sizeof id.tag, "[%s %" PRId64 "/%" PRId64 "]",
           ex_algorithm_name((size_t)alg), trial + 1, run->n_trials);
  return run_trial(run, &id, ws);
}

int ex_run_all(ex_run *run) {
  int status = report_complete(run);
  if (status != EX_EXIT_OK) return status;
  ex_workspace ws;
  if (ex_workspace_alloc(&ws, run->problem.m, run->problem.n) != 0) {
    fprintf(stderr, "dckpt-example: out of memory\n");
    return EX_EXIT_FAIL;
  }
  for (int64_t a = 0; status == EX_EXIT_OK && a < EX_N_ALGORITHMS; a++)
    for (int64_t t = 0; status == EX_EXIT_OK && t < run->n_trials; t++)
      status = ex_stop_requested ? EX_EXIT_INTERRUPTED : visit(run, a, t, &ws);
  ex_workspace_free(&ws);
  return status;
}
