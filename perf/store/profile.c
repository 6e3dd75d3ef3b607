/* --profile: one operation in a loop, for perf record / perf stat. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_store.h"
#include "bench_util.h"

typedef struct profile_op {
  const char *op;
  dckpt_store *st;
  const dckpt_record *rec;
  int level;
  int64_t it;      /* next iteration to save */
  const void *enc; /* the record encoded, for decode */
  size_t enc_len;
} profile_op;

static void run_once(profile_op *p) {
  if (strncmp(p->op, "save", 4) == 0) {
    check(dckpt_store_save(p->st, 0, 0, p->it++, p->rec), "dckpt_store_save", p->st);
  } else if (strcmp(p->op, "load") == 0) {
    dckpt_record *got = NULL;
    int64_t gi = -1;
    check(dckpt_store_load_latest(p->st, 0, 0, &got, &gi), "dckpt_store_load_latest",
          p->st);
    dckpt_record_free(got);
  } else if (strcmp(p->op, "encode") == 0) {
    void *e2 = NULL;
    size_t l2 = 0;
    if (dckpt_record_encode(p->rec, p->level, &e2, &l2) != DCKPT_OK)
      bench_die("encode failed");
    dckpt_free(e2);
  } else {
    dckpt_record *dec = NULL;
    if (dckpt_record_parse(p->enc, p->enc_len, &dec) != DCKPT_OK)
      bench_die("decode failed: %s", dec ? dckpt_record_errmsg(dec) : "out of memory");
    dckpt_record_free(dec);
  }
}

void profile_loop(bench_ctx *c) {
  const options *o = c->o;
  unsigned char *buf = NULL;
  dckpt_record *rec = make_record(o->sizes[0], o->seed, &buf);
  bool full = strcmp(o->profile, "save-full") == 0 || strcmp(o->profile, "load") == 0;
  profile_op p = {
      .op = o->profile, .st = full ? c->full : c->none, .rec = rec, .level = o->level};
  check(dckpt_store_save(p.st, 0, 0, p.it++, rec), "dckpt_store_save", p.st);
  void *enc = NULL;
  if (dckpt_record_encode(rec, o->level, &enc, &p.enc_len) != DCKPT_OK)
    bench_die("dckpt_record_encode: %s", dckpt_record_errmsg(rec));
  p.enc = enc;
  char lbl[32];
  bench_format_size(o->sizes[0], lbl, sizeof lbl);
  fprintf(stderr, "bench_store: profiling %s of %s for %.0f s (pid %ld)\n", p.op, lbl,
          o->seconds, (long)getpid());
  long count = 0;
  double t0 = bench_now(), busy = 0;
  while (bench_now() - t0 < o->seconds) {
    double t1 = bench_now();
    run_once(&p);
    busy += bench_now() - t1;
    count++;
  }
  printf("%s %s: %ld ops in %.1f s, %.3f ms/op, %.0f MiB/s\n", p.op, lbl, count, busy,
         busy / (double)count * 1e3, bench_mibs(o->sizes[0], busy / (double)count));
  dckpt_free(enc);
  dckpt_record_free(rec);
  free(buf);
}
