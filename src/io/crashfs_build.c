/* Crash states of the model (io/crashfs.h): one choice of a point turned
 * into a tree, its description, and the tracer's self-check. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/crashfs_internal.h"

struct dckpt_cfs_state {
  dckpt_cfs_point *p;
  uint8_t *digits; /* one per optional name op, then one per pending file */
  uint64_t seed;
  cfs_tree tree;
  uint64_t hash;
};

static const char *const pattern_names[] = {"kept", "lost", "zeros", "garbage"};

/* ---- names: which entry points to which node ---- */

typedef struct entry {
  int dir;
  const char *name;
  int node;
} entry;

typedef struct entries {
  entry *e;
  size_t n, cap;
} entries;

static void entry_del(entries *es, int dir, const char *name) {
  for (size_t i = 0; i < es->n; i++)
    if (es->e[i].dir == dir && !strcmp(es->e[i].name, name)) {
      es->e[i] = es->e[--es->n];
      return;
    }
}

static bool entry_set(entries *es, int dir, const char *name, int node) {
  entry_del(es, dir, name);
  if (es->n == es->cap) {
    size_t cap = es->cap ? 2 * es->cap : 64;
    entry *grown = realloc(es->e, cap * sizeof *grown);
    if (!grown) return false;
    es->e = grown;
    es->cap = cap;
  }
  es->e[es->n++] = (entry){dir, name, node};
  return true;
}

/* A name operation's effect, applied to whatever the names hold now (an
 * earlier operation on the same name may have been lost). */
static bool apply_name_op(entries *es, const cfs_op *op) {
  switch (op->r.kind) {
  case DCKPT_TR_CREATE:
  case DCKPT_TR_MKDIR: return entry_set(es, op->dir, op->name, op->node);
  case DCKPT_TR_RENAME:
    entry_del(es, op->dir, op->name);
    return entry_set(es, op->dir2, op->name2, op->node);
  case DCKPT_TR_EXCHANGE:
    return entry_set(es, op->dir, op->name, op->node2) &&
           entry_set(es, op->dir2, op->name2, op->node);
  case DCKPT_TR_LINK: return entry_set(es, op->dir2, op->name2, op->node);
  default: entry_del(es, op->dir, op->name); return true;
  }
}

static bool base_entries(const dckpt_cfs *c, entries *es) {
  for (size_t i = 1; i < c->n_nodes && c->nodes[i].base >= 0; i++) {
    const char *path = c->base.items[c->nodes[i].base].path;
    const char *slash = strrchr(path, '/');
    if (!entry_set(es, c->nodes[i].base_parent, slash ? slash + 1 : path, (int)i))
      return false;
  }
  return true;
}

static bool build_names(const dckpt_cfs_state *s, entries *es) {
  const dckpt_cfs_point *p = s->p;
  if (!base_entries(p->c, es)) return false;
  size_t opt = 0;
  for (size_t j = 0; j < p->k; j++) {
    const cfs_op *op = &p->c->ops[j];
    if (!cfs_is_name_op(op)) continue;
    bool present = op->sync < p->k || s->digits[opt++] == 0;
    if (present && !apply_name_op(es, op)) return false;
  }
  return true;
}

/* ---- contents: a file's loss pattern ---- */

static void scramble(uint8_t *q, size_t n, uint64_t x) {
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    q[i] = (uint8_t)x;
  }
}

/* Zeros or garbage in place of every changed block; the newest size. */
static bool fill_changed(const cfs_pending *pd, const cfs_buf *full, bool garbage,
                         uint64_t seed, cfs_buf *out) {
  if (!cfs_buf_copy(out, full)) return false;
  for (size_t i = 0; i < pd->n_changed; i++) {
    size_t lo = pd->changed[i] * CFS_BLOCK;
    size_t hi = lo + CFS_BLOCK < out->len ? lo + CFS_BLOCK : out->len;
    if (lo >= hi) continue;
    if (garbage)
      scramble(out->p + lo, hi - lo, seed * 2654435761u + lo + 1);
    else
      memset(out->p + lo, 0, hi - lo);
  }
  return true;
}

/* The synced contents with the first `m` changed blocks written; the size
 * grows with the blocks that landed (a pending truncation has not). */
static bool tear(const cfs_pending *pd, const cfs_buf *full, size_t m, cfs_buf *out) {
  if (!cfs_buf_copy(out, &pd->durable)) return false;
  size_t size = out->len;
  size_t end = (pd->changed[m - 1] + 1) * CFS_BLOCK;
  if (full->len > size) size = end < full->len ? (end > size ? end : size) : full->len;
  if (!cfs_buf_resize(out, size)) return false;
  for (size_t i = 0; i < m; i++) {
    size_t lo = pd->changed[i] * CFS_BLOCK;
    size_t hi = lo + CFS_BLOCK;
    if (hi > full->len) hi = full->len;
    if (hi > out->len) hi = out->len;
    if (lo < hi) memcpy(out->p + lo, full->p + lo, hi - lo);
  }
  return true;
}

static bool pattern(const dckpt_cfs_state *s, const cfs_pending *pd, unsigned d,
                    cfs_buf *out) {
  const cfs_buf *full = &s->p->content[pd->node];
  switch (d) {
  case 0: return cfs_buf_copy(out, full);
  case 1: return cfs_buf_copy(out, &pd->durable);
  case 2:
  case 3: return fill_changed(pd, full, d == 3, s->seed + (uint64_t)pd->node, out);
  default: return tear(pd, full, pd->torn[d - 4], out);
  }
}

/* ---- the tree ---- */

static bool add_file(dckpt_cfs_state *s, const char *path, int node) {
  const dckpt_cfs_point *p = s->p;
  const dckpt_cfs *c = p->c;
  int pi = p->pend_of[node];
  if (pi >= 0) {
    cfs_buf out = {0};
    bool ok = pattern(s, &p->pend[pi], s->digits[p->n_optional + (size_t)pi], &out) &&
              cfs_tree_add(&s->tree, path, false, out.p, out.len, 0) == DCKPT_OK;
    free(out.p);
    return ok;
  }
  const cfs_buf *b = &p->content[node];
  if (b->set) return cfs_tree_add(&s->tree, path, false, b->p, b->len, 0) == DCKPT_OK;
  int base = c->nodes[node].base;
  const cfs_item *it = base >= 0 ? &c->base.items[base] : NULL;
  return cfs_tree_add(&s->tree, path, false, it ? it->data : NULL, it ? it->len : 0, 0) ==
         DCKPT_OK;
}

static bool add_dir(dckpt_cfs_state *s, const entries *es, int dir, const char *path,
                    int depth) {
  if (depth > 64) return false; /* no renamed directories, so no loops */
  for (size_t i = 0; i < es->n; i++) {
    if (es->e[i].dir != dir) continue;
    int node = es->e[i].node;
    char *child = path ? NULL : strdup(es->e[i].name);
    if (path && asprintf(&child, "%s/%s", path, es->e[i].name) < 0) child = NULL;
    bool ok = child != NULL;
    if (ok && s->p->c->nodes[node].dir)
      ok = cfs_tree_add(&s->tree, child, true, NULL, 0, 0) == DCKPT_OK &&
           add_dir(s, es, node, child, depth + 1);
    else if (ok)
      ok = add_file(s, child, node);
    free(child);
    if (!ok) return false;
  }
  return true;
}

static void decode(dckpt_cfs_state *s, uint64_t choice) {
  const dckpt_cfs_point *p = s->p;
  for (size_t i = 0; i < p->n_optional; i++, choice /= 2)
    s->digits[i] = (uint8_t)(choice % 2);
  for (size_t i = 0; i < p->n_pend; i++) {
    s->digits[p->n_optional + i] = (uint8_t)(choice % p->pend[i].radix);
    choice /= p->pend[i].radix;
  }
}

int dckpt_cfs_state_build(dckpt_cfs_point *p, uint64_t choice, uint64_t seed,
                          dckpt_cfs_state **out, dckpt_err *err) {
  *out = NULL;
  if (choice >= p->count)
    return dckpt_err_set(err, DCKPT_EINVAL, "crash point %zu has %llu states, not %llu",
                         p->k, (unsigned long long)p->count,
                         (unsigned long long)choice + 1);
  dckpt_cfs_state *s = calloc(1, sizeof *s);
  if (s) s->digits = calloc(p->n_optional + p->n_pend + 1, 1);
  entries es = {0};
  bool ok = s && s->digits;
  if (ok) {
    s->p = p;
    s->seed = seed;
    decode(s, choice);
    ok = build_names(s, &es) && add_dir(s, &es, 0, NULL, 0);
  }
  free(es.e);
  if (!ok) {
    dckpt_cfs_state_free(s);
    return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory building crash state");
  }
  cfs_tree_sort(&s->tree);
  s->hash = cfs_tree_hash(&s->tree);
  *out = s;
  return DCKPT_OK;
}

void dckpt_cfs_state_free(dckpt_cfs_state *s) {
  if (!s) return;
  cfs_tree_free(&s->tree);
  free(s->digits);
  free(s);
}

uint64_t dckpt_cfs_state_hash(const dckpt_cfs_state *s) {
  return s->hash;
}

int dckpt_cfs_state_write(const dckpt_cfs_state *s, const char *dest, dckpt_err *err) {
  return cfs_tree_write(&s->tree, dest, err);
}

void dckpt_cfs_state_describe(const dckpt_cfs_state *s, char *buf, size_t len) {
  const dckpt_cfs_point *p = s->p;
  size_t used = 0;
#define ADD_(...)                                                                        \
  do {                                                                                   \
    if (used < len) used += (size_t)snprintf(buf + used, len - used, __VA_ARGS__);       \
  } while (0)
  ADD_("%zu unsynced name operation(s), %zu file(s) with unsynced data", p->n_optional,
       p->n_pend);
  for (size_t i = 0; i < p->n_optional; i++)
    ADD_("\n    %s %s", s->digits[i] ? "lost:" : "kept:", p->c->ops[p->optional[i]].text);
  for (size_t i = 0; i < p->n_pend; i++) {
    const cfs_pending *pd = &p->pend[i];
    unsigned d = s->digits[p->n_optional + i];
    ADD_("\n    data of %s (%zu changed block(s)): ", p->c->nodes[pd->node].shown,
         pd->n_changed);
    if (d < 4)
      ADD_("%s", pattern_names[d]);
    else
      ADD_("torn after %zu changed block(s)", pd->torn[d - 4]);
  }
#undef ADD_
}

int dckpt_cfs_check_final(dckpt_cfs *c, const char *root, const char *const *ignore,
                          dckpt_err *err) {
  dckpt_cfs_point *p = NULL;
  dckpt_cfs_state *s = NULL;
  cfs_tree disk = {0};
  int rc = dckpt_cfs_point_open(c, c->n_ops, &p, err);
  if (rc == DCKPT_OK) rc = dckpt_cfs_state_build(p, 0, 0, &s, err);
  if (rc == DCKPT_OK) rc = cfs_tree_snapshot(root, &disk, err);
  if (rc == DCKPT_OK) rc = cfs_tree_compare(&s->tree, &disk, ignore, err);
  if (rc == DCKPT_ECORRUPT)
    dckpt_err_wrap(
        err, "the trace of the calls under '%s' does not explain what is there", root);
  cfs_tree_free(&disk);
  dckpt_cfs_state_free(s);
  dckpt_cfs_point_free(p);
  return rc;
}
