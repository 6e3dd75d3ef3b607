/* The operations that commit something, as a table of steps: each row is
 * one operation of the power-loss tests (its CTest names are
 * powerloss.NAME[_none|_after_kill], tests/powerloss.cmake).
 *
 * A row says how the state before is built (steps run untraced on an empty
 * directory), the steps of the operation (run traced), and what a recovery
 * does again. The versions the run holds before and after each committing
 * step follow from the steps (commit_of below), so a row states no
 * expectation twice. Adding an operation (a container pack, metric
 * segments...): a row here, its name in tests/powerloss.cmake; a new kind of
 * call is a pl_kind (pl.h), its effect on the version in commit_of and its
 * call in step(); something pl_version does not cover yet is a field there,
 * read back in pl_recover.c's observe(). */
#define _GNU_SOURCE
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "dckpt_container.h"
#include "io/fs.h"
#include "pl.h"

/* ---- what each step commits ---- */

static bool commits(pl_kind k) {
  return k >= PL_INITIALIZE && k <= PL_UNPACK;
}

/* The version the run holds once step p has returned, from `v` before it;
 * *packed is what the last PL_PACK packed (the run an unpack brings back). */
static pl_version commit_of(pl_version v, const pl_step *p, pl_version *packed) {
  int container = v.container;
  switch (p->kind) {
  case PL_PACK:
    *packed = v;
    v.container = 1;
    break;
  case PL_UNPACK:
    v = *packed;
    v.container = container;
    break;
  case PL_REMOVE_RUN:
    v = pl_none();
    v.container = container;
    break;
  case PL_INITIALIZE: return v.run ? v : pl_fresh(1);
  case PL_SAVE:
  case PL_SAVE_LISTING: v.last[p->alg][p->trial] = p->n; break;
  case PL_MARK_COMPLETE:
    v.last[p->alg][p->trial] = p->n;
    v.complete[p->alg][p->trial] = true;
    break;
  case PL_DAMAGE: v.last[p->alg][p->trial] = p->n - 1; break;
  case PL_APPEND: v.tag = (int)p->n; break;
  case PL_SAVE_METRICS: v.metrics = (int)p->n; break;
  case PL_RUN_STATUS: v.status = (int)p->n; break;
  case PL_BACKUP: v.backups++; break;
  case PL_EXTEND: /* the grown algorithm's trials are unmarked, the metrics stale */
    v.n_trials = p->trial;
    v.iterations[p->alg] = p->n;
    for (int t = 0; t < PL_TRIALS; t++)
      v.complete[p->alg][t] = false;
    v.metrics = 0;
    break;
  default: break;
  }
  return v;
}

static void label_of(const pl_step *p, char *buf, size_t size) {
  static const char *const names[] = {
      [PL_END] = "end",
      [PL_INITIALIZE] = "initialize",
      [PL_SAVE] = "save",
      [PL_MARK_COMPLETE] = "mark_complete",
      [PL_APPEND] = "append_metadata",
      [PL_EXTEND] = "extend",
      [PL_SAVE_METRICS] = "save_metrics",
      [PL_RUN_STATUS] = "run_status.json",
      [PL_BACKUP] = "backup",
      [PL_INDEX_ADD] = "index add and commit",
      [PL_SEGMENT] = "save_segment",
      [PL_SAVE_LISTING] = "save listing segments",
      [PL_LOAD] = "load_latest",
      [PL_RESUME] = "resume from load_latest",
      [PL_RESUME_DONE] = "trial_is_complete",
      [PL_INDEX_SCAN] = "scan and index commit",
      [PL_DAMAGE] = "damage",
      [PL_PACK] = "pack",
      [PL_UNPACK] = "unpack",
      [PL_REMOVE_RUN] = "remove the run",
  };
  snprintf(buf, size, "%s (%lld, %lld, %lld)", names[p->kind], (long long)p->alg,
           (long long)p->trial, (long long)p->n);
}

/* ---- making the calls ---- */

/* A store handle making steps, and what earlier steps left for later ones. */
typedef struct runner {
  dckpt_store *s; /* opened when a step needs it */
  bool own_s;     /* opened (and closed) by the runner */
  const pl_run *r;
  pl_version v;                     /* what the run holds */
  pl_version packed;                /* what the last PL_PACK packed */
  dckpt_index *ix;                  /* from PL_INDEX_SCAN */
  int64_t held[PL_ALGS][PL_TRIALS]; /* PL_RESUME: skip steps up to this */
  bool done[PL_ALGS][PL_TRIALS];    /* PL_RESUME_DONE: skip, count as done */
} runner;

typedef enum outcome { RAN, SKIPPED, DONE_BEFORE } outcome;

static void runner_init(runner *x, dckpt_store *s, const pl_run *r, pl_version v) {
  *x = (runner){.s = s, .r = r, .v = v, .packed = pl_none()};
  for (int a = 0; a < PL_ALGS; a++)
    for (int t = 0; t < PL_TRIALS; t++)
      x->held[a][t] = -1;
}

/* The store handle, opened at the first step that needs one. */
static dckpt_store *store(runner *x) {
  if (!x->s) {
    x->s = pl_open(x->r);
    x->own_s = true;
  }
  return x->s;
}

/* Closes the runner's own handle (pack refuses a run whose lock is held). */
static void release(runner *x) {
  dckpt_index_free(x->ix);
  x->ix = NULL;
  if (x->own_s) dckpt_store_close(x->s);
  if (x->own_s) x->s = NULL;
  x->own_s = false;
}

static void say(void *ctx, dckpt_log_level level, const char *msg) {
  (void)ctx;
  if (level >= DCKPT_LOG_ERROR) fprintf(stderr, "    %s\n", msg);
}

/* The container's calls are MPI programs: one rank, in a child of its own
 * (MPI is initialized once per process, and never in the explorer). Traced
 * calls of the child go to the same trace; a kill point reached in it kills
 * this process too, as if it had been reached here. */
static int container_call(runner *x, const pl_step *p) {
  fflush(NULL);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    MPI_Init(NULL, NULL);
    int rc;
    if (p->kind == PL_PACK) {
      dckpt_pack_options o;
      dckpt_pack_options_init(&o);
      o.durability = x->r->durability;
      o.log = say;
      o.log_level = DCKPT_LOG_ERROR;
      rc = dckpt_container_pack(MPI_COMM_SELF, x->r->dir, x->r->file, &o, NULL);
    } else {
      dckpt_unpack_options o;
      dckpt_unpack_options_init(&o);
      o.durability = x->r->durability;
      o.log = say;
      o.log_level = DCKPT_LOG_ERROR;
      rc = dckpt_container_unpack(MPI_COMM_SELF, x->r->file, x->r->dir, &o, NULL);
    }
    MPI_Finalize();
    fflush(NULL);
    _exit(rc == DCKPT_OK ? 0 : 1);
  }
  int status = 0;
  CHECK_EQ(waitpid(pid, &status, 0), pid);
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) raise(SIGKILL);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? DCKPT_OK : DCKPT_EIO;
}

/* An unpack finds DIR there after a kill (the rename got that far): it
 * refuses a directory that is not empty, as a resubmitted job would. */
static bool run_there(const pl_run *r) {
  dckpt_dirlist l;
  dckpt_err e;
  if (dckpt_list_dir(r->dir, &l, &e) != DCKPT_OK) return false;
  bool there = l.count > 0;
  dckpt_dirlist_free(&l);
  return there;
}

static int remove_run(runner *x) {
  dckpt_err e;
  CHECK_OK(dckpt_remove_tree(x->r->dir, &e));
  return DCKPT_OK;
}

static int save(runner *x, const pl_step *p) {
  dckpt_record *st = p->kind == PL_SAVE_LISTING ? pl_state_listing(p->alg, p->trial, p->n)
                                                : pl_state(p->alg, p->trial, p->n);
  int rc = p->kind == PL_MARK_COMPLETE
               ? dckpt_store_mark_complete(store(x), p->alg, p->trial, p->n, st)
               : dckpt_store_save(store(x), p->alg, p->trial, p->n, st);
  dckpt_record_free(st);
  return rc;
}

/* As a job does it: initialize unless the directory holds the run already
 * (then it resumes; after a kill the first attempt may have got that far). */
static int initialize(runner *x, const pl_version *want) {
  dckpt_metadata *m = NULL;
  int rc = dckpt_store_load_metadata(store(x), &m);
  dckpt_metadata_free(m);
  if (rc == DCKPT_ENOENT) pl_initialize_with(store(x), want);
  return rc == DCKPT_ENOENT ? DCKPT_OK : rc;
}

static int load(runner *x, const pl_step *p) {
  dckpt_record *rec = NULL;
  int64_t last = -1;
  int rc = dckpt_store_load_latest(store(x), p->alg, p->trial, &rec, &last);
  dckpt_record_free(rec);
  if (p->kind == PL_RESUME) x->held[p->alg][p->trial] = last;
  return rc;
}

static int resume_done(runner *x, const pl_step *p) {
  return dckpt_store_trial_is_complete(store(x), p->alg, p->trial,
                                       &x->done[p->alg][p->trial]);
}

static int index_scan(runner *x) {
  dckpt_trial_status st[PL_ALGS * PL_TRIALS];
  dckpt_index_free(x->ix);
  x->ix = NULL;
  int rc = dckpt_store_scan(store(x), 0, st, PL_ALGS * PL_TRIALS, NULL, &x->ix);
  return rc != DCKPT_OK ? rc : dckpt_index_commit(x->ix);
}

static int index_add(runner *x, const pl_step *p) {
  CHECK(x->ix != NULL); /* a row error: PL_INDEX_ADD without PL_INDEX_SCAN */
  int rc = dckpt_index_add(x->ix, p->alg, p->trial);
  return rc != DCKPT_OK ? rc : dckpt_index_commit(x->ix);
}

/* Flips one byte inside the compressed data: bit rot a load must detect. */
static int damage(runner *x, const pl_step *p) {
  char path[1300];
  snprintf(path, sizeof path, "%s/algorithm_%lld/trial_%lld/checkpoint_%07lld.dckpt",
           x->r->dir, (long long)p->alg, (long long)p->trial, (long long)p->n);
  FILE *f = fopen(path, "r+b");
  CHECK(f != NULL);
  CHECK_EQ(fseek(f, 4000, SEEK_SET), 0);
  int c = fgetc(f);
  CHECK_EQ(fseek(f, 4000, SEEK_SET), 0);
  CHECK(fputc(c ^ 0x40, f) != EOF);
  CHECK_EQ(fclose(f), 0);
  return DCKPT_OK;
}

static int call(runner *x, const pl_step *p, const pl_version *want) {
  switch (p->kind) {
  case PL_INITIALIZE: return initialize(x, want);
  case PL_SAVE:
  case PL_SAVE_LISTING:
  case PL_MARK_COMPLETE: return save(x, p);
  case PL_SEGMENT: {
    dckpt_record *seg = pl_segment(p->alg, p->trial, p->n);
    int rc = dckpt_store_save_segment(store(x), p->alg, p->trial, p->n, seg);
    dckpt_record_free(seg);
    return rc;
  }
  case PL_APPEND: {
    char text[64];
    snprintf(text, sizeof text, "{\"tag\": %lld}", (long long)p->n);
    return dckpt_store_append_metadata(store(x), text);
  }
  case PL_EXTEND: return dckpt_store_extend(store(x), want->n_trials, want->iterations);
  case PL_SAVE_METRICS: {
    dckpt_record *m = pl_metrics((int)p->n);
    int rc = dckpt_store_save_metrics(store(x), m);
    dckpt_record_free(m);
    return rc;
  }
  case PL_RUN_STATUS: {
    dckpt_run_status st = pl_status((int)p->n);
    return dckpt_store_write_run_status(store(x), &st);
  }
  case PL_BACKUP: {
    char *path = NULL;
    int rc = dckpt_store_backup(store(x), &path);
    dckpt_free(path);
    return rc;
  }
  case PL_INDEX_ADD: return index_add(x, p);
  case PL_LOAD:
  case PL_RESUME: return load(x, p);
  case PL_RESUME_DONE: return resume_done(x, p);
  case PL_INDEX_SCAN: return index_scan(x);
  case PL_DAMAGE: return damage(x, p);
  case PL_PACK:
  case PL_UNPACK: release(x); return container_call(x, p);
  case PL_REMOVE_RUN: release(x); return remove_run(x);
  case PL_END: break;
  }
  CHECK_FAIL_("step kind %d", (int)p->kind);
}

/* Makes step p unless an earlier resume step found it made; *rc is the
 * call's status. */
static outcome step(runner *x, const pl_step *p, int *rc) {
  pl_version packed = x->packed, want = commit_of(x->v, p, &packed);
  *rc = DCKPT_OK;
  bool on_trial = p->kind == PL_SAVE || p->kind == PL_MARK_COMPLETE;
  outcome o = RAN;
  if (on_trial && x->done[p->alg][p->trial])
    o = DONE_BEFORE;
  else if (on_trial && p->n <= x->held[p->alg][p->trial])
    o = SKIPPED;
  else if (p->kind == PL_UNPACK && run_there(x->r))
    o = SKIPPED; /* found, not known durable: no mark */
  else
    *rc = call(x, p, &want);
  if (*rc == DCKPT_OK) x->v = want, x->packed = packed;
  return o;
}

static const char *errmsg(const runner *x, const pl_step *p) {
  return (p->kind == PL_INDEX_ADD || p->kind == PL_INDEX_SCAN) && x->ix
             ? dckpt_index_errmsg(x->ix)
         : x->s ? dckpt_store_errmsg(x->s)
                : "(see above)";
}

/* Makes `steps` on r's run from x's version; with `traced`, pl_ok() after
 * each committing step that returned. Fails the test on an error. */
static void run_steps(runner *x, const pl_step *steps, bool traced) {
  int version = 0, rc;
  for (const pl_step *p = steps; p->kind != PL_END; p++) {
    char label[96];
    label_of(p, label, sizeof label);
    outcome o = step(x, p, &rc);
    if (rc != DCKPT_OK) CHECK_FAIL_("%s: %s", label, errmsg(x, p));
    if (!commits(p->kind)) continue;
    version++;
    if (traced && o != SKIPPED) pl_ok(version, label);
  }
  release(x);
}

/* ---- the scenario's interface (pl.h) ---- */

void pl_scenario_setup(const pl_scenario *sc, pl_run *r) {
  runner x;
  runner_init(&x, NULL, r, pl_none());
  run_steps(&x, sc->before, false);
  r->v[0] = x.v;
  r->n_calls = 0;
  for (const pl_step *p = sc->op; p->kind != PL_END; p++) {
    if (!commits(p->kind)) continue;
    CHECK(r->n_calls < PL_CALLS);
    /* a child's calls are not counted here: only the last step may be one */
    CHECK((p->kind != PL_PACK && p->kind != PL_UNPACK) || p[1].kind == PL_END);
    r->v[r->n_calls + 1] = commit_of(r->v[r->n_calls], p, &x.packed);
    r->n_calls++;
  }
}

void pl_scenario_run(const pl_scenario *sc, const pl_run *r) {
  runner x;
  runner_init(&x, NULL, r, r->v[0]);
  run_steps(&x, sc->op, true);
}

bool pl_scenario_redo(const pl_scenario *sc, dckpt_store *s, const pl_run *r) {
  if (sc->recovery != PL_REDO) return true;
  runner x;
  runner_init(&x, s, r, r->v[0]);
  int rc = DCKPT_OK;
  for (const pl_step *p = sc->op; p->kind != PL_END && rc == DCKPT_OK; p++)
    step(&x, p, &rc);
  dckpt_index_free(x.ix);
  return rc == DCKPT_OK;
}

/* ---- the table ---- */

/* clang-format off */
#define INIT                      {PL_INITIALIZE, 0, 0, 0}
#define SAVE(a, t, i)             {PL_SAVE, a, t, i}
#define MARK(a, t, i)             {PL_MARK_COMPLETE, a, t, i}
#define LOAD(a, t)                {PL_LOAD, a, t, 0}
#define RESUME(a, t)              {PL_RESUME, a, t, 0}
#define RESUME_DONE(a, t)         {PL_RESUME_DONE, a, t, 0}
#define DAMAGE(a, t, i)           {PL_DAMAGE, a, t, i}
#define APPEND(tag)               {PL_APPEND, 0, 0, tag}
#define EXTEND(trials, a, iters)  {PL_EXTEND, a, trials, iters}
#define METRICS(v)                {PL_SAVE_METRICS, 0, 0, v}
#define STATUS(v)                 {PL_RUN_STATUS, 0, 0, v}
#define BACKUP                    {PL_BACKUP, 0, 0, 0}
#define INDEX_SCAN                {PL_INDEX_SCAN, 0, 0, 0}
#define INDEX_ADD(a, t)           {PL_INDEX_ADD, a, t, 0}
#define PACK                      {PL_PACK, 0, 0, 0}
#define UNPACK                    {PL_UNPACK, 0, 0, 0}
#define REMOVE_RUN                {PL_REMOVE_RUN, 0, 0, 0}
#define SEGMENT(a, t, seq)        {PL_SEGMENT, a, t, seq}
#define SAVE_LISTING(a, t, i)     {PL_SAVE_LISTING, a, t, i}
/* Trial (a, 0) saved up to 1, and to its end (2 is the final iteration). */
#define UPTO_1(a)   SAVE(a, 0, 0), SAVE(a, 0, 1)
#define UPTO_END(a) UPTO_1(a), MARK(a, 0, 2)
/* Everything complete and the metrics saved. */
#define COMPLETE_RUN INIT, UPTO_END(0), UPTO_END(1), METRICS(1)

const pl_scenario pl_scenarios[] = {
  {"initialize", "dckpt_store_initialize of an empty directory", 0, PL_RESUME_TRIALS,
   {{PL_END}}, {INIT}},
  {"save_first", "the first save of a trial (its directory is created)", 0,
   PL_RESUME_TRIALS, {INIT}, {SAVE(0, 0, 0)}},
  {"save", "a save after an earlier one", 0, PL_RESUME_TRIALS,
   {INIT, SAVE(0, 0, 0)}, {SAVE(0, 0, 1)}},
  {"rotate", "a save that rotates the oldest checkpoint out (keep_n 2)", 0,
   PL_RESUME_TRIALS, {INIT, UPTO_1(0)}, {SAVE(0, 0, 2)}},
  /* saving an earlier iteration again (a fallback) removes the later ones */
  {"rotate_back", "a save of an earlier iteration, removing later ones", 0,
   PL_RESUME_TRIALS, {INIT, UPTO_1(0), SAVE(0, 0, 2)}, {SAVE(0, 0, 1)}},
  /* The newest checkpoint is damaged (bit rot): the load falls back to the
   * one before and moves the bad one aside, and the trial saves its
   * iteration again (also when a rerun's load found it: a load promises
   * nothing durable, the save does). */
  {"fallback", "a load that moves a damaged checkpoint aside, and the save again",
   PL_DAMAGED_BEFORE, PL_RESUME_TRIALS, {INIT, UPTO_1(0), DAMAGE(0, 0, 1)},
   {LOAD(0, 0), SAVE(0, 0, 1)}},
  /* as the run loop does it: from where the trial stands */
  {"trial", "a trial from start to end: save, save, mark_complete", 0,
   PL_RESUME_TRIALS, {INIT}, {RESUME(1, 0), UPTO_END(1)}},
  {"mark_complete", "mark_complete: the final save and complete.json", 0,
   PL_RESUME_TRIALS, {INIT, UPTO_1(0)}, {MARK(0, 0, 2)}},
  /* the final iteration was saved by another handle (a periodic checkpoint) */
  {"mark_saved", "mark_complete of a final iteration another handle saved", 0,
   PL_RESUME_TRIALS, {INIT, UPTO_1(0), SAVE(0, 0, 2)}, {MARK(0, 0, 2)}},
  /* the results, loaded after recovery, hold algorithm 1 whole or not at all */
  {"result", "the last trial's mark_complete; results loaded after recovery", 0,
   PL_RESUME_TRIALS, {INIT, UPTO_END(0), UPTO_1(1)}, {MARK(1, 0, 2)}},
  {"append_metadata", "dckpt_store_append_metadata", 0, PL_REDO, {INIT}, {APPEND(1)}},
  {"extend", "dckpt_store_extend: a trial and an iteration more", PL_MAY_UNMARK, PL_REDO,
   {COMPLETE_RUN}, {EXTEND(2, 0, 4)}},
  {"save_metrics", "dckpt_store_save_metrics replacing earlier metrics", 0,
   PL_RESUME_TRIALS, {COMPLETE_RUN}, {METRICS(2)}},
  {"run_status", "run_status.json replaced (dckpt_store_write_run_status)", 0,
   PL_RESUME_TRIALS, {INIT, STATUS(1)}, {STATUS(2)}},
  /* as rank 0 of a resumed run: commit what a scan found, complete the pair
   * unless found complete, add it to the index */
  {"index", "a completion and the completion index commit after it", 0,
   PL_RESUME_TRIALS, {INIT, UPTO_END(0), UPTO_1(1), INDEX_SCAN},
   {INDEX_SCAN, RESUME_DONE(1, 0), MARK(1, 0, 2), INDEX_ADD(1, 0)}},
  /* the grown pairs leave the index before their markers go */
  {"index_extend", "dckpt_store_extend of an indexed run: pairs leave the index",
   PL_MAY_UNMARK, PL_REDO, {COMPLETE_RUN, INDEX_SCAN}, {EXTEND(2, 0, 4)}},
  /* always synced; a rerun makes a second archive */
  {"backup", "dckpt_store_backup", PL_FULL_ONLY | PL_NO_KILL, PL_RESUME_TRIALS,
   {INIT, UPTO_1(0)}, {BACKUP}},
  /* FILE.h5 of a run with a complete and an unfinished trial: DIR intact,
   * FILE.h5 absent (or refused) or complete and verified */
  {"pack", "dckpt_container_pack of a run into FILE.h5 (one rank)", 0,
   PL_RESUME_TRIALS, {INIT, UPTO_END(0), UPTO_1(1)}, {PACK}},
  /* the directory back from FILE.h5: absent, or the whole run, resumable */
  {"unpack", "dckpt_container_unpack of FILE.h5 into a fresh DIR (one rank)",
   PL_WHOLE, PL_RESUME_TRIALS, {INIT, UPTO_END(0), UPTO_1(1), PACK, REMOVE_RUN},
   {UNPACK}},
  /* metric history in segments: a segment, then the checkpoint that lists
   * it (the checkpoint before lists one segment fewer) */
  {"segment", "a metric segment and the checkpoint that lists it", 0, PL_RESUME_TRIALS,
   {INIT, SEGMENT(0, 0, 0), SAVE_LISTING(0, 0, 1)},
   {SEGMENT(0, 0, 1), SAVE_LISTING(0, 0, 2)}},
  /* the final state carries the whole history: complete.json, then the
   * trial's segments are removed */
  {"segment_complete", "mark_complete of a trial with segments, which it removes", 0,
   PL_RESUME_TRIALS, {INIT, SEGMENT(0, 0, 0), SAVE_LISTING(0, 0, 1)}, {MARK(0, 0, 2)}},
  {NULL},
};
/* clang-format on */
