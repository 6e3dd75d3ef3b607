/* Byte shuffle (HDF5's shuffle filter): the n elements of a block are stored
 * as n byte-0s, then n byte-1s, and so on. Floating-point state has slowly
 * varying sign/exponent bytes and noisy low mantissa bytes; grouping them
 * lets zstd find the redundancy. Arrays are shuffled in independent blocks of
 * DCKPT_SHUFFLE_BLOCK bytes (like HDF5 chunks) so that a block fits in cache
 * and the writer can stream a large array through a small buffer. */
#ifndef DCKPT_FORMAT_SHUFFLE_H
#define DCKPT_FORMAT_SHUFFLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Bytes per shuffle block (a format constant: changing it is a new version).
 *  A multiple of every element size, so blocks never split an element. */
#define DCKPT_SHUFFLE_BLOCK ((size_t)1 << 20)

/** Shuffles one block of `n` elements of `esize` bytes from `src` to `dst`
 *  (no overlap). */
void dckpt_shuffle(uint8_t *dst, const uint8_t *src, size_t n, size_t esize);
/** Inverse of dckpt_shuffle(). */
void dckpt_unshuffle(uint8_t *dst, const uint8_t *src, size_t n, size_t esize);
/** dckpt_unshuffle() of `n` 8-byte elements whose byte planes lie anywhere:
 *  `planes[b]` holds byte b of each element (n bytes; no overlap with
 *  `dst`). dckpt_unshuffle() is this with planes[b] = src + b * n; a reader
 *  whose planes are not contiguous (some decoded, some where they were read)
 *  unshuffles from where they are instead of gathering them first. */
void dckpt_unshuffle8_planes(uint8_t *dst, const uint8_t *const planes[8], size_t n);

/** Testing knob: whether the AVX2 kernels may be used (default true, where
 *  the CPU has AVX2). Returns whether they now are. Not thread-safe. */
bool dckpt_shuffle_allow_avx2_(bool allow);

/** Shuffles a whole array of `nbytes` bytes block by block. */
void dckpt_shuffle_array(uint8_t *dst, const uint8_t *src, size_t nbytes, size_t esize);
/** Inverse of dckpt_shuffle_array(). */
void dckpt_unshuffle_array(uint8_t *dst, const uint8_t *src, size_t nbytes, size_t esize);

#endif
