/* Networks of dckpt-bench: every topology's Metropolis-Hastings matrix is
 * symmetric and doubly stochastic, Erdos-Renyi graphs come out connected and
 * reproducible, bad specs are refused with a reason. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dckpt.h"
#include "opt/network.h"

/* W as a dense matrix, to check the properties without trusting the CSR code. */
static double *dense(const opt_network *net) {
  size_t n = net->n;
  double *w = calloc(n * n, sizeof *w);
  CHECK(w != NULL);
  for (size_t i = 0; i < n; i++) {
    w[i * n + i] = net->self_weight[i];
    for (int64_t e = net->row_ptr[i]; e < net->row_ptr[i + 1]; e++)
      w[i * n + (size_t)net->col[e]] = net->weight[e];
  }
  return w;
}

static void check_mh(const opt_network *net) {
  size_t n = net->n;
  double *w = dense(net);
  for (size_t i = 0; i < n; i++) {
    double row = 0.0, column = 0.0;
    for (size_t j = 0; j < n; j++) {
      row += w[i * n + j];
      column += w[j * n + i];
      CHECK(w[i * n + j] == w[j * n + i]);
      CHECK(w[i * n + j] >= 0.0);
      if (i != j && w[i * n + j] != 0.0) {
        size_t di = opt_network_degree(net, i), dj = opt_network_degree(net, j);
        CHECK(w[i * n + j] == 1.0 / (1.0 + (double)(di > dj ? di : dj)));
      }
    }
    CHECK(fabs(row - 1.0) <= 1e-14);
    CHECK(fabs(column - 1.0) <= 1e-14);
  }
  free(w);
  char err[256];
  CHECK_OK(opt_network_check(net, 1e-14, err, sizeof err));
}

static opt_network build(opt_topology t, size_t n) {
  opt_network_spec spec;
  opt_network_spec_init(&spec);
  spec.topology = t;
  spec.n = n;
  spec.rows = 3;
  spec.cols = n / 3;
  spec.degree = 4;
  spec.p = 0.4;
  spec.seed = 7;
  opt_network net;
  char err[256];
  int rc = opt_network_build(&spec, &net, err, sizeof err);
  if (rc != DCKPT_OK) fprintf(stderr, "%s\n", err);
  CHECK_OK(rc);
  return net;
}

static void test_every_topology_is_doubly_stochastic(void) {
  opt_topology all[] = {OPT_RING, OPT_COMPLETE, OPT_GRID, OPT_REGULAR, OPT_ERDOS_RENYI};
  size_t sizes[] = {6, 12, 30};
  for (size_t t = 0; t < 5; t++)
    for (size_t s = 0; s < 3; s++) {
      opt_network net = build(all[t], sizes[s]);
      CHECK_EQ(net.n, sizes[s]);
      check_mh(&net);
      opt_network_free(&net);
    }
}

static void test_degrees_and_edges(void) {
  opt_network ring = build(OPT_RING, 12), full = build(OPT_COMPLETE, 12);
  opt_network grid = build(OPT_GRID, 12), reg = build(OPT_REGULAR, 12);
  CHECK_EQ(ring.n_edges, 12);
  CHECK_EQ(full.n_edges, 66);
  CHECK_EQ(grid.n_edges, 3 * 3 + 2 * 4); /* 3 rows x 4 cols */
  CHECK_EQ(reg.n_edges, 24);
  for (size_t i = 0; i < 12; i++) {
    CHECK_EQ(opt_network_degree(&ring, i), 2);
    CHECK_EQ(opt_network_degree(&full, i), 11);
    CHECK_EQ(opt_network_degree(&reg, i), 4);
  }
  CHECK_EQ(opt_network_degree(&grid, 0), 2); /* corner */
  CHECK_EQ(opt_network_degree(&grid, 5), 4); /* inside */
  CHECK(fabs(ring.self_weight[0] - 1.0 / 3.0) < 1e-15);
  opt_network_free(&ring);
  opt_network_free(&full);
  opt_network_free(&grid);
  opt_network_free(&reg);
}

static void test_erdos_renyi_connected_and_seeded(void) {
  opt_network_spec spec;
  opt_network_spec_init(&spec);
  spec.topology = OPT_ERDOS_RENYI;
  spec.n = 40;
  spec.p = 0.08; /* near ln(40)/40 = 0.092: often disconnected, so resampled */
  char err[256];
  for (uint64_t seed = 1; seed <= 20; seed++) {
    opt_network a, b;
    spec.seed = seed;
    CHECK_OK(opt_network_build(&spec, &a, err, sizeof err));
    CHECK_OK(opt_network_build(&spec, &b, err, sizeof err));
    CHECK(opt_network_connected(&a));
    CHECK_EQ(a.n_edges, b.n_edges);
    CHECK(memcmp(a.col, b.col, 2 * a.n_edges * sizeof(int64_t)) == 0);
    check_mh(&a);
    opt_network_free(&a);
    opt_network_free(&b);
  }
  spec.p = 0.04; /* some chance, drawn: all 5 samples disconnected */
  spec.max_attempts = 5;
  opt_network net;
  CHECK_RC(opt_network_build(&spec, &net, err, sizeof err), DCKPT_EINVAL);
  CHECK_CONTAINS(err, "disconnected in all 5 samples");
  /* no chance: refused before any sampling (1000 graphs of 4096 nodes took
   * ~25 s before they were refused) */
  spec.p = 0.001;
  CHECK_RC(opt_network_build(&spec, &net, err, sizeof err), DCKPT_EINVAL);
  CHECK_CONTAINS(err, "G(n = 40, p = 0.001) cannot plausibly be connected (chance below "
                      "1e-12 in 5 samples: it needs 39 edges, 0.78 are expected)");
  spec.n = 4096;
  spec.p = 1e-6;
  spec.max_attempts = 1000;
  CHECK_RC(opt_network_build(&spec, &net, err, sizeof err), DCKPT_EINVAL);
  CHECK_CONTAINS(err, "cannot plausibly be connected");
  spec.p = 1.5 / 4096; /* 1.5 n / 2 edges expected, n - 1 needed: the edge count bound */
  CHECK_RC(opt_network_build(&spec, &net, err, sizeof err), DCKPT_EINVAL);
  CHECK_CONTAINS(err, "cannot plausibly be connected");
}

static void test_bad_specs(void) {
  opt_network_spec spec;
  opt_network net;
  char err[256];
  opt_network_spec_init(&spec);
  spec.topology = OPT_REGULAR;
  spec.n = 10;
  spec.degree = 3;
  CHECK_RC(opt_network_build(&spec, &net, err, sizeof err), DCKPT_EINVAL);
  CHECK_CONTAINS(err, "must be even");
  spec.topology = OPT_GRID;
  spec.rows = 3;
  spec.cols = 4;
  CHECK_RC(opt_network_build(&spec, &net, err, sizeof err), DCKPT_EINVAL);
  CHECK_CONTAINS(err, "rows x cols");
  spec.topology = OPT_RING;
  spec.n = 0;
  CHECK_RC(opt_network_build(&spec, &net, err, sizeof err), DCKPT_EINVAL);
  opt_topology t;
  CHECK_OK(opt_topology_parse("erdos_renyi", &t));
  CHECK_EQ(t, OPT_ERDOS_RENYI);
  CHECK_RC(opt_topology_parse("star", &t), DCKPT_EINVAL);
}

/* Doubly stochastic W keeps the average of the agents' vectors. */
static void test_mixing_keeps_average(void) {
  opt_network net = build(OPT_ERDOS_RENYI, 12);
  size_t d = 3;
  double x[36], y[36], sx[3] = {0}, sy[3] = {0};
  for (size_t k = 0; k < 36; k++)
    x[k] = sin((double)k);
  opt_network_mix(&net, x, y, d);
  for (size_t k = 0; k < 36; k++) {
    sx[k % 3] += x[k];
    sy[k % 3] += y[k];
  }
  for (size_t c = 0; c < d; c++)
    CHECK(fabs(sx[c] - sy[c]) < 1e-13);
  opt_network_free(&net);
}

/* The checker itself catches a matrix that is not symmetric or not
 * stochastic. */
static void test_check_catches_bad_weights(void) {
  opt_network net = build(OPT_RING, 6), bad;
  char err[256];
  CHECK_OK(opt_network_copy(&net, &bad));
  ((double *)(uintptr_t)bad.weight)[0] += 0.01; /* W_01 only, not W_10 */
  CHECK_RC(opt_network_check(&bad, 1e-12, err, sizeof err), DCKPT_EINVAL);
  CHECK_CONTAINS(err, "not symmetric");
  opt_network_free(&bad);
  CHECK_OK(opt_network_copy(&net, &bad));
  ((double *)(uintptr_t)bad.self_weight)[0] += 0.01;
  CHECK_RC(opt_network_check(&bad, 1e-12, err, sizeof err), DCKPT_EINVAL);
  CHECK_CONTAINS(err, "row 0 of W sums to");
  opt_network_free(&bad);
  opt_network_free(&net);
}

int main(void) {
  RUN_TEST(test_every_topology_is_doubly_stochastic);
  RUN_TEST(test_degrees_and_edges);
  RUN_TEST(test_erdos_renyi_connected_and_seeded);
  RUN_TEST(test_bad_specs);
  RUN_TEST(test_mixing_keeps_average);
  RUN_TEST(test_check_catches_bad_weights);
  return 0;
}
