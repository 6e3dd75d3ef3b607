/* dckpt status: who holds DIR's lock, and whether that holder still runs,
 * as the library judges it (dckpt_lock_query). */
#include <stdio.h>
#include <stdlib.h>

#include "status.h"

void cli_lock_read(const char *dir, cli_lock_info *lock) {
  lock->info = NULL;
  if (cli_container_probe(dir)) { /* a container is never locked: no holder */
    lock->info = calloc(1, sizeof *lock->info);
    if (lock->info) lock->info->state = DCKPT_LOCK_NONE;
    return;
  }
  if (dckpt_lock_query(dir, &lock->info) != DCKPT_OK) lock->info = NULL;
}

void cli_lock_free(cli_lock_info *lock) {
  dckpt_free(lock->info);
  lock->info = NULL;
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

void cli_lock_print(const cli_lock_info *lock, FILE *out) {
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
  const char *sep = "";
  fputs("lock:      held by ", out);
  if (i->host[0]) fprintf(out, "%shost %s", sep, i->host), sep = ", ";
  if (i->pid > 0) fprintf(out, "%spid %lld", sep, (long long)i->pid), sep = ", ";
  if (i->job_id[0]) fprintf(out, "%sjob %s", sep, i->job_id), sep = ", ";
  if (i->since[0]) fprintf(out, "%ssince %s", sep, i->since);
  if (i->state == DCKPT_LOCK_STALE) fputs(" (stale: that process is gone)", out);
  fputc('\n', out);
}

cJSON *cli_lock_to_json(const cli_lock_info *lock) {
  const dckpt_lock_info *i = lock->info;
  if (i && i->state == DCKPT_LOCK_NONE) return cJSON_CreateNull();
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
