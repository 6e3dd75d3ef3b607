/* Every fact of the container's file layout (docs/container.md): the names
 * of its groups, datasets and attributes, the columns of the index tables,
 * the kinds of entries, the limits a reader checks. Nothing else in
 * src/container spells them, but for the names of a run's files
 * (run_files.h, which `dckpt ls` compiles in). */
#ifndef DCKPT_CONTAINER_LAYOUT_H
#define DCKPT_CONTAINER_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "container/run_files.h"
#include "dckpt.h"
#include "dckpt_container.h"

/** Version of the container layout; a reader refuses a larger one. Version 2
 *  added the kind DCKPT_ENTRY_SEGMENT (a trial's metric segments), version 3
 *  files in subdirectories of results/ (CTR_FORMAT_VERSION_NESTED). A pack
 *  writes the oldest version that holds what it packs (pk_format_version). */
#define CTR_FORMAT_VERSION 3
/** The version whose DCKPT_ENTRY_OTHER paths may be results/DIR/.../NAME. */
#define CTR_FORMAT_VERSION_NESTED 3
/** The largest kind of entry a reader knows. */
#define CTR_KIND_MAX DCKPT_ENTRY_SEGMENT
/** Value of the root attribute CTR_ATTR_MAGIC. */
#define CTR_MAGIC "dckpt container"

/* ---- root attributes ---- */
#define CTR_ATTR_MAGIC      "dckpt_container"
#define CTR_ATTR_VERSION    "format_version"
#define CTR_ATTR_DCKPT      "dckpt_version"
#define CTR_ATTR_N_ALGS     "n_algorithms"
#define CTR_ATTR_N_TRIALS   "n_trials"
#define CTR_ATTR_N_ROOT     "n_root_files"
#define CTR_ATTR_FINAL_ONLY "final_only"
#define CTR_ATTR_LEVEL      "level"
#define CTR_ATTR_RANKS      "packed_by_ranks"
/** Attribute of every index table: its column names, comma-separated. */
#define CTR_ATTR_COLUMNS "columns"

/* ---- datasets ---- */
#define CTR_GROUP_DATA  "data"
#define CTR_GROUP_INDEX "index"
#define CTR_DS_TEXT     "data/text"
#define CTR_DS_FILES    "index/files"
#define CTR_DS_ARRAYS   "index/arrays"
#define CTR_DS_TRIALS   "index/trials"

/** The data pools: one per record dtype, then the text pool. */
enum {
  CTR_POOL_F64,
  CTR_POOL_F32,
  CTR_POOL_I64,
  CTR_POOL_U64,
  CTR_POOL_BYTES,
  CTR_POOL_TEXT,
  CTR_N_POOLS
};
/** Dataset path of pool `p` ("data/f64", ..., "data/text"). */
const char *ctr_pool_path(int p);
/** Bytes of one element of pool `p`. */
size_t ctr_pool_elem(int p);
/** The pool of a record dtype, or -1 for an unknown dtype. */
int ctr_pool_of_dtype(int dtype);

/* ---- index/files: one row per file, u64 columns ---- */
enum {
  CTR_F_KIND,      /* dckpt_entry_kind; 0 = padding row (skipped) */
  CTR_F_ALG,       /* algorithm index, or -1 (two's complement) */
  CTR_F_TRIAL,     /* trial, or -1 */
  CTR_F_ITERATION, /* checkpoint iteration, or -1 */
  CTR_F_PATH_OFF,  /* path relative to the directory, in data/text */
  CTR_F_PATH_LEN,
  CTR_F_TEXT_OFF, /* a record's JSON header, or the file's bytes */
  CTR_F_TEXT_LEN,
  CTR_F_IDENT_OFF, /* a record's identity as JSON (0, 0: none) */
  CTR_F_IDENT_LEN,
  CTR_F_TEXTS_HASH,  /* XXH3-64 of the path, the text and the identity, in turn */
  CTR_F_FIRST_ARRAY, /* first row of the record's arrays in index/arrays */
  CTR_F_N_ARRAYS,
  CTR_F_REC_VERSION, /* format version of the record file that was packed */
  CTR_F_REC_LEVEL,   /* its zstd level (two's complement) */
  CTR_F_RAW_BYTES,   /* bytes of all its arrays */
  CTR_F_ROW_HASH,    /* XXH3-64 of the 8-byte little-endian columns before it */
  CTR_F_NCOLS
};

/* ---- index/arrays: one row per array of a record ---- */
enum {
  CTR_A_DTYPE, /* dckpt_dtype; 0 = padding row */
  CTR_A_NDIM,  /* 0..8 (0: a scalar of one element) */
  CTR_A_NAME_OFF,
  CTR_A_NAME_LEN,
  CTR_A_SHAPE0, /* 8 columns, outermost first, 0 beyond ndim */
  CTR_A_OFFSET = CTR_A_SHAPE0 + DCKPT_MAX_NDIM, /* first element in its pool */
  CTR_A_COUNT,                                  /* elements (product of the shape) */
  CTR_A_HASH, /* XXH3-64 of its name, then its bytes (little-endian elements) */
  CTR_A_ROW_HASH,
  CTR_A_NCOLS
};

/* ---- index/trials: row a * n_trials + t for trial t of algorithm a ---- */
enum {
  CTR_T_ALG,
  CTR_T_TRIAL,
  CTR_T_FIRST_FILE, /* its files: rows [first, first + n) of index/files */
  CTR_T_N_FILES,    /* 0: the trial has no directory */
  CTR_T_BYTES,      /* raw bytes of its files (arrays and texts) */
  CTR_T_ROW_HASH,
  CTR_T_NCOLS
};

/** Comma-separated column names of each table (the CTR_ATTR_COLUMNS value). */
extern const char ctr_files_columns[];
extern const char ctr_arrays_columns[];
extern const char ctr_trials_columns[];

/** Row hash: XXH3-64 of the first ncols-1 columns as little-endian u64. */
uint64_t ctr_row_hash(const uint64_t *row, size_t ncols);
/** XXH3-64 of a buffer (seed 0). */
uint64_t ctr_hash(const void *data, size_t len);
/** XXH3-64 (seed 0) of n buffers one after the other, as of their
 *  concatenation. 0 when out of memory (a mismatch, then: never a false OK). */
uint64_t ctr_hash_parts(size_t n, const void *const *parts, const size_t *lens);

/* ---- limits a reader checks before it allocates ---- */
/** Largest text (a JSON file, a record header, another file) in bytes. */
#define CTR_MAX_TEXT ((uint64_t)64 << 20)
/** Longest path of an entry. */
#define CTR_MAX_PATH CTR_RF_MAX_PATH
/** Most files one trial directory may hold. */
#define CTR_MAX_TRIAL_FILES ((uint64_t)1 << 20)
/** Most arrays of one record (as the record format). */
#define CTR_MAX_ARRAYS 65536
/** Most bytes of one record's arrays (as the record format). */
#define CTR_MAX_RECORD_BYTES ((uint64_t)1 << 40)
/** zstd never expands data more than this: a dataset's elements are bounded
 *  by its storage times this factor. */
#define CTR_MAX_RATIO 65536
/** Largest chunk of a dataset in bytes (pack's --chunk at most; index
 *  tables' chunks are smaller): HDF5 expands a whole chunk to read one of its
 *  elements, so a larger chunk is refused before anything is read. */
#define CTR_MAX_CHUNK_BYTES DCKPT_CONTAINER_CHUNK_MAX

/* ---- the paths of entries ---- */
/** Whether `kind` is stored as a record (arrays), else as bytes. */
bool ctr_kind_is_record(int kind);
/**
 * Whether `path` is the path an entry of this kind, algorithm, trial and
 * iteration must have (ctr_run_file_parse, run_files.h: the files a pack
 * takes): the canonical name for the fixed kinds, and for
 * DCKPT_ENTRY_OTHER "run_status.json" or "results/NAME" or
 * "results/DIR/.../NAME" (ctr_results_path_check: each name of letters,
 * digits, '.', '_' and '-', not starting with '.'). So no entry can
 * name an absolute path, "..", or a place outside its trial.
 * `why` receives the reason when not.
 */
bool ctr_path_valid(int kind, int64_t alg, int64_t trial, int64_t iteration,
                    const char *path, size_t len, char *why, size_t whylen);

#endif
