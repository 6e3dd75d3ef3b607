/* dckpt verify: checks every record checksum, JSON file and marker of a
 * checkpoint directory through dckpt_store_verify(), which repairs nothing. */
#include <string.h>

#include "cli.h"
#ifdef DCKPT_CLI_CONTAINER
#include "dckpt_container.h"
#endif

static const char verify_help[] =
    "Usage: dckpt verify DIR|FILE.h5 [--json]\n"
    "\n"
    "Verifies checkpoint directory DIR: the checksum and structure of every\n"
    "record file, every JSON file, and that the checkpoint each complete.json\n"
    "names exists and verifies. Prints one line per problem,\n"
    "\"PATH: REASON [CODE]\", then a summary. Nothing is moved or repaired.\n"
    "progress.json is a hint that a power loss may leave damaged, missing or\n"
    "stale: that is a warning (\"PATH: warning: REASON [CODE]\"), not a problem,\n"
    "since nothing committed is lost and the next save rewrites it.\n"
    "A container made by 'dckpt pack' is verified in the same way: every index\n"
    "row, every array's and file's checksum, that no two entries share bytes,\n"
    "and the markers; problems name the damaged entries (FILE.h5/PATH); a\n"
    "damaged progress.json packed from a directory is a warning there too.\n"
    "\n"
    "Options:\n"
    "  --json      print {\"dir\", \"clean\", \"n_bad\", \"problems\": [{\"path\",\n"
    "              \"code\", \"reason\"}], \"n_warn\", \"warnings\": [...]} instead\n"
    "  -h, --help  show this help\n"
    "\n"
    "Exit status: 0 clean (warnings allowed), 1 problems found, 2 usage error\n"
    "or DIR could not be verified at all.\n";

typedef struct verify_ctx {
  bool json, color;
  cJSON *problems, *warnings;
} verify_ctx;

/* The reason without a leading "'PATH': ", which the line already shows. */
static const char *strip_path(const char *reason, const char *path) {
  size_t n = strlen(path);
  if (reason[0] == '\'' && strncmp(reason + 1, path, n) == 0 &&
      strncmp(reason + 1 + n, "': ", 3) == 0 && reason[n + 4])
    return reason + n + 4;
  return reason;
}

static void finding(verify_ctx *vc, bool warn, const char *path, int status,
                    const char *reason) {
  if (!path) path = "?";
  reason = reason && reason[0] ? strip_path(reason, path) : dckpt_strerror(status);
  if (vc->json) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "path", path);
    cJSON_AddStringToObject(o, "code", dckpt_err_name(status));
    cJSON_AddStringToObject(o, "reason", reason);
    cJSON_AddItemToArray(warn ? vc->warnings : vc->problems, o);
    return;
  }
  printf("%s%s%s: %s%s [%s]\n", cli_sgr(vc->color, warn ? CLI_YELLOW : CLI_RED), path,
         cli_sgr(vc->color, "0"), warn ? "warning: " : "", reason,
         dckpt_err_name(status));
}

static void report(void *ctx, const char *path, int status, const char *reason) {
  finding(ctx, false, path, status, reason);
}

static void warn(void *ctx, const char *path, int status, const char *reason) {
  finding(ctx, true, path, status, reason);
}

static int print_summary(const char *dir, verify_ctx *vc, size_t n_bad, size_t n_warn) {
  char warned[96] = "";
  if (n_warn && n_bad == 0)
    snprintf(warned, sizeof warned, " (%zu warning%s: nothing committed is lost)", n_warn,
             n_warn == 1 ? "" : "s");
  else if (n_warn)
    snprintf(warned, sizeof warned, ", %zu warning%s", n_warn, n_warn == 1 ? "" : "s");
  if (vc->json) {
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "dir", dir);
    cJSON_AddBoolToObject(doc, "clean", n_bad == 0);
    cJSON_AddItemToObject(doc, "n_bad", cli_json_u64(n_bad));
    cJSON_AddItemToObject(doc, "problems", vc->problems);
    vc->problems = NULL;
    cJSON_AddItemToObject(doc, "n_warn", cli_json_u64(n_warn));
    cJSON_AddItemToObject(doc, "warnings",
                          vc->warnings ? vc->warnings : cJSON_CreateArray());
    vc->warnings = NULL;
    if (cli_json_print("verify", doc) != CLI_EXIT_OK) return CLI_EXIT_USAGE;
  } else if (n_bad == 0) {
    printf("%s: clean, no problems found%s\n", dir, warned);
  } else {
    printf("%s: %zu problem%s found%s\n", dir, n_bad, n_bad == 1 ? "" : "s", warned);
  }
  return n_bad == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

#ifdef DCKPT_CLI_CONTAINER
static int verify_container(const char *path, verify_ctx *vc) {
  dckpt_container *c = NULL;
  int rc = dckpt_container_open(path, &c);
  size_t n_bad = 0, n_warn = 0;
  vc->problems = vc->json ? cJSON_CreateArray() : NULL;
  vc->warnings = vc->json ? cJSON_CreateArray() : NULL;
  if (rc == DCKPT_OK)
    rc = dckpt_container_verify_warn(c, report, warn, vc, &n_bad, &n_warn);
  int ex;
  if (rc != DCKPT_OK) {
    cli_error("verify", "%s (%s)", dckpt_container_errmsg(c), dckpt_err_name(rc));
    ex = CLI_EXIT_USAGE;
  } else {
    ex = print_summary(path, vc, n_bad, n_warn);
  }
  cJSON_Delete(vc->problems);
  cJSON_Delete(vc->warnings);
  dckpt_container_close(c);
  return ex;
}
#else
static int verify_container(const char *path, verify_ctx *vc) {
  (void)path, (void)vc;
  return cli_handoff("verify", CLI_EXIT_USAGE);
}
#endif

static int run_verify(int argc, char **argv) {
  const char *dir = NULL;
  verify_ctx vc = {false, false, NULL, NULL};
  for (int i = 1; i < argc; i++) {
    if (cli_is_help(argv[i])) return cli_print_help(&cli_cmd_verify);
    if (strcmp(argv[i], "--json") == 0)
      vc.json = true;
    else if (cli_positional("verify", argv[i], &dir) != CLI_EXIT_OK)
      return CLI_EXIT_USAGE;
  }
  if (!dir) return cli_usage_error("verify", "missing checkpoint directory DIR");
  vc.color = !vc.json && cli_use_color(stdout);
  if (dckpt_container_probe(dir)) return verify_container(dir, &vc);
  dckpt_store *store = NULL;
  if (cli_open_store("verify", dir, DCKPT_OPEN_READ, &store) != CLI_EXIT_OK)
    return CLI_EXIT_USAGE;
  vc.problems = vc.json ? cJSON_CreateArray() : NULL;
  vc.warnings = vc.json ? cJSON_CreateArray() : NULL;
  size_t n_bad = 0, n_warn = 0;
  int rc = dckpt_store_verify_warn(store, report, warn, &vc, &n_bad, &n_warn);
  int ex;
  if (rc != DCKPT_OK) {
    cli_store_error("verify", store, dir, rc);
    ex = CLI_EXIT_USAGE;
  } else {
    ex = print_summary(dir, &vc, n_bad, n_warn);
  }
  cJSON_Delete(vc.problems);
  cJSON_Delete(vc.warnings);
  dckpt_store_close(store);
  return ex;
}

const cli_command cli_cmd_verify = {
    "verify", "check every checksum, JSON file and marker; repair nothing", verify_help,
    run_verify};
