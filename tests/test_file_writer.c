/* The public streaming writer (dckpt_file_writer_*): a file replaced as a
 * stream appears whole under its name at commit, or not at all; an abort, a
 * failed write and a killed writer leave the previous file untouched. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "dckpt.h"
#include "testutil.h"

static char dir[1024], target[1100];

static int count_temporaries(void) {
  DIR *d = opendir(dir);
  CHECK(d != NULL);
  int n = 0;
  struct dirent *de;
  while ((de = readdir(d)))
    n += strncmp(de->d_name, ".dckpt-tmp.", 11) == 0;
  closedir(d);
  return n;
}

static void expect_content(const char *want) {
  char *got = tu_read_text(target, NULL);
  CHECK_STR_EQ(got, want);
  free(got);
}

static void setup_again(void) {
  CHECK_EQ(mkdir(dir, 0755), 0);
  snprintf(target, sizeof target, "%s/table.txt", dir);
  tu_write_text(target, "old");
}

static void setup(const char *tag) {
  snprintf(dir, sizeof dir, "%s", tu_scratch(tag));
  setup_again();
}

/* Pieces written over several calls appear together, only at commit. */
static void test_stream(void) {
  setup("fw-stream");
  for (int durable = 0; durable < 2; durable++) {
    dckpt_file_writer *w = NULL;
    char err[512] = "";
    CHECK_OK(dckpt_file_writer_open(target, durable, &w, err, sizeof err));
    CHECK(w != NULL);
    CHECK_OK(dckpt_file_writer_write(w, "new ", 4));
    CHECK_OK(dckpt_file_writer_write(w, NULL, 0));
    CHECK_OK(dckpt_file_writer_write(w, "content", 7));
    expect_content("old"); /* not replaced before the commit */
    CHECK_EQ(count_temporaries(), 1);
    CHECK_OK(dckpt_file_writer_commit(w, err, sizeof err));
    expect_content("new content");
    CHECK_EQ(count_temporaries(), 0);
    tu_write_text(target, "old");
  }
  tu_rmrf(dir);
}

/* abort and refusals leave the previous file and no temporary. */
static void test_abort_and_refusals(void) {
  setup("fw-abort");
  dckpt_file_writer *w = NULL;
  char err[512] = "";
  CHECK_OK(dckpt_file_writer_open(target, true, &w, err, sizeof err));
  CHECK_OK(dckpt_file_writer_write(w, "half", 4));
  dckpt_file_writer_abort(w);
  dckpt_file_writer_abort(NULL);
  expect_content("old");
  CHECK_EQ(count_temporaries(), 0);

  CHECK_EQ(dckpt_file_writer_open(NULL, true, &w, err, sizeof err), DCKPT_EINVAL);
  CHECK(w == NULL);
  CHECK_EQ(dckpt_file_writer_open(target, true, NULL, err, sizeof err), DCKPT_EINVAL);
  CHECK_EQ(dckpt_file_writer_write(NULL, "x", 1), DCKPT_EINVAL);
  CHECK_EQ(dckpt_file_writer_commit(NULL, err, sizeof err), DCKPT_EINVAL);
  char missing[1200];
  snprintf(missing, sizeof missing, "%s/no/such/dir/x.txt", dir);
  CHECK_EQ(dckpt_file_writer_open(missing, true, &w, err, sizeof err), DCKPT_ENOENT);
  CHECK(w == NULL);
  CHECK_CONTAINS(err, missing);

  /* NULL data is refused, remembered, and reported by commit */
  CHECK_OK(dckpt_file_writer_open(target, false, &w, NULL, 0));
  CHECK_EQ(dckpt_file_writer_write(w, NULL, 3), DCKPT_EINVAL);
  CHECK_EQ(dckpt_file_writer_write(w, "ok", 2), DCKPT_EINVAL);
  CHECK_EQ(dckpt_file_writer_commit(w, err, sizeof err), DCKPT_EINVAL);
  CHECK_CONTAINS(err, "NULL data");
  expect_content("old");
  CHECK_EQ(count_temporaries(), 0);

  /* a directory squatting on the name: the rename fails and says so */
  char squat[1200];
  snprintf(squat, sizeof squat, "%s/squat", dir);
  CHECK_EQ(mkdir(squat, 0755), 0);
  CHECK_OK(dckpt_file_writer_open(squat, true, &w, NULL, 0));
  CHECK_OK(dckpt_file_writer_write(w, "x", 1));
  CHECK_NE(dckpt_file_writer_commit(w, err, sizeof err), DCKPT_OK);
  CHECK_CONTAINS(err, "rename");
  CHECK_CONTAINS(err, squat);
  CHECK_EQ(count_temporaries(), 0);
  tu_rmrf(dir);
}

/* A write that fails (the file size limit, as a full disk would) fails every
 * later call; commit reports it and leaves the previous file. */
static void test_failed_write(void) {
  setup("fw-efbig");
  pid_t pid = fork();
  if (pid == 0) {
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = {4096, 4096};
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0) _exit(10);
    dckpt_file_writer *w = NULL;
    char err[512] = "", block[3000];
    memset(block, 'x', sizeof block);
    if (dckpt_file_writer_open(target, true, &w, err, sizeof err) != DCKPT_OK) _exit(11);
    int first = DCKPT_OK;
    for (int i = 0; i < 3 && first == DCKPT_OK; i++)
      first = dckpt_file_writer_write(w, block, sizeof block);
    if (first == DCKPT_OK) _exit(12);
    if (dckpt_file_writer_write(w, "y", 1) != first) _exit(13);
    if (dckpt_file_writer_commit(w, err, sizeof err) != first) _exit(14);
    if (!strstr(err, target)) _exit(15);
    _exit(0);
  }
  int status = 0;
  CHECK_EQ(waitpid(pid, &status, 0), pid);
  CHECK(WIFEXITED(status));
  CHECK_EQ(WEXITSTATUS(status), 0);
  expect_content("old");
  CHECK_EQ(count_temporaries(), 0);
  tu_rmrf(dir);
}

/* A writer killed with SIGKILL in the middle of its stream leaves the
 * previous file (and a temporary, which the next writer of the directory
 * or a writing store open removes); killed after commit, the new one. */
static void test_killed(void) {
  setup("fw-kill");
  for (int after_commit = 0; after_commit < 2; after_commit++) {
    int ready[2];
    CHECK_EQ(pipe(ready), 0);
    pid_t pid = fork();
    if (pid == 0) {
      close(ready[0]);
      dckpt_file_writer *w = NULL;
      if (dckpt_file_writer_open(target, true, &w, NULL, 0) != DCKPT_OK) _exit(3);
      if (dckpt_file_writer_write(w, "new", 3) != DCKPT_OK) _exit(4);
      if (after_commit && dckpt_file_writer_commit(w, NULL, 0) != DCKPT_OK) _exit(5);
      if (write(ready[1], "x", 1) != 1) _exit(6);
      for (;;)
        pause();
    }
    close(ready[1]);
    char c;
    CHECK_EQ(read(ready[0], &c, 1), 1);
    close(ready[0]);
    kill(pid, SIGKILL);
    int status = 0;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFSIGNALED(status));
    expect_content(after_commit ? "new" : "old");
    CHECK_EQ(count_temporaries(), after_commit ? 0 : 1);
    if (!after_commit) { /* what a writing store open would do */
      tu_rmrf(dir);
      setup_again();
    }
  }
  tu_rmrf(dir);
}

int main(void) {
  test_stream();
  test_abort_and_refusals();
  test_failed_write();
  test_killed();
  printf("test_file_writer: all passed\n");
  return 0;
}
