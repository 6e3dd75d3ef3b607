/* Reading and checking rows of the index and ranges of the pools. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container/reader.h"
#include "format/codec.h"

int ctr_read_rows(dckpt_container *c, hid_t ds, const char *name, size_t ncols,
                  uint64_t first, uint64_t n, uint64_t *out) {
  if (n == 0) return DCKPT_OK;
  hsize_t start[2] = {first, 0}, count[2] = {n, ncols};
  hid_t fs = H5Dget_space(ds);
  hid_t ms = H5Screate_simple(2, count, NULL);
  bool ok = fs >= 0 && ms >= 0 &&
            H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
            H5Dread(ds, H5T_NATIVE_UINT64, ms, fs, H5P_DEFAULT, out) >= 0;
  ctr_h5_close(ms);
  ctr_h5_close(fs);
  if (!ok)
    return ctr_fail_h5(
        &c->err, DCKPT_ECORRUPT, "'%s': cannot read rows %llu..%llu of /%s", c->path,
        (unsigned long long)first, (unsigned long long)(first + n - 1), name);
  return DCKPT_OK;
}

static hid_t mem_type(int p) {
  switch (p) {
  case CTR_POOL_F64: return H5T_NATIVE_DOUBLE;
  case CTR_POOL_F32: return H5T_NATIVE_FLOAT;
  case CTR_POOL_I64: return H5T_NATIVE_INT64;
  case CTR_POOL_U64: return H5T_NATIVE_UINT64;
  default: return H5T_NATIVE_UINT8;
  }
}

int ctr_read_pool(dckpt_container *c, int p, uint64_t off, uint64_t n, void *out) {
  if (n == 0) return DCKPT_OK;
  if (off > c->pool_len[p] || n > c->pool_len[p] - off)
    return ctr_cfail(c, DCKPT_ECORRUPT,
                     "'%s': elements %llu..+%llu lie past the end of /%s", c->path,
                     (unsigned long long)off, (unsigned long long)n, ctr_pool_path(p));
  hsize_t start = off, count = n;
  hid_t fs = H5Dget_space(c->pool[p]);
  hid_t ms = H5Screate_simple(1, &count, NULL);
  bool ok = fs >= 0 && ms >= 0 &&
            H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL) >= 0 &&
            H5Dread(c->pool[p], mem_type(p), ms, fs, H5P_DEFAULT, out) >= 0;
  ctr_h5_close(ms);
  ctr_h5_close(fs);
  if (!ok)
    return ctr_fail_h5(&c->err, DCKPT_ECORRUPT,
                       "'%s': cannot read elements %llu..+%llu of /%s", c->path,
                       (unsigned long long)off, (unsigned long long)n, ctr_pool_path(p));
  return DCKPT_OK;
}

/* Whether [off, off + len) lies in a pool of `size` elements. */
static bool in_range(uint64_t off, uint64_t len, uint64_t size) {
  return off <= size && len <= size - off;
}

int ctr_check_file_row(dckpt_container *c, const uint64_t *r, uint64_t index, char *why,
                       size_t whylen) {
  uint64_t text = c->pool_len[CTR_POOL_TEXT];
  const char *bad = NULL;
  if (r[CTR_F_ROW_HASH] != ctr_row_hash(r, CTR_F_NCOLS))
    bad = "its checksum does not match (the row is damaged)";
  else if (r[CTR_F_KIND] < DCKPT_ENTRY_METADATA || r[CTR_F_KIND] > CTR_KIND_MAX)
    bad = "it names an unknown kind of file";
  else if (!in_range(r[CTR_F_PATH_OFF], r[CTR_F_PATH_LEN], text) ||
           !in_range(r[CTR_F_TEXT_OFF], r[CTR_F_TEXT_LEN], text) ||
           !in_range(r[CTR_F_IDENT_OFF], r[CTR_F_IDENT_LEN], text))
    bad = "a text it names lies past the end of /data/text";
  else if (r[CTR_F_PATH_LEN] > CTR_MAX_PATH || r[CTR_F_TEXT_LEN] > CTR_MAX_TEXT ||
           r[CTR_F_IDENT_LEN] > CTR_MAX_TEXT)
    bad = "a text it names is longer than a container allows";
  else if (ctr_kind_is_record((int)r[CTR_F_KIND])
               ? (r[CTR_F_N_ARRAYS] > CTR_MAX_ARRAYS ||
                  !in_range(r[CTR_F_FIRST_ARRAY], r[CTR_F_N_ARRAYS], c->n_arrays) ||
                  r[CTR_F_RAW_BYTES] > CTR_MAX_RECORD_BYTES)
               : r[CTR_F_N_ARRAYS] != 0)
    bad = "its range of arrays is out of bounds";
  else if (ctr_kind_is_record((int)r[CTR_F_KIND]) &&
           (r[CTR_F_REC_VERSION] < DCKPT_FORMAT_VERSION_1 ||
            r[CTR_F_REC_VERSION] > DCKPT_FORMAT_VERSION ||
            (r[CTR_F_REC_VERSION] == DCKPT_FORMAT_VERSION_1 && r[CTR_F_IDENT_LEN])))
    /* reported as the record's format version (dckpt dump): 1 (without an
     * identity) or 2 */
    bad = "its record's format version is not one a record file has";
  else if ((int64_t)r[CTR_F_REC_LEVEL] < INT32_MIN ||
           (int64_t)r[CTR_F_REC_LEVEL] > INT32_MAX)
    /* the record format's level field (an i32) is informational: any value
     * of it is kept, and unpack writes the levels dckpt cannot at 1 */
    bad = "its record's level is not a 32-bit integer";
  if (!bad) return DCKPT_OK;
  snprintf(why, whylen, "'%s': row %llu of /%s is unusable: %s", c->path,
           (unsigned long long)index, CTR_DS_FILES, bad);
  return DCKPT_ECORRUPT;
}

/* [off, off + len) of data/text as a NUL-terminated string: copied from
 * `span` (text elements [span_off, span_off + span_len)) when it lies there,
 * else read. */
static int get_text(dckpt_container *c, const ctr_span *span, uint64_t off, uint64_t len,
                    char **out) {
  *out = malloc((size_t)len + 1);
  if (!*out) return ctr_cfail(c, DCKPT_ENOMEM, "out of memory");
  int rc = DCKPT_OK;
  if (span && span->data && off >= span->off && len <= span->len &&
      off - span->off <= span->len - len)
    memcpy(*out, span->data + (off - span->off), (size_t)len);
  else
    rc = ctr_read_pool(c, CTR_POOL_TEXT, off, len, *out);
  if (rc != DCKPT_OK) {
    free(*out);
    *out = NULL;
    return rc;
  }
  (*out)[len] = '\0';
  return DCKPT_OK;
}

static int damaged(ctr_entry *en, int status, const char *msg) {
  en->status = status;
  free(en->why);
  en->why = strdup(msg);
  return status;
}

int ctr_load_entry(dckpt_container *c, ctr_entry *en, const ctr_span *span) {
  const uint64_t *r = en->row;
  char why[800];
  int rc = get_text(c, span, r[CTR_F_PATH_OFF], r[CTR_F_PATH_LEN], &en->path);
  if (rc == DCKPT_OK)
    rc = get_text(c, span, r[CTR_F_TEXT_OFF], r[CTR_F_TEXT_LEN], &en->text);
  if (rc == DCKPT_OK && r[CTR_F_IDENT_LEN])
    rc = get_text(c, span, r[CTR_F_IDENT_OFF], r[CTR_F_IDENT_LEN], &en->ident);
  if (rc != DCKPT_OK) return damaged(en, rc, c->err.msg);
  if (!ctr_path_valid((int)r[CTR_F_KIND], (int64_t)r[CTR_F_ALG], (int64_t)r[CTR_F_TRIAL],
                      (int64_t)r[CTR_F_ITERATION], en->path, (size_t)r[CTR_F_PATH_LEN],
                      why, sizeof why - 200)) {
    char msg[1000];
    snprintf(msg, sizeof msg, "'%s': row %llu of /%s is refused: %s", c->path,
             (unsigned long long)en->index, CTR_DS_FILES, why);
    return damaged(en, DCKPT_ECORRUPT, msg);
  }
  en->path_ok = true;
  const void *parts[3] = {en->path, en->text, en->ident};
  const size_t lens[3] = {(size_t)r[CTR_F_PATH_LEN], (size_t)r[CTR_F_TEXT_LEN],
                          (size_t)r[CTR_F_IDENT_LEN]};
  if (ctr_hash_parts(3, parts, lens) != r[CTR_F_TEXTS_HASH]) {
    char msg[1200];
    snprintf(msg, sizeof msg, "'%s/%s': checksum mismatch of its %s (%llu bytes)",
             c->path, en->path,
             ctr_kind_is_record((int)r[CTR_F_KIND]) ? "JSON header or identity" : "bytes",
             (unsigned long long)r[CTR_F_TEXT_LEN]);
    return damaged(en, DCKPT_ECORRUPT, msg);
  }
  en->status = DCKPT_OK;
  return DCKPT_OK;
}

static int cmp_entry_path(const void *x, const void *y) {
  const ctr_entry *a = *(const ctr_entry *const *)x, *b = *(const ctr_entry *const *)y;
  int d = strcmp(a->path, b->path);
  return d ? d : (a->index > b->index) - (a->index < b->index);
}

int ctr_find_same_path(dckpt_container *c, ctr_entry *es, size_t n, ctr_entry **a,
                       ctr_entry **b) {
  *a = *b = NULL;
  ctr_entry **by_path = malloc((n + 1) * sizeof *by_path);
  if (!by_path) return ctr_cfail(c, DCKPT_ENOMEM, "out of memory");
  size_t m = 0;
  for (size_t k = 0; k < n; k++)
    if (es[k].path_ok) by_path[m++] = &es[k];
  qsort(by_path, m, sizeof *by_path, cmp_entry_path);
  for (size_t k = 1; k < m && !*a; k++)
    if (!strcmp(by_path[k - 1]->path, by_path[k]->path)) {
      *a = by_path[k - 1];
      *b = by_path[k];
    }
  free(by_path);
  return DCKPT_OK;
}

void ctr_same_path_message(const dckpt_container *c, const ctr_entry *a,
                           const ctr_entry *b, char *msg, size_t len) {
  snprintf(msg, len,
           "'%s': rows %llu and %llu of /%s both name '%.300s' (a directory holds a "
           "file once: which of the two is the file cannot be told)",
           c->path, (unsigned long long)a->index, (unsigned long long)b->index,
           CTR_DS_FILES, a->path);
}
