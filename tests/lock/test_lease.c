/* Unit tests of leases (io/lock.h: dckpt_lease_claim, dckpt_lease_renew) on
 * plain file paths: `test_lease CASE` runs one case (CTest lock.lease_<case>).
 * The races are tests/lock/lease_race.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "dckpt.h"
#include "io/fs.h"
#include "io/lock.h"
#include "io/path.h"
#include "lease_jobs.h"
#include "lock_fixture.h"

static char lease[1100];

static void fresh_root(const char *tag) {
  fx_fresh_root("lease", tag, lease, sizeof lease, "pair.lease");
}

static size_t entries(void) {
  dckpt_dirlist list;
  dckpt_err e;
  CHECK_OK(dckpt_list_dir(root, &list, &e));
  size_t n = list.count;
  dckpt_dirlist_free(&list);
  return n;
}

/* Claims as incarnation `restart` of job `job`. */
static int claim_as(dckpt_lock *l, const char *job, int64_t restart, dckpt_err *e) {
  logbuf[0] = '\0';
  dckpt_err_clear(e);
  return dckpt_lease_claim(l, lease, job, restart, &policy, &logger, e);
}

static int claim(dckpt_lock *l, const char *job, dckpt_err *e) {
  return claim_as(l, job, 0, e);
}

/* Facts of a holder on another host, renewed `age` seconds ago, that
 * recorded incarnation `restart` of its job (< 0: no such field). */
static void remote_as(const char *job, long restart, long age) {
  char when[32], text[512], inc[48] = "";
  time_t t = time(NULL) - age;
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
  if (restart >= 0) snprintf(inc, sizeof inc, ",\"restart\":%ld", restart);
  snprintf(text, sizeof text,
           "{\"host\":\"node-9.far\",\"pid\":777,\"job_id\":\"%s\",\"started\":\"%s\","
           "\"renewed\":\"%s\"%s}\n",
           job, when, when, inc);
  put(lease, text);
}

static void remote(const char *job, long age) {
  remote_as(job, -1, age);
}

/* Claimed whole with a renewal stamp; a second claim (also in this process)
 * is refused naming the holder; renewal keeps the file's length; release
 * leaves nothing behind. */
static void test_basic(void) {
  fresh_root("basic");
  dckpt_lock a, b;
  dckpt_err e;
  CHECK_OK(claim(&a, "job-1", &e));
  char *text = get(lease);
  CHECK_CONTAINS(text, "\"job_id\":\"job-1\"");
  CHECK_CONTAINS(text, "\"renewed\":\"");
  CHECK_CONTAINS(text, "\"restart\":0");
  CHECK_EQ(claim(&b, "job-2", &e), DCKPT_ELOCKED);
  char pid[32];
  snprintf(pid, sizeof pid, "pid %d ", (int)getpid());
  CHECK_CONTAINS(e.msg, pid);
  CHECK_CONTAINS(e.msg, host);
  CHECK_CONTAINS(e.msg, "'job-1'");
  CHECK_OK(dckpt_lease_renew(&a, &e));
  char *again = get(lease);
  CHECK_EQ(strlen(again), strlen(text));
  free(text);
  free(again);
  dckpt_lock_release(&a);
  CHECK_EQ(entries(), 0);
  CHECK_EQ(dckpt_lease_renew(&a, &e), DCKPT_EINVAL); /* released */
  dckpt_remove_tree(root, &e);
}

/* A holder on another host: kept while its job runs or cannot be asked and
 * its renewal is recent; taken over when its job is gone or its renewal is
 * older than the timeout, with a warning saying which. */
static void test_policy(void) {
  fresh_root("policy");
  dckpt_lock l;
  dckpt_err e;
  remote("running-1", 5);
  CHECK_EQ(claim(&l, "me", &e), DCKPT_ELOCKED);
  CHECK_CONTAINS(e.msg, "node-9.far");
  CHECK_CONTAINS(e.msg, "'running-1'");
  remote("881", 30); /* the scheduler does not know it: the age decides */
  CHECK_EQ(claim(&l, "me", &e), DCKPT_ELOCKED);
  remote("gone-1", 5);
  CHECK_OK(claim(&l, "me", &e));
  CHECK_CONTAINS(logbuf, "job 'gone-1' is no longer running");
  dckpt_lock_release(&l);
  remote("running-1", 600);
  CHECK_OK(claim(&l, "me", &e));
  CHECK_CONTAINS(logbuf, "last renewal is");
  CHECK_CONTAINS(logbuf, "timeout is 60 s");
  dckpt_lock_release(&l);
  CHECK_EQ(entries(), 0);
  dckpt_remove_tree(root, &e);
}

/* A holder whose lease was taken over (its renewal had grown too old) learns
 * it at its next renewal, and its release leaves the new holder's file. */
static void test_lost(void) {
  fresh_root("lost");
  dckpt_lock a, b;
  dckpt_err e;
  CHECK_OK(claim(&a, "slow", &e));
  /* as if its renewals had stopped for 10 minutes (in place: the inode and
   * the kernel lock stay a's) */
  char when[32], text[512];
  time_t t = time(NULL) - 600;
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
  snprintf(text, sizeof text,
           "{\"host\":\"node-9.far\",\"pid\":777,\"job_id\":\"new-owner\","
           "\"started\":\"%s\",\"renewed\":\"%s\"}\n",
           when, when);
  int fd = open(lease, O_WRONLY | O_TRUNC);
  CHECK(fd >= 0);
  CHECK_EQ(write(fd, text, strlen(text)), (long)strlen(text));
  close(fd);
  CHECK_EQ(dckpt_lease_renew(&a, &e), DCKPT_ELOCKED);
  CHECK_CONTAINS(e.msg, "no longer ours");
  CHECK_CONTAINS(e.msg, "'new-owner'");
  dckpt_lock_release(&a);
  CHECK(dckpt_path_exists(lease)); /* not ours to remove */
  CHECK_OK(claim(&b, "next", &e)); /* its renewal is old: taken */
  dckpt_lock_release(&b);
  CHECK_EQ(entries(), 0);
  dckpt_remove_tree(root, &e);
}

static uint64_t fnv1a(const char *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)p[i]) * 0x100000001b3ull;
  return h;
}

/* The ticket a taker publishes for the lease's current content. */
static void ticket_for_content(const char *facts, char *name, size_t len) {
  char *text = get(lease);
  struct stat st;
  CHECK(text != NULL);
  CHECK_EQ(stat(lease, &st), 0);
  snprintf(name, len, "%s.take.%llx.%016llx", lease, (unsigned long long)st.st_ino,
           (unsigned long long)fnv1a(text, strlen(text)));
  put(name, facts);
  free(text);
}

/* A take-over under way (a live taker's ticket) is waited for, then named;
 * one whose taker died is itself taken over (a ticket of the ticket), and the
 * release sweeps every ticket of the file. */
static void test_ticket(void) {
  fresh_root("ticket");
  dckpt_lock l;
  dckpt_err e;
  remote("gone-2", 5);
  char name[2048], facts[512];
  snprintf(facts, sizeof facts,
           "{\"host\":\"%s\",\"pid\":%d,\"job_id\":\"taker\","
           "\"started\":\"2026-01-01T00:00:00Z\"}\n",
           host, (int)getppid());
  ticket_for_content(facts, name, sizeof name);
  dckpt_lock_set_facts_wait(0.3);
  CHECK_EQ(claim(&l, "me", &e), DCKPT_ELOCKED);
  CHECK_CONTAINS(e.msg, "'taker'");
  CHECK_CONTAINS(e.msg, "is taking it over");
  dckpt_lock_set_facts_wait(10.0);
  pid_t dead = fork();
  if (dead == 0) _exit(0);
  CHECK_EQ(waitpid(dead, NULL, 0), dead);
  snprintf(facts, sizeof facts,
           "{\"host\":\"%s\",\"pid\":%d,\"job_id\":\"taker\","
           "\"started\":\"2026-01-01T00:00:00Z\"}\n",
           host, (int)dead);
  put(name, facts);
  CHECK_OK(claim(&l, "me", &e));
  CHECK_CONTAINS(logbuf, "job 'gone-2' is no longer running");
  CHECK_EQ(entries(), 3); /* the lease, the dead taker's ticket, ours of it */
  dckpt_lock_release(&l);
  CHECK_EQ(entries(), 0);
  dckpt_remove_tree(root, &e);
}

/* The incarnation of the claimant's own job (requeued by Slurm, maybe on
 * another node): a holder on another host with the same job id and an older
 * incarnation is gone at once, however fresh its renewal and whatever the
 * scheduler says (the job runs again: it is the claimant); the same
 * incarnation is a sibling rank, kept while fresh; another job, or a lease
 * file without the field, is judged as before. */
static void test_restart(void) {
  fresh_root("restart");
  dckpt_lock l;
  dckpt_err e;
  remote_as("running-7_3", 0, 1); /* run 0 of the task, renewed a second ago */
  CHECK_OK(claim_as(&l, "running-7_3", 1, &e));
  CHECK_CONTAINS(logbuf, "is run 0 of job 'running-7_3'");
  CHECK_CONTAINS(logbuf, "(run 1)");
  char *text = get(lease);
  CHECK_CONTAINS(text, "\"restart\":1");
  free(text);
  dckpt_lock_release(&l);
  remote_as("running-7_3", 4, 1); /* two requeues behind is gone too */
  CHECK_OK(claim_as(&l, "running-7_3", 6, &e));
  dckpt_lock_release(&l);
  remote_as("running-7_3", 2, 1); /* a sibling rank of the same run */
  CHECK_EQ(claim_as(&l, "running-7_3", 2, &e), DCKPT_ELOCKED);
  CHECK_CONTAINS(e.msg, "node-9.far");
  remote_as("running-7_3", 3, 1); /* a newer run: this process is the stale one */
  CHECK_EQ(claim_as(&l, "running-7_3", 2, &e), DCKPT_ELOCKED);
  remote_as("running-7_4", 0, 1); /* another task of the array: its job decides */
  CHECK_EQ(claim_as(&l, "running-7_3", 1, &e), DCKPT_ELOCKED);
  remote_as("881", 0, 1); /* unknown to the scheduler, fresh */
  CHECK_EQ(claim_as(&l, "882", 1, &e), DCKPT_ELOCKED);
  remote("running-7_3", 1); /* no incarnation recorded: as before */
  CHECK_EQ(claim_as(&l, "running-7_3", 1, &e), DCKPT_ELOCKED);
  remote_as("", 0, 1); /* no job id on either side */
  CHECK_EQ(claim_as(&l, "", 1, &e), DCKPT_ELOCKED);
  remote_as("gone-5", 0, 5); /* another job that ended: as before */
  CHECK_OK(claim_as(&l, "running-7_3", 1, &e));
  CHECK_CONTAINS(logbuf, "job 'gone-5' is no longer running");
  dckpt_lock_release(&l);
  CHECK_EQ(entries(), 0);
  dckpt_remove_tree(root, &e);
}

int main(int argc, char **argv) {
  static const check_case cases[] = {{"basic", test_basic},
                                     {"policy", test_policy},
                                     {"lost", test_lost},
                                     {"ticket", test_ticket},
                                     {"restart", test_restart}};
  return check_main("test_lease", argc, argv, cases, sizeof cases / sizeof *cases);
}
