/* The container's layout facts: pools, columns, kinds and entry paths. */
#include "container/layout.h"

#include <stdio.h>
#include <string.h>

#include "dckpt_container.h"
#include "util/xxh.h"

static const char *const pool_paths[CTR_N_POOLS] = {
    "data/f64", "data/f32", "data/i64", "data/u64", "data/bytes", "data/text"};
static const size_t pool_elems[CTR_N_POOLS] = {8, 4, 8, 8, 1, 1};

const char *ctr_pool_path(int p) {
  return p >= 0 && p < CTR_N_POOLS ? pool_paths[p] : "?";
}

size_t ctr_pool_elem(int p) {
  return p >= 0 && p < CTR_N_POOLS ? pool_elems[p] : 0;
}

int ctr_pool_of_dtype(int dtype) {
  switch (dtype) {
  case DCKPT_F64: return CTR_POOL_F64;
  case DCKPT_F32: return CTR_POOL_F32;
  case DCKPT_I64: return CTR_POOL_I64;
  case DCKPT_U64: return CTR_POOL_U64;
  case DCKPT_BYTES: return CTR_POOL_BYTES;
  default: return -1;
  }
}

const char ctr_files_columns[] =
    "kind,alg,trial,iteration,path_off,path_len,text_off,text_len,ident_off,ident_len,"
    "texts_hash,first_array,n_arrays,rec_version,rec_level,raw_bytes,row_hash";
const char ctr_arrays_columns[] =
    "dtype,ndim,name_off,name_len,shape0,shape1,shape2,shape3,shape4,shape5,shape6,"
    "shape7,offset,count,hash,row_hash";
const char ctr_trials_columns[] = "alg,trial,first_file,n_files,bytes,row_hash";

uint64_t ctr_hash(const void *data, size_t len) {
  return (uint64_t)XXH3_64bits(data, len);
}

uint64_t ctr_hash_parts(size_t n, const void *const *parts, const size_t *lens) {
  XXH3_state_t *st = XXH3_createState();
  if (!st || XXH3_64bits_reset(st) != XXH_OK) {
    XXH3_freeState(st);
    return 0;
  }
  for (size_t i = 0; i < n; i++)
    if (lens[i]) XXH3_64bits_update(st, parts[i], lens[i]);
  uint64_t h = (uint64_t)XXH3_64bits_digest(st);
  XXH3_freeState(st);
  return h;
}

/* The columns are u64 in memory and little-endian on disk; dckpt packs only
 * on little-endian hosts (container.c), where the two are the same bytes. */
uint64_t ctr_row_hash(const uint64_t *row, size_t ncols) {
  return ctr_hash(row, (ncols - 1) * sizeof *row);
}

const char *ctr_root_name(int kind) {
  switch (kind) {
  case DCKPT_ENTRY_METADATA: return "metadata.json";
  case DCKPT_ENTRY_PROBLEM: return "benchmark_problem.dckpt";
  case DCKPT_ENTRY_INITIAL: return "initial_algorithms.dckpt";
  case DCKPT_ENTRY_METRICS: return "metric_computation.dckpt";
  case DCKPT_ENTRY_METRICS_MARKER: return "metric_computation_complete.json";
  default: return NULL;
  }
}

bool ctr_kind_is_record(int kind) {
  return kind == DCKPT_ENTRY_PROBLEM || kind == DCKPT_ENTRY_INITIAL ||
         kind == DCKPT_ENTRY_METRICS || kind == DCKPT_ENTRY_CHECKPOINT ||
         kind == DCKPT_ENTRY_SEGMENT;
}

/* A plain decimal number without sign or leading zeros (except "0"). */
static const char *parse_number(const char *s, int64_t *out) {
  if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9')) return NULL;
  int64_t v = 0;
  for (; *s >= '0' && *s <= '9'; s++) {
    if (v > (INT64_MAX - 9) / 10) return NULL;
    v = v * 10 + (*s - '0');
  }
  *out = v;
  return s;
}

bool ctr_parse_trial_path(const char *path, int64_t *alg, int64_t *trial,
                          const char **name) {
  if (strncmp(path, "algorithm_", 10) != 0) return false;
  const char *p = parse_number(path + 10, alg);
  if (!p || strncmp(p, "/trial_", 7) != 0) return false;
  p = parse_number(p + 7, trial);
  if (!p) return false;
  if (!name) return *p == '\0';
  if (*p != '/' || !p[1]) return false;
  *name = p + 1;
  return true;
}

static bool safe_name(const char *s, size_t len) {
  if (len == 0 || len > 255 || s[0] == '.') return false;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

static bool other_path_valid(const char *path, size_t len) {
  if (len == strlen("run_status.json") && !memcmp(path, "run_status.json", len))
    return true;
  return len > 8 && !memcmp(path, "results/", 8) && safe_name(path + 8, len - 8);
}

/* The path an entry of a fixed kind must have; "" for DCKPT_ENTRY_OTHER. */
static bool canonical_path(int kind, int64_t alg, int64_t trial, int64_t iteration,
                           char *buf, size_t len) {
  const char *root = ctr_root_name(kind);
  int n = -1;
  if (root)
    n = snprintf(buf, len, "%s", root);
  else if (kind == DCKPT_ENTRY_CHECKPOINT)
    n = snprintf(buf, len, "algorithm_%lld/trial_%lld/checkpoint_%07lld.dckpt",
                 (long long)alg, (long long)trial, (long long)iteration);
  else if (kind == DCKPT_ENTRY_SEGMENT) /* as the directory names it (store/layout.c) */
    n = snprintf(buf, len, "algorithm_%lld/trial_%lld/metrics_%06lld.dckpt",
                 (long long)alg, (long long)trial, (long long)iteration);
  else if (kind == DCKPT_ENTRY_PROGRESS || kind == DCKPT_ENTRY_COMPLETE)
    n = snprintf(buf, len, "algorithm_%lld/trial_%lld/%s", (long long)alg,
                 (long long)trial,
                 kind == DCKPT_ENTRY_PROGRESS ? "progress.json" : "complete.json");
  return n >= 0 && (size_t)n < len;
}

bool ctr_path_valid(int kind, int64_t alg, int64_t trial, int64_t iteration,
                    const char *path, size_t len, char *why, size_t whylen) {
  bool numbered = kind == DCKPT_ENTRY_CHECKPOINT || kind == DCKPT_ENTRY_SEGMENT;
  bool trial_kind =
      numbered || kind == DCKPT_ENTRY_PROGRESS || kind == DCKPT_ENTRY_COMPLETE;
  if (kind < DCKPT_ENTRY_METADATA || kind > CTR_KIND_MAX) {
    snprintf(why, whylen, "unknown entry kind %d", kind);
    return false;
  }
  if (len == 0 || len > CTR_MAX_PATH || memchr(path, '\0', len)) {
    snprintf(why, whylen, "path of %zu bytes is empty, too long or holds a NUL", len);
    return false;
  }
  if (trial_kind ? (alg < 0 || alg > INT32_MAX || trial < 0 || trial > INT32_MAX ||
                    numbered != (iteration >= 0))
                 : (alg != -1 || trial != -1 || iteration != -1)) {
    snprintf(why, whylen, "algorithm %lld, trial %lld, iteration %lld do not fit kind %d",
             (long long)alg, (long long)trial, (long long)iteration, kind);
    return false;
  }
  bool ok;
  if (kind == DCKPT_ENTRY_OTHER) {
    ok = other_path_valid(path, len);
  } else {
    char want[160];
    ok = canonical_path(kind, alg, trial, iteration, want, sizeof want) &&
         strlen(want) == len && !memcmp(want, path, len);
  }
  if (!ok)
    snprintf(why, whylen, "path \"%.*s\" is not the name of a kind-%d entry (%s)",
             (int)(len < 200 ? len : 200), path, kind,
             kind == DCKPT_ENTRY_OTHER ? "run_status.json or results/NAME"
                                       : "the name the directory layout gives it");
  return ok;
}
