/* dckpt: entry point. Dispatches to one sub-command per name. */
#include <string.h>

#include "cli.h"

static const cli_command *const commands[] = {
    &cli_cmd_status, &cli_cmd_verify,   &cli_cmd_dump, &cli_cmd_backup, &cli_cmd_clear,
    &cli_cmd_size,   &cli_cmd_metadata, &cli_cmd_pack, &cli_cmd_unpack, &cli_cmd_ls,
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void print_usage(FILE *out) {
  fputs("Usage: dckpt COMMAND [ARGS...]\n"
        "       dckpt COMMAND --help\n"
        "       dckpt --help | --version\n"
        "\n"
        "Inspect and manage dckpt checkpoint directories.\n"
        "\n"
        "Commands:\n",
        out);
  for (size_t i = 0; i < N_COMMANDS; i++)
    fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
  fputs("\n"
        "Exit status: 0 success, 1 operation failed or problem found,\n"
        "2 usage error (verify: 2 also when verification could not run).\n"
        "Environment: NO_COLOR (non-empty) turns colored output off.\n",
        out);
}

static const cli_command *find_command(const char *name) {
  for (size_t i = 0; i < N_COMMANDS; i++)
    if (strcmp(commands[i]->name, name) == 0) return commands[i];
  return NULL;
}

/* "dckpt help [COMMAND]" */
static int run_help(int argc, char **argv) {
  if (argc < 2) {
    print_usage(stdout);
    return CLI_EXIT_OK;
  }
  const cli_command *cmd = find_command(argv[1]);
  if (!cmd) {
    fprintf(stderr, "dckpt: unknown command '%s'\nTry 'dckpt --help'.\n", argv[1]);
    return CLI_EXIT_USAGE;
  }
  return cli_print_help(cmd);
}

int main(int argc, char **argv) {
  cli_handoff_init(argv);
  if (argc < 2) {
    print_usage(stderr);
    return CLI_EXIT_USAGE;
  }
  const char *name = argv[1];
  if (cli_is_help(name)) {
    print_usage(stdout);
    return CLI_EXIT_OK;
  }
  if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
    printf("dckpt %s\n", dckpt_version_string());
    return CLI_EXIT_OK;
  }
  if (strcmp(name, "help") == 0) return run_help(argc - 1, argv + 1);
  const cli_command *cmd = find_command(name);
  if (!cmd) {
    fprintf(stderr, "dckpt: unknown %s '%s'\nTry 'dckpt --help'.\n",
            name[0] == '-' ? "option" : "command", name);
    return CLI_EXIT_USAGE;
  }
  return cmd->run(argc - 1, argv + 1);
}
