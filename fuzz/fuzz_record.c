/* Fuzzes the record decoder (dckpt_record_parse) with arbitrary bytes.
 * Random bytes almost never carry valid XXH3 checksums, which would stop
 * the fuzzer at the first check; so each input is decoded twice: as it is,
 * and with both checksums recomputed, which lets mutations reach the header
 * bounds, the array table, the JSON text and the zstd payload. Nothing may
 * crash, leak or read out of bounds, and every refusal needs a message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "dckpt.h"

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static void put_le64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

static void decode(const uint8_t *data, size_t size) {
  dckpt_record *rec = NULL;
  int rc = dckpt_record_parse(data, size, &rec);
  if (rc == DCKPT_OK) {
    /* Whatever decodes must be fully readable and encode again. */
    for (size_t i = 0; i < dckpt_record_count(rec); i++) {
      dckpt_array_info info;
      if (dckpt_record_at(rec, i, &info) != DCKPT_OK) abort();
      uint8_t sum = 0;
      for (uint64_t b = 0; b < info.nbytes; b++)
        sum ^= ((const uint8_t *)info.data)[b];
      /* Keeps the reads (every byte must be addressable) from being optimized out. */
      __asm__ volatile("" : : "r"(sum));
    }
    void *buf = NULL;
    size_t len = 0;
    if (dckpt_record_encode(rec, 1, &buf, &len) != DCKPT_OK) abort();
    dckpt_free(buf);
  } else if (rec != NULL && dckpt_record_errmsg(rec)[0] == '\0') {
    abort(); /* a refusal always says why */
  }
  dckpt_record_free(rec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  decode(data, size);
  if (size < 8) return 0;
  uint64_t hb = 8 + (uint64_t)le32(data + 4);
  if (hb < 28 || hb > size) return 0;
  uint8_t *copy = malloc(size);
  if (!copy) return 0;
  memcpy(copy, data, size);
  put_le64(copy + hb - 16, XXH3_64bits(copy + hb, size - (size_t)hb));
  put_le64(copy + hb - 8, XXH3_64bits(copy, (size_t)hb - 8));
  decode(copy, size);
  free(copy);
  return 0;
}
