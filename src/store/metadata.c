/* metadata.json and the initial files: creating a run, reading and validating
 * its plan, merging user metadata, growing the plan. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format/record_io.h"
#include "io/fs.h"
#include "io/json_file.h"
#include "store/store_internal.h"
#include "util/json.h"

void dckpt_metadata_free(dckpt_metadata *m) {
  if (!m) return;
  for (size_t i = 0; i < m->n_algorithms; i++)
    free((char *)m->algorithms[i].name);
  free(m->algorithms);
  free(m->benchmark_metadata);
  free(m);
}

static int parse_algorithms(dckpt_store *s, const cJSON *arr, const char *file,
                            dckpt_metadata *m) {
  if (!cJSON_IsArray(arr))
    return dckpt_store_fail(s, DCKPT_ECORRUPT,
                            "'%s': key \"algorithms\" must be an array", file);
  int n = cJSON_GetArraySize(arr);
  m->algorithms = calloc((size_t)n + 1, sizeof *m->algorithms);
  if (!m->algorithms) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  for (int i = 0; i < n; i++) {
    const cJSON *a = cJSON_GetArrayItem(arr, i);
    const char *name = NULL;
    int64_t iters = 0, index = 0;
    if (!cJSON_IsObject(a))
      return dckpt_store_fail(s, DCKPT_ECORRUPT, "'%s': algorithms[%d] must be an object",
                              file, i);
    if (dckpt_json_get_str(a, "name", file, &name, &s->err) ||
        dckpt_json_get_i64(a, "iterations", file, &iters, &s->err) ||
        dckpt_json_get_i64(a, "index", file, &index, &s->err))
      return dckpt_err_wrap(&s->err, "algorithms[%d]", i);
    if (iters < 0 || index != i)
      return dckpt_store_fail(s, DCKPT_ECORRUPT,
                              "'%s': algorithms[%d] has iterations %lld and index %lld "
                              "(need iterations >= 0 and index %d)",
                              file, i, (long long)iters, (long long)index, i);
    m->algorithms[i].name = strdup(name);
    m->algorithms[i].iterations = iters;
    m->n_algorithms = (size_t)i + 1;
    if (!m->algorithms[i].name) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  }
  return DCKPT_OK;
}

static int parse_metadata(dckpt_store *s, const cJSON *j, const char *file,
                          dckpt_metadata *m) {
  int64_t version = 1;
  if (cJSON_GetObjectItemCaseSensitive(j, "format_version")) {
    DCKPT_TRY(dckpt_json_get_i64(j, "format_version", file, &version, &s->err));
    if (version < 1 || version > DCKPT_LAYOUT_VERSION)
      return dckpt_store_fail(s, DCKPT_EVERSION,
                              "'%s': format_version %lld is not supported (this dckpt "
                              "reads 1..%d)",
                              file, (long long)version, DCKPT_LAYOUT_VERSION);
  }
  m->format_version = (int)version;
  DCKPT_TRY(dckpt_json_get_i64(j, "n_trials", file, &m->n_trials, &s->err));
  if (m->n_trials < 0)
    return dckpt_store_fail(s, DCKPT_ECORRUPT, "'%s': key \"n_trials\" must be >= 0",
                            file);
  DCKPT_TRY(
      parse_algorithms(s, cJSON_GetObjectItemCaseSensitive(j, "algorithms"), file, m));
  if (!cJSON_GetObjectItemCaseSensitive(j, "algorithms"))
    return dckpt_store_fail(s, DCKPT_ECORRUPT, "'%s': key \"algorithms\" is missing",
                            file);
  const cJSON *bm = cJSON_GetObjectItemCaseSensitive(j, "benchmark_metadata");
  if (bm && !cJSON_IsObject(bm))
    return dckpt_store_fail(s, DCKPT_ECORRUPT,
                            "'%s': key \"benchmark_metadata\" must be an object", file);
  m->benchmark_metadata = bm ? cJSON_PrintUnformatted(bm) : strdup("{}");
  if (!m->benchmark_metadata) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  if (cJSON_GetObjectItemCaseSensitive(j, "rng_seed")) {
    DCKPT_TRY(dckpt_json_get_u64(j, "rng_seed", file, &m->rng_seed, &s->err));
    m->has_seed = true;
  }
  return DCKPT_OK;
}

int dckpt_store_read_metadata(dckpt_store *s, cJSON **json, dckpt_metadata **meta) {
  if (json) *json = NULL;
  if (meta) *meta = NULL;
  char *path = dckpt_layout_root_file(s, DCKPT_METADATA_FILE);
  if (!path) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  cJSON *j = NULL;
  int rc = dckpt_json_load(path, &j, &s->err);
  if (rc == DCKPT_ENOENT)
    dckpt_store_fail(s, rc, "'%s' does not hold a dckpt run: '%s' is missing", s->dir,
                     path);
  dckpt_metadata *m = NULL;
  if (rc == DCKPT_OK) {
    m = calloc(1, sizeof *m);
    rc = m ? parse_metadata(s, j, path, m)
           : dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  }
  free(path);
  if (rc == DCKPT_OK && json)
    *json = j;
  else
    cJSON_Delete(j);
  if (rc == DCKPT_OK && meta)
    *meta = m;
  else
    dckpt_metadata_free(m);
  return rc;
}

int dckpt_store_load_metadata(dckpt_store *s, dckpt_metadata **out) {
  return dckpt_store_read_metadata(s, NULL, out);
}

static cJSON *seed_json(uint64_t seed) {
  if (seed <= ((uint64_t)1 << 53)) return cJSON_CreateNumber((double)seed);
  char buf[32];
  snprintf(buf, sizeof buf, "%llu", (unsigned long long)seed);
  return cJSON_CreateString(buf);
}

/* Builds metadata.json's object from a plan; NULL when out of memory or when
 * benchmark_metadata is not an object (reported through s). */
static cJSON *metadata_json(dckpt_store *s, const dckpt_metadata *m) {
  cJSON *bm = NULL;
  if (m->benchmark_metadata &&
      dckpt_json_parse_object(m->benchmark_metadata, "benchmark_metadata", &bm, &s->err))
    return NULL;
  cJSON *j = cJSON_CreateObject();
  cJSON *algs = cJSON_CreateArray();
  if (!j || !algs) goto oom;
  cJSON_AddNumberToObject(j, "format_version", DCKPT_LAYOUT_VERSION);
  cJSON_AddStringToObject(j, "dckpt_version", DCKPT_VERSION_STRING);
  cJSON_AddNumberToObject(j, "n_trials", (double)m->n_trials);
  for (size_t i = 0; i < m->n_algorithms; i++) {
    cJSON *a = cJSON_CreateObject();
    if (!a) goto oom;
    cJSON_AddStringToObject(a, "name", m->algorithms[i].name);
    cJSON_AddNumberToObject(a, "iterations", (double)m->algorithms[i].iterations);
    cJSON_AddNumberToObject(a, "index", (double)i);
    cJSON_AddItemToArray(algs, a);
  }
  cJSON_AddItemToObject(j, "algorithms", algs);
  algs = NULL;
  cJSON_AddItemToObject(j, "benchmark_metadata", bm ? bm : cJSON_CreateObject());
  bm = NULL;
  if (m->has_seed) cJSON_AddItemToObject(j, "rng_seed", seed_json(m->rng_seed));
  return j;
oom:
  cJSON_Delete(j);
  cJSON_Delete(algs);
  cJSON_Delete(bm);
  dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  return NULL;
}

static int validate_plan(dckpt_store *s, const dckpt_metadata *m) {
  if (m->n_trials < 1)
    return dckpt_store_fail(s, DCKPT_EINVAL, "n_trials must be >= 1, got %lld",
                            (long long)m->n_trials);
  if (m->n_algorithms < 1 || !m->algorithms)
    return dckpt_store_fail(s, DCKPT_EINVAL, "a run needs at least one algorithm");
  for (size_t i = 0; i < m->n_algorithms; i++) {
    const char *name = m->algorithms[i].name;
    if (!name || !*name)
      return dckpt_store_fail(s, DCKPT_EINVAL, "algorithm %zu has an empty name", i);
    if (m->algorithms[i].iterations < 0)
      return dckpt_store_fail(s, DCKPT_EINVAL, "algorithm '%s' has %lld iterations", name,
                              (long long)m->algorithms[i].iterations);
    for (size_t k = 0; k < i; k++)
      if (!strcmp(name, m->algorithms[k].name))
        return dckpt_store_fail(s, DCKPT_EINVAL,
                                "duplicate algorithm name '%s' (algorithms %zu and %zu)",
                                name, k, i);
  }
  return DCKPT_OK;
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
    if (!strcmp(n, DCKPT_METADATA_FILE))
      has_meta = true;
    else if (strcmp(n, DCKPT_LOCK_NAME) && strncmp(n, DCKPT_LOCK_NAME ".", 11) &&
             strcmp(n, "HALT") &&
             strncmp(n, DCKPT_TMP_PREFIX, strlen(DCKPT_TMP_PREFIX)) &&
             strcmp(n, DCKPT_PROBLEM_FILE) && strcmp(n, DCKPT_INITIAL_FILE) &&
             strncmp(n, "algorithm_", 10))
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

static int write_record(dckpt_store *s, const char *name, const dckpt_record *rec,
                        const char *label) {
  char *path = dckpt_layout_root_file(s, name);
  if (!path) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  dckpt_record *empty = NULL;
  if (!rec) rec = empty = dckpt_record_create();
  dckpt_io_opts io = dckpt_store_io(s, label);
  int rc = rec ? dckpt_record_write_atomic(rec, path, s->opts.compression_level, &io,
                                           &s->scratch, &s->err)
               : dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  dckpt_record_free(empty);
  free(path);
  return rc;
}

int dckpt_store_initialize(dckpt_store *s, const dckpt_metadata *m,
                           const dckpt_record *initial_algorithms,
                           const dckpt_record *problem) {
  DCKPT_TRY(dckpt_store_require_writable(s, "initialize"));
  if (!m) return dckpt_store_fail(s, DCKPT_EINVAL, "initialize: metadata is NULL");
  DCKPT_TRY(validate_plan(s, m));
  DCKPT_TRY(dckpt_store_prepare_dir(s));
  DCKPT_TRY(check_fresh(s));
  cJSON *j = metadata_json(s, m);
  if (!j) return s->err.status;
  int rc = write_record(s, DCKPT_INITIAL_FILE, initial_algorithms, "initial");
  if (rc == DCKPT_OK) rc = write_record(s, DCKPT_PROBLEM_FILE, problem, "problem");
  for (size_t i = 0; rc == DCKPT_OK && i < m->n_algorithms; i++) {
    char *dir = dckpt_layout_alg_dir(s, (int64_t)i);
    rc = dir ? dckpt_mkdirs(dir, dckpt_store_durable(s), &s->err)
             : dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
    free(dir);
  }
  /* metadata.json last: a directory holds a run exactly when it exists. */
  if (rc == DCKPT_OK) {
    char *path = dckpt_layout_root_file(s, DCKPT_METADATA_FILE);
    dckpt_io_opts io = dckpt_store_io(s, "metadata");
    rc = path ? dckpt_json_save(path, j, &io, &s->err)
              : dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
    free(path);
  }
  cJSON_Delete(j);
  if (rc == DCKPT_OK)
    dckpt_log(&s->log, DCKPT_LOG_INFO, "initialized checkpoint directory '%s'", s->dir);
  return rc;
}

static int save_metadata_json(dckpt_store *s, const cJSON *j) {
  char *path = dckpt_layout_root_file(s, DCKPT_METADATA_FILE);
  if (!path) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  dckpt_io_opts io = dckpt_store_io(s, "metadata");
  int rc = dckpt_json_save(path, j, &io, &s->err);
  free(path);
  return rc;
}

int dckpt_store_append_metadata(dckpt_store *s, const char *json_object) {
  DCKPT_TRY(dckpt_store_require_writable(s, "append_metadata"));
  cJSON *add = NULL, *j = NULL;
  if (!json_object)
    return dckpt_store_fail(s, DCKPT_EINVAL, "append_metadata: NULL object");
  if (dckpt_json_parse_object(json_object, "append_metadata argument", &add, &s->err)) {
    s->err.status = DCKPT_EINVAL; /* the caller's text, not a file, is bad */
    return DCKPT_EINVAL;
  }
  int rc = dckpt_store_read_metadata(s, &j, NULL);
  if (rc == DCKPT_OK) {
    cJSON *bm = cJSON_GetObjectItemCaseSensitive(j, "benchmark_metadata");
    if (!bm) {
      bm = cJSON_CreateObject();
      cJSON_AddItemToObject(j, "benchmark_metadata", bm);
    }
    while (add->child) {
      cJSON *item = cJSON_DetachItemViaPointer(add, add->child);
      /* cJSON frees item->string while replacing: keep our own copy of the key. */
      char *key = strdup(item->string);
      if (!key) {
        cJSON_Delete(item);
        rc = dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
        break;
      }
      if (cJSON_GetObjectItemCaseSensitive(bm, key))
        cJSON_ReplaceItemInObjectCaseSensitive(bm, key, item);
      else
        cJSON_AddItemToObject(bm, key, item);
      free(key);
    }
    if (rc == DCKPT_OK) rc = save_metadata_json(s, j);
  }
  cJSON_Delete(add);
  cJSON_Delete(j);
  return rc;
}

/* Unmarks the trials of `alg` so that they continue to the new plan. */
static int reopen_trials(dckpt_store *s, int64_t alg, int64_t n_trials) {
  for (int64_t t = 0; t < n_trials; t++) {
    bool done = false;
    DCKPT_TRY(dckpt_store_is_complete(s, alg, t, &done));
    if (done) DCKPT_TRY(dckpt_store_unmark_complete(s, alg, t));
  }
  return DCKPT_OK;
}

int dckpt_store_extend(dckpt_store *s, int64_t n_trials, const int64_t *iterations) {
  DCKPT_TRY(dckpt_store_require_writable(s, "extend"));
  cJSON *j = NULL;
  dckpt_metadata *m = NULL;
  DCKPT_TRY(dckpt_store_read_metadata(s, &j, &m));
  int rc = DCKPT_OK;
  bool changed = n_trials != m->n_trials;
  if (n_trials < m->n_trials)
    rc = dckpt_store_fail(s, DCKPT_EINVAL, "cannot reduce n_trials from %lld to %lld",
                          (long long)m->n_trials, (long long)n_trials);
  for (size_t i = 0; rc == DCKPT_OK && iterations && i < m->n_algorithms; i++) {
    if (iterations[i] < m->algorithms[i].iterations)
      rc = dckpt_store_fail(s, DCKPT_EINVAL,
                            "cannot reduce the iterations of '%s' from %lld to %lld",
                            m->algorithms[i].name, (long long)m->algorithms[i].iterations,
                            (long long)iterations[i]);
    else if (iterations[i] > m->algorithms[i].iterations) {
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
    if (marker && unlink(marker) != 0 && errno != ENOENT)
      rc = dckpt_err_errno(&s->err, errno, "cannot remove '%s'", marker);
    free(marker);
    cJSON_ReplaceItemInObjectCaseSensitive(j, "n_trials",
                                           cJSON_CreateNumber((double)n_trials));
    if (rc == DCKPT_OK) rc = save_metadata_json(s, j);
    if (rc == DCKPT_OK)
      dckpt_log(&s->log, DCKPT_LOG_INFO, "extended run '%s' to %lld trials", s->dir,
                (long long)n_trials);
  }
  cJSON_Delete(j);
  dckpt_metadata_free(m);
  return rc;
}

static int load_root_record(dckpt_store *s, const char *name, dckpt_record **out) {
  *out = NULL;
  char *path = dckpt_layout_root_file(s, name);
  if (!path) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  int rc = dckpt_record_read(path, out, &s->scratch, &s->err);
  free(path);
  return rc;
}

int dckpt_store_load_initial_algorithms(dckpt_store *s, dckpt_record **out) {
  return load_root_record(s, DCKPT_INITIAL_FILE, out);
}

int dckpt_store_load_problem(dckpt_store *s, dckpt_record **out) {
  return load_root_record(s, DCKPT_PROBLEM_FILE, out);
}
