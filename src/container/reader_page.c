/* The trials of a container, a page at a time: the page's rows of
 * index/trials and index/files are read together; a trial's texts (paths,
 * markers, record headers) when the trial is first used, in one read when
 * they lie close together (pack writes a trial's texts together). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container/reader.h"

/* Texts of one trial read in one piece up to this many bytes. */
#define SPAN_MAX (4u << 20)
/* Rows of index/files read in one piece for a page up to this many. */
#define PAGE_ROWS_MAX 16384

static void trial_clear(ctr_trial *t) {
  for (size_t i = 0; i < t->n_entries; i++)
    ctr_entry_clear(&t->entries[i]);
  free(t->entries);
  free(t->why);
  memset(t, 0, sizeof *t);
}

void ctr_drop_page(dckpt_container *c) {
  for (size_t i = 0; c->page && i < c->page_count; i++)
    trial_clear(&c->page[i]);
  free(c->page);
  c->page = NULL;
  c->page_first = -1;
  c->page_count = 0;
}

static void trial_damaged(ctr_trial *t, const char *msg) {
  t->status = DCKPT_ECORRUPT;
  free(t->why);
  t->why = strdup(msg);
}

/* Checks a trials row; `prev_end` is where the previous trial's files end. */
static void check_trial_row(dckpt_container *c, ctr_trial *t, uint64_t index,
                            uint64_t prev_end) {
  const uint64_t *r = t->row;
  const char *bad = NULL;
  if (r[CTR_T_ROW_HASH] != ctr_row_hash(r, CTR_T_NCOLS))
    bad = "its checksum does not match (the row is damaged)";
  else if ((int64_t)r[CTR_T_ALG] != t->alg || (int64_t)r[CTR_T_TRIAL] != t->trial)
    bad = "it names another trial";
  else if (r[CTR_T_N_FILES] > CTR_MAX_TRIAL_FILES || r[CTR_T_FIRST_FILE] < c->n_root ||
           r[CTR_T_FIRST_FILE] > c->n_files ||
           r[CTR_T_N_FILES] > c->n_files - r[CTR_T_FIRST_FILE])
    bad = "its range of files is out of bounds";
  else if (r[CTR_T_N_FILES] && r[CTR_T_FIRST_FILE] < prev_end)
    bad = "its files overlap those of the trial before it";
  if (!bad) return;
  char msg[700];
  snprintf(msg, sizeof msg,
           "'%s': row %llu of /%s (algorithm %lld, trial %lld) is unusable: %s", c->path,
           (unsigned long long)index, CTR_DS_TRIALS, (long long)t->alg,
           (long long)t->trial, bad);
  trial_damaged(t, msg);
}

/* Gives trial t its files rows (from `rows`, which hold index/files rows
 * starting at row `base`), checked. */
static int take_rows(dckpt_container *c, ctr_trial *t, const uint64_t *rows,
                     uint64_t base) {
  uint64_t first = t->row[CTR_T_FIRST_FILE], n = t->row[CTR_T_N_FILES];
  t->entries = calloc((size_t)n + 1, sizeof *t->entries);
  if (!t->entries) return ctr_cfail(c, DCKPT_ENOMEM, "out of memory");
  t->n_entries = (size_t)n;
  for (uint64_t k = 0; k < n && t->status == DCKPT_OK; k++) {
    ctr_entry *en = &t->entries[k];
    char why[700];
    memcpy(en->row, rows + (first + k - base) * CTR_F_NCOLS, sizeof en->row);
    en->index = first + k;
    if (ctr_check_file_row(c, en->row, en->index, why, sizeof why) != DCKPT_OK)
      trial_damaged(t, why);
    else if ((int64_t)en->row[CTR_F_ALG] != t->alg ||
             (int64_t)en->row[CTR_F_TRIAL] != t->trial) {
      snprintf(why, sizeof why,
               "'%s': row %llu of /%s belongs to another trial than "
               "algorithm %lld, trial %lld, which names it",
               c->path, (unsigned long long)en->index, CTR_DS_FILES, (long long)t->alg,
               (long long)t->trial);
      trial_damaged(t, why);
    }
  }
  return DCKPT_OK;
}

/* Reads the files rows of the page's trials: in one piece when they lie
 * close together, else trial by trial. */
static int read_page_files(dckpt_container *c) {
  uint64_t lo = UINT64_MAX, hi = 0;
  for (size_t i = 0; i < c->page_count; i++) {
    const ctr_trial *t = &c->page[i];
    if (t->status != DCKPT_OK || !t->row[CTR_T_N_FILES]) continue;
    if (t->row[CTR_T_FIRST_FILE] < lo) lo = t->row[CTR_T_FIRST_FILE];
    if (t->row[CTR_T_FIRST_FILE] + t->row[CTR_T_N_FILES] > hi)
      hi = t->row[CTR_T_FIRST_FILE] + t->row[CTR_T_N_FILES];
  }
  if (hi <= lo) return DCKPT_OK;
  bool whole = hi - lo <= PAGE_ROWS_MAX;
  uint64_t *rows = NULL;
  if (whole) {
    rows = malloc((size_t)(hi - lo) * CTR_F_NCOLS * sizeof *rows);
    if (!rows) return ctr_cfail(c, DCKPT_ENOMEM, "out of memory");
    if (ctr_read_rows(c, c->files, CTR_DS_FILES, CTR_F_NCOLS, lo, hi - lo, rows)) {
      free(rows); /* the chunk is damaged: go trial by trial to find which */
      rows = NULL;
      whole = false;
    }
  }
  int rc = DCKPT_OK;
  for (size_t i = 0; rc == DCKPT_OK && i < c->page_count; i++) {
    ctr_trial *t = &c->page[i];
    uint64_t n = t->row[CTR_T_N_FILES], first = t->row[CTR_T_FIRST_FILE];
    if (t->status != DCKPT_OK || !n) continue;
    if (whole) {
      rc = take_rows(c, t, rows, lo);
      continue;
    }
    uint64_t *own = malloc((size_t)n * CTR_F_NCOLS * sizeof *own);
    if (!own)
      rc = ctr_cfail(c, DCKPT_ENOMEM, "out of memory");
    else if (ctr_read_rows(c, c->files, CTR_DS_FILES, CTR_F_NCOLS, first, n, own))
      trial_damaged(t, c->err.msg);
    else
      rc = take_rows(c, t, own, first);
    free(own);
  }
  free(rows);
  return rc;
}

static int load_page(dckpt_container *c, int64_t first) {
  ctr_drop_page(c);
  size_t count = (size_t)((uint64_t)first + CTR_PAGE_TRIALS <= c->n_pairs
                              ? CTR_PAGE_TRIALS
                              : c->n_pairs - (uint64_t)first);
  uint64_t *rows = malloc(count * CTR_T_NCOLS * sizeof *rows);
  c->page = calloc(count, sizeof *c->page);
  if (!rows || !c->page) {
    free(rows);
    return ctr_cfail(c, DCKPT_ENOMEM, "out of memory");
  }
  c->page_first = first;
  c->page_count = count;
  int rc = ctr_read_rows(c, c->trials, CTR_DS_TRIALS, CTR_T_NCOLS, (uint64_t)first, count,
                         rows);
  uint64_t prev_end = c->n_root;
  for (size_t i = 0; i < count; i++) {
    ctr_trial *t = &c->page[i];
    t->alg = (first + (int64_t)i) / c->n_trials;
    t->trial = (first + (int64_t)i) % c->n_trials;
    if (rc != DCKPT_OK) { /* the page's chunk of index/trials is damaged */
      trial_damaged(t, c->err.msg);
      continue;
    }
    memcpy(t->row, rows + i * CTR_T_NCOLS, sizeof t->row);
    check_trial_row(c, t, (uint64_t)first + i, i ? prev_end : 0);
    if (t->status == DCKPT_OK && t->row[CTR_T_N_FILES])
      prev_end = t->row[CTR_T_FIRST_FILE] + t->row[CTR_T_N_FILES];
  }
  free(rows);
  return read_page_files(c);
}

/* Reads the texts of a trial's entries, in one piece when they are close. */
static int load_texts(dckpt_container *c, ctr_trial *t) {
  uint64_t lo = UINT64_MAX, hi = 0;
  for (size_t k = 0; k < t->n_entries; k++) {
    const uint64_t *r = t->entries[k].row;
    const int refs[3][2] = {{CTR_F_PATH_OFF, CTR_F_PATH_LEN},
                            {CTR_F_TEXT_OFF, CTR_F_TEXT_LEN},
                            {CTR_F_IDENT_OFF, CTR_F_IDENT_LEN}};
    for (int j = 0; j < 3; j++) {
      if (!r[refs[j][1]]) continue;
      if (r[refs[j][0]] < lo) lo = r[refs[j][0]];
      if (r[refs[j][0]] + r[refs[j][1]] > hi) hi = r[refs[j][0]] + r[refs[j][1]];
    }
  }
  ctr_span span = {NULL, 0, 0};
  char *buf = NULL;
  if (hi > lo && hi - lo <= SPAN_MAX && (buf = malloc((size_t)(hi - lo))) &&
      ctr_read_pool(c, CTR_POOL_TEXT, lo, hi - lo, buf) == DCKPT_OK)
    span = (ctr_span){buf, lo, hi - lo};
  int rc = DCKPT_OK;
  for (size_t k = 0; rc == DCKPT_OK && k < t->n_entries; k++)
    if (ctr_load_entry(c, &t->entries[k], &span) == DCKPT_ENOMEM) rc = DCKPT_ENOMEM;
  free(buf);
  /* a path twice: readers would take the first, unpack write the last */
  ctr_entry *a = NULL, *b = NULL;
  if (rc == DCKPT_OK) rc = ctr_find_same_path(c, t->entries, t->n_entries, &a, &b);
  if (rc == DCKPT_OK && a) {
    char msg[800];
    ctr_same_path_message(c, a, b, msg, sizeof msg);
    trial_damaged(t, msg);
  }
  t->loaded = rc == DCKPT_OK;
  return rc;
}

ctr_trial *ctr_get_trial(dckpt_container *c, int64_t alg, int64_t trial) {
  if (alg < 0 || trial < 0 || alg >= c->n_algs || trial >= c->n_trials) {
    ctr_cfail(c, DCKPT_ENOENT,
              "'%s' has no trial %lld of algorithm %lld (it holds %lld algorithms x %lld "
              "trials)",
              c->path, (long long)trial, (long long)alg, (long long)c->n_algs,
              (long long)c->n_trials);
    return NULL;
  }
  int64_t pair = alg * c->n_trials + trial;
  int64_t first = pair / CTR_PAGE_TRIALS * CTR_PAGE_TRIALS;
  if (c->page_first != first && load_page(c, first) != DCKPT_OK) {
    ctr_drop_page(c);
    return NULL;
  }
  ctr_trial *t = &c->page[pair - first];
  if (t->status == DCKPT_OK && !t->loaded && load_texts(c, t) != DCKPT_OK) return NULL;
  return t;
}

/* The entry named `path` among `n`; NULL when none. When an entry whose
 * path could not be read is among them, *unknown points to it. */
static ctr_entry *find_in(ctr_entry *entries, size_t n, const char *path,
                          ctr_entry **unknown) {
  for (size_t k = 0; k < n; k++) {
    ctr_entry *e = &entries[k];
    if (e->path_ok && !strcmp(e->path, path)) return e;
    if (!e->path_ok && !*unknown) *unknown = e;
  }
  return NULL;
}

int ctr_find(dckpt_container *c, const char *path, ctr_entry **out) {
  *out = NULL;
  int64_t alg = -1, trial = -1;
  const char *name = NULL;
  ctr_entry *en = NULL, *unknown = NULL;
  if (ctr_parse_trial_path(path, &alg, &trial, &name)) {
    if (alg < c->n_algs && trial < c->n_trials) {
      ctr_trial *t = ctr_get_trial(c, alg, trial);
      if (!t) return c->err.status;
      if (t->status != DCKPT_OK) return ctr_cfail(c, t->status, "%s", t->why);
      en = find_in(t->entries, t->n_entries, path, &unknown);
    }
  } else {
    en = find_in(c->root, (size_t)c->n_root, path, &unknown);
  }
  if (!en && unknown) /* it may be the damaged one: say so, not "missing" */
    return ctr_cfail(c, unknown->status, "%s", unknown->why);
  if (!en)
    return ctr_cfail(c, DCKPT_ENOENT, "'%s/%s' is not in the container", c->path, path);
  if (en->status != DCKPT_OK) return ctr_cfail(c, en->status, "%s", en->why);
  *out = en;
  return DCKPT_OK;
}
