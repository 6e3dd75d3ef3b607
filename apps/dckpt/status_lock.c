/* dckpt status: who holds DIR/dckpt.lock, and whether that holder still runs.
 * The lock file is read directly (the store API has no query for it); its
 * fields are shown as the library wrote them. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "status.h"

#define LOCK_FILE     "dckpt.lock"
#define LOCK_MAX_SIZE (64 * 1024)

/* Start time of process `pid` (field 22 of /proc/PID/stat, clock ticks since
 * boot), 0 when unknown. Tells a live holder from a reused pid, as the library
 * does when it decides whether a lock is stale. */
static unsigned long long process_start_time(long pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  char *p = strrchr(buf, ')'); /* the command name may hold spaces */
  for (int field = 3; field < 22 && p; field++)
    p = strchr(p + 1, ' ');
  return p ? strtoull(p + 1, NULL, 10) : 0;
}

/* 1 when the holder runs on this host and its process is gone (or its pid now
 * belongs to a younger process), 0 when it runs here and is alive, -1 when
 * this cannot be told from here. */
static int holder_stale(const cJSON *lock) {
  const cJSON *host = cJSON_GetObjectItemCaseSensitive(lock, "host");
  const cJSON *pid = cJSON_GetObjectItemCaseSensitive(lock, "pid");
  const cJSON *start = cJSON_GetObjectItemCaseSensitive(lock, "pid_start");
  char self[256];
  if (!cJSON_IsString(host) || !cJSON_IsNumber(pid) || pid->valuedouble < 1 ||
      pid->valuedouble > 4194304.0)
    return -1;
  if (gethostname(self, sizeof self) != 0) return -1;
  self[sizeof self - 1] = '\0';
  if (strcmp(self, host->valuestring) != 0) return -1;
  long id = (long)pid->valuedouble;
  if (kill((pid_t)id, 0) != 0 && errno == ESRCH) return 1;
  unsigned long long want =
      cJSON_IsString(start) ? strtoull(start->valuestring, NULL, 10) : 0;
  unsigned long long now = process_start_time(id);
  return want != 0 && now != 0 && want != now ? 1 : 0;
}

void cli_lock_read(const char *dir, cli_lock_info *lock) {
  memset(lock, 0, sizeof *lock);
  lock->stale = -1;
  size_t n = strlen(dir) + sizeof "/" LOCK_FILE;
  char *path = malloc(n);
  if (!path) {
    snprintf(lock->error, sizeof lock->error, "out of memory");
    return;
  }
  snprintf(path, n, "%s/%s", dir, LOCK_FILE);
  char *text = cli_read_small_file(path, LOCK_MAX_SIZE);
  if (!text) {
    if (errno != ENOENT) {
      lock->present = true;
      snprintf(lock->error, sizeof lock->error, "%s: %s", path, strerror(errno));
    }
    free(path);
    return;
  }
  free(path);
  lock->present = true;
  lock->json = cJSON_Parse(text);
  if (cJSON_IsObject(lock->json)) {
    lock->stale = holder_stale(lock->json);
    free(text);
  } else {
    cJSON_Delete(lock->json);
    lock->json = NULL;
    lock->raw = text;
  }
}

void cli_lock_free(cli_lock_info *lock) {
  cJSON_Delete(lock->json);
  free(lock->raw);
  lock->json = NULL;
  lock->raw = NULL;
}

/* Prints a field's value: strings as they are, numbers as integers when they
 * are, anything else as compact JSON. */
static void print_field(FILE *out, const cJSON *item) {
  if (cJSON_IsString(item)) {
    fputs(item->valuestring, out);
  } else if (cJSON_IsNumber(item) &&
             item->valuedouble == (double)(long long)item->valuedouble) {
    fprintf(out, "%lld", (long long)item->valuedouble);
  } else {
    char *s = cJSON_PrintUnformatted(item);
    fputs(s ? s : "?", out);
    cJSON_free(s);
  }
}

/* "started" as a date when it is a Unix time, else as written. */
static void print_started(FILE *out, const cJSON *item) {
  if (cJSON_IsNumber(item) && item->valuedouble > 0 && item->valuedouble < 1e12) {
    time_t t = (time_t)item->valuedouble;
    struct tm tm;
    char buf[64];
    if (localtime_r(&t, &tm) && strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %Z", &tm)) {
      fputs(buf, out);
      return;
    }
  }
  print_field(out, item);
}

void cli_lock_print(const cli_lock_info *lock, FILE *out) {
  if (!lock->present) {
    fputs("lock:      none\n", out);
    return;
  }
  if (lock->error[0] || !lock->json) {
    fprintf(out, "lock:      present, unreadable (%s)\n",
            lock->error[0] ? lock->error : "not a JSON object");
    return;
  }
  static const char *const fields[] = {"host", "pid", "job_id", "started"};
  static const char *const labels[] = {"host ", "pid ", "job ", "since "};
  const char *sep = "";
  fputs("lock:      held by ", out);
  for (size_t i = 0; i < 4; i++) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(lock->json, fields[i]);
    if (!item || cJSON_IsNull(item) || (cJSON_IsString(item) && !item->valuestring[0]))
      continue;
    fprintf(out, "%s%s", sep, labels[i]);
    sep = ", ";
    if (i == 3)
      print_started(out, item);
    else
      print_field(out, item);
  }
  if (lock->stale == 1) fputs(" (stale: that process is gone)", out);
  fputc('\n', out);
}

cJSON *cli_lock_to_json(const cli_lock_info *lock) {
  if (!lock->present) return cJSON_CreateNull();
  cJSON *o = lock->json ? cJSON_Duplicate(lock->json, 1) : cJSON_CreateObject();
  if (!lock->json)
    cJSON_AddStringToObject(o, "error",
                            lock->error[0] ? lock->error : "not a JSON object");
  cJSON_AddItemToObject(o, "stale",
                        lock->stale < 0 ? cJSON_CreateNull()
                                        : cJSON_CreateBool(lock->stale == 1));
  return o;
}
