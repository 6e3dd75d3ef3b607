/* The store of dckpt.h over a container (dckpt_container_open_store): a
 * dckpt_store_source whose files are the container's entries, so that the
 * store's own code reads markers, checks identities and loads results from
 * the container as from the directory that was packed. Reading one trial
 * touches only its rows of the index and its chunks (reader_page.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container/reader.h"

/* "algorithm_<a>" with a plain decimal a; false for anything else. */
static bool parse_alg_dir(const char *path, int64_t *alg) {
  if (strncmp(path, "algorithm_", 10) != 0) return false;
  const char *p = path + 10;
  if (!*p || (p[0] == '0' && p[1]) || strlen(p) > 18) return false;
  int64_t v = 0;
  for (; *p; p++) {
    if (*p < '0' || *p > '9') return false;
    v = v * 10 + (*p - '0');
  }
  *alg = v;
  return true;
}

/* The container's message for a failed call, into the source's buffer. */
static int failed(dckpt_container *c, int rc, char *err, size_t errlen) {
  snprintf(err, errlen, "%s", c->err.msg[0] ? c->err.msg : dckpt_strerror(rc));
  return rc;
}

/* Whether some root entry lies under directory `dir` ("results"). */
static bool root_has_under(const dckpt_container *c, const char *dir) {
  size_t n = strlen(dir);
  for (uint64_t i = 0; i < c->n_root; i++) {
    const ctr_entry *en = &c->root[i];
    if (en->path_ok && !strncmp(en->path, dir, n) && en->path[n] == '/') return true;
  }
  return false;
}

static int src_stat(void *ctx, const char *path, dckpt_source_entry *what, char *err,
                    size_t errlen) {
  dckpt_container *c = ctx;
  *what = DCKPT_SOURCE_ENTRY_NONE;
  int64_t a = -1, t = -1;
  const char *name = NULL;
  if (!*path) {
    *what = DCKPT_SOURCE_ENTRY_DIR;
    return DCKPT_OK;
  }
  if (parse_alg_dir(path, &a)) {
    /* unpack makes every algorithm's directory: so does this view */
    if (a < c->n_algs) *what = DCKPT_SOURCE_ENTRY_DIR;
    return DCKPT_OK;
  }
  int rc = DCKPT_OK;
  ctr_h5_enter();
  if (ctr_parse_trial_path(path, &a, &t, NULL)) {
    ctr_trial *tr = a < c->n_algs && t < c->n_trials ? ctr_get_trial(c, a, t) : NULL;
    if (tr && (tr->status != DCKPT_OK || tr->n_entries > 0))
      *what = DCKPT_SOURCE_ENTRY_DIR; /* a damaged trial is there: its reads say why */
    else if (!tr && a < c->n_algs && t < c->n_trials)
      rc = failed(c, c->err.status, err, errlen);
  } else if (!ctr_parse_trial_path(path, &a, &t, &name) && root_has_under(c, path)) {
    *what = DCKPT_SOURCE_ENTRY_DIR;
  } else {
    ctr_entry *en = NULL;
    int found = ctr_find(c, path, &en);
    if (found == DCKPT_OK)
      *what = DCKPT_SOURCE_ENTRY_FILE;
    else if (found != DCKPT_ENOENT)
      rc = failed(c, found, err, errlen);
  }
  ctr_h5_leave();
  return rc;
}

/* Calls fn with the distinct names of the entries of `es` directly under
 * `dir` (whose length with its '/' is `skip`; 0 for the root). */
static int list_entries(const ctr_entry *es, size_t n, size_t skip, const char *dir,
                        dckpt_source_name_fn fn, void *fn_ctx) {
  char last[CTR_MAX_PATH + 1] = "";
  for (size_t k = 0; k < n; k++) {
    const ctr_entry *en = &es[k];
    if (!en->path_ok || strlen(en->path) <= skip) continue;
    if (skip && (strncmp(en->path, dir, skip - 1) || en->path[skip - 1] != '/')) continue;
    const char *rest = en->path + skip;
    size_t len = strcspn(rest, "/");
    if (len > CTR_MAX_PATH) continue;
    char name[CTR_MAX_PATH + 1];
    memcpy(name, rest, len);
    name[len] = '\0';
    if (!strcmp(name, last)) continue; /* entries of one folder lie together */
    snprintf(last, sizeof last, "%s", name);
    int rc = fn(fn_ctx, name);
    if (rc != DCKPT_OK) return rc;
  }
  return DCKPT_OK;
}

static int list_root(dckpt_container *c, dckpt_source_name_fn fn, void *fn_ctx) {
  int rc = list_entries(c->root, (size_t)c->n_root, 0, "", fn, fn_ctx);
  for (int64_t a = 0; rc == DCKPT_OK && a < c->n_algs; a++) {
    char name[40];
    snprintf(name, sizeof name, "algorithm_%lld", (long long)a);
    rc = fn(fn_ctx, name);
  }
  return rc;
}

static int list_alg(dckpt_container *c, int64_t a, dckpt_source_name_fn fn, void *fn_ctx,
                    char *err, size_t errlen) {
  for (int64_t t = 0; a < c->n_algs && t < c->n_trials; t++) {
    ctr_trial *tr = ctr_get_trial(c, a, t);
    if (!tr) return failed(c, c->err.status, err, errlen);
    if (tr->status == DCKPT_OK && tr->n_entries == 0) continue;
    char name[40];
    snprintf(name, sizeof name, "trial_%lld", (long long)t);
    int rc = fn(fn_ctx, name);
    if (rc != DCKPT_OK) return rc;
  }
  return DCKPT_OK;
}

static int list_trial(dckpt_container *c, const char *path, int64_t a, int64_t t,
                      dckpt_source_name_fn fn, void *fn_ctx, char *err, size_t errlen) {
  if (a >= c->n_algs || t >= c->n_trials) return DCKPT_OK;
  ctr_trial *tr = ctr_get_trial(c, a, t);
  if (!tr) return failed(c, c->err.status, err, errlen);
  /* A damaged trial (its index rows unusable) cannot be listed: an empty
   * listing would read as a trial without checkpoints, e.g. "not started"
   * beside a damaged progress.json, which is only a hint. */
  if (tr->status != DCKPT_OK) {
    snprintf(err, errlen, "'%s/%s': %s", c->path, path, tr->why ? tr->why : "damaged");
    return tr->status;
  }
  return list_entries(tr->entries, tr->n_entries, strlen(path) + 1, path, fn, fn_ctx);
}

static int src_list(void *ctx, const char *path, dckpt_source_name_fn fn, void *fn_ctx,
                    char *err, size_t errlen) {
  dckpt_container *c = ctx;
  int64_t a = -1, t = -1;
  int rc = DCKPT_OK;
  ctr_h5_enter();
  if (!*path)
    rc = list_root(c, fn, fn_ctx);
  else if (parse_alg_dir(path, &a))
    rc = list_alg(c, a, fn, fn_ctx, err, errlen);
  else if (ctr_parse_trial_path(path, &a, &t, NULL))
    rc = list_trial(c, path, a, t, fn, fn_ctx, err, errlen);
  else
    rc = list_entries(c->root, (size_t)c->n_root, strlen(path) + 1, path, fn, fn_ctx);
  ctr_h5_leave();
  if (rc == DCKPT_ENOMEM && !err[0]) snprintf(err, errlen, "out of memory");
  return rc;
}

static int src_read(void *ctx, const char *path, uint64_t max_bytes, char **data,
                    size_t *len, char *err, size_t errlen) {
  dckpt_container *c = ctx;
  int rc = dckpt_container_read_file(c, path, data, len);
  if (rc != DCKPT_OK) return failed(c, rc, err, errlen);
  if (*len > max_bytes) {
    free(*data);
    *data = NULL;
    snprintf(err, errlen, "'%s/%s' is %zu bytes, more than the limit of %llu", c->path,
             path, *len, (unsigned long long)max_bytes);
    *len = 0;
    return DCKPT_ETOOBIG;
  }
  return DCKPT_OK;
}

static int src_load_record(void *ctx, const char *path, dckpt_record **out, char *err,
                           size_t errlen) {
  dckpt_container *c = ctx;
  int rc = dckpt_container_load_record(c, path, out, NULL);
  return rc == DCKPT_OK ? rc : failed(c, rc, err, errlen);
}

static void src_close(void *ctx) {
  dckpt_container_close(ctx);
}

/* A container that did not open is still handed to the store, whose open asks
 * for the root: the answer is the container's status and message, which the
 * failed store handle then carries. */
static int src_stat_root(void *ctx, const char *path, dckpt_source_entry *what, char *err,
                         size_t errlen) {
  dckpt_container *c = ctx;
  if (!c->failed_open) return src_stat(ctx, path, what, err, errlen);
  *what = DCKPT_SOURCE_ENTRY_NONE;
  return failed(c, c->err.status ? c->err.status : DCKPT_EIO, err, errlen);
}

/* A store whose files are `c`'s entries; closing the store closes `c` when
 * `owned`, else leaves it to its owner (who must close it after the store). */
static int store_over(dckpt_container *c, const char *path, bool owned,
                      const dckpt_store_options *opts, dckpt_store **out) {
  dckpt_store_source src;
  dckpt_store_source_init(&src);
  src.ctx = c;
  src.stat = src_stat_root;
  src.list = src_list;
  src.read = src_read;
  src.load_record = src_load_record;
  src.close = owned ? src_close : NULL;
  return dckpt_store_open_source(path, &src, opts, out);
}

int dckpt_container_open_store(const char *path, const dckpt_store_options *opts,
                               dckpt_store **out) {
  if (!out) return DCKPT_EINVAL; /* nowhere to return a handle or its message */
  *out = NULL;
  dckpt_container *c = NULL;
  int rc = dckpt_container_open(path, &c);
  if (!c) return rc; /* out of memory */
  ctr_entry *meta = NULL;
  char why[800];
  /* the store reads the plan from metadata.json, the view lists trials by
   * the attributes: when they disagree, trials would vanish or appear */
  if (rc == DCKPT_OK) {
    ctr_h5_enter();
    if (ctr_find(c, "metadata.json", &meta) == DCKPT_OK &&
        ctr_check_meta_plan(c, meta->text, why, sizeof why) != DCKPT_OK) {
      ctr_cfail(c, DCKPT_ECORRUPT, "%s", why);
      c->failed_open = true;
    }
    ctr_h5_leave();
  }
  return store_over(c, path, true, opts, out);
}

int ctr_check_meta_by_store(dckpt_container *c, char *why, size_t whylen) {
  /* over this very handle, not the file at its path opened again: that could
   * be another file by now (a pack renamed over it), and the check would
   * judge one file's metadata.json while the caller reads the other's */
  dckpt_store *st = NULL;
  int rc = store_over(c, c->path, false, NULL, &st);
  dckpt_metadata *m = NULL;
  if (rc == DCKPT_OK) rc = dckpt_store_load_metadata(st, &m);
  if (rc != DCKPT_OK)
    snprintf(why, whylen, "%s", st ? dckpt_store_errmsg(st) : dckpt_strerror(rc));
  dckpt_metadata_free(m);
  dckpt_store_close(st);
  return rc;
}
