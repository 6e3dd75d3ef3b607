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

int dckpt_check_plan_total(dckpt_store *s, const char *what, int64_t n_trials,
                           const dckpt_algorithm_info *algs, const int64_t *iterations,
                           size_t n_algorithms) {
  /* In doubles: each term is below 2^78 (DCKPT_MAX_ITERATIONS x _TRIALS), and
   * the limit lies far enough under 2^63 for their rounding. */
  double total = 0;
  for (size_t i = 0; i < n_algorithms && n_trials > 0; i++) {
    int64_t it = iterations ? iterations[i] : algs[i].iterations;
    if (it > 0) total += (double)it * (double)n_trials;
  }
  if (total > (double)DCKPT_MAX_TOTAL_ITERATIONS)
    return dckpt_store_fail(s, DCKPT_ETOOBIG,
                            "%s: %lld trials of %zu algorithms, %.3g iterations in all, "
                            "exceed the limit of %lld iterations per run (2^62)",
                            what, (long long)n_trials, n_algorithms, total,
                            (long long)DCKPT_MAX_TOTAL_ITERATIONS);
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

static int cmp_algorithm_names(const void *a, const void *b) {
  const dckpt_algorithm_info *x = *(const dckpt_algorithm_info *const *)a,
                             *y = *(const dckpt_algorithm_info *const *)b;
  int c = strcmp(x->name, y->name);
  return c ? c : (x < y ? -1 : x > y);
}

/* Two algorithms of one name (initialize refuses that; a hand-edited file
 * may hold it) would make every lookup by name find the first of them: the
 * file is refused. Sorted, so 65,536 algorithms cost n log n. */
static int unique_names(dckpt_store *s, const char *file, const dckpt_metadata *m) {
  if (m->n_algorithms < 2) return DCKPT_OK;
  const dckpt_algorithm_info **by = malloc(m->n_algorithms * sizeof *by);
  if (!by) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  for (size_t i = 0; i < m->n_algorithms; i++)
    by[i] = &m->algorithms[i];
  qsort(by, m->n_algorithms, sizeof *by, cmp_algorithm_names);
  int rc = DCKPT_OK;
  for (size_t i = 1; i < m->n_algorithms && rc == DCKPT_OK; i++)
    if (!strcmp(by[i - 1]->name, by[i]->name))
      rc = dckpt_store_fail(
          s, DCKPT_ECORRUPT,
          "'%s': algorithms[%td] repeats the name '%s' of algorithms[%td]", file,
          by[i] - m->algorithms, by[i]->name, by[i - 1] - m->algorithms);
  free(by);
  return rc;
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
    char what[1100];
    snprintf(what, sizeof what, "'%s': algorithms[%d]", file, i);
    DCKPT_TRY(dckpt_json_check_unique_keys(a, false, what, &s->err));
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
  return unique_names(s, file, m);
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
  DCKPT_TRY(
      dckpt_check_plan_total(s, file, m->n_trials, m->algorithms, NULL, m->n_algorithms));
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
  int rc = dckpt_src_json_load(s, path, &j, &s->err);
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

int dckpt_store_parse_metadata_text(dckpt_store *s, const char *json, size_t len,
                                    const char *origin, dckpt_metadata **out) {
  *out = NULL;
  if (len > DCKPT_JSON_MAX_FILE)
    return dckpt_store_fail(s, DCKPT_ETOOBIG, "%s: %zu bytes exceed the limit", origin,
                            len);
  cJSON *j = cJSON_ParseWithLength(json, len);
  if (!j || !cJSON_IsObject(j)) {
    cJSON_Delete(j);
    return dckpt_store_fail(s, DCKPT_ECORRUPT, "%s: not a JSON object", origin);
  }
  if (dckpt_json_check_unique_keys(j, false, origin, &s->err) != DCKPT_OK) {
    cJSON_Delete(j);
    return s->err.status;
  }
  dckpt_metadata *m = calloc(1, sizeof *m);
  int rc = m ? parse_metadata(s, j, origin, m)
             : dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  cJSON_Delete(j);
  if (rc == DCKPT_OK)
    *out = m;
  else
    dckpt_metadata_free(m);
  return rc;
}

int dckpt_store_metadata_text(dckpt_store *s, char **json, size_t *len) {
  DCKPT_STORE_NEED(s, "metadata_text", json);
  DCKPT_STORE_NEED(s, "metadata_text", len);
  *json = NULL;
  *len = 0;
  char *path = dckpt_layout_root_file(s, DCKPT_METADATA_FILE);
  if (!path) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  char *data = NULL;
  size_t n = 0;
  int rc = dckpt_src_read(s, path, DCKPT_JSON_MAX_FILE, &data, &n, &s->err);
  if (rc == DCKPT_ENOENT)
    dckpt_store_fail(s, rc, "'%s' does not hold a dckpt run: '%s' is missing", s->dir,
                     path);
  dckpt_metadata *m = NULL;
  if (rc == DCKPT_OK) rc = dckpt_store_parse_metadata_text(s, data, n, path, &m);
  dckpt_metadata_free(m);
  free(path);
  if (rc != DCKPT_OK) {
    free(data);
    return rc;
  }
  *json = data;
  *len = n;
  return DCKPT_OK;
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
  return dckpt_json_parse_caller_object(text, what, out, &s->err);
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
cJSON *dckpt_metadata_to_json(dckpt_store *s, const dckpt_metadata *m,
                              const char *run_id) {
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

int dckpt_store_save_metadata_json(dckpt_store *s, const cJSON *j) {
  char *path = dckpt_layout_root_file(s, DCKPT_METADATA_FILE);
  if (!path) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  dckpt_io_opts io = dckpt_store_run_io(s, "metadata");
  /* A caller's metadata that makes the file unreadable would lose the run. */
  int rc = dckpt_json_check_readable(path, j, &s->err);
  if (rc == DCKPT_OK) rc = dckpt_json_save(path, j, &io, &s->err);
  free(path);
  return rc;
}

int dckpt_store_append_metadata(dckpt_store *s, const char *json_object) {
  DCKPT_TRY(dckpt_store_require_writable(s, "append_metadata"));
  cJSON *add = NULL, *j = NULL;
  if (!json_object)
    return dckpt_store_fail(s, DCKPT_EINVAL, "append_metadata: NULL object");
  int prc = dckpt_json_parse_caller_object(json_object, "append_metadata argument", &add,
                                           &s->err);
  if (prc != DCKPT_OK) return prc;
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
    if (rc == DCKPT_OK) rc = dckpt_store_save_metadata_json(s, j);
  }
  cJSON_Delete(add);
  cJSON_Delete(j);
  return rc;
}
