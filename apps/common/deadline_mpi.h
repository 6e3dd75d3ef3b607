/* --deadline for MPI programs: parsed once, on rank 0, and broadcast. */
#ifndef DCKPT_APPS_DEADLINE_MPI_H
#define DCKPT_APPS_DEADLINE_MPI_H

#include <mpi.h>
#include <stddef.h>

#include "deadline.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * app_parse_deadline() on rank 0 of `comm` (with the current time there), then
 * the deadline or the error broadcast to every rank. With `slurm` this asks
 * slurmctld once per job instead of once per rank, and every rank gets the
 * same deadline. MPI collective; returns the same value on every rank.
 * @param[in] arg  used on rank 0 only (other ranks may pass NULL)
 * @return 0, or -1 with the message of rank 0 in err on every rank.
 */
int app_parse_deadline_bcast(MPI_Comm comm, const char *arg, double *deadline, char *err,
                             size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* DCKPT_APPS_DEADLINE_MPI_H */
