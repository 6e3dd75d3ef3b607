/* A run's life in the directory: initialize (the root records, the algorithm
 * directories, metadata.json last), growth (extend: unmark, then metadata),
 * and the root records read back. Sits on metadata.c (the plan's JSON),
 * identity.c (records that say where they belong) and markers.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/fs.h"
#include "io/json_file.h"
#include "io/path.h"
#include "store/index.h"
#include "store/store_internal.h"
#include "util/json.h"

static int validate_plan(dckpt_store *s, const dckpt_metadata *m) {
  if (m->n_trials < 1)
    return dckpt_store_fail(s, DCKPT_EINVAL, "n_trials must be >= 1, got %lld",
                            (long long)m->n_trials);
  if (m->n_algorithms < 1 || !m->algorithms)
    return dckpt_store_fail(s, DCKPT_EINVAL, "a run needs at least one algorithm");
  DCKPT_TRY(dckpt_check_plan_size(s, "initialize", m->n_algorithms, m->n_trials));
  for (size_t i = 0; i < m->n_algorithms; i++) {
    const char *name = m->algorithms[i].name;
    if (!name || !*name)
      return dckpt_store_fail(s, DCKPT_EINVAL, "algorithm %zu has an empty name", i);
    char what[64];
    snprintf(what, sizeof what, "the name of algorithm %zu", i);
    if (dckpt_json_require_utf8(name, what, &s->err)) return DCKPT_EINVAL;
    if (m->algorithms[i].iterations < 0)
      return dckpt_store_fail(s, DCKPT_EINVAL, "algorithm '%s' has %lld iterations", name,
                              (long long)m->algorithms[i].iterations);
    DCKPT_TRY(dckpt_check_iterations(s, "initialize", name, m->algorithms[i].iterations));
    for (size_t k = 0; k < i; k++)
      if (!strcmp(name, m->algorithms[k].name))
        return dckpt_store_fail(s, DCKPT_EINVAL,
                                "duplicate algorithm name '%s' (algorithms %zu and %zu)",
                                name, k, i);
  }
  return dckpt_check_plan_total(s, "initialize", m->n_trials, m->algorithms, NULL,
                                m->n_algorithms);
}

/* A directory is reusable for a new run when it is empty or holds only what
 * an initialize that died before writing metadata.json leaves behind. */
static int check_fresh(dckpt_store *s) {
  dckpt_dirlist list;
  DCKPT_TRY(dckpt_list_dir(s->dir, &list, &s->err));
  int rc = DCKPT_OK;
  bool has_meta = false;
  const char *foreign = NULL;
  for (size_t i = 0; i < list.count && !foreign; i++) {
    const char *n = list.names[i];
    dckpt_entry_kind kind = dckpt_layout_kind(n);
    if (kind == DCKPT_ENTRY_METADATA)
      has_meta = true;
    else if (!dckpt_layout_is_bookkeeping(kind) && !dckpt_layout_is_init_leftover(kind))
      foreign = n;
  }
  if (has_meta)
    rc = dckpt_store_fail(s, DCKPT_ENOTEMPTY,
                          "'%s' already holds a run (metadata.json exists); resume it or "
                          "clear it first",
                          s->dir);
  else if (foreign)
    rc = dckpt_store_fail(s, DCKPT_ENOTEMPTY,
                          "'%s' is not empty (it holds '%s'); a new run needs an empty "
                          "directory",
                          s->dir, foreign);
  dckpt_dirlist_free(&list);
  return rc;
}

static int write_record(dckpt_store *s, const char *name, dckpt_kind kind,
                        const dckpt_record *rec, const char *label) {
  char *path = dckpt_layout_root_file(s, name);
  if (!path) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  dckpt_record *empty = NULL;
  if (!rec) rec = empty = dckpt_record_create();
  dckpt_io_opts io = dckpt_store_run_io(s, label);
  dckpt_where w = {kind, -1, -1, -1};
  int rc = rec ? dckpt_store_write_record(s, path, &w, rec, &io)
               : dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  dckpt_record_free(empty);
  free(path);
  return rc;
}

/* Sets the handle's run facts to the run being initialized. */
static int remember_run(dckpt_store *s, const dckpt_metadata *m, const char *run_id) {
  dckpt_run_facts_clear(s);
  s->facts.names = calloc(m->n_algorithms + 1, sizeof *s->facts.names);
  for (size_t i = 0; s->facts.names && i < m->n_algorithms; i++) {
    if (!(s->facts.names[i] = strdup(m->algorithms[i].name))) break;
    s->facts.n_names = i + 1;
  }
  if (s->facts.n_names != m->n_algorithms) {
    dckpt_run_facts_clear(s);
    return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  }
  memcpy(s->facts.run_id, run_id, DCKPT_RUN_ID_LEN + 1);
  s->facts.has_run_id = s->facts.loaded = true;
  return DCKPT_OK;
}

/* The run directory's own entry in its parent is durable before anything is
 * committed in it: a writer killed between creating it and the fsync of the
 * parent left it in the page cache only, where a second initialize found it
 * and synced nothing (tests/powerloss: initialize_after_kill). */
static int sync_own_entry(dckpt_store *s) {
  char *parent = dckpt_path_dirname(s->dir);
  int rc = parent ? dckpt_io_fsync_dir(parent, &s->err)
                  : dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  free(parent);
  return rc;
}

int dckpt_store_initialize(dckpt_store *s, const dckpt_metadata *m,
                           const dckpt_record *initial_algorithms,
                           const dckpt_record *problem) {
  DCKPT_TRY(dckpt_store_require_writable(s, "initialize"));
  if (!m) return dckpt_store_fail(s, DCKPT_EINVAL, "initialize: metadata is NULL");
  DCKPT_TRY(validate_plan(s, m));
  char run_id[DCKPT_RUN_ID_LEN + 1];
  if (dckpt_make_run_id(run_id) != DCKPT_OK)
    return dckpt_store_fail(s, DCKPT_EIO,
                            "initialize: the kernel gave no random bytes "
                            "for the run id");
  cJSON *j = dckpt_metadata_to_json(s, m, run_id);
  if (!j) return s->err.status;
  /* Before anything is made: a metadata.json that cannot be read back (a
   * caller's benchmark_metadata nested too deep or too large) is no run. */
  char *meta_path = dckpt_layout_root_file(s, DCKPT_METADATA_FILE);
  int rc = meta_path ? dckpt_json_check_readable(meta_path, j, &s->err)
                     : dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  free(meta_path);
  if (rc != DCKPT_OK) {
    cJSON_Delete(j);
    return rc;
  }
  rc = dckpt_store_prepare_dir(s);
  if (rc == DCKPT_OK) rc = check_fresh(s);
  if (rc == DCKPT_OK) rc = sync_own_entry(s);
  /* The files written before metadata.json carry the new run's identity. */
  if (rc == DCKPT_OK) rc = remember_run(s, m, run_id);
  if (rc == DCKPT_OK)
    rc = write_record(s, DCKPT_INITIAL_FILE, DCKPT_KIND_INITIAL, initial_algorithms,
                      "initial");
  if (rc == DCKPT_OK)
    rc = write_record(s, DCKPT_PROBLEM_FILE, DCKPT_KIND_PROBLEM, problem, "problem");
  for (size_t i = 0; rc == DCKPT_OK && i < m->n_algorithms; i++) {
    char *dir = dckpt_layout_alg_dir(s, (int64_t)i);
    rc = dir ? dckpt_mkdirs(dir, true, &s->err)
             : dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
    free(dir);
  }
  /* metadata.json last: a directory holds a run exactly when it exists. */
  if (rc == DCKPT_OK) {
    char *path = dckpt_layout_root_file(s, DCKPT_METADATA_FILE);
    dckpt_io_opts io = dckpt_store_run_io(s, "metadata");
    rc = path ? dckpt_json_save(path, j, &io, &s->err)
              : dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
    free(path);
  }
  cJSON_Delete(j);
  if (rc == DCKPT_OK)
    dckpt_log(&s->log, DCKPT_LOG_INFO, "initialized checkpoint directory '%s'", s->dir);
  else
    dckpt_run_facts_clear(s);
  return rc;
}

/* Unmarks the trials of `alg` so that they continue to the new plan: every
 * trial, also one that looks unmarked, since an earlier extend killed after
 * the unlink but before the directory's fsync leaves complete.json gone from
 * the page cache only, and after a power loss the trial would count as
 * complete under the grown plan (tests/powerloss: extend_after_kill). The
 * unmark of a trial never started costs nothing; of others, an fsync. */
static int reopen_trials(dckpt_store *s, int64_t alg, int64_t n_trials) {
  for (int64_t t = 0; t < n_trials; t++) {
    char *path = dckpt_layout_trial_file(s, alg, t, DCKPT_COMPLETE_FILE);
    int rc = path ? dckpt_io_remove(path, true, &s->err)
                  : dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
    free(path);
    DCKPT_TRY(rc);
  }
  return DCKPT_OK;
}

/* Everything an extension asks is checked before anything changes: limits,
 * and that nothing shrinks. */
static int check_extension(dckpt_store *s, const dckpt_metadata *m, int64_t n_trials,
                           const int64_t *iterations) {
  DCKPT_TRY(dckpt_check_plan_size(s, "extend", m->n_algorithms, n_trials));
  if (n_trials < m->n_trials)
    return dckpt_store_fail(s, DCKPT_EINVAL, "cannot reduce n_trials from %lld to %lld",
                            (long long)m->n_trials, (long long)n_trials);
  for (size_t i = 0; iterations && i < m->n_algorithms; i++) {
    const char *name = m->algorithms[i].name;
    DCKPT_TRY(dckpt_check_iterations(s, "extend", name, iterations[i]));
    if (iterations[i] < m->algorithms[i].iterations)
      return dckpt_store_fail(
          s, DCKPT_EINVAL, "cannot reduce the iterations of '%s' from %lld to %lld", name,
          (long long)m->algorithms[i].iterations, (long long)iterations[i]);
  }
  return dckpt_check_plan_total(s, "extend", n_trials, m->algorithms, iterations,
                                m->n_algorithms);
}

/* Takes the trials of every algorithm that grows out of the completion index
 * (durably) before any of their markers goes. */
static int forget_grown(dckpt_store *s, const dckpt_metadata *m,
                        const int64_t *iterations) {
  bool *grown = calloc(m->n_algorithms + 1, sizeof *grown);
  if (!grown) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  bool any = false;
  for (size_t i = 0; i < m->n_algorithms; i++)
    any |= grown[i] = iterations[i] > m->algorithms[i].iterations;
  int rc = any ? dckpt_index_forget(s, grown, -1, -1) : DCKPT_OK;
  free(grown);
  return rc;
}

int dckpt_store_extend(dckpt_store *s, int64_t n_trials, const int64_t *iterations) {
  DCKPT_TRY(dckpt_store_require_writable(s, "extend"));
  cJSON *j = NULL;
  dckpt_metadata *m = NULL;
  DCKPT_TRY(dckpt_store_read_metadata(s, &j, &m));
  int rc = check_extension(s, m, n_trials, iterations);
  bool more_iterations = false;
  for (size_t i = 0; iterations && i < m->n_algorithms; i++)
    more_iterations = more_iterations || iterations[i] > m->algorithms[i].iterations;
  if (rc == DCKPT_OK && more_iterations && (s->opts.flags & DCKPT_OPEN_SHARED))
    rc = dckpt_store_check_alone(s);
  /* The completion index forgets the trials to unmark before any marker goes
   * (a kill in between leaves markers the index no longer lists: a rescan). */
  if (rc == DCKPT_OK && iterations) rc = forget_grown(s, m, iterations);
  bool changed = n_trials != m->n_trials;
  for (size_t i = 0; rc == DCKPT_OK && iterations && i < m->n_algorithms; i++) {
    if (iterations[i] > m->algorithms[i].iterations) {
      changed = true;
      /* Unmark before metadata grows: a crash in between only reruns a
       * finished trial's (empty) remainder, never skips new iterations. */
      rc = reopen_trials(s, (int64_t)i, m->n_trials);
      cJSON *a =
          cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "algorithms"), (int)i);
      cJSON_ReplaceItemInObjectCaseSensitive(a, "iterations",
                                             cJSON_CreateNumber((double)iterations[i]));
    }
  }
  if (rc == DCKPT_OK && changed) {
    char *marker = dckpt_layout_root_file(s, DCKPT_METRICS_MARKER);
    if (marker) rc = dckpt_io_remove(marker, true, &s->err);
    free(marker);
    cJSON_ReplaceItemInObjectCaseSensitive(j, "n_trials",
                                           cJSON_CreateNumber((double)n_trials));
    if (rc == DCKPT_OK) rc = dckpt_store_save_metadata_json(s, j);
    if (rc == DCKPT_OK)
      dckpt_log(&s->log, DCKPT_LOG_INFO, "extended run '%s' to %lld trials", s->dir,
                (long long)n_trials);
  }
  cJSON_Delete(j);
  dckpt_metadata_free(m);
  return rc;
}

static int load_root_record(dckpt_store *s, const char *name, dckpt_kind kind,
                            dckpt_record **out) {
  *out = NULL;
  char *path = dckpt_layout_root_file(s, name);
  if (!path) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  dckpt_where w = {kind, -1, -1, -1};
  int rc = dckpt_store_read_record(s, path, &w, out);
  free(path);
  return rc;
}

int dckpt_store_load_initial_algorithms(dckpt_store *s, dckpt_record **out) {
  DCKPT_STORE_NEED(s, "load_initial_algorithms", out);
  return load_root_record(s, DCKPT_INITIAL_FILE, DCKPT_KIND_INITIAL, out);
}

int dckpt_store_load_problem(dckpt_store *s, dckpt_record **out) {
  DCKPT_STORE_NEED(s, "load_problem", out);
  return load_root_record(s, DCKPT_PROBLEM_FILE, DCKPT_KIND_PROBLEM, out);
}
