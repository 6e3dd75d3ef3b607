/*
 * dckpt — crash-safe checkpoint store for benchmark campaigns.
 *
 * This header is the whole serial public API and its manual: status codes,
 * logging, records (named, typed, shaped arrays plus a JSON header), files
 * written crash-safely, random numbers, and the checkpoint store (the
 * directory layout of docs/format.md). Nothing here needs MPI and nothing
 * here is collective; the MPI runtime is dckpt_run.h. Hooks for tests and
 * tools, without a stability promise, are in dckpt_experimental.h.
 *
 * Conventions (each function's comment relies on them)
 *
 *  Statuses. Every function that can fail returns an int: DCKPT_OK (0) or one
 *  of the negative DCKPT_E* codes below, whose values never change once
 *  published. Each function lists the statuses it returns and when. "An I/O
 *  status" means the mapping of a failed system call: DCKPT_EIO, DCKPT_EACCES
 *  (also EPERM), DCKPT_ENOSPC (also EDQUOT), DCKPT_EROFS, DCKPT_ENOENT,
 *  DCKPT_ENOTDIR, DCKPT_EEXIST, DCKPT_ENOTEMPTY, DCKPT_ETOOBIG (EFBIG),
 *  DCKPT_EINVAL (EINVAL, ENAMETOOLONG) or DCKPT_ENOMEM. "A read status" means
 *  what reading and verifying a record or JSON file returns: an I/O status,
 *  DCKPT_ECORRUPT (checksum, structure, malformed JSON, a key missing or of
 *  the wrong type), DCKPT_EVERSION (a newer format), DCKPT_ETOOBIG (beyond a
 *  size limit), DCKPT_EINVAL (not a regular file).
 *
 *  Error detail: the object you called keeps it (one way, as in hiredis).
 *   - A failed call on a handle leaves a message in that handle, naming the
 *     file, key or argument and the cause: dckpt_store_errmsg(),
 *     dckpt_record_errmsg(), dckpt_file_writer_errmsg(). It stays until the
 *     next failed call on the same handle.
 *   - A call that creates a handle returns it even when it fails (NULL only
 *     when out of memory), so that the caller can read why; the caller frees
 *     it either way: dckpt_store_open(), dckpt_record_read(),
 *     dckpt_record_parse(), dckpt_file_writer_open().
 *   - A call that answers with a struct keeps the reason in it:
 *     dckpt_lock_info.error, dckpt_file_info.error.
 *   - Calls that take a handle as const (dckpt_record_at(), _find(), _get(),
 *     _encode(), dckpt_store_should_checkpoint()) leave no message: their
 *     status says all there is. A record or file-writer call given a NULL
 *     handle returns DCKPT_EINVAL and, having nowhere to keep it, no
 *     message (store calls need a store).
 *   - The library also reports to the logging callback of the store options
 *     (warnings about fallbacks, stale locks, skipped algorithms), never to
 *     stdout or stderr. It never exits, aborts or reads the environment.
 *
 *  Pointers. A pointer parameter must not be NULL unless its description
 *  says "may be NULL". Given NULL anyway, a record, file-writer or store call
 *  refuses it with DCKPT_EINVAL and does nothing (a store call leaves a
 *  message naming the call and the argument: "load_latest: argument 'state'
 *  is NULL"); the dckpt_result_* accessors answer as for an index out of
 *  range and the _init functions do nothing. [in] parameters are only read,
 *  [out] only written, [in,out] both. Out-parameters are set on failure too
 *  (to NULL, -1, false or 0) unless stated otherwise.
 *
 *  Ownership. Handles come in create/free pairs and every free accepts NULL
 *  (dckpt_record_create/_free, dckpt_store_open/_close, ...). Memory returned
 *  through a `char **`, a struct pointer or an array out-parameter belongs to
 *  the caller and is released with dckpt_free() unless the function names
 *  another. A `const char *` that a function returns belongs to the object
 *  it came from and lives as long as that object (and, for a record's arrays,
 *  until the array is replaced).
 *
 *  Option structs. dckpt_store_options (and dckpt_run_options, in
 *  dckpt_run.h; dckpt_pack_options and dckpt_unpack_options, in
 *  dckpt_container.h) start with `size_t struct_size`, set by their _init function
 *  to the size the program was compiled with. Always fill them with the
 *  _init function, then change fields. The library reads only the fields the
 *  caller's struct_size covers and uses its defaults for the rest, so fields
 *  can be added at the end in later versions without breaking programs built
 *  against this header; a struct_size of 0 (never initialized) is refused
 *  with DCKPT_EINVAL naming the call, and so is a larger struct_size (a newer
 *  header) whose fields unknown to this library are not all zero.
 *
 *  Durability. Every call that writes a file says how safely with a
 *  dckpt_durability: DCKPT_DURABILITY_FULL (the default, value 0) fsyncs the
 *  file and its directory and survives a power loss; DCKPT_DURABILITY_NONE
 *  renames only and survives a killed process. Either way a file is replaced
 *  whole or not at all.
 *
 *  Threads. Distinct handles may be used from distinct threads at once; one
 *  handle must not be used by two threads at once. Functions without a
 *  handle are thread-safe. A store handle runs a helper thread of its own
 *  from its first rotation until dckpt_store_close(); a record that
 *  dckpt_record_write() saved over a file runs one while the files it
 *  replaced are being freed (it ends a quarter of a second after the last:
 *  an idle record holds none). Saving a compressed record of 4 MiB or more,
 *  or loading one of more than 8 MiB, runs half of its work on a second
 *  thread kept asleep between such calls: the process's one, started by
 *  the first and kept until exit or dlclose() of the library, or, while
 *  another thread's call uses it, the store handle's own (joined by
 *  dckpt_store_close()) or one for the duration of the call. All block
 *  every asynchronous signal.
 *
 *  Deprecation. Functions marked DCKPT_DEPRECATED_FOR() still work and will
 *  be removed in the next minor version (docs/api.md lists them with their
 *  replacements). Define DCKPT_DISABLE_DEPRECATE_WARNINGS before including
 *  this header to silence the compiler's warnings about them.
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

/** Marks a declaration deprecated, naming its replacement in the warning. */
#if defined(DCKPT_DISABLE_DEPRECATE_WARNINGS)
#define DCKPT_DEPRECATED_FOR(replacement)
#elif defined(__GNUC__) || defined(__clang__)
#define DCKPT_DEPRECATED_FOR(replacement)                                                \
  __attribute__((deprecated("use " replacement " (removed in dckpt 0.3)")))
#else
#define DCKPT_DEPRECATED_FOR(replacement)
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
/** Version of the library actually linked, "MAJOR.MINOR.PATCH" (static). */
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
  X(ENOTDIR, -19, "not a directory")                                                     \
  X(ENAMEINUSE, -20, "run name is held by another run")

typedef enum dckpt_status {
#define DCKPT_STATUS_ENUM_(name, value, msg) DCKPT_##name = (value),
  DCKPT_STATUS_MAP(DCKPT_STATUS_ENUM_)
#undef DCKPT_STATUS_ENUM_
} dckpt_status;

/** Human-readable text for a status code; "unknown status" for a value that
 *  is not one. Never NULL, static. */
DCKPT_API const char *dckpt_strerror(int status);
/** The code's name without prefix, e.g. "ECORRUPT"; "EUNKNOWN" for a value
 *  that is not one. Never NULL, static. */
DCKPT_API const char *dckpt_err_name(int status);

/** Releases memory that the library handed to the caller (see "Ownership").
 *  Accepts NULL. */
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
 *  during the call. Called from the thread that made the library call (with
 *  dckpt_run's background checkpoints, possibly the rank's writer thread:
 *  dckpt_run.h). */
typedef void (*dckpt_log_fn)(void *ctx, dckpt_log_level level, const char *msg);

/** Name of a level ("debug", "info", "warn", "error"; "?" otherwise). */
DCKPT_API const char *dckpt_log_level_name(dckpt_log_level level);

/* ------------------------------------------------------------------------- */
/* Durability                                                                */
/* ------------------------------------------------------------------------- */

/** How safely a file is written (see "Durability" above). */
typedef enum dckpt_durability {
  /** fsync every file and its directory: survives power loss (default). */
  DCKPT_DURABILITY_FULL = 0,
  /** rename only: atomic against a killed process, not against power loss. */
  DCKPT_DURABILITY_NONE = 1
} dckpt_durability;

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
/** Name of a dtype ("f64", "f32", "i64", "u64", "bytes"), or "?". Static. */
DCKPT_API const char *dckpt_dtype_name(dckpt_dtype dtype);

/** A record: an ordered set of named arrays plus a JSON object header. A
 *  handle: see "Error detail" and "Threads". Limits (docs/format.md): 65,536
 *  arrays, 2^40 bytes of arrays, a 32 MiB header. */
typedef struct dckpt_record dckpt_record;

/** Creates an empty record. Free it with dckpt_record_free().
 *  @return the record, or NULL when out of memory. */
DCKPT_API dckpt_record *dckpt_record_create(void);
/** Frees a record and every array it owns (borrowed arrays stay the
 *  caller's). Accepts NULL. */
DCKPT_API void dckpt_record_free(dckpt_record *rec);

/**
 * Adds an array, copying its data. An existing array of the same name is
 * replaced and keeps its position; otherwise the array is appended.
 * @param[in,out] rec    the record.
 * @param[in] name       1..DCKPT_MAX_NAME bytes of valid UTF-8 without '/'
 *                       (copied); the message of a refusal names the cause
 *                       and the offset of the offending byte.
 * @param[in] dtype      element type.
 * @param[in] ndim       0..DCKPT_MAX_NDIM; 0 is a scalar of one element.
 * @param[in] shape      ndim extents; may be NULL when ndim is 0.
 * @param[in] data       nelems * dckpt_dtype_size(dtype) bytes, nelems being
 *                       the product of `shape`; may be NULL when that is 0.
 * @return DCKPT_OK; DCKPT_EINVAL (NULL rec; NULL or invalid name; unknown
 *         dtype; ndim out of range; NULL shape or data where needed);
 *         DCKPT_ETOOBIG (the shape overflows, or the array or the record
 *         would pass its limits); DCKPT_ENOMEM. On failure the record is
 *         unchanged.
 */
DCKPT_API int dckpt_record_put(dckpt_record *rec, const char *name, dckpt_dtype dtype,
                               int ndim, const uint64_t *shape, const void *data);

/**
 * Like dckpt_record_put() but borrows `data` without copying: the caller
 * keeps it alive and unchanged until the record is freed or the array
 * replaced. Saving a record of borrowed arrays is how large states avoid an
 * extra copy. Same parameters and statuses as dckpt_record_put().
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

/** dckpt_record_put() of a one-dimensional f64 array of `n` elements
 *  (copied; `data` may be NULL when n is 0). Same statuses. */
DCKPT_API int dckpt_record_put_f64(dckpt_record *rec, const char *name,
                                   const double *data, uint64_t n);
/** dckpt_record_put() of a one-dimensional i64 array (copied). Same statuses. */
DCKPT_API int dckpt_record_put_i64(dckpt_record *rec, const char *name,
                                   const int64_t *data, uint64_t n);
/** dckpt_record_put() of a one-dimensional u64 array (copied). Same statuses. */
DCKPT_API int dckpt_record_put_u64(dckpt_record *rec, const char *name,
                                   const uint64_t *data, uint64_t n);
/** dckpt_record_put() of a byte array (copied); store strings without NUL.
 *  Same statuses. */
DCKPT_API int dckpt_record_put_bytes(dckpt_record *rec, const char *name,
                                     const void *data, uint64_t n);

/** Description of one array of a record. The pointers belong to the record
 *  and are valid until it is freed or the array replaced. */
typedef struct dckpt_array_info {
  const char *name;
  dckpt_dtype dtype;
  int ndim;
  uint64_t shape[DCKPT_MAX_NDIM]; /* extents beyond ndim are 0 */
  uint64_t nelems;
  uint64_t nbytes;
  const void *data; /* NULL or not, when nbytes is 0 */
} dckpt_array_info;

/** Number of arrays in the record (0 for NULL). */
DCKPT_API size_t dckpt_record_count(const dckpt_record *rec);

/**
 * Array number `index`, in insertion order (replacing keeps the position).
 * @param[in] rec     the record.
 * @param[in] index   0..dckpt_record_count() - 1.
 * @param[out] info   the array's description.
 * @return DCKPT_OK, or DCKPT_EINVAL (NULL argument, index out of range).
 *         No message: the record is const.
 */
DCKPT_API int dckpt_record_at(const dckpt_record *rec, size_t index,
                              dckpt_array_info *info);

/**
 * Looks an array up by name.
 * @param[in] rec    the record.
 * @param[in] name   the array's name.
 * @param[out] info  the array's description.
 * @return DCKPT_OK, DCKPT_ENOENT (no array of that name), DCKPT_EINVAL (NULL
 *         argument). No message: the record is const.
 */
DCKPT_API int dckpt_record_find(const dckpt_record *rec, const char *name,
                                dckpt_array_info *info);

/**
 * Copies array `name` into `out` after checking that it exists, has `dtype`
 * and exactly `nelems` elements (whatever its shape).
 * @param[in] rec     the record.
 * @param[in] name    the array's name.
 * @param[in] dtype   the type the caller expects.
 * @param[out] out    nelems * dckpt_dtype_size(dtype) bytes; may be NULL when
 *                    that is 0.
 * @param[in] nelems  the element count the caller expects.
 * @return DCKPT_OK; DCKPT_ENOENT (no such array); DCKPT_EMISMATCH (another
 *         dtype or element count: dckpt_record_find() tells which);
 *         DCKPT_EINVAL (NULL argument). No message: the record is const, and
 *         the caller knows the name it asked for. Nothing is written to `out`
 *         on failure.
 */
DCKPT_API int dckpt_record_get(const dckpt_record *rec, const char *name,
                               dckpt_dtype dtype, void *out, uint64_t nelems);

/**
 * Sets the record's JSON header (copied, byte for byte).
 * @param[in,out] rec  the record.
 * @param[in] json     exactly one JSON object, at most 32 MiB, that every
 *                     JSON reader reads alike; may be NULL, which clears the
 *                     header (it then reads "{}").
 * @return DCKPT_OK; DCKPT_EINVAL (NULL rec; not exactly one JSON object:
 *         anything but white space after the object, a key twice in any
 *         object however deep, text that is not UTF-8, a number beyond a
 *         double's range such as 1e999, a lone surrogate escape, nesting
 *         deeper than 1000 levels; dckpt_record_errmsg() names the cause,
 *         e.g. "JSON header: key "a" appears twice in one object ...");
 *         DCKPT_ETOOBIG; DCKPT_ENOMEM. On failure the header is unchanged.
 *         Records read from files keep the header they were written with,
 *         even one this refuses (docs/format.md).
 */
DCKPT_API int dckpt_record_set_header(dckpt_record *rec, const char *json);
/** The record's JSON header text ("{}" when unset or for NULL); owned by the
 *  record, valid until the header is set again. */
DCKPT_API const char *dckpt_record_header(const dckpt_record *rec);

/**
 * Where a record read from a file belongs: the identity the store wrote into
 * it (format version 2; docs/format.md), a compact JSON object such as
 * {"run":"…","kind":"checkpoint","alg":0,"alg_name":"DGD","trial":3,"iteration":249}.
 * "" for a record built in memory, read from a file without one, or NULL.
 * Owned by the record. The store checks it on every load; saving a record
 * through the store always writes the identity of the place it is saved to.
 */
DCKPT_API const char *dckpt_record_identity(const dckpt_record *rec);

/**
 * The content digest of a record: XXH3-64 over its arrays' names, dtypes,
 * shapes and bytes, in order. The header and identity do not enter, nor how
 * the record is or was encoded, so a record and its decoded copy have the
 * same digest. The store lists the digests of the metric segments a
 * checkpoint builds on (dckpt_store_save_segment()) and checks them on load.
 * @return DCKPT_OK, DCKPT_EINVAL (NULL argument) or DCKPT_ENOMEM.
 */
DCKPT_API int dckpt_record_digest(const dckpt_record *rec, uint64_t *digest);

/**
 * Gives a record the identity of a record read elsewhere (a JSON object of at
 * most 4096 bytes, as dckpt_record_identity() returned it; copied), so that
 * dckpt_record_write() writes it (format version 2). NULL or "" clears it.
 * For tools that move records between stores, such as the container's
 * unpack; the store writes its own identity whatever the record holds.
 * @return DCKPT_OK, DCKPT_EINVAL (not a JSON object, too long), DCKPT_ENOMEM;
 *         the record is left as it was on refusal.
 */
DCKPT_API int dckpt_record_set_identity(dckpt_record *rec, const char *json);

/** Message of the last failed call on this record ("" when none, or for
 *  NULL). Owned by the record, valid until its next failed call. */
DCKPT_API const char *dckpt_record_errmsg(const dckpt_record *rec);

/**
 * Encodes a record into the on-disk format (docs/format.md) in memory.
 * @param[in] rec       the record.
 * @param[in] level     0 stores the payload raw; 1..22, or -7..-1 for zstd's
 *                      fast levels, compresses it after byte-shuffling the
 *                      numeric arrays.
 * @param[out] out      the encoded bytes; release with dckpt_free().
 * @param[out] out_len  their length.
 * @return DCKPT_OK; DCKPT_EINVAL (NULL argument, level out of range);
 *         DCKPT_ETOOBIG; DCKPT_ENOMEM; DCKPT_EIO (zstd failed). No message:
 *         the record is const.
 */
DCKPT_API int dckpt_record_encode(const dckpt_record *rec, int level, void **out,
                                  size_t *out_len);

/**
 * Decodes and verifies a record from memory: checksums, structure and
 * limits, every size bounded before anything is allocated.
 * @param[in] buf   the encoded bytes (may be NULL when len is 0).
 * @param[in] len   their length.
 * @param[out] out  a new record: on DCKPT_OK the decoded record; on failure
 *                  an empty record whose dckpt_record_errmsg() says what is
 *                  wrong (NULL when out of memory). Free it either way with
 *                  dckpt_record_free().
 * @return DCKPT_OK; DCKPT_ECORRUPT (damaged or inconsistent); DCKPT_EVERSION
 *         (a newer format); DCKPT_ETOOBIG (beyond a limit); DCKPT_EINVAL
 *         (NULL out: nothing is returned; NULL buf with len > 0);
 *         DCKPT_ENOMEM.
 */
DCKPT_API int dckpt_record_parse(const void *buf, size_t len, dckpt_record **out);

/**
 * Reads and verifies a record file (as dckpt_record_parse(), streaming large
 * files: their payload is never held twice in memory).
 * @param[in] path  the file.
 * @param[out] out  a new record: on DCKPT_OK the one read; on failure an
 *                  empty record whose dckpt_record_errmsg() names the file
 *                  and the cause (NULL when out of memory). Free it either
 *                  way with dckpt_record_free().
 * @return DCKPT_OK; a read status (DCKPT_ENOENT, DCKPT_ECORRUPT,
 *         DCKPT_EVERSION, DCKPT_ETOOBIG, DCKPT_EINVAL for a path that is not
 *         a regular file, ...); DCKPT_EINVAL (NULL out: nothing is returned;
 *         NULL path); DCKPT_ENOMEM.
 */
DCKPT_API int dckpt_record_read(const char *path, dckpt_record **out);

/**
 * Writes `rec` to `path` crash-safely: a temporary file beside it, fsync,
 * rename, directory fsync (the fsyncs with DCKPT_DURABILITY_FULL; with it
 * the temporary has no name until its data is durable, docs/design.md
 * "Commit protocol"). A killed process or a failure leaves `path` as it was
 * (and at most a temporary .dckpt-tmp.<name>.* that a writing store open
 * removes in a store's root). The record's identity, if it has one, is
 * written with it. The file that `path` held before is freed by a thread of
 * `rec` after the call returns (freeing a large file takes milliseconds on
 * some file systems); dckpt_record_free() waits for it.
 * @param[in,out] rec    the record; keeps the message of a failure.
 * @param[in] path       the file to create or replace.
 * @param[in] level      compression level, as for dckpt_record_encode().
 * @param[in] durability DCKPT_DURABILITY_FULL or _NONE.
 * @return DCKPT_OK; DCKPT_EINVAL (NULL rec, without message; NULL path or
 *         one whose last part is empty, "." or ".."; level or durability out
 *         of range); DCKPT_ETOOBIG; DCKPT_ENOMEM; or
 *         an I/O status of creating, writing, syncing or renaming the file.
 */
DCKPT_API int dckpt_record_write(dckpt_record *rec, const char *path, int level,
                                 dckpt_durability durability);

/** Header facts of a record file (dckpt_record_stat()). */
typedef struct dckpt_file_info {
  uint32_t format_version;
  int compressed;         /* 1 when the payload is a zstd frame */
  int level;              /* zstd level used (0 when stored raw) */
  uint64_t n_arrays;      /* arrays in the record */
  uint64_t payload_bytes; /* bytes of payload as stored */
  uint64_t raw_bytes;     /* bytes of all arrays uncompressed */
  uint64_t file_bytes;    /* size of the file */
  /** Why dckpt_record_stat() failed, naming the file; "" on success. */
  char error[1024];
} dckpt_file_info;

/**
 * Verifies a whole record file (every checksum) without decoding its arrays,
 * and reports its header facts.
 * @param[in] path   the file.
 * @param[out] info  the facts on DCKPT_OK; on failure zeroed but for `error`,
 *                   which names the file and the cause.
 * @return DCKPT_OK; a read status; DCKPT_EINVAL (NULL info: nothing is
 *         reported; NULL path); DCKPT_ENOMEM.
 */
DCKPT_API int dckpt_record_stat(const char *path, dckpt_file_info *info);

/**
 * Where dckpt_record_read_into() decodes a record's arrays: called once per
 * read, after the header is verified and before any element is decoded, with
 * the record's `n` arrays (name, dtype, shape, nelems, nbytes; data NULL), in
 * the record's order. Sets dest[i] to `arrays[i].nbytes` bytes of writable
 * memory (any alignment; may stay NULL when nbytes is 0), which must stay
 * valid and unmoved as long as the record is used. Returns DCKPT_OK, or a
 * status that ends the read with it.
 */
typedef int (*dckpt_record_place_fn)(void *ctx, size_t n, const dckpt_array_info *arrays,
                                     void **dest);

/**
 * Reads and verifies a record file as dckpt_record_read() does, but decodes
 * every array straight into memory the caller chooses (`place`), so that a
 * tool that gathers many records into buffers of its own (the container's
 * pack) makes no copy and takes no memory per record. The record's arrays
 * borrow that memory (as dckpt_record_put_ref(); dckpt_record_own() copies
 * them). One pass over the file: `info` (may be NULL) gets the header facts
 * that dckpt_record_stat() gives, without reading the file twice.
 * On failure the placed memory may hold part of the data: a large payload is
 * checked as it streams, its checksum compared at the end.
 * @param[out] out   as for dckpt_record_read().
 * @param[out] info  (may be NULL) on DCKPT_OK the facts; else zeroed but for
 *                   `error`, the message.
 * @return as dckpt_record_read(); DCKPT_EINVAL for a NULL place; the status
 *         `place` returned when it refused.
 */
DCKPT_API int dckpt_record_read_into(const char *path, dckpt_record_place_fn place,
                                     void *ctx, dckpt_record **out,
                                     dckpt_file_info *info);

/* ------------------------------------------------------------------------- */
/* Random numbers: xoshiro256** with a splitmix64 seeder                     */
/* ------------------------------------------------------------------------- */

/* Plain functions on caller-owned state: no failure, no allocation; one
 * generator must not be used by two threads at once. */

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
 *  deterministically; no cached second deviate). */
DCKPT_API double dckpt_rng_normal(dckpt_rng *rng);
/** Uniform integer in [0, n) without modulo bias; 0 (and no draw) when
 *  n <= 1. */
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
 * A file replaced crash-safely and written as a stream, for any output a
 * program produces (a table printed row by row, an encoder's callback, a
 * whole buffer in one write): the same temporary + fsync + rename + directory
 * fsync as the store's files, so that a kill or a power loss at any moment
 * leaves either the previous file or the complete new one. Usage: open,
 * write any number of times, commit, free; free without commit drops the new
 * content. A handle: see "Error detail" and "Threads".
 */
typedef struct dckpt_file_writer dckpt_file_writer;

/**
 * Starts replacing `path`: creates a temporary file beside it (in the same
 * directory, named .dckpt-tmp.<name>.*, which a killed writer leaves behind;
 * a writing store open removes such leftovers in a store's root). Nothing at
 * `path` changes before the commit.
 * @param[in] path        the file to create or replace.
 * @param[in] durability  DCKPT_DURABILITY_FULL: at commit, fsync the file and
 *                        then its directory (survives a power loss); _NONE:
 *                        the rename alone (survives a killed process).
 * @param[out] out        a new writer: on DCKPT_OK ready for writes; on
 *                        failure one whose only uses are
 *                        dckpt_file_writer_errmsg() and
 *                        dckpt_file_writer_free() (NULL when out of memory).
 *                        Free it either way.
 * @return DCKPT_OK; DCKPT_EINVAL (NULL out: nothing is returned; NULL path;
 *         a path whose last part is empty, "." or ".." (such as "" or
 *         "dir/"), which can never be a file; durability out of range);
 *         DCKPT_ENOMEM; or the I/O status of
 *         creating the temporary (DCKPT_ENOENT: no such directory,
 *         DCKPT_EACCES, DCKPT_ENOSPC, ...), naming the path.
 */
DCKPT_API int dckpt_file_writer_open(const char *path, dckpt_durability durability,
                                     dckpt_file_writer **out);

/**
 * Appends `len` bytes (short writes and EINTR are handled). The first failure
 * is kept: every later write and the commit return it at once.
 * @param[in,out] w   the writer.
 * @param[in] data    len bytes; may be NULL when len is 0.
 * @param[in] len     their number.
 * @return DCKPT_OK; DCKPT_EINVAL (NULL w, without message; NULL data with
 *         len > 0; a writer that failed to open or is committed); or the
 *         I/O status (DCKPT_ENOSPC, DCKPT_EIO, ...).
 */
DCKPT_API int dckpt_file_writer_write(dckpt_file_writer *w, const void *data, size_t len);

/**
 * Finishes: fsync (FULL), rename over `path`, directory fsync (FULL). On
 * failure — also when a write had failed — `path` is untouched and the
 * temporary removed. Either way the writer is done: only
 * dckpt_file_writer_errmsg() and dckpt_file_writer_free() remain.
 * @param[in,out] w  the writer; keeps the message of a failure (naming the
 *                   file and the step).
 * @return DCKPT_OK; DCKPT_EINVAL (NULL w, without message; a writer that
 *         failed to open or is committed already); the kept write failure;
 *         or the I/O status of the failed step.
 */
DCKPT_API int dckpt_file_writer_commit(dckpt_file_writer *w);

/** Message of the last failure of this writer ("" when none, or for NULL).
 *  Owned by the writer. */
DCKPT_API const char *dckpt_file_writer_errmsg(const dckpt_file_writer *w);

/** Frees the writer. One not committed is abandoned: its temporary is
 *  removed and `path` is untouched. Accepts NULL. */
DCKPT_API void dckpt_file_writer_free(dckpt_file_writer *w);

/* ------------------------------------------------------------------------- */
/* Checkpoint store                                                          */
/* ------------------------------------------------------------------------- */

/** An open checkpoint directory (docs/format.md, "Directory layout"). A
 *  handle: see "Error detail" and "Threads". */
typedef struct dckpt_store dckpt_store;

/** checkpoint_step value meaning "no periodic checkpoints, only the final".
 *  A step of 0 is rejected, as is any other negative value. */
#define DCKPT_STEP_NONE (-1)

/** How a store is opened. Fill with dckpt_store_options_init() first. */
typedef struct dckpt_store_options {
  /** sizeof(dckpt_store_options) as the caller compiled it; set by
   *  dckpt_store_options_init() ("Option structs" above). */
  size_t struct_size;
  /** Checkpoint after iteration i when (i + 1) % step == 0; DCKPT_STEP_NONE
   *  (the default) for none. 0 and other negative values are rejected. */
  int64_t checkpoint_step;
  /** Number of newest checkpoints kept per trial, >= 1 (default 3). */
  int keep_n;
  /** zstd level, 0 (stored raw) or -7..22 (default 1). */
  int compression_level;
  /** How checkpoints, progress.json and complete.json are written (default
   *  DCKPT_DURABILITY_FULL); also every other file the store writes. */
  dckpt_durability durability;
  /** Open flags: DCKPT_OPEN_* (default DCKPT_OPEN_WRITE). */
  unsigned flags;
  /** Job id recorded in the lock file (e.g. Slurm's), or NULL; copied. Must
   *  be UTF-8: dckpt_store_open() refuses other bytes (DCKPT_EINVAL). */
  const char *job_id;
  /** Logging callback and its context, or NULL for silence. */
  dckpt_log_fn log;
  void *log_ctx;
  /** Lowest level passed to `log` (default DCKPT_LOG_INFO). */
  dckpt_log_level log_level;
  /** NULL (the default), or a dckpt_store_experimental of
   *  dckpt_experimental.h (test hooks; no stability promise), read by
   *  dckpt_store_open(); the store keeps a copy. */
  const void *experimental;
  /** Deprecated (removed in 0.3): dckpt_store_experimental.step_hook of
   *  dckpt_experimental.h, which wins when both are set. */
  DCKPT_DEPRECATED_FOR("dckpt_store_experimental.step_hook")
  void (*step_hook)(void *ctx, const char *step);
  DCKPT_DEPRECATED_FOR("dckpt_store_experimental.step_hook_ctx")
  void *step_hook_ctx;
  /** Which incarnation of job_id this process is, >= 0 (default 0): under
   *  Slurm, SLURM_RESTART_COUNT (unset: 0), which grows each time the job is
   *  requeued. Recorded in the pair leases of a shared run: a lease whose
   *  holder recorded the same job_id and an older incarnation is taken over
   *  at once, wherever it ran (Slurm ends every process of a job before it
   *  starts the job again), while one of the same incarnation is a sibling
   *  rank of this job (docs/design.md, "Leases"). */
  int64_t job_restart;
} dckpt_store_options;

/** Open for reading only: no lock, no clean-up, every writing call refused
 *  (DCKPT_EACCES). The directory need not hold a run, nor exist. */
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
/* 4u is DCKPT_OPEN_NO_LOCK, in dckpt_experimental.h (no stability promise). */
/** With DCKPT_OPEN_WRITE: DIR must exist already (DCKPT_ENOENT otherwise, and
 *  nothing is created), as when resuming a run. */
#define DCKPT_OPEN_EXISTING 8u
/* 16u is DCKPT_OPEN_NO_PREPARE, in dckpt_experimental.h. */
/** With DCKPT_OPEN_WRITE: open as (or for) a shared run, one of several that
 *  work on the directory at once (dckpt_run_options.shared; docs/runtime.md,
 *  "Shared runs"). The lock is taken as usual, but while another shared run
 *  holds it (briefly, to set up or finish) the open waits for it instead of
 *  failing; a holder that is not a shared run is refused with DCKPT_ELOCKED
 *  naming it. Without this flag, a writing open also refuses (DCKPT_ELOCKED,
 *  naming them) while a shared run is registered in DIR/leases. */
#define DCKPT_OPEN_SHARED 32u

/** Fills `opts` with the defaults (see each field) and sets struct_size. */
DCKPT_API void dckpt_store_options_init(dckpt_store_options *opts);

/**
 * Opens the checkpoint directory `dir`. Validates the options with messages
 * that name the option and the value. A writing open (DCKPT_OPEN_WRITE)
 * creates `dir` if needed, takes its lock and removes leftover temporaries
 * in its root; a reading open touches nothing.
 * @param[in] dir    the directory (trailing slashes are ignored).
 * @param[in] opts   the options; may be NULL for the defaults. Not kept: the
 *                   store copies what it needs (dckpt_store_get_options()).
 * @param[out] out   On DCKPT_OK, the store. On failure, a handle whose only
 *                   uses are dckpt_store_errmsg() and dckpt_store_close(), or
 *                   NULL when out of memory. Close it either way.
 * @return DCKPT_OK; DCKPT_EINVAL (NULL out: nothing is returned; empty or
 *         NULL dir; struct_size 0 or from a newer
 *         header with unknown fields set; an option out of range; a job_id
 *         that is not UTF-8; unknown flags; lock flags without
 *         DCKPT_OPEN_WRITE); DCKPT_ELOCKED (another
 *         run holds the lock: the message names it); DCKPT_ENOENT /
 *         DCKPT_ENOTDIR (DCKPT_OPEN_EXISTING and no such directory);
 *         DCKPT_ENOMEM; or an I/O status of creating the directory, the
 *         lock file or the clean-up (DCKPT_EACCES, DCKPT_EROFS, ...).
 */
DCKPT_API int dckpt_store_open(const char *dir, const dckpt_store_options *opts,
                               dckpt_store **out);
/** Waits for the handle's background deletions, releases the lock (if held)
 *  and frees the handle. Accepts NULL. */
DCKPT_API void dckpt_store_close(dckpt_store *store);
/** Message of the last failed call on this store ("" when none; "out of
 *  memory" for NULL, what a failed open returns then). Owned by the store,
 *  valid until its next failed call. */
DCKPT_API const char *dckpt_store_errmsg(const dckpt_store *store);
/** The directory this store was opened on, without trailing slashes; owned
 *  by the store. */
DCKPT_API const char *dckpt_store_get_dir(const dckpt_store *store);
/** The options in force: a validated copy owned by the store (job_id and
 *  experimental point into the store's own copies), which can be passed to
 *  dckpt_store_open() again. */
DCKPT_API const dckpt_store_options *dckpt_store_get_options(const dckpt_store *store);
/** Path of DIR/results, where programs put tables and plots (not created);
 *  owned by the store. */
DCKPT_API const char *dckpt_store_get_results_path(const dckpt_store *store);

/**
 * Whether the directory holds nothing but dckpt's bookkeeping (the lock,
 * HALT, run_status.json, leftover temporaries) — so a new run may start there.
 * @param[out] empty  true also when the directory does not exist.
 * @return DCKPT_OK, DCKPT_ENOMEM, or an I/O status of listing it.
 */
DCKPT_API int dckpt_store_is_empty(dckpt_store *store, bool *empty);

/* ------------------------------------------------------------------------- */
/* A run read from a source other than its directory                          */
/* ------------------------------------------------------------------------- */

/** What a source has at a path (dckpt_store_source.stat). */
typedef enum dckpt_source_entry {
  DCKPT_SOURCE_ENTRY_NONE = 0, /* nothing */
  DCKPT_SOURCE_ENTRY_FILE = 1, /* a file */
  DCKPT_SOURCE_ENTRY_DIR = 2   /* a directory: the run's root, or a folder with files */
} dckpt_source_entry;

/** Called by dckpt_store_source.list for each name; a status other than
 *  DCKPT_OK ends the listing, which returns it. */
typedef int (*dckpt_source_name_fn)(void *fn_ctx, const char *name);

/**
 * A read-only source of a run's files, for a store over a run that is kept
 * somewhere other than a directory: the HDF5 container of dckpt_container.h
 * (dckpt_container_open_store()) is one. The store asks it for files by the
 * paths they have in the directory, relative to the run's root and
 * '/'-separated ("metadata.json", "algorithm_0/trial_3/complete.json"; ""
 * is the root), and checks what it gets exactly as it checks the files of
 * a directory (markers, identities, fallbacks).
 *
 * Every function returns DCKPT_OK or a status, and on failure writes the
 * reason, naming the file, into `err` (`errlen` bytes, NUL-terminated).
 * A store calls its source from one thread at a time. Fill with
 * dckpt_store_source_init() first; every function but close is required.
 */
typedef struct dckpt_store_source {
  /** sizeof(dckpt_store_source) as the caller compiled it. */
  size_t struct_size;
  /** Passed to every function. */
  void *ctx;
  /** What is at `path`: DCKPT_OK with *what = DCKPT_SOURCE_ENTRY_NONE when nothing. */
  int (*stat)(void *ctx, const char *path, dckpt_source_entry *what, char *err,
              size_t errlen);
  /** Calls `fn` with each name directly in the directory `path`, in any
   *  order; a missing directory has none (DCKPT_OK). */
  int (*list)(void *ctx, const char *path, dckpt_source_name_fn fn, void *fn_ctx,
              char *err, size_t errlen);
  /** The bytes of the file at `path`, which is not a record: *data
   *  allocated with malloc() (the store frees it), with a NUL after the last
   *  byte. DCKPT_ENOENT when there is none; DCKPT_ETOOBIG beyond max_bytes. */
  int (*read)(void *ctx, const char *path, uint64_t max_bytes, char **data, size_t *len,
              char *err, size_t errlen);
  /** The record at `path` with its header and identity
   *  (dckpt_record_identity()), every checksum verified; DCKPT_ENOENT when
   *  there is none, DCKPT_ECORRUPT when it does not verify. */
  int (*load_record)(void *ctx, const char *path, dckpt_record **out, char *err,
                     size_t errlen);
  /** Releases ctx (may be NULL): called once, by dckpt_store_close(). */
  void (*close)(void *ctx);
} dckpt_store_source;

/** Clears `src` and sets struct_size. */
DCKPT_API void dckpt_store_source_init(dckpt_store_source *src);

/**
 * Opens a store that reads the run from `src` instead of a directory, for
 * reading only: every reading call (metadata, trial status, scan,
 * load_latest, load_final_state, load_results, metrics, verify, run status)
 * works as on the directory, and every writing call is refused with
 * DCKPT_EACCES; dckpt_store_size() and dckpt_store_backup() are refused with
 * DCKPT_EINVAL (there is no directory).
 * @param[in] name  how the run is named: dckpt_store_get_dir() returns it and
 *                  messages name paths under it ("run.h5/metadata.json").
 * @param[in] src   the source, copied; the store owns src->ctx from this call
 *                  on, also when it fails (it calls src->close at close).
 * @param[in] opts  NULL, or options whose flags are DCKPT_OPEN_READ.
 * The open asks the source what is at "" (its root, which must be a
 * directory): a source that cannot serve fails the open there, with its
 * status and message.
 * @param[out] out  the store, as dckpt_store_open() gives it.
 * @return DCKPT_OK; DCKPT_EINVAL (empty name, a source without one of its
 *         functions or not initialized, writing flags, options as
 *         dckpt_store_open() refuses them); DCKPT_ENOMEM; or the status of
 *         the source's stat of its root.
 */
DCKPT_API int dckpt_store_open_source(const char *name, const dckpt_store_source *src,
                                      const dckpt_store_options *opts, dckpt_store **out);

/** Whether `path` is a regular file that starts with HDF5's signature, the
 *  test for a container (dckpt_container.h). It may still not be a dckpt
 *  container: dckpt_container_open says. In libdckpt, so that a program can
 *  tell a container from a directory without linking HDF5. */
DCKPT_API bool dckpt_container_probe(const char *path);

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
/** Iterations of a whole run (n_trials x every algorithm's iterations), so
 *  that progress and status sums stay exact in 64 bits (2^62). */
#define DCKPT_MAX_TOTAL_ITERATIONS ((int64_t)1 << 62)

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
 * Starts a new run in the directory: metadata.json (written last: a
 * directory holds a run exactly when it exists), the initial algorithms
 * record, the problem record and one algorithm_<a>/ directory per algorithm.
 * The run gets a new run id.
 * @param[in,out] store            a writing store.
 * @param[in] meta                 the plan: n_trials >= 1, at least one
 *                                 algorithm, names unique and not empty,
 *                                 iterations >= 0; benchmark_metadata,
 *                                 campaign and each config may be NULL or
 *                                 must be JSON objects; names and these
 *                                 texts must be UTF-8 (docs/api.md,
 *                                 "Strings in JSON files are UTF-8"); has_seed false
 *                                 records no seed; run_id and
 *                                 format_version are ignored. A plan whose
 *                                 metadata.json could not be read back
 *                                 (nested deeper than 1000 levels: EINVAL;
 *                                 over 64 MiB: ETOOBIG) makes nothing.
 * @param[in] initial_algorithms   may be NULL (an empty record is written).
 * @param[in] problem              may be NULL (an empty record is written).
 * @return DCKPT_OK; DCKPT_EINVAL (a bad plan or JSON text, or one that is
 *         not UTF-8, named with the first bad byte's offset);
 *         DCKPT_ETOOBIG (beyond the DCKPT_MAX_* limits); DCKPT_ENOTEMPTY
 *         (the directory holds a run, or files that are not dckpt's);
 *         DCKPT_EACCES (a read-only store); DCKPT_EIO (no random bytes for
 *         the run id); DCKPT_ENOMEM; or an I/O status. A failed initialize
 *         leaves no metadata.json: the directory can be initialized again.
 */
DCKPT_API int dckpt_store_initialize(dckpt_store *store, const dckpt_metadata *meta,
                                     const dckpt_record *initial_algorithms,
                                     const dckpt_record *problem);

/**
 * Loads and validates metadata.json.
 * @param[out] out  the plan; free with dckpt_metadata_free().
 * @return DCKPT_OK; DCKPT_ENOENT (the directory holds no run); DCKPT_ETOOBIG
 *         (a plan beyond the DCKPT_MAX_* limits, or a file too large);
 *         DCKPT_EVERSION (a newer layout); DCKPT_ECORRUPT; or another read
 *         status.
 */
DCKPT_API int dckpt_store_load_metadata(dckpt_store *store, dckpt_metadata **out);

/**
 * Whether `asked` describes the campaign the directory holds: the same
 * algorithms (count, names, order), the same per-algorithm `config`, the same
 * `campaign` object and the same seed, compared canonically (key order and
 * JSON spacing do not matter; values must be equal exactly). n_trials and
 * iterations are not compared: a run may grow (dckpt_store_extend()).
 * @param[in] asked  the campaign the caller would run.
 * @return DCKPT_OK; DCKPT_EMISMATCH with a message naming the first
 *         difference (e.g. "algorithms[3] ('DIGing') config.method: the run
 *         has \"dgd\", \"atc\" was asked"); DCKPT_EINVAL (a config or
 *         campaign of `asked` that is not a JSON object); any status of
 *         dckpt_store_load_metadata(). A run made before configurations were
 *         recorded passes with a warning.
 */
DCKPT_API int dckpt_store_check_campaign(dckpt_store *store, const dckpt_metadata *asked);

/**
 * Merges the keys of a JSON object into benchmark_metadata (later wins) and
 * rewrites metadata.json crash-safely. A merge after which metadata.json could
 * not be read back as given is refused and the file left as it was: nested
 * deeper than 1000 levels or holding a number beyond a double's range, such
 * as 1e999 (DCKPT_EINVAL), or larger than 64 MiB (DCKPT_ETOOBIG).
 * @param[in] json_object  a JSON object, in UTF-8.
 * @return DCKPT_OK; DCKPT_EINVAL (not a JSON object, not UTF-8, or nested
 *         too deep);
 *         DCKPT_ETOOBIG; DCKPT_EACCES (a read-only store); any status of
 *         dckpt_store_load_metadata(); DCKPT_ENOMEM; or an I/O status of the
 *         write.
 */
DCKPT_API int dckpt_store_append_metadata(dckpt_store *store, const char *json_object);

/**
 * Grows the plan of an existing run. Trials of an algorithm whose iterations
 * grow are unmarked so that they continue from their last checkpoint, and
 * the metrics marker is removed; then metadata.json is rewritten
 * crash-safely. Nothing changes when nothing grows.
 * @param[in] n_trials    the new number of trials (>= the current one).
 * @param[in] iterations  n_algorithms entries, each >= the current one; may
 *                        be NULL to keep the iterations.
 * @return DCKPT_OK; DCKPT_EINVAL (a shrink, named); DCKPT_ETOOBIG (beyond
 *         the DCKPT_MAX_* limits); DCKPT_EACCES (a read-only store); any
 *         status of dckpt_store_load_metadata(); DCKPT_ENOMEM; or an I/O
 *         status.
 */
DCKPT_API int dckpt_store_extend(dckpt_store *store, int64_t n_trials,
                                 const int64_t *iterations);

/**
 * Loads the initial algorithms record written by initialize, checking its
 * identity.
 * @param[out] out  the record (free with dckpt_record_free()), NULL on failure.
 * @return DCKPT_OK, DCKPT_ENOENT, DCKPT_ECORRUPT (also: the file belongs
 *         elsewhere), or another read status.
 */
DCKPT_API int dckpt_store_load_initial_algorithms(dckpt_store *store, dckpt_record **out);
/** Loads the benchmark problem record; as
 *  dckpt_store_load_initial_algorithms(). */
DCKPT_API int dckpt_store_load_problem(dckpt_store *store, dckpt_record **out);

/**
 * Whether a checkpoint is due after iteration `iteration`:
 * (iteration + 1) % checkpoint_step == 0.
 * @param[out] due  the answer (false with DCKPT_STEP_NONE).
 * @return DCKPT_OK, or DCKPT_EINVAL (iteration < 0; no message: the store is
 *         const).
 */
DCKPT_API int dckpt_store_should_checkpoint(const dckpt_store *store, int64_t iteration,
                                            bool *due);

/**
 * Saves the state of (alg, trial) after iteration `iteration` following the
 * commit protocol (docs/design.md): checkpoint file, then progress.json, one
 * directory flush for both (durability full: the checkpoint's data and the
 * directory are flushed, progress.json is a hint that is not), then rotation
 * to the newest keep_n checkpoints. Saving an iteration that
 * progress.json already names and whose file verifies does nothing
 * (idempotent). A failure leaves the trial at its previous checkpoint.
 * @param[in] alg, trial  0..2^31-1.
 * @param[in] iteration   >= 0.
 * @param[in] state       the record to save; its identity is replaced by
 *                        the place it is saved to. Borrowed arrays are read
 *                        during the call only.
 * @return DCKPT_OK; DCKPT_EINVAL (an index out of range, NULL state);
 *         DCKPT_EACCES (a read-only store); DCKPT_ETOOBIG; DCKPT_ENOMEM; or
 *         an I/O status.
 */
DCKPT_API int dckpt_store_save(dckpt_store *store, int64_t alg, int64_t trial,
                               int64_t iteration, const dckpt_record *state);

/**
 * Loads the newest checkpoint of (alg, trial) that verifies. When the one
 * that progress.json names is missing, corrupt or belongs elsewhere, falls
 * back to the newest older one that verifies, moves the bad file aside as
 * *.corrupt (writing stores only) and logs a warning; a damaged
 * progress.json is treated the same way. A trial with nothing to load is not
 * an error.
 * @param[out] state      the record (free with dckpt_record_free()), or NULL
 *                        when there is nothing to load.
 * @param[out] iteration  its iteration, or -1 when there is nothing to load.
 * @return DCKPT_OK (also when nothing verifies: the trial starts over);
 *         DCKPT_EINVAL (an index out of range); DCKPT_ENOMEM; or an I/O
 *         status of listing the trial's directory.
 */
DCKPT_API int dckpt_store_load_latest(dckpt_store *store, int64_t alg, int64_t trial,
                                      dckpt_record **state, int64_t *iteration);

/**
 * Loads the newest checkpoint of (alg, trial) older than iteration `before`
 * that verifies: the fallback for a caller that cannot use the checkpoint
 * dckpt_store_load_latest() returned (for instance because a metric segment
 * it lists is missing or corrupt). Newer checkpoints stay where they are;
 * older ones that do not verify are moved aside as *.corrupt, as in
 * dckpt_store_load_latest().
 * @param[out] state      the record, or NULL when no older checkpoint verifies.
 * @param[out] iteration  its iteration, or -1.
 * @return DCKPT_OK (also when there is nothing older), DCKPT_EINVAL, DCKPT_ENOMEM,
 *         DCKPT_EIO.
 */
DCKPT_API int dckpt_store_load_before(dckpt_store *store, int64_t alg, int64_t trial,
                                      int64_t before, dckpt_record **state,
                                      int64_t *iteration);

/* Metric segments. A long trial's metric history would make every checkpoint
 * carry all rows recorded so far (bytes per checkpoint growing with the
 * iteration count). Instead, rows can be committed once, in numbered segment
 * records, and each later checkpoint lists the segments it builds on in a
 * u64 array named DCKPT_SEGMENTS_KEY: element s is the content digest
 * (dckpt_record_digest()) of segment s, for s = 0 .. n-1. Write a segment
 * before the first checkpoint that lists it; a crash in between leaves a
 * segment no checkpoint lists, which the next save of that number replaces.
 * The final checkpoint (dckpt_store_mark_complete()) lists none: it carries
 * the whole history, and the trial's segments are removed once complete.json
 * is durable. docs/format.md, "Metric segments". */

/** Name of the array in which a checkpoint lists its segments' digests. */
#define DCKPT_SEGMENTS_KEY "_dckpt_segments"

/**
 * Saves `segment` as metric segment `seq` (0, 1, ...) of (alg, trial), crash-
 * safely, as DIR/algorithm_A/trial_T/metrics_<seq, 6 digits>.dckpt with the
 * identity of that place (kind "metrics_segment"). A segment of that number
 * already there (left by a crash or by an abandoned history) is replaced.
 * @return DCKPT_OK, DCKPT_EINVAL (ids or `seq` out of range, NULL record),
 *         DCKPT_EACCES (read-only store), DCKPT_EIO, DCKPT_ENOSPC, DCKPT_ENOMEM.
 */
DCKPT_API int dckpt_store_save_segment(dckpt_store *store, int64_t alg, int64_t trial,
                                       int64_t seq, const dckpt_record *segment);

/**
 * Loads metric segment `seq` of (alg, trial) and checks that it is the one a
 * checkpoint lists: the file verifies, its identity names this run, algorithm,
 * trial and number, and its content digest equals `digest`. A file that does
 * not verify or belongs elsewhere is moved aside as *.corrupt (writing
 * handles); a sound one with another digest (left from an abandoned history)
 * is left for the save that replaces it. The message names the file and the
 * cause.
 * @param[out] out  the segment, or NULL on failure.
 * @return DCKPT_OK, DCKPT_ENOENT (missing), DCKPT_ECORRUPT (does not verify,
 *         belongs elsewhere, other digest), DCKPT_EVERSION, DCKPT_EINVAL,
 *         DCKPT_ENOMEM, DCKPT_EIO.
 */
DCKPT_API int dckpt_store_load_segment(dckpt_store *store, int64_t alg, int64_t trial,
                                       int64_t seq, uint64_t digest, dckpt_record **out);

/**
 * Removes the metric segments of (alg, trial) numbered `from_seq` and up (0:
 * all). Not needed in normal use (a segment is replaced when its number is
 * saved again, and mark_complete removes a trial's segments); for tools that
 * discard a trial's history.
 * @return DCKPT_OK (also when there are none), DCKPT_EINVAL, DCKPT_EACCES,
 *         DCKPT_EIO, DCKPT_ENOMEM.
 */
DCKPT_API int dckpt_store_drop_segments(dckpt_store *store, int64_t alg, int64_t trial,
                                        int64_t from_seq);

/**
 * Saves the final state (as dckpt_store_save()) and then writes complete.json
 * naming it; then removes the trial's metric segments. The final state must
 * carry its whole history: one that lists segments (DCKPT_SEGMENTS_KEY,
 * non-empty) is refused with DCKPT_EINVAL before anything is written.
 * @return as dckpt_store_save(); also DCKPT_EINVAL (no run in the
 *         directory, or alg not in it) and the statuses of
 *         dckpt_store_load_metadata() other than DCKPT_ENOENT.
 */
DCKPT_API int dckpt_store_mark_complete(dckpt_store *store, int64_t alg, int64_t trial,
                                        int64_t iteration, const dckpt_record *state);
/**
 * Removes the completion marker of (alg, trial); no error when there is none.
 * @return DCKPT_OK, DCKPT_EINVAL (an index out of range), DCKPT_EACCES (a
 *         read-only store), DCKPT_ENOMEM, or an I/O status.
 */
DCKPT_API int dckpt_store_unmark_complete(dckpt_store *store, int64_t alg, int64_t trial);
/**
 * Whether (alg, trial) has a completion marker (complete.json is a regular
 * file; its content is not read: dckpt_store_trial_status() validates it).
 * @param[out] complete  the answer.
 * @return DCKPT_OK, DCKPT_EINVAL (an index out of range), DCKPT_ENOMEM.
 */
DCKPT_API int dckpt_store_trial_is_complete(dckpt_store *store, int64_t alg,
                                            int64_t trial, bool *complete);
/**
 * The completed trials of `alg` among 0..n_trials-1, ascending (as
 * dckpt_store_trial_is_complete()).
 * @param[out] trials  *count entries; free with dckpt_free().
 * @param[out] count   their number.
 * @return DCKPT_OK, DCKPT_EINVAL (n_trials < 0, alg out of range),
 *         DCKPT_ETOOBIG (n_trials beyond DCKPT_MAX_TRIALS), DCKPT_ENOMEM.
 */
DCKPT_API int dckpt_store_completed_trials(dckpt_store *store, int64_t alg,
                                           int64_t n_trials, int64_t **trials,
                                           size_t *count);
/**
 * Whether any trial of the run has a checkpoint file.
 * @param[out] started  the answer; false when the directory holds no run.
 * @return DCKPT_OK; a status of dckpt_store_load_metadata() other than
 *         DCKPT_ENOENT; DCKPT_ENOMEM; or an I/O status of listing a trial.
 */
DCKPT_API int dckpt_store_run_is_started(dckpt_store *store, bool *started);
/**
 * Whether every trial of every algorithm has a completion marker.
 * @param[out] complete  the answer; false when the directory holds no run.
 * @return DCKPT_OK; a status of dckpt_store_load_metadata() other than
 *         DCKPT_ENOENT; DCKPT_ENOMEM.
 */
DCKPT_API int dckpt_store_run_is_complete(dckpt_store *store, bool *complete);

typedef enum dckpt_trial_state {
  DCKPT_TRIAL_NOT_STARTED = 0,
  DCKPT_TRIAL_IN_PROGRESS = 1,
  DCKPT_TRIAL_COMPLETE = 2
} dckpt_trial_state;

/** Where (alg, trial) stands, from its markers only (no checkpoint is read). */
typedef struct dckpt_trial_status {
  dckpt_trial_state state;
  int64_t last_iteration; /* -1 when not started */
  /** DCKPT_OK, or the status (DCKPT_ECORRUPT, ...) of complete.json when it
   *  cannot be trusted — unreadable, malformed, or written for another run
   *  or trial. dckpt_store_errmsg() then names it and the cause, and the
   *  trial is not complete. progress.json is a hint that a durable save never
   *  flushes: when it cannot be trusted, marker_status stays DCKPT_OK, a
   *  warning is logged and last_iteration is the newest checkpoint file's
   *  (not yet verified). A resume (dckpt_store_load_latest) verifies and
   *  repairs such a trial. */
  int marker_status;
} dckpt_trial_status;

/**
 * Where (alg, trial) stands, from its markers and the names of its checkpoint
 * files; no checkpoint is read. A damaged marker is not an error of the call:
 * see marker_status.
 * @param[out] status  the answer.
 * @return DCKPT_OK; DCKPT_EINVAL (an index out of range); DCKPT_ENOMEM; or
 *         an I/O status of listing the trial's directory.
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

/**
 * Loads the final state of a completed trial: the checkpoint that
 * complete.json names, verified and checked to belong there.
 * @param[out] out  the record (free with dckpt_record_free()), NULL on failure.
 * @return DCKPT_OK; DCKPT_ENOTCOMPLETE (no completion marker); DCKPT_EINVAL
 *         (an index out of range); DCKPT_ECORRUPT (a damaged marker, or a
 *         checkpoint that is damaged or belongs elsewhere); or another read
 *         status.
 */
DCKPT_API int dckpt_store_load_final_state(dckpt_store *store, int64_t alg, int64_t trial,
                                           dckpt_record **out);

/** The results of a run: the final states of every algorithm whose trials
 *  are all complete. Read-only once loaded; free with dckpt_result_free(). */
typedef struct dckpt_result dckpt_result;

/**
 * Loads the final state of every trial of every algorithm whose n_trials
 * trials are all complete and were completed under the algorithm's current
 * name. Any other algorithm is skipped with a warning through the logging
 * callback.
 * @param[out] out  the results (free with dckpt_result_free()), NULL on
 *                  failure.
 * @return DCKPT_OK (also when no algorithm is complete); any status of
 *         dckpt_store_load_metadata() and dckpt_store_load_final_state().
 */
DCKPT_API int dckpt_store_load_results(dckpt_store *store, dckpt_result **out);
/** Frees the results and every record in them. Accepts NULL. */
DCKPT_API void dckpt_result_free(dckpt_result *res);
/** Number of algorithms with complete results. */
DCKPT_API size_t dckpt_result_n_algorithms(const dckpt_result *res);
/** Index (in metadata) of the i-th algorithm with results; -1 when i is out
 *  of range. */
DCKPT_API int64_t dckpt_result_algorithm_index(const dckpt_result *res, size_t i);
/** Name of the i-th algorithm with results (owned by res); NULL when i is out
 *  of range. */
DCKPT_API const char *dckpt_result_algorithm_name(const dckpt_result *res, size_t i);
/** Number of trials of each algorithm. */
DCKPT_API int64_t dckpt_result_n_trials(const dckpt_result *res);
/** Final state of trial `trial` of the i-th algorithm (owned by res); NULL
 *  when i or trial is out of range. */
DCKPT_API const dckpt_record *dckpt_result_trial(const dckpt_result *res, size_t i,
                                                 int64_t trial);

/**
 * Saves the metrics record, then its completion marker (the old marker is
 * removed first, so it never vouches for a half-replaced file).
 * @param[in] metrics  the record.
 * @return DCKPT_OK; DCKPT_EACCES (a read-only store); DCKPT_ETOOBIG;
 *         DCKPT_ENOMEM; a status of dckpt_store_load_metadata() other than
 *         DCKPT_ENOENT; or an I/O status.
 */
DCKPT_API int dckpt_store_save_metrics(dckpt_store *store, const dckpt_record *metrics);
/**
 * Loads the metrics record after checking its marker.
 * @param[out] out  the record (free with dckpt_record_free()), NULL on failure.
 * @return DCKPT_OK; DCKPT_ENOTCOMPLETE (no marker); DCKPT_ECORRUPT (a
 *         damaged marker or record, or one of another run); or another read
 *         status.
 */
DCKPT_API int dckpt_store_load_metrics(dckpt_store *store, dckpt_record **out);
/**
 * Whether the metrics file and its marker both exist (neither is read).
 * @param[out] computed  the answer.
 * @return DCKPT_OK or DCKPT_ENOMEM.
 */
DCKPT_API int dckpt_store_metrics_computed(dckpt_store *store, bool *computed);

/**
 * Archives the directory into DIR_backup_<YYYYmmdd_HHMMSS>.zip beside it (a
 * suffix _2, _3, ... keeps names unique within one second). The archive is
 * written to a temporary, made durable and then published without replacing
 * anything. Works on a reading store too. A directory that holds no run (no
 * metadata.json) is not archived.
 * @param[out] path  the archive's path (release with dckpt_free()), NULL on
 *                   failure.
 * @return DCKPT_OK; DCKPT_ENOENT (the directory does not exist or holds no
 *         run); DCKPT_EEXIST
 *         (9,999 backups in one second); DCKPT_EIO (the archive library
 *         failed, or could not be loaded: libdckpt loads libarchive on the
 *         first backup, not at start); DCKPT_ENOMEM; or an I/O status.
 */
DCKPT_API int dckpt_store_backup(dckpt_store *store, char **path);

/**
 * Removes the whole directory. The store stays open but empty and the lock
 * is released; a later initialize takes it again. A directory opened
 * through a symbolic link is not removed (that would remove the link alone).
 * @return DCKPT_OK; DCKPT_EACCES (a read-only store); DCKPT_EINVAL (the
 *         store did not open, or its path is a symbolic link); DCKPT_ENOMEM;
 *         or an I/O status.
 */
DCKPT_API int dckpt_store_clear(dckpt_store *store);

/**
 * Total bytes of all files under the directory.
 * @param[out] bytes  the sum.
 * @return DCKPT_OK, DCKPT_ENOMEM, or an I/O status of walking the tree.
 */
DCKPT_API int dckpt_store_size(dckpt_store *store, uint64_t *bytes);

/** One problem that dckpt_store_verify() found: the file, its status and the
 *  reason (valid during the call). */
typedef void (*dckpt_verify_fn)(void *ctx, const char *path, int status,
                                const char *reason);

/**
 * Verifies every record's checksum and identity, every JSON file and every
 * marker (that the checkpoint complete.json names exists and verifies, and
 * the metric segments of the checkpoint a resume would load). Read-only:
 * nothing is moved or repaired. Problems are reported, not returned.
 *
 * progress.json is a hint, never a problem: a durable save does not flush it
 * (the checkpoint file is the commit record), so a power loss can leave it
 * unreadable, naming a checkpoint whose rename was lost, missing, or behind a
 * newer checkpoint whose save did not return; loading handles each and the
 * next save rewrites it. Those findings are warnings: logged through the
 * store's logging callback (level warn) here, passed to `warn` by
 * dckpt_store_verify_warn().
 * @param[in] report  called for each problem; may be NULL.
 * @param[in] ctx     passed to report.
 * @param[out] n_bad  number of problems; may be NULL.
 * @return DCKPT_OK (whatever was found, including a directory without a run,
 *         reported as a problem of metadata.json), or DCKPT_ENOMEM.
 */
DCKPT_API int dckpt_store_verify(dckpt_store *store, dckpt_verify_fn report, void *ctx,
                                 size_t *n_bad);

/**
 * dckpt_store_verify() that hands its warnings (findings that leave
 * everything committed intact: a damaged, missing or stale progress.json) to
 * `warn` instead of the log, each with the file, a status (DCKPT_ECORRUPT,
 * DCKPT_ENOENT, ...; DCKPT_OK for a hint that is merely behind) and a reason
 * that says what a resume does.
 * @param[in] report  called for each problem; may be NULL.
 * @param[in] warn    called for each warning; may be NULL (then logged).
 * @param[in] ctx     passed to report and warn.
 * @param[out] n_bad  number of problems; may be NULL.
 * @param[out] n_warn number of warnings; may be NULL.
 * @return as dckpt_store_verify().
 */
DCKPT_API int dckpt_store_verify_warn(dckpt_store *store, dckpt_verify_fn report,
                                      dckpt_verify_fn warn, void *ctx, size_t *n_bad,
                                      size_t *n_warn);

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
/** Named runs (dckpt_run_options.run_name of dckpt_run.h): DIR/runs/<name>/
 *  holds the run's own HALT (which stops that run only; DIR/HALT stops every
 *  run) and run_status.json (how that run ended). */
#define DCKPT_RUNS_DIR "runs"
/** Longest run name, in bytes. */
#define DCKPT_RUN_NAME_MAX 64

/**
 * The path of a HALT file (DCKPT_HALT_FILE): DIR/HALT, which stops every run
 * of `dir`, or, with a run name, DIR/runs/<run_name>/HALT, which stops that
 * named run alone (dckpt_run_options.run_name of dckpt_run.h). The one place
 * these paths are built; nothing is looked at on disk. Thread-safe.
 * @param[in] dir       the run directory.
 * @param[in] run_name  a run name (dckpt_run_name_valid()), or NULL for the
 *                      directory's own HALT.
 * @param[out] buf      the path, NUL-terminated; "" on failure (len >= 1).
 * @param[in] len       bytes of buf.
 * @return DCKPT_OK; DCKPT_EINVAL (NULL or empty dir, NULL buf, len 0, a
 *         run_name that dckpt_run_name_valid() refuses); DCKPT_ETOOBIG (the
 *         path and its NUL do not fit in len bytes); DCKPT_ENOMEM.
 */
DCKPT_API int dckpt_halt_path(const char *dir, const char *run_name, char *buf,
                              size_t len);

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

/** A batch job's state as its scheduler tells it: what makes the lease of a
 *  pair whose holder runs on another host free at once (docs/design.md,
 *  "Leases"). */
typedef enum dckpt_job_state {
  DCKPT_JOB_UNKNOWN = 0, /* cannot tell (no scheduler, no answer, a state not known) */
  DCKPT_JOB_RUNNING = 1, /* running, or still to run (pending, suspended, requeued) */
  DCKPT_JOB_GONE = 2     /* ended, failed, cancelled, or unknown to the scheduler */
} dckpt_job_state;

/** Asked for the state of the job `job_id` (as its holder recorded it, e.g.
 *  Slurm's "1234" or "1234_5") of a lease holder on another host; `ctx` is
 *  the context given with it. Only DCKPT_JOB_GONE changes anything: the lease
 *  is then taken over at once, so answer GONE only when the scheduler says the
 *  job no longer runs and never will under that id. Called by the thread that
 *  claims a pair (with dckpt_run, each rank's loop thread: several at once in
 *  one process with several ranks), so it must be thread-safe. It may block (run
 *  a command, ask a server), but the claim waits for it: cache answers. */
typedef dckpt_job_state (*dckpt_job_state_fn)(const char *job_id, void *ctx);

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
 * Thread-safe.
 * @param[in] dir   the run directory.
 * @param[out] out  the answer; release with dckpt_free().
 * @return DCKPT_OK, DCKPT_EINVAL (NULL argument), DCKPT_ENOMEM.
 */
DCKPT_API int dckpt_lock_query(const char *dir, dckpt_lock_info **out);

/** A lease in a directory that shared runs work on (DIR/leases; docs/runtime.md,
 *  "Shared runs"): a shared run's registration or the claim of a pair. */
typedef struct dckpt_lease_entry {
  int64_t alg, trial;     /* the pair claimed; both -1 for a run's registration */
  dckpt_lock_info holder; /* who holds it and whether it still runs on this host
                             (as dckpt_lock_query judges a lock's holder) */
} dckpt_lease_entry;

/**
 * The leases of run directory `dir`: the shared runs registered there and the
 * pairs they hold, registrations first, then pairs in (alg, trial) order.
 * Takes nothing and changes nothing; a lease that is being taken over may be
 * seen with its old or its new holder. Thread-safe.
 * @param[out] out  the leases (release with dckpt_free()); NULL when none.
 * @param[out] n    how many.
 * @return DCKPT_OK (also when DIR/leases does not exist), DCKPT_EINVAL (NULL
 *         argument), DCKPT_ENOMEM, or the status of listing DIR/leases.
 */
DCKPT_API int dckpt_lease_list(const char *dir, dckpt_lease_entry **out, size_t *n);

/** How a run ended: what DIR/run_status.json holds (docs/format.md). */
typedef struct dckpt_run_status {
  /** sizeof(dckpt_run_status) as the caller knows it; dckpt_run_status_init()
   *  sets it ("Option structs" above). */
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
 * Writes DIR/run_status.json crash-safely, with the store's durability.
 * dckpt_run does it on rank 0 when a run ends; a program that fails
 * afterwards (e.g. making its tables) corrects it the same way.
 * @param[in,out] store  a writing store (it holds the lock, so the file is
 *                       this run's to write).
 * @param[in] st         the status (from dckpt_run_status_init()).
 * @return DCKPT_OK; DCKPT_EINVAL (struct_size 0 or from a newer header with
 *         unknown fields set; a status that is not a DCKPT_* code);
 *         DCKPT_EACCES (a read-only store); DCKPT_ENOMEM; or an I/O status
 *         (DCKPT_ENOENT when the directory does not exist).
 */
DCKPT_API int dckpt_store_write_run_status(dckpt_store *store,
                                           const dckpt_run_status *st);

/**
 * Reads DIR/run_status.json (any store, reading or writing).
 * @param[out] out  the status (release with dckpt_free()), NULL on failure.
 * @return DCKPT_OK; DCKPT_ENOENT (no run has ended there); DCKPT_ECORRUPT
 *         (malformed, a key missing or of the wrong type, an unknown status
 *         name); or another read status.
 */
DCKPT_API int dckpt_store_read_run_status(dckpt_store *store, dckpt_run_status **out);

/** Whether `name` can name a run: 1 to DCKPT_RUN_NAME_MAX characters out of
 *  letters, digits, '.', '_' and '-', the first a letter or a digit (so that
 *  DIR/runs/<name> is a plain folder of DIR/runs). Thread-safe. */
DCKPT_API bool dckpt_run_name_valid(const char *name);

/**
 * dckpt_store_write_run_status() for the named run `run_name`: writes
 * DIR/runs/<run_name>/run_status.json crash-safely, creating the folders.
 * dckpt_run does it (besides DIR/run_status.json) when its run has a name.
 * @return as dckpt_store_write_run_status(); DCKPT_EINVAL also for a name that
 *         dckpt_run_name_valid() refuses; DCKPT_ENOTDIR when anything but a
 *         directory (a symbolic link too) is where a folder belongs.
 */
DCKPT_API int dckpt_store_write_named_status(dckpt_store *store, const char *run_name,
                                             const dckpt_run_status *st);

/**
 * dckpt_store_read_run_status() for the named run `run_name`
 * (DIR/runs/<run_name>/run_status.json).
 * @return as dckpt_store_read_run_status(); DCKPT_EINVAL for a name that
 *         dckpt_run_name_valid() refuses.
 */
DCKPT_API int dckpt_store_read_named_status(dckpt_store *store, const char *run_name,
                                            dckpt_run_status **out);

/* ------------------------------------------------------------------------- */
/* Deprecated in 0.2, removed in 0.3                                         */
/* ------------------------------------------------------------------------- */

/* The names and signatures of dckpt 0.1 that 0.2 replaced (docs/api.md has
 * the table). They still work, on top of their replacements; the ones with
 * a caller buffer `err` (may be NULL, errlen bytes, always NUL-terminated)
 * write the reason there instead of into an object. A `bool durable` of
 * true is DCKPT_DURABILITY_FULL (mind that DCKPT_DURABILITY_FULL is 0: the
 * replacements take the enum under new names for that reason). */

/** Deprecated: dckpt_record_read(). `*out` is NULL on failure. */
DCKPT_DEPRECATED_FOR("dckpt_record_read")
DCKPT_API int dckpt_record_load_file(const char *path, dckpt_record **out, char *err,
                                     size_t errlen);
/** Deprecated: dckpt_record_parse(). `*out` is NULL on failure. */
DCKPT_DEPRECATED_FOR("dckpt_record_parse")
DCKPT_API int dckpt_record_decode(const void *buf, size_t len, dckpt_record **out,
                                  char *err, size_t errlen);
/** Deprecated: dckpt_record_write(), which keeps the message in the record.
 *  This one leaves the const record alone. */
DCKPT_DEPRECATED_FOR("dckpt_record_write")
DCKPT_API int dckpt_record_save_file(const dckpt_record *rec, const char *path, int level,
                                     bool durable, char *err, size_t errlen);
/** Deprecated: dckpt_record_stat(), which reports the reason in
 *  info->error. */
DCKPT_DEPRECATED_FOR("dckpt_record_stat")
DCKPT_API int dckpt_record_stat_file(const char *path, dckpt_file_info *info, char *err,
                                     size_t errlen);
/** Deprecated: the streaming dckpt_file_writer_* (one dckpt_file_writer_write
 *  of the buffer). Replaces `path` with `len` bytes crash-safely. */
DCKPT_DEPRECATED_FOR("dckpt_file_writer_open/_write/_commit")
DCKPT_API int dckpt_file_write_atomic(const char *path, const void *data, size_t len,
                                      bool durable, char *err, size_t errlen);
/** Deprecated: dckpt_store_write_run_status(). Writes DIR/run_status.json
 *  without a store (and without the lock). */
DCKPT_DEPRECATED_FOR("dckpt_store_write_run_status")
DCKPT_API int dckpt_run_status_write(const char *dir, const dckpt_run_status *st,
                                     bool durable, char *err, size_t errlen);
/** Deprecated: dckpt_store_read_run_status(). */
DCKPT_DEPRECATED_FOR("dckpt_store_read_run_status")
DCKPT_API int dckpt_run_status_read(const char *dir, dckpt_run_status **out, char *err,
                                    size_t errlen);
/** Deprecated name of dckpt_store_trial_is_complete(). */
DCKPT_DEPRECATED_FOR("dckpt_store_trial_is_complete")
DCKPT_API int dckpt_store_is_complete(dckpt_store *store, int64_t alg, int64_t trial,
                                      bool *complete);
/** Deprecated name of dckpt_store_run_is_complete(). */
DCKPT_DEPRECATED_FOR("dckpt_store_run_is_complete")
DCKPT_API int dckpt_store_is_completed(dckpt_store *store, bool *completed);
/** Deprecated name of dckpt_store_run_is_started(). */
DCKPT_DEPRECATED_FOR("dckpt_store_run_is_started")
DCKPT_API int dckpt_store_is_started(dckpt_store *store, bool *started);
/** Deprecated name of dckpt_store_load_results(). */
DCKPT_DEPRECATED_FOR("dckpt_store_load_results")
DCKPT_API int dckpt_store_load_result(dckpt_store *store, dckpt_result **out);
/** Deprecated name of dckpt_store_load_final_state(). */
DCKPT_DEPRECATED_FOR("dckpt_store_load_final_state")
DCKPT_API int dckpt_store_load_trial_result(dckpt_store *store, int64_t alg,
                                            int64_t trial, dckpt_record **out);
/** Deprecated name of dckpt_store_get_dir(). */
DCKPT_DEPRECATED_FOR("dckpt_store_get_dir")
DCKPT_API const char *dckpt_store_dir(const dckpt_store *store);
/** Deprecated name of dckpt_store_get_results_path(). */
DCKPT_DEPRECATED_FOR("dckpt_store_get_results_path")
DCKPT_API const char *dckpt_store_results_path(const dckpt_store *store);

#ifdef __cplusplus
}
#endif

#endif /* DCKPT_H */
