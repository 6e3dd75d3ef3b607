/* dckpt metadata: shows metadata.json, and merges keys into its
 * benchmark_metadata object. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "app_utf8.h"
#include "cli.h"

static const char metadata_help[] =
    "Usage: dckpt metadata DIR [--set KEY=VALUE]... [--break-lock]\n"
    "\n"
    "Prints the run's metadata.json (as loaded and checked by the store),\n"
    "pretty-printed: n_trials, algorithms, benchmark_metadata, rng_seed,\n"
    "format_version.\n"
    "\n"
    "Options:\n"
    "  --set KEY=VALUE  merge KEY into benchmark_metadata (repeatable; a later\n"
    "                   value wins), then print the result. VALUE is taken as\n"
    "                   JSON when it parses as JSON (42, 1.5, true, null,\n"
    "                   \"text\", [1,2], {\"a\":1}), otherwise as a string.\n"
    "                   KEY and VALUE must be UTF-8.\n"
    "                   Needs the lock: refused while a run holds DIR.\n"
    "  --break-lock     with --set: break DIR's lock when its holder cannot be\n"
    "                   proven gone (held from another host, unreadable, or on\n"
    "                   a file system without fcntl locks), and ignore a shared\n"
    "                   run's registration that cannot be read or judged; a\n"
    "                   lock that some process still holds is never broken\n"
    "  -h, --help       show this help\n"
    "\n"
    "Exit status: 0 printed (and set), 1 failed, 2 usage error.\n";

/* Whether a JSON value holds a number that is not finite: cJSON reads 1e999
 * as infinity and prints it as null, which would be stored instead. */
static bool has_non_finite(const cJSON *v) {
  if (cJSON_IsNumber(v)) return !isfinite(v->valuedouble);
  for (const cJSON *c = v->child; c; c = c->next)
    if (has_non_finite(c)) return true;
  return false;
}

/* Whether text (blanks around it aside) is a number in JSON's grammar:
 * cJSON also reads "007" as 7 and "1." as 1, so '--set build=007' stored 7. */
static bool json_number_text(const char *s) {
  while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
    s++;
  if (*s == '-') s++;
  if (*s == '0')
    s++;
  else if (*s >= '1' && *s <= '9')
    while (*s >= '0' && *s <= '9')
      s++;
  else
    return false;
  if (*s == '.') {
    if (*++s < '0' || *s > '9') return false;
    while (*s >= '0' && *s <= '9')
      s++;
  }
  if (*s == 'e' || *s == 'E') {
    if (*++s == '+' || *s == '-') s++;
    if (*s < '0' || *s > '9') return false;
    while (*s >= '0' && *s <= '9')
      s++;
  }
  while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
    s++;
  return *s == '\0';
}

/* Adds KEY=VALUE to `obj`; a KEY set twice is refused. */
static int add_setting(cJSON *obj, const char *arg) {
  const char *eq = strchr(arg, '=');
  if (!eq || eq == arg)
    return cli_usage_error("metadata",
                           "--set '%s': expected KEY=VALUE with a non-empty KEY", arg);
  size_t klen = (size_t)(eq - arg), bad = 0;
  /* cJSON would store the bytes as they are, and metadata.json would be no
   * JSON for Python, jq or h5py: refused before DIR is opened. */
  if (!dckpt_utf8_valid(arg, strlen(arg), &bad))
    return cli_usage_error(
        "metadata",
        "--set KEY=VALUE: the %s is not UTF-8: byte 0x%02x at offset %zu "
        "of the argument (metadata.json holds UTF-8 only)",
        bad < klen ? "KEY" : "VALUE", (unsigned char)arg[bad], bad);
  char *key = malloc(klen + 1);
  if (!key) return cli_usage_error("metadata", "out of memory");
  memcpy(key, arg, klen);
  key[klen] = '\0';
  const char *value = eq + 1;
  cJSON *item = cJSON_ParseWithOpts(value, NULL, 1);
  if (item && cJSON_IsNumber(item) && !json_number_text(value)) {
    cJSON_Delete(item); /* not JSON ("007", "1."): the text, as a string */
    item = NULL;
  }
  if (item && has_non_finite(item)) {
    cJSON_Delete(item);
    free(key);
    return cli_usage_error("metadata",
                           "--set '%s': a number beyond the range of a double (it would "
                           "be stored as null); quote it to store it as a string",
                           arg);
  }
  /* one value per KEY: a second --set of it was last-wins, silently */
  if (cJSON_GetObjectItemCaseSensitive(obj, key)) {
    cJSON_Delete(item);
    int ex = cli_usage_error("metadata", "--set '%s': key '%s' is set twice; set it once",
                             arg, key);
    free(key);
    return ex;
  }
  if (!item) item = cJSON_CreateString(value);
  cJSON_AddItemToObject(obj, key, item);
  free(key);
  return CLI_EXIT_OK;
}

static cJSON *algorithms_json(const dckpt_metadata *m) {
  cJSON *arr = cJSON_CreateArray();
  for (size_t a = 0; a < m->n_algorithms; a++) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", m->algorithms[a].name);
    cJSON_AddItemToObject(o, "iterations", cli_json_i64(m->algorithms[a].iterations));
    cJSON_AddItemToObject(o, "index", cli_json_u64((uint64_t)a));
    cJSON_AddItemToArray(arr, o);
  }
  return arr;
}

static cJSON *metadata_json(const dckpt_metadata *m) {
  cJSON *doc = cJSON_CreateObject();
  cJSON_AddItemToObject(doc, "n_trials", cli_json_i64(m->n_trials));
  cJSON_AddItemToObject(doc, "algorithms", algorithms_json(m));
  const char *bm = m->benchmark_metadata ? m->benchmark_metadata : "{}";
  cJSON *user = cli_json_parse(bm);
  cJSON_AddItemToObject(doc, "benchmark_metadata", user ? user : cJSON_CreateString(bm));
  cJSON_AddItemToObject(doc, "rng_seed",
                        m->has_seed ? cli_json_u64(m->rng_seed) : cJSON_CreateNull());
  cJSON_AddNumberToObject(doc, "format_version", m->format_version);
  return doc;
}

static int show(dckpt_store *store, const char *dir) {
  dckpt_metadata *meta = NULL;
  int rc = dckpt_store_load_metadata(store, &meta);
  if (rc != DCKPT_OK) {
    cli_store_error("metadata", store, dir, rc);
    return CLI_EXIT_FAIL;
  }
  cJSON *doc = metadata_json(meta);
  dckpt_metadata_free(meta);
  return cli_json_print("metadata", doc);
}

static int apply(dckpt_store *store, const char *dir, const cJSON *settings) {
  char *text = cJSON_PrintUnformatted(settings);
  if (!text) {
    cli_error("metadata", "out of memory");
    return CLI_EXIT_FAIL;
  }
  int rc = dckpt_store_append_metadata(store, text);
  cJSON_free(text);
  if (rc != DCKPT_OK) {
    cli_store_error("metadata", store, dir, rc);
    return CLI_EXIT_FAIL;
  }
  return CLI_EXIT_OK;
}

static int parse_args(int argc, char **argv, const char **dir, cJSON *settings,
                      bool *brk) {
  for (int i = 1; i < argc; i++) {
    const char *value = NULL;
    int m;
    if (cli_is_help(argv[i])) return cli_print_help(&cli_cmd_metadata);
    if (!strcmp(argv[i], "--break-lock")) {
      *brk = true;
    } else if ((m = cli_option_value("metadata", argc, argv, &i, "--set", &value)) != 0) {
      if (m < 0 || add_setting(settings, value) != CLI_EXIT_OK) return CLI_EXIT_USAGE;
    } else if (cli_positional("metadata", argv[i], dir) != CLI_EXIT_OK) {
      return CLI_EXIT_USAGE;
    }
  }
  if (!*dir) return cli_usage_error("metadata", "missing checkpoint directory DIR");
  if (*brk && !settings->child)
    return cli_usage_error("metadata", "--break-lock goes with --set (printing takes no "
                                       "lock)");
  return CLI_CONTINUE;
}

static int run_metadata(int argc, char **argv) {
  const char *dir = NULL;
  cJSON *settings = cJSON_CreateObject();
  if (!settings) {
    cli_error("metadata", "out of memory");
    return CLI_EXIT_FAIL;
  }
  bool brk = false;
  int ex = parse_args(argc, argv, &dir, settings, &brk);
  if (ex == CLI_CONTINUE) {
    bool set = settings->child != NULL;
    unsigned flags = set ? DCKPT_OPEN_WRITE : DCKPT_OPEN_READ;
    if (brk) flags |= DCKPT_OPEN_BREAK_LOCK;
    dckpt_store *store = NULL;
    ex = cli_open_store("metadata", dir, flags, &store);
    if (ex == CLI_EXIT_OK && set) ex = apply(store, dir, settings);
    if (ex == CLI_EXIT_OK) ex = show(store, dir);
    dckpt_store_close(store);
  }
  cJSON_Delete(settings);
  return ex;
}

const cli_command cli_cmd_metadata = {
    "metadata", "print metadata.json; --set KEY=VALUE merges user keys", metadata_help,
    run_metadata};
