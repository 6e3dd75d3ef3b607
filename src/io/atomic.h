/* Crash-safe file replacement: write a temporary file in the target's
 * directory, fsync it, rename it over the target, fsync the directory.
 * With durability off the fsyncs are skipped: still atomic against a killed
 * process (rename), not against power loss. */
#ifndef DCKPT_IO_ATOMIC_H
#define DCKPT_IO_ATOMIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/** Prefix of every temporary file dckpt creates; leftovers are removed on open. */
#define DCKPT_TMP_PREFIX ".dckpt-tmp."

/** How a write is carried out. `label` names the file's role in step-hook
 *  calls: "<label>.write", "<label>.fsync", "<label>.rename", "<label>.dirsync". */
typedef struct dckpt_io_opts {
  bool durable;
  /** The target usually exists already (progress.json, metadata.json): without
   *  durability it is swapped out rather than renamed over (see atomic.c). */
  bool replaces;
  /** With durable: skip the directory fsync after the rename; the caller
   *  fsyncs the directory itself once it has renamed everything that one
   *  flush is to cover (the store's save: checkpoint and progress.json). */
  bool defer_dirsync;
  /** With durable: write into an unnamed temporary (O_TMPFILE) and give it
   *  its name with link(2) once its data is durable (a rename from a
   *  temporary name when the target exists). A file created under a name has
   *  that name flushed along with its data, which the directory's own flush
   *  then writes again: one directory write per save less (docs/design.md,
   *  "Commit protocol"). Falls back to a named temporary where O_TMPFILE or
   *  /proc/self/fd is missing. */
  bool unnamed;
  /** When set, the file a commit replaces is not freed inside the call
   *  (freeing a large file's blocks takes milliseconds on a file system that
   *  discards them synchronously): *replaced_fd gets a read-only descriptor
   *  of it, already without a name, or -1 when nothing was replaced; closing
   *  it frees the blocks (the kernel does when the process ends). */
  int *replaced_fd;
  void (*hook)(void *ctx, const char *step);
  void *hook_ctx;
  const char *label;
} dckpt_io_opts;

/** Calls the step hook, if any, with "<label>.<step>". */
void dckpt_io_step(const dckpt_io_opts *io, const char *step);

typedef struct dckpt_atomic_file {
  int fd;
  bool synced;  /* data made durable (dckpt_atomic_publish's first try) */
  bool unnamed; /* an O_TMPFILE: no tmp_path, named by linking fd */
  uint64_t written;
  char *tmp_path;
  char *final_path;
  const dckpt_io_opts *io;
} dckpt_atomic_file;

/** Creates the temporary file for `path`. On failure nothing is left behind. */
int dckpt_atomic_begin(dckpt_atomic_file *f, const char *path, const dckpt_io_opts *io,
                       dckpt_err *err);
/** Appends bytes (handles short writes and EINTR). */
int dckpt_atomic_write(dckpt_atomic_file *f, const void *buf, size_t len, dckpt_err *err);
/** Writes at an absolute offset (for headers patched after streaming). */
int dckpt_atomic_pwrite(dckpt_atomic_file *f, const void *buf, size_t len,
                        uint64_t offset, dckpt_err *err);
/** Asks the kernel to start writing back what was written so far (no wait);
 *  lets disk I/O overlap further work. No-op without durability. */
void dckpt_atomic_start_writeback(dckpt_atomic_file *f);
/** fsync, rename over the target, fsync the directory. Always releases `f`;
 *  on failure the temporary file is removed and the target is untouched. */
int dckpt_atomic_commit(dckpt_atomic_file *f, dckpt_err *err);
/** Instead of commit: publishes the temporary under `path` without replacing
 *  anything (link(2), atomic also over NFS), after making its data durable
 *  when durable. DCKPT_EEXIST (no message set) when `path` exists: `f` stays
 *  open, to be published under another name or aborted. On success the
 *  directory is fsynced (when durable), the temporary removed and `f`
 *  released; on any other failure `f` is aborted. Step hooks: fsync, link,
 *  dirsync, done. */
int dckpt_atomic_publish(dckpt_atomic_file *f, const char *path, dckpt_err *err);
/** Removes the temporary file and releases `f`. Safe after a failed begin. */
void dckpt_atomic_abort(dckpt_atomic_file *f);

/** Whole-buffer convenience wrapper around begin/write/commit. */
int dckpt_io_write_file(const char *path, const void *data, size_t len,
                        const dckpt_io_opts *io, dckpt_err *err);

/** Replaces the fixed-size file `path`, without durability, by writing `data`
 *  in place into the file `spare` (created when missing, never truncated:
 *  every version has the same length `len`) and exchanging the two
 *  (RENAME_EXCHANGE); the spare then holds the previous version, to be
 *  overwritten next time. No file is created or unlinked per call, and since
 *  the spare is never truncated ext4 has nothing to flush. Against a killed
 *  process `path` is always one complete version. Step hooks: write, rename,
 *  done. False when this cannot be done (no RENAME_EXCHANGE here, or a
 *  failure): the spare is removed and the caller writes the ordinary way,
 *  which then reports a real error. */
bool dckpt_io_swap_write(const char *path, const char *spare, const void *data,
                         size_t len, const dckpt_io_opts *io);

/** Renames crash-safely (rename + directory fsync when durable). */
int dckpt_io_rename(const char *from, const char *to, bool durable, dckpt_err *err);

/** Removes files in `dir` whose names start with DCKPT_TMP_PREFIX (what a
 *  killed writer left); counts them. A missing directory has none. */
int dckpt_clean_temporaries(const char *dir, size_t *removed, dckpt_err *err);

#endif
