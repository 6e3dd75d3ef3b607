/* dckpt backup, clear and size: whole-directory operations. */
#include <ctype.h>
#include <inttypes.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"

/* ---- backup ---- */

static const char backup_help[] =
    "Usage: dckpt backup DIR\n"
    "\n"
    "Archives checkpoint directory DIR into DIR_backup_<YYYYmmdd_HHMMSS>.zip\n"
    "beside it (a suffix _2, _3, ... keeps names unique) and prints the\n"
    "archive's path. The archive is written crash-safely; DIR is not changed.\n"
    "\n"
    "Exit status: 0 archive written, 1 failed, 2 usage error.\n";

static int run_backup(int argc, char **argv) {
  const char *dir;
  int ex = cli_parse_dir_only(&cli_cmd_backup, argc, argv, &dir);
  if (ex != CLI_CONTINUE) return ex;
  dckpt_store *store = NULL;
  if (cli_open_store("backup", dir, DCKPT_OPEN_READ, &store) != CLI_EXIT_OK)
    return CLI_EXIT_FAIL;
  char *path = NULL;
  int rc = dckpt_store_backup(store, &path);
  if (rc == DCKPT_OK) {
    printf("%s\n", path);
  } else {
    cli_store_error("backup", store, dir, rc);
  }
  dckpt_free(path);
  dckpt_store_close(store);
  return rc == DCKPT_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

const cli_command cli_cmd_backup = {"backup",
                                    "archive DIR into DIR_backup_<time>.zip beside it",
                                    backup_help, run_backup};

/* ---- size ---- */

static const char size_help[] =
    "Usage: dckpt size DIR [--bytes]\n"
    "\n"
    "Prints the total size of all files under DIR, then a tab and DIR:\n"
    "human-readable (B, KiB, MiB, GiB, TiB; powers of 1024) by default.\n"
    "\n"
    "Options:\n"
    "  --bytes     print the exact number of bytes instead\n"
    "  -h, --help  show this help\n"
    "\n"
    "Exit status: 0 printed, 1 failed, 2 usage error.\n";

static int run_size(int argc, char **argv) {
  const char *dir = NULL;
  bool exact = false;
  for (int i = 1; i < argc; i++) {
    if (cli_is_help(argv[i])) return cli_print_help(&cli_cmd_size);
    if (strcmp(argv[i], "--bytes") == 0)
      exact = true;
    else if (cli_positional("size", argv[i], &dir) != CLI_EXIT_OK)
      return CLI_EXIT_USAGE;
  }
  if (!dir) return cli_usage_error("size", "missing checkpoint directory DIR");
  dckpt_store *store = NULL;
  if (cli_open_store("size", dir, DCKPT_OPEN_READ, &store) != CLI_EXIT_OK)
    return CLI_EXIT_FAIL;
  uint64_t bytes = 0;
  int rc = dckpt_store_size(store, &bytes);
  if (rc == DCKPT_OK) {
    char text[32];
    if (exact)
      snprintf(text, sizeof text, "%" PRIu64, bytes);
    else
      cli_format_bytes(bytes, text, sizeof text);
    printf("%s\t%s\n", text, dir);
  } else {
    cli_store_error("size", store, dir, rc);
  }
  dckpt_store_close(store);
  return rc == DCKPT_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

const cli_command cli_cmd_size = {"size", "total size of the files under DIR", size_help,
                                  run_size};

/* ---- clear ---- */

static const char clear_help[] =
    "Usage: dckpt clear DIR [--yes] [--break-lock]\n"
    "\n"
    "Removes checkpoint directory DIR and everything in it. Takes DIR's lock\n"
    "first, so a directory that a live run holds is refused. Asks for\n"
    "confirmation on a terminal; without a terminal on stdin, --yes is required.\n"
    "Only a dckpt directory (one with metadata.json, or empty) is removed.\n"
    "\n"
    "Options:\n"
    "  -y, --yes     remove without asking\n"
    "  --break-lock  break DIR's lock when its holder cannot be proven gone\n"
    "                (held from another host, unreadable, or on a file system\n"
    "                without fcntl locks), and ignore a shared run's\n"
    "                registration that cannot be read or judged; a lock that\n"
    "                some process still holds is never broken\n"
    "  -h, --help    show this help\n"
    "\n"
    "Exit status: 0 removed, 1 failed or declined, 2 usage error (including\n"
    "no terminal and no --yes).\n";

/* Reads one answer line from stdin; true for y or yes (any case). */
static bool confirm(const char *dir, uint64_t bytes) {
  char human[32], line[64];
  cli_format_bytes(bytes, human, sizeof human);
  fprintf(stderr, "Remove %s and all %" PRIu64 " bytes (%s) in it? [y/N] ", dir, bytes,
          human);
  fflush(stderr);
  if (!fgets(line, sizeof line, stdin)) return false;
  size_t n = strlen(line);
  while (n && isspace((unsigned char)line[n - 1]))
    line[--n] = '\0';
  return strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0;
}

/* Refuses a directory that is not a checkpoint directory; measures it
 * (before the lock file exists, so that only the run's own bytes count). */
static int inspect(dckpt_store *store, const char *dir, uint64_t *bytes) {
  bool empty = false;
  int rc = dckpt_store_is_empty(store, &empty);
  dckpt_metadata *meta = NULL;
  if (rc == DCKPT_OK && !empty && dckpt_store_load_metadata(store, &meta) != DCKPT_OK) {
    cli_error("clear", "%s: refusing to remove: not a dckpt checkpoint directory (%s)",
              dir, dckpt_store_errmsg(store));
    return CLI_EXIT_FAIL;
  }
  dckpt_metadata_free(meta);
  if (rc == DCKPT_OK) rc = dckpt_store_size(store, bytes);
  if (rc != DCKPT_OK) {
    cli_store_error("clear", store, dir, rc);
    return CLI_EXIT_FAIL;
  }
  return CLI_EXIT_OK;
}

static int clear_locked(dckpt_store *store, const char *dir, bool yes, uint64_t bytes) {
  if (!yes && !confirm(dir, bytes)) {
    fprintf(stderr, "dckpt clear: %s: nothing removed\n", dir);
    return CLI_EXIT_FAIL;
  }
  int rc = dckpt_store_clear(store);
  if (rc != DCKPT_OK) {
    cli_store_error("clear", store, dir, rc);
    return CLI_EXIT_FAIL;
  }
  printf("removed %s (%" PRIu64 " bytes)\n", dir, bytes);
  return CLI_EXIT_OK;
}

static int run_clear(int argc, char **argv) {
  const char *dir = NULL;
  bool yes = false;
  unsigned brk = 0;
  for (int i = 1; i < argc; i++) {
    if (cli_is_help(argv[i])) return cli_print_help(&cli_cmd_clear);
    if (strcmp(argv[i], "--yes") == 0 || strcmp(argv[i], "-y") == 0)
      yes = true;
    else if (strcmp(argv[i], "--break-lock") == 0)
      brk = DCKPT_OPEN_BREAK_LOCK;
    else if (cli_positional("clear", argv[i], &dir) != CLI_EXIT_OK)
      return CLI_EXIT_USAGE;
  }
  if (!dir) return cli_usage_error("clear", "missing checkpoint directory DIR");
  if (!yes && !isatty(STDIN_FILENO))
    return cli_usage_error("clear",
                           "%s: stdin is not a terminal, so cannot ask for "
                           "confirmation; pass --yes to remove without asking",
                           dir);
  /* Look before opening for writing, which would create the lock file. */
  dckpt_store *store = NULL;
  if (cli_open_store("clear", dir, DCKPT_OPEN_READ, &store) != CLI_EXIT_OK)
    return CLI_EXIT_FAIL;
  uint64_t bytes = 0;
  int ex = inspect(store, dir, &bytes);
  dckpt_store_close(store);
  if (ex != CLI_EXIT_OK) return ex;
  if (cli_open_store("clear", dir, DCKPT_OPEN_WRITE | brk, &store) != CLI_EXIT_OK)
    return CLI_EXIT_FAIL;
  ex = clear_locked(store, dir, yes, bytes);
  dckpt_store_close(store);
  return ex;
}

const cli_command cli_cmd_clear = {
    "clear", "remove DIR and everything in it (asks first)", clear_help, run_clear};
