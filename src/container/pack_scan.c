/* What a pack takes from DIR: the run's root files and each trial's files,
 * listed from the directory (nothing is written there); which names these
 * are is run_files.h's rule, which `dckpt ls DIR` follows too. */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "container/pack.h"

void pk_list_free(pk_list *l) {
  for (size_t i = 0; i < l->count; i++)
    free(l->files[i].rel);
  free(l->files);
  memset(l, 0, sizeof *l);
}

static int list_add(pk_list *l, int kind, int64_t alg, int64_t trial, int64_t iteration,
                    const char *rel, uint64_t size, ctr_err *e) {
  if (l->count == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 8;
    pk_file *f = realloc(l->files, cap * sizeof *f);
    if (!f) return ctr_fail(e, DCKPT_ENOMEM, "out of memory");
    l->files = f;
    l->cap = cap;
  }
  char *copy = strdup(rel);
  if (!copy) return ctr_fail(e, DCKPT_ENOMEM, "out of memory");
  l->files[l->count++] = (pk_file){kind, alg, trial, iteration, copy, size};
  return DCKPT_OK;
}

/* Size of a regular file; ENOENT is *missing, other failures an error. */
static int file_size(const char *dir, const char *rel, uint64_t *size, bool *missing,
                     ctr_err *e) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  struct stat st;
  *missing = false;
  if (stat(path, &st) != 0) {
    if (errno == ENOENT) {
      *missing = true;
      return DCKPT_OK;
    }
    return ctr_fail_errno(e, errno, "pack: cannot read '%s'", path);
  }
  if (!S_ISREG(st.st_mode))
    return ctr_fail(e, DCKPT_EINVAL, "pack: '%s' is not a regular file", path);
  *size = (uint64_t)st.st_size;
  return DCKPT_OK;
}

static int add_if_present(const char *dir, pk_list *l, int kind, const char *rel,
                          ctr_err *e) {
  uint64_t size = 0;
  bool missing = false;
  CTR_TRY(file_size(dir, rel, &size, &missing, e));
  return missing ? DCKPT_OK : list_add(l, kind, -1, -1, -1, rel, size, e);
}

typedef struct results_ctx {
  pk_list *l;
  const dckpt_logger *log;
  ctr_err *e;
  int failed; /* list_add's status */
} results_ctx;

static int on_result(void *ctx, const char *rel, const char *full, uint64_t size,
                     const char *why) {
  results_ctx *r = ctx;
  if (why) {
    dckpt_log(r->log, DCKPT_LOG_WARN, "pack: leaving out '%s': %s", full, why);
    return 0;
  }
  r->failed = list_add(r->l, DCKPT_ENTRY_OTHER, -1, -1, -1, rel, size, r->e);
  return r->failed == DCKPT_OK ? 0 : ENOMEM;
}

/* results/... for the regular files under DIR/results whose paths a
 * container may hold, in the order `dckpt ls DIR` lists them (the walk of
 * run_files.h, one rule for both); links, FIFOs, sockets, devices and other
 * names are left out with a warning naming each. */
static int scan_results(const char *dir, pk_list *l, const dckpt_logger *log,
                        ctr_err *e) {
  results_ctx r = {l, log, e, DCKPT_OK};
  char why[4600] = "";
  int rc = ctr_results_walk(dir, on_result, &r, why, sizeof why);
  if (rc == 0) return DCKPT_OK;
  if (r.failed != DCKPT_OK) return r.failed;
  if (rc == EINVAL || rc == ENAMETOOLONG)
    return ctr_fail(e, DCKPT_EINVAL, "pack: %s", why);
  return ctr_fail(e, ctr_status_of_errno(rc), "pack: %s", why);
}

uint64_t pk_format_version(const pk_list *root) {
  for (size_t i = 0; i < root->count; i++)
    if (!strncmp(root->files[i].rel, "results/", 8) &&
        strchr(root->files[i].rel + 8, '/'))
      return CTR_FORMAT_VERSION_NESTED;
  return 2;
}

int pk_scan_root(const char *dir, pk_list *out, const dckpt_logger *log, ctr_err *e) {
  memset(out, 0, sizeof *out);
  static const int kinds[] = {DCKPT_ENTRY_METADATA, DCKPT_ENTRY_PROBLEM,
                              DCKPT_ENTRY_INITIAL, DCKPT_ENTRY_METRICS,
                              DCKPT_ENTRY_METRICS_MARKER};
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    CTR_TRY(add_if_present(dir, out, kinds[i], ctr_root_name(kinds[i]), e));
  if (!out->count || out->files[0].kind != DCKPT_ENTRY_METADATA)
    return ctr_fail(e, DCKPT_ENOENT,
                    "pack: '%s' does not hold a dckpt run: '%s/metadata.json' is missing",
                    dir, dir);
  CTR_TRY(add_if_present(dir, out, DCKPT_ENTRY_OTHER, "run_status.json", e));
  return scan_results(dir, out, log, e);
}

/* ---- trials ---- */

/* The iteration a marker names: complete.json's "iteration", progress.json's
 * "last_completed_iteration"; -1 when the marker is missing. */
static int marker_iteration(const char *tdir, const char *name, const char *key,
                            int64_t *it, ctr_err *e) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", tdir, name);
  *it = -1;
  FILE *f = fopen(path, "rb");
  if (!f)
    return errno == ENOENT ? DCKPT_OK
                           : ctr_fail_errno(e, errno, "pack: cannot open '%s'", path);
  char buf[4096];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  cJSON *j = cJSON_Parse(buf);
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
  bool ok = cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 9e15 &&
            v->valuedouble == (double)(int64_t)v->valuedouble;
  if (ok) *it = (int64_t)v->valuedouble;
  cJSON_Delete(j);
  if (!ok)
    return ctr_fail(e, DCKPT_ECORRUPT,
                    "pack: '%s' does not name an iteration (key \"%s\")", path, key);
  return DCKPT_OK;
}

/* A trial's files in the container's order: metric segments by number,
 * checkpoints by iteration, then progress.json, then complete.json. */
static int rank_of(int kind) {
  switch (kind) {
  case DCKPT_ENTRY_SEGMENT: return 0;
  case DCKPT_ENTRY_CHECKPOINT: return 1;
  case DCKPT_ENTRY_PROGRESS: return 2;
  default: return 3;
  }
}

static int cmp_files(const void *a, const void *b) {
  const pk_file *x = a, *y = b;
  int rx = rank_of(x->kind), ry = rank_of(y->kind);
  if (rx != ry) return (rx > ry) - (rx < ry);
  return (x->iteration > y->iteration) - (x->iteration < y->iteration);
}

/* With final_only, keeps the checkpoint a resume would load (docs/design.md,
 * "Commit protocol"): the one complete.json names, a committed marker whose
 * checkpoint must be there; else, progress.json being a hint, the newest at
 * or below the iteration it names (none when there is none: the trial would
 * start over), or the newest when it cannot be read, as after a power loss. */
static int keep_final(const char *tdir, pk_list *l, const dckpt_logger *log, ctr_err *e) {
  int64_t want = -1;
  CTR_TRY(marker_iteration(tdir, "complete.json", "iteration", &want, e));
  bool complete = want >= 0;
  if (!complete) {
    ctr_err hint = {0};
    if (marker_iteration(tdir, "progress.json", "last_completed_iteration", &want,
                         &hint) != DCKPT_OK) {
      dckpt_log(log, DCKPT_LOG_WARN,
                "%s (a hint, unflushed: packing the newest checkpoint, where a resume "
                "starts)",
                hint.msg);
      want = INT64_MAX;
    }
  }
  size_t keep = l->count; /* index of the kept checkpoint */
  for (size_t i = 0; i < l->count; i++)
    if (l->files[i].kind == DCKPT_ENTRY_CHECKPOINT &&
        (want < 0 ||
         (complete ? l->files[i].iteration == want : l->files[i].iteration <= want)))
      keep = i; /* sorted: the last match is the newest */
  if (complete && keep == l->count)
    return ctr_fail(e, DCKPT_ENOENT,
                    "pack: '%s': complete.json names iteration %lld, whose checkpoint is "
                    "missing; run 'dckpt verify'",
                    tdir, (long long)want);
  size_t out = 0;
  for (size_t i = 0; i < l->count; i++) {
    if (l->files[i].kind == DCKPT_ENTRY_CHECKPOINT && i != keep)
      free(l->files[i].rel);
    else
      l->files[out++] = l->files[i];
  }
  l->count = out;
  return DCKPT_OK;
}

static int classify(const char *tdir, const char *name, int64_t alg, int64_t trial,
                    pk_list *l, const dckpt_logger *log, ctr_err *e) {
  char rel[600];
  int n = snprintf(rel, sizeof rel, "algorithm_%lld/trial_%lld/%s", (long long)alg,
                   (long long)trial, name);
  ctr_run_file f;
  if (n < 0 || (size_t)n >= sizeof rel || !ctr_run_file_parse(rel, (size_t)n, &f)) {
    if (strncmp(name, ".dckpt-tmp.", 11) != 0) /* temporaries are no one's data */
      dckpt_log(log, DCKPT_LOG_WARN, "pack: leaving out '%s/%s' (not a file of the run)",
                tdir, name);
    return DCKPT_OK;
  }
  char full[4600];
  snprintf(full, sizeof full, "%s/%s", tdir, name);
  struct stat st;
  if (stat(full, &st) != 0)
    return ctr_fail_errno(e, errno, "pack: cannot read '%s'", full);
  if (!S_ISREG(st.st_mode))
    return ctr_fail(e, DCKPT_EINVAL, "pack: '%s' is not a regular file", full);
  return list_add(l, f.kind, alg, trial, f.iteration, rel, (uint64_t)st.st_size, e);
}

int pk_scan_trial(const char *dir, int64_t alg, int64_t trial, bool final_only,
                  pk_list *out, const dckpt_logger *log, ctr_err *e) {
  memset(out, 0, sizeof *out);
  char tdir[4200];
  snprintf(tdir, sizeof tdir, "%s/algorithm_%lld/trial_%lld", dir, (long long)alg,
           (long long)trial);
  DIR *d = opendir(tdir);
  if (!d)
    return errno == ENOENT ? DCKPT_OK
                           : ctr_fail_errno(e, errno, "pack: cannot list '%s'", tdir);
  int rc = DCKPT_OK;
  struct dirent *de;
  while (rc == DCKPT_OK && (de = readdir(d)) != NULL)
    if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
      rc = classify(tdir, de->d_name, alg, trial, out, log, e);
  closedir(d);
  if (rc != DCKPT_OK) return rc;
  qsort(out->files, out->count, sizeof *out->files, cmp_files);
  return final_only ? keep_final(tdir, out, log, e) : DCKPT_OK;
}
