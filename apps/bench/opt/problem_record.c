/* The problem record: how a problem is stored in the run directory and read
 * back, without a copy, by every trial callback. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opt/problem.h"
#include "opt/util.h"

#define PROBLEM_FORMAT  "dckpt-bench-problem"
#define PROBLEM_VERSION 1

static cJSON *network_json(const opt_network *net) {
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  cJSON_AddStringToObject(o, "topology", opt_topology_name(net->topology));
  cJSON_AddNumberToObject(o, "n", (double)net->n);
  cJSON_AddNumberToObject(o, "edges", (double)net->n_edges);
  if (net->topology == OPT_GRID) {
    cJSON_AddNumberToObject(o, "rows", (double)net->rows);
    cJSON_AddNumberToObject(o, "cols", (double)net->cols);
  }
  if (net->topology == OPT_REGULAR)
    cJSON_AddNumberToObject(o, "degree", (double)net->degree);
  if (net->topology == OPT_ERDOS_RENYI) {
    cJSON_AddNumberToObject(o, "p", net->p);
    cJSON_AddNumberToObject(o, "seed", (double)net->seed);
    cJSON_AddNumberToObject(o, "attempts", net->attempts);
  }
  return o;
}

/* The header describes the problem for people and tools; the numbers that
 * computations use are read from the arrays, which keep every bit. */
static char *problem_header(const opt_problem *p) {
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  cJSON_AddStringToObject(o, "format", PROBLEM_FORMAT);
  cJSON_AddNumberToObject(o, "version", PROBLEM_VERSION);
  cJSON_AddStringToObject(o, "kind", opt_problem_kind_name(p->kind));
  cJSON_AddNumberToObject(o, "lambda", p->lambda);
  cJSON_AddNumberToObject(o, "rows", (double)p->m);
  cJSON_AddNumberToObject(o, "dim", (double)p->d);
  cJSON_AddNumberToObject(o, "agents", (double)p->n_agents);
  cJSON_AddBoolToObject(o, "standardized", p->standardized);
  cJSON_AddBoolToObject(o, "intercept", p->intercept);
  cJSON_AddStringToObject(o, "source", p->source);
  cJSON_AddStringToObject(o, "label", p->label);
  cJSON_AddNumberToObject(o, "f_star", p->f_star);
  cJSON_AddNumberToObject(o, "L_max", p->L_max);
  cJSON *net = network_json(&p->net);
  if (net) cJSON_AddItemToObject(o, "network", net);
  char *text = net ? cJSON_PrintUnformatted(o) : NULL;
  cJSON_Delete(o);
  return text;
}

static int put_arrays(const opt_problem *p, dckpt_record *rec) {
  uint64_t shape_a[2] = {p->m, p->d};
  uint64_t nnz = 2 * (uint64_t)p->net.n_edges, n = p->n_agents;
  int rc = dckpt_record_put(rec, "A", DCKPT_F64, 2, shape_a, p->A);
  if (rc == DCKPT_OK) rc = dckpt_record_put_f64(rec, "b", p->b, p->m);
  if (rc == DCKPT_OK) rc = dckpt_record_put_i64(rec, "agent_rows", p->agent_rows, n + 1);
  if (rc == DCKPT_OK) rc = dckpt_record_put_f64(rec, "x_star", p->x_star, p->d);
  if (rc == DCKPT_OK)
    rc = dckpt_record_put(rec, "f_star", DCKPT_F64, 0, NULL, &p->f_star);
  if (rc == DCKPT_OK)
    rc = dckpt_record_put(rec, "lambda", DCKPT_F64, 0, NULL, &p->lambda);
  if (rc == DCKPT_OK) rc = dckpt_record_put_f64(rec, "lipschitz", p->lipschitz, n);
  if (rc == DCKPT_OK)
    rc = dckpt_record_put_i64(rec, "net_row_ptr", p->net.row_ptr, n + 1);
  if (rc == DCKPT_OK) rc = dckpt_record_put_i64(rec, "net_col", p->net.col, nnz);
  if (rc == DCKPT_OK) rc = dckpt_record_put_f64(rec, "net_weight", p->net.weight, nnz);
  if (rc == DCKPT_OK)
    rc = dckpt_record_put_f64(rec, "net_self_weight", p->net.self_weight, n);
  return rc;
}

int opt_problem_to_record(const opt_problem *p, dckpt_record *rec, char *err,
                          size_t errlen) {
  int rc = put_arrays(p, rec);
  if (rc != DCKPT_OK)
    return opt_fail(err, errlen, rc, "problem record: %s", dckpt_record_errmsg(rec));
  char *header = problem_header(p);
  if (!header)
    return opt_fail(err, errlen, DCKPT_ENOMEM, "problem record: out of memory");
  rc = dckpt_record_set_header(rec, header);
  cJSON_free(header);
  if (rc != DCKPT_OK)
    return opt_fail(err, errlen, rc, "problem record: %s", dckpt_record_errmsg(rec));
  return DCKPT_OK;
}

/* ---- the view ---- */

/* Finds array `name` of `dtype`; want >= 0 also pins its element count. */
static int find_array(const dckpt_record *rec, const char *name, dckpt_dtype dtype,
                      int64_t want, dckpt_array_info *info, char *err, size_t errlen) {
  if (dckpt_record_find(rec, name, info) != DCKPT_OK)
    return opt_fail(err, errlen, DCKPT_ENOENT, "problem record: no array '%s'", name);
  if (info->dtype != dtype)
    return opt_fail(err, errlen, DCKPT_EMISMATCH,
                    "problem record: array '%s' is %s, not %s", name,
                    dckpt_dtype_name(info->dtype), dckpt_dtype_name(dtype));
  if (want >= 0 && info->nelems != (uint64_t)want)
    return opt_fail(err, errlen, DCKPT_EMISMATCH,
                    "problem record: array '%s' has %llu elements, expected %lld", name,
                    (unsigned long long)info->nelems, (long long)want);
  return DCKPT_OK;
}

static const char *json_string(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double json_number(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsNumber(v) ? v->valuedouble : 0.0;
}

static int view_network_header(const cJSON *net, opt_network *out, char *err,
                               size_t errlen) {
  if (!cJSON_IsObject(net) ||
      opt_topology_parse(json_string(net, "topology"), &out->topology) != DCKPT_OK)
    return opt_fail(
        err, errlen, DCKPT_EINVAL,
        "problem record: header key 'network.topology' is missing or unknown");
  out->rows = (size_t)json_number(net, "rows");
  out->cols = (size_t)json_number(net, "cols");
  out->degree = (size_t)json_number(net, "degree");
  out->p = json_number(net, "p");
  out->seed = (uint64_t)json_number(net, "seed");
  out->attempts = (int)json_number(net, "attempts");
  return DCKPT_OK;
}

static int view_header(const dckpt_record *rec, opt_problem *p, char *err,
                       size_t errlen) {
  cJSON *h = cJSON_Parse(dckpt_record_header(rec));
  const char *format = h ? json_string(h, "format") : NULL;
  int rc = DCKPT_OK;
  if (!format || strcmp(format, PROBLEM_FORMAT) != 0)
    rc = opt_fail(err, errlen, DCKPT_EINVAL,
                  "problem record: header 'format' is not '%s'", PROBLEM_FORMAT);
  else if (json_number(h, "version") != PROBLEM_VERSION)
    rc = opt_fail(err, errlen, DCKPT_EINVAL, "problem record: header 'version' is not %d",
                  PROBLEM_VERSION);
  else if (opt_problem_kind_parse(json_string(h, "kind"), &p->kind) != DCKPT_OK)
    rc = opt_fail(err, errlen, DCKPT_EINVAL,
                  "problem record: header 'kind' is missing or unknown");
  else
    rc = view_network_header(cJSON_GetObjectItemCaseSensitive(h, "network"), &p->net, err,
                             errlen);
  if (rc == DCKPT_OK) {
    p->standardized = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(h, "standardized"));
    p->intercept = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(h, "intercept"));
    const char *source = json_string(h, "source"), *label = json_string(h, "label");
    snprintf(p->source, sizeof p->source, "%s", source ? source : "");
    snprintf(p->label, sizeof p->label, "%s", label ? label : "");
  }
  cJSON_Delete(h);
  return rc;
}

static int view_data(const dckpt_record *rec, opt_problem *p, char *err, size_t errlen) {
  dckpt_array_info a, info;
  int rc = find_array(rec, "A", DCKPT_F64, -1, &a, err, errlen);
  if (rc == DCKPT_OK && (a.ndim != 2 || a.shape[0] == 0 || a.shape[1] == 0))
    return opt_fail(err, errlen, DCKPT_EMISMATCH,
                    "problem record: array 'A' must be a non-empty matrix");
  if (rc != DCKPT_OK) return rc;
  p->A = a.data;
  p->m = (size_t)a.shape[0];
  p->d = (size_t)a.shape[1];
  int64_t m = (int64_t)p->m, d = (int64_t)p->d;
  if ((rc = find_array(rec, "b", DCKPT_F64, m, &info, err, errlen))) return rc;
  p->b = info.data;
  if ((rc = find_array(rec, "x_star", DCKPT_F64, d, &info, err, errlen))) return rc;
  p->x_star = info.data;
  if ((rc = find_array(rec, "f_star", DCKPT_F64, 1, &info, err, errlen))) return rc;
  p->f_star = *(const double *)info.data;
  if ((rc = find_array(rec, "lambda", DCKPT_F64, 1, &info, err, errlen))) return rc;
  p->lambda = *(const double *)info.data;
  if ((rc = find_array(rec, "agent_rows", DCKPT_I64, -1, &info, err, errlen))) return rc;
  if (info.nelems < 2)
    return opt_fail(err, errlen, DCKPT_EMISMATCH, "problem record: no agents");
  p->agent_rows = info.data;
  p->n_agents = (size_t)info.nelems - 1;
  for (size_t i = 0; i < p->n_agents; i++)
    if (p->agent_rows[i] >= p->agent_rows[i + 1] || (i == 0 && p->agent_rows[0] != 0))
      return opt_fail(
          err, errlen, DCKPT_EINVAL,
          "problem record: 'agent_rows' is not increasing from 0 at agent %zu", i);
  if (p->agent_rows[p->n_agents] != m)
    return opt_fail(err, errlen, DCKPT_EINVAL,
                    "problem record: 'agent_rows' ends at %lld, not at the %lld rows",
                    (long long)p->agent_rows[p->n_agents], (long long)m);
  return DCKPT_OK;
}

static int view_lipschitz(const dckpt_record *rec, opt_problem *p, char *err,
                          size_t errlen) {
  dckpt_array_info info;
  int rc =
      find_array(rec, "lipschitz", DCKPT_F64, (int64_t)p->n_agents, &info, err, errlen);
  if (rc != DCKPT_OK) return rc;
  p->lipschitz = info.data;
  p->L_max = 0.0;
  for (size_t i = 0; i < p->n_agents; i++)
    p->L_max = fmax(p->L_max, p->lipschitz[i]);
  if (!(p->L_max > 0.0) || !isfinite(p->L_max))
    return opt_fail(err, errlen, DCKPT_EINVAL, "problem record: bad 'lipschitz' values");
  return DCKPT_OK;
}

static int view_network(const dckpt_record *rec, opt_problem *p, char *err,
                        size_t errlen) {
  opt_network *net = &p->net;
  int64_t n = (int64_t)p->n_agents;
  dckpt_array_info info;
  int rc = find_array(rec, "net_row_ptr", DCKPT_I64, n + 1, &info, err, errlen);
  if (rc != DCKPT_OK) return rc;
  net->row_ptr = info.data;
  if ((rc = find_array(rec, "net_col", DCKPT_I64, -1, &info, err, errlen))) return rc;
  net->col = info.data;
  int64_t nnz = (int64_t)info.nelems;
  if ((rc = find_array(rec, "net_weight", DCKPT_F64, nnz, &info, err, errlen))) return rc;
  net->weight = info.data;
  if ((rc = find_array(rec, "net_self_weight", DCKPT_F64, n, &info, err, errlen)))
    return rc;
  net->self_weight = info.data;
  net->n = p->n_agents;
  net->n_edges = (size_t)nnz / 2;
  /* The record passed its checksum, but a file written by something else
   * must still not steer an index out of bounds. */
  char why[256];
  rc = opt_network_check(net, 1e-9, why, sizeof why);
  return rc == DCKPT_OK ? DCKPT_OK : opt_fail(err, errlen, rc, "problem record: %s", why);
}

int opt_problem_view(const dckpt_record *rec, opt_problem *out, char *err,
                     size_t errlen) {
  memset(out, 0, sizeof *out);
  int rc = view_header(rec, out, err, errlen);
  if (rc == DCKPT_OK) rc = view_data(rec, out, err, errlen);
  if (rc == DCKPT_OK) rc = view_lipschitz(rec, out, err, errlen);
  if (rc == DCKPT_OK) rc = view_network(rec, out, err, errlen);
  if (rc != DCKPT_OK) memset(out, 0, sizeof *out);
  return rc;
}
