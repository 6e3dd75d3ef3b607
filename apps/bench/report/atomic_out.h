/* Crash-safe replacement of one output file: a temporary file in the same
 * directory, written, fsynced, renamed over the target, then the directory
 * fsynced. A kill at any moment leaves either the old file or the new one
 * (plus, at worst, a stray ".dckpt-tmp.*" file). */
#ifndef DCKPT_REPORT_ATOMIC_OUT_H
#define DCKPT_REPORT_ATOMIC_OUT_H

#include <stddef.h>

typedef struct atomic_out {
  int fd;
  int write_errno; /* first write error, reported at commit */
  char *dir;
  char *path; /* dir/name */
  char *tmp;
} atomic_out;

/** Creates `dir` if it is missing (its parent must exist). */
int report_ensure_dir(const char *dir, char *err, size_t errlen);

/** Opens the temporary file for dir/name. */
int atomic_out_begin(atomic_out *o, const char *dir, const char *name, char *err,
                     size_t errlen);
/** Appends bytes; a failure is remembered and reported by commit. */
void atomic_out_write(atomic_out *o, const void *data, size_t len);
/** Makes the file durable under its final name; always releases `o`. */
int atomic_out_commit(atomic_out *o, char *err, size_t errlen);
/** Drops the temporary file; safe after a failed begin. */
void atomic_out_abort(atomic_out *o);

/** begin + write + commit of a whole buffer. */
int atomic_out_file(const char *dir, const char *name, const void *data, size_t len,
                    char *err, size_t errlen);

#endif
