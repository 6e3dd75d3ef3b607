/* Setting a run up: a new one in an empty directory (problem generated from
 * the seed, step sizes from the curvature, everything stored with
 * dckpt_store_initialize), or the one already in the directory, whose plan
 * must agree with the command line and whose stored problem and step sizes
 * are used as they are. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "example.h"

/* The problem record: A (m x n) and b (m), borrowed from run->problem. */
static int put_problem(const ex_run *run, dckpt_record *rec) {
  const lsq_problem *p = &run->problem;
  uint64_t shape[2] = {p->m, p->n};
  int rc = dckpt_record_put_ref(rec, "A", DCKPT_F64, 2, shape, p->a);
  if (rc == DCKPT_OK) rc = dckpt_record_put_ref(rec, "b", DCKPT_F64, 1, shape, p->b);
  if (rc == DCKPT_OK)
    rc = dckpt_record_set_header(rec, "{\"problem\":\"least_squares\","
                                      "\"loss\":\"||Ax-b||^2/(2m)\"}");
  return rc;
}

/* The initial-algorithms record: the curvature bounds, the batch size and
 * each algorithm's step size and momentum (indexed by algorithm). */
static int put_params(const ex_run *run, dckpt_record *rec) {
  double step[EX_N_ALGORITHMS], momentum[EX_N_ALGORITHMS];
  for (size_t a = 0; a < EX_N_ALGORITHMS; a++) {
    step[a] = run->params[a].alpha;
    momentum[a] = run->params[a].beta;
  }
  int64_t batch = (int64_t)run->batch;
  int rc = dckpt_record_put(rec, "lipschitz", DCKPT_F64, 0, NULL, &run->lipschitz);
  if (rc == DCKPT_OK) rc = dckpt_record_put(rec, "mu", DCKPT_F64, 0, NULL, &run->mu);
  if (rc == DCKPT_OK) rc = dckpt_record_put(rec, "batch", DCKPT_I64, 0, NULL, &batch);
  if (rc == DCKPT_OK) rc = dckpt_record_put_f64(rec, "step_size", step, EX_N_ALGORITHMS);
  if (rc == DCKPT_OK)
    rc = dckpt_record_put_f64(rec, "momentum", momentum, EX_N_ALGORITHMS);
  if (rc == DCKPT_OK)
    rc = dckpt_record_set_header(rec, "{\"algorithms\":[\"gradient_descent\","
                                      "\"heavy_ball\",\"nesterov\"]}");
  return rc;
}

/* Writes metadata.json, the problem and the initial algorithms record. */
static int initialize_store(ex_run *run) {
  dckpt_algorithm_info algs[EX_N_ALGORITHMS];
  for (size_t a = 0; a < EX_N_ALGORITHMS; a++)
    algs[a] = (dckpt_algorithm_info){.name = ex_algorithm_name(a),
                                     .iterations = run->iterations};
  char user[256];
  snprintf(user, sizeof user,
           "{\"program\":\"dckpt-example\",\"problem\":\"least_squares\","
           "\"rows\":%d,\"cols\":%d,\"batch\":%zu}",
           EX_ROWS, EX_COLS, run->batch);
  dckpt_metadata meta = {.n_trials = run->n_trials,
                         .n_algorithms = EX_N_ALGORITHMS,
                         .algorithms = algs,
                         .benchmark_metadata = user,
                         .has_seed = true,
                         .rng_seed = run->seed};
  dckpt_record *problem = dckpt_record_create(), *params = dckpt_record_create();
  int rc = problem && params ? DCKPT_OK : DCKPT_ENOMEM;
  if (rc == DCKPT_OK) rc = put_problem(run, problem);
  if (rc == DCKPT_OK) rc = put_params(run, params);
  if (rc == DCKPT_OK) rc = dckpt_store_initialize(run->store, &meta, params, problem);
  int status = rc == DCKPT_OK ? EX_EXIT_OK : ex_store_error(run->store, "initialize", rc);
  dckpt_record_free(problem);
  dckpt_record_free(params);
  return status;
}

static int new_run(ex_run *run) {
  const ex_options *o = run->opts;
  run->n_trials = o->trials;
  run->iterations = o->iterations;
  run->seed = o->seed;
  run->batch = EX_BATCH;
  if (lsq_alloc(&run->problem, EX_ROWS, EX_COLS) != 0) {
    fprintf(stderr, "dckpt-example: out of memory\n");
    return EX_EXIT_FAIL;
  }
  lsq_generate(&run->problem, run->seed);
  if (lsq_curvature(&run->problem, &run->lipschitz, &run->mu) != 0) {
    fprintf(stderr, "dckpt-example: the generated problem is singular\n");
    return EX_EXIT_FAIL;
  }
  ex_step_params_from_curvature(run->lipschitz, run->mu, run->params);
  int status = initialize_store(run);
  if (status == EX_EXIT_OK)
    printf("new run in %s: %d algorithms x %" PRId64 " trials x %" PRId64
           " iterations, seed %" PRIu64 "\n",
           o->dir, EX_N_ALGORITHMS, run->n_trials, run->iterations, run->seed);
  return status;
}

/* Prints the first difference between the stored plan and the options.
 * @return true when they agree (options left out agree with anything). */
static bool plan_matches(const ex_options *o, const dckpt_metadata *m) {
  const char *d = o->dir;
  bool ours = m->n_algorithms == EX_N_ALGORITHMS;
  for (size_t a = 0; ours && a < EX_N_ALGORITHMS; a++)
    ours = !strcmp(m->algorithms[a].name, ex_algorithm_name(a)) &&
           m->algorithms[a].iterations == m->algorithms[0].iterations;
  if (!ours || !m->has_seed) {
    fprintf(stderr,
            "dckpt-example: %s holds a run that this program did not create "
            "(other algorithms, iteration counts or no seed)\n",
            d);
    return false;
  }
  int64_t iters = m->algorithms[0].iterations;
  if (m->n_trials < 1 || m->n_trials > EX_MAX_TRIALS || iters < 1 ||
      iters > EX_MAX_ITERATIONS) {
    fprintf(stderr,
            "dckpt-example: %s holds a run of %" PRId64 " trials x %" PRId64
            " iterations, outside this program's limits\n",
            d, m->n_trials, iters);
    return false;
  }
  const char *what = NULL;
  char have[32], want[32];
  if (o->trials_set && o->trials != m->n_trials) {
    what = "--trials";
    snprintf(have, sizeof have, "%" PRId64, m->n_trials);
    snprintf(want, sizeof want, "%" PRId64, o->trials);
  } else if (o->iterations_set && o->iterations != iters) {
    what = "--iterations";
    snprintf(have, sizeof have, "%" PRId64, iters);
    snprintf(want, sizeof want, "%" PRId64, o->iterations);
  } else if (o->seed_set && o->seed != m->rng_seed) {
    what = "--seed";
    snprintf(have, sizeof have, "%" PRIu64, m->rng_seed);
    snprintf(want, sizeof want, "%" PRIu64, o->seed);
  }
  if (!what) return true;
  fprintf(stderr,
          "dckpt-example: %s holds a different run: it has %s %s, this command "
          "asks for %s %s.\nLeave %s out to resume that run, or use an empty "
          "directory for a new one.\n",
          d, what, have, what, want, what);
  return false;
}

/* Copies A and b out of the stored problem record after checking shapes. */
static int get_problem(ex_run *run, const dckpt_record *rec) {
  dckpt_array_info a;
  int rc = dckpt_record_find(rec, "A", &a);
  bool ok = rc == DCKPT_OK && a.dtype == DCKPT_F64 && a.ndim == 2 && a.shape[1] >= 1 &&
            a.shape[0] >= a.shape[1] && a.shape[0] <= 100000 && a.shape[1] <= 10000;
  if (!ok) {
    fprintf(stderr, "dckpt-example: the stored problem has no usable array 'A' "
                    "(f64, m x n with m >= n)\n");
    return EX_EXIT_FAIL;
  }
  if (lsq_alloc(&run->problem, (size_t)a.shape[0], (size_t)a.shape[1]) != 0) {
    fprintf(stderr, "dckpt-example: out of memory\n");
    return EX_EXIT_FAIL;
  }
  memcpy(run->problem.a, a.data, (size_t)a.nbytes);
  rc = ex_get(rec, "stored problem", "b", DCKPT_F64, run->problem.b, a.shape[0]);
  if (rc != DCKPT_OK) return EX_EXIT_FAIL;
  return EX_EXIT_OK;
}

/* Reads the curvature bounds, batch size and step sizes back. */
static int get_params(ex_run *run, const dckpt_record *rec) {
  double step[EX_N_ALGORITHMS], momentum[EX_N_ALGORITHMS];
  int64_t batch = 0;
  const char *what = "stored initial algorithms";
  int rc = ex_get(rec, what, "lipschitz", DCKPT_F64, &run->lipschitz, 1);
  if (rc == DCKPT_OK) rc = ex_get(rec, what, "mu", DCKPT_F64, &run->mu, 1);
  if (rc == DCKPT_OK) rc = ex_get(rec, what, "batch", DCKPT_I64, &batch, 1);
  if (rc == DCKPT_OK)
    rc = ex_get(rec, what, "step_size", DCKPT_F64, step, EX_N_ALGORITHMS);
  if (rc == DCKPT_OK)
    rc = ex_get(rec, what, "momentum", DCKPT_F64, momentum, EX_N_ALGORITHMS);
  if (rc != DCKPT_OK) return EX_EXIT_FAIL;
  if (batch < 1 || (uint64_t)batch > run->problem.m) {
    fprintf(stderr, "dckpt-example: stored batch size %" PRId64 " is not in 1..%zu\n",
            batch, run->problem.m);
    return EX_EXIT_FAIL;
  }
  run->batch = (size_t)batch;
  for (size_t a = 0; a < EX_N_ALGORITHMS; a++)
    run->params[a] = (ex_step_params){step[a], momentum[a]};
  return EX_EXIT_OK;
}

/* Loads the stored problem and step sizes. */
static int load_records(ex_run *run) {
  dckpt_record *problem = NULL, *params = NULL;
  int rc = dckpt_store_load_problem(run->store, &problem);
  if (rc != DCKPT_OK) return ex_store_error(run->store, "load the problem", rc);
  int status = get_problem(run, problem);
  dckpt_record_free(problem);
  if (status != EX_EXIT_OK) return status;
  rc = dckpt_store_load_initial_algorithms(run->store, &params);
  if (rc != DCKPT_OK)
    return ex_store_error(run->store, "load the initial algorithms", rc);
  status = get_params(run, params);
  dckpt_record_free(params);
  return status;
}

static int resume_run(ex_run *run) {
  const ex_options *o = run->opts;
  dckpt_metadata *meta = NULL;
  int rc = dckpt_store_load_metadata(run->store, &meta);
  if (rc != DCKPT_OK) {
    ex_store_error(run->store, "the directory is not empty but holds no run to resume",
                   rc);
    return EX_EXIT_USAGE;
  }
  bool same = plan_matches(o, meta);
  if (same) {
    run->n_trials = meta->n_trials;
    run->iterations = meta->algorithms[0].iterations;
    run->seed = meta->rng_seed;
  }
  dckpt_metadata_free(meta);
  if (!same) return EX_EXIT_USAGE;
  int status = load_records(run);
  if (status == EX_EXIT_OK)
    printf("resuming run in %s: %d algorithms x %" PRId64 " trials x %" PRId64
           " iterations, seed %" PRIu64 "\n",
           o->dir, EX_N_ALGORITHMS, run->n_trials, run->iterations, run->seed);
  return status;
}

int ex_setup_run(ex_run *run) {
  bool empty = false;
  int rc = dckpt_store_is_empty(run->store, &empty);
  if (rc != DCKPT_OK) return ex_store_error(run->store, "inspect the directory", rc);
  int status = empty ? new_run(run) : resume_run(run);
  if (status != EX_EXIT_OK) return status;
  if (lsq_minimum(&run->problem, NULL, &run->f_star) != 0) {
    fprintf(stderr, "dckpt-example: the normal equations are singular\n");
    return EX_EXIT_FAIL;
  }
  return EX_EXIT_OK;
}

void ex_run_free(ex_run *run) {
  lsq_free(&run->problem);
}
