/* The streaming writer. On two cores, letting zstd's own workers compress
 * while this thread shuffles, copies into zstd's job buffers, hashes and
 * writes left the calling thread the bottleneck. So the work is split
 * differently: one worker thread shuffles each block and compresses it,
 * filling a small ring of output buffers; the calling thread hashes each
 * buffer, writes it, and asks the kernel to start writeback as it goes.
 * For slow (high) levels the worker's compressor gets zstd threads too. */
#define _POSIX_C_SOURCE 200809L /* pthreads under -std=c11 */
#include "format/stream.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "format/record_internal.h"
#include "format/shuffle.h"

/* Ask the kernel to start writing back this often, so that the disk works
 * while compression goes on and the final fsync has little left to do. */
#define WRITEBACK_EVERY ((uint64_t)8 << 20)
/* Output buffers between the two threads, and their size. */
#define RING     4
#define RING_BUF ((size_t)1 << 20)
/* From this level on compression is slower than the rest of the pipeline,
 * and zstd's own workers pay for their extra copy. */
#define MT_LEVEL   4
#define MT_WORKERS 2

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

/* ---- the ring between worker and writer ---- */

typedef struct ring {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  uint8_t *buf[RING];
  size_t len[RING];
  unsigned produced, consumed; /* counters; slot = counter % RING */
  bool finished;               /* the worker is done (see status) */
  bool cancelled;              /* the writer failed: the worker stops */
  int status;
  dckpt_err err; /* the worker's error */
  /* the worker's job */
  const dckpt_record *rec;
  int level;
  uint64_t raw_len;
  const char *target;
} ring;

/* Worker: the next free buffer, or NULL when the writer gave up. */
static uint8_t *ring_acquire(ring *r) {
  pthread_mutex_lock(&r->mu);
  while (r->produced - r->consumed == RING && !r->cancelled)
    pthread_cond_wait(&r->cv, &r->mu);
  uint8_t *b = r->cancelled ? NULL : r->buf[r->produced % RING];
  pthread_mutex_unlock(&r->mu);
  return b;
}

static void ring_publish(ring *r, size_t len) {
  pthread_mutex_lock(&r->mu);
  r->len[r->produced % RING] = len;
  r->produced++;
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
}

static void ring_finish(ring *r, int status) {
  pthread_mutex_lock(&r->mu);
  r->status = status;
  r->finished = true;
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
}

/* ---- the worker: shuffle and compress ---- */

typedef struct worker {
  ring *r;
  ZSTD_CCtx *cctx;
  uint8_t *chunk; /* one shuffled block */
  ZSTD_outBuffer out;
} worker;

/* Hands a full buffer to the writer and takes the next one. */
static int worker_next(worker *w) {
  ring_publish(w->r, w->out.pos);
  w->out.dst = ring_acquire(w->r);
  w->out.pos = 0;
  return w->out.dst ? DCKPT_OK : DCKPT_EIO; /* cancelled: the writer's error wins */
}

static int worker_feed(worker *w, const void *p, size_t n, ZSTD_EndDirective mode) {
  ZSTD_inBuffer in = {p, n, 0};
  for (;;) {
    size_t left = ZSTD_compressStream2(w->cctx, &w->out, &in, mode);
    if (ZSTD_isError(left)) return dckpt_zstd_fail(left, w->r->target, &w->r->err);
    if (w->out.pos == w->out.size) DCKPT_TRY(worker_next(w));
    if (mode == ZSTD_e_end ? left == 0 : in.pos == in.size) return DCKPT_OK;
  }
}

static int worker_array(worker *w, const dckpt_rec_array *a) {
  size_t esize = dckpt_dtype_size(a->dtype);
  bool shuffled = dckpt_shuffles(a->dtype, true);
  const uint8_t *data = a->data;
  for (uint64_t off = 0; off < a->nbytes; off += DCKPT_SHUFFLE_BLOCK) {
    size_t len = (size_t)(a->nbytes - off < DCKPT_SHUFFLE_BLOCK ? a->nbytes - off
                                                                : DCKPT_SHUFFLE_BLOCK);
    const uint8_t *src = data + off;
    if (shuffled) {
      dckpt_shuffle(w->chunk, src, len / esize, esize);
      src = w->chunk;
    }
    DCKPT_TRY(worker_feed(w, src, len, ZSTD_e_continue));
  }
  return DCKPT_OK;
}

static int worker_run(worker *w) {
  const dckpt_record *rec = w->r->rec;
  for (size_t i = 0; i < rec->count; i++)
    DCKPT_TRY(worker_array(w, &rec->arrays[i]));
  DCKPT_TRY(worker_feed(w, "", 0, ZSTD_e_end));
  if (w->out.pos > 0) ring_publish(w->r, w->out.pos);
  return DCKPT_OK;
}

static void *worker_main(void *arg) {
  ring *r = arg;
  worker w = {r, NULL, NULL, {NULL, RING_BUF, 0}};
  w.cctx = dckpt_make_cctx(r->level, r->level >= MT_LEVEL ? MT_WORKERS : 0, r->raw_len);
  w.chunk = malloc(DCKPT_SHUFFLE_BLOCK);
  int rc = DCKPT_OK;
  if (!w.cctx || !w.chunk)
    rc = dckpt_err_set(&r->err, DCKPT_ENOMEM, "%s: out of memory compressing", r->target);
  else if (!(w.out.dst = ring_acquire(r)))
    rc = DCKPT_EIO;
  else
    rc = worker_run(&w);
  ZSTD_freeCCtx(w.cctx);
  free(w.chunk);
  ring_finish(r, rc);
  return NULL;
}

/* ---- the writer: the calling thread ---- */

static int drain(ring *r, dckpt_sink *out) {
  for (;;) {
    pthread_mutex_lock(&r->mu);
    while (r->consumed == r->produced && !r->finished)
      pthread_cond_wait(&r->cv, &r->mu);
    bool empty = r->consumed == r->produced;
    unsigned slot = r->consumed % RING;
    pthread_mutex_unlock(&r->mu);
    if (empty) return DCKPT_OK; /* finished, and everything written */
    int rc = sink_emit(out, r->buf[slot], r->len[slot]);
    pthread_mutex_lock(&r->mu);
    r->consumed++;
    r->cancelled = rc != DCKPT_OK;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    if (rc != DCKPT_OK) return rc;
  }
}

static int ring_init(ring *r) {
  for (int i = 0; i < RING; i++)
    if (!(r->buf[i] = malloc(RING_BUF))) return DCKPT_ENOMEM;
  if (pthread_mutex_init(&r->mu, NULL) != 0) return DCKPT_ENOMEM;
  if (pthread_cond_init(&r->cv, NULL) != 0) {
    pthread_mutex_destroy(&r->mu);
    return DCKPT_ENOMEM;
  }
  return DCKPT_OK;
}

static int stream_zstd(ring *r, dckpt_sink *out) {
  if (ring_init(r) != DCKPT_OK) {
    for (int i = 0; i < RING; i++)
      free(r->buf[i]);
    return dckpt_err_set(out->err, DCKPT_ENOMEM, "%s: out of memory", r->target);
  }
  pthread_t t;
  int rc = DCKPT_OK;
  if (pthread_create(&t, NULL, worker_main, r) != 0) {
    rc = dckpt_err_set(out->err, DCKPT_ENOMEM, "%s: cannot start the compression thread",
                       r->target);
  } else {
    rc = drain(r, out);
    pthread_join(t, NULL);
    if (rc == DCKPT_OK && r->status != DCKPT_OK) {
      rc = r->status;
      *out->err = r->err;
    }
  }
  pthread_cond_destroy(&r->cv);
  pthread_mutex_destroy(&r->mu);
  for (int i = 0; i < RING; i++)
    free(r->buf[i]);
  return rc;
}

int dckpt_stream_payload(const dckpt_record *rec, int level, uint64_t raw_len,
                         dckpt_sink *out, const char *target, dckpt_hdr_params *p) {
  out->xxh = XXH3_createState();
  if (!out->xxh)
    return dckpt_err_set(out->err, DCKPT_ENOMEM, "%s: out of memory", target);
  XXH3_64bits_reset(out->xxh);
  int rc;
  if (level == 0) {
    rc = stream_raw(rec, out);
  } else {
    ring r;
    memset(&r, 0, sizeof r);
    r.rec = rec;
    r.level = level;
    r.raw_len = raw_len;
    r.target = target;
    rc = stream_zstd(&r, out);
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
