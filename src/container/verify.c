/* dckpt_container_verify: every row, every text, every array of a
 * container; its structure (structure.c); and that the checkpoint each
 * marker names is there. One report per
 * problem, naming the damaged entry (or trial, or index part). A damaged
 * progress.json is a warning, as in a directory: it is an unflushed hint
 * (docs/design.md, "Commit protocol"), packed as the directory held it. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container/reader.h"

typedef struct verifier {
  dckpt_container *c;
  dckpt_verify_fn report, warn;
  void *ctx;
  size_t bad, warned;
  bool oom;
} verifier;

static void bad(verifier *v, const char *path, int status, const char *why) {
  v->bad++;
  if (v->report) v->report(v->ctx, path, status, why);
}

static void warn(verifier *v, const ctr_entry *en, int status, const char *why) {
  char path[2400];
  snprintf(path, sizeof path, "%s/%s", v->c->path, en->path_ok ? en->path : "?");
  v->warned++;
  if (v->warn) v->warn(v->ctx, path, status, why);
}

static void bad_entry(verifier *v, const ctr_entry *en, const char *fallback, int status,
                      const char *why) {
  char path[2400];
  snprintf(path, sizeof path, "%s/%s", v->c->path, en->path_ok ? en->path : fallback);
  bad(v, path, status, why);
}

/* A record: every array and its checksum. */
static void check_record(verifier *v, ctr_entry *en) {
  dckpt_record *rec = NULL;
  int rc = ctr_load_record(v->c, en, &rec);
  dckpt_record_free(rec);
  if (rc == DCKPT_ENOMEM) v->oom = true;
  if (rc != DCKPT_OK) bad_entry(v, en, "?", rc, v->c->err.msg);
}

/* The iteration a marker names, or -1 (reported) when it names none. */
static int64_t marker_names(verifier *v, const ctr_entry *en) {
  bool hint = en->row[CTR_F_KIND] == DCKPT_ENTRY_PROGRESS;
  cJSON *j = cJSON_Parse(en->text);
  const char *key = hint ? "last_completed_iteration" : "iteration";
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(j, key);
  int64_t out = cJSON_IsNumber(it) && it->valuedouble >= 0 && it->valuedouble < 9e15
                    ? (int64_t)it->valuedouble
                    : -1;
  cJSON_Delete(j);
  if (out < 0) {
    char why[300];
    snprintf(why, sizeof why, "key \"%s\" is missing or not an iteration%s", key,
             hint ? " (progress.json is an unflushed hint, as after a power loss: a "
                    "resume starts at the newest checkpoint that verifies; nothing "
                    "committed is lost)"
                  : "");
    if (hint)
      warn(v, en, DCKPT_ECORRUPT, why);
    else
      bad_entry(v, en, "?", DCKPT_ECORRUPT, why);
  }
  return out;
}

static void check_markers(verifier *v, const ctr_trial *t) {
  for (size_t k = 0; k < t->n_entries; k++) {
    const ctr_entry *en = &t->entries[k];
    int kind = (int)en->row[CTR_F_KIND];
    if (en->status != DCKPT_OK ||
        (kind != DCKPT_ENTRY_PROGRESS && kind != DCKPT_ENTRY_COMPLETE))
      continue;
    int64_t it = marker_names(v, en);
    bool found = it < 0;
    for (size_t j = 0; j < t->n_entries && !found; j++)
      found = t->entries[j].row[CTR_F_KIND] == DCKPT_ENTRY_CHECKPOINT &&
              (int64_t)t->entries[j].row[CTR_F_ITERATION] == it;
    if (!found) {
      char why[400];
      snprintf(
          why, sizeof why,
          "names the checkpoint of iteration %lld, which the container does not hold%s",
          (long long)it,
          kind == DCKPT_ENTRY_PROGRESS
              ? " (progress.json is an unflushed hint: a resume starts at the newest "
                "older checkpoint that verifies; nothing committed is lost)"
              : "");
      if (kind == DCKPT_ENTRY_PROGRESS)
        warn(v, en, DCKPT_ENOENT, why);
      else
        bad_entry(v, en, "?", DCKPT_ENOENT, why);
    }
  }
}

static void check_entries(verifier *v, ctr_entry *es, size_t n, const char *fallback) {
  for (size_t k = 0; k < n; k++) {
    ctr_entry *en = &es[k];
    if (en->status != DCKPT_OK)
      bad_entry(v, en, fallback, en->status, en->why);
    else if (ctr_kind_is_record((int)en->row[CTR_F_KIND]))
      check_record(v, en);
    else if (en->row[CTR_F_KIND] == DCKPT_ENTRY_METADATA) {
      cJSON *j = cJSON_Parse(en->text);
      char why[1024];
      int rc;
      if (!cJSON_IsObject(j))
        bad_entry(v, en, fallback, DCKPT_ECORRUPT, "is not a JSON object");
      else if (ctr_check_meta_plan(v->c, en->text, why, sizeof why) != DCKPT_OK)
        bad_entry(v, en, fallback, DCKPT_ECORRUPT, why);
      else if ((rc = ctr_check_meta_by_store(v->c, why, sizeof why)) != DCKPT_OK)
        bad_entry(v, en, fallback, rc, why); /* what the store would refuse */
      cJSON_Delete(j);
    }
  }
}

static void check_trial(verifier *v, int64_t pair) {
  dckpt_container *c = v->c;
  int64_t a = pair / c->n_trials, t = pair % c->n_trials;
  char where[100];
  snprintf(where, sizeof where, "algorithm_%lld/trial_%lld", (long long)a, (long long)t);
  ctr_trial *tr = ctr_get_trial(c, a, t);
  if (!tr || tr->status != DCKPT_OK) {
    if (!tr && c->err.status == DCKPT_ENOMEM) v->oom = true;
    char path[2400];
    snprintf(path, sizeof path, "%s/%s", c->path, where);
    bad(v, path, tr ? tr->status : c->err.status, tr ? tr->why : c->err.msg);
    return;
  }
  check_entries(v, tr->entries, tr->n_entries, where);
  check_markers(v, tr);
}

/* Rows shared between trials or records, elements shared between arrays. */
static void check_whole(verifier *v) {
  if (ctr_check_structure(v->c) == DCKPT_OK) return;
  if (v->c->err.status == DCKPT_ENOMEM) v->oom = true;
  char path[2400];
  snprintf(path, sizeof path, "%s/index", v->c->path);
  bad(v, path, v->c->err.status, v->c->err.msg);
}

int dckpt_container_verify(dckpt_container *c, dckpt_verify_fn report, void *ctx,
                           size_t *n_bad) {
  return dckpt_container_verify_warn(c, report, NULL, ctx, n_bad, NULL);
}

int dckpt_container_verify_warn(dckpt_container *c, dckpt_verify_fn report,
                                dckpt_verify_fn warn_fn, void *ctx, size_t *n_bad,
                                size_t *n_warn) {
  if (n_bad) *n_bad = 0;
  if (n_warn) *n_warn = 0;
  if (!c) return DCKPT_EINVAL;
  if (c->failed_open)
    return ctr_cfail(c, DCKPT_EINVAL, "verify: the container did not open");
  verifier v;
  memset(&v, 0, sizeof v);
  v.c = c;
  v.report = report;
  v.warn = warn_fn;
  v.ctx = ctx;
  ctr_h5_enter();
  check_entries(&v, c->root, (size_t)c->n_root, "(a root file)");
  for (uint64_t i = 0; i < c->n_pairs && !v.oom; i++)
    check_trial(&v, (int64_t)i);
  if (!v.oom) check_whole(&v);
  ctr_h5_leave();
  if (n_bad) *n_bad = v.bad;
  if (n_warn) *n_warn = v.warned;
  if (v.oom) return ctr_cfail(c, DCKPT_ENOMEM, "verify: out of memory");
  return DCKPT_OK;
}
