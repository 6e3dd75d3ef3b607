/* Internals of `dckpt status`: the collected view of a run and the lock. */
#ifndef DCKPT_CLI_STATUS_H
#define DCKPT_CLI_STATUS_H

#include "cli.h"

/* Who holds DIR's lock (dckpt_lock_query); info is NULL when out of memory. */
typedef struct cli_lock_info {
  dckpt_lock_info *info;
} cli_lock_info;

void cli_lock_read(const char *dir, cli_lock_info *lock);
void cli_lock_free(cli_lock_info *lock);
/** One line "lock: ..." for the text report. */
void cli_lock_print(const cli_lock_info *lock, FILE *out);
/** null when no lock, else the holder's fields, "state" and "stale"
 *  (true/false/null). */
cJSON *cli_lock_to_json(const cli_lock_info *lock);

/* Counts for one algorithm or for the whole run. */
typedef struct status_counts {
  int64_t complete, in_progress, not_started;
  int64_t unreadable; /* markers that could not be read (corrupt JSON, ...) */
  int64_t iterations_done, iterations_planned;
} status_counts;

typedef struct status_view {
  const char *dir;
  dckpt_metadata *meta;
  dckpt_trial_status *trials; /* [alg * n_trials + trial] */
  char **errors;       /* same index: why a trial is unreadable; NULL while none is */
  status_counts *algs; /* per algorithm */
  status_counts total;
  bool metrics_computed;
  cli_lock_info lock;
  bool deep;            /* --deep: every pair's markers, not the index */
  dckpt_scan_info scan; /* what the scan did */
} status_view;

/** Why trial `i` is unreadable, or NULL. */
const char *status_trial_error(const status_view *v, size_t i);
/** Name of trial `i`'s state: "complete", "in progress", "not started" or
 *  "unreadable". */
const char *status_trial_state(const status_view *v, size_t i);
/** Overall state: "complete", "in progress" or "not started". */
const char *status_run_state(const status_counts *total);

void status_print_text(const status_view *v, bool trials, FILE *out);
int status_print_json(const status_view *v);

#endif
