/* The store of a container (FILE.h5) for the commands that take DIR and read
 * through the store (status): dckpt_container_open_store. The one place where
 * these commands meet libdckpt_container. */
#include "cli.h"
#include "dckpt_container.h"

bool cli_container_probe(const char *path) {
  return dckpt_container_probe(path);
}

int cli_open_container_store(const char *cmd, const char *path,
                             const dckpt_store_options *opts, dckpt_store **out) {
  *out = NULL;
  dckpt_store *store = NULL;
  int rc = dckpt_container_open_store(path, opts, &store);
  if (rc != DCKPT_OK) {
    cli_store_error(cmd, store, path, rc);
    dckpt_store_close(store);
    return CLI_EXIT_FAIL;
  }
  *out = store;
  return CLI_EXIT_OK;
}
