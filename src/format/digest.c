/* The content digest of a record: one XXH3-64 over what its arrays hold
 * (names, dtypes, shapes, bytes, in order), independent of how the record is
 * encoded (compression level, file format version) and of its header and
 * identity. A checkpoint that builds on other records (the store's metric
 * segments) lists their digests, so a file that verifies on its own but is
 * not the one that was meant (a stale segment of an abandoned history) is
 * recognized. */

#include "format/le.h"
#include "format/record_internal.h"
#include "util/xxh.h"

/* Counts and shapes enter as little-endian u64, like the format's header;
 * array bytes are little-endian already (format/le.h refuses other hosts). */
static void update_u64(XXH3_state_t *st, uint64_t v) {
  uint8_t b[8];
  dckpt_put_le64(b, v);
  XXH3_64bits_update(st, b, sizeof b);
}

int dckpt_record_digest(const dckpt_record *rec, uint64_t *digest) {
  if (!rec || !digest) return DCKPT_EINVAL;
  XXH3_state_t *st = XXH3_createState();
  if (!st) return DCKPT_ENOMEM;
  XXH3_64bits_reset(st);
  update_u64(st, rec->count);
  for (size_t i = 0; i < rec->count; i++) {
    const dckpt_rec_array *a = &rec->arrays[i];
    update_u64(st, a->name_len);
    XXH3_64bits_update(st, a->name, a->name_len);
    update_u64(st, (uint64_t)a->dtype);
    update_u64(st, (uint64_t)a->ndim);
    for (int d = 0; d < a->ndim; d++)
      update_u64(st, a->shape[d]);
    if (a->nbytes) XXH3_64bits_update(st, a->data, (size_t)a->nbytes);
  }
  *digest = XXH3_64bits_digest(st);
  XXH3_freeState(st);
  return DCKPT_OK;
}
