/* Reusable temporaries for saving and loading records: the one-shot paths'
 * record-sized buffers (saves below DCKPT_STREAM_MIN, compressed loads up to
 * DCKPT_READ_WHOLE_MAX), above them the rings between the two threads of a
 * streamed save or load, and the zstd
 * contexts. Allocated per call, glibc hands them back to the kernel on free
 * (they lie above its mmap or trim threshold), so every save and load
 * faulted in fresh zeroed pages: ~40-55 % of the CPU of a 1 MiB save or load,
 * most of a 4 MiB one. A caller that saves or loads repeatedly (the store
 * handle) keeps one dckpt_scratch and passes it to every call; the pages and
 * zstd contexts then stay mapped and warm. The record-file calls, which have
 * no handle, borrow the process's shared one, whose kept thread then stays,
 * asleep, until the process exits or unloads the library (a destructor
 * frees the shared scratch then). Nothing in it outlives a call's
 * use of it: the record a load returns never points into the scratch. Not
 * thread-safe: one user at a time. */
#ifndef DCKPT_FORMAT_SCRATCH_H
#define DCKPT_FORMAT_SCRATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zstd.h>

/** The two buffers a call may need at once: for a small save the encoded
 *  file and the shuffled arrays; for a small load the payload read from the
 *  file and its decompressed bytes; for a large load the read chunk (or the
 *  reader thread's ring of chunks, decode.c) and the shuffle block. Grow-only;
 * zero-initialise, free with dckpt_scratch_free. */
enum { DCKPT_SCRATCH_A = 0, DCKPT_SCRATCH_B = 1 };

typedef struct dckpt_scratch {
  void *buf[2];
  size_t cap[2];
  ZSTD_CCtx *cctx; /* one-shot compression (small saves) */
  ZSTD_DCtx *dctx; /* every decompression */
  /* The thread kept for the second thread of the pipelines (a streamed
   * save's compressor, a large load's reader; util/worker.h): created with
   * the first such call, joined by dckpt_scratch_free. Whoever holds the
   * scratch finds it asleep, not waiting for a core to start on. */
  struct dckpt_helper *helper;
} dckpt_scratch;

/** Buffer `slot` with room for at least `n` bytes (contents not kept when it
 *  grows), or NULL when out of memory (the scratch stays valid). */
void *dckpt_scratch_get(dckpt_scratch *s, int slot, size_t n);

/** The scratch's decompression context, created on first use (NULL when out
 *  of memory). Reset before it is handed out. */
ZSTD_DCtx *dckpt_scratch_dctx(dckpt_scratch *s);

/** The scratch's compression context, reset and set to `level` with
 *  `raw_len` pledged and `workers` zstd threads (0: none), or NULL when out
 *  of memory. */
ZSTD_CCtx *dckpt_scratch_cctx(dckpt_scratch *s, int level, int workers, uint64_t raw_len);

/** A compression context of its own (not kept in a scratch) for `level`,
 *  content size `raw_len` pledged, with `workers` zstd threads (0: none);
 *  NULL when out of memory. Free with ZSTD_freeCCtx. */
ZSTD_CCtx *dckpt_make_cctx(int level, int workers, uint64_t raw_len);

/** The scratch's kept thread (created here on first use, not started until
 *  its first job), or NULL when out of memory: the job then runs on a
 *  thread of its own (dckpt_worker_start_on). */
struct dckpt_helper *dckpt_scratch_helper(dckpt_scratch *s);

/** Frees what the scratch holds, joining its kept thread, and zeroes it
 *  (reusable). Accepts NULL. */
void dckpt_scratch_free(dckpt_scratch *s);

/** The process's shared scratch when no other call holds it (created when
 *  none exists yet). When another call holds it: with `or_new` a new one
 *  (for calls that have none of their own: the record-file API), else NULL
 *  (for callers with a scratch of their own to fall back on, the store's
 *  handle: one thread saving and loading through several handles and the
 *  record-file calls then finds the same warm buffers, while concurrent
 *  callers do not allocate). NULL also when out of memory (callers then work
 *  without). Hand it back with dckpt_scratch_give_back. */
dckpt_scratch *dckpt_scratch_borrow(bool or_new);
/** Keeps `s` (from a borrow) for the next borrower, or frees it (another one
 *  is kept already). Accepts NULL. */
void dckpt_scratch_give_back(dckpt_scratch *s);

#endif
