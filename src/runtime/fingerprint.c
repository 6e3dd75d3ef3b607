/* The campaign's fingerprint as the runtime records it. Per algorithm: the
 * application's config object with two keys of the runtime's own added,
 * "hyperparameters" and "metrics" (the metric names); for the campaign: the
 * application's campaign object with "metrics_period" added. The store
 * compares them (dckpt_store_check_campaign) on every resume and growth and
 * names the first difference by its path, e.g. "config.method" or
 * "campaign.problem.lambda". */
#include <cjson/cJSON.h>
#include <stdlib.h>

#include "runtime/run_ctx.h"

cJSON *run_app_object(const char *text, const char *const *reserved, size_t n) {
  cJSON *o = text ? cJSON_Parse(text) : cJSON_CreateObject();
  if (!o || !cJSON_IsObject(o)) {
    cJSON_Delete(o);
    return NULL;
  }
  for (size_t i = 0; i < n; i++)
    if (cJSON_GetObjectItemCaseSensitive(o, reserved[i])) {
      cJSON_Delete(o);
      return NULL;
    }
  return o;
}

char *run_algorithm_fingerprint(const dckpt_algorithm *a) {
  static const char *const reserved[] = {"hyperparameters", "metrics"};
  cJSON *o = run_app_object(a->config, reserved, 2);
  cJSON *hp = o ? cJSON_Parse(a->hyperparameters ? a->hyperparameters : "{}") : NULL;
  bool ok = hp && cJSON_IsObject(hp);
  if (ok) {
    cJSON_AddItemToObject(o, "hyperparameters", hp);
    hp = NULL;
  }
  cJSON *names = ok ? cJSON_AddArrayToObject(o, "metrics") : NULL;
  ok = names != NULL;
  for (int m = 0; ok && m < a->n_metrics; m++)
    ok = a->metric_names && a->metric_names[m] &&
         cJSON_AddItemToArray(names, cJSON_CreateString(a->metric_names[m]));
  char *text = ok ? cJSON_PrintUnformatted(o) : NULL;
  cJSON_Delete(hp);
  cJSON_Delete(o);
  return text;
}

char *run_campaign_fingerprint(const dckpt_run_options *opts) {
  static const char *const reserved[] = {"metrics_period"};
  cJSON *o = run_app_object(opts->campaign, reserved, 1);
  bool ok =
      o && cJSON_AddNumberToObject(o, "metrics_period", (double)opts->metrics_period);
  char *text = ok ? cJSON_PrintUnformatted(o) : NULL;
  cJSON_Delete(o);
  return text;
}

int run_fingerprint_fill(run_ctx *c, dckpt_metadata *m) {
  m->campaign = run_campaign_fingerprint(c->o);
  if (!m->campaign)
    return run_fail(c, DCKPT_EINVAL,
                    "the campaign configuration must be a JSON object without a "
                    "\"metrics_period\" key (the runtime records that one)");
  for (size_t a = 0; a < c->n_algs; a++) {
    m->algorithms[a].config = run_algorithm_fingerprint(&c->algs[a]);
    if (!m->algorithms[a].config)
      return run_fail(c, DCKPT_EINVAL,
                      "algorithm '%s': config and hyperparameters must be JSON objects, "
                      "and config must not have the keys \"hyperparameters\" or "
                      "\"metrics\" (the runtime records those)",
                      c->algs[a].name);
  }
  return DCKPT_OK;
}

void run_fingerprint_release(dckpt_metadata *m, size_t n_algs) {
  free(m->campaign);
  m->campaign = NULL;
  for (size_t a = 0; m->algorithms && a < n_algs; a++) {
    free((char *)m->algorithms[a].config);
    m->algorithms[a].config = NULL;
  }
}
