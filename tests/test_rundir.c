/* The run directory's public bookkeeping API: who holds the lock
 * (dckpt_lock_query), run_status.json (dckpt_store_read_run_status/_write_run_status),
 * and which entries count as bookkeeping rather than data (is_empty, initialize). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "testutil.h"
#include "util/utf8.h"

static dckpt_lock_info *query(const char *dir) {
  dckpt_lock_info *info = NULL;
  CHECK_OK(dckpt_lock_query(dir, &info));
  CHECK(info != NULL);
  return info;
}

/* The holder of a live, a stale, a foreign and an unreadable lock. */
static void test_lock_query(void) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", tu_scratch("lockq"));
  dckpt_lock_info *info = query(dir); /* no directory at all */
  CHECK_EQ(info->state, DCKPT_LOCK_NONE);
  dckpt_free(info);
  CHECK_EQ(dckpt_lock_query(NULL, &info), DCKPT_EINVAL);
  CHECK_EQ(dckpt_lock_query(dir, NULL), DCKPT_EINVAL);

  dckpt_store_options o = tu_options(NULL);
  o.job_id = "job-7";
  dckpt_store *s = tu_open(dir, &o);
  info = query(dir);
  char host[256] = "";
  gethostname(host, sizeof host - 1);
  CHECK_EQ(info->state, DCKPT_LOCK_ALIVE);
  CHECK_EQ(info->pid, getpid());
  CHECK_STR_EQ(info->host, host);
  CHECK_STR_EQ(info->job_id, "job-7");
  CHECK_GT(info->pid_start, 0);
  CHECK_EQ(strlen(info->since), 20); /* 2026-01-01T00:00:00Z */
  dckpt_free(info);
  dckpt_store_close(s);
  info = query(dir);
  CHECK_EQ(info->state, DCKPT_LOCK_NONE);
  dckpt_free(info);

  /* a holder that died without releasing */
  pid_t pid = fork();
  if (pid == 0) {
    dckpt_store *c = NULL;
    dckpt_store_options co = tu_options(NULL);
    _exit(dckpt_store_open(dir, &co, &c) == DCKPT_OK ? 0 : 3);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK_EQ(WEXITSTATUS(status), 0);
  info = query(dir);
  CHECK_EQ(info->state, DCKPT_LOCK_STALE);
  CHECK_EQ(info->pid, pid);
  dckpt_free(info);

  /* another host, written by another tool (a Unix time, a null job) */
  tu_write_text(tu_at(dir, DCKPT_LOCK_FILE),
                "{\"host\":\"node-99.example\",\"pid\":4242,\"job_id\":null,"
                "\"started\":1714557600}");
  info = query(dir);
  CHECK_EQ(info->state, DCKPT_LOCK_UNKNOWN);
  CHECK_STR_EQ(info->host, "node-99.example");
  CHECK_EQ(info->pid, 4242);
  CHECK_STR_EQ(info->job_id, "");
  CHECK_STR_EQ(info->since, "2024-05-01T10:00:00Z");
  dckpt_free(info);

  const char *bad[] = {"{\"host\":\"a\",\"pid\":", "", "[1,2]", "{} trailing"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    tu_write_text(tu_at(dir, DCKPT_LOCK_FILE), bad[i]);
    info = query(dir);
    CHECK_EQ(info->state, DCKPT_LOCK_UNREADABLE);
    CHECK_CONTAINS(info->error, DCKPT_LOCK_FILE);
    dckpt_free(info);
  }
  tu_rmrf(dir);
}

/* A writing store on `dir` whose durability is `durability`. */
static dckpt_store *open_dir(const char *dir, dckpt_durability durability) {
  dckpt_store_options o;
  dckpt_store_options_init(&o);
  o.durability = durability;
  return tu_open(dir, &o);
}

static void test_run_status_roundtrip(void) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", tu_scratch("runstatus"));
  mkdir(dir, 0777);
  dckpt_store *s = open_dir(dir, DCKPT_DURABILITY_FULL);
  dckpt_run_status *got = NULL;
  CHECK_EQ(dckpt_store_read_run_status(s, &got), DCKPT_ENOENT);
  CHECK(got == NULL);
  CHECK_CONTAINS(dckpt_store_errmsg(s), DCKPT_RUN_STATUS_FILE);

  dckpt_run_status st;
  dckpt_run_status_init(&st);
  CHECK_EQ(st.struct_size, sizeof st);
  st.status = DCKPT_EINTERRUPTED;
  st.exit_code = 75;
  snprintf(st.message, sizeof st.message, "rank 1 stopped: received \"SIGTERM\"");
  st.pairs_total = 9;
  st.pairs_completed = 4;
  st.iterations_run = (int64_t)1 << 40;
  st.ranks = 2;
  st.seconds = 1.875;
  st.finished_at = 1795945619.25;
  CHECK_OK(dckpt_store_write_run_status(s, &st));
  CHECK_OK(dckpt_store_read_run_status(s, &got));
  CHECK_EQ(got->struct_size, sizeof *got);
  CHECK_EQ(got->status, DCKPT_EINTERRUPTED);
  CHECK_EQ(got->exit_code, 75);
  CHECK_STR_EQ(got->message, st.message);
  CHECK_EQ(got->pairs_total, 9);
  CHECK_EQ(got->pairs_completed, 4);
  CHECK_EQ(got->iterations_run, (int64_t)1 << 40);
  CHECK_EQ(got->ranks, 2);
  CHECK(got->seconds == 1.875 && got->finished_at == 1795945619.25);
  dckpt_free(got);
  dckpt_store_close(s);
  /* the file is what batch scripts grep */
  char *text = tu_read_text(tu_at(dir, DCKPT_RUN_STATUS_FILE), NULL);
  CHECK_CONTAINS(text, "\"status\":\"EINTERRUPTED\"");
  CHECK_CONTAINS(text, "\"exit_code\":75");
  free(text);
  /* a message quoting a path that is not UTF-8 is written as JSON: each
   * ill-formed stretch becomes U+FFFD (the file must stay UTF-8) */
  s = open_dir(dir, DCKPT_DURABILITY_NONE);
  snprintf(st.message, sizeof st.message,
           "cannot write 'runs/a\xff\xc3"
           "b/x': ok \xc3\xa9");
  CHECK_OK(dckpt_store_write_run_status(s, &st));
  CHECK_OK(dckpt_store_read_run_status(s, &got));
  CHECK_STR_EQ(got->message, "cannot write 'runs/a\xef\xbf\xbd\xef\xbf\xbd"
                             "b/x': ok \xc3\xa9");
  dckpt_free(got);
  /* a message cut by the buffer in the middle of a sequence: whole ones only */
  memset(st.message, 'a', sizeof st.message);
  memcpy(st.message + sizeof st.message - 3, "\xc3\xa9", 2);
  st.message[sizeof st.message - 1] = '\0';
  st.message[sizeof st.message - 2] = '\xe2'; /* a lead byte, cut */
  CHECK_OK(dckpt_store_write_run_status(s, &st));
  CHECK_OK(dckpt_store_read_run_status(s, &got));
  size_t gl = strlen(got->message);
  CHECK(gl > 0 && gl < sizeof st.message);
  CHECK(dckpt_utf8_valid(got->message, gl, NULL));
  CHECK_EQ(got->message[gl - 1], 'a'); /* the cut sequence became U+FFFD, not kept */
  text = tu_read_text(tu_at(dir, DCKPT_RUN_STATUS_FILE), NULL);
  CHECK(text != NULL && dckpt_utf8_valid(text, strlen(text), NULL));
  free(text);
  dckpt_free(got);
  dckpt_store_close(s);
  /* a second write replaces the first, without fsyncs too */
  s = open_dir(dir, DCKPT_DURABILITY_NONE);
  st.status = DCKPT_OK;
  st.exit_code = 0;
  st.message[0] = '\0';
  CHECK_OK(dckpt_store_write_run_status(s, &st));
  CHECK_OK(dckpt_store_read_run_status(s, &got));
  CHECK_EQ(got->status, DCKPT_OK);
  CHECK_STR_EQ(got->message, "");
  dckpt_free(got);
  dckpt_store_close(s);
  tu_rmrf(dir);
}

static void test_run_status_refusals(void) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", tu_scratch("runstatus-bad"));
  mkdir(dir, 0777);
  dckpt_store *s = open_dir(dir, DCKPT_DURABILITY_NONE);
  dckpt_run_status st, *got = NULL;
  dckpt_run_status_init(&st);
  CHECK_EQ(dckpt_store_write_run_status(s, NULL), DCKPT_EINVAL);
  CHECK_EQ(dckpt_store_read_run_status(s, NULL), DCKPT_EINVAL);
  st.struct_size = 8; /* a caller that did not call init */
  CHECK_EQ(dckpt_store_write_run_status(s, &st), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "struct_size");
  dckpt_run_status_init(&st);
  st.status = -999;
  CHECK_EQ(dckpt_store_write_run_status(s, &st), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "-999");
  CHECK(!tu_exists(tu_at(dir, DCKPT_RUN_STATUS_FILE)));

  struct {
    const char *text, *needle;
  } bad[] = {
      {"{\"status\":", "malformed"},
      {"[]", DCKPT_RUN_STATUS_FILE},
      {"{\"status\":\"EWHATEVER\",\"exit_code\":1,\"message\":\"\",\"pairs_total\":1,"
       "\"pairs_completed\":0,\"iterations_run\":0,\"ranks\":1,\"seconds\":0,"
       "\"finished_at\":0}",
       "EWHATEVER"},
      {"{\"status\":\"OK\",\"exit_code\":\"0\"}", "exit_code"},
      {"{\"status\":\"OK\",\"exit_code\":0,\"message\":\"\",\"pairs_total\":1,"
       "\"pairs_completed\":1,\"iterations_run\":5,\"ranks\":1,\"seconds\":\"x\","
       "\"finished_at\":0}",
       "seconds"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    tu_write_text(tu_at(dir, DCKPT_RUN_STATUS_FILE), bad[i].text);
    CHECK_EQ(dckpt_store_read_run_status(s, &got), DCKPT_ECORRUPT);
    CHECK(got == NULL);
    CHECK_CONTAINS(dckpt_store_errmsg(s), bad[i].needle);
  }
  /* the directory went away under the store: the failure names the file */
  dckpt_run_status_init(&st);
  tu_rmrf(dir);
  CHECK_NE(dckpt_store_write_run_status(s, &st), DCKPT_OK);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "runstatus-bad");
  dckpt_store_close(s);
  tu_rmrf(dir);
}

/* The lock, a stop request, the last run's status and temporaries are
 * bookkeeping: a directory holding only them is empty and takes a new run;
 * anything else makes it foreign. */
static void test_bookkeeping(void) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", tu_scratch("bookkeeping"));
  mkdir(dir, 0777);
  tu_write_text(tu_at(dir, DCKPT_HALT_FILE), "");
  tu_write_text(tu_at(dir, DCKPT_RUN_STATUS_FILE), "{}");
  tu_write_text(tu_at(dir, ".dckpt-tmp.metadata.json.1.0"), "x");
  dckpt_store_options ro = tu_options(NULL);
  ro.flags = DCKPT_OPEN_READ;
  dckpt_store *r = tu_open(dir, &ro);
  bool empty = false;
  CHECK_OK(dckpt_store_is_empty(r, &empty));
  CHECK(empty);
  tu_write_text(tu_at(dir, "notes.txt"), "mine");
  CHECK_OK(dckpt_store_is_empty(r, &empty));
  CHECK(!empty);
  dckpt_store_close(r);

  dckpt_store_options o = tu_options(NULL);
  dckpt_store *s = tu_open(dir, &o);
  dckpt_metadata plan = tu_plan(1);
  CHECK_EQ(dckpt_store_initialize(s, &plan, NULL, NULL), DCKPT_ENOTEMPTY);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "notes.txt");
  unlink(tu_at(dir, "notes.txt"));
  CHECK_OK(dckpt_store_initialize(s, &plan, NULL, NULL));
  CHECK(tu_exists(tu_at(dir, DCKPT_HALT_FILE)));
  dckpt_store_close(s);
  tu_rmrf(dir);
}

int main(void) {
  test_lock_query();
  test_run_status_roundtrip();
  test_run_status_refusals();
  test_bookkeeping();
  printf("test_rundir: all passed\n");
  return 0;
}
