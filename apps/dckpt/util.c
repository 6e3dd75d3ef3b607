/* Helpers shared by the commands: messages, argument parsing, opening the
 * store, byte formatting, color, JSON output and small buffers. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app_args.h"
#include "cli.h"

void cli_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "dckpt %s: ", cmd);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

int cli_usage_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "dckpt %s: ", cmd);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\nTry 'dckpt %s --help'.\n", cmd);
  va_end(ap);
  return CLI_EXIT_USAGE;
}

void cli_store_error(const char *cmd, const dckpt_store *store, const char *what,
                     int status) {
  const char *msg = store ? dckpt_store_errmsg(store) : "";
  if (msg && msg[0])
    cli_error(cmd, "%s (%s)", msg, dckpt_err_name(status));
  else
    cli_error(cmd, "%s: %s (%s)", what, dckpt_strerror(status), dckpt_err_name(status));
}

bool cli_is_help(const char *arg) {
  return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int cli_print_help(const cli_command *cmd) {
  fputs(cmd->help, stdout);
  return CLI_EXIT_OK;
}

int cli_option_value(const char *cmd, int argc, char **argv, int *i, const char *opt,
                     const char **value) {
  const char *arg = argv[*i];
  size_t n = strlen(opt);
  if (strncmp(arg, opt, n) != 0) return 0;
  if (arg[n] == '=') {
    *value = arg + n + 1;
    return 1;
  }
  if (arg[n] != '\0') return 0;
  if (*i + 1 >= argc) {
    cli_usage_error(cmd, "option '%s' needs a value", opt);
    return -1;
  }
  *i += 1;
  *value = argv[*i];
  return 1;
}

int cli_positional(const char *cmd, const char *arg, const char **pos) {
  /* "" (an unset shell variable, quoted) is no path: without this the
   * message named nothing ("dckpt status: : No such file or directory") */
  if (arg[0] == '\0')
    return cli_usage_error(cmd, "an empty argument where a path belongs");
  if (arg[0] == '-' && arg[1] != '\0')
    return cli_usage_error(cmd, "unknown option '%s'", arg);
  if (*pos)
    return cli_usage_error(cmd, "unexpected argument '%s' (already have '%s')", arg,
                           *pos);
  *pos = arg;
  return CLI_EXIT_OK;
}

int cli_parse_count(const char *cmd, const char *opt, const char *text, uint64_t *out) {
  if (!app_parse_u64(text, out))
    return cli_usage_error(cmd, "option '%s': '%s' is not a non-negative integer", opt,
                           text);
  return CLI_EXIT_OK;
}

int cli_parse_int(const char *cmd, const char *opt, const char *text, long lo, long hi,
                  long *out) {
  int64_t v = 0;
  if (!app_parse_int(text, lo, hi, &v))
    return cli_usage_error(cmd, "option '%s': '%s' is not an integer in %ld..%ld", opt,
                           text, lo, hi);
  *out = (long)v;
  return CLI_EXIT_OK;
}

int cli_option_once(const char *cmd, const char *opt, const char **seen,
                    const char *value) {
  char msg[8192];
  if (!app_option_once(seen, opt, value, msg, sizeof msg))
    return cli_usage_error(cmd, "%s", msg);
  return CLI_EXIT_OK;
}

int cli_parse_dir_only(const cli_command *cmd, int argc, char **argv, const char **dir) {
  *dir = NULL;
  for (int i = 1; i < argc; i++) {
    if (cli_is_help(argv[i])) return cli_print_help(cmd);
    if (cli_positional(cmd->name, argv[i], dir) != CLI_EXIT_OK) return CLI_EXIT_USAGE;
  }
  if (!*dir) return cli_usage_error(cmd->name, "missing checkpoint directory DIR");
  return CLI_CONTINUE;
}

static void cli_log(void *ctx, dckpt_log_level level, const char *msg) {
  const char *cmd = ctx;
  fprintf(stderr, "dckpt %s: %s: %s\n", cmd, dckpt_log_level_name(level), msg);
}

int cli_open_store(const char *cmd, const char *dir, unsigned flags, dckpt_store **out) {
  struct stat st;
  *out = NULL;
  if (stat(dir, &st) != 0) {
    cli_error(cmd, "%s: %s", dir, strerror(errno));
    return CLI_EXIT_FAIL;
  }
  bool container =
      !S_ISDIR(st.st_mode) && flags == DCKPT_OPEN_READ && dckpt_container_probe(dir);
  if (!S_ISDIR(st.st_mode) && !container) {
    cli_error(cmd, "%s: not a directory%s", dir,
              flags == DCKPT_OPEN_READ ? " or container" : "");
    return CLI_EXIT_FAIL;
  }
  dckpt_store_options opts;
  dckpt_store_options_init(&opts);
  opts.flags = flags;
  opts.log = cli_log;
  opts.log_ctx = (void *)(uintptr_t)cmd; /* only read back as const char * */
  opts.log_level = DCKPT_LOG_WARN;
  if (container) return cli_open_container_store(cmd, dir, &opts, out);
  dckpt_store *store = NULL;
  int rc = dckpt_store_open(dir, &opts, &store);
  if (rc != DCKPT_OK) {
    cli_store_error(cmd, store, dir, rc);
    dckpt_store_close(store);
    return CLI_EXIT_FAIL;
  }
  *out = store;
  return CLI_EXIT_OK;
}

void cli_format_bytes(uint64_t bytes, char *buf, size_t len) {
  static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) {
    snprintf(buf, len, "%" PRIu64 " B", bytes);
    return;
  }
  double v = (double)bytes / 1024.0;
  size_t u = 0;
  while (v >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
    v /= 1024.0;
    u++;
  }
  snprintf(buf, len, "%.1f %s", v, units[u]);
}

bool cli_use_color(FILE *stream) {
  const char *no_color = getenv("NO_COLOR");
  if (no_color && no_color[0]) return false;
  return isatty(fileno(stream)) == 1;
}

const char *cli_sgr(bool on, const char *code) {
  if (!on) return "";
  if (strcmp(code, CLI_GREEN) == 0) return "\x1b[32m";
  if (strcmp(code, CLI_YELLOW) == 0) return "\x1b[33m";
  if (strcmp(code, CLI_RED) == 0) return "\x1b[31m";
  if (strcmp(code, CLI_BOLD) == 0) return "\x1b[1m";
  return "\x1b[0m";
}

cJSON *cli_json_i64(int64_t v) {
  char text[32];
  snprintf(text, sizeof text, "%" PRId64, v);
  return cJSON_CreateRaw(text);
}

cJSON *cli_json_u64(uint64_t v) {
  char text[32];
  snprintf(text, sizeof text, "%" PRIu64, v);
  return cJSON_CreateRaw(text);
}

static bool cli_buf_reserve(cli_buf *b, size_t extra) {
  if (b->failed) return false;
  if (b->len + extra + 1 <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + extra + 1) {
    if (cap > SIZE_MAX / 2) {
      b->failed = true;
      return false;
    }
    cap *= 2;
  }
  char *p = realloc(b->data, cap);
  if (!p) {
    b->failed = true;
    return false;
  }
  b->data = p;
  b->cap = cap;
  return true;
}

void cli_buf_printf(cli_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n >= 0 && cli_buf_reserve(b, (size_t)n))
    b->len += (size_t)vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
  else
    b->failed = true;
  va_end(ap2);
}

void cli_buf_free(cli_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}
