/* The public reading calls: list, load a record, read a file. */
#include <stdlib.h>
#include <string.h>

#include "container/reader.h"

/* Whether `path` is `prefix` or lies under it ("" holds everything). */
static bool under(const char *path, const char *prefix) {
  size_t n = strlen(prefix);
  while (n && prefix[n - 1] == '/')
    n--;
  return n == 0 || (!strncmp(path, prefix, n) && (path[n] == '\0' || path[n] == '/'));
}

static dckpt_container_entry public_entry(const ctr_entry *en) {
  const uint64_t *r = en->row;
  bool rec = ctr_kind_is_record((int)r[CTR_F_KIND]);
  return (dckpt_container_entry){en->path,
                                 (dckpt_entry_kind)r[CTR_F_KIND],
                                 (int64_t)r[CTR_F_ALG],
                                 (int64_t)r[CTR_F_TRIAL],
                                 (int64_t)r[CTR_F_ITERATION],
                                 rec,
                                 r[CTR_F_N_ARRAYS],
                                 rec ? r[CTR_F_RAW_BYTES] : r[CTR_F_TEXT_LEN]};
}

typedef struct lister {
  dckpt_container *c;
  const char *prefix;
  dckpt_container_list_fn fn;
  void *ctx;
  int damage; /* first damage seen (its message is in c->err) */
  bool stop;
} lister;

static void note_damage(lister *l, int status, const char *why) {
  if (l->damage) return;
  l->damage = status;
  ctr_cfail(l->c, status, "%s", why);
}

static void list_entries(lister *l, ctr_entry *es, size_t n) {
  for (size_t k = 0; k < n && !l->stop; k++) {
    if (es[k].status != DCKPT_OK) {
      if (!es[k].path_ok || under(es[k].path, l->prefix))
        note_damage(l, es[k].status, es[k].why);
      continue;
    }
    if (!under(es[k].path, l->prefix)) continue;
    dckpt_container_entry e = public_entry(&es[k]);
    l->stop = l->fn(l->ctx, &e) != 0;
  }
}

/* The range of pairs a prefix can name: one trial, one algorithm, or all. */
static void pair_range(const dckpt_container *c, const char *prefix, int64_t *lo,
                       int64_t *hi) {
  int64_t a = -1, t = -1;
  *lo = 0;
  *hi = (int64_t)c->n_pairs;
  const char *s = prefix, *name = NULL;
  if (ctr_parse_trial_path(s, &a, &t, NULL) || ctr_parse_trial_path(s, &a, &t, &name) ||
      (strncmp(s, "algorithm_", 10) == 0 && strchr(s, '/') == NULL)) {
    if (t < 0) a = strtoll(s + 10, NULL, 10);
    if (a < 0 || a >= c->n_algs || t >= c->n_trials) {
      *hi = 0;
      return;
    }
    *lo = a * c->n_trials + (t >= 0 ? t : 0);
    *hi = t >= 0 ? *lo + 1 : *lo + c->n_trials;
  }
}

int dckpt_container_list(dckpt_container *c, const char *prefix,
                         dckpt_container_list_fn fn, void *ctx) {
  if (!c) return DCKPT_EINVAL;
  if (!fn) return ctr_cfail(c, DCKPT_EINVAL, "list: argument 'fn' is NULL");
  if (c->failed_open)
    return ctr_cfail(c, DCKPT_EINVAL, "list: the container did not open");
  lister l = {c, prefix ? prefix : "", fn, ctx, DCKPT_OK, false};
  ctr_h5_enter();
  list_entries(&l, c->root, (size_t)c->n_root);
  int64_t lo, hi;
  pair_range(c, l.prefix, &lo, &hi);
  int rc = DCKPT_OK;
  for (int64_t i = lo; i < hi && !l.stop && rc == DCKPT_OK; i++) {
    ctr_trial *t = ctr_get_trial(c, i / c->n_trials, i % c->n_trials);
    if (!t)
      rc = c->err.status;
    else if (t->status != DCKPT_OK)
      note_damage(&l, t->status, t->why);
    else
      list_entries(&l, t->entries, t->n_entries);
  }
  ctr_h5_leave();
  return rc != DCKPT_OK ? rc : l.damage;
}

int dckpt_container_load_record(dckpt_container *c, const char *path, dckpt_record **out,
                                dckpt_file_info *info) {
  if (!c) return DCKPT_EINVAL;
  if (!out || !path)
    return ctr_cfail(c, DCKPT_EINVAL, "load_record: argument '%s' is NULL",
                     out ? "path" : "out");
  *out = NULL;
  if (c->failed_open) return ctr_cfail(c, DCKPT_EINVAL, "the container did not open");
  ctr_h5_enter();
  ctr_entry *en = NULL;
  int rc = ctr_find(c, path, &en);
  if (rc == DCKPT_OK && !ctr_kind_is_record((int)en->row[CTR_F_KIND]))
    rc = ctr_cfail(c, DCKPT_EINVAL, "'%s/%s' is not a record file", c->path, path);
  if (rc == DCKPT_OK) rc = ctr_load_record(c, en, out);
  if (rc == DCKPT_OK && info) {
    memset(info, 0, sizeof *info);
    info->format_version = (uint32_t)en->row[CTR_F_REC_VERSION];
    info->level = (int)(int64_t)en->row[CTR_F_REC_LEVEL];
    info->compressed = info->level != 0;
    info->n_arrays = en->row[CTR_F_N_ARRAYS];
    info->raw_bytes = en->row[CTR_F_RAW_BYTES];
  }
  ctr_h5_leave();
  return rc;
}

int dckpt_container_read_file(dckpt_container *c, const char *path, char **data,
                              size_t *len) {
  if (!c) return DCKPT_EINVAL;
  if (!data || !len || !path)
    return ctr_cfail(c, DCKPT_EINVAL, "read_file: argument '%s' is NULL",
                     !data  ? "data"
                     : !len ? "len"
                            : "path");
  *data = NULL;
  *len = 0;
  if (c->failed_open) return ctr_cfail(c, DCKPT_EINVAL, "the container did not open");
  ctr_h5_enter();
  ctr_entry *en = NULL;
  int rc = ctr_find(c, path, &en);
  if (rc == DCKPT_OK && ctr_kind_is_record((int)en->row[CTR_F_KIND]))
    rc = ctr_cfail(c, DCKPT_EINVAL, "'%s/%s' is a record file, not bytes", c->path, path);
  if (rc == DCKPT_OK) {
    size_t n = (size_t)en->row[CTR_F_TEXT_LEN];
    *data = malloc(n + 1);
    if (!*data)
      rc = ctr_cfail(c, DCKPT_ENOMEM, "out of memory");
    else {
      memcpy(*data, en->text, n + 1);
      *len = n;
    }
  }
  ctr_h5_leave();
  return rc;
}
