/* The store of a container (FILE.h5) for the commands that take DIR and read
 * through the store (status): dckpt_container_open_store. The one place where
 * these commands meet libdckpt_container; in dckpt (which does not link it)
 * the command line goes to dckpt-h5 instead (cli.h, "containers"). */
#include "cli.h"
#ifdef DCKPT_CLI_CONTAINER
#include "dckpt_container.h"

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
#else
int cli_open_container_store(const char *cmd, const char *path,
                             const dckpt_store_options *opts, dckpt_store **out) {
  (void)path, (void)opts;
  *out = NULL;
  return cli_handoff(cmd, CLI_EXIT_FAIL);
}
#endif
