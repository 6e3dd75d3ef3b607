#define _DEFAULT_SOURCE /* madvise, MADV_HUGEPAGE */
#include "util/mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE_PAGE ((size_t)2 << 20)

void *dckpt_big_alloc(size_t n) {
  if (n < DCKPT_BIG_MIN) return malloc(n ? n : 1);
  size_t rounded = (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
  if (rounded < n) return NULL;
  void *p = NULL;
  if (posix_memalign(&p, HUGE_PAGE, rounded) != 0) return NULL;
#ifdef MADV_HUGEPAGE
  (void)madvise(p, rounded, MADV_HUGEPAGE); /* advice only: failure is harmless */
#endif
  return p;
}

void dckpt_big_prefault(void *p, size_t n) {
#ifdef MADV_POPULATE_WRITE
  long page = sysconf(_SC_PAGESIZE); /* madvise wants a page-aligned start */
  uintptr_t start = (uintptr_t)p & ~(uintptr_t)(page > 0 ? page - 1 : 4095);
  uintptr_t end = (uintptr_t)p + n;
  if (n > 0) (void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
#else
  (void)p;
  (void)n;
#endif
}
