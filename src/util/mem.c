#define _DEFAULT_SOURCE /* madvise, MADV_HUGEPAGE */
#include "util/mem.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE_PAGE ((size_t)2 << 20)

/* The one block dckpt_big_free() keeps (see mem.h), and its rounded size. */
static pthread_mutex_t kept_mu = PTHREAD_MUTEX_INITIALIZER;
static void *kept;
static size_t kept_len;

/* The kept block when it fits `rounded` without wasting more than as much
 * again; a kept block that does not fit is freed: sizes have moved on. */
static void *take_kept(size_t rounded) {
  pthread_mutex_lock(&kept_mu);
  void *p = kept;
  bool fits = p && kept_len >= rounded && kept_len / 2 <= rounded;
  kept = NULL;
  pthread_mutex_unlock(&kept_mu);
  if (fits) return p;
  free(p);
  return NULL;
}

void *dckpt_big_alloc(size_t n) {
  if (n < DCKPT_BIG_MIN) return malloc(n ? n : 1);
  size_t rounded = (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
  if (rounded < n) return NULL;
  void *p = take_kept(rounded);
  if (p) return p;
  if (posix_memalign(&p, HUGE_PAGE, rounded) != 0) return NULL;
#ifdef MADV_HUGEPAGE
  (void)madvise(p, rounded, MADV_HUGEPAGE); /* advice only: failure is harmless */
#endif
  return p;
}

void dckpt_big_free(void *p, size_t n) {
  size_t rounded = (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
  if (!p || n < DCKPT_BIG_MIN || rounded > DCKPT_BIG_KEEP_MAX) {
    free(p);
    return;
  }
#ifdef MADV_FREE
  /* The block starts on a huge page and spans whole ones (dckpt_big_alloc):
   * the kernel may reclaim them without splitting, and glibc's bookkeeping
   * before the block is untouched. */
  (void)madvise(p, rounded, MADV_FREE);
#endif
  pthread_mutex_lock(&kept_mu);
  void *old = kept;
  kept = p;
  kept_len = rounded;
  pthread_mutex_unlock(&kept_mu);
  free(old);
}

/* When the library is unloaded (dlclose) or the process exits: the kept
 * block goes back, not left behind with the pointer to it. */
__attribute__((destructor)) static void kept_fini(void) {
  pthread_mutex_lock(&kept_mu);
  void *p = kept;
  kept = NULL;
  pthread_mutex_unlock(&kept_mu);
  free(p);
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
