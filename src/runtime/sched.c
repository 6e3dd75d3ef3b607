/* Dynamic hand-out of pairs through a counter in an MPI window on rank 0:
 * every rank takes the next pair with MPI_Fetch_and_op, so no rank waits for
 * another to hand out work. The same window carries the stop flag and the
 * iteration counters that rank 0 turns into progress reports. */
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime_internal.h"

enum { SLOT_NEXT = 0, SLOT_STOP = 1, SLOT_DONE = 2, SLOT_ALGS = 3 };

int run_sched_open(run_sched *s, MPI_Comm comm, size_t n_algs, int64_t work_done,
                   const int64_t *alg_done) {
  memset(s, 0, sizeof *s);
  s->n_algs = n_algs;
  MPI_Comm_rank(comm, &s->rank);
  MPI_Aint size = s->rank == 0 ? (MPI_Aint)((SLOT_ALGS + n_algs) * sizeof(int64_t)) : 0;
  if (MPI_Win_allocate(size, (int)sizeof(int64_t), MPI_INFO_NULL, comm, &s->base, &s->win) !=
      MPI_SUCCESS)
    return DCKPT_EMPI;
  if (s->rank == 0) {
    memset(s->base, 0, (size_t)size);
    s->base[SLOT_DONE] = work_done;
    for (size_t a = 0; a < n_algs; a++) s->base[SLOT_ALGS + a] = alg_done[a];
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

int64_t run_sched_next(run_sched *s) { return fetch_add(s, SLOT_NEXT, 1, MPI_SUM); }

void run_sched_raise_stop(run_sched *s) { fetch_add(s, SLOT_STOP, 1, MPI_REPLACE); }

bool run_sched_stop_raised(run_sched *s) { return fetch_add(s, SLOT_STOP, 0, MPI_NO_OP) != 0; }

void run_sched_add_work(run_sched *s, int64_t alg, int64_t iterations) {
  if (iterations == 0) return;
  int64_t old;
  MPI_Fetch_and_op(&iterations, &old, MPI_INT64_T, 0, SLOT_DONE, MPI_SUM, s->win);
  MPI_Fetch_and_op(&iterations, &old, MPI_INT64_T, 0, SLOT_ALGS + (int)alg, MPI_SUM, s->win);
  MPI_Win_flush(0, s->win);
}

void run_sched_read_work(run_sched *s, int64_t *total, int64_t *per_alg) {
  /* Atomic reads of the owner's memory through the window. */
  *total = fetch_add(s, SLOT_DONE, 0, MPI_NO_OP);
  for (size_t a = 0; per_alg && a < s->n_algs; a++)
    per_alg[a] = fetch_add(s, SLOT_ALGS + (int)a, 0, MPI_NO_OP);
}
