/* What the unit tests of locks and leases (test_lock.c, test_lease.c) share:
 * a fresh scratch directory per case, small files written and read back, and
 * a logger that keeps the messages of the last calls. Header-only, included
 * by one test program each. */
#ifndef DCKPT_TESTS_LOCK_FIXTURE_H
#define DCKPT_TESTS_LOCK_FIXTURE_H

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "dckpt.h"
#include "io/fs.h"

/* The case's directory and this host's name. */
static char root[1024], host[256];

/* root = DCKPT_TEST_TMP/KIND-PID-TAG, empty; *leaf = root/LEAF. */
static inline void fx_fresh_root(const char *kind, const char *tag, char *leaf,
                                 size_t leaf_size, const char *leaf_name) {
  snprintf(root, sizeof root, "%s/%s-%ld-%s", DCKPT_TEST_TMP, kind, (long)getpid(), tag);
  dckpt_err e;
  CHECK_OK(dckpt_remove_tree(root, &e));
  CHECK_EQ(mkdir(root, 0755), 0);
  snprintf(leaf, leaf_size, "%s/%s", root, leaf_name);
  gethostname(host, sizeof host - 1);
}

static inline void put(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  fputs(text, f);
  CHECK_EQ(fclose(f), 0);
}

/* The file's text (to free), or NULL when it cannot be read. */
static inline char *get(const char *path) {
  char *data = NULL;
  size_t len = 0;
  dckpt_err e;
  return dckpt_read_file(path, 1 << 20, &data, &len, &e) == DCKPT_OK ? data : NULL;
}

/* Log messages of the last calls (cleared by the caller). */
static char logbuf[8192];
static inline void on_log(void *ctx, dckpt_log_level level, const char *msg) {
  (void)ctx;
  size_t n = strlen(logbuf);
  snprintf(logbuf + n, sizeof logbuf - n, "[%s] %s\n", dckpt_log_level_name(level), msg);
}
static const dckpt_logger logger = {on_log, NULL, DCKPT_LOG_DEBUG};

#endif
