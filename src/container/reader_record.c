/* Loading one record from a container: its rows of index/arrays, checked
 * and bounded before anything is allocated, then each array's elements and
 * checksum. Only the chunks that hold the record are read. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container/reader.h"
#include "dckpt_experimental.h"

typedef struct arr {
  const uint64_t *row;
  int pool;
  uint64_t bytes;
} arr;

static int bad_row(dckpt_container *c, const ctr_entry *en, uint64_t index,
                   const char *why) {
  return ctr_cfail(c, DCKPT_ECORRUPT, "'%s/%s': row %llu of /%s is unusable: %s", c->path,
                   en->path, (unsigned long long)index, CTR_DS_ARRAYS, why);
}

/* Checks one arrays row; fills a. */
static int check_array(dckpt_container *c, const ctr_entry *en, const uint64_t *r,
                       uint64_t index, arr *a) {
  if (r[CTR_A_ROW_HASH] != ctr_row_hash(r, CTR_A_NCOLS))
    return bad_row(c, en, index, "its checksum does not match (the row is damaged)");
  a->row = r;
  a->pool = ctr_pool_of_dtype((int)r[CTR_A_DTYPE]);
  if (r[CTR_A_DTYPE] > DCKPT_BYTES || a->pool < 0 || r[CTR_A_NDIM] > DCKPT_MAX_NDIM)
    return bad_row(c, en, index, "unknown dtype or more than 8 dimensions");
  uint64_t count = 1;
  for (uint64_t d = 0; d < DCKPT_MAX_NDIM; d++) {
    uint64_t dim = r[CTR_A_SHAPE0 + d];
    if (d >= r[CTR_A_NDIM] ? dim != 0 : (dim && count > CTR_MAX_RECORD_BYTES / dim))
      return bad_row(c, en, index, "its shape is out of bounds");
    if (d < r[CTR_A_NDIM]) count *= dim;
  }
  size_t elem = ctr_pool_elem(a->pool);
  if (count != r[CTR_A_COUNT] || count > CTR_MAX_RECORD_BYTES / elem)
    return bad_row(c, en, index, "its element count does not match its shape");
  uint64_t len = c->pool_len[a->pool];
  if (r[CTR_A_OFFSET] > len || count > len - r[CTR_A_OFFSET])
    return bad_row(c, en, index, "its elements lie past the end of their dataset");
  uint64_t text = c->pool_len[CTR_POOL_TEXT];
  if (r[CTR_A_NAME_LEN] < 1 || r[CTR_A_NAME_LEN] > DCKPT_MAX_NAME ||
      r[CTR_A_NAME_OFF] > text || r[CTR_A_NAME_LEN] > text - r[CTR_A_NAME_OFF])
    return bad_row(c, en, index, "its name is out of bounds");
  a->bytes = count * elem;
  return DCKPT_OK;
}

static int cmp_place(const void *x, const void *y) {
  const arr *a = x, *b = y;
  if (a->pool != b->pool) return a->pool < b->pool ? -1 : 1;
  uint64_t p = a->row[CTR_A_OFFSET], q = b->row[CTR_A_OFFSET];
  return (p > q) - (p < q);
}

/* No two arrays share elements, so that the record holds no more than the
 * file does; the total must be what the files row says. */
static int check_layout(dckpt_container *c, const ctr_entry *en, arr *as, size_t n) {
  uint64_t total = 0;
  for (size_t i = 0; i < n; i++)
    total += as[i].bytes; /* each <= 2^40, n <= 65536: no overflow */
  if (total > CTR_MAX_RECORD_BYTES || total != en->row[CTR_F_RAW_BYTES])
    return ctr_cfail(c, DCKPT_ECORRUPT,
                     "'%s/%s': its arrays hold %llu bytes, its row of /%s says %llu",
                     c->path, en->path, (unsigned long long)total, CTR_DS_FILES,
                     (unsigned long long)en->row[CTR_F_RAW_BYTES]);
  arr *sorted = malloc((n + 1) * sizeof *sorted);
  if (!sorted) return ctr_cfail(c, DCKPT_ENOMEM, "out of memory");
  memcpy(sorted, as, n * sizeof *sorted);
  qsort(sorted, n, sizeof *sorted, cmp_place);
  int rc = DCKPT_OK;
  for (size_t i = 1; i < n && rc == DCKPT_OK; i++)
    if (sorted[i].pool == sorted[i - 1].pool && sorted[i - 1].row[CTR_A_COUNT] &&
        sorted[i].row[CTR_A_OFFSET] <
            sorted[i - 1].row[CTR_A_OFFSET] + sorted[i - 1].row[CTR_A_COUNT])
      rc = ctr_cfail(c, DCKPT_ECORRUPT,
                     "'%s/%s': two of its arrays overlap in /%s (elements from %llu)",
                     c->path, en->path, ctr_pool_path(sorted[i].pool),
                     (unsigned long long)sorted[i].row[CTR_A_OFFSET]);
  free(sorted);
  return rc;
}

static void shape_text(const uint64_t *r, char *buf, size_t len) {
  size_t n = (size_t)snprintf(buf, len, "[");
  for (uint64_t d = 0; d < r[CTR_A_NDIM] && n < len; d++)
    n += (size_t)snprintf(buf + n, len - n, "%s%llu", d ? ", " : "",
                          (unsigned long long)r[CTR_A_SHAPE0 + d]);
  if (n < len) snprintf(buf + n, len - n, "]");
}

/* Reads one array, checks its checksum and adds it to the record. */
static int add_array(dckpt_container *c, const ctr_entry *en, const arr *a,
                     dckpt_record *rec) {
  const uint64_t *r = a->row;
  char name[DCKPT_MAX_NAME + 1], shape[200];
  int rc = ctr_read_pool(c, CTR_POOL_TEXT, r[CTR_A_NAME_OFF], r[CTR_A_NAME_LEN], name);
  if (rc != DCKPT_OK) return rc;
  name[r[CTR_A_NAME_LEN]] = '\0';
  dckpt_array_info seen;
  size_t len = strlen(name);
  if (len != r[CTR_A_NAME_LEN]) /* a NUL inside was "empty or repeated" */
    return ctr_cfail(c, DCKPT_ECORRUPT,
                     "'%s/%s': array name '%s...' is invalid: a NUL byte at offset %zu",
                     c->path, en->path, name, len);
  if (dckpt_record_find(rec, name, &seen) == DCKPT_OK)
    return ctr_cfail(c, DCKPT_ECORRUPT, "'%s/%s': array name '%s' is repeated", c->path,
                     en->path, name);
  void *buf = malloc((size_t)a->bytes + 1);
  if (!buf) return ctr_cfail(c, DCKPT_ENOMEM, "out of memory for array '%s'", name);
  rc = ctr_read_pool(c, a->pool, r[CTR_A_OFFSET], r[CTR_A_COUNT], buf);
  shape_text(r, shape, sizeof shape);
  const void *parts[2] = {name, buf};
  const size_t lens[2] = {(size_t)r[CTR_A_NAME_LEN], (size_t)a->bytes};
  if (rc == DCKPT_OK && ctr_hash_parts(2, parts, lens) != r[CTR_A_HASH])
    rc = ctr_cfail(c, DCKPT_ECORRUPT,
                   "'%s/%s': array '%s' (%s %s) checksum mismatch: its name or its "
                   "elements in /%s are damaged",
                   c->path, en->path, name, dckpt_dtype_name((dckpt_dtype)r[CTR_A_DTYPE]),
                   shape, ctr_pool_path(a->pool));
  uint64_t dims[DCKPT_MAX_NDIM];
  for (int d = 0; d < DCKPT_MAX_NDIM; d++)
    dims[d] = r[CTR_A_SHAPE0 + d];
  if (rc == DCKPT_OK) {
    /* Tolerant of a name that is not UTF-8, as the reader of the record file
     * that pack read it from was (a record written before 475f4a0): what
     * pack accepted reads back, and unpack writes the same bytes again. */
    int prc = dckpt_record_put_tolerant(rec, name, (dckpt_dtype)r[CTR_A_DTYPE],
                                        (int)r[CTR_A_NDIM], dims, a->bytes ? buf : NULL);
    if (prc == DCKPT_ENOMEM)
      rc = ctr_cfail(c, prc, "out of memory");
    else if (prc != DCKPT_OK)
      rc = ctr_cfail(c, DCKPT_ECORRUPT, "'%s/%s': array '%s' is refused: %s", c->path,
                     en->path, name, dckpt_record_errmsg(rec));
  }
  free(buf);
  return rc;
}

/* ---- identity: the record belongs where its row puts it ---- */

static const char *kind_name(int kind) {
  switch (kind) {
  case DCKPT_ENTRY_PROBLEM: return "problem";
  case DCKPT_ENTRY_INITIAL: return "initial";
  case DCKPT_ENTRY_METRICS: return "metrics";
  case DCKPT_ENTRY_CHECKPOINT: return "checkpoint";
  case DCKPT_ENTRY_SEGMENT: return "metrics_segment";
  default: return "?";
  }
}

static bool same_str(const cJSON *v, const char *want) {
  return want ? cJSON_IsString(v) && !strcmp(v->valuestring, want) : v == NULL;
}

static bool same_int(const cJSON *v, int64_t want) {
  return cJSON_IsNumber(v) && v->valuedouble == (double)want;
}

/* The record's identity (format.md) must name the place its row gives it:
 * the run of metadata.json, the kind of the row, and for a checkpoint or
 * segment its algorithm (index and name), trial and number. A run with an
 * id writes an identity into every record. As the store over a directory
 * checks it, so that a record of another trial, iteration or run is refused
 * by pack, and one put into a crafted container is refused, not unpacked. */
bool ctr_identity_fits(const cJSON *meta, const uint64_t *row, const char *ident,
                       char *why, size_t whylen) {
  const cJSON *run = cJSON_GetObjectItemCaseSensitive(meta, "run_id");
  const char *run_id = cJSON_IsString(run) ? run->valuestring : NULL;
  int kind = (int)row[CTR_F_KIND];
  bool ok;
  cJSON *id = ident && *ident ? cJSON_Parse(ident) : NULL;
  if (!ident || !*ident) {
    ok = !run_id; /* a run made before identities */
  } else {
    ok = cJSON_IsObject(id) &&
         same_str(cJSON_GetObjectItemCaseSensitive(id, "run"), run_id) &&
         same_str(cJSON_GetObjectItemCaseSensitive(id, "kind"), kind_name(kind));
    if (ok && (kind == DCKPT_ENTRY_CHECKPOINT || kind == DCKPT_ENTRY_SEGMENT)) {
      int64_t alg = (int64_t)row[CTR_F_ALG];
      const cJSON *algs = cJSON_GetObjectItemCaseSensitive(meta, "algorithms");
      const cJSON *name = cJSON_GetObjectItemCaseSensitive(
          cJSON_GetArrayItem(algs, alg >= 0 && alg < INT32_MAX ? (int)alg : -1), "name");
      ok =
          same_int(cJSON_GetObjectItemCaseSensitive(id, "alg"), alg) &&
          same_int(cJSON_GetObjectItemCaseSensitive(id, "trial"),
                   (int64_t)row[CTR_F_TRIAL]) &&
          same_int(cJSON_GetObjectItemCaseSensitive(
                       id, kind == DCKPT_ENTRY_SEGMENT ? "segment" : "iteration"),
                   (int64_t)row[CTR_F_ITERATION]) &&
          (!cJSON_IsString(name) ||
           same_str(cJSON_GetObjectItemCaseSensitive(id, "alg_name"), name->valuestring));
    }
  }
  cJSON_Delete(id);
  if (ok) return true;
  if (!ident || !*ident)
    snprintf(why, whylen,
             "carries no identity, so it was not written for this run (run %s)", run_id);
  else
    snprintf(why, whylen,
             "belongs elsewhere: its identity %.300s does not name this place of run %s",
             ident, run_id ? run_id : "(without an id)");
  return false;
}

bool ctr_meta_plan_is(const cJSON *meta, int64_t n_algs, int64_t n_trials, char *what,
                      size_t whatlen) {
  const cJSON *algs = cJSON_GetObjectItemCaseSensitive(meta, "algorithms");
  const cJSON *nt = cJSON_GetObjectItemCaseSensitive(meta, "n_trials");
  if (cJSON_IsArray(algs) && cJSON_IsNumber(nt) && cJSON_GetArraySize(algs) == n_algs &&
      nt->valuedouble == (double)n_trials)
    return true;
  char a[40], t[40];
  if (cJSON_IsArray(algs))
    snprintf(a, sizeof a, "%d", cJSON_GetArraySize(algs));
  else
    snprintf(a, sizeof a, "%s", "no \"algorithms\" array of");
  if (cJSON_IsNumber(nt))
    snprintf(t, sizeof t, "%.17g", nt->valuedouble);
  else
    snprintf(t, sizeof t, "%s", "no \"n_trials\" number of");
  snprintf(what, whatlen, "%s algorithms x %s trials", a, t);
  return false;
}

int ctr_check_meta_plan(dckpt_container *c, const char *text, char *why, size_t whylen) {
  cJSON *j = cJSON_Parse(text);
  char what[100];
  bool ok = ctr_meta_plan_is(j, c->n_algs, c->n_trials, what, sizeof what);
  cJSON_Delete(j);
  if (ok) return DCKPT_OK;
  snprintf(why, whylen,
           "'%s': its metadata.json describes %s, its root attributes %s x %s = %lld x "
           "%lld: the two disagree (which one is the run cannot be told)",
           c->path, what, CTR_ATTR_N_ALGS, CTR_ATTR_N_TRIALS, (long long)c->n_algs,
           (long long)c->n_trials);
  return DCKPT_ECORRUPT;
}

static int check_identity(dckpt_container *c, const ctr_entry *en) {
  if (!c->meta) { /* parsed once, freed by dckpt_container_close */
    const ctr_entry *meta = NULL;
    for (uint64_t i = 0; i < c->n_root && !meta; i++)
      if (c->root[i].row[CTR_F_KIND] == DCKPT_ENTRY_METADATA) meta = &c->root[i];
    c->meta = meta && meta->status == DCKPT_OK ? cJSON_Parse(meta->text) : NULL;
    if (!cJSON_IsObject(c->meta)) {
      cJSON_Delete(c->meta);
      c->meta = NULL;
      return ctr_cfail(c, DCKPT_ECORRUPT,
                       "'%s/%s': its identity cannot be checked: the container's "
                       "metadata.json is missing or damaged",
                       c->path, en->path);
    }
  }
  char why[600];
  if (ctr_identity_fits(c->meta, en->row, en->ident, why, sizeof why)) return DCKPT_OK;
  return ctr_cfail(c, DCKPT_ECORRUPT, "'%s/%s' %s", c->path, en->path, why);
}

int ctr_load_record(dckpt_container *c, ctr_entry *en, dckpt_record **out) {
  *out = NULL;
  uint64_t first = en->row[CTR_F_FIRST_ARRAY], n = en->row[CTR_F_N_ARRAYS];
  uint64_t *rows = malloc((size_t)n * CTR_A_NCOLS * sizeof *rows + 1);
  arr *as = calloc((size_t)n + 1, sizeof *as);
  dckpt_record *rec = dckpt_record_create();
  int rc = rows && as && rec ? DCKPT_OK : ctr_cfail(c, DCKPT_ENOMEM, "out of memory");
  if (rc == DCKPT_OK)
    rc = ctr_read_rows(c, c->arrays, CTR_DS_ARRAYS, CTR_A_NCOLS, first, n, rows);
  for (uint64_t i = 0; rc == DCKPT_OK && i < n; i++)
    rc = check_array(c, en, rows + i * CTR_A_NCOLS, first + i, &as[i]);
  if (rc == DCKPT_OK) rc = check_layout(c, en, as, (size_t)n);
  /* Tolerant: the record file it was packed from may hold a header written
   * before dckpt_record_set_header() refused bytes after the object, a key
   * twice, text that is not UTF-8 or 1e999, and reads back with it as is. */
  if (rc == DCKPT_OK && dckpt_record_set_header_tolerant(rec, en->text) != DCKPT_OK)
    rc = ctr_cfail(c, DCKPT_ECORRUPT, "'%s/%s': its JSON header is refused: %s", c->path,
                   en->path, dckpt_record_errmsg(rec));
  if (rc == DCKPT_OK) rc = check_identity(c, en);
  if (rc == DCKPT_OK && en->ident &&
      dckpt_record_set_identity(rec, en->ident) != DCKPT_OK)
    rc = ctr_cfail(c, DCKPT_ECORRUPT, "'%s/%s': its identity is refused: %s", c->path,
                   en->path, dckpt_record_errmsg(rec));
  for (uint64_t i = 0; rc == DCKPT_OK && i < n; i++)
    rc = add_array(c, en, &as[i], rec);
  free(rows);
  free(as);
  if (rc != DCKPT_OK) {
    dckpt_record_free(rec);
    return rc;
  }
  *out = rec;
  return DCKPT_OK;
}
