/* Tests of the power-loss model itself (src/io/trace.c, src/io/crashfs*.c):
 * the recorder sees what happened, and the states the model derives are
 * exactly those of the documented persistence model. Linked against the
 * traced twin of the library. `test_crashfs CASE`; CTest io.crashfs_<case>. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "dckpt.h"
#include "io/atomic.h"
#include "io/crashfs.h"
#include "io/fs.h"
#include "io/path.h"
#include "io/sys.h"
#include "io/trace.h"

static char world[1024], logfile[1100], scratch[1100];

static const char *at(const char *rel) {
  static char buf[8][1200];
  static int next;
  char *p = buf[next++ % 8];
  snprintf(p, sizeof buf[0], "%s/%s", world, rel);
  return p;
}

static void setup(const char *tag) {
  snprintf(world, sizeof world, "%s/crashfs-%ld-%s", DCKPT_TEST_TMP, (long)getpid(), tag);
  snprintf(logfile, sizeof logfile, "%s.log", world);
  snprintf(scratch, sizeof scratch, "%s.state", world);
  dckpt_err e;
  CHECK_OK(dckpt_remove_tree(world, &e));
  CHECK_OK(dckpt_remove_tree(scratch, &e));
  unlink(logfile);
  CHECK_EQ(mkdir(world, 0755), 0);
}

static void teardown(void) {
  dckpt_err e;
  CHECK_OK(dckpt_remove_tree(world, &e));
  CHECK_OK(dckpt_remove_tree(scratch, &e));
  unlink(logfile);
}

/* Writes a whole file through the traced calls; fsyncs it when asked. */
static void put(const char *rel, const char *text, bool sync) {
  int fd = dckpt_sys_open(at(rel), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  CHECK(fd >= 0);
  CHECK_EQ(dckpt_sys_write(fd, text, strlen(text)), (ssize_t)strlen(text));
  if (sync) CHECK_EQ(dckpt_sys_fdatasync(fd), 0);
  CHECK_EQ(dckpt_sys_close(fd), 0);
}

static void sync_dir(const char *rel) {
  dckpt_err e;
  CHECK_OK(dckpt_io_fsync_dir(rel[0] ? at(rel) : world, &e));
}

static void plain_put(const char *rel, const char *text) {
  FILE *f = fopen(at(rel), "w");
  CHECK(f != NULL);
  fputs(text, f);
  CHECK_EQ(fclose(f), 0);
}

/* ---- observing the states of one point ---- */

/* What a state holds at `rel`: NULL when absent, else the contents. */
static char *read_state_len(const char *rel, size_t *len) {
  char path[1300];
  snprintf(path, sizeof path, "%s/%s", scratch, rel);
  char *data = NULL;
  dckpt_err e;
  return dckpt_read_file(path, 1 << 20, &data, len, &e) == DCKPT_OK ? data : NULL;
}

static char *read_state(const char *rel) {
  size_t len = 0;
  return read_state_len(rel, &len);
}

typedef void (*state_check)(void *ctx, uint64_t choice);

/* Builds every state of point k, writes it to scratch and calls check. */
static uint64_t each_state(dckpt_cfs *c, size_t k, state_check check, void *ctx) {
  dckpt_cfs_point *p = NULL;
  dckpt_err e;
  CHECK_OK(dckpt_cfs_point_open(c, k, &p, &e));
  uint64_t n = dckpt_cfs_point_count(p);
  CHECK(n < 100000);
  for (uint64_t i = 0; i < n; i++) {
    dckpt_cfs_state *s = NULL;
    CHECK_OK(dckpt_cfs_state_build(p, i, 7, &s, &e));
    CHECK_OK(dckpt_remove_tree(scratch, &e));
    CHECK_OK(dckpt_cfs_state_write(s, scratch, &e));
    check(ctx, i);
    dckpt_cfs_state_free(s);
  }
  dckpt_cfs_point_free(p);
  return n;
}

static dckpt_cfs *snapshot(void) {
  dckpt_cfs *c = NULL;
  dckpt_err e;
  CHECK_OK(dckpt_cfs_create(world, &c, &e));
  return c;
}

/* Starts a trace into a fresh log: a log holds the calls since one snapshot
 * (dckpt_trace_start appends to an existing log, and the records of an
 * earlier trace replayed onto a later snapshot name inodes that may not be
 * there any more). */
static void start(void) {
  CHECK(unlink(logfile) == 0 || errno == ENOENT);
  CHECK_EQ(dckpt_trace_start(logfile), 0);
}

static void load(dckpt_cfs *c) {
  dckpt_err e;
  dckpt_err_clear(&e);
  if (dckpt_cfs_load(c, logfile, &e) != DCKPT_OK)
    CHECK_FAIL_("loading the trace: %s", e.msg);
}

static void finish(dckpt_cfs *c) {
  CHECK_EQ(dckpt_trace_stop(), 0);
  load(c);
  dckpt_err e;
  dckpt_err_clear(&e);
  if (dckpt_cfs_check_final(c, world, NULL, &e) != DCKPT_OK) CHECK_FAIL_("%s", e.msg);
}

/* ---- cases ---- */

/* The recorder: every kind of call lands in the log, the replay of the log
 * is what is on disk, and a change it did not see is caught. */
static void test_record(void) {
  setup("record");
  plain_put("old", "old contents");
  dckpt_cfs *c = snapshot();
  start();
  put("a", "alpha", true);
  CHECK_EQ(dckpt_sys_mkdir(at("d"), 0755), 0);
  put("d/b", "beta", false);
  CHECK_EQ(dckpt_sys_rename(at("a"), at("d/a2")), 0);
  CHECK_EQ(dckpt_sys_link(at("d/a2"), at("a3")), 0);
  CHECK_EQ(dckpt_sys_unlink(at("old")), 0);
  put("x", "12345678", false);
  int fd = dckpt_sys_open(at("x"), O_WRONLY | O_CLOEXEC, 0);
  CHECK(fd >= 0);
  CHECK_EQ(dckpt_sys_pwrite(fd, "AB", 2, 3), 2);
  CHECK_EQ(dckpt_sys_ftruncate(fd, 6), 0);
  CHECK_EQ(dckpt_sys_close(fd), 0);
  CHECK_EQ(dckpt_sys_renameat2(AT_FDCWD, at("x"), AT_FDCWD, at("a3"), RENAME_EXCHANGE),
           0);
  dckpt_trace_mark("done");
  CHECK_EQ(dckpt_sys_mkdir(at("e"), 0755), 0);
  CHECK_EQ(dckpt_sys_rmdir(at("e")), 0);
  sync_dir("");
  finish(c);
  size_t n = dckpt_cfs_n_records(c);
  CHECK_GE(n, 20);
  char all[8192] = "";
  for (size_t i = 0; i < n; i++) {
    strncat(all, dckpt_cfs_record_text(c, i), sizeof all - strlen(all) - 2);
    strcat(all, "\n");
  }
  static const char *const want[] = {"create a",
                                     "write a: 5 bytes at 0",
                                     "fsync a",
                                     "mkdir d",
                                     "rename ./a -> d/a2",
                                     "link d/a2 -> ./a3",
                                     "unlink old",
                                     "write x: 2 bytes at 3",
                                     "truncate x to 6",
                                     "exchange ./x <-> ./a3",
                                     "mark \"done\"",
                                     "rmdir e",
                                     "fsync ."};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    if (!strstr(all, want[i])) CHECK_FAIL_("no record \"%s\" in:\n%s", want[i], all);
  CHECK_EQ(dckpt_cfs_marks_before(c, n), 1);
  dckpt_cfs_free(c);
  /* a change behind the recorder's back makes the self-check fail; the
   * second trace's log holds its own calls only (create, write, close y),
   * not the first trace's: replayed onto this snapshot, those named the
   * inode of 'old', there only when 'x' happened to get its number back */
  c = snapshot();
  start();
  put("y", "traced", false);
  plain_put("z", "not traced");
  CHECK_EQ(dckpt_trace_stop(), 0);
  load(c);
  CHECK_EQ(dckpt_cfs_n_records(c), 3);
  dckpt_err e;
  CHECK_RC(dckpt_cfs_check_final(c, world, NULL, &e), DCKPT_ECORRUPT);
  CHECK_CONTAINS(e.msg, "the disk has 'z', the model does not");
  const char *ignore[] = {"z", NULL};
  CHECK_OK(dckpt_cfs_check_final(c, world, ignore, &e));
  dckpt_cfs_free(c);
  teardown();
}

/* A call outside the snapshotted tree is refused by name. */
static void test_outside(void) {
  setup("outside");
  CHECK_EQ(mkdir(at("in"), 0755), 0);
  snprintf(world + strlen(world), sizeof world - strlen(world), "/in");
  dckpt_cfs *c = snapshot();
  start();
  put("../out", "x", false);
  CHECK_EQ(dckpt_trace_stop(), 0);
  dckpt_err e;
  CHECK_RC(dckpt_cfs_load(c, logfile, &e), DCKPT_ECORRUPT);
  CHECK_CONTAINS(e.msg, "which is not in the tree");
  dckpt_cfs_free(c);
  world[strlen(world) - 3] = '\0';
  teardown();
}

typedef struct seen {
  int absent, empty, full, zeros, other;
  const char *rel, *full_text;
} seen;

static void classify(void *ctx, uint64_t choice) {
  (void)choice;
  seen *s = ctx;
  size_t n = 0;
  char *t = read_state_len(s->rel, &n);
  size_t zeros = 0;
  while (t && zeros < n && t[zeros] == '\0')
    zeros++;
  if (!t)
    s->absent++;
  else if (n == 0)
    s->empty++;
  else if (n == strlen(s->full_text) && !memcmp(t, s->full_text, n))
    s->full++;
  else if (zeros == n)
    s->zeros++;
  else
    s->other++;
  free(t);
}

/* Unsynced data and an unsynced create: the file may be missing, empty,
 * whole, zeros or garbage; a file of one block has no torn state. */
static void test_unsynced_file(void) {
  setup("unsynced");
  dckpt_cfs *c = snapshot();
  start();
  put("f", "hello world", false);
  finish(c);
  seen s = {.rel = "f", .full_text = "hello world"};
  uint64_t n = each_state(c, dckpt_cfs_n_records(c), classify, &s);
  CHECK_EQ(n, 2 * 4); /* create present/absent x kept/lost/zeros/garbage */
  CHECK_EQ(s.absent, 4);
  CHECK_EQ(s.full, 1);
  CHECK_EQ(s.empty, 1);
  CHECK_EQ(s.zeros, 1);
  CHECK_EQ(s.other, 1); /* garbage */
  dckpt_cfs_free(c);
  teardown();
}

typedef struct replace_ctx {
  int old, new_, bad;
} replace_ctx;

static void old_or_new(void *ctx, uint64_t choice) {
  (void)choice;
  replace_ctx *r = ctx;
  char *t = read_state("target");
  if (t && !strcmp(t, "old version"))
    r->old++;
  else if (t && !strcmp(t, "new version, longer"))
    r->new_++;
  else {
    fprintf(stderr, "target holds \"%s\"\n", t ? t : "(missing)");
    r->bad++;
  }
  free(t);
}

/* The commit protocol (temporary, fsync, rename, directory fsync): a crash
 * anywhere leaves the old or the new version, never a torn one, and after
 * the directory fsync only the new one. Without the file's fsync, a torn
 * target is possible: the model must say so. */
static void test_atomic_replace(void) {
  for (int with_fsync = 1; with_fsync >= 0; with_fsync--) {
    setup("replace");
    plain_put("target", "old version");
    dckpt_cfs *c = snapshot();
    start();
    put("tmp", "new version, longer", with_fsync);
    CHECK_EQ(dckpt_sys_rename(at("tmp"), at("target")), 0);
    sync_dir("");
    finish(c);
    size_t n = dckpt_cfs_n_records(c);
    replace_ctx r = {0};
    for (size_t k = 0; k <= n; k++)
      if (dckpt_cfs_is_crash_point(c, k)) each_state(c, k, old_or_new, &r);
    if (with_fsync) {
      CHECK_EQ(r.bad, 0);
      CHECK_GT(r.old, 0);
      CHECK_GT(r.new_, 0);
    } else {
      CHECK_GT(r.bad, 0);
    }
    if (with_fsync) { /* after the directory fsync: only the new version */
      replace_ctx last = {0};
      CHECK_EQ(each_state(c, n, old_or_new, &last), 1);
      CHECK_EQ(last.new_, 1);
    }
    dckpt_cfs_free(c);
    teardown();
  }
}

/* Durable writes through an unnamed temporary (O_TMPFILE, io.unnamed: the
 * store's checkpoints and dckpt_record_write): the replay matches the disk,
 * the temporary is recorded without a name until its link, and at every
 * crash point a replaced target holds its old or its new version whole and
 * a new name is absent or whole. */
static void test_unnamed(void) {
  const char *text = "new version, longer";
  setup("unnamed");
  plain_put("target", "old version");
  dckpt_cfs *c = snapshot();
  start();
  dckpt_io_opts io = {.durable = true, .unnamed = true, .label = "t"};
  dckpt_err e = {0};
  CHECK_OK(dckpt_io_write_file(at("target"), text, strlen(text), &io, &e));
  CHECK_OK(dckpt_io_write_file(at("fresh"), text, strlen(text), &io, &e));
  finish(c);
  size_t n = dckpt_cfs_n_records(c), unnamed = 0;
  for (size_t i = 0; i < n; i++)
    unnamed += dckpt_cfs_record_kind(c, i) == DCKPT_TR_TMPFILE;
  CHECK_EQ(unnamed, 2);
  replace_ctx r = {0};
  seen fresh = {.rel = "fresh", .full_text = text};
  for (size_t k = 0; k <= n; k++)
    if (dckpt_cfs_is_crash_point(c, k)) {
      each_state(c, k, old_or_new, &r);
      each_state(c, k, classify, &fresh);
    }
  CHECK_EQ(r.bad, 0);
  CHECK_GT(r.old, 0);
  CHECK_GT(r.new_, 0);
  CHECK_EQ(fresh.empty + fresh.zeros + fresh.other, 0);
  CHECK_GT(fresh.absent, 0);
  CHECK_GT(fresh.full, 0);
  replace_ctx last = {0}; /* after the last directory fsync: both new */
  seen last_fresh = {.rel = "fresh", .full_text = text};
  CHECK_EQ(each_state(c, n, old_or_new, &last), 1);
  CHECK_EQ(each_state(c, n, classify, &last_fresh), 1);
  CHECK_EQ(last.new_, 1);
  CHECK_EQ(last_fresh.full, 1);
  dckpt_cfs_free(c);
  teardown();
}

typedef struct names_ctx {
  int only_a, only_b, both, neither;
} names_ctx;

static void where(void *ctx, uint64_t choice) {
  (void)choice;
  names_ctx *x = ctx;
  char *a = read_state("a"), *b = read_state("sub/b");
  x->only_a += a && !b;
  x->only_b += !a && b;
  x->both += a && b;
  x->neither += !a && !b;
  free(a);
  free(b);
}

/* A rename is atomic (never both names, never neither); an entry in a new
 * directory is reachable only when the directory's own entry persisted. */
static void test_names(void) {
  setup("names");
  CHECK_EQ(mkdir(at("sub"), 0755), 0);
  plain_put("a", "x");
  dckpt_cfs *c = snapshot();
  start();
  CHECK_EQ(dckpt_sys_rename(at("a"), at("sub/b")), 0);
  finish(c);
  names_ctx x = {0};
  CHECK_EQ(each_state(c, 1, where, &x), 2);
  CHECK_EQ(x.only_a, 1);
  CHECK_EQ(x.only_b, 1);
  CHECK_EQ(x.both + x.neither, 0);
  dckpt_cfs_free(c);
  teardown();
  /* new directory, file synced, directory synced, parent not */
  setup("newdir");
  c = snapshot();
  start();
  CHECK_EQ(dckpt_sys_mkdir(at("sub"), 0755), 0);
  put("sub/b", "data", true);
  sync_dir("sub");
  finish(c);
  x = (names_ctx){0};
  CHECK_EQ(each_state(c, dckpt_cfs_n_records(c), where, &x), 2);
  CHECK_EQ(x.only_b, 1); /* reachable: data whole */
  CHECK_EQ(x.neither, 1);
  dckpt_cfs_free(c);
  teardown();
}

/* fsync of a file makes its data durable, not its name. */
static void test_fsync_file(void) {
  setup("fsyncfile");
  dckpt_cfs *c = snapshot();
  start();
  put("f", "synced", true);
  finish(c);
  seen s = {.rel = "f", .full_text = "synced"};
  CHECK_EQ(each_state(c, dckpt_cfs_n_records(c), classify, &s), 2);
  CHECK_EQ(s.absent, 1);
  CHECK_EQ(s.full, 1);
  dckpt_cfs_free(c);
  teardown();
}

/* Torn writes cut at 4 KiB blocks, and the size grows with them. */
static void test_torn(void) {
  setup("torn");
  char *big = malloc(3 * 4096 + 1);
  CHECK(big != NULL);
  for (int i = 0; i < 3 * 4096; i++)
    big[i] = (char)('a' + i / 4096);
  big[3 * 4096] = '\0';
  plain_put("f", "");
  dckpt_cfs *c = snapshot();
  start();
  int fd = dckpt_sys_open(at("f"), O_WRONLY | O_CLOEXEC, 0);
  CHECK_EQ(dckpt_sys_write(fd, big, 3 * 4096), 3 * 4096);
  CHECK_EQ(dckpt_sys_close(fd), 0);
  finish(c);
  dckpt_cfs_point *p = NULL;
  dckpt_err e;
  CHECK_OK(dckpt_cfs_point_open(c, dckpt_cfs_n_records(c), &p, &e));
  CHECK_EQ(dckpt_cfs_point_count(p), 4 + 2); /* kept lost zeros garbage, torn 1, 2 */
  CHECK_EQ(dckpt_cfs_point_all_lost(p), 1);
  for (uint64_t i = 4; i < 6; i++) {
    dckpt_cfs_state *s = NULL;
    CHECK_OK(dckpt_cfs_state_build(p, i, 1, &s, &e));
    char desc[1024];
    dckpt_cfs_state_describe(s, desc, sizeof desc);
    CHECK_CONTAINS(desc, "torn after");
    CHECK_OK(dckpt_remove_tree(scratch, &e));
    CHECK_OK(dckpt_cfs_state_write(s, scratch, &e));
    char *t = read_state("f");
    CHECK(t != NULL);
    size_t keep = (size_t)(i - 3);
    CHECK_EQ(strlen(t), keep * 4096);
    CHECK(!strncmp(t, big, keep * 4096));
    free(t);
    dckpt_cfs_state_free(s);
  }
  dckpt_cfs_point_free(p);
  free(big);
  dckpt_cfs_free(c);
  teardown();
}

/* A killed process stops just before the chosen call. */
static void test_kill(void) {
  setup("kill");
  dckpt_cfs *c = snapshot();
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    start();
    dckpt_trace_kill_at(3);
    put("a", "1", false); /* create, write, close: the third is the close */
    put("b", "2", false);
    _exit(0);
  }
  int status = 0;
  CHECK_EQ(waitpid(pid, &status, 0), pid);
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  load(c);
  CHECK_EQ(dckpt_cfs_n_records(c), 2);
  dckpt_err e;
  CHECK_OK(dckpt_cfs_check_final(c, world, NULL, &e));
  dckpt_cfs_free(c);
  teardown();
}

/* syncfs makes everything written before it durable, in every file and
 * directory: one state after it, many before. */
static void test_syncfs(void) {
  setup("syncfs");
  CHECK_EQ(mkdir(at("sub"), 0755), 0);
  dckpt_cfs *c = snapshot();
  start();
  put("a", "one", false);
  put("sub/b", "two", false);
  int fd = open(world, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  CHECK(fd >= 0);
  CHECK_EQ(dckpt_sys_syncfs(fd), 0);
  close(fd);
  finish(c);
  size_t n = dckpt_cfs_n_records(c);
  CHECK_EQ(strcmp(dckpt_cfs_record_text(c, n - 1), "syncfs"), 0);
  seen before = {.rel = "sub/b", .full_text = "two"};
  CHECK_GT(each_state(c, n - 1, classify, &before), 1); /* unsynced before it */
  CHECK_GT(before.absent, 0);
  seen a = {.rel = "a", .full_text = "one"}, b = {.rel = "sub/b", .full_text = "two"};
  CHECK_EQ(each_state(c, n, classify, &a), 1); /* after it: one state, both whole */
  CHECK_EQ(each_state(c, n, classify, &b), 1);
  CHECK_EQ(a.full + b.full, 2);
  dckpt_cfs_free(c);
  teardown();
}

/* `rel` created through io/sys.h, its `text` written with other I/O (as
 * HDF5 writes the container's pack through MPI-IO). */
static void unseen_put(const char *rel, const char *text) {
  int fd = dckpt_sys_open(at(rel), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  CHECK(fd >= 0);
  CHECK_EQ(dckpt_sys_close(fd), 0);
  plain_put(rel, text);
}

/* A file created through io/sys.h but written with other I/O (as HDF5 writes
 * the container's pack) is recorded whole at its first fsync: the replay
 * matches the disk, its data is unsynced until that fsync, and the commit
 * protocol around it leaves the target absent or whole, never part. */
static void test_unseen(void) {
  const char *text = "written by HDF5 through MPI-IO, which io/sys.h does not see";
  setup("unseen");
  dckpt_cfs *c = snapshot();
  start();
  unseen_put("tmp", text);
  int fd = open(at("tmp"), O_RDONLY | O_CLOEXEC);
  CHECK(fd >= 0);
  CHECK_EQ(dckpt_sys_fsync(fd), 0);
  close(fd);
  CHECK_EQ(dckpt_sys_rename(at("tmp"), at("target")), 0);
  sync_dir("");
  finish(c); /* without the record of the unseen write, the replay differs */
  size_t n = dckpt_cfs_n_records(c), w = SIZE_MAX;
  for (size_t i = 0; i < n; i++)
    if (dckpt_cfs_record_kind(c, i) == DCKPT_TR_WRITE) w = i;
  CHECK(w != SIZE_MAX && dckpt_cfs_record_kind(c, w + 1) == DCKPT_TR_FSYNC);
  seen tmp = {.rel = "tmp", .full_text = text};
  each_state(c, w + 1, classify, &tmp); /* after the write, before the fsync */
  CHECK_GT(tmp.full, 0);
  CHECK_GT(tmp.zeros + tmp.other + tmp.empty, 0);
  seen target = {.rel = "target", .full_text = text};
  for (size_t k = 0; k <= n; k++)
    if (dckpt_cfs_is_crash_point(c, k)) each_state(c, k, classify, &target);
  CHECK_EQ(target.empty + target.zeros + target.other, 0);
  CHECK_GT(target.absent, 0);
  seen last = {.rel = "target", .full_text = text};
  CHECK_EQ(each_state(c, n, classify, &last), 1);
  CHECK_EQ(last.full, 1);
  dckpt_cfs_free(c);
  teardown();
}

/* The same renamed without an fsync (durability none): recorded before the
 * rename, and then the target may hold anything the data model allows. */
static void test_unseen_rename(void) {
  const char *text = "written by HDF5, renamed without an fsync";
  setup("unseen_rename");
  dckpt_cfs *c = snapshot();
  start();
  unseen_put("tmp", text);
  CHECK_EQ(dckpt_sys_rename(at("tmp"), at("target")), 0);
  finish(c); /* without the record before the rename, the replay differs */
  size_t n = dckpt_cfs_n_records(c);
  CHECK_EQ(dckpt_cfs_record_kind(c, n - 2), DCKPT_TR_WRITE);
  CHECK_EQ(dckpt_cfs_record_kind(c, n - 1), DCKPT_TR_RENAME);
  seen target = {.rel = "target", .full_text = text};
  each_state(c, n, classify, &target);
  CHECK_GT(target.full, 0);
  CHECK_GT(target.absent, 0);
  CHECK_GT(target.zeros + target.other + target.empty, 0);
  dckpt_cfs_free(c);
  teardown();
}

int main(int argc, char **argv) {
  static const check_case cases[] = {{"record", test_record},
                                     {"outside", test_outside},
                                     {"unsynced_file", test_unsynced_file},
                                     {"atomic_replace", test_atomic_replace},
                                     {"unnamed", test_unnamed},
                                     {"names", test_names},
                                     {"fsync_file", test_fsync_file},
                                     {"torn", test_torn},
                                     {"kill", test_kill},
                                     {"syncfs", test_syncfs},
                                     {"unseen", test_unseen},
                                     {"unseen_rename", test_unseen_rename}};
  return check_main("test_crashfs", argc, argv, cases, sizeof cases / sizeof *cases);
}
