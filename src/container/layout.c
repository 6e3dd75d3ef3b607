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

/* run_files.h cannot include dckpt_container.h (dckpt compiles it in
 * without MPI): its kinds must be dckpt_entry_kind's numbers. */
#define SAME_KIND(k) ((int)CTR_RF_##k == (int)DCKPT_ENTRY_##k)
_Static_assert(SAME_KIND(METADATA) && SAME_KIND(PROBLEM) && SAME_KIND(INITIAL) &&
                   SAME_KIND(METRICS) && SAME_KIND(METRICS_MARKER) &&
                   SAME_KIND(CHECKPOINT) && SAME_KIND(PROGRESS) && SAME_KIND(COMPLETE) &&
                   SAME_KIND(OTHER) && SAME_KIND(SEGMENT),
               "run_files.h kinds differ from dckpt_entry_kind");
#undef SAME_KIND

bool ctr_kind_is_record(int kind) {
  return kind == DCKPT_ENTRY_PROBLEM || kind == DCKPT_ENTRY_INITIAL ||
         kind == DCKPT_ENTRY_METRICS || kind == DCKPT_ENTRY_CHECKPOINT ||
         kind == DCKPT_ENTRY_SEGMENT;
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
  ctr_run_file f;
  bool ok = ctr_run_file_parse(path, len, &f) && f.kind == kind && f.alg == alg &&
            f.trial == trial && f.iteration == iteration;
  if (!ok)
    snprintf(why, whylen, "path \"%.*s\" is not the name of a kind-%d entry (%s)",
             (int)(len < 200 ? len : 200), path, kind,
             kind == DCKPT_ENTRY_OTHER ? "run_status.json or results/[DIR/...]NAME"
                                       : "the name the directory layout gives it");
  return ok;
}
