/* Bad input never crashes the store, always names the file and the cause, and
 * never costs a committed checkpoint: malformed and mistyped JSON in every
 * JSON file, unsafe paths in complete.json, corrupt checkpoints (fallback),
 * locks, an unwritable directory and a full disk. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "testutil.h"

static dckpt_store *run_with_progress(const char *tag, dckpt_store_options *o) {
  dckpt_store *s = tu_new_run(tu_scratch(tag), o, 2);
  for (int64_t i = 2; i <= 8; i += 3) { /* checkpoints 2, 5, 8 */
    dckpt_record *st = tu_state(4, i, 100);
    CHECK_OK(dckpt_store_save(s, 0, 0, i, st));
    dckpt_record_free(st);
  }
  dckpt_record *st = tu_state(4, 9, 100);
  CHECK_OK(dckpt_store_mark_complete(s, 1, 0, 9, st));
  dckpt_record_free(st);
  return s;
}

/* metadata.json: every malformed or mistyped variant is refused by name. */
static void test_bad_metadata(void) {
  dckpt_store_options o = tu_options(NULL);
  dckpt_store *s = run_with_progress("badmeta", &o);
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", dckpt_store_get_dir(s));
  char *good = tu_read_text(tu_at(dir, "metadata.json"), NULL);
  struct {
    const char *text, *needle;
  } cases[] = {
      {"", "malformed JSON"},
      {"{\"n_trials\": 2, \"algorithms\": [", "malformed JSON"},
      {"[1,2,3]", "expected a JSON object"},
      {"{\"algorithms\": []}", "\"n_trials\" is missing"},
      {"{\"n_trials\": \"2\", \"algorithms\": []}", "\"n_trials\" must be an integer"},
      {"{\"n_trials\": 2.5, \"algorithms\": []}", "\"n_trials\" must be an integer"},
      {"{\"n_trials\": -1, \"algorithms\": []}", "n_trials\" must be >= 0"},
      {"{\"n_trials\": 2}", "\"algorithms\""},
      {"{\"n_trials\": 2, \"algorithms\": {}}", "\"algorithms\" must be an array"},
      {"{\"n_trials\": 2, \"algorithms\": [7]}", "algorithms[0] must be an object"},
      {"{\"n_trials\": 2, \"algorithms\": [{\"name\": 3, \"iterations\": 1, \"index\": "
       "0}]}",
       "\"name\" must be a string"},
      {"{\"n_trials\": 2, \"algorithms\": [{\"name\": \"a\", \"iterations\": 1, "
       "\"index\": 4}]}",
       "index"},
      {"{\"n_trials\": 2, \"algorithms\": [{\"name\": \"a\", \"iterations\": 1, "
       "\"index\": 0}, {\"name\": \"b\", \"iterations\": 1, \"index\": 1}, "
       "{\"name\": \"a\", \"iterations\": 1, \"index\": 2}]}",
       "algorithms[2] repeats the name 'a' of algorithms[0]"},
      {"{\"n_trials\": 2, \"algorithms\": [], \"benchmark_metadata\": 5}",
       "\"benchmark_metadata\" must be an object"},
      {"{\"n_trials\": 2, \"algorithms\": [], \"rng_seed\": -3}", "\"rng_seed\""},
      {"{\"n_trials\": 2, \"algorithms\": [], \"format_version\": 99}",
       "format_version 99 is not supported"},
      /* a key twice: cJSON reads the first, Python and jq the last */
      {"{\"n_trials\": 2, \"algorithms\": [], \"n_trials\": 1}",
       "key \"n_trials\" appears twice in one object"},
      {"{\"n_trials\": 2, \"algorithms\": [{\"name\": \"a\", \"iterations\": 1, "
       "\"index\": 0, \"iterations\": 5}]}",
       "metadata.json': algorithms[0]: key \"iterations\" appears twice"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    tu_write_text(tu_at(dir, "metadata.json"), cases[i].text);
    dckpt_metadata *m = NULL;
    int rc = dckpt_store_load_metadata(s, &m);
    if (rc == DCKPT_OK) CHECK_FAIL_("case %zu accepted: %s", i, cases[i].text);
    CHECK(m == NULL);
    CHECK_CONTAINS(dckpt_store_errmsg(s), "metadata.json");
    CHECK_CONTAINS(dckpt_store_errmsg(s), cases[i].needle);
    /* appends refuse too, and leave the bad file for the user to see */
    CHECK_NE(dckpt_store_append_metadata(s, "{\"a\":1}"), DCKPT_OK);
  }
  /* the user's objects within are read as they are: runs written before
   * keys were checked may hold one twice there */
  tu_write_text(
      tu_at(dir, "metadata.json"),
      "{\"n_trials\": 2, \"algorithms\": [], \"benchmark_metadata\": {\"a\": 1, "
      "\"a\": 2}}");
  dckpt_metadata *m = NULL;
  CHECK_OK(dckpt_store_load_metadata(s, &m));
  dckpt_metadata_free(m);
  tu_write_text(tu_at(dir, "metadata.json"), good);
  free(good);
  dckpt_store_close(s);
}

/* progress.json broken: the newest checkpoint that verifies is used. */
static void test_bad_progress(void) {
  tu_log log;
  dckpt_store_options o = tu_options(&log);
  dckpt_store *s = run_with_progress("badprog", &o);
  const char *bad[] = {"{", "{\"last_completed_iteration\":\"8\"}",
                       "{\"last_completed_iteration\":-4}", "{}", "null"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    tu_write_text(tu_at(dckpt_store_get_dir(s), "algorithm_0/trial_0/progress.json"),
                  bad[i]);
    log.warnings = 0;
    CHECK(tu_latest_is(s, 0, 0, 8, 4, 100));
    CHECK_GE(log.warnings, 1);
    CHECK_CONTAINS(log.text, "progress.json");
    /* progress.json is a hint: its damage is not a damaged marker of the
     * query but a warning, and the trial stands where its newest checkpoint
     * file is */
    dckpt_trial_status ts;
    log.warnings = 0;
    log.text[0] = '\0';
    CHECK_OK(dckpt_store_trial_status(s, 0, 0, &ts));
    CHECK_EQ(ts.marker_status, DCKPT_OK);
    CHECK_EQ(ts.state, DCKPT_TRIAL_IN_PROGRESS);
    CHECK_EQ(ts.last_iteration, 8);
    CHECK_EQ(log.warnings, 1);
    CHECK_CONTAINS(log.text, "progress.json is only a hint");
  }
  dckpt_store_close(s);
}

/* complete.json: malformed, mistyped, unsafe checkpoint_path. */
static void test_bad_complete(void) {
  dckpt_store_options o = tu_options(NULL);
  dckpt_store *s = run_with_progress("badcomplete", &o);
  const char *p = "algorithm_1/trial_0/complete.json";
  struct {
    const char *text, *needle;
  } cases[] = {
      {"{\"alg_name\":\"extra\"", "malformed JSON"},
      {"{\"alg_name\":\"extra\",\"alg_idx\":1,\"trial\":0,\"iteration\":9}",
       "\"checkpoint_path\" is missing"},
      {"{\"alg_name\":\"extra\",\"alg_idx\":1,\"trial\":0,\"iteration\":9,"
       "\"checkpoint_path\":\"../../algorithm_0/trial_0/checkpoint_0000008.dckpt\"}",
       "no '/' or '..'"},
      {"{\"alg_name\":\"extra\",\"alg_idx\":1,\"trial\":0,\"iteration\":9,"
       "\"checkpoint_path\":\"/etc/passwd\"}",
       "no '/' or '..'"},
      {"{\"alg_name\":\"extra\",\"alg_idx\":1,\"trial\":0,\"iteration\":9,"
       "\"checkpoint_path\":\"..checkpoint_0000009.dckpt\"}",
       "no '/' or '..'"},
      {"{\"alg_name\":\"extra\",\"alg_idx\":1,\"trial\":0,\"iteration\":9,"
       "\"checkpoint_path\":[]}",
       "\"checkpoint_path\" must be a string"},
      {"{\"alg_name\":\"extra\",\"alg_idx\":0,\"trial\":0,\"iteration\":9,"
       "\"checkpoint_path\":\"checkpoint_0000009.dckpt\"}",
       "expected algorithm 1"},
      {"{\"alg_name\":\"extra\",\"alg_idx\":1,\"trial\":0,\"iteration\":9,"
       "\"checkpoint_path\":\"checkpoint_0000009.dckpt\",\"alg_idx\":0}",
       "key \"alg_idx\" appears twice"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    tu_write_text(tu_at(dckpt_store_get_dir(s), p), cases[i].text);
    dckpt_record *r = NULL;
    CHECK_RC(dckpt_store_load_final_state(s, 1, 0, &r), DCKPT_ECORRUPT);
    CHECK(r == NULL);
    CHECK_CONTAINS(dckpt_store_errmsg(s), "complete.json");
    CHECK_CONTAINS(dckpt_store_errmsg(s), cases[i].needle);
  }
  dckpt_store_close(s);
}

/* complete.json whose checkpoint_path and iteration disagree (a marker
 * edited by hand, or half of two markers): load_final_state refused it, but
 * dckpt_store_trial_status called the trial complete and dckpt_store_verify
 * found nothing. Every reader of the marker now calls it corrupt. */
static void test_complete_disagrees(void) {
  dckpt_store_options o = tu_options(NULL);
  dckpt_store *s = run_with_progress("completedisagree", &o);
  const char *p = tu_at(dckpt_store_get_dir(s), "algorithm_1/trial_0/complete.json");
  char *good = tu_read_text(p, NULL);
  const char *from = "\"checkpoint_0000009.dckpt\"";
  char *at = strstr(good, from);
  CHECK(at != NULL);
  char bad[4096];
  snprintf(bad, sizeof bad, "%.*s\"checkpoint_0000005.dckpt\"%s", (int)(at - good), good,
           at + strlen(from));
  tu_write_text(p, bad);
  dckpt_trial_status st;
  CHECK_OK(dckpt_store_trial_status(s, 1, 0, &st));
  CHECK_RC(st.marker_status, DCKPT_ECORRUPT);
  CHECK(st.state != DCKPT_TRIAL_COMPLETE);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "is not the checkpoint of its iteration 9");
  size_t n_bad = 0;
  CHECK_OK(dckpt_store_verify(s, NULL, NULL, &n_bad));
  CHECK_EQ(n_bad, 1);
  dckpt_record *r = NULL;
  CHECK_RC(dckpt_store_load_final_state(s, 1, 0, &r), DCKPT_ECORRUPT);
  CHECK(r == NULL);
  tu_write_text(p, good); /* the true marker reads again */
  CHECK_OK(dckpt_store_trial_status(s, 1, 0, &st));
  CHECK(st.state == DCKPT_TRIAL_COMPLETE);
  free(good);
  dckpt_store_close(s);
}

/* The metrics marker must say true and parse. */
static void test_bad_metrics_marker(void) {
  dckpt_store_options o = tu_options(NULL);
  dckpt_store *s = run_with_progress("badmarker", &o);
  dckpt_record *m = tu_state(1, 0, 10);
  CHECK_OK(dckpt_store_save_metrics(s, m));
  dckpt_record_free(m);
  const char *bad[] = {"{", "{\"metric_computation_complete\":false}",
                       "{\"metric_computation_complete\":\"yes\"}"};
  for (size_t i = 0; i < 3; i++) {
    tu_write_text(tu_at(dckpt_store_get_dir(s), "metric_computation_complete.json"),
                  bad[i]);
    dckpt_record *r = NULL;
    CHECK_RC(dckpt_store_load_metrics(s, &r), DCKPT_ECORRUPT);
    CHECK_CONTAINS(dckpt_store_errmsg(s), "metric_computation_complete.json");
  }
  dckpt_store_close(s);
}

static void damage(const char *path, int how) {
  size_t len = 0;
  char *b = tu_read_text(path, &len);
  CHECK(b != NULL);
  FILE *f = fopen(path, "wb");
  if (how == 0)
    fwrite(b, 1, len / 2, f); /* truncated */
  else {
    b[len - 3] ^= 0x01; /* one bit flipped in the payload */
    fwrite(b, 1, len, f);
  }
  fclose(f);
  free(b);
}

/* A corrupt newest checkpoint: fall back, move it aside, say so. */
static void test_corrupt_checkpoint_fallback(void) {
  for (int how = 0; how < 2; how++) {
    tu_log log;
    dckpt_store_options o = tu_options(&log);
    dckpt_store *s = run_with_progress(how ? "flip" : "trunc", &o);
    const char *dir = dckpt_store_get_dir(s);
    char ck8[2100];
    snprintf(ck8, sizeof ck8, "%s",
             tu_at(dir, "algorithm_0/trial_0/checkpoint_0000008.dckpt"));
    damage(ck8, how);
    CHECK(tu_latest_is(s, 0, 0, 5, 4, 100));
    CHECK(!tu_exists(ck8));
    char aside[2200];
    snprintf(aside, sizeof aside, "%s.corrupt", ck8);
    CHECK(tu_exists(aside));
    CHECK_CONTAINS(log.text, "checkpoint_0000008.dckpt");
    CHECK_CONTAINS(log.text, "resuming from iteration 5");
    /* the final result of a completed trial is never replaced by a fallback */
    damage(tu_at(dir, "algorithm_1/trial_0/checkpoint_0000009.dckpt"), how);
    dckpt_record *r = NULL;
    CHECK_RC(dckpt_store_load_final_state(s, 1, 0, &r), DCKPT_ECORRUPT);
    CHECK_CONTAINS(dckpt_store_errmsg(s), "checkpoint_0000009.dckpt");
    dckpt_store_close(s);
  }
}

/* Locks: a live holder refuses, a dead one is taken over, another host's
 * lock needs an explicit break. */
static void test_lock(void) {
  const char *dir = tu_scratch("lock");
  char d[1024];
  snprintf(d, sizeof d, "%s", dir);
  tu_log log;
  dckpt_store_options o = tu_options(&log);
  dckpt_store *a = tu_open(d, &o);
  dckpt_store *b = NULL;
  CHECK_RC(dckpt_store_open(d, &o, &b), DCKPT_ELOCKED);
  CHECK_CONTAINS(dckpt_store_errmsg(b), "dckpt.lock");
  CHECK_CONTAINS(dckpt_store_errmsg(b), "still running");
  dckpt_store_close(b);
  dckpt_store_options ro = tu_options(NULL);
  ro.flags = DCKPT_OPEN_READ; /* readers need no lock */
  b = tu_open(d, &ro);
  dckpt_store_close(b);
  dckpt_store_close(a);
  CHECK(!tu_exists(tu_at(d, "dckpt.lock")));

  /* a child takes the lock and dies without releasing it */
  pid_t pid = fork();
  if (pid == 0) {
    dckpt_store *c = NULL;
    dckpt_store_options co = tu_options(NULL);
    if (dckpt_store_open(d, &co, &c) != DCKPT_OK) _exit(3);
    _exit(0); /* no close: the lock stays behind */
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK_EQ(WEXITSTATUS(status), 0);
  CHECK(tu_exists(tu_at(d, "dckpt.lock")));
  a = tu_open(d, &o);
  CHECK_CONTAINS(log.text, "taking over stale lock");
  dckpt_store_close(a);

  /* a holder that was killed but not yet reaped (a zombie) holds nothing */
  pid = fork();
  if (pid == 0) {
    dckpt_store *c = NULL;
    dckpt_store_options co = tu_options(NULL);
    if (dckpt_store_open(d, &co, &c) != DCKPT_OK) _exit(3);
    _exit(0);
  }
  /* wait until the child has exited, without reaping it: a zombie */
  siginfo_t info;
  CHECK_EQ(waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT), 0);
  CHECK(tu_exists(tu_at(d, "dckpt.lock")));
  log.text[0] = '\0';
  a = tu_open(d, &o);
  CHECK_CONTAINS(log.text, "taking over stale lock");
  dckpt_store_close(a);
  waitpid(pid, &status, 0);
  CHECK_EQ(WEXITSTATUS(status), 0);

  /* another host: refused unless broken on purpose */
  char text[256];
  snprintf(
      text, sizeof text,
      "{\"host\":\"elsewhere-node-17\",\"pid\":1,\"pid_start\":\"5\",\"job_id\":\"4242\","
      "\"started\":\"2026-01-01T00:00:00Z\"}");
  tu_write_text(tu_at(d, "dckpt.lock"), text);
  CHECK_RC(dckpt_store_open(d, &o, &b), DCKPT_ELOCKED);
  CHECK_CONTAINS(dckpt_store_errmsg(b), "elsewhere-node-17");
  CHECK_CONTAINS(dckpt_store_errmsg(b), "4242");
  CHECK_CONTAINS(dckpt_store_errmsg(b), "break the lock");
  dckpt_store_close(b);
  o.flags = DCKPT_OPEN_WRITE | DCKPT_OPEN_BREAK_LOCK;
  a = tu_open(d, &o);
  CHECK_CONTAINS(log.text, "breaking lock");
  dckpt_store_close(a);
  /* an unreadable lock file under a free kernel lock (a take-over torn by a
   * power loss) is taken over, with a warning */
  tu_write_text(tu_at(d, "dckpt.lock"), "{garbage");
  o.flags = DCKPT_OPEN_WRITE;
  log.text[0] = '\0';
  a = tu_open(d, &o);
  CHECK_CONTAINS(log.text, "cannot be read");
  dckpt_store_close(a);
}

/* Leftover temporaries (a writer killed mid-write) disappear on open. */
static void test_temporaries_cleaned(void) {
  dckpt_store_options o = tu_options(NULL);
  dckpt_store *s = run_with_progress("tmpclean", &o);
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", dckpt_store_get_dir(s));
  dckpt_store_close(s);
  tu_write_text(tu_at(dir, ".dckpt-tmp.metadata.json.abc123"), "partial");
  tu_write_text(tu_at(dir, "algorithm_0/trial_0/.dckpt-tmp.checkpoint_0000011.dckpt.x"),
                "p");
  s = tu_open(dir, &o);
  CHECK(!tu_exists(tu_at(dir, ".dckpt-tmp.metadata.json.abc123")));
  dckpt_record *r = NULL;
  int64_t it = -1;
  CHECK_OK(dckpt_store_load_latest(s, 0, 0, &r, &it));
  dckpt_record_free(r);
  CHECK(!tu_exists(
      tu_at(dir, "algorithm_0/trial_0/.dckpt-tmp.checkpoint_0000011.dckpt.x")));
  dckpt_store_close(s);
}

/* Saving into a full file system: a clear error, the last checkpoint intact.
 * `limit_files` uses RLIMIT_FSIZE (a write fails with EFBIG) where no tmpfs
 * can be mounted; with a small tmpfs the failure is a real ENOSPC. */
static void expect_save_fails_cleanly(dckpt_store *s, const char *needle) {
  dckpt_record *big = tu_state(8, 20, 1u << 20); /* 8 MiB of noise-free data */
  int rc = dckpt_store_save(s, 0, 0, 20, big);
  dckpt_record_free(big);
  CHECK_NE(rc, DCKPT_OK);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "checkpoint_0000020.dckpt");
  CHECK_CONTAINS(dckpt_store_errmsg(s), needle);
  CHECK(tu_latest_is(s, 0, 0, 8, 4, 100));
}

static void test_full_disk_rlimit(void) {
  dckpt_store_options o = tu_options(NULL);
  dckpt_store *s = run_with_progress("fsize", &o);
  signal(SIGXFSZ, SIG_IGN);
  struct rlimit old, lim;
  getrlimit(RLIMIT_FSIZE, &old);
  lim = old;
  lim.rlim_cur = 64 * 1024;
  CHECK_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
  expect_save_fails_cleanly(s, "too large");
  CHECK_EQ(setrlimit(RLIMIT_FSIZE, &old), 0);
  dckpt_store_close(s);
}

static bool mount_tmpfs(const char *dir, const char *opts) {
  mkdir(dir, 0755);
  return mount("tmpfs", dir, "tmpfs", 0, opts) == 0;
}

/* Set when a case could not run here; main then exits 77 (CTest: skipped,
 * which scripts/test.sh refuses) instead of reporting a pass. */
static const char *skipped;

static void test_full_disk_tmpfs(void) {
  char mnt[1024];
  snprintf(mnt, sizeof mnt, "%s", tu_scratch("tmpfs"));
  if (!mount_tmpfs(mnt, "size=512k")) {
    fprintf(stderr,
            "SKIP full disk and read-only file system: cannot mount a tmpfs (%s)\n",
            strerror(errno));
    skipped = "test_full_disk_tmpfs";
    return;
  }
  char dir[1100];
  snprintf(dir, sizeof dir, "%s/run", mnt);
  dckpt_store_options o = tu_options(NULL);
  dckpt_store *s = tu_new_run(dir, &o, 1);
  dckpt_record *st = tu_state(4, 8, 100);
  CHECK_OK(dckpt_store_save(s, 0, 0, 8, st));
  dckpt_record_free(st);
  expect_save_fails_cleanly(s, "No space left on device");
  /* nothing half-written is left behind */
  CHECK(!tu_exists(tu_at(dir, "algorithm_0/trial_0/checkpoint_0000020.dckpt")));
  dckpt_store_close(s);

  /* A read-only file system: open for writing is refused with the cause. */
  CHECK_EQ(mount("tmpfs", mnt, "tmpfs", MS_REMOUNT | MS_RDONLY, "size=512k"), 0);
  dckpt_store *ro = NULL;
  CHECK_NE(dckpt_store_open(dir, &o, &ro), DCKPT_OK);
  CHECK_CONTAINS(dckpt_store_errmsg(ro), "Read-only file system");
  CHECK_CONTAINS(dckpt_store_errmsg(ro), dir);
  dckpt_store_close(ro);
  /* ...while reading what is there still works */
  o.flags = DCKPT_OPEN_READ;
  ro = tu_open(dir, &o);
  dckpt_record *r = NULL;
  int64_t it = -1;
  CHECK_OK(dckpt_store_load_latest(ro, 0, 0, &r, &it));
  CHECK_EQ(it, 8);
  dckpt_record_free(r);
  dckpt_store_close(ro);
  CHECK_EQ(umount(mnt), 0);
}

static void open_unwritable(const char *dir) {
  dckpt_store_options o = tu_options(NULL);
  dckpt_store *s = NULL;
  CHECK_NE(dckpt_store_open(dir, &o, &s), DCKPT_OK);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "Permission denied");
  CHECK_CONTAINS(dckpt_store_errmsg(s), dir);
  dckpt_store_close(s);
}

/* True if every directory above `path` lets others search it, so that a
 * process without our uid reaches `path` and meets its own permissions. */
static bool others_can_reach(const char *path) {
  char up[1100];
  snprintf(up, sizeof up, "%s", path);
  for (char *slash = strrchr(up, '/'); slash && slash > up; slash = strrchr(up, '/')) {
    *slash = '\0';
    struct stat st;
    if (stat(up, &st) != 0 || !(st.st_mode & S_IXOTH)) return false;
  }
  return true;
}

/* A directory the user may not write. Permissions do not bind root, so as
 * root the open runs in a child that has become `nobody` (uid/gid 65534),
 * in a directory that child can reach (under /tmp if the build tree is in a
 * private home), so that the refusal comes from the directory's own mode. */
static void test_unwritable_dir(void) {
  char dir[1100], base[64] = "";
  snprintf(dir, sizeof dir, "%s", tu_scratch("unwritable"));
  if (geteuid() == 0 && !others_can_reach(dir)) {
    snprintf(base, sizeof base, "/tmp/dckpt-unwritable-XXXXXX");
    CHECK(mkdtemp(base) != NULL);
    CHECK_EQ(chmod(base, 0711), 0);
    snprintf(dir, sizeof dir, "%s/run", base);
  }
  CHECK_EQ(mkdir(dir, 0555), 0);
  if (geteuid() != 0) {
    open_unwritable(dir);
    return;
  }
  fflush(NULL);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
      CHECK_FAIL_("cannot become uid 65534: %s", strerror(errno));
    if (access(dir, X_OK) != 0) CHECK_FAIL_("uid 65534 cannot reach %s", dir);
    open_unwritable(dir); /* exits 1 on a failed check */
    _exit(0);
  }
  int st = 0;
  CHECK_EQ(waitpid(pid, &st, 0), pid);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  if (base[0]) tu_rmrf(base);
}

/* A NULL where a call needs a pointer (dckpt.h, "Pointers") is refused with
 * DCKPT_EINVAL naming the call and the argument: each of these dereferenced
 * it (a crash, or UBSan's report). Nothing is written: the run stays. */
#define NULL_REFUSED(call, needle)                                                       \
  do {                                                                                   \
    CHECK_EQ((call), DCKPT_EINVAL);                                                      \
    CHECK_CONTAINS(dckpt_store_errmsg(s), needle);                                       \
  } while (0)
static void test_null_pointers(void) {
  dckpt_store_options o;
  dckpt_store_options_init(&o);
  dckpt_store *s = run_with_progress("nullptr", &o);
  dckpt_record *r = NULL;
  int64_t it = 0, *trials = NULL;
  size_t n = 0;
  char *text = NULL;
  NULL_REFUSED(dckpt_store_is_empty(s, NULL), "is_empty: argument 'empty' is NULL");
  NULL_REFUSED(dckpt_store_size(s, NULL), "size: argument 'bytes' is NULL");
  NULL_REFUSED(dckpt_store_load_initial_algorithms(s, NULL), "argument 'out' is NULL");
  NULL_REFUSED(dckpt_store_load_problem(s, NULL), "load_problem: argument 'out'");
  NULL_REFUSED(dckpt_store_load_latest(s, 0, 0, NULL, &it), "argument 'state' is NULL");
  NULL_REFUSED(dckpt_store_load_latest(s, 0, 0, &r, NULL), "argument 'iteration'");
  NULL_REFUSED(dckpt_store_load_before(s, 0, 0, 8, NULL, &it), "load_before: argument");
  NULL_REFUSED(dckpt_store_load_before(s, 0, 0, 8, &r, NULL), "argument 'iteration'");
  NULL_REFUSED(dckpt_store_trial_is_complete(s, 0, 0, NULL), "argument 'complete'");
  NULL_REFUSED(dckpt_store_completed_trials(s, 0, 1, NULL, &n), "argument 'trials'");
  NULL_REFUSED(dckpt_store_completed_trials(s, 0, 1, &trials, NULL), "argument 'count'");
  NULL_REFUSED(dckpt_store_run_is_started(s, NULL), "run_is_started: argument");
  NULL_REFUSED(dckpt_store_run_is_complete(s, NULL), "run_is_complete: argument");
  NULL_REFUSED(dckpt_store_trial_status(s, 0, 0, NULL), "argument 'status' is NULL");
  NULL_REFUSED(dckpt_store_scan(s, 0, NULL, 4, NULL, NULL), "scan: argument 'status'");
  NULL_REFUSED(dckpt_store_metadata_text(s, NULL, &n), "argument 'json' is NULL");
  NULL_REFUSED(dckpt_store_metadata_text(s, &text, NULL), "argument 'len' is NULL");
  NULL_REFUSED(dckpt_store_load_final_state(s, 1, 0, NULL), "load_final_state: argument");
  NULL_REFUSED(dckpt_store_load_results(s, NULL), "load_results: argument 'out'");
  NULL_REFUSED(dckpt_store_load_metrics(s, NULL), "load_metrics: argument 'out'");
  NULL_REFUSED(dckpt_store_metrics_computed(s, NULL), "argument 'computed' is NULL");
  NULL_REFUSED(dckpt_store_backup(s, NULL), "backup: argument 'path' is NULL");
  /* no message: the store is const; no handle to keep one */
  CHECK_EQ(dckpt_store_should_checkpoint(s, 0, NULL), DCKPT_EINVAL);
  CHECK_EQ(dckpt_store_open(dckpt_store_get_dir(s), NULL, NULL), DCKPT_EINVAL);
  /* accessors answer as for an index out of range; _init does nothing */
  CHECK_EQ(dckpt_result_n_algorithms(NULL), 0);
  CHECK_EQ(dckpt_result_n_trials(NULL), 0);
  CHECK_EQ(dckpt_result_algorithm_index(NULL, 0), -1);
  CHECK(dckpt_result_algorithm_name(NULL, 0) == NULL);
  CHECK(dckpt_result_trial(NULL, 0, 0) == NULL);
  dckpt_store_options_init(NULL);
  dckpt_run_status_init(NULL);
  dckpt_scan_info_init(NULL);
  dckpt_store_source_init(NULL);
  CHECK(tu_latest_is(s, 0, 0, 8, 4, 100));
  dckpt_store_close(s);
}

int main(void) {
  RUN_TEST(test_bad_metadata);
  RUN_TEST(test_bad_progress);
  RUN_TEST(test_bad_complete);
  RUN_TEST(test_complete_disagrees);
  RUN_TEST(test_bad_metrics_marker);
  RUN_TEST(test_corrupt_checkpoint_fallback);
  RUN_TEST(test_lock);
  RUN_TEST(test_temporaries_cleaned);
  RUN_TEST(test_full_disk_rlimit);
  RUN_TEST(test_full_disk_tmpfs);
  RUN_TEST(test_unwritable_dir);
  RUN_TEST(test_null_pointers);
  if (skipped) {
    printf("test_store_badinput: the other cases passed; %s could not run here\n",
           skipped);
    return 77;
  }
  printf("test_store_badinput: all passed\n");
  return 0;
}
