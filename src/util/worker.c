#include "util/worker.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/thread.h"

/* Runs the function, then publishes its result: the owner may be waiting for
 * `finished` (or for queue state the worker will no longer change). Touches
 * nothing of `w` after that: the owner may free it at once. */
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

/* ---- the kept thread ---- */

struct dckpt_helper {
  pthread_mutex_t mu;
  pthread_cond_t cv; /* a job came, or stop */
  pthread_t thread;  /* valid while `running` */
  atomic_long pid;   /* the process that started it (0: not yet); read
                      * unlocked, as a forked child must */
  bool running;      /* started and not yet joined */
  bool busy;         /* a job was handed over and not yet joined */
  bool stopping;     /* dckpt_helper_destroy() asks it to end */
  dckpt_worker *job; /* handed over, not yet taken */
};

static void *helper_main(void *arg) {
  dckpt_helper *h = arg;
  pthread_mutex_lock(&h->mu);
  for (;;) {
    while (!h->job && !h->stopping)
      pthread_cond_wait(&h->cv, &h->mu);
    dckpt_worker *w = h->job;
    if (!w) break; /* stopping, nothing left to run */
    h->job = NULL;
    pthread_mutex_unlock(&h->mu);
    worker_main(w);
    pthread_mutex_lock(&h->mu);
  }
  pthread_mutex_unlock(&h->mu);
  return NULL;
}

dckpt_helper *dckpt_helper_create(void) {
  dckpt_helper *h = calloc(1, sizeof *h);
  if (!h) return NULL;
  if (pthread_mutex_init(&h->mu, NULL) != 0) {
    free(h);
    return NULL;
  }
  if (pthread_cond_init(&h->cv, NULL) != 0) {
    pthread_mutex_destroy(&h->mu);
    free(h);
    return NULL;
  }
  return h;
}

void dckpt_helper_destroy(dckpt_helper *h) {
  if (!h) return;
  long pid = atomic_load(&h->pid);
  if (pid != 0 && pid != (long)getpid()) {
    /* A forked child's copy: the thread is the parent's, and its mutex may
     * have been held at the fork; only the memory is ours. */
    free(h);
    return;
  }
  pthread_mutex_lock(&h->mu);
  h->stopping = true;
  pthread_cond_broadcast(&h->cv);
  bool running = h->running;
  pthread_mutex_unlock(&h->mu);
  if (running) pthread_join(h->thread, NULL);
  pthread_cond_destroy(&h->cv);
  pthread_mutex_destroy(&h->mu);
  free(h);
}

/* Hands `w` to the kept thread, starting it if needed; false when the job
 * must run elsewhere (a forked child, the thread busy, or no thread). */
static bool helper_take(dckpt_helper *h, dckpt_worker *w) {
  long me = (long)getpid(), pid = atomic_load(&h->pid);
  if (pid != 0 && pid != me) return false;
  pthread_mutex_lock(&h->mu);
  bool ok = !h->busy && !h->stopping;
  if (ok && !h->running) {
    ok = dckpt_thread_start(&h->thread, helper_main, h) == 0;
    h->running = ok;
    if (ok) atomic_store(&h->pid, me);
  }
  if (ok) {
    h->busy = true;
    h->job = w;
    pthread_cond_broadcast(&h->cv);
  }
  pthread_mutex_unlock(&h->mu);
  return ok;
}

static bool worker_init(dckpt_worker *w, dckpt_worker_fn fn, void *arg) {
  w->finished = w->cancelled = false;
  w->status = 0;
  w->fn = fn;
  w->arg = arg;
  w->helper = NULL;
  if (pthread_mutex_init(&w->mu, NULL) != 0) return false;
  if (pthread_cond_init(&w->cv, NULL) != 0) {
    pthread_mutex_destroy(&w->mu);
    return false;
  }
  return true;
}

static void worker_fini(dckpt_worker *w) {
  pthread_cond_destroy(&w->cv);
  pthread_mutex_destroy(&w->mu);
}

bool dckpt_worker_start(dckpt_worker *w, dckpt_worker_fn fn, void *arg) {
  return dckpt_worker_start_on(NULL, w, fn, arg);
}

bool dckpt_worker_start_on(dckpt_helper *h, dckpt_worker *w, dckpt_worker_fn fn,
                           void *arg) {
  if (!worker_init(w, fn, arg)) return false;
  if (h && helper_take(h, w)) {
    w->helper = h;
    return true;
  }
  if (dckpt_thread_start(&w->thread, worker_main, w) == 0) return true;
  worker_fini(w);
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
  if (w->helper) {
    pthread_mutex_lock(&w->mu);
    while (!w->finished)
      pthread_cond_wait(&w->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
    dckpt_helper *h = w->helper;
    pthread_mutex_lock(&h->mu);
    h->busy = false; /* the kept thread takes the next job when back */
    pthread_mutex_unlock(&h->mu);
  } else {
    pthread_join(w->thread, NULL);
  }
  worker_fini(w);
  return w->status;
}
