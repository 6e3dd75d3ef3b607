/* The store's behaviour: the ancestor's test suite (REFERENCE.md items 1-11)
 * in C, plus the plan changes, queries and verification dckpt adds. */
#define _DEFAULT_SOURCE /* usleep */
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "testutil.h"

static dckpt_store *fresh_run(const char *tag, dckpt_store_options *o, int64_t n_trials) {
  const char *dir = tu_scratch(tag);
  dckpt_store *s = tu_open(dir, o);
  dckpt_metadata plan = tu_plan(n_trials);
  dckpt_record *init = tu_state(1, 0, 16), *prob = tu_state(2, 0, 32);
  CHECK_OK(dckpt_store_initialize(s, &plan, init, prob));
  dckpt_record_free(init);
  dckpt_record_free(prob);
  return s;
}

/* 1. Invalid options are refused with a message naming the option. */
static void test_options_validation(void) {
  const char *dir = tu_scratch("opts");
  struct {
    int64_t step;
    int keep, level;
    const char *needle;
  } bad[] = {{0, 3, 1, "checkpoint_step"},
             {-5, 3, 1, "checkpoint_step"},
             {10, 0, 1, "keep_n"},
             {10, -1, 1, "keep_n"},
             {10, 3, 23, "compression_level"},
             {10, 3, -8, "compression_level"}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    dckpt_store_options o = tu_options(NULL);
    o.checkpoint_step = bad[i].step;
    o.keep_n = bad[i].keep;
    o.compression_level = bad[i].level;
    dckpt_store *s = NULL;
    CHECK_RC(dckpt_store_open(dir, &o, &s), DCKPT_EINVAL);
    CHECK(s != NULL);
    CHECK_CONTAINS(dckpt_store_errmsg(s), bad[i].needle);
    dckpt_store_close(s);
  }
  CHECK(!tu_exists(dir)); /* nothing created for a refused open */
}

/* 2. initialize writes metadata, initial files and algorithm dirs. */
static void test_initialize(void) {
  dckpt_store_options o = tu_options(NULL);
  dckpt_store *s = fresh_run("init", &o, 3);
  const char *dir = dckpt_store_get_dir(s);
  CHECK(tu_exists(tu_at(dir, "metadata.json")));
  CHECK(tu_exists(tu_at(dir, "initial_algorithms.dckpt")));
  CHECK(tu_exists(tu_at(dir, "benchmark_problem.dckpt")));
  CHECK(tu_exists(tu_at(dir, "algorithm_0")));
  CHECK(tu_exists(tu_at(dir, "algorithm_1")));
  dckpt_metadata *m = NULL;
  CHECK_OK(dckpt_store_load_metadata(s, &m));
  CHECK_EQ(m->n_trials, 3);
  CHECK_EQ(m->n_algorithms, 2);
  CHECK_STR_EQ(m->algorithms[0].name, "dgd");
  CHECK_STR_EQ(m->algorithms[1].name, "extra");
  CHECK_EQ(m->algorithms[1].iterations, 20);
  CHECK(m->has_seed);
  CHECK_EQ(m->rng_seed, 42);
  CHECK_CONTAINS(m->benchmark_metadata, "\"agents\":8");
  dckpt_metadata_free(m);
  dckpt_record *r = NULL;
  CHECK_OK(dckpt_store_load_initial_algorithms(s, &r));
  CHECK(tu_state_equal(r, 1, 0, 16));
  dckpt_record_free(r);
  CHECK_OK(dckpt_store_load_problem(s, &r));
  CHECK(tu_state_equal(r, 2, 0, 32));
  dckpt_record_free(r);
  /* A second initialize on the same directory is refused. */
  dckpt_metadata plan = tu_plan(3);
  CHECK_RC(dckpt_store_initialize(s, &plan, NULL, NULL), DCKPT_ENOTEMPTY);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "already holds a run");
  dckpt_store_close(s);
}

static void test_initialize_refusals(void) {
  const char *dir = tu_scratch("refuse");
  dckpt_store_options o = tu_options(NULL);
  dckpt_store *s = tu_open(dir, &o);
  tu_write_text(tu_at(dir, "notes.txt"), "mine");
  dckpt_metadata plan = tu_plan(2);
  CHECK_RC(dckpt_store_initialize(s, &plan, NULL, NULL), DCKPT_ENOTEMPTY);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "notes.txt");
  CHECK(tu_exists(tu_at(dir, "notes.txt")));
  unlink(tu_at(dir, "notes.txt"));
  dckpt_algorithm_info dup[2] = {{.name = "dgd", .iterations = 5},
                                 {.name = "dgd", .iterations = 5}};
  plan.algorithms = dup;
  CHECK_RC(dckpt_store_initialize(s, &plan, NULL, NULL), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "duplicate algorithm name 'dgd'");
  plan = tu_plan(0);
  CHECK_RC(dckpt_store_initialize(s, &plan, NULL, NULL), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "n_trials");
  plan = tu_plan(2);
  plan.benchmark_metadata = (char *)"[1,2]";
  CHECK_RC(dckpt_store_initialize(s, &plan, NULL, NULL), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "benchmark_metadata");
  dckpt_store_close(s);
}

/* Strings bound for metadata.json that are not UTF-8 are refused before
 * anything is written, naming the argument, the byte and its offset; a file
 * that already holds such bytes (written before the rule) still reads. */
static void test_not_utf8(void) {
  const char *dir = tu_scratch("notutf8");
  dckpt_store_options o = tu_options(NULL);
  o.job_id = "job\xc0\xaf";
  dckpt_store *s = NULL;
  CHECK_RC(dckpt_store_open(dir, &o, &s), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "job_id is not UTF-8: byte 0xc0 at offset 3");
  dckpt_store_close(s);
  o.job_id = NULL;
  s = tu_open(dir, &o);
  dckpt_algorithm_info algs[2] = {{.name = "a\xff"
                                           "b",
                                   .iterations = 5},
                                  {.name = "dgd", .iterations = 5}};
  dckpt_metadata plan = tu_plan(2);
  plan.algorithms = algs;
  CHECK_RC(dckpt_store_initialize(s, &plan, NULL, NULL), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_store_errmsg(s),
                 "the name of algorithm 0 is not UTF-8: byte 0xff at offset 1");
  CHECK(!tu_exists(tu_at(dir, "metadata.json")));
  algs[0].name = "ok";
  algs[1].config = "{\"k\":\"\xc3\"}";
  CHECK_RC(dckpt_store_initialize(s, &plan, NULL, NULL), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_store_errmsg(s),
                 "config of algorithm 'dgd' is not UTF-8: byte 0xc3 at offset 6");
  CHECK(!tu_exists(tu_at(dir, "metadata.json")));
  algs[1].config = "{\"k\":\"\xc3\xa9\"}"; /* U+00E9: fine */
  plan.campaign = (char *)"{\"surrogate\":\"\xed\xa0\x80\"}";
  CHECK_RC(dckpt_store_initialize(s, &plan, NULL, NULL), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "campaign is not UTF-8: byte 0xed at offset 14");
  plan.campaign = NULL;
  plan.benchmark_metadata = (char *)"{\"\xf8\":1}";
  CHECK_RC(dckpt_store_initialize(s, &plan, NULL, NULL), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_store_errmsg(s),
                 "benchmark_metadata is not UTF-8: byte 0xf8 at offset 2");
  CHECK(!tu_exists(tu_at(dir, "metadata.json")));
  plan.benchmark_metadata = (char *)"{\"caf\xc3\xa9\":\"\xf0\x9f\x98\x80\"}";
  CHECK_OK(dckpt_store_initialize(s, &plan, NULL, NULL));
  /* append: refused, the file left byte for byte */
  size_t before_len = 0, after_len = 0;
  char *before = tu_read_text(tu_at(dir, "metadata.json"), &before_len);
  CHECK_RC(dckpt_store_append_metadata(s, "{\"note\":\"x\xe2\x82\"}"), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_store_errmsg(s),
                 "append_metadata argument is not UTF-8: byte 0xe2 at offset 10");
  char *after = tu_read_text(tu_at(dir, "metadata.json"), &after_len);
  CHECK(before_len == after_len && !memcmp(before, after, before_len));
  free(before);
  free(after);
  dckpt_store_close(s);
  /* A metadata.json written before the rule, holding such bytes, still loads
   * and still takes appends. */
  const char *old = tu_scratch("notutf8_old");
  s = tu_new_run(old, &o, 1);
  char *text = tu_read_text(tu_at(old, "metadata.json"), NULL);
  char *at = strstr(text, "\"dgd\"");
  CHECK(at != NULL);
  at[2] = '\xff'; /* "d\xffd" */
  tu_write_text(tu_at(old, "metadata.json"), text);
  free(text);
  dckpt_metadata *m = NULL;
  CHECK_OK(dckpt_store_load_metadata(s, &m));
  CHECK(!strcmp(m->algorithms[0].name, "d\xff"
                                       "d"));
  dckpt_metadata_free(m);
  CHECK_OK(dckpt_store_append_metadata(s, "{\"more\":1}"));
  dckpt_store_close(s);
}

/* {"x": [[...]]} with `depth` nested arrays (malloc'd). */
static char *nested_object(size_t depth) {
  char *text = malloc(2 * depth + 16);
  CHECK(text != NULL);
  size_t n = (size_t)sprintf(text, "{\"x\":");
  memset(text + n, '[', depth);
  memset(text + n + depth, ']', depth);
  snprintf(text + n + 2 * depth, 2, "}");
  return text;
}

/* 3. append_metadata merges, later value wins. */
static void test_append_metadata(void) {
  dckpt_store_options o = tu_options(NULL);
  dckpt_store *s = fresh_run("append", &o, 1);
  CHECK_OK(dckpt_store_append_metadata(s, "{\"agents\":16,\"host\":\"n1\"}"));
  CHECK_OK(dckpt_store_append_metadata(s, "{\"note\":{\"a\":[1,2]}}"));
  dckpt_metadata *m = NULL;
  CHECK_OK(dckpt_store_load_metadata(s, &m));
  CHECK_CONTAINS(m->benchmark_metadata, "\"agents\":16");
  CHECK_CONTAINS(m->benchmark_metadata, "\"problem\":\"least_squares\"");
  CHECK_CONTAINS(m->benchmark_metadata, "\"host\":\"n1\"");
  CHECK_CONTAINS(m->benchmark_metadata, "\"note\":{\"a\":[1,2]}");
  dckpt_metadata_free(m);
  CHECK_RC(dckpt_store_append_metadata(s, "not json"), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "append_metadata");
  CHECK_RC(dckpt_store_append_metadata(s, "[1]"), DCKPT_EINVAL);
  /* a key twice would be written so: dckpt would read one, Python the other */
  CHECK_RC(dckpt_store_append_metadata(s, "{\"n\":{\"k\":1,\"k\":2}}"), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_store_errmsg(s),
                 "append_metadata argument: key \"k\" appears twice");
  /* Metadata that would make metadata.json unreadable (nested deeper than a
   * reader takes, or larger than it reads) is refused by name and leaves the
   * file as it was: written, it lost the whole run. */
  const char *dir = dckpt_store_get_dir(s);
  char *before = tu_read_text(tu_at(dir, "metadata.json"), NULL);
  char *deep = nested_object(999);
  CHECK_RC(dckpt_store_append_metadata(s, deep), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "metadata.json' not written (left as it was)");
  CHECK_CONTAINS(dckpt_store_errmsg(s), "nested deeper than");
  free(deep);
  size_t big = (64u << 20) + 16;
  char *huge = malloc(big + 16);
  CHECK(huge != NULL);
  size_t n = (size_t)sprintf(huge, "{\"x\":\"");
  memset(huge + n, 'a', big);
  snprintf(huge + n + big, 3, "\"}");
  CHECK_RC(dckpt_store_append_metadata(s, huge), DCKPT_ETOOBIG);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "not written (left as it was)");
  free(huge);
  /* 1e999 is read as infinity, which cJSON prints as null: refused too. */
  CHECK_RC(dckpt_store_append_metadata(s, "{\"big\":{\"y\":[1e999]}}"), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "key \"y\" holds a number beyond the range");
  char *after = tu_read_text(tu_at(dir, "metadata.json"), NULL);
  CHECK_STR_EQ(after, before);
  free(after);
  free(before);
  CHECK_OK(dckpt_store_load_metadata(s, &m));
  dckpt_metadata_free(m);
  dckpt_store_close(s);
  /* initialize with such benchmark_metadata makes nothing. */
  const char *fresh = tu_scratch("append_deep_init");
  dckpt_store_options o2 = tu_options(NULL);
  s = tu_open(fresh, &o2);
  dckpt_metadata plan = tu_plan(1);
  char *bm = nested_object(999);
  plan.benchmark_metadata = bm;
  CHECK_RC(dckpt_store_initialize(s, &plan, NULL, NULL), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "metadata.json' not written");
  CHECK(!tu_exists(tu_at(fresh, "metadata.json")));
  free(bm);
  dckpt_store_close(s);
}

/* 4. should_checkpoint. */
static void test_should_checkpoint(void) {
  const char *dir = tu_scratch("should");
  dckpt_store_options o = tu_options(NULL);
  o.flags = DCKPT_OPEN_READ;
  o.checkpoint_step = 3;
  dckpt_store *s = tu_open(dir, &o);
  bool due = true;
  CHECK_OK(dckpt_store_should_checkpoint(s, 0, &due));
  CHECK(!due);
  CHECK_OK(dckpt_store_should_checkpoint(s, 1, &due));
  CHECK(!due);
  CHECK_OK(dckpt_store_should_checkpoint(s, 2, &due));
  CHECK(due);
  CHECK_OK(dckpt_store_should_checkpoint(s, 5, &due));
  CHECK(due);
  CHECK_RC(dckpt_store_should_checkpoint(s, -1, &due), DCKPT_EINVAL);
  CHECK_STR_EQ(dckpt_store_errmsg(s), ""); /* a const store keeps no message */
  dckpt_store_close(s);
  o.checkpoint_step = DCKPT_STEP_NONE;
  s = tu_open(dir, &o);
  for (int64_t i = 0; i < 100; i++) {
    CHECK_OK(dckpt_store_should_checkpoint(s, i, &due));
    CHECK(!due);
  }
  dckpt_store_close(s);
}

/* 5. save / load round trip; the file is zstd; progress names the iteration. */
static void test_save_load(void) {
  dckpt_store_options o = tu_options(NULL);
  o.checkpoint_step = 5;
  dckpt_store *s = fresh_run("saveload", &o, 2);
  dckpt_record *r = NULL;
  int64_t it = 7;
  CHECK_OK(dckpt_store_load_latest(s, 0, 0, &r, &it));
  CHECK(r == NULL);
  CHECK_EQ(it, -1);
  dckpt_record *st = tu_state(9, 4, 1000);
  CHECK_OK(dckpt_store_save(s, 0, 0, 4, st));
  dckpt_record_free(st);
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", dckpt_store_get_dir(s));
  char *ck =
      tu_read_text(tu_at(dir, "algorithm_0/trial_0/checkpoint_0000004.dckpt"), NULL);
  CHECK(ck != NULL);
  /* skippable frame first, then a standard zstd frame magic somewhere after */
  CHECK_EQ((unsigned char)ck[0], 0x5D);
  CHECK_EQ((unsigned char)ck[3], 0x18);
  free(ck);
  char *pr = tu_read_text(tu_at(dir, "algorithm_0/trial_0/progress.json"), NULL);
  CHECK_CONTAINS(pr, "\"last_completed_iteration\":4");
  free(pr);
  CHECK(tu_latest_is(s, 0, 0, 4, 9, 1000));
  /* idempotent: saving the same iteration again changes nothing */
  st = tu_state(9, 4, 1000);
  CHECK_OK(dckpt_store_save(s, 0, 0, 4, st));
  dckpt_record_free(st);
  dckpt_store_close(s);
  /* and a new handle sees the same */
  o.flags = DCKPT_OPEN_READ;
  s = tu_open(dir, &o);
  CHECK_OK(dckpt_store_load_latest(s, 0, 0, &r, &it));
  CHECK_EQ(it, 4);
  dckpt_record_free(r);
  dckpt_trial_status ts;
  CHECK_OK(dckpt_store_trial_status(s, 0, 0, &ts));
  CHECK_EQ(ts.state, DCKPT_TRIAL_IN_PROGRESS);
  CHECK_EQ(ts.last_iteration, 4);
  CHECK_OK(dckpt_store_trial_status(s, 1, 1, &ts));
  CHECK_EQ(ts.state, DCKPT_TRIAL_NOT_STARTED);
  st = tu_state(9, 5, 10);
  CHECK_RC(dckpt_store_save(s, 0, 0, 5, st), DCKPT_EACCES);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "read-only");
  dckpt_record_free(st);
  dckpt_store_close(s);
}

/* 6. An uncompressed (level 0) checkpoint still loads, mixed with zstd ones. */
static void test_uncompressed_loads(void) {
  dckpt_store_options o = tu_options(NULL);
  o.compression_level = 0;
  dckpt_store *s = fresh_run("raw", &o, 1);
  const char *dir = dckpt_store_get_dir(s);
  dckpt_record *st = tu_state(3, 0, 500);
  CHECK_OK(dckpt_store_save(s, 1, 0, 0, st));
  dckpt_record_free(st);
  char dircopy[1024];
  snprintf(dircopy, sizeof dircopy, "%s", dir);
  dckpt_store_close(s);
  o.compression_level = 1;
  s = tu_open(dircopy, &o);
  CHECK(tu_latest_is(s, 1, 0, 0, 3, 500));
  dckpt_store_close(s);
}

/* 7. mark / is complete / load result / unmark. */
static void test_complete_markers(void) {
  dckpt_store_options o = tu_options(NULL);
  dckpt_store *s = fresh_run("complete", &o, 2);
  bool done = true;
  CHECK_OK(dckpt_store_trial_is_complete(s, 0, 1, &done));
  CHECK(!done);
  dckpt_record *r = NULL;
  CHECK_RC(dckpt_store_load_final_state(s, 0, 1, &r), DCKPT_ENOTCOMPLETE);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "complete.json");
  dckpt_record *st = tu_state(5, 9, 64);
  CHECK_OK(dckpt_store_mark_complete(s, 0, 1, 9, st));
  dckpt_record_free(st);
  CHECK_OK(dckpt_store_trial_is_complete(s, 0, 1, &done));
  CHECK(done);
  char *cj = tu_read_text(
      tu_at(dckpt_store_get_dir(s), "algorithm_0/trial_1/complete.json"), NULL);
  CHECK_CONTAINS(cj, "\"alg_name\":\"dgd\"");
  CHECK_CONTAINS(cj, "\"checkpoint_path\":\"checkpoint_0000009.dckpt\"");
  free(cj);
  CHECK_OK(dckpt_store_load_final_state(s, 0, 1, &r));
  CHECK(tu_state_equal(r, 5, 9, 64));
  dckpt_record_free(r);
  int64_t *trials = NULL;
  size_t n = 0;
  CHECK_OK(dckpt_store_completed_trials(s, 0, 2, &trials, &n));
  CHECK_EQ(n, 1);
  CHECK_EQ(trials[0], 1);
  dckpt_free(trials);
  /* a count beyond the limit is refused before the array is allocated (its
   * size wrapped to 8 bytes for 2^61 trials, and the loop never ended) */
  CHECK_EQ(dckpt_store_completed_trials(s, 0, (int64_t)1 << 61, &trials, &n),
           DCKPT_ETOOBIG);
  CHECK(trials == NULL && n == 0);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "n_trials 2305843009213693952 exceeds the limit");
  CHECK_EQ(dckpt_store_completed_trials(s, -1, 2, &trials, &n), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "algorithm index -1 is out of range");
  dckpt_trial_status ts;
  CHECK_OK(dckpt_store_trial_status(s, 0, 1, &ts));
  CHECK_EQ(ts.state, DCKPT_TRIAL_COMPLETE);
  CHECK_OK(dckpt_store_unmark_complete(s, 0, 1));
  CHECK_OK(dckpt_store_unmark_complete(s, 0, 1)); /* no marker: still fine */
  CHECK_OK(dckpt_store_trial_is_complete(s, 0, 1, &done));
  CHECK(!done);
  dckpt_store_close(s);
}

/* How many threads of this process besides the main one there are, and
 * whether each of them blocks SIGTERM, SIGINT and SIGUSR1 (from the SigBlk
 * line of /proc/self/task/TID/status). */
static int other_threads(int *not_blocking) {
  DIR *d = opendir("/proc/self/task");
  CHECK(d != NULL);
  int n = 0;
  *not_blocking = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.' || atol(e->d_name) == (long)getpid()) continue;
    char path[300], line[256];
    snprintf(path, sizeof path, "/proc/self/task/%s/status", e->d_name);
    FILE *f = fopen(path, "r");
    if (!f) continue; /* the thread just ended */
    unsigned long long blk = 0;
    while (fgets(line, sizeof line, f))
      if (sscanf(line, "SigBlk: %llx", &blk) == 1) break;
    fclose(f);
    unsigned long long want =
        (1ull << (SIGTERM - 1)) | (1ull << (SIGINT - 1)) | (1ull << (SIGUSR1 - 1));
    n++;
    if ((blk & want) != want) (*not_blocking)++;
  }
  closedir(d);
  return n;
}

/* 8. keep_n = 2 with saves at 1, 2, 3 leaves 2 and 3; latest loads 3. */
static void test_rotation(void) {
  int base_not_blocking = -1; /* threads a sanitizer's runtime may have */
  int base = other_threads(&base_not_blocking);
  dckpt_store_options o = tu_options(NULL);
  o.keep_n = 2;
  dckpt_store *s = fresh_run("rotate", &o, 1);
  for (int64_t i = 1; i <= 3; i++) {
    dckpt_record *st = tu_state(7, i, 32);
    CHECK_OK(dckpt_store_save(s, 1, 0, i, st));
    dckpt_record_free(st);
  }
  const char *dir = dckpt_store_get_dir(s);
  CHECK(!tu_exists(tu_at(dir, "algorithm_1/trial_0/checkpoint_0000001.dckpt")));
  CHECK(tu_exists(tu_at(dir, "algorithm_1/trial_0/checkpoint_0000002.dckpt")));
  CHECK(tu_exists(tu_at(dir, "algorithm_1/trial_0/checkpoint_0000003.dckpt")));
  CHECK(tu_latest_is(s, 1, 0, 3, 7, 32));
  /* The rotation started the handle's background thread; the application's
   * signals must never be handled on it (this thread blocks none of them).
   * The thread ends a moment after its last job, so a machine that paused
   * this process may find it gone: another save (and rotation) starts it
   * again. */
  int not_blocking = -1;
  for (int64_t i = 4; other_threads(&not_blocking) < base + 1 && i < 200; i++) {
    dckpt_record *st = tu_state(7, i, 32);
    CHECK_OK(dckpt_store_save(s, 1, 0, i, st));
    dckpt_record_free(st);
  }
  CHECK(other_threads(&not_blocking) >= base + 1);
  CHECK_EQ(not_blocking, base_not_blocking);
  dckpt_store_close(s);
#ifndef __SANITIZE_THREAD__ /* TSan starts a thread of its own on the way */
  /* close joins it; the kernel may list a joined thread a moment longer */
  for (int k = 0; k < 6000 && other_threads(&not_blocking) > base; k++)
    usleep(10000);
  CHECK_EQ(other_threads(&not_blocking), base); /* close ends it */
#endif
}

/* 9. The benchmark result skips an algorithm with incomplete trials. */
static void test_load_result(void) {
  tu_log log;
  dckpt_store_options o = tu_options(&log);
  dckpt_store *s = fresh_run("result", &o, 2);
  for (int64_t t = 0; t < 2; t++) {
    dckpt_record *st = tu_state(100 + (uint64_t)t, 9, 8);
    CHECK_OK(dckpt_store_mark_complete(s, 0, t, 9, st));
    dckpt_record_free(st);
  }
  dckpt_record *st = tu_state(200, 19, 8);
  CHECK_OK(dckpt_store_mark_complete(s, 1, 0, 19, st));
  dckpt_record_free(st);
  dckpt_result *res = NULL;
  CHECK_OK(dckpt_store_load_results(s, &res));
  CHECK_EQ(dckpt_result_n_algorithms(res), 1);
  CHECK_STR_EQ(dckpt_result_algorithm_name(res, 0), "dgd");
  CHECK_EQ(dckpt_result_algorithm_index(res, 0), 0);
  CHECK_EQ(dckpt_result_n_trials(res), 2);
  CHECK(tu_state_equal(dckpt_result_trial(res, 0, 1), 101, 9, 8));
  CHECK(dckpt_result_trial(res, 1, 0) == NULL);
  dckpt_result_free(res);
  CHECK_CONTAINS(log.text, "algorithm 'extra' has 1 of 2 trials complete");
  bool all = true;
  CHECK_OK(dckpt_store_run_is_complete(s, &all));
  CHECK(!all);
  bool started = false;
  CHECK_OK(dckpt_store_run_is_started(s, &started));
  CHECK(started);
  dckpt_store_close(s);
}

/* 10. Metrics save and load back; the marker is required. */
static void test_metrics(void) {
  dckpt_store_options o = tu_options(NULL);
  dckpt_store *s = fresh_run("metrics", &o, 1);
  dckpt_record *r = NULL;
  bool computed = true;
  CHECK_OK(dckpt_store_metrics_computed(s, &computed));
  CHECK(!computed);
  CHECK_RC(dckpt_store_load_metrics(s, &r), DCKPT_ENOTCOMPLETE);
  dckpt_record *m = tu_state(77, 0, 300);
  CHECK_OK(dckpt_store_save_metrics(s, m));
  dckpt_record_free(m);
  CHECK_OK(dckpt_store_metrics_computed(s, &computed));
  CHECK(computed);
  CHECK_OK(dckpt_store_load_metrics(s, &r));
  CHECK(tu_state_equal(r, 77, 0, 300));
  dckpt_record_free(r);
  /* Without its marker the metrics file is not trusted. */
  unlink(tu_at(dckpt_store_get_dir(s), "metric_computation_complete.json"));
  CHECK_RC(dckpt_store_load_metrics(s, &r), DCKPT_ENOTCOMPLETE);
  CHECK(r == NULL);
  dckpt_store_close(s);
}

/* 11. Backup archive and clear. */
/* A live run replaces its files (progress.json, run_status.json) and
 * rotates checkpoints away while a backup reads the directory: the backup
 * neither fails nor stores a file cut short. A thread flips a file between
 * two sizes and makes and removes another; every backup must succeed. */
typedef struct flipper {
  const char *dir;
  atomic_int stop;
} flipper;

static void *flip(void *arg) {
  flipper *f = arg;
  char tmp[4200], dst[4200], gone[4200];
  snprintf(tmp, sizeof tmp, "%s/.dckpt-tmp.flip", f->dir); /* skipped */
  snprintf(dst, sizeof dst, "%s/flip.json", f->dir);
  snprintf(gone, sizeof gone, "%s/gone.json", f->dir);
  static char big[65536];
  memset(big, 'b', sizeof big - 1);
  for (unsigned i = 0; !atomic_load(&f->stop); i++) {
    FILE *o = fopen(tmp, "w");
    if (!o) continue;
    fputs(i % 2 ? "{}" : big, o);
    fclose(o);
    rename(tmp, dst);
    if (i % 2) {
      o = fopen(gone, "w");
      if (o) fclose(o);
    } else {
      unlink(gone);
    }
  }
  return NULL;
}

static void test_backup_live(void) {
  dckpt_store_options o = tu_options(NULL);
  dckpt_store *s = fresh_run("backup_live", &o, 1);
  flipper f = {dckpt_store_get_dir(s), 0};
  atomic_init(&f.stop, 0);
  pthread_t th;
  CHECK_EQ(pthread_create(&th, NULL, flip, &f), 0);
  for (int i = 0; i < 300; i++) {
    char *p = NULL;
    int rc = dckpt_store_backup(s, &p);
    if (rc != DCKPT_OK) fprintf(stderr, "backup %d: %s\n", i, dckpt_store_errmsg(s));
    CHECK_OK(rc);
    if (p) unlink(p);
    dckpt_free(p);
  }
  atomic_store(&f.stop, 1);
  pthread_join(th, NULL);
  dckpt_store_close(s);
}

static void test_backup_clear(void) {
  dckpt_store_options o = tu_options(NULL);
  dckpt_store *s = fresh_run("backup", &o, 1);
  dckpt_record *st = tu_state(1, 3, 8);
  CHECK_OK(dckpt_store_save(s, 0, 0, 3, st));
  dckpt_record_free(st);
  char *p1 = NULL, *p2 = NULL;
  CHECK_OK(dckpt_store_backup(s, &p1));
  CHECK_OK(dckpt_store_backup(s, &p2)); /* same second: a distinct name */
  CHECK(tu_exists(p1));
  CHECK(tu_exists(p2));
  CHECK(strcmp(p1, p2) != 0);
  CHECK_CONTAINS(p1, "_backup_");
  char cmd[4096];
  snprintf(cmd, sizeof cmd,
           "/usr/bin/python3 -c \"import zipfile,sys; "
           "n=zipfile.ZipFile(sys.argv[1]).namelist();"
           " sys.exit(0 if 'metadata.json' in n and "
           "'algorithm_0/trial_0/checkpoint_0000003.dckpt' in n and "
           "not any('dckpt.lock' in x for x in n) else 1)\" '%s'",
           p1);
  CHECK_EQ(system(cmd), 0);
  unlink(p1);
  unlink(p2);
  dckpt_free(p1);
  dckpt_free(p2);
  /* A directory that holds no run is not archived (it zipped anything: a
   * home directory, or / through /proc). */
  const char *other = tu_scratch("backup_other");
  dckpt_store_options ro = tu_options(NULL);
  ro.flags = DCKPT_OPEN_READ;
  CHECK_EQ(mkdir(other, 0777), 0);
  tu_write_text(tu_at(other, "notes.txt"), "mine");
  dckpt_store *os = tu_open(other, &ro);
  char *p3 = NULL;
  CHECK_RC(dckpt_store_backup(os, &p3), DCKPT_ENOENT);
  CHECK(p3 == NULL);
  CHECK_CONTAINS(dckpt_store_errmsg(os), "does not hold a dckpt run");
  CHECK_CONTAINS(dckpt_store_errmsg(os), "nothing archived");
  dckpt_store_close(os);
  uint64_t bytes = 0;
  CHECK_OK(dckpt_store_size(s, &bytes));
  CHECK_GT(bytes, 100);
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", dckpt_store_get_dir(s));
  CHECK_OK(dckpt_store_clear(s));
  CHECK(!tu_exists(dir));
  bool empty = false;
  CHECK_OK(dckpt_store_is_empty(s, &empty));
  CHECK(empty);
  /* the handle can start a new run in the same place */
  dckpt_metadata plan = tu_plan(1);
  CHECK_OK(dckpt_store_initialize(s, &plan, NULL, NULL));
  CHECK(tu_exists(tu_at(dir, "dckpt.lock")));
  dckpt_store_close(s);
  CHECK(!tu_exists(tu_at(dir, "dckpt.lock")));
}

/* Growing the plan: more trials, more iterations (completed trials reopen),
 * metrics invalidated; shrinking refused. */
static void test_extend(void) {
  dckpt_store_options o = tu_options(NULL);
  dckpt_store *s = fresh_run("extend", &o, 2);
  dckpt_record *st = tu_state(1, 9, 8);
  CHECK_OK(dckpt_store_mark_complete(s, 0, 0, 9, st));
  CHECK_OK(dckpt_store_mark_complete(s, 1, 0, 9, st));
  dckpt_record_free(st);
  st = tu_state(1, 0, 8);
  CHECK_OK(dckpt_store_save_metrics(s, st));
  dckpt_record_free(st);
  int64_t iters[2] = {15, 20};
  CHECK_OK(dckpt_store_extend(s, 4, iters));
  dckpt_metadata *m = NULL;
  CHECK_OK(dckpt_store_load_metadata(s, &m));
  CHECK_EQ(m->n_trials, 4);
  CHECK_EQ(m->algorithms[0].iterations, 15);
  CHECK_EQ(m->algorithms[1].iterations, 20);
  dckpt_metadata_free(m);
  bool done = true;
  CHECK_OK(dckpt_store_trial_is_complete(s, 0, 0, &done));
  CHECK(!done); /* reopened: more iterations to run */
  CHECK_OK(dckpt_store_trial_is_complete(s, 1, 0, &done));
  CHECK(done); /* unchanged algorithm stays complete */
  bool computed = true;
  CHECK_OK(dckpt_store_metrics_computed(s, &computed));
  CHECK(!computed);
  /* the reopened trial continues from its final checkpoint */
  dckpt_record *r = NULL;
  int64_t it = -1;
  CHECK_OK(dckpt_store_load_latest(s, 0, 0, &r, &it));
  CHECK_EQ(it, 9);
  dckpt_record_free(r);
  /* repeating the same extend is a no-op; shrinking is refused */
  CHECK_OK(dckpt_store_extend(s, 4, iters));
  CHECK_RC(dckpt_store_extend(s, 3, NULL), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "n_trials");
  int64_t fewer[2] = {15, 5};
  CHECK_RC(dckpt_store_extend(s, 4, fewer), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "'extra'");
  dckpt_store_close(s);
}

/* A clean run verifies; a damaged one reports each bad file. */
static int verify_count;
static char verify_text[8192];
static void on_bad(void *ctx, const char *path, int status, const char *reason) {
  (void)ctx;
  verify_count++;
  size_t used = strlen(verify_text);
  snprintf(verify_text + used, sizeof verify_text - used, "%s [%s] %s\n", path,
           dckpt_err_name(status), reason);
}
static char warn_text[8192];
static void on_warn(void *ctx, const char *path, int status, const char *reason) {
  (void)ctx;
  size_t used = strlen(warn_text);
  snprintf(warn_text + used, sizeof warn_text - used, "%s [%s] %s\n", path,
           dckpt_err_name(status), reason);
}

static void test_verify(void) {
  dckpt_store_options o = tu_options(NULL);
  dckpt_store *s = fresh_run("verify", &o, 2);
  dckpt_record *st = tu_state(1, 9, 200);
  CHECK_OK(dckpt_store_mark_complete(s, 0, 0, 9, st));
  CHECK_OK(dckpt_store_save(s, 0, 1, 4, st));
  dckpt_record_free(st);
  size_t n_bad = 99;
  CHECK_OK(dckpt_store_verify(s, on_bad, NULL, &n_bad));
  CHECK_EQ(n_bad, 0);
  const char *dir = dckpt_store_get_dir(s);
  char ckpt[2100];
  snprintf(ckpt, sizeof ckpt, "%s",
           tu_at(dir, "algorithm_0/trial_1/checkpoint_0000004.dckpt"));
  size_t len = 0;
  char *bytes = tu_read_text(ckpt, &len);
  bytes[len / 2] ^= 0x10;
  FILE *f = fopen(ckpt, "wb");
  fwrite(bytes, 1, len, f);
  fclose(f);
  free(bytes);
  tu_write_text(tu_at(dir, "algorithm_0/trial_0/progress.json"),
                "{\"last_completed_iteration\":");
  /* the damaged checkpoint is a problem; the damaged progress.json a
   * warning (a hint: nothing committed depends on it) */
  CHECK_OK(dckpt_store_verify(s, on_bad, NULL, &n_bad));
  CHECK_EQ(n_bad, 1);
  CHECK_CONTAINS(verify_text, "checkpoint_0000004.dckpt");
  verify_text[0] = '\0';
  warn_text[0] = '\0';
  size_t n_warn = 99;
  CHECK_OK(dckpt_store_verify_warn(s, on_bad, on_warn, NULL, &n_bad, &n_warn));
  CHECK_EQ(n_bad, 1);
  CHECK_EQ(n_warn, 1);
  CHECK_CONTAINS(verify_text, "checkpoint_0000004.dckpt");
  CHECK_CONTAINS(warn_text, "trial_0/progress.json [ECORRUPT]");
  CHECK_CONTAINS(warn_text, "only a hint");
  CHECK(strstr(verify_text, "progress.json") == NULL);
  /* a trial directory that is a file, an algorithm directory that is a
   * broken link: verify called the first not started, the second missing */
  char trial[2100], adir[2100];
  snprintf(trial, sizeof trial, "%s", tu_at(dir, "algorithm_0/trial_1"));
  snprintf(adir, sizeof adir, "%s", tu_at(dir, "algorithm_1"));
  tu_rmrf(trial);
  tu_write_text(trial, "x");
  tu_rmrf(adir);
  CHECK_EQ(symlink("nowhere", adir), 0);
  verify_text[0] = '\0';
  CHECK_OK(dckpt_store_verify(s, on_bad, NULL, &n_bad));
  CHECK_EQ(n_bad, 2);
  CHECK_CONTAINS(verify_text, "trial_1 [ENOTDIR] trial directory is not a directory");
  CHECK_CONTAINS(verify_text,
                 "algorithm_1 [ENOTDIR] algorithm directory is not a directory");
  dckpt_store_close(s);
}

/* Verify after each state of progress.json that a power loss (or a kill
 * between a save's renames) can leave: a warning naming the file and the
 * cause, never a problem, and saying where a resume starts, which is where
 * load_latest does start. Real damage next to it is still a problem. */
static void expect_hint(dckpt_store *s, int code, const char *says, int64_t resume) {
  size_t n_bad = 99, n_warn = 99;
  verify_text[0] = '\0';
  warn_text[0] = '\0';
  CHECK_OK(dckpt_store_verify_warn(s, on_bad, on_warn, NULL, &n_bad, &n_warn));
  CHECK_EQ(n_bad, 0);
  CHECK_EQ(n_warn, 1);
  char tag[64];
  snprintf(tag, sizeof tag, "progress.json [%s]", dckpt_err_name(code));
  CHECK_CONTAINS(warn_text, tag);
  CHECK_CONTAINS(warn_text, says);
  dckpt_record *r = NULL;
  int64_t it = -2;
  CHECK_OK(dckpt_store_load_latest(s, 0, 1, &r, &it));
  CHECK_EQ(it, resume);
  dckpt_record_free(r);
}

static void test_verify_hints(void) {
  dckpt_store_options o = tu_options(NULL);
  dckpt_store *s = fresh_run("verify_hints", &o, 2);
  dckpt_record *st = tu_state(1, 4, 200);
  CHECK_OK(dckpt_store_save(s, 0, 1, 4, st));
  CHECK_OK(dckpt_store_save(s, 0, 1, 9, st));
  size_t n_bad = 99, n_warn = 99;
  CHECK_OK(dckpt_store_verify_warn(s, on_bad, on_warn, NULL, &n_bad, &n_warn));
  CHECK_EQ(n_bad, 0);
  CHECK_EQ(n_warn, 0);
  char progress[2100], ckpt9[2100];
  const char *dir = dckpt_store_get_dir(s);
  snprintf(progress, sizeof progress, "%s",
           tu_at(dir, "algorithm_0/trial_1/progress.json"));
  snprintf(ckpt9, sizeof ckpt9, "%s",
           tu_at(dir, "algorithm_0/trial_1/checkpoint_0000009.dckpt"));
  /* unreadable: zeros (its data lost, its size kept) */
  FILE *f = fopen(progress, "wb");
  CHECK(f != NULL);
  for (int i = 0; i < 160; i++)
    fputc(0, f);
  fclose(f);
  expect_hint(s, DCKPT_ECORRUPT, "resume starts from iteration 9", 9);
  /* names a checkpoint whose rename was lost */
  tu_write_text(progress, "{\"last_completed_iteration\":14}");
  expect_hint(s, DCKPT_ENOENT, "checkpoint_0000014.dckpt', which is missing", 9);
  CHECK_CONTAINS(warn_text, "resume starts from iteration 9");
  /* behind a checkpoint whose save did not return */
  tu_write_text(progress, "{\"last_completed_iteration\":4}");
  expect_hint(s, DCKPT_OK, "checkpoint 9 is there too", 4);
  /* missing: the trial's first save did not return */
  tu_write_text(progress, "{\"last_completed_iteration\":9}");
  CHECK_EQ(remove(progress), 0);
  expect_hint(s, DCKPT_ENOENT, "none of them is committed", -1);
  /* real damage beside a damaged hint: still a problem */
  tu_write_text(progress, "{\"last_completed_iteration\":");
  size_t len = 0;
  char *bytes = tu_read_text(ckpt9, &len);
  bytes[len / 2] ^= 0x10;
  f = fopen(ckpt9, "wb");
  fwrite(bytes, 1, len, f);
  fclose(f);
  free(bytes);
  verify_text[0] = '\0';
  warn_text[0] = '\0';
  CHECK_OK(dckpt_store_verify_warn(s, on_bad, on_warn, NULL, &n_bad, &n_warn));
  CHECK_EQ(n_bad, 1);
  CHECK_EQ(n_warn, 1);
  CHECK_CONTAINS(verify_text, "checkpoint_0000009.dckpt");
  CHECK_CONTAINS(warn_text, "resume starts from iteration 4");
  /* the next save rewrites the hint: clean again */
  CHECK_OK(dckpt_store_save(s, 0, 1, 14, st));
  CHECK_OK(dckpt_store_verify_warn(s, on_bad, on_warn, NULL, &n_bad, &n_warn));
  CHECK_EQ(n_warn, 0);
  dckpt_record_free(st);
  dckpt_store_close(s);
}

/* A checkpoint that lists the digests of segments 0..n-1. */
static dckpt_record *listing(int64_t iteration, const uint64_t *digests, uint64_t n) {
  dckpt_record *r = tu_state(1, iteration, 64);
  CHECK_OK(dckpt_record_put_u64(r, DCKPT_SEGMENTS_KEY, digests, n));
  return r;
}

/* 15. Metric segments: saved crash-safely with their identity, loaded only
 * when they are the very ones listed (digest), moved aside when unsound or
 * planted, removed on completion; a final state that lists segments is
 * refused; verify checks what the committed checkpoint lists; load_before
 * falls back past a checkpoint. */
static void test_segments(void) {
  tu_log log = {0};
  dckpt_store_options o = tu_options(&log);
  dckpt_store *s = fresh_run("segments", &o, 2);
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", dckpt_store_get_dir(s));
  dckpt_record *seg[3];
  uint64_t dg[3];
  for (int i = 0; i < 3; i++) {
    seg[i] = tu_state(40 + (uint64_t)i, i, 100);
    CHECK_OK(dckpt_record_digest(seg[i], &dg[i]));
    CHECK_OK(dckpt_store_save_segment(s, 0, 1, i, seg[i]));
  }
  CHECK_NE(dg[0], dg[1]);
  CHECK(tu_exists(tu_at(dir, "algorithm_0/trial_1/metrics_000002.dckpt")));
  /* the digest does not depend on the encoding: a loaded copy has the same */
  dckpt_record *back = NULL;
  CHECK_OK(dckpt_store_load_segment(s, 0, 1, 1, dg[1], &back));
  CHECK(tu_state_equal(back, 41, 1, 100));
  dckpt_record_free(back);
  /* another digest: sound but not the one listed; left in place */
  CHECK_RC(dckpt_store_load_segment(s, 0, 1, 1, dg[0], &back), DCKPT_ECORRUPT);
  CHECK(back == NULL);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "metrics_000001.dckpt");
  CHECK_CONTAINS(dckpt_store_errmsg(s), "not the one the checkpoint lists");
  CHECK(tu_exists(tu_at(dir, "algorithm_0/trial_1/metrics_000001.dckpt")));
  CHECK_RC(dckpt_store_load_segment(s, 0, 1, 7, dg[0], &back), DCKPT_ENOENT);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "metrics_000007.dckpt' is missing");
  CHECK_RC(dckpt_store_save_segment(s, 0, 1, -1, seg[0]), DCKPT_EINVAL);
  CHECK_RC(dckpt_store_save_segment(s, 0, 1, 0, NULL), DCKPT_EINVAL);

  /* checkpoints 4 (segment 0) and 9 (segments 0..2): verify is content */
  dckpt_record *c4 = listing(4, dg, 1), *c9 = listing(9, dg, 3);
  CHECK_OK(dckpt_store_save(s, 0, 1, 4, c4));
  CHECK_OK(dckpt_store_save(s, 0, 1, 9, c9));
  size_t n_bad = 99;
  CHECK_OK(dckpt_store_verify(s, on_bad, NULL, &n_bad));
  CHECK_EQ(n_bad, 0);
  /* segment 2 of trial 0 planted in trial 1's place: belongs elsewhere */
  CHECK_OK(dckpt_store_save_segment(s, 0, 0, 2, seg[2]));
  char src[2100];
  snprintf(src, sizeof src, "%s", tu_at(dir, "algorithm_0/trial_0/metrics_000002.dckpt"));
  CHECK_EQ(rename(src, tu_at(dir, "algorithm_0/trial_1/metrics_000002.dckpt")), 0);
  verify_text[0] = '\0';
  CHECK_OK(dckpt_store_verify(s, on_bad, NULL, &n_bad));
  CHECK_EQ(n_bad, 1);
  CHECK_CONTAINS(verify_text, "metrics_000002.dckpt");
  CHECK_CONTAINS(verify_text, "belongs elsewhere");
  CHECK(tu_exists(
      tu_at(dir, "algorithm_0/trial_1/metrics_000002.dckpt"))); /* only looked */
  CHECK_RC(dckpt_store_load_segment(s, 0, 1, 2, dg[2], &back), DCKPT_ECORRUPT);
  CHECK(!tu_exists(tu_at(dir, "algorithm_0/trial_1/metrics_000002.dckpt")));
  CHECK(tu_exists(tu_at(dir, "algorithm_0/trial_1/metrics_000002.dckpt.corrupt")));
  CHECK_CONTAINS(log.text, "metric segment");
  /* the caller of a checkpoint whose segments fail falls back past it */
  dckpt_record *r = NULL;
  int64_t it = -1;
  CHECK_OK(dckpt_store_load_before(s, 0, 1, 9, &r, &it));
  CHECK_EQ(it, 4);
  dckpt_record_free(r);
  CHECK_OK(dckpt_store_load_before(s, 0, 1, 4, &r, &it));
  CHECK(r == NULL);
  CHECK_EQ(it, -1);
  CHECK(tu_exists(tu_at(dir, "algorithm_0/trial_1/checkpoint_0000009.dckpt")));

  /* completion: a final state listing segments is refused; then they go */
  CHECK_RC(dckpt_store_mark_complete(s, 0, 1, 19, c9), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_store_errmsg(s), DCKPT_SEGMENTS_KEY);
  CHECK(!tu_exists(tu_at(dir, "algorithm_0/trial_1/checkpoint_0000019.dckpt")));
  dckpt_record *fin = tu_state(1, 19, 64);
  CHECK_OK(dckpt_store_mark_complete(s, 0, 1, 19, fin));
  CHECK(!tu_exists(tu_at(dir, "algorithm_0/trial_1/metrics_000000.dckpt")));
  CHECK(!tu_exists(tu_at(dir, "algorithm_0/trial_1/metrics_000001.dckpt")));
  /* drop_segments from a number on */
  for (int i = 0; i < 3; i++)
    CHECK_OK(dckpt_store_save_segment(s, 1, 0, i, seg[i]));
  CHECK_OK(dckpt_store_drop_segments(s, 1, 0, 1));
  CHECK(tu_exists(tu_at(dir, "algorithm_1/trial_0/metrics_000000.dckpt")));
  CHECK(!tu_exists(tu_at(dir, "algorithm_1/trial_0/metrics_000001.dckpt")));
  CHECK(!tu_exists(tu_at(dir, "algorithm_1/trial_0/metrics_000002.dckpt")));
  /* a listed segment missing: verify names it */
  CHECK_OK(dckpt_store_save(s, 1, 0, 3, c9));
  CHECK_OK(dckpt_store_verify(s, on_bad, NULL, &n_bad));
  CHECK_EQ(n_bad, 2);
  CHECK_CONTAINS(verify_text, "algorithm_1/trial_0/metrics_000001.dckpt' is missing");
  dckpt_record_free(fin);
  dckpt_record_free(c4);
  dckpt_record_free(c9);
  for (int i = 0; i < 3; i++)
    dckpt_record_free(seg[i]);
  dckpt_store_close(s);

  /* read-only handles load segments but neither save nor drop them */
  o = tu_options(NULL);
  o.flags = DCKPT_OPEN_READ;
  s = tu_open(dir, &o);
  CHECK_OK(dckpt_store_load_segment(s, 1, 0, 0, dg[0], &back));
  dckpt_record_free(back);
  CHECK_RC(dckpt_store_drop_segments(s, 1, 0, 0), DCKPT_EACCES);
  dckpt_store_close(s);
}

int main(void) {
  RUN_TEST(test_options_validation);
  RUN_TEST(test_initialize);
  RUN_TEST(test_initialize_refusals);
  RUN_TEST(test_not_utf8);
  RUN_TEST(test_append_metadata);
  RUN_TEST(test_should_checkpoint);
  RUN_TEST(test_save_load);
  RUN_TEST(test_uncompressed_loads);
  RUN_TEST(test_complete_markers);
  RUN_TEST(test_rotation);
  RUN_TEST(test_load_result);
  RUN_TEST(test_metrics);
  RUN_TEST(test_backup_clear);
  RUN_TEST(test_backup_live);
  RUN_TEST(test_extend);
  RUN_TEST(test_verify);
  RUN_TEST(test_verify_hints);
  RUN_TEST(test_segments);
  printf("test_store: all passed\n");
  return 0;
}
