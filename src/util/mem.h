/* Large allocations that the kernel may back with transparent huge pages. */
#ifndef DCKPT_UTIL_MEM_H
#define DCKPT_UTIL_MEM_H

#include <stddef.h>

/** malloc() for blocks of any size; from DCKPT_BIG_MIN bytes on, the block is
 *  aligned to 2 MiB and offered to the kernel for huge pages. Free with free(). */
void *dckpt_big_alloc(size_t n);

/* From 1 MiB on, where a huge page at most doubles what is mapped: on a VM
 * a fresh 4 KiB page cost ~10 us and a fresh 2 MiB page ~50 us (Linux 6.18
 * guest), so a 1 MiB block is ~50x cheaper to fault in as one huge page. */
#define DCKPT_BIG_MIN ((size_t)1 << 20)

/** Asks the kernel to fault in [p, p + n) of memory from dckpt_big_alloc()
 *  now, leaving present pages and all contents as they are (so another
 *  thread may be writing there): the kernel then zeroes fresh pages in the
 *  calling thread instead of in the one that first writes them. Does nothing
 *  where the kernel cannot. */
void dckpt_big_prefault(void *p, size_t n);

#endif
