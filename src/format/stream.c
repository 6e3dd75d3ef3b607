/* The streaming writer. The work of a large save is split in two halves of
 * about equal cost on two cores: a compressor thread runs zstd (which also
 * copies its input into its window), while the calling thread shuffles the
 * arrays block by block into a small ring of input buffers, and hashes and
 * writes what comes back through a ring of output buffers, asking the kernel
 * to start writeback as it goes. (Letting zstd's own workers compress left
 * the calling thread the bottleneck; shuffling in the compressor thread left
 * that thread the bottleneck, at ~45 ms of CPU for 64 MiB against ~23 ms.)
 * For slow (high) levels the compressor gets zstd threads too. */
#define _POSIX_C_SOURCE 200809L /* pthreads under -std=c11 */
#include "format/stream.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zstd_errors.h>

#include "format/record_internal.h"
#include "format/shuffle.h"
#include "util/worker.h"

/* Ask the kernel to start writing back this often, so that the disk works
 * while compression goes on and the final fsync has little left to do. Every
 * MiB rather than every 8: a 4 MiB state (3.2 MB written) then overlaps its
 * compression with the disk instead of flushing everything at the end
 * (durable file-API save, minimum of 25: 5.0 -> 4.5 ms at 4 MiB, 15.9 -> 14.3
 * ms at 16 MiB, alternated runs, load 4-6). No-op without durability. */
#define WRITEBACK_EVERY ((uint64_t)1 << 20)
/* Output buffers between the two threads, and their size. */
#define RING     4
#define RING_BUF ((size_t)1 << 20)
/* From this level on compression is slower than the rest of the pipeline,
 * and zstd's own workers pay for their extra copy. */
#define MT_LEVEL   4
#define MT_WORKERS 2

int dckpt_zstd_fail(size_t code, const char *target, dckpt_err *err) {
  int status =
      ZSTD_getErrorCode(code) == ZSTD_error_memory_allocation ? DCKPT_ENOMEM : DCKPT_EIO;
  return dckpt_err_set(err, status, "%s: zstd compression failed: %s", target,
                       ZSTD_getErrorName(code));
}

/* ---- the consumer side: hash and write ---- */

static int sink_emit(dckpt_sink *s, const void *p, size_t n) {
  XXH3_64bits_update(s->xxh, p, n);
  if (s->file) {
    DCKPT_TRY(dckpt_atomic_write(s->file, p, n, s->err));
    s->unsynced += n;
    if (s->unsynced >= WRITEBACK_EVERY) {
      dckpt_atomic_start_writeback(s->file);
      s->unsynced = 0;
    }
  } else {
    if (n > s->mem_cap - s->payload_len) /* zstd promises compressBound */
      return dckpt_err_set(s->err, DCKPT_EIO, "buffer: zstd exceeded its output bound");
    memcpy(s->mem + s->payload_len, p, n);
  }
  s->payload_len += n;
  return DCKPT_OK;
}

/* A raw payload needs no worker: arrays go out as they are. */
static int stream_raw(const dckpt_record *rec, dckpt_sink *out) {
  for (size_t i = 0; i < rec->count; i++) {
    const dckpt_rec_array *a = &rec->arrays[i];
    const uint8_t *data = a->data;
    for (uint64_t off = 0; off < a->nbytes; off += RING_BUF) {
      size_t len = (size_t)(a->nbytes - off < RING_BUF ? a->nbytes - off : RING_BUF);
      DCKPT_TRY(sink_emit(out, data + off, len));
    }
  }
  return DCKPT_OK;
}

/* ---- the pipe between the calling thread and the compressor ---- */

/* Pieces of raw payload on their way to the compressor: a shuffled block in
 * one of the pipe's input buffers, or a slice of an array that is not
 * shuffled, passed as it is. */
typedef struct piece {
  const uint8_t *p;
  size_t n;
} piece;

typedef struct pipe {
  dckpt_worker w; /* the compressor; its mutex guards the counters below */
  /* calling thread -> compressor */
  uint8_t *in_buf[RING];
  piece in[RING];
  unsigned in_made, in_used; /* counters; slot = counter % RING */
  bool in_done;              /* every piece is in */
  /* compressor -> calling thread */
  uint8_t *out_buf[RING];
  size_t out_len[RING];
  unsigned out_made, out_used;
  dckpt_err err; /* the compressor's error */
  /* the job */
  const dckpt_record *rec;
  ZSTD_CCtx *cctx; /* set up for the job */
  bool own_cctx;   /* not the scratch's: freed at the end */
  const char *target;
} pipe_t;

/* ---- the compressor thread ---- */

typedef struct compressor {
  pipe_t *q;
  ZSTD_CCtx *cctx;
  ZSTD_outBuffer out;
} compressor;

/* The next free output buffer, or NULL when the calling thread gave up. */
static uint8_t *out_acquire(pipe_t *q) {
  pthread_mutex_lock(&q->w.mu);
  while (q->out_made - q->out_used == RING && !q->w.cancelled)
    dckpt_worker_wait(&q->w);
  uint8_t *b = q->w.cancelled ? NULL : q->out_buf[q->out_made % RING];
  pthread_mutex_unlock(&q->w.mu);
  return b;
}

static void out_publish(pipe_t *q, size_t len) {
  pthread_mutex_lock(&q->w.mu);
  q->out_len[q->out_made % RING] = len;
  q->out_made++;
  dckpt_worker_wake(&q->w);
  pthread_mutex_unlock(&q->w.mu);
}

/* Hands a full buffer over and takes the next one. */
static int out_next(compressor *w) {
  out_publish(w->q, w->out.pos);
  w->out.dst = out_acquire(w->q);
  w->out.pos = 0;
  return w->out.dst ? DCKPT_OK : DCKPT_EIO; /* cancelled: the caller's error wins */
}

static int compress_feed(compressor *w, const void *p, size_t n, ZSTD_EndDirective mode) {
  ZSTD_inBuffer in = {p, n, 0};
  for (;;) {
    size_t left = ZSTD_compressStream2(w->cctx, &w->out, &in, mode);
    if (ZSTD_isError(left)) return dckpt_zstd_fail(left, w->q->target, &w->q->err);
    if (w->out.pos == w->out.size) DCKPT_TRY(out_next(w));
    if (mode == ZSTD_e_end ? left == 0 : in.pos == in.size) return DCKPT_OK;
  }
}

/* Compresses pieces until the last one; zstd copies each piece into its
 * window, so its slot is free as soon as the piece has been fed. */
static int compress_run(compressor *w) {
  pipe_t *q = w->q;
  for (;;) {
    pthread_mutex_lock(&q->w.mu);
    while (q->in_made == q->in_used && !q->in_done && !q->w.cancelled)
      dckpt_worker_wait(&q->w);
    bool stop = q->w.cancelled, end = q->in_made == q->in_used;
    piece pc = q->in[q->in_used % RING];
    pthread_mutex_unlock(&q->w.mu);
    if (stop) return DCKPT_EIO; /* the calling thread's error wins */
    if (end) break;
    DCKPT_TRY(compress_feed(w, pc.p, pc.n, ZSTD_e_continue));
    pthread_mutex_lock(&q->w.mu);
    q->in_used++;
    dckpt_worker_wake(&q->w);
    pthread_mutex_unlock(&q->w.mu);
  }
  DCKPT_TRY(compress_feed(w, "", 0, ZSTD_e_end));
  if (w->out.pos > 0) out_publish(q, w->out.pos);
  return DCKPT_OK;
}

static int compress_work(dckpt_worker *worker, void *arg) {
  (void)worker;
  pipe_t *q = arg;
  compressor w = {q, q->cctx, {NULL, RING_BUF, 0}};
  if (!(w.out.dst = out_acquire(q))) return DCKPT_EIO;
  return compress_run(&w);
}

/* ---- the calling thread: shuffle in, hash and write out ---- */

/* Walks the record's arrays in blocks of at most DCKPT_SHUFFLE_BLOCK. */
typedef struct cursor {
  const dckpt_record *rec;
  size_t array;
  uint64_t off;
} cursor;

static bool cursor_skip_empty(cursor *c) {
  while (c->array < c->rec->count && c->off >= c->rec->arrays[c->array].nbytes) {
    c->array++;
    c->off = 0;
  }
  return c->array < c->rec->count;
}

/* The next piece, shuffled into `buf` when its type is shuffled. */
static piece cursor_next(cursor *c, uint8_t *buf) {
  const dckpt_rec_array *a = &c->rec->arrays[c->array];
  uint64_t left = a->nbytes - c->off;
  size_t len = (size_t)(left < DCKPT_SHUFFLE_BLOCK ? left : DCKPT_SHUFFLE_BLOCK);
  const uint8_t *src = (const uint8_t *)a->data + c->off;
  c->off += len;
  if (dckpt_shuffles(a->dtype, true)) {
    size_t esize = dckpt_dtype_size(a->dtype);
    dckpt_shuffle(buf, src, len / esize, esize);
    return (piece){buf, len};
  }
  return (piece){src, len};
}

enum { ACT_FEED, ACT_WRITE, ACT_DONE };

/* Feeds the compressor while it is hungry or nothing waits to be written;
 * writes what it has produced otherwise. */
static int pump(pipe_t *q, dckpt_sink *out) {
  cursor c = {q->rec, 0, 0};
  dckpt_worker *w = &q->w;
  pthread_mutex_lock(&w->mu);
  q->in_done = !cursor_skip_empty(&c);
  dckpt_worker_wake(w); /* the compressor may already wait */
  pthread_mutex_unlock(&w->mu);
  for (;;) {
    pthread_mutex_lock(&w->mu);
    int act;
    for (;;) {
      bool can_feed = !q->in_done && q->in_made - q->in_used < RING && !w->finished;
      bool hungry = q->in_made == q->in_used;
      bool ready = q->out_made != q->out_used;
      if (can_feed && (hungry || !ready))
        act = ACT_FEED;
      else if (ready)
        act = ACT_WRITE;
      else if (w->finished)
        act = ACT_DONE;
      else {
        dckpt_worker_wait(w);
        continue;
      }
      break;
    }
    unsigned in_slot = q->in_made % RING, out_slot = q->out_used % RING;
    pthread_mutex_unlock(&w->mu);
    if (act == ACT_DONE) return DCKPT_OK; /* the compressor's status decides */
    if (act == ACT_FEED) {
      piece pc = cursor_next(&c, q->in_buf[in_slot]);
      bool more = cursor_skip_empty(&c);
      pthread_mutex_lock(&w->mu);
      q->in[in_slot] = pc;
      q->in_made++;
      q->in_done = !more;
      dckpt_worker_wake(w);
      pthread_mutex_unlock(&w->mu);
      continue;
    }
    int rc = sink_emit(out, q->out_buf[out_slot], q->out_len[out_slot]);
    pthread_mutex_lock(&w->mu);
    q->out_used++;
    dckpt_worker_wake(w);
    pthread_mutex_unlock(&w->mu);
    if (rc != DCKPT_OK) return rc; /* the join cancels the compressor */
  }
}

/* The rings live in buffer A of the scratch and the context is the
 * scratch's: a handle that saves again finds them allocated and their pages
 * present (fresh pages cost more than the shuffle here; format/scratch.h).
 * Not a context with zstd's workers (slow levels only), whose job buffers
 * are many times the window: it is made for the call, not kept. */
static int pipe_init(pipe_t *q, int level, uint64_t raw_len, dckpt_scratch *sc) {
  uint8_t *ring =
      dckpt_scratch_get(sc, DCKPT_SCRATCH_A, RING * (DCKPT_SHUFFLE_BLOCK + RING_BUF));
  if (!ring) return DCKPT_ENOMEM;
  for (int i = 0; i < RING; i++) {
    q->in_buf[i] = ring + (size_t)i * DCKPT_SHUFFLE_BLOCK;
    q->out_buf[i] = ring + RING * DCKPT_SHUFFLE_BLOCK + (size_t)i * RING_BUF;
  }
  q->own_cctx = level >= MT_LEVEL;
  q->cctx = q->own_cctx ? dckpt_make_cctx(level, MT_WORKERS, raw_len)
                        : dckpt_scratch_cctx(sc, level, 0, raw_len);
  return q->cctx ? DCKPT_OK : DCKPT_ENOMEM;
}

static int stream_zstd(pipe_t *q, int level, uint64_t raw_len, dckpt_scratch *sc,
                       dckpt_sink *out) {
  if (pipe_init(q, level, raw_len, sc) != DCKPT_OK)
    return dckpt_err_set(out->err, DCKPT_ENOMEM, "%s: out of memory", q->target);
  int rc = DCKPT_OK;
  if (!dckpt_worker_start_on(dckpt_scratch_helper(sc), &q->w, compress_work, q)) {
    rc = dckpt_err_set(out->err, DCKPT_ENOMEM, "%s: cannot start the compression thread",
                       q->target);
  } else {
    rc = pump(q, out);
    int status = dckpt_worker_join(&q->w); /* cancels it when pump failed */
    if (rc == DCKPT_OK && status != DCKPT_OK) {
      rc = status;
      *out->err = q->err;
    }
  }
  if (q->own_cctx) ZSTD_freeCCtx(q->cctx);
  return rc;
}

int dckpt_stream_payload(const dckpt_record *rec, int level, uint64_t raw_len,
                         dckpt_sink *out, const char *target, dckpt_scratch *sc,
                         dckpt_hdr_params *p) {
  out->xxh = XXH3_createState();
  if (!out->xxh)
    return dckpt_err_set(out->err, DCKPT_ENOMEM, "%s: out of memory", target);
  XXH3_64bits_reset(out->xxh);
  int rc;
  if (level == 0) {
    rc = stream_raw(rec, out);
  } else {
    pipe_t q;
    memset(&q, 0, sizeof q);
    q.rec = rec;
    q.target = target;
    rc = stream_zstd(&q, level, raw_len, sc, out);
  }
  if (rc == DCKPT_OK) {
    p->compression = level != 0 ? DCKPT_COMP_ZSTD : DCKPT_COMP_RAW;
    p->level = level;
    p->payload_len = out->payload_len;
    p->raw_len = raw_len;
    p->payload_hash = XXH3_64bits_digest(out->xxh);
  }
  XXH3_freeState(out->xxh);
  return rc;
}
