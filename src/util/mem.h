/* Large allocations that the kernel may back with transparent huge pages. */
#ifndef DCKPT_UTIL_MEM_H
#define DCKPT_UTIL_MEM_H

#include <stddef.h>

/** malloc() for blocks of any size; from DCKPT_BIG_MIN bytes on, the block is
 *  aligned to 2 MiB and offered to the kernel for huge pages, or is the block
 *  that dckpt_big_free() kept, when that one fits. Free with dckpt_big_free()
 *  (free() is correct too, but keeps nothing). */
void *dckpt_big_alloc(size_t n);

/** Frees `p` from dckpt_big_alloc(n). The last large block freed (up to
 *  DCKPT_BIG_KEEP_MAX) is kept for the next dckpt_big_alloc() of about its
 *  size instead of going back to the kernel, its pages marked MADV_FREE: the
 *  kernel takes them back only when it needs memory. A program that loads
 *  records of some MiB over and over then writes into present pages, as it
 *  would with glibc's heap, instead of faulting in and zeroing fresh ones
 *  (a fifth of a warm load). Accepts NULL. */
void dckpt_big_free(void *p, size_t n);

/* From 1 MiB on, where a huge page at most doubles what is mapped: on a VM
 * a fresh 4 KiB page cost ~10 us and a fresh 2 MiB page ~50 us (Linux 6.18
 * guest), so a 1 MiB block is ~50x cheaper to fault in as one huge page. */
#define DCKPT_BIG_MIN ((size_t)1 << 20)

/** Largest block that dckpt_big_free() keeps. */
#define DCKPT_BIG_KEEP_MAX ((size_t)256 << 20)

/** Asks the kernel to fault in [p, p + n) of memory from dckpt_big_alloc()
 *  now, leaving present pages and all contents as they are (so another
 *  thread may be writing there): the kernel then zeroes fresh pages in the
 *  calling thread instead of in the one that first writes them. Does nothing
 *  where the kernel cannot. */
void dckpt_big_prefault(void *p, size_t n);

#endif
