/* Little-endian loads and stores for the record header. The header is parsed
 * from untrusted bytes, so every access goes through these byte-wise helpers
 * (no unaligned or type-punned reads). */
#ifndef DCKPT_FORMAT_LE_H
#define DCKPT_FORMAT_LE_H

#include <stdint.h>

/* Array data is stored in host order and the format says little-endian; a
 * big-endian port would need byte swapping in the shuffle/copy paths. */
#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__)
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#error "dckpt: big-endian hosts are not supported by the record format yet"
#endif
#endif

static inline uint32_t dckpt_le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static inline uint64_t dckpt_le64(const uint8_t *p) {
  return (uint64_t)dckpt_le32(p) | (uint64_t)dckpt_le32(p + 4) << 32;
}

static inline void dckpt_put_le32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static inline void dckpt_put_le64(uint8_t *p, uint64_t v) {
  dckpt_put_le32(p, (uint32_t)v);
  dckpt_put_le32(p + 4, (uint32_t)(v >> 32));
}

#endif
