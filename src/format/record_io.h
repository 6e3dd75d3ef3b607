/* Internal entry points of the record format used by the store: streaming,
 * crash-safe writes through io/atomic and verified reads. */
#ifndef DCKPT_FORMAT_RECORD_IO_H
#define DCKPT_FORMAT_RECORD_IO_H

#include "dckpt.h"
#include "format/scratch.h"
#include "io/atomic.h"
#include "util/err.h"

/** Largest record file that is read (bounded before allocation). */
#define DCKPT_RECORD_MAX_FILE ((uint64_t)1 << 40)

/** Encodes `rec` straight into a crash-safe file (no full in-memory copy of the
 *  compressed payload; compression overlaps writing). `identity` (a JSON
 *  object, see store/identity.h) is written in place of the record's own, if
 *  any; NULL keeps the record's own (none for a record built by hand).
 *  `scratch` (may be NULL) holds the temporaries of small records across
 *  calls (format/scratch.h). */
int dckpt_record_write_atomic(const dckpt_record *rec, const char *identity,
                              const char *path, int level, const dckpt_io_opts *io,
                              dckpt_scratch *scratch, dckpt_err *err);

/** Reads and verifies a record file (the internal entry point; the public
 *  dckpt_record_read() wraps it). Status ECORRUPT / EVERSION / ETOOBIG name
 *  the file and what is wrong. `scratch` (may be NULL) holds the temporaries
 *  across calls; the returned record never points into it. */
int dckpt_record_file_read(const char *path, dckpt_record **out, dckpt_scratch *scratch,
                           dckpt_err *err);
struct dckpt_placement; /* format/payload.h */
/** As dckpt_record_file_read(), the arrays placed by `place` (may be NULL:
 *  an arena of the record's own) and the header facts in `info` (may be
 *  NULL) on success (dckpt_record_read_into()). */
int dckpt_record_file_read_placed(const char *path, const struct dckpt_placement *place,
                                  dckpt_record **out, dckpt_file_info *info,
                                  dckpt_scratch *scratch, dckpt_err *err);

/** Verifies a record file and reports its header facts (info may be NULL) and
 *  its identity (malloc'd copy, NULL when it has none; `identity` may be NULL). */
int dckpt_record_verify(const char *path, dckpt_file_info *info, char **identity,
                        dckpt_err *err);

/* ---- the public record-file calls, with the reason in a dckpt_err, for
 * the public functions and their deprecated predecessors (format/deprecated.c) ---- */

/** dckpt_record_read() with the process-wide scratch, reason in `e`. */
int dckpt_record_read_err_(const char *path, dckpt_record **out, dckpt_err *e);
/** dckpt_record_write() of a const record, reason in `e`. */
int dckpt_record_write_err_(const dckpt_record *rec, const char *path, int level,
                            dckpt_durability durability, dckpt_err *e);

#endif
