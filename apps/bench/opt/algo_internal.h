/* What the algorithm files share: the configuration behind a dckpt_algorithm,
 * a trial's state, and the per-method table. Internal to dckpt_opt. */
#ifndef OPT_ALGO_INTERNAL_H
#define OPT_ALGO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dckpt_run.h"
#include "opt/algorithms.h"
#include "opt/problem.h"

/** Most N x d arrays a method keeps between iterations. */
#define OPT_MAX_BUFS 4

/** A parsed configuration (dckpt_algorithm.user). Zero alpha / rho mean
 *  "scale times the problem's L_max", resolved per trial. */
typedef struct opt_config {
  opt_method method;
  char *name;
  char *hyper_json;
  char config_json[64]; /* {"method": ...}: with hyper_json, what the run records */
  double alpha, alpha_scale;
  double sigma;
  int64_t batch;
  double rho, rho_scale;
  int64_t inner;
  char last_error[512]; /* why the last callback failed */
} opt_config;

typedef struct opt_state opt_state;

/** A method: its persistent arrays (saved under these names; bufs[0] is "x"),
 *  its default step scale, and its update. */
typedef struct opt_method_desc {
  opt_method method;
  const char *name;
  int n_bufs;
  const char *bufs[OPT_MAX_BUFS];
  double alpha_scale; /* default alpha = alpha_scale / L_max */
  /** Derived, unsaved data after create or load (may be NULL). */
  int (*prepare)(opt_state *s);
  /** One iteration; draws minibatches from rng. */
  int (*step)(opt_state *s, dckpt_rng *rng);
} opt_method_desc;

struct opt_state {
  const opt_config *cfg;
  const opt_method_desc *desc;
  opt_problem prob; /* a view of the trial's problem record */
  size_t n, d, nd;
  double alpha, rho;         /* resolved step size and ADMM penalty */
  double *buf[OPT_MAX_BUFS]; /* persistent N x d arrays */
  double *tmp, *tmp2;        /* N x d scratch */
  double *work;              /* d * d + 4 * d scratch */
  size_t *rows;              /* batch row indices */
  double *factor;            /* ADMM least squares: N Cholesky factors (d x d) */
  double *rhs0;              /* ADMM least squares: N x d vectors A_i^T b_i / m */
  int64_t t;                 /* iterations done */
  int64_t grad_evals, messages;
};

/** The table entry of a method, or NULL. */
const opt_method_desc *opt_method_lookup(opt_method m);

/** Parses hyperparameters into cfg (defaults for absent keys) and writes the
 *  resolved JSON text into cfg->hyper_json. */
int opt_config_parse(opt_method m, const cJSON *hyper, opt_config *cfg, char *err,
                     size_t errlen);

/** G_i = grad f_i(X_i) for every agent, full or minibatch (cfg->batch rows
 *  drawn with replacement from agent i's block, agents in order); counts N
 *  gradient evaluations. */
void opt_all_grads(opt_state *s, const double *X, double *G, dckpt_rng *rng);
/** Draws cfg->batch row indices of agent i into s->rows. */
void opt_draw_batch(opt_state *s, size_t i, dckpt_rng *rng);
/** Messages of one broadcast of a vector by every agent to its neighbours. */
int64_t opt_broadcast_messages(const opt_state *s);

/* The updates (algo_gossip.c, algo_admm.c). */
int opt_step_dgd(opt_state *s, dckpt_rng *rng);
int opt_step_atc(opt_state *s, dckpt_rng *rng);
int opt_step_extra(opt_state *s, dckpt_rng *rng);
int opt_step_nids(opt_state *s, dckpt_rng *rng);
int opt_step_diging(opt_state *s, dckpt_rng *rng);
int opt_prepare_admm(opt_state *s);
int opt_step_admm(opt_state *s, dckpt_rng *rng);

#endif
