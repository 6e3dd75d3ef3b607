/* The reusable temporaries of saves and loads (format/scratch.h): buffers,
 * zstd contexts, and the one set that the record-file calls share. */
#include "format/scratch.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "util/worker.h"

/* ---- buffers ---- */

void *dckpt_scratch_get(dckpt_scratch *s, int slot, size_t n) {
  if (s->cap[slot] >= n) return s->buf[slot];
  /* free + alloc rather than realloc: the old contents are not needed, and
   * copying them would touch every page for nothing. Large buffers get huge
   * pages: their first use then costs a fault per 2 MiB, not per 4 KiB. */
  dckpt_big_free(s->buf[slot], s->cap[slot]);
  s->buf[slot] = dckpt_big_alloc(n);
  s->cap[slot] = s->buf[slot] ? n : 0;
  return s->buf[slot];
}

/* ---- zstd contexts ---- */

/* Level, pledged size and workers on a fresh or reset context. */
static bool set_cctx(ZSTD_CCtx *cctx, int level, int workers, uint64_t raw) {
  if (ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)) ||
      ZSTD_isError(ZSTD_CCtx_setPledgedSrcSize(cctx, raw)))
    return false;
  /* A libzstd built without threads refuses workers; it then compresses
   * inline, which is slower but produces a valid frame all the same. */
  if (workers > 0) (void)ZSTD_CCtx_setParameter(cctx, ZSTD_c_nbWorkers, workers);
  return true;
}

ZSTD_CCtx *dckpt_make_cctx(int level, int workers, uint64_t raw) {
  ZSTD_CCtx *cctx = ZSTD_createCCtx();
  if (cctx && !set_cctx(cctx, level, workers, raw)) {
    ZSTD_freeCCtx(cctx);
    return NULL;
  }
  return cctx;
}

ZSTD_CCtx *dckpt_scratch_cctx(dckpt_scratch *s, int level, int workers,
                              uint64_t raw_len) {
  if (!s->cctx && !(s->cctx = ZSTD_createCCtx())) return NULL;
  /* A reused context keeps its tables allocated; only its state is reset. */
  (void)ZSTD_CCtx_reset(s->cctx, ZSTD_reset_session_and_parameters);
  return set_cctx(s->cctx, level, workers, raw_len) ? s->cctx : NULL;
}

ZSTD_DCtx *dckpt_scratch_dctx(dckpt_scratch *s) {
  if (!s->dctx) return s->dctx = ZSTD_createDCtx();
  /* A failed earlier call may have left a frame half decoded. */
  (void)ZSTD_DCtx_reset(s->dctx, ZSTD_reset_session_and_parameters);
  return s->dctx;
}

/* ---- the kept thread ---- */

struct dckpt_helper *dckpt_scratch_helper(dckpt_scratch *s) {
  if (!s->helper) s->helper = dckpt_helper_create();
  return s->helper;
}

void dckpt_scratch_free(dckpt_scratch *s) {
  if (!s) return;
  dckpt_helper_destroy(s->helper); /* idle: its user's call has ended */
  dckpt_big_free(s->buf[0], s->cap[0]);
  dckpt_big_free(s->buf[1], s->cap[1]);
  ZSTD_freeCCtx(s->cctx);
  ZSTD_freeDCtx(s->dctx);
  memset(s, 0, sizeof *s);
}

/* ---- the shared scratch ---- */

/* The scratch of the calls that come without one (the record-file API):
 * one kept between calls, so that a program saving or loading records of a
 * few MiB over and over finds its temporaries and zstd contexts warm, as the
 * store's handle does. A second thread meanwhile gets a scratch of its own,
 * freed after its call. What is kept is bounded by what one call of the
 * sizes up to DCKPT_READ_WHOLE_MAX or one streamed call needs (about 16 MiB). */
static pthread_mutex_t shared_mu = PTHREAD_MUTEX_INITIALIZER;
static dckpt_scratch *shared_idle;
static unsigned long shared_lent; /* borrowed and not yet given back */

dckpt_scratch *dckpt_scratch_borrow(bool or_new) {
  pthread_mutex_lock(&shared_mu);
  dckpt_scratch *s = shared_idle;
  shared_idle = NULL;
  /* none idle: the first one, or one for a second concurrent borrower */
  if (!s && (or_new || shared_lent == 0)) s = calloc(1, sizeof *s);
  if (s) shared_lent++;
  pthread_mutex_unlock(&shared_mu);
  return s;
}

/* When the library is unloaded (dlclose) or the process exits: the idle
 * shared scratch is freed, joining its kept thread, which would otherwise
 * sleep on in code about to be unmapped. One lent to a call still running
 * in another thread is left to that call. */
__attribute__((destructor)) static void shared_fini(void) {
  pthread_mutex_lock(&shared_mu);
  dckpt_scratch *s = shared_idle;
  shared_idle = NULL;
  pthread_mutex_unlock(&shared_mu);
  dckpt_scratch_free(s);
  free(s);
}

void dckpt_scratch_give_back(dckpt_scratch *s) {
  if (!s) return;
  pthread_mutex_lock(&shared_mu);
  shared_lent--;
  if (!shared_idle) {
    shared_idle = s;
    s = NULL;
  }
  pthread_mutex_unlock(&shared_mu);
  dckpt_scratch_free(s);
  free(s);
}
