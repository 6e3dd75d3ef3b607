#define _GNU_SOURCE
#include "io/lock.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io/atomic.h"
#include "io/fs.h"
#include "util/json.h"

/* Reads /proc/<pid>/stat: the state letter (field 3) and the start time
 * (field 22), which follow the command name and its closing ')'. */
static bool read_proc_stat(long pid, char *state, unsigned long long *start) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  FILE *f = fopen(path, "re");
  if (!f) return false;
  char buf[1024];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  char *p = strrchr(buf, ')');
  if (!p || p[1] != ' ') return false;
  *state = p[2];
  p++;
  for (int field = 3; field < 22 && p; field++)
    p = strchr(p + 1, ' ');
  *start = p ? strtoull(p + 1, NULL, 10) : 0;
  return true;
}

unsigned long long dckpt_process_start_time(long pid) {
  char state;
  unsigned long long start = 0;
  return read_proc_stat(pid, &state, &start) ? start : 0;
}

static char *lock_text(const dckpt_lock *lock, const char *job_id) {
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  char when[64];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  cJSON_AddStringToObject(o, "host", lock->host);
  cJSON_AddNumberToObject(o, "pid", (double)lock->pid);
  char start[32];
  snprintf(start, sizeof start, "%llu", lock->pid_start);
  cJSON_AddStringToObject(o, "pid_start", start);
  cJSON_AddStringToObject(o, "job_id", job_id ? job_id : "");
  cJSON_AddStringToObject(o, "started", when);
  char *text = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  return text;
}

/* Publishes `text` as the lock file. With `replace`, an existing lock is
 * overwritten (take-over); otherwise EEXIST when one exists. */
static int publish(const dckpt_lock *lock, const char *text, bool replace,
                   dckpt_err *err) {
  dckpt_io_opts io = {.durable = true, .label = "lock"};
  char *tmpname = dckpt_path_printf("%s.%ld.new", lock->path, lock->pid);
  if (!tmpname) return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  int rc = dckpt_io_write_file(tmpname, text, strlen(text), &io, err);
  if (rc == DCKPT_OK) {
    if (replace) {
      rc = dckpt_io_rename(tmpname, lock->path, true, err);
    } else if (link(tmpname, lock->path) != 0) {
      rc = errno == EEXIST
               ? DCKPT_EEXIST
               : dckpt_err_errno(err, errno, "cannot create lock '%s'", lock->path);
    }
    unlink(tmpname);
  }
  free(tmpname);
  return rc;
}

typedef struct holder {
  const char *host;
  long pid;
  unsigned long long start;
  const char *job;
  const char *since;
} holder;

static void read_holder(const cJSON *o, holder *h) {
  memset(h, 0, sizeof *h);
  const cJSON *v;
  h->host = (v = cJSON_GetObjectItemCaseSensitive(o, "host")) && cJSON_IsString(v)
                ? v->valuestring
                : "?";
  h->pid = (v = cJSON_GetObjectItemCaseSensitive(o, "pid")) && cJSON_IsNumber(v)
               ? (long)v->valuedouble
               : -1;
  v = cJSON_GetObjectItemCaseSensitive(o, "pid_start");
  h->start = v && cJSON_IsString(v) ? strtoull(v->valuestring, NULL, 10) : 0;
  h->job = (v = cJSON_GetObjectItemCaseSensitive(o, "job_id")) && cJSON_IsString(v)
               ? v->valuestring
               : "";
  h->since = (v = cJSON_GetObjectItemCaseSensitive(o, "started")) && cJSON_IsString(v)
                 ? v->valuestring
                 : "?";
}

static bool holder_alive(const holder *h) {
  if (h->pid <= 0) return false;
  if (kill((pid_t)h->pid, 0) != 0 && errno == ESRCH) return false;
  char state = '?';
  unsigned long long start = 0;
  if (!read_proc_stat(h->pid, &state, &start))
    return true; /* cannot tell: assume alive */
  /* A zombie (killed, not yet reaped) holds nothing any more. */
  if (state == 'Z' || state == 'X') return false;
  /* The pid exists; it is the holder only if it started when the holder did. */
  return h->start == 0 || start == 0 || start == h->start;
}

int dckpt_lock_acquire(dckpt_lock *lock, const char *dir, const char *job_id, bool force,
                       const dckpt_logger *log, dckpt_err *err) {
  memset(lock, 0, sizeof *lock);
  lock->path = dckpt_path_join(dir, DCKPT_LOCK_NAME);
  if (!lock->path) return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  if (gethostname(lock->host, sizeof lock->host - 1) != 0) strcpy(lock->host, "unknown");
  lock->pid = (long)getpid();
  lock->pid_start = dckpt_process_start_time(lock->pid);
  char *text = lock_text(lock, job_id);
  if (!text) return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");

  int rc = publish(lock, text, false, err);
  if (rc == DCKPT_EEXIST) {
    cJSON *o = NULL;
    dckpt_err jerr;
    dckpt_err_clear(&jerr);
    int jrc = dckpt_json_load(lock->path, &o, &jerr);
    holder h;
    read_holder(o, &h);
    bool same_host = jrc == DCKPT_OK && strcmp(h.host, lock->host) == 0;
    if (jrc == DCKPT_OK && same_host && !holder_alive(&h)) {
      dckpt_log(
          log, DCKPT_LOG_WARN,
          "taking over stale lock '%s': its holder (pid %ld on %s, job '%s', since %s) "
          "is no longer running",
          lock->path, h.pid, h.host, h.job, h.since);
      rc = publish(lock, text, true, err);
    } else if (force) {
      dckpt_log(log, DCKPT_LOG_WARN,
                "breaking lock '%s' held by pid %ld on %s (job '%s', since %s) as asked",
                lock->path, h.pid, h.host, h.job, h.since);
      rc = publish(lock, text, true, err);
    } else if (jrc != DCKPT_OK) {
      rc = dckpt_err_set(err, DCKPT_ELOCKED,
                         "'%s' exists but cannot be read (%s); if no run uses this "
                         "directory, break the lock",
                         lock->path, jerr.msg);
    } else {
      rc = dckpt_err_set(err, DCKPT_ELOCKED,
                         "'%s' is held by pid %ld on host %s (job '%s', since %s)%s",
                         lock->path, h.pid, h.host, h.job, h.since,
                         same_host ? ", which is still running"
                                   : "; if that run is gone, break the lock");
    }
    cJSON_Delete(o);
  }
  free(text);
  if (rc == DCKPT_OK) lock->held = true;
  return rc;
}

void dckpt_lock_release(dckpt_lock *lock) {
  if (!lock) return;
  if (lock->held) {
    cJSON *o = NULL;
    if (dckpt_json_load(lock->path, &o, NULL) == DCKPT_OK) {
      holder h;
      read_holder(o, &h);
      if (h.pid == lock->pid && strcmp(h.host, lock->host) == 0) unlink(lock->path);
      cJSON_Delete(o);
    }
  }
  lock->held = false;
  free(lock->path);
  lock->path = NULL;
}
