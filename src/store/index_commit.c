/* Writing the completion index: a commit replaces this instance's file
 * crash-safely; a compaction then removes the files it has merged; a forget
 * takes pairs out of every file before their markers are removed. Every
 * step calls the store's step hook ("index.mkdir", "index.write",
 * "index.fsync", "index.rename", "index.dirsync", "index.done",
 * "index.compact", "index.compact_dirsync") so that the crash tests can kill
 * a writer before each one. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/fs.h"
#include "io/path.h"
#include "store/index.h"

/* The directory of every algorithm whose listed pairs changed (or that has
 * no stamp the files agree on), as it is now: a later change (a trial
 * directory removed by hand) shows as a different stamp. An algorithm whose
 * list did not change keeps its stamp: all its listed trials existed when it
 * was taken. So a commit costs a stat per algorithm that changed, not per
 * algorithm. */
static void record_dirs(dckpt_index *ix) {
  for (size_t a = 0; a < ix->n_algs; a++) {
    if (dckpt_index_count(ix, (int64_t)a) == 0) {
      ix->dirs[a] = (dckpt_dir_stamp){0, -1};
      continue;
    }
    if (!ix->changed[a] && ix->dirs_agree[a] && ix->dirs[a].mtime_ns >= 0) continue;
    ix->dirs[a] = (dckpt_dir_stamp){0, -1};
    char *dir = dckpt_path_printf("%s/" DCKPT_ALG_DIR_PREFIX "%zu", ix->run_dir, a);
    struct stat st;
    if (dir && stat(dir, &st) == 0)
      ix->dirs[a] =
          (dckpt_dir_stamp){(uint64_t)st.st_ino,
                            (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec};
    free(dir);
    ix->changed[a] = false;
    ix->dirs_agree[a] = true;
  }
}

static void forget_merged(dckpt_index *ix) {
  for (size_t i = 0; i < ix->n_merged; i++)
    free(ix->merged[i]);
  free(ix->merged);
  ix->merged = NULL;
  ix->n_merged = 0;
}

/* Removes the files merged into the one just committed, and what killed
 * commits left (temporaries): only a holder of the directory does this. */
static int compact(dckpt_index *ix, const char *own, const dckpt_io_opts *io,
                   dckpt_err *e) {
  dckpt_io_step(io, "compact");
  for (size_t i = 0; i < ix->n_merged; i++)
    if (strcmp(ix->merged[i], own) != 0)
      DCKPT_TRY(dckpt_io_remove(ix->merged[i], false, e));
  DCKPT_TRY(dckpt_clean_temporaries(ix->index_dir, NULL, e));
  if (ix->durable) {
    dckpt_io_step(io, "compact_dirsync");
    DCKPT_TRY(dckpt_io_fsync_dir(ix->index_dir, e));
  }
  forget_merged(ix);
  return DCKPT_OK;
}

static int commit(dckpt_index *ix, dckpt_err *e) {
  dckpt_io_opts io = {.durable = ix->durable,
                      .replaces = true,
                      .hook = ix->hook,
                      .hook_ctx = ix->hook_ctx,
                      .label = "index"};
  if (!dckpt_path_is_dir(ix->index_dir)) {
    dckpt_io_step(&io, "mkdir");
    DCKPT_TRY(dckpt_mkdirs(ix->index_dir, ix->durable, e));
  }
  record_dirs(ix);
  size_t len = 0;
  uint8_t *bytes = dckpt_index_encode(ix, &len);
  char *path =
      dckpt_path_printf("%s/" DCKPT_INDEX_FILE_PREFIX "%s" DCKPT_INDEX_FILE_SUFFIX,
                        ix->index_dir, ix->instance);
  int rc = bytes && path ? dckpt_io_write_file(path, bytes, len, &io, e)
                         : dckpt_err_set(e, DCKPT_ENOMEM, "out of memory");
  if (rc == DCKPT_OK && ix->may_compact) rc = compact(ix, path, &io, e);
  free(bytes);
  free(path);
  if (rc == DCKPT_OK) {
    ix->dirty = false;
    ix->sequence++;
  }
  return rc;
}

int dckpt_index_commit(dckpt_index *ix) {
  if (!ix) return DCKPT_EINVAL;
  dckpt_err_clear(&ix->err);
  return ix->dirty ? commit(ix, &ix->err) : DCKPT_OK;
}

const char *dckpt_index_errmsg(const dckpt_index *ix) {
  return ix ? ix->err.msg : "index is NULL";
}

/* Whether the index lists a pair that is to be forgotten. */
static bool lists_any(const dckpt_index *ix, const bool *algs, int64_t alg,
                      int64_t trial) {
  if (alg >= 0) return dckpt_index_has(ix, alg, trial);
  for (size_t a = 0; algs && a < ix->n_algs; a++)
    if (algs[a] && dckpt_index_count(ix, (int64_t)a) > 0) return true;
  return false;
}

static void clear_listed(dckpt_index *ix, const bool *algs, int64_t alg, int64_t trial) {
  if (alg >= 0) {
    dckpt_index_set(ix, alg, trial, false);
    return;
  }
  for (size_t a = 0; algs && a < ix->n_algs; a++)
    if (algs[a]) {
      memset(ix->bits + a * ix->stride, 0, ix->stride);
      ix->changed[a] = true;
    }
  ix->dirty = true;
}

int dckpt_index_forget(dckpt_store *s, const bool *algs, int64_t alg, int64_t trial) {
  char *index_dir = dckpt_layout_index_dir(s);
  if (!index_dir) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  bool none = !dckpt_path_is_dir(index_dir);
  free(index_dir);
  if (none) return DCKPT_OK; /* no index: nothing lists the pairs */
  dckpt_metadata *m = NULL;
  DCKPT_TRY(dckpt_store_read_metadata(s, NULL, &m));
  dckpt_index *ix = NULL;
  int rc = dckpt_index_create(s, m, &ix);
  dckpt_metadata_free(m);
  dckpt_index_found ld;
  if (rc == DCKPT_OK) rc = dckpt_index_load(s, ix, false, &ld);
  if (rc == DCKPT_OK && lists_any(ix, algs, alg, trial)) {
    clear_listed(ix, algs, alg, trial);
    /* every other file goes, whoever holds the lock: none may list the
     * pairs once their markers are removed */
    ix->may_compact = true;
    rc = commit(ix, &s->err);
  }
  dckpt_index_free(ix);
  return rc;
}
