/* Internals of `dckpt status`: the collected view of a run and the lock. */
#ifndef DCKPT_CLI_STATUS_H
#define DCKPT_CLI_STATUS_H

#include "cli.h"

/* A named run's folder DIR/runs/<name> (dckpt_run_options.run_name). */
typedef struct cli_named_run {
  char name[DCKPT_RUN_NAME_MAX + 1];
  bool halt;               /* its own HALT is there */
  dckpt_run_status *ended; /* how it last ended; NULL: not yet, or `problem` */
  char problem[600];       /* why its run_status.json or folder is unusable ("": none) */
} cli_named_run;

/* Who holds DIR's lock (dckpt_lock_query; info is NULL when out of memory),
 * which shared runs work on it and which pairs they hold (dckpt_lease_list),
 * and the named runs. */
typedef struct cli_lock_info {
  dckpt_lock_info *info;
  dckpt_lease_entry *leases;
  size_t n_leases;
  cli_named_run *runs;
  size_t n_runs;
} cli_lock_info;

void cli_lock_read(const char *dir, dckpt_store *store, cli_lock_info *lock);
void cli_lock_free(cli_lock_info *lock);
/** The line "lock: ..." for the text report, and those of the shared and
 *  named runs when there are any. */
void cli_lock_print(const cli_lock_info *lock, FILE *out);
/** null when no lock, else the holder's fields, "state" and "stale"
 *  (true/false/null). */
cJSON *cli_lock_to_json(const cli_lock_info *lock);
/** {"runs": [holder...], "pairs": [{"alg","trial","holder"}...]}. */
cJSON *cli_leases_to_json(const cli_lock_info *lock);
/** [{"name", "halt", "ended": run_status or null}...]. */
cJSON *cli_named_runs_to_json(const cli_lock_info *lock);

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
