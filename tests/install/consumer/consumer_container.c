/* Packs the run that `consumer` wrote into a container through an installed
 * libdckpt_container (a singleton MPI process), then reads its result back
 * without MPI. */
#include <dckpt_container.h>
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  MPI_Init(&argc, &argv);
  dckpt_pack_report rep;
  int rc = dckpt_container_pack(MPI_COMM_WORLD, argv[1], argv[2], NULL, &rep);
  MPI_Finalize();
  if (rc != DCKPT_OK) {
    fprintf(stderr, "pack: %s\n", rep.message);
    return 1;
  }
  dckpt_container *c = NULL;
  dckpt_record *r = NULL;
  double x[3] = {0};
  rc = dckpt_container_open(argv[2], &c);
  if (!rc)
    rc = dckpt_container_load_record(c, "algorithm_0/trial_0/checkpoint_0000002.dckpt",
                                     &r, NULL);
  if (!rc) rc = dckpt_record_get(r, "x", DCKPT_F64, x, 3);
  printf("container %s: %s, x = %g %g %g\n", argv[2],
         rc ? dckpt_container_errmsg(c) : "read", x[0], x[1], x[2]);
  dckpt_record_free(r);
  dckpt_container_close(c);
  return rc == DCKPT_OK && x[2] == 3 ? 0 : 1;
}
