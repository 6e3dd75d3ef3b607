/* The dckpt_algorithm callbacks shared by every method: a trial's state is a
 * few N x d arrays named by the method table, plus counters; create draws the
 * starting points, save/load move everything that the next iteration reads,
 * so a restored trial continues bit for bit. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opt/algo_internal.h"
#include "opt/metrics.h"
#include "opt/objective.h"
#include "opt/util.h"

static const opt_method_desc methods[] = {
    {OPT_DGD, "dgd", 1, {"x"}, 0.5, NULL, opt_step_dgd},
    {OPT_ATC, "atc", 1, {"x"}, 0.5, NULL, opt_step_atc},
    {OPT_EXTRA,
     "extra",
     4,
     {"x", "x_prev", "wx_prev", "g_prev"},
     0.5,
     NULL,
     opt_step_extra},
    {OPT_DIGING, "diging", 3, {"x", "y", "g"}, 0.3, NULL, opt_step_diging},
    {OPT_NIDS, "nids", 3, {"x", "x_prev", "g_prev"}, 1.0, NULL, opt_step_nids},
    {OPT_ADMM, "admm", 3, {"x", "phi", "nsum"}, 0.0, opt_prepare_admm, opt_step_admm},
};
#define N_METHODS (sizeof methods / sizeof methods[0])

const opt_method_desc *opt_method_lookup(opt_method m) {
  for (size_t i = 0; i < N_METHODS; i++)
    if (methods[i].method == m) return &methods[i];
  return NULL;
}

const char *opt_method_name(opt_method m) {
  const opt_method_desc *d = opt_method_lookup(m);
  return d ? d->name : NULL;
}

int opt_method_parse(const char *name, opt_method *out) {
  if (!name) return DCKPT_EINVAL;
  if (strcmp(name, "gradient_tracking") == 0) name = "diging";
  for (size_t i = 0; i < N_METHODS; i++)
    if (strcmp(methods[i].name, name) == 0) {
      *out = methods[i].method;
      return DCKPT_OK;
    }
  return DCKPT_EINVAL;
}

/* A callback's failure: the reason goes to the runner (dckpt_run_fail_reason:
 * the run's report and run_status.json, next to the algorithm and trial it
 * names already) and is kept with the algorithm's configuration for
 * opt_algorithm_last_error (callbacks called outside dckpt_run, as the unit
 * tests do, where the runner refuses a reason). */
static int trial_fail(const dckpt_trial_info *info, int status, const char *what,
                      const char *why) {
  opt_config *cfg = info->user;
  if (cfg)
    snprintf(cfg->last_error, sizeof cfg->last_error, "%.120s (trial %lld): %.360s", what,
             (long long)info->trial, why);
  (void)dckpt_run_fail_reason(info, "%s (%s)", why, dckpt_err_name(status));
  return status;
}

static void state_free(opt_state *s) {
  if (!s) return;
  for (int b = 0; b < OPT_MAX_BUFS; b++)
    free(s->buf[b]);
  free(s->tmp);
  free(s->tmp2);
  free(s->work);
  free(s->rows);
  free(s->factor);
  free(s->rhs0);
  free(s);
}

/* Rows are drawn with replacement, so any batch would run; one larger than
 * every agent's block only costs time (batch 1e9: 8 GB of row indices and
 * 10^9 samples per agent per iteration, a run that never ends). */
static int check_problem(const opt_config *cfg, const opt_problem *p, char *why,
                         size_t len) {
  size_t most = 0;
  for (size_t i = 0; i < p->n_agents; i++)
    if ((size_t)(p->agent_rows[i + 1] - p->agent_rows[i]) > most)
      most = (size_t)(p->agent_rows[i + 1] - p->agent_rows[i]);
  if (cfg->batch > 0 && (uint64_t)cfg->batch > most) {
    snprintf(why, len,
             "hyperparameter batch = %lld is more than the %zu rows of the largest "
             "agent's block (use batch 0 for the full gradient)",
             (long long)cfg->batch, most);
    return DCKPT_EINVAL;
  }
  return DCKPT_OK;
}

int opt_algorithm_check_problem(const dckpt_algorithm *alg, const opt_problem *p,
                                char *why, size_t len) {
  return check_problem(alg->user, p, why, len);
}

/* A state with zeroed arrays for the problem of info, steps resolved. */
static int state_alloc(const dckpt_trial_info *info, opt_state **out) {
  const opt_config *cfg = info->user;
  char why[512];
  *out = NULL;
  opt_state *s = calloc(1, sizeof *s);
  if (!s) return trial_fail(info, DCKPT_ENOMEM, cfg->name, "out of memory");
  int rc = opt_problem_view(info->problem, &s->prob, why, sizeof why);
  if (rc != DCKPT_OK) {
    free(s);
    return trial_fail(info, rc, cfg->name, why);
  }
  rc = check_problem(cfg, &s->prob, why, sizeof why);
  if (rc != DCKPT_OK) {
    free(s);
    return trial_fail(info, rc, cfg->name, why);
  }
  s->cfg = cfg;
  s->desc = opt_method_lookup(cfg->method);
  s->n = s->prob.n_agents;
  s->d = s->prob.d;
  s->nd = s->n * s->d;
  s->alpha = cfg->alpha > 0 ? cfg->alpha : cfg->alpha_scale / s->prob.L_max;
  s->rho = cfg->rho > 0 ? cfg->rho : cfg->rho_scale * s->prob.L_max;
  bool ok = true;
  for (int b = 0; b < s->desc->n_bufs; b++)
    if (!(s->buf[b] = opt_alloc_f64(s->nd))) ok = false;
  s->tmp = opt_alloc_f64(s->nd);
  s->tmp2 = opt_alloc_f64(s->nd);
  s->work = opt_alloc_f64(s->d * s->d + 4 * s->d);
  s->rows = calloc(cfg->batch > 0 ? (size_t)cfg->batch : 1, sizeof *s->rows);
  if (!ok || !s->tmp || !s->tmp2 || !s->work || !s->rows) {
    state_free(s);
    return trial_fail(info, DCKPT_ENOMEM, cfg->name, "out of memory");
  }
  *out = s;
  return DCKPT_OK;
}

static int state_prepare(const dckpt_trial_info *info, opt_state *s) {
  if (!s->desc->prepare) return DCKPT_OK;
  int rc = s->desc->prepare(s);
  if (rc != DCKPT_OK)
    return trial_fail(info, rc, s->cfg->name,
                      rc == DCKPT_ENOMEM
                          ? "out of memory"
                          : "the ADMM x-update matrix is not positive definite");
  return DCKPT_OK;
}

static int cb_create(const dckpt_trial_info *info, dckpt_rng *rng, void **state) {
  opt_state *s;
  int rc = state_alloc(info, &s);
  if (rc != DCKPT_OK) return rc;
  /* Trials differ by their starting points: x_i^0 ~ N(0, sigma^2 I), drawn
   * agent by agent. */
  for (size_t k = 0; k < s->nd; k++)
    s->buf[0][k] = s->cfg->sigma * dckpt_rng_normal(rng);
  rc = state_prepare(info, s);
  if (rc != DCKPT_OK) {
    state_free(s);
    return rc;
  }
  *state = s;
  return DCKPT_OK;
}

static int cb_step(const dckpt_trial_info *info, void *state, int64_t k, dckpt_rng *rng) {
  opt_state *s = state;
  if (k != s->t) {
    char why[128];
    snprintf(why, sizeof why, "asked for iteration %lld but the state has done %lld",
             (long long)k, (long long)s->t);
    return trial_fail(info, DCKPT_EINVAL, s->cfg->name, why);
  }
  int rc = s->desc->step(s, rng);
  if (rc != DCKPT_OK) return trial_fail(info, rc, s->cfg->name, "the update failed");
  s->t++;
  return DCKPT_OK;
}

static void cb_destroy(const dckpt_trial_info *info, void *state) {
  (void)info;
  state_free(state);
}

/* ---- checkpoints ---- */

static int cb_save(const dckpt_trial_info *info, const void *state, dckpt_record *rec) {
  const opt_state *s = state;
  uint64_t shape[2] = {s->n, s->d};
  int64_t counters[3] = {s->t, s->grad_evals, s->messages};
  double steps[2] = {s->alpha, s->rho};
  char header[160];
  snprintf(header, sizeof header, "{\"method\":\"%s\",\"agents\":%zu,\"dim\":%zu}",
           s->desc->name, s->n, s->d);
  int rc = dckpt_record_set_header(rec, header);
  /* Borrowed, not copied: the runner saves the record before the next step. */
  for (int b = 0; rc == DCKPT_OK && b < s->desc->n_bufs; b++)
    rc = dckpt_record_put_ref(rec, s->desc->bufs[b], DCKPT_F64, 2, shape, s->buf[b]);
  if (rc == DCKPT_OK) rc = dckpt_record_put_i64(rec, "counters", counters, 3);
  if (rc == DCKPT_OK) rc = dckpt_record_put_f64(rec, "steps", steps, 2);
  if (rc != DCKPT_OK) return trial_fail(info, rc, s->cfg->name, dckpt_record_errmsg(rec));
  return DCKPT_OK;
}

static int check_saved_method(const dckpt_record *rec, const opt_state *s, char *why,
                              size_t len) {
  cJSON *h = cJSON_Parse(dckpt_record_header(rec));
  const cJSON *m = cJSON_GetObjectItemCaseSensitive(h, "method");
  int ok = cJSON_IsString(m) && strcmp(m->valuestring, s->desc->name) == 0;
  cJSON_Delete(h);
  if (!ok) snprintf(why, len, "the checkpoint is not a '%s' state", s->desc->name);
  return ok ? DCKPT_OK : DCKPT_EMISMATCH;
}

/* A checkpoint written with other step sizes would continue a different run:
 * refuse it rather than mix two configurations. */
static int check_saved_steps(const double steps[2], const opt_state *s, char *why,
                             size_t len) {
  if (steps[0] == s->alpha && steps[1] == s->rho) return DCKPT_OK;
  snprintf(why, len,
           "the checkpoint was written with alpha = %.17g, rho = %.17g but the "
           "configuration gives alpha = %.17g, rho = %.17g",
           steps[0], steps[1], s->alpha, s->rho);
  return DCKPT_EMISMATCH;
}

/* dckpt_record_get() saying in `why` which array is missing or mismatched
 * (the const record keeps no message). */
static int get_array(const dckpt_record *rec, const char *name, dckpt_dtype dtype,
                     void *out, uint64_t n, char *why, size_t len) {
  int rc = dckpt_record_get(rec, name, dtype, out, n);
  if (rc == DCKPT_ENOENT)
    snprintf(why, len, "the checkpoint has no array '%s'", name);
  else if (rc != DCKPT_OK)
    snprintf(why, len, "the checkpoint's array '%s' is not %s[%llu]", name,
             dckpt_dtype_name(dtype), (unsigned long long)n);
  return rc;
}

static int restore(const dckpt_record *rec, opt_state *s, char *why, size_t len) {
  int64_t counters[3];
  double steps[2];
  int rc = check_saved_method(rec, s, why, len);
  for (int b = 0; rc == DCKPT_OK && b < s->desc->n_bufs; b++)
    rc = get_array(rec, s->desc->bufs[b], DCKPT_F64, s->buf[b], s->nd, why, len);
  if (rc == DCKPT_OK) rc = get_array(rec, "counters", DCKPT_I64, counters, 3, why, len);
  if (rc == DCKPT_OK) rc = get_array(rec, "steps", DCKPT_F64, steps, 2, why, len);
  if (rc == DCKPT_OK) rc = check_saved_steps(steps, s, why, len);
  if (rc == DCKPT_OK) {
    s->t = counters[0];
    s->grad_evals = counters[1];
    s->messages = counters[2];
  }
  return rc;
}

static int cb_load(const dckpt_trial_info *info, const dckpt_record *rec, void **state) {
  opt_state *s;
  int rc = state_alloc(info, &s);
  if (rc != DCKPT_OK) return rc;
  char why[512] = "";
  rc = restore(rec, s, why, sizeof why);
  if (rc != DCKPT_OK) rc = trial_fail(info, rc, s->cfg->name, why);
  if (rc == DCKPT_OK) rc = state_prepare(info, s);
  if (rc != DCKPT_OK) {
    state_free(s);
    return rc;
  }
  *state = s;
  return DCKPT_OK;
}

/* ---- the factory ---- */

int opt_make_algorithm(const char *kind, const char *name, const cJSON *hyper,
                       int64_t iterations, dckpt_algorithm *out, char *err,
                       size_t errlen) {
  memset(out, 0, sizeof *out);
  opt_method m;
  if (opt_method_parse(kind, &m) != DCKPT_OK)
    return opt_fail(err, errlen, DCKPT_EINVAL,
                    "unknown algorithm '%s' (known: dgd, atc, extra, diging, nids, admm)",
                    kind ? kind : "(null)");
  if (!name || !*name)
    return opt_fail(err, errlen, DCKPT_EINVAL, "%s: the algorithm needs a name", kind);
  if (iterations < 1)
    return opt_fail(err, errlen, DCKPT_EINVAL, "%s: iterations = %lld must be >= 1", name,
                    (long long)iterations);
  opt_config *cfg = calloc(1, sizeof *cfg);
  if (!cfg) return opt_fail(err, errlen, DCKPT_ENOMEM, "out of memory");
  int rc = opt_config_parse(m, hyper, cfg, err, errlen);
  if (rc == DCKPT_OK && !(cfg->name = strdup(name)))
    rc = opt_fail(err, errlen, DCKPT_ENOMEM, "out of memory");
  if (rc != DCKPT_OK) {
    free(cfg->hyper_json);
    free(cfg);
    return rc;
  }
  out->name = cfg->name;
  out->iterations = iterations;
  out->hyperparameters = cfg->hyper_json;
  snprintf(cfg->config_json, sizeof cfg->config_json, "{\"method\":\"%s\"}",
           opt_method_name(m));
  out->config = cfg->config_json;
  out->user = cfg;
  out->create = cb_create;
  out->step = cb_step;
  out->save = cb_save;
  out->load = cb_load;
  out->destroy = cb_destroy;
  out->n_metrics = OPT_N_METRICS;
  out->metric_names = opt_metric_names;
  out->metrics = opt_metrics;
  return DCKPT_OK;
}

const char *opt_algorithm_last_error(const dckpt_algorithm *alg) {
  const opt_config *cfg = alg ? alg->user : NULL;
  return cfg ? cfg->last_error : "";
}

void opt_algorithm_release(dckpt_algorithm *alg) {
  if (!alg) return;
  opt_config *cfg = alg->user;
  if (cfg) {
    free(cfg->name);
    free(cfg->hyper_json);
    free(cfg);
  }
  memset(alg, 0, sizeof *alg);
}

/* ---- accessors ---- */

const double *opt_state_iterates(const void *state, size_t *n, size_t *d) {
  const opt_state *s = state;
  if (n) *n = s->n;
  if (d) *d = s->d;
  return s->buf[0];
}

int64_t opt_state_gradient_evaluations(const void *state) {
  return ((const opt_state *)state)->grad_evals;
}

int64_t opt_state_messages(const void *state) {
  return ((const opt_state *)state)->messages;
}

double opt_state_step_size(const void *state) {
  const opt_state *s = state;
  return s->cfg->method == OPT_ADMM ? s->rho : s->alpha;
}

/* ---- helpers of the updates ---- */

void opt_draw_batch(opt_state *s, size_t i, dckpt_rng *rng) {
  uint64_t r0 = (uint64_t)s->prob.agent_rows[i];
  uint64_t mi = (uint64_t)s->prob.agent_rows[i + 1] - r0;
  for (int64_t k = 0; k < s->cfg->batch; k++)
    s->rows[k] = (size_t)(r0 + dckpt_rng_below(rng, mi));
}

void opt_all_grads(opt_state *s, const double *X, double *G, dckpt_rng *rng) {
  for (size_t i = 0; i < s->n; i++) {
    const double *xi = X + i * s->d;
    double *gi = G + i * s->d;
    if (s->cfg->batch > 0) {
      opt_draw_batch(s, i, rng);
      opt_local_grad_sample(&s->prob, i, xi, s->rows, (size_t)s->cfg->batch, gi);
    } else {
      opt_local_grad(&s->prob, i, xi, gi);
    }
  }
  s->grad_evals += (int64_t)s->n;
}

int64_t opt_broadcast_messages(const opt_state *s) {
  return (int64_t)(2 * s->prob.net.n_edges);
}
