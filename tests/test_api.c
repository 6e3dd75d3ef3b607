/* The conventions of the public API (dckpt.h, "Conventions"), black-box:
 * the object you called keeps the error detail; option structs are read as
 * far as their struct_size goes; the experimental hooks are reached through
 * dckpt_experimental.h; the consistent names work.
 * Usage: test_api GROUP (error_detail, options, names, run_status, named_runs,
 * halt_path). */
#define _DEFAULT_SOURCE /* gmtime_r */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "dckpt.h"
#include "dckpt_experimental.h"
#include "testutil.h"
#include "util/struct_size.h"

static char path_buf[2048];

static const char *in(const char *dir, const char *name) {
  snprintf(path_buf, sizeof path_buf, "%s/%s", dir, name);
  return path_buf;
}

/* ---- group error_detail ---- */

/* Calls that create a record return it even when they fail, holding why. */
static void test_record_created_on_failure(const char *dir) {
  dckpt_record *r = NULL;
  const char *missing = in(dir, "missing.dckpt");
  CHECK_EQ(dckpt_record_read(missing, &r), DCKPT_ENOENT);
  CHECK(r != NULL);
  CHECK_CONTAINS(dckpt_record_errmsg(r), missing);
  CHECK_EQ(dckpt_record_count(r), 0);
  dckpt_record_free(r);
  CHECK_EQ(dckpt_record_read(dir, &r), DCKPT_EINVAL); /* a directory */
  CHECK_CONTAINS(dckpt_record_errmsg(r), "not a regular file");
  dckpt_record_free(r);
  CHECK_EQ(dckpt_record_read(NULL, &r), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_record_errmsg(r), "path is NULL");
  dckpt_record_free(r);
  CHECK_EQ(dckpt_record_read(missing, NULL), DCKPT_EINVAL);

  CHECK_EQ(dckpt_record_parse("not a record at all", 19, &r), DCKPT_ECORRUPT);
  CHECK_CONTAINS(dckpt_record_errmsg(r), "buffer");
  dckpt_record_free(r);
  CHECK_EQ(dckpt_record_parse(NULL, 5, &r), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_record_errmsg(r), "NULL buffer");
  dckpt_record_free(r);
  CHECK_EQ(dckpt_record_parse("x", 1, NULL), DCKPT_EINVAL);
}

/* A write keeps its message in the (non-const) record; read and parse give
 * back what was written. */
static void test_record_write_read(const char *dir) {
  dckpt_record *rec = tu_state(7, 3, 1000);
  char bad[1200];
  snprintf(bad, sizeof bad, "%s/no/such/dir/x.dckpt", dir);
  CHECK_NE(dckpt_record_write(rec, bad, 1, DCKPT_DURABILITY_NONE), DCKPT_OK);
  CHECK_CONTAINS(dckpt_record_errmsg(rec), "no/such/dir");
  CHECK_EQ(dckpt_record_write(rec, in(dir, "lvl.dckpt"), 99, DCKPT_DURABILITY_FULL),
           DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_record_errmsg(rec), "level 99");
  CHECK(!tu_exists(in(dir, "lvl.dckpt")));
  /* true is not a durability (DCKPT_DURABILITY_FULL is 0) */
  CHECK_EQ(dckpt_record_write(rec, in(dir, "d.dckpt"), 1, (dckpt_durability)2),
           DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_record_errmsg(rec), "durability 2");
  CHECK_EQ(dckpt_record_write(NULL, in(dir, "d.dckpt"), 1, DCKPT_DURABILITY_FULL),
           DCKPT_EINVAL);

  const char *good = in(dir, "good.dckpt");
  CHECK_OK(dckpt_record_write(rec, good, 3, DCKPT_DURABILITY_FULL));
  dckpt_record *back = NULL;
  CHECK_OK(dckpt_record_read(good, &back));
  CHECK(tu_state_equal(back, 7, 3, 1000));
  CHECK_STR_EQ(dckpt_record_errmsg(back), "");
  dckpt_record_free(back);

  void *bytes = NULL;
  size_t len = 0;
  CHECK_OK(dckpt_record_encode(rec, 0, &bytes, &len));
  CHECK_OK(dckpt_record_parse(bytes, len, &back));
  CHECK(tu_state_equal(back, 7, 3, 1000));
  dckpt_record_free(back);
  dckpt_free(bytes);
  dckpt_record_free(rec);
}

/* stat answers in its struct: the facts, or the reason in info.error. */
static void test_record_stat(const char *dir) {
  dckpt_file_info info;
  memset(&info, 0x5a, sizeof info);
  const char *good = in(dir, "good.dckpt");
  CHECK_OK(dckpt_record_stat(good, &info));
  CHECK_STR_EQ(info.error, "");
  CHECK_EQ(info.level, 3);
  CHECK_EQ(info.compressed, 1);
  CHECK_GT(info.file_bytes, 0);
  char torn[2048];
  snprintf(torn, sizeof torn, "%s", in(dir, "torn.dckpt"));
  tu_write_text(torn, "DCK"); /* shorter than any record */
  CHECK_EQ(dckpt_record_stat(torn, &info), DCKPT_ECORRUPT);
  CHECK_CONTAINS(info.error, torn);
  CHECK_EQ(info.file_bytes, 0);
  CHECK_EQ(dckpt_record_stat(in(dir, "nothing"), &info), DCKPT_ENOENT);
  CHECK_CONTAINS(info.error, "nothing");
  CHECK_EQ(dckpt_record_stat(NULL, &info), DCKPT_EINVAL);
  CHECK_CONTAINS(info.error, "NULL");
  CHECK_EQ(dckpt_record_stat(good, NULL), DCKPT_EINVAL);
}

/* ---- dckpt_record_read_into: arrays decoded where the caller says ---- */

typedef struct arena_place {
  unsigned char *buf;
  size_t cap, used;
  int calls;
  int refuse; /* a status to return instead */
} arena_place;

/* Places every array one byte past the last (any alignment is allowed). */
static int place_in_arena(void *ctx, size_t n, const dckpt_array_info *arrays,
                          void **dest) {
  arena_place *a = ctx;
  a->calls++;
  if (a->refuse) return a->refuse;
  for (size_t i = 0; i < n; i++) {
    CHECK(arrays[i].data == NULL);
    CHECK(arrays[i].name && arrays[i].name[0]);
    CHECK_LE(a->used + arrays[i].nbytes + 1, a->cap);
    dest[i] = arrays[i].nbytes ? a->buf + a->used + 1 : NULL;
    a->used += arrays[i].nbytes + 1;
  }
  return DCKPT_OK;
}

static bool placed_in(const dckpt_record *r, const arena_place *a) {
  for (size_t i = 0; i < dckpt_record_count(r); i++) {
    dckpt_array_info ai;
    CHECK_OK(dckpt_record_at(r, i, &ai));
    const unsigned char *d = ai.data;
    if (ai.nbytes && !(d >= a->buf && d + ai.nbytes <= a->buf + a->cap)) return false;
  }
  return true;
}

/* The same arrays, header, identity and facts as dckpt_record_read and
 * dckpt_record_stat, for a small record, a large streamed one (> 8 MiB,
 * compressed) and a large raw one; the memory is the caller's. */
static void read_into_same(const char *path) {
  dckpt_record *want = NULL, *got = NULL;
  CHECK_OK(dckpt_record_read(path, &want));
  dckpt_file_info si, gi;
  CHECK_OK(dckpt_record_stat(path, &si));
  arena_place a = {NULL, 0, 0, 0, 0};
  a.cap = (size_t)si.raw_bytes + 64 * (dckpt_record_count(want) + 1);
  a.buf = malloc(a.cap);
  CHECK(a.buf);
  memset(&gi, 0x5a, sizeof gi);
  CHECK_OK(dckpt_record_read_into(path, place_in_arena, &a, &got, &gi));
  CHECK_EQ(a.calls, 1);
  CHECK(placed_in(got, &a));
  uint64_t dw = 0, dg = 0;
  CHECK_OK(dckpt_record_digest(want, &dw));
  CHECK_OK(dckpt_record_digest(got, &dg));
  CHECK(dw == dg);
  CHECK_STR_EQ(dckpt_record_header(got), dckpt_record_header(want));
  CHECK_STR_EQ(dckpt_record_identity(got), dckpt_record_identity(want));
  CHECK_STR_EQ(gi.error, "");
  CHECK_EQ(gi.format_version, si.format_version);
  CHECK_EQ(gi.level, si.level);
  CHECK_EQ(gi.compressed, si.compressed);
  CHECK_EQ(gi.n_arrays, si.n_arrays);
  CHECK_EQ(gi.raw_bytes, si.raw_bytes);
  CHECK_EQ(gi.payload_bytes, si.payload_bytes);
  CHECK_EQ(gi.file_bytes, si.file_bytes);
  /* own() copies the borrowed arrays: the caller's memory may then go */
  CHECK_OK(dckpt_record_own(got));
  memset(a.buf, 0, a.cap);
  free(a.buf);
  CHECK_OK(dckpt_record_digest(got, &dg));
  CHECK(dw == dg);
  dckpt_record_free(got);
  dckpt_record_free(want);
}

static void test_record_read_into(const char *dir) {
  read_into_same(in(dir, "good.dckpt")); /* small: test_record_write_read's */
  dckpt_record *big = dckpt_record_create();
  size_t n = (size_t)1 << 20; /* 8 MiB of f64, 1 MiB of bytes: streamed */
  double *x = malloc(n * sizeof *x);
  unsigned char *b = malloc(n);
  CHECK(x && b);
  for (size_t i = 0; i < n; i++) {
    x[i] = (double)i * 0.25 - 1e5;
    b[i] = (unsigned char)(i * 7);
  }
  int64_t it = -42;
  uint64_t shape[2] = {0, 3};
  CHECK_OK(dckpt_record_put_f64(big, "x", x, n));
  CHECK_OK(dckpt_record_put(big, "it", DCKPT_I64, 0, NULL, &it));
  CHECK_OK(dckpt_record_put(big, "empty", DCKPT_F32, 2, shape, NULL));
  CHECK_OK(dckpt_record_put(big, "b", DCKPT_BYTES, 1, (uint64_t[1]){n}, b));
  CHECK_OK(dckpt_record_set_header(big, "{\"k\": 1}"));
  CHECK_OK(dckpt_record_write(big, in(dir, "big.dckpt"), 1, DCKPT_DURABILITY_NONE));
  CHECK_OK(dckpt_record_write(big, in(dir, "raw.dckpt"), 0, DCKPT_DURABILITY_NONE));
  read_into_same(in(dir, "big.dckpt"));
  read_into_same(in(dir, "raw.dckpt"));

  /* a refusal ends the read with its status, naming the file */
  arena_place a = {NULL, 0, 0, 0, DCKPT_ENOSPC};
  dckpt_record *r = NULL;
  dckpt_file_info info;
  CHECK_EQ(dckpt_record_read_into(in(dir, "big.dckpt"), place_in_arena, &a, &r, &info),
           DCKPT_ENOSPC);
  CHECK_CONTAINS(dckpt_record_errmsg(r), "big.dckpt");
  CHECK_CONTAINS(info.error, "big.dckpt");
  CHECK_EQ(info.file_bytes, 0);
  dckpt_record_free(r);
  /* a damaged file: the payload checksum, found as the payload streams */
  char *bytes = NULL;
  size_t len = 0;
  FILE *f = fopen(in(dir, "big.dckpt"), "rb");
  CHECK(f);
  CHECK_EQ(fseek(f, 0, SEEK_END), 0);
  len = (size_t)ftell(f);
  rewind(f);
  bytes = malloc(len);
  CHECK(bytes && fread(bytes, 1, len, f) == len);
  fclose(f);
  bytes[len - 100] ^= 0x10;
  f = fopen(in(dir, "bad.dckpt"), "wb");
  CHECK(f && fwrite(bytes, 1, len, f) == len);
  fclose(f);
  free(bytes);
  a = (arena_place){malloc(16 << 20), 16 << 20, 0, 0, 0};
  CHECK(a.buf);
  CHECK_EQ(dckpt_record_read_into(in(dir, "bad.dckpt"), place_in_arena, &a, &r, &info),
           DCKPT_ECORRUPT);
  CHECK_CONTAINS(info.error, "bad.dckpt");
  dckpt_record_free(r);
  free(a.buf);
  CHECK_EQ(dckpt_record_read_into(in(dir, "big.dckpt"), NULL, NULL, &r, &info),
           DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_record_errmsg(r), "place is NULL");
  dckpt_record_free(r);
  CHECK_EQ(dckpt_record_read_into(in(dir, "big.dckpt"), place_in_arena, &a, NULL, NULL),
           DCKPT_EINVAL);
  free(x);
  free(b);
  dckpt_record_free(big);
}

/* Calls on a const record leave no message; the previous one stays. */
static void test_const_calls(void) {
  dckpt_record *rec = dckpt_record_create();
  CHECK_EQ(dckpt_record_put_f64(rec, "a/b", NULL, 0), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_record_errmsg(rec), "a/b");
  CHECK_OK(dckpt_record_put_f64(rec, "x", (double[2]){1, 2}, 2));
  dckpt_array_info ai;
  double out[2];
  CHECK_EQ(dckpt_record_find(rec, "y", &ai), DCKPT_ENOENT);
  CHECK_EQ(dckpt_record_at(rec, 5, &ai), DCKPT_EINVAL);
  CHECK_EQ(dckpt_record_get(rec, "x", DCKPT_F32, out, 2), DCKPT_EMISMATCH);
  CHECK_EQ(dckpt_record_encode(rec, 40, &(void *){NULL}, &(size_t){0}), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_record_errmsg(rec), "a/b");
  CHECK_EQ(dckpt_record_get(NULL, "x", DCKPT_F64, out, 2), DCKPT_EINVAL);
  CHECK_STR_EQ(dckpt_record_errmsg(NULL), "");
  dckpt_record_free(rec);

  dckpt_store *s = tu_open(tu_scratch("api-const-store"), NULL);
  bool due = true;
  CHECK_EQ(dckpt_store_should_checkpoint(s, -1, &due), DCKPT_EINVAL);
  CHECK(!due);
  CHECK_STR_EQ(dckpt_store_errmsg(s), "");
  dckpt_store_close(s);
}

static void group_error_detail(void) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", tu_scratch("api-errors"));
  CHECK_EQ(mkdir(dir, 0755), 0);
  test_record_created_on_failure(dir);
  test_record_write_read(dir);
  test_record_stat(dir);
  test_record_read_into(dir);
  test_const_calls();
  tu_rmrf(dir);
}

/* ---- group options ---- */

typedef struct hook_log {
  int calls;
  char first[64];
} hook_log;

static void on_step(void *ctx, const char *step) {
  hook_log *h = ctx;
  if (h->calls++ == 0) snprintf(h->first, sizeof h->first, "%s", step);
}

/* struct_size 0 (never initialized) is refused, naming the call. */
static void test_uninitialized(const char *dir) {
  dckpt_store_options o;
  memset(&o, 0, sizeof o);
  o.keep_n = 3;
  o.flags = DCKPT_OPEN_READ;
  dckpt_store *s = NULL;
  CHECK_EQ(dckpt_store_open(dir, &o, &s), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "store_open");
  CHECK_CONTAINS(dckpt_store_errmsg(s), "struct_size is 0");
  CHECK_CONTAINS(dckpt_store_errmsg(s), "dckpt_store_options_init");
  dckpt_store_close(s);
  CHECK(!tu_exists(dir)); /* nothing was created */
}

/* A struct_size below the first published layout (dckpt 0.2) is no header's:
 * refused like 0, naming the size. */
static void test_too_short(const char *dir) {
  dckpt_store_options o;
  dckpt_store_options_init(&o);
  o.flags = DCKPT_OPEN_READ;
  o.struct_size = offsetof(dckpt_store_options, experimental);
  dckpt_store *s = NULL;
  CHECK_EQ(dckpt_store_open(dir, &o, &s), DCKPT_EINVAL);
  char want[64];
  snprintf(want, sizeof want, "struct_size is %zu", o.struct_size);
  CHECK_CONTAINS(dckpt_store_errmsg(s), want);
  dckpt_store_close(s);
  dckpt_run_status st;
  dckpt_run_status_init(&st);
  st.struct_size = sizeof(size_t);
  dckpt_store_options w;
  dckpt_store_options_init(&w);
  s = tu_open(dir, &w);
  CHECK_EQ(dckpt_store_write_run_status(s, &st), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "struct_size");
  dckpt_store_close(s);
}

/* How a later release reads a struct of this one (util/struct_size.h, the
 * code behind every option struct): version 2 appends `c` to version 1. A
 * version-1 struct_size takes a and b and leaves c at its default; a size
 * ending inside a member takes none of it; version 3 bytes beyond are
 * accepted only when zero. */
typedef struct v1 {
  size_t struct_size;
  int a;
  double b;
} v1;
typedef struct v2 {
  size_t struct_size;
  int a;
  double b;
  long c;
} v2;

static void test_struct_versions(void) {
  static const dckpt_member members[] = {DCKPT_MEMBER(v2, a), DCKPT_MEMBER(v2, b),
                                         DCKPT_MEMBER(v2, c)};
  const size_t oldest = DCKPT_STRUCT_END(v2, b), n = 3;
  v1 old = {sizeof old, 7, 2.5};
  v2 got = {sizeof got, -1, -1.0, 99};
  CHECK(dckpt_struct_size_ok(&old, old.struct_size, oldest, sizeof got));
  dckpt_struct_merge(&got, &old, old.struct_size, members, n);
  CHECK_EQ(got.a, 7);
  CHECK(got.b == 2.5);
  CHECK_EQ(got.c, 99);
  v2 cut = {sizeof got, -1, -1.0, 99};
  dckpt_struct_merge(&cut, &old, offsetof(v1, b) + 1, members, n);
  CHECK_EQ(cut.a, 7);
  CHECK(cut.b == -1.0);
  CHECK(!dckpt_struct_size_ok(&old, 0, oldest, sizeof got));
  CHECK(!dckpt_struct_size_ok(&old, offsetof(v1, b), oldest, sizeof got));
  struct {
    v2 v;
    unsigned char v3[16];
  } newer;
  memset(&newer, 0, sizeof newer);
  CHECK(dckpt_struct_size_ok(&newer, sizeof newer, oldest, sizeof(v2)));
  newer.v3[15] = 1;
  CHECK(!dckpt_struct_size_ok(&newer, sizeof newer, oldest, sizeof(v2)));
  /* dckpt_struct_take: the check, the copy and mine's own struct_size */
  v2 mine = {0, -1, -1.0, 99};
  CHECK(dckpt_struct_take(&mine, &old, oldest, sizeof mine, members, n));
  CHECK_EQ(mine.struct_size, sizeof mine);
  CHECK_EQ(mine.a, 7);
  CHECK(mine.b == 2.5);
  CHECK_EQ(mine.c, 99);
  v2 kept = {0, -1, -1.0, 99};
  newer.v.struct_size = sizeof newer; /* with a non-zero byte it does not know */
  CHECK(!dckpt_struct_take(&kept, &newer, oldest, sizeof kept, members, n));
  CHECK_EQ(kept.struct_size, 0);
  CHECK_EQ(kept.a, -1);
}

/* A longer struct (a newer header) is accepted when everything this library
 * does not know is zero, and refused otherwise. */
static void test_longer(const char *dir) {
  struct {
    dckpt_store_options o;
    unsigned char newer[32];
  } big;
  memset(&big, 0, sizeof big);
  dckpt_store_options_init(&big.o);
  big.o.struct_size = sizeof big;
  big.o.keep_n = 2;
  dckpt_store *s = tu_open(dir, &big.o);
  CHECK_EQ(dckpt_store_get_options(s)->keep_n, 2);
  dckpt_store_close(s);
  big.newer[7] = 1;
  CHECK_EQ(dckpt_store_open(dir, &big.o, &s), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "newer dckpt.h");
  dckpt_store_close(s);
}

/* The step hook, reached through dckpt_experimental.h, sees the commit
 * protocol; its struct follows the same struct_size rule. */
static void test_experimental(const char *dir) {
  hook_log h = {0};
  dckpt_store_experimental x;
  dckpt_store_experimental_init(&x);
  x.step_hook = on_step;
  x.step_hook_ctx = &h;
  dckpt_store_options o = tu_options(NULL);
  o.experimental = &x;
  dckpt_store *s = tu_open(dir, &o);
  x.step_hook = NULL; /* the store keeps its own copy */
  dckpt_metadata plan = tu_plan(1);
  CHECK_OK(dckpt_store_initialize(s, &plan, NULL, NULL));
  dckpt_record *st = tu_state(1, 0, 4);
  h.calls = 0;
  CHECK_OK(dckpt_store_save(s, 0, 0, 0, st));
  CHECK_GT(h.calls, 4);
  CHECK_STR_EQ(h.first, "ckpt.write");
  const dckpt_store_experimental *kept = dckpt_store_get_options(s)->experimental;
  CHECK(kept != NULL && kept != &x && kept->step_hook == on_step);
  /* DCKPT_OPEN_NO_LOCK: a second writer beside the lock holder */
  dckpt_store_options w = tu_options(NULL);
  w.flags = DCKPT_OPEN_WRITE | DCKPT_OPEN_NO_LOCK;
  dckpt_store *worker = tu_open(dir, &w);
  CHECK_OK(dckpt_store_save(worker, 0, 0, 1, st));
  dckpt_store_close(worker);
  w.flags = DCKPT_OPEN_WRITE;
  CHECK_EQ(dckpt_store_open(dir, &w, &worker), DCKPT_ELOCKED);
  dckpt_store_close(worker);
  dckpt_store_close(s);
  dckpt_record_free(st);

  x.struct_size = 0;
  CHECK_EQ(dckpt_store_open(dir, &o, &s), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "experimental.struct_size is 0");
  dckpt_store_close(s);
}

static void group_options(void) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", tu_scratch("api-options"));
  test_uninitialized(dir);
  test_too_short(dir);
  tu_rmrf(dir);
  test_struct_versions();
  test_longer(dir);
  tu_rmrf(dir);
  test_experimental(dir);
  tu_rmrf(dir);
}

/* ---- group names: the consistent names of 0.2 ---- */

static void group_names(void) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", tu_scratch("api-names"));
  dckpt_store *s = tu_open(dir, NULL);
  CHECK_STR_EQ(dckpt_store_get_dir(s), dir);
  CHECK_STR_EQ(dckpt_store_get_results_path(s), in(dir, "results"));
  bool yes = true;
  CHECK_OK(dckpt_store_run_is_started(s, &yes)); /* no run: not started */
  CHECK(!yes);
  dckpt_metadata plan = tu_plan(2);
  CHECK_OK(dckpt_store_initialize(s, &plan, NULL, NULL));
  dckpt_record *st = tu_state(5, 2, 8);
  CHECK_OK(dckpt_store_save(s, 0, 0, 1, st));
  CHECK_OK(dckpt_store_run_is_started(s, &yes));
  CHECK(yes);
  CHECK_OK(dckpt_store_mark_complete(s, 0, 0, 2, st));
  CHECK_OK(dckpt_store_trial_is_complete(s, 0, 0, &yes));
  CHECK(yes);
  CHECK_OK(dckpt_store_trial_is_complete(s, 0, 1, &yes));
  CHECK(!yes);
  CHECK_OK(dckpt_store_run_is_complete(s, &yes));
  CHECK(!yes);
  dckpt_record *fin = NULL;
  CHECK_EQ(dckpt_store_load_final_state(s, 0, 1, &fin), DCKPT_ENOTCOMPLETE);
  CHECK_CONTAINS(dckpt_store_errmsg(s), "not marked complete");
  CHECK_OK(dckpt_store_mark_complete(s, 0, 1, 2, st));
  CHECK_OK(dckpt_store_run_is_complete(s, &yes));
  CHECK(!yes); /* the second algorithm has not run */
  CHECK_OK(dckpt_store_mark_complete(s, 1, 0, 2, st));
  CHECK_OK(dckpt_store_mark_complete(s, 1, 1, 2, st));
  CHECK_OK(dckpt_store_run_is_complete(s, &yes));
  CHECK(yes);
  CHECK_OK(dckpt_store_load_final_state(s, 0, 1, &fin));
  CHECK(tu_state_equal(fin, 5, 2, 8));
  dckpt_result *res = NULL;
  CHECK_OK(dckpt_store_load_results(s, &res));
  CHECK_EQ(dckpt_result_n_algorithms(res), 2);
  CHECK(tu_state_equal(dckpt_result_trial(res, 0, 1), 5, 2, 8));
  dckpt_result_free(res);
  dckpt_record_free(fin);
  dckpt_record_free(st);
  dckpt_store_close(s);
  tu_rmrf(dir);
}

/* ---- group run_status: run_status.json through a store ---- */

static void group_run_status(void) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", tu_scratch("api-status"));
  dckpt_store *w = tu_open(dir, NULL);
  dckpt_run_status st;
  dckpt_run_status_init(&st);
  st.status = DCKPT_EINTERRUPTED;
  st.exit_code = 75;
  snprintf(st.message, sizeof st.message, "stopped by SIGTERM");
  st.pairs_total = 6;
  st.ranks = 2;
  CHECK_OK(dckpt_store_write_run_status(w, &st));

  dckpt_store_options ro = tu_options(NULL);
  ro.flags = DCKPT_OPEN_READ;
  dckpt_store *r = tu_open(dir, &ro);
  dckpt_run_status *back = NULL;
  CHECK_OK(dckpt_store_read_run_status(r, &back));
  CHECK_EQ(back->status, DCKPT_EINTERRUPTED);
  CHECK_EQ(back->exit_code, 75);
  CHECK_STR_EQ(back->message, "stopped by SIGTERM");
  CHECK_EQ(back->pairs_total, 6);
  CHECK_EQ(back->struct_size, sizeof *back);
  dckpt_free(back);
  /* a reading store does not write it */
  CHECK_EQ(dckpt_store_write_run_status(r, &st), DCKPT_EACCES);
  CHECK_CONTAINS(dckpt_store_errmsg(r), "read-only");
  st.struct_size = 0;
  CHECK_EQ(dckpt_store_write_run_status(w, &st), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_store_errmsg(w), "struct_size is 0");
  dckpt_run_status_init(&st);
  st.status = 12345;
  CHECK_EQ(dckpt_store_write_run_status(w, &st), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_store_errmsg(w), "12345");
  dckpt_store_close(w);
  /* damaged: the reader's store names the file and the key */
  tu_write_text(in(dir, DCKPT_RUN_STATUS_FILE), "{\"status\":\"EWHAT\"}");
  CHECK_EQ(dckpt_store_read_run_status(r, &back), DCKPT_ECORRUPT);
  CHECK(back == NULL);
  CHECK_CONTAINS(dckpt_store_errmsg(r), DCKPT_RUN_STATUS_FILE);
  CHECK_CONTAINS(dckpt_store_errmsg(r), "EWHAT");
  unlink(path_buf);
  CHECK_EQ(dckpt_store_read_run_status(r, &back), DCKPT_ENOENT);
  dckpt_store_close(r);
  tu_rmrf(dir);
}

/* ---- group named_runs: a named run's own status; run names; leases ---- */

/* job_state of the lease test in group_named_runs: answers `answer`, counts
 * the questions and keeps the last job id asked about */
static struct {
  dckpt_job_state answer;
  int asked;
  char last[64];
} fake_job;

static dckpt_job_state fake_job_state(const char *job_id, void *ctx) {
  CHECK(ctx == &fake_job);
  fake_job.asked++;
  snprintf(fake_job.last, sizeof fake_job.last, "%s", job_id);
  return fake_job.answer;
}

static void group_named_runs(void) {
  CHECK(dckpt_run_name_valid("12_3"));
  CHECK(dckpt_run_name_valid("a.b-c_D9"));
  const char *bad[] = {NULL, "", ".hidden", "..", "-x", "_x", "a/b", "a b", "tab\t"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    CHECK(!dckpt_run_name_valid(bad[i]));
  char longest[DCKPT_RUN_NAME_MAX + 2];
  memset(longest, 'n', sizeof longest);
  longest[DCKPT_RUN_NAME_MAX] = '\0';
  CHECK(dckpt_run_name_valid(longest));
  longest[DCKPT_RUN_NAME_MAX] = 'n';
  longest[DCKPT_RUN_NAME_MAX + 1] = '\0';
  CHECK(!dckpt_run_name_valid(longest));

  char dir[1024];
  snprintf(dir, sizeof dir, "%s", tu_scratch("api-named"));
  dckpt_store *w = tu_open(dir, NULL);
  dckpt_run_status st;
  dckpt_run_status_init(&st);
  st.status = DCKPT_EINTERRUPTED;
  st.exit_code = 75;
  CHECK_OK(dckpt_store_write_named_status(w, "7_1", &st));
  dckpt_run_status_init(&st);
  CHECK_OK(dckpt_store_write_named_status(w, "7_2", &st));
  dckpt_run_status *back = NULL;
  CHECK_OK(dckpt_store_read_named_status(w, "7_1", &back));
  CHECK_EQ(back->exit_code, 75);
  dckpt_free(back);
  CHECK_OK(dckpt_store_read_named_status(w, "7_2", &back));
  CHECK_EQ(back->exit_code, 0);
  dckpt_free(back);
  /* each its own file; the directory's is not written */
  CHECK(tu_exists(in(dir, DCKPT_RUNS_DIR "/7_1/" DCKPT_RUN_STATUS_FILE)));
  CHECK(!tu_exists(in(dir, DCKPT_RUN_STATUS_FILE)));
  CHECK_EQ(dckpt_store_read_named_status(w, "7_3", &back), DCKPT_ENOENT);
  CHECK(back == NULL);
  CHECK_EQ(dckpt_store_write_named_status(w, "../x", &st), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_store_errmsg(w), "not a run name");
  CHECK_EQ(dckpt_store_read_named_status(w, NULL, &back), DCKPT_EINVAL);
  /* before a run: its folder made; anything else in a folder's place (a
   * symbolic link too) or a directory in a status file's is named */
  CHECK_OK(dckpt_store_prepare_run_status(w, "7_4"));
  CHECK(tu_exists(in(dir, DCKPT_RUNS_DIR "/7_4")));
  CHECK_OK(dckpt_store_prepare_run_status(w, NULL));
  CHECK_EQ(symlink("7_4", in(dir, DCKPT_RUNS_DIR "/7_5")), 0);
  CHECK_EQ(dckpt_store_prepare_run_status(w, "7_5"), DCKPT_ENOTDIR);
  CHECK_CONTAINS(dckpt_store_errmsg(w),
                 "runs/7_5' (the folder of the named run '7_5') is "
                 "a symbolic link");
  CHECK_EQ(dckpt_store_write_named_status(w, "7_5", &st), DCKPT_ENOTDIR);
  CHECK_EQ(mkdir(in(dir, DCKPT_RUNS_DIR "/7_4/" DCKPT_RUN_STATUS_FILE), 0755), 0);
  CHECK_EQ(dckpt_store_prepare_run_status(w, "7_4"), DCKPT_EEXIST);
  CHECK_CONTAINS(dckpt_store_errmsg(w), "is a directory, not a file");
  CHECK_EQ(dckpt_store_prepare_run_status(w, "../x"), DCKPT_EINVAL);
  /* runs/ is bookkeeping: the directory still counts as empty of a run */
  bool empty = false;
  CHECK_OK(dckpt_store_is_empty(w, &empty));
  CHECK(empty);

  /* leases: none, then this process's registration and one pair */
  dckpt_lease_entry *l = NULL;
  size_t n = 99;
  CHECK_OK(dckpt_lease_list(dir, &l, &n));
  CHECK_EQ(n, 0);
  CHECK(l == NULL);
  CHECK_EQ(dckpt_lease_list(NULL, &l, &n), DCKPT_EINVAL);
  dckpt_store_close(w);
  dckpt_store_options so = tu_options(NULL);
  so.flags = DCKPT_OPEN_WRITE | DCKPT_OPEN_SHARED;
  w = tu_open(dir, &so);
  CHECK_OK(dckpt_store_claim_pair(w, 1, 4));
  CHECK_OK(dckpt_lease_list(dir, &l, &n));
  CHECK_EQ(n, 2);
  CHECK_EQ(l[0].alg, -1);
  CHECK_EQ(l[0].trial, -1);
  CHECK_EQ(l[1].alg, 1);
  CHECK_EQ(l[1].trial, 4);
  for (size_t i = 0; i < n; i++) {
    CHECK_EQ(l[i].holder.state, DCKPT_LOCK_ALIVE);
    CHECK_EQ(l[i].holder.pid, (int64_t)getpid());
  }
  dckpt_free(l);
  dckpt_store_release_pair(w);
  CHECK_OK(dckpt_lease_list(dir, &l, &n));
  CHECK_EQ(n, 1);
  dckpt_free(l);

  /* a pair held on another host, renewed just now, in job 77_3: left alone
   * without a job_state callback and while the job runs; taken over once the
   * callback calls it gone */
  char stamp[32];
  time_t now = time(NULL);
  struct tm tm;
  strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
  char facts[256];
  snprintf(facts, sizeof facts,
           "{\"host\":\"node-9.far\",\"pid\":777,\"job_id\":\"77_3\","
           "\"started\":\"%s\",\"renewed\":\"%s\"}\n",
           stamp, stamp);
  tu_write_text(in(dir, "leases/pair.0.0.lease"), facts);
  CHECK_EQ(dckpt_store_claim_pair(w, 0, 0), DCKPT_ELOCKED);
  CHECK_CONTAINS(dckpt_store_errmsg(w), "node-9.far");
  fake_job.asked = 0;
  fake_job.answer = DCKPT_JOB_RUNNING;
  CHECK_OK(dckpt_store_set_job_state(w, fake_job_state, &fake_job));
  CHECK_EQ(dckpt_store_claim_pair(w, 0, 0), DCKPT_ELOCKED);
  CHECK_GE(fake_job.asked, 1);
  CHECK_STR_EQ(fake_job.last, "77_3");
  fake_job.answer = DCKPT_JOB_UNKNOWN;
  CHECK_EQ(dckpt_store_claim_pair(w, 0, 0), DCKPT_ELOCKED);
  fake_job.answer = DCKPT_JOB_GONE;
  CHECK_OK(dckpt_store_claim_pair(w, 0, 0));
  CHECK_EQ(dckpt_store_set_job_state(w, NULL, NULL), DCKPT_EINVAL); /* a pair is held */
  CHECK_OK(dckpt_lease_list(dir, &l, &n));
  CHECK_EQ(n, 2);
  CHECK_EQ(l[1].alg, 0);
  CHECK_EQ(l[1].holder.pid, (int64_t)getpid());
  dckpt_free(l);
  dckpt_store_release_pair(w);
  CHECK_OK(dckpt_store_set_job_state(w, NULL, NULL));
  CHECK_EQ(dckpt_store_set_job_state(NULL, NULL, NULL), DCKPT_EINVAL);

  /* a run name is one live run's (its HALT, its run_status.json): another
   * process's run of that name is refused, naming the holder, while this
   * one holds it, and gets it once this one has closed */
  CHECK_OK(dckpt_store_prepare_run_status(w, "job_9"));
  CHECK(tu_exists(in(dir, DCKPT_RUNS_DIR "/job_9/run.lease")));
  CHECK_OK(dckpt_store_prepare_run_status(w, "job_9")); /* its own: again */
  CHECK_OK(dckpt_store_release_lock(w)); /* set-up done: other runs may open */
  fflush(NULL);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    dckpt_store *other = NULL;
    int fails = dckpt_store_open(dir, &so, &other) != DCKPT_OK;
    fails |= (dckpt_store_prepare_run_status(other, "job_9") != DCKPT_ENAMEINUSE) << 1;
    fails |= !strstr(dckpt_store_errmsg(other), "the run name 'job_9' is in use") << 2;
    fails |= !strstr(dckpt_store_errmsg(other), "still running") << 3;
    char own[1100]; /* how to stop that run alone (dckpt_halt_path) */
    snprintf(own, sizeof own, "create '%s/" DCKPT_RUNS_DIR "/job_9/" DCKPT_HALT_FILE "'",
             dir);
    fails |= !strstr(dckpt_store_errmsg(other), own) << 7;
    fails |= (dckpt_store_prepare_run_status(other, "job_10") != DCKPT_OK) << 4;
    dckpt_store_close(other);
    /* a run that is not shared is refused while this shared run is
     * registered, told how to stop it: the HALT path (dckpt_halt_path) */
    dckpt_store_options xo = tu_options(NULL);
    char want[1100];
    snprintf(want, sizeof want, "stop them with '%s/" DCKPT_HALT_FILE "'", dir);
    fails |= (dckpt_store_open(dir, &xo, &other) != DCKPT_ELOCKED) << 5;
    fails |= !strstr(dckpt_store_errmsg(other), want) << 6;
    dckpt_store_close(other);
    _exit(fails);
  }
  int status = -1;
  CHECK_EQ(waitpid(pid, &status, 0), pid);
  CHECK(WIFEXITED(status));
  CHECK_EQ(WEXITSTATUS(status), 0);
  dckpt_store_close(w);
  w = tu_open(dir, &so);
  CHECK_OK(dckpt_store_prepare_run_status(w, "job_9")); /* freed by the close */
  dckpt_store_close(w);
  tu_rmrf(dir);
}

/* ---- group halt_path ---- */

/* dckpt_halt_path: the one builder of DIR/HALT and DIR/runs/NAME/HALT. A
 * path that does not fit is refused, not cut; a name that is not a run
 * name (dckpt_run_name_valid) is refused, so no HALT outside DIR/runs is
 * named. */
static void group_halt_path(void) {
  char buf[64];
  CHECK_OK(dckpt_halt_path("d/x", NULL, buf, sizeof buf));
  CHECK_STR_EQ(buf, "d/x/" DCKPT_HALT_FILE);
  CHECK_OK(dckpt_halt_path("d/x/", NULL, buf, sizeof buf)); /* no doubled '/' */
  CHECK_STR_EQ(buf, "d/x/" DCKPT_HALT_FILE);
  CHECK_OK(dckpt_halt_path("d/x", "7_5", buf, sizeof buf));
  CHECK_STR_EQ(buf, "d/x/" DCKPT_RUNS_DIR "/7_5/" DCKPT_HALT_FILE);
  /* exactly fitting with its NUL, then one byte short: refused, buf "" */
  size_t n = strlen("d/x/" DCKPT_HALT_FILE) + 1;
  CHECK_OK(dckpt_halt_path("d/x", NULL, buf, n));
  CHECK_STR_EQ(buf, "d/x/" DCKPT_HALT_FILE);
  CHECK_EQ(dckpt_halt_path("d/x", NULL, buf, n - 1), DCKPT_ETOOBIG);
  CHECK_STR_EQ(buf, "");
  n = strlen("d/x/" DCKPT_RUNS_DIR "/7_5/" DCKPT_HALT_FILE) + 1;
  CHECK_OK(dckpt_halt_path("d/x", "7_5", buf, n));
  CHECK_EQ(dckpt_halt_path("d/x", "7_5", buf, n - 1), DCKPT_ETOOBIG);
  CHECK_STR_EQ(buf, "");
  char longest[DCKPT_RUN_NAME_MAX + 1];
  memset(longest, 'n', DCKPT_RUN_NAME_MAX);
  longest[DCKPT_RUN_NAME_MAX] = '\0';
  CHECK_EQ(dckpt_halt_path("d/x", longest, buf, sizeof buf), DCKPT_ETOOBIG);
  /* names that are not run names, and arguments that are not there */
  const char *bad[] = {"", ".", "..", "../x", "a/b", ".hidden", "-x", "a b"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    CHECK(!dckpt_run_name_valid(bad[i]));
    snprintf(buf, sizeof buf, "zz");
    CHECK_EQ(dckpt_halt_path("d/x", bad[i], buf, sizeof buf), DCKPT_EINVAL);
    CHECK_STR_EQ(buf, "");
  }
  CHECK_EQ(dckpt_halt_path(NULL, NULL, buf, sizeof buf), DCKPT_EINVAL);
  CHECK_EQ(dckpt_halt_path("", NULL, buf, sizeof buf), DCKPT_EINVAL);
  CHECK_EQ(dckpt_halt_path("d/x", NULL, NULL, sizeof buf), DCKPT_EINVAL);
  snprintf(buf, sizeof buf, "zz");
  CHECK_EQ(dckpt_halt_path("d/x", NULL, buf, 0), DCKPT_EINVAL);
  CHECK_STR_EQ(buf, "zz"); /* len 0: not written */
}

int main(int argc, char **argv) {
  static const struct {
    const char *name;
    void (*fn)(void);
  } groups[] = {{"error_detail", group_error_detail},
                {"options", group_options},
                {"names", group_names},
                {"run_status", group_run_status},
                {"named_runs", group_named_runs},
                {"halt_path", group_halt_path}};
  int ran = 0;
  for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
    if (argc < 2 || !strcmp(argv[1], groups[g].name)) {
      groups[g].fn();
      ran++;
    }
  if (ran == 0) {
    fprintf(stderr, "unknown group '%s'\n", argv[1]);
    return 2;
  }
  printf("test_api: passed\n");
  return 0;
}
