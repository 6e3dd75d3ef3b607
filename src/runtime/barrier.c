/* A barrier whose waiting ranks sleep (dckpt_run_barrier, dckpt_run.h).
 * Open MPI's MPI_Barrier polls without pause (with mpi_yield_when_idle, as
 * when a node is oversubscribed, it calls sched_yield in a loop): a rank that
 * waits there for a slower one uses a whole core, which on a laptop running
 * more ranks than it has cores, or a node shared with other jobs, is taken
 * from the ranks that still work (docs/design.md, "Ranks that wait sleep"). */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include "dckpt_run.h"

/* The first test comes at once; the pause between tests then doubles, from
 * the first to the second bound (microseconds). A waiting rank thus leaves the
 * barrier at most BARRIER_PAUSE_MAX_US after the last rank entered it, and
 * wakes at most some 500 times a second while it waits. */
#define BARRIER_PAUSE_MIN_US 20L
#define BARRIER_PAUSE_MAX_US 2000L

int dckpt_run_barrier(MPI_Comm comm) {
  if (comm == MPI_COMM_NULL) return DCKPT_EINVAL;
  int size = 0;
  if (MPI_Comm_size(comm, &size) != MPI_SUCCESS) return DCKPT_EMPI;
  if (size == 1) return DCKPT_OK;
  MPI_Request rq;
  if (MPI_Ibarrier(comm, &rq) != MPI_SUCCESS) return DCKPT_EMPI;
  long pause_us = BARRIER_PAUSE_MIN_US;
  for (;;) {
    int done = 0;
    if (MPI_Test(&rq, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS) return DCKPT_EMPI;
    if (done) return DCKPT_OK;
    struct timespec ts = {0, pause_us * 1000};
    (void)nanosleep(&ts, NULL); /* a signal cuts it short: test again */
    pause_us = pause_us * 2 < BARRIER_PAUSE_MAX_US ? pause_us * 2 : BARRIER_PAUSE_MAX_US;
  }
}
