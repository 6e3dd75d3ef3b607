/* Algorithms of dckpt-bench against what the theory says: the exact methods
 * (EXTRA, DIGing, NIDS, ADMM) reach the optimum, DGD and ATC with a constant
 * step stall at a distance that shrinks with the step; counters; bad
 * hyperparameters. Iterations to 1e-8 are printed for the record. */
#include <math.h>

#include "test_opt_fixture.h"

static const char *const exact_methods[] = {"extra", "diging", "nids", "admm"};

/* Iterations until ||xbar - x*|| and the consensus error are both <= tol
 * (checked after every iteration), or -1 within max_iter. */
static int64_t iterations_to(const fixture *f, const char *method, const char *hyper,
                             double tol, int64_t max_iter) {
  trial t;
  double m[OPT_N_METRICS];
  int64_t hit = -1;
  trial_start(&t, f, method, hyper, 5);
  while (hit < 0 && t.k < max_iter) {
    trial_step(&t);
    trial_metrics(&t, m);
    CHECK(isfinite(m[OPT_METRIC_DISTANCE]));
    if (m[OPT_METRIC_DISTANCE] <= tol && m[OPT_METRIC_CONSENSUS] <= tol) hit = t.k;
  }
  trial_end(&t);
  return hit;
}

static void test_exact_methods_least_squares(void) {
  opt_topology nets[] = {OPT_RING, OPT_ERDOS_RENYI};
  for (size_t g = 0; g < 2; g++) {
    fixture f;
    fixture_least_squares(&f, nets[g], 10);
    for (size_t a = 0; a < 4; a++) {
      int64_t k = iterations_to(&f, exact_methods[a], NULL, 1e-8, 3000);
      fprintf(stderr, "   %-6s on %-11s: ||xbar - x*|| <= 1e-8 after %lld iterations\n",
              exact_methods[a], opt_topology_name(nets[g]), (long long)k);
      CHECK(k > 0);
    }
    fixture_free(&f);
  }
}

/* Distance to x* after `iters` iterations, and how much it moved over the
 * last half of them. */
static double floor_of(const fixture *f, const char *method, double alpha_scale,
                       int64_t iters, double *drift) {
  char hyper[64];
  snprintf(hyper, sizeof hyper, "{\"alpha_scale\": %g}", alpha_scale);
  trial t;
  double m[OPT_N_METRICS];
  trial_start(&t, f, method, hyper, 5);
  trial_run(&t, iters / 2);
  trial_metrics(&t, m);
  double half = m[OPT_METRIC_DISTANCE];
  trial_run(&t, iters - iters / 2);
  trial_metrics(&t, m);
  trial_end(&t);
  *drift = fabs(m[OPT_METRIC_DISTANCE] - half);
  return m[OPT_METRIC_DISTANCE];
}

static void test_constant_step_neighbourhood(void) {
  fixture f;
  fixture_least_squares(&f, OPT_RING, 10);
  double last_dgd = INFINITY;
  for (double scale = 0.5; scale >= 0.125; scale /= 2) {
    double drift_dgd, drift_atc;
    double dgd = floor_of(&f, "dgd", scale, 20000, &drift_dgd);
    double atc = floor_of(&f, "atc", scale, 20000, &drift_atc);
    fprintf(stderr, "   alpha = %.3f / L: DGD stalls at %.3e, ATC at %.3e\n", scale, dgd,
            atc);
    CHECK(dgd > 1e-6);             /* a neighbourhood, not the optimum */
    CHECK(drift_dgd < 1e-9 * dgd); /* and it has stopped moving */
    CHECK(drift_atc < 1e-9 * atc);
    CHECK(dgd < last_dgd); /* smaller steps, smaller neighbourhood */
    CHECK(atc < dgd);      /* ATC's is smaller at the same step */
    last_dgd = dgd;
  }
  fixture_free(&f);
}

static void test_exact_methods_breast_cancer(void) {
  opt_problem_spec spec;
  opt_problem_spec_init(&spec);
  spec.kind = OPT_LOGISTIC;
  spec.csv_path = DCKPT_SOURCE_DIR "/apps/bench/data/breast_cancer.csv";
  spec.intercept = true;
  spec.lambda = 0.01;
  fixture f;
  fixture_init(&f, &spec, OPT_RING, 10);
  for (size_t a = 0; a < 4; a++) {
    trial t;
    double m[OPT_N_METRICS] = {0};
    int64_t hit = -1;
    trial_start(&t, &f, exact_methods[a], NULL, 9);
    while (hit < 0 && t.k < 20000) {
      trial_step(&t);
      trial_metrics(&t, m);
      if (m[OPT_METRIC_SUBOPTIMALITY] <= 1e-8) hit = t.k;
    }
    fprintf(stderr,
            "   %-6s on breast_cancer: f(xbar) - f* <= 1e-8 after %lld iterations"
            " (accuracy %.4f)\n",
            exact_methods[a], (long long)hit, m[OPT_METRIC_ACCURACY]);
    CHECK(hit > 0);
    CHECK(m[OPT_METRIC_ACCURACY] > 0.95);
    trial_end(&t);
  }
  fixture_free(&f);
}

/* One broadcast on a ring of 10 is 20 messages; N gradients per call. */
static void test_counters(void) {
  fixture f;
  fixture_least_squares(&f, OPT_RING, 10);
  struct {
    const char *method;
    int64_t grads_first, msgs_first, grads_each, msgs_each;
  } want[] = {{"dgd", 10, 20, 10, 20},    {"atc", 10, 20, 10, 20},
              {"extra", 10, 20, 10, 20},  {"nids", 10, 0, 10, 20},
              {"diging", 20, 40, 10, 40}, {"admm", 10, 40, 10, 20}};
  for (size_t a = 0; a < sizeof want / sizeof want[0]; a++) {
    trial t;
    trial_start(&t, &f, want[a].method, NULL, 1);
    trial_step(&t);
    CHECK_EQ(opt_state_gradient_evaluations(t.state), want[a].grads_first);
    CHECK_EQ(opt_state_messages(t.state), want[a].msgs_first);
    trial_run(&t, 3);
    CHECK_EQ(opt_state_gradient_evaluations(t.state),
             want[a].grads_first + 3 * want[a].grads_each);
    CHECK_EQ(opt_state_messages(t.state), want[a].msgs_first + 3 * want[a].msgs_each);
    trial_end(&t);
  }
  fixture_free(&f);
}

static void check_refused(const char *method, const char *hyper_json, const char *why) {
  dckpt_algorithm alg;
  char err[512];
  cJSON *hyper = cJSON_Parse(hyper_json);
  CHECK(hyper != NULL);
  CHECK_RC(opt_make_algorithm(method, "x", hyper, 10, &alg, err, sizeof err),
           DCKPT_EINVAL);
  CHECK_CONTAINS(err, why);
  cJSON_Delete(hyper);
}

static void test_hyperparameters(void) {
  check_refused("dgd", "{\"alpah\": 1}", "unknown hyperparameter 'alpah' (known: alpha");
  check_refused("dgd", "{\"alpha\": -1}", "'alpha' must be a positive number");
  check_refused("nids", "{\"alpha\": \"big\"}", "'alpha' must be a positive number");
  check_refused("extra", "{\"alpha\": 1, \"alpha_scale\": 1}", "not both");
  check_refused("diging", "{\"batch\": 2.5}", "'batch' must be an integer");
  check_refused("admm", "{\"alpha\": 1}", "unknown hyperparameter 'alpha'");
  check_refused("admm", "{\"inner\": 0}", "'inner' must be an integer in [1, 1000]");
  check_refused("sgd", "{}", "unknown algorithm 'sgd'");
  check_refused("dgd", "[1]", "must be a JSON object");
  dckpt_algorithm alg;
  char err[256];
  cJSON *hyper = cJSON_Parse("{\"batch\": 4, \"sigma\": 0}");
  CHECK_OK(
      opt_make_algorithm("gradient_tracking", "GT", hyper, 50, &alg, err, sizeof err));
  CHECK_STR_EQ(alg.name, "GT");
  CHECK_EQ(alg.iterations, 50);
  CHECK_STR_EQ(alg.hyperparameters, "{\"alpha_scale\":0.3,\"sigma\":0,\"batch\":4}");
  CHECK_EQ(alg.n_metrics, OPT_N_METRICS);
  opt_algorithm_release(&alg);
  CHECK_OK(opt_make_algorithm("admm", "A", NULL, 5, &alg, err, sizeof err));
  CHECK_STR_EQ(alg.hyperparameters,
               "{\"rho_scale\":0.05,\"inner\":2,\"sigma\":1,\"batch\":0}");
  opt_algorithm_release(&alg);
  cJSON_Delete(hyper);
}

/* Trials differ by seed (starting point, minibatches) and repeat exactly. */
static void test_trials_and_seeds(void) {
  fixture f;
  fixture_least_squares(&f, OPT_RING, 10);
  for (size_t a = 0; a < 4; a++) {
    trial t1, t2, t3;
    trial_start(&t1, &f, exact_methods[a], "{\"batch\": 3}", 1);
    trial_start(&t2, &f, exact_methods[a], "{\"batch\": 3}", 1);
    trial_start(&t3, &f, exact_methods[a], "{\"batch\": 3}", 2);
    trial_run(&t1, 50);
    trial_run(&t2, 50);
    trial_run(&t3, 50);
    size_t n, d;
    const double *x1 = opt_state_iterates(t1.state, &n, &d);
    CHECK(memcmp(x1, opt_state_iterates(t2.state, NULL, NULL), n * d * sizeof *x1) == 0);
    CHECK(memcmp(x1, opt_state_iterates(t3.state, NULL, NULL), n * d * sizeof *x1) != 0);
    trial_end(&t1);
    trial_end(&t2);
    trial_end(&t3);
  }
  fixture_free(&f);
}

int main(void) {
  RUN_TEST(test_exact_methods_least_squares);
  RUN_TEST(test_constant_step_neighbourhood);
  RUN_TEST(test_exact_methods_breast_cancer);
  RUN_TEST(test_counters);
  RUN_TEST(test_hyperparameters);
  RUN_TEST(test_trials_and_seeds);
  return 0;
}
