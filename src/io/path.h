/* Path strings: building, splitting and testing paths. Pure string work
 * apart from the two existence tests; no file is changed here. */
#ifndef DCKPT_IO_PATH_H
#define DCKPT_IO_PATH_H

#include <stdbool.h>

/** malloc'd printf. NULL when out of memory. */
char *dckpt_path_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** malloc'd "a/b" (no doubled '/' when `a` ends with one). NULL: no memory. */
char *dckpt_path_join(const char *a, const char *b);
/** malloc'd directory part of `path` ("." when none, "/" for "/x"). */
char *dckpt_path_dirname(const char *path);
/** Pointer to the last component of `path` (inside `path`). */
const char *dckpt_path_basename(const char *path);

/** Whether `path` exists (any type; a dangling symlink counts). */
bool dckpt_path_exists(const char *path);
/** Whether `path` is a directory (symlinks followed). */
bool dckpt_path_is_dir(const char *path);

#endif
