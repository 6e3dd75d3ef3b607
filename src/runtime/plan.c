/* Rank 0's set-up: start a new run or check that DIR holds this campaign,
 * grow it as asked, and list the pairs that still have work, longest first. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/run_ctx.h"
#include "util/json.h"
#include "util/utf8.h"

void run_plan_free(run_plan *p) {
  free(p->iterations);
  free(p->alg_done);
  free(p->pending);
  memset(p, 0, sizeof *p);
}

/* benchmark_metadata of a new run: the user's object plus what the runtime
 * must find again on resume (hyperparameters, metrics period); NULL when the
 * user's is not an object or holds one of those two keys, which a resume
 * would then read as the runtime's. */
static char *run_metadata_json(const run_ctx *c) {
  static const char *const reserved[] = {"algorithm_hyperparameters", "metrics_period"};
  cJSON *bm = run_app_object(c->o->benchmark_metadata, reserved, 2);
  if (!bm) return NULL;
  cJSON *hp = cJSON_AddObjectToObject(bm, "algorithm_hyperparameters");
  for (size_t a = 0; hp && a < c->n_algs; a++) {
    const char *h = c->algs[a].hyperparameters;
    cJSON *item = h ? cJSON_Parse(h) : cJSON_CreateObject();
    if (!item) item = cJSON_CreateObject();
    cJSON_AddItemToObject(hp, c->algs[a].name, item);
  }
  cJSON_AddNumberToObject(bm, "metrics_period", (double)c->o->metrics_period);
  char *text = cJSON_PrintUnformatted(bm);
  cJSON_Delete(bm);
  return text;
}

/* A caller's string bound for metadata.json (names, JSON texts) must be
 * UTF-8: cJSON would copy other bytes as they are (docs/api.md). */
static int check_utf8(run_ctx *c, const char *text, const char *what) {
  char msg[512];
  if (!text || dckpt_utf8_for_json(text, what, msg, sizeof msg)) return DCKPT_OK;
  return run_fail(c, DCKPT_EINVAL, "%s", msg);
}

/* A caller's JSON text that the run records (re-printed by cJSON) must be
 * exactly one object that every reader reads alike: else bytes after it
 * would be dropped, 1e999 recorded as null, and of a key given twice one
 * value kept, silently (util/json.h, the record header's rule). */
static int check_json(run_ctx *c, const char *text, const char *what) {
  if (!text) return DCKPT_OK;
  dckpt_err err;
  dckpt_err_clear(&err);
  cJSON *o = NULL;
  int rc = dckpt_json_parse_caller_object(text, what, &o, &err);
  cJSON_Delete(o);
  return rc == DCKPT_OK ? rc : run_fail(c, rc, "%s", err.msg);
}

/* Every string of a new run's plan that it records, named. Checked when the
 * run starts only: a resume of a run written before this rule passes its
 * names and texts again, compared with what the run holds. */
static int check_plan_texts(run_ctx *c) {
  DCKPT_TRY(check_json(c, c->o->benchmark_metadata, "benchmark_metadata"));
  DCKPT_TRY(check_json(c, c->o->campaign, "campaign"));
  for (size_t a = 0; a < c->n_algs; a++) {
    const dckpt_algorithm *al = &c->algs[a];
    char what[96];
    snprintf(what, sizeof what, "the name of algorithm %zu", a);
    DCKPT_TRY(check_utf8(c, al->name, what));
    snprintf(what, sizeof what, "the config of algorithm %zu", a);
    DCKPT_TRY(check_json(c, al->config, what));
    snprintf(what, sizeof what, "the hyperparameters text of algorithm %zu", a);
    DCKPT_TRY(check_json(c, al->hyperparameters, what));
    for (int m = 0; al->metric_names && m < al->n_metrics; m++) {
      snprintf(what, sizeof what, "metric name %d of algorithm %zu", m, a);
      DCKPT_TRY(check_utf8(c, al->metric_names[m], what));
    }
  }
  return DCKPT_OK;
}

static int start_new_run(run_ctx *c) {
  if (!c->user_problem)
    return run_fail(c, DCKPT_EINVAL, "a new run needs a problem record on rank 0");
  DCKPT_TRY(check_plan_texts(c));
  dckpt_metadata m;
  memset(&m, 0, sizeof m);
  m.n_trials = c->o->n_trials + c->o->add_trials;
  m.n_algorithms = c->n_algs;
  m.algorithms = calloc(c->n_algs, sizeof *m.algorithms);
  m.benchmark_metadata = run_metadata_json(c);
  m.has_seed = true;
  m.rng_seed = c->o->seed;
  dckpt_record *initial = dckpt_record_create();
  int rc = DCKPT_OK;
  if (!m.algorithms || !initial)
    rc = run_fail(c, DCKPT_ENOMEM, "out of memory");
  else if (!m.benchmark_metadata)
    rc = run_fail(c, DCKPT_EINVAL,
                  "benchmark_metadata must be a JSON object without the keys "
                  "\"algorithm_hyperparameters\" or \"metrics_period\" (the runtime "
                  "records those)");
  for (size_t a = 0; rc == DCKPT_OK && a < c->n_algs; a++) {
    m.algorithms[a].name = c->algs[a].name;
    m.algorithms[a].iterations = c->algs[a].iterations + c->o->add_iterations;
  }
  if (rc == DCKPT_OK) rc = run_fingerprint_fill(c, &m);
  if (rc == DCKPT_OK && (rc = dckpt_record_set_header(initial, m.benchmark_metadata)))
    run_fail(c, rc, "benchmark_metadata: %s", dckpt_record_errmsg(initial));
  if (rc == DCKPT_OK) {
    rc = dckpt_store_initialize(c->store, &m, initial, c->user_problem);
    if (rc != DCKPT_OK) run_fail(c, rc, "%s", dckpt_store_errmsg(c->store));
  }
  run_fingerprint_release(&m, c->n_algs);
  free(m.algorithms);
  free(m.benchmark_metadata);
  dckpt_record_free(initial);
  return rc;
}

/* Runs made by dckpt 0.1 recorded no configs: their hyperparameters and
 * metrics period, kept in benchmark_metadata, are compared instead. */
static int check_legacy_settings(run_ctx *c, const dckpt_metadata *m) {
  const char *dir = c->o->dir;
  cJSON *bm = cJSON_Parse(m->benchmark_metadata);
  const cJSON *hp = cJSON_GetObjectItemCaseSensitive(bm, "algorithm_hyperparameters");
  int rc = DCKPT_OK;
  for (size_t a = 0; rc == DCKPT_OK && a < c->n_algs; a++) {
    const cJSON *stored = cJSON_GetObjectItemCaseSensitive(hp, c->algs[a].name);
    cJSON *asked = c->algs[a].hyperparameters ? cJSON_Parse(c->algs[a].hyperparameters)
                                              : cJSON_CreateObject();
    if (!stored || !asked || !cJSON_Compare(stored, asked, 1)) {
      char *st = stored ? cJSON_PrintUnformatted(stored) : NULL;
      rc =
          run_fail(c, DCKPT_EMISMATCH,
                   "hyperparameters of '%s' differ: the run in '%s' has %s; %s was asked",
                   c->algs[a].name, dir, st ? st : "none",
                   c->algs[a].hyperparameters ? c->algs[a].hyperparameters : "{}");
      free(st);
    }
    cJSON_Delete(asked);
  }
  const cJSON *period = cJSON_GetObjectItemCaseSensitive(bm, "metrics_period");
  if (rc == DCKPT_OK && cJSON_IsNumber(period) &&
      (int64_t)period->valuedouble != c->o->metrics_period)
    rc = run_fail(c, DCKPT_EMISMATCH,
                  "the run in '%s' records metrics every %lld iterations; %lld was asked",
                  dir, (long long)period->valuedouble, (long long)c->o->metrics_period);
  cJSON_Delete(bm);
  return rc;
}

/* Whether the asked campaign is the stored one (dckpt_store_check_campaign:
 * names, seed, every algorithm's config, the campaign object), naming the
 * first difference. */
static int check_same_campaign(run_ctx *c, const dckpt_metadata *m) {
  dckpt_metadata asked;
  memset(&asked, 0, sizeof asked);
  asked.n_algorithms = c->n_algs;
  asked.algorithms = calloc(c->n_algs, sizeof *asked.algorithms);
  asked.has_seed = true;
  asked.rng_seed = c->o->seed;
  if (!asked.algorithms) return run_fail(c, DCKPT_ENOMEM, "out of memory");
  for (size_t a = 0; a < c->n_algs; a++)
    asked.algorithms[a].name = c->algs[a].name;
  int rc = run_fingerprint_fill(c, &asked);
  if (rc == DCKPT_OK) {
    rc = dckpt_store_check_campaign(c->store, &asked);
    if (rc != DCKPT_OK) run_fail(c, rc, "%s", dckpt_store_errmsg(c->store));
  }
  if (rc == DCKPT_OK && !m->campaign) rc = check_legacy_settings(c, m);
  run_fingerprint_release(&asked, c->n_algs);
  free(asked.algorithms);
  return rc;
}

/* The stored problem is authoritative; a different one was asked by mistake. */
static int check_same_problem(run_ctx *c) {
  if (!c->user_problem) return DCKPT_OK;
  dckpt_record *stored = NULL;
  int rc = dckpt_store_load_problem(c->store, &stored);
  if (rc != DCKPT_OK) return run_fail(c, rc, "%s", dckpt_store_errmsg(c->store));
  char what[256] = "";
  if (!run_records_equal(stored, c->user_problem, what, sizeof what))
    rc =
        run_fail(c, DCKPT_EMISMATCH,
                 "the problem differs from the one stored in '%s' (%s)", c->o->dir, what);
  /* what the trials see, and what the other ranks receive */
  c->problem = stored;
  return rc;
}

static int64_t max64(int64_t a, int64_t b) {
  return a > b ? a : b;
}

/* Grows the stored plan to max(stored, asked) + additions. */
static int grow(run_ctx *c, const dckpt_metadata *m) {
  int64_t n_trials = max64(m->n_trials, c->o->n_trials) + c->o->add_trials;
  bool changed = n_trials != m->n_trials;
  for (size_t a = 0; a < c->n_algs; a++) {
    c->plan.iterations[a] =
        max64(m->algorithms[a].iterations, c->algs[a].iterations) + c->o->add_iterations;
    changed = changed || c->plan.iterations[a] != m->algorithms[a].iterations;
  }
  c->plan.n_trials = n_trials;
  if (c->o->backup_before_resume) {
    char *path = NULL;
    int rc = dckpt_store_backup(c->store, &path);
    if (rc != DCKPT_OK) return run_fail(c, rc, "%s", dckpt_store_errmsg(c->store));
    dckpt_free(path);
  }
  if (!changed) return DCKPT_OK;
  int rc = dckpt_store_extend(c->store, n_trials, c->plan.iterations);
  return rc == DCKPT_OK ? rc : run_fail(c, rc, "%s", dckpt_store_errmsg(c->store));
}

static int cmp_pairs(const void *a, const void *b) {
  const run_pair *x = a, *y = b;
  if (x->cost != y->cost) return x->cost < y->cost ? 1 : -1;
  if (x->alg != y->alg) return x->alg < y->alg ? -1 : 1;
  return (x->trial > y->trial) - (x->trial < y->trial);
}

/* Where every pair stands: dckpt_store_scan reads the completion index and
 * only the markers of the pairs it does not list; the index it returns (every
 * pair found complete) is kept for the run. */
static int scan_pairs(run_ctx *c, dckpt_trial_status **out) {
  size_t n = (size_t)c->plan.n_trials * c->plan.n_algs;
  dckpt_trial_status *st = malloc((n + 1) * sizeof *st);
  if (!st) return run_fail(c, DCKPT_ENOMEM, "out of memory");
  dckpt_scan_info info;
  dckpt_scan_info_init(&info);
  int rc = dckpt_store_scan(c->store, 0, st, n, &info, &c->index);
  if (rc != DCKPT_OK) {
    free(st);
    return run_fail(c, rc, "%s", dckpt_store_errmsg(c->store));
  }
  if (info.note[0]) dckpt_log(&c->log, DCKPT_LOG_WARN, "%s", info.note);
  dckpt_log(&c->log, DCKPT_LOG_DEBUG,
            "scan of %lld pairs: %lld complete by the completion index (%d file(s), %lld "
            "spot-checked), %lld read, %lld algorithm directories listed",
            (long long)info.pairs, (long long)info.listed, info.index_files,
            (long long)info.spot_checked, (long long)info.read,
            (long long)info.dirs_listed);
  *out = st;
  return DCKPT_OK;
}

/* A damaged marker is repaired when the pair runs: load_latest falls back to
 * the newest checkpoint that verifies, the run goes on from there and writes
 * the markers again. (The scan keeps no message per pair: ask again.) */
static void warn_damaged(run_ctx *c, size_t a, int64_t t) {
  dckpt_trial_status again;
  if (dckpt_store_trial_status(c->store, (int64_t)a, t, &again) != DCKPT_OK) return;
  dckpt_log(&c->log, DCKPT_LOG_WARN,
            "%s; algorithm '%s' trial %lld will resume from its newest checkpoint "
            "that verifies",
            dckpt_store_errmsg(c->store), c->algs[a].name, (long long)t);
}

/* Lists pairs with work left, longest first. */
static int list_pending(run_ctx *c) {
  run_plan *p = &c->plan;
  size_t n = (size_t)p->n_trials * p->n_algs;
  p->pending = malloc((n + 1) * sizeof *p->pending);
  if (!p->pending) return run_fail(c, DCKPT_ENOMEM, "out of memory");
  dckpt_trial_status *all = NULL;
  DCKPT_TRY(scan_pairs(c, &all));
  for (size_t a = 0; a < p->n_algs; a++) {
    double hint = c->algs[a].cost_hint > 0 ? c->algs[a].cost_hint : 1.0;
    for (int64_t t = 0; t < p->n_trials; t++) {
      const dckpt_trial_status *st = &all[a * (size_t)p->n_trials + (size_t)t];
      p->work_total += p->iterations[a];
      if (st->marker_status != DCKPT_OK) warn_damaged(c, a, t);
      if (st->state == DCKPT_TRIAL_COMPLETE) {
        p->work_done += p->iterations[a];
        p->alg_done[a] += p->iterations[a];
        continue;
      }
      int64_t start = st->last_iteration + 1;
      if (start > p->iterations[a]) start = p->iterations[a];
      p->work_done += start;
      p->alg_done[a] += start;
      p->pending[p->n_pending++] =
          (run_pair){(int64_t)a, t, start, (double)(p->iterations[a] - start) * hint};
    }
  }
  free(all);
  qsort(p->pending, (size_t)p->n_pending, sizeof *p->pending, cmp_pairs);
  return DCKPT_OK;
}

int run_plan_rank0(run_ctx *c) {
  dckpt_metadata *m = NULL;
  c->plan.n_algs = c->n_algs;
  c->plan.iterations = calloc(c->n_algs + 1, sizeof *c->plan.iterations);
  c->plan.alg_done = calloc(c->n_algs + 1, sizeof *c->plan.alg_done);
  if (!c->plan.iterations || !c->plan.alg_done)
    return run_fail(c, DCKPT_ENOMEM, "out of memory");
  int rc = dckpt_store_load_metadata(c->store, &m);
  if (rc == DCKPT_ENOENT) {
    if (c->o->mode == DCKPT_RUN_RESUME)
      return run_fail(c, DCKPT_ENOENT, "'%s' holds no run to resume", c->o->dir);
    DCKPT_TRY(start_new_run(c));
    c->plan.n_trials = c->o->n_trials + c->o->add_trials;
    for (size_t a = 0; a < c->n_algs; a++)
      c->plan.iterations[a] = c->algs[a].iterations + c->o->add_iterations;
    return list_pending(c);
  } else if (rc == DCKPT_OK) {
    if (c->o->mode == DCKPT_RUN_NEW) {
      dckpt_metadata_free(m);
      return run_fail(c, DCKPT_ENOTEMPTY,
                      "'%s' already holds a run; resume it or clear it", c->o->dir);
    }
    c->plan.resumed = true;
    rc = check_same_campaign(c, m);
    if (rc == DCKPT_OK) rc = check_same_problem(c);
  }
  if (rc != DCKPT_OK) {
    if (c->status == DCKPT_OK) run_fail(c, rc, "%s", dckpt_store_errmsg(c->store));
    dckpt_metadata_free(m);
    return rc;
  }
  rc = grow(c, m);
  dckpt_metadata_free(m);
  return rc == DCKPT_OK ? list_pending(c) : rc;
}
