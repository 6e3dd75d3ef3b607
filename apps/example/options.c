/* Command-line parsing for dckpt-example: `--opt VALUE` or `--opt=VALUE`. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_args.h"
#include "example.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: dckpt-example --dir DIR [options]\n"
          "\n"
          "Runs a small benchmark campaign through a dckpt checkpoint store: gradient\n"
          "descent, heavy-ball momentum and Nesterov's method on a seeded least-squares\n"
          "problem (%d x %d, minibatches of %d rows), T trials x K iterations each.\n"
          "An empty DIR starts a new run; a DIR holding a run resumes it.\n"
          "\n"
          "options:\n"
          "  --dir DIR              checkpoint directory (required)\n"
          "  --trials T             trials per algorithm (default 4)\n"
          "  --iterations K         iterations per trial (default 3000)\n"
          "  --checkpoint-step S    checkpoint after iteration i when (i+1) %% S == 0\n"
          "                         (default 100)\n"
          "  --keep N               newest checkpoints kept per trial (default 3)\n"
          "  --seed SEED            run seed (default 42)\n"
          "  --no-fsync             atomic renames only: safe against a killed process,\n"
          "                         not against power loss\n"
          "  --sleep-us N           sleep N microseconds per iteration (for demos)\n"
          "  --progress N           also print a line every N iterations (default: only\n"
          "                         when a trial starts, resumes, stops or ends)\n"
          "  --verify-against DIR2  afterwards, compare every trial's final state bit\n"
          "                         for bit with the finished run in DIR2\n"
          "  --verbose              show the library's informational messages too\n"
          "  --help                 show this help\n"
          "\n"
          "On resume, --trials, --iterations and --seed may be left out (the run's own\n"
          "values are used); when given they must match the run.\n"
          "SIGINT or SIGTERM: the current trial is checkpointed at its current\n"
          "iteration and the program exits with status 3; run it again to resume.\n"
          "Exit status: 0 done, 1 error, 2 usage or plan mismatch, 3 interrupted,\n"
          "4 --verify-against found a difference.\n",
          EX_ROWS, EX_COLS, EX_BATCH);
}

static void options_init(ex_options *o) {
  memset(o, 0, sizeof *o);
  o->trials = 4;
  o->iterations = 3000;
  o->checkpoint_step = 100;
  o->keep = 3;
  o->seed = 42;
}

/* An integer option in lo..hi (app_parse_int), or said why not. */
static int parse_int(const char *opt, const char *text, int64_t lo, int64_t hi,
                     int64_t *out) {
  if (app_parse_int(text, lo, hi, out)) return 0;
  fprintf(stderr, "dckpt-example: %s: '%s' is not an integer in %lld..%lld\n", opt, text,
          (long long)lo, (long long)hi);
  return -1;
}

static int parse_seed(const char *text, uint64_t *out) {
  if (app_parse_u64(text, out)) return 0;
  fprintf(stderr, "dckpt-example: --seed: '%s' is not an integer in 0..%" PRIu64 "\n",
          text, UINT64_MAX);
  return -1;
}

/* Applies one option that takes a value. @return 0, or -1 on a bad value. */
static int set_valued(ex_options *o, const char *name, const char *v) {
  int64_t n = 0;
  int rc = 0;
  if (!strcmp(name, "--dir"))
    o->dir = v;
  else if (!strcmp(name, "--verify-against"))
    o->verify_against = v;
  else if (!strcmp(name, "--seed")) {
    rc = parse_seed(v, &o->seed);
    o->seed_set = true;
  } else if (!strcmp(name, "--trials")) {
    rc = parse_int(name, v, 1, EX_MAX_TRIALS, &o->trials);
    o->trials_set = true;
  } else if (!strcmp(name, "--iterations")) {
    rc = parse_int(name, v, 1, EX_MAX_ITERATIONS, &o->iterations);
    o->iterations_set = true;
  } else if (!strcmp(name, "--checkpoint-step"))
    rc = parse_int(name, v, 1, INT64_MAX, &o->checkpoint_step);
  else if (!strcmp(name, "--progress"))
    rc = parse_int(name, v, 0, INT64_MAX, &o->progress);
  else if (!strcmp(name, "--keep")) {
    rc = parse_int(name, v, 1, 1000000, &n);
    o->keep = (int)n;
  } else if (!strcmp(name, "--sleep-us")) {
    rc = parse_int(name, v, 0, 10000000, &n);
    o->sleep_us = (long)n;
  }
  return rc;
}

/* Applies a flag. @return 0, or -2 when `name` is not a flag. */
static int set_flag(ex_options *o, const char *name) {
  if (!strcmp(name, "--no-fsync"))
    o->no_fsync = true;
  else if (!strcmp(name, "--verbose"))
    o->verbose = true;
  else
    return -2;
  return 0;
}

static const char *const valued[] = {
    "--dir",      "--verify-against", "--seed",
    "--trials",   "--iterations",     "--checkpoint-step",
    "--progress", "--keep",           "--sleep-us"};
#define N_VALUED (sizeof valued / sizeof valued[0])

/* The index of name in valued[], or -1. */
static int valued_index(const char *name) {
  for (size_t k = 0; k < N_VALUED; k++)
    if (!strcmp(name, valued[k])) return (int)k;
  return -1;
}

/* Handles argv[*i] (and its value); given[] holds the values seen so far.
 * @return 0, 1 after --help, -1 on error. */
static int parse_one(int argc, char **argv, int *i, ex_options *o, const char **given) {
  char name[64];
  const char *arg = argv[*i], *eq = strchr(arg, '=');
  size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
  if (strncmp(arg, "--", 2) != 0 || len >= sizeof name) {
    fprintf(stderr, "dckpt-example: unexpected argument '%s' (see --help)\n", arg);
    return -1;
  }
  memcpy(name, arg, len);
  name[len] = '\0';
  if (!strcmp(name, "--help")) return 1;
  int k = valued_index(name);
  if (k < 0) {
    bool flag = set_flag(o, name) == 0;
    if (flag && !eq) return 0;
    fprintf(stderr,
            flag ? "dckpt-example: option %s takes no value\n"
                 : "dckpt-example: unknown option '%s' (see --help)\n",
            flag ? name : arg);
    return -1;
  }
  const char *value = eq ? eq + 1 : *i + 1 < argc ? argv[++*i] : NULL;
  if (!value) {
    fprintf(stderr, "dckpt-example: option %s needs a value\n", name);
    return -1;
  }
  char msg[8192];
  if (!app_option_once(&given[k], name, value, msg, sizeof msg)) {
    fprintf(stderr, "dckpt-example: %s\n", msg);
    return -1;
  }
  return set_valued(o, name, value) == 0 ? 0 : -1;
}

int ex_parse_options(int argc, char **argv, ex_options *opts) {
  options_init(opts);
  const char *given[N_VALUED] = {NULL};
  for (int i = 1; i < argc; i++) {
    int rc = parse_one(argc, argv, &i, opts, given);
    if (rc == 1) {
      usage(stdout);
      return EX_EXIT_OK;
    }
    if (rc < 0) return EX_EXIT_USAGE;
  }
  if (!opts->dir || !*opts->dir) {
    fprintf(stderr, "dckpt-example: --dir DIR is required (see --help)\n");
    return EX_EXIT_USAGE;
  }
  return -1;
}
