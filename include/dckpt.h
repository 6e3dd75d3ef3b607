/*
 * dckpt — crash-safe checkpoint store for benchmark campaigns.
 *
 * This header is the whole serial public API: status codes, logging, records
 * (named, typed, shaped arrays plus a JSON header) and the checkpoint store
 * (the directory layout of docs/format.md). Nothing here needs MPI.
 *
 * Conventions
 *  - Every function that can fail returns an int status: DCKPT_OK (0) or one of
 *    the negative DCKPT_E* codes below. Codes are pinned: they never change value.
 *  - Handles are opaque and come in create/free pairs; every free accepts NULL.
 *  - A failed call on a handle leaves a message naming the file, key or argument
 *    and the cause; read it with dckpt_store_errmsg() / dckpt_record_errmsg().
 *  - The library never exits, aborts, reads the environment or prints. Messages
 *    for the user go through the logging callback in dckpt_store_options.
 *  - Memory returned through a `char **` or array out-parameter is owned by the
 *    caller and released with dckpt_free() unless the function says otherwise.
 *  - Thread safety: distinct handles may be used from distinct threads at once;
 *    one handle must not be used by two threads at once.
 */
#ifndef DCKPT_H
#define DCKPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dckpt_export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------- */
/* Version                                                                   */
/* ------------------------------------------------------------------------- */

#define DCKPT_VERSION_MAJOR 0
#define DCKPT_VERSION_MINOR 2
#define DCKPT_VERSION_PATCH 0
#define DCKPT_VERSION_NUMBER                                                             \
  (DCKPT_VERSION_MAJOR * 10000 + DCKPT_VERSION_MINOR * 100 + DCKPT_VERSION_PATCH)
#define DCKPT_VERSION_STRING "0.2.0"

/** Version of the library actually linked (DCKPT_VERSION_NUMBER form). */
DCKPT_API unsigned dckpt_version_number(void);
/** Version of the library actually linked, "MAJOR.MINOR.PATCH". */
DCKPT_API const char *dckpt_version_string(void);

/* ------------------------------------------------------------------------- */
/* Status codes                                                              */
/* ------------------------------------------------------------------------- */

/* X(name, value, message). Values are pinned once published. */
#define DCKPT_STATUS_MAP(X)                                                              \
  X(OK, 0, "success")                                                                    \
  X(EINVAL, -1, "invalid argument")                                                      \
  X(ENOMEM, -2, "out of memory")                                                         \
  X(EIO, -3, "input/output error")                                                       \
  X(ENOENT, -4, "no such file or directory")                                             \
  X(EEXIST, -5, "already exists")                                                        \
  X(ENOSPC, -6, "no space left on device")                                               \
  X(EACCES, -7, "permission denied")                                                     \
  X(ECORRUPT, -8, "data is corrupt (checksum or structure)")                             \
  X(EVERSION, -9, "unsupported format version")                                          \
  X(ELOCKED, -10, "directory is locked by another run")                                  \
  X(ENOTEMPTY, -11, "directory is not empty")                                            \
  X(ENOTCOMPLETE, -12, "not marked complete")                                            \
  X(EMISMATCH, -13, "does not match the existing run")                                   \
  X(ECALLBACK, -14, "a user callback reported an error")                                 \
  X(EMPI, -15, "MPI error")                                                              \
  X(EINTERRUPTED, -16, "stopped by a stop request; resume later")                        \
  X(ETOOBIG, -17, "size exceeds a limit")                                                \
  X(EROFS, -18, "read-only file system")                                                 \
  X(ENOTDIR, -19, "not a directory")

typedef enum dckpt_status {
#define DCKPT_STATUS_ENUM_(name, value, msg) DCKPT_##name = (value),
  DCKPT_STATUS_MAP(DCKPT_STATUS_ENUM_)
#undef DCKPT_STATUS_ENUM_
} dckpt_status;

/** Human-readable text for a status code (never NULL). */
DCKPT_API const char *dckpt_strerror(int status);
/** The code's name without prefix, e.g. "ECORRUPT" (never NULL). */
DCKPT_API const char *dckpt_err_name(int status);

/** Releases memory that the library handed to the caller. Accepts NULL. */
DCKPT_API void dckpt_free(void *ptr);

/* ------------------------------------------------------------------------- */
/* Logging                                                                   */
/* ------------------------------------------------------------------------- */

typedef enum dckpt_log_level {
  DCKPT_LOG_DEBUG = 0,
  DCKPT_LOG_INFO = 1,
  DCKPT_LOG_WARN = 2,
  DCKPT_LOG_ERROR = 3
} dckpt_log_level;

/** Receives every message the library has for the user. `msg` is valid only
 *  during the call. Called from the thread that made the library call. */
typedef void (*dckpt_log_fn)(void *ctx, dckpt_log_level level, const char *msg);

/** Name of a level ("debug", "info", "warn", "error"). */
DCKPT_API const char *dckpt_log_level_name(dckpt_log_level level);

/* ------------------------------------------------------------------------- */
/* Records: named, typed, shaped arrays plus a JSON header                   */
/* ------------------------------------------------------------------------- */

typedef enum dckpt_dtype {
  DCKPT_F64 = 1,
  DCKPT_F32 = 2,
  DCKPT_I64 = 3,
  DCKPT_U64 = 4,
  DCKPT_BYTES = 5 /* u8; not shuffled */
} dckpt_dtype;

/** Largest number of dimensions of one array. */
#define DCKPT_MAX_NDIM 8
/** Longest array name in bytes (UTF-8, no NUL, no '/'). */
#define DCKPT_MAX_NAME 255

/** Size in bytes of one element of `dtype`, or 0 for an unknown dtype. */
DCKPT_API size_t dckpt_dtype_size(dckpt_dtype dtype);
/** Name of a dtype ("f64", "f32", "i64", "u64", "bytes"), or "?". */
DCKPT_API const char *dckpt_dtype_name(dckpt_dtype dtype);

typedef struct dckpt_record dckpt_record;

/** Creates an empty record. Returns NULL only when out of memory. */
DCKPT_API dckpt_record *dckpt_record_create(void);
/** Frees a record and every array it owns. Accepts NULL. */
DCKPT_API void dckpt_record_free(dckpt_record *rec);

/**
 * Adds an array, copying `data` (nelems * dtype size bytes, where nelems is the
 * product of `shape`; ndim 0 means a scalar of one element).
 * An existing array of the same name is replaced.
 * @return DCKPT_OK, DCKPT_EINVAL (bad name, dtype, ndim or NULL data with
 *         nonzero size), DCKPT_ETOOBIG or DCKPT_ENOMEM.
 */
DCKPT_API int dckpt_record_put(dckpt_record *rec, const char *name, dckpt_dtype dtype,
                               int ndim, const uint64_t *shape, const void *data);

/**
 * Like dckpt_record_put() but borrows `data` without copying: the caller keeps
 * it alive and unchanged until the record is freed or the array replaced.
 * Saving a record of borrowed arrays is how large states avoid an extra copy.
 */
DCKPT_API int dckpt_record_put_ref(dckpt_record *rec, const char *name, dckpt_dtype dtype,
                                   int ndim, const uint64_t *shape, const void *data);

/**
 * Makes the record own all its bytes: every array added with
 * dckpt_record_put_ref() is copied, in place (same names, order, header);
 * arrays the record already owns are left alone. After it the caller may
 * change or free the memory it lent. Cheaper than copying the whole record
 * when most arrays are owned already.
 * @return DCKPT_OK, DCKPT_EINVAL (NULL record), DCKPT_ENOMEM (the arrays copied
 *         so far stay owned; the rest stay borrowed; the message names the array).
 */
DCKPT_API int dckpt_record_own(dckpt_record *rec);

/** Convenience: a one-dimensional f64 array of n elements (copied). */
DCKPT_API int dckpt_record_put_f64(dckpt_record *rec, const char *name,
                                   const double *data, uint64_t n);
/** Convenience: a one-dimensional i64 array of n elements (copied). */
DCKPT_API int dckpt_record_put_i64(dckpt_record *rec, const char *name,
                                   const int64_t *data, uint64_t n);
/** Convenience: a one-dimensional u64 array of n elements (copied). */
DCKPT_API int dckpt_record_put_u64(dckpt_record *rec, const char *name,
                                   const uint64_t *data, uint64_t n);
/** Convenience: a byte array (copied); strings are stored without NUL. */
DCKPT_API int dckpt_record_put_bytes(dckpt_record *rec, const char *name,
                                     const void *data, uint64_t n);

/** Description of one array of a record; pointers are owned by the record and
 *  valid until it is freed or the array replaced. */
typedef struct dckpt_array_info {
  const char *name;
  dckpt_dtype dtype;
  int ndim;
  uint64_t shape[DCKPT_MAX_NDIM];
  uint64_t nelems;
  uint64_t nbytes;
  const void *data;
} dckpt_array_info;

/** Number of arrays in the record. */
DCKPT_API size_t dckpt_record_count(const dckpt_record *rec);
/** Array number `index` (insertion order). @return DCKPT_OK or DCKPT_EINVAL. */
DCKPT_API int dckpt_record_at(const dckpt_record *rec, size_t index,
                              dckpt_array_info *info);
/** Looks an array up by name. @return DCKPT_OK or DCKPT_ENOENT. */
DCKPT_API int dckpt_record_find(const dckpt_record *rec, const char *name,
                                dckpt_array_info *info);
/**
 * Copies array `name` into `out` after checking that it exists, has `dtype`
 * and exactly `nelems` elements. The message names the array and the mismatch.
 * @return DCKPT_OK, DCKPT_ENOENT or DCKPT_EMISMATCH.
 */
DCKPT_API int dckpt_record_get(const dckpt_record *rec, const char *name,
                               dckpt_dtype dtype, void *out, uint64_t nelems);

/** Sets the record's JSON header (must be a JSON object; copied). NULL clears. */
DCKPT_API int dckpt_record_set_header(dckpt_record *rec, const char *json);
/** The record's JSON header text ("{}" when unset); owned by the record. */
DCKPT_API const char *dckpt_record_header(const dckpt_record *rec);

/**
 * Where a record read from a file belongs: the identity the store wrote into
 * it (format version 2; docs/format.md), a compact JSON object such as
 * {"run":"…","kind":"checkpoint","alg":0,"alg_name":"DGD","trial":3,"iteration":249}.
 * "" for a record built in memory or read from a file without one. Owned by
 * the record. The store checks it on every load; saving a record through the
 * store always writes the identity of the place it is saved to.
 */
DCKPT_API const char *dckpt_record_identity(const dckpt_record *rec);

/** Message of the last failed call on this record ("" when none). */
DCKPT_API const char *dckpt_record_errmsg(const dckpt_record *rec);

/**
 * Encodes a record into the on-disk format (docs/format.md) in memory.
 * level 0 stores the payload uncompressed; 1..22 (or negative "fast" levels
 * down to -7) compress it with zstd after byte-shuffling numeric arrays.
 * @param[out] out  malloc'd buffer, release with dckpt_free().
 */
DCKPT_API int dckpt_record_encode(const dckpt_record *rec, int level, void **out,
                                  size_t *out_len);

/**
 * Decodes and verifies a record from memory (checksum, structure, bounds).
 * @param[out] out  new record on success, NULL on failure.
 * @param err, errlen  optional buffer that receives the reason on failure.
 * @return DCKPT_OK, DCKPT_ECORRUPT, DCKPT_EVERSION, DCKPT_ETOOBIG, DCKPT_ENOMEM.
 */
DCKPT_API int dckpt_record_decode(const void *buf, size_t len, dckpt_record **out,
                                  char *err, size_t errlen);

/** Writes `rec` to `path` crash-safely (temporary file, fsync, rename,
 *  directory fsync when `durable`). On failure `path` is untouched. */
DCKPT_API int dckpt_record_save_file(const dckpt_record *rec, const char *path, int level,
                                     bool durable, char *err, size_t errlen);
/** Reads and verifies a record file. */
DCKPT_API int dckpt_record_load_file(const char *path, dckpt_record **out, char *err,
                                     size_t errlen);

/** Header facts read from a record file without decoding its payload. */
typedef struct dckpt_file_info {
  uint32_t format_version;
  int compressed; /* 1 when the payload is a zstd frame */
  int level;      /* zstd level used (0 when stored raw) */
  uint64_t n_arrays;
  uint64_t payload_bytes; /* bytes of payload as stored */
  uint64_t raw_bytes;     /* bytes of all arrays uncompressed */
  uint64_t file_bytes;
} dckpt_file_info;

/** Reads a record file's header facts and verifies the whole file. */
DCKPT_API int dckpt_record_stat_file(const char *path, dckpt_file_info *info, char *err,
                                     size_t errlen);

/* ------------------------------------------------------------------------- */
/* Random numbers: xoshiro256** with a splitmix64 seeder                   */
/* ------------------------------------------------------------------------- */

/** A pair's random stream. Plain data: saved and restored as four u64. */
typedef struct dckpt_rng {
  uint64_t s[4];
} dckpt_rng;

/** Seeds the generator (splitmix64 expansion of `seed`). */
DCKPT_API void dckpt_rng_seed(dckpt_rng *rng, uint64_t seed);
/** Next 64 random bits. */
DCKPT_API uint64_t dckpt_rng_next(dckpt_rng *rng);
/** Uniform double in [0, 1) with 53 random bits. */
DCKPT_API double dckpt_rng_uniform(dckpt_rng *rng);
/** Standard normal deviate (polar method; consumes a variable number of draws,
 *  deterministically). */
DCKPT_API double dckpt_rng_normal(dckpt_rng *rng);
/** Uniform integer in [0, n) without modulo bias (n >= 1). */
DCKPT_API uint64_t dckpt_rng_below(dckpt_rng *rng, uint64_t n);

/**
 * The seed of pair (alg, trial) of a run: the ancestor's formula,
 * (seed + 0x9E3779B9 * (alg + 1) + 0x85EBCA6B * (trial + 1)) mod 2^32,
 * so that each pair has its own stream and adding trials or algorithms never
 * changes the streams of existing pairs.
 */
DCKPT_API uint64_t dckpt_pair_seed(uint64_t run_seed, int64_t alg, int64_t trial);

/* ------------------------------------------------------------------------- */
/* Files                                                                     */
/* ------------------------------------------------------------------------- */

/**
 * Replaces `path` with `len` bytes crash-safely: temporary file in the same
 * directory, fsync, rename, directory fsync (the fsyncs only when `durable`).
 * On failure `path` is untouched and `err` (optional) says why.
 */
DCKPT_API int dckpt_file_write_atomic(const char *path, const void *data, size_t len,
                                      bool durable, char *err, size_t errlen);

/**
 * A file replaced crash-safely and written as a stream, for output produced
 * piece by piece (an encoder's callback, a table printed row by row): the
 * same temporary + fsync + rename + directory fsync as the store's files, so
 * that a kill or a power loss at any moment leaves either the previous file
 * or the complete new one. Usage: open, write any number of times, then
 * commit (or abort). A writer is used by one thread at a time.
 */
typedef struct dckpt_file_writer dckpt_file_writer;

/**
 * Starts replacing `path`: creates a temporary file beside it (in the same
 * directory, named .dckpt-tmp.<name>.*, which a killed writer leaves behind;
 * a writing store open removes such leftovers in a store's root). Nothing at
 * `path` changes before the commit.
 * @param durable  at commit, fsync the file and then its directory (survives a
 *                 power loss); without, the rename alone (survives a killed
 *                 process).
 * @param[out] out  the writer on success, NULL on failure.
 * @param err, errlen  optional buffer that receives the reason on failure.
 * @return DCKPT_OK, DCKPT_EINVAL (NULL path or out), DCKPT_ENOMEM, or the
 *         error of creating the temporary (DCKPT_ENOENT: no such directory,
 *         DCKPT_EACCES, DCKPT_ENOSPC, ...), naming the path.
 */
DCKPT_API int dckpt_file_writer_open(const char *path, bool durable,
                                     dckpt_file_writer **out, char *err, size_t errlen);

/**
 * Appends `len` bytes (short writes and EINTR are handled). The first failure
 * is kept: every later write returns it at once, and commit reports it.
 * @return DCKPT_OK, DCKPT_EINVAL (NULL writer, or NULL data with len > 0),
 *         or the I/O error (DCKPT_ENOSPC, DCKPT_EIO, ...).
 */
DCKPT_API int dckpt_file_writer_write(dckpt_file_writer *w, const void *data, size_t len);

/**
 * Finishes: fsync (when durable), rename over `path`, directory fsync (when
 * durable). Always frees `w`. On failure — also when a write had failed —
 * `path` is untouched, the temporary is removed and `err` says why (naming
 * the file and the step).
 * @return DCKPT_OK, DCKPT_EINVAL (NULL writer), the kept write failure, or
 *         the error of the failed step.
 */
DCKPT_API int dckpt_file_writer_commit(dckpt_file_writer *w, char *err, size_t errlen);

/** Removes the temporary file and frees `w`; `path` is untouched. Accepts
 *  NULL. */
DCKPT_API void dckpt_file_writer_abort(dckpt_file_writer *w);

/* ------------------------------------------------------------------------- */
/* Checkpoint store                                                          */
/* ------------------------------------------------------------------------- */

typedef struct dckpt_store dckpt_store;

typedef enum dckpt_durability {
  /** fsync every file and its directory: survives power loss (default). */
  DCKPT_DURABILITY_FULL = 0,
  /** rename only: atomic against a killed process, not against power loss. */
  DCKPT_DURABILITY_NONE = 1
} dckpt_durability;

/** checkpoint_step value meaning "no periodic checkpoints, only the final".
 *  A step of 0 is rejected, as is any other negative value. */
#define DCKPT_STEP_NONE (-1)

typedef struct dckpt_store_options {
  /** Checkpoint after iteration i when (i + 1) % step == 0; DCKPT_STEP_NONE
   *  (the default) for none. 0 and other negative values are rejected. */
  int64_t checkpoint_step;
  /** Number of newest checkpoints kept per trial, >= 1 (default 3). */
  int keep_n;
  /** zstd level, 0 (stored raw) or -7..22 (default 1). */
  int compression_level;
  dckpt_durability durability;
  /** Open flags: DCKPT_OPEN_* (default DCKPT_OPEN_WRITE). */
  unsigned flags;
  /** Job id recorded in the lock file (e.g. Slurm's), or NULL. */
  const char *job_id;
  /** Logging callback and its context, or NULL for silence. */
  dckpt_log_fn log;
  void *log_ctx;
  /** Lowest level passed to `log` (default DCKPT_LOG_INFO). */
  dckpt_log_level log_level;
  /**
   * Testing hook: called with the name of each step of the commit protocol
   * just before the step runs ("ckpt.write", "ckpt.fsync", "ckpt.rename",
   * "ckpt.dirsync", "progress.write", ..., "rotate"; see docs/design.md).
   * Crash tests kill the process from it. NULL in normal use.
   */
  void (*step_hook)(void *ctx, const char *step);
  void *step_hook_ctx;
} dckpt_store_options;

/** Open for reading only: no lock, no clean-up, every writing call refused. */
#define DCKPT_OPEN_READ 0u
/** Open for writing: creates DIR if missing, takes the lock, removes leftover
 *  temporary files. Of any number of runs that open DIR at once, exactly one
 *  gets the lock; the others get DCKPT_ELOCKED naming the holder (host, pid,
 *  job id). A lock whose holder is gone (a dead process on this host; on a
 *  file system that shares fcntl locks between hosts, also a holder on
 *  another host whose kernel lock is free) is taken over, with a warning.
 *  docs/design.md, "Lock"; docs/operations.md for network file systems. */
#define DCKPT_OPEN_WRITE 1u
/** With DCKPT_OPEN_WRITE: also break a lock whose holder cannot be proven gone
 *  (another host, an unreadable lock file, a stale lock on a file system
 *  without fcntl locks) — the caller asserts that holder is gone. A lock
 *  whose kernel lock is held is never broken: some process holds it. */
#define DCKPT_OPEN_BREAK_LOCK 2u
/** With DCKPT_OPEN_WRITE: do not take the lock (a worker rank writing only its
 *  own trial directories while another process holds the lock). */
#define DCKPT_OPEN_NO_LOCK 4u
/** With DCKPT_OPEN_WRITE: DIR must exist already (DCKPT_ENOENT otherwise, and
 *  nothing is created), as when resuming a run. */
#define DCKPT_OPEN_EXISTING 8u
/** With DCKPT_OPEN_WRITE | DCKPT_OPEN_NO_LOCK: the lock holder has prepared
 *  DIR (it exists, its leftover temporaries are gone), so the open touches no
 *  file at all: no directory creation, no clean-up. For handles that write
 *  only their own trial directories while the lock holder runs (MPI worker
 *  ranks, a background checkpoint writer); pair it with
 *  dckpt_store_adopt_metadata() so that the handle never reads metadata.json
 *  either. */
#define DCKPT_OPEN_NO_PREPARE 16u

/** Fills `opts` with the defaults. */
DCKPT_API void dckpt_store_options_init(dckpt_store_options *opts);

/**
 * Opens the checkpoint directory `dir` (it need not exist for a write open).
 * Validates the options with messages that name the option and the value.
 * @param[out] out  On DCKPT_OK, the store. On failure, a handle whose only
 *                  uses are dckpt_store_errmsg() and dckpt_store_close(), or
 *                  NULL when out of memory.
 * @return DCKPT_OK, DCKPT_EINVAL, DCKPT_ELOCKED, DCKPT_EIO, DCKPT_EACCES, ...
 */
DCKPT_API int dckpt_store_open(const char *dir, const dckpt_store_options *opts,
                               dckpt_store **out);
/** Releases the lock and frees the handle. Accepts NULL. */
DCKPT_API void dckpt_store_close(dckpt_store *store);
/** Message of the last failed call ("" when none). */
DCKPT_API const char *dckpt_store_errmsg(const dckpt_store *store);
/** The directory this store was opened on. */
DCKPT_API const char *dckpt_store_dir(const dckpt_store *store);
/** The options in force (validated copy). */
DCKPT_API const dckpt_store_options *dckpt_store_get_options(const dckpt_store *store);

/** True when the directory does not exist or holds nothing but dckpt's lock. */
DCKPT_API int dckpt_store_is_empty(dckpt_store *store, bool *empty);

/** One algorithm of a run plan. */
typedef struct dckpt_algorithm_info {
  const char *name; /* unique within the run */
  int64_t iterations;
  /** Everything that decides what this algorithm computes (its method and
   *  every setting) as a JSON object, or NULL for none. Recorded by
   *  initialize; dckpt_store_check_campaign() names any later difference. */
  const char *config;
} dckpt_algorithm_info;

/** Limits on the size of a run, checked before anything is written or
 *  allocated (initialize, extend, and every read of metadata.json). */
#define DCKPT_MAX_ALGORITHMS 65536
#define DCKPT_MAX_TRIALS     ((int64_t)1 << 24)
/** At most this many (algorithm, trial) pairs in one run. */
#define DCKPT_MAX_PAIRS ((int64_t)1 << 24)
/** Iterations per trial: exact in a JSON number (2^53). */
#define DCKPT_MAX_ITERATIONS ((int64_t)1 << 53)

/** What metadata.json holds (see docs/format.md). */
typedef struct dckpt_metadata {
  int64_t n_trials;
  size_t n_algorithms;
  dckpt_algorithm_info *algorithms; /* index = position */
  char *benchmark_metadata;         /* JSON object text, "{}" when none */
  bool has_seed;
  uint64_t rng_seed;
  int format_version;
  /** The run's id (32 hex digits), made by initialize and written into every
   *  file of the run; NULL for runs made before dckpt 0.2 (and ignored when
   *  passed to initialize, which always makes a new one). */
  char *run_id;
  /** Everything else that decides what the pairs compute (problem, data,
   *  network, ...) as a JSON object, or NULL for none; recorded by initialize
   *  and compared by dckpt_store_check_campaign(). */
  char *campaign;
} dckpt_metadata;

/** Frees what dckpt_store_load_metadata() returned. Accepts NULL. */
DCKPT_API void dckpt_metadata_free(dckpt_metadata *meta);

/**
 * Starts a new run: refuses a non-empty directory (DCKPT_ENOTEMPTY), refuses
 * duplicate or empty algorithm names, writes metadata.json (benchmark_metadata
 * may be NULL; when has_seed is false no seed is recorded), the initial
 * algorithms record, the problem record (either may be NULL for an empty
 * record) and one algorithm_<a>/ directory per algorithm.
 */
DCKPT_API int dckpt_store_initialize(dckpt_store *store, const dckpt_metadata *meta,
                                     const dckpt_record *initial_algorithms,
                                     const dckpt_record *problem);

/** Loads metadata.json. @param[out] out free with dckpt_metadata_free().
 *  DCKPT_ETOOBIG when the plan exceeds the DCKPT_MAX_* limits. */
DCKPT_API int dckpt_store_load_metadata(dckpt_store *store, dckpt_metadata **out);

/**
 * Whether `asked` describes the campaign the directory holds: the same
 * algorithms (count, names, order), the same per-algorithm `config`, the same
 * `campaign` object and the same seed, compared canonically (key order and
 * JSON spacing do not matter; values must be equal exactly). n_trials and
 * iterations are not compared: a run may grow (dckpt_store_extend()).
 * @return DCKPT_OK, or DCKPT_EMISMATCH with a message naming the first
 *         difference (e.g. "algorithms[3] ('DIGing') config.method: the run has
 *         \"dgd\", \"atc\" was asked"); any status of load_metadata. A run
 *         made before configurations were recorded passes with a warning.
 */
DCKPT_API int dckpt_store_check_campaign(dckpt_store *store, const dckpt_metadata *asked);

/** Merges the keys of a JSON object into benchmark_metadata (later wins). */
DCKPT_API int dckpt_store_append_metadata(dckpt_store *store, const char *json_object);

/**
 * Grows the plan of an existing run: n_trials (>= current) and, when
 * `iterations` is not NULL, each algorithm's iteration count (n_algorithms
 * entries, each >= current). Trials that were complete at fewer iterations than
 * now planned are unmarked so that they continue from their last checkpoint.
 * metadata.json is rewritten crash-safely.
 */
DCKPT_API int dckpt_store_extend(dckpt_store *store, int64_t n_trials,
                                 const int64_t *iterations);

/** Loads the initial algorithms record. */
DCKPT_API int dckpt_store_load_initial_algorithms(dckpt_store *store, dckpt_record **out);
/** Loads the benchmark problem record. */
DCKPT_API int dckpt_store_load_problem(dckpt_store *store, dckpt_record **out);

/** Whether a checkpoint is due after iteration `iteration` (>= 0, else EINVAL). */
DCKPT_API int dckpt_store_should_checkpoint(const dckpt_store *store, int64_t iteration,
                                            bool *due);

/**
 * Saves the state of (alg, trial) after iteration `iteration` following the
 * commit protocol: checkpoint file, then progress.json, then rotation to the
 * newest keep_n checkpoints. Saving an iteration that progress.json already
 * names and whose file verifies does nothing (idempotent).
 */
DCKPT_API int dckpt_store_save(dckpt_store *store, int64_t alg, int64_t trial,
                               int64_t iteration, const dckpt_record *state);

/**
 * Loads the newest checkpoint of (alg, trial) that verifies. When the one that
 * progress.json names is missing or corrupt, falls back to the newest older one
 * that verifies, moves the bad file aside as *.corrupt and logs a warning.
 * @param[out] state      the record, or NULL when there is nothing to load.
 * @param[out] iteration  its iteration, or -1 when there is nothing to load.
 */
DCKPT_API int dckpt_store_load_latest(dckpt_store *store, int64_t alg, int64_t trial,
                                      dckpt_record **state, int64_t *iteration);

/**
 * Saves the final state (as dckpt_store_save) and then writes complete.json.
 */
DCKPT_API int dckpt_store_mark_complete(dckpt_store *store, int64_t alg, int64_t trial,
                                        int64_t iteration, const dckpt_record *state);
/** Removes the completion marker (no error when there is none). */
DCKPT_API int dckpt_store_unmark_complete(dckpt_store *store, int64_t alg, int64_t trial);
/** Whether complete.json exists and is valid for (alg, trial). */
DCKPT_API int dckpt_store_is_complete(dckpt_store *store, int64_t alg, int64_t trial,
                                      bool *complete);
/**
 * The completed trials of `alg` among 0..n_trials-1, ascending.
 * @param[out] trials  array of *count entries; free with dckpt_free().
 */
DCKPT_API int dckpt_store_completed_trials(dckpt_store *store, int64_t alg,
                                           int64_t n_trials, int64_t **trials,
                                           size_t *count);
/** True when any trial of the run has a checkpoint. */
DCKPT_API int dckpt_store_is_started(dckpt_store *store, bool *started);
/** True when every trial of every algorithm is complete. */
DCKPT_API int dckpt_store_is_completed(dckpt_store *store, bool *completed);

typedef enum dckpt_trial_state {
  DCKPT_TRIAL_NOT_STARTED = 0,
  DCKPT_TRIAL_IN_PROGRESS = 1,
  DCKPT_TRIAL_COMPLETE = 2
} dckpt_trial_state;

/** Where (alg, trial) stands, from its markers only (no checkpoint is read). */
typedef struct dckpt_trial_status {
  dckpt_trial_state state;
  int64_t last_iteration; /* -1 when not started */
  /** DCKPT_OK, or the status (DCKPT_ECORRUPT, ...) of a marker that cannot be
   *  trusted — complete.json or progress.json unreadable, malformed, or
   *  written for another run or trial. dckpt_store_errmsg() then names it and
   *  the cause, and state / last_iteration come from what else is known: a
   *  trial whose complete.json is bad is not complete, one whose progress.json
   *  is bad is at its newest checkpoint file (not yet verified). A resume
   *  (dckpt_store_load_latest) verifies and repairs such a trial. */
  int marker_status;
} dckpt_trial_status;

/**
 * Where (alg, trial) stands, from its markers and the names of its checkpoint
 * files; no checkpoint is read. A damaged marker is not an error of the call:
 * see marker_status.
 * @return DCKPT_OK, DCKPT_EINVAL (bad index), DCKPT_ENOMEM, or an I/O status.
 */
DCKPT_API int dckpt_store_trial_status(dckpt_store *store, int64_t alg, int64_t trial,
                                       dckpt_trial_status *status);

/* ------------------------------------------------------------------------- */
/* Completion index and scans                                               */
/* ------------------------------------------------------------------------- */

/* DIR/index holds a cache of which pairs are complete: one file per run
 * instance that wrote one (docs/design.md, "Completion index"). The markers
 * stay the truth: the index only ever lists pairs whose complete.json was
 * committed first, it may lag behind them, and a scan checks it before
 * trusting it. */

/** A run instance's completion index in memory (see dckpt_store_scan()). Used
 *  by one thread at a time; independent of the store handle it came from. */
typedef struct dckpt_index dckpt_index;

/** What a scan did. */
typedef struct dckpt_scan_info {
  /** sizeof(dckpt_scan_info) as the caller knows it (dckpt_scan_info_init()). */
  size_t struct_size;
  int64_t pairs;        /* algorithms x trials */
  int64_t listed;       /* complete according to the index, markers not read */
  int64_t read;         /* pairs whose markers were read */
  int64_t spot_checked; /* listed pairs whose complete.json was looked at */
  int index_files;      /* index files found */
  int64_t dirs_listed;  /* algorithm directories listed (readdir) */
  /** Why the index was not used, or only in part (a damaged file, a listed
   *  pair whose marker is missing, a deep scan); "" when it was used as is. */
  char note[1024];
} dckpt_scan_info;

/** Sets struct_size and clears the rest. */
DCKPT_API void dckpt_scan_info_init(dckpt_scan_info *info);

/** dckpt_store_scan() flag: ignore the index, read every pair's markers (as
 *  dckpt_store_trial_status() does; also validates them). */
#define DCKPT_SCAN_DEEP 1u

/**
 * Where every (algorithm, trial) pair of the run stands: status[a * n_trials
 * + t] for the n_algorithms x n_trials of metadata.json (`n_status` must be
 * at least that). Pairs that the completion index lists are complete
 * (last_iteration = the planned iterations - 1) without reading their files,
 * after a spot check; every other pair is looked at through one listing of
 * its algorithm's directory and, when its trial directory exists,
 * dckpt_store_trial_status(). So a scan costs O(algorithms) metadata
 * operations plus O(pairs the index does not list). When the index fails
 * its check, every pair is read and info->note says why.
 * @param info   optional: what the scan did.
 * @param index  optional: an index holding every pair found complete, ready
 *               for dckpt_index_add() and dckpt_index_commit() (writing
 *               handles only; free with dckpt_index_free()).
 * @return DCKPT_OK, DCKPT_ENOENT (no run), DCKPT_EINVAL (n_status too small),
 *         DCKPT_ENOMEM, or an I/O status. Damaged markers are not failures:
 *         see dckpt_trial_status.
 */
DCKPT_API int dckpt_store_scan(dckpt_store *store, unsigned flags,
                               dckpt_trial_status *status, size_t n_status,
                               dckpt_scan_info *info, dckpt_index **index);

/** Records that (alg, trial) is complete: call only once its complete.json
 *  is committed (dckpt_store_mark_complete() returned DCKPT_OK). */
DCKPT_API int dckpt_index_add(dckpt_index *index, int64_t alg, int64_t trial);
/** Whether the index holds what its file on disk does not yet. */
DCKPT_API bool dckpt_index_dirty(const dckpt_index *index);
/**
 * Writes the index crash-safely as DIR/index/run-<instance>.idx (temporary,
 * fsync, rename, directory fsync, as the store's durability says) when it is
 * dirty. An index made by a handle that holds the directory's lock then
 * removes the other index files it has merged (compaction). On failure the
 * files on disk are unchanged (or only a merged file is gone: the index may
 * lag, never lead) and dckpt_index_errmsg() names the file and the cause.
 * @return DCKPT_OK, DCKPT_EINVAL (NULL index), DCKPT_ENOMEM or an I/O status.
 */
DCKPT_API int dckpt_index_commit(dckpt_index *index);
/** The message of the index's last failed commit ("" after a success); never
 *  NULL, valid until the next call on the index. */
DCKPT_API const char *dckpt_index_errmsg(const dckpt_index *index);
/** Frees the index (nothing is written). Accepts NULL. */
DCKPT_API void dckpt_index_free(dckpt_index *index);

/**
 * Gives the handle the text of the run's metadata.json, read by another
 * process (dckpt_store_metadata_text()), so that it never reads the file
 * itself: MPI worker ranks receive it by broadcast. Validated as a read of
 * the file would be. @return DCKPT_OK, DCKPT_ECORRUPT, DCKPT_ETOOBIG, ...
 */
DCKPT_API int dckpt_store_adopt_metadata(dckpt_store *store, const char *json,
                                         size_t len);
/** Reads metadata.json and returns its text (validated; dckpt_free()). */
DCKPT_API int dckpt_store_metadata_text(dckpt_store *store, char **json, size_t *len);

/** Loads the final state of a completed trial (DCKPT_ENOTCOMPLETE otherwise). */
DCKPT_API int dckpt_store_load_trial_result(dckpt_store *store, int64_t alg,
                                            int64_t trial, dckpt_record **out);

/** The results of a run: every algorithm whose trials are all complete. */
typedef struct dckpt_result dckpt_result;

/**
 * Loads the final state of every trial of every algorithm whose n_trials
 * trials are all complete. An algorithm with missing trials is skipped with a
 * warning through the logging callback.
 */
DCKPT_API int dckpt_store_load_result(dckpt_store *store, dckpt_result **out);
DCKPT_API void dckpt_result_free(dckpt_result *res);
/** Number of algorithms with complete results. */
DCKPT_API size_t dckpt_result_n_algorithms(const dckpt_result *res);
/** Index (in metadata) of the i-th algorithm with results. */
DCKPT_API int64_t dckpt_result_algorithm_index(const dckpt_result *res, size_t i);
/** Name of the i-th algorithm with results. */
DCKPT_API const char *dckpt_result_algorithm_name(const dckpt_result *res, size_t i);
/** Number of trials of each algorithm. */
DCKPT_API int64_t dckpt_result_n_trials(const dckpt_result *res);
/** Final state of trial `trial` of the i-th algorithm (owned by res). */
DCKPT_API const dckpt_record *dckpt_result_trial(const dckpt_result *res, size_t i,
                                                 int64_t trial);

/** Saves the metrics record, then its completion marker. */
DCKPT_API int dckpt_store_save_metrics(dckpt_store *store, const dckpt_record *metrics);
/** Loads the metrics record; DCKPT_ENOTCOMPLETE when its marker is missing. */
DCKPT_API int dckpt_store_load_metrics(dckpt_store *store, dckpt_record **out);
/** Whether the metrics and their completion marker exist. */
DCKPT_API int dckpt_store_metrics_computed(dckpt_store *store, bool *computed);

/** Path of DIR/results (not created); owned by the store. */
DCKPT_API const char *dckpt_store_results_path(const dckpt_store *store);

/**
 * Archives the directory into DIR_backup_<YYYYmmdd_HHMMSS>.zip beside it (a
 * suffix _2, _3, ... keeps names unique within one second). The archive is
 * written crash-safely. @param[out] path  the archive's path (dckpt_free).
 */
DCKPT_API int dckpt_store_backup(dckpt_store *store, char **path);

/** Removes the whole directory. The store stays open but empty; the lock is
 *  released. */
DCKPT_API int dckpt_store_clear(dckpt_store *store);

/** Total bytes of all files under the directory. */
DCKPT_API int dckpt_store_size(dckpt_store *store, uint64_t *bytes);

/** One problem that dckpt_store_verify() found. */
typedef void (*dckpt_verify_fn)(void *ctx, const char *path, int status,
                                const char *reason);

/**
 * Verifies every record's checksum, every JSON file and every marker (that the
 * checkpoint progress.json and complete.json name exists and verifies).
 * Calls `report` for each problem. @param[out] n_bad  number of problems.
 * Read-only: nothing is moved or repaired.
 */
DCKPT_API int dckpt_store_verify(dckpt_store *store, dckpt_verify_fn report, void *ctx,
                                 size_t *n_bad);

/* ------------------------------------------------------------------------- */
/* The run directory: who holds it, how its last run ended                   */
/* ------------------------------------------------------------------------- */

/* Files that dckpt keeps in a run directory besides the run's data
 * (docs/format.md, "Directory layout"). */
/** Names the run that holds the directory, while it runs. */
#define DCKPT_LOCK_FILE "dckpt.lock"
/** How the last run of the directory ended (written by dckpt_run). */
#define DCKPT_RUN_STATUS_FILE "run_status.json"
/** A user's stop request: a run stops (checkpointing) when this file exists. */
#define DCKPT_HALT_FILE "HALT"

/** Whether the holder of a directory's lock still runs. */
typedef enum dckpt_lock_state {
  /** No lock: no run holds the directory. */
  DCKPT_LOCK_NONE = 0,
  /** Held by a process that is running. */
  DCKPT_LOCK_ALIVE = 1,
  /** Its holder is gone: the next writing open takes the lock over (on a
   *  file system without fcntl locks, only with DCKPT_OPEN_BREAK_LOCK). */
  DCKPT_LOCK_STALE = 2,
  /** Held from another host: whether that run still runs cannot be told from
   *  here; only DCKPT_OPEN_BREAK_LOCK takes it. */
  DCKPT_LOCK_UNKNOWN = 3,
  /** The lock file exists but names no holder that can be read (see error). */
  DCKPT_LOCK_UNREADABLE = 4
} dckpt_lock_state;

/** Who holds a directory's lock. Allocated by the library (fields may be
 *  added at the end in later versions); release with dckpt_free(). */
typedef struct dckpt_lock_info {
  dckpt_lock_state state;
  char host[256];     /* host name of the holder; "" when unknown */
  int64_t pid;        /* its process id; -1 when unknown */
  uint64_t pid_start; /* the process's start time (clock ticks since boot); 0 unknown */
  char job_id[256];   /* the job id it recorded (e.g. Slurm's); "" when none */
  char since[64];     /* when it took the lock, ISO 8601 UTC; "" when unknown */
  char error[512];    /* DCKPT_LOCK_UNREADABLE: why (names the file) */
} dckpt_lock_info;

/**
 * Who holds the lock of run directory `dir`, and whether that holder still
 * runs: the same judgement a writing dckpt_store_open() makes before it takes
 * a lock over. Takes no lock and changes nothing. Problems with the lock file
 * itself (unreadable, malformed) are reported in the result, not as failures.
 * @param[out] out  the answer; release with dckpt_free().
 * @return DCKPT_OK, DCKPT_EINVAL (NULL argument), DCKPT_ENOMEM.
 */
DCKPT_API int dckpt_lock_query(const char *dir, dckpt_lock_info **out);

/** How a run ended: what DIR/run_status.json holds (docs/format.md). */
typedef struct dckpt_run_status {
  /** sizeof(dckpt_run_status) as the caller knows it; dckpt_run_status_init()
   *  sets it, so that fields can be added at the end without breaking callers
   *  built against an older header. */
  size_t struct_size;
  int status;              /* DCKPT_OK, DCKPT_EINTERRUPTED, ... */
  int exit_code;           /* what the program exits with: 0, 75, 1 */
  char message[1024];      /* why it stopped or failed; "" when it completed */
  int64_t pairs_total;     /* (algorithm, trial) pairs of the campaign */
  int64_t pairs_completed; /* complete at the end, including earlier runs */
  int64_t iterations_run;  /* iterations run by this run */
  int ranks;               /* MPI ranks of this run */
  double seconds;          /* how long this run took */
  double finished_at;      /* when it ended, seconds since the Unix epoch */
} dckpt_run_status;

/** Fills `st` with an empty status (OK, exit code 0, zero counts) and sets
 *  struct_size. */
DCKPT_API void dckpt_run_status_init(dckpt_run_status *st);

/**
 * Writes DIR/run_status.json crash-safely (temporary, fsync, rename, directory
 * fsync; the fsyncs only when `durable`). `dir` must exist.
 * @param err, errlen  optional buffer that receives the reason on failure.
 * @return DCKPT_OK, DCKPT_EINVAL (NULL argument, struct_size too small, a
 *         status that is not a DCKPT_* code), DCKPT_ENOMEM, or the I/O error
 *         (DCKPT_EACCES, DCKPT_ENOSPC, DCKPT_ENOENT, DCKPT_EIO, ...).
 */
DCKPT_API int dckpt_run_status_write(const char *dir, const dckpt_run_status *st,
                                     bool durable, char *err, size_t errlen);

/**
 * Reads DIR/run_status.json.
 * @param[out] out  the status (release with dckpt_free()), NULL on failure.
 * @return DCKPT_OK, DCKPT_ENOENT (no run has ended there), DCKPT_ECORRUPT
 *         (malformed, a key missing or of the wrong type, an unknown status
 *         name), DCKPT_ETOOBIG, DCKPT_ENOMEM, DCKPT_EACCES, DCKPT_EIO.
 */
DCKPT_API int dckpt_run_status_read(const char *dir, dckpt_run_status **out, char *err,
                                    size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* DCKPT_H */
