/* Unit tests of the lock primitive (src/io/lock.c) on plain file paths:
 * `test_lock CASE` runs one case; each is its own CTest entry lock.<case>.
 * Holders are real processes (forked, killed, orphaned); the file system
 * without fcntl locks is emulated by tests/lock/nolocks.c (LD_PRELOAD). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "dckpt.h"
#include "io/fs.h"
#include "io/lock.h"
#include "io/lock_fs.h"
#include "io/path.h"
#include "lock_fixture.h"

static char lockpath[1100];

static void fresh_root(const char *tag) {
  fx_fresh_root("lock", tag, lockpath, sizeof lockpath, "thing.lock");
}

static void drop_root(void) {
  dckpt_err e;
  CHECK_OK(dckpt_remove_tree(root, &e));
}

static int take(dckpt_lock *l, const char *job, bool force, dckpt_err *e) {
  logbuf[0] = '\0';
  dckpt_err_clear(e);
  return dckpt_lock_acquire(l, lockpath, job, force, &logger, e);
}

static dckpt_lock_info probe(void) {
  dckpt_lock_info i;
  dckpt_lock_probe(lockpath, &i);
  return i;
}

/* A holder in a child process: takes the lock as job `job`, tells the parent
 * through a pipe, then waits for its end (SIGKILL, or EOF on `hold`). With
 * `orphan`, it leaves the lock's file description to a grandchild that
 * outlives it and returns the grandchild's pid through *orphan. */
static pid_t holder(const char *job, int *release_fd, pid_t *orphan) {
  int ready[2], hold[2];
  CHECK_EQ(pipe(ready), 0);
  CHECK_EQ(pipe(hold), 0);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    close(ready[0]);
    close(hold[1]);
    dckpt_lock l;
    dckpt_err e;
    if (dckpt_lock_acquire(&l, lockpath, job, false, NULL, &e) != DCKPT_OK) _exit(3);
    pid_t g = orphan ? fork() : 0;
    if (orphan && g == 0) { /* keeps the description open; the child dies */
      char c;
      close(ready[1]);
      while (read(hold[0], &c, 1) > 0) {
      }
      _exit(0);
    }
    if (write(ready[1], &g, sizeof g) != sizeof g) _exit(4);
    if (orphan) _exit(0); /* without releasing */
    char c;
    while (read(hold[0], &c, 1) > 0) {
    }
    dckpt_lock_release(&l);
    _exit(0);
  }
  close(ready[1]);
  close(hold[0]);
  pid_t g = 0;
  CHECK_EQ(read(ready[0], &g, sizeof g), (long)sizeof g);
  close(ready[0]);
  if (orphan) *orphan = g;
  *release_fd = hold[1];
  return pid;
}

static int wait_exit(pid_t pid) {
  int status = 0;
  CHECK_EQ(waitpid(pid, &status, 0), pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- cases ---- */

/* A fresh path: created whole, kernel-locked, named; a second taker (even in
 * the same process) is refused naming the holder; release removes it. */
static void test_fresh(void) {
  fresh_root("fresh");
  CHECK_EQ(probe().state, DCKPT_LOCK_NONE);
  dckpt_lock a, b;
  dckpt_err e;
  CHECK_OK(take(&a, "job-1", false, &e));
  CHECK(a.held && a.kernel);
  char *text = get(lockpath);
  CHECK_CONTAINS(text, "\"job_id\":\"job-1\"");
  CHECK_CONTAINS(text, "\"kernel_lock\":true");
  free(text);
  dckpt_lock_info i = probe();
  CHECK_EQ(i.state, DCKPT_LOCK_ALIVE);
  CHECK_EQ(i.pid, getpid());
  CHECK_EQ(take(&b, "job-2", false, &e), DCKPT_ELOCKED);
  CHECK(!b.held);
  char pid[32];
  snprintf(pid, sizeof pid, "pid %d ", (int)getpid());
  CHECK_CONTAINS(e.msg, pid);
  CHECK_CONTAINS(e.msg, host);
  CHECK_CONTAINS(e.msg, "'job-1'");
  CHECK_CONTAINS(e.msg, "still running");
  CHECK_EQ(take(&b, "job-2", true, &e), DCKPT_ELOCKED); /* a held kernel lock */
  dckpt_lock_release(&a);
  CHECK(!dckpt_path_exists(lockpath));
  CHECK_EQ(probe().state, DCKPT_LOCK_NONE);
  dckpt_lock_release(&a); /* twice is harmless */
  /* so is releasing a zeroed lock that was never taken: fd 0 is not its */
  if (fcntl(0, F_GETFD) == -1) CHECK_EQ(open("/dev/null", O_RDONLY), 0);
  dckpt_lock zero;
  memset(&zero, 0, sizeof zero);
  dckpt_lock_release(&zero);
  CHECK(fcntl(0, F_GETFD) != -1);
  /* no private names are left behind */
  dckpt_dirlist list;
  CHECK_OK(dckpt_list_dir(root, &list, &e));
  CHECK_EQ(list.count, 0);
  dckpt_dirlist_free(&list);
  /* a lock in a directory that does not exist */
  snprintf(lockpath, sizeof lockpath, "%s/missing/x.lock", root);
  CHECK_EQ(take(&a, NULL, false, &e), DCKPT_ENOENT);
  CHECK_CONTAINS(e.msg, "missing/x.lock");
  drop_root();
}

/* A holder killed with SIGKILL (reaped or a zombie) is taken over, with a
 * warning naming it; its file is rewritten in place. */
static void test_stale(void) {
  fresh_root("stale");
  for (int zombie = 0; zombie < 2; zombie++) {
    int rel;
    pid_t pid = holder("victim", &rel, NULL);
    CHECK_EQ(probe().state, DCKPT_LOCK_ALIVE);
    struct stat before;
    CHECK_EQ(stat(lockpath, &before), 0);
    kill(pid, SIGKILL);
    if (!zombie) CHECK_EQ(wait_exit(pid), 128 + SIGKILL);
    if (zombie) /* dead (its files are closed) but not reaped */
      while (probe().state != DCKPT_LOCK_STALE)
        usleep(1000);
    CHECK_EQ(probe().state, DCKPT_LOCK_STALE);
    dckpt_lock l;
    dckpt_err e;
    CHECK_OK(take(&l, "heir", false, &e));
    CHECK_CONTAINS(logbuf, "taking over stale lock");
    CHECK_CONTAINS(logbuf, "'victim'");
    struct stat after;
    CHECK_EQ(stat(lockpath, &after), 0);
    CHECK_EQ(after.st_ino, before.st_ino); /* never renamed over */
    dckpt_lock_info i = probe();
    CHECK_EQ(i.state, DCKPT_LOCK_ALIVE);
    CHECK_STR_EQ(i.job_id, "heir");
    dckpt_lock_release(&l);
    if (zombie) wait_exit(pid);
    close(rel);
  }
  drop_root();
}

/* A holder on another host: its pid cannot be checked. Only the kernel lock
 * can prove it gone (it recorded holding it, the lock is free, the file
 * system shares locks between hosts, as local ones do); else only a break
 * takes it. A held kernel lock is never broken. */
static void test_remote(void) {
  fresh_root("remote");
  const char *plain = "{\"host\":\"node-17.elsewhere\",\"pid\":4242,\"pid_start\":\"5\","
                      "\"job_id\":\"881234\",\"started\":\"2026-01-01T00:00:00Z\"}\n";
  put(lockpath, plain);
  CHECK_EQ(probe().state, DCKPT_LOCK_UNKNOWN);
  dckpt_lock l;
  dckpt_err e;
  CHECK_EQ(take(&l, "mine", false, &e), DCKPT_ELOCKED);
  CHECK_CONTAINS(e.msg, "node-17.elsewhere");
  CHECK_CONTAINS(e.msg, "pid 4242");
  CHECK_CONTAINS(e.msg, "'881234'");
  CHECK_CONTAINS(e.msg, "break the lock");
  CHECK_OK(take(&l, "mine", true, &e));
  CHECK_CONTAINS(logbuf, "breaking lock");
  dckpt_lock_release(&l);

  int fd = open(root, O_RDONLY);
  CHECK(fd >= 0);
  CHECK(dckpt_lockfs_shared(fd)); /* the test directory is local */
  close(fd);
  const char *kernel =
      "{\"host\":\"node-17.elsewhere\",\"pid\":4242,\"job_id\":\"881234\","
      "\"started\":\"2026-01-01T00:00:00Z\",\"kernel_lock\":true}\n";
  put(lockpath, kernel);
  CHECK_EQ(probe().state, DCKPT_LOCK_STALE);
  CHECK_OK(take(&l, "mine", false, &e));
  CHECK_CONTAINS(logbuf, "no longer holds its kernel lock");
  dckpt_lock_release(&l);

  /* a live holder whose file claims another host: the kernel lock wins */
  int rel;
  pid_t pid = holder("live", &rel, NULL);
  put(lockpath, kernel); /* in place: same inode, still locked by the child */
  CHECK_EQ(probe().state, DCKPT_LOCK_ALIVE);
  CHECK_EQ(take(&l, "mine", true, &e), DCKPT_ELOCKED);
  CHECK_CONTAINS(e.msg, "holds its kernel lock");
  CHECK_CONTAINS(e.msg, "node-17.elsewhere");
  close(rel);
  CHECK_EQ(wait_exit(pid), 0);
  drop_root();
}

/* Unreadable files under a free kernel lock that every host sees: nobody
 * uses the lock (a holder keeps the kernel lock for its whole run), so an
 * empty file (a take-over killed half-way) and a garbled one (a take-over's
 * facts torn by a power loss) are taken over, with a warning. Where nothing
 * can be known (no fcntl locks), garbage needs a break: lock.nolocks. */
static void test_unreadable(void) {
  fresh_root("unreadable");
  dckpt_lock l;
  dckpt_err e;
  put(lockpath, "{garbage");
  dckpt_lock_info i = probe();
  CHECK_EQ(i.state, DCKPT_LOCK_UNREADABLE);
  CHECK_CONTAINS(i.error, "thing.lock");
  CHECK_OK(take(&l, NULL, false, &e));
  CHECK_CONTAINS(logbuf, "cannot be read");
  CHECK_CONTAINS(logbuf, "no process holds its kernel lock");
  dckpt_lock_release(&l);
  put(lockpath, "");
  CHECK_OK(take(&l, NULL, false, &e));
  CHECK_CONTAINS(logbuf, "it is empty");
  dckpt_lock_release(&l);
  drop_root();
}

/* The holder died but a process it forked keeps the lock's file description
 * open: the kernel lock stays held. Nobody takes it; the refusal says why
 * after a bounded wait; once that process ends, the lock is stale. */
static void test_orphan(void) {
  fresh_root("orphan");
  CHECK_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0); /* the orphan becomes ours */
  int rel;
  pid_t orphan = 0;
  pid_t pid = holder("parent-job", &rel, &orphan);
  CHECK_EQ(wait_exit(pid), 0);
  dckpt_lock_set_facts_wait(0.3);
  dckpt_lock l;
  dckpt_err e;
  CHECK_EQ(take(&l, NULL, true, &e), DCKPT_ELOCKED);
  CHECK_CONTAINS(e.msg, "kernel lock is held");
  CHECK_CONTAINS(e.msg, "'parent-job'");
  CHECK_CONTAINS(e.msg, "may still hold it");
  CHECK_EQ(probe().state, DCKPT_LOCK_ALIVE);
  close(rel); /* the orphan ends */
  CHECK_EQ(wait_exit(orphan), 0);
  CHECK_EQ(probe().state, DCKPT_LOCK_STALE);
  CHECK_OK(take(&l, NULL, false, &e));
  dckpt_lock_release(&l);
  dckpt_lock_set_facts_wait(10.0);
  drop_root();
}

/* Private names left by processes of this host that died while publishing
 * are removed by the next holder; a live process's stays. */
static void test_sweep(void) {
  fresh_root("sweep");
  pid_t dead = fork();
  if (dead == 0) _exit(0);
  wait_exit(dead);
  char orphan[1400], live[1400], other[1400];
  snprintf(orphan, sizeof orphan, "%s.%s.%d.0", lockpath, host, (int)dead);
  snprintf(live, sizeof live, "%s.%s.%d.3", lockpath, host, (int)getppid());
  snprintf(other, sizeof other, "%s.other-host.%d.0", lockpath, (int)dead);
  put(orphan, "");
  put(live, "");
  put(other, "");
  dckpt_lock l;
  dckpt_err e;
  CHECK_OK(take(&l, NULL, false, &e));
  CHECK(!dckpt_path_exists(orphan));
  CHECK(dckpt_path_exists(live));
  CHECK(dckpt_path_exists(other));
  dckpt_lock_release(&l);
  drop_root();
}

/* Which file systems share their locks between hosts. */
static void test_mountinfo(void) {
  unsigned maj = 0, min = 0;
  char type[64], opts[2100];
  CHECK(dckpt_lockfs_parse_mountinfo(
      "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue",
      &maj, &min, type, sizeof type, opts, sizeof opts));
  CHECK_EQ(maj, 98);
  CHECK_EQ(min, 0);
  CHECK_STR_EQ(type, "ext3");
  CHECK_STR_EQ(opts, "rw,noatime,rw,errors=continue");
  CHECK(dckpt_lockfs_parse_mountinfo(
      "120 26 0:52 / /scratch rw,relatime shared:70 - nfs4 srv:/export "
      "rw,vers=4.2,rsize=1048576,hard,proto=tcp,local_lock=none,addr=10.0.0.1",
      &maj, &min, type, sizeof type, opts, sizeof opts));
  CHECK_EQ(min, 52);
  CHECK_STR_EQ(type, "nfs4");
  CHECK(dckpt_lockfs_shared_type(type, opts));
  CHECK(!dckpt_lockfs_parse_mountinfo("garbage", &maj, &min, type, sizeof type, opts,
                                      sizeof opts));
  CHECK(!dckpt_lockfs_parse_mountinfo("1 2 3:4 / /x rw", &maj, &min, type, sizeof type,
                                      opts, sizeof opts));
  struct {
    const char *type, *opts;
    bool shared;
  } verdicts[] = {
      {"ext4", "rw,relatime", true},
      {"xfs", "rw", true},
      {"tmpfs", "rw", true},
      {"nfs", "rw,vers=3,local_lock=none", true},
      {"nfs", "rw,vers=3,nolock,local_lock=all", false},
      {"nfs4", "rw,local_lock=posix", false},
      {"nfs4", "rw,local_lock=flock", true},
      {"lustre", "rw,flock,lazystatfs", true},
      {"lustre", "rw,localflock", false},
      {"lustre", "rw,noflock", false},
      {"lustre", "rw", false},
      {"gpfs", "rw", true},
      {"ceph", "rw,name=admin", true},
      {"fuse.sshfs", "rw", false},
      {"beegfs", "rw", false},
  };
  CHECK_EQ(dckpt_lockfs_classify("ext4", "rw"), DCKPT_LOCKFS_LOCAL);
  CHECK_EQ(dckpt_lockfs_classify("nfs4", "rw,local_lock=none"), DCKPT_LOCKFS_SHARED);
  CHECK_EQ(dckpt_lockfs_classify("lustre", "rw,localflock"), DCKPT_LOCKFS_PRIVATE);
  for (size_t i = 0; i < sizeof verdicts / sizeof verdicts[0]; i++)
    if (dckpt_lockfs_shared_type(verdicts[i].type, verdicts[i].opts) !=
        verdicts[i].shared)
      CHECK_FAIL_("%s (%s) should %sshare locks", verdicts[i].type, verdicts[i].opts,
                  verdicts[i].shared ? "" : "not ");
}

/* Under tests/lock/nolocks.c (LD_PRELOAD) every fcntl lock call fails with
 * ENOLCK, as on NFS without a lock manager. */
static void test_nolocks(void) {
  fresh_root("nolocks");
  int fd = open(lockpath, O_RDWR | O_CREAT, 0644);
  CHECK(fd >= 0);
  CHECK_EQ(dckpt_klock_try(fd), DCKPT_KLOCK_UNSUPPORTED); /* the emulation is on */
  close(fd);
  unlink(lockpath);
  dckpt_lock a, b;
  dckpt_err e;
  CHECK_OK(take(&a, "first", false, &e));
  CHECK(a.held && !a.kernel);
  char *text = get(lockpath);
  CHECK(!strstr(text, "kernel_lock"));
  free(text);
  CHECK_EQ(take(&b, "second", false, &e), DCKPT_ELOCKED);
  CHECK_CONTAINS(e.msg, "'first'");
  CHECK_CONTAINS(e.msg, "still running");
  dckpt_lock_release(&a);
  CHECK(!dckpt_path_exists(lockpath));
  /* a stale lock: only a break takes it, for nothing else is exclusive */
  int rel;
  pid_t pid = holder("victim", &rel, NULL);
  kill(pid, SIGKILL);
  wait_exit(pid);
  close(rel);
  CHECK_EQ(take(&b, "second", false, &e), DCKPT_ELOCKED);
  CHECK_CONTAINS(e.msg, "'victim'");
  CHECK_CONTAINS(e.msg, "no fcntl locks");
  CHECK_CONTAINS(e.msg, "break the lock");
  CHECK_OK(take(&b, "second", true, &e));
  CHECK_CONTAINS(logbuf, "breaking lock");
  dckpt_lock_release(&b);
  CHECK(!dckpt_path_exists(lockpath));
  /* an unreadable file: nothing says nobody uses it, so a break takes it */
  put(lockpath, "{garbage");
  CHECK_EQ(take(&b, "second", false, &e), DCKPT_ELOCKED);
  CHECK_CONTAINS(e.msg, "cannot be read");
  CHECK_OK(take(&b, "second", true, &e));
  dckpt_lock_release(&b);
  drop_root();
}

/* One short-lived holder: takes the lock (retrying while it is held),
 * creates `inside` with O_EXCL while it holds it (two holders at once would
 * find it there), releases it and ends at once, so that the next taker may
 * find the file of a holder that is already gone. Exits 1 on a violation. */
static void churn_once(const char *inside) {
  dckpt_lock l;
  dckpt_err e;
  int rc;
  while ((rc = dckpt_lock_acquire(&l, lockpath, NULL, false, NULL, &e)) == DCKPT_ELOCKED)
    sched_yield();
  if (rc != DCKPT_OK) {
    fprintf(stderr, "churn: %s\n", e.msg);
    _exit(3);
  }
  int fd = open(inside, O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd >= 0) close(fd);
  sched_yield();
  if (fd >= 0) unlink(inside);
  dckpt_lock_release(&l);
  _exit(fd < 0 ? 1 : 0);
}

/* Holders come and go: N workers each start K short-lived holders, one after
 * another. This exercises the release (unlink under the kernel lock) against
 * takers that opened the released file just before: they must see that the
 * path no longer names it and start over. */
static void test_churn(void) {
  fresh_root("churn");
  enum { N = 6, K = 150 };
  char inside[1200];
  snprintf(inside, sizeof inside, "%s/inside", root);
  pid_t pids[N];
  for (int p = 0; p < N; p++) {
    pids[p] = fork();
    if (pids[p] != 0) continue;
    int bad = 0;
    for (int k = 0; k < K; k++) {
      pid_t c = fork();
      if (c == 0) churn_once(inside);
      bad += c < 0 || wait_exit(c) != 0;
    }
    _exit(bad > 255 ? 255 : bad);
  }
  int bad = 0;
  for (int p = 0; p < N; p++)
    bad += wait_exit(pids[p]);
  printf("churn: %d x %d short-lived holders, %d saw another holder inside\n", N, K, bad);
  CHECK_EQ(bad, 0);
  drop_root();
}

int main(int argc, char **argv) {
  static const check_case cases[] = {
      {"fresh", test_fresh},           {"stale", test_stale},     {"remote", test_remote},
      {"unreadable", test_unreadable}, {"orphan", test_orphan},   {"sweep", test_sweep},
      {"mountinfo", test_mountinfo},   {"nolocks", test_nolocks}, {"churn", test_churn}};
  return check_main("test_lock", argc, argv, cases, sizeof cases / sizeof *cases);
}
