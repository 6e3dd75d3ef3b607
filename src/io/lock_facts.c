#define _GNU_SOURCE
#include "io/lock_facts.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/utf8.h"

/* Reads /proc/<pid>/stat: the state letter (field 3), the kernel's flags
 * (field 9) and the start time (field 22), which follow the command name and
 * its closing ')'. */
static bool read_proc_stat(long pid, char *state, unsigned long *flags,
                           unsigned long long *start) {
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
  *flags = 0;
  for (int field = 3; field < 22 && p; field++) {
    p = strchr(p + 1, ' ');
    if (field == 8 && p) *flags = strtoul(p + 1, NULL, 10);
  }
  *start = p ? strtoull(p + 1, NULL, 10) : 0;
  return true;
}

/* Whether SIGKILL is pending for process `pid` (its "SigPnd" or "ShdPnd"
 * mask in /proc/<pid>/status). */
static bool sigkill_pending(long pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/status", pid);
  FILE *f = fopen(path, "re");
  if (!f) return false;
  char line[256];
  bool pending = false;
  while (!pending && fgets(line, sizeof line, f)) {
    if (strncmp(line, "SigPnd:", 7) != 0 && strncmp(line, "ShdPnd:", 7) != 0) continue;
    unsigned long long mask = strtoull(line + 7, NULL, 16);
    pending = (mask >> (SIGKILL - 1)) & 1u;
  }
  fclose(f);
  return pending;
}

unsigned long long dckpt_process_start_time(long pid) {
  char state;
  unsigned long flags;
  unsigned long long start = 0;
  return read_proc_stat(pid, &state, &flags, &start) ? start : 0;
}

static void utc_iso(time_t t, char *buf, size_t len) {
  struct tm tm;
  if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm)) buf[0] = '\0';
}

/* The host name went into the lock file's and the leases' JSON as its bytes:
 * one that is not UTF-8 (gethostname takes any bytes) made files that
 * Python's json and jq refuse. The same text is compared with a holder's
 * host, so that a holder on this host is still known as one. */
void dckpt_lock_host_name(char *buf, size_t len) {
  char raw[256] = "";
  if (gethostname(raw, sizeof raw - 1) != 0) snprintf(raw, sizeof raw, "unknown");
  (void)dckpt_utf8_mend(raw, buf, len);
}

void dckpt_lock_facts_self(dckpt_lock_facts *f, const char *job_id, bool kernel_lock) {
  memset(f, 0, sizeof *f);
  dckpt_lock_info *i = &f->info;
  dckpt_lock_host_name(i->host, sizeof i->host);
  i->pid = (int64_t)getpid();
  i->pid_start = dckpt_process_start_time((long)i->pid);
  snprintf(i->job_id, sizeof i->job_id, "%s", job_id ? job_id : "");
  utc_iso(time(NULL), i->since, sizeof i->since);
  f->kernel_lock = kernel_lock;
  f->restart = -1;
}

char *dckpt_lock_facts_text(const dckpt_lock_facts *f) {
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  const dckpt_lock_info *i = &f->info;
  char start[32];
  snprintf(start, sizeof start, "%llu", (unsigned long long)i->pid_start);
  bool ok = cJSON_AddStringToObject(o, "host", i->host) &&
            cJSON_AddNumberToObject(o, "pid", (double)i->pid) &&
            cJSON_AddStringToObject(o, "pid_start", start) &&
            cJSON_AddStringToObject(o, "job_id", i->job_id) &&
            cJSON_AddStringToObject(o, "started", i->since) &&
            (!f->kernel_lock || cJSON_AddTrueToObject(o, "kernel_lock"));
  char renewed[64] = "";
  utc_iso((time_t)f->renewed, renewed, sizeof renewed);
  ok = ok && (f->renewed <= 0 || cJSON_AddStringToObject(o, "renewed", renewed));
  ok =
      ok && (f->restart < 0 || cJSON_AddNumberToObject(o, "restart", (double)f->restart));
  char *json = ok ? cJSON_PrintUnformatted(o) : NULL;
  cJSON_Delete(o);
  if (!json) return NULL;
  char *text = NULL;
  if (asprintf(&text, "%s\n", json) < 0) text = NULL;
  cJSON_free(json);
  return text;
}

static void copy_str(const cJSON *o, const char *key, char *out, size_t len) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  snprintf(out, len, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

/* "started": the ISO text the library writes, or a Unix time (older tools). */
static void read_since(const cJSON *o, char *out, size_t len) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "started");
  out[0] = '\0';
  if (cJSON_IsString(v))
    snprintf(out, len, "%s", v->valuestring);
  else if (cJSON_IsNumber(v) && v->valuedouble > 0 && v->valuedouble < 1e12)
    utc_iso((time_t)v->valuedouble, out, len);
}

bool dckpt_lock_facts_parse(const char *text, size_t len, dckpt_lock_facts *f, char *why,
                            size_t whylen) {
  memset(f, 0, sizeof *f);
  f->info.pid = -1;
  f->restart = -1;
  /* A holder writes its facts whole; a reader may still see them cut short
   * or, while a take-over rewrites them, empty. Only a whole object counts. */
  if (len == 0) {
    snprintf(why, whylen, "it is empty");
    return false;
  }
  if (memchr(text, '\0', len) || len > DCKPT_LOCK_FACTS_MAX) {
    snprintf(why, whylen, "it is not a lock file (binary or too large)");
    return false;
  }
  const char *end = NULL;
  cJSON *o = cJSON_ParseWithLengthOpts(text, len, &end, false);
  bool whole = o && cJSON_IsObject(o);
  for (const char *p = end; whole && p && p < text + len; p++)
    whole = *p == ' ' || *p == '\n' || *p == '\r' || *p == '\t';
  if (!whole) {
    snprintf(why, whylen, "it does not hold one JSON object");
    cJSON_Delete(o);
    return false;
  }
  copy_str(o, "host", f->info.host, sizeof f->info.host);
  copy_str(o, "job_id", f->info.job_id, sizeof f->info.job_id);
  read_since(o, f->info.since, sizeof f->info.since);
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "pid");
  if (cJSON_IsNumber(v) && v->valuedouble >= 1 && v->valuedouble <= 4194304.0)
    f->info.pid = (int64_t)v->valuedouble;
  v = cJSON_GetObjectItemCaseSensitive(o, "pid_start");
  if (cJSON_IsString(v)) f->info.pid_start = strtoull(v->valuestring, NULL, 10);
  f->kernel_lock = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "kernel_lock"));
  v = cJSON_GetObjectItemCaseSensitive(o, "renewed");
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  const char *rest =
      cJSON_IsString(v) ? strptime(v->valuestring, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
  if (rest && !*rest) f->renewed = (double)timegm(&tm);
  v = cJSON_GetObjectItemCaseSensitive(o, "restart");
  if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 1e9)
    f->restart = (int64_t)v->valuedouble;
  cJSON_Delete(o);
  return true;
}

bool dckpt_lock_holder_local(const dckpt_lock_facts *f) {
  char self[sizeof f->info.host];
  dckpt_lock_host_name(self, sizeof self);
  return f->info.host[0] && strcmp(self, f->info.host) == 0;
}

bool dckpt_lock_holder_running(const dckpt_lock_facts *f) {
  long pid = (long)f->info.pid;
  if (pid <= 0) return false;
  if (kill((pid_t)pid, 0) != 0 && errno == ESRCH) return false;
  char state = '?';
  unsigned long flags;
  unsigned long long start = 0;
  if (!read_proc_stat(pid, &state, &flags, &start)) return true; /* cannot tell */
  /* A zombie (killed, not yet reaped) holds nothing any more. */
  if (state == 'Z' || state == 'X') return false;
  /* The pid exists; it is the holder only if it started when the holder did. */
  unsigned long long want = f->info.pid_start;
  return want == 0 || start == 0 || start == want;
}

/* PF_EXITING of include/linux/sched.h: the process has begun to exit. */
#define KERNEL_PF_EXITING 0x4ul

bool dckpt_lock_holder_dying(const dckpt_lock_facts *f) {
  long pid = (long)f->info.pid;
  char state = '?';
  unsigned long flags = 0;
  unsigned long long start = 0;
  if (pid <= 0 || !read_proc_stat(pid, &state, &flags, &start)) return false;
  if (f->info.pid_start && start && start != f->info.pid_start) return false;
  return (flags & KERNEL_PF_EXITING) != 0 || sigkill_pending(pid);
}

dckpt_lock_state dckpt_lock_judge(const dckpt_lock_facts *f, dckpt_kernel_lock kernel,
                                  bool shared_locks) {
  if (kernel == DCKPT_KERNEL_HELD) return DCKPT_LOCK_ALIVE;
  if (dckpt_lock_holder_local(f))
    return dckpt_lock_holder_running(f) ? DCKPT_LOCK_ALIVE : DCKPT_LOCK_STALE;
  if (kernel == DCKPT_KERNEL_FREE && f->kernel_lock && shared_locks)
    return DCKPT_LOCK_STALE;
  return DCKPT_LOCK_UNKNOWN;
}
