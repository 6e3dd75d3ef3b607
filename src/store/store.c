#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/fs.h"
#include "io/path.h"
#include "io/reaper.h"
#include "io/walk.h"
#include "store/option_members.h"
#include "store/store_internal.h"
#include "util/json.h"
#include "util/struct_size.h"

void dckpt_run_facts_clear(dckpt_store *s) {
  for (size_t i = 0; i < s->facts.n_names; i++)
    free(s->facts.names[i]);
  free(s->facts.names);
  memset(&s->facts, 0, sizeof s->facts);
}

void dckpt_store_options_init(dckpt_store_options *opts) {
  if (!opts) return;
  memset(opts, 0, sizeof *opts);
  opts->struct_size = sizeof *opts;
  opts->checkpoint_step = DCKPT_STEP_NONE;
  opts->keep_n = 3;
  opts->compression_level = 1;
  opts->durability = DCKPT_DURABILITY_FULL;
  opts->flags = DCKPT_OPEN_WRITE;
  opts->log_level = DCKPT_LOG_INFO;
}

int dckpt_store_fail(dckpt_store *s, int status, const char *fmt, ...) {
  s->err.status = status;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->err.msg, sizeof s->err.msg, fmt, ap);
  va_end(ap);
  return status;
}

int dckpt_store_require_writable(dckpt_store *s, const char *call) {
  if (s->failed_open)
    return dckpt_store_fail(s, DCKPT_EINVAL, "%s: the store did not open", call);
  if (!s->writable)
    return dckpt_store_fail(s, DCKPT_EACCES, "%s: '%s' was opened read-only", call,
                            s->dir);
  return DCKPT_OK;
}

int dckpt_store_check_ids(dckpt_store *s, int64_t alg, int64_t trial) {
  if (alg < 0 || alg > INT32_MAX)
    return dckpt_store_fail(s, DCKPT_EINVAL, "algorithm index %lld is out of range",
                            (long long)alg);
  if (trial < 0 || trial > INT32_MAX)
    return dckpt_store_fail(s, DCKPT_EINVAL, "trial %lld is out of range",
                            (long long)trial);
  return DCKPT_OK;
}

bool dckpt_store_durable(const dckpt_store *s) {
  return s->opts.durability == DCKPT_DURABILITY_FULL;
}

dckpt_io_opts dckpt_store_io(const dckpt_store *s, const char *label) {
  dckpt_io_opts io = {.durable = dckpt_store_durable(s),
                      .replaces = strcmp(label, "ckpt") != 0,
                      .hook = s->x.step_hook,
                      .hook_ctx = s->x.step_hook_ctx,
                      .label = label};
  return io;
}

dckpt_io_opts dckpt_store_run_io(const dckpt_store *s, const char *label) {
  dckpt_io_opts io = dckpt_store_io(s, label);
  io.durable = true;
  return io;
}

static int validate_options(dckpt_store *s, const dckpt_store_options *o) {
  if (o->checkpoint_step == 0 ||
      (o->checkpoint_step < 0 && o->checkpoint_step != DCKPT_STEP_NONE))
    return dckpt_store_fail(
        s, DCKPT_EINVAL, "checkpoint_step must be a positive integer or none, got %lld",
        (long long)o->checkpoint_step);
  if (o->job_restart < 0)
    return dckpt_store_fail(s, DCKPT_EINVAL, "job_restart must be >= 0, got %lld",
                            (long long)o->job_restart);
  /* Recorded in the lock file and in leases (JSON). */
  if (o->job_id && dckpt_json_require_utf8(o->job_id, "job_id", &s->err))
    return DCKPT_EINVAL;
  if (o->keep_n < 1)
    return dckpt_store_fail(s, DCKPT_EINVAL, "keep_n must be a positive integer, got %d",
                            o->keep_n);
  if (o->compression_level < -7 || o->compression_level > 22)
    return dckpt_store_fail(s, DCKPT_EINVAL,
                            "compression_level must be 0 (stored) or in -7..22, got %d",
                            o->compression_level);
  if (o->durability != DCKPT_DURABILITY_FULL && o->durability != DCKPT_DURABILITY_NONE)
    return dckpt_store_fail(s, DCKPT_EINVAL, "durability must be full or none, got %d",
                            (int)o->durability);
  unsigned known = DCKPT_OPEN_WRITE | DCKPT_OPEN_BREAK_LOCK | DCKPT_OPEN_NO_LOCK |
                   DCKPT_OPEN_EXISTING | DCKPT_OPEN_NO_PREPARE | DCKPT_OPEN_SHARED;
  if (o->flags & ~known)
    return dckpt_store_fail(s, DCKPT_EINVAL, "unknown open flags 0x%x",
                            o->flags & ~known);
  if ((o->flags & (DCKPT_OPEN_BREAK_LOCK | DCKPT_OPEN_NO_LOCK | DCKPT_OPEN_EXISTING |
                   DCKPT_OPEN_SHARED)) &&
      !(o->flags & DCKPT_OPEN_WRITE))
    return dckpt_store_fail(
        s, DCKPT_EINVAL,
        "lock flags need DCKPT_OPEN_WRITE (a read-only open takes no lock)");
  /* Only a handle without the lock may skip preparing the directory: the
   * lock holder always makes it and cleans it. */
  if ((o->flags & DCKPT_OPEN_NO_PREPARE) &&
      (o->flags & (DCKPT_OPEN_WRITE | DCKPT_OPEN_NO_LOCK)) !=
          (DCKPT_OPEN_WRITE | DCKPT_OPEN_NO_LOCK))
    return dckpt_store_fail(
        s, DCKPT_EINVAL,
        "DCKPT_OPEN_NO_PREPARE needs DCKPT_OPEN_WRITE | "
        "DCKPT_OPEN_NO_LOCK (the lock holder prepares the directory)");
  if ((o->flags & DCKPT_OPEN_SHARED) && (o->flags & DCKPT_OPEN_NO_LOCK))
    return dckpt_store_fail(
        s, DCKPT_EINVAL, "DCKPT_OPEN_SHARED takes the lock: not with DCKPT_OPEN_NO_LOCK");
  return DCKPT_OK;
}

/* The lock holder makes the run it takes over durable before anything is
 * committed on top of it: a writer killed between the rename of metadata.json
 * and the directory's fsync leaves the run in the page cache only, and a job
 * resumed on it then (its initialize or extend finding nothing to do) lost the
 * whole run, or the grown plan, at a power loss (tests/powerloss:
 * initialize_after_kill, extend_after_kill). Two fsyncs per writing open. */
static int sync_run(dckpt_store *s) {
  char *meta = dckpt_layout_root_file(s, DCKPT_METADATA_FILE);
  if (!meta) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  int rc = DCKPT_OK;
  if (dckpt_path_exists(meta)) {
    rc = dckpt_io_sync_file(meta, &s->err);
    if (rc == DCKPT_OK) rc = dckpt_io_fsync_dir(s->dir, &s->err);
  }
  free(meta);
  return rc;
}

int dckpt_store_prepare_dir(dckpt_store *s) {
  if ((s->opts.flags & DCKPT_OPEN_EXISTING) && !dckpt_path_is_dir(s->dir))
    return dckpt_store_fail(
        s, dckpt_path_exists(s->dir) ? DCKPT_ENOTDIR : DCKPT_ENOENT, "'%s' %s", s->dir,
        dckpt_path_exists(s->dir) ? "is not a directory" : "does not exist");
  if (dckpt_mkdirs(s->dir, dckpt_store_durable(s), &s->err) != DCKPT_OK)
    return s->err.status;
  if (!(s->opts.flags & DCKPT_OPEN_NO_LOCK) && !s->lock.held) {
    bool force = (s->opts.flags & DCKPT_OPEN_BREAK_LOCK) != 0;
    char *path = dckpt_layout_root_file(s, DCKPT_LOCK_FILE);
    if (!path) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
    if (s->opts.flags & DCKPT_OPEN_SHARED) DCKPT_TRY(dckpt_store_join_shared(s));
    /* a shared run waits while another shared run holds the lock briefly; a
     * run that is not shared goes on only where no shared run is registered */
    int rc = (s->opts.flags & DCKPT_OPEN_SHARED)
                 ? dckpt_store_lock_shared(s, path, force)
                 : dckpt_store_lock_exclusive(s, path, force);
    free(path);
    DCKPT_TRY(rc);
    DCKPT_TRY(sync_run(s));
  }
  size_t removed = 0;
  DCKPT_TRY(dckpt_clean_temporaries(s->dir, &removed, &s->err));
  if (removed)
    dckpt_log(&s->log, DCKPT_LOG_INFO, "removed %zu leftover temporary file(s) in '%s'",
              removed, s->dir);
  return DCKPT_OK;
}

/* The sizes of the first published layouts (dckpt 0.2). */
#define OPTIONS_OLDEST      DCKPT_STRUCT_END(dckpt_store_options, experimental)
#define EXPERIMENTAL_OLDEST DCKPT_STRUCT_END(dckpt_store_experimental, step_hook_ctx)

/* The caller's options as this library reads them: the members its
 * struct_size covers, defaults for the rest, and a copy of the experimental
 * hooks (the handle must not point into the caller's memory). */
static int take_options(dckpt_store *s, const dckpt_store_options *o) {
  dckpt_store_options_init(&s->opts);
  dckpt_store_experimental_init(&s->x);
  if (!o) return DCKPT_OK;
  if (!dckpt_struct_take(
          &s->opts, o, OPTIONS_OLDEST, sizeof s->opts, dckpt_store_option_members,
          sizeof dckpt_store_option_members / sizeof *dckpt_store_option_members))
    return dckpt_store_fail(
        s, DCKPT_EINVAL,
        "store_open: options.struct_size is %zu: fill the options with "
        "dckpt_store_options_init() (a struct from a newer dckpt.h must leave the "
        "fields this library does not know at zero)",
        o->struct_size);
  const dckpt_store_experimental *x = s->opts.experimental;
  if (x && !dckpt_struct_take(&s->x, x, EXPERIMENTAL_OLDEST, sizeof s->x,
                              dckpt_store_experimental_members,
                              sizeof dckpt_store_experimental_members /
                                  sizeof *dckpt_store_experimental_members))
    return dckpt_store_fail(s, DCKPT_EINVAL,
                            "store_open: experimental.struct_size is %zu: fill it with "
                            "dckpt_store_experimental_init()",
                            x->struct_size);
#pragma GCC diagnostic push /* the deprecated place of the hook */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  if (!s->x.step_hook && s->opts.step_hook) { /* the older place of the hook */
    s->x.step_hook = s->opts.step_hook;
    s->x.step_hook_ctx = s->opts.step_hook_ctx;
  }
#pragma GCC diagnostic pop
  s->opts.experimental = x || s->x.step_hook ? &s->x : NULL;
  return DCKPT_OK;
}

int dckpt_store_open(const char *dir, const dckpt_store_options *opts,
                     dckpt_store **out) {
  if (!out) return DCKPT_EINVAL; /* nowhere to return a handle or its message */
  *out = NULL;
  dckpt_store *s = calloc(1, sizeof *s);
  if (!s) return DCKPT_ENOMEM;
  *out = s;
  s->failed_open = true;
  s->last_alg = s->last_trial = s->last_iter = -1;
  s->known_alg = s->known_trial = -1;
  s->dir_alg = s->dir_trial = -1;
  int rc = take_options(s, opts);
  s->log = (dckpt_logger){s->opts.log, s->opts.log_ctx, s->opts.log_level};
  DCKPT_TRY(rc);
  if (!dir || !*dir) return dckpt_store_fail(s, DCKPT_EINVAL, "directory path is empty");
  s->dir = strdup(dir);
  size_t n = strlen(s->dir);
  while (n > 1 && s->dir[n - 1] == '/')
    s->dir[--n] = '\0';
  s->results = dckpt_path_join(s->dir, DCKPT_RESULTS_DIR);
  s->job_id = s->opts.job_id ? strdup(s->opts.job_id) : NULL;
  if (!s->dir || !s->results || (s->opts.job_id && !s->job_id))
    return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  s->opts.job_id = s->job_id;
  DCKPT_TRY(validate_options(s, &s->opts));
  s->writable = (s->opts.flags & DCKPT_OPEN_WRITE) != 0;
  if (s->writable && !(s->opts.flags & DCKPT_OPEN_NO_PREPARE))
    DCKPT_TRY(dckpt_store_prepare_dir(s));
  s->failed_open = false;
  return DCKPT_OK;
}

void dckpt_store_close(dckpt_store *s) {
  if (!s) return;
  dckpt_reaper_destroy(s->reaper); /* finishes pending deletions first */
  free(s->known);
  dckpt_scratch_free(&s->scratch);
  dckpt_lock_release(&s->lock);
  dckpt_lock_release(&s->pair);
  dckpt_lock_release(&s->member);
  dckpt_lock_release(&s->name);
  dckpt_run_facts_clear(s);
  dckpt_src_close(s);
  free(s->dir);
  free(s->results);
  free(s->job_id);
  free(s);
}

const char *dckpt_store_errmsg(const dckpt_store *s) {
  return s ? s->err.msg : "out of memory";
}
const char *dckpt_store_get_dir(const dckpt_store *s) {
  return s->dir;
}
const dckpt_store_options *dckpt_store_get_options(const dckpt_store *s) {
  return &s->opts;
}
const char *dckpt_store_get_results_path(const dckpt_store *s) {
  return s->results;
}

static int any_entry(void *ctx, const dckpt_walk_entry *e, dckpt_err *err) {
  (void)err;
  if (dckpt_layout_is_bookkeeping(dckpt_layout_kind(e->name))) return DCKPT_OK;
  *(bool *)ctx = false;
  return DCKPT_WALK_STOP;
}

int dckpt_store_is_empty(dckpt_store *s, bool *empty) {
  DCKPT_STORE_NEED(s, "is_empty", empty);
  *empty = true;
  if (!dckpt_src_active(s))
    return dckpt_walk(s->dir, DCKPT_WALK_MISSING_OK, any_entry, empty, &s->err);
  dckpt_dirlist list;
  DCKPT_TRY(dckpt_src_list(s, s->dir, &list, &s->err));
  for (size_t i = 0; i < list.count && *empty; i++)
    *empty = dckpt_layout_is_bookkeeping(dckpt_layout_kind(list.names[i]));
  dckpt_dirlist_free(&list);
  return DCKPT_OK;
}

int dckpt_store_size(dckpt_store *s, uint64_t *bytes) {
  DCKPT_STORE_NEED(s, "size", bytes);
  *bytes = 0;
  DCKPT_TRY(dckpt_src_require_dir(s, "size"));
  return dckpt_tree_size(s->dir, bytes, &s->err);
}

int dckpt_store_clear(dckpt_store *s) {
  DCKPT_TRY(dckpt_store_require_writable(s, "clear"));
  /* DIR given as a symbolic link: removing it would remove the link alone,
   * leave the run (and this store's lock file) in its target and report
   * success. Refused; the target is cleared by its own path. */
  struct stat st;
  if (lstat(s->dir, &st) == 0 && S_ISLNK(st.st_mode))
    return dckpt_store_fail(s, DCKPT_EINVAL,
                            "clear: '%s' is a symbolic link; nothing removed (clear the "
                            "directory it points to by its own path, or remove the link "
                            "with rm)",
                            s->dir);
  /* The lock file goes with the tree; a later initialize takes it again. */
  int rc = dckpt_remove_tree(s->dir, &s->err);
  if (rc == DCKPT_OK) {
    dckpt_lock_release(&s->lock);
    dckpt_log(&s->log, DCKPT_LOG_INFO, "cleared checkpoint directory '%s'", s->dir);
  }
  s->last_alg = s->last_trial = s->last_iter = -1;
  s->known_alg = s->known_trial = -1;
  s->dir_alg = s->dir_trial = -1;
  dckpt_run_facts_clear(s);
  return rc;
}

/* Read-only handles only say so: moving is writing. */
void dckpt_store_quarantine(dckpt_store *s, const char *what, const char *path,
                            const char *why) {
  if (!s->writable) {
    dckpt_log(&s->log, DCKPT_LOG_WARN, "%s '%s' is unusable (%s)", what, path, why);
    return;
  }
  char *aside = dckpt_path_printf("%s" DCKPT_CORRUPT_SUFFIX, path);
  if (aside && dckpt_io_rename(path, aside, false, NULL) == DCKPT_OK)
    dckpt_log(&s->log, DCKPT_LOG_WARN, "%s '%s' is unusable (%s); moved it to '%s'", what,
              path, why, aside);
  else
    dckpt_log(&s->log, DCKPT_LOG_WARN, "%s '%s' is unusable (%s)", what, path, why);
  free(aside);
}

/* ---- a store over a read-only source (store/source.c reads through it) ---- */

/* The first published layout: close is its last member. */
#define SOURCE_OLDEST DCKPT_STRUCT_END(dckpt_store_source, close)

static int take_source(dckpt_store *s, const dckpt_store_source *src) {
  if (!src)
    return dckpt_store_fail(s, DCKPT_EINVAL, "store_open_source: the source is NULL");
  if (!dckpt_struct_size_ok(src, src->struct_size, SOURCE_OLDEST, sizeof *src))
    return dckpt_store_fail(s, DCKPT_EINVAL,
                            "store_open_source: source.struct_size is %zu: fill the "
                            "source with dckpt_store_source_init() first",
                            src->struct_size);
  s->src = calloc(1, sizeof *s->src);
  if (!s->src) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  memcpy(s->src, src, SOURCE_OLDEST);
  s->src->struct_size = sizeof *s->src;
  const char *missing = !src->stat          ? "stat"
                        : !src->list        ? "list"
                        : !src->read        ? "read"
                        : !src->load_record ? "load_record"
                                            : NULL;
  if (missing)
    return dckpt_store_fail(s, DCKPT_EINVAL, "store_open_source: source.%s is NULL",
                            missing);
  return DCKPT_OK;
}

int dckpt_store_open_source(const char *name, const dckpt_store_source *src,
                            const dckpt_store_options *opts, dckpt_store **out) {
  if (!out) {
    if (src && src->struct_size >= SOURCE_OLDEST && src->close) src->close(src->ctx);
    return DCKPT_EINVAL; /* nowhere to return a handle or its message */
  }
  *out = NULL;
  dckpt_store_options o;
  dckpt_store_options_init(&o);
  o.flags = DCKPT_OPEN_READ;
  /* A writing open would create the directory and take its lock: it is
   * refused below, on a handle opened for reading with the defaults. The
   * caller's other options are taken as dckpt_store_open() takes them. */
  bool writing = opts &&
                 opts->struct_size >= DCKPT_STRUCT_END(dckpt_store_options, flags) &&
                 opts->flags != DCKPT_OPEN_READ;
  int rc = dckpt_store_open(name, opts && !writing ? opts : &o, out);
  dckpt_store *s = *out;
  if (!s) {
    if (src && src->struct_size >= SOURCE_OLDEST && src->close) src->close(src->ctx);
    return rc;
  }
  int taken = take_source(s, src);
  if (taken != DCKPT_OK && !s->src && src && src->struct_size >= SOURCE_OLDEST &&
      src->close)
    src->close(src->ctx); /* not copied into the store: released here */
  if (rc != DCKPT_OK) return rc;
  if (taken != DCKPT_OK) {
    s->failed_open = true;
    return taken;
  }
  if (writing) {
    s->failed_open = true;
    return dckpt_store_fail(s, DCKPT_EINVAL,
                            "store_open_source: a source is read-only: open it with "
                            "flags DCKPT_OPEN_READ");
  }
  /* The source is asked for its root once: one that cannot serve says why
   * here, in the handle's message, instead of at the first read. */
  rc = dckpt_src_check_root(s);
  if (rc != DCKPT_OK) s->failed_open = true;
  return rc;
}
