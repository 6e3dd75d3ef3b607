/* Internals of dckpt_container_pack: what to pack (pack_scan.c), the
 * collective writer (pack_write.c) and the index rows they build. */
#ifndef DCKPT_CONTAINER_PACK_H
#define DCKPT_CONTAINER_PACK_H

#include <hdf5.h>
#include <mpi.h>

#include "container/ctr.h"
#include "container/layout.h"
#include "dckpt_container.h"

/* ---- what to pack ---- */

typedef struct pk_file {
  int kind; /* dckpt_entry_kind */
  int64_t alg, trial, iteration;
  char *rel;     /* path relative to DIR */
  uint64_t size; /* bytes on disk */
} pk_file;

typedef struct pk_list {
  pk_file *files;
  size_t count, cap;
} pk_list;

void pk_list_free(pk_list *l);

/** The root files of DIR to pack, in a fixed order (metadata.json first). */
int pk_scan_root(const char *dir, pk_list *out, const dckpt_logger *log, ctr_err *e);
/** The container format version a pack of these root files writes: the
 *  oldest that holds them (CTR_FORMAT_VERSION_NESTED when a file lies in a
 *  subdirectory of results/, else 2), so that an older reader refuses only
 *  the containers it cannot read, by their version. */
uint64_t pk_format_version(const pk_list *root);
/** The files of trial (alg, trial) to pack: checkpoints by iteration, then
 *  progress.json and complete.json; with final_only the newest committed
 *  checkpoint only. A missing trial directory gives an empty list. */
int pk_scan_trial(const char *dir, int64_t alg, int64_t trial, bool final_only,
                  pk_list *out, const dckpt_logger *log, ctr_err *e);

/* ---- rows of the index, built as files are staged ---- */

typedef struct pk_rows {
  uint64_t *rows; /* count x ncols */
  size_t count, cap, ncols;
} pk_rows;

/** Appends a zeroed row; NULL when out of memory. */
uint64_t *pk_rows_add(pk_rows *r);
void pk_rows_free(pk_rows *r);

/* ---- the writer ---- */

typedef struct pk_writer {
  MPI_Comm comm;
  int rank, size;
  const dckpt_pack_options *opts;
  const dckpt_logger *log;
  hid_t file;
  hid_t pool[CTR_N_POOLS];
  uint64_t pool_len[CTR_N_POOLS]; /* elements written so far (all ranks) */
  uint64_t chunk_elems[CTR_N_POOLS];
  /* this rank's data gathered for the next round */
  unsigned char *stage[CTR_N_POOLS];
  uint64_t staged[CTR_N_POOLS], stage_cap[CTR_N_POOLS]; /* elements */
  uint64_t staged_bytes;
  /* rows staged this round start here (their offsets are fixed up after it) */
  size_t round_files, round_arrays;
  pk_rows files, arrays;
  /* names already staged for the current trial (deduplicated in data/text) */
  char **names;
  uint64_t *name_off, *name_len;
  size_t n_names, cap_names;
  int rounds;
  uint64_t raw_bytes, source_bytes, n_files, n_arrays;
  /* DIR/metadata.json as rank 0 read it once at the start and sent to every
   * rank: the bytes packed, and (parsed, a cJSON *) what every record's
   * identity is checked against, so that a metadata.json replaced while the
   * pack runs cannot make the ranks check against other contents than
   * those packed */
  char *meta_text;
  size_t meta_len;
  void *meta;
  int64_t n_algs, n_trials; /* the plan the pack was made for (the attributes) */
} pk_writer;

/** Creates the file (collective) with its empty, extensible pools. */
int pk_writer_open(pk_writer *w, const char *tmp_path, ctr_err *e);
/** Reads a small file of DIR whole (at most CTR_MAX_TEXT bytes); `expect`
 *  is its size when listed (another size: it changed while packed). */
int pk_read_text(const char *path, uint64_t expect, char **data, size_t *len, ctr_err *e);
/** Takes over `text`, DIR/metadata.json (`path`) as read at the start of the
 *  pack, after checking it describes w's plan (n_algs x n_trials). */
int pk_writer_set_meta(pk_writer *w, const char *path, char *text, size_t len,
                       ctr_err *e);
/** Reads one file of DIR and stages it (its arrays or bytes, its rows).
 *  Local: no collective call. */
int pk_writer_stage(pk_writer *w, const char *dir, const pk_file *f, ctr_err *e);
/** Pads every stage with zeros to whole chunks, so that each rank writes whole
 *  chunks: none is shared, and none is left partly unwritten (a hole, in an
 *  unfiltered dataset, which the hole check would take for a lost write). */
int pk_stage_pad(pk_writer *w, ctr_err *e);
/** Forgets the names of the trial staged so far (call between trials). */
void pk_writer_next_trial(pk_writer *w);
/**
 * One collective write round: every rank writes what it staged (possibly
 * nothing) at chunk-aligned places of each pool. `status` is this rank's
 * state before the round; when any rank failed, nothing is written and every
 * rank returns the status and message of the lowest failed rank.
 * *all_done is true when every rank said `done`.
 */
int pk_writer_round(pk_writer *w, bool done, int status, ctr_err *e, bool *all_done);
/** Writes the index tables and the root attributes (collective). `trials`
 *  holds this rank's rows of index/trials, in order (first_file relative to
 *  its own files rows); together the ranks hold all n_algs x n_trials. */
int pk_writer_finish(pk_writer *w, pk_rows *trials, int64_t n_algs, int64_t n_trials,
                     uint64_t n_root, uint64_t format_version, ctr_err *e);
/** Closes the file (collective) and frees everything. */
int pk_writer_close(pk_writer *w, ctr_err *e);

/** Calls the options' step hook. */
void pk_step(const dckpt_pack_options *o, const char *step);

#endif
