#include "format/shuffle.h"

#include <stdbool.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX2_KERNELS 1
#endif

/* The transposition is the hot loop of both saving and loading. On x86-64
 * (which always has SSE2) 16 elements move per step through rounds of
 * unpack instructions, and 32 at a time with AVX2 when the CPU has it (8-byte
 * elements: twice the SSE2 speed); elsewhere 8 (or 4) elements are
 * transposed inside 64-bit integers. Whatever no kernel covers goes byte by
 * byte. */

/* Elements [from, n) one byte at a time. */
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

#ifdef __SSE2__

#define LOAD(p)     _mm_loadu_si128((const __m128i *)(const void *)(p))
#define STORE(p, v) _mm_storeu_si128((__m128i *)(void *)(p), (v))

/* Notation: eK is element K, bJ its byte J. Input v[j] holds e(2j), e(2j+1).
 * Round 1 (bytes) pairs e(k) with e(k+2) in each byte; round 2 (words)
 * gathers groups {0,2,4,6}, {1,3,5,7}, {8..14 even}, {9..15 odd} per byte;
 * round 3 (dwords) joins the low and high element groups, giving 8 evens or
 * 8 odds for two bytes per register; round 4 zips evens with odds. */
static size_t shuffle8_sse2(uint8_t *dst, const uint8_t *src, size_t n, size_t i) {
  for (; i + 16 <= n; i += 16) {
    __m128i v[8], a[8], c[8], d[8];
    for (int j = 0; j < 8; j++)
      v[j] = LOAD(src + i * 8 + 16 * (size_t)j);
    for (int k = 0; k < 4; k++) {
      a[2 * k] = _mm_unpacklo_epi8(v[2 * k], v[2 * k + 1]);
      a[2 * k + 1] = _mm_unpackhi_epi8(v[2 * k], v[2 * k + 1]);
    }
    static const int first[4] = {0, 1, 4, 5}; /* pairs (0,2) (1,3) (4,6) (5,7) */
    for (int k = 0; k < 4; k++) {
      c[2 * k] = _mm_unpacklo_epi16(a[first[k]], a[first[k] + 2]);
      c[2 * k + 1] = _mm_unpackhi_epi16(a[first[k]], a[first[k] + 2]);
    }
    for (int k = 0; k < 2; k++) { /* evens: c0,c1 with c4,c5; odds: c2,c3 with c6,c7 */
      d[2 * k] = _mm_unpacklo_epi32(c[k], c[k + 4]);
      d[2 * k + 1] = _mm_unpackhi_epi32(c[k], c[k + 4]);
      d[2 * k + 4] = _mm_unpacklo_epi32(c[k + 2], c[k + 6]);
      d[2 * k + 5] = _mm_unpackhi_epi32(c[k + 2], c[k + 6]);
    }
    for (int k = 0; k < 4; k++) {
      STORE(dst + (size_t)(2 * k) * n + i, _mm_unpacklo_epi8(d[k], d[k + 4]));
      STORE(dst + (size_t)(2 * k + 1) * n + i, _mm_unpackhi_epi8(d[k], d[k + 4]));
    }
  }
  return i;
}

/* Inverse: planes p[b] hold byte b of e0..e15. Round 1 pairs bytes (0,1),
 * (2,3), ... per element; round 2 makes 4-byte halves; round 3 joins halves
 * into whole elements, two per register. */
static size_t unshuffle8_sse2(uint8_t *dst, const uint8_t *const pl[8], size_t n,
                              size_t i) {
  for (; i + 16 <= n; i += 16) {
    __m128i p[8], q[8], r[8];
    for (int b = 0; b < 8; b++)
      p[b] = LOAD(pl[b] + i);
    for (int k = 0; k < 4; k++) {
      q[k] = _mm_unpacklo_epi8(p[2 * k], p[2 * k + 1]);     /* e0..7 */
      q[k + 4] = _mm_unpackhi_epi8(p[2 * k], p[2 * k + 1]); /* e8..15 */
    }
    for (int h = 0; h < 2; h++) { /* h = 0: e0..7, h = 1: e8..15 */
      r[4 * h] = _mm_unpacklo_epi16(q[4 * h], q[4 * h + 1]); /* low halves */
      r[4 * h + 1] = _mm_unpackhi_epi16(q[4 * h], q[4 * h + 1]);
      r[4 * h + 2] = _mm_unpacklo_epi16(q[4 * h + 2], q[4 * h + 3]); /* high */
      r[4 * h + 3] = _mm_unpackhi_epi16(q[4 * h + 2], q[4 * h + 3]);
    }
    for (int h = 0; h < 2; h++)
      for (int k = 0; k < 2; k++) {
        uint8_t *out = dst + (i + 8 * (size_t)h + 4 * (size_t)k) * 8;
        STORE(out, _mm_unpacklo_epi32(r[4 * h + k], r[4 * h + k + 2]));
        STORE(out + 16, _mm_unpackhi_epi32(r[4 * h + k], r[4 * h + k + 2]));
      }
  }
  return i;
}

/* Same scheme for 4-byte elements: v[j] holds e(4j)..e(4j+3). */
static size_t shuffle4_sse2(uint8_t *dst, const uint8_t *src, size_t n) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m128i v[4], a[4], c[4], d[4];
    for (int j = 0; j < 4; j++)
      v[j] = LOAD(src + i * 4 + 16 * (size_t)j);
    for (int k = 0; k < 2; k++) {
      a[2 * k] = _mm_unpacklo_epi8(v[2 * k], v[2 * k + 1]);
      a[2 * k + 1] = _mm_unpackhi_epi8(v[2 * k], v[2 * k + 1]);
    }
    for (int k = 0; k < 2; k++) { /* evens and odds of e0..7, then of e8..15 */
      c[2 * k] = _mm_unpacklo_epi8(a[2 * k], a[2 * k + 1]);
      c[2 * k + 1] = _mm_unpackhi_epi8(a[2 * k], a[2 * k + 1]);
    }
    d[0] = _mm_unpacklo_epi32(c[0], c[2]); /* evens: b0 | b1 */
    d[1] = _mm_unpackhi_epi32(c[0], c[2]); /* evens: b2 | b3 */
    d[2] = _mm_unpacklo_epi32(c[1], c[3]); /* odds:  b0 | b1 */
    d[3] = _mm_unpackhi_epi32(c[1], c[3]); /* odds:  b2 | b3 */
    for (int k = 0; k < 2; k++) {
      STORE(dst + (size_t)(2 * k) * n + i, _mm_unpacklo_epi8(d[k], d[k + 2]));
      STORE(dst + (size_t)(2 * k + 1) * n + i, _mm_unpackhi_epi8(d[k], d[k + 2]));
    }
  }
  return i;
}

static size_t unshuffle4_sse2(uint8_t *dst, const uint8_t *src, size_t n) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m128i p[4], q[4];
    for (int b = 0; b < 4; b++)
      p[b] = LOAD(src + (size_t)b * n + i);
    q[0] = _mm_unpacklo_epi8(p[0], p[1]); /* e0..7: bytes 0,1 */
    q[1] = _mm_unpackhi_epi8(p[0], p[1]); /* e8..15 */
    q[2] = _mm_unpacklo_epi8(p[2], p[3]); /* e0..7: bytes 2,3 */
    q[3] = _mm_unpackhi_epi8(p[2], p[3]);
    STORE(dst + i * 4, _mm_unpacklo_epi16(q[0], q[2]));
    STORE(dst + i * 4 + 16, _mm_unpackhi_epi16(q[0], q[2]));
    STORE(dst + i * 4 + 32, _mm_unpacklo_epi16(q[1], q[3]));
    STORE(dst + i * 4 + 48, _mm_unpackhi_epi16(q[1], q[3]));
  }
  return i;
}

#endif

#ifdef HAVE_AVX2_KERNELS

/* AVX2, 8-byte elements, 32 per step. Lane 0 of register j holds elements
 * 2j and 2j+1, lane 1 elements 16+2j and 17+2j. A byte shuffle pairs byte b
 * of the two elements into 16-bit word b; an 8x8 transpose of those words
 * (three rounds of unpacks, each within a lane) then leaves in register r
 * byte r of elements 0..15 (lane 0) and 16..31 (lane 1): plane r, in order.
 * The transpose is its own inverse, so unshuffling runs it backwards. */
#define TARGET_AVX2 __attribute__((target("avx2")))

TARGET_AVX2 static void transpose_words(__m256i v[8]) {
  __m256i a[8], b[8];
  for (int k = 0; k < 4; k++) {
    a[2 * k] = _mm256_unpacklo_epi16(v[2 * k], v[2 * k + 1]);
    a[2 * k + 1] = _mm256_unpackhi_epi16(v[2 * k], v[2 * k + 1]);
  }
  for (int h = 0; h < 2; h++) { /* h = 0: from v0..v3, h = 1: from v4..v7 */
    b[4 * h] = _mm256_unpacklo_epi32(a[4 * h], a[4 * h + 2]);
    b[4 * h + 1] = _mm256_unpackhi_epi32(a[4 * h], a[4 * h + 2]);
    b[4 * h + 2] = _mm256_unpacklo_epi32(a[4 * h + 1], a[4 * h + 3]);
    b[4 * h + 3] = _mm256_unpackhi_epi32(a[4 * h + 1], a[4 * h + 3]);
  }
  for (int k = 0; k < 4; k++) {
    v[2 * k] = _mm256_unpacklo_epi64(b[k], b[k + 4]);
    v[2 * k + 1] = _mm256_unpackhi_epi64(b[k], b[k + 4]);
  }
}

TARGET_AVX2 static size_t shuffle8_avx2(uint8_t *dst, const uint8_t *src, size_t n) {
  const __m256i pair =
      _mm256_setr_epi8(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15, 0, 8, 1, 9,
                       2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i v[8];
    for (int j = 0; j < 8; j++) {
      const uint8_t *lo = src + (i + 2 * (size_t)j) * 8, *hi = lo + 16 * 8;
      __m256i x =
          _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)lo));
      x = _mm256_inserti128_si256(x, _mm_loadu_si128((const __m128i *)(const void *)hi),
                                  1);
      v[j] = _mm256_shuffle_epi8(x, pair);
    }
    transpose_words(v);
    for (int r = 0; r < 8; r++)
      _mm256_storeu_si256((__m256i *)(void *)(dst + (size_t)r * n + i), v[r]);
  }
  return i;
}

TARGET_AVX2 static size_t unshuffle8_avx2(uint8_t *dst, const uint8_t *const pl[8],
                                          size_t n) {
  const __m256i unpair =
      _mm256_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15, 0, 2, 4, 6,
                       8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i v[8];
    for (int r = 0; r < 8; r++)
      v[r] = _mm256_loadu_si256((const __m256i *)(const void *)(pl[r] + i));
    transpose_words(v);
    for (int j = 0; j < 8; j += 2) { /* elements 2j..2j+3, then 16 further on */
      __m256i x = _mm256_shuffle_epi8(v[j], unpair);
      __m256i y = _mm256_shuffle_epi8(v[j + 1], unpair);
      uint8_t *out = dst + (i + 2 * (size_t)j) * 8;
      _mm256_storeu_si256((__m256i *)(void *)out, _mm256_permute2x128_si256(x, y, 0x20));
      _mm256_storeu_si256((__m256i *)(void *)(out + 16 * 8),
                          _mm256_permute2x128_si256(x, y, 0x31));
    }
  }
  return i;
}

static bool avx2_allowed = true; /* tests turn it off to check SSE2 alone */

/* Whether to use the AVX2 kernels: the CPU runs them (asked once; the answer
 * never changes) and tests have not turned them off. */
static bool use_avx2(void) {
  static int known = -1; /* benign race: every thread computes the same */
  if (known < 0) {
    __builtin_cpu_init();
    known = __builtin_cpu_supports("avx2") ? 1 : 0;
  }
  return known == 1 && avx2_allowed;
}

bool dckpt_shuffle_allow_avx2_(bool allow) {
  avx2_allowed = allow;
  return use_avx2();
}

#else

bool dckpt_shuffle_allow_avx2_(bool allow) {
  (void)allow;
  return false;
}

#endif

#ifndef __SSE2__ /* portable kernels */

static inline uint64_t load64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline void store64(uint8_t *p, uint64_t v) {
  memcpy(p, &v, sizeof v);
}

/* Transposes the 8x8 byte matrix whose row i is r[i], in three rounds of
 * masked swaps (4x4 blocks, 2x2 blocks, single bytes). It is its own
 * inverse, so both directions use it. */
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

static size_t shuffle8_swar(uint8_t *dst, const uint8_t *src, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t r[8];
    for (int k = 0; k < 8; k++)
      r[k] = load64(src + (i + (size_t)k) * 8);
    transpose8x8(r);
    for (int b = 0; b < 8; b++)
      store64(dst + (size_t)b * n + i, r[b]);
  }
  return i;
}

static size_t unshuffle8_swar(uint8_t *dst, const uint8_t *const pl[8], size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t r[8];
    for (int b = 0; b < 8; b++)
      r[b] = load64(pl[b] + i);
    transpose8x8(r);
    for (int k = 0; k < 8; k++)
      store64(dst + (i + (size_t)k) * 8, r[k]);
  }
  return i;
}

#endif

void dckpt_shuffle(uint8_t *dst, const uint8_t *src, size_t n, size_t esize) {
  size_t done = 0;
#ifdef HAVE_AVX2_KERNELS
  if (esize == 8 && use_avx2()) done = shuffle8_avx2(dst, src, n);
#endif
#ifdef __SSE2__
  if (esize == 8) done = shuffle8_sse2(dst, src, n, done);
  if (esize == 4) done = shuffle4_sse2(dst, src, n);
#else
  if (esize == 8) done = shuffle8_swar(dst, src, n);
#endif
  shuffle_tail(dst, src, done, n, esize);
}

void dckpt_unshuffle8_planes(uint8_t *dst, const uint8_t *const planes[8], size_t n) {
  size_t done = 0;
#ifdef HAVE_AVX2_KERNELS
  if (use_avx2()) done = unshuffle8_avx2(dst, planes, n);
#endif
#ifdef __SSE2__
  done = unshuffle8_sse2(dst, planes, n, done);
#else
  done = unshuffle8_swar(dst, planes, n);
#endif
  for (size_t i = done; i < n; i++)
    for (size_t b = 0; b < 8; b++)
      dst[i * 8 + b] = planes[b][i];
}

void dckpt_unshuffle(uint8_t *dst, const uint8_t *src, size_t n, size_t esize) {
  if (esize == 8) {
    const uint8_t *planes[8];
    for (size_t b = 0; b < 8; b++)
      planes[b] = src + b * n;
    dckpt_unshuffle8_planes(dst, planes, n);
    return;
  }
  size_t done = 0;
#ifdef __SSE2__
  if (esize == 4) done = unshuffle4_sse2(dst, src, n);
#endif
  unshuffle_tail(dst, src, done, n, esize);
}

/* Runs `one` (dckpt_shuffle or dckpt_unshuffle) on each block of
 * DCKPT_SHUFFLE_BLOCK bytes: both directions must cut an array alike. */
static void each_block(uint8_t *dst, const uint8_t *src, size_t nbytes, size_t esize,
                       void (*one)(uint8_t *, const uint8_t *, size_t, size_t)) {
  for (size_t off = 0; off < nbytes; off += DCKPT_SHUFFLE_BLOCK) {
    size_t len = nbytes - off < DCKPT_SHUFFLE_BLOCK ? nbytes - off : DCKPT_SHUFFLE_BLOCK;
    one(dst + off, src + off, len / esize, esize);
  }
}

void dckpt_shuffle_array(uint8_t *dst, const uint8_t *src, size_t nbytes, size_t esize) {
  each_block(dst, src, nbytes, esize, dckpt_shuffle);
}

void dckpt_unshuffle_array(uint8_t *dst, const uint8_t *src, size_t nbytes,
                           size_t esize) {
  each_block(dst, src, nbytes, esize, dckpt_unshuffle);
}
