/*
 * dckpt container — a whole checkpoint directory packed into one HDF5 file.
 *
 * On a parallel file system a campaign of many algorithms x trials leaves
 * hundreds of thousands of small files. dckpt_container_pack() writes them all
 * into one HDF5 file, in parallel over the ranks of a communicator, every
 * array in a shuffled, zstd-compressed pool of its dtype and an index that
 * keeps every array's dtype, shape, name and checksum (docs/container.md has
 * the layout byte by byte). The file reads in place — the store of dckpt.h
 * opens it read-only (dckpt_container_open_store) — and with stock HDF5 tools
 * and h5py; dckpt_container_unpack() rebuilds the directory.
 *
 * This library (libdckpt_container) links parallel HDF5 and MPI. Packing and
 * unpacking are MPI collective; reading a container makes no MPI call and
 * needs no MPI_Init (HDF5's default file driver).
 *
 * Conventions are those of dckpt.h: int status, messages naming the file and
 * the cause, never printing (messages go through the logging callback), every
 * file written crash-safely; the option structs start with `size_t
 * struct_size`, set by their _init function, and are read by size as
 * dckpt.h's are (fill them with the _init function, then change fields).
 * A NULL where a pointer is needed is refused with DCKPT_EINVAL (with a
 * message in the handle naming the argument; none for a NULL handle or out).
 *
 * Thread safety: HDF5 (Debian's parallel build) is not thread-safe, so every
 * call of this library that touches HDF5 holds one process-wide lock; distinct
 * handles may still be used from distinct threads.
 */
#ifndef DCKPT_CONTAINER_H
#define DCKPT_CONTAINER_H

#include <mpi.h>

#include "dckpt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------- */
/* Packing a directory                                                       */
/* ------------------------------------------------------------------------- */

/* The ranges of the pack options: dckpt_container_pack() refuses a value
 * outside them (DCKPT_EINVAL), and `dckpt pack` checks its --level, --chunk
 * and --buffer against these same numbers before anything is read. */
/** zstd levels of the data pools: DCKPT_CONTAINER_LEVEL_MIN ..
 *  DCKPT_CONTAINER_LEVEL_MAX (zstd's fast levels are negative; 0 stores the
 *  data unfiltered). */
#define DCKPT_CONTAINER_LEVEL_MIN (-7)
#define DCKPT_CONTAINER_LEVEL_MAX 22
/** chunk_bytes: a multiple of DCKPT_CONTAINER_CHUNK_ALIGN in
 *  DCKPT_CONTAINER_CHUNK_MIN (4 KiB) .. DCKPT_CONTAINER_CHUNK_MAX (64 MiB).
 *  A reader refuses a dataset whose chunks are larger than the maximum. */
#define DCKPT_CONTAINER_CHUNK_MIN   ((uint64_t)4 << 10)
#define DCKPT_CONTAINER_CHUNK_MAX   ((uint64_t)64 << 20)
#define DCKPT_CONTAINER_CHUNK_ALIGN 8
/** buffer_bytes: chunk_bytes .. DCKPT_CONTAINER_BUFFER_MAX (1 TiB). */
#define DCKPT_CONTAINER_BUFFER_MAX ((uint64_t)1 << 40)

typedef struct dckpt_pack_options {
  /** sizeof(dckpt_pack_options) as the caller was compiled: set by
   *  dckpt_pack_options_init(); the library reads the fields it covers
   *  (dckpt.h, "Option structs"). */
  size_t struct_size;
  /** Pack only the newest committed checkpoint of every trial (the final
   *  one of a complete trial) instead of every checkpoint kept. */
  bool final_only;
  /** zstd level of the datasets (default 1; DCKPT_CONTAINER_LEVEL_MIN ..
   *  DCKPT_CONTAINER_LEVEL_MAX, i.e. -7..22); 0 stores them unfiltered. */
  int level;
  /** Bytes of one chunk of the data pools (default 256 KiB; 4 KiB .. 64 MiB,
   *  a multiple of 8: DCKPT_CONTAINER_CHUNK_*). Smaller chunks make reading
   *  one trial cheaper. */
  uint64_t chunk_bytes;
  /** Bytes each rank gathers before a collective write round (default
   *  64 MiB; chunk_bytes .. 1 TiB, DCKPT_CONTAINER_BUFFER_MAX). A single
   *  record larger than this is written in one round. */
  uint64_t buffer_bytes;
  /** DCKPT_DURABILITY_FULL (default): the file is fsynced before it is
   *  renamed into place and its directory fsynced after. */
  dckpt_durability durability;
  /** Pack even though DIR/dckpt.lock names a holder that may be alive. */
  bool ignore_lock;
  /** Read the whole file back and verify it (dckpt_container_verify) before
   *  it is published; a file that does not verify is not published. (A file
   *  with holes, bytes MPI-IO reported written but never wrote, is refused
   *  always.) */
  bool verify;
  dckpt_log_fn log;
  void *log_ctx;
  dckpt_log_level log_level;
  /** Testing hook, called on every rank with the name of each step
   *  ("pack.create", "pack.round", "pack.index", "pack.close", "pack.fsync",
   *  "pack.rename", "pack.dirsync", "pack.done"); crash tests kill from it. */
  void (*step_hook)(void *ctx, const char *step);
  void *step_hook_ctx;
} dckpt_pack_options;

/** What a pack wrote; the same on every rank. */
typedef struct dckpt_pack_report {
  int64_t n_trials;      /* trials packed (those with at least one file) */
  uint64_t n_files;      /* files packed */
  uint64_t n_arrays;     /* arrays packed */
  uint64_t source_bytes; /* bytes of the packed files in DIR */
  uint64_t raw_bytes;    /* bytes of the arrays and texts, uncompressed */
  uint64_t file_bytes;   /* size of FILE */
  int rounds;            /* collective write rounds */
  double seconds;        /* wall time of the whole pack */
  char message[1024];    /* why it failed ("" on success) */
} dckpt_pack_report;

/** Fills `opts` with the defaults and sets struct_size. */
DCKPT_API void dckpt_pack_options_init(dckpt_pack_options *opts);

/**
 * Packs checkpoint directory `dir` into the HDF5 file `file`. MPI collective
 * over `comm` (any number of ranks, 1 included, unrelated to the ranks of the
 * run): every rank packs a share of the trials. `file` appears only complete:
 * it is written under a temporary name in its directory, fsynced, renamed
 * over `file` and the directory fsynced; a failed or killed pack leaves no
 * `file` (an existing one is kept) and never writes into `dir`.
 * Refused while a run holds `dir` (its dckpt.lock) or shared runs that may
 * be alive are registered in it, unless ignore_lock.
 * Every rank returns the same status; `rep` (may be NULL) says what was
 * packed or why it failed: DCKPT_EINVAL (bad options, struct_size 0 or from
 * a newer header with unknown fields set), DCKPT_ELOCKED (in use), or the
 * status of the failed read or write.
 */
DCKPT_API int dckpt_container_pack(MPI_Comm comm, const char *dir, const char *file,
                                   const dckpt_pack_options *opts,
                                   dckpt_pack_report *rep);

/* ------------------------------------------------------------------------- */
/* Unpacking                                                                 */
/* ------------------------------------------------------------------------- */

typedef struct dckpt_unpack_options {
  /** sizeof(dckpt_unpack_options) as the caller was compiled: set by
   *  dckpt_unpack_options_init(). */
  size_t struct_size;
  /**
   * false (default): `dir` must not exist or be empty, and not be a symbolic
   * link (DCKPT_EINVAL: give the directory it points to); the whole directory is
   * built under a temporary name beside it and renamed into place, so it
   * appears complete or not at all.
   * true: `dir` holds the same run (metadata.json equal to the container's),
   * typically one whose trial directories were pruned; only what it lacks is
   * written — each missing trial directory built under a temporary name in
   * its algorithm directory and renamed into place — and nothing in it is
   * replaced. A `dir` that a run holds (its dckpt.lock) or in which shared
   * runs that may be alive are registered is refused, as by a pack.
   */
  bool restore;
  /** restore: write even though `dir` is in use (as dckpt_pack_options). */
  bool ignore_lock;
  dckpt_durability durability;
  dckpt_log_fn log;
  void *log_ctx;
  dckpt_log_level log_level;
} dckpt_unpack_options;

typedef struct dckpt_unpack_report {
  int64_t n_trials; /* trial directories written */
  uint64_t n_files; /* files written */
  uint64_t bytes;   /* bytes written: the sizes of the files written */
  double seconds;
  char message[1024];
} dckpt_unpack_report;

/** Fills `opts` with the defaults and sets struct_size. */
DCKPT_API void dckpt_unpack_options_init(dckpt_unpack_options *opts);

/**
 * Rebuilds checkpoint directory `dir` from container `file`. MPI collective
 * over `comm` (any number of ranks); every rank writes a share of the
 * trials. The directory resumes and grows exactly as the one that was packed:
 * every record holds the same arrays, header and identity, every JSON file
 * the same bytes. Every path is checked before anything is written: nothing
 * is written outside `dir` (and its temporary sibling), whatever the file
 * holds. Every rank returns the same status: DCKPT_EINVAL (bad options,
 * struct_size), DCKPT_ENOTEMPTY (`dir` not empty without restore),
 * DCKPT_EMISMATCH (restore into another run), DCKPT_ELOCKED (restore into a
 * `dir` in use), or the status of the failed read or write.
 */
DCKPT_API int dckpt_container_unpack(MPI_Comm comm, const char *file, const char *dir,
                                     const dckpt_unpack_options *opts,
                                     dckpt_unpack_report *rep);

/* ------------------------------------------------------------------------- */
/* Reading a container in place                                              */
/* ------------------------------------------------------------------------- */

typedef struct dckpt_container dckpt_container;

/* dckpt_container_probe(path), whether a file may be a container, is in
 * dckpt.h (libdckpt: no HDF5 needed). */

/**
 * Opens a container read-only and checks its root attributes and the bounds
 * of its datasets against the file's size. Makes no MPI call.
 * @param[out] out  the handle; on failure a handle whose only uses are
 *                  dckpt_container_errmsg() and dckpt_container_close(), or
 *                  NULL when out of memory.
 */
DCKPT_API int dckpt_container_open(const char *path, dckpt_container **out);
/** Closes the handle. Accepts NULL. */
DCKPT_API void dckpt_container_close(dckpt_container *c);
/** Message of the last failed call ("" when none). */
DCKPT_API const char *dckpt_container_errmsg(const dckpt_container *c);
/** The path the container was opened with ("" for NULL). */
DCKPT_API const char *dckpt_container_path(const dckpt_container *c);

/** Kinds of the files a container holds (docs/container.md). */
typedef enum dckpt_entry_kind {
  DCKPT_ENTRY_METADATA = 1,       /* metadata.json */
  DCKPT_ENTRY_PROBLEM = 2,        /* benchmark_problem.dckpt */
  DCKPT_ENTRY_INITIAL = 3,        /* initial_algorithms.dckpt */
  DCKPT_ENTRY_METRICS = 4,        /* metric_computation.dckpt */
  DCKPT_ENTRY_METRICS_MARKER = 5, /* metric_computation_complete.json */
  DCKPT_ENTRY_CHECKPOINT = 6,     /* algorithm_<a>/trial_<t>/checkpoint_<i>.dckpt */
  DCKPT_ENTRY_PROGRESS = 7,       /* algorithm_<a>/trial_<t>/progress.json */
  DCKPT_ENTRY_COMPLETE = 8,       /* algorithm_<a>/trial_<t>/complete.json */
  DCKPT_ENTRY_OTHER = 9,          /* run_status.json, results/<name>: bytes */
  DCKPT_ENTRY_SEGMENT = 10        /* algorithm_<a>/trial_<t>/metrics_<n>.dckpt: a
                                     metric segment (container format 2) */
} dckpt_entry_kind;

/** One file of a container, as dckpt_container_list() reports it. */
typedef struct dckpt_container_entry {
  const char
      *path; /* relative to the directory, e.g. "algorithm_0/trial_3/progress.json" */
  dckpt_entry_kind kind;
  int64_t alg, trial, iteration; /* -1 where they do not apply; a segment's number */
  bool is_record;                /* a record (arrays); else bytes (JSON, other) */
  uint64_t n_arrays;
  uint64_t bytes; /* raw bytes: the arrays of a record, else the file's bytes */
} dckpt_container_entry;

/** Called for every entry; a non-zero return stops the listing. `e` is valid
 *  during the call only. */
typedef int (*dckpt_container_list_fn)(void *ctx, const dckpt_container_entry *e);

/**
 * Lists the entries whose path starts with `prefix` ("" or NULL for all; a
 * trial directory such as "algorithm_0/trial_3" reads only that trial's
 * index rows), root files first, then trials in (algorithm, trial) order.
 */
DCKPT_API int dckpt_container_list(dckpt_container *c, const char *prefix,
                                   dckpt_container_list_fn fn, void *ctx);

/**
 * Loads the record at `path` (e.g. "algorithm_0/trial_3/checkpoint_0000019.dckpt"),
 * reading only its own chunks, and checks every array's checksum.
 * @param[out] info  (may be NULL) the facts of the record as packed: format
 *                   version and zstd level of the original file, arrays and
 *                   raw bytes; file_bytes and payload_bytes are 0 (the
 *                   record shares compressed chunks with others).
 */
DCKPT_API int dckpt_container_load_record(dckpt_container *c, const char *path,
                                          dckpt_record **out, dckpt_file_info *info);

/** Reads the bytes of a non-record file (metadata.json, progress.json, ...)
 *  after checking its checksum. @param[out] data  NUL-terminated, dckpt_free. */
DCKPT_API int dckpt_container_read_file(dckpt_container *c, const char *path, char **data,
                                        size_t *len);

/**
 * Checks the whole container: every index row, every array's and text's
 * checksum, that no two entries share bytes, and the markers (that the
 * checkpoint each complete.json names is there; a damaged progress.json is
 * a warning, see dckpt_container_verify_warn()). Calls
 * `report` once per problem with the path of the damaged entry inside the
 * container ("FILE/algorithm_0/trial_3/checkpoint_0000019.dckpt") or of the
 * damaged index part. Other entries remain readable.
 */
DCKPT_API int dckpt_container_verify(dckpt_container *c, dckpt_verify_fn report,
                                     void *ctx, size_t *n_bad);

/**
 * dckpt_container_verify() that also hands its warnings to `warn`: findings
 * that leave everything committed intact, i.e. a progress.json (an unflushed
 * hint, packed as the directory held it, e.g. after a power loss) that
 * cannot be read or names a checkpoint the container does not hold. Each
 * comes with the entry's path, a status (DCKPT_ECORRUPT, DCKPT_ENOENT) and a
 * reason that says where a resume starts. dckpt_container_verify() neither
 * counts nor reports them.
 * @param[in] report  called for each problem; may be NULL.
 * @param[in] warn    called for each warning; may be NULL.
 * @param[out] n_bad  number of problems; may be NULL.
 * @param[out] n_warn number of warnings; may be NULL.
 */
DCKPT_API int dckpt_container_verify_warn(dckpt_container *c, dckpt_verify_fn report,
                                          dckpt_verify_fn warn, void *ctx, size_t *n_bad,
                                          size_t *n_warn);

/**
 * Opens the store of dckpt.h over a container, read-only: every reading call
 * (metadata, trial status, load_latest, load_trial_result, load_result,
 * metrics, verify) works as on the directory that was packed, and every
 * writing call is refused. dckpt_store_dir() returns `path`, and messages
 * name paths inside it ("run.h5/algorithm_0/trial_3/complete.json").
 * `opts` may be NULL; its flags must be DCKPT_OPEN_READ.
 */
DCKPT_API int dckpt_container_open_store(const char *path,
                                         const dckpt_store_options *opts,
                                         dckpt_store **out);

#ifdef __cplusplus
}
#endif

#endif /* DCKPT_CONTAINER_H */
