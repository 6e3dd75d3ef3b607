/* Turning the configuration into what dckpt_run needs: the problem record and
 * the algorithms. */
#include <stdio.h>

#include "bench.h"

/* A message of the opt library, prefixed with the config file and the
 * section at fault: these are configuration errors too. */
static int config_error(const bench_config *cfg, const char *section, int rc,
                        const char *why, char *err, size_t errlen) {
  snprintf(err, errlen, "%.1000s: key \"%s\": %.2000s", cfg->config_path, section, why);
  return rc;
}

int bench_problem_record(const bench_config *cfg, const dckpt_algorithm *algs,
                         dckpt_record **out, char *err, size_t errlen) {
  *out = NULL;
  opt_network net;
  opt_problem prob;
  char why[2048] = "";
  int rc = opt_network_build(&cfg->network, &net, why, sizeof why);
  if (rc != DCKPT_OK) return config_error(cfg, "network", rc, why, err, errlen);
  rc = opt_problem_build(&cfg->problem, &net, &prob, why, sizeof why);
  opt_network_free(&net);
  if (rc != DCKPT_OK) return config_error(cfg, "problem", rc, why, err, errlen);
  /* what only the problem tells (a batch larger than every agent's rows):
   * refused here, before anything is written, rather than by every trial */
  for (size_t a = 0; a < cfg->n_algs; a++)
    if ((rc = opt_algorithm_check_problem(&algs[a], &prob, why, sizeof why)) !=
        DCKPT_OK) {
      snprintf(err, errlen, "%.1000s: algorithms[%zu] ('%.100s'): %s: %.1500s",
               cfg->config_path, a, cfg->algs[a].name, cfg->algs[a].method, why);
      opt_problem_free(&prob);
      return rc;
    }
  dckpt_record *rec = dckpt_record_create();
  rc = rec ? opt_problem_to_record(&prob, rec, err, errlen) : DCKPT_ENOMEM;
  opt_problem_free(&prob);
  if (rc != DCKPT_OK) {
    dckpt_record_free(rec);
    return rc;
  }
  *out = rec;
  return DCKPT_OK;
}
