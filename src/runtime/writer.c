/* The checkpoint writer: a per-rank thread that saves checkpoints through its
 * own store handle, so that a periodic checkpoint's commit protocol (encode,
 * fdatasync, renames, directory fsyncs) runs while the loop goes on with the
 * next iterations. The caller hands over one job at a time and collects its
 * result before the next one (pair.c decides when to wait). The thread blocks
 * the asynchronous signals (they go to the loop's thread, which checks them)
 * and never calls MPI. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "runtime/runtime_internal.h"
#include "util/thread.h"

/* The writer handle's logging callback: runs on the writer thread (or on the
 * caller's during open/close); keeps the message for the caller to pass on,
 * so that the application's callback is only ever called from its own thread. */
static void keep_log(void *ctx, dckpt_log_level level, const char *msg) {
  run_writer *w = ctx;
  pthread_mutex_lock(&w->mu);
  if (w->n_logs < RUN_WRITER_LOGS) {
    w->logs[w->n_logs].level = level;
    snprintf(w->logs[w->n_logs].text, sizeof w->logs[w->n_logs].text, "%s", msg);
    w->n_logs++;
  } else {
    w->lost_logs++;
  }
  pthread_mutex_unlock(&w->mu);
}

/* Passes the kept messages on (caller's thread, mu not held). */
static void pass_logs(run_writer *w, const dckpt_logger *lg) {
  struct {
    dckpt_log_level level;
    char text[512];
  } logs[RUN_WRITER_LOGS];
  pthread_mutex_lock(&w->mu);
  int n = w->n_logs, lost = w->lost_logs;
  memcpy(logs, w->logs, (size_t)n * sizeof logs[0]);
  w->n_logs = w->lost_logs = 0;
  pthread_mutex_unlock(&w->mu);
  for (int i = 0; i < n; i++)
    dckpt_log(lg, logs[i].level, "%s", logs[i].text);
  if (lost)
    dckpt_log(lg, DCKPT_LOG_DEBUG, "(%d more message(s) of the checkpoint writer)", lost);
}

int run_writer_save(dckpt_store *store, const run_writer_job *job, double *seconds) {
  double t0 = run_now();
  int rc = DCKPT_OK;
  /* the segment first: a checkpoint never lists one that is not on disk */
  if (job->segment)
    rc = dckpt_store_save_segment(store, job->alg, job->trial, job->segment_seq,
                                  job->segment);
  if (rc == DCKPT_OK)
    rc = job->final
             ? dckpt_store_mark_complete(store, job->alg, job->trial, job->iteration,
                                         job->rec)
             : dckpt_store_save(store, job->alg, job->trial, job->iteration, job->rec);
  *seconds = run_now() - t0;
  return rc;
}

static void *writer_main(void *arg) {
  run_writer *w = arg;
  /* SCHED_BATCH (this thread and the encoding helper it starts): a woken
   * save does not preempt the loop's thread, but keeps its fair share (a lower
   * priority made the loop wait on locks the preempted writer held).
   * Failure is harmless. */
  struct sched_param sp = {0};
  (void)pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp);
  pthread_mutex_lock(&w->mu);
  for (;;) {
    while (!w->has_job && !w->quit)
      pthread_cond_wait(&w->cv, &w->mu);
    if (!w->has_job) break;
    run_writer_job job = w->job;
    pthread_mutex_unlock(&w->mu);

    double seconds;
    int rc = run_writer_save(w->store, &job, &seconds);
    if (job.owned) dckpt_record_free((dckpt_record *)job.rec);
    dckpt_record_free(job.segment);

    pthread_mutex_lock(&w->mu);
    w->result.iteration = job.iteration;
    w->result.status = rc;
    w->result.seconds = seconds;
    snprintf(w->result.message, sizeof w->result.message, "%s",
             rc == DCKPT_OK ? "" : dckpt_store_errmsg(w->store));
    w->has_job = false;
    pthread_cond_broadcast(&w->cv);
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

int run_writer_start(run_writer *w, const char *dir, const dckpt_store_options *so,
                     const char *meta, size_t meta_len, const dckpt_logger *lg, char *err,
                     size_t errlen) {
  memset(w, 0, sizeof *w);
  if (pthread_mutex_init(&w->mu, NULL) != 0) {
    snprintf(err, errlen, "cannot create the checkpoint writer's mutex");
    return DCKPT_ENOMEM;
  }
  if (pthread_cond_init(&w->cv, NULL) != 0) {
    pthread_mutex_destroy(&w->mu);
    snprintf(err, errlen, "cannot create the checkpoint writer's condition variable");
    return DCKPT_ENOMEM;
  }
  dckpt_store_options wo = *so;
  /* the directory is prepared and the run's metadata known: no file is
   * touched to open this handle */
  wo.flags = DCKPT_OPEN_WRITE | DCKPT_OPEN_NO_LOCK | DCKPT_OPEN_NO_PREPARE;
  wo.log = keep_log;
  wo.log_ctx = w;
  int rc = dckpt_store_open(dir, &wo, &w->store);
  if (rc == DCKPT_OK && meta) rc = dckpt_store_adopt_metadata(w->store, meta, meta_len);
  pass_logs(w, lg);
  if (rc != DCKPT_OK) {
    snprintf(err, errlen, "%s", dckpt_store_errmsg(w->store));
  } else {
    /* Asynchronous signals stay blocked in the thread (stop requests are the
     * loop thread's business), and so in the store's helper threads, which
     * it creates. */
    int prc = dckpt_thread_start(&w->thread, writer_main, w);
    if (prc != 0) {
      snprintf(err, errlen, "cannot start the checkpoint writer thread: %s",
               strerror(prc));
      rc = DCKPT_ENOMEM;
    }
  }
  if (rc != DCKPT_OK) {
    dckpt_store_close(w->store); /* may log, like the open */
    w->store = NULL;
    pass_logs(w, lg);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    return rc;
  }
  w->running = true;
  /* Bound to a single CPU (Open MPI binds each rank to one core when it
   * starts at most 2), the writer can only take turns with the loop: the
   * save's CPU work, the kernel's included, then slows the iterations about
   * as much as a synchronous save would (docs/performance.md, Runtime (a)). */
  cpu_set_t cpus;
  if (sched_getaffinity(0, sizeof cpus, &cpus) == 0 && CPU_COUNT(&cpus) == 1)
    dckpt_log(
        lg, DCKPT_LOG_INFO,
        "this rank may run on one CPU only, so its background checkpoints take turns "
        "with the iterations instead of overlapping them; give each rank a second CPU "
        "(mpirun --map-by slot:PE=2 or --bind-to none, srun --cpus-per-task=2)");
  return DCKPT_OK;
}

void run_writer_submit(run_writer *w, const run_writer_job *job) {
  pthread_mutex_lock(&w->mu);
  w->job = *job;
  w->has_job = true;
  pthread_cond_broadcast(&w->cv);
  pthread_mutex_unlock(&w->mu);
  w->busy = true;
}

bool run_writer_collect(run_writer *w, bool wait, run_writer_result *out,
                        const dckpt_logger *lg) {
  if (!w->busy) return false;
  pthread_mutex_lock(&w->mu);
  while (wait && w->has_job) /* busy: has_job is cleared when the save is done */
    pthread_cond_wait(&w->cv, &w->mu);
  bool done = !w->has_job;
  if (done) *out = w->result;
  pthread_mutex_unlock(&w->mu);
  if (!done) return false;
  w->busy = false;
  pass_logs(w, lg);
  return true;
}

void run_writer_stop(run_writer *w, const dckpt_logger *lg) {
  if (!w->running) return;
  run_writer_result ignored;
  run_writer_collect(w, true, &ignored, lg);
  pthread_mutex_lock(&w->mu);
  w->quit = true;
  pthread_cond_broadcast(&w->cv);
  pthread_mutex_unlock(&w->mu);
  pthread_join(w->thread, NULL);
  dckpt_store_close(w->store); /* may log (on this thread) */
  w->store = NULL;
  pass_logs(w, lg);
  pthread_cond_destroy(&w->cv);
  pthread_mutex_destroy(&w->mu);
  w->running = false;
}
