#include "opt/network.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dckpt.h"
#include "dckpt_run.h"
#include "opt/linalg.h"
#include "opt/util.h"

void opt_network_spec_init(opt_network_spec *spec) {
  memset(spec, 0, sizeof *spec);
  spec->topology = OPT_RING;
  spec->degree = 2;
  spec->p = 0.5;
  spec->max_attempts = 1000;
}

static const struct {
  const char *name;
  opt_topology t;
} topology_names[] = {{"ring", OPT_RING},         {"complete", OPT_COMPLETE},
                      {"grid", OPT_GRID},         {"regular", OPT_REGULAR},
                      {"k_regular", OPT_REGULAR}, {"erdos_renyi", OPT_ERDOS_RENYI},
                      {"er", OPT_ERDOS_RENYI}};

const char *opt_topology_name(opt_topology t) {
  for (size_t i = 0; i < sizeof topology_names / sizeof topology_names[0]; i++)
    if (topology_names[i].t == t) return topology_names[i].name;
  return NULL;
}

int opt_topology_parse(const char *name, opt_topology *out) {
  for (size_t i = 0; i < sizeof topology_names / sizeof topology_names[0]; i++)
    if (name && strcmp(name, topology_names[i].name) == 0) {
      *out = topology_names[i].t;
      return DCKPT_OK;
    }
  return DCKPT_EINVAL;
}

/* ---- graphs as n x n adjacency matrices while they are built ---- */

static void add_edge(unsigned char *adj, size_t n, size_t i, size_t j) {
  if (i == j) return;
  adj[i * n + j] = 1;
  adj[j * n + i] = 1;
}

static void fill_ring(unsigned char *adj, size_t n) {
  for (size_t i = 0; i < n; i++)
    add_edge(adj, n, i, (i + 1) % n);
}

static void fill_complete(unsigned char *adj, size_t n) {
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++)
      add_edge(adj, n, i, j);
}

static void fill_grid(unsigned char *adj, size_t rows, size_t cols) {
  size_t n = rows * cols;
  for (size_t r = 0; r < rows; r++)
    for (size_t c = 0; c < cols; c++) {
      size_t i = r * cols + c;
      if (c + 1 < cols) add_edge(adj, n, i, i + 1);
      if (r + 1 < rows) add_edge(adj, n, i, i + cols);
    }
}

static void fill_regular(unsigned char *adj, size_t n, size_t degree) {
  for (size_t i = 0; i < n; i++)
    for (size_t s = 1; s <= degree / 2; s++)
      add_edge(adj, n, i, (i + s) % n);
}

static void fill_erdos_renyi(unsigned char *adj, size_t n, double p, dckpt_rng *rng) {
  memset(adj, 0, n * n);
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++)
      if (dckpt_rng_uniform(rng) < p) add_edge(adj, n, i, j);
}

/* Breadth-first search from node 0 over the adjacency matrix. */
static int adjacency_connected(const unsigned char *adj, size_t n) {
  if (n <= 1) return 1;
  size_t *queue = malloc(n * sizeof *queue);
  unsigned char *seen = calloc(n, 1);
  size_t head = 0, tail = 0;
  if (!queue || !seen) {
    free(queue);
    free(seen);
    return -1;
  }
  seen[0] = 1;
  queue[tail++] = 0;
  while (head < tail) {
    size_t i = queue[head++];
    for (size_t j = 0; j < n; j++)
      if (adj[i * n + j] && !seen[j]) {
        seen[j] = 1;
        queue[tail++] = j;
      }
  }
  free(queue);
  free(seen);
  return tail == n;
}

/* ---- spec validation ---- */

/* ln of an upper bound on the chance that one G(n, p) sample is connected,
 * from two facts that need no sampling: a connected graph has at least n - 1
 * of its N = n(n-1)/2 possible edges (Chernoff: P(Bin(N, p) >= k) <=
 * exp(-N D(k/N || p)) for k/N > p), and it has a spanning tree (the expected
 * number of them, n^(n-2) p^(n-1), bounds the chance that there is one). */
static double er_log_connect_bound(size_t n, double p) {
  if (n <= 2 || p >= 1.0) return 0.0;
  double nn = (double)n, pairs = nn * (nn - 1) / 2, a = (nn - 1) / pairs;
  double edges = 0.0;
  if (a > p) edges = -pairs * (a * log(a / p) + (1 - a) * (log1p(-a) - log1p(-p)));
  double trees = (nn - 2) * log(nn) + (nn - 1) * log(p);
  double b = edges < trees ? edges : trees;
  return b < 0.0 ? b : 0.0;
}

/* A draw costs about n^2 steps (n(n-1)/2 coin flips, then a search of the
 * n x n matrix): ~28 ms at n = 4096 on a 2-core machine. The draws of one
 * network are capped at 2^29 / n^2 (32 at n = 4096; max_attempts itself up to
 * n = 732), about a second's work, so that deciding takes no longer. */
#define ER_DRAW_STEPS (1 << 29)

static int er_max_draws(size_t n, int max_attempts) {
  double cap = floor((double)ER_DRAW_STEPS / ((double)n * (double)n));
  return cap < 1.0 ? 1 : cap < (double)max_attempts ? (int)cap : max_attempts;
}

/* The expected number of isolated nodes of G(n, p), n (1 - p)^(n-1). */
static double er_isolated(size_t n, double p) {
  return (double)n * exp((double)(n - 1) * log1p(-p));
}

/* Whether G(n, p) is too sparse to draw connected within `draws` draws. Two
 * conditions, both needed:
 * - an estimate says the draws needed on average, 1/q, exceed `draws`: q,
 *   the chance that one draw is connected, is taken as that of no isolated
 *   node, exp(-mu) with mu = er_isolated() (their number is nearly Poisson,
 *   and near ln(n)/n they are what keeps a graph from being connected:
 *   Erdos and Renyi; close to drawn frequencies from n = 30 on,
 *   docs/algorithms.md);
 * - a proof that one draw is connected with a chance below 1/2: a connected
 *   graph has no isolated node, and for their number X the second moment
 *   gives P(X = 0) <= 1 - E[X]^2 / E[X^2] = 1 - 1 / (1/mu + (n-1)/(n(1-p))).
 * So no p that usually gives a connected graph is refused, whatever the
 * estimate's error (it is rough for a handful of nodes, where draws are
 * cheap). */
static bool er_too_sparse(size_t n, double p, int draws) {
  if (n <= 2 || p >= 1.0) return false;
  double mu = er_isolated(n, p);
  if (mu <= log((double)draws)) return false;
  double bound = 1.0 - 1.0 / (1.0 / mu + (double)(n - 1) / ((double)n * (1.0 - p)));
  return bound < 0.5;
}

/* The p at which er_isolated(n, p) = ln(draws), the estimate's edge, rounded
 * up to 3 digits: a p to suggest (er_too_sparse accepts it). */
static double er_p_suggested(size_t n, int draws) {
  double p = -expm1(log(log((double)draws) / (double)n) / (double)(n - 1));
  double scale = pow(10.0, 2.0 - floor(log10(p)));
  return ceil(p * scale) / scale;
}

static int check_spec(const opt_network_spec *s, size_t *n, char *err, size_t errlen) {
  const char *name = opt_topology_name(s->topology);
  if (!name) return opt_fail(err, errlen, DCKPT_EINVAL, "network: unknown topology");
  *n = s->n;
  if (s->topology == OPT_GRID) {
    if (s->rows == 0 || s->cols == 0 || s->rows > OPT_MAX_AGENTS ||
        s->cols > OPT_MAX_AGENTS)
      return opt_fail(err, errlen, DCKPT_EINVAL,
                      "network grid: rows and cols must be in 1..%d (got %zu x %zu)",
                      OPT_MAX_AGENTS, s->rows, s->cols);
    if (s->n != 0 && s->n != s->rows * s->cols)
      return opt_fail(err, errlen, DCKPT_EINVAL,
                      "network grid: n = %zu but rows x cols = %zu x %zu = %zu", s->n,
                      s->rows, s->cols, s->rows * s->cols);
    *n = s->rows * s->cols;
  }
  if (*n == 0 || *n > OPT_MAX_AGENTS)
    return opt_fail(err, errlen, DCKPT_EINVAL, "network %s: n = %zu agents, need 1..%d",
                    name, *n, OPT_MAX_AGENTS);
  if (s->topology == OPT_REGULAR &&
      (s->degree % 2 != 0 || s->degree < 2 || s->degree >= *n))
    return opt_fail(err, errlen, DCKPT_EINVAL,
                    "network regular: degree = %zu must be even and in [2, n = %zu)",
                    s->degree, *n);
  if (s->topology == OPT_ERDOS_RENYI &&
      (!(s->p > 0.0 && s->p <= 1.0) || s->max_attempts < 1))
    return opt_fail(err, errlen, DCKPT_EINVAL,
                    "network erdos_renyi: p = %g must be in (0, 1] and max_attempts = %d "
                    ">= 1",
                    s->p, s->max_attempts);
  /* A p too small to connect was sampled max_attempts times before it was
   * refused: 1000 graphs of 4096 nodes, ~25 s. Refused now when all of them
   * together connect with a chance below 1e-12, which leaves every input
   * that could connect (and what it draws) as it was. */
  if (s->topology != OPT_ERDOS_RENYI) return DCKPT_OK;
  int draws = er_max_draws(*n, s->max_attempts);
  if (er_log_connect_bound(*n, s->p) + log((double)draws) < log(1e-12))
    return opt_fail(err, errlen, DCKPT_EINVAL,
                    "network erdos_renyi: G(n = %zu, p = %g) cannot plausibly be "
                    "connected (chance below 1e-12 in %d samples: it needs %zu edges, "
                    "%.3g are expected); connectivity needs p well above ln(n)/n = %.3g",
                    *n, s->p, draws, *n - 1, s->p * (double)*n * (double)(*n - 1) / 2,
                    log((double)*n) / (double)*n);
  /* Between about 2/n and ln(n)/n, 1000 draws of 4096 nodes took ~25 s
   * before a refusal (or, now and then, a connected graph). */
  if (er_too_sparse(*n, s->p, draws)) {
    double mu = er_isolated(*n, s->p);
    return opt_fail(err, errlen, DCKPT_EINVAL,
                    "network erdos_renyi: p = %g is too small for n = %zu agents: a "
                    "graph drawn has %.3g isolated agents on average and is connected "
                    "with a chance of about %.2g, too small for the %d draws allowed at "
                    "this size; use p >= %g (ln(n)/n = %.3g)",
                    s->p, *n, mu, exp(-mu), draws, er_p_suggested(*n, draws),
                    log((double)*n) / (double)*n);
  }
  return DCKPT_OK;
}

/* Fills adj for the spec; Erdos-Renyi graphs are drawn until connected. */
static int fill_adjacency(const opt_network_spec *s, size_t n, unsigned char *adj,
                          int *attempts, char *err, size_t errlen) {
  *attempts = 1;
  switch (s->topology) {
  case OPT_RING: fill_ring(adj, n); break;
  case OPT_COMPLETE: fill_complete(adj, n); break;
  case OPT_GRID: fill_grid(adj, s->rows, s->cols); break;
  case OPT_REGULAR: fill_regular(adj, n, s->degree); break;
  case OPT_ERDOS_RENYI: {
    dckpt_rng rng;
    dckpt_rng_seed(&rng, s->seed);
    for (*attempts = 1;; ++*attempts) {
      fill_erdos_renyi(adj, n, s->p, &rng);
      int c = adjacency_connected(adj, n);
      if (c < 0) return opt_fail(err, errlen, DCKPT_ENOMEM, "network: out of memory");
      if (c) break;
      if (*attempts >= er_max_draws(n, s->max_attempts))
        return opt_fail(err, errlen, DCKPT_EINVAL,
                        "network erdos_renyi: G(n = %zu, p = %g) was disconnected in all "
                        "%d samples (seed %llu; the most drawn at this size); "
                        "connectivity needs p well above ln(n)/n = %.3g",
                        n, s->p, *attempts, (unsigned long long)s->seed,
                        log((double)n) / (double)n);
    }
    break;
  }
  }
  return DCKPT_OK;
}

/* ---- CSR and Metropolis-Hastings weights ---- */

static int alloc_csr(opt_network *net, size_t n, size_t nnz) {
  /* One block: row_ptr, col (int64) then weight, self_weight (double). */
  size_t count = (n + 1) + nnz + nnz + n;
  void *block = calloc(count, 8);
  if (!block) return DCKPT_ENOMEM;
  int64_t *ip = block;
  double *dp = (double *)block + (n + 1) + nnz;
  net->row_ptr = ip;
  net->col = ip + n + 1;
  net->weight = dp;
  net->self_weight = dp + nnz;
  net->owned = block;
  return DCKPT_OK;
}

static int adjacency_to_csr(const unsigned char *adj, size_t n, opt_network *net) {
  size_t nnz = 0;
  for (size_t k = 0; k < n * n; k++)
    nnz += adj[k];
  if (alloc_csr(net, n, nnz) != DCKPT_OK) return DCKPT_ENOMEM;
  int64_t *row_ptr = (int64_t *)net->owned, *col = row_ptr + n + 1;
  double *w = (double *)net->owned + (n + 1) + nnz, *self = w + nnz;
  size_t at = 0;
  for (size_t i = 0; i < n; i++) {
    row_ptr[i] = (int64_t)at;
    for (size_t j = 0; j < n; j++)
      if (adj[i * n + j]) col[at++] = (int64_t)j;
  }
  row_ptr[n] = (int64_t)at;
  /* W_ij = 1 / (1 + max(d_i, d_j)) keeps every row sum of the off-diagonal
   * part below 1, so W_ii = 1 - sum_j W_ij is positive: W is symmetric and
   * doubly stochastic by construction. */
  for (size_t i = 0; i < n; i++) {
    double sum = 0.0;
    size_t di = (size_t)(row_ptr[i + 1] - row_ptr[i]);
    for (int64_t e = row_ptr[i]; e < row_ptr[i + 1]; e++) {
      size_t j = (size_t)col[e];
      size_t dj = (size_t)(row_ptr[j + 1] - row_ptr[j]);
      w[e] = 1.0 / (1.0 + (double)(di > dj ? di : dj));
      sum += w[e];
    }
    self[i] = 1.0 - sum;
  }
  net->n = n;
  net->n_edges = nnz / 2;
  return DCKPT_OK;
}

int opt_network_build(const opt_network_spec *spec, opt_network *out, char *err,
                      size_t errlen) {
  memset(out, 0, sizeof *out);
  size_t n = 0;
  int rc = check_spec(spec, &n, err, errlen);
  if (rc != DCKPT_OK) return rc;
  unsigned char *adj = calloc(n * n, 1);
  if (!adj) return opt_fail(err, errlen, DCKPT_ENOMEM, "network: out of memory");
  int attempts = 1;
  rc = fill_adjacency(spec, n, adj, &attempts, err, errlen);
  if (rc == DCKPT_OK && adjacency_connected(adj, n) != 1)
    rc = opt_fail(err, errlen, DCKPT_EINVAL, "network %s with n = %zu is not connected",
                  opt_topology_name(spec->topology), n);
  if (rc == DCKPT_OK && adjacency_to_csr(adj, n, out) != DCKPT_OK)
    rc = opt_fail(err, errlen, DCKPT_ENOMEM, "network: out of memory");
  free(adj);
  if (rc != DCKPT_OK) return rc;
  out->topology = spec->topology;
  out->rows = spec->topology == OPT_GRID ? spec->rows : 0;
  out->cols = spec->topology == OPT_GRID ? spec->cols : 0;
  out->degree = spec->topology == OPT_REGULAR ? spec->degree : 0;
  out->p = spec->topology == OPT_ERDOS_RENYI ? spec->p : 0.0;
  out->seed = spec->topology == OPT_ERDOS_RENYI ? spec->seed : 0;
  out->attempts = attempts;
  return DCKPT_OK;
}

int opt_network_copy(const opt_network *src, opt_network *dst) {
  *dst = *src;
  dst->owned = NULL;
  size_t n = src->n, nnz = 2 * src->n_edges;
  if (alloc_csr(dst, n, nnz) != DCKPT_OK) return DCKPT_ENOMEM;
  memcpy((void *)dst->row_ptr, src->row_ptr, (n + 1) * sizeof(int64_t));
  memcpy((void *)dst->col, src->col, nnz * sizeof(int64_t));
  memcpy((void *)dst->weight, src->weight, nnz * sizeof(double));
  memcpy((void *)dst->self_weight, src->self_weight, n * sizeof(double));
  return DCKPT_OK;
}

void opt_network_free(opt_network *net) {
  if (!net) return;
  free(net->owned);
  memset(net, 0, sizeof *net);
}

/* ---- queries on the CSR form ---- */

size_t opt_network_degree(const opt_network *net, size_t i) {
  return (size_t)(net->row_ptr[i + 1] - net->row_ptr[i]);
}

int opt_network_connected(const opt_network *net) {
  size_t n = net->n;
  if (n <= 1) return 1;
  size_t *queue = malloc(n * sizeof *queue);
  unsigned char *seen = calloc(n, 1);
  size_t head = 0, tail = 0;
  if (queue && seen) {
    seen[0] = 1;
    queue[tail++] = 0;
    while (head < tail) {
      size_t i = queue[head++];
      for (int64_t e = net->row_ptr[i]; e < net->row_ptr[i + 1]; e++) {
        size_t j = (size_t)net->col[e];
        if (!seen[j]) {
          seen[j] = 1;
          queue[tail++] = j;
        }
      }
    }
  }
  free(queue);
  free(seen);
  return tail == n;
}

/* W_ji for the edge i -> j, found by binary search in the sorted row j. */
static int reverse_weight(const opt_network *net, size_t i, size_t j, double *w) {
  int64_t lo = net->row_ptr[j], hi = net->row_ptr[j + 1];
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if ((size_t)net->col[mid] < i)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == net->row_ptr[j + 1] || (size_t)net->col[lo] != i) return 0;
  *w = net->weight[lo];
  return 1;
}

static int check_structure(const opt_network *net, char *err, size_t errlen) {
  size_t n = net->n;
  if (n == 0 || !net->row_ptr || net->row_ptr[0] != 0 ||
      (uint64_t)net->row_ptr[n] != 2 * (uint64_t)net->n_edges)
    return opt_fail(err, errlen, DCKPT_EINVAL, "network: bad row pointers");
  for (size_t i = 0; i < n; i++) {
    if (net->row_ptr[i + 1] < net->row_ptr[i])
      return opt_fail(err, errlen, DCKPT_EINVAL, "network: row %zu has negative length",
                      i);
    for (int64_t e = net->row_ptr[i]; e < net->row_ptr[i + 1]; e++) {
      int64_t j = net->col[e];
      if (j < 0 || (size_t)j >= n || (size_t)j == i ||
          (e > net->row_ptr[i] && net->col[e - 1] >= j))
        return opt_fail(err, errlen, DCKPT_EINVAL,
                        "network: row %zu: neighbour %lld is out of range, a self loop "
                        "or out of order",
                        i, (long long)j);
    }
  }
  return DCKPT_OK;
}

static int check_weights(const opt_network *net, double tol, char *err, size_t errlen) {
  for (size_t i = 0; i < net->n; i++) {
    double row = net->self_weight[i];
    if (!(net->self_weight[i] >= -tol))
      return opt_fail(err, errlen, DCKPT_EINVAL, "network: W[%zu][%zu] = %g < 0", i, i,
                      net->self_weight[i]);
    for (int64_t e = net->row_ptr[i]; e < net->row_ptr[i + 1]; e++) {
      size_t j = (size_t)net->col[e];
      double wji = 0.0;
      if (!(net->weight[e] >= 0.0))
        return opt_fail(err, errlen, DCKPT_EINVAL, "network: W[%zu][%zu] = %g < 0", i, j,
                        net->weight[e]);
      if (!reverse_weight(net, i, j, &wji) || fabs(wji - net->weight[e]) > tol)
        return opt_fail(err, errlen, DCKPT_EINVAL,
                        "network: W is not symmetric at (%zu, %zu)", i, j);
      row += net->weight[e];
    }
    /* Symmetric, so the column sums equal the row sums. */
    if (!(fabs(row - 1.0) <= tol))
      return opt_fail(err, errlen, DCKPT_EINVAL,
                      "network: row %zu of W sums to %.17g, not 1", i, row);
  }
  return DCKPT_OK;
}

int opt_network_check(const opt_network *net, double tol, char *err, size_t errlen) {
  int rc = check_structure(net, err, errlen);
  if (rc == DCKPT_OK) rc = check_weights(net, tol, err, errlen);
  if (rc == DCKPT_OK && !opt_network_connected(net))
    rc = opt_fail(err, errlen, DCKPT_EINVAL, "network: the graph is not connected");
  return rc;
}

void opt_network_mix(const opt_network *net, const double *x, double *y, size_t d) {
  for (size_t i = 0; i < net->n; i++) {
    double *yi = y + i * d;
    const double *xi = x + i * d;
    double wii = net->self_weight[i];
    for (size_t c = 0; c < d; c++)
      yi[c] = wii * xi[c];
    for (int64_t e = net->row_ptr[i]; e < net->row_ptr[i + 1]; e++)
      opt_axpy(net->weight[e], x + (size_t)net->col[e] * d, yi, d);
  }
}

void opt_network_neighbor_sum(const opt_network *net, const double *x, double *s,
                              size_t d) {
  for (size_t i = 0; i < net->n; i++) {
    double *si = s + i * d;
    memset(si, 0, d * sizeof *si);
    for (int64_t e = net->row_ptr[i]; e < net->row_ptr[i + 1]; e++)
      opt_axpy(1.0, x + (size_t)net->col[e] * d, si, d);
  }
}
