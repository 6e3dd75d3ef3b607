/* The operations that commit something, each as a scenario of the
 * power-loss tests.
 *
 * Adding one (the completion index, a container pack, metric segments...):
 *  1. a setup that builds the state before with the untraced helpers
 *     (pl_initialize, pl_advance, or the store API) and fills r->v[0] with
 *     it, then r->v[1..n_calls] with the version after each call;
 *  2. the traced operation: open with pl_open(r), make the calls, and after
 *     each one that returned DCKPT_OK pl_ok(i, ...) with the version v[i]
 *     the run now holds, close;
 *  3. optionally a redo: what a resubmitted job calls again (idempotent);
 *  4. a line in pl_scenarios[] below and the name in tests/powerloss.cmake.
 * If the operation commits something pl_version does not cover yet, add a
 * field to it and read it back in pl_recover.c's observe(). */
#define _GNU_SOURCE
#include <stdio.h>

#include "check.h"
#include "pl.h"

#define OK(s, call)                                                                      \
  do {                                                                                   \
    int pl_rc_ = (call);                                                                 \
    if (pl_rc_ != DCKPT_OK) CHECK_FAIL_("%s: %s", #call, dckpt_store_errmsg(s));         \
  } while (0)

static void save(dckpt_store *s, int64_t a, int64_t t, int64_t i, bool complete) {
  dckpt_record *st = pl_state(a, t, i);
  if (complete)
    OK(s, dckpt_store_mark_complete(s, a, t, i, st));
  else
    OK(s, dckpt_store_save(s, a, t, i, st));
  dckpt_record_free(st);
}

/* The versions after each of `calls` calls start as copies of v[0]; the
 * setups then change what each call commits. */
static void after(pl_run *r, int calls) {
  r->n_calls = calls;
  for (int i = 1; i <= calls; i++)
    r->v[i] = r->v[i - 1];
}

/* ---- initialize ---- */

static void initialize_setup(pl_run *r) {
  r->v[0] = pl_none();
  after(r, 1);
  r->v[1] = pl_fresh(1);
}

/* As a job does it: initialize unless the directory holds the run already
 * (then it resumes; after a kill the first attempt may have got that far). */
static void initialize_op(pl_run *r) {
  dckpt_store *s = pl_open(r);
  dckpt_metadata *m = NULL;
  int rc = dckpt_store_load_metadata(s, &m);
  dckpt_metadata_free(m);
  if (rc == DCKPT_ENOENT)
    pl_initialize_with(s, &r->v[1]);
  else if (rc != DCKPT_OK)
    CHECK_FAIL_("load_metadata: %s", dckpt_store_errmsg(s));
  pl_ok(1, "initialize");
  dckpt_store_close(s);
}

/* ---- saves ---- */

static void fresh_run(pl_run *r) {
  r->v[0] = pl_fresh(1);
  pl_initialize(r, &r->v[0]);
}

static void save_first_setup(pl_run *r) {
  fresh_run(r);
  after(r, 1);
  r->v[1].last[0][0] = 0;
}

static void save_first_op(pl_run *r) {
  dckpt_store *s = pl_open(r);
  save(s, 0, 0, 0, false);
  pl_ok(1, "save 0");
  dckpt_store_close(s);
}

static void save_setup(pl_run *r) {
  fresh_run(r);
  pl_advance(r, &r->v[0], 0, 0, 0);
  after(r, 1);
  r->v[1].last[0][0] = 1;
}

static void save_op(pl_run *r) {
  dckpt_store *s = pl_open(r);
  save(s, 0, 0, 1, false);
  pl_ok(1, "save 1");
  dckpt_store_close(s);
}

/* keep_n = 2: saving iteration 2 rotates iteration 0 out. */
static void rotate_setup(pl_run *r) {
  fresh_run(r);
  pl_advance(r, &r->v[0], 0, 0, 1);
  after(r, 1);
  r->v[1].last[0][0] = 2;
}

static void rotate_op(pl_run *r) {
  dckpt_store *s = pl_open(r);
  save(s, 0, 0, 2, false);
  pl_ok(1, "save 2");
  dckpt_store_close(s);
}

/* Saving an earlier iteration again (a fallback) removes the later ones. */
static void rotate_back_setup(pl_run *r) {
  fresh_run(r);
  dckpt_store *s = pl_open(r);
  for (int64_t i = 0; i <= 2; i++)
    save(s, 0, 0, i, false);
  dckpt_store_close(s);
  r->v[0].last[0][0] = 2;
  after(r, 1);
  r->v[1].last[0][0] = 1;
}

static void rotate_back_op(pl_run *r) {
  dckpt_store *s = pl_open(r);
  save(s, 0, 0, 1, false);
  pl_ok(1, "save 1 again");
  dckpt_store_close(s);
}

/* A trial from its start to its end, with a mark after every save. */
static void trial_setup(pl_run *r) {
  fresh_run(r);
  after(r, 3);
  for (int i = 1; i <= 3; i++)
    r->v[i].last[1][0] = i - 1;
  r->v[3].complete[1][0] = true;
}

/* As the run loop does it: from where the trial stands (a killed first
 * attempt may have got some way). */
static void trial_op(pl_run *r) {
  dckpt_store *s = pl_open(r);
  dckpt_record *rec = NULL;
  int64_t last = -1;
  OK(s, dckpt_store_load_latest(s, 1, 0, &rec, &last));
  dckpt_record_free(rec);
  for (int64_t i = last + 1; i < 3; i++) {
    save(s, 1, 0, i, i == 2);
    pl_ok((int)i + 1, i == 2 ? "mark_complete 2" : "save");
  }
  dckpt_store_close(s);
}

/* The newest checkpoint is damaged (bit rot): the load falls back to the one
 * before and moves the bad one aside, and the trial saves its iteration
 * again. */
static void fallback_setup(pl_run *r) {
  fresh_run(r);
  pl_advance(r, &r->v[0], 0, 0, 1);
  char path[1300];
  snprintf(path, sizeof path, "%s/algorithm_0/trial_0/checkpoint_0000001.dckpt", r->dir);
  FILE *f = fopen(path, "r+b");
  CHECK(f != NULL);
  CHECK_EQ(fseek(f, 4000, SEEK_SET), 0);
  int c = fgetc(f);
  CHECK_EQ(fseek(f, 4000, SEEK_SET), 0);
  CHECK(fputc(c ^ 0x40, f) != EOF);
  CHECK_EQ(fclose(f), 0);
  r->v[0].last[0][0] = 0; /* what a load finds now */
  after(r, 1);
  r->v[1].last[0][0] = 1;
}

static void fallback_op(pl_run *r) {
  dckpt_store *s = pl_open(r);
  dckpt_record *rec = NULL;
  int64_t last = -1;
  OK(s, dckpt_store_load_latest(s, 0, 0, &rec, &last));
  dckpt_record_free(rec);
  /* A load promises nothing durable (after a kill it may have found the
   * rewritten checkpoint in the page cache only): the save of 1 does, also
   * when the load found it. */
  for (int64_t i = last < 1 ? last + 1 : 1; i <= 1; i++)
    save(s, 0, 0, i, false);
  pl_ok(1, "fallback and save 1 again");
  dckpt_store_close(s);
}

/* ---- completion ---- */

static void mark_complete_setup(pl_run *r) {
  fresh_run(r);
  pl_advance(r, &r->v[0], 0, 0, 1);
  after(r, 1);
  r->v[1].last[0][0] = 2;
  r->v[1].complete[0][0] = true;
}

static void mark_complete_op(pl_run *r) {
  dckpt_store *s = pl_open(r);
  save(s, 0, 0, 2, true);
  pl_ok(1, "mark_complete 2");
  dckpt_store_close(s);
}

/* The final iteration was saved by another handle (a periodic checkpoint);
 * marking it complete finds it committed and only adds complete.json. */
static void mark_saved_setup(pl_run *r) {
  fresh_run(r);
  dckpt_store *s = pl_open(r);
  for (int64_t i = 0; i <= 2; i++)
    save(s, 0, 0, i, false);
  dckpt_store_close(s);
  r->v[0].last[0][0] = 2;
  after(r, 1);
  r->v[1].complete[0][0] = true;
}

/* The whole run complete but trial (1, 0), whose end is the operation; the
 * results, loaded after recovery, must hold algorithm 1 whole or not at all. */
static void result_setup(pl_run *r) {
  fresh_run(r);
  pl_advance(r, &r->v[0], 0, 0, 2);
  pl_advance(r, &r->v[0], 1, 0, 1);
  after(r, 1);
  r->v[1].last[1][0] = 2;
  r->v[1].complete[1][0] = true;
}

static void result_op(pl_run *r) {
  dckpt_store *s = pl_open(r);
  save(s, 1, 0, 2, true);
  pl_ok(1, "mark_complete (1, 0)");
  dckpt_store_close(s);
}

/* ---- metadata ---- */

static void append_setup(pl_run *r) {
  fresh_run(r);
  after(r, 1);
  r->v[1].tag = 1;
}

static bool append_redo(dckpt_store *s, const pl_run *r) {
  (void)r;
  return dckpt_store_append_metadata(s, "{\"tag\": 1}") == DCKPT_OK;
}

static void append_op(pl_run *r) {
  dckpt_store *s = pl_open(r);
  OK(s, dckpt_store_append_metadata(s, "{\"tag\": 1}"));
  pl_ok(1, "append_metadata");
  dckpt_store_close(s);
}

/* Everything complete and the metrics saved; then one more trial and one
 * more iteration for algorithm 0: its trials are unmarked, the metrics are
 * no longer complete. */
static void complete_run(pl_run *r) {
  fresh_run(r);
  for (int64_t a = 0; a < PL_ALGS; a++)
    pl_advance(r, &r->v[0], a, 0, 2);
  dckpt_store *s = pl_open(r);
  dckpt_record *m = pl_metrics(1);
  OK(s, dckpt_store_save_metrics(s, m));
  dckpt_record_free(m);
  dckpt_store_close(s);
  r->v[0].metrics = 1;
}

static void extend_setup(pl_run *r) {
  complete_run(r);
  after(r, 1);
  r->v[1].n_trials = 2;
  r->v[1].iterations[0] = 4;
  r->v[1].complete[0][0] = false;
  r->v[1].metrics = 0;
}

static bool extend_redo(dckpt_store *s, const pl_run *r) {
  const int64_t iters[PL_ALGS] = {r->v[1].iterations[0], r->v[1].iterations[1]};
  return dckpt_store_extend(s, r->v[1].n_trials, iters) == DCKPT_OK;
}

static void extend_op(pl_run *r) {
  dckpt_store *s = pl_open(r);
  if (!extend_redo(s, r)) CHECK_FAIL_("extend: %s", dckpt_store_errmsg(s));
  pl_ok(1, "extend");
  dckpt_store_close(s);
}

static void metrics_setup(pl_run *r) {
  complete_run(r);
  after(r, 1);
  r->v[1].metrics = 2;
}

static void metrics_op(pl_run *r) {
  dckpt_store *s = pl_open(r);
  dckpt_record *m = pl_metrics(2);
  OK(s, dckpt_store_save_metrics(s, m));
  pl_ok(1, "save_metrics");
  dckpt_record_free(m);
  dckpt_store_close(s);
}

/* ---- the completion index ---- */

/* Commits the run's completion index as a resumed run does: what a scan
 * found, then each pair as it completes. */
static dckpt_index *index_scan(dckpt_store *s) {
  dckpt_trial_status st[PL_ALGS * PL_TRIALS];
  dckpt_index *ix = NULL;
  OK(s, dckpt_store_scan(s, 0, st, PL_ALGS * PL_TRIALS, NULL, &ix));
  return ix;
}

static void index_commit(dckpt_index *ix) {
  if (dckpt_index_commit(ix) != DCKPT_OK)
    CHECK_FAIL_("index: %s", dckpt_index_errmsg(ix));
}

/* Trial (0, 0) complete and indexed; the operation completes (1, 0) and
 * adds it to the index, as rank 0 of a run does after each completion. */
static void index_setup(pl_run *r) {
  fresh_run(r);
  pl_advance(r, &r->v[0], 0, 0, 2);
  pl_advance(r, &r->v[0], 1, 0, 1);
  dckpt_store *s = pl_open(r);
  dckpt_index *ix = index_scan(s);
  index_commit(ix);
  dckpt_index_free(ix);
  dckpt_store_close(s);
  after(r, 2);
  r->v[1].last[1][0] = 2;
  r->v[1].complete[1][0] = true;
  r->v[2] = r->v[1];
}

static void index_op(pl_run *r) {
  dckpt_store *s = pl_open(r);
  dckpt_index *ix = index_scan(s);
  index_commit(ix);  /* what the scan rebuilt (after a kill: maybe more) */
  bool done = false; /* as the runtime: a pair found complete is not redone */
  OK(s, dckpt_store_trial_is_complete(s, 1, 0, &done));
  if (!done) save(s, 1, 0, 2, true);
  pl_ok(1, "mark_complete (1, 0)");
  if (dckpt_index_add(ix, 1, 0) != DCKPT_OK) CHECK_FAIL_("index_add (1, 0)");
  index_commit(ix);
  pl_ok(2, "index commit (1, 0)");
  dckpt_index_free(ix);
  dckpt_store_close(s);
}

/* The whole run complete and indexed; extend grows algorithm 0, whose pairs
 * leave the index before their markers go. */
static void index_extend_setup(pl_run *r) {
  complete_run(r);
  dckpt_store *s = pl_open(r);
  dckpt_index *ix = index_scan(s);
  index_commit(ix);
  dckpt_index_free(ix);
  dckpt_store_close(s);
  after(r, 1);
  r->v[1].n_trials = 2;
  r->v[1].iterations[0] = 4;
  r->v[1].complete[0][0] = false;
  r->v[1].metrics = 0;
}

/* ---- files beside the checkpoints ---- */

static void status_setup(pl_run *r) {
  fresh_run(r);
  dckpt_run_status st = pl_status(1);
  dckpt_store *s = pl_open(r);
  OK(s, dckpt_store_write_run_status(s, &st));
  dckpt_store_close(s);
  r->v[0].status = 1;
  after(r, 1);
  r->v[1].status = 2;
}

static void status_op(pl_run *r) {
  dckpt_run_status st = pl_status(2);
  dckpt_store *s = pl_open(r);
  OK(s, dckpt_store_write_run_status(s, &st));
  pl_ok(1, "run_status.json");
  dckpt_store_close(s);
}

static void backup_setup(pl_run *r) {
  fresh_run(r);
  pl_advance(r, &r->v[0], 0, 0, 1);
  after(r, 1);
  r->v[1].backups = 1;
}

static void backup_op(pl_run *r) {
  dckpt_store *s = pl_open(r);
  char *path = NULL;
  OK(s, dckpt_store_backup(s, &path));
  pl_ok(1, "backup");
  dckpt_free(path);
  dckpt_store_close(s);
}

/* ---- the table ---- */

#define SCENARIO(id, text, ...)                                                          \
  static const pl_scenario id##_scenario = {#id, text, __VA_ARGS__}

SCENARIO(initialize, "dckpt_store_initialize of an empty directory", initialize_setup,
         initialize_op, NULL, 0);
SCENARIO(save_first, "the first save of a trial (its directory is created)",
         save_first_setup, save_first_op, NULL, 0);
SCENARIO(save, "a save after an earlier one", save_setup, save_op, NULL, 0);
SCENARIO(rotate, "a save that rotates the oldest checkpoint out (keep_n 2)", rotate_setup,
         rotate_op, NULL, 0);
SCENARIO(rotate_back, "a save of an earlier iteration, removing later ones",
         rotate_back_setup, rotate_back_op, NULL, 0);
SCENARIO(fallback, "a load that moves a damaged checkpoint aside, and the save again",
         fallback_setup, fallback_op, NULL, PL_DAMAGED_BEFORE);
SCENARIO(trial, "a trial from start to end: save, save, mark_complete", trial_setup,
         trial_op, NULL, 0);
SCENARIO(mark_complete, "mark_complete: the final save and complete.json",
         mark_complete_setup, mark_complete_op, NULL, 0);
SCENARIO(mark_saved, "mark_complete of a final iteration another handle saved",
         mark_saved_setup, mark_complete_op, NULL, 0);
SCENARIO(result, "the last trial's mark_complete; results loaded after recovery",
         result_setup, result_op, NULL, 0);
SCENARIO(append_metadata, "dckpt_store_append_metadata", append_setup, append_op,
         append_redo, 0);
SCENARIO(extend, "dckpt_store_extend: a trial and an iteration more", extend_setup,
         extend_op, extend_redo, PL_MAY_UNMARK);
SCENARIO(save_metrics, "dckpt_store_save_metrics replacing earlier metrics",
         metrics_setup, metrics_op, NULL, 0);
SCENARIO(run_status, "run_status.json replaced (dckpt_store_write_run_status)",
         status_setup, status_op, NULL, 0);
SCENARIO(index, "a completion and the completion index commit after it", index_setup,
         index_op, NULL, 0);
SCENARIO(index_extend, "dckpt_store_extend of an indexed run: pairs leave the index",
         index_extend_setup, extend_op, extend_redo, PL_MAY_UNMARK);
SCENARIO(backup, "dckpt_store_backup", backup_setup, backup_op, NULL,
         PL_FULL_ONLY | PL_NO_KILL);

const pl_scenario *const pl_scenarios[] = {
    &initialize_scenario,   &save_first_scenario,      &save_scenario,
    &rotate_scenario,       &rotate_back_scenario,     &fallback_scenario,
    &trial_scenario,        &mark_complete_scenario,   &mark_saved_scenario,
    &result_scenario,       &append_metadata_scenario, &extend_scenario,
    &save_metrics_scenario, &run_status_scenario,      &index_scenario,
    &index_extend_scenario, &backup_scenario,          NULL};
