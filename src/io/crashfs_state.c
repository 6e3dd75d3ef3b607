/* Crash points of the model (io/crashfs.h): what each file holds after the
 * first k records, which files have unsynced data and which name operations
 * may be lost. The states themselves are built in crashfs_build.c. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/crashfs_internal.h"

/* ---- file contents ---- */

bool cfs_buf_resize(cfs_buf *b, size_t len) {
  if (len > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < len)
      cap *= 2;
    uint8_t *grown = realloc(b->p, cap);
    if (!grown) return false;
    b->p = grown;
    b->cap = cap;
  }
  if (len > b->len) memset(b->p + b->len, 0, len - b->len);
  b->len = len;
  return true;
}

static bool buf_init(cfs_buf *b, const dckpt_cfs *c, int node) {
  int base = c->nodes[node].base;
  size_t len = base >= 0 ? c->base.items[base].len : 0;
  b->set = true;
  b->len = 0;
  if (!cfs_buf_resize(b, len)) return false;
  if (len) memcpy(b->p, c->base.items[base].data, len);
  return true;
}

static bool buf_apply(cfs_buf *b, const cfs_op *op) {
  if (op->r.kind == DCKPT_TR_TRUNCATE) {
    if (op->r.off < b->len) b->len = (size_t)op->r.off;
    return cfs_buf_resize(b, (size_t)op->r.off);
  }
  size_t end = (size_t)(op->r.off + op->r.len);
  if (end > b->len && !cfs_buf_resize(b, end)) return false;
  memcpy(b->p + op->r.off, op->data, (size_t)op->r.len);
  return true;
}

bool cfs_buf_copy(cfs_buf *dst, const cfs_buf *src) {
  dst->set = true;
  dst->len = 0;
  if (!cfs_buf_resize(dst, src->len)) return false;
  if (src->len) memcpy(dst->p, src->p, src->len);
  return true;
}

/* ---- a point ---- */

void dckpt_cfs_point_free(dckpt_cfs_point *p) {
  if (!p) return;
  for (size_t i = 0; p->content && i < p->c->n_nodes; i++)
    free(p->content[i].p);
  for (size_t i = 0; i < p->n_pend; i++) {
    free(p->pend[i].durable.p);
    free(p->pend[i].changed);
  }
  free(p->content);
  free(p->optional);
  free(p->pend);
  free(p->pend_of);
  free(p);
}

static bool block_differs(const cfs_buf *a, const cfs_buf *b, size_t blk) {
  size_t lo = blk * CFS_BLOCK;
  size_t ea = a->len < lo ? lo : (a->len < lo + CFS_BLOCK ? a->len : lo + CFS_BLOCK);
  size_t eb = b->len < lo ? lo : (b->len < lo + CFS_BLOCK ? b->len : lo + CFS_BLOCK);
  return ea != eb || (ea > lo && memcmp(a->p + lo, b->p + lo, ea - lo) != 0);
}

/* Which blocks changed since the last sync, and where torn patterns cut. */
static bool find_changes(cfs_pending *pd, const cfs_buf *full) {
  size_t len = pd->durable.len > full->len ? pd->durable.len : full->len;
  size_t blocks = (len + CFS_BLOCK - 1) / CFS_BLOCK;
  pd->changed = malloc((blocks + 1) * sizeof *pd->changed);
  if (!pd->changed) return false;
  for (size_t b = 0; b < blocks; b++)
    if (block_differs(&pd->durable, full, b)) pd->changed[pd->n_changed++] = b;
  size_t cuts = pd->n_changed > 1 ? pd->n_changed - 1 : 0;
  pd->n_torn = (uint32_t)(cuts < CFS_MAX_TORN ? cuts : CFS_MAX_TORN);
  for (uint32_t t = 0; t < pd->n_torn; t++)
    pd->torn[t] = cuts <= CFS_MAX_TORN ? t + 1 : 1 + t * (cuts - 1) / (CFS_MAX_TORN - 1);
  pd->radix = 4 + pd->n_torn;
  return true;
}

/* Contents after the first k records, and the durable part of each file
 * with unsynced data (its records before the last covering fsync form a
 * prefix, since a later record is never synced earlier). */
static bool replay_data(dckpt_cfs_point *p) {
  const dckpt_cfs *c = p->c;
  for (size_t j = 0; j < p->k; j++) {
    const cfs_op *op = &c->ops[j];
    if (!cfs_is_data_op(op)) continue;
    cfs_buf *b = &p->content[op->node];
    if (!b->set && !buf_init(b, c, op->node)) return false;
    int pi = p->pend_of[op->node];
    if (op->sync < p->k || pi >= 0) {
      if (!buf_apply(b, op)) return false;
      continue;
    }
    /* first unsynced record of this file: what is on disk now is durable */
    cfs_pending *pd = &p->pend[p->n_pend];
    *pd = (cfs_pending){.node = op->node};
    if (!cfs_buf_copy(&pd->durable, b)) return false;
    p->pend_of[op->node] = (int)p->n_pend++;
    if (!buf_apply(b, op)) return false;
  }
  for (size_t i = 0; i < p->n_pend; i++)
    if (!find_changes(&p->pend[i], &p->content[p->pend[i].node])) return false;
  return true;
}

/* The number of choices; saturates at UINT64_MAX (then the choices above it
 * are not reachable by number: the names' digits come first, so a sample
 * still varies them). */
static void count_choices(dckpt_cfs_point *p) {
  uint64_t n = 1;
  bool over = p->n_optional >= 63;
  if (!over) n <<= p->n_optional;
  for (size_t i = 0; i < p->n_pend && !over; i++) {
    over = n > UINT64_MAX / p->pend[i].radix;
    n *= p->pend[i].radix;
  }
  p->count = over ? UINT64_MAX : n;
}

int dckpt_cfs_point_open(dckpt_cfs *c, size_t k, dckpt_cfs_point **out, dckpt_err *err) {
  *out = NULL;
  if (k > c->n_ops)
    return dckpt_err_set(err, DCKPT_EINVAL,
                         "crash point %zu is past the log (%zu records)", k, c->n_ops);
  dckpt_cfs_point *p = calloc(1, sizeof *p);
  if (p) {
    p->c = c;
    p->k = k;
    p->content = calloc(c->n_nodes + 1, sizeof *p->content);
    p->pend = calloc(c->n_nodes + 1, sizeof *p->pend);
    p->pend_of = malloc((c->n_nodes + 1) * sizeof *p->pend_of);
    p->optional = malloc((k + 1) * sizeof *p->optional);
  }
  if (!p || !p->content || !p->pend || !p->pend_of || !p->optional) {
    dckpt_cfs_point_free(p);
    return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < c->n_nodes; i++)
    p->pend_of[i] = -1;
  for (size_t j = 0; j < k; j++)
    if (cfs_is_name_op(&c->ops[j]) && c->ops[j].sync >= k)
      p->optional[p->n_optional++] = j;
  if (!replay_data(p)) {
    dckpt_cfs_point_free(p);
    return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  }
  count_choices(p);
  *out = p;
  return DCKPT_OK;
}

uint64_t dckpt_cfs_point_count(const dckpt_cfs_point *p) {
  return p->count;
}

size_t dckpt_cfs_point_optional(const dckpt_cfs_point *p) {
  return p->n_optional;
}

size_t dckpt_cfs_point_pending(const dckpt_cfs_point *p) {
  return p->n_pend;
}

uint64_t dckpt_cfs_point_all_lost(const dckpt_cfs_point *p) {
  /* every name digit 1 (absent), every data digit 1 (lost) */
  if (p->count == UINT64_MAX) return 0; /* not reachable by number */
  uint64_t choice = 0, weight = 1;
  for (size_t i = 0; i < p->n_optional; i++, weight *= 2)
    choice += weight;
  for (size_t i = 0; i < p->n_pend; i++) {
    choice += weight;
    weight *= p->pend[i].radix;
  }
  return choice;
}
