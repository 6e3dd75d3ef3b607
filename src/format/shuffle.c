#include "format/shuffle.h"

#include <string.h>

/* The kernels treat 8 (or 4) elements as a small byte matrix, one element per
 * row, and transpose it inside integer registers with three (two) rounds of
 * masked swaps. That moves 64 bytes per ~50 simple operations, several times
 * faster than a byte-at-a-time loop, without relying on SIMD intrinsics.
 * The same transpose undoes itself, so shuffle and unshuffle share it. */

static inline uint64_t load64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline void store64(uint8_t *p, uint64_t v) {
  memcpy(p, &v, sizeof v);
}

static inline uint32_t load32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline void store32(uint8_t *p, uint32_t v) {
  memcpy(p, &v, sizeof v);
}

/* Transposes the 8x8 byte matrix whose row i is byte-wise r[i]. */
static inline void transpose8x8(uint64_t r[8]) {
  for (int i = 0; i < 4; i++) {
    uint64_t t = ((r[i] >> 32) ^ r[i + 4]) & 0x00000000FFFFFFFFull;
    r[i] ^= t << 32;
    r[i + 4] ^= t;
  }
  static const int upper[4] = {0, 1, 4, 5};
  for (int k = 0; k < 4; k++) {
    int i = upper[k];
    uint64_t t = ((r[i] >> 16) ^ r[i + 2]) & 0x0000FFFF0000FFFFull;
    r[i] ^= t << 16;
    r[i + 2] ^= t;
  }
  for (int i = 0; i < 8; i += 2) {
    uint64_t t = ((r[i] >> 8) ^ r[i + 1]) & 0x00FF00FF00FF00FFull;
    r[i] ^= t << 8;
    r[i + 1] ^= t;
  }
}

static inline void transpose4x4(uint32_t r[4]) {
  for (int i = 0; i < 2; i++) {
    uint32_t t = ((r[i] >> 16) ^ r[i + 2]) & 0x0000FFFFu;
    r[i] ^= t << 16;
    r[i + 2] ^= t;
  }
  for (int i = 0; i < 4; i += 2) {
    uint32_t t = ((r[i] >> 8) ^ r[i + 1]) & 0x00FF00FFu;
    r[i] ^= t << 8;
    r[i + 1] ^= t;
  }
}

/* Elements [from, n): the tail the block kernels leave, or every element for
 * sizes without a kernel. */
static void shuffle_tail(uint8_t *dst, const uint8_t *src, size_t from, size_t n,
                         size_t esize) {
  for (size_t i = from; i < n; i++)
    for (size_t b = 0; b < esize; b++)
      dst[b * n + i] = src[i * esize + b];
}

static void unshuffle_tail(uint8_t *dst, const uint8_t *src, size_t from, size_t n,
                           size_t esize) {
  for (size_t i = from; i < n; i++)
    for (size_t b = 0; b < esize; b++)
      dst[i * esize + b] = src[b * n + i];
}

void dckpt_shuffle(uint8_t *dst, const uint8_t *src, size_t n, size_t esize) {
  size_t i = 0;
  if (esize == 8) {
    for (; i + 8 <= n; i += 8) {
      uint64_t r[8];
      for (int k = 0; k < 8; k++)
        r[k] = load64(src + (i + (size_t)k) * 8);
      transpose8x8(r);
      for (int b = 0; b < 8; b++)
        store64(dst + (size_t)b * n + i, r[b]);
    }
  } else if (esize == 4) {
    for (; i + 4 <= n; i += 4) {
      uint32_t r[4];
      for (int k = 0; k < 4; k++)
        r[k] = load32(src + (i + (size_t)k) * 4);
      transpose4x4(r);
      for (int b = 0; b < 4; b++)
        store32(dst + (size_t)b * n + i, r[b]);
    }
  }
  shuffle_tail(dst, src, i, n, esize);
}

void dckpt_unshuffle(uint8_t *dst, const uint8_t *src, size_t n, size_t esize) {
  size_t i = 0;
  if (esize == 8) {
    for (; i + 8 <= n; i += 8) {
      uint64_t r[8];
      for (int b = 0; b < 8; b++)
        r[b] = load64(src + (size_t)b * n + i);
      transpose8x8(r);
      for (int k = 0; k < 8; k++)
        store64(dst + (i + (size_t)k) * 8, r[k]);
    }
  } else if (esize == 4) {
    for (; i + 4 <= n; i += 4) {
      uint32_t r[4];
      for (int b = 0; b < 4; b++)
        r[b] = load32(src + (size_t)b * n + i);
      transpose4x4(r);
      for (int k = 0; k < 4; k++)
        store32(dst + (i + (size_t)k) * 4, r[k]);
    }
  }
  unshuffle_tail(dst, src, i, n, esize);
}

void dckpt_shuffle_array(uint8_t *dst, const uint8_t *src, size_t nbytes, size_t esize) {
  for (size_t off = 0; off < nbytes; off += DCKPT_SHUFFLE_BLOCK) {
    size_t len = nbytes - off < DCKPT_SHUFFLE_BLOCK ? nbytes - off : DCKPT_SHUFFLE_BLOCK;
    dckpt_shuffle(dst + off, src + off, len / esize, esize);
  }
}

void dckpt_unshuffle_array(uint8_t *dst, const uint8_t *src, size_t nbytes,
                           size_t esize) {
  for (size_t off = 0; off < nbytes; off += DCKPT_SHUFFLE_BLOCK) {
    size_t len = nbytes - off < DCKPT_SHUFFLE_BLOCK ? nbytes - off : DCKPT_SHUFFLE_BLOCK;
    dckpt_unshuffle(dst + off, src + off, len / esize, esize);
  }
}
