/* Where the report's files go: the output directory, and files replaced
 * crash-safely through libdckpt's writer (dckpt_file_writer_*, on top of
 * the store's commit protocol), so that a kill at any moment leaves either
 * the old file or the new one. */
#ifndef DCKPT_REPORT_OUTFILE_H
#define DCKPT_REPORT_OUTFILE_H

#include <stddef.h>

#include "dckpt.h"

/** Creates `dir` if it is missing (its parent must exist). 0 or -1. */
int report_ensure_dir(const char *dir, char *err, size_t errlen);

/** Starts replacing dir/name (durably). 0 or -1 with `err` set. */
int report_file_open(const char *dir, const char *name, dckpt_file_writer **w, char *err,
                     size_t errlen);

/** Commits and frees `w` (also on failure). 0 or -1 with `err` set. */
int report_file_commit(dckpt_file_writer *w, char *err, size_t errlen);

/** Replaces dir/name with `len` bytes. 0 or -1 with `err` set. */
int report_file_write(const char *dir, const char *name, const void *data, size_t len,
                      char *err, size_t errlen);

#endif
