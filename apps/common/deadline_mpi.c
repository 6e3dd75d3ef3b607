/* Rank 0 parses the deadline; every rank gets its value or its message. */
#include "deadline_mpi.h"

#include <string.h>
#include <time.h>

typedef struct bcast_msg {
  double deadline;
  int rc;
  char err[512];
} bcast_msg;

int app_parse_deadline_bcast(MPI_Comm comm, const char *arg, double *deadline, char *err,
                             size_t errlen) {
  bcast_msg m;
  memset(&m, 0, sizeof m);
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  if (rank == 0) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    double now = (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
    m.rc = app_parse_deadline(arg, now, &m.deadline, m.err, sizeof m.err);
  }
  MPI_Bcast(&m, (int)sizeof m, MPI_BYTE, 0, comm);
  if (m.rc == 0) {
    *deadline = m.deadline;
  } else if (err && errlen) {
    strncpy(err, m.err, errlen - 1);
    err[errlen - 1] = '\0';
  }
  return m.rc;
}
