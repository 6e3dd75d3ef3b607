/* Who takes which pair. Two ways, chosen when the run starts:
 *
 * - a counter in an MPI window on rank 0, taken with MPI_Fetch_and_op; the
 *   same window carries the stop flag and the iteration counters. In a
 *   shared-memory window (every rank on one node) a take is an atomic in
 *   memory that rank 0 never has to answer.
 * - messages to rank 0's service (service.c), answered by its thread (with
 *   MPI_THREAD_MULTIPLE) or between its iterations: needs no shared memory,
 *   and with the thread no rank waits for rank 0's iteration.
 *
 * DCKPT_SCHED_AUTO (the default) takes the shared-memory counter when it can
 * and messages otherwise; COUNTER asks for a window whatever MPI makes of it
 * (between nodes its one-sided operations may wait for rank 0's progress),
 * DISPENSER for messages. Completion reports always go to the service. */
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime_internal.h"

enum { SLOT_NEXT = 0, SLOT_STOP = 1, SLOT_DONE = 2, SLOT_ALGS = 3 };

/* Makes the window (shared memory when `shared`); collective; false on any
 * rank makes it false on all, and nothing is left behind. */
static bool make_window(run_sched *s, bool shared, int64_t work_done,
                        const int64_t *alg_done) {
  MPI_Aint size =
      s->rank == 0 ? (MPI_Aint)((SLOT_ALGS + s->n_algs) * sizeof(int64_t)) : 0;
  MPI_Comm_set_errhandler(s->comm, MPI_ERRORS_RETURN);
  int rc = shared ? MPI_Win_allocate_shared(size, (int)sizeof(int64_t), MPI_INFO_NULL,
                                            s->comm, &s->base, &s->win)
                  : MPI_Win_allocate(size, (int)sizeof(int64_t), MPI_INFO_NULL, s->comm,
                                     &s->base, &s->win);
  int ok = rc == MPI_SUCCESS, all = 0;
  MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, s->comm);
  MPI_Comm_set_errhandler(s->comm, MPI_ERRORS_ARE_FATAL);
  if (!all) {
    if (ok) MPI_Win_free(&s->win);
    return false;
  }
  if (s->rank == 0) {
    memset(s->base, 0, (size_t)size);
    s->base[SLOT_DONE] = work_done;
    for (size_t a = 0; a < s->n_algs; a++)
      s->base[SLOT_ALGS + a] = alg_done[a];
  }
  MPI_Barrier(s->comm);
  MPI_Win_lock_all(0, s->win);
  return true;
}

/* Whether every rank of the communicator shares one node's memory. */
static bool one_node(run_sched *s) {
  MPI_Comm node;
  if (MPI_Comm_split_type(s->comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) !=
      MPI_SUCCESS)
    return false;
  int n = 0;
  MPI_Comm_size(node, &n);
  MPI_Comm_free(&node);
  return n == s->size;
}

static void describe(const run_sched *s, dckpt_scheduler mode, const dckpt_logger *lg) {
  if (s->rank != 0 || s->size == 1) return;
  if (s->window)
    dckpt_log(lg, DCKPT_LOG_DEBUG, "pairs are handed out by a counter in %s",
              s->shared ? "shared memory" : "an MPI window on rank 0");
  else if (s->svc.threaded)
    dckpt_log(lg, DCKPT_LOG_DEBUG, "pairs are handed out by rank 0's service thread");
  else
    dckpt_log(lg, mode == DCKPT_SCHED_DISPENSER ? DCKPT_LOG_INFO : DCKPT_LOG_WARN,
              "pairs are handed out by rank 0 between its iterations: a rank that "
              "asks waits for rank 0's current iteration; initialize MPI with "
              "MPI_Init_thread(MPI_THREAD_MULTIPLE) to have a thread of rank 0 answer "
              "at once");
}

static int64_t fetch_add(run_sched *s, int slot, int64_t value, MPI_Op op);

/* Rank 0's service thread found DIR/HALT (MPI_THREAD_MULTIPLE: it may). */
static void raise_from_thread(void *ctx) {
  run_sched *s = ctx;
  fetch_add(s, SLOT_STOP, 1, MPI_REPLACE);
}

int run_sched_open(run_sched *s, MPI_Comm comm, dckpt_scheduler mode, size_t n_algs,
                   int64_t work_done, const int64_t *alg_done, int64_t n_pending,
                   run_completion *completion, const char *const *halt_paths,
                   const dckpt_logger *lg) {
  memset(s, 0, sizeof *s);
  s->comm = comm;
  s->n_algs = n_algs;
  MPI_Comm_rank(comm, &s->rank);
  MPI_Comm_size(comm, &s->size);
  if (s->size > 1 && mode == DCKPT_SCHED_AUTO && one_node(s))
    s->window = s->shared = make_window(s, true, work_done, alg_done);
  else if (s->size > 1 && mode == DCKPT_SCHED_COUNTER) {
    s->window = make_window(s, false, work_done, alg_done);
    if (!s->window && s->rank == 0)
      dckpt_log(lg, DCKPT_LOG_WARN,
                "this MPI cannot make the counter's window; pairs are handed out by "
                "messages to rank 0 instead");
  }
  int rc =
      run_service_open(&s->svc, comm, !s->window, n_algs, work_done, alg_done, n_pending,
                       completion, halt_paths, s->window ? raise_from_thread : NULL, s);
  int ok = rc == DCKPT_OK, all = 0;
  MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, comm);
  if (!all) {
    run_sched_close(s);
    return DCKPT_EMPI;
  }
  describe(s, mode, lg);
  return DCKPT_OK;
}

void run_sched_close(run_sched *s) {
  if (s->window) {
    MPI_Win_unlock_all(s->win);
    MPI_Win_free(&s->win);
    s->window = false;
  }
  run_service_close(&s->svc);
}

static int64_t fetch_add(run_sched *s, int slot, int64_t value, MPI_Op op) {
  int64_t old = 0;
  MPI_Fetch_and_op(&value, &old, MPI_INT64_T, 0, slot, op, s->win);
  MPI_Win_flush(0, s->win);
  return old;
}

int64_t run_sched_next(run_sched *s) {
  return s->window ? fetch_add(s, SLOT_NEXT, 1, MPI_SUM) : run_service_next(&s->svc);
}

void run_sched_serve(run_sched *s) {
  run_service_poll(&s->svc);
}

void run_sched_finish(run_sched *s) {
  run_service_finish(&s->svc);
}

void run_sched_raise_stop(run_sched *s) {
  if (s->window)
    fetch_add(s, SLOT_STOP, 1, MPI_REPLACE);
  else
    run_service_raise_stop(&s->svc);
}

bool run_sched_stop_raised(run_sched *s) {
  if (s->window) return fetch_add(s, SLOT_STOP, 0, MPI_NO_OP) != 0;
  return run_service_stop_raised(&s->svc);
}

void run_sched_add_work(run_sched *s, int64_t alg, int64_t iterations) {
  if (iterations == 0) return;
  if (!s->window) {
    run_service_add_work(&s->svc, alg, iterations);
    return;
  }
  int64_t old;
  MPI_Fetch_and_op(&iterations, &old, MPI_INT64_T, 0, SLOT_DONE, MPI_SUM, s->win);
  MPI_Fetch_and_op(&iterations, &old, MPI_INT64_T, 0, SLOT_ALGS + (int)alg, MPI_SUM,
                   s->win);
  MPI_Win_flush(0, s->win);
}

void run_sched_read_work(run_sched *s, int64_t *total, int64_t *per_alg) {
  if (!s->window) {
    run_service_read_work(&s->svc, total, per_alg);
    return;
  }
  /* Atomic reads of the owner's memory through the window. */
  *total = fetch_add(s, SLOT_DONE, 0, MPI_NO_OP);
  for (size_t a = 0; per_alg && a < s->n_algs; a++)
    per_alg[a] = fetch_add(s, SLOT_ALGS + (int)a, 0, MPI_NO_OP);
}

void run_sched_complete(run_sched *s, int64_t alg, int64_t trial) {
  run_service_complete(&s->svc, alg, trial);
}
