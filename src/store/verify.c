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
#include "util/log.h"

typedef struct verifier {
  dckpt_store *s;
  dckpt_verify_fn report, warn;
  void *ctx;
  size_t bad, warnings;
  bool have_run; /* metadata.json was read */
} verifier;

static void bad(verifier *v, const char *path, int status, const char *reason) {
  v->bad++;
  if (v->report) v->report(v->ctx, path, status, reason);
}

/* A finding that leaves everything committed intact: to the caller's warn,
 * else to the store's log. */
static void warning(verifier *v, const char *path, int status, const char *reason) {
  v->warnings++;
  if (v->warn)
    v->warn(v->ctx, path, status, reason);
  else
    dckpt_log(&v->s->log, DCKPT_LOG_WARN, "'%s': %s", path, reason);
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

/* The trial's checkpoint files: how many, the newest, and the newest that
 * verifies at or below `at` (-1: none). */
typedef struct trial_files {
  size_t count;
  int64_t newest, newest_good;
} trial_files;

static void note_file(trial_files *f, int64_t it, bool good) {
  f->count++;
  if (it > f->newest) f->newest = it;
  if (good && it > f->newest_good) f->newest_good = it;
}

/* Where a resume of this trial would start, as words. */
static void resume_words(char *buf, size_t len, int64_t from) {
  if (from >= 0)
    snprintf(buf, len,
             "a resume starts from iteration %lld, the newest checkpoint that "
             "verifies",
             (long long)from);
  else
    snprintf(buf, len, "no checkpoint verifies, so a resume starts the trial over");
}

/* progress.json is a hint that a durable save never flushes (docs/design.md,
 * "Commit protocol"): the checkpoint files are the commit record. A power
 * loss (or a kill between the two renames of a save) may leave it
 * unreadable, naming a checkpoint whose rename was lost, missing before the
 * trial's first save returned, or behind a checkpoint whose save did not
 * return. Loading handles each, so each is a warning, not a problem; the
 * next save rewrites the hint. Returns the iteration a resume would load
 * from (-1: none), for the segment check. */
static int64_t check_hint(verifier *v, int64_t alg, int64_t trial, const char *dir,
                          const trial_files *all, bool complete) {
  dckpt_store *s = v->s;
  char *progress = dckpt_path_join(dir, DCKPT_PROGRESS_FILE);
  if (!progress) return -1;
  int64_t last = -1, from = -1;
  char why[1600], resume[200];
  int rc = dckpt_store_read_progress(s, alg, trial, &last);
  if (rc != DCKPT_OK) {
    from = all->newest_good;
    resume_words(resume, sizeof resume, from);
    snprintf(why, sizeof why,
             "%s; progress.json is only a hint (a power loss can leave it so): "
             "nothing committed is lost, %s, and the next save rewrites it",
             s->err.msg, complete ? "the trial is complete (complete.json)" : resume);
    warning(v, progress, rc, why);
  } else if (last >= 0 && !complete) { /* complete: complete.json is checked */
    char *named = dckpt_layout_checkpoint(s, alg, trial, last);
    if (named && !dckpt_src_exists(s, named)) {
      /* the newest good checkpoint before `last` */
      from = -1;
      dckpt_dirlist list;
      if (dckpt_src_list(s, dir, &list, &s->err) == DCKPT_OK) {
        for (size_t i = 0; i < list.count; i++) {
          int64_t it;
          if (dckpt_layout_parse_checkpoint(list.names[i], &it) && it < last &&
              it > from) {
            char *p = dckpt_path_join(dir, list.names[i]);
            dckpt_where w = {DCKPT_KIND_CHECKPOINT, alg, trial, it};
            dckpt_err e = {0};
            if (p && dckpt_store_verify_record(s, p, &w, &e) == DCKPT_OK) from = it;
            free(p);
          }
        }
        dckpt_dirlist_free(&list);
      }
      resume_words(resume, sizeof resume, from);
      snprintf(why, sizeof why,
               "names checkpoint '%s', which is missing: progress.json is only a hint, "
               "and a power loss during that save can keep its rename and lose the "
               "checkpoint's; %s, and the next save rewrites it",
               named, resume);
      warning(v, progress, DCKPT_ENOENT, why);
    } else if (named) {
      from = last;
      if (all->newest_good > last) {
        snprintf(why, sizeof why,
                 "names iteration %lld, but checkpoint %lld is there too and verifies: "
                 "its save did not complete (cut short between its renames); a resume "
                 "starts from iteration %lld and the next save removes the newer file",
                 (long long)last, (long long)all->newest_good, (long long)last);
        warning(v, progress, DCKPT_OK, why);
      }
    }
    free(named);
  } else if (!complete && all->count > 0) { /* missing (read_progress: -1) */
    snprintf(why, sizeof why,
             "missing, while the trial holds %zu checkpoint file(s) (the newest: "
             "iteration %lld): no save of the trial completed (a power loss or kill "
             "during the first one), so none of them is committed; a resume starts the "
             "trial over and its first save rewrites progress.json",
             all->count, (long long)all->newest);
    warning(v, progress, DCKPT_ENOENT, why);
  }
  free(progress);
  return from;
}

static void check_trial(verifier *v, int64_t alg, int64_t trial, const char *dir) {
  dckpt_store *s = v->s;
  dckpt_dirlist list;
  if (dckpt_src_list(s, dir, &list, &s->err) != DCKPT_OK) {
    bad(v, dir, s->err.status, s->err.msg);
    return;
  }
  trial_files all = {0, -1, -1};
  for (size_t i = 0; i < list.count; i++) {
    dckpt_where w = {DCKPT_KIND_CHECKPOINT, alg, trial, -1};
    if (!dckpt_layout_parse_checkpoint(list.names[i], &w.iteration)) continue;
    char *p = dckpt_path_join(dir, list.names[i]);
    size_t before = v->bad;
    if (p) check_record(v, p, &w);
    note_file(&all, w.iteration, p && v->bad == before);
    free(p);
  }
  dckpt_dirlist_free(&list);
  char *complete = dckpt_path_join(dir, DCKPT_COMPLETE_FILE);
  bool done = complete && dckpt_src_exists(v->s, complete);
  int64_t from = check_hint(v, alg, trial, dir, &all, done);
  if (complete && !done && from >= 0) {
    char *ckpt = dckpt_layout_checkpoint(s, alg, trial, from);
    if (ckpt && dckpt_src_exists(v->s, ckpt)) check_segments(v, alg, trial, ckpt, from);
    free(ckpt);
  }
  int64_t final_iter = -1;
  if (done) {
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
      bad(v, adir, dckpt_src_exists(v->s, adir) ? DCKPT_ENOTDIR : DCKPT_ENOENT,
          dckpt_src_exists(v->s, adir)
              ? "algorithm directory is not a directory (a file or a broken link)"
              : "algorithm directory is missing");
    free(adir);
    for (int64_t t = 0; t < m->n_trials; t++) {
      char *dir = dckpt_layout_trial_dir(s, (int64_t)a, t);
      /* a trial directory that is a file was passed over as "not started",
       * while the trial can be neither read nor resumed */
      if (dir && dckpt_src_is_dir(v->s, dir))
        check_trial(v, (int64_t)a, t, dir);
      else if (dir && dckpt_src_exists(v->s, dir))
        bad(v, dir, DCKPT_ENOTDIR,
            "trial directory is not a directory (a file or a broken link): the trial "
            "can be neither read nor resumed");
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
  return dckpt_store_verify_warn(s, report, NULL, ctx, n_bad, NULL);
}

int dckpt_store_verify_warn(dckpt_store *s, dckpt_verify_fn report, dckpt_verify_fn warn,
                            void *ctx, size_t *n_bad, size_t *n_warn) {
  verifier v = {.s = s, .report = report, .warn = warn, .ctx = ctx};
  if (n_bad) *n_bad = 0;
  if (n_warn) *n_warn = 0;
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
  if (n_warn) *n_warn = v.warnings;
  dckpt_err_clear(&s->err);
  return DCKPT_OK;
}
