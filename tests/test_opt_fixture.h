/* A problem record and a trial driven through the dckpt_algorithm callbacks
 * the way the runner drives them, for the algorithm and checkpoint tests. */
#ifndef TEST_OPT_FIXTURE_H
#define TEST_OPT_FIXTURE_H

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "dckpt.h"
#include "dckpt_run.h"
#include "opt/algorithms.h"
#include "opt/metrics.h"
#include "opt/problem.h"

typedef struct fixture {
  opt_problem prob;
  dckpt_record *rec; /* the problem record the callbacks read */
} fixture;

static char fixture_err[1024];

static inline void fixture_init(fixture *f, const opt_problem_spec *spec,
                                opt_topology topology, size_t n) {
  opt_network_spec ns;
  opt_network_spec_init(&ns);
  ns.topology = topology;
  ns.n = n;
  ns.p = 0.3;
  ns.seed = 11;
  opt_network net;
  CHECK_OK(opt_network_build(&ns, &net, fixture_err, sizeof fixture_err));
  int rc = opt_problem_build(spec, &net, &f->prob, fixture_err, sizeof fixture_err);
  if (rc != DCKPT_OK) fprintf(stderr, "%s\n", fixture_err);
  CHECK_OK(rc);
  opt_network_free(&net);
  f->rec = dckpt_record_create();
  CHECK(f->rec != NULL);
  CHECK_OK(opt_problem_to_record(&f->prob, f->rec, fixture_err, sizeof fixture_err));
}

/* Least squares, 100 rows x 5 features, spread over n agents. */
static inline void fixture_least_squares(fixture *f, opt_topology topology, size_t n) {
  opt_problem_spec spec;
  opt_problem_spec_init(&spec);
  spec.rows = 100;
  spec.features = 5;
  fixture_init(f, &spec, topology, n);
}

static inline void fixture_free(fixture *f) {
  dckpt_record_free(f->rec);
  opt_problem_free(&f->prob);
}

typedef struct trial {
  dckpt_algorithm alg;
  dckpt_trial_info info;
  dckpt_rng rng;
  void *state;
  int64_t k; /* next iteration */
} trial;

static inline void trial_start(trial *t, const fixture *f, const char *method,
                               const char *hyper_json, uint64_t seed) {
  cJSON *hyper = hyper_json ? cJSON_Parse(hyper_json) : NULL;
  CHECK(hyper_json == NULL || hyper != NULL);
  int rc = opt_make_algorithm(method, method, hyper, 1000, &t->alg, fixture_err,
                              sizeof fixture_err);
  if (rc != DCKPT_OK) fprintf(stderr, "%s\n", fixture_err);
  CHECK_OK(rc);
  cJSON_Delete(hyper);
  memset(&t->info, 0, sizeof t->info);
  t->info.iterations = t->alg.iterations;
  t->info.problem = f->rec;
  t->info.user = t->alg.user;
  dckpt_rng_seed(&t->rng, seed);
  t->k = 0;
  rc = t->alg.create(&t->info, &t->rng, &t->state);
  if (rc != DCKPT_OK) fprintf(stderr, "%s\n", opt_algorithm_last_error(&t->alg));
  CHECK_OK(rc);
}

static inline void trial_step(trial *t) {
  int rc = t->alg.step(&t->info, t->state, t->k, &t->rng);
  if (rc != DCKPT_OK) fprintf(stderr, "%s\n", opt_algorithm_last_error(&t->alg));
  CHECK_OK(rc);
  t->k++;
}

static inline void trial_run(trial *t, int64_t steps) {
  for (int64_t s = 0; s < steps; s++)
    trial_step(t);
}

static inline void trial_metrics(const trial *t, double *out) {
  CHECK_OK(t->alg.metrics(&t->info, t->state, t->k - 1, out));
}

static inline void trial_end(trial *t) {
  t->alg.destroy(&t->info, t->state);
  t->state = NULL;
  opt_algorithm_release(&t->alg);
}

#endif
