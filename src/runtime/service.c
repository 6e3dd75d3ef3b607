/* Rank 0's service: completion reports and goodbyes from every rank, and,
 * with the message scheduler, pair requests, stop requests and iteration
 * counts; rank 0 relays a stop to every rank. Answered by a thread on rank 0
 * when MPI gives MPI_THREAD_MULTIPLE, so that no rank ever waits for rank 0
 * to finish an iteration (docs/design.md, "No rank waits for rank 0"); else
 * between rank 0's iterations. Sends of the other ranks never wait either:
 * they are MPI_Isend from a small ring of buffers. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "runtime/runtime_internal.h"
#include "util/thread.h"

enum { TAG_NEXT = 7401, TAG_PAIR, TAG_DONE, TAG_WORK, TAG_STOP, TAG_NOTE, TAG_BYE };

/* The service thread polls at most this often, and at least this often when
 * idle (microseconds). */
#define POLL_MIN_US 50
#define POLL_MAX_US 1000
/* A rank waiting for its next pair tests for the answer this often. */
#define WAIT_MIN_US 10
#define WAIT_MAX_US 100

static void sleep_us(long us) {
  struct timespec ts = {0, us * 1000};
  nanosleep(&ts, NULL);
}

/* ---- ranks > 0: sends that never wait for rank 0 ---- */

static void collect_sends(run_service *v) {
  for (int i = 0; i < RUN_SENDS; i++)
    if (v->sends[i].req != MPI_REQUEST_NULL) {
      int done = 0;
      MPI_Test(&v->sends[i].req, &done, MPI_STATUS_IGNORE);
    }
}

static void post(run_service *v, int tag, int64_t a, int64_t b) {
  int slot = -1;
  for (int pass = 0; pass < 2 && slot < 0; pass++) {
    for (int i = 0; i < RUN_SENDS && slot < 0; i++)
      if (v->sends[i].req == MPI_REQUEST_NULL) slot = i;
    if (slot < 0) collect_sends(v);
  }
  if (slot < 0) { /* all in flight: rank 0 is behind by RUN_SENDS reports */
    slot = 0;
    MPI_Wait(&v->sends[0].req, MPI_STATUS_IGNORE);
  }
  v->sends[slot].buf[0] = a;
  v->sends[slot].buf[1] = b;
  MPI_Isend(v->sends[slot].buf, 2, MPI_INT64_T, 0, tag, v->comm, &v->sends[slot].req);
}

static void look_for_note(run_service *v) {
  int flag = 0;
  MPI_Iprobe(0, TAG_NOTE, v->comm, &flag, MPI_STATUS_IGNORE);
  if (!flag) return;
  int64_t buf[2];
  MPI_Recv(buf, 2, MPI_INT64_T, 0, TAG_NOTE, v->comm, MPI_STATUS_IGNORE);
  v->got_stop = v->note_seen = true;
}

/* ---- rank 0 ---- */

static void handle(run_service *v, int source, int tag, const int64_t *buf) {
  if (tag == TAG_DONE) {
    run_completion_add(v->completion, buf[0], buf[1]);
    return;
  }
  pthread_mutex_lock(&v->mu);
  int64_t pair = -1;
  if (tag == TAG_NEXT) {
    pair = v->stop || v->next >= v->n_pending ? v->n_pending : v->next++;
  } else if (tag == TAG_WORK && buf[0] >= 0 && (size_t)buf[0] < v->n_algs) {
    v->work_done += buf[1];
    v->alg_done[buf[0]] += buf[1];
  } else if (tag == TAG_STOP) {
    v->stop = true;
  } else if (tag == TAG_BYE && !v->bye[source]) {
    v->bye[source] = true;
    v->byes++;
    pthread_cond_broadcast(&v->cv);
  }
  pthread_mutex_unlock(&v->mu);
  if (pair >= 0) MPI_Send(&pair, 1, MPI_INT64_T, source, TAG_PAIR, v->comm);
}

/* Answers every message that is waiting; returns how many there were.
 * Rank 0 keeps one receive posted for whatever comes next: testing it
 * progresses MPI and finds a message that has just arrived in the same call,
 * where Open MPI's MPI_Iprobe looks before it progresses and so reports such
 * a message only at the next poll (docs/performance.md, "Load balance"). */
static int serve_waiting(run_service *v) {
  int n = 0;
  for (;;) {
    if (v->rx == MPI_REQUEST_NULL)
      MPI_Irecv(v->rx_buf, 2, MPI_INT64_T, MPI_ANY_SOURCE, MPI_ANY_TAG, v->comm, &v->rx);
    int flag = 0;
    MPI_Status st;
    MPI_Test(&v->rx, &flag, &st);
    if (!flag) return n;
    handle(v, st.MPI_SOURCE, st.MPI_TAG, v->rx_buf);
    n++;
  }
}

/* Rank 0, once nothing more can come (every goodbye is in, or the start
 * failed): the posted receive goes. */
static void cancel_receive(run_service *v) {
  if (v->rx == MPI_REQUEST_NULL) return;
  MPI_Cancel(&v->rx);
  MPI_Wait(&v->rx, MPI_STATUS_IGNORE);
}

/* Tells every rank that is still working that the run stops. */
static void send_notes(run_service *v) {
  if (!v->messages) return;
  pthread_mutex_lock(&v->mu);
  bool stop = v->stop;
  pthread_mutex_unlock(&v->mu);
  if (!stop) return;
  for (int r = 1; r < v->size; r++) {
    pthread_mutex_lock(&v->mu);
    bool send = !v->noted[r] && !v->bye[r];
    if (send) v->noted[r] = 1;
    pthread_mutex_unlock(&v->mu);
    int64_t buf[2] = {1, 0};
    if (send) MPI_Send(buf, 2, MPI_INT64_T, r, TAG_NOTE, v->comm);
  }
}

/* While rank 0 computes, its thread still sees a HALT file (the loop's
 * thread sees it too, at its next iteration, and names it). The stat is the
 * completion index's thread's: this thread touches no file, so that no
 * slow file system delays a hand-out. Only without that thread (rank 0
 * without an index: not a run that got this far) does it look itself. */
static void look_for_halt(run_service *v, double now) {
  if (!v->halt_paths) return;
  if (v->halt_watched) {
    if (!run_completion_halt_seen(v->completion)) return;
  } else {
    if (now < v->next_halt_check) return;
    v->next_halt_check = now + RUN_HALT_POLL;
    if (!run_halt_found(v->halt_paths)) return;
  }
  v->halt_paths = NULL; /* seen: the stop is raised once */
  pthread_mutex_lock(&v->mu);
  bool first = !v->stop;
  v->stop = true;
  pthread_mutex_unlock(&v->mu);
  /* with the counter's window the other ranks look at its flag */
  if (first && v->raise_window_stop) v->raise_window_stop(v->raise_ctx);
}

static void *service_main(void *arg) {
  run_service *v = arg;
  long delay = POLL_MIN_US;
  for (;;) {
    pthread_mutex_lock(&v->mu);
    bool quit = v->quit;
    pthread_mutex_unlock(&v->mu);
    if (quit) break;
    int n = serve_waiting(v);
    double now = run_now();
    look_for_halt(v, now);
    send_notes(v);
    delay = n > 0 ? POLL_MIN_US : (delay * 2 > POLL_MAX_US ? POLL_MAX_US : delay * 2);
    sleep_us(delay);
  }
  return NULL;
}

/* ---- both ---- */

static int alloc_rank0(run_service *v, const int64_t *alg_done) {
  v->alg_done = calloc(v->n_algs + 1, sizeof *v->alg_done);
  v->noted = calloc((size_t)v->size, sizeof *v->noted);
  v->bye = calloc((size_t)v->size, sizeof *v->bye);
  if (!v->alg_done || !v->noted || !v->bye) return DCKPT_ENOMEM;
  for (size_t a = 0; a < v->n_algs; a++)
    v->alg_done[a] = alg_done[a];
  return DCKPT_OK;
}

int run_service_open(run_service *v, MPI_Comm comm, bool messages, size_t n_algs,
                     int64_t work_done, const int64_t *alg_done, int64_t n_pending,
                     run_completion *completion, const char *const *halt_paths,
                     void (*raise_window_stop)(void *ctx), void *raise_ctx) {
  memset(v, 0, sizeof *v);
  v->raise_window_stop = raise_window_stop;
  v->raise_ctx = raise_ctx;
  for (int i = 0; i < RUN_SENDS; i++)
    v->sends[i].req = MPI_REQUEST_NULL;
  v->rx = MPI_REQUEST_NULL;
  MPI_Comm_dup(comm, &v->comm);
  MPI_Comm_rank(v->comm, &v->rank);
  MPI_Comm_size(v->comm, &v->size);
  v->messages = messages;
  v->n_algs = n_algs;
  v->n_pending = n_pending;
  v->work_done = work_done;
  v->completion = completion;
  int level = MPI_THREAD_SINGLE;
  MPI_Query_thread(&level);
  v->threaded = level == MPI_THREAD_MULTIPLE && v->size > 1;
  int rc = pthread_mutex_init(&v->mu, NULL) == 0 && pthread_cond_init(&v->cv, NULL) == 0
               ? DCKPT_OK
               : DCKPT_ENOMEM;
  if (v->rank != 0) return rc;
  v->halt_paths = halt_paths;
  if (rc == DCKPT_OK) rc = alloc_rank0(v, alg_done);
  if (rc == DCKPT_OK && v->threaded) {
    v->halt_watched = run_completion_watch_halt(completion, halt_paths);
    rc = dckpt_thread_start(&v->thread, service_main, v) == 0 ? DCKPT_OK : DCKPT_ENOMEM;
    v->thread_running = rc == DCKPT_OK;
  }
  return rc;
}

/* Waits for rank 0's answer by testing with short sleeps, not in a blocking
 * receive: Open MPI's blocking receive spins, and a spinning rank on a busy
 * or oversubscribed node uses up its share of the CPU, so that when the
 * answer comes it (or rank 0's service thread, on the same cores) is often
 * not running: hand-outs then took up to 30-70 ms at the 99th percentile
 * under load, against 5-10 ms when the waiting rank sleeps between tests
 * (docs/performance.md, "Hand-out without shared memory"). The sleeps grow
 * to WAIT_MAX_US, which bounds what they add to a hand-out. */
static void await_reply(MPI_Request *rq) {
  long delay = WAIT_MIN_US;
  for (;;) {
    int done = 0;
    MPI_Test(rq, &done, MPI_STATUS_IGNORE);
    if (done) return;
    sleep_us(delay);
    delay = delay * 2 > WAIT_MAX_US ? WAIT_MAX_US : delay * 2;
  }
}

int64_t run_service_next(run_service *v) {
  if (v->rank == 0) {
    pthread_mutex_lock(&v->mu);
    int64_t i = v->stop || v->next >= v->n_pending ? v->n_pending : v->next++;
    pthread_mutex_unlock(&v->mu);
    return i;
  }
  int64_t req[2] = {0, 0}, index = 0;
  MPI_Request rq;
  MPI_Irecv(&index, 1, MPI_INT64_T, 0, TAG_PAIR, v->comm, &rq);
  MPI_Send(req, 2, MPI_INT64_T, 0, TAG_NEXT, v->comm);
  await_reply(&rq);
  return index;
}

void run_service_poll(run_service *v) {
  /* a run of one rank has no one to serve (its index is committed by the
   * completion index's own thread, as any rank 0's) */
  if (v->size == 1) return;
  if (v->rank != 0) {
    collect_sends(v);
    if (v->messages) look_for_note(v);
    return;
  }
  if (v->threaded) return;
  serve_waiting(v);
  send_notes(v);
}

void run_service_raise_stop(run_service *v) {
  if (v->rank == 0) {
    pthread_mutex_lock(&v->mu);
    v->stop = true;
    pthread_mutex_unlock(&v->mu);
    if (!v->threaded && v->size > 1) send_notes(v);
    return;
  }
  v->got_stop = true;
  if (!v->sent_stop) post(v, TAG_STOP, 0, 0);
  v->sent_stop = true;
}

bool run_service_stop_raised(run_service *v) {
  if (v->rank != 0) {
    if (!v->got_stop) look_for_note(v);
    return v->got_stop;
  }
  pthread_mutex_lock(&v->mu);
  bool stop = v->stop;
  pthread_mutex_unlock(&v->mu);
  return stop;
}

void run_service_add_work(run_service *v, int64_t alg, int64_t iterations) {
  if (v->rank != 0) {
    post(v, TAG_WORK, alg, iterations);
    return;
  }
  pthread_mutex_lock(&v->mu);
  v->work_done += iterations;
  if (alg >= 0 && (size_t)alg < v->n_algs) v->alg_done[alg] += iterations;
  pthread_mutex_unlock(&v->mu);
}

void run_service_read_work(run_service *v, int64_t *total, int64_t *per_alg) {
  pthread_mutex_lock(&v->mu);
  *total = v->work_done;
  for (size_t a = 0; per_alg && a < v->n_algs; a++)
    per_alg[a] = v->alg_done[a];
  pthread_mutex_unlock(&v->mu);
}

void run_service_complete(run_service *v, int64_t alg, int64_t trial) {
  if (v->rank == 0)
    run_completion_add(v->completion, alg, trial);
  else
    post(v, TAG_DONE, alg, trial);
}

/* Rank 0: every other rank has said goodbye (so every report is in). */
static void await_goodbyes(run_service *v) {
  if (v->threaded) {
    pthread_mutex_lock(&v->mu);
    while (v->byes < v->size - 1)
      pthread_cond_wait(&v->cv, &v->mu);
    v->quit = true;
    pthread_mutex_unlock(&v->mu);
    pthread_join(v->thread, NULL);
    v->thread_running = false;
    return;
  }
  for (;;) {
    pthread_mutex_lock(&v->mu);
    bool all = v->byes >= v->size - 1;
    pthread_mutex_unlock(&v->mu);
    if (all) return;
    if (serve_waiting(v) == 0) sleep_us(POLL_MIN_US);
  }
}

void run_service_finish(run_service *v) {
  if (v->size == 1) return;
  if (v->rank == 0) {
    await_goodbyes(v);
    cancel_receive(v);
  } else {
    post(v, TAG_BYE, 0, 0);
    for (int i = 0; i < RUN_SENDS; i++)
      MPI_Wait(&v->sends[i].req, MPI_STATUS_IGNORE);
  }
  /* A rank that said goodbye waits here for rank 0 to hear every rank's,
   * that is for the last pair's end: asleep, not polling a core */
  dckpt_run_barrier(v->comm);
  /* A stop notice sent to a rank that was leaving is received now, so that
   * no message is left behind on the communicator. */
  int mine = 0;
  MPI_Scatter(v->noted, 1, MPI_INT, &mine, 1, MPI_INT, 0, v->comm);
  if (v->rank != 0 && mine && !v->note_seen) {
    int64_t buf[2];
    MPI_Recv(buf, 2, MPI_INT64_T, 0, TAG_NOTE, v->comm, MPI_STATUS_IGNORE);
    v->note_seen = true;
  }
}

void run_service_close(run_service *v) {
  if (v->thread_running) { /* a failed start: the thread never saw goodbyes */
    pthread_mutex_lock(&v->mu);
    v->quit = true;
    pthread_mutex_unlock(&v->mu);
    pthread_join(v->thread, NULL);
    v->thread_running = false;
  }
  if (v->halt_watched) run_completion_watch_halt(v->completion, NULL);
  cancel_receive(v);
  /* after run_service_finish none is left; after a failed start none began */
  for (int i = 0; i < RUN_SENDS; i++)
    if (v->sends[i].req != MPI_REQUEST_NULL) MPI_Request_free(&v->sends[i].req);
  free(v->alg_done);
  free(v->noted);
  free(v->bye);
  pthread_cond_destroy(&v->cv);
  pthread_mutex_destroy(&v->mu);
  MPI_Comm_free(&v->comm);
}
