#include "opt/problem.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opt/data.h"
#include "opt/solve.h"
#include "opt/util.h"

void opt_problem_spec_init(opt_problem_spec *spec) {
  memset(spec, 0, sizeof *spec);
  spec->kind = OPT_LEAST_SQUARES;
  spec->rows = 200;
  spec->features = 10;
  spec->noise = 0.1;
  spec->seed = 1;
  spec->standardize = true;
}

const char *opt_problem_kind_name(opt_problem_kind kind) {
  switch (kind) {
  case OPT_LEAST_SQUARES: return "least_squares";
  case OPT_LOGISTIC: return "logistic";
  }
  return NULL;
}

int opt_problem_kind_parse(const char *name, opt_problem_kind *out) {
  if (!name) return DCKPT_EINVAL;
  if (strcmp(name, "least_squares") == 0 || strcmp(name, "lsq") == 0)
    *out = OPT_LEAST_SQUARES;
  else if (strcmp(name, "logistic") == 0 || strcmp(name, "logreg") == 0)
    *out = OPT_LOGISTIC;
  else
    return DCKPT_EINVAL;
  return DCKPT_OK;
}

/* One block of 8-byte slots: A, b, agent_rows, x_star, lipschitz. */
static int alloc_problem(opt_problem *p, size_t m, size_t d, size_t n) {
  size_t md;
  if (!opt_mul_size(m, d, &md) || md > SIZE_MAX / 2) return DCKPT_ENOMEM;
  double *block = opt_alloc_f64(md + m + (n + 1) + d + n);
  if (!block) return DCKPT_ENOMEM;
  p->owned = block;
  p->A = block;
  p->b = block + md;
  p->agent_rows = (int64_t *)(void *)(block + md + m);
  p->x_star = block + md + m + (n + 1);
  p->lipschitz = block + md + m + (n + 1) + d;
  p->m = m;
  p->d = d;
  p->n_agents = n;
  return DCKPT_OK;
}

/* Copies the (prepared) raw data into A and b, adds the intercept column and
 * splits the rows: agent i gets q or q + 1 consecutive rows, the first r = m
 * mod N agents the longer blocks. */
static void assemble(const opt_raw_data *raw, bool intercept, opt_problem *p) {
  double *A = p->owned, *b = A + p->m * p->d;
  int64_t *rows = (int64_t *)(void *)(b + p->m);
  for (size_t r = 0; r < p->m; r++) {
    memcpy(A + r * p->d, raw->X + r * raw->f, raw->f * sizeof *A);
    if (intercept) A[r * p->d + raw->f] = 1.0;
    b[r] = raw->y[r];
  }
  size_t q = p->m / p->n_agents, extra = p->m % p->n_agents, at = 0;
  for (size_t i = 0; i < p->n_agents; i++) {
    rows[i] = (int64_t)at;
    at += q + (i < extra ? 1 : 0);
  }
  rows[p->n_agents] = (int64_t)at;
}

static int check_spec(const opt_problem_spec *spec, const opt_network *net, char *err,
                      size_t errlen) {
  if (!opt_problem_kind_name(spec->kind))
    return opt_fail(err, errlen, DCKPT_EINVAL, "problem: unknown kind %d",
                    (int)spec->kind);
  if (!(spec->lambda >= 0.0) || !isfinite(spec->lambda))
    return opt_fail(err, errlen, DCKPT_EINVAL, "problem: lambda = %g must be >= 0",
                    spec->lambda);
  if (!net || net->n == 0)
    return opt_fail(err, errlen, DCKPT_EINVAL, "problem: no network (0 agents)");
  return opt_network_check(net, 1e-12, err, errlen);
}

/* Raw data ready to be split: loaded, labels mapped, standardized. */
static int load_data(const opt_problem_spec *spec, size_t n_agents, opt_raw_data *raw,
                     char *err, size_t errlen) {
  int rc = spec->csv_path ? opt_data_csv(spec, raw, err, errlen)
                          : opt_data_synthetic(spec, raw, err, errlen);
  if (rc != DCKPT_OK) return rc;
  if (spec->kind == OPT_LOGISTIC) rc = opt_data_map_labels(spec, raw, err, errlen);
  if (rc == DCKPT_OK && spec->standardize && opt_data_standardize(raw) != DCKPT_OK)
    rc = opt_fail(err, errlen, DCKPT_ENOMEM, "problem: out of memory");
  if (rc == DCKPT_OK && raw->m < n_agents)
    rc = opt_fail(err, errlen, DCKPT_EINVAL,
                  "problem: %zu data rows cannot give each of %zu agents a row", raw->m,
                  n_agents);
  if (rc != DCKPT_OK) opt_raw_data_free(raw);
  return rc;
}

static int finish(opt_problem *p, char *err, size_t errlen) {
  double *L = (double *)(void *)p->lipschitz, *x = (double *)(void *)p->x_star;
  int rc = opt_compute_lipschitz(p, L, err, errlen);
  if (rc != DCKPT_OK) return rc;
  p->L_max = 0.0;
  for (size_t i = 0; i < p->n_agents; i++)
    p->L_max = fmax(p->L_max, L[i]);
  if (!(p->L_max > 0.0) || !isfinite(p->L_max))
    return opt_fail(
        err, errlen, DCKPT_EINVAL,
        "problem: the data are all zero (largest local Lipschitz constant %g)", p->L_max);
  return opt_solve_optimum(p, x, &p->f_star, err, errlen);
}

int opt_problem_build(const opt_problem_spec *spec, const opt_network *net,
                      opt_problem *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  int rc = check_spec(spec, net, err, errlen);
  opt_raw_data raw;
  if (rc == DCKPT_OK) rc = load_data(spec, net->n, &raw, err, errlen);
  if (rc != DCKPT_OK) return rc;
  size_t d = raw.f + (spec->intercept ? 1u : 0u);
  if (alloc_problem(out, raw.m, d, net->n) != DCKPT_OK ||
      opt_network_copy(net, &out->net) != DCKPT_OK) {
    opt_raw_data_free(&raw);
    opt_problem_free(out);
    return opt_fail(err, errlen, DCKPT_ENOMEM, "problem: out of memory");
  }
  out->kind = spec->kind;
  out->lambda = spec->lambda;
  out->standardized = spec->standardize;
  out->intercept = spec->intercept;
  snprintf(out->source, sizeof out->source, "%s",
           spec->csv_path ? spec->csv_path : "synthetic");
  snprintf(out->label, sizeof out->label, "%s", raw.label);
  assemble(&raw, spec->intercept, out);
  opt_raw_data_free(&raw);
  rc = finish(out, err, errlen);
  if (rc != DCKPT_OK) opt_problem_free(out);
  return rc;
}

void opt_problem_free(opt_problem *p) {
  if (!p) return;
  free(p->owned);
  opt_network_free(&p->net);
  memset(p, 0, sizeof *p);
}
