/* Internals of perf/bench_container (see bench_container.c). */
#ifndef DCKPT_BENCH_CONTAINER_H
#define DCKPT_BENCH_CONTAINER_H

#include <stdbool.h>
#include <stdint.h>

typedef struct bc_opts {
  const char *work, *skip, *csv;
  int64_t algs, trials;
  uint64_t state, chunk, buffer; /* buffer: 0 for the pack's default */
  int ckpts, reps, level, reads, cold_reads;
  bool fsync, drop_caches;
  int64_t layout;
} bc_opts;

enum { BC_PACK, BC_RAW, BC_RAWREAD, BC_STORE, BC_N_OPS };
#define BC_MAX_REPS 64

typedef struct bc_result {
  double t[BC_N_OPS][BC_MAX_REPS];
  int n[BC_N_OPS];
  uint64_t raw_bytes;  /* arrays and texts the pack wrote */
  uint64_t file_bytes; /* container */
  uint64_t dir_bytes, dir_blocks, dir_files;
} bc_result;

int bc_rank(void);
int bc_size(void);
bool bc_skip(const bc_opts *o, const char *what);
void bc_drop_caches(const bc_opts *o);
/** Seconds since t0 on the slowest rank (collective). */
double bc_time_max(double t0);

/** Makes WORK/campaign once (collective). */
int bc_make_campaign(const bc_opts *o);
/** The timed operations, interleaved, reps times (collective). */
int bc_time_ops(const bc_opts *o, bc_result *res);
/** Sizes of the container and of the directory (collective). */
void bc_sizes(const bc_opts *o, bc_result *res);
/** Rank 0 reads single trials in place; prints its table. */
int bc_reads(const bc_opts *o, const bc_result *res);
/** Pooled against one dataset per array (collective). */
int bc_layout(const bc_opts *o);

#endif
