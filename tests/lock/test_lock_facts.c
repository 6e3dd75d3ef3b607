/* Unit test of src/io/lock_facts.c: a holder's facts written and read back,
 * lock files that are not whole (empty, cut short, binary, too large, not
 * one object), lenient reading of missing or odd fields, whether a holder's
 * process still runs (itself, a zombie, a reaped child, a reused pid), and
 * the one verdict on a holder for every kind of kernel lock and host. */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "io/lock_facts.h"
#include "util/utf8.h"

static bool parse(const char *text, size_t len, dckpt_lock_facts *f, char *why) {
  return dckpt_lock_facts_parse(text, len, f, why, 256);
}

/* What dckpt_lock_facts_self records, written and read back unchanged. */
static void test_round_trip(void) {
  for (int kernel = 0; kernel <= 1; kernel++) {
    dckpt_lock_facts self, back;
    dckpt_lock_facts_self(&self, kernel ? "slurm-4242" : NULL, kernel == 1);
    char host[256] = "";
    CHECK_EQ(gethostname(host, sizeof host - 1), 0);
    CHECK_STR_EQ(self.info.host, host);
    CHECK_EQ(self.info.pid, (int64_t)getpid());
    CHECK(self.info.pid_start > 0);
    CHECK(self.info.pid_start == dckpt_process_start_time((long)getpid()));
    CHECK_EQ(strlen(self.info.since), strlen("2026-12-06T07:00:00Z"));
    CHECK(self.info.since[10] == 'T' && self.info.since[19] == 'Z');
    char *text = dckpt_lock_facts_text(&self);
    CHECK(text != NULL);
    size_t n = strlen(text);
    CHECK(n > 2 && text[0] == '{' && text[n - 1] == '\n');
    CHECK((strstr(text, "\"kernel_lock\":true") != NULL) == (kernel == 1));
    char why[256] = "";
    if (!parse(text, n, &back, why)) CHECK_FAIL_("%s: %s", text, why);
    CHECK_STR_EQ(back.info.host, self.info.host);
    CHECK_EQ(back.info.pid, self.info.pid);
    CHECK(back.info.pid_start == self.info.pid_start);
    CHECK_STR_EQ(back.info.job_id, kernel ? "slurm-4242" : "");
    CHECK_STR_EQ(back.info.since, self.info.since);
    CHECK(back.kernel_lock == (kernel == 1));
    free(text);
  }
}

/* A file that is not one whole JSON object is refused, saying why. */
static void test_not_whole(void) {
  static const struct {
    const char *text;
    const char *why;
  } bad[] = {
      {"", "empty"},
      {"{\"host\": \"a\", \"pid\": 12", "one JSON object"},
      {"[1, 2]", "one JSON object"},
      {"\"text\"", "one JSON object"},
      {"{\"pid\": 1} {\"pid\": 2}", "one JSON object"},
      {"{\"pid\": 1}\nx", "one JSON object"},
      {"garbage", "one JSON object"},
  };
  dckpt_lock_facts f;
  char why[256];
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    why[0] = '\0';
    if (parse(bad[i].text, strlen(bad[i].text), &f, why))
      CHECK_FAIL_("'%s' read as a lock file", bad[i].text);
    CHECK_CONTAINS(why, bad[i].why);
    CHECK_EQ(f.info.pid, -1);
  }
  const char nul[] = "{\"pid\": 1}\0 ";
  CHECK(!parse(nul, sizeof nul - 1, &f, why));
  CHECK_CONTAINS(why, "binary or too large");
  size_t big = DCKPT_LOCK_FACTS_MAX + 1;
  char *huge = malloc(big);
  CHECK(huge != NULL);
  memset(huge, ' ', big);
  memcpy(huge, "{\"pid\": 7}", 10);
  CHECK(!parse(huge, big, &f, why));
  CHECK_CONTAINS(why, "binary or too large");
  /* the largest file read is read */
  CHECK(parse(huge, DCKPT_LOCK_FACTS_MAX, &f, why));
  CHECK_EQ(f.info.pid, 7);
  free(huge);
}

/* Missing fields read as unknown; odd ones as unknown too, not as garbage. */
static void test_lenient(void) {
  dckpt_lock_facts f;
  char why[256] = "";
  const char *empty = "{}\n";
  CHECK(parse(empty, strlen(empty), &f, why));
  CHECK_STR_EQ(f.info.host, "");
  CHECK_EQ(f.info.pid, -1);
  CHECK(f.info.pid_start == 0);
  CHECK_STR_EQ(f.info.job_id, "");
  CHECK_STR_EQ(f.info.since, "");
  CHECK(!f.kernel_lock);
  const char *odd = " {\"host\": 5, \"pid\": 0, \"job_id\": [1], \"started\": 0,"
                    " \"kernel_lock\": \"yes\"} \r\n\t";
  CHECK(parse(odd, strlen(odd), &f, why));
  CHECK_STR_EQ(f.info.host, "");
  CHECK_EQ(f.info.pid, -1);
  CHECK_STR_EQ(f.info.job_id, "");
  CHECK_STR_EQ(f.info.since, "");
  CHECK(!f.kernel_lock);
  const char *big_pid = "{\"pid\": 4194305}";
  CHECK(parse(big_pid, strlen(big_pid), &f, why));
  CHECK_EQ(f.info.pid, -1);
  /* "started" as a Unix time (older tools) reads as ISO 8601 UTC */
  const char *unix_time = "{\"pid\": 9, \"pid_start\": \"123\", \"started\": 86400}";
  CHECK(parse(unix_time, strlen(unix_time), &f, why));
  CHECK_EQ(f.info.pid, 9);
  CHECK(f.info.pid_start == 123);
  CHECK_STR_EQ(f.info.since, "1970-01-02T00:00:00Z");
}

/* A child that has exited, first as a zombie, then reaped. */
static void test_running(void) {
  dckpt_lock_facts self;
  dckpt_lock_facts_self(&self, NULL, false);
  CHECK(dckpt_lock_holder_local(&self));
  CHECK(dckpt_lock_holder_running(&self));
  dckpt_lock_facts reused = self;
  reused.info.pid_start = self.info.pid_start + 1; /* same pid, another process */
  CHECK(!dckpt_lock_holder_running(&reused));
  reused.info.pid_start = 0; /* start unknown: the pid alone decides */
  CHECK(dckpt_lock_holder_running(&reused));
  dckpt_lock_facts none = self;
  none.info.pid = -1;
  CHECK(!dckpt_lock_holder_running(&none));

  fflush(NULL);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) _exit(0);
  dckpt_lock_facts child = self;
  child.info.pid = pid;
  siginfo_t si;
  memset(&si, 0, sizeof si);
  CHECK_EQ(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0); /* a zombie now */
  child.info.pid_start = dckpt_process_start_time((long)pid);
  CHECK(child.info.pid_start > 0);
  CHECK(!dckpt_lock_holder_running(&child));
  CHECK_EQ(dckpt_lock_judge(&child, DCKPT_KERNEL_FREE, true), DCKPT_LOCK_STALE);
  CHECK_EQ(dckpt_lock_judge(&child, DCKPT_KERNEL_UNKNOWN, false), DCKPT_LOCK_STALE);
  CHECK_EQ(waitpid(pid, NULL, 0), pid);
  CHECK(!dckpt_lock_holder_running(&child)); /* gone, or its pid reused by another */
}

/* The verdict for each kind of kernel lock, on this host and another. */
static void test_judge(void) {
  dckpt_lock_facts live;
  dckpt_lock_facts_self(&live, NULL, true);
  dckpt_lock_facts dead = live;
  dead.info.pid_start = live.info.pid_start + 1;
  dckpt_lock_facts remote = live;
  snprintf(remote.info.host, sizeof remote.info.host, "not-%.200s", live.info.host);
  CHECK(!dckpt_lock_holder_local(&remote));
  dckpt_lock_facts nohost = live;
  nohost.info.host[0] = '\0';
  CHECK(!dckpt_lock_holder_local(&nohost));
  dckpt_lock_facts remote_nk = remote;
  remote_nk.kernel_lock = false;
  for (int shared = 0; shared <= 1; shared++) {
    /* a held kernel lock is alive whatever the facts say */
    CHECK_EQ(dckpt_lock_judge(&dead, DCKPT_KERNEL_HELD, shared), DCKPT_LOCK_ALIVE);
    CHECK_EQ(dckpt_lock_judge(&remote, DCKPT_KERNEL_HELD, shared), DCKPT_LOCK_ALIVE);
    for (int k = DCKPT_KERNEL_FREE; k <= DCKPT_KERNEL_UNKNOWN; k += 2) {
      dckpt_kernel_lock kernel = (dckpt_kernel_lock)k;
      /* on this host the process decides */
      CHECK_EQ(dckpt_lock_judge(&live, kernel, shared), DCKPT_LOCK_ALIVE);
      CHECK_EQ(dckpt_lock_judge(&dead, kernel, shared), DCKPT_LOCK_STALE);
      /* elsewhere only a kernel lock it held, now free, on a file system
       * that shares locks between hosts, proves it gone */
      dckpt_lock_state want =
          kernel == DCKPT_KERNEL_FREE && shared ? DCKPT_LOCK_STALE : DCKPT_LOCK_UNKNOWN;
      CHECK_EQ(dckpt_lock_judge(&remote, kernel, shared), want);
      CHECK_EQ(dckpt_lock_judge(&remote_nk, kernel, shared), DCKPT_LOCK_UNKNOWN);
      CHECK_EQ(dckpt_lock_judge(&nohost, kernel, shared), want);
    }
  }
}

/* A host name that is not UTF-8 (gethostname takes any bytes) was written
 * into the lock file's JSON as it was: each ill-formed sequence is U+FFFD. */
static void test_host_text(void) {
  static const struct {
    const char *raw, *text;
    size_t len;
  } cases[] = {
      {"node17.cluster", "node17.cluster", 256},
      {"n\xffx", "n\xef\xbf\xbdx", 256},
      {"caf\xc3\xa9", "caf\xc3\xa9", 256},
      {"cut\xc3", "cut\xef\xbf\xbd", 256},
      {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 256},
      {"ab\xff", "ab", 5}, /* U+FFFD does not fit: cut before it */
      {"ab\xff", "ab\xef\xbf\xbd", 6},
      {"", "", 1},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char buf[256];
    memset(buf, 'z', sizeof buf);
    (void)dckpt_utf8_mend(cases[i].raw, buf, cases[i].len);
    CHECK_STR_EQ(buf, cases[i].text);
  }
  dckpt_lock_facts f;
  dckpt_lock_facts_self(&f, NULL, true);
  (void)dckpt_utf8_mend("n\xff\xfe", f.info.host, sizeof f.info.host);
  char *text = dckpt_lock_facts_text(&f);
  CHECK(text != NULL);
  CHECK(dckpt_utf8_valid(text, strlen(text), NULL));
  CHECK(strstr(text, "\"host\":\"n\xef\xbf\xbd\xef\xbf\xbd\"") != NULL);
  free(text);
}

/* The same on a host really named so: in a UTS namespace of its own (root
 * only; skipped elsewhere), a child names its host "n\xffx" and takes the
 * facts: they are UTF-8, and the holder is still known as one of this host
 * (compared in the same form), so its pid is checked, not guessed at. */
static void test_host_namespace(void) {
  fflush(NULL);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    if (unshare(CLONE_NEWUTS) != 0 || sethostname("n\xffx", 3) != 0) _exit(77);
    dckpt_lock_facts self;
    dckpt_lock_facts_self(&self, NULL, false);
    char *text = dckpt_lock_facts_text(&self);
    bool ok = text && dckpt_utf8_valid(text, strlen(text), NULL) &&
              strcmp(self.info.host, "n\xef\xbf\xbdx") == 0 &&
              dckpt_lock_holder_local(&self) &&
              dckpt_lock_judge(&self, DCKPT_KERNEL_FREE, true) == DCKPT_LOCK_ALIVE;
    free(text);
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  CHECK_EQ(waitpid(pid, &status, 0), pid);
  CHECK(WIFEXITED(status));
  if (WEXITSTATUS(status) == 77)
    printf("test_host_namespace: skipped (no UTS namespace: not root?)\n");
  else
    CHECK_EQ(WEXITSTATUS(status), 0);
}

int main(void) {
  RUN_TEST(test_round_trip);
  RUN_TEST(test_not_whole);
  RUN_TEST(test_lenient);
  RUN_TEST(test_running);
  RUN_TEST(test_judge);
  RUN_TEST(test_host_text);
  RUN_TEST(test_host_namespace);
  printf("test_lock_facts: all passed\n");
  return 0;
}
