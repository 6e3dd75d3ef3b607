/* The state of a Slurm job (slurm_state.h): squeue's answer, mapped to
 * dckpt_job_state and cached per job id for a few seconds. */
#define _GNU_SOURCE
#include "slurm_state.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "command.h"

/* squeue prints one short line per job (more for a whole array) */
#define SQUEUE_OUT_MAX 4096
#define CACHE_SLOTS    64
#define JOB_ID_MAX     48

/* States of a job that has ended and will not run again under its id. */
static const char *const ended[] = {"COMPLETED",     "FAILED",    "CANCELLED", "TIMEOUT",
                                    "PREEMPTED",     "NODE_FAIL", "BOOT_FAIL", "DEADLINE",
                                    "OUT_OF_MEMORY", "REVOKED",   NULL};
/* States of a job that runs, or may still run under its id. */
static const char *const alive[] = {
    "RUNNING",      "COMPLETING",  "PENDING",      "SUSPENDED",     "REQUEUED",
    "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING",     "CONFIGURING",   "SIGNALING",
    "STAGE_OUT",    "STOPPED",     "SPECIAL_EXIT", "RESV_DEL_HOLD", NULL};

static bool listed(const char *const *names, const char *word, size_t len) {
  for (size_t i = 0; names[i]; i++)
    if (strlen(names[i]) == len && !strncmp(names[i], word, len)) return true;
  return false;
}

dckpt_job_state app_slurm_state_of(const char *text) {
  bool any = false, live = false, unknown = false;
  for (const char *p = text; p && *p;) {
    const char *end = strchr(p, '\n');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    const char *w = p;
    while (n > 0 && (*w == ' ' || *w == '\t'))
      w++, n--;
    /* the state is the first word ("CANCELLED by 0") */
    size_t len = strcspn(w, " \t\r\n");
    if (len > n) len = n;
    if (len > 0) {
      any = true;
      if (listed(alive, w, len))
        live = true;
      else if (!listed(ended, w, len))
        unknown = true;
    }
    p = end ? end + 1 : p + strlen(p);
  }
  if (live) return DCKPT_JOB_RUNNING;
  if (!any || unknown) return DCKPT_JOB_UNKNOWN;
  return DCKPT_JOB_GONE;
}

static bool job_id_ok(const char *id) {
  size_t n = id ? strlen(id) : 0;
  if (n == 0 || n >= JOB_ID_MAX || id[0] == '_' || id[n - 1] == '_') return false;
  if (strspn(id, "0123456789_") != n) return false;
  const char *u = strchr(id, '_');
  return !u || !strchr(u + 1, '_');
}

/* Runs squeue for job `id` into buf. @return its wait status, or -1 when it
 * could not be started. */
static int run_squeue(const char *id, char *buf, size_t len) {
  char cmd[128];
  /* the id is digits and one '_' only (job_id_ok) */
  snprintf(cmd, sizeof cmd, "squeue -h -t all -j %s -o %%T 2>&1", id);
  return app_run_capture(cmd, buf, len);
}

static dckpt_job_state ask_slurm(const char *id) {
  char out[SQUEUE_OUT_MAX];
  int status = run_squeue(id, out, sizeof out);
  if (status == -1 || !WIFEXITED(status)) return DCKPT_JOB_UNKNOWN;
  if (WEXITSTATUS(status) != 0)
    /* what squeue says of a job id it does not know (any more) */
    return strstr(out, "Invalid job id") ? DCKPT_JOB_GONE : DCKPT_JOB_UNKNOWN;
  return app_slurm_state_of(out);
}

const char *app_slurm_job_id(char buf[APP_SLURM_JOB_ID_MAX]) {
  const char *job = getenv("SLURM_JOB_ID");
  if (!job || !*job) return NULL;
  const char *arr = getenv("SLURM_ARRAY_JOB_ID"), *task = getenv("SLURM_ARRAY_TASK_ID");
  if (arr && *arr && task && *task) {
    int n = snprintf(buf, APP_SLURM_JOB_ID_MAX, "%s_%s", arr, task);
    if (n > 0 && n < APP_SLURM_JOB_ID_MAX) return buf;
  }
  return job;
}

int64_t app_slurm_restart_count(void) {
  const char *v = getenv("SLURM_RESTART_COUNT");
  if (!v || !*v) return 0;
  char *end = NULL;
  errno = 0;
  long long n = strtoll(v, &end, 10);
  return errno == 0 && end && !*end && n >= 0 && n <= 1000000000LL ? (int64_t)n : 0;
}

typedef struct cached {
  char id[JOB_ID_MAX];
  double when;
  dckpt_job_state state;
} cached;

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static cached cache[CACHE_SLOTS];

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

dckpt_job_state app_slurm_job_state(const char *job_id, void *ctx) {
  (void)ctx;
  if (!job_id_ok(job_id)) return DCKPT_JOB_UNKNOWN;
  /* One lookup at a time: threads asking about the same job wait for the
   * first one's answer instead of running squeue each. */
  pthread_mutex_lock(&cache_mu);
  double t = now_s();
  cached *slot = NULL;
  for (size_t i = 0; i < CACHE_SLOTS; i++) {
    cached *c = &cache[i];
    if (c->id[0] && !strcmp(c->id, job_id) &&
        t - c->when < APP_SLURM_STATE_CACHE_SECONDS) {
      dckpt_job_state st = c->state;
      pthread_mutex_unlock(&cache_mu);
      return st;
    }
    /* the slot to fill: a free one, or the oldest */
    if (!slot || !c->id[0] || (slot->id[0] && c->when < slot->when)) slot = c;
  }
  dckpt_job_state st = ask_slurm(job_id);
  snprintf(slot->id, sizeof slot->id, "%s", job_id);
  slot->when = now_s();
  slot->state = st;
  pthread_mutex_unlock(&cache_mu);
  return st;
}
