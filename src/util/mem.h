/* Large allocations that the kernel may back with transparent huge pages. */
#ifndef DCKPT_UTIL_MEM_H
#define DCKPT_UTIL_MEM_H

#include <stddef.h>

/** malloc() for blocks of any size; from DCKPT_BIG_MIN bytes on, the block is
 *  aligned to 2 MiB and offered to the kernel for huge pages. Free with free(). */
void *dckpt_big_alloc(size_t n);

#define DCKPT_BIG_MIN ((size_t)4 << 20)

#endif
