/* The benchmark problem: a finite-sum objective f(x) = sum_i f_i(x) whose data
 * rows are split across the agents of a network, with its exact optimum.
 *
 *   least squares:  f(x) = ||A x - b||^2 / (2 m) + (lambda / 2) ||x||^2
 *   logistic:       f(x) = sum_r log(1 + exp(-b_r a_r.x)) / m + (lambda / 2) ||x||^2
 *
 * Agent i holds rows agent_rows[i] .. agent_rows[i+1]-1 and
 * f_i(x) = (its rows' share of the data term) + (lambda / (2 N)) ||x||^2, so
 * that the f_i sum to f. See docs/algorithms.md. */
#ifndef OPT_PROBLEM_H
#define OPT_PROBLEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dckpt.h"
#include "opt/network.h"

typedef enum opt_problem_kind {
  OPT_LEAST_SQUARES = 1,
  OPT_LOGISTIC = 2
} opt_problem_kind;

/** Where the data comes from and how it is prepared; opt_problem_spec_init
 *  fills the defaults. */
typedef struct opt_problem_spec {
  opt_problem_kind kind; /* default least squares */
  double lambda;         /* L2 weight >= 0 (default 0) */
  const char *csv_path;  /* CSV file (header row, numeric); NULL: synthetic */
  const char *label;     /* CSV label/target column; NULL: the last column */
  size_t rows, features; /* synthetic sizes (default 200 x 10) */
  double noise;          /* synthetic least squares: noise std (default 0.1) */
  uint64_t seed;         /* synthetic data seed (default 1) */
  bool standardize;      /* centre and scale each feature column (default true) */
  bool intercept;        /* append a column of ones after scaling (default false) */
} opt_problem_spec;

/**
 * A problem instance. Arrays belong to it when `owned` is non-NULL
 * (opt_problem_build) and are borrowed from a record otherwise
 * (opt_problem_view). Either way the numerical code reads only these fields.
 */
typedef struct opt_problem {
  opt_problem_kind kind;
  size_t m; /* data rows */
  size_t d; /* dimension of x (features + intercept) */
  size_t n_agents;
  double lambda;
  const double *A;           /* m x d, row-major */
  const double *b;           /* m targets (least squares) or labels in {-1, +1} */
  const int64_t *agent_rows; /* n_agents + 1 row offsets */
  const double *x_star;      /* d: the minimizer of f */
  double f_star;             /* f(x_star) */
  const double *lipschitz;   /* n_agents: smoothness constant L_i of f_i */
  double L_max;              /* max_i L_i */
  opt_network net;           /* the agents' network (net.n == n_agents) */
  /* Provenance, repeated in the record header. */
  bool standardized, intercept;
  char source[512]; /* "synthetic" or the CSV path */
  char label[128];  /* CSV label column name, "" for synthetic */
  void *owned;
} opt_problem;

/** Defaults as documented in opt_problem_spec. */
void opt_problem_spec_init(opt_problem_spec *spec);

/** "least_squares" / "logistic"; NULL for an unknown kind. */
const char *opt_problem_kind_name(opt_problem_kind kind);
/** Parses a kind name (also "lsq", "logreg"). @return DCKPT_OK or DCKPT_EINVAL. */
int opt_problem_kind_parse(const char *name, opt_problem_kind *out);

/**
 * Builds a problem: loads or generates the data, maps logistic labels
 * ({0, 1} -> {-1, +1}), standardizes, splits the rows over the net->n agents
 * in contiguous blocks (the first m mod N agents get one row more), computes
 * the L_i and the exact optimum. The network is copied.
 * @return DCKPT_OK; DCKPT_ENOENT / DCKPT_EIO for the file; DCKPT_EINVAL for bad
 *         specs, bad data (file, line and column named) or a problem without a
 *         unique optimum; DCKPT_ENOMEM. *out is empty on failure.
 */
int opt_problem_build(const opt_problem_spec *spec, const opt_network *net,
                      opt_problem *out, char *err, size_t errlen);

/** Frees what the problem owns and empties it. Accepts an empty problem. */
void opt_problem_free(opt_problem *p);

/**
 * Writes the problem into `rec` (arrays copied): "A" [m, d], "b" [m],
 * "agent_rows" [N+1] i64, "x_star" [d], "f_star", "lambda", "lipschitz" [N],
 * "net_row_ptr", "net_col", "net_weight", "net_self_weight", and a JSON header
 * {"format": "dckpt-bench-problem", "version": 1, "kind", "lambda", ...,
 *  "network": {...}}. This record is the run's problem record.
 */
int opt_problem_to_record(const opt_problem *p, dckpt_record *rec, char *err,
                          size_t errlen);

/**
 * A problem that borrows the arrays of `rec` (written by opt_problem_to_record):
 * no copy, one header parse and a bounds check of the index arrays, so that
 * every trial callback can afford it. Valid while `rec` lives unchanged;
 * opt_problem_free on it frees nothing.
 * @return DCKPT_OK or DCKPT_EINVAL / DCKPT_ENOENT / DCKPT_EMISMATCH naming the
 *         array or header key at fault.
 */
int opt_problem_view(const dckpt_record *rec, opt_problem *out, char *err, size_t errlen);

#endif
