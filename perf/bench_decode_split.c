/* bench_decode_split: what a load of one compressed state could cost on this
 * machine if the payload were split into independent zstd frames decoded by
 * both cores, against what a load costs now and what reading the raw bytes
 * costs (issue 13 item 1; docs/performance.md, "Load: the single-core floor
 * and what independent frames would give").
 *
 * The state is bench_peers' (x_i = sin(i·1e-3) + 1e-3·N(0,1), fixed seed),
 * byte-shuffled in DCKPT_SHUFFLE_BLOCK blocks and compressed at zstd level 1.
 * For each size, three files are written once:
 *   raw      the arrays' bytes (what C HDF5 or numpy read back);
 *   record   a dckpt record file of the same two arrays (dckpt_record_write);
 *   frames   the shuffled blocks, each compressed as its own zstd frame, with
 *            their lengths kept in memory (a frame table a format could hold).
 * Then, alternating, each timed after an untimed sync() as bench_peers does:
 *   raw read              pread of the raw bytes into a kept buffer;
 *   dckpt_record_read     today's load, into a new record;
 *   one frame, 1 thread   the record's payload (one zstd frame) decoded block
 *                         by block and unshuffled into a kept buffer: the
 *                         floor of today's format on one core;
 *   frames, 1 thread      the independent frames, each read, hashed, decoded
 *                         and unshuffled in turn;
 *   frames, 2 threads     the same frames shared with a second thread that is
 *                         kept between loads (woken, not created).
 * Every result is compared with the state, bit for bit. Prints one Markdown
 * table: medians in ms over --reps repetitions. */
#define _GNU_SOURCE
#define ZSTD_STATIC_LINKING_ONLY /* the buffer-less block decoder */
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
#include <zstd.h>

#include "bench_util.h"
#include "dckpt.h"
#include "format/shuffle.h"

#define MIB      ((uint64_t)1 << 20)
#define BLOCK    DCKPT_SHUFFLE_BLOCK
#define ROWS     64
#define MAX_REPS 101
#define NWAYS    6

enum { W_RAW, W_DCKPT, W_ONE, W_STREAM, W_FRAMES1, W_FRAMES2 };
static const char *const way_name[NWAYS] = {
    "raw read",         "dckpt_record_read", "one frame, 1 thread", "one frame, streamed",
    "frames, 1 thread", "frames, 2 threads"};

#define die bench_die

/* ---- the state and its files ---- */

typedef struct setup {
  uint64_t size;
  double *x;
  char raw_path[4096], rec_path[4096], frames_path[4096];
  size_t nframes;                  /* = shuffle blocks: each array's, in order */
  uint64_t *blk_at, *blk_len;      /* where each block is in the state */
  uint64_t *frame_off, *frame_len; /* in the frames file */
  uint64_t *frame_hash;            /* filled by each load */
  uint64_t rec_payload_off, rec_payload_len;
  uint8_t *dest; /* kept output buffer (all loads but dckpt_record_read) */
} setup;

static void write_all(const char *path, const void *p, size_t n) {
  int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0 || write(fd, p, n) != (ssize_t)n || fsync(fd) != 0 || close(fd) != 0)
    die("cannot write %s", path);
}

static int open_ro(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die("cannot open %s", path);
  return fd;
}

static void pread_all(int fd, void *p, size_t n, uint64_t off) {
  if (pread(fd, p, n, (off_t)off) != (ssize_t)n) die("short read");
}

static void make_files(setup *s, const char *dir) {
  uint64_t n = s->size / 8;
  s->x = bench_xmalloc((size_t)s->size);
  dckpt_rng rng;
  dckpt_rng_seed(&rng, 12345);
  for (uint64_t i = 0; i < n; i++)
    s->x[i] = sin((double)i * 1e-3) + 1e-3 * dckpt_rng_normal(&rng);
  snprintf(s->raw_path, sizeof s->raw_path, "%s/raw.bin", dir);
  snprintf(s->rec_path, sizeof s->rec_path, "%s/state.dckpt", dir);
  snprintf(s->frames_path, sizeof s->frames_path, "%s/frames.bin", dir);
  write_all(s->raw_path, s->x, (size_t)s->size);

  /* the record: two arrays as in bench_peers */
  dckpt_record *r = dckpt_record_create();
  uint64_t shape[2] = {ROWS, n / 2 / ROWS};
  if (!r || dckpt_record_put_ref(r, "algorithm", DCKPT_F64, 2, shape, s->x) != DCKPT_OK ||
      dckpt_record_put_ref(r, "network", DCKPT_F64, 2, shape, s->x + n / 2) != DCKPT_OK ||
      dckpt_record_write(r, s->rec_path, 1, DCKPT_DURABILITY_FULL) != DCKPT_OK)
    die("cannot write the record %s", s->rec_path);
  dckpt_record_free(r);
  dckpt_file_info fi;
  if (dckpt_record_stat(s->rec_path, &fi) != DCKPT_OK) die("cannot stat %s", s->rec_path);
  s->rec_payload_len = fi.payload_bytes;
  s->rec_payload_off = fi.file_bytes - fi.payload_bytes;

  /* the shuffle blocks, as the record has them: each array's own, from its
   * start; the frames file holds each block compressed alone */
  uint64_t half = s->size / 2, per = (half + BLOCK - 1) / BLOCK;
  s->nframes = (size_t)(2 * per);
  s->blk_at = bench_xmalloc(s->nframes * sizeof *s->blk_at);
  s->blk_len = bench_xmalloc(s->nframes * sizeof *s->blk_len);
  for (size_t f = 0; f < s->nframes; f++) {
    uint64_t in = (uint64_t)(f % per) * BLOCK;
    s->blk_at[f] = (f / per) * half + in;
    s->blk_len[f] = half - in < BLOCK ? half - in : BLOCK;
  }
  s->frame_off = bench_xmalloc(s->nframes * sizeof *s->frame_off);
  s->frame_len = bench_xmalloc(s->nframes * sizeof *s->frame_len);
  s->frame_hash = bench_xmalloc(s->nframes * sizeof *s->frame_hash);
  size_t cap = ZSTD_compressBound(BLOCK);
  uint8_t *shuf = bench_xmalloc(BLOCK), *all = bench_xmalloc(s->nframes * cap);
  uint64_t at = 0;
  for (size_t f = 0; f < s->nframes; f++) {
    size_t len = (size_t)s->blk_len[f];
    dckpt_shuffle(shuf, (const uint8_t *)s->x + s->blk_at[f], len / 8, 8);
    size_t c = ZSTD_compress(all + at, cap, shuf, len, 1);
    if (ZSTD_isError(c)) die("zstd: %s", ZSTD_getErrorName(c));
    s->frame_off[f] = at;
    s->frame_len[f] = c;
    at += c;
  }
  write_all(s->frames_path, all, (size_t)at);
  free(all);
  free(shuf);
  s->dest = bench_xmalloc((size_t)s->size);
  memset(s->dest, 1, (size_t)s->size); /* faulted in, as a kept block is */
}

static void check_dest(const setup *s, const char *who) {
  if (memcmp(s->dest, s->x, (size_t)s->size) != 0) die("%s: different numbers", who);
  memset(s->dest, 0, (size_t)s->size);
}

/* ---- the ways to load ---- */

static double load_raw(setup *s) {
  sync();
  double t0 = bench_now();
  int fd = open_ro(s->raw_path);
  pread_all(fd, s->dest, (size_t)s->size, 0);
  close(fd);
  double t = bench_now() - t0;
  check_dest(s, "raw read");
  return t;
}

static double load_dckpt(setup *s) {
  dckpt_record *r = NULL;
  sync();
  double t0 = bench_now();
  int rc = dckpt_record_read(s->rec_path, &r);
  double t = bench_now() - t0;
  if (rc != DCKPT_OK) die("dckpt_record_read: %s", dckpt_strerror(rc));
  dckpt_array_info a, b;
  if (dckpt_record_find(r, "algorithm", &a) != DCKPT_OK ||
      dckpt_record_find(r, "network", &b) != DCKPT_OK ||
      memcmp(a.data, s->x, (size_t)a.nbytes) != 0 ||
      memcmp(b.data, s->x + s->size / 16, (size_t)b.nbytes) != 0)
    die("dckpt_record_read: different numbers");
  dckpt_record_free(r);
  return t;
}

/* The end of a load of the record's payload: the hash taken, the file
 * closed, the clock read, the state checked (after the clock). */
static double end_single(setup *s, XXH3_state_t *h, int fd, double t0, const char *who) {
  volatile uint64_t sum = XXH3_64bits_digest(h);
  (void)sum;
  XXH3_freeState(h);
  close(fd);
  double t = bench_now() - t0;
  check_dest(s, who);
  return t;
}

/* Today's payload on one core: read in 256 KiB pieces, hashed, decoded zstd
 * block by zstd block into a raw buffer, each shuffle block unshuffled as
 * soon as it is complete. */
typedef struct one_frame {
  uint8_t *in, *raw;
  ZSTD_DCtx *dctx;
} one_frame;

static double load_one_frame(setup *s, one_frame *o) {
  sync();
  double t0 = bench_now();
  int fd = open_ro(s->rec_path);
  size_t len = (size_t)s->rec_payload_len, have = 0, ip = 0, op = 0, next = 0;
  XXH3_state_t *h = XXH3_createState();
  XXH3_64bits_reset(h);
  if (ZSTD_isError(ZSTD_decompressBegin(o->dctx))) die("zstd begin");
  for (size_t need = ZSTD_nextSrcSizeToDecompress(o->dctx); need > 0;
       need = ZSTD_nextSrcSizeToDecompress(o->dctx)) {
    while (have < ip + need) {
      size_t n = len - have < ((size_t)256 << 10) ? len - have : (size_t)256 << 10;
      pread_all(fd, o->in + have, n, s->rec_payload_off + have);
      XXH3_64bits_update(h, o->in + have, n);
      have += n;
    }
    size_t got =
        ZSTD_decompressContinue(o->dctx, o->raw + op, s->size - op, o->in + ip, need);
    if (ZSTD_isError(got)) die("zstd: %s", ZSTD_getErrorName(got));
    ip += need;
    op += got;
    for (; next < s->nframes && s->blk_at[next] + s->blk_len[next] <= op; next++)
      dckpt_unshuffle(s->dest + s->blk_at[next], o->raw + s->blk_at[next],
                      (size_t)s->blk_len[next] / 8, 8);
  }
  return end_single(s, h, fd, t0, "one frame");
}

/* Today's payload through zstd's streaming decoder (which keeps its own
 * window), each shuffle block decoded into one block buffer that stays in
 * cache and unshuffled from there; input read in 256 KiB pieces into one
 * small buffer. */
static double load_streamed(setup *s, one_frame *o, uint8_t *blk) {
  sync();
  double t0 = bench_now();
  int fd = open_ro(s->rec_path);
  size_t len = (size_t)s->rec_payload_len, piece = (size_t)256 << 10;
  XXH3_state_t *h = XXH3_createState();
  XXH3_64bits_reset(h);
  ZSTD_DCtx_reset(o->dctx, ZSTD_reset_session_only);
  ZSTD_inBuffer in = {o->in, 0, 0};
  size_t taken = 0;
  for (size_t f = 0; f < s->nframes; f++) {
    ZSTD_outBuffer out = {blk, (size_t)s->blk_len[f], 0};
    while (out.pos < out.size) {
      if (in.pos == in.size) {
        size_t n = len - taken < piece ? len - taken : piece;
        pread_all(fd, o->in, n, s->rec_payload_off + taken);
        XXH3_64bits_update(h, o->in, n);
        taken += n;
        in = (ZSTD_inBuffer){o->in, n, 0};
      }
      size_t r = ZSTD_decompressStream(o->dctx, &out, &in);
      if (ZSTD_isError(r)) die("zstd: %s", ZSTD_getErrorName(r));
    }
    dckpt_unshuffle(s->dest + s->blk_at[f], blk, out.size / 8, 8);
  }
  return end_single(s, h, fd, t0, "one frame, streamed");
}

/* Independent frames: a worker takes the next frame number, reads the frame,
 * hashes it, decodes it into its block buffer and unshuffles it into place. */
typedef struct worker_ctx {
  uint8_t *in, *blk;
  ZSTD_DCtx *dctx;
} worker_ctx;

typedef struct frames {
  setup *s;
  int fd;
  atomic_size_t next;
  worker_ctx w[2];
  /* the kept second thread */
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  unsigned long job, done;
  bool quit;
} frames;

static void frames_work(frames *fr, worker_ctx *w) {
  setup *s = fr->s;
  for (size_t f; (f = atomic_fetch_add(&fr->next, 1)) < s->nframes;) {
    pread_all(fr->fd, w->in, (size_t)s->frame_len[f], s->frame_off[f]);
    s->frame_hash[f] = XXH3_64bits(w->in, (size_t)s->frame_len[f]);
    size_t got =
        ZSTD_decompressDCtx(w->dctx, w->blk, BLOCK, w->in, (size_t)s->frame_len[f]);
    if (ZSTD_isError(got)) die("zstd: %s", ZSTD_getErrorName(got));
    if (got != s->blk_len[f]) die("frame %zu: %zu bytes", f, got);
    dckpt_unshuffle(s->dest + s->blk_at[f], w->blk, got / 8, 8);
  }
}

static void *frames_thread(void *arg) {
  frames *fr = arg;
  unsigned long seen = 0;
  for (;;) {
    pthread_mutex_lock(&fr->mu);
    while (fr->job == seen && !fr->quit)
      pthread_cond_wait(&fr->cv, &fr->mu);
    bool quit = fr->quit;
    seen = fr->job;
    pthread_mutex_unlock(&fr->mu);
    if (quit) return NULL;
    frames_work(fr, &fr->w[1]);
    pthread_mutex_lock(&fr->mu);
    fr->done = seen;
    pthread_cond_broadcast(&fr->cv);
    pthread_mutex_unlock(&fr->mu);
  }
}

static double load_frames(setup *s, frames *fr, bool two) {
  sync();
  double t0 = bench_now();
  fr->fd = open_ro(s->frames_path);
  atomic_store(&fr->next, 0);
  if (two) {
    pthread_mutex_lock(&fr->mu);
    fr->job++;
    pthread_cond_broadcast(&fr->cv);
    pthread_mutex_unlock(&fr->mu);
  }
  frames_work(fr, &fr->w[0]);
  if (two) {
    pthread_mutex_lock(&fr->mu);
    while (fr->done != fr->job)
      pthread_cond_wait(&fr->cv, &fr->mu);
    pthread_mutex_unlock(&fr->mu);
  }
  volatile uint64_t sum =
      XXH3_64bits(s->frame_hash, s->nframes * sizeof *s->frame_hash); /* the table's */
  (void)sum;
  close(fr->fd);
  double t = bench_now() - t0;
  check_dest(s, two ? "frames, 2 threads" : "frames, 1 thread");
  return t;
}

/* ---- main ---- */

static void usage(FILE *out) {
  fprintf(out,
          "usage: bench_decode_split [--sizes 1M,4M,16M,64M] [--reps N] [--dir DIR]\n"
          "Loads of one compressed state: raw read, dckpt_record_read, today's one\n"
          "zstd frame on one core, and independent frames on one and two threads.\n"
          "Medians in ms, each load after an untimed sync(). DIR (default\n"
          "./bench-decode-split-tmp) holds the files and is removed at the end.\n");
}

int main(int argc, char **argv) {
  bench_set_prog("bench_decode_split");
  const char *dir = "./bench-decode-split-tmp";
  const char *sizes = "1M,4M,16M,64M";
  int reps = 15;
  static const struct option lo[] = {{"sizes", required_argument, NULL, 's'},
                                     {"reps", required_argument, NULL, 'r'},
                                     {"dir", required_argument, NULL, 'd'},
                                     {"help", no_argument, NULL, 'h'},
                                     {NULL, 0, NULL, 0}};
  for (int c; (c = getopt_long(argc, argv, "h", lo, NULL)) != -1;) {
    switch (c) {
    case 's': sizes = optarg; break;
    case 'r':
      reps = atoi(optarg);
      if (reps < 1 || reps > MAX_REPS)
        die("--reps: '%s' is not in 1..%d", optarg, MAX_REPS);
      break;
    case 'd': dir = optarg; break;
    case 'h': usage(stdout); return 0;
    default: usage(stderr); return 1;
    }
  }
  if (optind < argc) die("unexpected argument '%s' (see --help)", argv[optind]);
  bench_remove_tree(dir);
  if (mkdir(dir, 0755) != 0) die("cannot create %s", dir);

  frames fr;
  memset(&fr, 0, sizeof fr);
  pthread_mutex_init(&fr.mu, NULL);
  pthread_cond_init(&fr.cv, NULL);
  for (int i = 0; i < 2; i++) {
    fr.w[i].in = bench_xmalloc(ZSTD_compressBound(BLOCK));
    fr.w[i].blk = bench_xmalloc(BLOCK);
    fr.w[i].dctx = ZSTD_createDCtx();
    if (!fr.w[i].dctx) die("out of memory");
  }
  if (pthread_create(&fr.thread, NULL, frames_thread, &fr) != 0) die("no thread");

  printf("load average %.2f at the start\n\n", bench_loadavg1());
  printf("| state | raw / frames file |");
  for (int w = 0; w < NWAYS; w++)
    printf(" %s (ms) |", way_name[w]);
  printf("\n|---|---|---|---|---|---|---|---|\n");
  char *list = strdup(sizes);
  if (!list) die("out of memory");
  for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
    uint64_t size;
    if (!bench_parse_size(tok, &size) || size % (16 * ROWS) != 0 || size < BLOCK)
      die("--sizes: '%s' is not a size of at least 1M, a multiple of %d", tok, 16 * ROWS);
    setup s;
    memset(&s, 0, sizeof s);
    s.size = size;
    make_files(&s, dir);
    fr.s = &s;
    one_frame o = {bench_xmalloc((size_t)s.rec_payload_len), bench_xmalloc((size_t)size),
                   fr.w[0].dctx};
    double t[NWAYS][MAX_REPS];
    for (int r = -1; r < reps; r++) { /* -1: warm-up, not recorded */
      double v[NWAYS] = {load_raw(&s),
                         load_dckpt(&s),
                         load_one_frame(&s, &o),
                         load_streamed(&s, &o, fr.w[1].blk),
                         load_frames(&s, &fr, false),
                         load_frames(&s, &fr, true)};
      for (int w = 0; r >= 0 && w < NWAYS; w++)
        t[w][r] = v[w];
    }
    uint64_t fbytes = s.frame_off[s.nframes - 1] + s.frame_len[s.nframes - 1];
    char label[32];
    bench_format_size(size, label, sizeof label);
    printf("| %s | %.3f× |", label, (double)size / (double)fbytes);
    for (int w = 0; w < NWAYS; w++)
      printf(" %.3f |", bench_median(t[w], (size_t)reps) * 1e3);
    printf("\n");
    fflush(stdout);
    free(o.in);
    free(o.raw);
    free(s.x);
    free(s.frame_off);
    free(s.frame_len);
    free(s.frame_hash);
    free(s.blk_at);
    free(s.blk_len);
    free(s.dest);
    unlink(s.raw_path);
    unlink(s.rec_path);
    unlink(s.frames_path);
  }
  free(list);
  pthread_mutex_lock(&fr.mu);
  fr.quit = true;
  pthread_cond_broadcast(&fr.cv);
  pthread_mutex_unlock(&fr.mu);
  pthread_join(fr.thread, NULL);
  for (int i = 0; i < 2; i++) {
    free(fr.w[i].in);
    free(fr.w[i].blk);
    ZSTD_freeDCtx(fr.w[i].dctx);
  }
  printf("\nload average %.2f at the end\n", bench_loadavg1());
  bench_remove_tree(dir);
  return 0;
}
