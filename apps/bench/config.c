/* The campaign's configuration: a JSON file validated key by key, then
 * command-line flags on top (flags win). Errors name the file, the key and
 * the problem. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app_args.h"
#include "app_utf8.h"
#include "bench.h"
#include "deadline.h"
#include "opt/data.h"
#include "opt/metrics.h"

/* A config file is small: 16 MiB is far more than any campaign needs. */
#define BENCH_MAX_CONFIG_BYTES (16 << 20)
/* A CSV of 2^24 values (opt/data.h) needs far less than 1 GiB. */
#define BENCH_MAX_DATA_BYTES ((off_t)1 << 30)

typedef struct ctx {
  const char *file;
  char *err;
  size_t errlen;
} ctx;

static int bad(ctx *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(ctx *c, const char *key, const char *fmt, ...) {
  char why[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  snprintf(c->err, c->errlen, "%s: key \"%s\" %s", c->file, key, why);
  return BENCH_EXIT_USAGE;
}

static const cJSON *item(const cJSON *obj, const char *name) {
  return obj ? cJSON_GetObjectItemCaseSensitive(obj, name) : NULL;
}

/* The largest integer a setting takes, in the file and on the command line
 * alike: beyond 2^53 a JSON number (a double) no longer holds every integer. */
#define BENCH_INT_MAX 9000000000000000LL
/* The longest checkpoint interval dckpt_run takes (~31,700 years). */
#define BENCH_MAX_SECONDS 1e12

/* "9e15" for BENCH_INT_MAX, else the number: said the same way by a key
 * and by its option. */
static const char *int_max_text(int64_t hi, char *buf, size_t len) {
  if (hi == BENCH_INT_MAX) return "9e15";
  snprintf(buf, len, "%lld", (long long)hi);
  return buf;
}

/* Each getter leaves *out alone when the key is absent (the default stays). */
static int get_int_range(ctx *c, const cJSON *obj, const char *name, const char *key,
                         int64_t lo, int64_t hi, int64_t *out) {
  const cJSON *v = item(obj, name);
  char max[32];
  if (!v) return 0;
  if (!cJSON_IsNumber(v))
    return bad(c, key, "must be an integer >= %lld and at most %s", (long long)lo,
               int_max_text(hi, max, sizeof max));
  if (v->valuedouble != floor(v->valuedouble) || v->valuedouble < (double)lo ||
      v->valuedouble > (double)hi)
    return bad(c, key, "must be an integer >= %lld and at most %s, not %.17g",
               (long long)lo, int_max_text(hi, max, sizeof max), v->valuedouble);
  *out = (int64_t)v->valuedouble;
  return 0;
}

static int get_int(ctx *c, const cJSON *obj, const char *name, const char *key,
                   int64_t lo, int64_t *out) {
  return get_int_range(c, obj, name, key, lo, BENCH_INT_MAX, out);
}

static int get_num(ctx *c, const cJSON *obj, const char *name, const char *key, double lo,
                   double *out) {
  const cJSON *v = item(obj, name);
  if (!v) return 0;
  if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < lo)
    return bad(c, key, "must be a number >= %g", lo);
  *out = v->valuedouble;
  return 0;
}

/* Seconds, as dckpt_run takes them (0..1e12: a larger interval was refused
 * by the run, exit 1, as "must be a number of seconds >= 0, got 1e+300"). */
static int get_seconds(ctx *c, const cJSON *obj, const char *name, const char *key,
                       double *out) {
  const cJSON *v = item(obj, name);
  if (!v) return 0;
  if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= BENCH_MAX_SECONDS))
    return bad(c, key, "must be a number of seconds in 0..1e12");
  *out = v->valuedouble;
  return 0;
}

static int get_bool(ctx *c, const cJSON *obj, const char *name, const char *key,
                    bool *out) {
  const cJSON *v = item(obj, name);
  if (!v) return 0;
  if (!cJSON_IsBool(v)) return bad(c, key, "must be true or false");
  *out = cJSON_IsTrue(v);
  return 0;
}

static int get_str(ctx *c, const cJSON *obj, const char *name, const char *key,
                   const char **out) {
  const cJSON *v = item(obj, name);
  if (!v) return 0;
  if (!cJSON_IsString(v) || !v->valuestring[0])
    return bad(c, key, "must be a non-empty string");
  *out = v->valuestring;
  return 0;
}

static int get_obj(ctx *c, const cJSON *obj, const char *name, const char *key,
                   const cJSON **out) {
  const cJSON *v = item(obj, name);
  *out = NULL;
  if (!v) return 0;
  if (!cJSON_IsObject(v)) return bad(c, key, "must be an object");
  *out = v;
  return 0;
}

/* Rejects keys that the schema does not know (typos must not pass silently). */
static int known_keys(ctx *c, const cJSON *obj, const char *where,
                      const char *const *keys) {
  for (const cJSON *k = obj ? obj->child : NULL; k; k = k->next) {
    bool ok = false;
    for (size_t i = 0; keys[i]; i++)
      ok = ok || !strcmp(k->string, keys[i]);
    if (!ok) {
      char key[256];
      snprintf(key, sizeof key, "%s%s%s", where, *where ? "." : "", k->string);
      return bad(c, key, "is not a known setting");
    }
  }
  return 0;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A key written twice in one object is refused: cJSON (and so every getter
 * here) would take the first value, most other readers the last, so the
 * campaign would silently differ from what the file seems to ask. The names
 * are sorted so that a hostile object with very many keys costs n log n.
 * `description` is free text and not read: not looked into. */
static int no_duplicate_keys(ctx *c, const cJSON *node, const char *path) {
  size_t n = 0;
  for (const cJSON *k = node->child; k; k = k->next)
    n++;
  if (cJSON_IsObject(node) && n > 1) {
    const char **names = malloc(n * sizeof *names);
    if (!names)
      return bad(c, *path ? path : "(top level)", "cannot be checked: out of memory");
    size_t i = 0;
    for (const cJSON *k = node->child; k; k = k->next)
      names[i++] = k->string;
    qsort(names, n, sizeof *names, cmp_names);
    const char *dup = NULL;
    for (i = 1; i < n && !dup; i++)
      if (!strcmp(names[i - 1], names[i])) dup = names[i];
    if (dup) {
      char key[256];
      snprintf(key, sizeof key, "%s%s%s", path, *path ? "." : "", dup);
      free(names);
      return bad(c, key,
                 "appears more than once in its object; write it once (which value "
                 "was meant is ambiguous)");
    }
    free(names);
  }
  size_t i = 0;
  for (const cJSON *k = node->child; k; k = k->next, i++) {
    if (!cJSON_IsObject(k) && !cJSON_IsArray(k)) continue;
    if (!*path && cJSON_IsObject(node) && !strcmp(k->string, "description")) continue;
    char sub[256];
    if (cJSON_IsArray(node))
      snprintf(sub, sizeof sub, "%s[%zu]", path, i);
    else
      snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", k->string);
    if (no_duplicate_keys(c, k, sub)) return BENCH_EXIT_USAGE;
  }
  return 0;
}

/* The data directory of an installed dckpt-bench: PREFIX/share/dckpt/data,
 * found from the program's own path (PREFIX/bin/dckpt-bench). */
static void installed_data_dir(char *out, size_t len) {
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  out[0] = '\0';
  if (n <= 0) return;
  exe[n] = '\0';
  char *slash = strrchr(exe, '/');
  if (slash) *slash = '\0';
  snprintf(out, len, "%.3000s/../share/dckpt/data", exe);
}

/* A CSV path: as given (absolute), else beside the config file, else as given
 * relative to the working directory, else by its base name in the data
 * directory of the build tree or of the installation. */
static int resolve_data(ctx *c, const char *given, char *out, size_t len) {
  char dir[4096], installed[4096];
  snprintf(dir, sizeof dir, "%s", c->file);
  char *slash = strrchr(dir, '/');
  if (slash)
    *slash = '\0';
  else
    snprintf(dir, sizeof dir, ".");
  installed_data_dir(installed, sizeof installed);
  const char *base = strrchr(given, '/') ? strrchr(given, '/') + 1 : given;
  char cand[4][4096];
  bool whole[4]; /* a candidate cut short names another file: never used */
  int n = 0;
#define CAND(...)                                                                        \
  (whole[n] = snprintf(cand[n], sizeof cand[0], __VA_ARGS__) < (int)sizeof cand[0], n++)
  if (given[0] == '/')
    CAND("%s", given);
  else {
    CAND("%s/%s", dir, given);
    CAND("%s", given);
  }
  CAND("%s/%s", DCKPT_BENCH_DATA_DIR, base);
  if (installed[0]) CAND("%s/%s", installed, base);
#undef CAND
  for (int i = 0; i < n; i++)
    if (whole[i] && access(cand[i], R_OK) == 0) {
      struct stat st;
      if (stat(cand[i], &st) != 0 || !S_ISREG(st.st_mode))
        return bad(c, "problem.data",
                   "names '%s', which is not a regular file (a FIFO, device or "
                   "directory would block or never end)",
                   cand[i]);
      if (st.st_size > BENCH_MAX_DATA_BYTES)
        return bad(c, "problem.data",
                   "names '%s', of %lld bytes; a data file is at most %lld bytes (1 "
                   "GiB: 2^24 values)",
                   cand[i], (long long)st.st_size, (long long)BENCH_MAX_DATA_BYTES);
      snprintf(out, len, "%s", cand[i]);
      return 0;
    }
  return bad(c, "problem.data",
             "names '%s', which is neither beside the config file, nor in the working "
             "directory, nor in the data directory (%s)",
             given, DCKPT_BENCH_DATA_DIR);
}

static int parse_problem(ctx *c, const cJSON *root, bench_config *cfg) {
  const cJSON *p = NULL, *syn = NULL;
  static const char *const keys[] = {"type",        "data",      "label",     "lambda",
                                     "standardize", "intercept", "synthetic", NULL};
  static const char *const skeys[] = {"rows", "features", "noise", "seed", NULL};
  if (get_obj(c, root, "problem", "problem", &p)) return BENCH_EXIT_USAGE;
  if (!p) return bad(c, "problem", "is missing");
  opt_problem_spec *s = &cfg->problem;
  opt_problem_spec_init(s);
  const char *type = "least_squares", *data = NULL, *label = NULL;
  int64_t rows = (int64_t)s->rows, feats = (int64_t)s->features, seed = (int64_t)s->seed;
  if (known_keys(c, p, "problem", keys) || get_str(c, p, "type", "problem.type", &type) ||
      get_str(c, p, "data", "problem.data", &data) ||
      get_str(c, p, "label", "problem.label", &label) ||
      get_num(c, p, "lambda", "problem.lambda", 0, &s->lambda) ||
      get_bool(c, p, "standardize", "problem.standardize", &s->standardize) ||
      get_bool(c, p, "intercept", "problem.intercept", &s->intercept) ||
      get_obj(c, p, "synthetic", "problem.synthetic", &syn) ||
      known_keys(c, syn, "problem.synthetic", skeys) ||
      get_int(c, syn, "rows", "problem.synthetic.rows", 1, &rows) ||
      get_int(c, syn, "features", "problem.synthetic.features", 1, &feats) ||
      get_num(c, syn, "noise", "problem.synthetic.noise", 0, &s->noise) ||
      get_int(c, syn, "seed", "problem.synthetic.seed", 0, &seed))
    return BENCH_EXIT_USAGE;
  if (opt_problem_kind_parse(type, &s->kind) != DCKPT_OK)
    return bad(c, "problem.type", "must be \"least_squares\" or \"logistic\", not \"%s\"",
               type);
  if (data && syn)
    return bad(c, "problem", "has both \"data\" and \"synthetic\"; pick one");
  if (feats > OPT_MAX_FEATURES)
    return bad(c, "problem.synthetic.features", "is %lld; at most %d", (long long)feats,
               OPT_MAX_FEATURES);
  if (rows > (int64_t)OPT_MAX_DATA_VALUES || rows * feats > (int64_t)OPT_MAX_DATA_VALUES)
    return bad(
        c, "problem.synthetic.rows",
        "x features = %lld x %lld is %.3g values (%.3g GiB); at most %zu (%zu MiB)",
        (long long)rows, (long long)feats, (double)rows * (double)feats,
        (double)rows * (double)feats * 8.0 / 1073741824.0, OPT_MAX_DATA_VALUES,
        OPT_MAX_DATA_VALUES * 8 / 1048576);
  s->rows = (size_t)rows;
  s->features = (size_t)feats;
  s->seed = (uint64_t)seed;
  s->label = label;
  if (data && resolve_data(c, data, cfg->data_path, sizeof cfg->data_path))
    return BENCH_EXIT_USAGE;
  s->csv_path = data ? cfg->data_path : NULL;
  return 0;
}

static int parse_network(ctx *c, const cJSON *root, bench_config *cfg) {
  const cJSON *n = NULL;
  static const char *const keys[] = {"topology", "agents", "rows", "cols",
                                     "degree",   "p",      "seed", NULL};
  if (get_obj(c, root, "network", "network", &n)) return BENCH_EXIT_USAGE;
  if (!n) return bad(c, "network", "is missing");
  opt_network_spec *s = &cfg->network;
  opt_network_spec_init(s);
  const char *topo = "ring";
  int64_t agents = 0, rows = 0, cols = 0, degree = (int64_t)s->degree, seed = 0;
  if (known_keys(c, n, "network", keys) ||
      get_str(c, n, "topology", "network.topology", &topo) ||
      get_int(c, n, "agents", "network.agents", 2, &agents) ||
      get_int(c, n, "rows", "network.rows", 1, &rows) ||
      get_int(c, n, "cols", "network.cols", 1, &cols) ||
      get_int(c, n, "degree", "network.degree", 2, &degree) ||
      get_num(c, n, "p", "network.p", 0, &s->p) ||
      get_int(c, n, "seed", "network.seed", 0, &seed))
    return BENCH_EXIT_USAGE;
  if (opt_topology_parse(topo, &s->topology) != DCKPT_OK)
    return bad(c, "network.topology",
               "must be ring, complete, grid, regular or erdos_renyi, not \"%s\"", topo);
  if (s->topology != OPT_GRID && agents == 0)
    return bad(c, "network.agents", "is missing");
  s->n = (size_t)agents;
  s->rows = (size_t)rows;
  s->cols = (size_t)cols;
  s->degree = (size_t)degree;
  s->seed = (uint64_t)seed;
  return 0;
}

/* A name printed in the summary, the tables and the plots' legends: at most
 * max - 1 bytes, and no control character (a newline or a tab broke
 * table.txt's columns, an escape sequence reached the terminal). */
static int check_label(ctx *c, const char *key, const char *name, size_t max) {
  if (strlen(name) >= max)
    return bad(c, key, "is %zu bytes long; at most %zu", strlen(name), max - 1);
  for (size_t i = 0; name[i]; i++)
    if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
      return bad(c, key,
                 "holds the control character 0x%02x at byte %zu; a name is printed "
                 "in the tables and the plots' legends",
                 (unsigned)(unsigned char)name[i], i);
  return 0;
}

static int parse_algorithm(ctx *c, const cJSON *a, int i, bench_config *cfg) {
  static const char *const keys[] = {"name", "method", "iterations", "hyperparameters",
                                     NULL};
  char where[64];
  snprintf(where, sizeof where, "algorithms[%d]", i);
  char k_name[80], k_method[80], k_iter[80], k_hyper[80];
  snprintf(k_name, sizeof k_name, "%s.name", where);
  snprintf(k_method, sizeof k_method, "%s.method", where);
  snprintf(k_iter, sizeof k_iter, "%s.iterations", where);
  snprintf(k_hyper, sizeof k_hyper, "%s.hyperparameters", where);
  if (!cJSON_IsObject(a)) return bad(c, where, "must be an object");
  bench_alg *al = &cfg->algs[cfg->n_algs];
  const char *method = NULL, *name = NULL;
  const cJSON *hyper = NULL;
  al->iterations = 0;
  if (known_keys(c, a, where, keys) || get_str(c, a, "method", k_method, &method) ||
      get_str(c, a, "name", k_name, &name) ||
      get_int(c, a, "iterations", k_iter, 1, &al->iterations) ||
      get_obj(c, a, "hyperparameters", k_hyper, &hyper))
    return BENCH_EXIT_USAGE;
  opt_method m;
  if (!method) return bad(c, k_method, "is missing");
  if (opt_method_parse(method, &m) != DCKPT_OK)
    return bad(c, k_method, "must be dgd, atc, extra, diging, nids or admm, not \"%s\"",
               method);
  if (!al->iterations) return bad(c, k_iter, "is missing");
  if (name && check_label(c, k_name, name, sizeof al->name)) return BENCH_EXIT_USAGE;
  snprintf(al->method, sizeof al->method, "%s", method);
  snprintf(al->name, sizeof al->name, "%s", name ? name : method);
  for (size_t k = 0; k < cfg->n_algs; k++)
    if (!strcmp(cfg->algs[k].name, al->name))
      return bad(c, k_name, "repeats the name \"%s\" of algorithms[%zu]", al->name, k);
  al->hyper = (cJSON *)hyper;
  cfg->n_algs++;
  return 0;
}

/* "step": an integer >= 1, or null for none. */
static int get_step(ctx *c, const cJSON *k, bench_config *cfg) {
  const cJSON *v = item(k, "step");
  if (!v) return 0;
  cfg->checkpoint_step_set = true;
  if (cJSON_IsNull(v)) {
    cfg->checkpoint_step = DCKPT_STEP_NONE;
    return 0;
  }
  if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
      v->valuedouble < 1 || v->valuedouble > 9.0e15)
    return bad(c, "checkpoint.step", "must be an integer >= 1, or null for none");
  cfg->checkpoint_step = (int64_t)v->valuedouble;
  return 0;
}

static int parse_checkpoint(ctx *c, const cJSON *root, bench_config *cfg) {
  const cJSON *k = NULL;
  static const char *const keys[] = {"dir",    "step",        "interval",
                                     "keep",   "compression", "fsync",
                                     "shared", "shared_wait", NULL};
  const char *dir = NULL;
  int64_t keep = cfg->keep, level = cfg->compression;
  if (get_obj(c, root, "checkpoint", "checkpoint", &k) ||
      known_keys(c, k, "checkpoint", keys) ||
      get_str(c, k, "dir", "checkpoint.dir", &dir) || get_step(c, k, cfg) ||
      get_seconds(c, k, "interval", "checkpoint.interval", &cfg->checkpoint_interval) ||
      get_int(c, k, "keep", "checkpoint.keep", 1, &keep) ||
      get_int(c, k, "compression", "checkpoint.compression", -7, &level) ||
      get_bool(c, k, "fsync", "checkpoint.fsync", &cfg->fsync) ||
      get_bool(c, k, "shared", "checkpoint.shared", &cfg->shared) ||
      get_bool(c, k, "shared_wait", "checkpoint.shared_wait", &cfg->shared_wait))
    return BENCH_EXIT_USAGE;
  if (level > 22) return bad(c, "checkpoint.compression", "must be in -7..22");
  if (keep > INT_MAX) return bad(c, "checkpoint.keep", "must be at most %d", INT_MAX);
  cfg->keep = (int)keep;
  cfg->compression = (int)level;
  if (dir && strlen(dir) >= sizeof cfg->checkpoint_dir)
    return bad(c, "checkpoint.dir", "is %zu bytes long; at most %zu", strlen(dir),
               sizeof cfg->checkpoint_dir - 1);
  if (dir) snprintf(cfg->checkpoint_dir, sizeof cfg->checkpoint_dir, "%s", dir);
  return 0;
}

static int parse_root(ctx *c, const cJSON *root, bench_config *cfg) {
  static const char *const keys[] = {
      "name",   "description", "problem",        "network",    "algorithms",
      "trials", "seed",        "metrics_period", "checkpoint", NULL};
  const char *name = NULL;
  int64_t seed = 0;
  if (!cJSON_IsObject(root)) return bad(c, "(top level)", "must be a JSON object");
  if (no_duplicate_keys(c, root, "")) return BENCH_EXIT_USAGE;
  if (known_keys(c, root, "", keys) || get_str(c, root, "name", "name", &name) ||
      get_int_range(c, root, "trials", "trials", 1, DCKPT_MAX_TRIALS, &cfg->trials) ||
      get_int(c, root, "seed", "seed", 0, &seed) ||
      get_int(c, root, "metrics_period", "metrics_period", 1, &cfg->metrics_period) ||
      parse_problem(c, root, cfg) || parse_network(c, root, cfg) ||
      parse_checkpoint(c, root, cfg))
    return BENCH_EXIT_USAGE;
  if (name && check_label(c, "name", name, sizeof cfg->campaign)) return BENCH_EXIT_USAGE;
  cfg->seed = (uint64_t)seed;
  snprintf(cfg->campaign, sizeof cfg->campaign, "%s", name ? name : "campaign");
  const cJSON *algs = item(root, "algorithms");
  if (!cJSON_IsArray(algs) || cJSON_GetArraySize(algs) == 0)
    return bad(c, "algorithms", "must be a non-empty array");
  if (cJSON_GetArraySize(algs) > BENCH_MAX_ALGS)
    return bad(c, "algorithms", "has more than %d entries", BENCH_MAX_ALGS);
  int i = 0;
  for (const cJSON *a = algs->child; a; a = a->next, i++)
    if (parse_algorithm(c, a, i, cfg)) return BENCH_EXIT_USAGE;
  return 0;
}

/* Whether text[i], a digit outside a string, starts a number's integer part
 * (not a digit after another, of a fraction or of an exponent). */
static bool starts_integer(const char *text, size_t i) {
  if (i > 0 && text[i - 1] == '-') i--;
  if (i == 0) return true;
  char p = text[i - 1];
  return !((p >= '0' && p <= '9') || p == '.' || p == 'e' || p == 'E' || p == '+' ||
           (p == '-' && i >= 2 && (text[i - 2] == 'e' || text[i - 2] == 'E')));
}

/* What the JSON parser would take silently for something else: bytes that
 * are not UTF-8 (copied as they are into strings), a NUL byte
 * (the text would end there), the escape \u0000 in a string (the string
 * would end there: "runs/a\u0000b" would name runs/a), and numbers outside
 * JSON's grammar that it reads anyway: "010" as 10 (octal to C and shells)
 * and "1." as 1. */
static int odd_text(const char *path, const char *text, size_t n, char *err,
                    size_t errlen) {
  long line = 1;
  bool in_string = false;
  /* cJSON copies a string's bytes as they are: the campaign and the files of
   * the run would hold them, and be no JSON for Python, jq or h5py. */
  size_t bad = 0;
  if (!dckpt_utf8_valid(text, n, &bad)) {
    for (size_t i = 0; i < bad; i++)
      line += text[i] == '\n';
    snprintf(err, errlen,
             "%s: not UTF-8: byte 0x%02x at offset %zu (line %ld); a config file is "
             "UTF-8 JSON text",
             path, (unsigned char)text[bad], bad, line);
    return BENCH_EXIT_USAGE;
  }
  for (size_t i = 0; i < n; i++) {
    char ch = text[i];
    if (ch == '\0') {
      snprintf(err, errlen, "%s: line %ld holds a NUL byte: not a JSON text file", path,
               line);
      return BENCH_EXIT_USAGE;
    }
    line += ch == '\n';
    if (!in_string) {
      in_string = ch == '"';
      bool next_digit = i + 1 < n && text[i + 1] >= '0' && text[i + 1] <= '9';
      const char *why =
          ch == '0' && next_digit && starts_integer(text, i)
              ? "a number with a leading zero (JSON has none: 010 is "
                "not 10, nor octal 8)"
          : ch == '.' && !next_digit && i > 0 && text[i - 1] >= '0' && text[i - 1] <= '9'
              ? "a number ending in '.' (JSON wants a digit after it)"
              : NULL;
      if (why) {
        snprintf(err, errlen, "%s: line %ld: %s; write the number plainly", path, line,
                 why);
        return BENCH_EXIT_USAGE;
      }
    } else if (ch == '"') {
      in_string = false;
    } else if (ch == '\\' && i + 1 < n) {
      if (text[i + 1] == 'u' && i + 5 < n && !strncmp(text + i + 2, "0000", 4)) {
        snprintf(err, errlen,
                 "%s: line %ld: a string holds \\u0000 (a NUL character), which would "
                 "cut it short; remove it",
                 path, line);
        return BENCH_EXIT_USAGE;
      }
      i++; /* the escaped character */
    }
  }
  return 0;
}

static int load_config(const char *path, bench_config *cfg, char *err, size_t errlen) {
  ctx c = {path, err, errlen};
  /* Not blocking on a FIFO, and only a regular file of sane size: a FIFO
   * blocked the program for good (a stop signal only sets a flag), and
   * /dev/zero was read into memory without end. */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    snprintf(err, errlen, "%s: cannot open the config file: %s", path, strerror(errno));
    if (fd >= 0) close(fd);
    return BENCH_EXIT_USAGE;
  }
  if (!S_ISREG(st.st_mode) || st.st_size > BENCH_MAX_CONFIG_BYTES) {
    if (!S_ISREG(st.st_mode))
      snprintf(err, errlen, "%s: the config file is not a regular file (%s)", path,
               S_ISDIR(st.st_mode)    ? "a directory"
               : S_ISFIFO(st.st_mode) ? "a FIFO"
                                      : "a device or socket");
    else
      snprintf(err, errlen, "%s: the config file is %lld bytes; at most %d", path,
               (long long)st.st_size, BENCH_MAX_CONFIG_BYTES);
    close(fd);
    return BENCH_EXIT_USAGE;
  }
  FILE *f = fdopen(fd, "rb");
  if (!f) {
    snprintf(err, errlen, "%s: cannot open the config file: %s", path, strerror(errno));
    close(fd);
    return BENCH_EXIT_USAGE;
  }
  char *text = NULL;
  size_t cap = 0, n = 0;
  FILE *mem = open_memstream(&text, &cap);
  char buf[65536];
  size_t got;
  while (mem && (got = fread(buf, 1, sizeof buf, f)) > 0)
    fwrite(buf, 1, got, mem), n += got;
  fclose(f);
  if (mem) fclose(mem);
  if (text && odd_text(path, text, n, err, errlen)) {
    free(text);
    return BENCH_EXIT_USAGE;
  }
  /* A UTF-8 byte-order mark (some editors write one) is not JSON: skipped. */
  const char *json = text && !strncmp(text, "\xEF\xBB\xBF", 3) ? text + 3 : text;
  const char *end = NULL;
  cfg->json = json ? cJSON_ParseWithOpts(json, &end, 1) : NULL;
  if (!cfg->json) {
    long line = 1, depth = 0, deepest = 0;
    bool in_string = false;
    for (const char *p = json; p && end && p < end; p++) {
      line += *p == '\n';
      /* how deep the text has nested by then, strings skipped: cJSON stops at
       * 1000 levels with no word of why */
      if (in_string && *p == '\\' && p[1])
        p++;
      else if (*p == '"')
        in_string = !in_string;
      else if (!in_string && (*p == '[' || *p == '{'))
        deepest = ++depth > deepest ? depth : deepest;
      else if (!in_string && (*p == ']' || *p == '}'))
        depth--;
    }
    if (deepest >= CJSON_NESTING_LIMIT)
      snprintf(err, errlen, "%s: JSON nested deeper than %d levels near line %ld", path,
               CJSON_NESTING_LIMIT, line);
    else
      snprintf(err, errlen, "%s: malformed JSON near line %ld", path, line);
    free(text);
    return BENCH_EXIT_USAGE;
  }
  free(text);
  snprintf(cfg->config_path, sizeof cfg->config_path, "%s", path);
  return parse_root(&c, cfg->json, cfg);
}

void bench_config_free(bench_config *cfg) {
  cJSON_Delete(cfg->json);
  cfg->json = NULL;
}

/* ---- command line ---- */

void bench_usage(FILE *out) {
  fprintf(
      out,
      "usage: dckpt-bench [options] CONFIG.json\n"
      "       mpirun -np N dckpt-bench [options] CONFIG.json\n"
      "\n"
      "Runs (or resumes) the benchmark campaign that CONFIG.json describes, "
      "checkpointing\n"
      "every trial, and ends with tables and plots in CHECKPOINT_DIR/results.\n"
      "\n"
      "options (they override the config file):\n"
      "  --checkpoint-dir DIR   where the campaign lives (config: checkpoint.dir)\n"
      "  --trials N             trials per algorithm (config: trials)\n"
      "  --add-trials N         grow a finished or running campaign by N trials\n"
      "  --add-iterations N     grow every algorithm by N iterations\n"
      "  --checkpoint-step N    checkpoint every N iterations, or 'none' (config:\n"
      "                         checkpoint.step; default 100 unless an interval is set)\n"
      "  --checkpoint-interval S  checkpoint every S seconds of a trial's work too, 0 "
      "for\n"
      "                         none (config: checkpoint.interval)\n"
      "  --keep N               checkpoints kept per trial (config: checkpoint.keep)\n"
      "  --compression L        zstd level, 0 = none (config: checkpoint.compression)\n"
      "  --no-fsync             atomic writes without fsync (fast; not power-loss safe)\n"
      "  --seed S               run seed (config: seed)\n"
      "  --metrics-period N     record metrics every N iterations (config: "
      "metrics_period)\n"
      "  --deadline WHEN        stop cleanly before WHEN: %s\n"
      "  --mode auto|new|resume new refuses an existing campaign, resume a missing one\n"
      "  --backup               zip the directory before resuming it\n"
      "  --break-lock           take over a lock held from another host\n"
      "  --shared               work on the campaign together with other --shared runs\n"
      "                         (jobs of an array, separate submissions): each pair\n"
      "                         is claimed with a lease (config: checkpoint.shared);\n"
      "                         ends once nothing is left to claim\n"
      "  --shared-wait          with --shared: then wait until every pair is complete,\n"
      "                         taking over those whose holder is gone (tasks killed\n"
      "                         with no requeue; config: checkpoint.shared_wait)\n"
      "  --run-name NAME        name this run: it also stops on CHECKPOINT_DIR/runs/\n"
      "                         NAME/HALT (that run only) and writes its own\n"
      "                         run_status.json there (job arrays: docs/slurm.md);\n"
      "                         a file or link in that folder's place is refused\n"
      "  --results-dir DIR      where tables and plots go (default "
      "CHECKPOINT_DIR/results)\n"
      "  --container FILE.h5    pack the completed campaign into one HDF5 file, "
      "verified;\n"
      "                         on a pruned directory: the results from it, or (when\n"
      "                         growing) unpack what is missing first\n"
      "  --prune                with --container: remove the trial directories once\n"
      "                         the container is written and verified\n"
      "  --no-progress          no progress reports\n"
      "  --quiet                only warnings and errors\n"
      "  --help, --version\n"
      "\n"
      "exit status: 0 done, 75 stopped on request (signal, DIR/HALT, deadline): run\n"
      "the same command again to resume; 1 failed; 2 usage or configuration error.\n",
      APP_DEADLINE_FORMATS);
}

/* An integer flag, in the same range as the config key it stands for
 * (lo..hi, hi 9e15 unless a limit is lower), said in the same words. */
static int flag_int_range(const char *flag, const char *v, int64_t lo, int64_t hi,
                          int64_t *out, char *err, size_t errlen) {
  char max[32];
  if (app_parse_int(v, lo, hi, out)) return 0;
  snprintf(err, errlen, "%s needs an integer >= %lld and at most %s, got '%s'", flag,
           (long long)lo, int_max_text(hi, max, sizeof max), v ? v : "");
  return BENCH_EXIT_USAGE;
}

static int flag_int(const char *flag, const char *v, int64_t lo, int64_t *out, char *err,
                    size_t errlen) {
  return flag_int_range(flag, v, lo, BENCH_INT_MAX, out, err, errlen);
}

/* Decimal digits with an optional fraction and exponent ("1.5", "2e3"):
 * strtod alone also took " 5", "+5", "0x10" and "nan"-like words. */
static bool plain_number(const char *v) {
  if (*v < '0' || *v > '9') return false;
  for (; *v; v++) {
    bool sign = (*v == '+' || *v == '-') && (v[-1] == 'e' || v[-1] == 'E');
    if (!(*v >= '0' && *v <= '9') && *v != '.' && *v != 'e' && *v != 'E' && !sign)
      return false;
  }
  return true;
}

static int flag_seconds(const char *flag, const char *v, double *out, char *err,
                        size_t errlen) {
  char *end = NULL;
  errno = 0;
  double x = v && plain_number(v) ? strtod(v, &end) : 0;
  if (!end || *end || errno || !isfinite(x) || x < 0 || x > BENCH_MAX_SECONDS) {
    snprintf(err, errlen, "%s needs a number of seconds in 0..1e12, got '%s'", flag,
             v ? v : "");
    return BENCH_EXIT_USAGE;
  }
  *out = x;
  return 0;
}

/* A value copied whole or refused: a path cut short would name another
 * directory (a long "./././..." cut to "."). */
static int flag_text(const char *flag, const char *v, char *out, size_t cap, char *err,
                     size_t errlen) {
  if (!*v || strlen(v) >= cap) {
    snprintf(err, errlen, "%s needs a value of 1..%zu bytes, got %zu", flag, cap - 1,
             strlen(v));
    return BENCH_EXIT_USAGE;
  }
  snprintf(out, cap, "%s", v);
  return 0;
}

static void defaults(bench_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->trials = 1;
  cfg->metrics_period = 1;
  cfg->checkpoint_step = 100;
  cfg->keep = 3;
  cfg->compression = 1;
  cfg->fsync = true;
  cfg->progress = -1;
  cfg->mode = DCKPT_RUN_AUTO;
}

/* Flags with a value, applied after the config file is read. */
static int apply_flag(bench_config *cfg, const char *f, const char *v, char *err,
                      size_t len) {
  int64_t x = 0;
  if (!strcmp(f, "--checkpoint-dir"))
    return flag_text(f, v, cfg->checkpoint_dir, sizeof cfg->checkpoint_dir, err, len);
  else if (!strcmp(f, "--results-dir"))
    return flag_text(f, v, cfg->results_dir, sizeof cfg->results_dir, err, len);
  else if (!strcmp(f, "--deadline"))
    return flag_text(f, v, cfg->deadline, sizeof cfg->deadline, err, len);
  else if (!strcmp(f, "--container")) {
    if (!*v || strlen(v) >= sizeof cfg->container) {
      snprintf(err, len, "--container needs a file name of 1..%zu bytes",
               sizeof cfg->container - 1);
      return BENCH_EXIT_USAGE;
    }
    snprintf(cfg->container, sizeof cfg->container, "%s", v);
  } else if (!strcmp(f, "--run-name")) {
    if (!dckpt_run_name_valid(v)) {
      snprintf(err, len,
               "--run-name '%.80s': 1 to %d letters, digits, '.', '_' or '-', the "
               "first a letter or a digit",
               v, DCKPT_RUN_NAME_MAX);
      return BENCH_EXIT_USAGE;
    }
    snprintf(cfg->run_name, sizeof cfg->run_name, "%s", v);
  } else if (!strcmp(f, "--trials"))
    return flag_int_range(f, v, 1, DCKPT_MAX_TRIALS, &cfg->trials, err, len);
  else if (!strcmp(f, "--add-trials"))
    return flag_int_range(f, v, 0, DCKPT_MAX_TRIALS, &cfg->add_trials, err, len);
  else if (!strcmp(f, "--add-iterations"))
    return flag_int(f, v, 0, &cfg->add_iterations, err, len);
  else if (!strcmp(f, "--checkpoint-step")) {
    cfg->checkpoint_step_set = true;
    if (!strcmp(v, "none"))
      cfg->checkpoint_step = DCKPT_STEP_NONE;
    else
      return flag_int(f, v, 1, &cfg->checkpoint_step, err, len);
  } else if (!strcmp(f, "--checkpoint-interval"))
    return flag_seconds(f, v, &cfg->checkpoint_interval, err, len);
  else if (!strcmp(f, "--metrics-period"))
    return flag_int(f, v, 1, &cfg->metrics_period, err, len);
  else if (!strcmp(f, "--seed")) {
    if (flag_int(f, v, 0, &x, err, len)) return BENCH_EXIT_USAGE;
    cfg->seed = (uint64_t)x;
  } else if (!strcmp(f, "--keep")) {
    /* as checkpoint.keep is: never cut down silently; one message for every
     * bad value ('0' and '1K' were told "at most 9e15") */
    if (!app_parse_int(v, 1, INT_MAX, &x)) {
      snprintf(err, len, "--keep needs a count in 1..%d, got '%s'", INT_MAX, v);
      return BENCH_EXIT_USAGE;
    }
    cfg->keep = (int)x;
  } else if (!strcmp(f, "--compression")) {
    if (flag_int(f, v, -7, &x, err, len) || x > 22) {
      snprintf(err, len, "--compression needs a level in -7..22, got '%s'", v);
      return BENCH_EXIT_USAGE;
    }
    cfg->compression = (int)x;
  } else if (!strcmp(f, "--mode")) {
    if (!strcmp(v, "auto"))
      cfg->mode = DCKPT_RUN_AUTO;
    else if (!strcmp(v, "new"))
      cfg->mode = DCKPT_RUN_NEW;
    else if (!strcmp(v, "resume"))
      cfg->mode = DCKPT_RUN_RESUME;
    else {
      snprintf(err, len, "--mode must be auto, new or resume, not '%s'", v);
      return BENCH_EXIT_USAGE;
    }
  } else {
    snprintf(err, len, "unknown option '%s' (see --help)", f);
    return BENCH_EXIT_USAGE;
  }
  return 0;
}

/* Options of apply_flag: they take a value. */
static const char *const value_flags[] = {"--checkpoint-dir",
                                          "--results-dir",
                                          "--run-name",
                                          "--deadline",
                                          "--trials",
                                          "--add-trials",
                                          "--add-iterations",
                                          "--checkpoint-step",
                                          "--checkpoint-interval",
                                          "--metrics-period",
                                          "--seed",
                                          "--keep",
                                          "--compression",
                                          "--mode",
                                          "--container",
                                          NULL};
#define N_VALUE_FLAGS (sizeof value_flags / sizeof value_flags[0] - 1)

/* The index of f in value_flags, or -1. */
static int value_flag(const char *f) {
  for (int i = 0; value_flags[i]; i++)
    if (!strcmp(f, value_flags[i])) return i;
  return -1;
}

static bool takes_value(const char *f) {
  return value_flag(f) >= 0;
}

static bool is_switch(bench_config *cfg, const char *f) {
  if (!strcmp(f, "--no-fsync"))
    cfg->fsync = false;
  else if (!strcmp(f, "--backup"))
    cfg->backup = true;
  else if (!strcmp(f, "--break-lock"))
    cfg->break_lock = true;
  else if (!strcmp(f, "--shared"))
    cfg->shared = true;
  else if (!strcmp(f, "--shared-wait"))
    cfg->shared_wait = true;
  else if (!strcmp(f, "--no-progress"))
    cfg->progress = 0;
  else if (!strcmp(f, "--quiet"))
    cfg->quiet = true;
  else if (!strcmp(f, "--prune"))
    cfg->prune = true;
  else
    return false;
  return true;
}

/* --container FILE.h5 is written only once the campaign completes: a place
 * the pack would refuse (inside the checkpoint directory, which it packs) or
 * cannot write (no such directory) is refused now, not after the run. */
static int check_container_place(const bench_config *cfg, char *err, size_t errlen) {
  char parent[4200], rparent[PATH_MAX], rdir[PATH_MAX];
  snprintf(parent, sizeof parent, "%s", cfg->container);
  char *slash = strrchr(parent, '/');
  if (!slash)
    snprintf(parent, sizeof parent, ".");
  else if (slash == parent)
    parent[1] = '\0';
  else
    *slash = '\0';
  struct stat st;
  if (stat(parent, &st) != 0 || !S_ISDIR(st.st_mode) || !realpath(parent, rparent)) {
    snprintf(err, errlen, "--container %.1000s: its directory '%.1000s' %s",
             cfg->container, parent,
             errno == ENOENT ? "does not exist" : "is not a usable directory");
    return -1;
  }
  /* a directory (or FIFO, device) in the file's place: said as what it is,
   * before the run (it was "the file exists and is not an HDF5 container") */
  if (stat(cfg->container, &st) == 0 && !S_ISREG(st.st_mode)) {
    snprintf(err, errlen,
             "--container %.1000s is %s, not a file: name the container file to write "
             "(e.g. %.1000s/campaign.h5)",
             cfg->container,
             S_ISDIR(st.st_mode)    ? "a directory"
             : S_ISFIFO(st.st_mode) ? "a FIFO"
                                    : "a device or socket",
             S_ISDIR(st.st_mode) ? cfg->container : parent);
    return -1;
  }
  /* a checkpoint directory that does not exist yet holds nothing */
  if (!realpath(cfg->checkpoint_dir, rdir)) return 0;
  size_t n = strlen(rdir);
  if (!strncmp(rparent, rdir, n) && (rparent[n] == '\0' || rparent[n] == '/')) {
    snprintf(err, errlen,
             "--container %.1000s is inside the checkpoint directory %.1000s, which it "
             "would pack; put it elsewhere",
             cfg->container, cfg->checkpoint_dir);
    return -1;
  }
  return 0;
}

/* The results directory, when something is there already, must be a
 * directory (or a link to one): a file, a FIFO or a dangling link in its
 * place was found only after the whole campaign had run. */
static int check_results_place(const bench_config *cfg, char *err, size_t errlen) {
  struct stat st;
  if (lstat(cfg->results_dir, &st) != 0) return 0; /* made at the end */
  bool link = S_ISLNK(st.st_mode);
  if (link && stat(cfg->results_dir, &st) != 0) {
    snprintf(err, errlen,
             "the results directory '%.2000s' is a symbolic link to nothing: remove it "
             "or give --results-dir",
             cfg->results_dir);
    return -1;
  }
  if (S_ISDIR(st.st_mode)) return 0;
  snprintf(err, errlen,
           "the results directory '%.2000s' is %s%s, not a directory: remove or rename "
           "it, or give --results-dir",
           cfg->results_dir, link ? "a symbolic link to " : "",
           S_ISREG(st.st_mode)    ? "a regular file"
           : S_ISFIFO(st.st_mode) ? "a FIFO"
                                  : "a device or socket");
  return -1;
}

/* Metric rows a trial of `iterations` records at `period`: after each k
 * with (k + 1) % period == 0 and after the last (ceil(iterations / period)),
 * plus one for the old last iteration of a trial grown with --add-iterations
 * (kept until the trial goes on). */
static int64_t history_rows(int64_t iterations, int64_t period) {
  return iterations / period + (iterations % period != 0) + 1;
}

/* The campaign's size as the run will have it: a resume grows DIR's stored
 * plan to max(stored, config) + --add-* (runtime/plan.c), so a campaign
 * grown earlier by --add-* is larger than its config. */
typedef struct history_plan {
  int64_t trials, stored_trials; /* stored: 0 without a run in DIR */
  int64_t iterations[BENCH_MAX_ALGS], stored_iterations[BENCH_MAX_ALGS];
  const char *dir; /* DIR when it holds a run of these algorithms */
} history_plan;

static int64_t max64(int64_t a, int64_t b) {
  return a > b ? a : b;
}

/* Reads DIR's stored plan (read-only: nothing is written, no lock taken).
 * Without a readable run of the same algorithms (names, in order) nothing is
 * stored: the run starts one, or refuses DIR itself. */
static void history_plan_make(const bench_config *cfg, history_plan *h) {
  memset(h, 0, sizeof *h);
  dckpt_store *s = NULL;
  dckpt_metadata *m = NULL;
  if (cfg->checkpoint_dir[0]) {
    dckpt_store_options o;
    dckpt_store_options_init(&o);
    o.flags = DCKPT_OPEN_READ;
    if (dckpt_store_open(cfg->checkpoint_dir, &o, &s) != DCKPT_OK ||
        dckpt_store_load_metadata(s, &m) != DCKPT_OK)
      dckpt_metadata_free(m), m = NULL;
  }
  bool same = m && m->n_algorithms == cfg->n_algs;
  for (size_t a = 0; same && a < cfg->n_algs; a++)
    same = m->algorithms[a].name && !strcmp(m->algorithms[a].name, cfg->algs[a].name) &&
           m->algorithms[a].iterations >= 0 &&
           m->algorithms[a].iterations <= DCKPT_MAX_ITERATIONS;
  same = same && m->n_trials >= 0 && m->n_trials <= DCKPT_MAX_TRIALS;
  if (same) {
    h->dir = cfg->checkpoint_dir;
    h->stored_trials = m->n_trials;
    for (size_t a = 0; a < cfg->n_algs; a++)
      h->stored_iterations[a] = m->algorithms[a].iterations;
  }
  h->trials = max64(h->stored_trials, cfg->trials) + cfg->add_trials;
  for (size_t a = 0; a < cfg->n_algs; a++)
    h->iterations[a] =
        max64(h->stored_iterations[a], cfg->algs[a].iterations) + cfg->add_iterations;
  dckpt_metadata_free(m);
  dckpt_store_close(s);
}

/* All trials' history rows at `period` (a double: up to 2^25 trials x 64
 * algorithms x 2^54 rows does not fit 64 bits; it is only compared). */
static double campaign_rows(const bench_config *cfg, const history_plan *h,
                            int64_t period) {
  double total = 0;
  for (size_t a = 0; a < cfg->n_algs; a++)
    total += (double)h->trials * (double)history_rows(h->iterations[a], period);
  return total;
}

typedef bool (*history_fits)(const bench_config *, const history_plan *, int64_t, size_t);

/* The smallest metrics period >= `from` for which `fits` holds, or 0 if
 * none does (too many trials for the campaign limit at any period). */
static int64_t least_period(const bench_config *cfg, const history_plan *h, int64_t from,
                            history_fits fits, size_t a) {
  int64_t lo = from, hi = from;
  while (!fits(cfg, h, hi, a)) { /* fits(lo) is false from here on, but for lo = from */
    lo = hi;
    if (hi > BENCH_INT_MAX / 2) {
      if (!fits(cfg, h, BENCH_INT_MAX, a)) return 0;
      hi = BENCH_INT_MAX;
    } else {
      hi *= 2;
    }
  }
  while (lo < hi) { /* the least period in [lo, hi] that fits; fits(hi) */
    int64_t mid = lo + (hi - lo) / 2;
    if (fits(cfg, h, mid, a))
      hi = mid;
    else
      lo = mid + 1;
  }
  return hi;
}

static bool trial_fits(const bench_config *cfg, const history_plan *h, int64_t period,
                       size_t a) {
  (void)cfg;
  return history_rows(h->iterations[a], period) <= BENCH_MAX_TRIAL_HISTORY_ROWS;
}

static bool campaign_fits(const bench_config *cfg, const history_plan *h, int64_t period,
                          size_t a) {
  (void)a;
  return campaign_rows(cfg, h, period) <= (double)BENCH_MAX_CAMPAIGN_HISTORY_ROWS;
}

/* The metric history is held whole: a trial's in its rank's memory and in
 * its final checkpoint, every trial's on rank 0 at the end for the metrics
 * record, the tables and the plots. A campaign whose history passes the
 * limits (bench.h, docs/bench.md "Limits") failed for lack of memory only
 * once its trials had run, perhaps days in; it is refused now, counted at
 * the size the run will have (DIR's stored plan grown by this call). */
static int check_history(const bench_config *cfg, const char *config, char *err,
                         size_t errlen) {
  const double row_bytes = (OPT_N_METRICS + 1) * sizeof(double);
  history_plan h;
  history_plan_make(cfg, &h);
  char add[64] = "";
  if (cfg->add_iterations)
    snprintf(add, sizeof add, " + --add-iterations %lld", (long long)cfg->add_iterations);
  for (size_t a = 0; a < cfg->n_algs; a++) {
    if (trial_fits(cfg, &h, cfg->metrics_period, a)) continue;
    int64_t rows = history_rows(h.iterations[a], cfg->metrics_period);
    char what[1024];
    if (h.stored_iterations[a] > cfg->algs[a].iterations)
      snprintf(
          what, sizeof what,
          "algorithm '%.127s' (\"algorithms[%zu]\"), grown by earlier --add-iterations "
          "to %lld iterations in the run in '%.200s' (the config says %lld)%s,",
          cfg->algs[a].name, a, (long long)h.stored_iterations[a], h.dir,
          (long long)cfg->algs[a].iterations, add);
    else
      snprintf(what, sizeof what, "key \"algorithms[%zu].iterations\" (%lld%s)", a,
               (long long)cfg->algs[a].iterations, add);
    snprintf(err, errlen,
             "%s: %s with \"metrics_period\" "
             "%lld records %lld metric rows per trial (%.3g MiB of history, held in "
             "memory and in the trial's checkpoints); the limit is %lld rows (%.0f MiB) "
             "per trial: set metrics_period to at least %lld, or fewer iterations",
             config, what, (long long)cfg->metrics_period, (long long)rows,
             (double)rows * row_bytes / 1048576.0,
             (long long)BENCH_MAX_TRIAL_HISTORY_ROWS,
             (double)BENCH_MAX_TRIAL_HISTORY_ROWS * row_bytes / 1048576.0,
             (long long)least_period(cfg, &h, cfg->metrics_period, trial_fits, a));
    return BENCH_EXIT_USAGE;
  }
  if (campaign_fits(cfg, &h, cfg->metrics_period, 0)) return 0;
  double rows = campaign_rows(cfg, &h, cfg->metrics_period);
  int64_t least = least_period(cfg, &h, cfg->metrics_period, campaign_fits, 0);
  char fix[128];
  if (least)
    snprintf(fix, sizeof fix,
             "set metrics_period to at least %lld, or run fewer "
             "trials or iterations",
             (long long)least);
  else
    snprintf(fix, sizeof fix, "run fewer trials or algorithms");
  bool grown = h.stored_trials > cfg->trials;
  for (size_t a = 0; a < cfg->n_algs; a++)
    grown = grown || h.stored_iterations[a] > cfg->algs[a].iterations;
  char run[300] = "";
  if (grown)
    snprintf(run, sizeof run,
             " (as the run in '%.200s' has grown by earlier --add-* past the config)",
             h.dir);
  snprintf(err, errlen,
           "%s: the metric histories of all %lld trials x %zu algorithm(s), at "
           "\"metrics_period\" %lld and each algorithm's \"iterations\"%s%s, are %.4g "
           "rows (%.3g GiB), which rank 0 gathers at the end for the tables and plots; "
           "the limit is %lld rows (%.0f GiB) in a campaign: %s",
           config, (long long)h.trials, cfg->n_algs, (long long)cfg->metrics_period, add,
           run, rows, rows * row_bytes / 1073741824.0,
           (long long)BENCH_MAX_CAMPAIGN_HISTORY_ROWS,
           (double)BENCH_MAX_CAMPAIGN_HISTORY_ROWS * row_bytes / 1073741824.0, fix);
  return BENCH_EXIT_USAGE;
}

int bench_parse(int argc, char **argv, bench_config *cfg, bool *help, char *err,
                size_t errlen) {
  defaults(cfg);
  *help = false;
  const char *config = NULL;
  const char *extra = NULL, *unknown = NULL, *no_value = NULL;
  for (int i = 1; i < argc; i++) { /* the file first: flags override it */
    const char *a = argv[i], *eq = strchr(a, '=');
    if (a[0] != '-') {
      if (config && !extra) extra = a;
      if (!config) config = a;
    } else if (!strcmp(a, "--help") || !strcmp(a, "-h") || !strcmp(a, "--version")) {
      *help = true;
    } else if (!is_switch(cfg, a)) {
      char flag[64];
      snprintf(flag, sizeof flag, "%.*s", eq ? (int)(eq - a) : (int)strlen(a), a);
      /* only a known option takes the next word: an unknown one must not
       * swallow the config file */
      bench_config scratch; /* is_switch sets what it names */
      if (eq && !no_value && is_switch(&scratch, flag))
        no_value = a; /* --quiet=1 */
      else if (!takes_value(flag))
        unknown = unknown ? unknown : a;
      else if (!eq)
        i++;
    }
  }
  if (*help) return 0;
  if (no_value) {
    snprintf(err, errlen, "option '%.*s' takes no value (got '%.200s'; see --help)",
             (int)(strchr(no_value, '=') - no_value), no_value, no_value);
    return BENCH_EXIT_USAGE;
  }
  if (unknown) {
    snprintf(err, errlen, "unknown option '%s' (see --help)", unknown);
    return BENCH_EXIT_USAGE;
  }
  if (!config) {
    snprintf(err, errlen, "no config file given (see --help)");
    return BENCH_EXIT_USAGE;
  }
  if (!*config) { /* an unset shell variable, quoted: no file was named */
    snprintf(err, errlen, "the config file argument is empty ('')");
    return BENCH_EXIT_USAGE;
  }
  if (extra) {
    snprintf(err, errlen, "one config file, please: '%s' and '%s' were given", config,
             extra);
    return BENCH_EXIT_USAGE;
  }
  bool fsync = cfg->fsync, backup = cfg->backup, brk = cfg->break_lock,
       quiet = cfg->quiet, shared = cfg->shared, prune = cfg->prune,
       shared_wait = cfg->shared_wait;
  int progress = cfg->progress;
  if (load_config(config, cfg, err, errlen)) return BENCH_EXIT_USAGE;
  cfg->fsync = cfg->fsync && fsync;
  cfg->shared = cfg->shared || shared;
  cfg->shared_wait = cfg->shared_wait || shared_wait;
  cfg->backup = backup, cfg->break_lock = brk, cfg->quiet = quiet,
  cfg->progress = progress, cfg->prune = prune;
  const char *given[N_VALUE_FLAGS] = {NULL};
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] != '-' || is_switch(cfg, argv[i])) continue;
    char flag[64];
    const char *arg = argv[i], *eq = strchr(arg, '=');
    snprintf(flag, sizeof flag, "%.*s", eq ? (int)(eq - arg) : (int)strlen(arg), arg);
    const char *val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
    if (!val) {
      snprintf(err, errlen, "%s needs a value", flag);
      return BENCH_EXIT_USAGE;
    }
    int k = value_flag(flag);
    if (k >= 0 && !app_option_once(&given[k], flag, val, err, errlen))
      return BENCH_EXIT_USAGE;
    if (apply_flag(cfg, flag, val, err, errlen)) return BENCH_EXIT_USAGE;
  }
  /* An interval without a step is checkpointing by time alone. */
  if (!cfg->checkpoint_step_set && cfg->checkpoint_interval > 0)
    cfg->checkpoint_step = DCKPT_STEP_NONE;
  if (check_history(cfg, config, err, errlen)) return BENCH_EXIT_USAGE;
  if (!cfg->checkpoint_dir[0]) {
    snprintf(err, errlen,
             "%s: no checkpoint directory: set \"checkpoint.dir\" or --checkpoint-dir",
             config);
    return BENCH_EXIT_USAGE;
  }
  if (cfg->prune && !cfg->container[0]) {
    snprintf(err, errlen,
             "--prune needs --container FILE.h5 (the trial directories "
             "are removed only once they are packed and verified)");
    return BENCH_EXIT_USAGE;
  }
  if (cfg->shared_wait && !cfg->shared) {
    snprintf(err, errlen,
             "--shared-wait (checkpoint.shared_wait) needs --shared (checkpoint.shared): "
             "without it the run holds the directory alone and waits for no other run");
    return BENCH_EXIT_USAGE;
  }
  if (cfg->container[0] && cfg->shared) {
    snprintf(err, errlen,
             "--container does not work with --shared runs (pack the "
             "finished campaign with 'dckpt pack')");
    return BENCH_EXIT_USAGE;
  }
  if (cfg->container[0] && check_container_place(cfg, err, errlen))
    return BENCH_EXIT_USAGE;
  if (!cfg->results_dir[0] &&
      snprintf(cfg->results_dir, sizeof cfg->results_dir, "%s/results",
               cfg->checkpoint_dir) >= (int)sizeof cfg->results_dir) {
    snprintf(err, errlen,
             "the checkpoint directory's name is too long for its results/ (%zu "
             "bytes); give --results-dir",
             strlen(cfg->checkpoint_dir));
    return BENCH_EXIT_USAGE;
  }
  if (check_results_place(cfg, err, errlen)) return BENCH_EXIT_USAGE;
  return 0;
}
