/* Reading records: a verified header becomes a record skeleton whose arrays
 * all live in one arena; the payload is decompressed in one call, then
 * unshuffled (or copied) into place. When no array is shuffled and every
 * offset is 8-aligned, the raw payload is the arena itself and lands there
 * without a copy. Arrays always start 8-aligned so callers may read them as
 * the element type. */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include <zstd.h>

#include "format/payload.h"
#include "format/record_internal.h"
#include "format/shuffle.h"

static uint64_t align8(uint64_t x) {
  return (x + 7) & ~(uint64_t)7;
}

bool dckpt_decode_direct(const dckpt_hdr *h) {
  return !h->any_shuffled && h->aligned;
}

/* Bytes of the arena: the raw layout when direct, else each array 8-aligned. */
static uint64_t arena_size(const dckpt_hdr *h) {
  if (dckpt_decode_direct(h)) return h->raw_len;
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
    at = dckpt_decode_direct(h) ? e.offset : align8(at);
    a->data = arena ? arena + at : NULL;
    at += e.nbytes;
  }
  return DCKPT_OK;
}

int dckpt_decode_skeleton(const dckpt_hdr *h, const char *origin, dckpt_record **out,
                          dckpt_err *err) {
  *out = NULL;
  dckpt_record *rec = dckpt_record_create();
  uint64_t size = arena_size(h);
  int rc = rec ? dckpt_record_set_header_n_(rec, h->json, h->json_len) : DCKPT_ENOMEM;
  if (rc == DCKPT_OK && size > 0 && !(rec->arena = malloc((size_t)size)))
    rc = DCKPT_ENOMEM;
  if (rc == DCKPT_OK) rc = add_arrays(h, rec);
  if (rc != DCKPT_OK) {
    dckpt_record_free(rec);
    return dckpt_err_set(err, rc, "%s: out of memory for a record of %llu bytes", origin,
                         (unsigned long long)size);
  }
  *out = rec;
  return DCKPT_OK;
}

/* Moves each array from the raw payload `raw` into its place in the arena. */
static void scatter(const dckpt_hdr *h, const uint8_t *raw, dckpt_record *rec) {
  const uint8_t *p = h->table;
  for (uint32_t i = 0; i < h->n_arrays; i++) {
    dckpt_hdr_entry e;
    p = dckpt_hdr_entry_read(p, &e);
    uint8_t *dst = (uint8_t *)(uintptr_t)rec->arrays[i].data; /* points into the arena */
    if (e.nbytes == 0 || dst == raw + e.offset) continue;
    if (e.flags & DCKPT_ARRAY_SHUFFLED)
      dckpt_unshuffle_array(dst, raw + e.offset, (size_t)e.nbytes,
                            dckpt_dtype_size(e.dtype));
    else
      memcpy(dst, raw + e.offset, (size_t)e.nbytes);
  }
}

static int decompress(const dckpt_hdr *h, const uint8_t *payload, uint8_t *dst,
                      const char *origin, dckpt_err *err) {
  size_t frame = ZSTD_findFrameCompressedSize(payload, (size_t)h->payload_len);
  if (ZSTD_isError(frame) || frame != h->payload_len)
    return dckpt_err_set(err, DCKPT_ECORRUPT,
                         "%s: corrupt record: the payload is not exactly one zstd frame",
                         origin);
  ZSTD_DCtx *dctx = ZSTD_createDCtx();
  if (!dctx) return dckpt_err_set(err, DCKPT_ENOMEM, "%s: out of memory", origin);
  size_t n =
      ZSTD_decompressDCtx(dctx, dst, (size_t)h->raw_len, payload, (size_t)h->payload_len);
  ZSTD_freeDCtx(dctx);
  if (ZSTD_isError(n))
    return dckpt_err_set(err, DCKPT_ECORRUPT, "%s: corrupt record: zstd: %s", origin,
                         ZSTD_getErrorName(n));
  if (n != h->raw_len)
    return dckpt_err_set(err, DCKPT_ECORRUPT,
                         "%s: corrupt record: zstd produced %zu bytes, not %llu", origin,
                         n, (unsigned long long)h->raw_len);
  return DCKPT_OK;
}

int dckpt_decode_payload(const dckpt_hdr *h, const uint8_t *payload, dckpt_record *rec,
                         const char *origin, dckpt_err *err) {
  DCKPT_TRY(dckpt_payload_check_start(h, payload, (size_t)h->payload_len, origin, err));
  if (h->compression != DCKPT_COMP_ZSTD) {
    scatter(h, payload, rec);
    return DCKPT_OK;
  }
  bool direct = dckpt_decode_direct(h);
  uint8_t none[1]; /* an empty payload still has a frame to check */
  uint8_t *raw = h->raw_len == 0 ? none
                 : direct        ? rec->arena
                                 : malloc((size_t)h->raw_len);
  if (!raw)
    return dckpt_err_set(err, DCKPT_ENOMEM, "%s: out of memory for %llu bytes", origin,
                         (unsigned long long)h->raw_len);
  int rc = decompress(h, payload, raw, origin, err);
  if (rc == DCKPT_OK && !direct) scatter(h, raw, rec);
  if (raw != none && raw != rec->arena) free(raw);
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
  DCKPT_TRY(dckpt_decode_skeleton(&h, origin, &rec, err));
  int rc = dckpt_decode_payload(&h, payload, rec, origin, err);
  if (rc != DCKPT_OK) {
    dckpt_record_free(rec);
    return rc;
  }
  *out = rec;
  return DCKPT_OK;
}

int dckpt_record_decode(const void *buf, size_t len, dckpt_record **out, char *err,
                        size_t errlen) {
  if (err && errlen) err[0] = '\0';
  if (!out || (!buf && len > 0)) return DCKPT_EINVAL;
  dckpt_err e;
  dckpt_err_clear(&e);
  int rc = dckpt_decode_buffer(buf, len, "buffer", out, &e);
  if (rc != DCKPT_OK) dckpt_err_copy(&e, err, errlen);
  return rc;
}
