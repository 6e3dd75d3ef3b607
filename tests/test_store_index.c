/* The completion index and dckpt_store_scan(): a scan with an index agrees
 * with a deep scan of the markers; lagging, damaged, foreign and stale index
 * files; tampered run directories; growth and unmarking take pairs out of the
 * index first; compaction; worker handles that touch no file at open. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "dckpt_experimental.h"
#include "testutil.h"

#define TRIALS 6

/* A run of tu_plan(TRIALS): dgd trials 0-3 complete, 4 at iteration 4, 5 not
 * started; extra trials 0-5 complete except 2 (at iteration 7). */
static dckpt_store *made_run(const char *tag, dckpt_store_options *o) {
  dckpt_store *s = tu_new_run(tu_scratch(tag), o, TRIALS);
  for (int64_t t = 0; t < TRIALS; t++) {
    dckpt_record *r = tu_state(1, 9, 8), *e = tu_state(2, 19, 8);
    if (t < 4) CHECK_OK(dckpt_store_mark_complete(s, 0, t, 9, r));
    if (t == 4) CHECK_OK(dckpt_store_save(s, 0, t, 4, r));
    if (t != 2) CHECK_OK(dckpt_store_mark_complete(s, 1, t, 19, e));
    if (t == 2) CHECK_OK(dckpt_store_save(s, 1, t, 7, e));
    dckpt_record_free(r);
    dckpt_record_free(e);
  }
  return s;
}

/* Scans with `flags` and checks every state against dckpt_store_trial_status. */
static dckpt_scan_info scan_and_compare(dckpt_store *s, unsigned flags,
                                        dckpt_index **ix) {
  dckpt_trial_status st[2 * TRIALS];
  dckpt_scan_info info;
  dckpt_scan_info_init(&info);
  int scan_rc = dckpt_store_scan(s, flags, st, 2 * TRIALS, &info, ix);
  if (scan_rc != DCKPT_OK) CHECK_FAIL_("scan: %s", dckpt_store_errmsg(s));
  CHECK_EQ(info.pairs, 2 * TRIALS);
  for (int64_t a = 0; a < 2; a++)
    for (int64_t t = 0; t < TRIALS; t++) {
      dckpt_trial_status want;
      CHECK_OK(dckpt_store_trial_status(s, a, t, &want));
      const dckpt_trial_status *got = &st[a * TRIALS + t];
      if (got->state != want.state || got->last_iteration != want.last_iteration)
        CHECK_FAIL_("pair (%lld, %lld): scan says %d/%lld, markers %d/%lld", (long long)a,
                    (long long)t, got->state, (long long)got->last_iteration, want.state,
                    (long long)want.last_iteration);
    }
  return info;
}

static int count_index_files(const char *dir) {
  DIR *d = opendir(tu_at(dir, "index"));
  if (!d) return 0;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (!strncmp(e->d_name, "run-", 4)) n++;
  closedir(d);
  return n;
}

/* The path of the one index file in DIR/index. */
static const char *the_index_file(const char *dir) {
  static char path[2048];
  DIR *d = opendir(tu_at(dir, "index"));
  CHECK(d != NULL);
  struct dirent *e;
  path[0] = '\0';
  while ((e = readdir(d)))
    if (!strncmp(e->d_name, "run-", 4))
      snprintf(path, sizeof path, "%s/index/%s", dir, e->d_name);
  closedir(d);
  CHECK(path[0] != '\0');
  return path;
}

/* Scans, commits the index the scan built, and returns the info. */
static dckpt_scan_info scan_commit(dckpt_store *s) {
  dckpt_index *ix = NULL;
  dckpt_scan_info info = scan_and_compare(s, 0, &ix);
  CHECK(ix != NULL);
  if (dckpt_index_commit(ix) != DCKPT_OK)
    CHECK_FAIL_("commit: %s", dckpt_index_errmsg(ix));
  CHECK(!dckpt_index_dirty(ix));
  dckpt_index_free(ix);
  return info;
}

/* made_run with its index committed (scan_commit); its directory is copied
 * into dir[len], which outlives the store. */
static dckpt_store *indexed_run(const char *tag, dckpt_store_options *o, char *dir,
                                size_t len) {
  dckpt_store *s = made_run(tag, o);
  snprintf(dir, len, "%s", dckpt_store_get_dir(s));
  scan_commit(s);
  return s;
}

static void test_scan_without_index(void) {
  dckpt_store_options o = tu_options(NULL);
  dckpt_store *s = made_run("ix-none", &o);
  dckpt_scan_info info = scan_and_compare(s, 0, NULL);
  CHECK_EQ(info.listed, 0);
  CHECK_EQ(info.read, 2 * TRIALS - 1); /* every trial directory but dgd trial 5 */
  CHECK_EQ(info.index_files, 0);
  CHECK_EQ(info.dirs_listed, 2);
  info = scan_and_compare(s, DCKPT_SCAN_DEEP, NULL);
  CHECK_EQ(info.read, 2 * TRIALS);
  CHECK_CONTAINS(info.note, "deep scan");
  dckpt_trial_status st[4];
  CHECK_RC(dckpt_store_scan(s, 0, st, 4, NULL, NULL), DCKPT_EINVAL);
  dckpt_store_close(s);
}

static void test_scan_with_index(void) {
  dckpt_store_options o = tu_options(NULL);
  char dir[1024];
  dckpt_store *s = indexed_run("ix-use", &o, dir, sizeof dir);
  CHECK_EQ(count_index_files(dir), 1);
  dckpt_scan_info info = scan_and_compare(s, 0, NULL);
  CHECK_EQ(info.listed, 9);
  CHECK_EQ(info.read, 2); /* the two pairs in progress */
  CHECK_EQ(info.spot_checked, 9);
  CHECK_STR_EQ(info.note, "");
  /* the index lags: a pair completed since is found by reading it */
  dckpt_record *r = tu_state(1, 9, 8);
  CHECK_OK(dckpt_store_mark_complete(s, 0, 4, 9, r));
  dckpt_record_free(r);
  dckpt_index *ix = NULL;
  info = scan_and_compare(s, 0, &ix);
  CHECK_EQ(info.listed, 9);
  CHECK(dckpt_index_dirty(ix));
  CHECK_OK(dckpt_index_commit(ix));
  dckpt_index_free(ix);
  CHECK_EQ(count_index_files(dir), 1); /* the older file was compacted away */
  info = scan_and_compare(s, 0, NULL);
  CHECK_EQ(info.listed, 10);
  CHECK_EQ(info.read, 1);
  dckpt_store_close(s);
  /* a read-only handle scans with the index too, and gets no index object */
  o.flags = DCKPT_OPEN_READ;
  s = tu_open(dir, &o);
  ix = NULL;
  info = scan_and_compare(s, 0, &ix);
  CHECK(ix == NULL);
  CHECK_EQ(info.listed, 10);
  dckpt_store_close(s);
}

/* A fully listed algorithm whose directory did not change is not listed. */
static void test_untouched_algorithm_not_listed(void) {
  dckpt_store_options o = tu_options(NULL);
  dckpt_store *s = made_run("ix-untouched", &o);
  scan_commit(s);
  dckpt_scan_info info = scan_and_compare(s, 0, NULL);
  CHECK_EQ(info.dirs_listed, 2); /* each has a pair left */
  dckpt_record *r = tu_state(2, 19, 8);
  CHECK_OK(dckpt_store_mark_complete(s, 1, 2, 19, r));
  dckpt_record_free(r);
  scan_commit(s);
  info = scan_and_compare(s, 0, NULL);
  CHECK_EQ(info.dirs_listed, 1); /* extra is all listed and unchanged */
  CHECK_EQ(info.listed, 10);
  dckpt_store_close(s);
}

static char verify_texts[8192];
static void collect_problem(void *ctx, const char *path, int status, const char *why) {
  (void)ctx;
  size_t n = strlen(verify_texts);
  snprintf(verify_texts + n, sizeof verify_texts - n, "%s [%s] %s\n", path,
           dckpt_err_name(status), why);
}

static void test_tampered_run(void) {
  dckpt_store_options o = tu_options(NULL);
  char dir[1024];
  dckpt_store *s = indexed_run("ix-tamper", &o, dir, sizeof dir);
  /* a trial directory removed by hand: the algorithm directory changed */
  tu_rmrf(tu_at(dir, "algorithm_1/trial_3"));
  dckpt_scan_info info = scan_and_compare(s, 0, NULL);
  CHECK_CONTAINS(info.note, "algorithm_1/trial_3"); /* by the spot check or listing */
  CHECK_CONTAINS(info.note, "not trusted");
  CHECK_EQ(info.read, 2 * TRIALS);
  scan_commit(s); /* rebuilt from the markers */
  info = scan_and_compare(s, 0, NULL);
  CHECK_STR_EQ(info.note, "");
  CHECK_EQ(info.listed, 8);
  /* a marker removed by hand: every listed pair is spot checked here */
  CHECK_EQ(unlink(tu_at(dir, "algorithm_0/trial_1/complete.json")), 0);
  info = scan_and_compare(s, 0, NULL);
  CHECK_CONTAINS(info.note, "algorithm_0/trial_1/complete.json' is missing");
  /* a marker damaged after its pair was listed */
  scan_commit(s);
  tu_write_text(tu_at(dir, "algorithm_1/trial_4/complete.json"), "{\"alg_name\": \"ex");
  info = scan_and_compare(s, 0, NULL);
  CHECK_CONTAINS(info.note, "algorithm 1 trial 4 as complete, but");
  CHECK_CONTAINS(info.note, "malformed");
  CHECK_EQ(unlink(tu_at(dir, "algorithm_1/trial_4/complete.json")), 0);
  /* verify names the index file that lists it */
  verify_texts[0] = '\0';
  size_t n_bad = 0;
  CHECK_OK(dckpt_store_verify(s, collect_problem, NULL, &n_bad));
  CHECK_GE(n_bad, 1);
  CHECK_CONTAINS(verify_texts, "lists algorithm 1 trial 4 as complete");
  dckpt_store_close(s);
}

/* Among many listed pairs the spot check would rarely find a removed trial
 * directory: the change of its algorithm directory always does. */
static void test_removed_trial_found_among_many(void) {
  dckpt_store_options o = tu_options(NULL);
  const char *dir = tu_scratch("ix-many");
  dckpt_store *s = tu_open(dir, &o);
  dckpt_metadata m = tu_plan(300);
  m.n_algorithms = 1;
  CHECK_OK(dckpt_store_initialize(s, &m, NULL, NULL));
  dckpt_record *r = tu_state(1, 9, 1);
  for (int64_t t = 0; t < 300; t++)
    CHECK_OK(dckpt_store_mark_complete(s, 0, t, 9, r));
  dckpt_record_free(r);
  dckpt_index *ix = NULL;
  dckpt_trial_status st[300];
  CHECK_OK(dckpt_store_scan(s, 0, st, 300, NULL, &ix));
  CHECK_OK(dckpt_index_commit(ix));
  dckpt_index_free(ix);
  dckpt_scan_info info;
  dckpt_scan_info_init(&info);
  CHECK_OK(dckpt_store_scan(s, 0, st, 300, &info, NULL));
  CHECK_EQ(info.dirs_listed, 0);
  CHECK_EQ(info.listed, 300);
  CHECK_EQ(info.spot_checked, 32);
  tu_rmrf(tu_at(dir, "algorithm_0/trial_150"));
  CHECK_OK(dckpt_store_scan(s, 0, st, 300, &info, NULL));
  CHECK_CONTAINS(info.note, "algorithm_0/trial_150");
  CHECK_EQ(st[150].state, DCKPT_TRIAL_NOT_STARTED);
  CHECK_EQ(st[149].state, DCKPT_TRIAL_COMPLETE);
  dckpt_store_close(s);
}

static void flip_byte(const char *path, long offset) {
  FILE *f = fopen(path, "r+b");
  CHECK(f != NULL);
  fseek(f, offset, SEEK_SET);
  int c = fgetc(f);
  fseek(f, offset, SEEK_SET);
  fputc(c ^ 0x10, f);
  fclose(f);
}

static void test_damaged_and_foreign_files(void) {
  dckpt_store_options o = tu_options(NULL);
  char dir[1024];
  dckpt_store *s = indexed_run("ix-damage", &o, dir, sizeof dir);
  char path[2048];
  snprintf(path, sizeof path, "%s", the_index_file(dir));
  flip_byte(path, 150);
  dckpt_scan_info info = scan_and_compare(s, 0, NULL);
  CHECK_CONTAINS(info.note, "checksum mismatch");
  CHECK_EQ(info.listed, 0);
  verify_texts[0] = '\0';
  size_t n_bad = 0;
  CHECK_OK(dckpt_store_verify(s, collect_problem, NULL, &n_bad));
  CHECK_EQ(n_bad, 1);
  CHECK_CONTAINS(verify_texts, "checksum mismatch");
  scan_commit(s); /* the damaged file is compacted away */
  CHECK_EQ(count_index_files(dir), 1);
  CHECK(!tu_exists(path));
  /* the index of another run (same names, other run id) is not used */
  dckpt_store_options o2 = tu_options(NULL);
  dckpt_store *other = made_run("ix-damage-other", &o2);
  scan_commit(other);
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "cp '%s' '%s/index/run-0123456789abcdef.idx'",
           the_index_file(dckpt_store_get_dir(other)), dir);
  CHECK_EQ(system(cmd), 0);
  dckpt_store_close(other);
  info = scan_and_compare(s, 0, NULL);
  CHECK_CONTAINS(info.note, "written for another run");
  CHECK_EQ(info.listed, 9); /* this run's own file still counts */
  dckpt_store_close(s);
}

/* Two files (two run instances): the union is used, one file remains. */
static void test_union_and_compaction(void) {
  dckpt_store_options o = tu_options(NULL);
  dckpt_store *s = made_run("ix-union", &o);
  const char *dir = dckpt_store_get_dir(s);
  dckpt_index *a = NULL, *b = NULL;
  scan_and_compare(s, 0, &a);
  /* a second instance that holds no lock: writes, never compacts */
  dckpt_store_options w = tu_options(NULL);
  w.flags = DCKPT_OPEN_WRITE | DCKPT_OPEN_NO_LOCK;
  dckpt_store *worker = tu_open(dir, &w);
  dckpt_record *r = tu_state(1, 9, 8);
  CHECK_OK(dckpt_store_mark_complete(worker, 0, 4, 9, r));
  dckpt_record_free(r);
  scan_and_compare(worker, 0, &b);
  CHECK_OK(dckpt_index_commit(a));
  CHECK_OK(dckpt_index_commit(b));
  CHECK_EQ(count_index_files(dir), 2);
  dckpt_index_free(a);
  dckpt_index_free(b);
  dckpt_store_close(worker);
  dckpt_scan_info info = scan_and_compare(s, 0, NULL);
  CHECK_EQ(info.index_files, 2);
  CHECK_EQ(info.listed, 10);
  scan_commit(s);
  CHECK_EQ(count_index_files(dir), 1);
  dckpt_store_close(s);
}

/* Called just before metadata.json is rewritten by a growth, when the
 * markers of the grown algorithm are gone already: what would a resume after
 * a kill here see? */
static int hook_checks;
static void check_before_metadata(void *ctx, const char *step) {
  if (strcmp(step, "metadata.write") != 0) return;
  dckpt_store_options r = tu_options(NULL);
  r.flags = DCKPT_OPEN_READ;
  dckpt_store *reader = tu_open(ctx, &r);
  CHECK(!tu_exists(tu_at(ctx, "algorithm_1/trial_0/complete.json")));
  /* every state as the markers say, and without distrusting the index */
  dckpt_scan_info info = scan_and_compare(reader, 0, NULL);
  CHECK_STR_EQ(info.note, "");
  CHECK_EQ(info.listed, 4);
  dckpt_store_close(reader);
  hook_checks++;
}

/* Growth and unmarking take pairs out of the index before the markers go. */
static void test_growth_forgets(void) {
  dckpt_store_options o = tu_options(NULL);
  char dir[1024];
  dckpt_store *s = indexed_run("ix-grow", &o, dir, sizeof dir);
  dckpt_store_close(s);
  dckpt_store_experimental hooks; /* copied by the open */
  dckpt_store_experimental_init(&hooks);
  hooks.step_hook = check_before_metadata;
  hooks.step_hook_ctx = dir;
  o.experimental = &hooks;
  s = tu_open(dir, &o);
  int64_t iters[2] = {10, 25}; /* extra grows */
  CHECK_OK(dckpt_store_extend(s, TRIALS + 2, iters));
  CHECK_EQ(hook_checks, 1);
  dckpt_trial_status st[2 * (TRIALS + 2)];
  dckpt_scan_info info;
  dckpt_scan_info_init(&info);
  CHECK_OK(dckpt_store_scan(s, 0, st, 2 * (TRIALS + 2), &info, NULL));
  CHECK_EQ(info.listed, 4); /* dgd's four; extra's were forgotten */
  CHECK_STR_EQ(info.note, "");
  for (int64_t t = 0; t < TRIALS; t++)
    CHECK_NE(st[(TRIALS + 2) + t].state, DCKPT_TRIAL_COMPLETE);
  CHECK_EQ(st[TRIALS].state, DCKPT_TRIAL_NOT_STARTED); /* a new dgd trial */
  CHECK_EQ(count_index_files(dir), 1);
  CHECK_OK(dckpt_store_unmark_complete(s, 0, 1));
  CHECK_OK(dckpt_store_scan(s, 0, st, 2 * (TRIALS + 2), &info, NULL));
  CHECK_EQ(info.listed, 3);
  CHECK_EQ(st[1].state, DCKPT_TRIAL_IN_PROGRESS);
  dckpt_store_close(s);
}

/* An index recorded at other iterations than metadata.json says is stale. */
static void test_stale_stamp(void) {
  dckpt_store_options o = tu_options(NULL);
  char dir[1024];
  dckpt_store *s = indexed_run("ix-stamp", &o, dir, sizeof dir);
  size_t len = 0;
  char *meta = tu_read_text(tu_at(dir, "metadata.json"), &len);
  char *p = strstr(meta, "\"iterations\":20");
  CHECK(p != NULL);
  memcpy(p, "\"iterations\":21", 15);
  tu_write_text(tu_at(dir, "metadata.json"), meta);
  free(meta);
  dckpt_store_close(s);
  s = tu_open(dir, &o);
  dckpt_trial_status st[2 * TRIALS];
  dckpt_scan_info info;
  dckpt_scan_info_init(&info);
  CHECK_OK(dckpt_store_scan(s, 0, st, 2 * TRIALS, &info, NULL));
  CHECK_EQ(info.listed, 4); /* only dgd's bits have the current stamp */
  dckpt_store_close(s);
}

/* A failed commit keeps its message in the index, names the file, and
 * leaves the index dirty for the next try. */
static void test_commit_failure(void) {
  dckpt_store_options o = tu_options(NULL);
  dckpt_store *s = made_run("ix-fail", &o);
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", dckpt_store_get_dir(s));
  dckpt_index *ix = NULL;
  scan_and_compare(s, 0, &ix);
  CHECK(dckpt_index_dirty(ix));
  tu_write_text(tu_at(dir, "index"), "a file where the folder goes\n");
  CHECK(dckpt_index_commit(ix) != DCKPT_OK);
  CHECK_CONTAINS(dckpt_index_errmsg(ix), tu_at(dir, "index"));
  CHECK(dckpt_index_dirty(ix));
  CHECK_EQ(unlink(tu_at(dir, "index")), 0);
  CHECK_OK(dckpt_index_commit(ix));
  CHECK_STR_EQ(dckpt_index_errmsg(ix), "");
  CHECK(!dckpt_index_dirty(ix));
  CHECK_EQ(count_index_files(dir), 1);
  CHECK_RC(dckpt_index_commit(NULL), DCKPT_EINVAL);
  dckpt_index_free(ix);
  dckpt_store_close(s);
}

/* Worker handles: no file touched at open; metadata given, not read. */
static void test_worker_handle(void) {
  dckpt_store_options o = tu_options(NULL);
  dckpt_store *s = made_run("ix-worker", &o);
  const char *dir = dckpt_store_get_dir(s);
  char *text = NULL;
  size_t len = 0;
  CHECK_OK(dckpt_store_metadata_text(s, &text, &len));
  CHECK_CONTAINS(text, "\"run_id\"");
  dckpt_store_options w = tu_options(NULL);
  w.flags = DCKPT_OPEN_WRITE | DCKPT_OPEN_NO_PREPARE;
  dckpt_store *bad = NULL;
  CHECK_RC(dckpt_store_open(dir, &w, &bad), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_store_errmsg(bad), "NO_PREPARE needs");
  dckpt_store_close(bad);
  w.flags |= DCKPT_OPEN_NO_LOCK;
  /* the open makes nothing: a directory that does not exist stays so */
  dckpt_store *none = tu_open(tu_at(dir, "nowhere"), &w);
  CHECK(!tu_exists(tu_at(dir, "nowhere")));
  dckpt_store_close(none);
  dckpt_store *worker = tu_open(dir, &w);
  CHECK_RC(dckpt_store_adopt_metadata(worker, "{\"n_trials\":", 12), DCKPT_ECORRUPT);
  CHECK_OK(dckpt_store_adopt_metadata(worker, text, len));
  /* with metadata.json away, the worker still writes records of this run */
  CHECK_EQ(rename(tu_at(dir, "metadata.json"), tu_at(dir, "meta.away")), 0);
  dckpt_record *r = tu_state(1, 9, 8);
  CHECK_OK(dckpt_store_mark_complete(worker, 0, 5, 9, r));
  CHECK(tu_latest_is(worker, 0, 5, 9, 1, 8));
  dckpt_record_free(r);
  CHECK_EQ(rename(tu_at(dir, "meta.away"), tu_at(dir, "metadata.json")), 0);
  dckpt_store_close(worker);
  size_t n_bad = 99;
  CHECK_OK(dckpt_store_verify(s, NULL, NULL, &n_bad));
  CHECK_EQ(n_bad, 0);
  dckpt_free(text);
  dckpt_store_close(s);
}

int main(void) {
  RUN_TEST(test_scan_without_index);
  RUN_TEST(test_scan_with_index);
  RUN_TEST(test_untouched_algorithm_not_listed);
  RUN_TEST(test_tampered_run);
  RUN_TEST(test_removed_trial_found_among_many);
  RUN_TEST(test_damaged_and_foreign_files);
  RUN_TEST(test_union_and_compaction);
  RUN_TEST(test_growth_forgets);
  RUN_TEST(test_stale_stamp);
  RUN_TEST(test_commit_failure);
  RUN_TEST(test_worker_handle);
  return 0;
}
