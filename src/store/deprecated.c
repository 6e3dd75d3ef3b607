/* The store names of dckpt 0.1 that 0.2 replaced (dckpt.h, "Deprecated in
 * 0.2, removed in 0.3"): each calls its replacement. Delete this file in
 * 0.3. */
#include "dckpt.h"

int dckpt_store_is_complete(dckpt_store *s, int64_t alg, int64_t trial, bool *complete) {
  return dckpt_store_trial_is_complete(s, alg, trial, complete);
}

int dckpt_store_is_completed(dckpt_store *s, bool *completed) {
  return dckpt_store_run_is_complete(s, completed);
}

int dckpt_store_is_started(dckpt_store *s, bool *started) {
  return dckpt_store_run_is_started(s, started);
}

int dckpt_store_load_result(dckpt_store *s, dckpt_result **out) {
  return dckpt_store_load_results(s, out);
}

int dckpt_store_load_trial_result(dckpt_store *s, int64_t alg, int64_t trial,
                                  dckpt_record **out) {
  return dckpt_store_load_final_state(s, alg, trial, out);
}

const char *dckpt_store_dir(const dckpt_store *s) {
  return dckpt_store_get_dir(s);
}

const char *dckpt_store_results_path(const dckpt_store *s) {
  return dckpt_store_get_results_path(s);
}
