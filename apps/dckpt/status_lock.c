/* dckpt status: who holds DIR's lock, and whether that holder still runs,
 * as the library judges it (dckpt_lock_query); the shared runs and the pairs
 * they hold (dckpt_lease_list); the named runs (DIR/runs). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "status.h"

static int by_name(const void *a, const void *b) {
  return strcmp(((const cli_named_run *)a)->name, ((const cli_named_run *)b)->name);
}

/* The folders of DIR/runs whose names are run names. */
static void read_named_runs(const char *dir, dckpt_store *store, cli_lock_info *lock) {
  char path[4200];
  snprintf(path, sizeof path, "%s/" DCKPT_RUNS_DIR, dir);
  DIR *d = opendir(path);
  if (!d) return;
  size_t cap = 0;
  for (struct dirent *e; (e = readdir(d));) {
    if (!dckpt_run_name_valid(e->d_name)) continue;
    if (lock->n_runs == cap) {
      cap = cap ? 2 * cap : 8;
      cli_named_run *r = realloc(lock->runs, cap * sizeof *r);
      if (!r) break;
      lock->runs = r;
    }
    cli_named_run *r = &lock->runs[lock->n_runs++];
    /* valid: at most DCKPT_RUN_NAME_MAX bytes */
    snprintf(r->name, sizeof r->name, "%.*s", DCKPT_RUN_NAME_MAX, e->d_name);
    struct stat st;
    r->halt = dckpt_halt_path(dir, r->name, path, sizeof path) == DCKPT_OK &&
              stat(path, &st) == 0;
    r->ended = NULL;
    r->problem[0] = '\0';
    /* Only a missing run_status.json means "has not ended yet": a torn or
     * unreadable one, or a file or link where the run's folder belongs
     * (which a run of that name refuses), is said as such. */
    snprintf(path, sizeof path, "%s/" DCKPT_RUNS_DIR "/%s", dir, r->name);
    if (lstat(path, &st) == 0 && !S_ISDIR(st.st_mode)) {
      snprintf(r->problem, sizeof r->problem,
               "'%.400s' is not a folder (%s): no run of that name can start", path,
               S_ISLNK(st.st_mode)   ? "a symbolic link"
               : S_ISREG(st.st_mode) ? "a regular file"
                                     : "a special file");
      continue;
    }
    int rc = dckpt_store_read_named_status(store, r->name, &r->ended);
    if (rc != DCKPT_OK) {
      r->ended = NULL;
      if (rc != DCKPT_ENOENT)
        snprintf(r->problem, sizeof r->problem,
                 "how it last ended is unknown: %.500s (%s)", dckpt_store_errmsg(store),
                 dckpt_err_name(rc));
    }
  }
  closedir(d);
  if (lock->n_runs > 1) qsort(lock->runs, lock->n_runs, sizeof *lock->runs, by_name);
}

void cli_lock_read(const char *dir, dckpt_store *store, cli_lock_info *lock) {
  memset(lock, 0, sizeof *lock);
  if (dckpt_container_probe(dir)) { /* a container is never locked: no holder */
    lock->info = calloc(1, sizeof *lock->info);
    if (lock->info) lock->info->state = DCKPT_LOCK_NONE;
    return;
  }
  if (dckpt_lock_query(dir, &lock->info) != DCKPT_OK) lock->info = NULL;
  if (dckpt_lease_list(dir, &lock->leases, &lock->n_leases) != DCKPT_OK) {
    lock->leases = NULL;
    lock->n_leases = 0;
  }
  read_named_runs(dir, store, lock);
}

void cli_lock_free(cli_lock_info *lock) {
  dckpt_free(lock->info);
  dckpt_free(lock->leases);
  for (size_t i = 0; i < lock->n_runs; i++)
    dckpt_free(lock->runs[i].ended);
  free(lock->runs);
  memset(lock, 0, sizeof *lock);
}

static const char *state_name(dckpt_lock_state s) {
  switch (s) {
  case DCKPT_LOCK_NONE: return "none";
  case DCKPT_LOCK_ALIVE: return "alive";
  case DCKPT_LOCK_STALE: return "stale";
  case DCKPT_LOCK_UNKNOWN: return "unknown";
  default: return "unreadable";
  }
}

/* "host vm, pid 12, job 3, since ..." (and why it is stale). */
static void print_holder(const dckpt_lock_info *i, FILE *out) {
  if (i->state == DCKPT_LOCK_UNREADABLE) {
    fprintf(out, "unreadable (%s)", i->error);
    return;
  }
  const char *sep = "";
  if (i->host[0]) fprintf(out, "%shost %s", sep, i->host), sep = ", ";
  if (i->pid > 0) fprintf(out, "%spid %lld", sep, (long long)i->pid), sep = ", ";
  if (i->job_id[0]) fprintf(out, "%sjob %s", sep, i->job_id), sep = ", ";
  if (i->since[0]) fprintf(out, "%ssince %s", sep, i->since);
  if (i->state == DCKPT_LOCK_STALE) fputs(" (stale: that process is gone)", out);
}

static void print_leases(const cli_lock_info *lock, FILE *out) {
  size_t runs = 0;
  for (size_t k = 0; k < lock->n_leases; k++)
    runs += lock->leases[k].alg < 0;
  if (lock->n_leases == 0) return;
  fprintf(out, "shared:    %zu run%s registered, %zu pair%s held\n", runs,
          runs == 1 ? "" : "s", lock->n_leases - runs,
          lock->n_leases - runs == 1 ? "" : "s");
  for (size_t k = 0; k < lock->n_leases; k++) {
    const dckpt_lease_entry *e = &lock->leases[k];
    if (e->alg < 0)
      fputs("  run:     ", out);
    else
      fprintf(out, "  pair:    (%lld, %lld) held by ", (long long)e->alg,
              (long long)e->trial);
    print_holder(&e->holder, out);
    fputc('\n', out);
  }
}

static void print_named_runs(const cli_lock_info *lock, FILE *out) {
  for (size_t k = 0; k < lock->n_runs; k++) {
    const cli_named_run *r = &lock->runs[k];
    fprintf(out, "named run: %s: ", r->name);
    if (r->ended)
      fprintf(out, "last ended %s (exit %d)%s%s", dckpt_err_name(r->ended->status),
              r->ended->exit_code, r->ended->message[0] ? ": " : "", r->ended->message);
    else if (r->problem[0])
      fputs(r->problem, out);
    else
      fputs("has not ended yet", out);
    if (r->halt) fputs("; its HALT is there (it stops, or will not start)", out);
    fputc('\n', out);
  }
}

void cli_lock_print(const cli_lock_info *lock, FILE *out) {
  print_leases(lock, out);
  print_named_runs(lock, out);
  const dckpt_lock_info *i = lock->info;
  if (!i) {
    fputs("lock:      unknown (out of memory)\n", out);
    return;
  }
  if (i->state == DCKPT_LOCK_NONE) {
    fputs("lock:      none\n", out);
    return;
  }
  if (i->state == DCKPT_LOCK_UNREADABLE) {
    fprintf(out, "lock:      present, unreadable (%s)\n", i->error);
    return;
  }
  fputs("lock:      held by ", out);
  print_holder(i, out);
  fputc('\n', out);
}

static cJSON *holder_json(const dckpt_lock_info *i) {
  cJSON *o = cJSON_CreateObject();
  if (!i || i->state == DCKPT_LOCK_UNREADABLE) {
    cJSON_AddStringToObject(o, "error", i ? i->error : "out of memory");
    cJSON_AddStringToObject(o, "state", "unreadable");
    cJSON_AddNullToObject(o, "stale");
    return o;
  }
  cJSON_AddStringToObject(o, "host", i->host);
  cJSON_AddItemToObject(o, "pid", i->pid > 0 ? cli_json_i64(i->pid) : cJSON_CreateNull());
  if (i->pid_start) {
    char start[32];
    snprintf(start, sizeof start, "%llu", (unsigned long long)i->pid_start);
    cJSON_AddStringToObject(o, "pid_start", start);
  }
  cJSON_AddStringToObject(o, "job_id", i->job_id);
  cJSON_AddItemToObject(o, "started",
                        i->since[0] ? cJSON_CreateString(i->since) : cJSON_CreateNull());
  cJSON_AddStringToObject(o, "state", state_name(i->state));
  cJSON_AddItemToObject(o, "stale",
                        i->state == DCKPT_LOCK_UNKNOWN
                            ? cJSON_CreateNull()
                            : cJSON_CreateBool(i->state == DCKPT_LOCK_STALE));
  return o;
}

cJSON *cli_lock_to_json(const cli_lock_info *lock) {
  const dckpt_lock_info *i = lock->info;
  if (i && i->state == DCKPT_LOCK_NONE) return cJSON_CreateNull();
  return holder_json(i);
}

cJSON *cli_leases_to_json(const cli_lock_info *lock) {
  cJSON *o = cJSON_CreateObject();
  cJSON *runs = cJSON_AddArrayToObject(o, "runs");
  cJSON *pairs = cJSON_AddArrayToObject(o, "pairs");
  for (size_t k = 0; k < lock->n_leases; k++) {
    const dckpt_lease_entry *e = &lock->leases[k];
    if (e->alg < 0) {
      cJSON_AddItemToArray(runs, holder_json(&e->holder));
      continue;
    }
    cJSON *p = cJSON_CreateObject();
    cJSON_AddItemToObject(p, "alg", cli_json_i64(e->alg));
    cJSON_AddItemToObject(p, "trial", cli_json_i64(e->trial));
    cJSON_AddItemToObject(p, "holder", holder_json(&e->holder));
    cJSON_AddItemToArray(pairs, p);
  }
  return o;
}

cJSON *cli_named_runs_to_json(const cli_lock_info *lock) {
  cJSON *a = cJSON_CreateArray();
  for (size_t k = 0; k < lock->n_runs; k++) {
    const cli_named_run *r = &lock->runs[k];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", r->name);
    cJSON_AddBoolToObject(o, "halt", r->halt);
    cJSON_AddItemToObject(
        o, "error", r->problem[0] ? cJSON_CreateString(r->problem) : cJSON_CreateNull());
    if (!r->ended) {
      cJSON_AddNullToObject(o, "ended");
    } else {
      cJSON *e = cJSON_AddObjectToObject(o, "ended");
      cJSON_AddStringToObject(e, "status", dckpt_err_name(r->ended->status));
      cJSON_AddNumberToObject(e, "exit_code", r->ended->exit_code);
      cJSON_AddStringToObject(e, "message", r->ended->message);
      cJSON_AddNumberToObject(e, "finished_at", r->ended->finished_at);
    }
    cJSON_AddItemToArray(a, o);
  }
  return a;
}
