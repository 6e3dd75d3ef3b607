/* Registers as a shared run of DIR and stays until its stdin closes:
 *
 *   container_hold_shared DIR READY_FILE
 *
 * Opens the store of DIR with DCKPT_OPEN_SHARED (its lease in DIR/leases),
 * gives the lock back as a shared run does after its set-up, creates
 * READY_FILE so that a test waits for that state, and holds the lease until
 * stdin reaches its end. Exit 0, or 1 with the reason. */
#include <stdio.h>

#include "dckpt.h"
#include "dckpt_experimental.h"

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: container_hold_shared DIR READY_FILE\n");
    return 2;
  }
  dckpt_store_options o;
  dckpt_store_options_init(&o);
  o.flags = DCKPT_OPEN_WRITE | DCKPT_OPEN_EXISTING | DCKPT_OPEN_SHARED;
  dckpt_store *s = NULL;
  int rc = dckpt_store_open(argv[1], &o, &s);
  if (rc == DCKPT_OK) rc = dckpt_store_release_lock(s);
  if (rc != DCKPT_OK) {
    fprintf(stderr, "container_hold_shared: %s\n", dckpt_store_errmsg(s));
    dckpt_store_close(s);
    return 1;
  }
  FILE *f = fopen(argv[2], "w");
  if (f) fclose(f);
  while (getchar() != EOF) {
  }
  dckpt_store_close(s);
  return f ? 0 : 1;
}
