/* The public streaming writer (dckpt_file_writer_*): a file replaced as a
 * stream appears whole under its name at commit, or not at all; a writer
 * freed without commit, a failed write and a killed writer leave the
 * previous file untouched; the writer keeps the message of its failures. */
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
  const dckpt_durability modes[] = {DCKPT_DURABILITY_NONE, DCKPT_DURABILITY_FULL};
  for (int m = 0; m < 2; m++) {
    dckpt_file_writer *w = NULL;
    CHECK_OK(dckpt_file_writer_open(target, modes[m], &w));
    CHECK(w != NULL);
    CHECK_OK(dckpt_file_writer_write(w, "new ", 4));
    CHECK_OK(dckpt_file_writer_write(w, NULL, 0));
    CHECK_OK(dckpt_file_writer_write(w, "content", 7));
    expect_content("old"); /* not replaced before the commit */
    CHECK_EQ(count_temporaries(), 1);
    CHECK_OK(dckpt_file_writer_commit(w));
    CHECK_STR_EQ(dckpt_file_writer_errmsg(w), "");
    expect_content("new content");
    CHECK_EQ(count_temporaries(), 0);
    /* committed: the writer takes no more, and says so */
    CHECK_EQ(dckpt_file_writer_write(w, "x", 1), DCKPT_EINVAL);
    CHECK_EQ(dckpt_file_writer_commit(w), DCKPT_EINVAL);
    CHECK_CONTAINS(dckpt_file_writer_errmsg(w), "already committed");
    dckpt_file_writer_free(w);
    expect_content("new content");
    tu_write_text(target, "old");
  }
  tu_rmrf(dir);
}

/* A writer freed without a commit, and refusals, leave the previous file and
 * no temporary; a failed open still returns a writer that says why. */
static void test_abandon_and_refusals(void) {
  setup("fw-abort");
  dckpt_file_writer *w = NULL;
  CHECK_OK(dckpt_file_writer_open(target, DCKPT_DURABILITY_FULL, &w));
  CHECK_OK(dckpt_file_writer_write(w, "half", 4));
  dckpt_file_writer_free(w);
  dckpt_file_writer_free(NULL);
  expect_content("old");
  CHECK_EQ(count_temporaries(), 0);

  CHECK_EQ(dckpt_file_writer_open(NULL, DCKPT_DURABILITY_FULL, &w), DCKPT_EINVAL);
  CHECK(w != NULL);
  CHECK_CONTAINS(dckpt_file_writer_errmsg(w), "path is NULL");
  CHECK_EQ(dckpt_file_writer_write(w, "x", 1), DCKPT_EINVAL);
  CHECK_EQ(dckpt_file_writer_commit(w), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_file_writer_errmsg(w), "path is NULL"); /* the first failure */
  dckpt_file_writer_free(w);
  /* true is not a durability: DCKPT_DURABILITY_FULL is 0 */
  CHECK_EQ(dckpt_file_writer_open(target, (dckpt_durability)7, &w), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_file_writer_errmsg(w), "durability 7");
  dckpt_file_writer_free(w);
  CHECK_EQ(dckpt_file_writer_open(target, DCKPT_DURABILITY_FULL, NULL), DCKPT_EINVAL);
  CHECK_EQ(dckpt_file_writer_write(NULL, "x", 1), DCKPT_EINVAL);
  CHECK_EQ(dckpt_file_writer_commit(NULL), DCKPT_EINVAL);
  CHECK_STR_EQ(dckpt_file_writer_errmsg(NULL), "");
  char missing[1200];
  snprintf(missing, sizeof missing, "%s/no/such/dir/x.txt", dir);
  CHECK_EQ(dckpt_file_writer_open(missing, DCKPT_DURABILITY_FULL, &w), DCKPT_ENOENT);
  CHECK_CONTAINS(dckpt_file_writer_errmsg(w), missing);
  dckpt_file_writer_free(w);
  /* a name that can never be a file is refused at the open, not at the
   * commit after every write (the rename failed there) */
  char no_name[1200];
  const char *suffix[] = {"/", "/.", "/.."};
  for (int i = 0; i < 3; i++) {
    snprintf(no_name, sizeof no_name, "%s%s", dir, suffix[i]);
    CHECK_EQ(dckpt_file_writer_open(no_name, DCKPT_DURABILITY_FULL, &w), DCKPT_EINVAL);
    CHECK_CONTAINS(dckpt_file_writer_errmsg(w), "is not a file name");
    CHECK_CONTAINS(dckpt_file_writer_errmsg(w), no_name);
    dckpt_file_writer_free(w);
  }
  CHECK_EQ(dckpt_file_writer_open("", DCKPT_DURABILITY_NONE, &w), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_file_writer_errmsg(w), "cannot write '': an empty name");
  dckpt_file_writer_free(w);
  CHECK_EQ(count_temporaries(), 0);

  /* NULL data is refused, remembered, and reported by commit */
  CHECK_OK(dckpt_file_writer_open(target, DCKPT_DURABILITY_NONE, &w));
  CHECK_EQ(dckpt_file_writer_write(w, NULL, 3), DCKPT_EINVAL);
  CHECK_EQ(dckpt_file_writer_write(w, "ok", 2), DCKPT_EINVAL);
  CHECK_EQ(dckpt_file_writer_commit(w), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_file_writer_errmsg(w), "NULL data");
  dckpt_file_writer_free(w);
  expect_content("old");
  CHECK_EQ(count_temporaries(), 0);

  /* a directory squatting on the name: the rename fails and says so */
  char squat[1200];
  snprintf(squat, sizeof squat, "%s/squat", dir);
  CHECK_EQ(mkdir(squat, 0755), 0);
  CHECK_OK(dckpt_file_writer_open(squat, DCKPT_DURABILITY_FULL, &w));
  CHECK_OK(dckpt_file_writer_write(w, "x", 1));
  CHECK_NE(dckpt_file_writer_commit(w), DCKPT_OK);
  CHECK_CONTAINS(dckpt_file_writer_errmsg(w), "rename");
  CHECK_CONTAINS(dckpt_file_writer_errmsg(w), squat);
  dckpt_file_writer_free(w);
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
    char block[3000];
    memset(block, 'x', sizeof block);
    if (dckpt_file_writer_open(target, DCKPT_DURABILITY_FULL, &w) != DCKPT_OK) _exit(11);
    int first = DCKPT_OK;
    for (int i = 0; i < 3 && first == DCKPT_OK; i++)
      first = dckpt_file_writer_write(w, block, sizeof block);
    if (first == DCKPT_OK) _exit(12);
    if (dckpt_file_writer_write(w, "y", 1) != first) _exit(13);
    if (dckpt_file_writer_commit(w) != first) _exit(14);
    if (!strstr(dckpt_file_writer_errmsg(w), target)) _exit(15);
    dckpt_file_writer_free(w);
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
      if (dckpt_file_writer_open(target, DCKPT_DURABILITY_FULL, &w) != DCKPT_OK) _exit(3);
      if (dckpt_file_writer_write(w, "new", 3) != DCKPT_OK) _exit(4);
      if (after_commit && dckpt_file_writer_commit(w) != DCKPT_OK) _exit(5);
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
  test_abandon_and_refusals();
  test_failed_write();
  test_killed();
  printf("test_file_writer: all passed\n");
  return 0;
}
