/* A directory tree held in memory (paths, kinds, contents): the snapshot the
 * crash model starts from, and each crash state it builds. Part of the
 * power-loss test build only (io/crashfs.h). */
#ifndef DCKPT_IO_CRASHFS_TREE_H
#define DCKPT_IO_CRASHFS_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

typedef struct cfs_item {
  char *path; /* relative to the tree's root, no leading '/' */
  bool dir;
  uint8_t *data; /* regular files: contents (owned) */
  size_t len;
  uint64_t ino; /* snapshots only: the inode it had */
} cfs_item;

typedef struct cfs_tree {
  cfs_item *items;
  size_t n, cap;
} cfs_tree;

/** Appends an item (path and data copied). DCKPT_ENOMEM on failure. */
int cfs_tree_add(cfs_tree *t, const char *path, bool dir, const uint8_t *data, size_t len,
                 uint64_t ino);
/** Sorts by path (strcmp), so that parents come before what they hold. */
void cfs_tree_sort(cfs_tree *t);
void cfs_tree_free(cfs_tree *t);

/** Reads the tree under `root` (directories and regular files; anything else
 *  is an error naming it). Sorted. */
int cfs_tree_snapshot(const char *root, cfs_tree *t, dckpt_err *err);
/** Creates directory `dest` (which must not exist) holding the tree. */
int cfs_tree_write(const cfs_tree *t, const char *dest, dckpt_err *err);
/** A hash of paths, kinds and contents (of a sorted tree). */
uint64_t cfs_tree_hash(const cfs_tree *t);
/** Compares two sorted trees, skipping paths whose last component starts
 *  with one of `ignore` (NULL-terminated, may be NULL); DCKPT_ECORRUPT with
 *  the first difference described. */
int cfs_tree_compare(const cfs_tree *model, const cfs_tree *disk,
                     const char *const *ignore, dckpt_err *err);

#endif
