/* Links the MPI runtime of an installed dckpt (no MPI run needed). */
#include <dckpt_run.h>
#include <stdio.h>

int main(void) {
  dckpt_rng r;
  dckpt_rng_seed(&r, dckpt_pair_seed(1, 0, 0));
  printf("first draw %llu\n", (unsigned long long)dckpt_rng_next(&r));
  return 0;
}
