/* One state size: the saves (dckpt durable and not, beside plain writes),
 * the loads (warm, then cold), and the CPU-only encode/decode/zstd, each
 * repeated; the medians go into a size_result. */
#define _XOPEN_SOURCE 700 /* sync() */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "bench_store.h"
#include "bench_util.h"

/* What the measurements of one size share. */
typedef struct size_run {
  bench_ctx *c;
  int64_t trial;
  uint64_t state;
  size_t raw; /* bytes written by the plain references */
  int reps;
  dckpt_record *rec;
  unsigned char *buf; /* the record's bytes, as one block */
  char *raw_path, *raw_tmp, *ren_path;
  int64_t it_full, it_none; /* next iteration to save in each store */
  double *t[M_COUNT];       /* seconds of each repetition */
} size_run;

stat_cell summarize(const double *v, int n) {
  stat_cell s = {0};
  if (n <= 0) return s;
  s.have = true;
  s.reps = n;
  s.min = v[0];
  for (int i = 1; i < n; i++)
    if (v[i] < s.min) s.min = v[i];
  s.median = bench_median(v, (size_t)n);
  return s;
}

/* RAW_DIR/<stem>_<idx>.bin<suffix> */
static char *raw_file(const bench_ctx *c, const char *stem, size_t idx,
                      const char *suffix) {
  char name[64];
  snprintf(name, sizeof name, "%s_%zu.bin%s", stem, idx, suffix);
  return bench_path_join(c->raw_dir, name);
}

/* Seconds of one dckpt save (iteration *it, then advanced); its steps go to
 * phase accumulator `which` (0 FULL, 1 NONE) as repetition k. */
static double time_store_save(size_run *s, int which, int k) {
  bench_ctx *c = s->c;
  dckpt_store *st = which == 0 ? c->full : c->none;
  int64_t *it = which == 0 ? &s->it_full : &s->it_none;
  sync();
  c->plog[which].n = 0;
  double t0 = bench_now();
  int rc = dckpt_store_save(st, 0, s->trial, (*it)++, s->rec);
  double t1 = bench_now();
  check(rc, which == 0 ? "dckpt_store_save (FULL)" : "dckpt_store_save (NONE)", st);
  if (c->o->phases) phase_add(c->pacc[which], k, &c->plog[which], t0, t1);
  return t1 - t0;
}

/* Seconds of one plain save; a new file unless via_rename. */
static double time_plain_save(size_run *s, bool do_fsync, bool via_rename) {
  const char *path = via_rename ? s->ren_path : s->raw_path;
  if (!via_rename) unlink_quiet(path);
  sync();
  double t0 = bench_now();
  save_plain(s->c->raw_dir, path, s->raw_tmp, s->buf, s->raw, do_fsync, via_rename);
  return bench_now() - t0;
}

/* The saves, interleaved within each repetition so that slow drifts of the
 * disk hit all of them; one untimed warm-up first (directories, first
 * allocation, library init). */
static void time_saves(size_run *s) {
  bench_ctx *c = s->c;
  check(dckpt_store_save(c->full, 0, s->trial, s->it_full++, s->rec),
        "dckpt_store_save (FULL)", c->full);
  check(dckpt_store_save(c->none, 0, s->trial, s->it_none++, s->rec),
        "dckpt_store_save (NONE)", c->none);
  save_plain(c->raw_dir, s->ren_path, s->raw_tmp, s->buf, s->raw, true, true);
  for (int k = 0; k < s->reps; k++) {
    s->t[M_WRITE_FSYNC][k] = time_plain_save(s, true, false);
    s->t[M_DCKPT_FULL][k] = time_store_save(s, 0, k);
    s->t[M_WRITE_RENAME][k] = time_plain_save(s, true, true);
    s->t[M_DCKPT_NONE][k] = time_store_save(s, 1, k);
    s->t[M_WRITE_ONLY][k] = time_plain_save(s, false, false);
  }
  sync();
}

/* Seconds of one load of the newest checkpoint of the FULL store. */
static double time_load(size_run *s) {
  dckpt_record *got = NULL;
  int64_t it = -1;
  double t0 = bench_now();
  int rc = dckpt_store_load_latest(s->c->full, 0, s->trial, &got, &it);
  double t = bench_now() - t0;
  check(rc, "dckpt_store_load_latest", s->c->full);
  dckpt_record_free(got);
  return t;
}

static double time_read(size_run *s) {
  double t0 = bench_now();
  read_plain(s->raw_path, s->raw);
  return bench_now() - t0;
}

/* The newest checkpoint loads as the state that was saved. */
static void verify_newest(size_run *s) {
  dckpt_record *got = NULL;
  int64_t it = -1;
  check(dckpt_store_load_latest(s->c->full, 0, s->trial, &got, &it),
        "dckpt_store_load_latest", s->c->full);
  if (!got || it != s->it_full - 1)
    bench_die("dckpt_store_load_latest returned iteration %lld, expected %lld",
              (long long)it, (long long)(s->it_full - 1));
  verify_loaded(got, s->buf, s->state);
  dckpt_record_free(got);
}

/* Warm loads first (the file was just written and verified), then cold
 * ones: a drop_caches would otherwise make the next "warm" load cold. */
static void time_loads(size_run *s) {
  verify_newest(s);
  for (int k = 0; k < s->reps; k++) {
    s->t[M_LOAD_WARM][k] = time_load(s);
    s->t[M_READ_WARM][k] = time_read(s);
  }
  for (int k = 0; k < s->reps && s->c->cold; k++) {
    if (!bench_drop_caches()) bench_die("writing /proc/sys/vm/drop_caches failed");
    s->t[M_LOAD_COLD][k] = time_load(s);
    if (!bench_drop_caches()) bench_die("writing /proc/sys/vm/drop_caches failed");
    s->t[M_READ_COLD][k] = time_read(s);
  }
}

/* One in-memory encode and decode of the record, timed into repetition k. */
static void time_codec(size_run *s, int k) {
  void *enc = NULL;
  size_t enc_len = 0;
  double t0 = bench_now();
  int rc = dckpt_record_encode(s->rec, s->c->o->level, &enc, &enc_len);
  s->t[M_ENCODE][k] = bench_now() - t0;
  if (rc != DCKPT_OK) bench_die("dckpt_record_encode: %s", dckpt_strerror(rc));
  dckpt_record *dec = NULL;
  t0 = bench_now();
  rc = dckpt_record_parse(enc, enc_len, &dec);
  s->t[M_DECODE][k] = bench_now() - t0;
  if (rc != DCKPT_OK)
    bench_die("dckpt_record_parse: %s: %s", dckpt_strerror(rc),
              dec ? dckpt_record_errmsg(dec) : "out of memory");
  dckpt_record_free(dec);
  dckpt_free(enc);
}

/* CPU only, in memory: dckpt's codec, and zstd level 1 of the raw bytes. */
static void time_cpu(size_run *s, size_result *r) {
  size_t bound = ZSTD_compressBound(s->raw);
  unsigned char *zdst = bench_xmalloc(bound);
  for (int k = 0; k < s->reps; k++) {
    time_codec(s, k);
    double t0 = bench_now();
    size_t z = ZSTD_compress(zdst, bound, s->buf, s->raw, 1);
    s->t[M_ZSTD1][k] = bench_now() - t0;
    if (ZSTD_isError(z)) bench_die("ZSTD_compress: %s", ZSTD_getErrorName(z));
    r->zstd1_bytes = (uint64_t)z;
  }
  free(zdst);
}

static void size_run_open(size_run *s, bench_ctx *c, size_t idx) {
  const options *o = c->o;
  memset(s, 0, sizeof *s);
  s->c = c;
  s->trial = (int64_t)idx;
  s->state = o->sizes[idx];
  s->raw = (size_t)s->state + RNG_WORDS * sizeof(uint64_t);
  s->reps = s->state >= LARGE_SIZE ? o->reps_large : o->reps;
  s->rec = make_record(s->state, o->seed + idx, &s->buf);
  s->raw_path = raw_file(c, "raw", idx, "");
  s->raw_tmp = raw_file(c, "raw", idx, ".tmp");
  s->ren_path = raw_file(c, "renamed", idx, "");
  for (int m = 0; m < M_COUNT; m++)
    s->t[m] = bench_xmalloc((size_t)s->reps * sizeof(double));
  memset(c->pacc[0], 0, sizeof *c->pacc[0]);
  memset(c->pacc[1], 0, sizeof *c->pacc[1]);
}

/* The medians into r; the files and memory of the size go. */
static void size_run_close(size_run *s, size_result *r) {
  for (int m = 0; m < M_COUNT; m++) {
    bool cold = m == M_LOAD_COLD || m == M_READ_COLD;
    if (m < M_ANC_SAVE && (!cold || s->c->cold)) r->m[m] = summarize(s->t[m], s->reps);
    free(s->t[m]);
  }
  for (int d = 0; d < 2 && s->c->o->phases; d++)
    phase_summarize(s->c->pacc[d], s->reps, r->phases[d], &r->n_phases[d]);
  unlink_quiet(s->raw_path);
  unlink_quiet(s->ren_path);
  free(s->raw_path);
  free(s->raw_tmp);
  free(s->ren_path);
  dckpt_record_free(s->rec);
  free(s->buf);
}

void bench_size(bench_ctx *c, size_t idx, size_result *r) {
  size_run s;
  size_run_open(&s, c, idx);
  char label[32];
  bench_format_size(s.state, label, sizeof label);
  fprintf(stderr, "bench_store: %s state, %d reps ...\n", label, s.reps);
  r->state_bytes = s.state;
  r->raw_bytes = s.raw;
  time_saves(&s);
  r->dckpt_file = checkpoint_file_size(c->full_dir, s.trial, s.it_full - 1);
  time_loads(&s);
  time_cpu(&s, r);
  size_run_close(&s, r);
}
