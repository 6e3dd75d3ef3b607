#define _GNU_SOURCE
#include "io/reaper.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

struct dckpt_reaper {
  pthread_mutex_t mu;
  /* a job was queued or done, the owner destroys the reaper, or the thread
   * ended */
  pthread_cond_t cv;
  /* a thread was started by the first job; it waits for jobs until destroy
   * has set `stopping` and the queue is drained, then clears this as its
   * last step under the mutex (destroy joins it) */
  bool running;
  pthread_t thread;
  bool stopping; /* destroy: end once drained, without waiting for more */
  job *head, *tail;
  uint64_t queued, done; /* jobs queued and done so far: tickets */
  /* the creating process: a forked child (which has none of its threads,
   * and may have copied the mutex locked) does every job at once and only
   * frees the reaper */
  pid_t pid;
};

dckpt_reaper *dckpt_reaper_create(void) {
  dckpt_reaper *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  if (pthread_cond_init(&r->cv, NULL) != 0) {
    free(r);
    return NULL; /* callers then do every job at once */
  }
  if (pthread_mutex_init(&r->mu, NULL) != 0) {
    pthread_cond_destroy(&r->cv);
    free(r);
    return NULL;
  }
  r->pid = getpid();
  return r;
}

static pthread_once_t process_once = PTHREAD_ONCE_INIT;
static dckpt_reaper *process_reaper;

static void make_process_reaper(void) {
  process_reaper = dckpt_reaper_create();
}

dckpt_reaper *dckpt_reaper_process(void) {
  pthread_once(&process_once, make_process_reaper);
  return process_reaper;
}

/* When the library is unloaded (dlclose) or the process exits: the process's
 * reaper does what is queued and its thread is joined (it would otherwise
 * sleep on in code about to be unmapped), as the shared scratch's is
 * (format/scratch.c). A record freed after this waits for nothing; a job
 * queued after it is done at once. In a forked child only the memory goes. */
__attribute__((destructor)) static void process_reaper_fini(void) {
  dckpt_reaper *r = process_reaper;
  process_reaper = NULL;
  dckpt_reaper_destroy(r);
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

/* Waits (mu held) for a job or destroy; true when a job is queued. */
static bool wait_for_job(dckpt_reaper *r) {
  while (!r->head && !r->stopping)
    pthread_cond_wait(&r->cv, &r->mu);
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
    r->done++;
    pthread_cond_broadcast(&r->cv); /* dckpt_reaper_wait */
  }
  r->running = false; /* destroy: drained */
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
  return NULL;
}

/* Queues a job (or does it at once); its ticket, 0 when done at once. */
static uint64_t enqueue(dckpt_reaper *r, const char *path, int fd) {
  if (r && r->pid != getpid()) r = NULL; /* a forked child: at once */
  size_t n = path ? strlen(path) + 1 : 1;
  job *j = r ? malloc(sizeof *j + n) : NULL;
  if (!j) {
    do_job(NULL, path, fd);
    return 0;
  }
  memcpy(j->path, path ? path : "", n);
  j->fd = fd;
  j->next = NULL;
  pthread_mutex_lock(&r->mu);
  if (!r->running && !r->stopping)
    r->running = dckpt_thread_start(&r->thread, run, r) == 0;
  if (!r->running) {
    pthread_mutex_unlock(&r->mu);
    do_job(j, path, fd); /* no thread: on the caller's, as before */
    return 0;
  }
  if (r->tail)
    r->tail->next = j;
  else
    r->head = j;
  r->tail = j;
  uint64_t ticket = ++r->queued;
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
  return ticket;
}

void dckpt_reaper_unlink(dckpt_reaper *r, const char *path) {
  (void)enqueue(r, path, -1);
}

uint64_t dckpt_reaper_close(dckpt_reaper *r, int fd) {
  return fd >= 0 ? enqueue(r, NULL, fd) : 0;
}

void dckpt_reaper_wait(dckpt_reaper *r, uint64_t ticket) {
  if (!r || ticket == 0 || r->pid != getpid()) return;
  pthread_mutex_lock(&r->mu);
  while (r->done < ticket)
    pthread_cond_wait(&r->cv, &r->mu);
  pthread_mutex_unlock(&r->mu);
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
  bool join = r->running;
  pthread_cond_broadcast(&r->cv);
  while (r->running)
    pthread_cond_wait(&r->cv, &r->mu);
  pthread_mutex_unlock(&r->mu);
  if (join) pthread_join(r->thread, NULL);
  pthread_mutex_destroy(&r->mu);
  pthread_cond_destroy(&r->cv);
  free(r);
}
