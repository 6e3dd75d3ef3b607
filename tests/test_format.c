/* Tests of the record format (src/format): the in-memory record, the byte
 * layout, compression levels, the streaming writer, corruption handling,
 * golden files and zstd CLI compatibility. `test_format GROUP` runs one group
 * (see main); each group is its own CTest entry. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include "check.h"
#include "dckpt.h"
#include "dckpt_experimental.h"
#include "format/codec.h"
#include "format/le.h"
#include "format/record_internal.h"
#include "format/record_io.h"
#include "format/scratch.h"
#include "format/shuffle.h"
#include "golden_data.h"

static const int k_levels[] = {0, 1, 3, 19, -5};
#define N_LEVELS (sizeof k_levels / sizeof k_levels[0])

/* ---- helpers ---- */

/* The record-file calls with the reason copied into a caller buffer, as the
 * checks below read it: the library keeps it in the record (dckpt_record_read,
 * _parse, _write) or in dckpt_file_info.error (dckpt_record_stat). A failed
 * read frees the record it returned and sets *out to NULL. */
static int t_keep_reason(int rc, dckpt_record **out, char *err, size_t errlen) {
  if (errlen) snprintf(err, errlen, "%s", rc && *out ? dckpt_record_errmsg(*out) : "");
  if (rc != DCKPT_OK) {
    dckpt_record_free(*out);
    *out = NULL;
  }
  return rc;
}
static int t_read(const char *path, dckpt_record **out, char *err, size_t errlen) {
  return t_keep_reason(dckpt_record_read(path, out), out, err, errlen);
}
static int t_parse(const void *buf, size_t len, dckpt_record **out, char *err,
                   size_t errlen) {
  return t_keep_reason(dckpt_record_parse(buf, len, out), out, err, errlen);
}
static int t_write(dckpt_record *rec, const char *path, int level, bool durable,
                   char *err, size_t errlen) {
  int rc = dckpt_record_write(rec, path, level,
                              durable ? DCKPT_DURABILITY_FULL : DCKPT_DURABILITY_NONE);
  if (errlen) snprintf(err, errlen, "%s", rc ? dckpt_record_errmsg(rec) : "");
  return rc;
}
static int t_stat(const char *path, dckpt_file_info *info, char *err, size_t errlen) {
  dckpt_file_info mine;
  if (!info) info = &mine;
  int rc = dckpt_record_stat(path, info);
  if (errlen) snprintf(err, errlen, "%s", info->error);
  return rc;
}

static char *tmp_path(const char *name) {
  static char buf[8][1024];
  static int next;
  char *p = buf[next++ % 8];
  snprintf(p, sizeof buf[0], "%s/format-%ld-%s", DCKPT_TEST_TMP, (long)getpid(), name);
  return p;
}

static uint8_t *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  CHECK(f != NULL);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
  CHECK(buf != NULL);
  CHECK_EQ(fread(buf, 1, (size_t)n, f), n);
  fclose(f);
  *len = (size_t)n;
  return buf;
}

static void spit(const char *path, const void *buf, size_t len) {
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  CHECK_EQ(fwrite(buf, 1, len, f), len);
  CHECK_EQ(fclose(f), 0);
}

/* Deterministic pseudo-random bytes (xorshift). */
static void fill_random(void *buf, size_t n, uint64_t seed) {
  uint8_t *p = buf;
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    p[i] = (uint8_t)(s >> 24);
  }
}

/* A smooth solver-like state: slowly varying values with small noise. */
static double *smooth_state(size_t n, uint64_t seed) {
  double *x = malloc(n * sizeof *x);
  CHECK(x != NULL);
  uint64_t s = seed | 1;
  for (size_t i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    double noise = (double)(s >> 11) * 0x1p-53 - 0.5;
    x[i] = (double)(i % 4096) / 4096.0 + 1.0 + 1e-3 * noise;
  }
  return x;
}

static void check_same_record(const dckpt_record *a, const dckpt_record *b) {
  CHECK_EQ(dckpt_record_count(a), dckpt_record_count(b));
  CHECK_STR_EQ(dckpt_record_header(a), dckpt_record_header(b));
  for (size_t i = 0; i < dckpt_record_count(a); i++) {
    dckpt_array_info x, y;
    CHECK_OK(dckpt_record_at(a, i, &x));
    CHECK_OK(dckpt_record_at(b, i, &y));
    CHECK_STR_EQ(x.name, y.name);
    CHECK_EQ(x.dtype, y.dtype);
    CHECK_EQ(x.ndim, y.ndim);
    for (int d = 0; d < x.ndim; d++)
      CHECK_EQ(x.shape[d], y.shape[d]);
    CHECK_EQ(x.nelems, y.nelems);
    CHECK_EQ(x.nbytes, y.nbytes);
    if (x.nbytes) CHECK(memcmp(x.data, y.data, (size_t)x.nbytes) == 0);
    /* Decoded arrays must be usable as their element type. */
    if (y.nbytes) CHECK_EQ((uintptr_t)y.data % 8, 0);
  }
}

static dckpt_record *roundtrip_memory(const dckpt_record *rec, int level) {
  void *buf = NULL;
  size_t len = 0;
  CHECK_OK(dckpt_record_encode(rec, level, &buf, &len));
  dckpt_record *out = NULL;
  char err[1024];
  int rc = t_parse(buf, len, &out, err, sizeof err);
  if (rc != DCKPT_OK) CHECK_FAIL_("decode at level %d: %s", level, err);
  dckpt_free(buf);
  return out;
}

/* Recomputes both hashes of an encoded record after a test edited it, so
 * that the edit reaches the structural checks. */
static void rehash(uint8_t *buf, size_t len) {
  uint64_t hb = 8 + (uint64_t)dckpt_le32(buf + 4);
  if (hb > len || hb < 28) return; /* the edit broke the frame itself */
  dckpt_put_le64(buf + hb - 16, XXH3_64bits(buf + hb, len - (size_t)hb));
  dckpt_put_le64(buf + hb - 8, XXH3_64bits(buf, (size_t)hb - 8));
}

/* A record with one array of each dtype and assorted shapes. */
static dckpt_record *sample_record(uint64_t seed) {
  dckpt_record *rec = dckpt_record_create();
  CHECK(rec != NULL);
  static uint8_t data[5][3000];
  for (int i = 0; i < 5; i++)
    fill_random(data[i], sizeof data[i], seed + (uint64_t)i);
  CHECK_OK(dckpt_record_put(rec, "f64", DCKPT_F64, 2, (uint64_t[]){15, 20}, data[0]));
  CHECK_OK(dckpt_record_put(rec, "f32", DCKPT_F32, 3, (uint64_t[]){3, 5, 7}, data[1]));
  CHECK_OK(dckpt_record_put(rec, "i64", DCKPT_I64, 1, (uint64_t[]){37}, data[2]));
  CHECK_OK(dckpt_record_put(rec, "u64", DCKPT_U64, 1, (uint64_t[]){11}, data[3]));
  CHECK_OK(dckpt_record_put(rec, "bytes", DCKPT_BYTES, 1, (uint64_t[]){2999}, data[4]));
  CHECK_OK(dckpt_record_set_header(rec, "{\"iteration\":7,\"name\":\"gd\"}"));
  return rec;
}

/* ---- group "record": the in-memory API ---- */

static void test_dtypes(void) {
  CHECK_EQ(dckpt_dtype_size(DCKPT_F64), 8);
  CHECK_EQ(dckpt_dtype_size(DCKPT_F32), 4);
  CHECK_EQ(dckpt_dtype_size(DCKPT_I64), 8);
  CHECK_EQ(dckpt_dtype_size(DCKPT_U64), 8);
  CHECK_EQ(dckpt_dtype_size(DCKPT_BYTES), 1);
  CHECK_EQ(dckpt_dtype_size((dckpt_dtype)9), 0);
  CHECK_STR_EQ(dckpt_dtype_name(DCKPT_F32), "f32");
  CHECK_STR_EQ(dckpt_dtype_name((dckpt_dtype)0), "?");
}

static void test_put_find_get(void) {
  dckpt_record *rec = dckpt_record_create();
  double v[3] = {1.5, -2.25, 1e300};
  CHECK_OK(dckpt_record_put_f64(rec, "v", v, 3));
  v[0] = 99; /* put copies */
  int64_t iv[2] = {-1, INT64_MIN};
  uint64_t uv[2] = {0, UINT64_MAX};
  CHECK_OK(dckpt_record_put_i64(rec, "iv", iv, 2));
  CHECK_OK(dckpt_record_put_u64(rec, "uv", uv, 2));
  CHECK_OK(dckpt_record_put_bytes(rec, "s", "abc", 3));
  CHECK_EQ(dckpt_record_count(rec), 4);
  dckpt_array_info info;
  CHECK_OK(dckpt_record_at(rec, 2, &info));
  CHECK_STR_EQ(info.name, "uv");
  CHECK_RC(dckpt_record_at(rec, 4, &info), DCKPT_EINVAL);
  CHECK_OK(dckpt_record_find(rec, "v", &info));
  CHECK_EQ(info.ndim, 1);
  CHECK_EQ(info.shape[0], 3);
  CHECK_EQ(((const double *)info.data)[0] == 1.5, 1);
  double out[3];
  CHECK_OK(dckpt_record_get(rec, "v", DCKPT_F64, out, 3));
  CHECK(out[2] == 1e300);
  /* Lookups take the record as const: the status says it all, no message. */
  CHECK_RC(dckpt_record_find(rec, "nope", &info), DCKPT_ENOENT);
  CHECK_RC(dckpt_record_get(rec, "nope", DCKPT_F64, out, 3), DCKPT_ENOENT);
  CHECK_RC(dckpt_record_get(rec, "v", DCKPT_F32, out, 3), DCKPT_EMISMATCH);
  CHECK_RC(dckpt_record_get(rec, "v", DCKPT_F64, out, 2), DCKPT_EMISMATCH);
  CHECK_RC(dckpt_record_get(rec, "v", DCKPT_F64, NULL, 3), DCKPT_EINVAL);
  CHECK_RC(dckpt_record_find(rec, NULL, &info), DCKPT_EINVAL);
  CHECK_STR_EQ(dckpt_record_errmsg(rec), "");
  dckpt_record_free(rec);
  dckpt_record_free(NULL);
}

/* dckpt_record_own copies what is lent, and only that: owned arrays keep
 * their memory, a decoded record is left as it is. */
static void test_own(void) {
  dckpt_record *rec = dckpt_record_create();
  double lent[3] = {1, 2, 3}, kept[2] = {7, 8};
  CHECK_OK(dckpt_record_put_ref(rec, "lent", DCKPT_F64, 1, (uint64_t[]){3}, lent));
  CHECK_OK(dckpt_record_put_f64(rec, "kept", kept, 2));
  CHECK_OK(dckpt_record_put_ref(rec, "empty", DCKPT_F64, 1, (uint64_t[]){0}, NULL));
  dckpt_array_info before, info;
  CHECK_OK(dckpt_record_find(rec, "kept", &before));
  CHECK_OK(dckpt_record_own(rec));
  CHECK_OK(dckpt_record_find(rec, "lent", &info));
  CHECK(info.data != lent);
  lent[1] = -1; /* the lender may change its memory now */
  double got[3];
  CHECK_OK(dckpt_record_get(rec, "lent", DCKPT_F64, got, 3));
  CHECK(got[0] == 1 && got[1] == 2 && got[2] == 3);
  CHECK_OK(dckpt_record_find(rec, "kept", &info));
  CHECK(info.data == before.data); /* owned already: not copied again */
  CHECK_OK(dckpt_record_own(rec)); /* idempotent */
  CHECK_OK(dckpt_record_find(rec, "lent", &before));
  CHECK(before.data != lent);
  dckpt_record *back = roundtrip_memory(rec, 1);
  CHECK_OK(dckpt_record_find(back, "kept", &before));
  CHECK_OK(dckpt_record_own(back));
  CHECK_OK(dckpt_record_find(back, "kept", &info));
  CHECK(info.data == before.data);
  CHECK_RC(dckpt_record_own(NULL), DCKPT_EINVAL);
  dckpt_record_free(back);
  dckpt_record_free(rec);
}

static void test_replace_and_ref(void) {
  dckpt_record *rec = dckpt_record_create();
  double a[2] = {1, 2}, b[4] = {3, 4, 5, 6};
  CHECK_OK(dckpt_record_put_f64(rec, "a", a, 2));
  CHECK_OK(dckpt_record_put_f64(rec, "b", a, 2));
  CHECK_OK(dckpt_record_put_ref(rec, "a", DCKPT_F64, 1, (uint64_t[]){4}, b));
  CHECK_EQ(dckpt_record_count(rec), 2);
  dckpt_array_info info;
  CHECK_OK(dckpt_record_at(rec, 0, &info)); /* keeps its position */
  CHECK_STR_EQ(info.name, "a");
  CHECK_EQ(info.nelems, 4);
  CHECK(info.data == b); /* borrowed, not copied */
  b[3] = 42;
  dckpt_record *back = roundtrip_memory(rec, 1);
  double got[4];
  CHECK_OK(dckpt_record_get(back, "a", DCKPT_F64, got, 4));
  CHECK(got[3] == 42);
  /* Many names exercise the name index growth. */
  for (int i = 0; i < 1000; i++) {
    char name[32];
    snprintf(name, sizeof name, "n%d", i);
    CHECK_OK(dckpt_record_put_i64(rec, name, (int64_t[]){i}, 1));
  }
  CHECK_OK(dckpt_record_put_i64(rec, "n500", (int64_t[]){-5}, 1));
  CHECK_EQ(dckpt_record_count(rec), 1002);
  int64_t v;
  CHECK_OK(dckpt_record_get(rec, "n500", DCKPT_I64, &v, 1));
  CHECK_EQ(v, -5);
  CHECK_OK(dckpt_record_get(rec, "n999", DCKPT_I64, &v, 1));
  CHECK_EQ(v, 999);
  dckpt_record_free(back);
  dckpt_record_free(rec);
}

static void test_put_errors(void) {
  dckpt_record *rec = dckpt_record_create();
  double x = 1;
  char long_name[300];
  memset(long_name, 'a', sizeof long_name);
  long_name[256] = '\0';
  CHECK_RC(dckpt_record_put_f64(rec, long_name, &x, 1), DCKPT_EINVAL);
  long_name[255] = '\0';
  CHECK_OK(dckpt_record_put_f64(rec, long_name, &x, 1)); /* 255 bytes is fine */
  CHECK_RC(dckpt_record_put_f64(rec, "", &x, 1), DCKPT_EINVAL);
  CHECK_RC(dckpt_record_put_f64(rec, "a/b", &x, 1), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_record_errmsg(rec), "a/b");
  CHECK_CONTAINS(dckpt_record_errmsg(rec), "a '/' at offset 1");
  /* names are UTF-8 (format.md): a broken one was written, the byte shown */
  CHECK_OK(dckpt_record_put_f64(rec, "caf\xc3\xa9 \xf0\x9f\x98\x80", &x, 1));
  CHECK_RC(dckpt_record_put_f64(rec, "caf\xe9", &x, 1), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_record_errmsg(rec),
                 "invalid array name 'caf\\xe9': not UTF-8: byte 0xe9 at offset 3");
  CHECK_RC(dckpt_record_put_f64(rec, "\xc0\xaf", &x, 1), DCKPT_EINVAL); /* overlong '/' */
  CHECK_CONTAINS(dckpt_record_errmsg(rec), "byte 0xc0 at offset 0");
  CHECK_RC(dckpt_record_put_f64(rec, "s\xed\xa0\x80", &x, 1),
           DCKPT_EINVAL); /* surrogate */
  CHECK_RC(dckpt_record_put_f64(rec, "\xf4\x90\x80\x80", &x, 1),
           DCKPT_EINVAL);                                                 /* > U+10FFFF */
  CHECK_RC(dckpt_record_put_f64(rec, "ab\xe2\x82", &x, 1), DCKPT_EINVAL); /* cut short */
  CHECK_CONTAINS(dckpt_record_errmsg(rec), "byte 0xe2 at offset 2");
  dckpt_array_info none;
  CHECK_RC(dckpt_record_find(rec, "caf\xe9", &none), DCKPT_ENOENT);
  CHECK_RC(dckpt_record_put_f64(rec, NULL, &x, 1), DCKPT_EINVAL);
  CHECK_RC(dckpt_record_put(rec, "t", (dckpt_dtype)0, 0, NULL, &x), DCKPT_EINVAL);
  CHECK_RC(dckpt_record_put(rec, "t", DCKPT_F64, 9, (uint64_t[9]){1}, &x), DCKPT_EINVAL);
  CHECK_RC(dckpt_record_put(rec, "t", DCKPT_F64, -1, NULL, &x), DCKPT_EINVAL);
  CHECK_RC(dckpt_record_put(rec, "t", DCKPT_F64, 1, NULL, &x), DCKPT_EINVAL);
  CHECK_RC(dckpt_record_put_f64(rec, "t", NULL, 2), DCKPT_EINVAL);
  uint64_t huge[2] = {UINT64_MAX / 2, 3};
  CHECK_RC(dckpt_record_put_ref(rec, "t", DCKPT_F64, 2, huge, &x), DCKPT_ETOOBIG);
  uint64_t big[1] = {UINT64_MAX / 8};
  CHECK_RC(dckpt_record_put_ref(rec, "t", DCKPT_F64, 1, big, &x), DCKPT_ETOOBIG);
  CHECK_CONTAINS(dckpt_record_errmsg(rec), "'t'");
  CHECK_OK(dckpt_record_put_f64(rec, "t", NULL, 0)); /* empty: NULL is fine */
  CHECK_RC(dckpt_record_set_header(rec, "[1,2]"), DCKPT_EINVAL);
  CHECK_RC(dckpt_record_set_header(rec, "{\"a\":"), DCKPT_EINVAL);
  CHECK_STR_EQ(dckpt_record_header(rec), "{}");
  CHECK_OK(dckpt_record_set_header(rec, "{\"a\":[1,{\"b\":\"\\u00e9\"}]}"));
  CHECK_STR_EQ(dckpt_record_header(rec), "{\"a\":[1,{\"b\":\"\\u00e9\"}]}");
  CHECK_OK(dckpt_record_set_header(rec, NULL));
  CHECK_STR_EQ(dckpt_record_header(rec), "{}");
  CHECK_RC(dckpt_record_set_header(rec, "[1,2]"), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_record_errmsg(rec), "JSON header: expected a JSON object");
  /* encode takes the record as const: no message, the previous one stays */
  CHECK_RC(dckpt_record_encode(rec, 23, &(void *){NULL}, &(size_t){0}), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_record_errmsg(rec), "JSON header: expected a JSON object");
  CHECK_RC(dckpt_record_encode(rec, -8, &(void *){NULL}, &(size_t){0}), DCKPT_EINVAL);
  dckpt_record_free(rec);
}

/* A record file written before 475f4a0 may hold a name that is not UTF-8,
 * which readers keep; dckpt_record_put_tolerant puts it back (the container's
 * reader rebuilds records with it) and waives that rule only. */
static void test_put_tolerant(void) {
  dckpt_record *rec = dckpt_record_create();
  double x = 2.5;
  uint64_t one = 1;
  CHECK_OK(dckpt_record_put_tolerant(rec, "caf\xe9", DCKPT_F64, 1, &one, &x));
  CHECK_OK(dckpt_record_put_tolerant(rec, "\xff", DCKPT_F64, 0, NULL, &x));
  CHECK_OK(dckpt_record_put_tolerant(rec, "ok", DCKPT_BYTES, 1, &one, "b"));
  dckpt_array_info info;
  CHECK_OK(dckpt_record_find(rec, "caf\xe9", &info));
  CHECK_EQ(info.nelems, 1);
  /* every other rule stays: '/', empty, too long, dtype, ndim, shape, data */
  CHECK_RC(dckpt_record_put_tolerant(rec, "\xe9/b", DCKPT_F64, 0, NULL, &x),
           DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_record_errmsg(rec), "a '/' at offset 1");
  CHECK_CONTAINS(dckpt_record_errmsg(rec), "names are 1..255 bytes without '/'");
  CHECK_RC(dckpt_record_put_tolerant(rec, "", DCKPT_F64, 0, NULL, &x), DCKPT_EINVAL);
  char long_name[300];
  memset(long_name, 0xe9, sizeof long_name);
  long_name[256] = '\0';
  CHECK_RC(dckpt_record_put_tolerant(rec, long_name, DCKPT_F64, 0, NULL, &x),
           DCKPT_EINVAL);
  CHECK_RC(dckpt_record_put_tolerant(rec, NULL, DCKPT_F64, 0, NULL, &x), DCKPT_EINVAL);
  CHECK_RC(dckpt_record_put_tolerant(rec, "\xe9", (dckpt_dtype)0, 0, NULL, &x),
           DCKPT_EINVAL);
  CHECK_RC(dckpt_record_put_tolerant(rec, "\xe9", DCKPT_F64, 9, (uint64_t[9]){1}, &x),
           DCKPT_EINVAL);
  CHECK_RC(dckpt_record_put_tolerant(rec, "\xe9", DCKPT_F64, 1, &one, NULL),
           DCKPT_EINVAL);
  CHECK_RC(dckpt_record_put_tolerant(NULL, "\xe9", DCKPT_F64, 0, NULL, &x), DCKPT_EINVAL);
  CHECK_EQ(dckpt_record_count(rec), 3);
  /* the strict put still refuses the name the tolerant one took */
  CHECK_RC(dckpt_record_put(rec, "caf\xe9", DCKPT_F64, 1, &one, &x), DCKPT_EINVAL);
  /* written, read and written again: the same bytes, the same names */
  void *enc = NULL, *again = NULL;
  size_t len = 0, len2 = 0;
  CHECK_OK(dckpt_record_encode(rec, 3, &enc, &len));
  dckpt_record *back = NULL;
  CHECK_OK(dckpt_record_parse(enc, len, &back));
  CHECK_OK(dckpt_record_at(back, 1, &info));
  CHECK_STR_EQ(info.name, "\xff");
  dckpt_record *copy = dckpt_record_create();
  for (size_t i = 0; i < dckpt_record_count(back); i++) {
    CHECK_OK(dckpt_record_at(back, i, &info));
    CHECK_OK(dckpt_record_put_tolerant(copy, info.name, info.dtype, info.ndim, info.shape,
                                       info.data));
  }
  CHECK_OK(dckpt_record_encode(copy, 3, &again, &len2));
  CHECK(len2 == len && memcmp(enc, again, len) == 0);
  dckpt_free(enc);
  dckpt_free(again);
  dckpt_record_free(copy);
  dckpt_record_free(back);
  dckpt_record_free(rec);
}

/* A header that dckpt_record_set_header() refuses: EINVAL, a message that
 * names the cause, and the header left as it was. */
static void header_refused(dckpt_record *rec, const char *json, const char *why) {
  CHECK_RC(dckpt_record_set_header(rec, json), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_record_errmsg(rec), "JSON header");
  CHECK_CONTAINS(dckpt_record_errmsg(rec), why);
  CHECK_STR_EQ(dckpt_record_header(rec), "{\"kept\":1}");
}

/* dckpt_record_set_header takes exactly one JSON object that every reader
 * reads alike; the tolerant setter takes what a reader of a file takes. */
static void test_header_strict(void) {
  dckpt_record *rec = dckpt_record_create();
  CHECK_OK(dckpt_record_set_header(rec, "{\"kept\":1}"));
  /* bytes after the object: Python's json refuses the text, cJSON read a prefix */
  header_refused(rec, "{\"a\":1} trailing", "malformed JSON at byte 8 (bytes after");
  header_refused(rec, "{}{}", "malformed JSON at byte 2 (bytes after");
  header_refused(rec, "{\"a\":1}\n]", "malformed JSON at byte 8 (bytes after");
  /* a key twice, at the top or deeper: cJSON reads the first, Python the last */
  header_refused(rec, "{\"a\":1,\"a\":2}", "key \"a\" appears twice in one object");
  header_refused(rec, "{\"o\":{\"b\":1,\"c\":0,\"b\":2}}", "key \"b\" appears twice");
  header_refused(rec, "{\"l\":[1,{\"d\":{},\"d\":[]}]}", "key \"d\" appears twice");
  /* not UTF-8 (a Latin-1 byte, an overlong '/', an encoded surrogate) */
  header_refused(rec, "{\"a\":\"caf\xe9\"}", "not UTF-8: byte 0xe9 at offset 9");
  header_refused(rec, "{\"a\xc0\xaf\":1}", "not UTF-8: byte 0xc0 at offset 3");
  header_refused(rec, "{\"a\":\"\xed\xa0\x80\"}", "not UTF-8: byte 0xed at offset 6");
  /* a number beyond a double: inf to cJSON and Python, null once printed */
  header_refused(rec, "{\"a\":1e999}", "key \"a\" holds a number beyond the range");
  header_refused(rec, "{\"o\":{\"n\":[0,-1e400]}}", "key \"n\" holds a number beyond");
  /* lone surrogates in escapes, a NUL escape's neighbours, no object at all */
  header_refused(rec, "{\"a\":\"\\ud800\"}", "malformed JSON at byte");
  header_refused(rec, "{\"a\":\"\\udc00x\"}", "malformed JSON at byte");
  header_refused(rec, "[1,2]", "expected a JSON object");
  header_refused(rec, "", "malformed JSON at byte 0");
  header_refused(rec, "{\"a\":1,}", "malformed JSON at byte");
  /* valid: nested objects, the same key in different objects, escapes and
   * UTF-8, surrogate pairs, finite numbers at a double's ends, white space */
  const char *valid[] = {
      "{}",
      " {\"a\":{\"a\":{\"a\":1}},\"b\":{\"a\":2}} \n\t",
      "{\"s\":\"\\u00e9\\n\\\"\\ud83d\\ude00\\u0000\",\"t\":\"caf\xc3\xa9 "
      "\xf0\x9f\x98\x80\"}",
      "{\"max\":1.7976931348623157e308,\"min\":-1.7976931348623157e308,"
      "\"tiny\":5e-324,\"under\":1e-400,\"int\":123456789012345678901234567890}",
      "{\"l\":[[{\"x\":null,\"y\":true,\"z\":false}],[]],\"e\":{}}",
  };
  for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
    CHECK_OK(dckpt_record_set_header(rec, valid[i]));
    CHECK_STR_EQ(dckpt_record_header(rec), valid[i]); /* kept byte for byte */
  }
  /* the size limit: 32 MiB passes, one byte more is ETOOBIG */
  size_t max = (size_t)32 << 20;
  char *big = malloc(max + 2);
  CHECK(big != NULL);
  memset(big, ' ', max + 1);
  memcpy(big, "{\"k\":[1,2,{\"a\":\"b\"}]}", 21);
  big[max] = '\0';
  CHECK_OK(dckpt_record_set_header(rec, big));
  CHECK_EQ(strlen(dckpt_record_header(rec)), max);
  big[max] = ' ', big[max + 1] = '\0';
  CHECK_RC(dckpt_record_set_header(rec, big), DCKPT_ETOOBIG);
  CHECK_CONTAINS(dckpt_record_errmsg(rec), "more than the limit");
  CHECK_RC(dckpt_record_set_header_tolerant(rec, big), DCKPT_ETOOBIG);
  free(big);
  CHECK_OK(dckpt_record_set_header(rec, "{\"kept\":1}"));
  /* the tolerant setter takes what a reader of a file takes, and no more */
  const char *old[] = {"{\"a\":1} trailing", "{\"a\":1,\"a\":2}", "{\"a\":\"caf\xe9\"}",
                       "{\"a\":1e999}"};
  for (size_t i = 0; i < sizeof old / sizeof old[0]; i++) {
    CHECK_OK(dckpt_record_set_header_tolerant(rec, old[i]));
    CHECK_STR_EQ(dckpt_record_header(rec), old[i]);
  }
  CHECK_RC(dckpt_record_set_header_tolerant(rec, "[1]"), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_record_errmsg(rec), "not a JSON object");
  CHECK_RC(dckpt_record_set_header_tolerant(rec, "{\"a\":"), DCKPT_EINVAL);
  CHECK_RC(dckpt_record_set_header_tolerant(NULL, "{}"), DCKPT_EINVAL);
  CHECK_STR_EQ(dckpt_record_header(rec), "{\"a\":1e999}");
  CHECK_OK(dckpt_record_set_header_tolerant(rec, NULL));
  CHECK_STR_EQ(dckpt_record_header(rec), "{}");
  dckpt_record_free(rec);
}

/* A record file whose header a writer before the strict setter wrote (bytes
 * after the object, a key twice, not UTF-8, 1e999) still reads, header byte
 * for byte; a copy made through the tolerant setter writes the same file. */
static void test_header_old_file(void) {
  const char *old[] = {"{\"a\":1} x", "{\"a\":1,\"o\":{\"b\":1,\"b\":2}}",
                       "{\"a\":\"caf\xe9\"}", "{\"a\":-1e999}", "{}{}"};
  char path[512], err[1024];
  snprintf(path, sizeof path, "%s/old_header.dckpt", DCKPT_TEST_TMP);
  for (size_t i = 0; i < sizeof old / sizeof old[0]; i++) {
    dckpt_record *rec = dckpt_record_create();
    const double x[2] = {1, 2};
    CHECK_OK(dckpt_record_put_f64(rec, "x", x, 2));
    CHECK_OK(dckpt_record_set_header_n_(rec, old[i], strlen(old[i])));
    void *enc = NULL, *again = NULL;
    size_t len = 0, len2 = 0;
    CHECK_OK(dckpt_record_encode(rec, 3, &enc, &len));
    CHECK_OK(dckpt_record_write(rec, path, 3, DCKPT_DURABILITY_NONE));
    dckpt_record *back = NULL;
    CHECK_OK(t_read(path, &back, err, sizeof err));
    CHECK_STR_EQ(dckpt_record_header(back), old[i]);
    double y[2];
    CHECK_OK(dckpt_record_get(back, "x", DCKPT_F64, y, 2));
    CHECK(y[0] == 1 && y[1] == 2);
    /* the strict setter refuses to copy it; the tolerant one copies it */
    dckpt_record *copy = dckpt_record_create();
    CHECK_OK(dckpt_record_put_f64(copy, "x", y, 2));
    CHECK_RC(dckpt_record_set_header(copy, dckpt_record_header(back)), DCKPT_EINVAL);
    CHECK_OK(dckpt_record_set_header_tolerant(copy, dckpt_record_header(back)));
    CHECK_OK(dckpt_record_encode(copy, 3, &again, &len2));
    CHECK(len2 == len && memcmp(enc, again, len) == 0);
    CHECK_EQ(unlink(path), 0);
    dckpt_free(enc);
    dckpt_free(again);
    dckpt_record_free(copy);
    dckpt_record_free(back);
    dckpt_record_free(rec);
  }
}

/* ---- group "codec": encode/decode round trips and the shuffle ---- */

static void test_roundtrip_levels(void) {
  dckpt_record *rec = sample_record(1);
  for (size_t l = 0; l < N_LEVELS; l++) {
    dckpt_record *back = roundtrip_memory(rec, k_levels[l]);
    check_same_record(rec, back);
    dckpt_record_free(back);
  }
  dckpt_record_free(rec);
}

static void test_edge_records(void) {
  /* No arrays at all, default header. */
  dckpt_record *empty = dckpt_record_create();
  for (size_t l = 0; l < N_LEVELS; l++) {
    dckpt_record *back = roundtrip_memory(empty, k_levels[l]);
    CHECK_EQ(dckpt_record_count(back), 0);
    CHECK_STR_EQ(dckpt_record_header(back), "{}");
    dckpt_record_free(back);
  }
  /* Scalars, empty arrays and a zero-size shape in the middle of others. */
  dckpt_record *rec = dckpt_record_create();
  double pi = 3.14159;
  int64_t k = -7;
  uint8_t one = 0xAB;
  CHECK_OK(dckpt_record_put(rec, "pi", DCKPT_F64, 0, NULL, &pi));
  CHECK_OK(dckpt_record_put(rec, "none", DCKPT_F64, 1, (uint64_t[]){0}, NULL));
  CHECK_OK(dckpt_record_put(rec, "k", DCKPT_I64, 0, NULL, &k));
  CHECK_OK(dckpt_record_put(rec, "m0", DCKPT_F32, 3, (uint64_t[]){4, 0, 2}, NULL));
  CHECK_OK(dckpt_record_put(rec, "b", DCKPT_BYTES, 0, NULL, &one));
  CHECK_OK(dckpt_record_put(rec, "f", DCKPT_F32, 1, (uint64_t[]){3}, (float[]){1, 2, 3}));
  CHECK_OK(dckpt_record_set_header(rec, "{\"x\":[1,2,{\"y\":null}],\"s\":\"\\n\"}"));
  for (size_t l = 0; l < N_LEVELS; l++) {
    dckpt_record *back = roundtrip_memory(rec, k_levels[l]);
    check_same_record(rec, back);
    dckpt_array_info info;
    CHECK_OK(dckpt_record_find(back, "pi", &info));
    CHECK_EQ(info.ndim, 0);
    CHECK_EQ(info.nelems, 1);
    CHECK_OK(dckpt_record_find(back, "m0", &info));
    CHECK_EQ(info.nbytes, 0);
    CHECK_EQ(info.shape[2], 2);
    dckpt_record_free(back);
  }
  dckpt_record_free(rec);
  dckpt_record_free(empty);
}

/* Byte-at-a-time reference of one block. */
static void ref_shuffle(uint8_t *dst, const uint8_t *src, size_t n, size_t esize) {
  for (size_t i = 0; i < n; i++)
    for (size_t b = 0; b < esize; b++)
      dst[b * n + i] = src[i * esize + b];
}

/* Against the reference, with every kernel the CPU has: AVX2 (where there
 * is one) for 32 elements, SSE2 for the next 16, bytes for the rest. */
static void check_shuffle_kernels(void) {
  const size_t counts[] = {0,  1,  2,  3,  7,  8,  9,   15,  16,   17,  31,
                           32, 33, 47, 48, 63, 64, 100, 113, 1001, 4099};
  const size_t esizes[] = {1, 4, 8};
  for (size_t e = 0; e < 3; e++)
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
      size_t n = counts[c], es = esizes[e], nb = n * es;
      uint8_t *src = malloc(nb + 1), *a = malloc(nb + 1), *b = malloc(nb + 1);
      fill_random(src, nb + 1, n * 31 + es);
      ref_shuffle(a, src, n, es);
      dckpt_shuffle(b, src, n, es);
      CHECK(memcmp(a, b, nb) == 0);
      dckpt_unshuffle(a, b, n, es);
      CHECK(memcmp(a, src, nb) == 0);
      if (es == 8) { /* from planes that lie apart, in reverse order */
        uint8_t *apart = malloc(8 * (n + 5) + 1);
        const uint8_t *planes[8];
        for (size_t p = 0; p < 8; p++) {
          uint8_t *at = apart + (7 - p) * (n + 5) + 1; /* odd addresses */
          memcpy(at, b + p * n, n);
          planes[p] = at;
        }
        memset(a, 0, nb);
        dckpt_unshuffle8_planes(a, planes, n);
        CHECK(memcmp(a, src, nb) == 0);
        free(apart);
      }
      free(src);
      free(a);
      free(b);
    }
}

static void test_shuffle(void) {
  bool avx2 = dckpt_shuffle_allow_avx2_(true);
  fprintf(stderr, "shuffle kernels: %s\n", avx2 ? "AVX2 + SSE2" : "without AVX2");
  check_shuffle_kernels();
  if (avx2) {
    CHECK(!dckpt_shuffle_allow_avx2_(false));
    check_shuffle_kernels();
    dckpt_shuffle_allow_avx2_(true);
  }
  /* Whole arrays go block by block: each 1 MiB block is shuffled alone. */
  size_t nb = 3 * DCKPT_SHUFFLE_BLOCK + 8 * 13;
  uint8_t *src = malloc(nb), *a = malloc(nb), *b = malloc(nb);
  fill_random(src, nb, 5);
  for (size_t off = 0; off < nb; off += DCKPT_SHUFFLE_BLOCK) {
    size_t len = nb - off < DCKPT_SHUFFLE_BLOCK ? nb - off : DCKPT_SHUFFLE_BLOCK;
    ref_shuffle(a + off, src + off, len / 8, 8);
  }
  dckpt_shuffle_array(b, src, nb, 8);
  CHECK(memcmp(a, b, nb) == 0);
  dckpt_unshuffle_array(a, b, nb, 8);
  CHECK(memcmp(a, src, nb) == 0);
  free(src);
  free(a);
  free(b);
}

static void test_layout(void) {
  /* The first bytes are fixed by docs/format.md. */
  dckpt_record *rec = sample_record(2);
  void *buf;
  size_t len;
  CHECK_OK(dckpt_record_encode(rec, 1, &buf, &len));
  const uint8_t *p = buf;
  CHECK_EQ(dckpt_le32(p), 0x184D2A5Du);
  CHECK(memcmp(p + 8, "DCKPTREC", 8) == 0);
  CHECK_EQ(dckpt_le32(p + 16), 1);
  CHECK_EQ(dckpt_le32(p + 24), 1); /* zstd */
  CHECK_EQ(dckpt_le32(p + 28), 1); /* level */
  CHECK_EQ(dckpt_le32(p + 32), 5); /* arrays */
  uint64_t hb = 8 + (uint64_t)dckpt_le32(p + 4);
  CHECK_EQ(dckpt_le32(p + hb), 0xFD2FB528u); /* payload is a zstd frame */
  CHECK_EQ(dckpt_le64(p + 40), len - hb);
  CHECK_EQ(dckpt_le64(p + hb - 8), XXH3_64bits(p, (size_t)hb - 8));
  dckpt_free(buf);
  CHECK_OK(dckpt_record_encode(rec, 0, &buf, &len));
  p = buf;
  hb = 8 + (uint64_t)dckpt_le32(p + 4);
  CHECK_EQ(dckpt_le32(p + 24), 0);
  CHECK_EQ(dckpt_le64(p + 40), dckpt_le64(p + 48)); /* raw: stored == raw */
  dckpt_array_info info;
  CHECK_OK(dckpt_record_at(rec, 0, &info)); /* raw payload is the arrays as is */
  CHECK(memcmp(p + hb, info.data, (size_t)info.nbytes) == 0);
  dckpt_free(buf);
  dckpt_record_free(rec);
}

/* ---- group "file": files, the streaming writer ---- */

static void check_file_equals_encode(const dckpt_record *rec, int level,
                                     const char *path) {
  void *buf;
  size_t len, flen;
  CHECK_OK(dckpt_record_encode(rec, level, &buf, &len));
  uint8_t *file = slurp(path, &flen);
  CHECK_EQ(flen, len);
  CHECK(memcmp(file, buf, len) == 0);
  free(file);
  dckpt_free(buf);
}

/* Open descriptors of this process whose file has no name any more (the
 * files dckpt_record_write replaced, until the record's reaper closes them).
 * Looked at through /proc/self/fd/N, not fstat(N): the reaper's thread may be
 * closing N meanwhile, and an fstat racing that close is a data race on the
 * descriptor (ThreadSanitizer reports it), where stat of the /proc name
 * simply finds the descriptor open or gone. */
static int unnamed_open_files(void) {
  int n = 0;
  for (int fd = 0; fd < 1024; fd++) {
    char name[64];
    struct stat st;
    snprintf(name, sizeof name, "/proc/self/fd/%d", fd);
    if (stat(name, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 0) n++;
  }
  return n;
}

/* A record saved over its previous version, with and without durability:
 * every version reads back whole, no temporary is left, and the replaced
 * files (freed off the caller's thread) are all closed once the record is
 * freed. */
static void test_file_replaced(void) {
  dckpt_record *rec = sample_record(3);
  const char *path = tmp_path("replaced.dckpt");
  unlink(path);
  int before = unnamed_open_files();
  for (int i = 0; i < 6; i++) {
    char err[1024];
    CHECK_OK(dckpt_record_put_i64(rec, "round", (int64_t[]){i}, 1));
    CHECK_OK(t_write(rec, path, 1, i % 2 == 0, err, sizeof err));
    dckpt_record *back = NULL;
    CHECK_OK(t_read(path, &back, err, sizeof err));
    check_same_record(rec, back);
    dckpt_record_free(back);
  }
  dckpt_record_free(rec); /* waits for the replaced files' closes */
  CHECK_EQ(unnamed_open_files(), before);
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", DCKPT_TEST_TMP);
  char prefix[256];
  snprintf(prefix, sizeof prefix, ".dckpt-tmp.format-%ld-replaced", (long)getpid());
  DIR *d = opendir(dir);
  CHECK(d != NULL);
  for (struct dirent *e; (e = readdir(d));)
    CHECK(strncmp(e->d_name, prefix, strlen(prefix)) != 0);
  closedir(d);
  unlink(path);
}

/* Many records that each replaced a file hold no thread once their replaced
 * files are freed: each kept a reaper thread of its own until it was freed
 * (a program holding thousands of records held thousands of idle threads,
 * against its RLIMIT_NPROC). A forked child writes over its files on its own
 * thread; a save after the thread ended starts one again. */
static void test_file_replaced_many(void) {
  enum { N = 48 };
  int base = check_threads_now(), files = unnamed_open_files();
  dckpt_record *recs[N];
  static char paths[N][1100];
  char err[1024];
  for (int i = 0; i < N; i++) {
    snprintf(paths[i], sizeof paths[i], "%s/format-%ld-many-%d.dckpt", DCKPT_TEST_TMP,
             (long)getpid(), i);
    recs[i] = sample_record((uint64_t)i);
    for (int k = 0; k < 2; k++) /* the second replaces the first */
      CHECK_OK(t_write(recs[i], paths[i], 1, false, err, sizeof err));
  }
  /* the state: every replaced file closed, every reaper thread ended */
  for (int k = 0;
       k < 6000 && (check_threads_now() > base || unnamed_open_files() > files); k++)
    usleep(10000);
  CHECK_EQ(unnamed_open_files(), files);
  CHECK_LE(check_threads_now(), base);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    int bad = 0;
    for (int i = 0; i < 4; i++)
      bad |= t_write(recs[i], paths[i], 1, i % 2 == 0, err, sizeof err) != DCKPT_OK;
    for (int i = 0; i < 4; i++)
      dckpt_record_free(recs[i]);
    _exit(bad || unnamed_open_files() != files ? 1 : 0);
  }
  int status = 0;
  CHECK_EQ(waitpid(pid, &status, 0), pid);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK_OK(dckpt_record_put_i64(recs[0], "round", (int64_t[]){1}, 1));
  CHECK_OK(t_write(recs[0], paths[0], 1, true, err, sizeof err));
  dckpt_record *back = NULL;
  CHECK_OK(t_read(paths[0], &back, err, sizeof err));
  check_same_record(recs[0], back);
  dckpt_record_free(back);
  for (int i = 0; i < N; i++) {
    dckpt_record_free(recs[i]); /* waits for its replaced files' closes */
    unlink(paths[i]);
  }
  CHECK_EQ(unnamed_open_files(), files);
  /* every free joined its thread; the kernel may list one a moment longer */
  for (int k = 0; k < 6000 && check_threads_now() > base; k++)
    usleep(10000);
  CHECK_LE(check_threads_now(), base);
}

static void test_file_roundtrip(void) {
  dckpt_record *rec = sample_record(3);
  const char *path = tmp_path("rt.dckpt");
  for (size_t l = 0; l < N_LEVELS; l++) {
    char err[1024];
    CHECK_OK(t_write(rec, path, k_levels[l], l % 2 == 0, err, sizeof err));
    dckpt_file_info fi;
    CHECK_OK(t_stat(path, &fi, err, sizeof err));
    CHECK_EQ(fi.format_version, 1);
    CHECK_EQ(fi.compressed, k_levels[l] != 0);
    CHECK_EQ(fi.level, k_levels[l]);
    CHECK_EQ(fi.n_arrays, 5);
    CHECK_EQ(fi.raw_bytes, 15 * 20 * 8 + 3 * 5 * 7 * 4 + 37 * 8 + 11 * 8 + 2999);
    struct stat st;
    CHECK_EQ(stat(path, &st), 0);
    CHECK_EQ(fi.file_bytes, st.st_size);
    CHECK_LT(fi.payload_bytes, fi.file_bytes);
    dckpt_record *back = NULL;
    CHECK_OK(t_read(path, &back, err, sizeof err));
    check_same_record(rec, back);
    dckpt_record_free(back);
    check_file_equals_encode(rec, k_levels[l], path);
  }
  CHECK_EQ(unlink(path), 0);
  dckpt_record_free(rec);
}

/* ---- scratch reuse: many records of varying sizes through one scratch ---- */

/* f64 bytes of the records saved in turn: the scratch grows, is reused by
 * smaller records, meets the empty record, records just below and above
 * DCKPT_STREAM_MIN (saves stream, compressed loads are still read whole) and
 * above DCKPT_READ_WHOLE_MAX (loads stream too; the streamed paths also
 * borrow it) and grows again. */
static const size_t k_scratch_sizes[] = {0,
                                         8,
                                         65536,
                                         1 << 20,
                                         16,
                                         (4 << 20) - 4096,
                                         200000,
                                         (5 << 20) + 8,
                                         (9 << 20) + 8,
                                         24,
                                         3 << 20,
                                         8};
#define N_SCRATCH_SIZES (sizeof k_scratch_sizes / sizeof k_scratch_sizes[0])

/* A record of `f64_bytes` of smooth doubles (shuffled when compressed), an
 * odd-sized byte array and an f32 array (so arrays are not 8-byte multiples
 * and the arena pads), whose contents depend on `seed`. */
static dckpt_record *sized_record(size_t f64_bytes, uint64_t seed) {
  dckpt_record *rec = dckpt_record_create();
  CHECK(rec != NULL);
  size_t n = f64_bytes / 8, nb = 1 + (size_t)(seed % 977), ni = 3 + (size_t)(seed % 13);
  double *x = smooth_state(n ? n : 1, seed);
  uint8_t *b = malloc(nb);
  float *v = malloc(ni * sizeof *v);
  CHECK(b != NULL && v != NULL);
  fill_random(b, nb, seed);
  fill_random(v, ni * sizeof *v, seed + 1);
  CHECK_OK(dckpt_record_put(rec, "bytes", DCKPT_BYTES, 1, (uint64_t[]){nb}, b));
  CHECK_OK(dckpt_record_put(rec, "x", DCKPT_F64, 2, (uint64_t[]){2, n / 2}, x));
  CHECK_OK(dckpt_record_put(rec, "v", DCKPT_F32, 1, (uint64_t[]){ni}, v));
  char json[64];
  snprintf(json, sizeof json, "{\"seed\":%llu}", (unsigned long long)seed);
  CHECK_OK(dckpt_record_set_header(rec, json));
  free(x);
  free(b);
  free(v);
  return rec;
}

/* After a later call reused the scratch, the previous record and what was
 * loaded for it must still be equal (a load never points into the scratch);
 * then (rec, back) become the previous pair. NULL, NULL frees the last pair. */
static void keep_as_previous(dckpt_record **prev, dckpt_record **prev_back,
                             dckpt_record *rec, dckpt_record *back) {
  if (*prev) check_same_record(*prev, *prev_back);
  dckpt_record_free(*prev);
  dckpt_record_free(*prev_back);
  *prev = rec;
  *prev_back = back;
}

/* The internal API with one caller-owned scratch: every record reads back
 * equal, the file is the same as without a scratch, and a loaded record stays
 * intact after later loads reuse the scratch (it never points into it). */
static void test_scratch_reuse(void) {
  const char *path = tmp_path("scratch.dckpt");
  dckpt_scratch sc = {0};
  dckpt_record *prev = NULL, *prev_back = NULL;
  for (size_t i = 0; i < 2 * N_SCRATCH_SIZES; i++) {
    static const int levels[] = {1, 0, 3, -5}; /* not 19: too slow at 5 MiB */
    int level = levels[i % 4];
    dckpt_record *rec = sized_record(k_scratch_sizes[i % N_SCRATCH_SIZES], i);
    dckpt_io_opts io = {.durable = false, .label = "record"};
    dckpt_err err;
    dckpt_err_clear(&err);
    CHECK_OK(dckpt_record_write_atomic(rec, NULL, path, level, &io, &sc, &err));
    check_file_equals_encode(rec, level, path);
    dckpt_record *back = NULL;
    CHECK_OK(dckpt_record_file_read(path, &back, &sc, &err));
    check_same_record(rec, back);
    keep_as_previous(&prev, &prev_back, rec, back);
  }
  keep_as_previous(&prev, &prev_back, NULL, NULL);
  dckpt_scratch_free(&sc);
  dckpt_scratch_free(&sc); /* freeing zeroes it: twice is harmless */
  CHECK_EQ(unlink(path), 0);
}

/* The same through one store handle, whose scratch serves every save and
 * load: saves of varying sizes, each loaded back as the latest. */
static void test_store_scratch(void) {
  const char *dir = tmp_path("store");
  dckpt_store_options o;
  dckpt_store_options_init(&o);
  o.keep_n = 2;
  o.durability = DCKPT_DURABILITY_NONE;
  dckpt_store *s = NULL;
  CHECK_OK(dckpt_store_open(dir, &o, &s));
  dckpt_algorithm_info alg = {.name = "gd", .iterations = 1000};
  dckpt_metadata plan = {.n_trials = 1, .n_algorithms = 1, .algorithms = &alg};
  CHECK_OK(dckpt_store_initialize(s, &plan, NULL, NULL));
  dckpt_record *prev = NULL, *prev_back = NULL;
  for (int64_t it = 0; it < (int64_t)(2 * N_SCRATCH_SIZES); it++) {
    dckpt_record *rec =
        sized_record(k_scratch_sizes[(size_t)it % N_SCRATCH_SIZES], 100 + (uint64_t)it);
    CHECK_OK(dckpt_store_save(s, 0, 0, it, rec));
    dckpt_record *back = NULL;
    int64_t at = -1;
    CHECK_OK(dckpt_store_load_latest(s, 0, 0, &back, &at));
    CHECK_EQ(at, it);
    CHECK(back != NULL);
    check_same_record(rec, back);
    keep_as_previous(&prev, &prev_back, rec, back);
  }
  keep_as_previous(&prev, &prev_back, NULL, NULL);
  dckpt_store_close(s);
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK_EQ(system(cmd), 0);
}

/* The record-file API lends its calls one shared scratch (format/scratch.h);
 * threads that call at once must each get a scratch of their own: several
 * threads save and load records of every size through the public calls,
 * each to its own file, and every record reads back equal. */
typedef struct shared_job {
  int id;
  int failures;
} shared_job;

static void *shared_scratch_thread(void *arg) {
  shared_job *job = arg;
  char path[1100]; /* not tmp_path(): its buffers are not thread-safe */
  snprintf(path, sizeof path, "%s/format-%ld-shared-%d.dckpt", DCKPT_TEST_TMP,
           (long)getpid(), job->id);
  for (size_t i = 0; i < N_SCRATCH_SIZES; i++) {
    size_t k = (i + (size_t)job->id * 3) % N_SCRATCH_SIZES;
    dckpt_record *rec = sized_record(k_scratch_sizes[k], 1000 * (uint64_t)job->id + i);
    char err[1024];
    dckpt_record *back = NULL;
    if (t_write(rec, path, job->id % 2 ? 1 : -3, false, err, sizeof err) ||
        t_read(path, &back, err, sizeof err)) {
      fprintf(stderr, "thread %d: %s\n", job->id, err);
      job->failures++;
    } else {
      check_same_record(rec, back);
    }
    dckpt_record_free(rec);
    dckpt_record_free(back);
  }
  unlink(path);
  return NULL;
}

static void test_shared_scratch(void) {
  enum { N = 4 };
  pthread_t t[N];
  shared_job jobs[N];
  for (int i = 0; i < N; i++) {
    jobs[i] = (shared_job){i, 0};
    CHECK_EQ(pthread_create(&t[i], NULL, shared_scratch_thread, &jobs[i]), 0);
  }
  for (int i = 0; i < N; i++) {
    CHECK_EQ(pthread_join(t[i], NULL), 0);
    CHECK_EQ(jobs[i].failures, 0);
  }
}

static void test_file_errors(void) {
  dckpt_record *rec = sample_record(4), *out = (dckpt_record *)1;
  char err[1024];
  const char *missing = tmp_path("no-such-file.dckpt");
  CHECK_RC(t_read(missing, &out, err, sizeof err), DCKPT_ENOENT);
  CHECK(out == NULL);
  CHECK_CONTAINS(err, missing);
  dckpt_file_info fi;
  CHECK_RC(t_stat(missing, &fi, err, sizeof err), DCKPT_ENOENT);
  char dir_path[1100];
  snprintf(dir_path, sizeof dir_path, "%s/no-such-dir/x.dckpt", tmp_path("d"));
  CHECK_NE(t_write(rec, dir_path, 1, false, err, sizeof err), DCKPT_OK);
  CHECK_CONTAINS(err, "no-such-dir");
  /* A bad level is refused before anything is created. */
  const char *path = tmp_path("lvl.dckpt");
  CHECK_RC(t_write(rec, path, 99, false, err, sizeof err), DCKPT_EINVAL);
  CHECK(access(path, F_OK) != 0);
  /* A directory is not a record. */
  CHECK_RC(t_read(DCKPT_TEST_TMP, &out, err, sizeof err), DCKPT_EINVAL);
  /* Not a record at all. */
  spit(path, "hello world, not a record", 25);
  CHECK_RC(t_read(path, &out, err, sizeof err), DCKPT_ECORRUPT);
  CHECK_CONTAINS(err, path);
  CHECK_CONTAINS(err, "not a dckpt record");
  spit(path, "", 0);
  CHECK_RC(t_read(path, &out, err, sizeof err), DCKPT_ECORRUPT);
  CHECK_RC(t_stat(path, &fi, err, sizeof err), DCKPT_ECORRUPT);
  CHECK_EQ(unlink(path), 0);
  dckpt_record_free(rec);
}

/* Large enough for the streaming, multi-threaded path (`x_bytes` 20 MiB),
 * or for the whole load whose arena is filled on a second thread (4 MiB:
 * 2 to 8 MiB of arrays, format/decode.c); several arrays so that
 * blocks, array ends and unaligned offsets all meet in one stream: empty
 * arrays first, between and last, and an unshuffled byte array of several
 * blocks (passed to the compressor without a copy). */
static void check_large(size_t x_bytes) {
  size_t n = x_bytes / 8, n_odd = x_bytes < (8u << 20) ? 1500007 : 3000003;
  double *x = smooth_state(n, 7);
  uint8_t *odd = malloc(n_odd);
  fill_random(odd, n_odd, 9);
  float *f = malloc(333333 * sizeof *f);
  for (size_t i = 0; i < 333333; i++)
    f[i] = (float)x[i];
  dckpt_record *rec = dckpt_record_create();
  double none = 0;
  CHECK_OK(dckpt_record_put(rec, "first", DCKPT_F64, 1, (uint64_t[]){0}, &none));
  CHECK_OK(dckpt_record_put_bytes(rec, "odd", odd, n_odd));
  CHECK_OK(dckpt_record_put_ref(rec, "x", DCKPT_F64, 1, (uint64_t[]){n}, x));
  CHECK_OK(dckpt_record_put(rec, "between", DCKPT_I64, 1, (uint64_t[]){0}, &none));
  CHECK_OK(dckpt_record_put(rec, "f", DCKPT_F32, 1, (uint64_t[]){333333}, f));
  CHECK_OK(dckpt_record_put(rec, "last", DCKPT_U64, 1, (uint64_t[]){0}, &none));
  const char *path = tmp_path("large.dckpt");
  const int levels[] = {1, 0, -5, 4}; /* 4: zstd's own threads as well */
  for (size_t l = 0; l < 4; l++) {
    char err[1024];
    CHECK_OK(t_write(rec, path, levels[l], true, err, sizeof err));
    dckpt_record *back;
    CHECK_OK(t_read(path, &back, err, sizeof err));
    check_same_record(rec, back);
    dckpt_record_free(back);
    dckpt_file_info fi;
    CHECK_OK(t_stat(path, &fi, err, sizeof err));
    if (levels[l] == 1) CHECK_LT(fi.file_bytes * 5, fi.raw_bytes * 4); /* >= 1.25x */
    check_file_equals_encode(rec, levels[l], path);
    back = roundtrip_memory(rec, levels[l]);
    check_same_record(rec, back);
    dckpt_record_free(back);
  }
  CHECK_EQ(unlink(path), 0);
  dckpt_record_free(rec);
  free(x);
  free(odd);
  free(f);
}

static void test_large(void) {
  check_large((size_t)20 << 20);
  check_large((size_t)4 << 20);
}

/* The streamed save's compressor (and a large load's reader) runs on the
 * thread kept by the scratch the call works in (format/scratch.h): the
 * process's shared one, which the record-file calls and a store handle
 * borrow and which stays asleep for the life of the process, or, while
 * another call holds that one, the store's own, joined by dckpt_store_close.
 * Saves in a row give the same bytes as ever; a forked child saves on
 * threads of its own; records and closed stores hold no thread: the count
 * is back to what it was once the shared thread and the process's reaper
 * (which closes the files that record writes replace) existed, as soon as
 * the store is closed. */

static void test_large_kept(void) {
  dckpt_record *rec = sized_record((size_t)5 << 20, 41);
  const char *path = tmp_path("kept.dckpt");
  char err[1024];
  (void)unlink(path);
  CHECK_OK(t_write(rec, path, 1, false, err, sizeof err)); /* the shared thread */
  CHECK_OK(t_write(rec, path, 1, false, err, sizeof err)); /* the process's reaper */
  int base = check_threads_now();
  for (int i = 0; i < 3; i++) {
    CHECK_OK(t_write(rec, path, i == 2 ? 4 : 1, i == 1, err, sizeof err));
    dckpt_record *back = NULL;
    CHECK_OK(t_read(path, &back, err, sizeof err));
    check_same_record(rec, back);
    dckpt_record_free(back);
    check_file_equals_encode(rec, i == 2 ? 4 : 1, path);
  }
  CHECK_LE(check_threads_now(), base);
  const char *dir = tmp_path("kept-store");
  dckpt_store_options o;
  dckpt_store_options_init(&o);
  o.keep_n = 2;
  dckpt_store *st = NULL;
  CHECK_OK(dckpt_store_open(dir, &o, &st));
  dckpt_algorithm_info alg = {.name = "gd", .iterations = 1000};
  dckpt_metadata plan = {.n_trials = 1, .n_algorithms = 1, .algorithms = &alg};
  CHECK_OK(dckpt_store_initialize(st, &plan, NULL, NULL));
  /* the shared scratch held: the store saves in its own, on its own thread */
  dckpt_scratch *held = dckpt_scratch_borrow(false);
  CHECK(held != NULL);
  for (int64_t it = 0; it < 3; it++)
    CHECK_OK(dckpt_store_save(st, 0, 0, it, rec));
  CHECK(check_threads_now() > base); /* the store's kept thread (and its reaper) */
#ifndef __SANITIZE_THREAD__ /* TSan lets no child of a threaded parent start one */
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    int bad = t_write(rec, path, 1, false, err, sizeof err) != DCKPT_OK;
    bad |= dckpt_store_save(st, 0, 0, 3, rec) != DCKPT_OK;
    dckpt_record *back = NULL;
    bad |= t_read(path, &back, err, sizeof err) != DCKPT_OK;
    dckpt_record_free(back);
    dckpt_store_close(st);
    dckpt_record_free(rec);
    _exit(bad);
  }
  int status = 0;
  CHECK_EQ(waitpid(pid, &status, 0), pid);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
#endif
  dckpt_scratch_give_back(held);
  CHECK_OK(dckpt_store_save(st, 0, 0, 4, rec));
  dckpt_record *back = NULL;
  int64_t at = -1;
  CHECK_OK(dckpt_store_load_latest(st, 0, 0, &back, &at));
  CHECK_EQ(at, 4);
  check_same_record(rec, back);
  dckpt_record_free(back);
  dckpt_store_close(st);
  dckpt_record_free(rec);
  CHECK_LE(check_threads_now(), base);
  CHECK_EQ(unlink(path), 0);
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK_EQ(system(cmd), 0);
}

/* The streaming reader (large files: above DCKPT_READ_WHOLE_MAX when
 * compressed) sees damage too: flips anywhere in the payload, a damaged
 * stored hash, and truncation. */
static void test_large_corrupt(void) {
  size_t n = (10u << 20) / 8;
  double *x = smooth_state(n, 12);
  dckpt_record *rec = dckpt_record_create();
  CHECK_OK(dckpt_record_put_ref(rec, "x", DCKPT_F64, 1, (uint64_t[]){n}, x));
  CHECK_OK(dckpt_record_put_bytes(rec, "tail", "end", 3));
  const char *path = tmp_path("large-corrupt.dckpt");
  for (int level = 0; level <= 1; level++) {
    void *enc;
    size_t len;
    CHECK_OK(dckpt_record_encode(rec, level, &enc, &len));
    uint8_t *buf = enc;
    uint64_t hb = 8 + (uint64_t)dckpt_le32(buf + 4);
    const size_t spots[] = {(size_t)hb, (size_t)hb + 7, (size_t)hb + 4096, len / 2,
                            len - 9,    len - 1,        (size_t)hb - 16};
    for (size_t i = 0; i < sizeof spots / sizeof spots[0]; i++) {
      buf[spots[i]] ^= 0x04;
      spit(path, buf, len);
      dckpt_record *out;
      char err[1024];
      CHECK_RC(t_read(path, &out, err, sizeof err), DCKPT_ECORRUPT);
      CHECK_CONTAINS(err, path);
      CHECK_RC(t_parse(buf, len, &out, err, sizeof err), DCKPT_ECORRUPT);
      buf[spots[i]] ^= 0x04;
    }
    spit(path, buf, len);
    dckpt_record *out;
    char err[1024];
    CHECK_OK(t_read(path, &out, err, sizeof err)); /* restored */
    dckpt_record_free(out);
    spit(path, buf, len / 2);
    CHECK_RC(t_read(path, &out, err, sizeof err), DCKPT_ECORRUPT);
    dckpt_free(enc);
  }
  CHECK_EQ(unlink(path), 0);
  dckpt_record_free(rec);
  free(x);
}

/* Compressed files of 1 to 8 MiB of arrays (DCKPT_LOAD_PIECES_MIN ..
 * DCKPT_READ_WHOLE_MAX) are decoded from 256 KiB pieces, each hashed as it
 * is read (format/decode.c): a damaged byte anywhere in the payload after
 * the frame header (checked first, as for the streamed load), also where zstd
 * fails first, is reported as a checksum mismatch; a frame cut
 * short or followed by more bytes, with both hashes made to match, as a
 * broken frame. Every array's bytes must come back, also the placed ones. */
static void test_pieces_corrupt(void) {
  size_t n = (3u << 20) / 8 + 5;
  double *x = smooth_state(n, 13);
  dckpt_record *rec = dckpt_record_create();
  CHECK_OK(dckpt_record_put_ref(rec, "x", DCKPT_F64, 1, (uint64_t[]){n}, x));
  CHECK_OK(dckpt_record_put_bytes(rec, "tail", "end", 3));
  const char *path = tmp_path("pieces-corrupt.dckpt");
  void *enc;
  size_t len;
  CHECK_OK(dckpt_record_encode(rec, 1, &enc, &len));
  uint8_t *buf = realloc(enc, len + 64);
  CHECK(buf != NULL);
  uint64_t hb = 8 + (uint64_t)dckpt_le32(buf + 4);
  char err[1024];
  dckpt_record *out;
  spit(path, buf, len);
  CHECK_OK(t_read(path, &out, err, sizeof err));
  check_same_record(rec, out);
  dckpt_record_free(out);
  const size_t spots[] = {(size_t)hb,
                          (size_t)hb + 7,
                          (size_t)hb + (256u << 10) - 1,
                          (size_t)hb + 300000,
                          len / 2,
                          len - 9,
                          len - 1};
  for (size_t i = 0; i < sizeof spots / sizeof spots[0]; i++) {
    buf[spots[i]] ^= 0x04;
    spit(path, buf, len);
    CHECK_RC(t_read(path, &out, err, sizeof err), DCKPT_ECORRUPT);
    CHECK_CONTAINS(err, path);
    if (spots[i] >= hb + 18) CHECK_CONTAINS(err, "checksum");
    buf[spots[i]] ^= 0x04;
  }
  /* The frame cut short, and followed by 8 more bytes; hashes made to match. */
  uint64_t payload = len - hb;
  const int64_t deltas[] = {-1000, -1, 8};
  for (size_t i = 0; i < sizeof deltas / sizeof deltas[0]; i++) {
    size_t l2 = (size_t)((int64_t)len + deltas[i]);
    memset(buf + len, 0, 64);
    dckpt_put_le64(buf + 40, (uint64_t)((int64_t)payload + deltas[i]));
    rehash(buf, l2);
    spit(path, buf, l2);
    CHECK_RC(t_read(path, &out, err, sizeof err), DCKPT_ECORRUPT);
    CHECK_CONTAINS(err, "zstd");
  }
  CHECK_EQ(unlink(path), 0);
  free(buf);
  dckpt_record_free(rec);
  free(x);
}

/* A write that fails halfway (file size limit) stops the compression
 * thread, reports the error and leaves neither the target nor a temporary.
 * The limit is lowered in this process, not a forked child: the shared
 * scratch's kept thread lives here (format/scratch.h), and TSan lets no
 * child of a threaded parent start threads. */
static void test_write_failure(void) {
  size_t n = (12u << 20) / 8;
  double *x = smooth_state(n, 8);
  dckpt_record *rec = dckpt_record_create();
  CHECK_OK(dckpt_record_put_ref(rec, "x", DCKPT_F64, 1, (uint64_t[]){n}, x));
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", tmp_path("fsize"));
  CHECK_EQ(mkdir(dir, 0755), 0);
  char path[1100];
  snprintf(path, sizeof path, "%s/big.dckpt", dir);
  struct rlimit was;
  CHECK_EQ(getrlimit(RLIMIT_FSIZE, &was), 0);
  void (*was_handler)(int) = signal(SIGXFSZ, SIG_IGN);
  struct rlimit lim = {2u << 20, was.rlim_max};
  CHECK_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
  int failed_wrong = 0; /* the first level whose save did not fail as it must */
  char err[1024];
  for (int level = -1; level <= 1 && !failed_wrong; level++) {
    int rc = t_write(rec, path, level, true, err, sizeof err);
    if (rc == DCKPT_OK || !strstr(err, "big.dckpt")) failed_wrong = level + 10;
  }
  CHECK_EQ(setrlimit(RLIMIT_FSIZE, &was), 0); /* before any CHECK can fail */
  signal(SIGXFSZ, was_handler);
  if (failed_wrong) fprintf(stderr, "level %d: %s\n", failed_wrong - 10, err);
  CHECK_EQ(failed_wrong, 0);
  CHECK(access(path, F_OK) != 0);
  CHECK_EQ(rmdir(dir), 0); /* fails if a temporary was left behind */
  dckpt_record_free(rec);
  free(x);
}

/* ---- group "corrupt": damaged and hostile input ---- */

static void expect_decode(const uint8_t *buf, size_t len, int want, const char *needle) {
  dckpt_record *out = (dckpt_record *)1;
  char err[1024];
  int rc = t_parse(buf, len, &out, err, sizeof err);
  if (rc != want)
    CHECK_FAIL_("decode of %zu bytes returned %s, wanted %s (%s)", len,
                dckpt_err_name(rc), dckpt_err_name(want), err);
  CHECK(out == NULL);
  CHECK_CONTAINS(err, "buffer");
  if (needle) CHECK_CONTAINS(err, needle);
}

static void test_truncation(void) {
  dckpt_record *rec = sample_record(5);
  for (int level = 0; level <= 1; level++) {
    void *buf;
    size_t len;
    CHECK_OK(dckpt_record_encode(rec, level, &buf, &len));
    for (size_t cut = 0; cut < len; cut++)
      expect_decode(buf, cut, DCKPT_ECORRUPT, NULL);
    /* Trailing garbage is corruption too. */
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, buf, len);
    longer[len] = 0;
    expect_decode(longer, len + 1, DCKPT_ECORRUPT, NULL);
    /* Files: a few cuts through header and payload. */
    const char *path = tmp_path("cut.dckpt");
    const size_t cuts[] = {0, 4, 8, 20, 60, 100, len / 2, len - 9, len - 1};
    for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
      spit(path, buf, cuts[c]);
      dckpt_record *out;
      char err[1024];
      CHECK_RC(t_read(path, &out, err, sizeof err), DCKPT_ECORRUPT);
      CHECK_CONTAINS(err, path);
      CHECK_RC(t_stat(path, NULL, err, sizeof err), DCKPT_ECORRUPT);
    }
    CHECK_EQ(unlink(path), 0);
    free(longer);
    dckpt_free(buf);
  }
  dckpt_record_free(rec);
}

static void test_bitflips(void) {
  dckpt_record *rec = dckpt_record_create();
  CHECK_OK(dckpt_record_put_f64(rec, "x", (double[]){1, 2, 3, 4}, 4));
  CHECK_OK(dckpt_record_put_bytes(rec, "s", "state", 5));
  CHECK_OK(dckpt_record_set_header(rec, "{\"i\":1}"));
  const char *path = tmp_path("flip.dckpt");
  for (int level = 0; level <= 1; level++) {
    void *enc;
    size_t len;
    CHECK_OK(dckpt_record_encode(rec, level, &enc, &len));
    uint8_t *buf = enc;
    for (size_t i = 0; i < len; i++)
      for (int bit = 0; bit < 8; bit++) {
        buf[i] ^= (uint8_t)(1u << bit);
        expect_decode(buf, len, DCKPT_ECORRUPT, NULL);
        buf[i] ^= (uint8_t)(1u << bit);
      }
    /* The file path sees the same verdicts (one flip per byte). */
    for (size_t i = 0; i < len; i++) {
      buf[i] ^= 0x10;
      spit(path, buf, len);
      buf[i] ^= 0x10;
      char err[1024];
      dckpt_record *out;
      CHECK_RC(t_read(path, &out, err, sizeof err), DCKPT_ECORRUPT);
      CHECK_RC(t_stat(path, NULL, err, sizeof err), DCKPT_ECORRUPT);
    }
    dckpt_free(enc);
  }
  CHECK_EQ(unlink(path), 0);
  dckpt_record_free(rec);
}

/* Encodes a one-array record at `level`, lets `edit` change it, rehashes,
 * and expects `want` (with `needle` in the message). */
static void crafted(int level, void (*edit)(uint8_t *buf, size_t *len), int want,
                    const char *needle) {
  dckpt_record *rec = dckpt_record_create();
  CHECK_OK(dckpt_record_put_f64(rec, "x", (double[]){1, 2, 3, 4, 5, 6, 7, 8}, 8));
  CHECK_OK(dckpt_record_put_bytes(rec, "y", "abcdefgh", 8));
  void *enc;
  size_t len;
  CHECK_OK(dckpt_record_encode(rec, level, &enc, &len));
  uint8_t *buf = realloc(enc, len + 4096);
  CHECK(buf != NULL);
  edit(buf, &len);
  rehash(buf, len);
  expect_decode(buf, len, want, needle);
  free(buf);
  dckpt_record_free(rec);
}

/* Offsets of the first table entry ("x", ndim 1) in the sample above. */
#define T0        56u      /* name length */
#define T0_DTYPE  (T0 + 2) /* after the 1-byte name */
#define T0_SHAPE  (T0 + 5)
#define T0_OFFSET (T0 + 13)
#define T0_NBYTES (T0 + 21)

static void e_version(uint8_t *b, size_t *n) {
  (void)n, dckpt_put_le32(b + 16, 3);
}
static void e_flags(uint8_t *b, size_t *n) {
  (void)n, dckpt_put_le32(b + 20, 4);
}
static void e_comp(uint8_t *b, size_t *n) {
  (void)n, dckpt_put_le32(b + 24, 7);
}
static void e_raw_as_zstd(uint8_t *b, size_t *n) {
  (void)n, dckpt_put_le32(b + 24, 1);
}
static void e_narrays(uint8_t *b, size_t *n) {
  (void)n, dckpt_put_le32(b + 32, 70000);
}
static void e_narrays_fit(uint8_t *b, size_t *n) {
  (void)n, dckpt_put_le32(b + 32, 3000);
}
static void e_json_len(uint8_t *b, size_t *n) {
  (void)n, dckpt_put_le32(b + 36, 1u << 30);
}
static void e_raw_huge(uint8_t *b, size_t *n) {
  (void)n, dckpt_put_le64(b + 48, 1ull << 41);
}
static void e_raw_ratio(uint8_t *b, size_t *n) {
  (void)n, dckpt_put_le64(b + 48, 1ull << 38);
}
static void e_payload_len(uint8_t *b, size_t *n) {
  (void)n, dckpt_put_le64(b + 40, 5);
}
static void e_dtype(uint8_t *b, size_t *n) {
  (void)n, b[T0_DTYPE] = 6;
}
static void e_ndim(uint8_t *b, size_t *n) {
  (void)n, b[T0_DTYPE + 2] = 9;
}
static void e_name(uint8_t *b, size_t *n) {
  (void)n, b[T0 + 1] = '/';
}
static void e_name_nul(uint8_t *b, size_t *n) {
  (void)n, b[T0 + 1] = '\0'; /* was "array 0 (''): invalid name" */
}
static void e_dup(uint8_t *b, size_t *n) {
  (void)n;
  b[T0 + 1] = 'y'; /* the second entry is "y" */
}
static void e_shape_huge(uint8_t *b, size_t *n) {
  (void)n, dckpt_put_le64(b + T0_SHAPE, UINT64_MAX / 4);
}
static void e_overlap(uint8_t *b, size_t *n) {
  (void)n, dckpt_put_le64(b + T0_OFFSET, 8);
}
static void e_nbytes(uint8_t *b, size_t *n) {
  (void)n, dckpt_put_le64(b + T0_NBYTES, 72);
}
static void e_json(uint8_t *b, size_t *n) {
  uint64_t hb = 8 + (uint64_t)dckpt_le32(b + 4);
  (void)n;
  memcpy(b + hb - 16 - 2, "[]", 2); /* "{}" becomes "[]" */
}
static void e_header_big(uint8_t *b, size_t *n) {
  (void)n, dckpt_put_le32(b + 4, 100u << 20);
}
static void e_zstd_size(uint8_t *b, size_t *n) {
  /* Declare one more raw byte than the frame holds (the table must agree). */
  (void)n;
  dckpt_put_le64(b + 48, dckpt_le64(b + 48) + 8);
  dckpt_put_le64(b + T0_SHAPE, 9);
  dckpt_put_le64(b + T0_NBYTES, 72);
  dckpt_put_le64(b + T0_NBYTES + 1 + 1 + 3 + 8 + 8, 72); /* y's offset */
}
static void e_two_frames(uint8_t *b, size_t *n) {
  uint64_t hb = 8 + (uint64_t)dckpt_le32(b + 4);
  size_t plen = *n - (size_t)hb;
  memcpy(b + *n, b + hb, plen); /* a second copy of the frame */
  *n += plen;
  dckpt_put_le64(b + 40, 2 * plen);
}

static void test_crafted(void) {
  crafted(1, e_version, DCKPT_EVERSION, "version 3");
  crafted(1, e_flags, DCKPT_ECORRUPT, "flags");
  crafted(1, e_comp, DCKPT_ECORRUPT, "compression");
  crafted(0, e_raw_as_zstd, DCKPT_ECORRUPT, NULL);
  crafted(1, e_narrays, DCKPT_ETOOBIG, "70000");
  crafted(1, e_narrays_fit, DCKPT_ECORRUPT, NULL);
  crafted(1, e_json_len, DCKPT_ECORRUPT, NULL);
  crafted(1, e_raw_huge, DCKPT_ETOOBIG, NULL);
  crafted(1, e_raw_ratio, DCKPT_ECORRUPT, NULL);
  crafted(0, e_payload_len, DCKPT_ECORRUPT, "truncated");
  crafted(1, e_dtype, DCKPT_ECORRUPT, "'x'");
  crafted(1, e_ndim, DCKPT_ECORRUPT, NULL);
  crafted(1, e_name, DCKPT_ECORRUPT, "array 0 ('/'): invalid name: a '/' at offset 0");
  crafted(1, e_name_nul, DCKPT_ECORRUPT,
          "array 0 ('\\x00'): invalid name: a NUL byte at offset 0");
  crafted(1, e_dup, DCKPT_ECORRUPT, "two arrays");
  crafted(1, e_shape_huge, DCKPT_ETOOBIG, NULL);
  crafted(1, e_overlap, DCKPT_ECORRUPT, "extent");
  crafted(0, e_nbytes, DCKPT_ECORRUPT, "extent");
  crafted(1, e_json, DCKPT_ECORRUPT, "JSON");
  crafted(1, e_header_big, DCKPT_ECORRUPT, "truncated");
  crafted(1, e_zstd_size, DCKPT_ECORRUPT, "zstd");
  crafted(1, e_two_frames, DCKPT_ECORRUPT, "one zstd frame");
}

static void test_version_message(void) {
  /* A future version names the file and both versions. */
  dckpt_record *rec = sample_record(6);
  void *enc;
  size_t len;
  CHECK_OK(dckpt_record_encode(rec, 1, &enc, &len));
  dckpt_put_le32((uint8_t *)enc + 16, 7);
  rehash(enc, len);
  const char *path = tmp_path("v7.dckpt");
  spit(path, enc, len);
  dckpt_record *out;
  char err[1024];
  CHECK_RC(t_read(path, &out, err, sizeof err), DCKPT_EVERSION);
  CHECK_CONTAINS(err, path);
  CHECK_CONTAINS(err, "version 7");
  CHECK_CONTAINS(err, "versions 1 to 2");
  CHECK_RC(t_stat(path, NULL, err, sizeof err), DCKPT_EVERSION);
  CHECK_EQ(unlink(path), 0);
  dckpt_free(enc);
  dckpt_record_free(rec);
}

static void test_oversized_header(void) {
  /* A header frame above 64 MiB that is really there: refused by size. */
  size_t len = (65u << 20) + 64;
  uint8_t *buf = calloc(1, len);
  CHECK(buf != NULL);
  dckpt_put_le32(buf, 0x184D2A5Du);
  dckpt_put_le32(buf + 4, 65u << 20);
  memcpy(buf + 8, "DCKPTREC", 8);
  expect_decode(buf, len, DCKPT_ETOOBIG, "limit");
  free(buf);
}

/* ---- group "golden": files written by earlier versions ---- */

static void check_golden(const char *name, uint32_t version) {
  char path[2048], err[1024];
  snprintf(path, sizeof path, "%s/tests/golden/%s", DCKPT_SOURCE_DIR, name);
  dckpt_record *got = NULL, *want = dckpt_record_create();
  CHECK_OK(t_read(path, &got, err, sizeof err));
  golden_fill(want);
  check_same_record(want, got); /* names, shapes, order, header, every bit */
  double x[GOLDEN_N];
  CHECK_OK(dckpt_record_get(got, "x", DCKPT_F64, x, GOLDEN_N));
  for (uint64_t i = 0; i < GOLDEN_N; i++)
    CHECK(x[i] == golden_f64(i));
  dckpt_array_info info;
  CHECK_OK(dckpt_record_find(got, "note", &info));
  CHECK(memcmp(info.data, "hello, dckpt\n", 13) == 0);
  CHECK_OK(dckpt_record_find(got, "empty", &info));
  CHECK_EQ(info.ndim, 2);
  CHECK_EQ(info.shape[0], 3);
  CHECK_EQ(info.nbytes, 0);
  CHECK_STR_EQ(dckpt_record_header(got), GOLDEN_HEADER);
  dckpt_file_info fi;
  CHECK_OK(t_stat(path, &fi, err, sizeof err));
  CHECK_EQ(fi.format_version, version);
  CHECK_EQ(fi.n_arrays, 9);
  CHECK_STR_EQ(dckpt_record_identity(got), version == 1 ? "" : GOLDEN_IDENTITY);
  dckpt_record_free(got);
  dckpt_record_free(want);
}

static void test_golden(void) {
  check_golden("record_v1_zstd.dckpt", 1);
  check_golden("record_v1_raw.dckpt", 1);
  check_golden("record_v2_zstd.dckpt", 2);
  check_golden("record_v2_raw.dckpt", 2);
}

/* ---- group "cli": the standard zstd tool reads compressed records ---- */

static void test_zstd_cli(void) {
  /* Debian's zstd package, which scripts/install-deps.sh installs: a missing
   * tool fails the test instead of letting it pass having checked nothing. */
  const char *zstd = "/usr/bin/zstd";
  if (access(zstd, X_OK) != 0)
    CHECK_FAIL_("%s not found: install Debian's zstd (scripts/install-deps.sh)", zstd);
  dckpt_record *rec = dckpt_record_create();
  uint8_t text[5000];
  fill_random(text, sizeof text, 11);
  double *x = smooth_state(70000, 3);
  CHECK_OK(dckpt_record_put_bytes(rec, "text", text, sizeof text));
  CHECK_OK(dckpt_record_put_f64(rec, "x", x, 70000));
  const char *path = tmp_path("cli.dckpt"), *out = tmp_path("cli.raw");
  char err[1024], cmd[4096];
  CHECK_OK(t_write(rec, path, 3, false, err, sizeof err));
  snprintf(cmd, sizeof cmd, "%s -q -t '%s'", zstd, path);
  CHECK_EQ(system(cmd), 0);
  snprintf(cmd, sizeof cmd, "%s -q -d -c '%s' > '%s'", zstd, path, out);
  CHECK_EQ(system(cmd), 0);
  /* zstd -d yields the raw payload: bytes as they are, f64 shuffled. */
  size_t len;
  uint8_t *raw = slurp(out, &len);
  CHECK_EQ(len, sizeof text + 70000 * 8);
  CHECK(memcmp(raw, text, sizeof text) == 0);
  uint8_t *shuffled = malloc(70000 * 8);
  dckpt_shuffle_array(shuffled, (const uint8_t *)x, 70000 * 8, 8);
  CHECK(memcmp(raw + sizeof text, shuffled, 70000 * 8) == 0);
  CHECK_EQ(unlink(path), 0);
  CHECK_EQ(unlink(out), 0);
  free(shuffled);
  free(raw);
  free(x);
  dckpt_record_free(rec);
}

/* ---- group "identity": format version 2 ---- */

#define IDENT                                                                            \
  "{\"run\":\"abc\",\"kind\":\"checkpoint\",\"alg\":0,\"trial\":1,\"iteration\":7}"

/* A record written with an identity reads back with it, as version 2; the
 * same record without one is version 1. Encoding a decoded record keeps its
 * identity, so the bytes round-trip exactly. */
static void test_identity_roundtrip(void) {
  dckpt_record *rec = sample_record(11);
  const char *path = tmp_path("ident.dckpt");
  dckpt_io_opts io = {.durable = false, .label = "t"};
  dckpt_err err;
  dckpt_err_clear(&err);
  for (int level = 0; level <= 3; level += 3) {
    CHECK_OK(dckpt_record_write_atomic(rec, IDENT, path, level, &io, NULL, &err));
    dckpt_record *got = NULL;
    char msg[1024];
    CHECK_OK(t_read(path, &got, msg, sizeof msg));
    CHECK_STR_EQ(dckpt_record_identity(got), IDENT);
    check_same_record(rec, got);
    dckpt_file_info fi;
    CHECK_OK(t_stat(path, &fi, msg, sizeof msg));
    CHECK_EQ(fi.format_version, 2);
    char *id = NULL;
    CHECK_OK(dckpt_record_verify(path, NULL, &id, &err));
    CHECK_STR_EQ(id, IDENT);
    free(id);
    /* decoded -> encoded -> decoded keeps the identity */
    void *enc;
    size_t len;
    CHECK_OK(dckpt_record_encode(got, level, &enc, &len));
    dckpt_record *again = NULL;
    CHECK_OK(t_parse(enc, len, &again, msg, sizeof msg));
    CHECK_STR_EQ(dckpt_record_identity(again), IDENT);
    dckpt_free(enc);
    dckpt_record_free(again);
    dckpt_record_free(got);
  }
  CHECK_STR_EQ(dckpt_record_identity(rec), "");
  CHECK_OK(dckpt_record_write_atomic(rec, NULL, path, 1, &io, NULL, &err));
  char *id = (char *)1;
  dckpt_file_info fi;
  CHECK_OK(dckpt_record_verify(path, &fi, &id, &err));
  CHECK(id == NULL);
  CHECK_EQ(fi.format_version, 1);
  CHECK_RC(dckpt_record_write_atomic(rec, "x", path, 1, &io, NULL, &err), DCKPT_EINVAL);
  CHECK_EQ(unlink(path), 0);
  dckpt_record_free(rec);
}

/* dckpt_record_set_identity: a record built by hand takes an identity read
 * elsewhere and dckpt_record_write writes it (version 2); bad ones are
 * refused and leave the record as it was; NULL clears it. */
static void test_identity_set(void) {
  char path[512];
  snprintf(path, sizeof path, "%s/set_identity.dckpt", DCKPT_TEST_TMP);
  dckpt_record *rec = dckpt_record_create();
  const double x[2] = {1, 2};
  CHECK_OK(dckpt_record_put_f64(rec, "x", x, 2));
  CHECK_OK(dckpt_record_set_identity(rec, IDENT));
  CHECK_STR_EQ(dckpt_record_identity(rec), IDENT);
  CHECK_RC(dckpt_record_set_identity(rec, "[1]"), DCKPT_EINVAL);
  CHECK_RC(dckpt_record_set_identity(rec, "{\"a\":"), DCKPT_EINVAL);
  CHECK_RC(dckpt_record_set_identity(rec, "{\"a\":{\"b\":1,\"b\":2}}"), DCKPT_EINVAL);
  CHECK_CONTAINS(dckpt_record_errmsg(rec), "key \"b\" twice");
  char big[5000];
  memset(big, ' ', sizeof big);
  big[0] = '{', big[sizeof big - 2] = '}', big[sizeof big - 1] = '\0';
  CHECK_RC(dckpt_record_set_identity(rec, big), DCKPT_EINVAL);
  CHECK_STR_EQ(dckpt_record_identity(rec), IDENT); /* unchanged by the refusals */
  CHECK_OK(dckpt_record_write(rec, path, 1, DCKPT_DURABILITY_NONE));
  dckpt_record *got = NULL;
  dckpt_file_info fi;
  CHECK_OK(dckpt_record_stat(path, &fi));
  CHECK_EQ(fi.format_version, 2);
  CHECK_OK(dckpt_record_read(path, &got));
  CHECK_STR_EQ(dckpt_record_identity(got), IDENT);
  CHECK_OK(dckpt_record_set_identity(rec, NULL));
  CHECK_STR_EQ(dckpt_record_identity(rec), "");
  CHECK_EQ(unlink(path), 0);
  dckpt_record_free(got);
  dckpt_record_free(rec);
}

/* Every byte of a version-2 header is covered: flipping any bit of the
 * identity is found, and crafted identity fields (re-hashed so that only
 * the structure can tell) are refused by name. */
static void test_identity_damage(void) {
  dckpt_record *rec = dckpt_record_create();
  CHECK_OK(dckpt_record_put_f64(rec, "x", (double[]){1, 2, 3}, 3));
  const char *path = tmp_path("ident2.dckpt");
  dckpt_io_opts io = {.durable = false, .label = "t"};
  dckpt_err err;
  dckpt_err_clear(&err);
  CHECK_OK(dckpt_record_write_atomic(rec, IDENT, path, 1, &io, NULL, &err));
  size_t len = 0;
  uint8_t *buf = slurp(path, &len);
  uint64_t hb = 8 + (uint64_t)dckpt_le32(buf + 4);
  size_t ident_at = (size_t)hb - 16 - strlen(IDENT);
  CHECK(memcmp(buf + ident_at, IDENT, strlen(IDENT)) == 0);
  for (size_t i = ident_at; i < ident_at + strlen(IDENT); i++) {
    buf[i] ^= 0x20;
    expect_decode(buf, len, DCKPT_ECORRUPT, "checksum");
    buf[i] ^= 0x20;
  }
  /* not an object, reserved field, lengths that do not fit */
  memcpy(buf + ident_at, "[", 1);
  rehash(buf, len);
  expect_decode(buf, len, DCKPT_ECORRUPT, "identity is not a JSON object");
  buf[ident_at] = '{';
  /* a key twice: dckpt would read the first "run", Python the last */
  uint8_t *alg = memmem(buf + ident_at, strlen(IDENT), "\"alg\"", 5);
  CHECK(alg != NULL);
  memcpy(alg, "\"run\"", 5);
  rehash(buf, len);
  expect_decode(buf, len, DCKPT_ECORRUPT, "identity holds key \"run\" twice");
  memcpy(alg, "\"alg\"", 5);
  dckpt_put_le32(buf + 60, 1);
  rehash(buf, len);
  expect_decode(buf, len, DCKPT_ECORRUPT, "reserved");
  dckpt_put_le32(buf + 60, 0);
  dckpt_put_le32(buf + 56, 1);
  rehash(buf, len);
  expect_decode(buf, len, DCKPT_ECORRUPT, "identity of 1 bytes");
  dckpt_put_le32(buf + 56, 100000);
  rehash(buf, len);
  expect_decode(buf, len, DCKPT_ECORRUPT, "identity of 100000 bytes");
  dckpt_put_le32(buf + 56, 4000);
  rehash(buf, len);
  expect_decode(buf, len, DCKPT_ECORRUPT, "do not fit");
  free(buf);
  CHECK_EQ(unlink(path), 0);
  dckpt_record_free(rec);
}

/* ---- main ---- */

typedef struct test {
  const char *name;
  void (*fn)(void);
} test;

#define T(fn)                                                                            \
  { #fn, fn }

typedef struct group {
  const char *name;
  test tests[10];
} group;

static const group k_groups[] = {
    {"record",
     {T(test_dtypes), T(test_put_find_get), T(test_replace_and_ref), T(test_own),
      T(test_put_errors), T(test_put_tolerant), T(test_header_strict)}},
    {"codec",
     {T(test_roundtrip_levels), T(test_edge_records), T(test_shuffle), T(test_layout)}},
    {"file",
     {T(test_file_roundtrip), T(test_file_errors), T(test_scratch_reuse),
      T(test_store_scratch), T(test_shared_scratch), T(test_file_replaced),
      T(test_file_replaced_many), T(test_header_old_file)}},
    {"large",
     {T(test_large), T(test_large_kept), T(test_large_corrupt), T(test_pieces_corrupt),
      T(test_write_failure)}},
    {"corrupt",
     {T(test_truncation), T(test_bitflips), T(test_crafted), T(test_version_message),
      T(test_oversized_header)}},
    {"golden", {T(test_golden)}},
    {"identity",
     {T(test_identity_roundtrip), T(test_identity_damage), T(test_identity_set)}},
    {"cli", {T(test_zstd_cli)}},
};

int main(int argc, char **argv) {
  const char *only = argc > 1 ? argv[1] : NULL;
  int ran = 0;
  for (size_t g = 0; g < sizeof k_groups / sizeof k_groups[0]; g++) {
    if (only && strcmp(only, k_groups[g].name) != 0) continue;
    fprintf(stderr, "== %s\n", k_groups[g].name);
    for (const test *t = k_groups[g].tests; t->fn; t++) {
      fprintf(stderr, "-- %s\n", t->name);
      t->fn();
      ran++;
    }
  }
  if (ran == 0) {
    fprintf(stderr, "unknown group '%s'\n", only);
    return 2;
  }
  fprintf(stderr, "%d tests passed\n", ran);
  return 0;
}
