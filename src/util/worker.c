#include "util/worker.h"

#include "util/thread.h"

/* Runs the function, then publishes its result: the owner may be waiting for
 * `finished` (or for queue state the worker will no longer change). */
static void *worker_main(void *arg) {
  dckpt_worker *w = arg;
  int status = w->fn(w, w->arg);
  pthread_mutex_lock(&w->mu);
  w->status = status;
  w->finished = true;
  dckpt_worker_wake(w);
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

bool dckpt_worker_start(dckpt_worker *w, dckpt_worker_fn fn, void *arg) {
  w->finished = w->cancelled = false;
  w->status = 0;
  w->fn = fn;
  w->arg = arg;
  if (pthread_mutex_init(&w->mu, NULL) != 0) return false;
  if (pthread_cond_init(&w->cv, NULL) == 0) {
    if (dckpt_thread_start(&w->thread, worker_main, w) == 0) return true;
    pthread_cond_destroy(&w->cv);
  }
  pthread_mutex_destroy(&w->mu);
  return false;
}

void dckpt_worker_wake(dckpt_worker *w) {
  pthread_cond_broadcast(&w->cv);
}

void dckpt_worker_wait(dckpt_worker *w) {
  pthread_cond_wait(&w->cv, &w->mu);
}

void dckpt_worker_cancel(dckpt_worker *w) {
  pthread_mutex_lock(&w->mu);
  w->cancelled = true;
  dckpt_worker_wake(w);
  pthread_mutex_unlock(&w->mu);
}

int dckpt_worker_join(dckpt_worker *w) {
  dckpt_worker_cancel(w);
  pthread_join(w->thread, NULL);
  pthread_cond_destroy(&w->cv);
  pthread_mutex_destroy(&w->mu);
  return w->status;
}
