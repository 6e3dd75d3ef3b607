/* Reading records: a verified header becomes a record skeleton whose arrays
 * all live in one arena (each 8-aligned, so callers may read them as their
 * element type). A compressed payload of up to DCKPT_READ_WHOLE_MAX is
 * decoded into a kept scratch buffer of its raw bytes and moved into the
 * arena piece by piece (inflate_whole); a larger one streams through zstd
 * straight into the arena, block by block through a small buffer for
 * shuffled arrays: no temporary of the record's size is allocated, which on
 * large records saves more time (fresh pages are costly) than anything else
 * in the path. From memory the payload hash is checked before decoding; from a file it
 * is computed on the way through and checked at the end, so one pass over
 * the file does everything; a mismatch discards the record. */
/* The buffer-less block decoder (ZSTD_decompressBegin/Continue) is declared
 * among zstd's advanced functions; libzstd exports it. */
#define ZSTD_STATIC_LINKING_ONLY
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "format/payload.h"
#include "format/record_internal.h"
#include "format/shuffle.h"
#include "util/mem.h"
#include "util/worker.h"
#include "util/xxh.h"

static uint64_t align8(uint64_t x) {
  return (x + 7) & ~(uint64_t)7;
}

/* Bytes of the arena: each array starts 8-aligned. */
static uint64_t arena_size(const dckpt_hdr *h) {
  uint64_t size = 0;
  const uint8_t *p = h->table;
  for (uint32_t i = 0; i < h->n_arrays; i++) {
    dckpt_hdr_entry e;
    p = dckpt_hdr_entry_read(p, &e);
    size = align8(size) + e.nbytes;
  }
  return size;
}

static int add_arrays(const dckpt_hdr *h, dckpt_record *rec) {
  uint8_t *arena = rec->arena;
  uint64_t at = 0;
  const uint8_t *p = h->table;
  for (uint32_t i = 0; i < h->n_arrays; i++) {
    dckpt_hdr_entry e;
    p = dckpt_hdr_entry_read(p, &e);
    dckpt_rec_array *a = dckpt_record_append_(rec, e.name, e.name_len, e.dtype, e.ndim,
                                              e.shape, e.nelems, e.nbytes);
    if (!a) return DCKPT_ENOMEM;
    at = align8(at);
    a->data = arena ? arena + at : NULL;
    at += e.nbytes;
  }
  return DCKPT_OK;
}

/* The caller's memory for every array (dckpt_record_read_into): the arrays
 * borrow it, as put_ref's do. */
static int place_arrays(dckpt_record *rec, const dckpt_placement *place,
                        const char *origin, dckpt_err *err) {
  size_t n = rec->count;
  dckpt_array_info *infos = calloc(n ? n : 1, sizeof *infos);
  void **dest = calloc(n ? n : 1, sizeof *dest);
  int rc = infos && dest ? DCKPT_OK
                         : dckpt_err_set(err, DCKPT_ENOMEM, "%s: out of memory", origin);
  for (size_t i = 0; rc == DCKPT_OK && i < n; i++) {
    const dckpt_rec_array *a = &rec->arrays[i];
    infos[i] = (dckpt_array_info){.name = a->name,
                                  .dtype = a->dtype,
                                  .ndim = a->ndim,
                                  .nelems = a->nelems,
                                  .nbytes = a->nbytes};
    memcpy(infos[i].shape, a->shape, sizeof infos[i].shape);
  }
  if (rc == DCKPT_OK) {
    rc = place->fn(place->ctx, n, infos, dest);
    if (rc != DCKPT_OK)
      dckpt_err_set(err, rc, "%s: no memory was placed for its %zu arrays (%s)", origin,
                    n, dckpt_strerror(rc));
  }
  for (size_t i = 0; rc == DCKPT_OK && i < n; i++) {
    dckpt_rec_array *a = &rec->arrays[i];
    if (a->nbytes && !dest[i])
      rc = dckpt_err_set(err, DCKPT_EINVAL, "%s: no memory was placed for array '%s'",
                         origin, a->name);
    a->data = dest[i];
    a->borrowed = a->nbytes > 0;
  }
  free(infos);
  free(dest);
  return rc;
}

int dckpt_decode_skeleton(const dckpt_hdr *h, const char *origin,
                          const dckpt_placement *place, dckpt_record **out,
                          dckpt_err *err) {
  *out = NULL;
  dckpt_record *rec = dckpt_record_create();
  if (place) { /* no arena: the arrays go where the caller says */
    int rc = rec ? dckpt_record_set_header_n_(rec, h->json, h->json_len) : DCKPT_ENOMEM;
    if (rc == DCKPT_OK && h->ident)
      rc = dckpt_record_set_identity_n_(rec, h->ident, h->ident_len);
    if (rc == DCKPT_OK) rc = add_arrays(h, rec);
    if (rc != DCKPT_OK) {
      dckpt_record_free(rec);
      return dckpt_err_set(err, rc, "%s: out of memory", origin);
    }
    rc = place_arrays(rec, place, origin, err);
    if (rc != DCKPT_OK) {
      dckpt_record_free(rec);
      return rc;
    }
    *out = rec;
    return DCKPT_OK;
  }
  uint64_t size = arena_size(h);
  int rc = rec ? dckpt_record_set_header_n_(rec, h->json, h->json_len) : DCKPT_ENOMEM;
  if (rc == DCKPT_OK && h->ident)
    rc = dckpt_record_set_identity_n_(rec, h->ident, h->ident_len);
  if (rc == DCKPT_OK && size > 0 && !(rec->arena = dckpt_big_alloc((size_t)size)))
    rc = DCKPT_ENOMEM;
  if (rec) rec->arena_len = (size_t)size;
  if (rc == DCKPT_OK) rc = add_arrays(h, rec);
  if (rc != DCKPT_OK) {
    dckpt_record_free(rec);
    return dckpt_err_set(err, rc, "%s: out of memory for a record of %llu bytes", origin,
                         (unsigned long long)size);
  }
  *out = rec;
  return DCKPT_OK;
}

/* ---- where raw payload bytes go ---- */

/* Walks the arrays in payload order. Each step names a target: the array's
 * place in the arena for unshuffled arrays (the whole rest of the array), or
 * the block buffer for one shuffle block, unshuffled into place once full. */
typedef struct dest {
  const dckpt_hdr *h;
  dckpt_record *rec;
  const uint8_t *next_entry;
  uint32_t index;      /* of the next entry */
  long cur;            /* current array, -1 before the first */
  dckpt_hdr_entry e;   /* its table entry */
  uint64_t done;       /* bytes of it filled */
  uint8_t *block;      /* one shuffle block, when any array is shuffled */
  struct prefetch *pf; /* with a reader thread: it unshuffles the blocks */
  int slot;            /* the reader's block being decoded into */
} dest;

static uint8_t *pf_block_take(struct prefetch *p, int *slot);
static void pf_block_filled(struct prefetch *p, int slot, uint8_t *dst, size_t n,
                            size_t esize);

/* The next target, or false when every array is filled. */
static bool dest_next(dest *d, uint8_t **p, size_t *n) {
  while (d->cur < 0 || d->done == d->e.nbytes) {
    if (d->index == d->h->n_arrays) return false;
    d->next_entry = dckpt_hdr_entry_read(d->next_entry, &d->e);
    d->cur = (long)d->index++;
    d->done = 0;
  }
  uint8_t *arena = (uint8_t *)(uintptr_t)d->rec->arrays[d->cur].data; /* in the arena */
  uint64_t left = d->e.nbytes - d->done;
  if (d->e.flags & DCKPT_ARRAY_SHUFFLED) {
    *p = d->pf ? pf_block_take(d->pf, &d->slot) : d->block;
    *n = (size_t)(left < DCKPT_SHUFFLE_BLOCK ? left : DCKPT_SHUFFLE_BLOCK);
  } else {
    *p = arena + d->done;
    *n = (size_t)left;
  }
  return true;
}

/* The target of dest_next() now holds its `n` bytes. */
static void dest_filled(dest *d, size_t n) {
  if (d->e.flags & DCKPT_ARRAY_SHUFFLED) {
    uint8_t *arena = (uint8_t *)(uintptr_t)d->rec->arrays[d->cur].data;
    size_t esize = dckpt_dtype_size(d->e.dtype);
    if (d->pf)
      pf_block_filled(d->pf, d->slot, arena + d->done, n, esize);
    else
      dckpt_unshuffle(arena + d->done, d->block, n / esize, esize);
  }
  d->done += n;
}

/* ---- where payload bytes come from ---- */

/* Large compressed payloads from a file are read ahead by a thread that
 * reads and hashes chunks into a small ring while this thread decompresses:
 * the copy out of the page cache and the hash (a third of a warm load) leave
 * the critical path, and a cold load overlaps the disk with decompression.
 * The same thread unshuffles the decoded blocks into the arena, between its
 * reads: zstd alone is about as long as reading, hashing and unshuffling
 * together, so the two threads are then evenly loaded. The decoder hands
 * each decoded shuffle block over in one of PF_BLOCKS buffers, and
 * unshuffles one itself when it finds none free (the reader is behind). */
#define PF_RING   4
#define PF_BLOCKS 3

/* The states of a block buffer; its owner in brackets. */
enum { BLOCK_FREE, BLOCK_DECODING /* decoder */, BLOCK_FILLED, BLOCK_BUSY /* either */ };

typedef struct pf_block {
  int state;
  uint8_t *dst; /* where it goes in the arena, */
  size_t n;     /* its bytes */
  size_t esize; /* and element size */
} pf_block;

typedef struct prefetch {
  dckpt_worker w; /* the reader; its mutex guards the ring's counters */
  uint8_t *ring;  /* PF_RING chunks of DCKPT_SHUFFLE_BLOCK */
  size_t len[PF_RING];
  unsigned made, used; /* counters; slot = counter % PF_RING */
  bool holding;        /* the decoder holds slot `used` (decoder's only) */
  dckpt_err err;       /* the reader's error */
  const dckpt_payload_src *src;
  uint64_t total;
  XXH3_state_t *xxh;
  uint8_t *arena; /* the record's memory, faulted in ahead of the decoder */
  uint64_t arena_len;
  uint8_t *blocks; /* PF_BLOCKS shuffle blocks, or NULL: none are handed over */
  pf_block block[PF_BLOCKS];
  bool ended; /* the decoder is done: the reader ends once it has read all */
} prefetch;

/* Huge-page steps by which the reader faults in the arena. */
#define PREFAULT_STEP ((uint64_t)2 << 20)

/* Faults in the arena up to the share of it that the payload read so far
 * decodes to, plus a step: the kernel's zeroing of fresh pages (a fifth of a
 * warm load) then happens in the reader thread, ahead of the decoder, which
 * balances the two threads. */
static void prefault_upto(prefetch *p, uint64_t pos, uint64_t *done) {
  if (!p->arena) return;
  uint64_t want = (uint64_t)((double)pos / (double)p->total * (double)p->arena_len);
  want = (want / PREFAULT_STEP + 2) * PREFAULT_STEP;
  if (want > p->arena_len) want = p->arena_len;
  if (want <= *done) return;
  dckpt_big_prefault(p->arena + *done, (size_t)(want - *done));
  *done = want;
}

typedef struct source {
  const dckpt_payload_src *src;
  uint64_t pos; /* payload bytes taken so far */
  uint64_t len;
  uint8_t *chunk; /* file reads land here */
  XXH3_state_t *xxh;
  prefetch *pf; /* the reader thread, when there is one */
  const char *origin;
  dckpt_err *err;
} source;

/* A filled block (mutex held), or -1. */
static int pf_filled(const prefetch *p) {
  for (int k = 0; k < PF_BLOCKS; k++)
    if (p->block[k].state == BLOCK_FILLED) return k;
  return -1;
}

/* Unshuffles filled block `k` with the mutex released around the work; the
 * block is free again when it returns (mutex held). */
static void pf_unshuffle(prefetch *p, int k) {
  pf_block *b = &p->block[k];
  b->state = BLOCK_BUSY;
  pthread_mutex_unlock(&p->w.mu);
  dckpt_unshuffle(b->dst, p->blocks + (size_t)k * DCKPT_SHUFFLE_BLOCK, b->n / b->esize,
                  b->esize);
  pthread_mutex_lock(&p->w.mu);
  b->state = BLOCK_FREE;
  dckpt_worker_wake(&p->w);
}

/* The reader: reads into free slots and unshuffles filled blocks until the
 * payload is read and the decoder is done, or it is cancelled (when the
 * decoder stopped early). Reading comes first while fewer than two chunks
 * wait for the decoder, so that it never waits for input it could have. */
static int prefetch_run(dckpt_worker *w, void *arg) {
  prefetch *p = arg;
  uint64_t faulted = 0, pos = 0;
  pthread_mutex_lock(&w->mu);
  for (;;) {
    if (w->cancelled) break;
    bool can_read = pos < p->total && p->made - p->used < PF_RING;
    int k = pf_filled(p);
    if (k >= 0 && !(can_read && p->made - p->used < 2)) {
      pf_unshuffle(p, k);
      continue;
    }
    if (!can_read) {
      if (pos == p->total && (!p->blocks || p->ended)) break;
      dckpt_worker_wait(w);
      continue;
    }
    unsigned slot = p->made % PF_RING;
    pthread_mutex_unlock(&w->mu);
    size_t n = (size_t)(p->total - pos < DCKPT_SHUFFLE_BLOCK ? p->total - pos
                                                             : DCKPT_SHUFFLE_BLOCK);
    uint8_t *b = p->ring + (size_t)slot * DCKPT_SHUFFLE_BLOCK;
    DCKPT_TRY(p->src->read(p->src->ctx, b, n, pos, &p->err));
    XXH3_64bits_update(p->xxh, b, n);
    pos += n;
    prefault_upto(p, pos, &faulted);
    pthread_mutex_lock(&w->mu);
    p->len[slot] = n;
    p->made++;
    dckpt_worker_wake(w);
  }
  pthread_mutex_unlock(&w->mu);
  return DCKPT_OK;
}

/* The decoder's next block buffer: a free one, else a filled one that it
 * unshuffles first itself. */
static uint8_t *pf_block_take(prefetch *p, int *slot) {
  pthread_mutex_lock(&p->w.mu);
  for (;;) {
    for (int k = 0; k < PF_BLOCKS; k++)
      if (p->block[k].state == BLOCK_FREE) {
        p->block[k].state = BLOCK_DECODING;
        pthread_mutex_unlock(&p->w.mu);
        *slot = k;
        return p->blocks + (size_t)k * DCKPT_SHUFFLE_BLOCK;
      }
    int k = pf_filled(p);
    if (k >= 0)
      pf_unshuffle(p, k);
    else /* cannot happen: the reader holds at most one block */
      dckpt_worker_wait(&p->w);
  }
}

/* Block `slot` is decoded: its `n` bytes go to `dst`. */
static void pf_block_filled(prefetch *p, int slot, uint8_t *dst, size_t n, size_t esize) {
  pthread_mutex_lock(&p->w.mu);
  p->block[slot] = (pf_block){BLOCK_FILLED, dst, n, esize};
  dckpt_worker_wake(&p->w);
  pthread_mutex_unlock(&p->w.mu);
}

/* The decoder is done (or gave up): it unshuffles the filled blocks left,
 * and the reader ends once it has read everything (joined by the caller). */
static void pf_decoder_done(prefetch *p) {
  pthread_mutex_lock(&p->w.mu);
  p->ended = true;
  dckpt_worker_wake(&p->w);
  for (int k; (k = pf_filled(p)) >= 0;)
    pf_unshuffle(p, k);
  pthread_mutex_unlock(&p->w.mu);
}

/* The next chunk from the reader; the one held before goes back to it. */
static int refill_prefetch(source *s, ZSTD_inBuffer *in) {
  prefetch *p = s->pf;
  dckpt_worker *w = &p->w;
  pthread_mutex_lock(&w->mu);
  if (p->holding) {
    p->used++;
    p->holding = false;
    dckpt_worker_wake(w);
  }
  while (p->made == p->used && !w->finished)
    dckpt_worker_wait(w);
  bool have = p->made != p->used;
  unsigned slot = p->used % PF_RING;
  size_t n = have ? p->len[slot] : 0;
  p->holding = have;
  int status = w->status;
  pthread_mutex_unlock(&w->mu);
  if (!have) {
    if (status == DCKPT_OK) /* cannot happen: the reader stops only at the end */
      return dckpt_err_set(s->err, DCKPT_EIO, "%s: read-ahead ended early", s->origin);
    *s->err = p->err;
    return status;
  }
  s->pos += n;
  *in = (ZSTD_inBuffer){p->ring + (size_t)slot * DCKPT_SHUFFLE_BLOCK, n, 0};
  return DCKPT_OK;
}

/* Raw payload from a file: read straight into each target. */
static int take_raw(source *s, uint8_t *dst, size_t n) {
  DCKPT_TRY(s->src->read(s->src->ctx, dst, n, s->pos, s->err));
  XXH3_64bits_update(s->xxh, dst, n);
  s->pos += n;
  return DCKPT_OK;
}

/* zstd input: the whole payload from memory, else the next chunk read. */
static int refill(source *s, ZSTD_inBuffer *in) {
  if (s->pf) return refill_prefetch(s, in);
  if (s->src->mem) {
    *in = (ZSTD_inBuffer){s->src->mem, (size_t)s->len, (size_t)s->pos};
    s->pos = s->len;
    return DCKPT_OK;
  }
  size_t n = (size_t)(s->len - s->pos < DCKPT_SHUFFLE_BLOCK ? s->len - s->pos
                                                            : DCKPT_SHUFFLE_BLOCK);
  DCKPT_TRY(s->src->read(s->src->ctx, s->chunk, n, s->pos, s->err));
  XXH3_64bits_update(s->xxh, s->chunk, n);
  s->pos += n;
  *in = (ZSTD_inBuffer){s->chunk, n, 0};
  return DCKPT_OK;
}

static int corrupt(source *s, const char *what, size_t code) {
  return dckpt_err_set(s->err, DCKPT_ECORRUPT, "%s: corrupt record: %s%s%s", s->origin,
                       what, code ? ": " : "", code ? ZSTD_getErrorName(code) : "");
}

/* One step of zstd; `out` may be empty (to finish the frame). */
static int inflate_step(source *s, ZSTD_DCtx *dctx, ZSTD_inBuffer *in,
                        ZSTD_outBuffer *out, size_t *ret) {
  if (in->pos == in->size && s->pos < s->len) DCKPT_TRY(refill(s, in));
  size_t in_before = in->pos, out_before = out->pos;
  *ret = ZSTD_decompressStream(dctx, out, in);
  if (ZSTD_isError(*ret)) return corrupt(s, "zstd", *ret);
  /* With input at hand and room for output zstd always moves; if it did
   * not, the frame is truncated or wants to give more than it declared.
   * Checking this for every call is what makes the loops finite. */
  if (*ret != 0 && in->pos == in_before && out->pos == out_before)
    return corrupt(s, "the zstd frame is truncated or overlong", 0);
  return DCKPT_OK;
}

static int inflate_all(source *s, ZSTD_DCtx *dctx, dest *d) {
  ZSTD_inBuffer in = {NULL, 0, 0};
  size_t ret = 1;
  uint8_t *p;
  size_t n;
  while (dest_next(d, &p, &n)) {
    ZSTD_outBuffer out = {p, n, 0};
    while (out.pos < out.size) {
      DCKPT_TRY(inflate_step(s, dctx, &in, &out, &ret));
      if (ret == 0 && out.pos < out.size)
        return corrupt(s, "the zstd frame ended before the arrays did", 0);
    }
    dest_filled(d, n);
  }
  uint8_t none;
  ZSTD_outBuffer end = {&none, 0, 0};
  while (ret != 0)
    DCKPT_TRY(inflate_step(s, dctx, &in, &end, &ret));
  if (in.pos != in.size || s->pos != s->len)
    return corrupt(s, "the payload is not exactly one zstd frame", 0);
  return DCKPT_OK;
}

static int read_raw(source *s, dest *d) {
  uint8_t *p;
  size_t n;
  while (dest_next(d, &p, &n)) {
    DCKPT_TRY(take_raw(s, p, n));
    dest_filled(d, n);
  }
  return DCKPT_OK;
}

/* A payload in memory, raw or decompressed: each array is copied or
 * unshuffled straight into its place in the arena, with no block buffer in
 * between. The header parser has checked that the arrays tile the raw bytes. */
static void fill_mem(const dckpt_hdr *h, dckpt_record *rec, const uint8_t *raw) {
  const uint8_t *p = h->table;
  for (uint32_t i = 0; i < h->n_arrays; i++) {
    dckpt_hdr_entry e;
    p = dckpt_hdr_entry_read(p, &e);
    uint8_t *dst = (uint8_t *)(uintptr_t)rec->arrays[i].data; /* in the arena */
    if (e.nbytes == 0) continue;
    if (e.flags & DCKPT_ARRAY_SHUFFLED)
      dckpt_unshuffle_array(dst, raw, (size_t)e.nbytes, dckpt_dtype_size(e.dtype));
    else
      memcpy(dst, raw, (size_t)e.nbytes);
    raw += e.nbytes;
  }
}

/* ---- whole payloads, decoded block by block ---- */

/* A compressed payload of up to DCKPT_READ_WHOLE_MAX of arrays is decoded
 * zstd block by zstd block (the buffer-less API) straight into one flat
 * buffer of its raw bytes: no window buffer, no copy in between. The arena
 * is filled from there as soon as each piece is decoded, while it is still in
 * cache: a shuffle block unshuffled, or a run of an unshuffled array copied.
 * From a file (DCKPT_LOAD_PIECES_MIN and up; smaller payloads are read whole
 * by file.c and come from memory) the payload is read in pieces into a small
 * buffer, each piece hashed as it arrives and decoded at once: nothing of the
 * record's size but the raw bytes and the arena is written, and every other
 * byte is touched while in cache. Against one read, one hash pass and one
 * zstd call over record-sized buffers, that saves ~10-20 % of a 1-8 MiB load
 * when the caches are cold, as they are between checkpoints
 * (docs/performance.md, "Against the peers"). */

/* One piece of the arena to fill from the raw bytes. */
typedef struct step {
  uint8_t *dst;
  uint64_t at;  /* offset in the raw bytes */
  size_t n;     /* bytes */
  size_t esize; /* element size when unshuffled; 0: copied */
} step;

/* Payload bytes per read from a file; the input buffer holds two. A zstd
 * block takes at most 128 KiB, so a block's input always fits. */
#define IN_PIECE ((size_t)256 << 10)

/* From this many raw bytes (two shuffle blocks) a whole load fills the arena
 * on the scratch's kept thread while this one decodes (filler, below). */
#define DCKPT_FILL_HELPER_MIN ((size_t)2 << 20)

/* The steps in raw-byte order (NULL when out of memory). Every array's bytes
 * go somewhere: the header parser has checked that the arrays tile raw_len. */
static step *make_steps(const dckpt_hdr *h, const dckpt_record *rec, size_t *count) {
  size_t max = (size_t)h->n_arrays + (size_t)(h->raw_len / DCKPT_SHUFFLE_BLOCK) + 1;
  step *v = malloc(max * sizeof *v);
  if (!v) return NULL;
  size_t k = 0;
  uint64_t at = 0;
  const uint8_t *p = h->table;
  for (uint32_t i = 0; i < h->n_arrays; i++) {
    dckpt_hdr_entry e;
    p = dckpt_hdr_entry_read(p, &e);
    uint8_t *dst = (uint8_t *)(uintptr_t)rec->arrays[i].data;
    size_t esize = e.flags & DCKPT_ARRAY_SHUFFLED ? dckpt_dtype_size(e.dtype) : 0;
    for (uint64_t done = 0; done < e.nbytes;) {
      uint64_t left = e.nbytes - done;
      size_t n = (size_t)(left < DCKPT_SHUFFLE_BLOCK ? left : DCKPT_SHUFFLE_BLOCK);
      v[k++] = (step){dst + done, at, n, esize};
      done += n;
      at += n;
    }
  }
  *count = k;
  return v;
}

static void run_step(const step *st, const uint8_t *raw) {
  if (st->esize)
    dckpt_unshuffle(st->dst, raw + st->at, st->n / st->esize, st->esize);
  else
    memcpy(st->dst, raw + st->at, st->n);
}

/* The payload from a file passes through a small input buffer that stays in
 * cache: `in` holds payload bytes [base, base + fill). */
typedef struct inbuf {
  uint8_t *in;
  size_t cap;
  uint64_t base;
  size_t fill;
} inbuf;

/* Payload bytes [at, at + need) in the buffer, read (and hashed while in
 * cache) as needed; `need` must be at most IN_PIECE. */
static int in_get(source *s, inbuf *b, uint64_t at, size_t need, const uint8_t **out) {
  if (at + need > b->base + b->fill) {
    size_t keep = (size_t)(b->base + b->fill - at); /* < need: a block's start */
    memmove(b->in, b->in + (at - b->base), keep);
    b->base = at;
    b->fill = keep;
    while (b->fill < need) {
      uint64_t from = b->base + b->fill;
      size_t n = b->cap - b->fill;
      if (n > s->len - from) n = (size_t)(s->len - from);
      DCKPT_TRY(s->src->read(s->src->ctx, b->in + b->fill, n, from, s->err));
      XXH3_64bits_update(s->xxh, b->in + b->fill, n);
      b->fill += n;
    }
  }
  *out = b->in + (at - b->base);
  return DCKPT_OK;
}

/* A second thread filling the arena from the raw bytes while this one
 * decodes: zstd is the longer half of a whole load, so the steps (unshuffle
 * or copy) leave its path. The decoder publishes how far the raw bytes are
 * decoded; both threads take the next step once its bytes are there (the
 * helper as they come, the decoder after the frame ends). Under w.mu. */
typedef struct filler {
  dckpt_worker w;
  const step *steps;
  size_t nsteps;
  const uint8_t *raw;
  uint64_t decoded; /* raw bytes decoded so far */
  size_t next;      /* the first step nobody has taken */
  bool ended;       /* the decoder is done: it takes what is left */
} filler;

/* Whether step `k` can be taken now (mutex held). */
static bool filler_ready(const filler *f) {
  return f->next < f->nsteps && f->steps[f->next].at + f->steps[f->next].n <= f->decoded;
}

static int filler_run(dckpt_worker *w, void *arg) {
  filler *f = arg;
  pthread_mutex_lock(&w->mu);
  for (;;) {
    while (!filler_ready(f) && !f->ended && !w->cancelled)
      dckpt_worker_wait(w);
    if (!filler_ready(f) || w->cancelled) break;
    const step *st = &f->steps[f->next++];
    pthread_mutex_unlock(&w->mu);
    run_step(st, f->raw);
    pthread_mutex_lock(&w->mu);
  }
  pthread_mutex_unlock(&w->mu);
  return DCKPT_OK;
}

/* The decoder's side: filler_publish() tells the helper that `op` raw bytes
 * are decoded (called when they complete a step); filler_finish(), once the
 * frame is done or has failed, takes every ready step left and then waits
 * for the helper's last one. */
static void filler_publish(filler *f, uint64_t op) {
  pthread_mutex_lock(&f->w.mu);
  f->decoded = op;
  if (filler_ready(f)) dckpt_worker_wake(&f->w);
  pthread_mutex_unlock(&f->w.mu);
}

static void filler_finish(filler *f) {
  pthread_mutex_lock(&f->w.mu);
  f->ended = true;
  dckpt_worker_wake(&f->w);
  while (filler_ready(f)) {
    const step *st = &f->steps[f->next++];
    pthread_mutex_unlock(&f->w.mu);
    run_step(st, f->raw);
    pthread_mutex_lock(&f->w.mu);
  }
  pthread_mutex_unlock(&f->w.mu);
  (void)dckpt_worker_join(&f->w); /* its step in hand, if any, is finished */
}

/* Decodes the frame block by block into `raw`, filling the arena step by step
 * as the raw bytes arrive: on the helper `f` when there is one, else here
 * (the last step always here: nothing is left to overlap it with). The loop
 * is finite: every call consumes the input zstd asks for, and the input is
 * bounded. */
static int decode_blocks(source *s, ZSTD_DCtx *dctx, inbuf *b, uint8_t *raw,
                         size_t raw_len, const step *steps, size_t nsteps, filler *f) {
  size_t len = (size_t)s->len;
  size_t zr = ZSTD_decompressBegin(dctx);
  if (ZSTD_isError(zr)) return corrupt(s, "zstd", zr);
  size_t ip = 0, op = 0, next = 0;
  size_t need = ZSTD_nextSrcSizeToDecompress(dctx);
  while (need > 0) {
    if (need > len - ip) return corrupt(s, "the zstd frame is truncated", 0);
    const uint8_t *src = b->in + ip; /* in memory: the whole payload */
    if (b->cap) {
      if (need > IN_PIECE)
        return corrupt(s, "a zstd block is larger than zstd allows", 0);
      DCKPT_TRY(in_get(s, b, ip, need, &src));
    }
    size_t got = ZSTD_decompressContinue(dctx, raw + op, raw_len - op, src, need);
    if (ZSTD_isError(got)) return corrupt(s, "zstd", got);
    ip += need;
    op += got;
    if (f) {
      if (next < nsteps && steps[next].at + steps[next].n <= op) {
        while (next < nsteps && steps[next].at + steps[next].n <= op)
          next++;
        filler_publish(f, op);
      }
    } else {
      for (; next < nsteps && steps[next].at + steps[next].n <= op; next++)
        run_step(&steps[next], raw);
    }
    need = ZSTD_nextSrcSizeToDecompress(dctx);
  }
  if (ip != len) return corrupt(s, "the payload is not exactly one zstd frame", 0);
  if (op != raw_len || next != nsteps) return corrupt(s, "zstd frame size mismatch", 0);
  return DCKPT_OK;
}

/* A payload from a file that failed to decode: a damaged byte is reported as
 * what it is, a checksum mismatch, when the hash says so. The hash state has
 * seen every byte read so far; the rest is read through the buffer. */
static int blame_hash(source *s, const dckpt_hdr *h, inbuf *b, int rc) {
  dckpt_err keep = *s->err;
  for (uint64_t from = b->base + b->fill; from < s->len;) {
    size_t n = s->len - from < b->cap ? (size_t)(s->len - from) : b->cap;
    if (s->src->read(s->src->ctx, b->in, n, from, s->err) != DCKPT_OK) {
      *s->err = keep;
      return rc;
    }
    XXH3_64bits_update(s->xxh, b->in, n);
    from += n;
  }
  uint64_t sum = XXH3_64bits_digest(s->xxh);
  return sum == h->payload_hash ? rc
                                : dckpt_check_payload_hash(h, sum, s->origin, s->err);
}

bool dckpt_load_whole(const dckpt_hdr *h, bool from_file) {
  if (h->compression == DCKPT_COMP_RAW || h->raw_len > DCKPT_READ_WHOLE_MAX) return false;
  return !from_file ||
         (h->raw_len >= DCKPT_LOAD_PIECES_MIN &&
          h->payload_len <= ZSTD_compressBound((size_t)DCKPT_READ_WHOLE_MAX));
}

static int inflate_whole(source *s, ZSTD_DCtx *dctx, dest *d, dckpt_scratch *sc) {
  const dckpt_hdr *h = d->h;
  bool from_file = !s->src->mem;
  size_t raw_len = (size_t)h->raw_len;
  uint8_t *raw = dckpt_scratch_get(sc, DCKPT_SCRATCH_B, raw_len ? raw_len : 1);
  inbuf b = {(uint8_t *)(uintptr_t)s->src->mem, 0, 0, 0};
  if (from_file) {
    b.cap = 2 * IN_PIECE;
    b.in = dckpt_scratch_get(sc, DCKPT_SCRATCH_A, b.cap);
  }
  size_t nsteps = 0;
  step *steps = raw && b.in ? make_steps(h, d->rec, &nsteps) : NULL;
  if (!steps) return dckpt_err_set(s->err, DCKPT_ENOMEM, "%s: out of memory", s->origin);
  filler f;
  bool two = nsteps >= 2 && raw_len >= DCKPT_FILL_HELPER_MIN;
  if (two) {
    memset(&f, 0, sizeof f);
    f.steps = steps;
    f.nsteps = nsteps;
    f.raw = raw;
    two = dckpt_worker_start_on(dckpt_scratch_helper(sc), &f.w, filler_run, &f);
  }
  int rc = decode_blocks(s, dctx, &b, raw, raw_len, steps, nsteps, two ? &f : NULL);
  if (two) filler_finish(&f); /* on failure too: no step may run past here */
  if (rc == DCKPT_ECORRUPT && from_file) rc = blame_hash(s, h, &b, rc);
  free(steps);
  return rc;
}

/* Whether a reader thread pays for itself: a large compressed payload read
 * from a file. */
static bool wants_prefetch(const source *s, const dckpt_hdr *h) {
  return !s->src->mem && h->compression != DCKPT_COMP_RAW &&
         h->raw_len >= DCKPT_STREAM_MIN && h->payload_len > DCKPT_SHUFFLE_BLOCK;
}

/* Gets what the chosen path needs from the scratch: the shuffle block
 * (B) for streamed decompression; the read chunk (A) and a hash state when
 * the payload comes from a file. With a reader thread in view, A is sized for
 * its ring at once, so that the ring and the read chunk are one buffer (the
 * chunk is what reading falls back to when the thread cannot start). A
 * payload decoded whole (inflate_whole) takes its buffers itself. */
static int take_buffers(source *s, dest *d, dckpt_scratch *sc, bool whole) {
  const dckpt_hdr *h = d->h;
  bool from_file = !s->src->mem;
  bool need_block =
      h->any_shuffled && !whole && (from_file || h->compression != DCKPT_COMP_RAW);
  /* with a reader thread, PF_BLOCKS blocks to hand over (the first one is
   * the block used when the thread cannot start) */
  size_t b_len = (wants_prefetch(s, h) ? PF_BLOCKS : 1) * DCKPT_SHUFFLE_BLOCK;
  if (need_block && !(d->block = dckpt_scratch_get(sc, DCKPT_SCRATCH_B, b_len)))
    return DCKPT_ENOMEM;
  if (!from_file) return DCKPT_OK;
  size_t a_len =
      wants_prefetch(s, h) ? PF_RING * DCKPT_SHUFFLE_BLOCK : DCKPT_SHUFFLE_BLOCK;
  if ((!whole && !(s->chunk = dckpt_scratch_get(sc, DCKPT_SCRATCH_A, a_len))) ||
      !(s->xxh = XXH3_createState()))
    return DCKPT_ENOMEM;
  XXH3_64bits_reset(s->xxh);
  return DCKPT_OK;
}

/* Decompresses with a reader thread (the scratch's kept one when free)
 * feeding the chunks; false when the thread could not be set up (the caller
 * then reads in this thread). */
static bool inflate_prefetched(source *s, ZSTD_DCtx *dctx, dest *d, dckpt_scratch *sc,
                               int *rc) {
  prefetch p;
  memset(&p, 0, sizeof p);
  p.src = s->src;
  p.total = s->len;
  p.xxh = s->xxh;
  uint64_t alen = arena_size(d->h);
  if (alen >= DCKPT_BIG_MIN) {
    p.arena = d->rec->arena;
    p.arena_len = alen;
  }
  p.ring = s->chunk;   /* sized for the ring by take_buffers(), */
  p.blocks = d->block; /* and the blocks too (NULL: nothing is shuffled) */
  if (!dckpt_worker_start_on(dckpt_scratch_helper(sc), &p.w, prefetch_run, &p))
    return false;
  s->pf = &p;
  if (p.blocks) d->pf = &p;
  *rc = inflate_all(s, dctx, d);
  if (p.blocks) pf_decoder_done(&p);
  s->pf = NULL;
  d->pf = NULL;
  /* a reader still running (the decoder stopped early) is cancelled; its
   * error, if any, already reached the decoder through refill_prefetch() */
  (void)dckpt_worker_join(&p.w);
  return true;
}

static int fill(source *s, dest *d, dckpt_scratch *sc) {
  const dckpt_hdr *h = d->h;
  bool whole = dckpt_load_whole(h, !s->src->mem);
  if (take_buffers(s, d, sc, whole) != DCKPT_OK)
    return dckpt_err_set(s->err, DCKPT_ENOMEM, "%s: out of memory", s->origin);
  if (h->compression == DCKPT_COMP_RAW) {
    if (!s->src->mem) return read_raw(s, d);
    fill_mem(h, d->rec, s->src->mem);
    return DCKPT_OK;
  }
  ZSTD_DCtx *dctx = dckpt_scratch_dctx(sc);
  if (!dctx) return dckpt_err_set(s->err, DCKPT_ENOMEM, "%s: out of memory", s->origin);
  if (whole) return inflate_whole(s, dctx, d, sc);
  int rc;
  if (wants_prefetch(s, h) && inflate_prefetched(s, dctx, d, sc, &rc)) return rc;
  return inflate_all(s, dctx, d);
}

int dckpt_decode_payload(const dckpt_hdr *h, const dckpt_payload_src *src,
                         dckpt_record *rec, const char *origin, dckpt_scratch *sc,
                         dckpt_err *err) {
  dckpt_scratch local = {0};
  source s = {src, 0, h->payload_len, NULL, NULL, NULL, origin, err};
  dest d = {h, rec, h->table, 0, -1, {0}, 0, NULL, NULL, 0};
  int rc = fill(&s, &d, sc ? sc : &local);
  /* Read from a file, the payload is hashed on the way through. */
  if (rc == DCKPT_OK && s.xxh)
    rc = dckpt_check_payload_hash(h, XXH3_64bits_digest(s.xxh), origin, err);
  XXH3_freeState(s.xxh);
  dckpt_scratch_free(&local);
  return rc;
}

int dckpt_check_payload_hash(const dckpt_hdr *h, uint64_t actual, const char *origin,
                             dckpt_err *err) {
  if (actual == h->payload_hash) return DCKPT_OK;
  return dckpt_err_set(err, DCKPT_ECORRUPT,
                       "%s: corrupt record: payload checksum mismatch (stored %016llx, "
                       "computed %016llx)",
                       origin, (unsigned long long)h->payload_hash,
                       (unsigned long long)actual);
}

int dckpt_decode_buffer(const uint8_t *buf, size_t len, const char *origin,
                        dckpt_record **out, dckpt_err *err) {
  *out = NULL;
  uint64_t hb;
  dckpt_hdr h;
  DCKPT_TRY(dckpt_hdr_frame(buf, len, origin, &hb, err));
  DCKPT_TRY(dckpt_hdr_parse(buf, hb, len, origin, &h, err));
  const uint8_t *payload = buf + hb;
  DCKPT_TRY(dckpt_check_payload_hash(&h, XXH3_64bits(payload, (size_t)h.payload_len),
                                     origin, err));
  /* Checked before the arena is allocated: the frame must agree with the
   * header about the size it is about to be given. */
  DCKPT_TRY(dckpt_payload_check_start(&h, payload, (size_t)h.payload_len, origin, err));
  dckpt_record *rec;
  DCKPT_TRY(dckpt_decode_skeleton(&h, origin, NULL, &rec, err));
  dckpt_payload_src src = {payload, NULL, NULL};
  int rc = dckpt_decode_payload(&h, &src, rec, origin, NULL, err);
  if (rc != DCKPT_OK) {
    dckpt_record_free(rec);
    return rc;
  }
  *out = rec;
  return DCKPT_OK;
}

int dckpt_record_parse(const void *buf, size_t len, dckpt_record **out) {
  if (!out) return DCKPT_EINVAL;
  *out = NULL;
  dckpt_err e;
  dckpt_err_clear(&e);
  int rc = buf || len == 0 ? dckpt_decode_buffer(buf, len, "buffer", out, &e)
                           : dckpt_err_set(&e, DCKPT_EINVAL,
                                           "record_parse: NULL buffer of %zu bytes", len);
  if (rc != DCKPT_OK) *out = dckpt_record_failed_(&e);
  return rc;
}
