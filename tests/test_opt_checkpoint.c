/* Save -> load -> continue is bit-identical to continuing without a save, for
 * every method, with full and with minibatch gradients (so the RNG matters
 * during the run), on least squares and logistic problems. The record goes
 * through the on-disk encoding, as in a real resume. Also: a checkpoint of
 * another method or of other step sizes is refused. */
#include <stdlib.h>

#include "test_opt_fixture.h"

static const char *const methods[] = {"dgd", "atc", "extra", "diging", "nids", "admm"};

/* The state of t as encoded bytes, plus the RNG state at that moment. */
static void checkpoint(const trial *t, void **bytes, size_t *len) {
  dckpt_record *rec = dckpt_record_create();
  CHECK(rec != NULL);
  CHECK_OK(t->alg.save(&t->info, t->state, rec));
  CHECK_OK(dckpt_record_encode(rec, 1, bytes, len));
  dckpt_record_free(rec); /* the borrowed arrays were encoded already */
}

static int restore(trial *t, const void *bytes, size_t len) {
  dckpt_record *rec = NULL;
  CHECK_OK(dckpt_record_parse(bytes, len, &rec));
  int rc = t->alg.load(&t->info, rec, &t->state);
  dckpt_record_free(rec);
  return rc;
}

static void check_same(const trial *a, const trial *b) {
  size_t n, d;
  const double *xa = opt_state_iterates(a->state, &n, &d);
  const double *xb = opt_state_iterates(b->state, NULL, NULL);
  CHECK(memcmp(xa, xb, n * d * sizeof *xa) == 0);
  CHECK_EQ(opt_state_gradient_evaluations(a->state),
           opt_state_gradient_evaluations(b->state));
  CHECK_EQ(opt_state_messages(a->state), opt_state_messages(b->state));
  double ma[OPT_N_METRICS], mb[OPT_N_METRICS];
  trial_metrics(a, ma);
  trial_metrics(b, mb);
  CHECK(memcmp(ma, mb, sizeof ma) == 0);
}

static void round_trip(const fixture *f, const char *method, const char *hyper) {
  trial run, resumed;
  void *bytes = NULL;
  size_t len = 0;
  trial_start(&run, f, method, hyper, 77);
  trial_run(&run, 37);
  checkpoint(&run, &bytes, &len);
  dckpt_rng saved_rng = run.rng;
  trial_run(&run, 40);

  /* A fresh algorithm object, as in a new process. */
  trial_start(&resumed, f, method, hyper, 1);
  resumed.alg.destroy(&resumed.info, resumed.state);
  CHECK_OK(restore(&resumed, bytes, len));
  resumed.rng = saved_rng; /* the runner restores the RNG with the state */
  resumed.k = 37;
  trial_run(&resumed, 40);
  check_same(&run, &resumed);
  trial_end(&run);
  trial_end(&resumed);
  dckpt_free(bytes);
}

static void test_bit_identical_resume(void) {
  opt_problem_spec spec;
  opt_problem_spec_init(&spec);
  spec.rows = 80;
  spec.features = 4;
  for (int kind = 0; kind < 2; kind++) {
    spec.kind = kind ? OPT_LOGISTIC : OPT_LEAST_SQUARES;
    spec.lambda = kind ? 0.01 : 0.0;
    fixture f;
    fixture_init(&f, &spec, OPT_ERDOS_RENYI, 8);
    for (size_t a = 0; a < sizeof methods / sizeof methods[0]; a++) {
      round_trip(&f, methods[a], "{\"batch\": 0}");
      round_trip(&f, methods[a], "{\"batch\": 5}");
    }
    fixture_free(&f);
  }
}

static void test_foreign_checkpoints_refused(void) {
  fixture f;
  fixture_least_squares(&f, OPT_RING, 6);
  trial a, b;
  void *bytes = NULL;
  size_t len = 0;
  trial_start(&a, &f, "extra", NULL, 3);
  trial_run(&a, 5);
  checkpoint(&a, &bytes, &len);
  trial_end(&a);

  trial_start(&b, &f, "nids", NULL, 3);
  b.alg.destroy(&b.info, b.state);
  CHECK_RC(restore(&b, bytes, len), DCKPT_EMISMATCH);
  CHECK_CONTAINS(opt_algorithm_last_error(&b.alg), "not a 'nids' state");
  opt_algorithm_release(&b.alg);

  trial_start(&b, &f, "extra", "{\"alpha_scale\": 0.25}", 3);
  b.alg.destroy(&b.info, b.state);
  CHECK_RC(restore(&b, bytes, len), DCKPT_EMISMATCH);
  CHECK_CONTAINS(opt_algorithm_last_error(&b.alg), "written with alpha");
  opt_algorithm_release(&b.alg);

  /* The state checks the iteration number it is asked for. */
  trial_start(&b, &f, "extra", NULL, 3);
  b.alg.destroy(&b.info, b.state);
  CHECK_OK(restore(&b, bytes, len));
  b.k = 4; /* the checkpoint holds 5 iterations: the next is 5 */
  CHECK_RC(b.alg.step(&b.info, b.state, b.k, &b.rng), DCKPT_EINVAL);
  CHECK_CONTAINS(opt_algorithm_last_error(&b.alg), "asked for iteration 4");
  trial_end(&b);
  dckpt_free(bytes);
  fixture_free(&f);
}

int main(void) {
  RUN_TEST(test_bit_identical_resume);
  RUN_TEST(test_foreign_checkpoints_refused);
  return 0;
}
