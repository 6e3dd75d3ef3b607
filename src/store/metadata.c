/* metadata.json and the initial files: creating a run, reading and validating
 * its plan, merging user metadata, growing the plan. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/record_io.h"
#include "io/fs.h"
#include "io/json_file.h"
#include "store/store_internal.h"
#include "util/json.h"

void dckpt_metadata_free(dckpt_metadata *m) {
  if (!m) return;
  for (size_t i = 0; i < m->n_algorithms; i++) {
    free((char *)m->algorithms[i].name);
    free((char *)m->algorithms[i].config);
  }
  free(m->algorithms);
  free(m->benchmark_metadata);
  free(m->run_id);
  free(m->campaign);
  free(m);
}

/* The DCKPT_MAX_* limits, checked before anything is allocated for a plan or
 * written for it. `what` names where the numbers come from. */
int dckpt_check_plan_size(dckpt_store *s, const char *what, size_t n_algorithms,
                          int64_t n_trials) {
  if (n_algorithms > DCKPT_MAX_ALGORITHMS)
    return dckpt_store_fail(s, DCKPT_ETOOBIG, "%s: %zu algorithms exceed the limit of %d",
                            what, n_algorithms, DCKPT_MAX_ALGORITHMS);
  if (n_trials > DCKPT_MAX_TRIALS)
    return dckpt_store_fail(s, DCKPT_ETOOBIG, "%s: %lld trials exceed the limit of %lld",
                            what, (long long)n_trials, (long long)DCKPT_MAX_TRIALS);
  if (n_trials > 0 && (int64_t)n_algorithms > DCKPT_MAX_PAIRS / n_trials)
    return dckpt_store_fail(s, DCKPT_ETOOBIG,
                            "%s: %zu algorithms x %lld trials exceed the limit of %lld "
                            "(algorithm, trial) pairs",
                            what, n_algorithms, (long long)n_trials,
                            (long long)DCKPT_MAX_PAIRS);
  return DCKPT_OK;
}

int dckpt_check_iterations(dckpt_store *s, const char *what, const char *name,
                           int64_t iterations) {
  if (iterations > DCKPT_MAX_ITERATIONS)
    return dckpt_store_fail(s, DCKPT_ETOOBIG,
                            "%s: %lld iterations of '%s' exceed the limit of %lld", what,
                            (long long)iterations, name, (long long)DCKPT_MAX_ITERATIONS);
  return DCKPT_OK;
}

/* An optional key holding a JSON object, as compact text (NULL when absent). */
static int optional_object(dckpt_store *s, const cJSON *j, const char *key,
                           const char *file, char **out) {
  *out = NULL;
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
  if (!v) return DCKPT_OK;
  if (!cJSON_IsObject(v))
    return dckpt_store_fail(s, DCKPT_ECORRUPT, "'%s': key \"%s\" must be an object", file,
                            key);
  *out = cJSON_PrintUnformatted(v);
  return *out ? DCKPT_OK : dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
}

static int parse_algorithms(dckpt_store *s, const cJSON *arr, const char *file,
                            dckpt_metadata *m) {
  if (!cJSON_IsArray(arr))
    return dckpt_store_fail(s, DCKPT_ECORRUPT,
                            "'%s': key \"algorithms\" must be an array", file);
  int n = cJSON_GetArraySize(arr);
  DCKPT_TRY(dckpt_check_plan_size(s, file, (size_t)n, 0));
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
    DCKPT_TRY(dckpt_check_iterations(s, file, name, iters));
    char *config = NULL;
    DCKPT_TRY(optional_object(s, a, "config", file, &config));
    m->algorithms[i].config = config;
  }
  return DCKPT_OK;
}

/* "run_id": 32 lowercase hex digits; absent in runs of older versions. */
static int parse_run_id(dckpt_store *s, const cJSON *j, const char *file,
                        dckpt_metadata *m) {
  if (!cJSON_GetObjectItemCaseSensitive(j, "run_id")) return DCKPT_OK;
  const char *id = NULL;
  DCKPT_TRY(dckpt_json_get_str(j, "run_id", file, &id, &s->err));
  bool ok = strlen(id) == DCKPT_RUN_ID_LEN;
  for (size_t i = 0; ok && i < DCKPT_RUN_ID_LEN; i++)
    ok = (id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f');
  if (!ok)
    return dckpt_store_fail(s, DCKPT_ECORRUPT,
                            "'%s': key \"run_id\" must be %d lowercase hex digits", file,
                            DCKPT_RUN_ID_LEN);
  m->run_id = strdup(id);
  return m->run_id ? DCKPT_OK : dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
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
  DCKPT_TRY(dckpt_check_plan_size(s, file, 0, m->n_trials));
  if (!cJSON_GetObjectItemCaseSensitive(j, "algorithms"))
    return dckpt_store_fail(s, DCKPT_ECORRUPT, "'%s': key \"algorithms\" is missing",
                            file);
  DCKPT_TRY(
      parse_algorithms(s, cJSON_GetObjectItemCaseSensitive(j, "algorithms"), file, m));
  DCKPT_TRY(dckpt_check_plan_size(s, file, m->n_algorithms, m->n_trials));
  DCKPT_TRY(parse_run_id(s, j, file, m));
  DCKPT_TRY(optional_object(s, j, "campaign", file, &m->campaign));
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

/* Parses an optional JSON object given by the caller (`what` names it). */
static int caller_object(dckpt_store *s, const char *text, const char *what,
                         cJSON **out) {
  *out = NULL;
  if (!text) return DCKPT_OK;
  if (dckpt_json_parse_object(text, what, out, &s->err) == DCKPT_OK) return DCKPT_OK;
  s->err.status = DCKPT_EINVAL; /* the caller's text, not a file, is bad */
  return DCKPT_EINVAL;
}

static cJSON *algorithms_json(dckpt_store *s, const dckpt_metadata *m) {
  cJSON *algs = cJSON_CreateArray();
  for (size_t i = 0; algs && i < m->n_algorithms; i++) {
    char what[300];
    snprintf(what, sizeof what, "config of algorithm '%s'", m->algorithms[i].name);
    cJSON *config = NULL;
    if (caller_object(s, m->algorithms[i].config, what, &config) != DCKPT_OK) {
      cJSON_Delete(algs);
      return NULL;
    }
    cJSON *a = cJSON_CreateObject();
    if (!a) {
      cJSON_Delete(config);
      break;
    }
    cJSON_AddStringToObject(a, "name", m->algorithms[i].name);
    cJSON_AddNumberToObject(a, "iterations", (double)m->algorithms[i].iterations);
    cJSON_AddNumberToObject(a, "index", (double)i);
    if (config) cJSON_AddItemToObject(a, "config", config);
    cJSON_AddItemToArray(algs, a);
  }
  if (!algs) dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  return algs;
}

/* Builds metadata.json's object from a plan and a run id; NULL when out of
 * memory or when a caller's JSON text is not an object (reported through s). */
static cJSON *metadata_json(dckpt_store *s, const dckpt_metadata *m, const char *run_id) {
  cJSON *bm = NULL, *campaign = NULL, *algs = NULL, *j = NULL;
  if (caller_object(s, m->benchmark_metadata, "benchmark_metadata", &bm) ||
      caller_object(s, m->campaign, "campaign", &campaign) ||
      !(algs = algorithms_json(s, m))) {
    cJSON_Delete(bm);
    cJSON_Delete(campaign);
    return NULL;
  }
  j = cJSON_CreateObject();
  if (!j) {
    cJSON_Delete(bm);
    cJSON_Delete(campaign);
    cJSON_Delete(algs);
    dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
    return NULL;
  }
  cJSON_AddNumberToObject(j, "format_version", DCKPT_LAYOUT_VERSION);
  cJSON_AddStringToObject(j, "dckpt_version", DCKPT_VERSION_STRING);
  cJSON_AddStringToObject(j, "run_id", run_id);
  cJSON_AddNumberToObject(j, "n_trials", (double)m->n_trials);
  cJSON_AddItemToObject(j, "algorithms", algs);
  cJSON_AddItemToObject(j, "benchmark_metadata", bm ? bm : cJSON_CreateObject());
  if (campaign) cJSON_AddItemToObject(j, "campaign", campaign);
  if (m->has_seed) cJSON_AddItemToObject(j, "rng_seed", seed_json(m->rng_seed));
  return j;
}

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
  dckpt_io_opts io = dckpt_store_io(s, label);
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
  cJSON *j = metadata_json(s, m, run_id);
  if (!j) return s->err.status;
  int rc = dckpt_store_prepare_dir(s);
  if (rc == DCKPT_OK) rc = check_fresh(s);
  /* The files written before metadata.json carry the new run's identity. */
  if (rc == DCKPT_OK) rc = remember_run(s, m, run_id);
  if (rc == DCKPT_OK)
    rc = write_record(s, DCKPT_INITIAL_FILE, DCKPT_KIND_INITIAL, initial_algorithms,
                      "initial");
  if (rc == DCKPT_OK)
    rc = write_record(s, DCKPT_PROBLEM_FILE, DCKPT_KIND_PROBLEM, problem, "problem");
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
  else
    dckpt_run_facts_clear(s);
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
  return DCKPT_OK;
}

int dckpt_store_extend(dckpt_store *s, int64_t n_trials, const int64_t *iterations) {
  DCKPT_TRY(dckpt_store_require_writable(s, "extend"));
  cJSON *j = NULL;
  dckpt_metadata *m = NULL;
  DCKPT_TRY(dckpt_store_read_metadata(s, &j, &m));
  int rc = check_extension(s, m, n_trials, iterations);
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
    if (marker) rc = dckpt_io_remove(marker, false, &s->err);
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
  return load_root_record(s, DCKPT_INITIAL_FILE, DCKPT_KIND_INITIAL, out);
}

int dckpt_store_load_problem(dckpt_store *s, dckpt_record **out) {
  return load_root_record(s, DCKPT_PROBLEM_FILE, DCKPT_KIND_PROBLEM, out);
}
