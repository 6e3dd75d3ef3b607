/* Turning the configuration into what dckpt_run needs: the problem record and
 * the algorithms. */
#include <stdio.h>

#include "bench.h"

int bench_problem_record(const bench_config *cfg, dckpt_record **out, char *err,
                         size_t errlen) {
  *out = NULL;
  opt_network net;
  opt_problem prob;
  int rc = opt_network_build(&cfg->network, &net, err, errlen);
  if (rc != DCKPT_OK) return rc;
  rc = opt_problem_build(&cfg->problem, &net, &prob, err, errlen);
  opt_network_free(&net);
  if (rc != DCKPT_OK) return rc;
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
