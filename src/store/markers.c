/* progress.json, complete.json and the metrics marker, and the queries built
 * on them. Queries look at markers only; no checkpoint is read. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "format/record_io.h"
#include "io/fs.h"
#include "io/json_file.h"
#include "io/path.h"
#include "store/index.h"
#include "store/store_internal.h"
#include "util/json.h"

static int trial_file(dckpt_store *s, int64_t alg, int64_t trial, const char *name,
                      char **path) {
  DCKPT_TRY(dckpt_store_check_ids(s, alg, trial));
  *path = dckpt_layout_trial_file(s, alg, trial, name);
  return *path ? DCKPT_OK : dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
}

/* A marker names its run ("run") and, for a trial's markers, the algorithm
 * and trial ("alg" / "alg_idx", "trial"): ECORRUPT when it was written for
 * another place. A marker without "run" (older runs, or written by hand) is
 * taken at its word: what it names is a checkpoint, whose own identity is
 * checked when it is loaded, so a wrong number costs at most a rerun. */
static int check_marker_place(dckpt_store *s, const cJSON *j, const char *path,
                              int64_t alg, int64_t trial) {
  const dckpt_run_facts_t *f;
  DCKPT_TRY(dckpt_run_facts(s, &f));
  const cJSON *run = cJSON_GetObjectItemCaseSensitive(j, "run");
  const char *have = cJSON_IsString(run) ? run->valuestring : NULL;
  if ((run && !have) || (have && !f->has_run_id) ||
      (have && strcmp(have, f->run_id) != 0))
    return dckpt_store_fail(s, DCKPT_ECORRUPT,
                            "'%s' belongs to another run (it names run '%s'; this run is "
                            "'%s')",
                            path, have ? have : "(none)",
                            f->has_run_id ? f->run_id : "(none)");
  if (alg < 0) return DCKPT_OK;
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "alg");
  if (!a) a = cJSON_GetObjectItemCaseSensitive(j, "alg_idx");
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "trial");
  if ((a && (!cJSON_IsNumber(a) || a->valuedouble != (double)alg)) ||
      (t && (!cJSON_IsNumber(t) || t->valuedouble != (double)trial)))
    return dckpt_store_fail(s, DCKPT_ECORRUPT,
                            "'%s' belongs to another trial (it names algorithm %s, trial "
                            "%s; expected algorithm %lld, trial %lld)",
                            path, a && cJSON_IsNumber(a) ? "another" : "?",
                            t && cJSON_IsNumber(t) ? "another" : "?", (long long)alg,
                            (long long)trial);
  return DCKPT_OK;
}

int dckpt_store_read_progress(dckpt_store *s, int64_t alg, int64_t trial, int64_t *last) {
  *last = -1;
  char *path = NULL;
  DCKPT_TRY(trial_file(s, alg, trial, DCKPT_PROGRESS_FILE, &path));
  cJSON *j = NULL;
  int rc = dckpt_src_json_load(s, path, &j, &s->err);
  if (rc == DCKPT_ENOENT) {
    rc = DCKPT_OK;
  } else if (rc == DCKPT_OK) {
    rc = dckpt_json_get_i64(j, "last_completed_iteration", path, last, &s->err);
    if (rc == DCKPT_OK && *last < 0)
      rc = dckpt_store_fail(s, DCKPT_ECORRUPT,
                            "'%s': key \"last_completed_iteration\" must be >= 0", path);
    if (rc == DCKPT_OK) rc = check_marker_place(s, j, path, alg, trial);
    if (rc != DCKPT_OK) *last = -1;
  }
  cJSON_Delete(j);
  free(path);
  return rc;
}

int dckpt_store_read_complete(dckpt_store *s, int64_t alg, int64_t trial,
                              char **checkpoint_name, int64_t *iteration,
                              char **alg_name) {
  if (checkpoint_name) *checkpoint_name = NULL;
  if (alg_name) *alg_name = NULL;
  char *path = NULL;
  DCKPT_TRY(trial_file(s, alg, trial, DCKPT_COMPLETE_FILE, &path));
  cJSON *j = NULL;
  int rc = dckpt_src_json_load(s, path, &j, &s->err);
  if (rc == DCKPT_ENOENT) {
    rc = dckpt_store_fail(s, DCKPT_ENOTCOMPLETE,
                          "trial %lld of algorithm %lld is not marked complete ('%s' is "
                          "missing)",
                          (long long)trial, (long long)alg, path);
  }
  const char *ckpt = NULL, *name = NULL;
  int64_t a = -1, t = -1, it = -1;
  if (rc == DCKPT_OK && (dckpt_json_get_str(j, "checkpoint_path", path, &ckpt, &s->err) ||
                         dckpt_json_get_str(j, "alg_name", path, &name, &s->err) ||
                         dckpt_json_get_i64(j, "alg_idx", path, &a, &s->err) ||
                         dckpt_json_get_i64(j, "trial", path, &t, &s->err) ||
                         dckpt_json_get_i64(j, "iteration", path, &it, &s->err)))
    rc = s->err.status;
  if (rc == DCKPT_OK && !dckpt_layout_safe_checkpoint_name(ckpt))
    rc = dckpt_store_fail(s, DCKPT_ECORRUPT,
                          "'%s': checkpoint_path \"%s\" is not a checkpoint file name in "
                          "the trial directory (no '/' or '..' allowed)",
                          path, ckpt);
  if (rc == DCKPT_OK && (a != alg || t != trial || it < 0))
    rc = dckpt_store_fail(
        s, DCKPT_ECORRUPT,
        "'%s' names algorithm %lld, trial %lld, iteration %lld; expected "
        "algorithm %lld, trial %lld",
        path, (long long)a, (long long)t, (long long)it, (long long)alg,
        (long long)trial);
  int64_t named = -1;
  if (rc == DCKPT_OK && (!dckpt_layout_parse_checkpoint(ckpt, &named) || named != it))
    rc = dckpt_store_fail(s, DCKPT_ECORRUPT,
                          "'%s': checkpoint_path \"%s\" is not the checkpoint of its "
                          "iteration %lld",
                          path, ckpt, (long long)it);
  if (rc == DCKPT_OK) rc = check_marker_place(s, j, path, alg, trial);
  if (rc == DCKPT_OK) {
    if (iteration) *iteration = it;
    if (checkpoint_name) *checkpoint_name = strdup(ckpt);
    if (alg_name) *alg_name = strdup(name);
    if ((checkpoint_name && !*checkpoint_name) || (alg_name && !*alg_name))
      rc = dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  }
  cJSON_Delete(j);
  free(path);
  return rc;
}

int dckpt_store_unmark_complete(dckpt_store *s, int64_t alg, int64_t trial) {
  DCKPT_TRY(dckpt_store_require_writable(s, "unmark_complete"));
  DCKPT_TRY(dckpt_store_check_ids(s, alg, trial));
  /* The completion index must not list the pair once its marker is gone. */
  DCKPT_TRY(dckpt_index_forget(s, NULL, alg, trial));
  return dckpt_store_remove_complete(s, alg, trial);
}

int dckpt_store_remove_complete(dckpt_store *s, int64_t alg, int64_t trial) {
  char *path = NULL;
  DCKPT_TRY(trial_file(s, alg, trial, DCKPT_COMPLETE_FILE, &path));
  int rc = dckpt_io_remove(path, dckpt_store_durable(s), &s->err);
  free(path);
  return rc;
}

int dckpt_store_trial_is_complete(dckpt_store *s, int64_t alg, int64_t trial,
                                  bool *complete) {
  DCKPT_STORE_NEED(s, "trial_is_complete", complete);
  *complete = false;
  char *path = NULL;
  DCKPT_TRY(trial_file(s, alg, trial, DCKPT_COMPLETE_FILE, &path));
  *complete = dckpt_src_is_file(s, path);
  free(path);
  return DCKPT_OK;
}

/* The newest checkpoint of (alg, trial) by file name (-1: none). */
static int newest_checkpoint_name(dckpt_store *s, int64_t alg, int64_t trial,
                                  int64_t *newest) {
  *newest = -1;
  char *dir = dckpt_layout_trial_dir(s, alg, trial);
  if (!dir) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  dckpt_dirlist list;
  int rc = dckpt_src_list(s, dir, &list, &s->err);
  for (size_t i = 0; rc == DCKPT_OK && i < list.count; i++) {
    int64_t it;
    if (dckpt_layout_parse_checkpoint(list.names[i], &it) && it > *newest) *newest = it;
  }
  dckpt_dirlist_free(&list);
  free(dir);
  return rc;
}

/* Records the first marker that cannot be trusted (its message stays in s). */
static bool note_damage(dckpt_store *s, dckpt_trial_status *st, int rc,
                        dckpt_err *first) {
  if (rc == DCKPT_OK) return false;
  if (st->marker_status == DCKPT_OK) {
    st->marker_status = rc;
    *first = s->err;
  }
  return true;
}

int dckpt_store_trial_status(dckpt_store *s, int64_t alg, int64_t trial,
                             dckpt_trial_status *st) {
  if (!st)
    return dckpt_store_fail(s, DCKPT_EINVAL, "trial_status: argument 'status' is NULL");
  st->state = DCKPT_TRIAL_NOT_STARTED;
  st->last_iteration = -1;
  st->marker_status = DCKPT_OK;
  bool done = false;
  DCKPT_TRY(dckpt_store_trial_is_complete(s, alg, trial, &done));
  dckpt_err first = {0};
  if (done) {
    int rc = dckpt_store_read_complete(s, alg, trial, NULL, NULL, NULL);
    if (rc == DCKPT_ENOMEM) return rc;
    done = !note_damage(s, st, rc, &first);
  }
  /* progress.json is a hint (never flushed by a durable save; docs/design.md,
   * "Commit protocol"): damaged, the trial is where its newest checkpoint
   * file says, with a warning, and the markers are not called damaged. */
  int rc = dckpt_store_read_progress(s, alg, trial, &st->last_iteration);
  if (rc == DCKPT_ENOMEM) return rc;
  if (rc != DCKPT_OK) {
    char why[DCKPT_ERRMSG_MAX];
    snprintf(why, sizeof why, "%s", s->err.msg);
    dckpt_err hint = s->err;
    int lrc = newest_checkpoint_name(s, alg, trial, &st->last_iteration);
    if (lrc == DCKPT_ENOMEM) return lrc;
    if (lrc != DCKPT_OK) {
      /* the trial cannot even be listed (e.g. a container whose rows of the
       * trial are damaged): not where a power loss leaves a hint, so the
       * trial cannot be trusted and its markers are damaged */
      s->err = hint;
      note_damage(s, st, rc, &first);
      st->last_iteration = -1;
    } else if (!done)
      dckpt_log(&s->log, DCKPT_LOG_WARN,
                "%s; progress.json is only a hint: algorithm %lld trial %lld counts as "
                "at its newest checkpoint file (iteration %lld), a resume loads the "
                "newest that verifies and its next save rewrites progress.json",
                why, (long long)alg, (long long)trial, (long long)st->last_iteration);
    dckpt_err_clear(&s->err);
  }
  if (done)
    st->state = DCKPT_TRIAL_COMPLETE;
  else if (st->last_iteration >= 0)
    st->state = DCKPT_TRIAL_IN_PROGRESS;
  if (st->marker_status != DCKPT_OK) s->err = first;
  return DCKPT_OK;
}

/* ---- metrics ---- */

int dckpt_store_save_metrics(dckpt_store *s, const dckpt_record *metrics) {
  DCKPT_TRY(dckpt_store_require_writable(s, "save_metrics"));
  char *path = dckpt_layout_root_file(s, DCKPT_METRICS_FILE);
  char *marker = dckpt_layout_root_file(s, DCKPT_METRICS_MARKER);
  int rc = DCKPT_OK;
  if (!path || !marker) rc = dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  /* The file is replaced atomically, so complete metrics (old or new) are in
   * place at every instant, and the marker, which says no more than that,
   * stays: removing it first made a crash in between lose the old metrics
   * without the new ones (tests/powerloss, save_metrics). */
  dckpt_io_opts io = dckpt_store_run_io(s, "metrics");
  dckpt_where w = {DCKPT_KIND_METRICS, -1, -1, -1};
  if (rc == DCKPT_OK) rc = dckpt_store_write_record(s, path, &w, metrics, &io);
  const dckpt_run_facts_t *f = NULL;
  if (rc == DCKPT_OK) rc = dckpt_run_facts(s, &f);
  if (rc == DCKPT_OK) {
    cJSON *j = cJSON_CreateObject();
    if (f->has_run_id) cJSON_AddStringToObject(j, "run", f->run_id);
    cJSON_AddBoolToObject(j, "metric_computation_complete", 1);
    cJSON_AddStringToObject(j, "file", DCKPT_METRICS_FILE);
    io = dckpt_store_run_io(s, "metrics_marker");
    rc = j ? dckpt_json_save(marker, j, &io, &s->err)
           : dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
    cJSON_Delete(j);
  }
  if (rc == DCKPT_OK) dckpt_log(&s->log, DCKPT_LOG_INFO, "saved metrics to '%s'", path);
  free(path);
  free(marker);
  return rc;
}

static int read_metrics_marker(dckpt_store *s, const char *marker) {
  cJSON *j = NULL;
  int rc = dckpt_src_json_load(s, marker, &j, &s->err);
  if (rc == DCKPT_ENOENT)
    return dckpt_store_fail(s, DCKPT_ENOTCOMPLETE,
                            "metrics are not marked complete ('%s' is missing)", marker);
  if (rc == DCKPT_OK) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "metric_computation_complete");
    if (!cJSON_IsTrue(v))
      rc = dckpt_store_fail(s, DCKPT_ECORRUPT,
                            "'%s': key \"metric_computation_complete\" must be true",
                            marker);
    if (rc == DCKPT_OK) rc = check_marker_place(s, j, marker, -1, -1);
  }
  cJSON_Delete(j);
  return rc;
}

int dckpt_store_load_metrics(dckpt_store *s, dckpt_record **out) {
  DCKPT_STORE_NEED(s, "load_metrics", out);
  *out = NULL;
  char *path = dckpt_layout_root_file(s, DCKPT_METRICS_FILE);
  char *marker = dckpt_layout_root_file(s, DCKPT_METRICS_MARKER);
  int rc = (!path || !marker) ? dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory")
                              : read_metrics_marker(s, marker);
  dckpt_where w = {DCKPT_KIND_METRICS, -1, -1, -1};
  if (rc == DCKPT_OK) rc = dckpt_store_read_record(s, path, &w, out);
  free(path);
  free(marker);
  return rc;
}

int dckpt_store_metrics_computed(dckpt_store *s, bool *computed) {
  DCKPT_STORE_NEED(s, "metrics_computed", computed);
  char *path = dckpt_layout_root_file(s, DCKPT_METRICS_FILE);
  char *marker = dckpt_layout_root_file(s, DCKPT_METRICS_MARKER);
  if (!path || !marker) {
    free(path);
    free(marker);
    return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  }
  *computed = dckpt_src_exists(s, path) && dckpt_src_exists(s, marker);
  free(path);
  free(marker);
  return DCKPT_OK;
}
