/* The end of a campaign: the final states of every trial come back through
 * dckpt_store_load_results(), a table of final loss and suboptimality goes to
 * stdout, and a metrics record is saved with dckpt_store_save_metrics(). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example.h"

/* Per-algorithm series gathered from the trials' final states. */
typedef struct alg_metrics {
  double *final_loss;    /* n_trials */
  double *suboptimality; /* n_trials: final loss - f* */
  double *mean_loss;     /* iterations: loss history averaged over trials */
} alg_metrics;

static void mean_std(const double *v, int64_t n, double *mean, double *std) {
  double s = 0.0, q = 0.0;
  for (int64_t i = 0; i < n; i++)
    s += v[i];
  *mean = s / (double)n;
  for (int64_t i = 0; i < n; i++)
    q += (v[i] - *mean) * (v[i] - *mean);
  *std = n > 1 ? sqrt(q / (double)(n - 1)) : 0.0;
}

/* Adds one trial's final state to m: checks that its loss history is whole
 * and that its last entry is the loss of its final iterate. */
static int add_trial(const ex_run *run, const dckpt_record *rec, int64_t t, double *hist,
                     double *x, alg_metrics *m) {
  int64_t k = run->iterations;
  char what[64];
  snprintf(what, sizeof what, "final state of trial %" PRId64, t + 1);
  if (!rec) {
    fprintf(stderr, "dckpt-example: %s: missing\n", what);
    return -1;
  }
  int rc = ex_get(rec, what, "loss", DCKPT_F64, hist, (uint64_t)k);
  if (rc == DCKPT_OK) rc = ex_get(rec, what, "x", DCKPT_F64, x, run->problem.n);
  if (rc != DCKPT_OK) return -1;
  if (lsq_loss(&run->problem, x) != hist[k - 1])
    fprintf(stderr,
            "dckpt-example: trial %" PRId64 ": the last loss in the history is "
            "not the loss of the final iterate\n",
            t + 1);
  m->final_loss[t] = hist[k - 1];
  m->suboptimality[t] = hist[k - 1] - run->f_star;
  for (int64_t i = 0; i < k; i++)
    m->mean_loss[i] += hist[i] / (double)run->n_trials;
  return 0;
}

static int gather(const ex_run *run, const dckpt_result *res, size_t i, alg_metrics *m) {
  double *hist = malloc((size_t)run->iterations * sizeof *hist);
  double *x = malloc(run->problem.n * sizeof *x);
  int rc = hist && x ? 0 : -1;
  if (rc != 0) fprintf(stderr, "dckpt-example: out of memory\n");
  for (int64_t t = 0; rc == 0 && t < run->n_trials; t++)
    rc = add_trial(run, dckpt_result_trial(res, i, t), t, hist, x, m);
  free(hist);
  free(x);
  return rc;
}

static int metrics_alloc(alg_metrics *m, int64_t trials, int64_t iterations) {
  m->final_loss = calloc((size_t)trials, sizeof *m->final_loss);
  m->suboptimality = calloc((size_t)trials, sizeof *m->suboptimality);
  m->mean_loss = calloc((size_t)iterations, sizeof *m->mean_loss);
  if (m->final_loss && m->suboptimality && m->mean_loss) return 0;
  fprintf(stderr, "dckpt-example: out of memory\n");
  return -1;
}

static void metrics_free(alg_metrics *m, size_t count) {
  for (size_t i = 0; m && i < count; i++) {
    free(m[i].final_loss);
    free(m[i].suboptimality);
    free(m[i].mean_loss);
  }
  free(m);
}

static void print_table(const ex_run *run, const dckpt_result *res,
                        const alg_metrics *m) {
  size_t count = dckpt_result_n_algorithms(res);
  printf("\nresults: %" PRId64 " trials x %" PRId64 " iterations per algorithm, "
         "f* = %.6e\n",
         run->n_trials, run->iterations, run->f_star);
  /* Literal header: "±" is two bytes, which printf widths would miscount. */
  printf("  algorithm          final loss (mean ± std)    f(x) - f* (mean ± std)\n");
  for (size_t i = 0; i < count; i++) {
    double lm, ls, sm, ss;
    mean_std(m[i].final_loss, run->n_trials, &lm, &ls);
    mean_std(m[i].suboptimality, run->n_trials, &sm, &ss);
    printf("  %-18s %.4e ± %.2e      %.4e ± %.2e\n", dckpt_result_algorithm_name(res, i),
           lm, ls, sm, ss);
  }
}

/* One record: f_star, and per algorithm <name>.final_loss, .suboptimality
 * (one entry per trial) and .mean_loss (one entry per iteration). */
static int save_metrics(ex_run *run, const dckpt_result *res, const alg_metrics *m) {
  dckpt_record *rec = dckpt_record_create();
  int rc = rec ? dckpt_record_put(rec, "f_star", DCKPT_F64, 0, NULL, &run->f_star)
               : DCKPT_ENOMEM;
  uint64_t t = (uint64_t)run->n_trials, k = (uint64_t)run->iterations;
  for (size_t i = 0; rc == DCKPT_OK && i < dckpt_result_n_algorithms(res); i++) {
    const char *name = dckpt_result_algorithm_name(res, i);
    char key[DCKPT_MAX_NAME];
    snprintf(key, sizeof key, "%s.final_loss", name);
    rc = dckpt_record_put_ref(rec, key, DCKPT_F64, 1, &t, m[i].final_loss);
    snprintf(key, sizeof key, "%s.suboptimality", name);
    if (rc == DCKPT_OK)
      rc = dckpt_record_put_ref(rec, key, DCKPT_F64, 1, &t, m[i].suboptimality);
    snprintf(key, sizeof key, "%s.mean_loss", name);
    if (rc == DCKPT_OK)
      rc = dckpt_record_put_ref(rec, key, DCKPT_F64, 1, &k, m[i].mean_loss);
  }
  if (rc == DCKPT_OK)
    rc = dckpt_record_set_header(rec, "{\"metrics\":[\"final_loss\",\"suboptimality\","
                                      "\"mean_loss\"],\"statistic\":\"per trial\"}");
  if (rc == DCKPT_OK) rc = dckpt_store_save_metrics(run->store, rec);
  int status =
      rc == DCKPT_OK ? EX_EXIT_OK : ex_store_error(run->store, "save metrics", rc);
  dckpt_record_free(rec);
  return status;
}

int ex_report(ex_run *run) {
  dckpt_result *res = NULL;
  int rc = dckpt_store_load_results(run->store, &res);
  if (rc != DCKPT_OK) return ex_store_error(run->store, "load results", rc);
  size_t count = dckpt_result_n_algorithms(res);
  alg_metrics *m = calloc(count + 1, sizeof *m);
  int status = EX_EXIT_FAIL;
  if (count != EX_N_ALGORITHMS || dckpt_result_n_trials(res) != run->n_trials)
    fprintf(stderr,
            "dckpt-example: the results of only %zu of %d algorithms are "
            "complete\n",
            count, EX_N_ALGORITHMS);
  else if (m)
    status = EX_EXIT_OK;
  for (size_t i = 0; status == EX_EXIT_OK && i < count; i++)
    if (metrics_alloc(&m[i], run->n_trials, run->iterations) != 0 ||
        gather(run, res, i, &m[i]) != 0)
      status = EX_EXIT_FAIL;
  if (status != EX_EXIT_OK && count == EX_N_ALGORITHMS && !m)
    fprintf(stderr, "dckpt-example: out of memory\n");
  if (status == EX_EXIT_OK) {
    print_table(run, res, m);
    status = save_metrics(run, res, m);
  }
  metrics_free(m, count);
  dckpt_result_free(res);
  return status;
}
