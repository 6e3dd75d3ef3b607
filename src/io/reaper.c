#define _GNU_SOURCE
#include "io/reaper.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io/atomic.h"
#include "io/path.h"
#include "io/sys.h"
#include "util/thread.h"

typedef struct job {
  struct job *next;
  int fd; /* >= 0: close it; else unlink path */
  char path[];
} job;

/* A lingering reaper's thread lives only while there is work: it ends once
 * the queue has stayed empty for LINGER_NS (saves in a row keep one thread),
 * and the next job starts another. An idle reaper holds no thread, so a program that
 * keeps thousands of records (each owns a reaper once it has replaced a file) does not
 * keep thousands of threads, which counted against its own limits (RLIMIT_NPROC, address
 * space) until the records were freed. */
#define LINGER_NS 250000000L

struct dckpt_reaper {
  pthread_mutex_t mu;
  /* a job was queued, the owner destroys the reaper, or the thread ended */
  pthread_cond_t cv;
  /* Which of the two lives its thread has (fixed at create).
   * Lingering (a record's): detached, ends on its own once idle, and the
   * next job starts another. Else (a store's): started by the first job,
   * waits for jobs until destroy, which joins `thread`. A thread ending at a
   * moment nobody chose can meet another thread's fork(): under ASan the
   * child then hung starting a thread of its own (tests/powerloss with the
   * store's reaper), so long-lived owners keep theirs until they close. */
  bool linger;
  /* a thread works the queue (jobs are only queued while one does); it
   * clears this as its last step under the mutex and touches nothing of the
   * reaper after that. A kept (not lingering) thread clears it only once
   * destroy has set `stopping`, so for it `running` means "to be joined". */
  bool running;
  pthread_t thread;
  bool stopping; /* destroy: end once drained, without waiting for more */
  job *head, *tail;
  /* the creating process: a forked child (which has none of its threads,
   * and may have copied the mutex locked) does every job at once and only
   * frees the reaper, as the record's reaper did since 02f24e4 */
  pid_t pid;
};

dckpt_reaper *dckpt_reaper_create(bool linger) {
  dckpt_reaper *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->linger = linger;
  pthread_condattr_t ca;
  bool ok = pthread_condattr_init(&ca) == 0;
  ok = ok && pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
       pthread_cond_init(&r->cv, &ca) == 0;
  pthread_condattr_destroy(&ca);
  if (!ok || pthread_mutex_init(&r->mu, NULL) != 0) {
    if (ok) pthread_cond_destroy(&r->cv);
    free(r);
    return NULL; /* callers then do every job at once */
  }
  r->pid = getpid();
  return r;
}

/* Does a job (`j`, or NULL for one done at once without being queued):
 * closes `fd` (only read: its last reference, whose blocks this frees) or
 * unlinks `path` (a failure leaves a temporary: cleaned later). */
static void do_job(job *j, const char *path, int fd) {
  if (fd >= 0)
    close(fd);
  else if (path)
    (void)dckpt_sys_unlink(path);
  free(j);
}

/* Waits (mu held) for a job or destroy, a lingering thread at most
 * LINGER_NS; true when a job is queued. */
static bool wait_for_job(dckpt_reaper *r) {
  struct timespec until;
  clock_gettime(CLOCK_MONOTONIC, &until);
  until.tv_nsec += LINGER_NS;
  if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
  while (!r->head && !r->stopping) {
    if (!r->linger)
      pthread_cond_wait(&r->cv, &r->mu);
    else if (pthread_cond_timedwait(&r->cv, &r->mu, &until) == ETIMEDOUT)
      break;
  }
  return r->head != NULL;
}

static void *run(void *arg) {
  dckpt_reaper *r = arg;
  pthread_mutex_lock(&r->mu);
  while (r->head || wait_for_job(r)) {
    job *j = r->head;
    r->head = j->next;
    if (!r->head) r->tail = NULL;
    pthread_mutex_unlock(&r->mu);
    do_job(j, j->path, j->fd);
    pthread_mutex_lock(&r->mu);
  }
  r->running = false; /* drained: the next job starts a new thread */
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
  return NULL;
}

static void enqueue(dckpt_reaper *r, const char *path, int fd) {
  if (r && r->pid != getpid()) r = NULL; /* a forked child: at once */
  size_t n = path ? strlen(path) + 1 : 1;
  job *j = r ? malloc(sizeof *j + n) : NULL;
  if (!j) {
    do_job(NULL, path, fd);
    return;
  }
  memcpy(j->path, path ? path : "", n);
  j->fd = fd;
  j->next = NULL;
  pthread_mutex_lock(&r->mu);
  if (!r->running) {
    /* the queue is empty: jobs are only queued while a thread runs */
    r->running = dckpt_thread_start(&r->thread, run, r) == 0;
    if (r->running && r->linger) pthread_detach(r->thread);
    if (!r->running) {
      pthread_mutex_unlock(&r->mu);
      do_job(j, path, fd); /* no thread: on the caller's, as before */
      return;
    }
  }
  if (r->tail)
    r->tail->next = j;
  else
    r->head = j;
  r->tail = j;
  pthread_cond_broadcast(&r->cv); /* a lingering thread takes it */
  pthread_mutex_unlock(&r->mu);
}

void dckpt_reaper_unlink(dckpt_reaper *r, const char *path) {
  enqueue(r, path, -1);
}

void dckpt_reaper_close(dckpt_reaper *r, int fd) {
  if (fd >= 0) enqueue(r, NULL, fd);
}

void dckpt_reaper_remove(dckpt_reaper *r, const char *path) {
  char *dir = r ? dckpt_path_dirname(path) : NULL;
  char *tmp = dir ? dckpt_path_printf("%s/" DCKPT_TMP_PREFIX "%s.gone", dir,
                                      dckpt_path_basename(path))
                  : NULL;
  if (tmp && dckpt_sys_rename(path, tmp) == 0)
    dckpt_reaper_unlink(r, tmp);
  else
    (void)dckpt_sys_unlink(path);
  free(dir);
  free(tmp);
}

void dckpt_reaper_destroy(dckpt_reaper *r) {
  if (!r) return;
  if (r->pid != getpid()) { /* a forked child: the parent's thread is not here */
    free(r);
    return;
  }
  /* the owner queues nothing more: a thread still running ends once it has
   * done what is queued */
  pthread_mutex_lock(&r->mu);
  r->stopping = true;
  bool join = r->running && !r->linger; /* a kept thread */
  pthread_cond_broadcast(&r->cv);
  while (r->running)
    pthread_cond_wait(&r->cv, &r->mu);
  pthread_mutex_unlock(&r->mu);
  if (join) pthread_join(r->thread, NULL);
  pthread_mutex_destroy(&r->mu);
  pthread_cond_destroy(&r->cv);
  free(r);
}
