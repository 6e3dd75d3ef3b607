/* The crash model (io/crashfs.h): reading the log, resolving inodes to the
 * model's nodes, and when each record becomes durable. Crash points and
 * states are in crashfs_state.c. */
#define _GNU_SOURCE
#include "io/crashfs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/crashfs_internal.h"
#include "io/fs.h"
#include "io/path.h"

/* ---- nodes ---- */

static int add_node(dckpt_cfs *c, bool dir, uint64_t ino, int base, char *shown) {
  if (!shown) return -1;
  if (c->n_nodes == c->cap_nodes) {
    size_t cap = c->cap_nodes ? 2 * c->cap_nodes : 64;
    cfs_node *grown = realloc(c->nodes, cap * sizeof *grown);
    if (!grown) {
      free(shown);
      return -1;
    }
    c->nodes = grown;
    c->cap_nodes = cap;
  }
  c->nodes[c->n_nodes] = (cfs_node){dir, ino, base, -1, shown};
  return (int)c->n_nodes++;
}

/* The newest node with inode `ino` (an inode number freed by an unlink may
 * come back for a new file, which then shadows the old node). */
static int find_node(const dckpt_cfs *c, uint64_t ino) {
  for (size_t i = c->n_nodes; i-- > 0;)
    if (c->nodes[i].ino == ino) return (int)i;
  return -1;
}

/* Node 0 is the root; then one node per item of the snapshot, each knowing
 * the directory node that holds it. */
static int add_base_nodes(dckpt_cfs *c, uint64_t root_ino, dckpt_err *err) {
  if (add_node(c, true, root_ino, -1, strdup(".")) != 0)
    return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  for (size_t i = 0; i < c->base.n; i++) {
    const cfs_item *it = &c->base.items[i];
    int n = add_node(c, it->dir, it->ino, (int)i, strdup(it->path));
    if (n < 0) return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
    const char *slash = strrchr(it->path, '/');
    int parent = 0;
    for (size_t j = 1; slash && j < (size_t)n; j++)
      if (c->nodes[j].dir && strlen(c->nodes[j].shown) == (size_t)(slash - it->path) &&
          !strncmp(c->nodes[j].shown, it->path, (size_t)(slash - it->path)))
        parent = (int)j;
    c->nodes[n].base_parent = parent;
  }
  return DCKPT_OK;
}

int dckpt_cfs_create(const char *root, dckpt_cfs **out, dckpt_err *err) {
  *out = NULL;
  struct stat st;
  if (stat(root, &st) != 0) return dckpt_err_errno(err, errno, "cannot stat '%s'", root);
  dckpt_cfs *c = calloc(1, sizeof *c);
  if (!c || !(c->root = strdup(root))) {
    free(c);
    return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  }
  int rc = cfs_tree_snapshot(root, &c->base, err);
  if (rc == DCKPT_OK) rc = add_base_nodes(c, (uint64_t)st.st_ino, err);
  if (rc != DCKPT_OK) {
    dckpt_cfs_free(c);
    return rc;
  }
  *out = c;
  return DCKPT_OK;
}

void dckpt_cfs_free(dckpt_cfs *c) {
  if (!c) return;
  for (size_t i = 0; i < c->n_nodes; i++)
    free(c->nodes[i].shown);
  for (size_t i = 0; i < c->n_ops; i++) {
    free(c->ops[i].text);
    free(c->ops[i].name);
    free(c->ops[i].name2);
  }
  free(c->nodes);
  free(c->ops);
  free(c->log);
  cfs_tree_free(&c->base);
  free(c->root);
  free(c);
}

/* ---- reading the log ---- */

static const char *const kind_names[DCKPT_TR_KIND_END] = {
    [DCKPT_TR_CREATE] = "create",     [DCKPT_TR_MKDIR] = "mkdir",
    [DCKPT_TR_WRITE] = "write",       [DCKPT_TR_TRUNCATE] = "truncate",
    [DCKPT_TR_FSYNC] = "fsync",       [DCKPT_TR_SYNC_RANGE] = "sync_file_range",
    [DCKPT_TR_CLOSE] = "close",       [DCKPT_TR_RENAME] = "rename",
    [DCKPT_TR_EXCHANGE] = "exchange", [DCKPT_TR_LINK] = "link",
    [DCKPT_TR_UNLINK] = "unlink",     [DCKPT_TR_RMDIR] = "rmdir",
    [DCKPT_TR_MARK] = "mark",         [DCKPT_TR_NOOP] = "nothing",
    [DCKPT_TR_SYNCFS] = "syncfs",     [DCKPT_TR_TMPFILE] = "tmpfile"};

/* Copies a name out of the log, NUL-terminated (owned by the op). */
static char *take_name(const uint8_t *p, uint32_t len) {
  char *s = malloc((size_t)len + 1);
  if (!s) return NULL;
  memcpy(s, p, len);
  s[len] = '\0';
  return s;
}

static int split_records(dckpt_cfs *c, dckpt_err *err) {
  size_t cap = 0;
  for (size_t off = 0; off < c->log_len;) {
    dckpt_trace_rec r;
    if (c->log_len - off < sizeof r)
      return dckpt_err_set(err, DCKPT_ECORRUPT, "trace log: record %zu is cut short",
                           c->n_ops);
    memcpy(&r, c->log + off, sizeof r);
    uint64_t body =
        (uint64_t)r.name_len + r.name2_len + (r.kind == DCKPT_TR_WRITE ? r.len : 0);
    if (r.kind == 0 || r.kind >= DCKPT_TR_KIND_END || body > c->log_len - off - sizeof r)
      return dckpt_err_set(err, DCKPT_ECORRUPT, "trace log: record %zu is malformed",
                           c->n_ops);
    if (c->n_ops == cap) {
      cap = cap ? 2 * cap : 256;
      cfs_op *grown = realloc(c->ops, cap * sizeof *grown);
      if (!grown) return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
      c->ops = grown;
    }
    const uint8_t *p = c->log + off + sizeof r;
    cfs_op *op = &c->ops[c->n_ops++];
    *op = (cfs_op){.r = r, .node = -1, .dir = -1, .node2 = -1, .dir2 = -1};
    op->name = take_name(p, r.name_len);
    op->name2 = take_name(p + r.name_len, r.name2_len);
    op->data = p + r.name_len + r.name2_len;
    if (!op->name || !op->name2) return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
    off += sizeof r + (size_t)body;
  }
  return DCKPT_OK;
}

static int unknown(const dckpt_cfs *c, size_t i, uint64_t ino, dckpt_err *err) {
  return dckpt_err_set(err, DCKPT_ECORRUPT,
                       "trace log: record %zu (%s) touches inode %llu, which is not in "
                       "the tree under '%s'",
                       i, kind_names[c->ops[i].r.kind], (unsigned long long)ino, c->root);
}

/* Resolves `ino` to a node, or fails naming record i. */
static int need(const dckpt_cfs *c, size_t i, uint64_t ino, int *node, dckpt_err *err) {
  *node = find_node(c, ino);
  return *node >= 0 ? DCKPT_OK : unknown(c, i, ino, err);
}

static int resolve_new(dckpt_cfs *c, size_t i, dckpt_err *err) {
  cfs_op *op = &c->ops[i];
  DCKPT_TRY(need(c, i, op->r.dir, &op->dir, err));
  const char *parent = c->nodes[op->dir].shown;
  const char *name = op->r.kind == DCKPT_TR_TMPFILE ? "(unnamed)" : op->name;
  char *shown = op->dir == 0 ? strdup(name) : dckpt_path_join(parent, name);
  op->node = add_node(c, op->r.kind == DCKPT_TR_MKDIR, op->r.ino, -1, shown);
  return op->node >= 0 ? DCKPT_OK : dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
}

static int resolve(dckpt_cfs *c, size_t i, dckpt_err *err) {
  cfs_op *op = &c->ops[i];
  switch (op->r.kind) {
  case DCKPT_TR_CREATE:
  case DCKPT_TR_MKDIR:
  case DCKPT_TR_TMPFILE: return resolve_new(c, i, err);
  case DCKPT_TR_MARK:
  case DCKPT_TR_NOOP:
  case DCKPT_TR_SYNCFS: return DCKPT_OK;
  case DCKPT_TR_RENAME:
  case DCKPT_TR_EXCHANGE:
  case DCKPT_TR_LINK:
    DCKPT_TRY(need(c, i, op->r.dir2, &op->dir2, err));
    if (op->r.ino2) DCKPT_TRY(need(c, i, op->r.ino2, &op->node2, err));
    /* fall through */
  case DCKPT_TR_UNLINK:
  case DCKPT_TR_RMDIR: DCKPT_TRY(need(c, i, op->r.dir, &op->dir, err)); /* fall through */
  default: return need(c, i, op->r.ino, &op->node, err);
  }
}

/* When each record becomes durable: the first later fsync of the file it
 * writes, or of a directory whose names it changes, or the first later
 * syncfs, whichever comes first (SIZE_MAX: never). */
static void find_syncs(dckpt_cfs *c) {
  size_t *next = malloc(c->n_nodes * sizeof *next);
  if (!next) return; /* then nothing counts as synced: only more states */
  for (size_t i = 0; i < c->n_nodes; i++)
    next[i] = SIZE_MAX;
  size_t next_all = SIZE_MAX; /* the next syncfs */
  for (size_t j = c->n_ops; j-- > 0;) {
    cfs_op *op = &c->ops[j];
    op->sync = SIZE_MAX;
    if (op->r.kind == DCKPT_TR_SYNCFS) {
      next_all = j;
    } else if (op->r.kind == DCKPT_TR_FSYNC) {
      next[op->node] = j;
    } else if (cfs_is_data_op(op)) {
      op->sync = next[op->node];
    } else if (cfs_is_name_op(op)) {
      op->sync = op->dir >= 0 ? next[op->dir] : SIZE_MAX;
      if (op->dir2 >= 0 && next[op->dir2] < op->sync) op->sync = next[op->dir2];
    }
    if (next_all < op->sync && (cfs_is_data_op(op) || cfs_is_name_op(op)))
      op->sync = next_all;
  }
  free(next);
}

static char *describe_op(const dckpt_cfs *c, const cfs_op *op) {
  const char *k = kind_names[op->r.kind];
  const char *node = op->node >= 0 ? c->nodes[op->node].shown : "";
  const char *dir = op->dir >= 0 ? c->nodes[op->dir].shown : "";
  const char *dir2 = op->dir2 >= 0 ? c->nodes[op->dir2].shown : "";
  switch (op->r.kind) {
  case DCKPT_TR_MARK: return dckpt_path_printf("mark \"%s\"", op->name);
  case DCKPT_TR_SYNCFS: return dckpt_path_printf("syncfs");
  case DCKPT_TR_NOOP:
    return dckpt_path_printf("%s that changed nothing (%s)",
                             op->r.flags < DCKPT_TR_KIND_END && kind_names[op->r.flags]
                                 ? kind_names[op->r.flags]
                                 : "call",
                             op->r.off ? strerror((int)op->r.off) : "no error");
  case DCKPT_TR_WRITE:
    return dckpt_path_printf("write %s: %llu bytes at %llu", node,
                             (unsigned long long)op->r.len,
                             (unsigned long long)op->r.off);
  case DCKPT_TR_TRUNCATE:
    return dckpt_path_printf("truncate %s to %llu", node, (unsigned long long)op->r.off);
  case DCKPT_TR_RENAME:
  case DCKPT_TR_EXCHANGE:
  case DCKPT_TR_LINK:
    return dckpt_path_printf("%s %s/%s %s %s/%s", k, dir, op->name,
                             op->r.kind == DCKPT_TR_EXCHANGE ? "<->" : "->", dir2,
                             op->name2);
  case DCKPT_TR_UNLINK:
  case DCKPT_TR_RMDIR:
    return op->dir == 0 ? dckpt_path_printf("%s %s", k, op->name)
                        : dckpt_path_printf("%s %s/%s", k, dir, op->name);
  default: return dckpt_path_printf("%s %s", k, node);
  }
}

int dckpt_cfs_load(dckpt_cfs *c, const char *log_path, dckpt_err *err) {
  char *log = NULL;
  size_t len = 0;
  DCKPT_TRY(dckpt_read_file(log_path, UINT64_MAX >> 1, &log, &len, err));
  c->log = (uint8_t *)log;
  c->log_len = len;
  DCKPT_TRY(split_records(c, err));
  for (size_t i = 0; i < c->n_ops; i++)
    DCKPT_TRY(resolve(c, i, err));
  find_syncs(c);
  for (size_t i = 0; i < c->n_ops; i++)
    if (!(c->ops[i].text = describe_op(c, &c->ops[i])))
      return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  return DCKPT_OK;
}

size_t dckpt_cfs_n_records(const dckpt_cfs *c) {
  return c->n_ops;
}

int dckpt_cfs_record_kind(const dckpt_cfs *c, size_t i) {
  return i < c->n_ops ? (int)c->ops[i].r.kind : 0;
}

const char *dckpt_cfs_record_text(const dckpt_cfs *c, size_t i) {
  return i < c->n_ops ? c->ops[i].text : "(end)";
}

bool dckpt_cfs_is_crash_point(const dckpt_cfs *c, size_t k) {
  if (k == 0) return true;
  if (k > c->n_ops) return false;
  const cfs_op *op = &c->ops[k - 1];
  return cfs_is_data_op(op) || cfs_is_name_op(op) || op->r.kind == DCKPT_TR_MARK;
}

size_t dckpt_cfs_marks_before(const dckpt_cfs *c, size_t k) {
  size_t n = 0;
  for (size_t i = 0; i < k && i < c->n_ops; i++)
    n += c->ops[i].r.kind == DCKPT_TR_MARK;
  return n;
}
