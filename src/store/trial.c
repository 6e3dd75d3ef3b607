/* Saving and loading the checkpoints of one trial: the commit protocol of
 * docs/design.md (checkpoint, then progress.json, one directory fsync for
 * both, then rotation) and the verified load with fallback to older
 * checkpoints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/record_io.h"
#include "io/atomic.h"
#include "io/fs.h"
#include "io/json_file.h"
#include "io/path.h"
#include "io/reaper.h"
#include "store/store_internal.h"

int dckpt_store_should_checkpoint(const dckpt_store *s, int64_t iteration, bool *due) {
  if (!due) return DCKPT_EINVAL; /* no message: the store is const */
  *due = false;
  if (iteration < 0) return DCKPT_EINVAL;
  if (s->opts.checkpoint_step == DCKPT_STEP_NONE) return DCKPT_OK;
  *due = (iteration + 1) % s->opts.checkpoint_step == 0;
  return DCKPT_OK;
}

/* The checkpoints present in a trial directory, newest first. */
typedef struct ckpt_list {
  int64_t *iters;
  size_t count;
} ckpt_list;

static int cmp_desc(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x < y) - (x > y);
}

/* Lists checkpoints; with `clean`, leftover temporaries are removed on the way
 * (this process owns the trial, so no one else is writing them). */
static int list_checkpoints(dckpt_store *s, const char *dir, bool clean, ckpt_list *out) {
  out->iters = NULL;
  out->count = 0;
  dckpt_dirlist list;
  DCKPT_TRY(dckpt_src_list(s, dir, &list, &s->err));
  out->iters = malloc((list.count + 1) * sizeof *out->iters);
  if (!out->iters) {
    dckpt_dirlist_free(&list);
    return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  }
  size_t plen = strlen(DCKPT_TMP_PREFIX);
  for (size_t i = 0; i < list.count; i++) {
    int64_t it;
    if (dckpt_layout_parse_checkpoint(list.names[i], &it))
      out->iters[out->count++] = it;
    else if (clean && !strncmp(list.names[i], DCKPT_TMP_PREFIX, plen)) {
      char *p = dckpt_path_join(dir, list.names[i]);
      if (p) (void)dckpt_io_remove(p, false, NULL);
      free(p);
    }
  }
  dckpt_dirlist_free(&list);
  qsort(out->iters, out->count, sizeof *out->iters, cmp_desc);
  return DCKPT_OK;
}

/* The trial's checkpoints, newest first: from the handle's memory when it
 * rotated this trial last, else from the directory (removing leftover
 * temporaries on the way). `current` was just written. */
static int known_checkpoints(dckpt_store *s, int64_t alg, int64_t trial, const char *dir,
                             int64_t current, ckpt_list *l) {
  if (s->known_alg != alg || s->known_trial != trial)
    return list_checkpoints(s, dir, true, l);
  l->iters = malloc((s->n_known + 2) * sizeof *l->iters);
  if (!l->iters) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  l->count = 0;
  bool have = false;
  for (size_t i = 0; i < s->n_known; i++)
    have = have || s->known[i] == current;
  if (!have) l->iters[l->count++] = current;
  memcpy(l->iters + l->count, s->known, s->n_known * sizeof *l->iters);
  l->count += s->n_known;
  qsort(l->iters, l->count, sizeof *l->iters, cmp_desc);
  return DCKPT_OK;
}

static void remember(dckpt_store *s, int64_t alg, int64_t trial, const int64_t *kept,
                     size_t n) {
  int64_t *copy = malloc((n + 1) * sizeof *copy);
  free(s->known);
  s->known = copy;
  s->n_known = copy ? n : 0;
  s->known_alg = copy ? alg : -1;
  s->known_trial = copy ? trial : -1;
  if (copy && n) memcpy(copy, kept, n * sizeof *copy);
}

/* The store's reaper, made by its first job: its thread lives until
 * dckpt_store_close, which joins it (io/reaper.h). NULL (out of memory):
 * jobs are done at once. */
static dckpt_reaper *store_reaper(dckpt_store *s) {
  if (!s->reaper) s->reaper = dckpt_reaper_create();
  return s->reaper;
}

/* Removes a superseded checkpoint through the reaper (io/reaper.h): a rename
 * now, the unlink in the background, since an unlink costs more than a rename
 * on file systems that discard freed blocks synchronously (~0.1 ms for a
 * 50 KiB file here, ~10 ms for 64 MiB). */
static void remove_checkpoint(dckpt_store *s, const char *path) {
  dckpt_reaper_remove(store_reaper(s), path);
  dckpt_log(&s->log, DCKPT_LOG_DEBUG, "removed old checkpoint '%s'", path);
}

/* Keeps the keep_n newest checkpoints at or before `current` and the one that
 * complete.json names; removes the rest, including checkpoints after
 * `current`, which belong to a superseded history. */
static int rotate(dckpt_store *s, int64_t alg, int64_t trial, const char *dir,
                  int64_t current) {
  if (s->x.step_hook) s->x.step_hook(s->x.step_hook_ctx, "rotate");
  ckpt_list l;
  DCKPT_TRY(known_checkpoints(s, alg, trial, dir, current, &l));
  int64_t protected_iter = -1;
  char *complete = dckpt_layout_trial_file(s, alg, trial, DCKPT_COMPLETE_FILE);
  if (complete && dckpt_path_exists(complete)) {
    dckpt_err saved = s->err;
    if (dckpt_store_read_complete(s, alg, trial, NULL, &protected_iter, NULL) != DCKPT_OK)
      protected_iter = -1;
    s->err = saved;
  }
  free(complete);
  int kept = 0;
  size_t n_left = 0;
  bool dropped_newer = false;
  for (size_t i = 0; i < l.count; i++) {
    int64_t it = l.iters[i];
    bool in_window = it <= current && kept < s->opts.keep_n;
    if (in_window) kept++;
    if (in_window || it == protected_iter) {
      l.iters[n_left++] = it;
      continue;
    }
    char *p = dckpt_layout_checkpoint(s, alg, trial, it);
    /* only files: a directory under a checkpoint's name is not dckpt's */
    if (p && !dckpt_path_is_dir(p)) {
      remove_checkpoint(s, p);
      dropped_newer = dropped_newer || it > current;
    }
    free(p);
  }
  remember(s, alg, trial, l.iters, n_left);
  free(l.iters);
  /* progress.json is not flushed (see save): after a power loss it may be
   * unreadable, and the trial then resumes from its newest checkpoint that
   * verifies. A checkpoint of an abandoned history must therefore be gone
   * for good before the save that abandoned it returns. Older ones may come
   * back: they are older. */
  if (dropped_newer && dckpt_store_durable(s)) {
    if (s->x.step_hook) s->x.step_hook(s->x.step_hook_ctx, "rotate.dirsync");
    return dckpt_io_fsync_dir(dir, &s->err);
  }
  return DCKPT_OK;
}

#define PROGRESS_SPARE DCKPT_TMP_PREFIX "progress.json.spare"
#define PROGRESS_WIDTH 160 /* fixed size: the spare is rewritten in place */

/* Without durability, progress.json is replaced by swapping in a spare file
 * that already holds the new text (dckpt_io_swap_write): no file is created
 * or unlinked per save. A spare left by a crash is a temporary like any
 * other. */
static bool write_progress_swap(dckpt_store *s, const char *path, const char *text) {
  char *dir = dckpt_path_dirname(path);
  char *spare = dir ? dckpt_path_join(dir, PROGRESS_SPARE) : NULL;
  free(dir);
  if (!spare) return false;
  dckpt_io_opts io = dckpt_store_io(s, "progress");
  bool ok = dckpt_io_swap_write(path, spare, text, PROGRESS_WIDTH, &io);
  free(spare);
  return ok;
}

/* *replaced gets a descriptor of the progress.json this replaced (already
 * without a name) or -1: the caller hands it to the reaper once the save's
 * flushes are done. */
static int write_progress(dckpt_store *s, int64_t alg, int64_t trial, int64_t iteration,
                          int *replaced) {
  *replaced = -1;
  const dckpt_run_facts_t *f;
  DCKPT_TRY(dckpt_run_facts(s, &f));
  char *path = dckpt_layout_trial_file(s, alg, trial, DCKPT_PROGRESS_FILE);
  if (!path) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  /* Where it belongs (docs/format.md), then padded with spaces (valid JSON)
   * to a fixed width. */
  char text[PROGRESS_WIDTH + 1];
  int n =
      snprintf(text, sizeof text,
               "{\"last_completed_iteration\":%lld%s%s%s,\"alg\":%lld,\"trial\":%lld}",
               (long long)iteration, f->has_run_id ? ",\"run\":\"" : "",
               f->has_run_id ? f->run_id : "", f->has_run_id ? "\"" : "", (long long)alg,
               (long long)trial);
  memset(text + n, ' ', (size_t)(PROGRESS_WIDTH - 1 - n));
  text[PROGRESS_WIDTH - 1] = '\n';
  text[PROGRESS_WIDTH] = '\0';
  int rc = DCKPT_OK;
  /* Durable: a new file (temporary + rename), never flushed: the save's one
   * directory fsync commits its name with the checkpoint's, and a power loss
   * may leave it unreadable but never naming an older iteration (a new inode
   * holds nothing older). Not the spare: its unsynced rewrite in place could
   * come back as a stale version after a power loss. Without durability, or
   * when the swap failed (no RENAME_EXCHANGE on this file system, or a real
   * error, which the ordinary path then reports): temporary + rename. */
  if (dckpt_store_durable(s) || !write_progress_swap(s, path, text)) {
    dckpt_io_opts io = dckpt_store_io(s, "progress");
    io.durable = false;
    /* The replaced progress.json loses its name at once, but its inode is
     * freed later, by the reaper: an unlink that frees blocks costs ~0.13 ms
     * on a file system that discards them synchronously, a quarter of a
     * small durable save's time (strace, 64 KiB). */
    io.replaced_fd = replaced;
    rc = dckpt_io_write_file(path, text, PROGRESS_WIDTH, &io, &s->err);
  }
  free(path);
  return rc;
}

/* The one flush that commits a durable save: the trial directory, holding
 * the checkpoint's new name (its data was synced before the rename) and
 * progress.json's. */
static int commit_dir(dckpt_store *s, const char *dir) {
  if (!dckpt_store_durable(s)) return DCKPT_OK;
  if (s->x.step_hook) s->x.step_hook(s->x.step_hook_ctx, "trial.dirsync");
  return dckpt_io_fsync_dir(dir, &s->err);
}

/* Creates the trial's directory if needed and, once per handle and trial,
 * makes its entry durable even when it existed: a writer killed between the
 * mkdir and the fsync of the parent leaves the directory in the page cache
 * only, and every checkpoint committed in it since would go with it at a
 * power loss (tests/powerloss: save_first_after_kill). */
static int trial_dir_ready(dckpt_store *s, int64_t alg, int64_t trial, const char *dir) {
  if (s->dir_alg == alg && s->dir_trial == trial) return DCKPT_OK;
  bool durable = dckpt_store_durable(s);
  if (!dckpt_path_is_dir(dir)) {
    DCKPT_TRY(dckpt_mkdirs(dir, durable, &s->err)); /* syncs what it creates */
  } else if (durable) {
    char *parent = dckpt_path_dirname(dir);
    int rc = parent ? dckpt_io_fsync_dir(parent, &s->err)
                    : dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
    free(parent);
    DCKPT_TRY(rc);
  }
  s->dir_alg = alg;
  s->dir_trial = trial;
  return DCKPT_OK;
}

/* Whether the iteration to save is committed already: this handle committed
 * it, or progress.json names it and its file verifies. */
typedef enum { NOT_SAVED, SAVED_HERE, SAVED_ON_DISK } saved_state;

static saved_state already_saved(dckpt_store *s, int64_t alg, int64_t trial,
                                 int64_t iteration, const char *ckpt) {
  /* This handle committed the trial's last checkpoint: no need to ask the disk
   * (a trial has one writer at a time). */
  if (s->last_alg == alg && s->last_trial == trial)
    return s->last_iter == iteration && dckpt_path_exists(ckpt) ? SAVED_HERE : NOT_SAVED;
  dckpt_err saved = s->err, e;
  int64_t last = -1;
  dckpt_where w = {DCKPT_KIND_CHECKPOINT, alg, trial, iteration};
  bool same = dckpt_store_read_progress(s, alg, trial, &last) == DCKPT_OK &&
              last == iteration && dckpt_store_verify_record(s, ckpt, &w, &e) == DCKPT_OK;
  s->err = saved;
  return same ? SAVED_ON_DISK : NOT_SAVED;
}

/* A checkpoint found committed on disk may be so only in the page cache: a
 * writer killed between the rename of progress.json and the directory's
 * fsync leaves it so. Before a save returns on it, it is made durable
 * (tests/powerloss: save_after_kill). */
static int make_durable(dckpt_store *s, const char *dir, const char *ckpt) {
  if (!dckpt_store_durable(s)) return DCKPT_OK;
  char *progress = dckpt_path_join(dir, DCKPT_PROGRESS_FILE);
  if (!progress) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  int rc = dckpt_io_sync_file(ckpt, &s->err);
  if (rc == DCKPT_OK) rc = dckpt_io_sync_file(progress, &s->err);
  if (rc == DCKPT_OK) rc = dckpt_io_fsync_dir(dir, &s->err);
  free(progress);
  return rc;
}

static void remember_commit(dckpt_store *s, int64_t alg, int64_t trial,
                            int64_t iteration) {
  s->last_alg = alg;
  s->last_trial = trial;
  s->last_iter = iteration;
}

int dckpt_store_save(dckpt_store *s, int64_t alg, int64_t trial, int64_t iteration,
                     const dckpt_record *state) {
  DCKPT_TRY(dckpt_store_require_writable(s, "save"));
  DCKPT_TRY(dckpt_store_check_ids(s, alg, trial));
  if (iteration < 0)
    return dckpt_store_fail(s, DCKPT_EINVAL, "iteration must be non-negative, got %lld",
                            (long long)iteration);
  if (!state) return dckpt_store_fail(s, DCKPT_EINVAL, "save: state record is NULL");
  char *dir = dckpt_layout_trial_dir(s, alg, trial);
  char *ckpt = dckpt_layout_checkpoint(s, alg, trial, iteration);
  int rc = DCKPT_OK;
  if (!dir || !ckpt) rc = dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  if (rc == DCKPT_OK) rc = trial_dir_ready(s, alg, trial, dir);
  saved_state was =
      rc == DCKPT_OK ? already_saved(s, alg, trial, iteration, ckpt) : NOT_SAVED;
  if (was == SAVED_ON_DISK) {
    rc = make_durable(s, dir, ckpt);
    if (rc == DCKPT_OK) remember_commit(s, alg, trial, iteration);
  } else if (rc == DCKPT_OK && was == NOT_SAVED) {
    dckpt_io_opts io = dckpt_store_io(s, "ckpt");
    io.defer_dirsync = true; /* commit_dir covers it */
    io.unnamed = true;       /* a new name: one directory write less (atomic.h) */
    dckpt_where w = {DCKPT_KIND_CHECKPOINT, alg, trial, iteration};
    rc = dckpt_store_write_record(s, ckpt, &w, state, &io);
    int old_progress = -1;
    if (rc == DCKPT_OK) rc = write_progress(s, alg, trial, iteration, &old_progress);
    if (rc == DCKPT_OK) rc = commit_dir(s, dir);
    /* after the flush: freeing it then does not compete with the flush */
    if (old_progress >= 0) dckpt_reaper_close(store_reaper(s), old_progress);
    if (rc == DCKPT_OK) {
      remember_commit(s, alg, trial, iteration);
      rc = rotate(s, alg, trial, dir, iteration);
    }
  }
  if (rc != DCKPT_OK && s->err.status == DCKPT_OK) s->err.status = rc;
  free(dir);
  free(ckpt);
  return rc;
}

/* Checkpoints newer than the committed one are uncommitted (a save cut
 * short between its two renames) or planted; rotation removes the former
 * at the next save. One that does not verify is moved aside now (writing
 * handles), so that it is neither kept nor reported again and again. */
static void quarantine_newer(dckpt_store *s, int64_t alg, int64_t trial,
                             const ckpt_list *l, int64_t committed) {
  for (size_t i = 0; s->writable && i < l->count && l->iters[i] > committed; i++) {
    char *p = dckpt_layout_checkpoint(s, alg, trial, l->iters[i]);
    dckpt_where w = {DCKPT_KIND_CHECKPOINT, alg, trial, l->iters[i]};
    dckpt_err e = {0};
    if (p && dckpt_store_verify_record(s, p, &w, &e) != DCKPT_OK &&
        e.status != DCKPT_ENOMEM)
      dckpt_store_quarantine(s, "checkpoint", p, e.msg);
    free(p);
  }
}

/* Tries checkpoints newest first, starting at or below `from`. */
static int load_fallback(dckpt_store *s, int64_t alg, int64_t trial, const char *dir,
                         int64_t from, dckpt_record **state, int64_t *iteration) {
  ckpt_list l;
  DCKPT_TRY(list_checkpoints(s, dir, s->writable, &l));
  int rc = DCKPT_OK;
  for (size_t i = 0; i < l.count; i++) {
    if (l.iters[i] > from) continue;
    char *p = dckpt_layout_checkpoint(s, alg, trial, l.iters[i]);
    if (!p) {
      rc = dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
      break;
    }
    dckpt_err saved = s->err;
    dckpt_where w = {DCKPT_KIND_CHECKPOINT, alg, trial, l.iters[i]};
    rc = dckpt_store_read_record(s, p, &w, state);
    if (rc == DCKPT_OK) {
      *iteration = l.iters[i];
      s->err = saved;
      free(p);
      break;
    }
    if (rc == DCKPT_ENOMEM) {
      free(p);
      break;
    }
    char why[DCKPT_ERRMSG_MAX];
    snprintf(why, sizeof why, "%s", s->err.msg);
    s->err = saved;
    dckpt_store_quarantine(s, "checkpoint", p, why);
    free(p);
    rc = DCKPT_OK;
  }
  if (rc == DCKPT_OK)
    quarantine_newer(s, alg, trial, &l, from == INT64_MAX ? *iteration : from);
  free(l.iters);
  return rc;
}

int dckpt_store_load_latest(dckpt_store *s, int64_t alg, int64_t trial,
                            dckpt_record **state, int64_t *iteration) {
  DCKPT_STORE_NEED(s, "load_latest", state);
  DCKPT_STORE_NEED(s, "load_latest", iteration);
  *state = NULL;
  *iteration = -1;
  DCKPT_TRY(dckpt_store_check_ids(s, alg, trial));
  if (s->known_alg == alg && s->known_trial == trial) s->known_alg = s->known_trial = -1;
  int64_t named = -1;
  int prc = dckpt_store_read_progress(s, alg, trial, &named);
  if (prc == DCKPT_ENOMEM) return prc;
  if (prc != DCKPT_OK) {
    dckpt_log(&s->log, DCKPT_LOG_WARN,
              "%s; looking for the newest checkpoint that verifies", s->err.msg);
    named = INT64_MAX;
  }
  char *dir = dckpt_layout_trial_dir(s, alg, trial);
  if (!dir) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  int rc = DCKPT_OK;
  if (named >= 0) {
    rc = load_fallback(s, alg, trial, dir, named, state, iteration);
    if (rc == DCKPT_OK && *iteration >= 0 && named != INT64_MAX && *iteration != named)
      dckpt_log(&s->log, DCKPT_LOG_WARN,
                "algorithm %lld trial %lld: checkpoint of iteration %lld is missing or "
                "corrupt; resuming from iteration %lld",
                (long long)alg, (long long)trial, (long long)named,
                (long long)*iteration);
    if (rc == DCKPT_OK && *iteration < 0 && named != INT64_MAX)
      dckpt_log(
          &s->log, DCKPT_LOG_WARN,
          "algorithm %lld trial %lld: no checkpoint verifies; the trial starts over",
          (long long)alg, (long long)trial);
  } else if (s->writable) {
    ckpt_list l; /* nothing committed yet: just clear leftovers */
    rc = list_checkpoints(s, dir, true, &l);
    free(l.iters);
  }
  free(dir);
  return rc;
}

int dckpt_store_load_before(dckpt_store *s, int64_t alg, int64_t trial, int64_t before,
                            dckpt_record **state, int64_t *iteration) {
  DCKPT_STORE_NEED(s, "load_before", state);
  DCKPT_STORE_NEED(s, "load_before", iteration);
  *state = NULL;
  *iteration = -1;
  DCKPT_TRY(dckpt_store_check_ids(s, alg, trial));
  if (s->known_alg == alg && s->known_trial == trial) s->known_alg = s->known_trial = -1;
  if (before <= 0) return DCKPT_OK;
  char *dir = dckpt_layout_trial_dir(s, alg, trial);
  if (!dir) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  int rc = load_fallback(s, alg, trial, dir, before - 1, state, iteration);
  free(dir);
  return rc;
}

/* complete.json of (alg, trial) completed at `iteration`. */
static int complete_json(dckpt_store *s, int64_t alg, int64_t trial, int64_t iteration,
                         cJSON **out) {
  *out = NULL;
  const dckpt_run_facts_t *f;
  DCKPT_TRY(dckpt_run_facts(s, &f));
  if ((uint64_t)alg >= f->n_names)
    return dckpt_store_fail(s, DCKPT_EINVAL,
                            "algorithm index %lld is out of range (run has %zu)",
                            (long long)alg, f->n_names);
  char ckpt[64];
  snprintf(ckpt, sizeof ckpt, "checkpoint_%07lld" DCKPT_EXT, (long long)iteration);
  cJSON *j = cJSON_CreateObject();
  if (!j) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  if (f->has_run_id) cJSON_AddStringToObject(j, "run", f->run_id);
  cJSON_AddStringToObject(j, "alg_name", f->names[alg]);
  cJSON_AddNumberToObject(j, "alg_idx", (double)alg);
  cJSON_AddNumberToObject(j, "trial", (double)trial);
  cJSON_AddNumberToObject(j, "iteration", (double)iteration);
  cJSON_AddStringToObject(j, "checkpoint_path", ckpt);
  *out = j;
  return DCKPT_OK;
}

/* A complete trial's final checkpoint is what its results are read from, so
 * it stands alone: it lists no metric segments. */
static int check_self_contained(dckpt_store *s, const dckpt_record *state) {
  dckpt_array_info info;
  if (state && dckpt_record_find(state, DCKPT_SEGMENTS_KEY, &info) == DCKPT_OK &&
      info.nelems > 0)
    return dckpt_store_fail(s, DCKPT_EINVAL,
                            "mark_complete: the final state lists %llu metric segment(s) "
                            "in '%s'; it must carry the whole history itself",
                            (unsigned long long)info.nelems, DCKPT_SEGMENTS_KEY);
  return DCKPT_OK;
}

/* The segments of a complete trial are no longer referenced; removing them is
 * tidying (a failure is logged, the trial is complete either way). */
static void drop_all_segments(dckpt_store *s, int64_t alg, int64_t trial) {
  dckpt_err saved = s->err;
  if (dckpt_store_drop_segments(s, alg, trial, 0) != DCKPT_OK)
    dckpt_log(&s->log, DCKPT_LOG_WARN, "algorithm %lld trial %lld is complete; %s",
              (long long)alg, (long long)trial, s->err.msg);
  s->err = saved;
}

int dckpt_store_mark_complete(dckpt_store *s, int64_t alg, int64_t trial,
                              int64_t iteration, const dckpt_record *state) {
  DCKPT_TRY(dckpt_store_require_writable(s, "mark_complete"));
  DCKPT_TRY(check_self_contained(s, state));
  cJSON *j = NULL;
  char *path = NULL;
  DCKPT_TRY(complete_json(s, alg, trial, iteration, &j));
  int rc = dckpt_store_save(s, alg, trial, iteration, state);
  if (rc == DCKPT_OK &&
      !(path = dckpt_layout_trial_file(s, alg, trial, DCKPT_COMPLETE_FILE)))
    rc = dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  if (rc == DCKPT_OK) {
    dckpt_io_opts io = dckpt_store_io(s, "complete");
    rc = dckpt_json_save(path, j, &io, &s->err);
  }
  if (rc == DCKPT_OK) {
    drop_all_segments(s, alg, trial);
    dckpt_log(&s->log, DCKPT_LOG_DEBUG, "marked complete: algorithm %lld, trial %lld",
              (long long)alg, (long long)trial);
  }
  cJSON_Delete(j);
  free(path);
  return rc;
}
