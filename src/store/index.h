/* The completion index: which pairs are complete, as a cache of the markers
 * (complete.json). One file per run instance, DIR/index/run-<instance>.idx;
 * readers take the union of every file that belongs to this run and whose
 * per-algorithm iteration stamp matches metadata.json. Layout of a file in
 * docs/format.md, "Completion index"; the rules in docs/design.md. */
#ifndef DCKPT_STORE_INDEX_H
#define DCKPT_STORE_INDEX_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store_internal.h"

/** Version of the index file format. */
#define DCKPT_INDEX_VERSION 1

/** A directory's identity and last change, as recorded at a commit. */
typedef struct dckpt_dir_stamp {
  uint64_t ino;
  int64_t mtime_ns; /* -1: unknown (never matches) */
} dckpt_dir_stamp;

struct dckpt_index {
  char *index_dir;                   /* DIR/index */
  char *run_dir;                     /* DIR */
  char run_id[DCKPT_RUN_ID_LEN + 1]; /* "" for runs without an id */
  uint64_t key;                      /* hash of the algorithm names */
  char instance[17];                 /* this instance's file: run-<instance>.idx */
  size_t n_algs;
  int64_t n_trials;      /* bitmap width */
  size_t stride;         /* bytes per algorithm */
  int64_t *iterations;   /* the stamp of each algorithm's bits */
  uint8_t *bits;         /* n_algs x stride */
  dckpt_dir_stamp *dirs; /* per algorithm: as the files read recorded it */
  bool *dirs_agree;      /* the files read agree on dirs[a] */
  bool *changed;         /* per algorithm: bits changed since dirs[a] was taken */
  char **merged;         /* other index files read: removed by a compaction */
  size_t n_merged;
  uint64_t sequence;
  dckpt_err err; /* the last commit's failure (dckpt_index_errmsg) */
  bool dirty, may_compact, durable;
  void (*hook)(void *ctx, const char *step);
  void *hook_ctx;
};

/** An empty index for the run `m` describes (stamps = its iterations), with
 *  a new instance id; the handle's durability, hook and lock decide how it
 *  commits. */
int dckpt_index_create(dckpt_store *s, const dckpt_metadata *m, dckpt_index **out);

/** The bytes of this instance's file (malloc'd; NULL when out of memory). */
uint8_t *dckpt_index_encode(const dckpt_index *ix, size_t *len);

/** What loading the files found. */
typedef struct dckpt_index_found {
  int files;       /* index files found */
  int ignored;     /* of those, not used: damaged, another run, another plan */
  char note[1024]; /* the first reason a file was ignored */
} dckpt_index_found;

/** Lists DIR/index and merges every usable file into `ix` (or, with
 *  `names_only`, only remembers the files for a later compaction). */
int dckpt_index_load(dckpt_store *s, dckpt_index *ix, bool names_only,
                     dckpt_index_found *out);

/** Merges one file into `ix` when it belongs to the run (*used); otherwise
 *  `why` says why not ("" when the file is gone). DCKPT_ENOMEM only. */
int dckpt_index_read_file(dckpt_index *ix, const char *path, bool *used, char *why,
                          size_t wlen);

bool dckpt_index_has(const dckpt_index *ix, int64_t alg, int64_t trial);
void dckpt_index_set(dckpt_index *ix, int64_t alg, int64_t trial, bool on);
/** Pairs listed for `alg` (all algorithms: -1). */
int64_t dckpt_index_count(const dckpt_index *ix, int64_t alg);
/** The k-th listed pair (k < dckpt_index_count(ix, -1)). */
void dckpt_index_nth(const dckpt_index *ix, int64_t k, int64_t *alg, int64_t *trial);
/** Forgets every listed pair (a distrusted index); keeps the files to merge. */
void dckpt_index_clear(dckpt_index *ix);

/**
 * Removes pairs from the index on disk before their markers go: every
 * algorithm `a` with algs[a] (algs may be NULL), or the one pair (alg, trial)
 * when alg >= 0. When a file lists any of them, the union without them is
 * written as a new file and every other file is removed, durably, before
 * this returns; nothing is written when none is listed.
 */
int dckpt_index_forget(dckpt_store *s, const bool *algs, int64_t alg, int64_t trial);

#endif
