/* What crashfs.c and crashfs_state.c share (test build only). */
#ifndef DCKPT_IO_CRASHFS_INTERNAL_H
#define DCKPT_IO_CRASHFS_INTERNAL_H

#include "io/crashfs.h"
#include "io/crashfs_tree.h"
#include "io/trace.h"

/** A file or directory of the model: one per item of the snapshot, one per
 *  create or mkdir in the log. */
typedef struct cfs_node {
  bool dir;
  uint64_t ino;
  int base;        /* index in the snapshot, or -1 for a node the log made */
  int base_parent; /* snapshot nodes: the directory node holding it */
  char *shown;     /* its path when it was made, for messages */
} cfs_node;

/** One record of the log, with inodes resolved to nodes (-1: none). */
typedef struct cfs_op {
  dckpt_trace_rec r;
  int node, dir, node2, dir2;
  char *name, *name2;
  const uint8_t *data; /* writes: inside the log buffer */
  size_t sync;         /* index of the fsync that makes it durable, or SIZE_MAX */
  char *text;
} cfs_op;

struct dckpt_cfs {
  char *root;
  cfs_tree base;
  cfs_node *nodes;
  size_t n_nodes, cap_nodes;
  cfs_op *ops;
  size_t n_ops;
  uint8_t *log;
  size_t log_len;
};

#define CFS_BLOCK    ((size_t)4096)
#define CFS_MAX_TORN 8

typedef struct cfs_buf {
  uint8_t *p;
  size_t len, cap;
  bool set;
} cfs_buf;

/** Sets the length (new bytes are zero). False when out of memory. */
bool cfs_buf_resize(cfs_buf *b, size_t len);
/** Makes dst a copy of src. False when out of memory. */
bool cfs_buf_copy(cfs_buf *dst, const cfs_buf *src);

/* A file with data that no fsync covers at this point: its synced contents
 * (durable), its newest (full), the 4 KiB blocks that differ, and how many
 * of those a torn pattern keeps. */
typedef struct cfs_pending {
  int node;
  cfs_buf durable;
  size_t *changed, n_changed;
  size_t torn[CFS_MAX_TORN];
  uint32_t n_torn, radix;
} cfs_pending;

struct dckpt_cfs_point {
  dckpt_cfs *c;
  size_t k;
  cfs_buf *content; /* per node: contents after the first k records */
  size_t *optional, n_optional;
  cfs_pending *pend;
  size_t n_pend;
  int *pend_of; /* per node: index in pend, or -1 */
  uint64_t count;
};

static inline bool cfs_is_data_op(const cfs_op *op) {
  return op->r.kind == DCKPT_TR_WRITE || op->r.kind == DCKPT_TR_TRUNCATE;
}

static inline bool cfs_is_name_op(const cfs_op *op) {
  switch (op->r.kind) {
  case DCKPT_TR_CREATE:
  case DCKPT_TR_MKDIR:
  case DCKPT_TR_RENAME:
  case DCKPT_TR_EXCHANGE:
  case DCKPT_TR_LINK:
  case DCKPT_TR_UNLINK:
  case DCKPT_TR_RMDIR: return true;
  default: return false;
  }
}

#endif
