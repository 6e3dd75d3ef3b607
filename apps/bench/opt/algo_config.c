/* Hyperparameters: parsing, validation with messages that name the key, and
 * the resolved JSON recorded in the run's metadata. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opt/algo_internal.h"
#include "opt/util.h"

static const char *const gossip_keys[] = {"alpha", "alpha_scale", "sigma", "batch", NULL};
static const char *const admm_keys[] = {"rho",   "rho_scale", "inner",
                                        "sigma", "batch",     NULL};

static bool known_key(const char *const *keys, const char *k) {
  for (; *keys; keys++)
    if (strcmp(*keys, k) == 0) return true;
  return false;
}

static int unknown_key(const char *const *keys, const char *method, const char *k,
                       char *err, size_t errlen) {
  char list[128] = "";
  for (size_t used = 0; *keys; keys++) {
    int w = snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "", *keys);
    if (w < 0 || (size_t)w >= sizeof list - used) break;
    used += (size_t)w;
  }
  return opt_fail(err, errlen, DCKPT_EINVAL,
                  "%s: unknown hyperparameter '%s' (known: %s)", method, k, list);
}

/* A positive (or, with allow_zero, nonnegative) finite number. */
static int get_number(const cJSON *hyper, const char *method, const char *key,
                      bool allow_zero, double *out, bool *given, char *err,
                      size_t errlen) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(hyper, key);
  if (given) *given = v != NULL;
  if (!v) return DCKPT_OK;
  double x = cJSON_IsNumber(v) ? v->valuedouble : NAN;
  if (!isfinite(x) || x < 0.0 || (!allow_zero && x == 0.0))
    return opt_fail(err, errlen, DCKPT_EINVAL,
                    "%s: hyperparameter '%s' must be a %s number", method, key,
                    allow_zero ? "nonnegative" : "positive");
  *out = x;
  return DCKPT_OK;
}

static int get_count(const cJSON *hyper, const char *method, const char *key, int64_t lo,
                     int64_t hi, int64_t *out, char *err, size_t errlen) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(hyper, key);
  if (!v) return DCKPT_OK;
  double x = cJSON_IsNumber(v) ? v->valuedouble : NAN;
  if (!(x >= (double)lo && x <= (double)hi) || x != floor(x))
    return opt_fail(err, errlen, DCKPT_EINVAL,
                    "%s: hyperparameter '%s' must be an integer in [%lld, %lld]", method,
                    key, (long long)lo, (long long)hi);
  *out = (int64_t)x;
  return DCKPT_OK;
}

/* "abs" or "scale" (scale times / over L_max), not both. */
static int get_step(const cJSON *hyper, const char *method, const char *abs_key,
                    const char *scale_key, double *abs, double *scale, char *err,
                    size_t errlen) {
  bool has_abs = false, has_scale = false;
  int rc = get_number(hyper, method, abs_key, false, abs, &has_abs, err, errlen);
  if (rc == DCKPT_OK)
    rc = get_number(hyper, method, scale_key, false, scale, &has_scale, err, errlen);
  if (rc == DCKPT_OK && has_abs && has_scale)
    rc = opt_fail(err, errlen, DCKPT_EINVAL, "%s: give '%s' or '%s', not both", method,
                  abs_key, scale_key);
  return rc;
}

static int resolved_json(opt_config *cfg) {
  cJSON *o = cJSON_CreateObject();
  if (!o) return DCKPT_ENOMEM;
  if (cfg->method == OPT_ADMM) {
    if (cfg->rho > 0)
      cJSON_AddNumberToObject(o, "rho", cfg->rho);
    else
      cJSON_AddNumberToObject(o, "rho_scale", cfg->rho_scale);
    cJSON_AddNumberToObject(o, "inner", (double)cfg->inner);
  } else if (cfg->alpha > 0) {
    cJSON_AddNumberToObject(o, "alpha", cfg->alpha);
  } else {
    cJSON_AddNumberToObject(o, "alpha_scale", cfg->alpha_scale);
  }
  cJSON_AddNumberToObject(o, "sigma", cfg->sigma);
  cJSON_AddNumberToObject(o, "batch", (double)cfg->batch);
  char *text = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  if (!text) return DCKPT_ENOMEM;
  cfg->hyper_json = strdup(text);
  cJSON_free(text);
  return cfg->hyper_json ? DCKPT_OK : DCKPT_ENOMEM;
}

static int check_keys(const cJSON *hyper, opt_method m, const char *method, char *err,
                      size_t errlen) {
  if (!hyper) return DCKPT_OK;
  if (!cJSON_IsObject(hyper))
    return opt_fail(err, errlen, DCKPT_EINVAL,
                    "%s: hyperparameters must be a JSON object", method);
  const char *const *keys = m == OPT_ADMM ? admm_keys : gossip_keys;
  for (const cJSON *item = hyper->child; item; item = item->next)
    if (!known_key(keys, item->string))
      return unknown_key(keys, method, item->string, err, errlen);
  return DCKPT_OK;
}

int opt_config_parse(opt_method m, const cJSON *hyper, opt_config *cfg, char *err,
                     size_t errlen) {
  const opt_method_desc *desc = opt_method_lookup(m);
  const char *method = desc->name;
  cfg->method = m;
  cfg->alpha = 0.0;
  cfg->alpha_scale = desc->alpha_scale;
  cfg->sigma = 1.0;
  cfg->batch = 0;
  cfg->rho = 0.0;
  cfg->rho_scale = 0.05;
  cfg->inner = 2;
  int rc = check_keys(hyper, m, method, err, errlen);
  if (rc == DCKPT_OK && hyper) {
    if (m == OPT_ADMM)
      rc = get_step(hyper, method, "rho", "rho_scale", &cfg->rho, &cfg->rho_scale, err,
                    errlen);
    else
      rc = get_step(hyper, method, "alpha", "alpha_scale", &cfg->alpha, &cfg->alpha_scale,
                    err, errlen);
    if (rc == DCKPT_OK)
      rc = get_number(hyper, method, "sigma", true, &cfg->sigma, NULL, err, errlen);
    if (rc == DCKPT_OK)
      rc = get_count(hyper, method, "batch", 0, 1000000000, &cfg->batch, err, errlen);
    if (rc == DCKPT_OK)
      rc = get_count(hyper, method, "inner", 1, 1000, &cfg->inner, err, errlen);
  }
  if (rc == DCKPT_OK && resolved_json(cfg) != DCKPT_OK)
    rc = opt_fail(err, errlen, DCKPT_ENOMEM, "%s: out of memory", method);
  return rc;
}
