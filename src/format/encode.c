/* Writing records. Small records are built in one buffer and written with
 * one call: no threads, two allocations. Large records are streamed: the
 * header's size is known up front, so a placeholder goes first, then each
 * shuffled block is fed to zstd, whose worker threads compress while this
 * thread shuffles, hashes and writes; the real header is patched in last. */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "format/payload.h"
#include "format/record_internal.h"
#include "format/shuffle.h"

/* Ask the kernel to start writing back this often, so that the disk works
 * while compression goes on and the final fsync has little left to do. */
#define WRITEBACK_EVERY ((uint64_t)8 << 20)
/* zstd output buffer of the streaming path: fewer, larger writes. */
#define STREAM_OUT ((size_t)1 << 20)
/* Worker threads for large records; 0 keeps small ones single-threaded. */
#define STREAM_WORKERS 2

int dckpt_check_level(int level, dckpt_err *err) {
  if (level < -7 || level > 22)
    return dckpt_err_set(err, DCKPT_EINVAL,
                         "compression level %d is not 0 (raw) or a zstd level in -7..22",
                         level);
  return DCKPT_OK;
}

static int zstd_fail(size_t code, const char *target, dckpt_err *err) {
  int status =
      ZSTD_getErrorCode(code) == ZSTD_error_memory_allocation ? DCKPT_ENOMEM : DCKPT_EIO;
  return dckpt_err_set(err, status, "%s: zstd compression failed: %s", target,
                       ZSTD_getErrorName(code));
}

/* The raw payload of `rec`, shuffled when compressed, into `dst`. */
static void fill_raw(const dckpt_record *rec, bool compressed, uint8_t *dst) {
  for (size_t i = 0; i < rec->count; i++) {
    const dckpt_rec_array *a = &rec->arrays[i];
    if (a->nbytes == 0) continue;
    if (dckpt_shuffles(a->dtype, compressed))
      dckpt_shuffle_array(dst, a->data, (size_t)a->nbytes, dckpt_dtype_size(a->dtype));
    else
      memcpy(dst, a->data, (size_t)a->nbytes);
    dst += a->nbytes;
  }
}

static ZSTD_CCtx *make_cctx(int level, int workers, uint64_t raw) {
  ZSTD_CCtx *cctx = ZSTD_createCCtx();
  if (!cctx) return NULL;
  if (ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)) ||
      ZSTD_isError(ZSTD_CCtx_setPledgedSrcSize(cctx, raw))) {
    ZSTD_freeCCtx(cctx);
    return NULL;
  }
  /* A libzstd built without threads refuses workers; it then compresses
   * inline, which is slower but produces a valid frame all the same. */
  if (workers > 0) (void)ZSTD_CCtx_setParameter(cctx, ZSTD_c_nbWorkers, workers);
  return cctx;
}

/* ---- one shot ---- */

static int compress_once(const dckpt_record *rec, int level, uint64_t raw, uint8_t *dst,
                         size_t cap, uint64_t *plen, const char *target, dckpt_err *err) {
  uint8_t *scratch = malloc(raw ? (size_t)raw : 1);
  ZSTD_CCtx *cctx = make_cctx(level, 0, raw);
  int rc = DCKPT_OK;
  if (!scratch || !cctx) {
    rc = dckpt_err_set(err, DCKPT_ENOMEM, "%s: out of memory compressing", target);
  } else {
    fill_raw(rec, true, scratch);
    size_t n = ZSTD_compress2(cctx, dst, cap, scratch, (size_t)raw);
    if (ZSTD_isError(n))
      rc = zstd_fail(n, target, err);
    else
      *plen = n;
  }
  ZSTD_freeCCtx(cctx);
  free(scratch);
  return rc;
}

/* The whole record in one malloc'd buffer. */
static int encode_once(const dckpt_record *rec, int level, uint64_t hb, uint64_t raw,
                       const char *target, uint8_t **out, size_t *out_len,
                       dckpt_err *err) {
  bool zstd = level != 0;
  size_t cap = (size_t)hb + (zstd ? ZSTD_compressBound((size_t)raw) : (size_t)raw);
  uint8_t *buf = malloc(cap);
  if (!buf) return dckpt_err_set(err, DCKPT_ENOMEM, "%s: out of memory encoding", target);
  uint64_t plen = raw;
  if (zstd) {
    int rc = compress_once(rec, level, raw, buf + hb, cap - hb, &plen, target, err);
    if (rc != DCKPT_OK) {
      free(buf);
      return rc;
    }
  } else {
    fill_raw(rec, false, buf + hb);
  }
  dckpt_hdr_params p = {zstd ? DCKPT_COMP_ZSTD : DCKPT_COMP_RAW, level, plen, raw,
                        XXH3_64bits(buf + hb, (size_t)plen)};
  dckpt_hdr_write(rec, &p, buf, hb);
  *out = buf;
  *out_len = (size_t)(hb + plen);
  return DCKPT_OK;
}

/* ---- streaming ---- */

/* Where payload bytes go: the file, or a buffer sized for the worst case. */
typedef struct sink {
  dckpt_atomic_file *file;
  uint8_t *mem;
  uint64_t mem_cap;
  uint64_t payload_len;
  uint64_t unsynced;
  XXH3_state_t *xxh;
  dckpt_err *err;
} sink;

static int sink_emit(sink *s, const void *p, size_t n) {
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

typedef struct stream {
  sink *out;
  ZSTD_CCtx *cctx; /* NULL for a raw payload */
  uint8_t *chunk;  /* one shuffled block */
  uint8_t *zbuf;   /* zstd output */
  const char *target;
} stream;

static int stream_feed(stream *st, const void *p, size_t n, ZSTD_EndDirective mode) {
  if (!st->cctx) return sink_emit(st->out, p, n);
  ZSTD_inBuffer in = {p, n, 0};
  for (;;) {
    ZSTD_outBuffer zout = {st->zbuf, STREAM_OUT, 0};
    /* With workers this only queues input and collects finished output; it
     * blocks (rather than spins) when every job slot is busy. */
    size_t left = ZSTD_compressStream2(st->cctx, &zout, &in, mode);
    if (ZSTD_isError(left)) return zstd_fail(left, st->target, st->out->err);
    if (zout.pos > 0) DCKPT_TRY(sink_emit(st->out, st->zbuf, zout.pos));
    if (mode == ZSTD_e_end ? left == 0 : in.pos == in.size) return DCKPT_OK;
  }
}

static int stream_array(stream *st, const dckpt_rec_array *a) {
  size_t esize = dckpt_dtype_size(a->dtype);
  bool shuffled = dckpt_shuffles(a->dtype, st->cctx != NULL);
  const uint8_t *data = a->data;
  for (uint64_t off = 0; off < a->nbytes; off += DCKPT_SHUFFLE_BLOCK) {
    size_t len = (size_t)(a->nbytes - off < DCKPT_SHUFFLE_BLOCK ? a->nbytes - off
                                                                : DCKPT_SHUFFLE_BLOCK);
    const uint8_t *src = data + off;
    if (shuffled) {
      dckpt_shuffle(st->chunk, src, len / esize, esize);
      src = st->chunk;
    }
    DCKPT_TRY(stream_feed(st, src, len, ZSTD_e_continue));
  }
  return DCKPT_OK;
}

static int stream_payload(const dckpt_record *rec, int level, uint64_t raw, stream *st) {
  if (level != 0) {
    st->cctx = make_cctx(level, STREAM_WORKERS, raw);
    st->chunk = malloc(DCKPT_SHUFFLE_BLOCK);
    st->zbuf = malloc(STREAM_OUT);
    if (!st->cctx || !st->chunk || !st->zbuf)
      return dckpt_err_set(st->out->err, DCKPT_ENOMEM, "%s: out of memory compressing",
                           st->target);
  }
  for (size_t i = 0; i < rec->count; i++)
    DCKPT_TRY(stream_array(st, &rec->arrays[i]));
  return st->cctx ? stream_feed(st, "", 0, ZSTD_e_end) : DCKPT_OK;
}

/* Streams the payload to `out` and fills in `p`; the caller places the
 * header in front of it. */
static int encode_stream(const dckpt_record *rec, int level, uint64_t raw, sink *out,
                         const char *target, dckpt_hdr_params *p) {
  stream st = {out, NULL, NULL, NULL, target};
  out->xxh = XXH3_createState();
  int rc = out->xxh ? DCKPT_OK
                    : dckpt_err_set(out->err, DCKPT_ENOMEM, "%s: out of memory", target);
  if (rc == DCKPT_OK) {
    XXH3_64bits_reset(out->xxh);
    rc = stream_payload(rec, level, raw, &st);
  }
  if (rc == DCKPT_OK) {
    p->compression = level != 0 ? DCKPT_COMP_ZSTD : DCKPT_COMP_RAW;
    p->level = level;
    p->payload_len = out->payload_len;
    p->raw_len = raw;
    p->payload_hash = XXH3_64bits_digest(out->xxh);
  }
  ZSTD_freeCCtx(st.cctx);
  free(st.chunk);
  free(st.zbuf);
  XXH3_freeState(out->xxh);
  return rc;
}

/* ---- entry points ---- */

int dckpt_encode_file(const dckpt_record *rec, int level, dckpt_atomic_file *f,
                      const char *target, dckpt_err *err) {
  uint64_t hb, raw;
  DCKPT_TRY(dckpt_check_level(level, err));
  DCKPT_TRY(dckpt_hdr_measure(rec, &hb, &raw, err));
  if (raw < DCKPT_STREAM_MIN) {
    uint8_t *buf;
    size_t len;
    DCKPT_TRY(encode_once(rec, level, hb, raw, target, &buf, &len, err));
    int rc = dckpt_atomic_write(f, buf, len, err);
    free(buf);
    return rc;
  }
  uint8_t *head = calloc(1, (size_t)hb);
  if (!head) return dckpt_err_set(err, DCKPT_ENOMEM, "%s: out of memory", target);
  sink out = {.file = f, .err = err};
  dckpt_hdr_params p;
  int rc = dckpt_atomic_write(f, head, (size_t)hb, err); /* placeholder */
  if (rc == DCKPT_OK) rc = encode_stream(rec, level, raw, &out, target, &p);
  if (rc == DCKPT_OK) {
    dckpt_hdr_write(rec, &p, head, hb);
    rc = dckpt_atomic_pwrite(f, head, (size_t)hb, 0, err);
  }
  free(head);
  return rc;
}

int dckpt_encode_memory(const dckpt_record *rec, int level, uint8_t **out,
                        size_t *out_len, dckpt_err *err) {
  uint64_t hb, raw;
  const char *target = "buffer";
  DCKPT_TRY(dckpt_check_level(level, err));
  DCKPT_TRY(dckpt_hdr_measure(rec, &hb, &raw, err));
  if (raw < DCKPT_STREAM_MIN)
    return encode_once(rec, level, hb, raw, target, out, out_len, err);
  /* Same stream as for a file, so that both give the same bytes. */
  size_t cap = (size_t)hb + (level ? ZSTD_compressBound((size_t)raw) : (size_t)raw);
  uint8_t *buf = malloc(cap);
  if (!buf) return dckpt_err_set(err, DCKPT_ENOMEM, "%s: out of memory", target);
  sink s = {.mem = buf + hb, .mem_cap = cap - hb, .err = err};
  dckpt_hdr_params p;
  int rc = encode_stream(rec, level, raw, &s, target, &p);
  if (rc != DCKPT_OK) {
    free(buf);
    return rc;
  }
  dckpt_hdr_write(rec, &p, buf, hb);
  *out_len = (size_t)(hb + p.payload_len);
  uint8_t *shrunk = realloc(buf, *out_len);
  *out = shrunk ? shrunk : buf;
  return DCKPT_OK;
}

int dckpt_record_encode(const dckpt_record *rec, int level, void **out, size_t *out_len) {
  if (!rec || !out || !out_len) return DCKPT_EINVAL;
  *out = NULL;
  *out_len = 0;
  dckpt_err err;
  dckpt_err_clear(&err);
  uint8_t *buf = NULL;
  int rc = dckpt_encode_memory(rec, level, &buf, out_len, &err);
  if (rc != DCKPT_OK) return dckpt_record_fail_(rec, rc, "%s", err.msg);
  *out = buf;
  return DCKPT_OK;
}
