/* The completion index in memory and its files: one bitmap per algorithm,
 * stamped with the iterations it was recorded at, written crash-safely as
 * DIR/index/run-<instance>.idx and merged (union) by readers. */
#define _GNU_SOURCE
#include "store/index.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "format/le.h"
#include "io/fs.h"
#include "io/path.h"
#include "io/walk.h"
#include "util/xxh.h"

#define MAGIC       "DCKPTIDX"
#define HEAD_BYTES  112 /* fixed header */
#define ALG_BYTES   24  /* per algorithm: iterations, directory inode, mtime */
#define TRAIL_BYTES 8   /* XXH3-64 of everything before */

static uint64_t names_key(const dckpt_metadata *m) {
  XXH3_state_t *st = XXH3_createState();
  if (!st) return 0;
  XXH3_64bits_reset(st);
  for (size_t a = 0; a < m->n_algorithms; a++)
    XXH3_64bits_update(st, m->algorithms[a].name, strlen(m->algorithms[a].name) + 1);
  uint64_t h = XXH3_64bits_digest(st);
  XXH3_freeState(st);
  return h;
}

static int make_instance(char out[17]) {
  char id[DCKPT_RUN_ID_LEN + 1];
  DCKPT_TRY(dckpt_make_run_id(id));
  memcpy(out, id, 16);
  out[16] = '\0';
  return DCKPT_OK;
}

void dckpt_index_free(dckpt_index *ix) {
  if (!ix) return;
  for (size_t i = 0; i < ix->n_merged; i++)
    free(ix->merged[i]);
  free(ix->merged);
  free(ix->index_dir);
  free(ix->run_dir);
  free(ix->iterations);
  free(ix->bits);
  free(ix->dirs);
  free(ix->dirs_agree);
  free(ix->changed);
  free(ix);
}

int dckpt_index_create(dckpt_store *s, const dckpt_metadata *m, dckpt_index **out) {
  *out = NULL;
  dckpt_index *ix = calloc(1, sizeof *ix);
  if (!ix) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  ix->n_algs = m->n_algorithms;
  ix->n_trials = m->n_trials;
  ix->stride = ((size_t)m->n_trials + 7) / 8;
  ix->index_dir = dckpt_layout_index_dir(s);
  ix->run_dir = strdup(s->dir);
  ix->iterations = calloc(ix->n_algs + 1, sizeof *ix->iterations);
  ix->bits = calloc(ix->n_algs * ix->stride + 1, 1);
  ix->dirs = calloc(ix->n_algs + 1, sizeof *ix->dirs);
  ix->dirs_agree = calloc(ix->n_algs + 1, sizeof *ix->dirs_agree);
  ix->changed = calloc(ix->n_algs + 1, sizeof *ix->changed);
  if (!ix->index_dir || !ix->run_dir || !ix->iterations || !ix->bits || !ix->dirs ||
      !ix->dirs_agree || !ix->changed) {
    dckpt_index_free(ix);
    return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  }
  for (size_t a = 0; a < ix->n_algs; a++) {
    ix->iterations[a] = m->algorithms[a].iterations;
    ix->dirs[a].mtime_ns = -1;
    ix->dirs_agree[a] = true;
  }
  if (m->run_id) snprintf(ix->run_id, sizeof ix->run_id, "%s", m->run_id);
  ix->key = names_key(m);
  ix->durable = dckpt_store_durable(s);
  ix->hook = s->x.step_hook;
  ix->hook_ctx = s->x.step_hook_ctx;
  ix->may_compact = s->lock.held;
  if (make_instance(ix->instance) != DCKPT_OK) {
    dckpt_index_free(ix);
    return dckpt_store_fail(s, DCKPT_EIO, "the kernel gave no random bytes");
  }
  *out = ix;
  return DCKPT_OK;
}

/* ---- bits ---- */

bool dckpt_index_has(const dckpt_index *ix, int64_t alg, int64_t trial) {
  if (alg < 0 || (size_t)alg >= ix->n_algs || trial < 0 || trial >= ix->n_trials)
    return false;
  return (ix->bits[(size_t)alg * ix->stride + (size_t)trial / 8] >> (trial % 8)) & 1;
}

void dckpt_index_set(dckpt_index *ix, int64_t alg, int64_t trial, bool on) {
  if (alg < 0 || (size_t)alg >= ix->n_algs || trial < 0 || trial >= ix->n_trials) return;
  uint8_t *b = &ix->bits[(size_t)alg * ix->stride + (size_t)trial / 8];
  uint8_t mask = (uint8_t)(1u << (trial % 8));
  uint8_t was = *b;
  *b = on ? (uint8_t)(was | mask) : (uint8_t)(was & ~mask);
  if (*b != was) ix->dirty = ix->changed[alg] = true;
}

int64_t dckpt_index_count(const dckpt_index *ix, int64_t alg) {
  size_t from = alg < 0 ? 0 : (size_t)alg * ix->stride;
  size_t to = alg < 0 ? ix->n_algs * ix->stride : from + ix->stride;
  int64_t n = 0;
  for (size_t i = from; i < to; i++)
    n += __builtin_popcount(ix->bits[i]);
  return n;
}

void dckpt_index_nth(const dckpt_index *ix, int64_t k, int64_t *alg, int64_t *trial) {
  for (size_t i = 0; i < ix->n_algs * ix->stride; i++) {
    int c = __builtin_popcount(ix->bits[i]);
    if (k >= c) {
      k -= c;
      continue;
    }
    for (int bit = 0; bit < 8; bit++)
      if (((ix->bits[i] >> bit) & 1) && k-- == 0) {
        *alg = (int64_t)(i / ix->stride);
        *trial = (int64_t)(i % ix->stride) * 8 + bit;
        return;
      }
  }
  *alg = *trial = -1;
}

void dckpt_index_clear(dckpt_index *ix) {
  if (dckpt_index_count(ix, -1) > 0) ix->dirty = true;
  memset(ix->bits, 0, ix->n_algs * ix->stride);
  for (size_t a = 0; a < ix->n_algs; a++)
    ix->changed[a] = true;
}

int dckpt_index_add(dckpt_index *ix, int64_t alg, int64_t trial) {
  if (!ix || alg < 0 || (size_t)alg >= ix->n_algs || trial < 0 || trial >= ix->n_trials)
    return DCKPT_EINVAL;
  dckpt_index_set(ix, alg, trial, true);
  return DCKPT_OK;
}

bool dckpt_index_dirty(const dckpt_index *ix) {
  return ix && ix->dirty;
}

/* ---- the file ---- */

static size_t file_size(size_t n_algs, size_t stride) {
  return HEAD_BYTES + n_algs * ALG_BYTES + n_algs * stride + TRAIL_BYTES;
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

uint8_t *dckpt_index_encode(const dckpt_index *ix, size_t *len) {
  size_t n = file_size(ix->n_algs, ix->stride);
  uint8_t *b = calloc(n, 1);
  if (!b) return NULL;
  memcpy(b, MAGIC, 8);
  dckpt_put_le32(b + 8, DCKPT_INDEX_VERSION);
  dckpt_put_le32(b + 12, HEAD_BYTES);
  memcpy(b + 16, ix->run_id, strlen(ix->run_id));
  memcpy(b + 48, ix->instance, 16);
  dckpt_put_le64(b + 64, ix->key);
  dckpt_put_le64(b + 72, (uint64_t)ix->n_algs);
  dckpt_put_le64(b + 80, (uint64_t)ix->n_trials);
  dckpt_put_le64(b + 88, ix->sequence);
  dckpt_put_le64(b + 96, (uint64_t)now_ns());
  uint8_t *p = b + HEAD_BYTES;
  for (size_t a = 0; a < ix->n_algs; a++, p += ALG_BYTES) {
    dckpt_put_le64(p, (uint64_t)ix->iterations[a]);
    dckpt_put_le64(p + 8, ix->dirs[a].ino);
    dckpt_put_le64(p + 16, (uint64_t)ix->dirs[a].mtime_ns);
  }
  memcpy(p, ix->bits, ix->n_algs * ix->stride);
  dckpt_put_le64(b + n - TRAIL_BYTES, XXH3_64bits(b, n - TRAIL_BYTES));
  *len = n;
  return b;
}

/* Checks a file's bytes against this run; fills `why` when it does not fit. */
static bool fits(const dckpt_index *ix, const uint8_t *b, size_t len, char *why,
                 size_t wlen) {
  if (len < HEAD_BYTES + TRAIL_BYTES || memcmp(b, MAGIC, 8) != 0) {
    snprintf(why, wlen, "not an index file");
    return false;
  }
  if (dckpt_le64(b + len - TRAIL_BYTES) != XXH3_64bits(b, len - TRAIL_BYTES)) {
    snprintf(why, wlen, "checksum mismatch (damaged)");
    return false;
  }
  if (dckpt_le32(b + 8) != DCKPT_INDEX_VERSION || dckpt_le32(b + 12) != HEAD_BYTES) {
    snprintf(why, wlen, "format version %u is not supported", dckpt_le32(b + 8));
    return false;
  }
  char id[DCKPT_RUN_ID_LEN + 1] = {0};
  memcpy(id, b + 16, DCKPT_RUN_ID_LEN);
  uint64_t n_algs = dckpt_le64(b + 72), n_trials = dckpt_le64(b + 80);
  if (strcmp(id, ix->run_id) != 0 || dckpt_le64(b + 64) != ix->key ||
      n_algs != ix->n_algs) {
    snprintf(why, wlen, "written for another run");
    return false;
  }
  if (n_trials > (uint64_t)DCKPT_MAX_TRIALS ||
      len != file_size(ix->n_algs, ((size_t)n_trials + 7) / 8)) {
    snprintf(why, wlen, "its size does not match its header");
    return false;
  }
  return true;
}

/* Merges a file that fits: the bits of algorithms whose stamp is current. */
static void merge(dckpt_index *ix, const uint8_t *b) {
  int64_t n_trials = (int64_t)dckpt_le64(b + 80);
  size_t stride = ((size_t)n_trials + 7) / 8;
  int64_t upto = n_trials < ix->n_trials ? n_trials : ix->n_trials;
  const uint8_t *bits = b + HEAD_BYTES + ix->n_algs * ALG_BYTES;
  for (size_t a = 0; a < ix->n_algs; a++) {
    const uint8_t *p = b + HEAD_BYTES + a * ALG_BYTES;
    if ((int64_t)dckpt_le64(p) != ix->iterations[a]) continue;
    bool any = false;
    for (int64_t t = 0; t < upto; t++)
      if ((bits[a * stride + (size_t)t / 8] >> (t % 8)) & 1) {
        any = true;
        ix->bits[a * ix->stride + (size_t)t / 8] |= (uint8_t)(1u << (t % 8));
      }
    if (!any) continue;
    dckpt_dir_stamp st = {dckpt_le64(p + 8), (int64_t)dckpt_le64(p + 16)};
    if (ix->dirs[a].mtime_ns == -1 && ix->dirs[a].ino == 0)
      ix->dirs[a] = st;
    else if (ix->dirs[a].ino != st.ino || ix->dirs[a].mtime_ns != st.mtime_ns)
      ix->dirs_agree[a] = false;
  }
}

typedef struct loader {
  dckpt_store *s;
  dckpt_index *ix;
  bool names_only;
  dckpt_index_found *out;
  int rc;
} loader;

static void ignored(loader *l, const char *path, const char *why) {
  l->out->ignored++;
  if (!l->out->note[0])
    snprintf(l->out->note, sizeof l->out->note, "index file '%.400s' is ignored: %.500s",
             path, why);
}

int dckpt_index_read_file(dckpt_index *ix, const char *path, bool *used, char *why,
                          size_t wlen) {
  *used = false;
  why[0] = '\0';
  char *data = NULL;
  size_t len = 0;
  dckpt_err e = {0};
  uint64_t max = file_size(ix->n_algs, (size_t)DCKPT_MAX_TRIALS / 8 + 1);
  int rc = dckpt_read_file(path, max, &data, &len, &e);
  if (rc == DCKPT_ENOMEM) return rc;
  if (rc == DCKPT_ENOENT) {
    /* removed by a compaction since the listing: nothing to merge */
  } else if (rc != DCKPT_OK) {
    snprintf(why, wlen, "%s", e.msg);
  } else if (fits(ix, (const uint8_t *)data, len, why, wlen)) {
    merge(ix, (const uint8_t *)data);
    *used = true;
  }
  free(data);
  return DCKPT_OK;
}

/* Reads one index file; a file that cannot be used is noted, not an error. */
static int load_one(loader *l, const char *path) {
  bool used = false;
  char why[1024];
  if (dckpt_index_read_file(l->ix, path, &used, why, sizeof why) != DCKPT_OK)
    return dckpt_store_fail(l->s, DCKPT_ENOMEM, "out of memory");
  if (!used && why[0]) ignored(l, path, why);
  return DCKPT_OK;
}

static int remember(dckpt_index *ix, const char *path) {
  char **m = realloc(ix->merged, (ix->n_merged + 1) * sizeof *m);
  if (!m) return DCKPT_ENOMEM;
  ix->merged = m;
  if (!(m[ix->n_merged] = strdup(path))) return DCKPT_ENOMEM;
  ix->n_merged++;
  return DCKPT_OK;
}

static int visit(void *ctx, const dckpt_walk_entry *e, dckpt_err *err) {
  (void)err;
  loader *l = ctx;
  if (!dckpt_layout_parse_index_file(e->name, NULL)) return DCKPT_OK;
  char *path = dckpt_path_join(l->ix->index_dir, e->name);
  if (!path || remember(l->ix, path) != DCKPT_OK) {
    free(path);
    return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  }
  l->out->files++;
  int rc = l->names_only ? DCKPT_OK : load_one(l, path);
  free(path);
  return rc;
}

int dckpt_index_load(dckpt_store *s, dckpt_index *ix, bool names_only,
                     dckpt_index_found *out) {
  memset(out, 0, sizeof *out);
  if (dckpt_src_active(s)) return DCKPT_OK; /* a source keeps no index */
  loader l = {s, ix, names_only, out, DCKPT_OK};
  int rc = dckpt_walk(ix->index_dir, DCKPT_WALK_MISSING_OK, visit, &l, &s->err);
  /* files of other runs, damaged ones and several files are merged into one
   * by the next compacting commit */
  if (rc == DCKPT_OK && (out->files > 1 || out->ignored > 0)) ix->dirty = true;
  return rc;
}
