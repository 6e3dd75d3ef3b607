/* The one directory walker: calls a visitor for every entry of a directory
 * (never "." or ".."). Recursion is the visitor's choice: it walks a
 * subdirectory with dckpt_walk_at() from inside its own call. */
#ifndef DCKPT_IO_WALK_H
#define DCKPT_IO_WALK_H

#include "util/err.h"

/** What a visitor sees of one entry. */
typedef struct dckpt_walk_entry {
  int dirfd;        /**< the open directory that holds the entry (for *at calls) */
  const char *name; /**< the entry's name in that directory */
  const char *dir;  /**< the directory's path, for messages */
} dckpt_walk_entry;

/** A visitor returns DCKPT_OK to go on, DCKPT_WALK_STOP to end the walk
 *  successfully, or a status (with `err` set) to end it with that status.
 *  It may remove the entry it is given. */
typedef int (*dckpt_walk_fn)(void *ctx, const dckpt_walk_entry *e, dckpt_err *err);

/** A visitor's "stop here, all is well"; never returned by the walk itself. */
#define DCKPT_WALK_STOP 1

/** Flags of a walk. */
enum {
  /** A directory that does not exist is walked as an empty one. */
  DCKPT_WALK_MISSING_OK = 1u << 0,
  /** A directory that cannot be opened for any reason is walked as empty. */
  DCKPT_WALK_UNREADABLE_OK = 1u << 1,
};

/** Walks directory `dir` in the order the file system lists it.
 *  @return DCKPT_OK (also after DCKPT_WALK_STOP), the visitor's status, or the
 *  status of failing to open or read `dir` (message names it). */
int dckpt_walk(const char *dir, unsigned flags, dckpt_walk_fn fn, void *ctx,
               dckpt_err *err);

/** Walks the subdirectory `name` of the open directory `dirfd` without
 *  following a symlink; `shown` is its path for messages. */
int dckpt_walk_at(int dirfd, const char *name, const char *shown, unsigned flags,
                  dckpt_walk_fn fn, void *ctx, dckpt_err *err);

#endif
