/* Crash-safe publication of what a pack or an unpack builds: a temporary
 * beside the target (named after this host and process, so that a later run
 * can remove one whose process died), synced, then renamed over the target,
 * then the directory synced. */
#ifndef DCKPT_CONTAINER_PUBLISH_H
#define DCKPT_CONTAINER_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>

#include "container/ctr.h"

/** malloc'd directory part of `path` ("." when none); NULL when out of memory. */
char *ctr_dirname(const char *path);
/** Creates an empty temporary file beside `target`; its path goes to `tmp`. */
int ctr_make_temporary(const char *target, char *tmp, size_t len, ctr_err *e);
/** Creates a temporary directory beside `target`. */
int ctr_make_temporary_dir(const char *target, char *tmp, size_t len, ctr_err *e);
/** Removes temporaries beside `target` left by dead processes of this host. */
void ctr_clean_stale_temporaries(const char *target, const dckpt_logger *log);
/** fsyncs a file. */
int ctr_fsync_path(const char *path, ctr_err *e);
/** fsyncs the directory that holds `path`. */
int ctr_fsync_parent(const char *path, ctr_err *e);
/** rename(2), with a message naming both. */
int ctr_rename(const char *from, const char *to, ctr_err *e);
/**
 * Refuses a file with holes: bytes that were never written. Open MPI's OMPIO
 * (Debian's default MPI-IO) can lose writes silently on a full file system
 * (short writes counted as done) while HDF5 still sets the file's size, so
 * a pack that "succeeded" may hold holes; a file dckpt wrote whole has none.
 * Where the file system cannot tell holes (no SEEK_HOLE), nothing is found.
 */
int ctr_check_no_holes(const char *path, ctr_err *e);
/** rm -rf without following symbolic links; errors are ignored. */
void ctr_remove_tree(const char *path);

#endif
