/* The start of the MPI benchmark programs under perf/ (bench_run_opt,
 * bench_run_sched, bench_run_scan): what they do with a command line that did
 * not parse, and their scratch directory. Header-only: bench_util links no
 * MPI. */
#ifndef DCKPT_BENCH_MPI_H
#define DCKPT_BENCH_MPI_H

#include <mpi.h>
#include <stdio.h>
#include <sys/stat.h>

/** The end of a run whose options did not parse, `prc` being what the
 *  program's parse returned (1: --help, 2: a bad option): rank 0 prints
 *  `usage` (on stdout for --help, else on stderr), every rank ends MPI.
 *  Returns the exit status: 0 for --help, else 2. */
static inline int bench_mpi_usage(int prc, const char *usage) {
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank == 0) fputs(usage, prc == 1 ? stdout : stderr);
  MPI_Finalize();
  return prc == 1 ? 0 : 2;
}

/** Collective: rank 0 makes the directory `dir` (it may exist), the others
 *  wait until it has. */
static inline void bench_mpi_scratch(const char *dir) {
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank == 0) mkdir(dir, 0777);
  MPI_Barrier(MPI_COMM_WORLD);
}

#endif
