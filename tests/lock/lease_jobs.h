/* The scheduler that the lease tests (test_lease.c, lease_race.c) pretend to
 * ask: a job named "gone-*" has ended, "running-*" still runs, any other name
 * is unknown. Header-only, included by one test program each. */
#ifndef DCKPT_TESTS_LOCK_LEASE_JOBS_H
#define DCKPT_TESTS_LOCK_LEASE_JOBS_H

#include <string.h>

#include "io/lock.h"

static inline dckpt_job_state fake_job_state(const char *job, void *ctx) {
  (void)ctx;
  if (!strncmp(job, "gone-", 5)) return DCKPT_JOB_GONE;
  if (!strncmp(job, "running-", 8)) return DCKPT_JOB_RUNNING;
  return DCKPT_JOB_UNKNOWN;
}

/* A renewal older than 60 s is stale; the job names above decide before it. */
static const dckpt_lease_policy policy = {60.0, fake_job_state, NULL};

#endif
