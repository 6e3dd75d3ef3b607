/* --verify-against DIR2: the proof that a killed-and-resumed run equals an
 * uninterrupted one. Every trial's final state (iterate, previous iterate,
 * PRNG state, loss history, header) must be equal bit for bit. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "example.h"

typedef struct diff {
  char where[128]; /* "algorithm nesterov, trial 2" */
  char what[320];  /* first difference, empty when none */
} diff;

/* Describes element e of two same-typed arrays that differ there. */
static void describe_element(const dckpt_array_info *x, const dckpt_array_info *y,
                             uint64_t e, diff *d) {
  const unsigned char *px = (const unsigned char *)x->data + e * 8;
  const unsigned char *py = (const unsigned char *)y->data + e * 8;
  if (x->dtype == DCKPT_F64) {
    double u, v;
    memcpy(&u, px, 8);
    memcpy(&v, py, 8);
    snprintf(d->what, sizeof d->what, "array '%s' element %" PRIu64 ": %.17g vs %.17g",
             x->name, e, u, v);
  } else if (x->dtype == DCKPT_U64 || x->dtype == DCKPT_I64) {
    uint64_t u, v;
    memcpy(&u, px, 8);
    memcpy(&v, py, 8);
    snprintf(d->what, sizeof d->what,
             "array '%s' element %" PRIu64 ": 0x%016" PRIx64 " vs 0x%016" PRIx64, x->name,
             e, u, v);
  } else {
    snprintf(d->what, sizeof d->what, "array '%s' element %" PRIu64 " differs", x->name,
             e);
  }
}

/* Finds the first difference between two arrays of the same name. */
static void compare_arrays(const dckpt_array_info *x, const dckpt_array_info *y,
                           diff *d) {
  bool same_shape = x->dtype == y->dtype && x->ndim == y->ndim &&
                    x->nelems == y->nelems &&
                    !memcmp(x->shape, y->shape, sizeof x->shape);
  if (!same_shape) {
    snprintf(d->what, sizeof d->what, "array '%s': %s[%" PRIu64 "] vs %s[%" PRIu64 "]",
             x->name, dckpt_dtype_name(x->dtype), x->nelems, dckpt_dtype_name(y->dtype),
             y->nelems);
    return;
  }
  if (x->nbytes == 0 || !memcmp(x->data, y->data, (size_t)x->nbytes)) return;
  size_t size = dckpt_dtype_size(x->dtype);
  for (uint64_t e = 0; e < x->nelems; e++)
    if (memcmp((const unsigned char *)x->data + e * size,
               (const unsigned char *)y->data + e * size, size)) {
      if (size == 8)
        describe_element(x, y, e, d);
      else
        snprintf(d->what, sizeof d->what, "array '%s' element %" PRIu64 " differs",
                 x->name, e);
      return;
    }
}

/* Compares two records: same arrays in the same order, equal bits, same
 * header. */
static void compare_records(const dckpt_record *a, const dckpt_record *b, diff *d) {
  size_t na = dckpt_record_count(a), nb = dckpt_record_count(b);
  if (na != nb) {
    snprintf(d->what, sizeof d->what, "%zu arrays vs %zu", na, nb);
    return;
  }
  for (size_t i = 0; i < na && !d->what[0]; i++) {
    dckpt_array_info x, y;
    dckpt_record_at(a, i, &x);
    if (dckpt_record_find(b, x.name, &y) != DCKPT_OK)
      snprintf(d->what, sizeof d->what, "array '%s' is missing in the other run", x.name);
    else
      compare_arrays(&x, &y, d);
  }
  if (!d->what[0] && strcmp(dckpt_record_header(a), dckpt_record_header(b)))
    snprintf(d->what, sizeof d->what, "headers differ: %.140s vs %.140s",
             dckpt_record_header(a), dckpt_record_header(b));
}

/* Whether the other run has this run's plan; fills d when not. */
static bool same_plan(const ex_run *run, const dckpt_metadata *m, diff *d) {
  snprintf(d->where, sizeof d->where, "the plan");
  if (m->n_trials != run->n_trials || !m->has_seed || m->rng_seed != run->seed ||
      m->n_algorithms != EX_N_ALGORITHMS) {
    snprintf(d->what, sizeof d->what,
             "%" PRId64 " trials, seed %" PRIu64 ", %d "
             "algorithms vs %" PRId64 " trials, seed %" PRIu64 ", %zu algorithms",
             run->n_trials, run->seed, EX_N_ALGORITHMS, m->n_trials, m->rng_seed,
             m->n_algorithms);
    return false;
  }
  for (size_t a = 0; a < EX_N_ALGORITHMS; a++)
    if (strcmp(m->algorithms[a].name, ex_algorithm_name(a)) ||
        m->algorithms[a].iterations != run->iterations) {
      snprintf(d->what, sizeof d->what,
               "algorithm %zu: %s x %" PRId64 " vs %.60s x %" PRId64, a,
               ex_algorithm_name(a), run->iterations, m->algorithms[a].name,
               m->algorithms[a].iterations);
      return false;
    }
  return true;
}

/* Compares the final state of (alg, t) in both runs. @return 0, or -1 when a
 * final state could not be loaded (the message is printed). */
static int compare_trial(ex_run *run, dckpt_store *other, int64_t alg, int64_t t,
                         diff *d) {
  dckpt_record *a = NULL, *b = NULL;
  snprintf(d->where, sizeof d->where, "algorithm %s, trial %" PRId64,
           ex_algorithm_name((size_t)alg), t + 1);
  int rc = dckpt_store_load_final_state(run->store, alg, t, &a);
  if (rc != DCKPT_OK)
    ex_store_error(run->store, "load final state", rc);
  else if ((rc = dckpt_store_load_final_state(other, alg, t, &b)) != DCKPT_OK)
    ex_store_error(other, "load final state of the other run", rc);
  else
    compare_records(a, b, d);
  dckpt_record_free(a);
  dckpt_record_free(b);
  return rc == DCKPT_OK ? 0 : -1;
}

/* Walks the plan and every trial until the first difference. */
static int compare_runs(ex_run *run, dckpt_store *other, diff *d) {
  dckpt_metadata *meta = NULL;
  int rc = dckpt_store_load_metadata(other, &meta);
  if (rc != DCKPT_OK) return ex_store_error(other, "load the other run's metadata", rc);
  bool same = same_plan(run, meta, d);
  dckpt_metadata_free(meta);
  for (int64_t a = 0; same && a < EX_N_ALGORITHMS; a++)
    for (int64_t t = 0; same && t < run->n_trials; t++) {
      if (compare_trial(run, other, a, t, d) != 0) return EX_EXIT_FAIL;
      same = !d->what[0];
    }
  return same ? EX_EXIT_OK : EX_EXIT_DIFFERENT;
}

int ex_verify_against(ex_run *run, const char *other_dir) {
  dckpt_store_options so;
  dckpt_store_options_init(&so);
  so.flags = DCKPT_OPEN_READ;
  so.log = ex_log;
  so.log_level = run->opts->verbose ? DCKPT_LOG_INFO : DCKPT_LOG_WARN;
  dckpt_store *other = NULL;
  int rc = dckpt_store_open(other_dir, &so, &other);
  if (rc != DCKPT_OK) {
    int status = other ? ex_store_error(other, "open the run to verify against", rc)
                       : EX_EXIT_FAIL;
    dckpt_store_close(other);
    return status;
  }
  diff d = {.what = ""};
  int status = compare_runs(run, other, &d);
  dckpt_store_close(other);
  if (status == EX_EXIT_OK)
    printf("verify against %s: identical (%" PRId64 " final states equal bit for bit: "
           "iterate, previous iterate, PRNG state, loss history)\n",
           other_dir, (int64_t)EX_N_ALGORITHMS * run->n_trials);
  else if (status == EX_EXIT_DIFFERENT)
    printf("verify against %s: DIFFERENT at %s: %s\n", other_dir, d.where, d.what);
  return status;
}
