/* The three methods the example benchmarks, each a fixed-step iteration on
 * the least-squares problem with a minibatch gradient. */
#ifndef DCKPT_EXAMPLE_ALGOS_H
#define DCKPT_EXAMPLE_ALGOS_H

#include <stddef.h>

#include "dckpt.h"
#include "lsq.h"

/* Algorithm indices, in the order of the run's metadata. */
enum { EX_GRADIENT_DESCENT = 0, EX_HEAVY_BALL = 1, EX_NESTEROV = 2, EX_N_ALGORITHMS = 3 };

typedef struct ex_step_params {
  double alpha; /* step size */
  double beta;  /* momentum (0 for gradient descent) */
} ex_step_params;

/** Name of algorithm `alg` (0..EX_N_ALGORITHMS-1) as stored in metadata. */
const char *ex_algorithm_name(size_t alg);

/** Fixed step sizes for every algorithm from the curvature bounds. */
void ex_step_params_from_curvature(double lipschitz, double mu,
                                   ex_step_params params[EX_N_ALGORITHMS]);

/** Scratch space of one iteration. */
typedef struct ex_workspace {
  size_t *rows;  /* m: row indices, the batch first */
  double *y, *g; /* n each */
} ex_workspace;

int ex_workspace_alloc(ex_workspace *w, size_t m, size_t n);
void ex_workspace_free(ex_workspace *w);

/**
 * One iteration of algorithm `alg`: samples `batch` distinct rows (1..m) with
 * `rng`, then
 * updates the iterate x and the previous iterate x_prev (n entries each).
 */
void ex_iterate(size_t alg, const ex_step_params *params, const lsq_problem *p,
                size_t batch, dckpt_rng *rng, double *x, double *x_prev, ex_workspace *w);

#endif
