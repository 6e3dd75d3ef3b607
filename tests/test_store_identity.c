/* Where files belong: every record the store writes carries its identity
 * (run, kind, algorithm, trial, iteration) and every load checks it, so a
 * file moved or copied to the wrong place is refused as corrupt and the trial
 * falls back to its newest good checkpoint. Also the campaign fingerprint
 * (dckpt_store_check_campaign) and the size limits checked before anything
 * is written or allocated. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "testutil.h"

static void copy_file(const char *from, const char *to) {
  size_t len = 0;
  char *data = tu_read_text(from, &len);
  CHECK(data != NULL);
  FILE *f = fopen(to, "wb");
  CHECK(f != NULL);
  CHECK_EQ(fwrite(data, 1, len, f), len);
  CHECK_EQ(fclose(f), 0);
  free(data);
}

/* A run with trials (0,0) and (0,1) checkpointed at 2, 5, 8 (different
 * states: seeds 10 + trial) and trial (1,0) complete at 9. */
static dckpt_store *make_run(const char *tag, tu_log *log) {
  dckpt_store_options o = tu_options(log);
  o.keep_n = 5;
  dckpt_store *s = tu_new_run(tu_scratch(tag), &o, 2);
  for (int64_t t = 0; t < 2; t++)
    for (int64_t i = 2; i <= 8; i += 3) {
      dckpt_record *st = tu_state(10 + (uint64_t)t, i, 50);
      CHECK_OK(dckpt_store_save(s, 0, t, i, st));
      dckpt_record_free(st);
    }
  dckpt_record *st = tu_state(20, 9, 50);
  CHECK_OK(dckpt_store_mark_complete(s, 1, 0, 9, st));
  dckpt_record_free(st);
  return s;
}

static size_t verify_count(dckpt_store *s) {
  size_t bad = 0;
  CHECK_OK(dckpt_store_verify(s, NULL, NULL, &bad));
  return bad;
}

/* Another trial's checkpoint of the same iteration in place of the newest:
 * a bit-perfect file that would load cleanly without identities. */
static void test_swap_same_iteration(void) {
  tu_log log = {0};
  dckpt_store *s = make_run("swap-same", &log);
  const char *dir = dckpt_store_get_dir(s);
  copy_file(tu_at(dir, "algorithm_0/trial_1/checkpoint_0000008.dckpt"),
            tu_at(dir, "algorithm_0/trial_0/checkpoint_0000008.dckpt"));
  CHECK_EQ(verify_count(s), 1);
  CHECK(
      tu_latest_is(s, 0, 0, 5, 10, 50)); /* fell back to its own newest good checkpoint */
  CHECK_CONTAINS(log.text, "belongs elsewhere");
  CHECK_CONTAINS(log.text, "trial 1");
  CHECK(tu_exists(tu_at(dir, "algorithm_0/trial_0/checkpoint_0000008.dckpt.corrupt")));
  dckpt_store_close(s);
}

/* The trial's own older checkpoint renamed to the newest name. */
static void test_swap_other_iteration(void) {
  tu_log log = {0};
  dckpt_store *s = make_run("swap-iter", &log);
  const char *dir = dckpt_store_get_dir(s);
  copy_file(tu_at(dir, "algorithm_0/trial_0/checkpoint_0000002.dckpt"),
            tu_at(dir, "algorithm_0/trial_0/checkpoint_0000008.dckpt"));
  CHECK(tu_latest_is(s, 0, 0, 5, 10, 50));
  CHECK_CONTAINS(log.text, "iteration 2");
  dckpt_store_close(s);
}

/* The final checkpoint of a complete trial replaced: results refuse it. */
static void test_swap_final(void) {
  dckpt_store *s = make_run("swap-final", NULL);
  const char *dir = dckpt_store_get_dir(s);
  /* trial (1,1) completes at 9 too, with another state */
  dckpt_record *other = tu_state(21, 9, 50);
  CHECK_OK(dckpt_store_mark_complete(s, 1, 1, 9, other));
  dckpt_record_free(other);
  copy_file(tu_at(dir, "algorithm_1/trial_1/checkpoint_0000009.dckpt"),
            tu_at(dir, "algorithm_1/trial_0/checkpoint_0000009.dckpt"));
  dckpt_record *r = NULL;
  CHECK_RC(dckpt_store_load_final_state(s, 1, 0, &r), DCKPT_ECORRUPT);
  CHECK(r == NULL);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "belongs elsewhere");
  CHECK_EQ(verify_count(s), 1);
  dckpt_store_close(s);
}

/* A run's files copied into another run of the same layout. */
static void test_foreign_run(void) {
  dckpt_store *a = make_run("foreign-a", NULL);
  tu_log log = {0};
  dckpt_store *b = make_run("foreign-b", &log);
  const char *da = dckpt_store_get_dir(a), *db = dckpt_store_get_dir(b);
  char from[2048], to[2048];
  const char *files[] = {"algorithm_0/trial_0/checkpoint_0000008.dckpt",
                         "benchmark_problem.dckpt", "initial_algorithms.dckpt"};
  for (size_t i = 0; i < 3; i++) {
    snprintf(from, sizeof from, "%s/%s", da, files[i]);
    snprintf(to, sizeof to, "%s/%s", db, files[i]);
    copy_file(from, to);
  }
  CHECK_EQ(verify_count(b), 3);
  dckpt_record *r = NULL;
  CHECK_RC(dckpt_store_load_problem(b, &r), DCKPT_ECORRUPT);
  CHECK_CONTAINS(dckpt_store_errmsg(b), "of run");
  CHECK_RC(dckpt_store_load_initial_algorithms(b, &r), DCKPT_ECORRUPT);
  int64_t it = -1;
  CHECK_OK(dckpt_store_load_latest(b, 0, 0, &r, &it));
  CHECK_EQ(it, 5);
  dckpt_record_free(r);
  /* markers of the other run are refused too, and the load falls back */
  snprintf(from, sizeof from, "%s/algorithm_0/trial_1/progress.json", da);
  snprintf(to, sizeof to, "%s/algorithm_0/trial_1/progress.json", db);
  copy_file(from, to);
  CHECK_OK(dckpt_store_load_latest(b, 0, 1, &r, &it));
  CHECK_EQ(it, 8);
  CHECK_CONTAINS(log.text, "belongs to another run");
  dckpt_record_free(r);
  /* metrics of another run */
  dckpt_record *m = tu_state(3, 0, 4);
  CHECK_OK(dckpt_store_save_metrics(a, m));
  CHECK_OK(dckpt_store_save_metrics(b, m));
  dckpt_record_free(m);
  snprintf(from, sizeof from, "%s/metric_computation.dckpt", da);
  snprintf(to, sizeof to, "%s/metric_computation.dckpt", db);
  copy_file(from, to);
  CHECK_RC(dckpt_store_load_metrics(b, &r), DCKPT_ECORRUPT);
  dckpt_store_close(a);
  dckpt_store_close(b);
}

/* A record of the right bytes but the wrong kind: the problem file where the
 * initial algorithms belong. */
static void test_wrong_kind(void) {
  dckpt_store *s = make_run("kind", NULL);
  const char *dir = dckpt_store_get_dir(s);
  copy_file(tu_at(dir, "benchmark_problem.dckpt"),
            tu_at(dir, "initial_algorithms.dckpt"));
  dckpt_record *r = NULL;
  CHECK_RC(dckpt_store_load_initial_algorithms(s, &r), DCKPT_ECORRUPT);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "it is the problem");
  dckpt_store_close(s);
}

/* Files of a run made before identities (a version-1 record, markers
 * without "run") still load in a run without an id; a record without an
 * identity is refused in a run with one. */
static void test_legacy(void) {
  dckpt_store *s = make_run("legacy", NULL);
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", dckpt_store_get_dir(s));
  dckpt_record *plain = tu_state(10, 8, 50);
  CHECK_OK(dckpt_record_write(plain,
                              tu_at(dir, "algorithm_0/trial_0/checkpoint_0000008.dckpt"),
                              1, DCKPT_DURABILITY_NONE));
  dckpt_record *r = NULL;
  int64_t it = -1;
  CHECK_OK(dckpt_store_load_latest(s, 0, 0, &r, &it));
  CHECK_EQ(it, 5); /* refused: no identity in a run that has an id */
  dckpt_record_free(r);
  /* the same directory as an older dckpt left it: no run id anywhere */
  char *meta = tu_read_text(tu_at(dir, "metadata.json"), NULL);
  char *id = strstr(meta, "\"run_id\":\"");
  CHECK(id != NULL);
  memmove(id, id + 10 + 32 + 2, strlen(id + 10 + 32 + 2) + 1);
  tu_write_text(tu_at(dir, "metadata.json"), meta);
  free(meta);
  tu_write_text(tu_at(dir, "algorithm_0/trial_0/progress.json"),
                "{\"last_completed_iteration\":8}");
  CHECK_OK(dckpt_record_write(plain,
                              tu_at(dir, "algorithm_0/trial_0/checkpoint_0000008.dckpt"),
                              1, DCKPT_DURABILITY_NONE));
  dckpt_store_close(s);
  s = tu_open(dir, NULL);
  CHECK(tu_latest_is(s, 0, 0, 8, 10, 50));
  dckpt_record_free(plain);
  dckpt_store_close(s);
}

static dckpt_metadata asked_plan(dckpt_algorithm_info *algs, const char *c0,
                                 const char *c1, const char *campaign) {
  dckpt_metadata m = tu_plan(2);
  algs[0] = m.algorithms[0];
  algs[1] = m.algorithms[1];
  algs[0].config = c0;
  algs[1].config = c1;
  m.algorithms = algs;
  m.campaign = (char *)campaign;
  m.has_seed = true;
  m.rng_seed = 7;
  return m;
}

/* The fingerprint: every difference is named, key order does not matter,
 * n_trials and iterations may grow. */
static void test_campaign(void) {
  dckpt_store *s = tu_open(tu_scratch("campaign"), NULL);
  dckpt_algorithm_info algs[2];
  dckpt_metadata m = asked_plan(algs, "{\"method\":\"dgd\",\"alpha\":0.5}",
                                "{\"method\":\"extra\"}", "{\"data\":\"a.csv\",\"n\":3}");
  CHECK_OK(dckpt_store_initialize(s, &m, NULL, NULL));
  CHECK_OK(dckpt_store_check_campaign(s, &m));
  dckpt_metadata same =
      asked_plan(algs, "{\"alpha\":0.5, \"method\":\"dgd\"}", "{\"method\":\"extra\"}",
                 "{\"n\":3,\"data\":\"a.csv\"}");
  same.n_trials = 5;
  CHECK_OK(dckpt_store_check_campaign(s, &same));
  struct {
    const char *c0, *c1, *campaign, *needle;
  } cases[] = {
      {"{\"method\":\"atc\",\"alpha\":0.5}", "{\"method\":\"extra\"}",
       "{\"data\":\"a.csv\",\"n\":3}", "algorithms[0] ('dgd') config.method"},
      {"{\"method\":\"dgd\",\"alpha\":0.25}", "{\"method\":\"extra\"}",
       "{\"data\":\"a.csv\",\"n\":3}", "config.alpha differs"},
      {"{\"method\":\"dgd\"}", "{\"method\":\"extra\"}", "{\"data\":\"a.csv\",\"n\":3}",
       "(absent)"},
      {"{\"method\":\"dgd\",\"alpha\":0.5}", NULL, "{\"data\":\"a.csv\",\"n\":3}",
       "algorithms[1] ('extra') config.method"},
      {"{\"method\":\"dgd\",\"alpha\":0.5}", "{\"method\":\"extra\"}",
       "{\"data\":\"b.csv\",\"n\":3}", "campaign.data differs"},
      {"{\"method\":\"dgd\",\"alpha\":0.5}", "{\"method\":\"extra\"}",
       "{\"data\":\"a.csv\",\"n\":[3]}", "campaign.n differs"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    dckpt_metadata x = asked_plan(algs, cases[i].c0, cases[i].c1, cases[i].campaign);
    CHECK_RC(dckpt_store_check_campaign(s, &x), DCKPT_EMISMATCH);
    CHECK_CONTAINS(dckpt_store_errmsg(s), cases[i].needle);
  }
  dckpt_metadata seed = m;
  seed.rng_seed = 8;
  CHECK_RC(dckpt_store_check_campaign(s, &seed), DCKPT_EMISMATCH);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "seed 7; seed 8 was asked");
  dckpt_algorithm_info renamed[2] = {algs[0], algs[1]};
  renamed[1].name = "nids";
  dckpt_metadata names = m;
  names.algorithms = renamed;
  CHECK_RC(dckpt_store_check_campaign(s, &names), DCKPT_EMISMATCH);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "'extra'; 'nids' was asked");
  /* a bad object from the caller is the caller's error */
  dckpt_metadata bad = asked_plan(algs, "[1]", NULL, NULL);
  dckpt_store *fresh = tu_open(tu_scratch("campaign-bad"), NULL);
  CHECK_RC(dckpt_store_initialize(fresh, &bad, NULL, NULL), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_store_errmsg(fresh), "config of algorithm 'dgd'");
  dckpt_store_close(fresh);
  dckpt_store_close(s);
}

/* Limits are checked before anything is written or allocated, and any
 * metadata.json answers at once. */
static void test_limits(void) {
  const char *dir = tu_scratch("limits");
  dckpt_store *s = tu_open(dir, NULL);
  dckpt_metadata m = tu_plan(2);
  m.n_trials = 1000000000000LL;
  CHECK_RC(dckpt_store_initialize(s, &m, NULL, NULL), DCKPT_ETOOBIG);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "exceed the limit");
  bool empty = false;
  CHECK_OK(dckpt_store_is_empty(s, &empty));
  CHECK(empty);
  m = tu_plan(2);
  dckpt_algorithm_info algs[2] = {m.algorithms[0], m.algorithms[1]};
  algs[1].iterations = DCKPT_MAX_ITERATIONS + 1;
  m.algorithms = algs;
  CHECK_RC(dckpt_store_initialize(s, &m, NULL, NULL), DCKPT_ETOOBIG);
  algs[1].iterations = DCKPT_MAX_ITERATIONS;
  m.n_trials = 1024; /* 2^53 x 2^10 = 2^63 iterations in all */
  CHECK_RC(dckpt_store_initialize(s, &m, NULL, NULL), DCKPT_ETOOBIG);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "iterations in all, exceed the limit");
  CHECK_OK(dckpt_store_is_empty(s, &empty));
  CHECK(empty);
  m = tu_plan(2);
  CHECK_OK(dckpt_store_initialize(s, &m, NULL, NULL));
  char *before = tu_read_text(tu_at(dir, "metadata.json"), NULL);
  CHECK_RC(dckpt_store_extend(s, DCKPT_MAX_TRIALS + 1, NULL), DCKPT_ETOOBIG);
  int64_t iters[2] = {10, DCKPT_MAX_ITERATIONS + 5};
  CHECK_RC(dckpt_store_extend(s, 2, iters), DCKPT_ETOOBIG);
  /* every number within its limit, their product past 2^62: the sums of a
   * run's iterations (progress, status) overflowed int64 */
  int64_t most[2] = {10, DCKPT_MAX_ITERATIONS};
  CHECK_RC(dckpt_store_extend(s, 1024, most), DCKPT_ETOOBIG);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "iterations in all, exceed the limit");
  char *after = tu_read_text(tu_at(dir, "metadata.json"), NULL);
  CHECK_STR_EQ(before, after);
  free(after);
  /* a hostile metadata.json: refused before anything is allocated for it */
  char text[512];
  snprintf(text, sizeof text,
           "{\"n_trials\": 1000000000000000, \"algorithms\": [{\"name\": \"a\", "
           "\"iterations\": 1, \"index\": 0}]}");
  tu_write_text(tu_at(dir, "metadata.json"), text);
  dckpt_metadata *got = NULL;
  CHECK_RC(dckpt_store_load_metadata(s, &got), DCKPT_ETOOBIG);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "metadata.json");
  size_t bad = 0;
  CHECK_OK(dckpt_store_verify(s, NULL, NULL, &bad));
  CHECK_EQ(bad, 1);
  snprintf(text, sizeof text,
           "{\"n_trials\": 2000, \"algorithms\": [{\"name\": \"a\", "
           "\"iterations\": 9000000000000000, \"index\": 0}]}");
  tu_write_text(tu_at(dir, "metadata.json"), text);
  CHECK_RC(dckpt_store_load_metadata(s, &got), DCKPT_ETOOBIG);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "iterations in all, exceed the limit");
  tu_write_text(tu_at(dir, "metadata.json"), before);
  free(before);
  dckpt_store_close(s);
}

int main(void) {
  RUN_TEST(test_swap_same_iteration);
  RUN_TEST(test_swap_other_iteration);
  RUN_TEST(test_swap_final);
  RUN_TEST(test_foreign_run);
  RUN_TEST(test_wrong_kind);
  RUN_TEST(test_legacy);
  RUN_TEST(test_campaign);
  RUN_TEST(test_limits);
  return 0;
}
