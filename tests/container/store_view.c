/* The store of dckpt.h over a container (dckpt_container_open_store) answers
 * every reading call as the store of the directory that was packed:
 *
 *   container_store_view DIR FILE.h5
 *
 * DIR is a run (tests/container/make_run.c) and FILE.h5 its pack. Compares
 * metadata, every pair's status and scan, every trial's newest and final
 * state, the results, the metrics, the run status and a clean verify; writing
 * calls are refused, and a file that is not a container fails the open with a
 * message naming it. Exit 0 when all hold. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dckpt_container.h"

static dckpt_store *open_dir(const char *dir) {
  dckpt_store_options o;
  dckpt_store_options_init(&o);
  o.flags = DCKPT_OPEN_READ;
  dckpt_store *s = NULL;
  int rc = dckpt_store_open(dir, &o, &s);
  if (rc != DCKPT_OK) CHECK_FAIL_("open %s: %s", dir, dckpt_store_errmsg(s));
  return s;
}

static dckpt_store *open_container(const char *file) {
  dckpt_store *s = NULL;
  int rc = dckpt_container_open_store(file, NULL, &s);
  if (rc != DCKPT_OK) CHECK_FAIL_("open_store %s: %s", file, dckpt_store_errmsg(s));
  return s;
}

static void same_record(const dckpt_record *a, const dckpt_record *b, const char *what) {
  if (!a || !b) {
    CHECK_FAIL_("%s: a record is missing (%p, %p)", what, (const void *)a,
                (const void *)b);
  }
  uint64_t da = 0, db = 0;
  CHECK_EQ(dckpt_record_digest(a, &da), DCKPT_OK);
  CHECK_EQ(dckpt_record_digest(b, &db), DCKPT_OK);
  if (da != db) CHECK_FAIL_("%s: the records differ", what);
  CHECK_STR_EQ(dckpt_record_header(a), dckpt_record_header(b));
  CHECK_STR_EQ(dckpt_record_identity(a), dckpt_record_identity(b));
}

static void same_trials(dckpt_store *d, dckpt_store *c, const dckpt_metadata *m) {
  size_t n = m->n_algorithms * (size_t)m->n_trials;
  dckpt_trial_status *sd = calloc(n + 1, sizeof *sd), *sc = calloc(n + 1, sizeof *sc);
  CHECK(sd && sc);
  CHECK_EQ(dckpt_store_scan(d, 0, sd, n, NULL, NULL), DCKPT_OK);
  CHECK_EQ(dckpt_store_scan(c, 0, sc, n, NULL, NULL), DCKPT_OK);
  int64_t complete = 0, started = 0;
  for (size_t i = 0; i < n; i++) {
    int64_t a = (int64_t)(i / (size_t)m->n_trials),
            t = (int64_t)(i % (size_t)m->n_trials);
    CHECK_EQ(sc[i].state, sd[i].state);
    CHECK_EQ(sc[i].last_iteration, sd[i].last_iteration);
    CHECK_EQ(sc[i].marker_status, DCKPT_OK);
    dckpt_trial_status one;
    CHECK_EQ(dckpt_store_trial_status(c, a, t, &one), DCKPT_OK);
    CHECK_EQ(one.state, sd[i].state);
    dckpt_record *rd = NULL, *rc = NULL;
    int64_t id = -2, ic = -2;
    CHECK_EQ(dckpt_store_load_latest(d, a, t, &rd, &id), DCKPT_OK);
    CHECK_EQ(dckpt_store_load_latest(c, a, t, &rc, &ic), DCKPT_OK);
    CHECK_EQ(ic, id);
    if (rd) same_record(rd, rc, "load_latest"), started++;
    CHECK(!rd == !rc);
    dckpt_record_free(rd);
    dckpt_record_free(rc);
    int fd = dckpt_store_load_final_state(d, a, t, &rd);
    int fc = dckpt_store_load_final_state(c, a, t, &rc);
    CHECK_EQ(fc, fd);
    if (fd == DCKPT_OK) same_record(rd, rc, "load_final_state"), complete++;
    if (fd == DCKPT_ENOTCOMPLETE) /* the message names the place in the container */
      CHECK(strstr(dckpt_store_errmsg(c), "complete.json") != NULL);
    dckpt_record_free(rd);
    dckpt_record_free(rc);
  }
  printf("%zu pairs: %lld started, %lld complete, the same from both\n", n,
         (long long)started, (long long)complete);
  CHECK_GT(complete, 0);
  free(sd);
  free(sc);
}

static void same_results(dckpt_store *d, dckpt_store *c) {
  dckpt_result *rd = NULL, *rc = NULL;
  CHECK_EQ(dckpt_store_load_results(d, &rd), DCKPT_OK);
  CHECK_EQ(dckpt_store_load_results(c, &rc), DCKPT_OK);
  CHECK_EQ(dckpt_result_n_algorithms(rc), dckpt_result_n_algorithms(rd));
  CHECK_EQ(dckpt_result_n_trials(rc), dckpt_result_n_trials(rd));
  for (size_t i = 0; i < dckpt_result_n_algorithms(rd); i++) {
    CHECK_STR_EQ(dckpt_result_algorithm_name(rc, i), dckpt_result_algorithm_name(rd, i));
    for (int64_t t = 0; t < dckpt_result_n_trials(rd); t++)
      same_record(dckpt_result_trial(rd, i, t), dckpt_result_trial(rc, i, t),
                  "load_results");
  }
  printf("results: %zu algorithm(s) complete, the same from both\n",
         dckpt_result_n_algorithms(rd));
  dckpt_result_free(rd);
  dckpt_result_free(rc);
}

static void same_root(dckpt_store *d, dckpt_store *c) {
  dckpt_record *rd = NULL, *rc = NULL;
  CHECK_EQ(dckpt_store_load_metrics(d, &rd), DCKPT_OK);
  CHECK_EQ(dckpt_store_load_metrics(c, &rc), DCKPT_OK);
  same_record(rd, rc, "load_metrics");
  dckpt_record_free(rd);
  dckpt_record_free(rc);
  CHECK_EQ(dckpt_store_load_problem(d, &rd), DCKPT_OK);
  CHECK_EQ(dckpt_store_load_problem(c, &rc), DCKPT_OK);
  same_record(rd, rc, "load_problem");
  dckpt_record_free(rd);
  dckpt_record_free(rc);
  bool computed = false, started = false, complete = true, empty = true;
  CHECK_EQ(dckpt_store_metrics_computed(c, &computed), DCKPT_OK);
  CHECK(computed);
  CHECK_EQ(dckpt_store_run_is_started(c, &started), DCKPT_OK);
  CHECK(started);
  CHECK_EQ(dckpt_store_run_is_complete(c, &complete), DCKPT_OK);
  CHECK(!complete);
  CHECK_EQ(dckpt_store_is_empty(c, &empty), DCKPT_OK);
  CHECK(!empty);
  char *td = NULL, *tc = NULL;
  size_t ld = 0, lc = 0;
  CHECK_EQ(dckpt_store_metadata_text(d, &td, &ld), DCKPT_OK);
  CHECK_EQ(dckpt_store_metadata_text(c, &tc, &lc), DCKPT_OK);
  CHECK(ld == lc && !memcmp(td, tc, ld));
  dckpt_free(td);
  dckpt_free(tc);
  dckpt_run_status *st = NULL, *sd = NULL; /* the same answer, failure or not */
  CHECK_EQ(dckpt_store_read_run_status(c, &st), dckpt_store_read_run_status(d, &sd));
  CHECK((st == NULL) == (sd == NULL));
  dckpt_free(st);
  dckpt_free(sd);
}

static void on_problem(void *ctx, const char *path, int status, const char *reason) {
  (void)ctx;
  fprintf(stderr, "verify: %s: %s: %s\n", path, dckpt_err_name(status), reason);
}

static void refusals(dckpt_store *c, const char *file) {
  dckpt_record *r = dckpt_record_create();
  CHECK_EQ(dckpt_store_save(c, 0, 0, 0, r), DCKPT_EACCES);
  CHECK(strstr(dckpt_store_errmsg(c), file) != NULL);
  CHECK_EQ(dckpt_store_mark_complete(c, 0, 0, 0, r), DCKPT_EACCES);
  CHECK_EQ(dckpt_store_clear(c), DCKPT_EACCES);
  dckpt_record_free(r);
  uint64_t bytes = 1;
  CHECK_EQ(dckpt_store_size(c, &bytes), DCKPT_EINVAL);
  CHECK(strstr(dckpt_store_errmsg(c), "not a directory") != NULL);
  char *path = NULL;
  CHECK_EQ(dckpt_store_backup(c, &path), DCKPT_EINVAL);
  CHECK_STR_EQ(dckpt_store_get_dir(c), file);
}

/* A writing open and a file that is not a container are refused, with the
 * cause, and nothing is created. */
static void bad_opens(const char *dir, const char *file) {
  dckpt_store_options o;
  dckpt_store_options_init(&o); /* DCKPT_OPEN_WRITE */
  dckpt_store *s = NULL;
  CHECK_EQ(dckpt_container_open_store(file, &o, &s), DCKPT_EINVAL);
  CHECK(strstr(dckpt_store_errmsg(s), "DCKPT_OPEN_READ") != NULL);
  dckpt_store_close(s);
  char meta[4096];
  snprintf(meta, sizeof meta, "%s/metadata.json", dir);
  int rc = dckpt_container_open_store(meta, NULL, &s);
  CHECK_NE(rc, DCKPT_OK);
  CHECK(strstr(dckpt_store_errmsg(s), "metadata.json") != NULL);
  printf("not a container: %s (%s)\n", dckpt_store_errmsg(s), dckpt_err_name(rc));
  dckpt_store_close(s);
  dckpt_store_source src;
  dckpt_store_source_init(&src); /* no functions */
  CHECK_EQ(dckpt_store_open_source("x", &src, NULL, &s), DCKPT_EINVAL);
  CHECK(strstr(dckpt_store_errmsg(s), "source.stat") != NULL);
  dckpt_store_close(s);
}

/* A NULL where a call needs a pointer is refused (DCKPT_EINVAL, the argument
 * named in the handle's message): each of these dereferenced it. */
static int on_entry(void *ctx, const dckpt_container_entry *e) {
  (void)ctx, (void)e;
  return DCKPT_OK;
}
static void null_arguments(const char *file) {
  dckpt_container *c = NULL;
  CHECK_EQ(dckpt_container_open(file, NULL), DCKPT_EINVAL);
  CHECK_EQ(dckpt_container_open_store(file, NULL, NULL), DCKPT_EINVAL);
  CHECK_EQ(dckpt_container_open(file, &c), DCKPT_OK);
  dckpt_record *r = NULL;
  char *data = NULL;
  size_t len = 0;
  CHECK_EQ(dckpt_container_list(c, "", NULL, NULL), DCKPT_EINVAL);
  CHECK(strstr(dckpt_container_errmsg(c), "list: argument 'fn' is NULL") != NULL);
  CHECK_EQ(dckpt_container_load_record(c, NULL, &r, NULL), DCKPT_EINVAL);
  CHECK(strstr(dckpt_container_errmsg(c), "argument 'path' is NULL") != NULL);
  CHECK_EQ(dckpt_container_load_record(c, "benchmark_problem.dckpt", NULL, NULL),
           DCKPT_EINVAL);
  CHECK(strstr(dckpt_container_errmsg(c), "argument 'out' is NULL") != NULL);
  CHECK_EQ(dckpt_container_read_file(c, NULL, &data, &len), DCKPT_EINVAL);
  CHECK_EQ(dckpt_container_read_file(c, "metadata.json", NULL, &len), DCKPT_EINVAL);
  CHECK(strstr(dckpt_container_errmsg(c), "read_file: argument 'data' is NULL") != NULL);
  CHECK_EQ(dckpt_container_read_file(c, "metadata.json", &data, NULL), DCKPT_EINVAL);
  CHECK_EQ(dckpt_container_list(NULL, "", on_entry, NULL), DCKPT_EINVAL);
  CHECK_EQ(dckpt_container_load_record(NULL, "x", &r, NULL), DCKPT_EINVAL);
  CHECK_EQ(dckpt_container_read_file(NULL, "x", &data, &len), DCKPT_EINVAL);
  CHECK_EQ(dckpt_container_verify(NULL, NULL, NULL, NULL), DCKPT_EINVAL);
  CHECK(strcmp(dckpt_container_path(NULL), "") == 0);
  CHECK_EQ(dckpt_container_list(c, "", on_entry, NULL), DCKPT_OK); /* still works */
  dckpt_container_close(c);
}

/* A handle's verify judges the file it opened, even once another file (or
 * none) has the name: its metadata.json was checked by opening the path
 * again, which found nothing here and reported the container's
 * metadata.json as damaged. */
static void verify_after_rename(const char *file) {
  dckpt_container *c = NULL;
  CHECK_EQ(dckpt_container_open(file, &c), DCKPT_OK);
  char moved[4200];
  snprintf(moved, sizeof moved, "%s.moved", file);
  CHECK_EQ(rename(file, moved), 0);
  size_t bad = 99;
  int rc = dckpt_container_verify(c, on_problem, NULL, &bad);
  CHECK_EQ(rename(moved, file), 0);
  CHECK_EQ(rc, DCKPT_OK);
  CHECK_EQ(bad, 0);
  dckpt_container_close(c);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: container_store_view DIR FILE.h5\n");
    return 2;
  }
  dckpt_store *d = open_dir(argv[1]), *c = open_container(argv[2]);
  dckpt_metadata *md = NULL, *mc = NULL;
  CHECK_EQ(dckpt_store_load_metadata(d, &md), DCKPT_OK);
  CHECK_EQ(dckpt_store_load_metadata(c, &mc), DCKPT_OK);
  CHECK_EQ(mc->n_algorithms, md->n_algorithms);
  CHECK_EQ(mc->n_trials, md->n_trials);
  same_trials(d, c, md);
  same_results(d, c);
  same_root(d, c);
  size_t bad = 99;
  CHECK_EQ(dckpt_store_verify(c, on_problem, NULL, &bad), DCKPT_OK);
  CHECK_EQ(bad, 0);
  refusals(c, argv[2]);
  bad_opens(argv[1], argv[2]);
  null_arguments(argv[2]);
  verify_after_rename(argv[2]);
  dckpt_metadata_free(md);
  dckpt_metadata_free(mc);
  dckpt_store_close(d);
  dckpt_store_close(c);
  printf("the store over %s reads as the store over %s\n", argv[2], argv[1]);
  return 0;
}
