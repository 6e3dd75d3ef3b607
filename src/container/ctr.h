/* Shared internals of the container library: error detail, the process-wide
 * HDF5 lock, and small HDF5 helpers. */
#ifndef DCKPT_CONTAINER_CTR_H
#define DCKPT_CONTAINER_CTR_H

#include <hdf5.h>
#include <mpi.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dckpt.h"
#include "util/log.h"

/* ---- errors ---- */

typedef struct ctr_err {
  int status;
  char msg[1024];
} ctr_err;

/** Sets status and message; returns status. */
int ctr_fail(ctr_err *e, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** As ctr_fail, appending ": <strerror(errnum)>"; the status follows errnum. */
int ctr_fail_errno(ctr_err *e, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
struct cJSON;
/** Whether `ident` (a record's identity JSON, NULL or "" for none) names the
 *  place files row `row` gives the record (kind, algorithm, trial, number) in
 *  the run of `meta` (metadata.json parsed); else `why` says how not. */
bool ctr_identity_fits(const struct cJSON *meta, const uint64_t *row, const char *ident,
                       char *why, size_t whylen);
/** Whether `meta` (metadata.json parsed, may be NULL) describes a plan of
 *  n_algs algorithms x n_trials trials; else `what` says what it describes
 *  ("3 algorithms x 4 trials", or which member is missing). */
bool ctr_meta_plan_is(const struct cJSON *meta, int64_t n_algs, int64_t n_trials,
                      char *what, size_t whatlen);

/** As ctr_fail, appending the innermost reasons on HDF5's error stack. */
int ctr_fail_h5(ctr_err *e, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** A dckpt status for an errno value. */
int ctr_status_of_errno(int errnum);

#define CTR_TRY(expr)                                                                    \
  do {                                                                                   \
    int ctr_try_rc_ = (expr);                                                            \
    if (ctr_try_rc_ != DCKPT_OK) return ctr_try_rc_;                                     \
  } while (0)

/** Agrees on the outcome of a step every rank took (MPI collective): DCKPT_OK
 *  everywhere, or the status and message of the lowest rank that failed. */
int ctr_agree(MPI_Comm comm, int rank, int status, ctr_err *e);

/* ---- a directory in use ---- */

/**
 * Refuses (DCKPT_ELOCKED) a checkpoint directory that a run works on: its
 * lock names a holder that may be alive (another host's, an unreadable
 * lock), or shared runs that may be alive are registered in it
 * (dckpt_lease_list). A stale lock of this host is only logged. `what`
 * starts the messages ("pack"), `action` says what to do later ("pack it").
 */
int ctr_check_not_in_use(const char *dir, const char *what, const char *action,
                         const dckpt_logger *log, ctr_err *e);

/* ---- HDF5 ---- */

/**
 * Takes the process-wide HDF5 lock (HDF5 is not thread-safe here), turns
 * HDF5's printing of error stacks off (the library never prints) and
 * registers the zstd filter once. Every entry point that calls HDF5 brackets
 * its work with ctr_h5_enter / ctr_h5_leave.
 */
void ctr_h5_enter(void);
void ctr_h5_leave(void);

/** Closes an HDF5 id of any kind when it is valid (>= 0). */
void ctr_h5_close(hid_t id);

/** Writes a scalar attribute on `obj`. */
int ctr_attr_write_u64(hid_t obj, const char *name, uint64_t v, ctr_err *e);
int ctr_attr_write_i64(hid_t obj, const char *name, int64_t v, ctr_err *e);
int ctr_attr_write_str(hid_t obj, const char *name, const char *v, ctr_err *e);
/** Reads a scalar integer attribute (any integer type HDF5 converts). */
int ctr_attr_read_i64(hid_t obj, const char *name, const char *file, int64_t *v,
                      ctr_err *e);
/** Reads a fixed-length string attribute of at most len-1 bytes. */
int ctr_attr_read_str(hid_t obj, const char *name, const char *file, char *buf,
                      size_t len, ctr_err *e);

/** The little-endian file type of pool `p`. */
hid_t ctr_pool_type(int p);

#endif
