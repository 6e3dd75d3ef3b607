/* Unit tests of src/io: paths, the directory walker, file-system helpers,
 * crash-safe replacement, JSON files and the reaper. `test_io CASE` runs one
 * case; each is its own CTest entry io.<case>. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "dckpt.h"
#include "io/atomic.h"
#include "io/fs.h"
#include "io/json_file.h"
#include "io/path.h"
#include "io/reaper.h"
#include "io/walk.h"

/* ---- helpers ---- */

static char root[1024];

static const char *at(const char *rel) {
  static char buf[8][1100];
  static int next;
  char *p = buf[next++ % 8];
  snprintf(p, sizeof buf[0], "%s/%s", root, rel);
  return p;
}

static void put(const char *rel, const char *text) {
  FILE *f = fopen(at(rel), "w");
  CHECK(f != NULL);
  fputs(text, f);
  CHECK_EQ(fclose(f), 0);
}

static char *get(const char *rel) {
  char *data = NULL;
  size_t len = 0;
  dckpt_err e;
  if (dckpt_read_file(at(rel), 1 << 20, &data, &len, &e) != DCKPT_OK) return NULL;
  return data;
}

static void fresh_root(const char *tag) {
  snprintf(root, sizeof root, "%s/io-%ld-%s", DCKPT_TEST_TMP, (long)getpid(), tag);
  dckpt_err e;
  CHECK_OK(dckpt_remove_tree(root, &e));
  CHECK_EQ(mkdir(root, 0755), 0);
}

static void drop_root(void) {
  dckpt_err e;
  CHECK_OK(dckpt_remove_tree(root, &e));
  CHECK(!dckpt_path_exists(root));
}

/* Names in `dir` starting with `prefix`. */
static int count_prefixed(const char *dir, const char *prefix) {
  dckpt_dirlist l;
  dckpt_err e;
  CHECK_OK(dckpt_list_dir(dir, &l, &e));
  int n = 0;
  for (size_t i = 0; i < l.count; i++)
    n += strncmp(l.names[i], prefix, strlen(prefix)) == 0;
  dckpt_dirlist_free(&l);
  return n;
}

/* ---- path ---- */

static void test_path(void) {
  char *p = dckpt_path_join("a", "b");
  CHECK_STR_EQ(p, "a/b");
  free(p);
  p = dckpt_path_join("a/", "b");
  CHECK_STR_EQ(p, "a/b");
  free(p);
  p = dckpt_path_join("", "b");
  CHECK_STR_EQ(p, "/b");
  free(p);
  static const char *const dirs[][2] = {
      {"a/b/c", "a/b"}, {"c", "."}, {"/c", "/"}, {"/a/c", "/a"}, {"a/", "a"}};
  for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
    p = dckpt_path_dirname(dirs[i][0]);
    CHECK_STR_EQ(p, dirs[i][1]);
    free(p);
  }
  CHECK_STR_EQ(dckpt_path_basename("a/b/c.json"), "c.json");
  CHECK_STR_EQ(dckpt_path_basename("c.json"), "c.json");
  CHECK_STR_EQ(dckpt_path_basename("a/"), "");
  p = dckpt_path_printf("%s_%03d", "x", 7);
  CHECK_STR_EQ(p, "x_007");
  free(p);
  fresh_root("path");
  put("file", "x");
  CHECK(dckpt_path_exists(at("file")) && !dckpt_path_is_dir(at("file")));
  CHECK(dckpt_path_exists(root) && dckpt_path_is_dir(root));
  CHECK(!dckpt_path_exists(at("none")) && !dckpt_path_is_dir(at("none")));
  CHECK_EQ(symlink("none", at("dangling")), 0);
  CHECK(dckpt_path_exists(at("dangling"))); /* the link itself exists */
  drop_root();
}

/* ---- walk ---- */

typedef struct visits {
  int n, stop_at, fail_at;
  char names[16][64];
} visits;

static int visit(void *ctx, const dckpt_walk_entry *e, dckpt_err *err) {
  visits *v = ctx;
  CHECK(strcmp(e->name, ".") && strcmp(e->name, ".."));
  CHECK_STR_EQ(e->dir, root);
  struct stat st;
  CHECK_EQ(fstatat(e->dirfd, e->name, &st, AT_SYMLINK_NOFOLLOW), 0); /* dirfd is usable */
  if (v->n < 16) snprintf(v->names[v->n], sizeof v->names[0], "%s", e->name);
  v->n++;
  if (v->n == v->stop_at) return DCKPT_WALK_STOP;
  if (v->n == v->fail_at) return dckpt_err_set(err, DCKPT_ECORRUPT, "visitor says no");
  return DCKPT_OK;
}

static void test_walk(void) {
  fresh_root("walk");
  put("a", "1");
  put("b", "2");
  CHECK_EQ(mkdir(at("sub"), 0755), 0);
  put("sub/inner", "3");
  dckpt_err e;
  visits v = {0};
  CHECK_OK(dckpt_walk(root, 0, visit, &v, &e));
  CHECK_EQ(v.n, 3); /* a, b, sub: not recursive by itself, no . or .. */
  v = (visits){.stop_at = 2};
  CHECK_OK(dckpt_walk(root, 0, visit, &v, &e));
  CHECK_EQ(v.n, 2);
  v = (visits){.fail_at = 1};
  CHECK_RC(dckpt_walk(root, 0, visit, &v, &e), DCKPT_ECORRUPT);
  CHECK_STR_EQ(e.msg, "visitor says no");
  CHECK_EQ(v.n, 1);
  /* a missing directory: an error naming it, unless asked to treat it as empty */
  v = (visits){0};
  CHECK_RC(dckpt_walk(at("none"), 0, visit, &v, &e), DCKPT_ENOENT);
  CHECK_CONTAINS(e.msg, "none");
  CHECK_OK(dckpt_walk(at("none"), DCKPT_WALK_MISSING_OK, visit, &v, &e));
  CHECK_EQ(v.n, 0);
  /* a file is not a directory */
  CHECK(dckpt_walk(at("a"), DCKPT_WALK_MISSING_OK, visit, &v, &e) != DCKPT_OK);
  CHECK_EQ(v.n, 0);
  /* walk_at does not follow a symlink */
  CHECK_EQ(symlink("sub", at("link")), 0);
  int fd = open(root, O_RDONLY | O_DIRECTORY);
  CHECK(fd >= 0);
  CHECK(dckpt_walk_at(fd, "link", "link", 0, visit, &v, &e) != DCKPT_OK);
  CHECK_OK(dckpt_walk_at(fd, "link", "link", DCKPT_WALK_UNREADABLE_OK, visit, &v, &e));
  CHECK_EQ(v.n, 0);
  close(fd);
  drop_root();
}

/* ---- fs ---- */

static void test_fs(void) {
  fresh_root("fs");
  dckpt_err e;
  char *data = NULL;
  size_t len = 0;
  put("f", "hello");
  CHECK_OK(dckpt_read_file(at("f"), 5, &data, &len, &e));
  CHECK_EQ(len, 5);
  CHECK_STR_EQ(data, "hello"); /* NUL-terminated */
  free(data);
  CHECK_RC(dckpt_read_file(at("f"), 4, &data, &len, &e), DCKPT_ETOOBIG);
  CHECK(data == NULL);
  CHECK_CONTAINS(e.msg, "more than the limit of 4");
  CHECK_RC(dckpt_read_file(at("none"), 4, &data, &len, &e), DCKPT_ENOENT);
  CHECK_RC(dckpt_read_file(root, 4, &data, &len, &e), DCKPT_EINVAL);
  CHECK_CONTAINS(e.msg, "is not a regular file");
  /* mkdirs: nested, idempotent, refuses a file in the way */
  for (int durable = 0; durable < 2; durable++) {
    CHECK_OK(dckpt_mkdirs(at("d/e/f/"), durable, &e));
    CHECK(dckpt_path_is_dir(at("d/e/f")));
    CHECK_OK(dckpt_mkdirs(at("d/e/f"), durable, &e));
    CHECK_RC(dckpt_mkdirs(at("f/g"), durable, &e), DCKPT_ENOTDIR);
    CHECK_CONTAINS(e.msg, "cannot create directory");
    CHECK_OK(dckpt_remove_tree(at("d"), &e));
  }
  CHECK_OK(dckpt_io_fsync_dir(root, &e));
  CHECK_RC(dckpt_io_fsync_dir(at("none"), &e), DCKPT_ENOENT);
  /* size and listing */
  CHECK_OK(dckpt_mkdirs(at("t/u"), false, &e));
  put("t/one", "12345");
  put("t/u/two", "123");
  CHECK_EQ(symlink("one", at("t/link")), 0);
  uint64_t bytes = 0;
  CHECK_OK(dckpt_tree_size(at("t"), &bytes, &e));
  CHECK_EQ(bytes, 8); /* regular files only */
  CHECK_OK(dckpt_tree_size(at("none"), &bytes, &e));
  CHECK_EQ(bytes, 0);
  dckpt_dirlist l;
  CHECK_OK(dckpt_list_dir(at("t"), &l, &e));
  CHECK_EQ(l.count, 3);
  CHECK_STR_EQ(l.names[0], "link"); /* sorted */
  CHECK_STR_EQ(l.names[1], "one");
  CHECK_STR_EQ(l.names[2], "u");
  dckpt_dirlist_free(&l);
  CHECK_EQ(l.count, 0);
  CHECK_OK(dckpt_list_dir(at("none"), &l, &e));
  CHECK_EQ(l.count, 0);
  /* remove_tree: a tree, a single file, a missing path; a symlink is removed,
   * not followed */
  CHECK_EQ(symlink(at("t/u"), at("dirlink")), 0);
  CHECK_OK(dckpt_remove_tree(at("dirlink"), &e));
  CHECK(dckpt_path_exists(at("t/u/two")));
  CHECK_OK(dckpt_remove_tree(at("t"), &e));
  CHECK(!dckpt_path_exists(at("t")));
  CHECK_OK(dckpt_remove_tree(at("f"), &e));
  CHECK(!dckpt_path_exists(at("f")));
  CHECK_OK(dckpt_remove_tree(at("none"), &e));
  drop_root();
}

/* ---- atomic ---- */

typedef struct steps {
  char text[1024];
} steps;

static void record_step(void *ctx, const char *step) {
  steps *s = ctx;
  size_t n = strlen(s->text);
  snprintf(s->text + n, sizeof s->text - n, "%s ", step);
}

static void test_atomic(void) {
  fresh_root("atomic");
  dckpt_err e;
  steps st = {{0}};
  dckpt_io_opts io = {
      .durable = true, .hook = record_step, .hook_ctx = &st, .label = "x"};
  CHECK_OK(dckpt_io_write_file(at("f"), "one", 3, &io, &e));
  CHECK_STR_EQ(st.text, "x.write x.fsync x.rename x.dirsync x.done ");
  char *t = get("f");
  CHECK_STR_EQ(t, "one");
  free(t);
  /* without durability: no sync steps; replacing an existing file (swap) */
  st.text[0] = '\0';
  io.durable = false;
  io.replaces = true;
  CHECK_OK(dckpt_io_write_file(at("f"), "two!", 4, &io, &e));
  CHECK_STR_EQ(st.text, "x.write x.rename x.done ");
  t = get("f");
  CHECK_STR_EQ(t, "two!");
  free(t);
  CHECK_EQ(count_prefixed(root, DCKPT_TMP_PREFIX), 0);
  /* streaming with a patched header; abort leaves nothing behind */
  dckpt_atomic_file f;
  io.hook = NULL;
  CHECK_OK(dckpt_atomic_begin(&f, at("g"), &io, &e));
  CHECK_EQ(count_prefixed(root, DCKPT_TMP_PREFIX), 1);
  CHECK_OK(dckpt_atomic_write(&f, "....body", 8, &e));
  CHECK_OK(dckpt_atomic_pwrite(&f, "head", 4, 0, &e));
  CHECK_EQ(f.written, 8);
  dckpt_atomic_start_writeback(&f);
  CHECK_OK(dckpt_atomic_commit(&f, &e));
  t = get("g");
  CHECK_STR_EQ(t, "headbody");
  free(t);
  CHECK_OK(dckpt_atomic_begin(&f, at("g"), &io, &e));
  CHECK_OK(dckpt_atomic_write(&f, "lost", 4, &e));
  dckpt_atomic_abort(&f);
  t = get("g");
  CHECK_STR_EQ(t, "headbody");
  free(t);
  CHECK_EQ(count_prefixed(root, DCKPT_TMP_PREFIX), 0);
  /* a target that cannot be replaced: the error names it, the temporary goes */
  CHECK_EQ(mkdir(at("dir"), 0755), 0);
  put("dir/keep", "x");
  io.durable = true;
  CHECK(dckpt_io_write_file(at("dir"), "x", 1, &io, &e) != DCKPT_OK);
  CHECK_CONTAINS(e.msg, "cannot rename");
  CHECK_EQ(count_prefixed(root, DCKPT_TMP_PREFIX), 0);
  CHECK_RC(dckpt_io_write_file(at("none/x"), "x", 1, &io, &e), DCKPT_ENOENT);
  CHECK_CONTAINS(e.msg, "cannot create a temporary file for");
  /* rename, and leftovers of a killed writer are cleaned */
  CHECK_OK(dckpt_io_rename(at("g"), at("h"), true, &e));
  CHECK(!dckpt_path_exists(at("g")) && dckpt_path_exists(at("h")));
  put(DCKPT_TMP_PREFIX "a.1", "x");
  put(DCKPT_TMP_PREFIX "b.gone", "x");
  size_t removed = 0;
  CHECK_OK(dckpt_clean_temporaries(root, &removed, &e));
  CHECK_EQ(removed, 2);
  CHECK(dckpt_path_exists(at("h")) && dckpt_path_exists(at("f")));
  CHECK_OK(dckpt_clean_temporaries(at("none"), &removed, &e));
  CHECK_EQ(removed, 0);
  /* the public streaming writer over it */
  dckpt_file_writer *w = NULL;
  CHECK_OK(dckpt_file_writer_open(at("pub"), DCKPT_DURABILITY_FULL, &w));
  CHECK_OK(dckpt_file_writer_write(w, "p", 1));
  CHECK_OK(dckpt_file_writer_commit(w));
  dckpt_file_writer_free(w);
  CHECK(dckpt_path_exists(at("pub")));
  CHECK_RC(dckpt_file_writer_open(NULL, DCKPT_DURABILITY_FULL, &w), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_file_writer_errmsg(w), "path is NULL");
  dckpt_file_writer_free(w);
  drop_root();
}

/* ---- json_file ---- */

static void test_json_file(void) {
  fresh_root("json");
  dckpt_err e;
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "n", 3);
  dckpt_io_opts io = {.durable = true, .label = "j"};
  CHECK_OK(dckpt_json_save(at("a.json"), o, &io, &e));
  cJSON_Delete(o);
  char *t = get("a.json");
  CHECK_STR_EQ(t, "{\"n\":3}\n"); /* compact, newline at the end */
  free(t);
  CHECK_OK(dckpt_json_load(at("a.json"), &o, &e));
  CHECK_EQ(cJSON_GetObjectItem(o, "n")->valueint, 3);
  cJSON_Delete(o);
  CHECK_RC(dckpt_json_load(at("none.json"), &o, &e), DCKPT_ENOENT);
  CHECK(o == NULL);
  put("bad.json", "{\"n\": ");
  CHECK_RC(dckpt_json_load(at("bad.json"), &o, &e), DCKPT_ECORRUPT);
  CHECK_CONTAINS(e.msg, "bad.json': malformed JSON at byte");
  int fd = open(at("nul.json"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  CHECK(fd >= 0);
  CHECK_EQ(write(fd, "{}\0{}", 5), 5);
  close(fd);
  CHECK_RC(dckpt_json_load(at("nul.json"), &o, &e), DCKPT_ECORRUPT);
  CHECK_CONTAINS(e.msg, "NUL byte inside");
  drop_root();
}

/* ---- reaper ---- */

/* Removals in order, a new file under a removed name never touched, and
 * destroy waiting for what is queued. */
static void test_reaper(void) {
  fresh_root("reaper");
  dckpt_reaper *r = dckpt_reaper_create();
  CHECK(r != NULL);
  put("old", "o");
  dckpt_reaper_remove(r, at("old"));
  /* gone under its name at once; a new file of that name is never touched */
  CHECK(!dckpt_path_exists(at("old")));
  put("old", "new");
  for (int i = 0; i < 50; i++) {
    char name[32];
    snprintf(name, sizeof name, "f%d", i);
    put(name, "x");
    dckpt_reaper_remove(r, at(name));
  }
  dckpt_reaper_destroy(r); /* waits for pending unlinks */
  CHECK_EQ(count_prefixed(root, DCKPT_TMP_PREFIX), 0);
  CHECK_EQ(count_prefixed(root, "f"), 0);
  char *t = get("old");
  CHECK_STR_EQ(t, "new");
  free(t);
  /* without a reaper the file is unlinked at once */
  dckpt_reaper_remove(NULL, at("old"));
  CHECK(!dckpt_path_exists(at("old")));
  dckpt_reaper_remove(NULL, at("none")); /* missing: no harm */
  dckpt_reaper_destroy(NULL);
  drop_root();
}

/* The process's reaper (records' replaced files): one for every caller,
 * the same thread for good; a ticket's wait returns once that close is done,
 * which the descriptor shows (closed: fcntl fails with EBADF). */
static void test_reaper_process(void) {
  fresh_root("reaper_process");
  dckpt_reaper *r = dckpt_reaper_process();
  CHECK(r != NULL);
  CHECK(dckpt_reaper_process() == r);
  int base = check_threads_now();
  int fds[20];
  uint64_t last = 0;
  for (int i = 0; i < 20; i++) {
    put("held", "x");
    fds[i] = open(at("held"), O_RDONLY | O_CLOEXEC);
    CHECK(fds[i] >= 0);
    CHECK_EQ(unlink(at("held")), 0);
    uint64_t ticket = dckpt_reaper_close(r, fds[i]);
    CHECK(ticket > last); /* queued, in order */
    last = ticket;
  }
  dckpt_reaper_wait(r, last);
  /* every descriptor is closed: none was reused since (nothing else opens) */
  for (int i = 0; i < 20; i++)
    CHECK(fcntl(fds[i], F_GETFD) == -1 && errno == EBADF);
  dckpt_reaper_wait(r, 0);    /* nothing to wait for */
  dckpt_reaper_wait(NULL, 5); /* no reaper: nothing queued */
  CHECK_EQ(dckpt_reaper_close(r, -1), 0);
  /* one thread, started by the first job (if no earlier test did) and kept */
  CHECK_LE(check_threads_now(), base + 1);
  int kept = check_threads_now();
  put("again", "x");
  int fd = open(at("again"), O_RDONLY | O_CLOEXEC);
  CHECK(fd >= 0);
  dckpt_reaper_wait(r, dckpt_reaper_close(r, fd));
  CHECK_EQ(check_threads_now(), kept);
  drop_root();
}

/* A forked child that uses its parent's reaper (a store handle kept across
 * fork, or the process's) does each job at once and its destroy returns: it
 * waited for the parent's thread, which is not in the child, for good. The
 * parent's reaper goes on. */
static void test_reaper_fork(void) {
  fresh_root("reaper_fork");
  dckpt_reaper *r = dckpt_reaper_create();
  CHECK(r != NULL);
  put("p", "p"); /* the process's reaper runs too */
  int pfd = open(at("p"), O_RDONLY | O_CLOEXEC);
  CHECK(pfd >= 0);
  CHECK(dckpt_reaper_close(dckpt_reaper_process(), pfd) > 0);
  put("a", "a");
  dckpt_reaper_remove(r, at("a")); /* the thread runs */
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    put("b", "b");
    dckpt_reaper_remove(r, at("b"));
    bool gone = !dckpt_path_exists(at("b")) && count_prefixed(root, "b") == 0 &&
                count_prefixed(root, DCKPT_TMP_PREFIX "b") == 0;
    dckpt_reaper_destroy(r);
    /* the process's reaper, made in the parent: at once here as well */
    put("d", "d");
    int fd = open(at("d"), O_RDONLY | O_CLOEXEC);
    bool closed = fd >= 0 && dckpt_reaper_close(dckpt_reaper_process(), fd) == 0 &&
                  fcntl(fd, F_GETFD) == -1;
    dckpt_reaper_wait(dckpt_reaper_process(), 1); /* a ticket of the parent's */
    _exit(gone && closed ? 0 : 3);
  }
  int status = -1;
  pid_t got = 0;
  for (int i = 0; i < 6000 && (got = waitpid(pid, &status, WNOHANG)) == 0; i++)
    usleep(10000); /* a hung child is killed below, not waited for */
  if (got == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  CHECK_EQ(got, pid);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  put("c", "c");
  dckpt_reaper_remove(r, at("c"));
  dckpt_reaper_destroy(r);
  CHECK_EQ(count_prefixed(root, DCKPT_TMP_PREFIX), 0);
  CHECK(!dckpt_path_exists(at("c")));
  drop_root();
}

int main(int argc, char **argv) {
  static const check_case cases[] = {{"path", test_path},
                                     {"walk", test_walk},
                                     {"fs", test_fs},
                                     {"atomic", test_atomic},
                                     {"json_file", test_json_file},
                                     {"reaper", test_reaper},
                                     {"reaper_process", test_reaper_process},
                                     {"reaper_fork", test_reaper_fork}};
  return check_main("test_io", argc, argv, cases, sizeof cases / sizeof *cases);
}
