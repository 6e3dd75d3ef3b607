/* The crash model of the power-loss tests (test build only): from the tree
 * as it was before (assumed durable) and the log of the calls made since
 * (io/trace.h), the on-disk states that a power loss at any point could
 * leave. The persistence model (docs/design.md, "Power loss"):
 *
 *  - Written data of a file that no later fsync/fdatasync of that file
 *    covers may be lost wholly or in part: each such file ends up with its
 *    new contents, its last synced contents, zeros or garbage in place of
 *    the changed 4 KiB blocks, or torn after any changed block.
 *  - A name operation (create, mkdir, rename, exchange, link, unlink, rmdir)
 *    that no later fsync of a directory it changes covers may be present or
 *    absent, independently of every other one; each is atomic (a rename
 *    leaves the old name or the new one, never both or neither).
 *  - fsync of a file makes its data durable, not its name; fsync of a
 *    directory makes the name operations in it durable. sync_file_range and
 *    close make nothing durable.
 *
 * A crash state is named by its point k (the first k records happened) and
 * a choice: one digit per optional name operation (0 present, 1 absent) and
 * one per file with unsynced data (0 kept, 1 lost, 2 zeros, 3 garbage,
 * 4.. torn), numbered mixed-radix, so that choice 0 is what a killed process
 * leaves (everything happened) and every choice can be replayed. */
#ifndef DCKPT_IO_CRASHFS_H
#define DCKPT_IO_CRASHFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

typedef struct dckpt_cfs dckpt_cfs;
typedef struct dckpt_cfs_point dckpt_cfs_point;
typedef struct dckpt_cfs_state dckpt_cfs_state;

/** Snapshots the tree under `root` as the durable state before the log. */
int dckpt_cfs_create(const char *root, dckpt_cfs **out, dckpt_err *err);
void dckpt_cfs_free(dckpt_cfs *c);

/** Reads the log of the calls made since the snapshot. Fails, naming the
 *  record, on a call outside the tree or a malformed log. */
int dckpt_cfs_load(dckpt_cfs *c, const char *log_path, dckpt_err *err);
/** Records in the log. */
size_t dckpt_cfs_n_records(const dckpt_cfs *c);
/** The kind of record `i` (DCKPT_TR_* of io/trace.h), 0 past the end. */
int dckpt_cfs_record_kind(const dckpt_cfs *c, size_t i);
/** Record `i` in words ("rename run/a -> run/b"). */
const char *dckpt_cfs_record_text(const dckpt_cfs *c, size_t i);
/** Whether a crash after the first k records can leave a state that a crash
 *  at an earlier point cannot: k = 0, after a call that changes names or
 *  data, and after a mark (which makes the checks stricter). */
bool dckpt_cfs_is_crash_point(const dckpt_cfs *c, size_t k);
/** Marks among the first k records. */
size_t dckpt_cfs_marks_before(const dckpt_cfs *c, size_t k);

/** Self-check of the tracer: the state with every record carried out equals
 *  the tree under `root` now. Names starting with one of `ignore` (NULL-
 *  terminated, may be NULL) are skipped. ECORRUPT names the difference. */
int dckpt_cfs_check_final(dckpt_cfs *c, const char *root, const char *const *ignore,
                          dckpt_err *err);

/** The crash states after the first k records. */
int dckpt_cfs_point_open(dckpt_cfs *c, size_t k, dckpt_cfs_point **out, dckpt_err *err);
void dckpt_cfs_point_free(dckpt_cfs_point *p);
/** Number of choices (saturates at UINT64_MAX). */
uint64_t dckpt_cfs_point_count(const dckpt_cfs_point *p);
/** The choice where nothing unsynced survived (0 when the count saturated). */
uint64_t dckpt_cfs_point_all_lost(const dckpt_cfs_point *p);
/** Name operations that may or may not have persisted, files with unsynced
 *  data. */
size_t dckpt_cfs_point_optional(const dckpt_cfs_point *p);
size_t dckpt_cfs_point_pending(const dckpt_cfs_point *p);

/** Builds state `choice` (< count) in memory; `seed` makes the garbage. */
int dckpt_cfs_state_build(dckpt_cfs_point *p, uint64_t choice, uint64_t seed,
                          dckpt_cfs_state **out, dckpt_err *err);
void dckpt_cfs_state_free(dckpt_cfs_state *s);
/** A hash of the state's tree (equal states, equal hashes). */
uint64_t dckpt_cfs_state_hash(const dckpt_cfs_state *s);
/** What the choice means: each optional operation present (+) or absent (-),
 *  each file's loss pattern. */
void dckpt_cfs_state_describe(const dckpt_cfs_state *s, char *buf, size_t len);
/** Creates directory `dest` (must not exist) holding the state. */
int dckpt_cfs_state_write(const dckpt_cfs_state *s, const char *dest, dckpt_err *err);

#endif
