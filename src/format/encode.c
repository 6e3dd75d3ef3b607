/* Writing records. Small records are built in one buffer and written with
 * one call: no threads, two allocations. Large records are streamed
 * (stream.c): the header's size is known up front, so a placeholder goes
 * first, then the payload, and the real header is patched in last. */
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "format/payload.h"
#include "format/record_internal.h"
#include "format/shuffle.h"
#include "format/stream.h"
#include "util/xxh.h"

int dckpt_check_level(int level, dckpt_err *err) {
  if (level < -7 || level > 22)
    return dckpt_err_set(err, DCKPT_EINVAL,
                         "compression level %d is not 0 (raw) or a zstd level in -7..22",
                         level);
  return DCKPT_OK;
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

/* ---- one shot ---- */

/* A durable one-shot save writes its encoded record in pieces of this size
 * and asks the kernel to start writing each back at once, so that the disk
 * works while the rest is still copied into the page cache, and the final
 * flush has less left to wait for. The bytes are those of one write. Durable
 * file-API saves, alternated medians of 60 (load 1.3-1.9): 3.9 MiB of arrays
 * 5.8-6.1 -> 4.8-5.5 ms; 1 MiB 1.46-1.88 -> 1.45-1.66 ms. 64 KiB pieces were
 * no better at 256 KiB and worse at 1 MiB. */
#define WRITE_PIECE ((size_t)256 << 10)

static int compress_once(const dckpt_record *rec, int level, uint64_t raw, uint8_t *dst,
                         size_t cap, uint64_t *plen, const char *target,
                         dckpt_scratch *sc, dckpt_err *err) {
  uint8_t *shuffled = dckpt_scratch_get(sc, DCKPT_SCRATCH_B, raw ? (size_t)raw : 1);
  ZSTD_CCtx *cctx = shuffled ? dckpt_scratch_cctx(sc, level, 0, raw) : NULL;
  if (!cctx)
    return dckpt_err_set(err, DCKPT_ENOMEM, "%s: out of memory compressing", target);
  fill_raw(rec, true, shuffled);
  size_t n = ZSTD_compress2(cctx, dst, cap, shuffled, (size_t)raw);
  if (ZSTD_isError(n)) return dckpt_zstd_fail(n, target, err);
  *plen = n;
  return DCKPT_OK;
}

/* The whole record in buffer A of `sc` (*out points into the scratch). */
static int encode_once(const dckpt_record *rec, int level, uint64_t hb, uint64_t raw,
                       const char *target, dckpt_scratch *sc, uint8_t **out,
                       size_t *out_len, dckpt_err *err) {
  bool zstd = level != 0;
  size_t cap = (size_t)hb + (zstd ? ZSTD_compressBound((size_t)raw) : (size_t)raw);
  uint8_t *buf = dckpt_scratch_get(sc, DCKPT_SCRATCH_A, cap);
  if (!buf) return dckpt_err_set(err, DCKPT_ENOMEM, "%s: out of memory encoding", target);
  uint64_t plen = raw;
  if (zstd)
    DCKPT_TRY(compress_once(rec, level, raw, buf + hb, cap - hb, &plen, target, sc, err));
  else
    fill_raw(rec, false, buf + hb);
  dckpt_hdr_params p = {zstd ? DCKPT_COMP_ZSTD : DCKPT_COMP_RAW, level, plen, raw,
                        XXH3_64bits(buf + hb, (size_t)plen)};
  dckpt_hdr_write(rec, &p, buf, hb);
  *out = buf;
  *out_len = (size_t)(hb + plen);
  return DCKPT_OK;
}

/* ---- entry points ---- */

/* A small record: encoded in the scratch (a local one when `sc` is NULL),
 * then written with one call. */
static int write_once(const dckpt_record *rec, int level, uint64_t hb, uint64_t raw,
                      dckpt_atomic_file *f, const char *target, dckpt_scratch *sc,
                      dckpt_err *err) {
  dckpt_scratch local = {0};
  uint8_t *buf;
  size_t len;
  int rc = encode_once(rec, level, hb, raw, target, sc ? sc : &local, &buf, &len, err);
  /* durable: in pieces, each handed to the disk at once (WRITE_PIECE) */
  size_t piece = f->io && f->io->durable ? WRITE_PIECE : len;
  for (size_t off = 0; rc == DCKPT_OK && off < len; off += piece) {
    size_t n = len - off < piece ? len - off : piece;
    rc = dckpt_atomic_write(f, buf + off, n, err);
    if (off + n < len) dckpt_atomic_start_writeback(f);
  }
  dckpt_scratch_free(&local);
  return rc;
}

int dckpt_encode_file(const dckpt_record *rec, int level, dckpt_atomic_file *f,
                      const char *target, dckpt_scratch *sc, dckpt_err *err) {
  uint64_t hb, raw;
  DCKPT_TRY(dckpt_check_level(level, err));
  DCKPT_TRY(dckpt_hdr_measure(rec, &hb, &raw, err));
  if (raw < DCKPT_STREAM_MIN) return write_once(rec, level, hb, raw, f, target, sc, err);
  uint8_t *head = calloc(1, (size_t)hb);
  if (!head) return dckpt_err_set(err, DCKPT_ENOMEM, "%s: out of memory", target);
  dckpt_scratch local = {0};
  dckpt_sink out = {.file = f, .err = err};
  dckpt_hdr_params p;
  int rc = dckpt_atomic_write(f, head, (size_t)hb, err); /* placeholder */
  if (rc == DCKPT_OK)
    rc = dckpt_stream_payload(rec, level, raw, &out, target, sc ? sc : &local, &p);
  if (rc == DCKPT_OK) {
    dckpt_hdr_write(rec, &p, head, hb);
    rc = dckpt_atomic_pwrite(f, head, (size_t)hb, 0, err);
  }
  dckpt_scratch_free(&local);
  free(head);
  return rc;
}

int dckpt_encode_memory(const dckpt_record *rec, int level, uint8_t **out,
                        size_t *out_len, dckpt_err *err) {
  uint64_t hb, raw;
  const char *target = "buffer";
  DCKPT_TRY(dckpt_check_level(level, err));
  DCKPT_TRY(dckpt_hdr_measure(rec, &hb, &raw, err));
  if (raw < DCKPT_STREAM_MIN) {
    /* The caller gets the buffer: taken out of a scratch of its own. */
    dckpt_scratch local = {0};
    int rc = encode_once(rec, level, hb, raw, target, &local, out, out_len, err);
    if (rc == DCKPT_OK) local.buf[DCKPT_SCRATCH_A] = NULL;
    dckpt_scratch_free(&local);
    return rc;
  }
  /* Same stream as for a file, so that both give the same bytes. */
  size_t cap = (size_t)hb + (level ? ZSTD_compressBound((size_t)raw) : (size_t)raw);
  uint8_t *buf = malloc(cap);
  if (!buf) return dckpt_err_set(err, DCKPT_ENOMEM, "%s: out of memory", target);
  /* The process's shared scratch, whose kept thread compresses: a thread
   * of the call's own would be started and joined at every call. */
  dckpt_scratch local = {0}, *sc = dckpt_scratch_borrow(true);
  dckpt_sink s = {.mem = buf + hb, .mem_cap = cap - hb, .err = err};
  dckpt_hdr_params p;
  int rc = dckpt_stream_payload(rec, level, raw, &s, target, sc ? sc : &local, &p);
  dckpt_scratch_give_back(sc);
  dckpt_scratch_free(&local);
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
  if (rc != DCKPT_OK) return rc; /* no message: the record is const */
  *out = buf;
  return DCKPT_OK;
}
