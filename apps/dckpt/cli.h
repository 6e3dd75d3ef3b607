/* Shared declarations of the dckpt command-line tool: the command table,
 * exit codes, argument helpers and output helpers. */
#ifndef DCKPT_CLI_H
#define DCKPT_CLI_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dckpt.h"

/* Exit codes (docs/cli.md). */
enum {
  CLI_EXIT_OK = 0,    /* success; `verify`: nothing bad found */
  CLI_EXIT_FAIL = 1,  /* operation failed or a problem was found */
  CLI_EXIT_USAGE = 2, /* bad command line (and `verify`: could not verify) */
  CLI_CONTINUE = -1,  /* returned by argument parsers: parsed, run the command */
};

/* One sub-command: `run` receives argv[0] = the command name. */
typedef struct cli_command {
  const char *name;
  const char *summary;
  const char *help;
  int (*run)(int argc, char **argv);
} cli_command;

extern const cli_command cli_cmd_status;
extern const cli_command cli_cmd_verify;
extern const cli_command cli_cmd_dump;
extern const cli_command cli_cmd_backup;
extern const cli_command cli_cmd_clear;
extern const cli_command cli_cmd_size;
extern const cli_command cli_cmd_metadata;
extern const cli_command cli_cmd_pack;
extern const cli_command cli_cmd_unpack;
extern const cli_command cli_cmd_ls;

/* ---- messages ---- */

/** Prints "dckpt CMD: message" to stderr. */
void cli_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** Prints a usage error with a hint to --help; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** Prints a store error: its message, else `what` and the status text. */
void cli_store_error(const char *cmd, const dckpt_store *store, const char *what,
                     int status);

/* ---- arguments ---- */

/** Whether `arg` is -h or --help. */
bool cli_is_help(const char *arg);
/** Prints the command's help to stdout; returns CLI_EXIT_OK. */
int cli_print_help(const cli_command *cmd);
/**
 * Matches option `opt` taking a value, as "--opt VALUE" or "--opt=VALUE".
 * @return 1 when matched (*value set, *i advanced past a separate value),
 *         0 when argv[*i] is another argument, -1 when the value is missing
 *         (a usage error has been printed).
 */
int cli_option_value(const char *cmd, int argc, char **argv, int *i, const char *opt,
                     const char **value);
/** Rejects an option-like argument or a second positional argument.
 *  Stores the first positional in *pos. @return CLI_EXIT_OK or CLI_EXIT_USAGE. */
int cli_positional(const char *cmd, const char *arg, const char **pos);
/** Parses a non-negative decimal integer option value: plain digits only (no
 *  spaces, sign, "0x" or leading zero). */
int cli_parse_count(const char *cmd, const char *opt, const char *text, uint64_t *out);
/** Parses a decimal integer option value in lo..hi, as strictly. */
int cli_parse_int(const char *cmd, const char *opt, const char *text, long lo, long hi,
                  long *out);
/** Refuses a single-valued option given a second time (*seen holds the first
 *  value, NULL before it). @return CLI_EXIT_OK or CLI_EXIT_USAGE. */
int cli_option_once(const char *cmd, const char *opt, const char **seen,
                    const char *value);
/**
 * Parses the common "DIR [--help]" command line of commands with no options.
 * @return CLI_CONTINUE when the command should run, otherwise the exit code
 *         to return (help printed or usage error).
 */
int cli_parse_dir_only(const cli_command *cmd, int argc, char **argv, const char **dir);

/* ---- store ---- */

/** Opens DIR (an existing directory; for reading also a container FILE.h5,
 *  through cli_open_container_store) with `flags`, logging
 *  library warnings to stderr. Prints the reason on failure.
 *  @return CLI_EXIT_OK or CLI_EXIT_FAIL. */
int cli_open_store(const char *cmd, const char *dir, unsigned flags, dckpt_store **out);
/** Opens the store of container `path`, read-only (cli_open_store does it for
 *  a container given as DIR to a reading command); prints the error.
 *  In dckpt: hands the command line to dckpt-h5 (below). */
int cli_open_container_store(const char *cmd, const char *path,
                             const dckpt_store_options *opts, dckpt_store **out);

/* ---- containers: dckpt and dckpt-h5 ---- */

/* dckpt links neither HDF5 nor MPI (their dozens of shared libraries would
 * double the start-up of every command). A command line that needs them --
 * pack, unpack, or a container argument (status, verify, dump, ls, ...) -- is
 * handed as it is to dckpt-h5 (libexec/dckpt/): the same commands built with
 * DCKPT_CLI_CONTAINER and libdckpt_container. Where a command meets a
 * container, its code is in #ifdef DCKPT_CLI_CONTAINER, with cli_handoff in
 * the #else; in dckpt-h5 cli_handoff is never called. */

/** Keeps main's argv for cli_handoff. */
void cli_handoff_init(char **argv);
/** Executes dckpt-h5 with this process's command line, in its place.
 *  Returns only when it could not: prints why and returns `fail_exit`. */
int cli_handoff(const char *cmd, int fail_exit);

/* ---- output ---- */

/** Formats a byte count as "512 B", "1.5 KiB", "3.2 MiB", "1.0 GiB", ... */
void cli_format_bytes(uint64_t bytes, char *buf, size_t len);
/** Whether to color `stream`: a terminal, and NO_COLOR unset or empty. */
bool cli_use_color(FILE *stream);
/** SGR sequences, or "" when color is off. */
const char *cli_sgr(bool on, const char *code);
#define CLI_GREEN  "32"
#define CLI_YELLOW "33"
#define CLI_RED    "31"
#define CLI_BOLD   "1"

/** A JSON integer that keeps all 64 bits (cJSON numbers are doubles). */
cJSON *cli_json_i64(int64_t v);
cJSON *cli_json_u64(uint64_t v);
/** `item` as pretty JSON text (2-space indent, short scalar lists inline);
 *  malloc'd, NULL when out of memory. The text is UTF-8 whatever bytes the
 *  strings hold: a string that is not UTF-8 gets U+FFFD for each ill-formed
 *  subsequence and, as an object member, a "<name>_hex" companion holding
 *  its bytes (docs/cli.md, "JSON output"). */
char *cli_json_pretty(const cJSON *item);
/** `s` is UTF-8 (well-formed: no overlong form, surrogate or code point past
 *  U+10FFFF). */
bool cli_utf8_valid(const char *s);
/** cJSON_Parse(text) when `text` is UTF-8; NULL otherwise or when it is not
 *  JSON (RFC 8259 JSON text is UTF-8; cJSON does not check it). JSON read
 *  from a file is parsed with this, so that every string of the tree is
 *  UTF-8 and text that is not is shown as a string. */
cJSON *cli_json_parse(const char *text);
/** Prints `doc` (pretty) and a newline to stdout, then frees it.
 *  @return CLI_EXIT_OK, or CLI_EXIT_FAIL when out of memory. */
int cli_json_print(const char *cmd, cJSON *doc);

/** A growable text buffer; `data` is NUL-terminated while ok. */
typedef struct cli_buf {
  char *data;
  size_t len, cap;
  bool failed; /* out of memory at some point */
} cli_buf;

void cli_buf_printf(cli_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cli_buf_free(cli_buf *b);

#endif
