/* dckpt ls: the files of a run, in a directory or in a container, with the
 * same paths either way. */
#define _GNU_SOURCE /* strndup */
#include <dirent.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../src/container/run_files.h" /* what a pack takes: one rule */
#include "cli.h"
#ifdef DCKPT_CLI_CONTAINER
#include "dckpt_container.h"
#endif

static const char ls_help[] =
    "Usage: dckpt ls DIR|FILE.h5 [PREFIX] [-l] [--json]\n"
    "\n"
    "Lists the files of the run in checkpoint directory DIR, or in a container\n"
    "made by 'dckpt pack', by their paths in the directory. In DIR it lists\n"
    "exactly the files 'dckpt pack' puts into a container, in the container's\n"
    "order, so that DIR and its container list the same; the bookkeeping of\n"
    "the runs (the lock, temporaries, index/, leases/, runs/, HALT) and files\n"
    "of no run are not listed, nor links, FIFOs or devices under results/.\n"
    "A DIR a pack refuses (its metadata.json cannot be read, results/ nested\n"
    "too deep) is named with the cause on stderr (exit 1). PREFIX lists only\n"
    "what lies under it, e.g.\n"
    "algorithm_0/trial_3 (in a container, only that trial's index is read).\n"
    "\n"
    "Options:\n"
    "  -l          also the kind and the size: bytes on disk in DIR, raw bytes\n"
    "              (arrays of a record, or the file's bytes) in a container\n"
    "  --json      print [{\"path\", \"kind\", \"bytes\", \"arrays\"}] (arrays: null\n"
    "              in DIR)\n"
    "  -h, --help  show this help\n"
    "\n"
    "Exit status: 0 listed, 1 DIR or FILE.h5 unreadable (a damaged container\n"
    "lists what it can, names the damage on stderr and exits 1), 2 usage error.\n";

static const char *const kind_names[] = {
    "?",          "metadata", "problem",  "initial", "metrics", "metrics_marker",
    "checkpoint", "progress", "complete", "other",   "segment"};

typedef struct ls_ctx {
  bool longer, json;
  cJSON *items;
  const char *prefix;
  int64_t n_algs, n_trials; /* DIR's plan (metadata.json) */
  bool failed;              /* something that a pack refuses was said */
} ls_ctx;

static void show(ls_ctx *l, const char *path, int kind, uint64_t bytes, int64_t arrays) {
  const char *k = kind >= 1 && kind <= 10 ? kind_names[kind] : "?";
  if (l->json) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "path", path);
    cJSON_AddStringToObject(o, "kind", k);
    cJSON_AddItemToObject(o, "bytes", cli_json_u64(bytes));
    cJSON_AddItemToObject(o, "arrays",
                          arrays < 0 ? cJSON_CreateNull() : cli_json_i64(arrays));
    cJSON_AddItemToArray(l->items, o);
  } else if (l->longer) {
    printf("%-14s %12" PRIu64 "  %s\n", k, bytes, path);
  } else {
    printf("%s\n", path);
  }
}

/* ---- a container (dckpt-h5) ---- */

#ifdef DCKPT_CLI_CONTAINER
static int on_entry(void *ctx, const dckpt_container_entry *e) {
  show(ctx, e->path, (int)e->kind, e->bytes, e->is_record ? (int64_t)e->n_arrays : 0);
  return 0;
}

static int ls_container(const char *path, ls_ctx *l) {
  dckpt_container *c = NULL;
  int rc = dckpt_container_open(path, &c);
  if (rc == DCKPT_OK) rc = dckpt_container_list(c, l->prefix, on_entry, l);
  if (rc != DCKPT_OK)
    cli_error("ls", "%s (%s)", dckpt_container_errmsg(c), dckpt_err_name(rc));
  dckpt_container_close(c);
  return rc;
}
#endif

/* ---- a directory ---- */

/* Whether `rel` is `prefix` or lies under it ("" holds everything). */
static bool listed(const char *rel, const char *prefix) {
  size_t n = strlen(prefix);
  while (n && prefix[n - 1] == '/')
    n--;
  return n == 0 || (!strncmp(rel, prefix, n) && (rel[n] == '\0' || rel[n] == '/'));
}

/* Whether directory `rel` may hold what `prefix` names. */
static bool descend(const char *rel, const char *prefix) {
  size_t n = strlen(rel);
  return listed(rel, prefix) || (!strncmp(prefix, rel, n) && prefix[n] == '/');
}

/* The number after `stem` when `name` is stem<digits>[suffix], else -1. */
static long long number_after(const char *name, const char *stem, const char *suffix) {
  size_t n = strlen(stem);
  if (strncmp(name, stem, n) || name[n] < '0' || name[n] > '9') return -1;
  char *end = NULL;
  long long v = strtoll(name + n, &end, 10);
  return strcmp(end, suffix) ? -1 : v;
}

/* Where a name goes in the listing of the directory `rel`, in the
 * container's order: the root files in the layout's order, the run's other
 * root files, results/ and other names, then algorithm_<a> by number; in an
 * algorithm directory trial_<t> by number; in a trial directory the metric
 * segments and the checkpoints by number, progress.json, complete.json. A
 * name that no rule places keeps its place among the others by name. */
typedef struct ls_name {
  char *name;
  int group;
  long long number;
} ls_name;

static void place(ls_name *e, const char *rel) {
  static const char *const root[] = {"metadata.json",
                                     "benchmark_problem.dckpt",
                                     "initial_algorithms.dckpt",
                                     "metric_computation.dckpt",
                                     "metric_computation_complete.json",
                                     "run_status.json"};
  const char *slash = strrchr(rel, '/');
  const char *base = slash ? slash + 1 : rel;
  e->group = 20;
  e->number = -1;
  if (!*rel) {
    for (int k = 0; k < 6; k++)
      if (!strcmp(e->name, root[k])) e->group = k;
    if (e->group == 20 && (e->number = number_after(e->name, "algorithm_", "")) >= 0)
      e->group = 30;
  } else if (!slash && number_after(base, "algorithm_", "") >= 0) {
    if ((e->number = number_after(e->name, "trial_", "")) >= 0) e->group = 0;
  } else if (slash && number_after(base, "trial_", "") >= 0 &&
             number_after(rel, "algorithm_", base - 1) >= 0) {
    if ((e->number = number_after(e->name, "metrics_", ".dckpt")) >= 0)
      e->group = 0;
    else if ((e->number = number_after(e->name, "checkpoint_", ".dckpt")) >= 0)
      e->group = 1;
    else if (!strcmp(e->name, "progress.json"))
      e->group = 2;
    else if (!strcmp(e->name, "complete.json"))
      e->group = 3;
  }
}

static int cmp_names(const void *a, const void *b) {
  const ls_name *x = a, *y = b;
  if (x->group != y->group) return (x->group > y->group) - (x->group < y->group);
  if (x->number != y->number) return (x->number > y->number) - (x->number < y->number);
  return strcmp(x->name, y->name);
}

/* The directories from DIR down to the one being listed: a link back to one
 * of them is not followed again. */
typedef struct ancestor {
  dev_t dev;
  ino_t ino;
  const struct ancestor *up;
} ancestor;

static bool is_ancestor(const ancestor *a, const struct stat *st) {
  for (; a; a = a->up)
    if (a->dev == st->st_dev && a->ino == st->st_ino) return true;
  return false;
}

/* Whether a pack puts the file `rel` into its container: a name of the run
 * (run_files.h, the rule pack itself follows) and, in a trial directory, a
 * trial of DIR's plan (a pack reads the trials metadata.json names). */
static bool packed(const ls_ctx *l, const char *rel, ctr_run_file *f) {
  if (!ctr_run_file_parse(rel, strlen(rel), f)) return false;
  return f->alg < 0 || (f->alg < l->n_algs && f->trial < l->n_trials);
}

static int on_result(void *ctx, const char *rel, const char *full, uint64_t size,
                     const char *why) {
  ls_ctx *l = ctx;
  (void)full;
  ctr_run_file f;
  if (!why && listed(rel, l->prefix) && packed(l, rel, &f))
    show(l, rel, f.kind, size, -1);
  return 0;
}

/* results/: the walk pack takes its files from (run_files.h), so that links,
 * FIFOs and the like below it are left out here too, and a tree a pack
 * refuses (too deep, a path too long) is said here too. */
static void walk_results(const char *dir, ls_ctx *l) {
  char why[4600] = "";
  if (ctr_results_walk(dir, on_result, l, why, sizeof why) != 0) {
    cli_error("ls", "%s (a pack refuses it)", why);
    l->failed = true;
  }
}

/* Links are followed, as the store, verify and pack follow them (a
 * checkpoint moved elsewhere and linked back is the run's file): lstat left
 * such files out of the directory's listing and in the container's. Below
 * results/ they are not (walk_results). */
static void walk(const char *dir, const char *rel, ls_ctx *l, const ancestor *up) {
  DIR *d = opendir(dir);
  if (!d) return;
  ls_name *names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.' || !strcmp(de->d_name, "dckpt.lock") ||
        !strncmp(de->d_name, "dckpt.lock.", 11))
      continue; /* ".", "..", temporaries, the lock */
    if (n == cap) {
      cap = cap ? 2 * cap : 32;
      ls_name *p = realloc(names, cap * sizeof *p);
      if (!p) break;
      names = p;
    }
    names[n].name = strdup(de->d_name);
    if (names[n].name) place(&names[n++], rel);
  }
  closedir(d);
  if (n) qsort(names, n, sizeof *names, cmp_names);
  for (size_t i = 0; i < n; i++) {
    char full[4600], sub[4600];
    ctr_run_file f;
    snprintf(full, sizeof full, "%s/%s", dir, names[i].name);
    snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", names[i].name);
    struct stat st;
    bool ok = stat(full, &st) == 0;
    if (ok && !*rel && !strcmp(names[i].name, "results")) {
      if (descend(sub, l->prefix)) walk_results(dir, l);
    } else if (ok && S_ISDIR(st.st_mode) && descend(sub, l->prefix) &&
               !is_ancestor(up, &st)) {
      ancestor here = {st.st_dev, st.st_ino, up};
      walk(full, sub, l, &here);
    } else if (ok && S_ISREG(st.st_mode) && listed(sub, l->prefix) &&
               packed(l, sub, &f)) {
      show(l, sub, f.kind, (uint64_t)st.st_size, -1);
    }
    free(names[i].name);
  }
  free(names);
}

static int ls_dir(const char *dir, ls_ctx *l) {
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    cli_error("ls", "%s: not a directory or container", dir);
    return DCKPT_ENOENT;
  }
  /* the plan, as pack reads it: a DIR whose metadata.json cannot be read is
   * one a pack refuses, so nothing is listed and the cause is said (every
   * trial directory's files were listed, as if they were the run's) */
  dckpt_store_options so;
  dckpt_store_options_init(&so);
  so.flags = DCKPT_OPEN_READ;
  dckpt_store *s = NULL;
  dckpt_metadata *m = NULL;
  int rc = dckpt_store_open(dir, &so, &s);
  if (rc == DCKPT_OK) rc = dckpt_store_load_metadata(s, &m);
  if (rc == DCKPT_OK) {
    l->n_algs = (int64_t)m->n_algorithms;
    l->n_trials = m->n_trials;
  } else {
    cli_error("ls", "%s (%s); 'dckpt pack' refuses this directory too",
              s ? dckpt_store_errmsg(s) : "out of memory", dckpt_err_name(rc));
  }
  dckpt_metadata_free(m);
  dckpt_store_close(s);
  if (rc != DCKPT_OK) return rc;
  ancestor root = {st.st_dev, st.st_ino, NULL};
  walk(dir, "", l, &root);
  return l->failed ? DCKPT_EINVAL : DCKPT_OK;
}

static int run_ls(int argc, char **argv) {
  const char *path = NULL;
  ls_ctx l = {false, false, NULL, "", -1, -1, false};
  for (int i = 1; i < argc; i++) {
    if (cli_is_help(argv[i])) return cli_print_help(&cli_cmd_ls);
    if (!strcmp(argv[i], "-l"))
      l.longer = true;
    else if (!strcmp(argv[i], "--json"))
      l.json = true;
    else if (path && argv[i][0] != '-' && l.prefix[0] == '\0')
      l.prefix = argv[i];
    else if (cli_positional("ls", argv[i], &path) != CLI_EXIT_OK)
      return CLI_EXIT_USAGE;
  }
  if (!path) return cli_usage_error("ls", "missing DIR or FILE.h5");
  bool container = dckpt_container_probe(path);
#ifndef DCKPT_CLI_CONTAINER
  if (container) return cli_handoff("ls", CLI_EXIT_FAIL);
#endif
  if (l.json) l.items = cJSON_CreateArray();
#ifdef DCKPT_CLI_CONTAINER
  int rc = container ? ls_container(path, &l) : ls_dir(path, &l);
#else
  int rc = ls_dir(path, &l);
#endif
  if (l.json && cli_json_print("ls", l.items) != CLI_EXIT_OK) rc = DCKPT_ENOMEM;
  return rc == DCKPT_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

const cli_command cli_cmd_ls = {"ls", "list the files of a run (DIR or FILE.h5)", ls_help,
                                run_ls};
