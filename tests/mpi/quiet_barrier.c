/* dckpt_run_barrier: a rank that waits for a late one sleeps. Rank 0 enters
 * late (after a pause, having made a file); every other rank measures the
 * processor time its process used while it waited and checks that rank 0's
 * file exists once it is out (no rank leaves before the last one entered).
 * With Open MPI's MPI_Barrier the waiting ranks use their cores all along
 * (mpi_yield_when_idle: sched_yield in a loop), which this test refuses:
 * a waiting rank may use at most a tenth of the wait's wall time.
 * Usage: quiet_barrier DIR [PAUSE_MS] (DIR is made if missing). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "dckpt_run.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
         (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 0, bad = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (argc < 2) {
    if (rank == 0) fprintf(stderr, "usage: quiet_barrier DIR [PAUSE_MS]\n");
    MPI_Finalize();
    return 2;
  }
  long pause_ms = argc > 2 ? atol(argv[2]) : 1500;
  char mark[4096];
  snprintf(mark, sizeof mark, "%s/rank0-entered", argv[1]);
  if (rank == 0) {
    mkdir(argv[1], 0755); /* (EEXIST: fine) */
    remove(mark);
  }
  /* arguments and one rank */
  if (dckpt_run_barrier(MPI_COMM_NULL) != DCKPT_EINVAL) {
    fprintf(stderr, "rank %d: MPI_COMM_NULL not refused with EINVAL\n", rank);
    bad = 1;
  }
  if (dckpt_run_barrier(MPI_COMM_SELF) != DCKPT_OK) {
    fprintf(stderr, "rank %d: MPI_COMM_SELF failed\n", rank);
    bad = 1;
  }
  MPI_Barrier(MPI_COMM_WORLD); /* everyone past the removal of the mark */
  if (rank == 0) {
    struct timespec ts = {pause_ms / 1000, (pause_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    FILE *f = fopen(mark, "w");
    if (!f || fclose(f) != 0) {
      fprintf(stderr, "rank 0: cannot make %s\n", mark);
      bad = 1;
    }
    if (dckpt_run_barrier(MPI_COMM_WORLD) != DCKPT_OK) bad = 1;
  } else {
    double t0 = now(), c0 = cpu_seconds();
    int rc = dckpt_run_barrier(MPI_COMM_WORLD);
    double wall = now() - t0, cpu = cpu_seconds() - c0;
    struct stat st;
    printf("rank %d: waited %.3f s, used %.3f s of processor time (%.1f %%)\n", rank,
           wall, cpu, 100.0 * cpu / wall);
    if (rc != DCKPT_OK) {
      fprintf(stderr, "rank %d: dckpt_run_barrier returned %d\n", rank, rc);
      bad = 1;
    } else if (stat(mark, &st) != 0) {
      fprintf(stderr, "rank %d: left the barrier before rank 0 entered it\n", rank);
      bad = 1;
    } else if (cpu > 0.1 * wall) {
      fprintf(stderr, "rank %d: used %.3f s of processor time in a wait of %.3f s\n",
              rank, cpu, wall);
      bad = 1;
    }
  }
  int any = 0;
  MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (rank == 0) printf(any ? "quiet_barrier: FAILED\n" : "quiet_barrier: all passed\n");
  MPI_Finalize();
  return any;
}
