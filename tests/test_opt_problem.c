/* Problems of dckpt-bench: the Cholesky solver, exact optima (normal
 * equations, Newton), CSV loading and its messages, the row split, the
 * shipped datasets and the problem record round trip. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dckpt.h"
#include "opt/csv.h"
#include "opt/data.h"
#include "opt/linalg.h"
#include "opt/objective.h"
#include "opt/problem.h"

#define DATA_DIR DCKPT_SOURCE_DIR "/apps/bench/data"

static char err[1024];

static opt_network ring(size_t n) {
  opt_network_spec spec;
  opt_network_spec_init(&spec);
  spec.n = n;
  opt_network net;
  CHECK_OK(opt_network_build(&spec, &net, err, sizeof err));
  return net;
}

static int build(const opt_problem_spec *spec, size_t agents, opt_problem *p) {
  opt_network net = ring(agents);
  int rc = opt_problem_build(spec, &net, p, err, sizeof err);
  opt_network_free(&net);
  return rc;
}

/* A synthetic problem of `kind`: `rows` x `features`, L2 weight `lambda`. */
static opt_problem_spec synthetic(opt_problem_kind kind, size_t rows, size_t features,
                                  double lambda) {
  opt_problem_spec spec;
  opt_problem_spec_init(&spec);
  spec.kind = kind;
  spec.rows = rows;
  spec.features = features;
  spec.lambda = lambda;
  return spec;
}

static double grad_norm(const opt_problem *p, const double *x) {
  double g[64];
  CHECK(p->d <= 64);
  opt_grad(p, x, g);
  return sqrt(opt_norm2sq(g, p->d));
}

static const char *write_file(const char *name, const char *text) {
  static char path[512];
  snprintf(path, sizeof path, "%s/%s", DCKPT_TEST_TMP, name);
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  fputs(text, f);
  fclose(f);
  return path;
}

static void test_cholesky(void) {
  /* G = B^T B + I for a fixed B, and b = G x_true. */
  double bm[4][4] = {{2, 1, 0, 3}, {0, 1, 4, 1}, {1, 0, 1, 0}, {5, 2, 1, 1}};
  double g[16], l[16], x_true[4] = {1, -2, 0.5, 3}, rhs[4];
  for (size_t i = 0; i < 4; i++)
    for (size_t j = 0; j < 4; j++) {
      g[i * 4 + j] = i == j ? 1.0 : 0.0;
      for (size_t k = 0; k < 4; k++)
        g[i * 4 + j] += bm[k][i] * bm[k][j];
    }
  for (size_t i = 0; i < 4; i++)
    rhs[i] = opt_dot(g + i * 4, x_true, 4);
  memcpy(l, g, sizeof l);
  CHECK_EQ(opt_cholesky(l, 4), 0);
  opt_cholesky_solve(l, 4, rhs);
  for (size_t i = 0; i < 4; i++)
    CHECK(fabs(rhs[i] - x_true[i]) < 1e-12);
  double indefinite[4] = {1, 2, 2, 1}; /* eigenvalues 3 and -1 */
  CHECK_EQ(opt_cholesky(indefinite, 2), 2);
  double singular[4] = {1, 1, 1, 1};
  CHECK_EQ(opt_cholesky(singular, 2), 2);
}

static void test_least_squares_optimum(void) {
  opt_problem_spec spec = synthetic(OPT_LEAST_SQUARES, 60, 4, 0.0);
  for (int reg = 0; reg < 2; reg++) {
    spec.lambda = reg ? 0.3 : 0.0;
    opt_problem p;
    CHECK_OK(build(&spec, 5, &p));
    CHECK(grad_norm(&p, p.x_star) <= 1e-14);
    CHECK(p.f_star == opt_value(&p, p.x_star));
    opt_problem_free(&p);
  }
}

static void test_least_squares_not_unique(void) {
  const char *path = write_file("dup.csv", "a,b,y\n1,2,1\n2,4,0\n3,6,5\n4,8,2\n");
  opt_problem_spec spec;
  opt_problem_spec_init(&spec);
  spec.csv_path = path;
  opt_problem p;
  CHECK_RC(build(&spec, 2, &p), DCKPT_EINVAL);
  CHECK_CONTAINS(err, "not positive definite");
  spec.lambda = 0.1; /* regularized: unique again */
  CHECK_OK(build(&spec, 2, &p));
  CHECK(grad_norm(&p, p.x_star) <= 1e-14);
  opt_problem_free(&p);
}

static void test_logistic_optimum(void) {
  opt_problem_spec spec = synthetic(OPT_LOGISTIC, 300, 6, 0.0);
  opt_problem p;
  CHECK_OK(build(&spec, 6, &p)); /* lambda 0: not separable, finite optimum */
  CHECK(grad_norm(&p, p.x_star) <= 1e-12);
  opt_problem_free(&p);
  spec.csv_path = DATA_DIR "/breast_cancer.csv";
  spec.intercept = true;
  spec.lambda = 1e-3;
  CHECK_OK(build(&spec, 10, &p));
  CHECK(grad_norm(&p, p.x_star) <= 1e-12);
  CHECK_EQ(p.m, 569);
  CHECK_EQ(p.d, 31);
  CHECK_STR_EQ(p.label, "benign");
  opt_problem_free(&p);
}

static void test_csv_good(void) {
  const char *path = write_file("good.csv", " \"first\" , second,label\r\n"
                                            "1.5, -2, 1\r\n"
                                            "\n"
                                            "3e2,0.25 ,0\n");
  opt_table t;
  CHECK_OK(opt_csv_read(path, &t, err, sizeof err));
  CHECK_EQ(t.rows, 2);
  CHECK_EQ(t.cols, 3);
  CHECK_STR_EQ(t.names[0], "first");
  CHECK_STR_EQ(t.names[1], "second");
  CHECK_EQ(opt_table_column(&t, "label"), 2);
  CHECK_EQ(opt_table_column(&t, "nope"), -1);
  CHECK(t.values[0] == 1.5 && t.values[1] == -2.0 && t.values[2] == 1.0);
  CHECK(t.values[3] == 300.0 && t.values[4] == 0.25 && t.values[5] == 0.0);
  CHECK_EQ(t.lines[1], 4); /* the blank line 3 is skipped, not renumbered */
  opt_table_free(&t);
  /* a UTF-8 byte-order mark (Excel's "CSV UTF-8") is not in the first name */
  path = write_file("bom.csv", "\xEF\xBB\xBFy,a\n1,2\n");
  CHECK_OK(opt_csv_read(path, &t, err, sizeof err));
  CHECK_STR_EQ(t.names[0], "y");
  CHECK_EQ(opt_table_column(&t, "y"), 0);
  opt_table_free(&t);
}

static void test_csv_errors(void) {
  opt_table t;
  const char *path = write_file("bad.csv", "a,b,c\n1,2,3\n4,x5,6\n");
  CHECK_RC(opt_csv_read(path, &t, err, sizeof err), DCKPT_EINVAL);
  CHECK_CONTAINS(err, "bad.csv:3: column 2 ('b'): 'x5' is not a finite number");
  path = write_file("short.csv", "a,b,c\n1,2\n");
  CHECK_RC(opt_csv_read(path, &t, err, sizeof err), DCKPT_EINVAL);
  CHECK_CONTAINS(err, "short.csv:2: 2 fields");
  path = write_file("long.csv", "a,b\n1,2,3\n");
  CHECK_RC(opt_csv_read(path, &t, err, sizeof err), DCKPT_EINVAL);
  CHECK_CONTAINS(err, "long.csv:2: more fields");
  path = write_file("empty_field.csv", "a,b\n1,\n");
  CHECK_RC(opt_csv_read(path, &t, err, sizeof err), DCKPT_EINVAL);
  CHECK_CONTAINS(err, "empty_field.csv:2: column 2 ('b')");
  path = write_file("nan.csv", "a,b\n1,nan\n");
  CHECK_RC(opt_csv_read(path, &t, err, sizeof err), DCKPT_EINVAL);
  /* hex was read by strtod ("0x10" as 16); no spreadsheet writes it */
  path = write_file("hex.csv", "a,b\n1,0x10\n");
  CHECK_RC(opt_csv_read(path, &t, err, sizeof err), DCKPT_EINVAL);
  CHECK_CONTAINS(
      err, "hex.csv:2: column 2 ('b'): '0x10' is not a finite number (decimal digits");
  path = write_file("huge.csv", "a,b\n1,1e999\n");
  CHECK_RC(opt_csv_read(path, &t, err, sizeof err), DCKPT_EINVAL);
  CHECK_CONTAINS(err, "'1e999' is not a finite number (beyond the range of a double)");
  /* an underflow is a value (a subnormal or 0): it was refused as "not a
   * finite number" */
  path = write_file("tiny.csv", "a,b\n1e-320,-.5\n2,+3.E1\n");
  CHECK_OK(opt_csv_read(path, &t, err, sizeof err));
  CHECK(t.values[0] > 0 && t.values[0] < 1e-300);
  CHECK(t.values[1] == -0.5 && t.values[3] == 30.0);
  opt_table_free(&t);
  path = write_file("header_only.csv", "a,b\n");
  CHECK_RC(opt_csv_read(path, &t, err, sizeof err), DCKPT_EINVAL);
  CHECK_CONTAINS(err, "no data rows");
  CHECK_RC(opt_csv_read(DCKPT_TEST_TMP "/does-not-exist.csv", &t, err, sizeof err),
           DCKPT_ENOENT);
  CHECK_CONTAINS(err, "cannot open '" DCKPT_TEST_TMP "/does-not-exist.csv'");
  /* more columns than features a problem takes: refused at the header */
  static char wide[8 * (OPT_MAX_FEATURES + 2) + 16];
  size_t at = 0;
  for (int c = 0; c < OPT_MAX_FEATURES + 2; c++)
    at += (size_t)snprintf(wide + at, sizeof wide - at, "%sc%d", c ? "," : "", c);
  snprintf(wide + at, sizeof wide - at, "\n");
  path = write_file("wide.csv", wide);
  CHECK_RC(opt_csv_read(path, &t, err, sizeof err), DCKPT_EINVAL);
  CHECK_CONTAINS(err, "wide.csv:1: 1026 columns; at most 1024 features and a label");
}

/* Synthetic sizes that would allocate terabytes (or take hours to solve)
 * are refused before anything is allocated. */
static void test_data_limits(void) {
  opt_problem_spec spec;
  opt_problem_spec_init(&spec);
  opt_raw_data raw;
  spec.rows = (size_t)1000000000000;
  CHECK_RC(opt_data_synthetic(&spec, &raw, err, sizeof err), DCKPT_EINVAL);
  CHECK_CONTAINS(err, "is too large (at most 1024 features and 16777216 values)");
  spec.rows = 10;
  spec.features = OPT_MAX_FEATURES + 1;
  CHECK_RC(opt_data_synthetic(&spec, &raw, err, sizeof err), DCKPT_EINVAL);
  spec.rows = OPT_MAX_DATA_VALUES / 64 + 1;
  spec.features = 64;
  CHECK_RC(opt_data_synthetic(&spec, &raw, err, sizeof err), DCKPT_EINVAL);
  spec.rows = 64;
  spec.features = OPT_MAX_FEATURES;
  CHECK_OK(opt_data_synthetic(&spec, &raw, err, sizeof err));
  opt_raw_data_free(&raw);
}

static void test_csv_problem_errors(void) {
  opt_problem_spec spec;
  opt_problem_spec_init(&spec);
  opt_problem p;
  spec.kind = OPT_LOGISTIC;
  spec.csv_path = write_file("labels.csv", "x,cls\n1,0\n2,1\n3,2\n4,1\n");
  CHECK_RC(build(&spec, 2, &p), DCKPT_EINVAL);
  CHECK_CONTAINS(err, "labels.csv:4: column 'cls': label 2 is not 0, 1 or -1");
  spec.label = "missing";
  CHECK_RC(build(&spec, 2, &p), DCKPT_EINVAL);
  CHECK_CONTAINS(err, "no column named 'missing'");
  spec.kind = OPT_LEAST_SQUARES;
  spec.label = "x"; /* a named label column need not be the last */
  CHECK_OK(build(&spec, 2, &p));
  CHECK_EQ(p.d, 1);
  CHECK(p.b[2] == 3.0);
  opt_problem_free(&p);
  spec.label = NULL;
  CHECK_RC(build(&spec, 5, &p), DCKPT_EINVAL); /* 4 rows for 5 agents */
  CHECK_CONTAINS(err, "4 data rows cannot give each of 5 agents a row");
  /* two columns named like the label: named, it was the first; by default
   * the last; both refused */
  spec.csv_path = write_file("twice.csv", "y,x,y\n1,2,3\n2,1,4\n3,5,1\n4,3,3\n");
  spec.label = "y";
  CHECK_RC(build(&spec, 2, &p), DCKPT_EINVAL);
  CHECK_CONTAINS(err,
                 "twice.csv: the label column 'y' is not the only column of that name");
  spec.label = NULL;
  CHECK_RC(build(&spec, 2, &p), DCKPT_EINVAL);
  CHECK_CONTAINS(err, "the label column 'y' is not the only column");
  spec.label = "x"; /* other names may repeat: they are features */
  CHECK_OK(build(&spec, 2, &p));
  opt_problem_free(&p);
}

static void test_split_and_standardize(void) {
  opt_problem_spec spec = synthetic(OPT_LEAST_SQUARES, 23, 3, 0.0);
  spec.intercept = true;
  opt_problem p;
  CHECK_OK(build(&spec, 5, &p));
  int64_t want[6] = {0, 5, 10, 15, 19, 23};
  for (size_t i = 0; i <= 5; i++)
    CHECK_EQ(p.agent_rows[i], want[i]);
  CHECK_EQ(p.d, 4);
  for (size_t c = 0; c < 3; c++) {
    double mean = 0.0, sq = 0.0;
    for (size_t r = 0; r < p.m; r++)
      mean += p.A[r * p.d + c];
    for (size_t r = 0; r < p.m; r++)
      sq += p.A[r * p.d + c] * p.A[r * p.d + c];
    CHECK(fabs(mean / 23.0) < 1e-15);
    CHECK(fabs(sq / 23.0 - 1.0) < 1e-13);
  }
  for (size_t r = 0; r < p.m; r++)
    CHECK(p.A[r * p.d + 3] == 1.0);
  opt_problem_free(&p);
}

static void test_shipped_diabetes(void) {
  opt_problem_spec spec;
  opt_problem_spec_init(&spec);
  spec.csv_path = DATA_DIR "/diabetes.csv";
  spec.intercept = true;
  opt_problem p;
  CHECK_OK(build(&spec, 10, &p));
  CHECK_EQ(p.m, 442);
  CHECK_EQ(p.d, 11);
  CHECK_STR_EQ(p.label, "progression");
  CHECK(p.b[0] == 151.0);
  /* With an intercept the fitted intercept is the target's mean. */
  double mean = 0.0;
  for (size_t r = 0; r < p.m; r++)
    mean += p.b[r];
  CHECK(fabs(p.x_star[10] - mean / 442.0) < 1e-9);
  CHECK(grad_norm(&p, p.x_star) <= 1e-10);
  opt_problem_free(&p);
}

/* What the trial callbacks see: the view of a record that went through the
 * on-disk encoding equals the problem that was written. */
static void test_record_round_trip(void) {
  opt_problem_spec spec = synthetic(OPT_LOGISTIC, 50, 3, 0.05);
  opt_network_spec ns;
  opt_network_spec_init(&ns);
  ns.topology = OPT_ERDOS_RENYI;
  ns.n = 7;
  ns.seed = 3;
  opt_network net;
  CHECK_OK(opt_network_build(&ns, &net, err, sizeof err));
  opt_problem p, v;
  CHECK_OK(opt_problem_build(&spec, &net, &p, err, sizeof err));
  dckpt_record *rec = dckpt_record_create(), *back = NULL;
  CHECK_OK(opt_problem_to_record(&p, rec, err, sizeof err));
  void *buf = NULL;
  size_t len = 0;
  CHECK_OK(dckpt_record_encode(rec, 3, &buf, &len));
  CHECK_OK(dckpt_record_parse(buf, len, &back));
  CHECK_OK(opt_problem_view(back, &v, err, sizeof err));
  CHECK(v.kind == p.kind && v.m == p.m && v.d == p.d && v.n_agents == 7);
  CHECK(v.lambda == p.lambda && v.f_star == p.f_star && v.L_max == p.L_max);
  CHECK(memcmp(v.A, p.A, p.m * p.d * sizeof(double)) == 0);
  CHECK(memcmp(v.b, p.b, p.m * sizeof(double)) == 0);
  CHECK(memcmp(v.x_star, p.x_star, p.d * sizeof(double)) == 0);
  CHECK(memcmp(v.agent_rows, p.agent_rows, 8 * sizeof(int64_t)) == 0);
  CHECK(v.net.topology == OPT_ERDOS_RENYI && v.net.n_edges == net.n_edges);
  CHECK(memcmp(v.net.weight, net.weight, 2 * net.n_edges * sizeof(double)) == 0);
  CHECK(v.net.seed == 3 && v.net.attempts == net.attempts);
  CHECK(v.owned == NULL && v.net.owned == NULL);
  opt_problem_free(&v); /* frees nothing: borrowed */
  CHECK_CONTAINS(dckpt_record_header(back), "\"kind\":\"logistic\"");
  /* A record that is not a problem is refused with the reason. */
  dckpt_record *other = dckpt_record_create();
  CHECK_RC(opt_problem_view(other, &v, err, sizeof err), DCKPT_EINVAL);
  CHECK_CONTAINS(err, "format");
  CHECK_OK(dckpt_record_set_header(other, dckpt_record_header(rec)));
  CHECK_RC(opt_problem_view(other, &v, err, sizeof err), DCKPT_ENOENT);
  CHECK_CONTAINS(err, "no array 'A'");
  dckpt_record_free(other);
  dckpt_free(buf);
  dckpt_record_free(back);
  dckpt_record_free(rec);
  opt_problem_free(&p);
  opt_network_free(&net);
}

/* The f_i sum to f, their gradients to grad f, and L_i bounds grad f_i's
 * change. */
static void test_local_parts(void) {
  opt_problem_spec spec = synthetic(OPT_LOGISTIC, 40, 3, 0.2);
  opt_problem p;
  CHECK_OK(build(&spec, 4, &p));
  double x[3] = {0.3, -1.0, 2.0}, y[3] = {-0.7, 0.1, 1.5}, g[3], gi[3], gy[3];
  double sum = 0.0, gsum[3] = {0, 0, 0};
  for (size_t i = 0; i < 4; i++) {
    sum += opt_local_value(&p, i, x);
    opt_local_grad(&p, i, x, gi);
    opt_axpy(1.0, gi, gsum, 3);
    opt_local_grad(&p, i, y, gy);
    CHECK(sqrt(opt_dist2sq(gi, gy, 3)) <= p.lipschitz[i] * sqrt(opt_dist2sq(x, y, 3)));
  }
  opt_grad(&p, x, g);
  CHECK(fabs(sum - opt_value(&p, x)) < 1e-14);
  CHECK(sqrt(opt_dist2sq(g, gsum, 3)) < 1e-14);
  opt_problem_free(&p);
}

int main(void) {
  RUN_TEST(test_cholesky);
  RUN_TEST(test_least_squares_optimum);
  RUN_TEST(test_least_squares_not_unique);
  RUN_TEST(test_logistic_optimum);
  RUN_TEST(test_csv_good);
  RUN_TEST(test_data_limits);
  RUN_TEST(test_csv_errors);
  RUN_TEST(test_csv_problem_errors);
  RUN_TEST(test_split_and_standardize);
  RUN_TEST(test_shipped_diabetes);
  RUN_TEST(test_record_round_trip);
  RUN_TEST(test_local_parts);
  return 0;
}
