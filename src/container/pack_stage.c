/* Staging one file of DIR for the next collective round: a record's arrays
 * go to the pools of their dtypes, texts (paths, names, JSON headers, JSON
 * files, other files) to data/text, and the file's and arrays' index rows
 * are added with places relative to this round's stage (pack_write.c moves
 * them to their places in the file after the round). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "container/pack.h"
#include "util/mem.h"

/* ---- staging ---- */

/* A pool's stage starts this small (texts, the RNG's and iteration's few
 * integers) and grows to the whole round's size once it needs more. */
#define STAGE_SMALL_BYTES ((uint64_t)256 << 10)

/* Stage buffers are big allocations (util/mem.h: huge pages from 1 MiB on),
 * sized for the whole round at once: first touching 64 MiB of small pages
 * cost a fault per 4 KiB, a fifth of a pack's time. A pool that holds little
 * (texts, the few integers of each record) keeps a small one instead of a
 * round-sized reservation of its own. Only what a round uses is ever backed
 * by memory, and every round of the pack reuses it. */
static int stage_reserve(pk_writer *w, int p, uint64_t elems, ctr_err *e) {
  uint64_t need = w->staged[p] + elems;
  if (need <= w->stage_cap[p]) return DCKPT_OK;
  uint64_t elem = ctr_pool_elem(p), small = STAGE_SMALL_BYTES / elem;
  uint64_t cap =
      need <= small && w->stage_cap[p] < small ? small : w->opts->buffer_bytes / elem + 1;
  while (cap < need && cap <= UINT64_MAX / 2) /* never wraps to 0 and spins */
    cap *= 2;
  if (cap < need) cap = need;
  if (cap > SIZE_MAX / ctr_pool_elem(p))
    return ctr_fail(e, DCKPT_ETOOBIG, "pack: %llu elements do not fit in memory",
                    (unsigned long long)cap);
  unsigned char *b = dckpt_big_alloc((size_t)cap * ctr_pool_elem(p));
  if (!b) return ctr_fail(e, DCKPT_ENOMEM, "pack: out of memory staging data");
  if (w->staged[p]) memcpy(b, w->stage[p], (size_t)w->staged[p] * ctr_pool_elem(p));
  free(w->stage[p]);
  w->stage[p] = b;
  w->stage_cap[p] = cap;
  return DCKPT_OK;
}

int pk_stage_pad(pk_writer *w, ctr_err *e) {
  for (int p = 0; p < CTR_N_POOLS; p++) {
    uint64_t chunk = w->chunk_elems[p], n = w->staged[p];
    uint64_t pad = n % chunk ? chunk - n % chunk : 0;
    if (!pad) continue;
    CTR_TRY(stage_reserve(w, p, pad, e));
    memset(w->stage[p] + n * ctr_pool_elem(p), 0, (size_t)(pad * ctr_pool_elem(p)));
    w->staged[p] += pad;
  }
  return DCKPT_OK;
}

/* Appends elements to pool p's stage; *local is their place in the stage. */
static int stage_put(pk_writer *w, int p, const void *data, uint64_t elems,
                     uint64_t *local, ctr_err *e) {
  CTR_TRY(stage_reserve(w, p, elems, e));
  size_t bytes = (size_t)elems * ctr_pool_elem(p);
  if (bytes) memcpy(w->stage[p] + w->staged[p] * ctr_pool_elem(p), data, bytes);
  *local = w->staged[p];
  w->staged[p] += elems;
  w->staged_bytes += bytes;
  w->raw_bytes += bytes;
  return DCKPT_OK;
}

static int pk_stage_text(pk_writer *w, const void *data, size_t len, uint64_t *off,
                         ctr_err *e) {
  return stage_put(w, CTR_POOL_TEXT, data, len, off, e);
}

void pk_writer_next_trial(pk_writer *w) {
  for (size_t i = 0; i < w->n_names; i++)
    free(w->names[i]);
  w->n_names = 0;
}

/* A name staged once per trial and round; *off its place in the text stage. */
static int pk_stage_name(pk_writer *w, const char *name, uint64_t *off, uint64_t *len,
                         ctr_err *e) {
  for (size_t i = 0; i < w->n_names; i++)
    if (!strcmp(w->names[i], name)) {
      *off = w->name_off[i];
      *len = w->name_len[i];
      return DCKPT_OK;
    }
  *len = strlen(name);
  CTR_TRY(pk_stage_text(w, name, (size_t)*len, off, e));
  if (w->n_names == w->cap_names) {
    size_t cap = w->cap_names ? 2 * w->cap_names : 64;
    char **n = realloc(w->names, cap * sizeof *n);
    if (n) w->names = n;
    uint64_t *o = n ? realloc(w->name_off, cap * sizeof *o) : NULL;
    if (o) w->name_off = o;
    uint64_t *l = o ? realloc(w->name_len, cap * sizeof *l) : NULL;
    if (l) w->name_len = l;
    if (!l) return DCKPT_OK; /* only the deduplication is lost */
    w->cap_names = cap;
  }
  char *copy = strdup(name);
  if (!copy) return DCKPT_OK;
  w->names[w->n_names] = copy;
  w->name_off[w->n_names] = *off;
  w->name_len[w->n_names++] = *len;
  return DCKPT_OK;
}

/* The index row of an array decoded into the stage at element `local` of
 * its pool: its place, shape, name and hash (of the staged elements). */
static int pk_stage_array(pk_writer *w, const dckpt_array_info *a, uint64_t local,
                          uint64_t *row, ctr_err *e) {
  row[CTR_A_DTYPE] = (uint64_t)a->dtype;
  row[CTR_A_NDIM] = (uint64_t)a->ndim;
  for (int d = 0; d < a->ndim; d++)
    row[CTR_A_SHAPE0 + d] = a->shape[d];
  row[CTR_A_COUNT] = a->nelems;
  row[CTR_A_OFFSET] = local;
  const void *parts[2] = {a->name, a->data};
  const size_t lens[2] = {strlen(a->name), (size_t)a->nbytes};
  row[CTR_A_HASH] = ctr_hash_parts(2, parts, lens);
  return pk_stage_name(w, a->name, &row[CTR_A_NAME_OFF], &row[CTR_A_NAME_LEN], e);
}

/* Where a record's arrays are decoded (dckpt_record_read_into): straight
 * into the stage of each one's pool, room for all of them reserved first so
 * that no stage moves while the record is decoded into it. */
typedef struct placing {
  pk_writer *w;
  ctr_err *e;
  uint64_t *local; /* each array's first element in its pool's stage */
  size_t n;
  bool refused; /* place_in_stage failed: its message is in e */
} placing;

static int place_arrays(placing *pl, size_t n, const dckpt_array_info *arrays,
                        void **dest) {
  pk_writer *w = pl->w;
  uint64_t need[CTR_N_POOLS] = {0};
  for (size_t i = 0; i < n; i++) {
    int p = ctr_pool_of_dtype((int)arrays[i].dtype);
    if (p < 0)
      return ctr_fail(pl->e, DCKPT_EINVAL, "pack: array '%s' has an unknown dtype",
                      arrays[i].name);
    need[p] += arrays[i].nelems;
  }
  for (int p = 0; p < CTR_N_POOLS; p++)
    if (need[p]) CTR_TRY(stage_reserve(w, p, need[p], pl->e));
  pl->local = malloc((n ? n : 1) * sizeof *pl->local);
  if (!pl->local) return ctr_fail(pl->e, DCKPT_ENOMEM, "pack: out of memory");
  pl->n = n;
  for (size_t i = 0; i < n; i++) {
    int p = ctr_pool_of_dtype((int)arrays[i].dtype);
    pl->local[i] = w->staged[p];
    dest[i] = arrays[i].nbytes ? w->stage[p] + w->staged[p] * ctr_pool_elem(p) : NULL;
    w->staged[p] += arrays[i].nelems;
    w->staged_bytes += arrays[i].nbytes;
    w->raw_bytes += arrays[i].nbytes;
  }
  return DCKPT_OK;
}

static int place_in_stage(void *ctx, size_t n, const dckpt_array_info *arrays,
                          void **dest) {
  placing *pl = ctx;
  int rc = place_arrays(pl, n, arrays, dest);
  pl->refused = rc != DCKPT_OK;
  return rc;
}

int pk_read_text(const char *path, uint64_t expect, char **data, size_t *len,
                 ctr_err *e) {
  *data = NULL;
  if (expect > CTR_MAX_TEXT)
    return ctr_fail(e, DCKPT_ETOOBIG,
                    "pack: '%s' has %llu bytes; a container keeps files of at most %llu",
                    path, (unsigned long long)expect, (unsigned long long)CTR_MAX_TEXT);
  FILE *f = fopen(path, "rb");
  if (!f) return ctr_fail_errno(e, errno, "pack: cannot open '%s'", path);
  char *buf = malloc((size_t)expect + 1);
  size_t n = buf ? fread(buf, 1, (size_t)expect + 1, f) : 0;
  int bad = !buf ? ENOMEM : ferror(f) ? EIO : 0;
  fclose(f);
  if (bad || n != expect) {
    free(buf);
    if (bad) return ctr_fail_errno(e, bad, "pack: cannot read '%s'", path);
    return ctr_fail(e, DCKPT_EIO, "pack: '%s' changed size while it was packed", path);
  }
  *data = buf;
  *len = n;
  return DCKPT_OK;
}

int pk_writer_set_meta(pk_writer *w, const char *path, char *text, size_t len,
                       ctr_err *e) {
  w->meta_text = text;
  w->meta_len = len;
  w->meta = cJSON_ParseWithLength(text, len);
  if (!cJSON_IsObject(w->meta)) {
    cJSON_Delete(w->meta);
    w->meta = NULL;
    return ctr_fail(e, DCKPT_ECORRUPT, "pack: '%s' is not a JSON object", path);
  }
  /* the plan the store read just before (written as the root attributes):
   * `dckpt extend` or a replaced metadata.json between the two reads would
   * publish a container that verify and unpack refuse */
  char what[100];
  if (ctr_meta_plan_is(w->meta, w->n_algs, w->n_trials, what, sizeof what))
    return DCKPT_OK;
  return ctr_fail(e, DCKPT_EIO,
                  "pack: '%s' changed while it was packed: it now describes %s, the pack "
                  "began with %lld x %lld (was the run extended or its metadata "
                  "replaced?); pack again",
                  path, what, (long long)w->n_algs, (long long)w->n_trials);
}

static int stage_text_file(pk_writer *w, const char *path, const pk_file *f,
                           uint64_t *row, ctr_err *e) {
  char *own = NULL; /* none for metadata.json: the bytes every rank checks against */
  size_t len = w->meta_len;
  if (f->kind != DCKPT_ENTRY_METADATA)
    CTR_TRY(pk_read_text(path, f->size, &own, &len, e));
  const char *data = own ? own : w->meta_text;
  row[CTR_F_TEXT_LEN] = len;
  const void *parts[2] = {f->rel, data};
  const size_t lens[2] = {strlen(f->rel), len};
  row[CTR_F_TEXTS_HASH] = ctr_hash_parts(2, parts, lens);
  int rc = pk_stage_text(w, data, len, &row[CTR_F_TEXT_OFF], e);
  free(own);
  return rc;
}

/* A record, read and checked once (dckpt_record_read_into: every checksum,
 * as dckpt_record_read) and decoded straight into the stage: no copy of its
 * arrays, no memory of its own. */
static int stage_record(pk_writer *w, const char *path, const char *rel, uint64_t *row,
                        ctr_err *e) {
  dckpt_file_info info;
  dckpt_record *rec = NULL;
  placing pl = {w, e, NULL, 0, false};
  int rc = dckpt_record_read_into(path, place_in_stage, &pl, &rec, &info);
  if (rc != DCKPT_OK) {
    if (!pl.refused) /* the file's fault, not the stage's */
      ctr_fail(e, rc, "pack: %s; run 'dckpt verify' on the directory", info.error);
    dckpt_record_free(rec);
    free(pl.local);
    return rc;
  }
  /* a record of another trial, iteration or run (checksums intact) is
   * refused as a damaged one is: the store would not load it, and unpack
   * would refuse the whole container */
  char why[600];
  if (!ctr_identity_fits(w->meta, row, dckpt_record_identity(rec), why, sizeof why)) {
    rc = ctr_fail(e, DCKPT_ECORRUPT, "pack: '%s' %s; run 'dckpt verify' on the directory",
                  path, why);
    dckpt_record_free(rec);
    free(pl.local);
    return rc;
  }
  row[CTR_F_REC_VERSION] = info.format_version;
  row[CTR_F_REC_LEVEL] = (uint64_t)(int64_t)info.level;
  /* the identity (format version 2) is kept, so that unpack writes it again */
  const char *header = dckpt_record_header(rec), *ident = dckpt_record_identity(rec);
  row[CTR_F_TEXT_LEN] = strlen(header);
  row[CTR_F_IDENT_LEN] = strlen(ident);
  const void *parts[3] = {rel, header, ident};
  const size_t lens[3] = {strlen(rel), strlen(header), strlen(ident)};
  row[CTR_F_TEXTS_HASH] = ctr_hash_parts(3, parts, lens);
  rc = pk_stage_text(w, header, strlen(header), &row[CTR_F_TEXT_OFF], e);
  if (rc == DCKPT_OK && *ident)
    rc = pk_stage_text(w, ident, strlen(ident), &row[CTR_F_IDENT_OFF], e);
  size_t n = dckpt_record_count(rec);
  row[CTR_F_FIRST_ARRAY] = n ? w->arrays.count : 0;
  row[CTR_F_N_ARRAYS] = n;
  for (size_t i = 0; rc == DCKPT_OK && i < n && i < pl.n; i++) {
    dckpt_array_info a;
    uint64_t *arow = pk_rows_add(&w->arrays);
    if (!arow) {
      rc = ctr_fail(e, DCKPT_ENOMEM, "pack: out of memory");
      break;
    }
    dckpt_record_at(rec, i, &a);
    rc = pk_stage_array(w, &a, pl.local[i], arow, e);
    row[CTR_F_RAW_BYTES] += a.nbytes;
  }
  w->n_arrays += n;
  dckpt_record_free(rec);
  free(pl.local);
  return rc;
}

int pk_writer_stage(pk_writer *w, const char *dir, const pk_file *f, ctr_err *e) {
  char path[4600];
  snprintf(path, sizeof path, "%s/%s", dir, f->rel);
  uint64_t *row = pk_rows_add(&w->files);
  if (!row) return ctr_fail(e, DCKPT_ENOMEM, "pack: out of memory");
  row[CTR_F_KIND] = (uint64_t)f->kind;
  row[CTR_F_ALG] = (uint64_t)f->alg;
  row[CTR_F_TRIAL] = (uint64_t)f->trial;
  row[CTR_F_ITERATION] = (uint64_t)f->iteration;
  row[CTR_F_PATH_LEN] = strlen(f->rel);
  CTR_TRY(pk_stage_text(w, f->rel, strlen(f->rel), &row[CTR_F_PATH_OFF], e));
  int rc = ctr_kind_is_record(f->kind) ? stage_record(w, path, f->rel, row, e)
                                       : stage_text_file(w, path, f, row, e);
  w->n_files++;
  w->source_bytes += f->size;
  return rc;
}
