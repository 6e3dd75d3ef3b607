/* The campaign object dckpt-bench records with its run (dckpt_run_options.
 * campaign): the problem and the network as resolved (defaults filled in, so
 * that spelling a default out changes nothing), and the data by content
 * (the file may move between machines; its bytes may not change). A resume
 * that asks for anything else is refused by the runtime, naming the key. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "bench.h"

/* XXH3-64 of a whole file, as 16 hex digits; false when it cannot be read. */
static bool hash_file(const char *path, char out[17]) {
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  XXH3_state_t *st = XXH3_createState();
  bool ok = st && XXH3_64bits_reset(st) == XXH_OK;
  char buf[1 << 16];
  size_t n;
  while (ok && (n = fread(buf, 1, sizeof buf, f)) > 0)
    ok = XXH3_64bits_update(st, buf, n) == XXH_OK;
  ok = ok && !ferror(f);
  if (ok) snprintf(out, 17, "%016llx", (unsigned long long)XXH3_64bits_digest(st));
  XXH3_freeState(st);
  fclose(f);
  return ok;
}

static cJSON *problem_json(const bench_config *cfg, char *err, size_t len) {
  const opt_problem_spec *p = &cfg->problem;
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  cJSON_AddStringToObject(o, "type", opt_problem_kind_name(p->kind));
  cJSON_AddNumberToObject(o, "lambda", p->lambda);
  cJSON_AddBoolToObject(o, "standardize", p->standardize);
  cJSON_AddBoolToObject(o, "intercept", p->intercept);
  if (cfg->data_path[0]) {
    char hash[17];
    if (!hash_file(cfg->data_path, hash)) {
      snprintf(err, len, "cannot read the data file '%.3000s'", cfg->data_path);
      cJSON_Delete(o);
      return NULL;
    }
    cJSON_AddStringToObject(o, "data_xxh3", hash);
    cJSON_AddStringToObject(o, "label", p->label ? p->label : "");
  } else {
    cJSON_AddNumberToObject(o, "rows", (double)p->rows);
    cJSON_AddNumberToObject(o, "features", (double)p->features);
    cJSON_AddNumberToObject(o, "noise", p->noise);
    cJSON_AddNumberToObject(o, "seed", (double)p->seed);
  }
  return o;
}

static cJSON *network_json(const bench_config *cfg) {
  const opt_network_spec *n = &cfg->network;
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  cJSON_AddStringToObject(o, "topology", opt_topology_name(n->topology));
  cJSON_AddNumberToObject(o, "agents", (double)n->n);
  cJSON_AddNumberToObject(o, "rows", (double)n->rows);
  cJSON_AddNumberToObject(o, "cols", (double)n->cols);
  cJSON_AddNumberToObject(o, "degree", (double)n->degree);
  cJSON_AddNumberToObject(o, "p", n->p);
  cJSON_AddNumberToObject(o, "seed", (double)n->seed);
  return o;
}

char *bench_campaign_json(const bench_config *cfg, char *err, size_t len) {
  cJSON *o = cJSON_CreateObject();
  cJSON *problem = o ? problem_json(cfg, err, len) : NULL;
  cJSON *network = problem ? network_json(cfg) : NULL;
  char *text = NULL;
  if (network) {
    cJSON_AddItemToObject(o, "problem", problem);
    cJSON_AddItemToObject(o, "network", network);
    problem = network = NULL;
    text = cJSON_PrintUnformatted(o);
  }
  if (!text && !err[0]) snprintf(err, len, "out of memory");
  cJSON_Delete(problem);
  cJSON_Delete(network);
  cJSON_Delete(o);
  return text;
}
