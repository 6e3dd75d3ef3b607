/* Dynamic hand-out of pairs through a counter in an MPI window on rank 0:
 * every rank takes the next pair with MPI_Fetch_and_op, so no rank waits for
 * another to hand out work. The same window carries the stop flag and the
 * iteration counters that rank 0 turns into progress reports. */
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime_internal.h"

enum { SLOT_NEXT = 0, SLOT_STOP = 1, SLOT_DONE = 2, SLOT_ALGS = 3 };

enum { TAG_REQUEST = 7301, TAG_REPLY = 7302 };

int run_sched_open(run_sched *s, MPI_Comm comm, dckpt_scheduler mode, size_t n_algs,
                   int64_t work_done, const int64_t *alg_done) {
  memset(s, 0, sizeof *s);
  s->n_algs = n_algs;
  s->comm = comm;
  s->mode = mode;
  MPI_Comm_rank(comm, &s->rank);
  MPI_Comm_size(comm, &s->size);
  MPI_Aint size = s->rank == 0 ? (MPI_Aint)((SLOT_ALGS + n_algs) * sizeof(int64_t)) : 0;
  if (MPI_Win_allocate(size, (int)sizeof(int64_t), MPI_INFO_NULL, comm, &s->base,
                       &s->win) != MPI_SUCCESS)
    return DCKPT_EMPI;
  if (s->rank == 0) {
    memset(s->base, 0, (size_t)size);
    s->base[SLOT_DONE] = work_done;
    for (size_t a = 0; a < n_algs; a++)
      s->base[SLOT_ALGS + a] = alg_done[a];
  }
  MPI_Barrier(comm);
  MPI_Win_lock_all(0, s->win);
  return DCKPT_OK;
}

void run_sched_close(run_sched *s) {
  MPI_Win_unlock_all(s->win);
  MPI_Win_free(&s->win);
}

static int64_t fetch_add(run_sched *s, int slot, int64_t value, MPI_Op op) {
  int64_t old = 0;
  MPI_Fetch_and_op(&value, &old, MPI_INT64_T, 0, slot, op, s->win);
  MPI_Win_flush(0, s->win);
  return old;
}

int64_t run_sched_next(run_sched *s) {
  if (s->mode == DCKPT_SCHED_COUNTER) return fetch_add(s, SLOT_NEXT, 1, MPI_SUM);
  if (s->rank == 0) return s->next_local++;
  int64_t index = 0;
  char dummy = 0;
  MPI_Send(&dummy, 1, MPI_CHAR, 0, TAG_REQUEST, s->comm);
  MPI_Recv(&index, 1, MPI_INT64_T, 0, TAG_REPLY, s->comm, MPI_STATUS_IGNORE);
  return index;
}

static int64_t request(run_sched *s, int64_t n_pending) {
  int64_t i = run_sched_next(s);
  if (i >= n_pending) s->got_end = true;
  return i;
}

static void answer(run_sched *s, int source, int64_t n_pending) {
  char dummy;
  MPI_Recv(&dummy, 1, MPI_CHAR, source, TAG_REQUEST, s->comm, MPI_STATUS_IGNORE);
  int64_t index = s->next_local++;
  if (index >= n_pending) s->finished_workers++;
  MPI_Send(&index, 1, MPI_INT64_T, source, TAG_REPLY, s->comm);
}

void run_sched_serve(run_sched *s, int64_t n_pending) {
  if (s->mode != DCKPT_SCHED_DISPENSER || s->rank != 0) return;
  for (;;) {
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(MPI_ANY_SOURCE, TAG_REQUEST, s->comm, &flag, &st);
    if (!flag) return;
    answer(s, st.MPI_SOURCE, n_pending);
  }
}

void run_sched_finish(run_sched *s, int64_t n_pending) {
  if (s->mode != DCKPT_SCHED_DISPENSER) return;
  if (s->rank != 0) {
    while (!s->got_end)
      request(s, n_pending);
    return;
  }
  /* After a stop the counter may be short of the end: from now on every
   * request gets "none left". */
  if (s->next_local < n_pending) s->next_local = n_pending;
  while (s->finished_workers < s->size - 1) {
    MPI_Status st;
    MPI_Probe(MPI_ANY_SOURCE, TAG_REQUEST, s->comm, &st);
    answer(s, st.MPI_SOURCE, n_pending);
  }
}

void run_sched_raise_stop(run_sched *s) {
  fetch_add(s, SLOT_STOP, 1, MPI_REPLACE);
}

bool run_sched_stop_raised(run_sched *s) {
  return fetch_add(s, SLOT_STOP, 0, MPI_NO_OP) != 0;
}

void run_sched_add_work(run_sched *s, int64_t alg, int64_t iterations) {
  if (iterations == 0) return;
  int64_t old;
  MPI_Fetch_and_op(&iterations, &old, MPI_INT64_T, 0, SLOT_DONE, MPI_SUM, s->win);
  MPI_Fetch_and_op(&iterations, &old, MPI_INT64_T, 0, SLOT_ALGS + (int)alg, MPI_SUM,
                   s->win);
  MPI_Win_flush(0, s->win);
}

void run_sched_read_work(run_sched *s, int64_t *total, int64_t *per_alg) {
  /* Atomic reads of the owner's memory through the window. */
  *total = fetch_add(s, SLOT_DONE, 0, MPI_NO_OP);
  for (size_t a = 0; per_alg && a < s->n_algs; a++)
    per_alg[a] = fetch_add(s, SLOT_ALGS + (int)a, 0, MPI_NO_OP);
}
