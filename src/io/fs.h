/* File-system helpers: paths, bounded reads, directory scans and removal. */
#ifndef DCKPT_IO_FS_H
#define DCKPT_IO_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/** malloc'd printf. NULL when out of memory. */
char *dckpt_path_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** malloc'd "a/b". */
char *dckpt_path_join(const char *a, const char *b);
/** malloc'd directory part of `path` ("." when none). */
char *dckpt_path_dirname(const char *path);
/** Pointer to the last component of `path` (inside `path`). */
const char *dckpt_path_basename(const char *path);

/** Whether `path` exists (any type). */
bool dckpt_path_exists(const char *path);
/** Whether `path` is a directory. */
bool dckpt_path_is_dir(const char *path);

/**
 * Reads a whole regular file into a malloc'd buffer (with a NUL after the last
 * byte), refusing files larger than `max_bytes` before allocating.
 * @return DCKPT_OK, DCKPT_ENOENT, DCKPT_ETOOBIG, DCKPT_EIO, ...
 */
int dckpt_read_file(const char *path, uint64_t max_bytes, char **data, size_t *len,
                    dckpt_err *err);

/** mkdir -p; fsyncs each parent whose entry it creates when `durable`. */
int dckpt_mkdirs(const char *path, bool durable, dckpt_err *err);

/** rm -rf (no error when missing). */
int dckpt_remove_tree(const char *path, dckpt_err *err);

/** Sum of the sizes of all regular files under `path`. */
int dckpt_tree_size(const char *path, uint64_t *bytes, dckpt_err *err);

/** Removes files in `dir` whose names start with DCKPT_TMP_PREFIX; counts them. */
int dckpt_clean_temporaries(const char *dir, size_t *removed, dckpt_err *err);

/** A directory listing: names only, sorted (strcmp). */
typedef struct dckpt_dirlist {
  char **names;
  size_t count;
} dckpt_dirlist;

/** Lists `dir` (without "." and ".."). A missing directory gives an empty list. */
int dckpt_list_dir(const char *dir, dckpt_dirlist *out, dckpt_err *err);
void dckpt_dirlist_free(dckpt_dirlist *list);

#endif
