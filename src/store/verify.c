/* Read-only verification of a whole checkpoint directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/record_io.h"
#include "io/fs.h"
#include "io/json_file.h"
#include "io/path.h"
#include "io/walk.h"
#include "store/index.h"
#include "store/store_internal.h"
#include "util/json.h"

typedef struct verifier {
  dckpt_store *s;
  dckpt_verify_fn report;
  void *ctx;
  size_t bad;
  bool have_run; /* metadata.json was read */
} verifier;

static void bad(verifier *v, const char *path, int status, const char *reason) {
  v->bad++;
  if (v->report) v->report(v->ctx, path, status, reason);
}

/* Checksums, structure, and that the record belongs where it lies (when
 * metadata.json can be read: without it there is no run to compare with,
 * and that one problem is reported once, for metadata.json). */
static void check_record(verifier *v, const char *path, const dckpt_where *w) {
  dckpt_err e = {0};
  int rc = v->have_run ? dckpt_store_verify_record(v->s, path, w, &e)
                       : dckpt_src_verify_record(v->s, path, NULL, &e);
  if (rc != DCKPT_OK) bad(v, path, rc, e.msg);
}

/* Checks a marker that names a checkpoint: that checkpoint must exist. */
static void check_named(verifier *v, const char *marker, const char *dir,
                        int64_t iteration) {
  char *p =
      dckpt_path_printf("%s/checkpoint_%07lld" DCKPT_EXT, dir, (long long)iteration);
  if (p && !dckpt_src_exists(v->s, p)) {
    char why[1200];
    snprintf(why, sizeof why, "names checkpoint '%s', which is missing", p);
    bad(v, marker, DCKPT_ENOENT, why);
  }
  free(p);
}

/* The metric segments that the committed checkpoint `ckpt` of an unfinished
 * trial lists must be there, sound, and the very ones it lists (a complete
 * trial's final checkpoint lists none). */
static void check_segments(verifier *v, int64_t alg, int64_t trial, const char *ckpt,
                           int64_t iteration) {
  dckpt_store *s = v->s;
  dckpt_record *r = NULL;
  dckpt_where w = {DCKPT_KIND_CHECKPOINT, alg, trial, iteration};
  if (!v->have_run || dckpt_store_read_record(s, ckpt, &w, &r) != DCKPT_OK)
    return; /* reported with the checkpoints */
  dckpt_array_info info;
  if (dckpt_record_find(r, DCKPT_SEGMENTS_KEY, &info) == DCKPT_OK &&
      info.dtype != DCKPT_U64)
    bad(v, ckpt, DCKPT_ECORRUPT,
        "its list of metric segments ('" DCKPT_SEGMENTS_KEY "') is not a u64 array");
  else if (dckpt_record_find(r, DCKPT_SEGMENTS_KEY, &info) == DCKPT_OK) {
    const uint64_t *digests = info.data;
    for (uint64_t i = 0; i < info.nelems; i++) {
      dckpt_record *seg = NULL;
      int rc =
          dckpt_store_read_segment(s, alg, trial, (int64_t)i, digests[i], false, &seg);
      char *p = dckpt_layout_segment(s, alg, trial, (int64_t)i);
      if (rc != DCKPT_OK && p) bad(v, p, rc, s->err.msg);
      free(p);
      dckpt_record_free(seg);
    }
  }
  dckpt_record_free(r);
}

static void check_trial(verifier *v, int64_t alg, int64_t trial, const char *dir) {
  dckpt_store *s = v->s;
  dckpt_dirlist list;
  if (dckpt_src_list(s, dir, &list, &s->err) != DCKPT_OK) {
    bad(v, dir, s->err.status, s->err.msg);
    return;
  }
  for (size_t i = 0; i < list.count; i++) {
    dckpt_where w = {DCKPT_KIND_CHECKPOINT, alg, trial, -1};
    if (!dckpt_layout_parse_checkpoint(list.names[i], &w.iteration)) continue;
    char *p = dckpt_path_join(dir, list.names[i]);
    if (p) check_record(v, p, &w);
    free(p);
  }
  dckpt_dirlist_free(&list);
  char *progress = dckpt_path_join(dir, DCKPT_PROGRESS_FILE);
  int64_t last = -1;
  if (progress && dckpt_store_read_progress(s, alg, trial, &last) != DCKPT_OK)
    bad(v, progress, s->err.status, s->err.msg);
  else if (progress && last >= 0)
    check_named(v, progress, dir, last);
  free(progress);
  char *complete = dckpt_path_join(dir, DCKPT_COMPLETE_FILE);
  int64_t final_iter = -1;
  if (complete && !dckpt_src_exists(v->s, complete) && last >= 0) {
    char *ckpt = dckpt_layout_checkpoint(s, alg, trial, last);
    if (ckpt && dckpt_src_exists(v->s, ckpt)) check_segments(v, alg, trial, ckpt, last);
    free(ckpt);
  }
  if (complete && dckpt_src_exists(v->s, complete)) {
    if (dckpt_store_read_complete(s, alg, trial, NULL, &final_iter, NULL) != DCKPT_OK)
      bad(v, complete, s->err.status, s->err.msg);
    else
      check_named(v, complete, dir, final_iter);
  }
  free(complete);
}

static void check_runs(verifier *v, const dckpt_metadata *m) {
  dckpt_store *s = v->s;
  for (size_t a = 0; a < m->n_algorithms; a++) {
    char *adir = dckpt_layout_alg_dir(s, (int64_t)a);
    if (adir && !dckpt_src_is_dir(v->s, adir))
      bad(v, adir, DCKPT_ENOENT, "algorithm directory is missing");
    free(adir);
    for (int64_t t = 0; t < m->n_trials; t++) {
      char *dir = dckpt_layout_trial_dir(s, (int64_t)a, t);
      if (dir && dckpt_src_is_dir(v->s, dir)) check_trial(v, (int64_t)a, t, dir);
      free(dir);
    }
  }
}

static void check_metrics(verifier *v) {
  char *marker = dckpt_layout_root_file(v->s, DCKPT_METRICS_MARKER);
  char *file = dckpt_layout_root_file(v->s, DCKPT_METRICS_FILE);
  if (marker && file && dckpt_src_exists(v->s, marker)) {
    cJSON *j = NULL;
    dckpt_err e = {0};
    if (dckpt_src_json_load(v->s, marker, &j, &e) != DCKPT_OK)
      bad(v, marker, e.status, e.msg);
    else if (!cJSON_IsTrue(
                 cJSON_GetObjectItemCaseSensitive(j, "metric_computation_complete")))
      bad(v, marker, DCKPT_ECORRUPT, "key \"metric_computation_complete\" must be true");
    cJSON_Delete(j);
    if (!dckpt_src_exists(v->s, file))
      bad(v, file, DCKPT_ENOENT, "marked complete but missing");
  }
  dckpt_where w = {DCKPT_KIND_METRICS, -1, -1, -1};
  if (file && dckpt_src_exists(v->s, file)) check_record(v, file, &w);
  free(marker);
  free(file);
}

/* One index file: it must belong to the run, and every pair it lists must
 * have its complete.json (the index never lists what is not complete). */
static int check_index_file(verifier *v, const dckpt_metadata *m, const char *path) {
  dckpt_index *ix = NULL;
  DCKPT_TRY(dckpt_index_create(v->s, m, &ix));
  bool used = false;
  char why[1024];
  int rc = dckpt_index_read_file(ix, path, &used, why, sizeof why);
  if (rc == DCKPT_OK && !used && why[0]) bad(v, path, DCKPT_ECORRUPT, why);
  for (int64_t k = 0, n = used ? dckpt_index_count(ix, -1) : 0; k < n; k++) {
    int64_t a, t;
    dckpt_index_nth(ix, k, &a, &t);
    char *c = dckpt_layout_trial_file(v->s, a, t, DCKPT_COMPLETE_FILE);
    if (c && !dckpt_src_exists(v->s, c)) {
      char msg[1400];
      snprintf(msg, sizeof msg,
               "lists algorithm %lld trial %lld as complete, but '%.1200s' is missing",
               (long long)a, (long long)t, c);
      bad(v, path, DCKPT_ECORRUPT, msg);
    }
    free(c);
  }
  dckpt_index_free(ix);
  return rc;
}

typedef struct index_visit {
  verifier *v;
  const dckpt_metadata *m;
} index_visit;

static int visit_index(void *ctx, const dckpt_walk_entry *e, dckpt_err *err) {
  index_visit *iv = ctx;
  if (!dckpt_layout_parse_index_file(e->name, NULL)) return DCKPT_OK;
  char *path = dckpt_path_join(e->dir, e->name);
  int rc = path ? check_index_file(iv->v, iv->m, path) : DCKPT_ENOMEM;
  free(path);
  return rc == DCKPT_OK ? rc : dckpt_err_set(err, rc, "out of memory");
}

static int check_index(verifier *v, const dckpt_metadata *m) {
  if (dckpt_src_active(v->s)) return DCKPT_OK; /* a source keeps no index */
  char *dir = dckpt_layout_index_dir(v->s);
  if (!dir) return DCKPT_ENOMEM;
  index_visit iv = {v, m};
  dckpt_err e = {0};
  int rc = dckpt_walk(dir, DCKPT_WALK_MISSING_OK, visit_index, &iv, &e);
  if (rc != DCKPT_OK && rc != DCKPT_ENOMEM) bad(v, dir, rc, e.msg);
  free(dir);
  return rc == DCKPT_ENOMEM ? rc : DCKPT_OK;
}

int dckpt_store_verify(dckpt_store *s, dckpt_verify_fn report, void *ctx, size_t *n_bad) {
  verifier v = {.s = s, .report = report, .ctx = ctx};
  if (n_bad) *n_bad = 0;
  dckpt_metadata *m = NULL;
  char *meta_path = dckpt_layout_root_file(s, DCKPT_METADATA_FILE);
  if (!meta_path) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  int rc = dckpt_store_read_metadata(s, NULL, &m);
  if (rc == DCKPT_ENOMEM) {
    free(meta_path);
    return rc;
  }
  if (rc != DCKPT_OK) bad(&v, meta_path, rc, s->err.msg);
  v.have_run = rc == DCKPT_OK;
  free(meta_path);
  const char *roots[] = {DCKPT_INITIAL_FILE, DCKPT_PROBLEM_FILE};
  const dckpt_kind kinds[] = {DCKPT_KIND_INITIAL, DCKPT_KIND_PROBLEM};
  for (size_t i = 0; i < 2; i++) {
    char *p = dckpt_layout_root_file(s, roots[i]);
    dckpt_where w = {kinds[i], -1, -1, -1};
    if (p && dckpt_src_exists(s, p))
      check_record(&v, p, &w);
    else if (p && m)
      bad(&v, p, DCKPT_ENOENT, "missing");
    free(p);
  }
  if (m) check_runs(&v, m);
  if (m && check_index(&v, m) == DCKPT_ENOMEM) {
    dckpt_metadata_free(m);
    return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  }
  check_metrics(&v);
  dckpt_metadata_free(m);
  if (n_bad) *n_bad = v.bad;
  dckpt_err_clear(&s->err);
  return DCKPT_OK;
}
