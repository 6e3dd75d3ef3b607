/* dckpt status: the text report and the JSON document. */
#include <inttypes.h>
#include <string.h>

#include "status.h"

/* Show every trial without --trials up to this many (algorithms x trials). */
#define STATUS_AUTO_TRIALS 24

static const char *state_color(const status_view *v, size_t i) {
  if (status_trial_error(v, i)) return CLI_RED;
  switch (v->trials[i].state) {
  case DCKPT_TRIAL_COMPLETE: return CLI_GREEN;
  case DCKPT_TRIAL_IN_PROGRESS: return CLI_YELLOW;
  case DCKPT_TRIAL_NOT_STARTED: break;
  }
  return "0";
}

static int name_width(const status_view *v) {
  size_t w = strlen("algorithm");
  for (size_t a = 0; a < v->meta->n_algorithms; a++) {
    size_t n = strlen(v->meta->algorithms[a].name);
    if (n > w) w = n;
  }
  return w > 60 ? 60 : (int)w;
}

static void print_counts_row(FILE *out, int w, const char *name, const char *iters,
                             const status_counts *c) {
  char complete[48];
  int64_t n = c->complete + c->in_progress + c->not_started + c->unreadable;
  snprintf(complete, sizeof complete, "%" PRId64 "/%" PRId64, c->complete, n);
  fprintf(out, "%-*s  %10s  %8s  %11" PRId64 "  %11" PRId64 "  %" PRId64 "/%" PRId64, w,
          name, iters, complete, c->in_progress, c->not_started, c->iterations_done,
          c->iterations_planned);
  if (c->iterations_planned > 0)
    fprintf(out, " (%.1f%%)",
            100.0 * (double)c->iterations_done / (double)c->iterations_planned);
  fputc('\n', out);
}

static void print_algorithms(const status_view *v, FILE *out) {
  int w = name_width(v);
  fprintf(out, "%-*s  %10s  %8s  %11s  %11s  %s\n", w, "algorithm", "iterations",
          "complete", "in progress", "not started", "iterations done");
  for (size_t a = 0; a < v->meta->n_algorithms; a++) {
    char iters[24];
    snprintf(iters, sizeof iters, "%" PRId64, v->meta->algorithms[a].iterations);
    print_counts_row(out, w, v->meta->algorithms[a].name, iters, &v->algs[a]);
  }
  print_counts_row(out, w, "total", "", &v->total);
}

static void print_trials(const status_view *v, bool color, FILE *out) {
  int w = name_width(v);
  int64_t n_trials = v->meta->n_trials;
  fprintf(out, "\n%-*s  %6s  %-11s  %s\n", w, "algorithm", "trial", "state",
          "last iteration");
  for (size_t a = 0; a < v->meta->n_algorithms; a++) {
    for (int64_t t = 0; t < n_trials; t++) {
      size_t i = a * (size_t)n_trials + (size_t)t;
      char last[24] = "-";
      if (v->trials[i].last_iteration >= 0 && !status_trial_error(v, i))
        snprintf(last, sizeof last, "%" PRId64, v->trials[i].last_iteration);
      fprintf(out, "%-*s  %6" PRId64 "  %s%-11s%s  %14s\n", w,
              v->meta->algorithms[a].name, t, cli_sgr(color, state_color(v, i)),
              status_trial_state(v, i), cli_sgr(color, "0"), last);
    }
  }
}

void status_print_text(const status_view *v, bool trials, FILE *out) {
  bool color = cli_use_color(out);
  const dckpt_metadata *m = v->meta;
  const char *state = status_run_state(&v->total);
  fprintf(out, "directory: %s\n", v->dir);
  fprintf(out, "run:       %s%s%s, %zu algorithms x %" PRId64 " trials",
          cli_sgr(color, strcmp(state, "complete") == 0 ? CLI_GREEN : CLI_YELLOW), state,
          cli_sgr(color, "0"), m->n_algorithms, m->n_trials);
  if (m->has_seed) fprintf(out, ", seed %" PRIu64, m->rng_seed);
  fprintf(out, ", format %d\n", m->format_version);
  fprintf(out, "metrics:   %s\n", v->metrics_computed ? "computed" : "not computed");
  cli_lock_print(&v->lock, out);
  if (v->total.unreadable > 0)
    fprintf(out, "%sunreadable: %" PRId64 " trial%s (see stderr; run 'dckpt verify')%s\n",
            cli_sgr(color, CLI_RED), v->total.unreadable,
            v->total.unreadable == 1 ? "" : "s", cli_sgr(color, "0"));
  fputc('\n', out);
  print_algorithms(v, out);
  uint64_t cells = (uint64_t)m->n_algorithms * (uint64_t)m->n_trials;
  if (trials || (cells > 0 && cells <= STATUS_AUTO_TRIALS)) print_trials(v, color, out);
}

/* ---- JSON ---- */

static cJSON *add_counts(cJSON *o, const status_counts *c) {
  cJSON_AddItemToObject(o, "trials_complete", cli_json_i64(c->complete));
  cJSON_AddItemToObject(o, "trials_in_progress", cli_json_i64(c->in_progress));
  cJSON_AddItemToObject(o, "trials_not_started", cli_json_i64(c->not_started));
  cJSON_AddItemToObject(o, "trials_unreadable", cli_json_i64(c->unreadable));
  cJSON_AddItemToObject(o, "iterations_done", cli_json_i64(c->iterations_done));
  cJSON_AddItemToObject(o, "iterations_planned", cli_json_i64(c->iterations_planned));
  return o;
}

static cJSON *trials_json(const status_view *v, size_t a) {
  cJSON *arr = cJSON_CreateArray();
  int64_t n_trials = v->meta->n_trials;
  for (int64_t t = 0; t < n_trials; t++) {
    size_t i = a * (size_t)n_trials + (size_t)t;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "trial", cli_json_i64(t));
    cJSON_AddStringToObject(o, "state", status_trial_state(v, i));
    cJSON_AddItemToObject(
        o, "last_iteration",
        cli_json_i64(status_trial_error(v, i) ? -1 : v->trials[i].last_iteration));
    if (status_trial_error(v, i))
      cJSON_AddStringToObject(o, "error", status_trial_error(v, i));
    cJSON_AddItemToArray(arr, o);
  }
  return arr;
}

static cJSON *algorithm_json(const status_view *v, size_t a) {
  const dckpt_algorithm_info *alg = &v->meta->algorithms[a];
  cJSON *o = cJSON_CreateObject();
  cJSON_AddItemToObject(o, "index", cli_json_u64((uint64_t)a));
  cJSON_AddStringToObject(o, "name", alg->name);
  cJSON_AddItemToObject(o, "iterations", cli_json_i64(alg->iterations));
  add_counts(o, &v->algs[a]);
  cJSON_AddItemToObject(o, "trials", trials_json(v, a));
  return o;
}

int status_print_json(const status_view *v) {
  const dckpt_metadata *m = v->meta;
  cJSON *doc = cJSON_CreateObject();
  cJSON_AddStringToObject(doc, "dir", v->dir);
  cJSON_AddStringToObject(doc, "state", status_run_state(&v->total));
  cJSON_AddNumberToObject(doc, "format_version", m->format_version);
  cJSON_AddItemToObject(doc, "n_trials", cli_json_i64(m->n_trials));
  cJSON_AddItemToObject(doc, "rng_seed",
                        m->has_seed ? cli_json_u64(m->rng_seed) : cJSON_CreateNull());
  cJSON_AddBoolToObject(doc, "metrics_computed", v->metrics_computed);
  cJSON_AddItemToObject(doc, "lock", cli_lock_to_json(&v->lock));
  cJSON_AddItemToObject(doc, "leases", cli_leases_to_json(&v->lock));
  cJSON_AddItemToObject(doc, "named_runs", cli_named_runs_to_json(&v->lock));
  cJSON_AddItemToObject(doc, "totals", add_counts(cJSON_CreateObject(), &v->total));
  cJSON *scan = cJSON_AddObjectToObject(doc, "scan");
  cJSON_AddBoolToObject(scan, "deep", v->deep);
  cJSON_AddItemToObject(scan, "index_files", cli_json_i64(v->scan.index_files));
  cJSON_AddItemToObject(scan, "listed", cli_json_i64(v->scan.listed));
  cJSON_AddItemToObject(scan, "read", cli_json_i64(v->scan.read));
  cJSON_AddItemToObject(scan, "spot_checked", cli_json_i64(v->scan.spot_checked));
  cJSON_AddStringToObject(scan, "note", v->scan.note);
  cJSON *algs = cJSON_AddArrayToObject(doc, "algorithms");
  for (size_t a = 0; a < m->n_algorithms; a++)
    cJSON_AddItemToArray(algs, algorithm_json(v, a));
  return cli_json_print("status", doc);
}
