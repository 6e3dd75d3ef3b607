/* Rank 0's completion index of the campaign: the pairs reported complete by
 * every rank, committed to DIR/index at a bounded interval and at the end of
 * the run (docs/design.md, "Completion index"). A failed commit does not fail
 * the run: the index is a cache, and the markers it would have listed are
 * read by the next scan instead. */
#include <stdio.h>
#include <string.h>

#include "runtime/runtime_internal.h"

int run_completion_init(run_completion *rc, dckpt_index *ix, double interval) {
  memset(rc, 0, sizeof *rc);
  if (pthread_mutex_init(&rc->mu, NULL) != 0) {
    dckpt_index_free(ix);
    return DCKPT_ENOMEM;
  }
  rc->ix = ix;
  rc->active = ix != NULL;
  rc->interval = interval;
  rc->last_commit = run_now();
  return DCKPT_OK;
}

void run_completion_add(run_completion *rc, int64_t alg, int64_t trial) {
  if (!rc || !rc->active) return;
  pthread_mutex_lock(&rc->mu);
  if (dckpt_index_add(rc->ix, alg, trial) == DCKPT_OK) rc->added++;
  pthread_mutex_unlock(&rc->mu);
}

void run_completion_tick(run_completion *rc, double now, bool force) {
  if (!rc || !rc->active) return;
  pthread_mutex_lock(&rc->mu);
  if (dckpt_index_dirty(rc->ix) && (force || now - rc->last_commit >= rc->interval)) {
    if (dckpt_index_commit(rc->ix) == DCKPT_OK) {
      rc->commits++;
    } else if (!rc->warned) {
      snprintf(rc->message, sizeof rc->message,
               "cannot write the completion index (the next resume will read the "
               "markers of the pairs it misses): %.900s",
               dckpt_index_errmsg(rc->ix));
    }
    /* a failing file system is not retried at once */
    rc->last_commit = now;
  }
  pthread_mutex_unlock(&rc->mu);
}

void run_completion_log(run_completion *rc, const dckpt_logger *lg) {
  if (!rc || !rc->active) return;
  char msg[1024] = "";
  pthread_mutex_lock(&rc->mu);
  if (rc->message[0] && !rc->warned) {
    memcpy(msg, rc->message, sizeof msg);
    rc->warned = true;
  }
  pthread_mutex_unlock(&rc->mu);
  if (msg[0]) dckpt_log(lg, DCKPT_LOG_WARN, "%s", msg);
}

void run_completion_free(run_completion *rc) {
  if (!rc || !rc->active) return;
  dckpt_index_free(rc->ix);
  pthread_mutex_destroy(&rc->mu);
  rc->active = false;
  rc->ix = NULL;
}
