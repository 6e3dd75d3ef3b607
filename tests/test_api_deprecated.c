/* Every function deprecated in 0.2 (dckpt.h, "Deprecated in 0.2, removed in
 * 0.3") still works as it did, on top of its replacement. Built with
 * -Wno-deprecated-declarations: any other caller gets the warning. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "dckpt.h"
#include "testutil.h"

static char dir[1024];

static const char *in(const char *name) {
  static char p[2048];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  return p;
}

static void test_record_files(void) {
  dckpt_record *rec = tu_state(3, 1, 100), *back = (dckpt_record *)1;
  char err[1024] = "x", path[2048];
  snprintf(path, sizeof path, "%s", in("r.dckpt"));
  for (int durable = 0; durable < 2; durable++) {
    CHECK_OK(dckpt_record_save_file(rec, path, 1, durable, err, sizeof err));
    CHECK_STR_EQ(err, "");
    CHECK_OK(dckpt_record_load_file(path, &back, err, sizeof err));
    CHECK(tu_state_equal(back, 3, 1, 100));
    dckpt_record_free(back);
  }
  dckpt_file_info fi;
  CHECK_OK(dckpt_record_stat_file(path, &fi, err, sizeof err));
  CHECK_EQ(fi.level, 1);
  CHECK_OK(dckpt_record_stat_file(path, NULL, NULL, 0));
  /* failures: NULL out-records, the reason in the caller's buffer */
  CHECK_EQ(dckpt_record_load_file(in("none.dckpt"), &back, err, sizeof err),
           DCKPT_ENOENT);
  CHECK(back == NULL);
  CHECK_CONTAINS(err, "none.dckpt");
  CHECK_EQ(dckpt_record_load_file(in("none.dckpt"), &back, NULL, 0), DCKPT_ENOENT);
  CHECK_EQ(dckpt_record_stat_file(in("none.dckpt"), &fi, err, sizeof err), DCKPT_ENOENT);
  CHECK_CONTAINS(err, "none.dckpt");
  CHECK_NE(dckpt_record_save_file(rec, in("no/dir/r.dckpt"), 1, true, err, sizeof err),
           DCKPT_OK);
  CHECK_CONTAINS(err, "no/dir");
  CHECK_STR_EQ(dckpt_record_errmsg(rec), ""); /* a const record: left alone */
  char small[8];
  CHECK_EQ(dckpt_record_save_file(rec, path, 40, true, small, sizeof small),
           DCKPT_EINVAL);
  CHECK_EQ(strlen(small), sizeof small - 1); /* cut, NUL-terminated */

  void *bytes = NULL;
  size_t len = 0;
  CHECK_OK(dckpt_record_encode(rec, 0, &bytes, &len));
  CHECK_OK(dckpt_record_decode(bytes, len, &back, err, sizeof err));
  CHECK(tu_state_equal(back, 3, 1, 100));
  dckpt_record_free(back);
  CHECK_EQ(dckpt_record_decode(bytes, len / 2, &back, err, sizeof err), DCKPT_ECORRUPT);
  CHECK(back == NULL);
  CHECK_CONTAINS(err, "buffer");
  dckpt_free(bytes);
  dckpt_record_free(rec);
}

static void test_write_atomic(void) {
  char err[512];
  char path[2048];
  snprintf(path, sizeof path, "%s", in("t.txt"));
  CHECK_OK(dckpt_file_write_atomic(path, "abc", 3, true, err, sizeof err));
  CHECK_OK(dckpt_file_write_atomic(path, "abcd", 4, false, NULL, 0));
  char *got = tu_read_text(path, NULL);
  CHECK_STR_EQ(got, "abcd");
  free(got);
  CHECK_NE(dckpt_file_write_atomic(in("no/dir/t.txt"), "x", 1, true, err, sizeof err),
           DCKPT_OK);
  CHECK_CONTAINS(err, "no/dir");
  CHECK_EQ(dckpt_file_write_atomic(path, NULL, 3, true, err, sizeof err), DCKPT_EINVAL);
  got = tu_read_text(path, NULL);
  CHECK_STR_EQ(got, "abcd");
  free(got);
}

static void test_run_status(void) {
  dckpt_run_status st;
  dckpt_run_status_init(&st);
  st.status = DCKPT_ECALLBACK;
  st.exit_code = 1;
  char err[512];
  CHECK_OK(dckpt_run_status_write(dir, &st, false, err, sizeof err));
  dckpt_run_status *back = NULL;
  CHECK_OK(dckpt_run_status_read(dir, &back, err, sizeof err));
  CHECK_EQ(back->status, DCKPT_ECALLBACK);
  dckpt_free(back);
  CHECK_EQ(dckpt_run_status_read(in("none"), &back, err, sizeof err), DCKPT_ENOENT);
  CHECK(back == NULL);
  CHECK_EQ(dckpt_run_status_read(NULL, &back, err, sizeof err), DCKPT_EINVAL);
  CHECK_EQ(dckpt_run_status_write(NULL, &st, true, err, sizeof err), DCKPT_EINVAL);
  st.struct_size = 0;
  CHECK_EQ(dckpt_run_status_write(dir, &st, true, err, sizeof err), DCKPT_EINVAL);
  CHECK_CONTAINS(err, "struct_size");
}

static void test_store_names(void) {
  char run[2048];
  snprintf(run, sizeof run, "%s", in("run"));
  dckpt_store *s = tu_open(run, NULL);
  CHECK_STR_EQ(dckpt_store_dir(s), run);
  CHECK_STR_EQ(dckpt_store_results_path(s), dckpt_store_get_results_path(s));
  dckpt_metadata plan = tu_plan(1);
  CHECK_OK(dckpt_store_initialize(s, &plan, NULL, NULL));
  bool yes = true;
  CHECK_OK(dckpt_store_is_started(s, &yes));
  CHECK(!yes);
  dckpt_record *st = tu_state(9, 4, 6);
  CHECK_OK(dckpt_store_mark_complete(s, 0, 0, 4, st));
  CHECK_OK(dckpt_store_is_started(s, &yes));
  CHECK(yes);
  CHECK_OK(dckpt_store_is_complete(s, 0, 0, &yes));
  CHECK(yes);
  CHECK_OK(dckpt_store_is_completed(s, &yes));
  CHECK(!yes);
  CHECK_OK(dckpt_store_mark_complete(s, 1, 0, 4, st));
  CHECK_OK(dckpt_store_is_completed(s, &yes));
  CHECK(yes);
  dckpt_record *fin = NULL;
  CHECK_OK(dckpt_store_load_trial_result(s, 1, 0, &fin));
  CHECK(tu_state_equal(fin, 9, 4, 6));
  dckpt_record_free(fin);
  dckpt_result *res = NULL;
  CHECK_OK(dckpt_store_load_result(s, &res));
  CHECK_EQ(dckpt_result_n_algorithms(res), 2);
  dckpt_result_free(res);
  dckpt_record_free(st);
  dckpt_store_close(s);
}

int main(void) {
  snprintf(dir, sizeof dir, "%s", tu_scratch("api-deprecated"));
  CHECK_EQ(mkdir(dir, 0755), 0);
  test_record_files();
  test_write_atomic();
  test_run_status();
  test_store_names();
  tu_rmrf(dir);
  printf("test_api_deprecated: all passed\n");
  return 0;
}
