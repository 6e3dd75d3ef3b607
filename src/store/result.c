/* Loading final states: one trial, or the whole run's results. */
#include <stdlib.h>
#include <string.h>

#include "format/record_io.h"
#include "io/path.h"
#include "store/store_internal.h"

int dckpt_store_load_final_state(dckpt_store *s, int64_t alg, int64_t trial,
                                 dckpt_record **out) {
  DCKPT_STORE_NEED(s, "load_final_state", out);
  *out = NULL;
  char *name = NULL;
  int64_t iteration = -1;
  DCKPT_TRY(dckpt_store_read_complete(s, alg, trial, &name, &iteration, NULL));
  char *dir = dckpt_layout_trial_dir(s, alg, trial);
  char *path = dir ? dckpt_path_join(dir, name) : NULL;
  int64_t named = -1;
  dckpt_layout_parse_checkpoint(name, &named);
  dckpt_where w = {DCKPT_KIND_CHECKPOINT, alg, trial, iteration};
  int rc = DCKPT_OK;
  if (!path)
    rc = dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  else if (named != iteration)
    rc = dckpt_store_fail(s, DCKPT_ECORRUPT,
                          "complete.json of algorithm %lld, trial %lld names '%s' but "
                          "iteration %lld",
                          (long long)alg, (long long)trial, name, (long long)iteration);
  else
    rc = dckpt_store_read_record(s, path, &w, out);
  free(name);
  free(dir);
  free(path);
  return rc;
}

typedef struct result_alg {
  int64_t index;
  char *name;
  dckpt_record **trials;
} result_alg;

struct dckpt_result {
  int64_t n_trials;
  size_t count;
  result_alg *algs;
};

void dckpt_result_free(dckpt_result *r) {
  if (!r) return;
  for (size_t i = 0; i < r->count; i++) {
    for (int64_t t = 0; r->algs[i].trials && t < r->n_trials; t++)
      dckpt_record_free(r->algs[i].trials[t]);
    free(r->algs[i].trials);
    free(r->algs[i].name);
  }
  free(r->algs);
  free(r);
}

size_t dckpt_result_n_algorithms(const dckpt_result *r) {
  return r ? r->count : 0;
}
int64_t dckpt_result_algorithm_index(const dckpt_result *r, size_t i) {
  return r && i < r->count ? r->algs[i].index : -1;
}
const char *dckpt_result_algorithm_name(const dckpt_result *r, size_t i) {
  return r && i < r->count ? r->algs[i].name : NULL;
}
int64_t dckpt_result_n_trials(const dckpt_result *r) {
  return r ? r->n_trials : 0;
}
const dckpt_record *dckpt_result_trial(const dckpt_result *r, size_t i, int64_t trial) {
  if (!r || i >= r->count || trial < 0 || trial >= r->n_trials) return NULL;
  return r->algs[i].trials[trial];
}

/* Whether every trial of `alg` is complete and was completed under its name.
 * Logs the reason when not. */
static int algorithm_ready(dckpt_store *s, const dckpt_metadata *m, size_t alg,
                           bool *ready) {
  *ready = false;
  int64_t *done = NULL;
  size_t count = 0;
  DCKPT_TRY(dckpt_store_completed_trials(s, (int64_t)alg, m->n_trials, &done, &count));
  free(done);
  const char *name = m->algorithms[alg].name;
  if ((int64_t)count != m->n_trials) {
    dckpt_log(&s->log, DCKPT_LOG_WARN,
              "algorithm '%s' has %zu of %lld trials complete; its results are skipped",
              name, count, (long long)m->n_trials);
    return DCKPT_OK;
  }
  for (int64_t t = 0; t < m->n_trials; t++) {
    char *seen = NULL;
    DCKPT_TRY(dckpt_store_read_complete(s, (int64_t)alg, t, NULL, NULL, &seen));
    bool same = strcmp(seen, name) == 0;
    if (!same)
      dckpt_log(&s->log, DCKPT_LOG_WARN,
                "trial %lld of algorithm %zu was completed by '%s', not '%s'; the "
                "algorithm's results are skipped",
                (long long)t, alg, seen, name);
    free(seen);
    if (!same) return DCKPT_OK;
  }
  *ready = true;
  return DCKPT_OK;
}

static int load_algorithm(dckpt_store *s, const dckpt_metadata *m, size_t alg,
                          result_alg *out) {
  out->index = (int64_t)alg;
  out->name = strdup(m->algorithms[alg].name);
  out->trials = calloc((size_t)m->n_trials + 1, sizeof *out->trials);
  if (!out->name || !out->trials)
    return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  for (int64_t t = 0; t < m->n_trials; t++)
    DCKPT_TRY(dckpt_store_load_final_state(s, (int64_t)alg, t, &out->trials[t]));
  return DCKPT_OK;
}

int dckpt_store_load_results(dckpt_store *s, dckpt_result **out) {
  DCKPT_STORE_NEED(s, "load_results", out);
  *out = NULL;
  dckpt_metadata *m = NULL;
  DCKPT_TRY(dckpt_store_read_metadata(s, NULL, &m));
  dckpt_result *r = calloc(1, sizeof *r);
  int rc = DCKPT_OK;
  if (r) r->algs = calloc(m->n_algorithms + 1, sizeof *r->algs);
  if (!r || !r->algs) rc = dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  if (r) r->n_trials = m->n_trials;
  for (size_t a = 0; rc == DCKPT_OK && a < m->n_algorithms; a++) {
    bool ready = false;
    rc = algorithm_ready(s, m, a, &ready);
    if (rc == DCKPT_OK && ready) rc = load_algorithm(s, m, a, &r->algs[r->count++]);
  }
  dckpt_metadata_free(m);
  if (rc != DCKPT_OK) {
    dckpt_result_free(r);
    return rc;
  }
  *out = r;
  return DCKPT_OK;
}
