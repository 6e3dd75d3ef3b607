/* Deadlines for the command line of the dckpt programs: turns what a user
 * writes after --deadline into the absolute time (seconds since the epoch) that
 * dckpt_run_options.deadline wants.
 *
 * This lives in apps/ and not in the library because it reads the environment
 * (SLURM_JOB_ID) and runs a command (scontrol), which the library never does.
 */
#ifndef DCKPT_APPS_DEADLINE_H
#define DCKPT_APPS_DEADLINE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** What the formats look like, for usage messages. */
#define APP_DEADLINE_FORMATS                                                             \
  "+SECONDS or SECONDS (also 90s, 15m, 2h, 1d, H:MM:SS), "                               \
  "YYYY-MM-DDTHH:MM[:SS] (local time), @EPOCH, or slurm (the job's end time)"

/**
 * Parses a deadline argument.
 *
 * Accepted forms:
 *  - relative to `now`: `SECONDS` or `+SECONDS` (decimal, fraction allowed),
 *    with an optional unit `s`, `m`, `h` or `d` (`90s`, `15m`, `2h`), or
 *    `H:MM:SS` (`1:30:00`); must be more than zero;
 *  - an absolute local time `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS`;
 *  - `@EPOCH`: seconds since the epoch (fraction allowed);
 *  - `slurm`: the end time of the current Slurm job (SLURM_JOB_ID), from
 *    `scontrol show job -o $SLURM_JOB_ID` (its EndTime field, local time).
 * Absolute deadlines at or before `now` are refused.
 *
 * @param[in]  arg       the argument as written
 * @param[in]  now       the current time, seconds since the epoch
 * @param[out] deadline  the absolute deadline (untouched on failure)
 * @param[out] err       on failure, a message naming the argument and the cause
 *                       (always NUL-terminated when errlen > 0)
 * @return 0 on success, -1 on failure.
 * Not thread-safe when arg is `slurm` (runs a command with popen).
 */
int app_parse_deadline(const char *arg, double now, double *deadline, char *err,
                       size_t errlen);

/**
 * Finds the end time in the output of `scontrol show job -o ID` (the part of
 * app_parse_deadline that needs no Slurm, exposed for tests).
 * @param[in]  job_id  named in messages
 * @param[in]  text    scontrol's output
 * @param[out] end     seconds since the epoch
 * @return 0, or -1 with a message in err (no EndTime field, EndTime=Unknown, or
 *         a value that is not YYYY-MM-DDTHH:MM:SS).
 */
int app_slurm_end_time(const char *job_id, const char *text, double *end, char *err,
                       size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* DCKPT_APPS_DEADLINE_H */
