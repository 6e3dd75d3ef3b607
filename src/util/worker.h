/* One helper thread working for its owner on a shared job: the handshake
 * that the two pipelines of format/ (the compressor of a large save, the
 * reader of a large load) have in common. The owner and the worker share one
 * mutex and condition variable, under which they keep their own queue state
 * as well as the worker's two flags:
 *  - finished: the worker's function has returned; status is its result;
 *  - cancelled: the owner gave up; the worker stops at its next look.
 * The worker is started with every asynchronous signal blocked
 * (dckpt_thread_start). */
#ifndef DCKPT_UTIL_WORKER_H
#define DCKPT_UTIL_WORKER_H

#include <pthread.h>
#include <stdbool.h>

typedef struct dckpt_worker dckpt_worker;

/** What the worker runs; its return value becomes `status`. */
typedef int (*dckpt_worker_fn)(dckpt_worker *w, void *arg);

struct dckpt_worker {
  pthread_mutex_t mu; /* guards the flags below and the owner's shared state */
  pthread_cond_t cv;  /* signalled by dckpt_worker_wake() */
  bool finished;
  bool cancelled;
  int status;
  /* private */
  pthread_t thread;
  dckpt_worker_fn fn;
  void *arg;
};

/** Sets up the mutex and condition variable and runs fn(w, arg) on a new
 *  thread. False when any of that fails; then nothing is left to undo and
 *  the owner may do the work itself. */
bool dckpt_worker_start(dckpt_worker *w, dckpt_worker_fn fn, void *arg);

/** Wakes every thread waiting on the worker's condition variable; call with
 *  the mutex held, after changing shared state. */
void dckpt_worker_wake(dckpt_worker *w);

/** Waits on the condition variable (mutex held). */
void dckpt_worker_wait(dckpt_worker *w);

/** Asks the worker to stop: sets cancelled and wakes it (mutex not held). */
void dckpt_worker_cancel(dckpt_worker *w);

/** Cancels the worker (harmless when it has finished), waits for it to end,
 *  frees the mutex and condition variable and returns its status. */
int dckpt_worker_join(dckpt_worker *w);

#endif
