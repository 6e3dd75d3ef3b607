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
  pthread_cond_t cv;
  pthread_t thread;
  bool started, stopping;
  job *head, *tail;
};

dckpt_reaper *dckpt_reaper_create(void) {
  dckpt_reaper *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  pthread_mutex_init(&r->mu, NULL);
  pthread_cond_init(&r->cv, NULL);
  return r;
}

static void *run(void *arg) {
  dckpt_reaper *r = arg;
  pthread_mutex_lock(&r->mu);
  for (;;) {
    while (!r->head && !r->stopping)
      pthread_cond_wait(&r->cv, &r->mu);
    job *j = r->head;
    if (!j) break; /* stopping and drained */
    r->head = j->next;
    if (!r->head) r->tail = NULL;
    pthread_mutex_unlock(&r->mu);
    if (j->fd >= 0)
      close(j->fd); /* only read: its last reference, whose blocks this frees */
    else
      (void)dckpt_sys_unlink(j->path); /* a failure leaves a temporary: cleaned later */
    free(j);
    pthread_mutex_lock(&r->mu);
  }
  pthread_mutex_unlock(&r->mu);
  return NULL;
}

/* Does the job now, on the caller's thread. */
static void do_now(job *j, const char *path, int fd) {
  if (fd >= 0)
    close(fd);
  else if (path)
    (void)dckpt_sys_unlink(path);
  free(j);
}

static void enqueue(dckpt_reaper *r, const char *path, int fd) {
  size_t n = path ? strlen(path) + 1 : 1;
  job *j = r ? malloc(sizeof *j + n) : NULL;
  if (!j) {
    do_now(NULL, path, fd);
    return;
  }
  memcpy(j->path, path ? path : "", n);
  j->fd = fd;
  j->next = NULL;
  pthread_mutex_lock(&r->mu);
  if (!r->started) r->started = dckpt_thread_start(&r->thread, run, r) == 0;
  if (!r->started) {
    pthread_mutex_unlock(&r->mu);
    do_now(j, path, fd);
    return;
  }
  if (r->tail)
    r->tail->next = j;
  else
    r->head = j;
  r->tail = j;
  pthread_cond_signal(&r->cv);
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
  pthread_mutex_lock(&r->mu);
  r->stopping = true;
  pthread_cond_signal(&r->cv);
  bool started = r->started;
  pthread_mutex_unlock(&r->mu);
  if (started) pthread_join(r->thread, NULL);
  pthread_mutex_destroy(&r->mu);
  pthread_cond_destroy(&r->cv);
  free(r);
}
