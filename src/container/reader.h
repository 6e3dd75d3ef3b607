/* The reading side of a container: the open file, its root entries, and a
 * cache of one page of trials. Every row is checked (its hash, its ranges,
 * its path) before it is used, and every size is bounded before anything
 * is allocated; a damaged row makes its trial (or root file) unreadable and
 * leaves the others readable. */
#ifndef DCKPT_CONTAINER_READER_H
#define DCKPT_CONTAINER_READER_H

#include <hdf5.h>

#include "container/ctr.h"
#include "container/layout.h"
#include "dckpt_container.h"

/** Trials per page of index/trials read at once. */
#define CTR_PAGE_TRIALS 64

/** One checked row of index/files, with its path and text. */
typedef struct ctr_entry {
  uint64_t row[CTR_F_NCOLS];
  uint64_t index; /* its row in index/files */
  char *path;     /* NUL-terminated */
  char *text;     /* the JSON header of a record, else the file's bytes */
  char *ident;    /* a record's identity JSON, or NULL */
  bool path_ok;   /* path read and checked (even if the rest is damaged) */
  int status;     /* DCKPT_OK, or why the entry cannot be used */
  char *why;      /* the message when status != OK */
} ctr_entry;

/** One trial of the cached page. Its rows are read with the page; its
 *  texts when the trial is first used. */
typedef struct ctr_trial {
  int64_t alg, trial;
  uint64_t row[CTR_T_NCOLS];
  ctr_entry *entries; /* its files, in index order */
  size_t n_entries;
  bool loaded; /* texts read and checked */
  int status;  /* DCKPT_OK, or why its rows cannot be used */
  char *why;
} ctr_trial;

struct dckpt_container {
  char *path;
  ctr_err err;
  bool failed_open;
  uint64_t file_bytes;
  hid_t file;
  hid_t pool[CTR_N_POOLS];
  uint64_t pool_len[CTR_N_POOLS];
  hid_t files, arrays, trials;
  uint64_t n_files, n_arrays, n_pairs;
  int64_t n_algs, n_trials;
  uint64_t n_root;
  ctr_entry *root; /* the root entries */
  void *meta;      /* metadata.json parsed (a cJSON *) once a record's identity
                      was checked, or NULL */
  /* the cached page: pairs [page_first, page_first + page_count) */
  int64_t page_first;
  size_t page_count;
  ctr_trial *page;
};

/** Fails on the handle with a message; returns status. */
int ctr_cfail(dckpt_container *c, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Reads rows [first, first + n) of a 2-D u64 table of `ncols` columns. */
int ctr_read_rows(dckpt_container *c, hid_t ds, const char *name, size_t ncols,
                  uint64_t first, uint64_t n, uint64_t *out);
/** Reads elements [off, off + n) of pool `p` into `out` (n * elem bytes). */
int ctr_read_pool(dckpt_container *c, int p, uint64_t off, uint64_t n, void *out);

/** Checks one files row (hash, kind, ranges) without its texts. */
int ctr_check_file_row(dckpt_container *c, const uint64_t *row, uint64_t index, char *why,
                       size_t whylen);
/** A piece of data/text read at once: elements [off, off + len). */
typedef struct ctr_span {
  const char *data;
  uint64_t off, len;
} ctr_span;
/** Reads and checks the texts (path, text, identity) of a checked row,
 *  taking them from `span` (may be NULL) where they lie in it. */
int ctr_load_entry(dckpt_container *c, ctr_entry *en, const ctr_span *span);
void ctr_entry_clear(ctr_entry *en);
/** Two of the n entries whose paths (read) are the same, in *a and *b (NULL
 *  when there are none); ENOMEM only. */
int ctr_find_same_path(dckpt_container *c, ctr_entry *es, size_t n, ctr_entry **a,
                       ctr_entry **b);
/** The message for two entries of the same path. */
void ctr_same_path_message(const dckpt_container *c, const ctr_entry *a,
                           const ctr_entry *b, char *msg, size_t len);

/** The cached trial (alg, trial), reading its page when needed. NULL with
 *  the handle's error when the pair is out of range or out of memory; a
 *  damaged trial is returned with status != OK. */
ctr_trial *ctr_get_trial(dckpt_container *c, int64_t alg, int64_t trial);
/** Drops the cached page. */
void ctr_drop_page(dckpt_container *c);

/**
 * The entry at `path` (relative to the directory): a root entry or a
 * trial's. ENOENT (message naming FILE/path) when the container has no such
 * file; the entry's status when it is damaged.
 */
int ctr_find(dckpt_container *c, const char *path, ctr_entry **out);

/** Checks the whole structure (structure.c): trials own disjoint rows of
 *  index/files, records of index/arrays, arrays disjoint elements. */
int ctr_check_structure(dckpt_container *c);

/** Whether metadata.json's `text` describes the plan of the root attributes
 *  (n_algorithms algorithms, n_trials trials): the attributes duplicate it,
 *  and unpack and the store must not trust one of two that disagree. Else
 *  ECORRUPT, `why` naming both. */
int ctr_check_meta_plan(dckpt_container *c, const char *text, char *why, size_t whylen);

/** Whether the store reads the container's metadata.json as it reads a
 *  run's (its own parser, the one owner of what that file may hold: a key
 *  twice, bytes after the object, fields out of range), through a store
 *  opened over `c` itself (store_source.c; not over the file at c->path
 *  opened again, which may be another file by now). The plan against the
 *  root attributes is ctr_check_meta_plan's. Else its status, `why` holding
 *  the store's message. */
int ctr_check_meta_by_store(dckpt_container *c, char *why, size_t whylen);

/** Loads the record of a checked entry, checking every array. */
int ctr_load_record(dckpt_container *c, ctr_entry *en, dckpt_record **out);

#endif
