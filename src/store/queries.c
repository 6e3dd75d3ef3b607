/* Questions about the whole run, answered from the markers: which trials are
 * complete, whether the run has started or is complete. */
#include <stdlib.h>

#include "io/fs.h"
#include "store/store_internal.h"

int dckpt_store_completed_trials(dckpt_store *s, int64_t alg, int64_t n_trials,
                                 int64_t **trials, size_t *count) {
  DCKPT_STORE_NEED(s, "completed_trials", trials);
  DCKPT_STORE_NEED(s, "completed_trials", count);
  *trials = NULL;
  *count = 0;
  if (n_trials < 0)
    return dckpt_store_fail(s, DCKPT_EINVAL, "n_trials must be >= 0, got %lld",
                            (long long)n_trials);
  /* bounded before the allocation, whose size it decides */
  if (n_trials > DCKPT_MAX_TRIALS)
    return dckpt_store_fail(s, DCKPT_ETOOBIG,
                            "completed_trials: n_trials %lld exceeds the limit of %lld",
                            (long long)n_trials, (long long)DCKPT_MAX_TRIALS);
  DCKPT_TRY(dckpt_store_check_ids(s, alg, 0));
  int64_t *out = malloc(((size_t)n_trials + 1) * sizeof *out);
  if (!out) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  for (int64_t t = 0; t < n_trials; t++) {
    bool done = false;
    int rc = dckpt_store_trial_is_complete(s, alg, t, &done);
    if (rc != DCKPT_OK) {
      free(out);
      return rc;
    }
    if (done) out[(*count)++] = t;
  }
  *trials = out;
  return DCKPT_OK;
}

/* Calls fn for every (alg, trial) of the plan until it returns non-OK or
 * sets *stop. */
static int each_trial(dckpt_store *s, int (*fn)(dckpt_store *, int64_t, int64_t, bool *),
                      bool *stop) {
  dckpt_metadata *m = NULL;
  DCKPT_TRY(dckpt_store_read_metadata(s, NULL, &m));
  int rc = DCKPT_OK;
  *stop = false;
  for (size_t a = 0; rc == DCKPT_OK && !*stop && a < m->n_algorithms; a++)
    for (int64_t t = 0; rc == DCKPT_OK && !*stop && t < m->n_trials; t++)
      rc = fn(s, (int64_t)a, t, stop);
  dckpt_metadata_free(m);
  return rc;
}

static int has_checkpoint(dckpt_store *s, int64_t alg, int64_t trial, bool *found) {
  char *dir = dckpt_layout_trial_dir(s, alg, trial);
  if (!dir) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  dckpt_dirlist list;
  int rc = dckpt_src_list(s, dir, &list, &s->err);
  for (size_t i = 0; rc == DCKPT_OK && i < list.count; i++)
    if (dckpt_layout_parse_checkpoint(list.names[i], NULL)) *found = true;
  dckpt_dirlist_free(&list);
  free(dir);
  return rc;
}

static int not_complete(dckpt_store *s, int64_t alg, int64_t trial, bool *found) {
  bool done = false;
  DCKPT_TRY(dckpt_store_trial_is_complete(s, alg, trial, &done));
  *found = !done;
  return DCKPT_OK;
}

int dckpt_store_run_is_started(dckpt_store *s, bool *started) {
  DCKPT_STORE_NEED(s, "run_is_started", started);
  *started = false;
  int rc = each_trial(s, has_checkpoint, started);
  if (rc == DCKPT_ENOENT) rc = DCKPT_OK; /* no run, so not started */
  return rc;
}

int dckpt_store_run_is_complete(dckpt_store *s, bool *completed) {
  DCKPT_STORE_NEED(s, "run_is_complete", completed);
  *completed = false;
  bool missing = false;
  int rc = each_trial(s, not_complete, &missing);
  if (rc == DCKPT_ENOENT) return DCKPT_OK;
  if (rc == DCKPT_OK) *completed = !missing;
  return rc;
}
