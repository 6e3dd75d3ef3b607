/* dckpt status: where every (algorithm, trial) of a run stands, from the
 * completion index and the markers of the pairs it does not list (or, with
 * --deep, every pair's markers); no checkpoint is read. */
#include <stdlib.h>
#include <string.h>

#include "status.h"

static const char status_help[] =
    "Usage: dckpt status DIR|FILE.h5 [--json] [--trials] [--deep]\n"
    "\n"
    "Shows the progress of the run in checkpoint directory DIR, or in a\n"
    "container FILE.h5 made by 'dckpt pack' (read in place): per algorithm\n"
    "the trials complete / in progress / not started and the iterations done\n"
    "against those planned, the totals, whether metrics are computed, and the\n"
    "holder of the lock if a run holds it. Trusts the completion index (after\n"
    "a spot check) for the pairs it lists and reads the progress and\n"
    "completion markers of the others; never reads a checkpoint.\n"
    "\n"
    "Options:\n"
    "  --trials    also list every trial (shown anyway for at most 24 trials)\n"
    "  --json      print one JSON document instead (schema in docs/cli.md)\n"
    "  --deep      read and check every trial's markers, not the index\n"
    "  -h, --help  show this help\n"
    "\n"
    "Exit status: 0 shown, 1 DIR could not be read or some trial's markers\n"
    "are unreadable (those are shown as \"unreadable\" and named on stderr;\n"
    "run 'dckpt verify'), 2 usage error.\n";

const char *status_trial_error(const status_view *v, size_t i) {
  return v->errors ? v->errors[i] : NULL;
}

const char *status_trial_state(const status_view *v, size_t i) {
  if (status_trial_error(v, i)) return "unreadable";
  switch (v->trials[i].state) {
  case DCKPT_TRIAL_COMPLETE: return "complete";
  case DCKPT_TRIAL_IN_PROGRESS: return "in progress";
  case DCKPT_TRIAL_NOT_STARTED: return "not started";
  }
  return "unknown";
}

const char *status_run_state(const status_counts *total) {
  int64_t n =
      total->complete + total->in_progress + total->not_started + total->unreadable;
  if (total->complete == n) return "complete";
  if (total->not_started == n) return "not started";
  return "in progress";
}

/* Adds one trial to the counts. A complete trial counts all planned
 * iterations; one in progress counts last_iteration + 1 (at most planned). */
static void count_trial(status_counts *c, const dckpt_trial_status *t, bool unreadable,
                        int64_t planned) {
  int64_t done = 0;
  if (unreadable) {
    c->unreadable++;
  } else if (t->state == DCKPT_TRIAL_COMPLETE) {
    c->complete++;
    done = planned;
  } else if (t->state == DCKPT_TRIAL_IN_PROGRESS) {
    c->in_progress++;
    done = t->last_iteration + 1 < planned ? t->last_iteration + 1 : planned;
  } else {
    c->not_started++;
  }
  c->iterations_done += done > 0 ? done : 0;
  c->iterations_planned += planned;
}

static void add_counts(status_counts *sum, const status_counts *c) {
  sum->complete += c->complete;
  sum->in_progress += c->in_progress;
  sum->not_started += c->not_started;
  sum->unreadable += c->unreadable;
  sum->iterations_done += c->iterations_done;
  sum->iterations_planned += c->iterations_planned;
}

static int allocate_view(status_view *v) {
  size_t n_algs = v->meta->n_algorithms;
  int64_t n_trials = v->meta->n_trials;
  if (n_trials < 0) {
    cli_error("status", "%s: metadata.json: n_trials is negative (%lld)", v->dir,
              (long long)n_trials);
    return CLI_EXIT_FAIL;
  }
  size_t cells = n_algs * (size_t)n_trials;
  if (n_algs && (uint64_t)n_trials > SIZE_MAX / sizeof(dckpt_trial_status) / n_algs) {
    cli_error("status", "%s: metadata.json: %zu algorithms x %lld trials is too many",
              v->dir, n_algs, (long long)n_trials);
    return CLI_EXIT_FAIL;
  }
  /* no table of error messages unless a trial needs one (note_unreadable):
   * reading an untouched one would fault in a page per 512 trials */
  v->trials = calloc(cells ? cells : 1, sizeof *v->trials);
  v->algs = calloc(n_algs ? n_algs : 1, sizeof *v->algs);
  if (!v->trials || !v->algs) {
    cli_error("status", "out of memory for %zu trial states", cells);
    return CLI_EXIT_FAIL;
  }
  return CLI_EXIT_OK;
}

/* Why trial `i` is unreadable: the scan keeps no message per pair, so the
 * few damaged ones are asked again. */
static int note_unreadable(status_view *v, dckpt_store *store, size_t a, int64_t t,
                           size_t i) {
  size_t cells = v->meta->n_algorithms * (size_t)v->meta->n_trials;
  if (!v->errors) v->errors = calloc(cells, sizeof *v->errors);
  if (!v->errors) {
    cli_error("status", "out of memory for %zu trial states", cells);
    return CLI_EXIT_FAIL;
  }
  dckpt_trial_status again;
  int rc = dckpt_store_trial_status(store, (int64_t)a, t, &again);
  if (rc == DCKPT_OK) rc = again.marker_status;
  if (rc == DCKPT_OK) rc = DCKPT_ECORRUPT; /* repaired meanwhile: say what the scan saw */
  cli_store_error("status", store, v->dir, rc);
  const char *msg = dckpt_store_errmsg(store);
  v->errors[i] = strdup(msg && msg[0] ? msg : dckpt_strerror(rc));
  return v->errors[i] ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

/* A trial whose markers cannot be read is shown as unreadable, with the
 * reason on stderr, and the others are still shown. */
static int collect_trials(status_view *v, dckpt_store *store) {
  int64_t n_trials = v->meta->n_trials;
  size_t cells = v->meta->n_algorithms * (size_t)n_trials;
  dckpt_scan_info_init(&v->scan);
  int rc = dckpt_store_scan(store, v->deep ? DCKPT_SCAN_DEEP : 0, v->trials, cells,
                            &v->scan, NULL);
  if (rc != DCKPT_OK) {
    cli_store_error("status", store, v->dir, rc);
    return CLI_EXIT_FAIL;
  }
  if (v->scan.note[0] && !v->deep) cli_error("status", "note: %s", v->scan.note);
  for (size_t a = 0; a < v->meta->n_algorithms; a++) {
    int64_t planned = v->meta->algorithms[a].iterations;
    for (int64_t t = 0; t < n_trials; t++) {
      size_t i = a * (size_t)n_trials + (size_t)t;
      if (v->trials[i].marker_status != DCKPT_OK &&
          note_unreadable(v, store, a, t, i) != CLI_EXIT_OK)
        return CLI_EXIT_FAIL;
      count_trial(&v->algs[a], &v->trials[i], status_trial_error(v, i) != NULL, planned);
    }
    add_counts(&v->total, &v->algs[a]);
  }
  return CLI_EXIT_OK;
}

static int collect(status_view *v, dckpt_store *store) {
  int rc = dckpt_store_load_metadata(store, &v->meta);
  if (rc != DCKPT_OK) {
    cli_store_error("status", store, v->dir, rc);
    return CLI_EXIT_FAIL;
  }
  int ex = allocate_view(v);
  if (ex == CLI_EXIT_OK) ex = collect_trials(v, store);
  if (ex != CLI_EXIT_OK) return ex;
  rc = dckpt_store_metrics_computed(store, &v->metrics_computed);
  if (rc != DCKPT_OK) {
    cli_store_error("status", store, v->dir, rc);
    return CLI_EXIT_FAIL;
  }
  cli_lock_read(v->dir, store, &v->lock);
  return CLI_EXIT_OK;
}

static void view_free(status_view *v) {
  size_t cells = v->meta ? v->meta->n_algorithms * (size_t)v->meta->n_trials : 0;
  for (size_t i = 0; v->errors && i < cells; i++)
    free(v->errors[i]);
  free(v->errors);
  free(v->trials);
  free(v->algs);
  cli_lock_free(&v->lock);
  dckpt_metadata_free(v->meta);
}

static int run_status(int argc, char **argv) {
  const char *dir = NULL;
  bool json = false, trials = false, deep = false;
  for (int i = 1; i < argc; i++) {
    if (cli_is_help(argv[i])) return cli_print_help(&cli_cmd_status);
    if (strcmp(argv[i], "--json") == 0)
      json = true;
    else if (strcmp(argv[i], "--trials") == 0)
      trials = true;
    else if (strcmp(argv[i], "--deep") == 0)
      deep = true;
    else if (cli_positional("status", argv[i], &dir) != CLI_EXIT_OK)
      return CLI_EXIT_USAGE;
  }
  if (!dir) return cli_usage_error("status", "missing checkpoint directory DIR");

  dckpt_store *store = NULL;
  int ex = cli_open_store("status", dir, DCKPT_OPEN_READ, &store);
  if (ex != CLI_EXIT_OK) return ex;
  status_view v;
  memset(&v, 0, sizeof v);
  v.dir = dir;
  v.deep = deep;
  ex = collect(&v, store);
  dckpt_store_close(store);
  if (ex == CLI_EXIT_OK) {
    if (json)
      ex = status_print_json(&v);
    else
      status_print_text(&v, trials, stdout);
    if (ex == CLI_EXIT_OK && v.total.unreadable > 0) ex = CLI_EXIT_FAIL;
  }
  view_free(&v);
  return ex;
}

const cli_command cli_cmd_status = {
    "status", "progress of every algorithm and trial, metrics, lock", status_help,
    run_status};
