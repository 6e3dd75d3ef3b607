/* A pack that kills itself: run under mpirun, the rank named kills its own
 * process with SIGKILL just before the given step of the pack, the given
 * time it is reached (the launcher then ends the other ranks). With rank
 * -1 no one is killed and the pack runs to its end.
 *
 *   container_crash_pack DIR FILE STEP NTH RANK [META]  (exit 0 packed, 1 failed)
 *
 * With META, the rank named renames the file META over DIR/metadata.json
 * at that step instead of being killed: the run changed (extended, its
 * metadata replaced) while the pack reads it.
 *
 * Steps: pack.create, pack.round, pack.index, pack.close, pack.fsync,
 * pack.rename, pack.dirsync, pack.done (dckpt_pack_options.step_hook). */
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dckpt_container.h"

typedef struct killer {
  const char *step;
  int nth, seen, rank;
  const char *dir, *meta;
} killer;

static void hook(void *ctx, const char *step) {
  killer *k = ctx;
  if (strcmp(step, k->step) != 0 || ++k->seen != k->nth) return;
  int r = -2;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  if (r != k->rank) return;
  if (k->meta) {
    char to[4200];
    snprintf(to, sizeof to, "%s/metadata.json", k->dir);
    if (rename(k->meta, to) != 0) perror("container_crash_pack: rename");
    return;
  }
  fprintf(stderr, "container_crash_pack: rank %d killed before %s #%d\n", r, step,
          k->nth);
  fflush(stderr);
  raise(SIGKILL);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  if (argc != 6 && argc != 7) {
    fprintf(stderr, "usage: container_crash_pack DIR FILE STEP NTH RANK [META]\n");
    MPI_Finalize();
    return 2;
  }
  killer k = {argv[3],       atoi(argv[4]), 0,
              atoi(argv[5]), argv[1],       argc == 7 ? argv[6] : NULL};
  dckpt_pack_options o;
  dckpt_pack_options_init(&o);
  o.step_hook = hook;
  o.step_hook_ctx = &k;
  o.buffer_bytes = 4096 * 4; /* many rounds, so that kills land mid-pack */
  o.chunk_bytes = 4096;
  dckpt_pack_report rep;
  int rc = dckpt_container_pack(MPI_COMM_WORLD, argv[1], argv[2], &o, &rep);
  if (rc != DCKPT_OK) fprintf(stderr, "container_crash_pack: %s\n", rep.message);
  MPI_Finalize();
  return rc == DCKPT_OK ? 0 : 1;
}
