/* The end of a campaign (rank 0): metric histories of every trial gathered
 * into the store's metrics record, then tables and plots. A finished campaign
 * run again finds the metrics record and its files and only prints the table. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "opt/metrics.h"
#include "report/report.h"

/* The campaign's metrics, in memory: per algorithm, the recorded iterations
 * and values[trial][point][metric], and per trial the iteration at which it
 * diverged (-1: it did not), which is computed from the values. */
typedef struct metrics_set {
  size_t n_algs, n_metrics;
  int64_t n_trials;
  char **names;
  int64_t *n_points;
  int64_t **iters;
  double **values;
  int64_t **diverged;
} metrics_set;

static void set_free(metrics_set *m) {
  for (size_t a = 0; m->names && m->iters && m->values && a < m->n_algs; a++) {
    free(m->names[a]);
    free(m->iters[a]);
    free(m->values[a]);
    if (m->diverged) free(m->diverged[a]);
  }
  free(m->names);
  free(m->n_points);
  free(m->iters);
  free(m->values);
  free(m->diverged);
  memset(m, 0, sizeof *m);
}

static int set_alloc(metrics_set *m, size_t n_algs, int64_t n_trials) {
  m->n_algs = n_algs;
  m->n_trials = n_trials;
  m->n_metrics = OPT_N_METRICS;
  m->names = calloc(n_algs + 1, sizeof *m->names);
  m->n_points = calloc(n_algs + 1, sizeof *m->n_points);
  m->iters = calloc(n_algs + 1, sizeof *m->iters);
  m->values = calloc(n_algs + 1, sizeof *m->values);
  m->diverged = calloc(n_algs + 1, sizeof *m->diverged);
  return m->names && m->n_points && m->iters && m->values && m->diverged ? 0 : -1;
}

/* Where each trial diverged: the earliest iteration at which one of its
 * metrics ended non-finite after finite values (report_diverged_at), -1 when
 * none did. */
static int set_divergence(metrics_set *m) {
  for (size_t a = 0; a < m->n_algs; a++) {
    int64_t P = m->n_points[a], T = m->n_trials, *at;
    size_t M = m->n_metrics;
    if (!(at = m->diverged[a] = malloc((size_t)T * sizeof *at + 1))) return -1;
    for (int64_t t = 0; t < T; t++) {
      at[t] = -1;
      for (size_t k = 0; k < M; k++) {
        int64_t i = report_diverged_at(m->values[a] + (size_t)(t * P) * M + k, M, P);
        if (i >= 0 && (at[t] < 0 || m->iters[a][i] < at[t])) at[t] = m->iters[a][i];
      }
    }
  }
  return 0;
}

/* What diverged, for the summary and run_status.json: per algorithm with a
 * diverged trial "'NAME' k of n trials from iteration I" (the earliest); ""
 * when no trial diverged. Cut to `len` at an algorithm's end. */
static void divergence_note(const metrics_set *m, char *note, size_t len) {
  size_t used = 0, left_out = 0;
  note[0] = '\0';
  for (size_t a = 0; a < m->n_algs; a++) {
    int64_t k = 0, first = -1;
    for (int64_t t = 0; t < m->n_trials; t++) {
      int64_t at = m->diverged[a][t];
      if (at < 0) continue;
      k++;
      if (first < 0 || at < first) first = at;
    }
    if (k == 0) continue;
    char one[300];
    int n =
        snprintf(one, sizeof one, "%s'%.127s' %lld of %lld trial(s) from iteration %lld",
                 used ? "; " : "", m->names[a], (long long)k, (long long)m->n_trials,
                 (long long)first);
    if (n > 0 && used + (size_t)n + 64 < len) {
      memcpy(note + used, one, (size_t)n + 1);
      used += (size_t)n;
    } else {
      left_out++;
    }
  }
  if (left_out && used + 40 < len)
    snprintf(note + used, len - used, "; and %zu more algorithm(s)", left_out);
}

/* Whether row j of a trial's metric history (iterations `it`, n rows) is one
 * that a fresh run records: after iteration k with (k + 1) % period == 0, and
 * after the last. A trial that completed and was then grown (--add-iterations)
 * continues from its final record, which also holds the row of its old last
 * iteration; that row is off the grid of the grown run and is skipped, so that
 * a grown campaign reports exactly what a fresh one of its final size does
 * (and its trials line up with trials added at the same time). */
static bool on_grid(const int64_t *it, uint64_t j, uint64_t n, int64_t period) {
  return j + 1 == n || (it[j] + 1) % period == 0;
}

/* One algorithm's histories from its trials' final records. */
static int gather_alg(const dckpt_result *res, size_t a, int64_t period, metrics_set *m,
                      char *err, size_t len) {
  const char *name = dckpt_result_algorithm_name(res, a);
  m->names[a] = strdup(name);
  for (int64_t t = 0; t < m->n_trials; t++) {
    const dckpt_record *r = dckpt_result_trial(res, a, t);
    dckpt_array_info it, val;
    if (dckpt_record_find(r, "_dckpt_metrics_iter", &it) ||
        dckpt_record_find(r, "_dckpt_metrics", &val) || it.dtype != DCKPT_I64 ||
        val.dtype != DCKPT_F64 || it.nelems == 0 ||
        val.nelems != it.nelems * m->n_metrics) {
      snprintf(err, len, "trial %lld of '%s' has no metric history of %zu metrics",
               (long long)t, name, m->n_metrics);
      return -1;
    }
    const int64_t *iv = it.data;
    const double *vv = val.data;
    int64_t P = 0;
    for (uint64_t j = 0; j < it.nelems; j++)
      P += on_grid(iv, j, it.nelems, period);
    if (t == 0) {
      m->n_points[a] = P;
      m->iters[a] = malloc((size_t)P * sizeof(int64_t) + 1);
      m->values[a] =
          malloc((size_t)(m->n_trials * P) * m->n_metrics * sizeof(double) + 1);
      if (!m->iters[a] || !m->values[a]) return snprintf(err, len, "out of memory"), -1;
    } else if (P != m->n_points[a]) {
      snprintf(err, len, "trials of '%s' recorded metrics at different iterations", name);
      return -1;
    }
    int64_t p = 0;
    for (uint64_t j = 0; j < it.nelems; j++) {
      if (!on_grid(iv, j, it.nelems, period)) continue;
      if (t == 0)
        m->iters[a][p] = iv[j];
      else if (m->iters[a][p] != iv[j]) {
        snprintf(err, len, "trials of '%s' recorded metrics at different iterations",
                 name);
        return -1;
      }
      memcpy(m->values[a] + (size_t)(t * P + p) * m->n_metrics, vv + j * m->n_metrics,
             m->n_metrics * sizeof(double));
      p++;
    }
  }
  return 0;
}

static int gather(dckpt_store *s, int64_t period, metrics_set *m, char *err, size_t len) {
  dckpt_result *res = NULL;
  if (dckpt_store_load_results(s, &res) != DCKPT_OK) {
    snprintf(err, len, "%s", dckpt_store_errmsg(s));
    return -1;
  }
  int rc = set_alloc(m, dckpt_result_n_algorithms(res), dckpt_result_n_trials(res));
  for (size_t a = 0; rc == 0 && a < m->n_algs; a++)
    rc = gather_alg(res, a, period, m, err, len);
  dckpt_result_free(res);
  return rc;
}

/* ---- the metrics record: "iterations.<a>" i64[P], "values.<a>" f64[T,P,M] ---- */

static dckpt_record *to_record(const bench_config *cfg, const metrics_set *m) {
  dckpt_record *r = dckpt_record_create();
  cJSON *h = cJSON_CreateObject(), *algs = cJSON_CreateArray();
  cJSON_AddStringToObject(h, "format", "dckpt-bench-metrics");
  cJSON_AddNumberToObject(h, "version", 1);
  cJSON_AddStringToObject(h, "campaign", cfg->campaign);
  cJSON_AddNumberToObject(h, "n_trials", (double)m->n_trials);
  for (size_t a = 0; a < m->n_algs; a++)
    cJSON_AddItemToArray(algs, cJSON_CreateString(m->names[a]));
  cJSON_AddItemToObject(h, "algorithms", algs);
  cJSON_AddItemToObject(h, "metrics",
                        cJSON_CreateStringArray(opt_metric_names, OPT_N_METRICS));
  char *text = cJSON_PrintUnformatted(h);
  int rc = r && text ? dckpt_record_set_header(r, text) : DCKPT_ENOMEM;
  free(text);
  cJSON_Delete(h);
  for (size_t a = 0; rc == DCKPT_OK && a < m->n_algs; a++) {
    char ni[32], nv[32];
    snprintf(ni, sizeof ni, "iterations.%zu", a);
    snprintf(nv, sizeof nv, "values.%zu", a);
    char nd[32];
    snprintf(nd, sizeof nd, "diverged.%zu", a);
    uint64_t shape[3] = {(uint64_t)m->n_trials, (uint64_t)m->n_points[a], m->n_metrics};
    rc = dckpt_record_put_ref(r, ni, DCKPT_I64, 1, &shape[1], m->iters[a]);
    if (!rc) rc = dckpt_record_put_ref(r, nv, DCKPT_F64, 3, shape, m->values[a]);
    if (!rc) rc = dckpt_record_put_ref(r, nd, DCKPT_I64, 1, shape, m->diverged[a]);
  }
  if (rc != DCKPT_OK) {
    dckpt_record_free(r);
    return NULL;
  }
  return r;
}

static int from_record(const dckpt_record *r, metrics_set *m, char *err, size_t len) {
  cJSON *h = cJSON_Parse(dckpt_record_header(r));
  const cJSON *algs = cJSON_GetObjectItemCaseSensitive(h, "algorithms");
  const cJSON *nt = cJSON_GetObjectItemCaseSensitive(h, "n_trials");
  int rc = cJSON_IsArray(algs) && cJSON_IsNumber(nt) ? 0 : -1;
  if (rc == 0)
    rc = set_alloc(m, (size_t)cJSON_GetArraySize(algs), (int64_t)nt->valuedouble);
  size_t a = 0;
  for (const cJSON *n = algs ? algs->child : NULL; rc == 0 && n; n = n->next, a++) {
    char ni[32], nv[32];
    snprintf(ni, sizeof ni, "iterations.%zu", a);
    snprintf(nv, sizeof nv, "values.%zu", a);
    dckpt_array_info it, val;
    m->names[a] = strdup(cJSON_IsString(n) ? n->valuestring : "?");
    if (dckpt_record_find(r, ni, &it) || dckpt_record_find(r, nv, &val) ||
        val.nelems != it.nelems * m->n_metrics * (uint64_t)m->n_trials) {
      rc = -1;
      break;
    }
    m->n_points[a] = (int64_t)it.nelems;
    m->iters[a] = malloc((size_t)it.nbytes + 1);
    m->values[a] = malloc((size_t)val.nbytes + 1);
    if (!m->iters[a] || !m->values[a])
      rc = -1;
    else {
      memcpy(m->iters[a], it.data, (size_t)it.nbytes);
      memcpy(m->values[a], val.data, (size_t)val.nbytes);
    }
  }
  cJSON_Delete(h);
  if (rc) snprintf(err, len, "the metrics record does not have the dckpt-bench layout");
  return rc;
}

/* ---- series for the report: one (algorithm, metric) each ---- */

typedef struct series_set {
  report_series *s;
  double **buf;
  size_t n;
} series_set;

static void series_free(series_set *ss) {
  for (size_t i = 0; i < ss->n; i++)
    free(ss->buf[i]);
  free(ss->buf);
  free(ss->s);
}

static int to_series(const metrics_set *m, series_set *ss) {
  size_t n = m->n_algs * m->n_metrics;
  ss->n = 0;
  ss->s = calloc(n + 1, sizeof *ss->s);
  ss->buf = calloc(n + 1, sizeof *ss->buf);
  if (!ss->s || !ss->buf) return -1;
  for (size_t k = 0; k < m->n_metrics; k++)
    for (size_t a = 0; a < m->n_algs; a++) {
      int64_t P = m->n_points[a], T = m->n_trials;
      double *v = malloc((size_t)(T * P) * sizeof *v + 1);
      if (!v) return -1;
      for (int64_t t = 0; t < T; t++)
        for (int64_t p = 0; p < P; p++)
          v[t * P + p] = m->values[a][(size_t)(t * P + p) * m->n_metrics + k];
      ss->buf[ss->n] = v;
      ss->s[ss->n++] =
          (report_series){m->names[a], opt_metric_names[k], P, m->iters[a], T, v};
    }
  return 0;
}

/* Every file the report writes is there (a kill while drawing leaves some
 * missing, and then everything is drawn again). */
static bool results_present(const char *dir, size_t n_metrics) {
  char path[4200];
  const char *tables[] = {"table.txt", "table.tex", "table.csv"};
  for (size_t i = 0; i < 3; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, tables[i]);
    if (access(path, R_OK) != 0) return false;
  }
  size_t figures =
      (n_metrics + REPORT_METRICS_PER_FIGURE - 1) / REPORT_METRICS_PER_FIGURE;
  for (size_t f = 1; f <= figures; f++) {
    snprintf(path, sizeof path, "%s/plots_fig%zu.png", dir, f);
    if (access(path, R_OK) != 0) return false;
  }
  return true;
}

static int report(const bench_config *cfg, const metrics_set *m, bool draw,
                  const char *note, char *err, size_t len) {
  series_set ss;
  int rc = to_series(m, &ss);
  if (rc) snprintf(err, len, "out of memory");
  int figures = 0;
  /* Files present are not enough: a --results-dir shared with another
   * campaign (or tables copied in) would have been reported "up to date".
   * The tables must be, byte for byte, what these metrics give. */
  if (rc == 0 && !draw && !report_tables_match(cfg->results_dir, ss.s, ss.n)) draw = true;
  if (rc == 0 && draw) rc = report_write_tables(cfg->results_dir, ss.s, ss.n, err, len);
  if (rc == 0 && draw)
    rc = report_write_plots(cfg->results_dir, ss.s, ss.n, &figures, err, len);
  /* The files are the results; the table on stdout is a courtesy, which a
   * closed pipe (a stopped launcher, `| head`) must not turn into a failure. */
  if (rc == 0 && !cfg->quiet) { /* --quiet: only warnings and errors */
    char why[512];
    printf("\n%s: %lld trials per algorithm\n", cfg->campaign, (long long)m->n_trials);
    if (report_print_table(stdout, ss.s, ss.n, why, sizeof why) != 0)
      fprintf(stderr, "dckpt-bench: warning: %s\n", why);
    else if (draw)
      printf("\nwrote %s/table.{txt,tex,csv} and %d figure(s) plots_fig1..%d.png\n",
             cfg->results_dir, figures, figures);
    else
      printf("\nresults are up to date in %s (nothing redrawn)\n", cfg->results_dir);
    if (note[0])
      printf("diverged (a metric ended inf/NaN; an outcome, counted in the tables): %s\n",
             note);
    fflush(stdout);
  }
  series_free(&ss);
  return rc;
}

/* Whether a metrics set stands for the whole campaign of metadata.json:
 * every algorithm, in order, with all its trials, up to its planned last
 * iteration. Anything else (a record left by an older, smaller or unfinished
 * state of the campaign) must not be reported. */
static bool covers(const metrics_set *m, const dckpt_metadata *meta, char *why,
                   size_t len) {
  if (m->n_trials != meta->n_trials) {
    snprintf(why, len, "it has %lld trials per algorithm, the campaign %lld",
             (long long)m->n_trials, (long long)meta->n_trials);
    return false;
  }
  for (size_t a = 0; a < meta->n_algorithms; a++) {
    const dckpt_algorithm_info *info = &meta->algorithms[a];
    if (a >= m->n_algs || !m->names[a] || strcmp(m->names[a], info->name) != 0) {
      snprintf(why, len, "algorithm '%s' is not complete (all %lld trials)", info->name,
               (long long)meta->n_trials);
      return false;
    }
    if (m->n_points[a] < 1 || m->iters[a][m->n_points[a] - 1] != info->iterations - 1) {
      snprintf(why, len, "algorithm '%s' does not reach its iteration %lld", info->name,
               (long long)info->iterations - 1);
      return false;
    }
  }
  if (m->n_algs != meta->n_algorithms) {
    snprintf(why, len, "it has %zu algorithms, the campaign %zu", m->n_algs,
             meta->n_algorithms);
    return false;
  }
  return true;
}

int bench_results(const bench_config *cfg, char *note, size_t notelen, char *err,
                  size_t errlen) {
  dckpt_store_options o;
  dckpt_store_options_init(&o);
  o.compression_level = cfg->compression;
  o.durability = cfg->fsync ? DCKPT_DURABILITY_FULL : DCKPT_DURABILITY_NONE;
  /* Shared runs compute the results one at a time under the lock: the first
   * that gets there computes them, the others find them computed. */
  if (cfg->shared) o.flags |= DCKPT_OPEN_SHARED;
  /* as the run's own open: else a holder that only --break-lock gets past
   * (an unreadable shared-run registration) refused the results for good */
  if (cfg->break_lock) o.flags |= DCKPT_OPEN_BREAK_LOCK;
  dckpt_store *s = NULL;
  int rc = dckpt_store_open(cfg->checkpoint_dir, &o, &s);
  if (rc == DCKPT_OK)
    rc = bench_results_from(cfg, s, note, notelen, err, errlen);
  else
    snprintf(err, errlen, "%s", s ? dckpt_store_errmsg(s) : "out of memory");
  dckpt_store_close(s);
  return rc;
}

int bench_results_from(const bench_config *cfg, dckpt_store *s, char *note,
                       size_t notelen, char *err, size_t errlen) {
  bool writable = (dckpt_store_get_options(s)->flags & DCKPT_OPEN_WRITE) != 0;
  dckpt_metadata *meta = NULL;
  metrics_set m;
  memset(&m, 0, sizeof m);
  char why[512];
  bool computed = false, draw = true;
  int rc = dckpt_store_load_metadata(s, &meta);
  if (rc == DCKPT_OK) rc = dckpt_store_metrics_computed(s, &computed);
  if (rc != DCKPT_OK) {
    snprintf(err, errlen, "%s", s ? dckpt_store_errmsg(s) : "out of memory");
  } else if (computed) {
    /* a record that does not stand for the campaign is computed again */
    dckpt_record *r = NULL;
    computed = dckpt_store_load_metrics(s, &r) == DCKPT_OK &&
               from_record(r, &m, why, sizeof why) == 0 &&
               covers(&m, meta, why, sizeof why);
    if (!computed) {
      fprintf(stderr,
              "dckpt-bench: warning: the stored metrics record does not match the "
              "campaign (%s): computing it again\n",
              r ? why : dckpt_store_errmsg(s));
      set_free(&m);
    }
    dckpt_record_free(r);
    draw = !computed || !results_present(cfg->results_dir, m.n_metrics);
  }
  if (rc == DCKPT_OK && !computed) {
    rc = gather(s, cfg->metrics_period, &m, err, errlen) ? DCKPT_EIO : DCKPT_OK;
    if (rc == DCKPT_OK && !covers(&m, meta, why, sizeof why)) {
      snprintf(err, errlen, "the campaign is not complete: %s", why);
      rc = DCKPT_EINVAL;
    }
    if (rc == DCKPT_OK && set_divergence(&m) != 0)
      rc = DCKPT_ENOMEM, snprintf(err, errlen, "out of memory");
    dckpt_record *r = rc == DCKPT_OK ? to_record(cfg, &m) : NULL;
    if (rc == DCKPT_OK && !r) rc = DCKPT_ENOMEM, snprintf(err, errlen, "out of memory");
    /* a read-only store (a container's) keeps its record as it is */
    if (rc == DCKPT_OK && writable && dckpt_store_save_metrics(s, r) != DCKPT_OK)
      rc = DCKPT_EIO, snprintf(err, errlen, "%s", dckpt_store_errmsg(s));
    dckpt_record_free(r);
  }
  /* a stored record is read for its values: where trials diverged is
   * computed from them (records written before it was kept lack it) */
  if (rc == DCKPT_OK && computed && set_divergence(&m) != 0)
    rc = DCKPT_ENOMEM, snprintf(err, errlen, "out of memory");
  char mine[1024];
  if (!note || notelen == 0) note = mine, notelen = sizeof mine;
  note[0] = '\0';
  if (rc == DCKPT_OK) divergence_note(&m, note, notelen);
  if (rc == DCKPT_OK && report(cfg, &m, draw, note, err, errlen) != 0) rc = DCKPT_EIO;
  set_free(&m);
  dckpt_metadata_free(meta);
  return rc;
}
