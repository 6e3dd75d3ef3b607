/* The decentralized algorithms of dckpt-bench as dckpt_algorithm callbacks.
 *
 *   dckpt_algorithm alg;
 *   cJSON *hyper = cJSON_Parse("{\"alpha_scale\": 0.5, \"batch\": 0}");
 *   if (opt_make_algorithm("extra", "EXTRA", hyper, 1000, &alg, err, sizeof err))
 *     ... report err ...
 *   ... dckpt_run(comm, &opts, &alg, 1, problem_record, &report) ...
 *   opt_algorithm_release(&alg);
 *
 * The problem reaches the callbacks as the run's problem record
 * (opt_problem_to_record); they read it with opt_problem_view. Defaults that
 * depend on the problem (the step size alpha = alpha_scale / L_max, ADMM's
 * rho = rho_scale * L_max) are resolved there, on every rank alike, so an
 * algorithm can be described before the problem exists on a rank.
 * Update equations and hyperparameters: docs/algorithms.md. */
#ifndef OPT_ALGORITHMS_H
#define OPT_ALGORITHMS_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "dckpt_run.h"

typedef enum opt_method {
  OPT_DGD = 1,    /* decentralized gradient descent */
  OPT_ATC = 2,    /* adapt-then-combine diffusion */
  OPT_EXTRA = 3,  /* Shi, Ling, Wu, Yin 2015 */
  OPT_DIGING = 4, /* gradient tracking, Nedic, Olshevsky, Shi 2017 */
  OPT_NIDS = 5,   /* Li, Shi, Yan 2019 */
  OPT_ADMM = 6    /* decentralized consensus ADMM, Shi et al. 2014 */
} opt_method;

/** "dgd", "atc", "extra", "diging", "nids", "admm"; NULL for none. */
const char *opt_method_name(opt_method m);
/** Parses a method name (case-sensitive, as above; also "gradient_tracking"
 *  for DIGing). @return DCKPT_OK or DCKPT_EINVAL. */
int opt_method_parse(const char *name, opt_method *out);

/**
 * Fills `out` with the callbacks of method `kind`.
 * @param kind        a method name (opt_method_parse).
 * @param name        the algorithm's unique name in the campaign (copied).
 * @param hyper       JSON object of hyperparameters, or NULL for the defaults:
 *                    "alpha" (step size > 0) or "alpha_scale" (alpha = scale /
 *                    L_max; default per method), "sigma" (std of the starting
 *                    points, default 1), "batch" (rows per agent per gradient,
 *                    0 = full gradient), ADMM: "rho" or "rho_scale" (default
 *                    1, rho = scale * L_max) and "inner" (x-update steps when
 *                    not solved exactly, default 2). Unknown keys and bad
 *                    values are errors naming the key.
 * @param iterations  iterations per trial (>= 1).
 * @param[out] out    callbacks, metrics, name, iterations and the
 *                    hyperparameters JSON with every default filled in. Owns
 *                    memory: release with opt_algorithm_release.
 * @return DCKPT_OK, DCKPT_EINVAL (message in err) or DCKPT_ENOMEM.
 */
int opt_make_algorithm(const char *kind, const char *name, const cJSON *hyper,
                       int64_t iterations, dckpt_algorithm *out, char *err,
                       size_t errlen);

/** Why the last callback of `alg` failed ("" when none): callbacks return only
 *  a status, so the runner prints this after DCKPT_ECALLBACK. */
const char *opt_algorithm_last_error(const dckpt_algorithm *alg);

struct opt_problem;
/** Whether the problem `p` suits `alg`'s hyperparameters (a batch at most the
 *  rows of the largest agent's block): DCKPT_OK, or DCKPT_EINVAL with why in
 *  `why`. A trial checks it when it starts; dckpt-bench before the run, so
 *  that such a config is refused before anything is written. */
int opt_algorithm_check_problem(const dckpt_algorithm *alg, const struct opt_problem *p,
                                char *why, size_t len);

/** Frees what opt_make_algorithm allocated and zeroes `alg`. Accepts a zeroed one. */
void opt_algorithm_release(dckpt_algorithm *alg);

/* ---- reading a trial's state (tests, tools) ---- */

/** The agents' iterates: n x d row-major (row i is agent i's x_i). */
const double *opt_state_iterates(const void *state, size_t *n, size_t *d);
/** Local gradient evaluations so far (one per agent per gradient call). */
int64_t opt_state_gradient_evaluations(const void *state);
/** Vectors sent so far (one per neighbour per vector broadcast). */
int64_t opt_state_messages(const void *state);
/** The resolved step size (alpha; for ADMM the penalty rho). */
double opt_state_step_size(const void *state);

#endif
