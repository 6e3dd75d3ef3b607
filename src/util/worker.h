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
typedef struct dckpt_helper dckpt_helper;

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
  dckpt_helper *helper; /* the kept thread it runs on, or NULL: its own */
  dckpt_worker_fn fn;
  void *arg;
};

/** Sets up the mutex and condition variable and runs fn(w, arg) on a new
 *  thread. False when any of that fails; then nothing is left to undo and
 *  the owner may do the work itself. */
bool dckpt_worker_start(dckpt_worker *w, dckpt_worker_fn fn, void *arg);

/** A thread kept between jobs by an owner that starts workers over and over
 *  (a store handle or a record: one compressor per large save). A new thread
 *  made by a caller that keeps its own core busy can wait ~0.7 ms for a core
 *  on a loaded machine, where a sleeping one is woken in ~10 us. The thread
 *  is started by the first job and lives until dckpt_helper_destroy() joins
 *  it: it never ends on its own, so that no thread exits at a moment nobody
 *  chose (a fork() meeting an exiting thread can leave the child's allocator
 *  locked under sanitizers). One job at a time: a job that finds the thread
 *  busy, or a forked child (where the thread does not exist), gets a thread
 *  of its own. NULL: out of memory. */
dckpt_helper *dckpt_helper_create(void);

/** Ends and joins the kept thread (no job may be running) and frees. In a
 *  forked child only the memory is freed. Accepts NULL. */
void dckpt_helper_destroy(dckpt_helper *h);

/** dckpt_worker_start, on the helper's kept thread (started now if it is not
 *  yet) when `h` is not NULL and free; otherwise on a new thread. */
bool dckpt_worker_start_on(dckpt_helper *h, dckpt_worker *w, dckpt_worker_fn fn,
                           void *arg);

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
