/* The store handle and the helpers its files share. */
#ifndef DCKPT_STORE_INTERNAL_H
#define DCKPT_STORE_INTERNAL_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "dckpt.h"
#include "dckpt_experimental.h"
#include "format/scratch.h"
#include "io/atomic.h"
#include "io/lock.h"
#include "store/layout.h"
#include "store/shared.h"
#include "store/source.h"
#include "util/err.h"
#include "util/log.h"

/** Version of the directory layout and its JSON files (metadata.json). */
#define DCKPT_LAYOUT_VERSION 1

/** Length of a run id: 32 lowercase hex digits (128 random bits). */
#define DCKPT_RUN_ID_LEN 32

/** What the store knows of the run for identities (store/identity.c). */
typedef struct dckpt_run_facts_t {
  bool loaded;
  bool has_run_id; /* false for runs made before identities existed */
  char run_id[DCKPT_RUN_ID_LEN + 1];
  char **names; /* algorithm names, by index */
  size_t n_names;
} dckpt_run_facts_t;

struct dckpt_store {
  char *dir;
  char *results;
  char *job_id;
  dckpt_store_options opts; /* opts.experimental points to x (or is NULL) */
  dckpt_store_experimental x;
  dckpt_logger log;
  dckpt_err err;
  dckpt_lock lock;
  dckpt_lock member; /* DCKPT_OPEN_SHARED: the run's lease, DIR/leases/run.* */
  dckpt_lock pair;   /* the lease of the pair claimed (dckpt_store_claim_pair) */
  dckpt_lock name;   /* a named run's lease on its name (dckpt_store_claim_run_name) */
  /* How the holders of leases are judged (store/shared.c; job_state from
   * dckpt_store_set_job_state) */
  dckpt_lease_policy lease_policy;
  bool writable;
  bool failed_open;
  /* The last checkpoint this handle committed: re-saving it is a no-op. */
  int64_t last_alg, last_trial, last_iter;
  /* The trial whose directory this handle made sure of: it exists and its
   * entry in the algorithm's directory is durable. */
  int64_t dir_alg, dir_trial;
  /* The checkpoints on disk of the trial last rotated (newest first), so that
   * the next rotation of the same trial needs no directory listing. */
  int64_t known_alg, known_trial;
  int64_t *known;
  size_t n_known;
  /* Deletes superseded checkpoints and closes replaced progress.json files
   * off the save's critical path: made by the first such job (trial.c's
   * store_reaper), joined by dckpt_store_close. */
  struct dckpt_reaper *reaper;
  /* Temporaries of every record this handle saves or loads, kept between
   * calls so that small records do not fault in fresh pages each time. Used
   * only while another call holds the process's shared scratch
   * (dckpt_scratch_borrow(false)): one thread saving through several handles
   * and the record-file calls then keeps one set warm in cache, not one per
   * handle, each evicted by the others' (bench_peers' store saves without and
   * with durability, alternated: ~0.06 ms of a 1 MiB save's encode). Its
   * kept thread (if a large save or load started one) is joined by
   * dckpt_store_close. */
  dckpt_scratch scratch;
  /* Run id and algorithm names, read once (they never change). */
  dckpt_run_facts_t facts;
  /* The read-only source the store reads instead of a directory
   * (dckpt_store_open_source), or NULL: store/source.c. */
  dckpt_store_source *src;
};

/* ---- store.c: shared checks and io options ---- */
/** Sets the handle's error; returns status. */
int dckpt_store_fail(dckpt_store *s, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Refuses a NULL pointer argument that `call` needs (dckpt.h, "Pointers"):
 *  DCKPT_EINVAL, naming the call and the argument, nothing done. */
#define DCKPT_STORE_NEED(s, call, ptr)                                                   \
  do {                                                                                   \
    if (!(ptr))                                                                          \
      return dckpt_store_fail((s), DCKPT_EINVAL, "%s: argument '%s' is NULL", (call),    \
                              #ptr);                                                     \
  } while (0)
/** Creates the directory if needed, takes the lock unless the handle was
 *  opened without one, removes leftover temporaries in the root. */
int dckpt_store_prepare_dir(dckpt_store *s);
/** Refuses a writing call on a read-only handle. */
int dckpt_store_require_writable(dckpt_store *s, const char *call);
/** Checks alg / trial indices (non-negative, alg < 2^31). */
int dckpt_store_check_ids(dckpt_store *s, int64_t alg, int64_t trial);
/** Moves a file that failed verification aside as *.corrupt, so that it is
 *  neither used nor reported again, and logs a warning naming it (`what`:
 *  "checkpoint", "metric segment") and `why`. */
void dckpt_store_quarantine(dckpt_store *s, const char *what, const char *path,
                            const char *why);
/** io options for writing a file of role `label`. */
dckpt_io_opts dckpt_store_io(const dckpt_store *s, const char *label);
/** io options for a file of the run itself (metadata.json, the initial
 *  records, the metrics and their marker): durable whatever the durability
 *  option, since they are written once or rarely and a power loss that tore
 *  one would leave a run that cannot be resumed. */
dckpt_io_opts dckpt_store_run_io(const dckpt_store *s, const char *label);
bool dckpt_store_durable(const dckpt_store *s);

/* ---- metadata.c ---- */
/** ETOOBIG (naming `what`) beyond DCKPT_MAX_ALGORITHMS, _TRIALS or _PAIRS. */
int dckpt_check_plan_size(dckpt_store *s, const char *what, size_t n_algorithms,
                          int64_t n_trials);
/** metadata.json's object for plan `m` of run `run_id` (NULL, with s's error,
 *  when out of memory or when a caller's JSON text is not an object). */
cJSON *dckpt_metadata_to_json(dckpt_store *s, const dckpt_metadata *m,
                              const char *run_id);
/** Writes metadata.json crash-safely. */
int dckpt_store_save_metadata_json(dckpt_store *s, const cJSON *j);
/** ETOOBIG when n_trials x the iterations of every algorithm (`iterations`,
 *  or when it is NULL the plan's `algs`) exceed DCKPT_MAX_TOTAL_ITERATIONS. */
int dckpt_check_plan_total(dckpt_store *s, const char *what, int64_t n_trials,
                           const dckpt_algorithm_info *algs, const int64_t *iterations,
                           size_t n_algorithms);
/** ETOOBIG beyond DCKPT_MAX_ITERATIONS. */
int dckpt_check_iterations(dckpt_store *s, const char *what, const char *name,
                           int64_t iterations);
/** Parses and validates metadata.json's text (`origin` names it in messages). */
int dckpt_store_parse_metadata_text(dckpt_store *s, const char *json, size_t len,
                                    const char *origin, dckpt_metadata **out);
/** Loads and validates metadata.json into both forms (either may be NULL). */
int dckpt_store_read_metadata(dckpt_store *s, cJSON **json, dckpt_metadata **meta);

/* ---- markers.c ---- */
/** Reads progress.json: last iteration, or -1 when the file is missing. */
int dckpt_store_read_progress(dckpt_store *s, int64_t alg, int64_t trial, int64_t *last);
/** Removes complete.json (durably); the caller has taken the pair out of the
 *  completion index first (dckpt_index_forget). */
int dckpt_store_remove_complete(dckpt_store *s, int64_t alg, int64_t trial);
/** Reads and validates complete.json; ENOTCOMPLETE when missing. */
int dckpt_store_read_complete(dckpt_store *s, int64_t alg, int64_t trial,
                              char **checkpoint_name, int64_t *iteration,
                              char **alg_name);

/* ---- identity.c: where a record belongs ---- */
typedef enum dckpt_kind {
  DCKPT_KIND_CHECKPOINT = 0,
  DCKPT_KIND_INITIAL = 1,
  DCKPT_KIND_PROBLEM = 2,
  DCKPT_KIND_METRICS = 3,
  DCKPT_KIND_SEGMENT = 4 /* a trial's metric segment; `iteration` is its number */
} dckpt_kind;

/** A record's place: its kind, and for checkpoints algorithm, trial, iteration
 *  (for metric segments algorithm, trial and segment number). */
typedef struct dckpt_where {
  dckpt_kind kind;
  int64_t alg, trial, iteration;
} dckpt_where;

const char *dckpt_kind_name(dckpt_kind kind);
/** 32 random hex digits (getrandom); EIO when the kernel gives none. */
int dckpt_make_run_id(char out[DCKPT_RUN_ID_LEN + 1]);
/** The run's id and algorithm names (cached in the handle). */
int dckpt_run_facts(dckpt_store *s, const dckpt_run_facts_t **out);
void dckpt_run_facts_clear(dckpt_store *s);
/** Sets the handle's run facts from a run's metadata. */
int dckpt_run_facts_set(dckpt_store *s, const dckpt_metadata *m);
/** The identity text for a record at `w` (malloc'd JSON object). */
int dckpt_identity_make(dckpt_store *s, const dckpt_where *w, char **text);
/** ECORRUPT (message naming `path`, what it is and what was expected) unless
 *  `identity` ("" or NULL: none) names place `w` of this run. */
int dckpt_identity_check(dckpt_store *s, const char *path, const char *identity,
                         const dckpt_where *w);
/** Reads and verifies a record, then checks its identity against `w`. */
int dckpt_store_read_record(dckpt_store *s, const char *path, const dckpt_where *w,
                            dckpt_record **out);
/** Verifies a record file (checksums and identity) without decoding it; the
 *  reason goes to `err`, the handle's message is left alone. */
int dckpt_store_verify_record(dckpt_store *s, const char *path, const dckpt_where *w,
                              dckpt_err *err);
/** dckpt_store_load_segment(), moving a bad file aside only when
 *  `quarantine` (verify only looks). */
int dckpt_store_read_segment(dckpt_store *s, int64_t alg, int64_t trial, int64_t seq,
                             uint64_t digest, bool quarantine, dckpt_record **out);
/** Writes `rec` crash-safely at `path` with the identity of `w`. */
int dckpt_store_write_record(dckpt_store *s, const char *path, const dckpt_where *w,
                             const dckpt_record *rec, const dckpt_io_opts *io);

#endif
