/* bench_decode_split: what a load of one compressed state could cost on this
 * machine if the payload were laid out otherwise, against what a load costs
 * now and what reading the raw bytes costs (issue 13 item 1;
 * docs/performance.md, "What stands between dckpt and the targets";
 * docs/design.md, "Checkpoint cost").
 *
 * The state is bench_peers' (x_i = sin(i·1e-3) + 1e-3·N(0,1), fixed seed),
 * byte-shuffled in DCKPT_SHUFFLE_BLOCK blocks and compressed at zstd level 1.
 * For each size, five files are written once (the fifth, the C HDF5 file,
 * below):
 *   raw      the arrays' bytes (what C HDF5 or numpy read back);
 *   record   a dckpt record file of the same two arrays (dckpt_record_write);
 *   frames   the record's header (a zstd skippable frame), then the shuffled
 *            blocks, each compressed as its own zstd frame, with their lengths
 *            kept in memory (a frame table a format could hold);
 *   planes   the record's header, then each shuffled block's byte planes,
 *            each its own zstd frame: a plane that zstd does not shrink by
 *            1/32 is stored verbatim as a frame of one raw block (12 bytes
 *            of frame and block header, so that any zstd decoder still
 *            reads the file), the others as zstd made them; lengths kept in
 *            memory. Checked once: zstd decodes the whole file to the
 *            record's shuffled blocks.
 * Then, alternating, each timed after an untimed sync() as bench_peers does:
 *   raw read              pread of the raw bytes into a kept buffer;
 *   dckpt_record_read     today's load, into a new record;
 *   one frame, 1 thread   the record's payload (one zstd frame) decoded block
 *                         by block and unshuffled into a kept buffer: the
 *                         floor of today's format on one core;
 *   one frame, streamed   the same through zstd's streaming decoder;
 *   frames, 1 thread      the header read and its hash checked, then the
 *                         independent frames, each read, hashed, decoded and
 *                         unshuffled in turn;
 *   frames, 2 threads     the same frames shared with a second thread that is
 *                         kept between loads (woken, not created);
 *   planes, 1 / 2 threads the header read and checked; each block read and
 *                         hashed, its compressed planes decoded into a
 *                         block buffer; the unshuffle reads
 *                         the verbatim planes where they lie in the read
 *                         buffer (no zstd pass, no copy) and the others from
 *                         the block buffer (the library's
 *                         dckpt_unshuffle8_planes: AVX2 where the CPU has it);
 *   planes AVX-512, 1 / 2 threads  the same with an AVX-512 BW kernel (64
 *                         elements a step; where the CPU lacks AVX-512 BW
 *                         these columns repeat the AVX2 ones);
 *   C HDF5 load           the same two arrays as two contiguous datasets of
 *                         an HDF5 file, each read into a new buffer, as
 *                         bench_peers times C HDF5 (interleaved here with
 *                         the rest, so that all columns share the machine's
 *                         moments).
 * And the encode's CPU on one thread, in memory (shuffle, zstd, XXH3): today's
 * one frame, the planes, and the planes with a probe (a plane whose first
 * 8 KiB zstd does not shrink by 1/32 is stored verbatim without compressing
 * the rest).
 * Every load is compared with the state, bit for bit. Prints one Markdown
 * table: medians in ms over --reps repetitions. */
#define _GNU_SOURCE
#define ZSTD_STATIC_LINKING_ONLY /* the buffer-less block decoder */
#include <fcntl.h>
#include <getopt.h>
#include <hdf5.h>
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
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "bench_util.h"
#include "dckpt.h"
#include "format/shuffle.h"

#define MIB      ((uint64_t)1 << 20)
#define BLOCK    DCKPT_SHUFFLE_BLOCK
#define ROWS     64
#define MAX_REPS 101
#define NWAYS    11
#define PLANES   8

enum {
  W_RAW,
  W_DCKPT,
  W_ONE,
  W_STREAM,
  W_FRAMES1,
  W_FRAMES2,
  W_PLANES1,
  W_PLANES2,
  W_PLANES1_512,
  W_PLANES2_512,
  W_H5
};
static const char *const way_name[NWAYS] = {"raw read",
                                            "dckpt_record_read",
                                            "one frame, 1 thread",
                                            "one frame, streamed",
                                            "frames, 1 thread",
                                            "frames, 2 threads",
                                            "planes, 1 thread",
                                            "planes, 2 threads",
                                            "planes AVX-512, 1 thread",
                                            "planes AVX-512, 2 threads",
                                            "C HDF5 load"};

#define die bench_die

/* ---- the state and its files ---- */

typedef struct setup {
  uint64_t size;
  double *x;
  char raw_path[4096], rec_path[4096], frames_path[4096], h5_path[4096];
  size_t nframes;                  /* = shuffle blocks: each array's, in order */
  uint64_t *blk_at, *blk_len;      /* where each block is in the state */
  uint64_t *frame_off, *frame_len; /* in the frames file */
  uint64_t *frame_hash;            /* filled by each load */
  /* the plane-wise file: unit f = shuffle block f, its 8 byte planes in
   * order, each stored as a zstd frame if that saves at least 1/32 of it,
   * else verbatim */
  char planes_path[4096];
  uint64_t *unit_off, *unit_len;
  uint32_t (*pl_len)[PLANES]; /* stored length; == plane size: verbatim */
  uint64_t planes_bytes;
  size_t raw_planes;
  uint64_t rec_payload_off, rec_payload_len;
  uint8_t *hdr;  /* the record's header, which the frames and planes files
                    also start with (read and its hash checked by their loads) */
  uint8_t *dest; /* kept output buffer (all loads but dckpt_record_read) */
} setup;

/* Writes `head` (h bytes, may be 0) then p[0, n) as the file `path`. */
static void write_two(const char *path, const void *head, size_t h, const void *p,
                      size_t n) {
  int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0 || write(fd, head, h) != (ssize_t)h || write(fd, p, n) != (ssize_t)n ||
      fsync(fd) != 0 || close(fd) != 0)
    die("cannot write %s", path);
}

static void write_all(const char *path, const void *p, size_t n) {
  write_two(path, "", 0, p, n);
}

static uint64_t le64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

static int open_ro(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die("cannot open %s", path);
  return fd;
}

static void pread_all(int fd, void *p, size_t n, uint64_t off) {
  if (pread(fd, p, n, (off_t)off) != (ssize_t)n) die("short read");
}

/* A plane that does not compress is stored as a zstd frame of one raw block
 * (so that `zstd -d` still decodes the payload): frame magic, a frame header
 * descriptor 0xA0 (single segment, 4-byte content size), the content size,
 * and the block header (last block, raw, its size): 12 bytes, then the
 * plane. A reader that sees exactly this header uses the bytes where they
 * lie. */
#define VERBATIM_HDR 12
static void verbatim_header(uint8_t *p, size_t n) {
  uint32_t magic = 0xFD2FB528u, fcs = (uint32_t)n, bh = (uint32_t)(n << 3) | 1u;
  for (int i = 0; i < 4; i++) {
    p[i] = (uint8_t)(magic >> (8 * i));
    p[5 + i] = (uint8_t)(fcs >> (8 * i));
  }
  p[4] = 0xA0;
  p[9] = (uint8_t)bh;
  p[10] = (uint8_t)(bh >> 8);
  p[11] = (uint8_t)(bh >> 16);
}

static bool is_verbatim(const uint8_t *p, size_t len, size_t n) {
  uint8_t want[VERBATIM_HDR];
  if (len != n + VERBATIM_HDR) return false;
  verbatim_header(want, n);
  return memcmp(p, want, VERBATIM_HDR) == 0;
}

/* One shuffle block of `len` bytes (8-byte elements) plane-wise into `out`:
 * each plane compressed alone at level 1 and kept so if that saves at least
 * 1/32 of it, else stored verbatim. With `probe`, a plane whose first 8 KiB
 * do not compress by 1/32 is stored verbatim without trying the rest.
 * Returns the bytes written. */
static ZSTD_CCtx *plane_cctx;
static size_t planes_encode(uint8_t *out, uint8_t *shuf, const uint8_t *src, size_t len,
                            uint32_t pl_len[PLANES], bool probe) {
  size_t n = len / PLANES, at = 0;
  dckpt_shuffle(shuf, src, n, PLANES);
  if (!plane_cctx && !(plane_cctx = ZSTD_createCCtx())) die("out of memory");
  for (int p = 0; p < PLANES; p++) {
    const uint8_t *plane = shuf + (size_t)p * n;
    size_t c = n;
    size_t pn = n < 8192 ? n : 8192;
    if (!probe || ZSTD_compressCCtx(plane_cctx, out + at, ZSTD_compressBound(pn), plane,
                                    pn, 1) < pn - pn / 32) {
      c = ZSTD_compressCCtx(plane_cctx, out + at, ZSTD_compressBound(n), plane, n, 1);
      if (ZSTD_isError(c)) die("zstd: %s", ZSTD_getErrorName(c));
    }
    if (c >= n - n / 32) {
      verbatim_header(out + at, n);
      memcpy(out + at + VERBATIM_HDR, plane, n);
      c = n + VERBATIM_HDR;
    }
    pl_len[p] = (uint32_t)c;
    at += c;
  }
  return at;
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

  /* C HDF5: two contiguous datasets, as bench_peers writes them */
  snprintf(s->h5_path, sizeof s->h5_path, "%s/state.h5", dir);
  hid_t h5 = H5Fcreate(s->h5_path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hsize_t dims[2] = {ROWS, n / 2 / ROWS};
  hid_t sp = H5Screate_simple(2, dims, NULL);
  if (h5 < 0 || sp < 0) die("HDF5: cannot create %s", s->h5_path);
  for (int i = 0; i < 2; i++) {
    hid_t ds = H5Dcreate2(h5, i ? "network" : "algorithm", H5T_IEEE_F64LE, sp,
                          H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (ds < 0 || H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                           s->x + (size_t)i * (n / 2)) < 0)
      die("HDF5: cannot write %s", s->h5_path);
    H5Dclose(ds);
  }
  H5Sclose(sp);
  if (H5Fclose(h5) < 0) die("HDF5: cannot close %s", s->h5_path);

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
  s->hdr = bench_xmalloc((size_t)s->rec_payload_off);
  int rfd = open_ro(s->rec_path);
  pread_all(rfd, s->hdr, (size_t)s->rec_payload_off, 0);
  close(rfd);

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
  write_two(s->frames_path, s->hdr, (size_t)s->rec_payload_off, all, (size_t)at);

  /* the plane-wise file */
  snprintf(s->planes_path, sizeof s->planes_path, "%s/planes.bin", dir);
  s->unit_off = bench_xmalloc(s->nframes * sizeof *s->unit_off);
  s->unit_len = bench_xmalloc(s->nframes * sizeof *s->unit_len);
  s->pl_len = bench_xmalloc(s->nframes * sizeof *s->pl_len);
  at = 0;
  for (size_t f = 0; f < s->nframes; f++) {
    size_t len = (size_t)s->blk_len[f];
    s->unit_off[f] = at;
    at += planes_encode(all + at, shuf, (const uint8_t *)s->x + s->blk_at[f], len,
                        s->pl_len[f], false);
    s->unit_len[f] = at - s->unit_off[f];
    for (int p = 0; p < PLANES; p++)
      s->raw_planes += s->pl_len[f][p] == len / PLANES + VERBATIM_HDR;
  }
  s->planes_bytes = at;
  write_two(s->planes_path, s->hdr, (size_t)s->rec_payload_off, all, (size_t)at);
  /* any zstd decoder reads the whole plane file (the header a skippable
   * frame, then concatenated frames): the shuffled blocks, as the record's
   * one frame holds them */
  {
    size_t flen = (size_t)(s->rec_payload_off + at);
    uint8_t *dec = bench_xmalloc((size_t)s->size), *blk = bench_xmalloc(BLOCK);
    uint8_t *file = bench_xmalloc(flen);
    int pfd = open_ro(s->planes_path);
    pread_all(pfd, file, flen, 0);
    close(pfd);
    size_t got = ZSTD_decompress(dec, (size_t)s->size, file, flen);
    free(file);
    if (ZSTD_isError(got) || got != s->size)
      die("plane file: zstd says %s",
          ZSTD_isError(got) ? ZSTD_getErrorName(got) : "wrong size");
    for (size_t f = 0; f < s->nframes; f++) {
      dckpt_shuffle(blk, (const uint8_t *)s->x + s->blk_at[f], (size_t)s->blk_len[f] / 8,
                    8);
      if (memcmp(blk, dec + s->blk_at[f], (size_t)s->blk_len[f]) != 0)
        die("plane file: zstd gives other bytes");
    }
    free(dec);
    free(blk);
  }
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

/* Whether the planes' unshuffle uses the AVX-512 kernel (set per way; only
 * where the CPU has AVX-512 BW, else the column repeats the AVX2 one). */
static bool use_avx512;

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

/* C HDF5's load as bench_peers times it: each dataset read into a new
 * buffer. */
static double load_h5(setup *s) {
  double *buf[2];
  size_t half = (size_t)s->size / 2;
  sync();
  double t0 = bench_now();
  hid_t f = H5Fopen(s->h5_path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) die("HDF5: cannot open %s", s->h5_path);
  for (int i = 0; i < 2; i++) {
    buf[i] = bench_xmalloc(half);
    hid_t ds = H5Dopen2(f, i ? "network" : "algorithm", H5P_DEFAULT);
    if (ds < 0 ||
        H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf[i]) < 0)
      die("HDF5: cannot read %s", s->h5_path);
    H5Dclose(ds);
  }
  H5Fclose(f);
  double t = bench_now() - t0;
  for (int i = 0; i < 2; i++) {
    if (memcmp(buf[i], s->x + (size_t)i * (half / 8), half) != 0)
      die("C HDF5 load: different numbers");
    free(buf[i]);
  }
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
  bool planes; /* the plane-wise file instead of the frames */
} frames;

static void planes_unit(setup *s, int fd, worker_ctx *w, size_t f);

static void frames_work(frames *fr, worker_ctx *w) {
  setup *s = fr->s;
  if (fr->planes) {
    for (size_t f; (f = atomic_fetch_add(&fr->next, 1)) < s->nframes;)
      planes_unit(s, fr->fd, w, f);
    return;
  }
  for (size_t f; (f = atomic_fetch_add(&fr->next, 1)) < s->nframes;) {
    pread_all(fr->fd, w->in, (size_t)s->frame_len[f],
              s->rec_payload_off + s->frame_off[f]);
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

static double load_frames(setup *s, frames *fr, bool two, bool planes) {
  sync();
  double t0 = bench_now();
  fr->planes = planes;
  fr->fd = open_ro(planes ? s->planes_path : s->frames_path);
  /* the header, as a record load reads and checks it first */
  pread_all(fr->fd, s->hdr, (size_t)s->rec_payload_off, 0);
  if (XXH3_64bits(s->hdr, (size_t)s->rec_payload_off - 8) !=
      le64(s->hdr + s->rec_payload_off - 8))
    die("%s: header checksum mismatch", planes ? s->planes_path : s->frames_path);
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
  check_dest(
      s, way_name[(planes ? (use_avx512 ? W_PLANES1_512 : W_PLANES1) : W_FRAMES1) + two]);
  return t;
}

/* Plane-wise units: a worker takes the next unit, reads it, hashes it,
 * decodes its compressed planes into its plane buffers and unshuffles from
 * those and from the verbatim planes where they lie in the read buffer. */
#if defined(__x86_64__) && defined(__GNUC__)
/* AVX-512 BW, 64 elements per step: the AVX2 kernel's word transpose and
 * byte pairing within each 128-bit lane (lane L of register j then holds
 * elements 16L+2j and 16L+2j+1), then a 4x4 transpose of lanes across
 * registers j..j+3 gives elements 16L+2j..16L+2j+7, 64 contiguous bytes. */
__attribute__((target("avx512f,avx512bw"))) static size_t
unshuffle_planes_avx512(uint8_t *dst, const uint8_t *const pl[PLANES], size_t n) {
  const __m512i unpair = _mm512_broadcast_i32x4(
      _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15));
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    __m512i v[8], a[8], b[8];
    for (int r = 0; r < 8; r++)
      v[r] = _mm512_loadu_si512((const void *)(pl[r] + i));
    for (int k = 0; k < 4; k++) {
      a[2 * k] = _mm512_unpacklo_epi16(v[2 * k], v[2 * k + 1]);
      a[2 * k + 1] = _mm512_unpackhi_epi16(v[2 * k], v[2 * k + 1]);
    }
    for (int h = 0; h < 2; h++) {
      b[4 * h] = _mm512_unpacklo_epi32(a[4 * h], a[4 * h + 2]);
      b[4 * h + 1] = _mm512_unpackhi_epi32(a[4 * h], a[4 * h + 2]);
      b[4 * h + 2] = _mm512_unpacklo_epi32(a[4 * h + 1], a[4 * h + 3]);
      b[4 * h + 3] = _mm512_unpackhi_epi32(a[4 * h + 1], a[4 * h + 3]);
    }
    for (int k = 0; k < 4; k++) {
      v[2 * k] = _mm512_shuffle_epi8(_mm512_unpacklo_epi64(b[k], b[k + 4]), unpair);
      v[2 * k + 1] = _mm512_shuffle_epi8(_mm512_unpackhi_epi64(b[k], b[k + 4]), unpair);
    }
    for (int j = 0; j < 8; j += 4) {
      __m512i t0 = _mm512_shuffle_i64x2(v[j], v[j + 1], 0x44);
      __m512i t1 = _mm512_shuffle_i64x2(v[j], v[j + 1], 0xEE);
      __m512i t2 = _mm512_shuffle_i64x2(v[j + 2], v[j + 3], 0x44);
      __m512i t3 = _mm512_shuffle_i64x2(v[j + 2], v[j + 3], 0xEE);
      uint8_t *o = dst + (i + 2 * (size_t)j) * 8;
      _mm512_storeu_si512((void *)o, _mm512_shuffle_i64x2(t0, t2, 0x88));
      _mm512_storeu_si512((void *)(o + 16 * 8), _mm512_shuffle_i64x2(t0, t2, 0xDD));
      _mm512_storeu_si512((void *)(o + 32 * 8), _mm512_shuffle_i64x2(t1, t3, 0x88));
      _mm512_storeu_si512((void *)(o + 48 * 8), _mm512_shuffle_i64x2(t1, t3, 0xDD));
    }
  }
  return i;
}
#endif

/* The library's kernel (dckpt_unshuffle8_planes: AVX2 where the CPU has it),
 * or the AVX-512 one with the library's doing what is left. */
static void unshuffle_planes(uint8_t *dst, const uint8_t *const pl[PLANES], size_t n) {
  size_t i = 0;
#if defined(__x86_64__) && defined(__GNUC__)
  if (use_avx512 && __builtin_cpu_supports("avx512bw"))
    i = unshuffle_planes_avx512(dst, pl, n);
#endif
  const uint8_t *rest[PLANES];
  for (int b = 0; b < PLANES; b++)
    rest[b] = pl[b] + i;
  dckpt_unshuffle8_planes(dst + i * PLANES, rest, n - i);
}

static void planes_unit(setup *s, int fd, worker_ctx *w, size_t f) {
  size_t n = (size_t)s->blk_len[f] / PLANES;
  pread_all(fd, w->in, (size_t)s->unit_len[f], s->rec_payload_off + s->unit_off[f]);
  s->frame_hash[f] = XXH3_64bits(w->in, (size_t)s->unit_len[f]);
  const uint8_t *pl[PLANES];
  size_t at = 0;
  for (int p = 0; p < PLANES; p++) {
    size_t c = s->pl_len[f][p];
    if (is_verbatim(w->in + at, c, n)) {
      pl[p] = w->in + at + VERBATIM_HDR;
    } else {
      uint8_t *d = w->blk + (size_t)p * n;
      size_t got = ZSTD_decompressDCtx(w->dctx, d, n, w->in + at, c);
      if (ZSTD_isError(got) || got != n) die("plane %zu/%d: bad", f, p);
      pl[p] = d;
    }
    at += c;
  }
  unshuffle_planes(s->dest + s->blk_at[f], pl, n);
}

/* Encode CPU on one thread, in memory: today's (every block shuffled into
 * one buffer, one zstd frame over it) against the plane-wise units. */
static double encode_one(const setup *s, uint8_t *shuf_all, uint8_t *out, ZSTD_CCtx *cc) {
  double t0 = bench_now();
  for (size_t f = 0; f < s->nframes; f++)
    dckpt_shuffle(shuf_all + s->blk_at[f], (const uint8_t *)s->x + s->blk_at[f],
                  (size_t)s->blk_len[f] / 8, 8);
  size_t c = ZSTD_compressCCtx(cc, out, ZSTD_compressBound((size_t)s->size), shuf_all,
                               (size_t)s->size, 1);
  if (ZSTD_isError(c)) die("zstd: %s", ZSTD_getErrorName(c));
  volatile uint64_t h = XXH3_64bits(out, c);
  (void)h;
  return bench_now() - t0;
}

static double encode_planes(const setup *s, uint8_t *shuf, uint8_t *out, bool probe) {
  double t0 = bench_now();
  size_t at = 0;
  uint32_t pl[PLANES];
  for (size_t f = 0; f < s->nframes; f++) {
    size_t u = planes_encode(out + at, shuf, (const uint8_t *)s->x + s->blk_at[f],
                             (size_t)s->blk_len[f], pl, probe);
    volatile uint64_t h = XXH3_64bits(out + at, u);
    (void)h;
    at += u;
  }
  return bench_now() - t0;
}

/* ---- main ---- */

static void usage(FILE *out) {
  fprintf(out,
          "usage: bench_decode_split [--sizes 1M,4M,16M,64M] [--reps N] [--dir DIR]\n"
          "Loads of one compressed state: raw read, dckpt_record_read, today's one\n"
          "zstd frame on one core, independent frames and plane-wise frames on one\n"
          "and two threads; and the encode's CPU, one frame against planes.\n"
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
  printf(
      " raw / planes file | verbatim planes | encode one frame (ms) | encode planes (ms) "
      "| encode planes, probed (ms) |\n|");
  for (int c = 0; c < 2 + NWAYS + 5; c++)
    printf("---|");
  printf("\n");
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
                         load_frames(&s, &fr, false, false),
                         load_frames(&s, &fr, true, false),
                         load_frames(&s, &fr, false, true),
                         load_frames(&s, &fr, true, true),
                         0,
                         0,
                         load_h5(&s)};
      use_avx512 = true;
      v[W_PLANES1_512] = load_frames(&s, &fr, false, true);
      v[W_PLANES2_512] = load_frames(&s, &fr, true, true);
      use_avx512 = false;
      for (int w = 0; r >= 0 && w < NWAYS; w++)
        t[w][r] = v[w];
    }
    double e[3][MAX_REPS];
    {
      uint8_t *sa = bench_xmalloc((size_t)size),
              *eo = bench_xmalloc(ZSTD_compressBound((size_t)size) + size);
      ZSTD_CCtx *cc = ZSTD_createCCtx();
      for (int r = -1; r < reps; r++) {
        double a = encode_one(&s, sa, eo, cc),
               b = encode_planes(&s, fr.w[1].blk, eo, false),
               c = encode_planes(&s, fr.w[1].blk, eo, true);
        if (r >= 0) e[0][r] = a, e[1][r] = b, e[2][r] = c;
      }
      ZSTD_freeCCtx(cc);
      free(sa);
      free(eo);
    }
    uint64_t fbytes =
        s.rec_payload_off + s.frame_off[s.nframes - 1] + s.frame_len[s.nframes - 1];
    char label[32];
    bench_format_size(size, label, sizeof label);
    printf("| %s | %.3f× |", label, (double)size / (double)fbytes);
    for (int w = 0; w < NWAYS; w++)
      printf(" %.3f |", bench_median(t[w], (size_t)reps) * 1e3);
    printf(" %.3f× | %zu of %zu | %.3f | %.3f | %.3f |\n",
           (double)size / (double)(s.rec_payload_off + s.planes_bytes), s.raw_planes,
           s.nframes * PLANES, bench_median(e[0], (size_t)reps) * 1e3,
           bench_median(e[1], (size_t)reps) * 1e3,
           bench_median(e[2], (size_t)reps) * 1e3);
    fflush(stdout);
    free(o.in);
    free(o.raw);
    free(s.x);
    free(s.hdr);
    free(s.frame_off);
    free(s.frame_len);
    free(s.frame_hash);
    free(s.blk_at);
    free(s.blk_len);
    free(s.dest);
    unlink(s.raw_path);
    unlink(s.h5_path);
    unlink(s.rec_path);
    unlink(s.frames_path);
    unlink(s.planes_path);
    free(s.unit_off);
    free(s.unit_len);
    free(s.pl_len);
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
