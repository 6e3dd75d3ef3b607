/* Large allocations that the kernel may back with transparent huge pages. */
#ifndef DCKPT_UTIL_MEM_H
#define DCKPT_UTIL_MEM_H

#include <stddef.h>

/** malloc() for blocks of any size; from DCKPT_BIG_MIN bytes on, the block is
 *  aligned to 2 MiB and offered to the kernel for huge pages. Free with free(). */
void *dckpt_big_alloc(size_t n);

#define DCKPT_BIG_MIN ((size_t)4 << 20)

/** Asks the kernel to fault in [p, p + n) of memory from dckpt_big_alloc()
 *  now, leaving present pages and all contents as they are (so another
 *  thread may be writing there): the kernel then zeroes fresh pages in the
 *  calling thread instead of in the one that first writes them. Does nothing
 *  where the kernel cannot. */
void dckpt_big_prefault(void *p, size_t n);

#endif
