/* The state of a Slurm job, for dckpt_run_options.job_state: whether the job
 * that a pair's lease names still runs (docs/slurm.md, "Job arrays").
 *
 * This lives in apps/ and not in the library because it runs a command
 * (squeue), which the library never does.
 */
#ifndef DCKPT_APPS_SLURM_STATE_H
#define DCKPT_APPS_SLURM_STATE_H

#include "dckpt.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How long an answer about one job is reused, in seconds: a scan of many
 *  leases asks Slurm once per distinct job. */
#define APP_SLURM_STATE_CACHE_SECONDS 5.0

/** Room for app_slurm_job_id's answer. */
#define APP_SLURM_JOB_ID_MAX 48

/**
 * The job id of this process for leases and the lock, from the environment:
 * `<SLURM_ARRAY_JOB_ID>_<SLURM_ARRAY_TASK_ID>` in a task of a job array (one
 * task has the array's own id as SLURM_JOB_ID, and Slurm answers about every
 * task for that id), else SLURM_JOB_ID; NULL outside Slurm.
 * @param[out] buf  where the array form is written (APP_SLURM_JOB_ID_MAX)
 * @return buf, getenv("SLURM_JOB_ID"), or NULL.
 */
const char *app_slurm_job_id(char buf[APP_SLURM_JOB_ID_MAX]);

/** Which incarnation of its job this process is, for
 *  dckpt_store_options.job_restart: SLURM_RESTART_COUNT (how often Slurm has
 *  requeued the job), 0 when unset or not a count. */
int64_t app_slurm_restart_count(void);

/**
 * A dckpt_job_state_fn: asks Slurm (`squeue -h -t all -j JOB_ID -o %T`) for
 * the state of job `job_id` (`1234`, or an array task's `1234_5`); `ctx` is
 * unused (NULL). The answer for each job id is kept for
 * APP_SLURM_STATE_CACHE_SECONDS. A job id of other characters than digits
 * and one '_' is not asked about (UNKNOWN). Thread-safe.
 * @return app_slurm_state_of() of squeue's output; DCKPT_JOB_GONE also when
 *         Slurm says it does not know the job (purged after it ended);
 *         DCKPT_JOB_UNKNOWN when squeue cannot be run or fails otherwise.
 */
dckpt_job_state app_slurm_job_state(const char *job_id, void *ctx);

/**
 * The job state that squeue's `%T` output `text` (one state per line, as
 * RUNNING or CANCELLED; also "CANCELLED by 0") means: GONE when every line
 * is a state of a job that has ended (COMPLETED, FAILED, CANCELLED, TIMEOUT,
 * PREEMPTED, NODE_FAIL, BOOT_FAIL, DEADLINE, OUT_OF_MEMORY, REVOKED);
 * RUNNING when any line is a state of a job that runs or may still run
 * (RUNNING, COMPLETING, PENDING, SUSPENDED, REQUEUED, REQUEUE_HOLD,
 * REQUEUE_FED, RESIZING, CONFIGURING, SIGNALING, STAGE_OUT, STOPPED,
 * SPECIAL_EXIT, RESV_DEL_HOLD); UNKNOWN otherwise (no line, a state not
 * listed here).
 */
dckpt_job_state app_slurm_state_of(const char *text);

#ifdef __cplusplus
}
#endif

#endif /* DCKPT_APPS_SLURM_STATE_H */
