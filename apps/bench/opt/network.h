/* Communication networks of the agents and their Metropolis-Hastings mixing
 * matrices, stored as neighbour lists (CSR without the diagonal). */
#ifndef OPT_NETWORK_H
#define OPT_NETWORK_H

#include <stddef.h>
#include <stdint.h>

typedef enum opt_topology {
  OPT_RING = 1,       /* i ~ i+1 mod n */
  OPT_COMPLETE = 2,   /* every pair */
  OPT_GRID = 3,       /* rows x cols lattice, 4-neighbourhood, no wrap-around */
  OPT_REGULAR = 4,    /* circulant: i ~ i+1..i+degree/2 mod n (degree even) */
  OPT_ERDOS_RENYI = 5 /* G(n, p), resampled until connected */
} opt_topology;

/** Largest number of agents a network may have (the builders use an n x n
 *  adjacency matrix; benchmarks use tens to hundreds of agents). */
#define OPT_MAX_AGENTS 4096

/** How to build a network; fill with opt_network_spec_init, then set fields. */
typedef struct opt_network_spec {
  opt_topology topology;
  size_t n;          /* agents (for OPT_GRID: 0, or rows * cols) */
  size_t rows, cols; /* OPT_GRID */
  size_t degree;     /* OPT_REGULAR: even, 2 <= degree < n */
  double p;          /* OPT_ERDOS_RENYI: edge probability in (0, 1] */
  uint64_t seed;     /* OPT_ERDOS_RENYI */
  int max_attempts;  /* OPT_ERDOS_RENYI: samples before giving up (default 1000;
                        at most 2^29 / n^2 are drawn, about a second's work) */
} opt_network_spec;

/**
 * A network with mixing weights W (symmetric, doubly stochastic):
 * W_ij = 1 / (1 + max(d_i, d_j)) on edges, W_ii = 1 - sum_j W_ij.
 * The arrays belong to the network when `owned` is non-NULL (opt_network_build)
 * and are borrowed from a record otherwise (opt_problem_view).
 */
typedef struct opt_network {
  opt_topology topology;
  size_t n;
  size_t n_edges;         /* undirected edges */
  const int64_t *row_ptr; /* n + 1: neighbours of i are col[row_ptr[i]..row_ptr[i+1]) */
  const int64_t *col;     /* 2 * n_edges neighbour indices, ascending per row */
  const double *weight;   /* 2 * n_edges: W_ij, parallel to col */
  const double *self_weight; /* n: W_ii */
  /* What it was built from (kept in the problem record's header). */
  size_t rows, cols, degree;
  double p;
  uint64_t seed;
  int attempts; /* samples an Erdos-Renyi network took (1 otherwise) */
  void *owned;
} opt_network;

/** Defaults: ring, n 0, degree 2, p 0.5, seed 0, max_attempts 1000. */
void opt_network_spec_init(opt_network_spec *spec);

/** "ring", "complete", "grid", "regular", "erdos_renyi"; NULL for none. */
const char *opt_topology_name(opt_topology t);
/** Parses a name of opt_topology_name (also "er", "k_regular").
 *  @return DCKPT_OK or DCKPT_EINVAL. */
int opt_topology_parse(const char *name, opt_topology *out);

/**
 * Builds the network of `spec` with its Metropolis-Hastings weights.
 * @return DCKPT_OK; DCKPT_EINVAL for a bad spec, an Erdos-Renyi p too sparse
 *         to connect in the draws allowed (refused before any draw: see
 *         docs/algorithms.md, "Networks"), or a graph still disconnected
 *         after them (the message says which and why);
 *         DCKPT_ENOMEM. *out is empty on failure.
 */
int opt_network_build(const opt_network_spec *spec, opt_network *out, char *err,
                      size_t errlen);

/** Deep copy of src into dst (owned). @return DCKPT_OK or DCKPT_ENOMEM. */
int opt_network_copy(const opt_network *src, opt_network *dst);

/** Frees an owned network and empties it (a borrowed one is only emptied). */
void opt_network_free(opt_network *net);

/**
 * Checks the structure (indices in range and sorted, no self loops) and that W
 * is symmetric, nonnegative and doubly stochastic within `tol`, and that the
 * graph is connected. @return DCKPT_OK or DCKPT_EINVAL with the first fault.
 */
int opt_network_check(const opt_network *net, double tol, char *err, size_t errlen);

/** True when the graph is connected (n <= 1 counts as connected). */
int opt_network_connected(const opt_network *net);

/** y_i = W_ii x_i + sum_j W_ij x_j for the n x d row-major arrays x, y (distinct). */
void opt_network_mix(const opt_network *net, const double *x, double *y, size_t d);

/** s_i = sum over neighbours j of x_j (unweighted; x, s distinct n x d arrays). */
void opt_network_neighbor_sum(const opt_network *net, const double *x, double *s,
                              size_t d);

/** Degree of agent i. */
size_t opt_network_degree(const opt_network *net, size_t i);

#endif
