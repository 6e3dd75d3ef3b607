/* Record header layout. Writing trusts the record (validated by put);
 * parsing trusts nothing: every length is checked against what is left of
 * the buffer before it is used, and every size against the format bounds,
 * before the caller allocates anything. */
#include "format/codec.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "format/le.h"
#include "format/record_internal.h"
#include "util/json.h"
#include "util/xxh.h"

/* "<origin>: corrupt record: <what>" (or "oversized record" for ETOOBIG). */
__attribute__((format(printf, 4, 5))) static int
dckpt_corrupt_(dckpt_err *err, int status, const char *origin, const char *fmt, ...) {
  if (!err) return status;
  char what[DCKPT_ERRMSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return dckpt_err_set(err, status, "%s: %s record: %s", origin,
                       status == DCKPT_ECORRUPT ? "corrupt" : "oversized", what);
}

bool dckpt_shuffles(dckpt_dtype dtype, bool compressed) {
  return compressed && dckpt_dtype_size(dtype) > 1;
}

static uint64_t entry_size(const dckpt_rec_array *a) {
  return 1 + a->name_len + 3 + 8 * (uint64_t)a->ndim + 16;
}

/* ---- writing ---- */

/* Version 2 exactly when the record carries an identity. */
static uint64_t fixed_size(const dckpt_record *rec) {
  return rec->identity ? DCKPT_HDR_FIXED_V2 : DCKPT_HDR_FIXED_V1;
}

int dckpt_hdr_measure(const dckpt_record *rec, uint64_t *header_bytes, uint64_t *raw_len,
                      dckpt_err *err) {
  uint64_t hb = fixed_size(rec) + DCKPT_HDR_TAIL;
  hb += rec->header ? rec->header_len : 2;
  hb += rec->identity ? rec->identity_len : 0;
  uint64_t raw = 0;
  for (size_t i = 0; i < rec->count; i++) {
    hb += entry_size(&rec->arrays[i]);
    raw += rec->arrays[i].nbytes; /* each <= 2^40, count <= 2^16: no overflow */
  }
  if (hb > DCKPT_HDR_MAX)
    return dckpt_err_set(err, DCKPT_ETOOBIG,
                         "record header would be %llu bytes, more than the limit of %llu",
                         (unsigned long long)hb, (unsigned long long)DCKPT_HDR_MAX);
  if (raw > DCKPT_RECORD_MAX_RAW)
    return dckpt_err_set(err, DCKPT_ETOOBIG,
                         "record holds %llu bytes of arrays, more than the limit of %llu",
                         (unsigned long long)raw,
                         (unsigned long long)DCKPT_RECORD_MAX_RAW);
  *header_bytes = hb;
  *raw_len = raw;
  return DCKPT_OK;
}

static uint8_t *write_entry(uint8_t *p, const dckpt_rec_array *a, uint64_t offset,
                            bool compressed) {
  *p++ = (uint8_t)a->name_len;
  memcpy(p, a->name, a->name_len);
  p += a->name_len;
  *p++ = (uint8_t)a->dtype;
  *p++ = dckpt_shuffles(a->dtype, compressed) ? DCKPT_ARRAY_SHUFFLED : 0;
  *p++ = (uint8_t)a->ndim;
  for (int d = 0; d < a->ndim; d++, p += 8)
    dckpt_put_le64(p, a->shape[d]);
  dckpt_put_le64(p, offset);
  dckpt_put_le64(p + 8, a->nbytes);
  return p + 16;
}

void dckpt_hdr_write(const dckpt_record *rec, const dckpt_hdr_params *prm, uint8_t *buf,
                     uint64_t header_bytes) {
  const char *json = rec->header ? rec->header : "{}";
  size_t json_len = rec->header ? rec->header_len : 2;
  dckpt_put_le32(buf, DCKPT_SKIPPABLE_MAGIC);
  dckpt_put_le32(buf + 4, (uint32_t)(header_bytes - 8));
  memcpy(buf + 8, DCKPT_RECORD_MAGIC, 8);
  dckpt_put_le32(buf + 16,
                 rec->identity ? DCKPT_FORMAT_VERSION_2 : DCKPT_FORMAT_VERSION_1);
  dckpt_put_le32(buf + 20, 0); /* flags: none defined */
  dckpt_put_le32(buf + 24, prm->compression);
  dckpt_put_le32(buf + 28, (uint32_t)prm->level);
  dckpt_put_le32(buf + 32, (uint32_t)rec->count);
  dckpt_put_le32(buf + 36, (uint32_t)json_len);
  dckpt_put_le64(buf + 40, prm->payload_len);
  dckpt_put_le64(buf + 48, prm->raw_len);
  if (rec->identity) {
    dckpt_put_le32(buf + 56, (uint32_t)rec->identity_len);
    dckpt_put_le32(buf + 60, 0); /* reserved */
  }
  uint8_t *p = buf + fixed_size(rec);
  uint64_t offset = 0;
  for (size_t i = 0; i < rec->count; i++) {
    p = write_entry(p, &rec->arrays[i], offset, prm->compression == DCKPT_COMP_ZSTD);
    offset += rec->arrays[i].nbytes;
  }
  memcpy(p, json, json_len);
  p += json_len;
  if (rec->identity) {
    memcpy(p, rec->identity, rec->identity_len);
    p += rec->identity_len;
  }
  dckpt_put_le64(p, prm->payload_hash);
  dckpt_put_le64(p + 8, XXH3_64bits(buf, (size_t)(p + 8 - buf)));
}

/* ---- parsing ---- */

/* A bounded reader over the array table. */
typedef struct cursor {
  const uint8_t *p, *end;
} cursor;

static const uint8_t *take(cursor *c, size_t n) {
  if ((size_t)(c->end - c->p) < n) return NULL;
  const uint8_t *at = c->p;
  c->p += n;
  return at;
}

int dckpt_hdr_frame(const uint8_t *first, uint64_t total, const char *origin,
                    uint64_t *header_bytes, dckpt_err *err) {
  if (total < 8 || dckpt_le32(first) != DCKPT_SKIPPABLE_MAGIC)
    return dckpt_corrupt_(err, DCKPT_ECORRUPT, origin,
                          "not a dckpt record (no dckpt skippable frame at the start)");
  uint64_t hb = 8 + (uint64_t)dckpt_le32(first + 4);
  /* Every version keeps magic, version and the trailing header hash. */
  if (hb < 28)
    return dckpt_corrupt_(err, DCKPT_ECORRUPT, origin,
                          "header of %llu bytes is too short", (unsigned long long)hb);
  /* Truncation first: a damaged size field in a small file is corruption. */
  if (hb > total)
    return dckpt_corrupt_(err, DCKPT_ECORRUPT, origin,
                          "truncated: the header needs %llu bytes, the record has %llu",
                          (unsigned long long)hb, (unsigned long long)total);
  if (hb > DCKPT_HDR_MAX)
    return dckpt_corrupt_(err, DCKPT_ETOOBIG, origin,
                          "header of %llu bytes exceeds the limit of %llu",
                          (unsigned long long)hb, (unsigned long long)DCKPT_HDR_MAX);
  *header_bytes = hb;
  return DCKPT_OK;
}

/* Magic, header hash, version: what recognises a record of any version. */
static int check_magic(const uint8_t *buf, uint64_t hb, const char *origin,
                       uint32_t *version, dckpt_err *err) {
  if (memcmp(buf + 8, DCKPT_RECORD_MAGIC, 8) != 0)
    return dckpt_corrupt_(err, DCKPT_ECORRUPT, origin,
                          "not a dckpt record (bad magic in the header frame)");
  uint64_t stored = dckpt_le64(buf + hb - 8);
  uint64_t actual = XXH3_64bits(buf, (size_t)hb - 8);
  if (stored != actual)
    return dckpt_corrupt_(err, DCKPT_ECORRUPT, origin,
                          "header checksum mismatch (stored %016llx, computed %016llx)",
                          (unsigned long long)stored, (unsigned long long)actual);
  *version = dckpt_le32(buf + 16);
  if (*version != DCKPT_FORMAT_VERSION_1 && *version != DCKPT_FORMAT_VERSION_2)
    return dckpt_err_set(err, DCKPT_EVERSION,
                         "%s: record format version %u is not supported (this library "
                         "reads versions 1 to %u)",
                         origin, *version, DCKPT_FORMAT_VERSION);
  return DCKPT_OK;
}

/* Version 2's extra fixed fields: the identity's length and a reserved u32. */
static int check_fixed_v2(const uint8_t *buf, uint64_t hb, const char *origin,
                          dckpt_hdr *h, dckpt_err *err) {
  if (h->version != DCKPT_FORMAT_VERSION_2) return DCKPT_OK;
  if (hb < DCKPT_HDR_MIN_V2)
    return dckpt_corrupt_(err, DCKPT_ECORRUPT, origin,
                          "header of %llu bytes is too short", (unsigned long long)hb);
  h->ident_len = dckpt_le32(buf + 56);
  if (dckpt_le32(buf + 60) != 0)
    return dckpt_corrupt_(err, DCKPT_ECORRUPT, origin, "reserved header field is not 0");
  if (h->ident_len < 2 || h->ident_len > DCKPT_IDENTITY_MAX)
    return dckpt_corrupt_(err, DCKPT_ECORRUPT, origin,
                          "identity of %zu bytes (1 < length <= %llu)", h->ident_len,
                          (unsigned long long)DCKPT_IDENTITY_MAX);
  return DCKPT_OK;
}

static uint64_t header_fixed(const dckpt_hdr *h) {
  return h->version == DCKPT_FORMAT_VERSION_2 ? DCKPT_HDR_FIXED_V2 : DCKPT_HDR_FIXED_V1;
}

/* The fixed fields after the version, against each other and the total size. */
static int check_fixed(const uint8_t *buf, uint64_t hb, uint64_t total,
                       const char *origin, dckpt_hdr *h, dckpt_err *err) {
  if (hb < DCKPT_HDR_MIN_V1)
    return dckpt_corrupt_(err, DCKPT_ECORRUPT, origin,
                          "header of %llu bytes is too short", (unsigned long long)hb);
  DCKPT_TRY(check_fixed_v2(buf, hb, origin, h, err));
  uint32_t flags = dckpt_le32(buf + 20);
  h->compression = dckpt_le32(buf + 24);
  h->level = (int32_t)dckpt_le32(buf + 28);
  h->n_arrays = dckpt_le32(buf + 32);
  h->json_len = dckpt_le32(buf + 36);
  h->payload_len = dckpt_le64(buf + 40);
  h->raw_len = dckpt_le64(buf + 48);
  if (flags != 0)
    return dckpt_corrupt_(err, DCKPT_ECORRUPT, origin, "unknown header flags 0x%x",
                          flags);
  if (h->compression > DCKPT_COMP_ZSTD)
    return dckpt_corrupt_(err, DCKPT_ECORRUPT, origin, "unknown compression %u",
                          h->compression);
  if (h->n_arrays > DCKPT_MAX_ARRAYS)
    return dckpt_corrupt_(err, DCKPT_ETOOBIG, origin, "%u arrays exceed the limit of %u",
                          h->n_arrays, DCKPT_MAX_ARRAYS);
  uint64_t room = hb - header_fixed(h) - DCKPT_HDR_TAIL;
  if (h->ident_len > room || h->json_len > room - h->ident_len ||
      (uint64_t)h->n_arrays * DCKPT_ENTRY_MIN > room - h->ident_len - h->json_len)
    return dckpt_corrupt_(err, DCKPT_ECORRUPT, origin,
                          "%u arrays, %zu bytes of JSON and %zu of identity do not fit a "
                          "%llu-byte header",
                          h->n_arrays, h->json_len, h->ident_len, (unsigned long long)hb);
  if (h->payload_len != total - hb)
    return dckpt_corrupt_(err, DCKPT_ECORRUPT, origin,
                          "payload is %llu bytes but the header says %llu (truncated?)",
                          (unsigned long long)(total - hb),
                          (unsigned long long)h->payload_len);
  if (h->raw_len > DCKPT_RECORD_MAX_RAW)
    return dckpt_corrupt_(
        err, DCKPT_ETOOBIG, origin, "%llu bytes of arrays exceed the limit of %llu",
        (unsigned long long)h->raw_len, (unsigned long long)DCKPT_RECORD_MAX_RAW);
  bool zstd = h->compression == DCKPT_COMP_ZSTD;
  if (zstd ? (h->raw_len + DCKPT_ZSTD_MAX_RATIO - 1) / DCKPT_ZSTD_MAX_RATIO >
                 h->payload_len
           : h->raw_len != h->payload_len)
    return dckpt_corrupt_(err, DCKPT_ECORRUPT, origin,
                          "%llu bytes of arrays cannot come from a %llu-byte %s payload",
                          (unsigned long long)h->raw_len,
                          (unsigned long long)h->payload_len, zstd ? "zstd" : "raw");
  if (!zstd && h->level != 0)
    return dckpt_corrupt_(err, DCKPT_ECORRUPT, origin, "raw payload with level %d",
                          (int)h->level);
  return DCKPT_OK;
}

/* One table entry: name, dtype, flags, shape, and an extent that must start
 * where the previous array ended. */
static int check_entry(cursor *c, uint32_t i, uint64_t *next, const char *origin,
                       dckpt_hdr *h, dckpt_err *err) {
  const uint8_t *p = take(c, 1);
  size_t name_len = p ? *p : 0;
  const uint8_t *name = p ? take(c, name_len) : NULL;
  const uint8_t *meta = name ? take(c, 3) : NULL;
  if (!meta)
    return dckpt_corrupt_(err, DCKPT_ECORRUPT, origin, "array table ends inside entry %u",
                          i);
  char what[4 * DCKPT_MAX_NAME + 32], shown[4 * DCKPT_MAX_NAME + 8], why[64];
  dckpt_name_quote_((const char *)name, name_len, shown, sizeof shown);
  snprintf(what, sizeof what, "array %u ('%s')", i, shown);
  const char *problem =
      dckpt_name_problem_((const char *)name, name_len, false, why, sizeof why);
  if (problem)
    return dckpt_corrupt_(err, DCKPT_ECORRUPT, origin, "%s: invalid name: %s", what,
                          problem);
  dckpt_dtype dtype = (dckpt_dtype)meta[0];
  unsigned flags = meta[1];
  int ndim = meta[2];
  if (dckpt_dtype_size(dtype) == 0 || (flags & ~DCKPT_ARRAY_SHUFFLED) != 0 ||
      ndim > DCKPT_MAX_NDIM)
    return dckpt_corrupt_(err, DCKPT_ECORRUPT, origin,
                          "%s: dtype %u, flags 0x%x, ndim %d", what, meta[0], flags,
                          ndim);
  if ((flags & DCKPT_ARRAY_SHUFFLED) && dckpt_dtype_size(dtype) == 1)
    return dckpt_corrupt_(err, DCKPT_ECORRUPT, origin, "%s: byte array marked shuffled",
                          what);
  const uint8_t *rest = take(c, 8 * (size_t)ndim + 16);
  if (!rest)
    return dckpt_corrupt_(err, DCKPT_ECORRUPT, origin, "array table ends inside %s",
                          what);
  uint64_t shape[DCKPT_MAX_NDIM], nelems, nbytes;
  for (int d = 0; d < ndim; d++)
    shape[d] = dckpt_le64(rest + 8 * d);
  if (dckpt_shape_size_(dtype, ndim, shape, what, &nelems, &nbytes, err) != DCKPT_OK)
    return dckpt_err_wrap(err, "%s: oversized record", origin);
  uint64_t offset = dckpt_le64(rest + 8 * ndim);
  uint64_t stored = dckpt_le64(rest + 8 * ndim + 8);
  if (stored != nbytes || offset != *next || nbytes > h->raw_len - offset)
    return dckpt_corrupt_(err, DCKPT_ECORRUPT, origin,
                          "%s: extent %llu+%llu does not follow at %llu (%llu bytes "
                          "expected, payload %llu)",
                          what, (unsigned long long)offset, (unsigned long long)stored,
                          (unsigned long long)*next, (unsigned long long)nbytes,
                          (unsigned long long)h->raw_len);
  *next = offset + nbytes;
  if (flags & DCKPT_ARRAY_SHUFFLED) h->any_shuffled = true;
  return DCKPT_OK;
}

static int check_table(const uint8_t *buf, const char *origin, dckpt_hdr *h,
                       dckpt_err *err) {
  cursor c = {h->table, (const uint8_t *)h->json};
  uint64_t next = 0;
  h->any_shuffled = false;
  for (uint32_t i = 0; i < h->n_arrays; i++)
    DCKPT_TRY(check_entry(&c, i, &next, origin, h, err));
  if (c.p != c.end)
    return dckpt_corrupt_(err, DCKPT_ECORRUPT, origin,
                          "%zu stray bytes after the array table at offset %zu",
                          (size_t)(c.end - c.p), (size_t)(c.p - buf));
  if (next != h->raw_len)
    return dckpt_corrupt_(err, DCKPT_ECORRUPT, origin,
                          "arrays cover %llu of the %llu payload bytes",
                          (unsigned long long)next, (unsigned long long)h->raw_len);
  return DCKPT_OK;
}

static bool entry_name_eq(const uint8_t *a, const uint8_t *b) {
  return a[0] == b[0] && memcmp(a + 1, b + 1, a[0]) == 0;
}

/* Names must be unique. A hash set of entry offsets keeps this linear even
 * for the largest table a header may hold. */
static int check_unique(const uint8_t *buf, const char *origin, const dckpt_hdr *h,
                        dckpt_err *err) {
  if (h->n_arrays < 2) return DCKPT_OK;
  size_t cap = 16;
  while (cap < 2 * (size_t)h->n_arrays)
    cap *= 2;
  uint32_t *set = calloc(cap, sizeof *set);
  if (!set) return dckpt_err_set(err, DCKPT_ENOMEM, "%s: out of memory", origin);
  const uint8_t *p = h->table;
  int rc = DCKPT_OK;
  for (uint32_t i = 0; i < h->n_arrays && rc == DCKPT_OK; i++) {
    dckpt_hdr_entry e;
    const uint8_t *next = dckpt_hdr_entry_read(p, &e);
    size_t s = (size_t)XXH3_64bits(e.name, e.name_len) & (cap - 1);
    for (; set[s] != 0; s = (s + 1) & (cap - 1))
      if (entry_name_eq(buf + set[s] - 1, p)) {
        rc = dckpt_corrupt_(err, DCKPT_ECORRUPT, origin, "two arrays are named '%.*s'",
                            (int)e.name_len, e.name);
        break;
      }
    set[s] = (uint32_t)(p - buf) + 1;
    p = next;
  }
  free(set);
  return rc;
}

/* A JSON object without NUL bytes (the record's header, or its identity).
 * The identity, which the store reads, must hold each key once: the user's
 * header is the user's, read back as it was written. */
static int check_object(const char *origin, const char *what, const char *text,
                        size_t len, bool unique_keys, dckpt_err *err) {
  if (memchr(text, '\0', len))
    return dckpt_corrupt_(err, DCKPT_ECORRUPT, origin, "%s contains a NUL byte", what);
  cJSON *doc = cJSON_ParseWithLength(text, len);
  bool ok = doc && cJSON_IsObject(doc);
  bool oom = false;
  const char *twice = ok && unique_keys ? dckpt_json_repeated_key(doc, true, &oom) : NULL;
  int rc = DCKPT_OK;
  if (!ok)
    rc = dckpt_corrupt_(err, DCKPT_ECORRUPT, origin, "%s is not a JSON object", what);
  else if (oom)
    rc = dckpt_err_set(err, DCKPT_ENOMEM, "%s: out of memory checking its %s", origin,
                       what);
  else if (twice)
    rc = dckpt_corrupt_(err, DCKPT_ECORRUPT, origin,
                        "%s holds key \"%.64s\" twice in one object", what, twice);
  cJSON_Delete(doc);
  return rc;
}

int dckpt_hdr_parse(const uint8_t *buf, uint64_t header_bytes, uint64_t total,
                    const char *origin, dckpt_hdr *h, dckpt_err *err) {
  memset(h, 0, sizeof *h);
  h->header_bytes = header_bytes;
  DCKPT_TRY(check_magic(buf, header_bytes, origin, &h->version, err));
  DCKPT_TRY(check_fixed(buf, header_bytes, total, origin, h, err));
  const uint8_t *tail = buf + header_bytes - DCKPT_HDR_TAIL;
  h->table = buf + header_fixed(h);
  if (h->ident_len) h->ident = (const char *)(tail - h->ident_len);
  h->json = (const char *)(tail - h->ident_len - h->json_len);
  h->payload_hash = dckpt_le64(tail);
  DCKPT_TRY(check_table(buf, origin, h, err));
  DCKPT_TRY(check_unique(buf, origin, h, err));
  DCKPT_TRY(check_object(origin, "JSON header", h->json, h->json_len, false, err));
  return h->ident ? check_object(origin, "identity", h->ident, h->ident_len, true, err)
                  : DCKPT_OK;
}

const uint8_t *dckpt_hdr_entry_read(const uint8_t *p, dckpt_hdr_entry *e) {
  e->name_len = p[0];
  e->name = (const char *)p + 1;
  p += 1 + e->name_len;
  e->dtype = (dckpt_dtype)p[0];
  e->flags = p[1];
  e->ndim = p[2];
  p += 3;
  e->nelems = 1;
  for (int d = 0; d < e->ndim; d++, p += 8) {
    e->shape[d] = dckpt_le64(p);
    e->nelems *= e->shape[d];
  }
  e->offset = dckpt_le64(p);
  e->nbytes = dckpt_le64(p + 8);
  return p + 16;
}

int dckpt_payload_check_start(const dckpt_hdr *h, const uint8_t *payload, size_t n,
                              const char *origin, dckpt_err *err) {
  /* A raw payload is whatever the arrays hold, so it may even look like a
   * zstd frame: only the zstd direction of the sniff is unambiguous. */
  if (h->compression != DCKPT_COMP_ZSTD) return DCKPT_OK;
  if (n < 4 || dckpt_le32(payload) != DCKPT_ZSTD_MAGIC)
    return dckpt_corrupt_(err, DCKPT_ECORRUPT, origin,
                          "the header says zstd but the payload is not a zstd frame");
  unsigned long long fcs = ZSTD_getFrameContentSize(payload, n);
  if (fcs == ZSTD_CONTENTSIZE_ERROR || fcs == ZSTD_CONTENTSIZE_UNKNOWN)
    return dckpt_corrupt_(err, DCKPT_ECORRUPT, origin,
                          "zstd frame header is malformed or lacks the content size");
  if (fcs != h->raw_len)
    return dckpt_corrupt_(err, DCKPT_ECORRUPT, origin,
                          "zstd frame holds %llu bytes but the header says %llu", fcs,
                          (unsigned long long)h->raw_len);
  return DCKPT_OK;
}
