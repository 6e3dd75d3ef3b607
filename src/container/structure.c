/* The structure of a whole container, checked before an unpack writes
 * anything (and by verify): trials own disjoint rows of index/files,
 * records disjoint rows of index/arrays, and arrays disjoint elements of the
 * pools. Every row that nobody owns is a padding row, all zeros (pack pads
 * each rank's region to whole chunks with them): a file or an array that no
 * trial or record owns would be dropped by unpack without a word. Shared
 * elements would let a small file expand into any amount of data on unpack;
 * shared rows would make one damaged row two trials'. The tables are read in
 * blocks, so memory stays bounded by the number of arrays, whatever the file
 * claims. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container/reader.h"

#define BLOCK 65536

typedef struct place {
  uint64_t pool, offset, count;
} place;

typedef struct range {
  uint64_t first, n;
} range;

typedef struct scan {
  dckpt_container *c;
  range *owned; /* rows of index/files: the root files, then every trial's */
  size_t n_owned, cap_owned;
  range *records; /* arrays rows of every record, in files order */
  size_t n_records, cap_records;
  place *places;
  size_t n_places, cap_places;
} scan;

static bool grow(void **p, size_t *cap, size_t need, size_t size) {
  if (need <= *cap) return true;
  size_t cap2 = *cap ? *cap : 1024;
  while (cap2 < need)
    cap2 *= 2;
  void *q = realloc(*p, cap2 * size);
  if (!q) return false;
  *p = q;
  *cap = cap2;
  return true;
}

static bool all_zero(const uint64_t *r, size_t ncols) {
  for (size_t i = 0; i < ncols; i++)
    if (r[i]) return false;
  return true;
}

static bool add_owned(scan *s, uint64_t first, uint64_t n) {
  if (!grow((void **)&s->owned, &s->cap_owned, s->n_owned + 1, sizeof *s->owned))
    return false;
  s->owned[s->n_owned++] = (range){first, n};
  return true;
}

/* Trials in order own increasing, disjoint ranges of index/files. */
static int check_trials(scan *s) {
  dckpt_container *c = s->c;
  uint64_t *rows = malloc(BLOCK * CTR_T_NCOLS * sizeof *rows), end = c->n_root;
  if (!rows || !add_owned(s, 0, c->n_root)) {
    free(rows);
    return ctr_cfail(c, DCKPT_ENOMEM, "out of memory");
  }
  int rc = DCKPT_OK;
  for (uint64_t at = 0; rc == DCKPT_OK && at < c->n_pairs; at += BLOCK) {
    uint64_t n = c->n_pairs - at < BLOCK ? c->n_pairs - at : BLOCK;
    rc = ctr_read_rows(c, c->trials, CTR_DS_TRIALS, CTR_T_NCOLS, at, n, rows);
    for (uint64_t i = 0; rc == DCKPT_OK && i < n; i++) {
      const uint64_t *r = rows + i * CTR_T_NCOLS;
      const char *bad =
          r[CTR_T_ROW_HASH] != ctr_row_hash(r, CTR_T_NCOLS)
              ? "its checksum does not match (the row is damaged)"
          : r[CTR_T_N_FILES] &&
                  (r[CTR_T_FIRST_FILE] < end || r[CTR_T_FIRST_FILE] > c->n_files ||
                   r[CTR_T_N_FILES] > c->n_files - r[CTR_T_FIRST_FILE])
              ? "its files overlap another trial's or lie out of bounds"
              : NULL;
      if (bad)
        rc = ctr_cfail(c, DCKPT_ECORRUPT, "'%s': row %llu of /%s is unusable: %s",
                       c->path, (unsigned long long)(at + i), CTR_DS_TRIALS, bad);
      else if (r[CTR_T_N_FILES]) {
        end = r[CTR_T_FIRST_FILE] + r[CTR_T_N_FILES];
        if (!add_owned(s, r[CTR_T_FIRST_FILE], r[CTR_T_N_FILES]))
          rc = ctr_cfail(c, DCKPT_ENOMEM, "out of memory");
      }
    }
  }
  free(rows);
  return rc;
}

/* Whether row `row` of a table lies in one of the sorted, disjoint ranges
 * rs[0..n); *k (the first range that may hold it) only moves forward. */
static bool owned_by(const range *rs, size_t n, size_t *k, uint64_t row) {
  while (*k < n && row - rs[*k].first >= rs[*k].n && row >= rs[*k].first)
    (*k)++;
  return *k < n && row >= rs[*k].first && row - rs[*k].first < rs[*k].n;
}

/* A row nobody owns must be padding (all zeros); an owned one must not. */
static int check_owner(dckpt_container *c, const char *table, const uint64_t *r,
                       size_t ncols, uint64_t row, bool owned, const char *owner) {
#define FMT "'%s': row %llu of /%s is unusable: %s%s%s"
  unsigned long long at = (unsigned long long)row;
  if (!owned && r[0] != 0)
    return ctr_cfail(c, DCKPT_ECORRUPT, FMT, c->path, at, table, "no ", owner,
                     " owns it (an orphaned row, which unpack would drop)");
  if (!owned && !all_zero(r, ncols))
    return ctr_cfail(c, DCKPT_ECORRUPT, FMT, c->path, at, table,
                     "it is a padding row (first column 0) that is not all zeros", "",
                     "");
  if (owned && r[0] == 0)
    return ctr_cfail(c, DCKPT_ECORRUPT, FMT, c->path, at, table,
                     "it is a padding row (first column 0) inside the rows of a ", owner,
                     "");
#undef FMT
  return DCKPT_OK;
}

/* Records in files order own increasing, disjoint ranges of index/arrays. */
static int collect_records(scan *s) {
  dckpt_container *c = s->c;
  uint64_t *rows = malloc(BLOCK * CTR_F_NCOLS * sizeof *rows), end = 0;
  if (!rows) return ctr_cfail(c, DCKPT_ENOMEM, "out of memory");
  int rc = DCKPT_OK;
  size_t k = 0; /* the owner (root or trial) of the current row, or the next */
  for (uint64_t at = 0; rc == DCKPT_OK && at < c->n_files; at += BLOCK) {
    uint64_t n = c->n_files - at < BLOCK ? c->n_files - at : BLOCK;
    rc = ctr_read_rows(c, c->files, CTR_DS_FILES, CTR_F_NCOLS, at, n, rows);
    for (uint64_t i = 0; rc == DCKPT_OK && i < n; i++) {
      const uint64_t *r = rows + i * CTR_F_NCOLS;
      char why[700];
      bool owned = owned_by(s->owned, s->n_owned, &k, at + i);
      rc = check_owner(c, CTR_DS_FILES, r, CTR_F_NCOLS, at + i, owned,
                       owned ? "trial" : "trial and no root file");
      if (rc != DCKPT_OK || r[CTR_F_KIND] == 0) continue; /* padding between ranks */
      if (ctr_check_file_row(c, r, at + i, why, sizeof why) != DCKPT_OK)
        rc = ctr_cfail(c, DCKPT_ECORRUPT, "%s", why);
      else if (r[CTR_F_N_ARRAYS] && r[CTR_F_FIRST_ARRAY] < end)
        rc = ctr_cfail(c, DCKPT_ECORRUPT,
                       "'%s': row %llu of /%s is unusable: its arrays overlap another "
                       "record's",
                       c->path, (unsigned long long)(at + i), CTR_DS_FILES);
      else if (r[CTR_F_N_ARRAYS]) {
        end = r[CTR_F_FIRST_ARRAY] + r[CTR_F_N_ARRAYS];
        if (!grow((void **)&s->records, &s->cap_records, s->n_records + 1,
                  sizeof *s->records))
          rc = ctr_cfail(c, DCKPT_ENOMEM, "out of memory");
        else
          s->records[s->n_records++] = (range){r[CTR_F_FIRST_ARRAY], r[CTR_F_N_ARRAYS]};
      }
    }
  }
  free(rows);
  return rc;
}

/* The elements of every array a record names (rows checked by hash). */
static int collect_places(scan *s) {
  dckpt_container *c = s->c;
  uint64_t *rows = malloc(BLOCK * CTR_A_NCOLS * sizeof *rows);
  if (!rows) return ctr_cfail(c, DCKPT_ENOMEM, "out of memory");
  int rc = DCKPT_OK;
  size_t k = 0; /* the record that owns the current row, or the next */
  for (uint64_t at = 0; rc == DCKPT_OK && at < c->n_arrays; at += BLOCK) {
    uint64_t n = c->n_arrays - at < BLOCK ? c->n_arrays - at : BLOCK;
    rc = ctr_read_rows(c, c->arrays, CTR_DS_ARRAYS, CTR_A_NCOLS, at, n, rows);
    for (uint64_t i = 0; rc == DCKPT_OK && i < n; i++) {
      uint64_t row = at + i;
      const uint64_t *r = rows + i * CTR_A_NCOLS;
      bool owned = owned_by(s->records, s->n_records, &k, row);
      if (!owned) { /* padding between ranks, all zeros */
        rc = check_owner(c, CTR_DS_ARRAYS, r, CTR_A_NCOLS, row, false, "record");
        continue;
      }
      int pool = ctr_pool_of_dtype((int)r[CTR_A_DTYPE]);
      const char *bad = r[CTR_A_ROW_HASH] != ctr_row_hash(r, CTR_A_NCOLS)
                            ? "its checksum does not match"
                        : pool < 0 ? "unknown dtype"
                        : r[CTR_A_OFFSET] > c->pool_len[pool] ||
                                r[CTR_A_COUNT] > c->pool_len[pool] - r[CTR_A_OFFSET]
                            ? "its elements lie past the end of their dataset"
                            : NULL;
      if (bad)
        rc = ctr_cfail(c, DCKPT_ECORRUPT, "'%s': row %llu of /%s is unusable: %s",
                       c->path, (unsigned long long)row, CTR_DS_ARRAYS, bad);
      else if (r[CTR_A_COUNT] && !grow((void **)&s->places, &s->cap_places,
                                       s->n_places + 1, sizeof *s->places))
        rc = ctr_cfail(c, DCKPT_ENOMEM, "out of memory");
      else if (r[CTR_A_COUNT])
        s->places[s->n_places++] =
            (place){(uint64_t)pool, r[CTR_A_OFFSET], r[CTR_A_COUNT]};
    }
  }
  free(rows);
  return rc;
}

static int cmp_place(const void *x, const void *y) {
  const place *a = x, *b = y;
  if (a->pool != b->pool) return a->pool < b->pool ? -1 : 1;
  return (a->offset > b->offset) - (a->offset < b->offset);
}

static int check_places(scan *s) {
  qsort(s->places, s->n_places, sizeof *s->places, cmp_place);
  for (size_t i = 1; i < s->n_places; i++) {
    const place *p = &s->places[i - 1], *q = &s->places[i];
    if (p->pool == q->pool && q->offset - p->offset < p->count)
      return ctr_cfail(s->c, DCKPT_ECORRUPT,
                       "'%s': two arrays share elements %llu.. of /%s (an index that "
                       "names the same data twice is refused)",
                       s->c->path, (unsigned long long)q->offset,
                       ctr_pool_path((int)q->pool));
  }
  return DCKPT_OK;
}

int ctr_check_structure(dckpt_container *c) {
  scan s;
  memset(&s, 0, sizeof s);
  s.c = c;
  int rc = check_trials(&s);
  if (rc == DCKPT_OK) rc = collect_records(&s);
  if (rc == DCKPT_OK) rc = collect_places(&s);
  if (rc == DCKPT_OK) rc = check_places(&s);
  free(s.owned);
  free(s.records);
  free(s.places);
  return rc;
}
