/* File-system helpers: bounded reads, directory creation, syncing,
 * listing, sizing and removal of trees. */
#ifndef DCKPT_IO_FS_H
#define DCKPT_IO_FS_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/err.h"

/**
 * Reads a whole regular file into a malloc'd buffer (with a NUL after the last
 * byte), refusing files larger than `max_bytes` before allocating.
 * @return DCKPT_OK, DCKPT_ENOENT, DCKPT_ETOOBIG, DCKPT_EIO, ...
 */
int dckpt_read_file(const char *path, uint64_t max_bytes, char **data, size_t *len,
                    dckpt_err *err);

/** fsyncs the data (and size) of the file `path`; anything but a regular
 *  file there is left alone (without blocking on a FIFO), for its readers to
 *  refuse. */
int dckpt_io_sync_file(const char *path, dckpt_err *err);

/** fsyncs a directory (EINVAL from a file system that cannot is ignored). */
int dckpt_io_fsync_dir(const char *dir, dckpt_err *err);

/** mkdir -p; fsyncs each parent whose entry it creates when `durable`. */
int dckpt_mkdirs(const char *path, bool durable, dckpt_err *err);

/** What an entry of mode `mode` is, for messages: "a regular file", "a
 *  directory", "a symbolic link", "a FIFO", "a socket", "a device". */
const char *dckpt_io_kind_name(unsigned mode);

/** A directory dckpt keeps for itself at `path` (`what` says which, for
 *  messages), created when missing (its parent must exist; fsynced when
 *  `durable`). ENOTDIR naming the path and what is there instead when it is
 *  anything else, a symbolic link included (followed, the link would take the
 *  file written there out of the run directory); EACCES when it cannot be
 *  read, written and searched. */
int dckpt_io_own_dir(const char *path, const char *what, bool durable, dckpt_err *err);

/** A file dckpt replaces crash-safely (a rename) at `path` can be written
 *  there: EEXIST naming it when a directory stands in its place (the rename
 *  would fail). Any other entry is replaced whole. */
int dckpt_io_file_place(const char *path, const char *what, dckpt_err *err);

/** Removes the file `path`; a missing file is no error. When `durable`, the
 *  directory (if it exists) is fsynced afterwards, also when the file was
 *  missing, so that its absence is durable whoever removed it. */
int dckpt_io_remove(const char *path, bool durable, dckpt_err *err);

/** rm -rf (no error when missing). */
int dckpt_remove_tree(const char *path, dckpt_err *err);

/** Sum of the sizes of all regular files under `path`. */
int dckpt_tree_size(const char *path, uint64_t *bytes, dckpt_err *err);

/** A directory listing: names only, sorted (strcmp). */
typedef struct dckpt_dirlist {
  char **names;
  size_t count;
} dckpt_dirlist;

/** Lists `dir` (without "." and ".."). A missing directory gives an empty list. */
int dckpt_list_dir(const char *dir, dckpt_dirlist *out, dckpt_err *err);
void dckpt_dirlist_free(dckpt_dirlist *list);

/** Whether `dir` is a directory holding nothing (false when it cannot be
 *  read: a caller about to fill it must not take an unreadable one).
 *  Inline: the container library, which links none of this file's code,
 *  uses it too. */
static inline bool dckpt_dir_is_empty(const char *dir) {
  DIR *d = opendir(dir);
  bool empty = d != NULL;
  for (struct dirent *e; empty && (e = readdir(d)) != NULL;)
    empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
  if (d) closedir(d);
  return empty;
}

#endif
