/* Gradient descent, heavy-ball momentum (Polyak) and Nesterov's accelerated
 * gradient, in the constant-step forms for a mu-strongly convex, L-smooth f. */
#include "algos.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

static const char *const names[EX_N_ALGORITHMS] = {"gradient_descent", "heavy_ball",
                                                   "nesterov"};

const char *ex_algorithm_name(size_t alg) {
  return alg < EX_N_ALGORITHMS ? names[alg] : "?";
}

void ex_step_params_from_curvature(double lipschitz, double mu,
                                   ex_step_params params[EX_N_ALGORITHMS]) {
  double sl = sqrt(lipschitz), sm = sqrt(mu);
  double q = (sl - sm) / (sl + sm); /* (sqrt(kappa) - 1) / (sqrt(kappa) + 1) */
  double r = 1.0 - sm / sl;         /* heavy ball with step 1/L: rate sqrt(beta) */
  params[EX_GRADIENT_DESCENT] = (ex_step_params){1.0 / lipschitz, 0.0};
  params[EX_HEAVY_BALL] = (ex_step_params){1.0 / lipschitz, r * r};
  params[EX_NESTEROV] = (ex_step_params){1.0 / lipschitz, q};
}

int ex_workspace_alloc(ex_workspace *w, size_t m, size_t n) {
  w->rows = malloc(m * sizeof *w->rows);
  w->y = malloc(n * sizeof *w->y);
  w->g = malloc(n * sizeof *w->g);
  if (w->rows && w->y && w->g) return 0;
  ex_workspace_free(w);
  return -1;
}

void ex_workspace_free(ex_workspace *w) {
  free(w->rows);
  free(w->y);
  free(w->g);
  w->rows = NULL;
  w->y = w->g = NULL;
}

/* The first `batch` entries of rows (m entries) become a uniform sample of
 * distinct row indices: a partial Fisher-Yates shuffle of 0..m-1. */
static void sample_rows(size_t *rows, size_t m, size_t batch, dckpt_rng *rng) {
  for (size_t i = 0; i < m; i++)
    rows[i] = i;
  for (size_t k = 0; k < batch; k++) {
    size_t pick = k + (size_t)dckpt_rng_below(rng, (uint64_t)(m - k));
    size_t tmp = rows[k];
    rows[k] = rows[pick];
    rows[pick] = tmp;
  }
}

void ex_iterate(size_t alg, const ex_step_params *params, const lsq_problem *p,
                size_t batch, dckpt_rng *rng, double *x, double *x_prev,
                ex_workspace *w) {
  size_t n = p->n;
  double a = params->alpha, beta = params->beta;
  bool nesterov = alg == EX_NESTEROV;
  sample_rows(w->rows, p->m, batch, rng);
  /* Gradient point: x for GD and heavy ball, the extrapolation for Nesterov. */
  for (size_t j = 0; j < n; j++)
    w->y[j] = nesterov ? x[j] + beta * (x[j] - x_prev[j]) : x[j];
  lsq_gradient(p, w->y, w->rows, batch, w->g);
  for (size_t j = 0; j < n; j++) {
    double next =
        nesterov ? w->y[j] - a * w->g[j] : x[j] - a * w->g[j] + beta * (x[j] - x_prev[j]);
    x_prev[j] = x[j];
    x[j] = next;
  }
}
