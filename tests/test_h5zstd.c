/* The HDF5 zstd filter (src/container/h5zstd.c, id 32015).
 *
 *   test_h5zstd roundtrip      shuffle + zstd at several levels, partial edge
 *                              chunks, a fill-value dataset: read back equal,
 *                              stored smaller than raw
 *   test_h5zstd frame          each chunk on disk is one plain zstd frame
 *                              (what hdf5plugin and `zstd -d` expect)
 *   test_h5zstd corrupt        hand-made chunks (garbage, truncated, lying or
 *                              huge content sizes, trailing bytes, frames
 *                              without a content size) fail cleanly or decode
 *   test_h5zstd level          a level outside zstd's range is refused
 *   test_h5zstd replace        dckpt_h5zstd_register replaces another class
 *                              registered for id 32015 before it
 *   test_h5zstd parallel       (under mpiexec) a filtered dataset written
 *                              collectively by every rank through MPI-IO
 *   test_h5zstd write FILE     writes FILE for the plugin tests
 *                              (tests/container/plugin.sh)
 *   test_h5zstd read FILE      checks FILE as written by `write` or by h5py
 *                              with filter 32015 */
#include <hdf5.h>
#include <math.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "check.h"
#include "container/h5zstd.h"

/* An HDF5 call that must succeed (non-negative status or id). */
#define H5_OK(expr) CHECK((expr) >= 0)

#define N_ROWS 1000
#define N_COLS 37 /* chunks of 128 x 16: partial chunks on both edges */

static char path[4096];

/* Solver-like values: smooth in the iteration, noisy in the last bits. */
static double value(size_t i, size_t j) {
  uint64_t h = (uint64_t)(i * 2654435761u) ^ (uint64_t)(j * 40503u + 7u);
  h ^= h >> 13;
  h *= 0x9E3779B97F4A7C15ull;
  double noise = (double)(h >> 11) * 0x1.0p-53;
  return exp(-(double)i / 300.0) * sin((double)j + 0.5) + 1e-9 * noise;
}

static double *make_data(void) {
  double *d = malloc(sizeof(double) * N_ROWS * N_COLS);
  CHECK(d != NULL);
  for (size_t i = 0; i < N_ROWS; i++)
    for (size_t j = 0; j < N_COLS; j++)
      d[i * N_COLS + j] = value(i, j);
  return d;
}

static hid_t chunked_plist(int shuffle, const unsigned *level) {
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  hsize_t chunk[2] = {128, 16};
  H5_OK(H5Pset_chunk(dcpl, 2, chunk));
  if (shuffle) H5_OK(H5Pset_shuffle(dcpl));
  H5_OK(H5Pset_filter(dcpl, DCKPT_H5Z_ZSTD_ID, H5Z_FLAG_MANDATORY, level ? 1 : 0, level));
  return dcpl;
}

static hid_t create_file(void) {
  hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(f >= 0);
  return f;
}

static void write_f64(hid_t f, const char *name, hid_t dcpl, const double *data) {
  hsize_t dims[2] = {N_ROWS, N_COLS};
  hid_t space = H5Screate_simple(2, dims, NULL);
  hid_t d = H5Dcreate2(f, name, H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  CHECK(d >= 0);
  H5_OK(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data));
  H5Dclose(d);
  H5Sclose(space);
}

/* NAME as a chunked dataset through (shuffle and) zstd at *level (the default
 * level when NULL). */
static void write_zstd(hid_t f, const char *name, int shuffle, const unsigned *level,
                       const double *data) {
  hid_t dcpl = chunked_plist(shuffle, level);
  write_f64(f, name, dcpl, data);
  H5Pclose(dcpl);
}

/* Reads NAME and compares it bit for bit with the expected values. */
static void check_f64(hid_t f, const char *name, const double *want) {
  double *got = calloc(N_ROWS * N_COLS, sizeof(double));
  CHECK(got != NULL);
  hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
  CHECK(d >= 0);
  H5_OK(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, got));
  CHECK(memcmp(got, want, sizeof(double) * N_ROWS * N_COLS) == 0);
  H5Dclose(d);
  free(got);
}

static hsize_t stored_bytes(hid_t f, const char *name) {
  hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
  CHECK(d >= 0);
  hsize_t n = H5Dget_storage_size(d);
  H5Dclose(d);
  return n;
}

/* The cd_values of filter 32015 on dataset NAME (up to 4); returns how many. */
static size_t filter_params(hid_t f, const char *name, unsigned cd[4]) {
  hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
  hid_t dcpl = H5Dget_create_plist(d);
  unsigned flags = 0, config = 0;
  size_t n = 4;
  char fname[64];
  H5_OK(H5Pget_filter_by_id2(dcpl, DCKPT_H5Z_ZSTD_ID, &flags, &n, cd, sizeof fname, fname,
                             &config));
  H5Pclose(dcpl);
  H5Dclose(d);
  return n;
}

static void test_roundtrip(void) {
  double *data = make_data();
  hid_t f = create_file();
  unsigned levels[] = {1, 3, 19, (unsigned)-5};
  char name[32];
  for (size_t k = 0; k < sizeof levels / sizeof levels[0]; k++) {
    snprintf(name, sizeof name, "shuffled_%zu", k);
    write_zstd(f, name, 1, &levels[k], data);
  }
  write_zstd(f, "plain", 0, NULL, data); /* no cd_values: the default level */
  /* A dataset written in part: unwritten chunks hold the fill value. */
  hid_t dcpl = chunked_plist(1, &levels[0]);
  double fill = -1.5;
  H5_OK(H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &fill));
  hsize_t dims[2] = {N_ROWS, N_COLS}, start[2] = {0, 0}, count[2] = {200, N_COLS};
  hid_t space = H5Screate_simple(2, dims, NULL);
  hid_t d =
      H5Dcreate2(f, "partial", H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  hid_t mem = H5Screate_simple(2, count, NULL);
  H5_OK(H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL));
  H5_OK(H5Dwrite(d, H5T_NATIVE_DOUBLE, mem, space, H5P_DEFAULT, data));
  H5Sclose(mem);
  H5Sclose(space);
  H5Dclose(d);
  H5Pclose(dcpl);
  H5_OK(H5Fclose(f));

  f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  CHECK(f >= 0);
  hsize_t raw = sizeof(double) * N_ROWS * N_COLS;
  for (size_t k = 0; k < sizeof levels / sizeof levels[0]; k++) {
    snprintf(name, sizeof name, "shuffled_%zu", k);
    check_f64(f, name, data);
    hsize_t stored = stored_bytes(f, name);
    printf("level %d: %llu of %llu bytes\n", (int)levels[k], (unsigned long long)stored,
           (unsigned long long)raw);
    CHECK_LT(stored, raw);
  }
  check_f64(f, "plain", data);
  /* set_local stored {level, chunk bytes}; the default level when none given */
  unsigned cd[4];
  CHECK_EQ(filter_params(f, "shuffled_0", cd), 2);
  CHECK_EQ(cd[0], 1);
  CHECK_EQ(cd[1], 128 * 16 * sizeof(double));
  CHECK_EQ(filter_params(f, "plain", cd), 2);
  CHECK_EQ(cd[0], DCKPT_H5Z_ZSTD_LEVEL_DEFAULT);
  /* shuffle before zstd pays off on float64 state */
  CHECK_LT(stored_bytes(f, "shuffled_0"), stored_bytes(f, "plain"));
  double *want = malloc(raw);
  CHECK(want != NULL);
  for (size_t i = 0; i < N_ROWS * N_COLS; i++)
    want[i] = i < 200 * N_COLS ? data[i] : fill;
  check_f64(f, "partial", want);
  free(want);
  H5Fclose(f);
  free(data);
}

/* Chunk (0, 0) of an unshuffled dataset, read raw, is one zstd frame holding
 * the chunk's bytes in row-major order with its content size stated. */
static void test_frame(void) {
  double *data = make_data();
  hid_t f = create_file();
  unsigned level = 1;
  write_zstd(f, "x", 0, &level, data);
  hid_t d = H5Dopen2(f, "x", H5P_DEFAULT);
  hsize_t offset[2] = {0, 0}, nbytes = 0;
  H5_OK(H5Dget_chunk_storage_size(d, offset, &nbytes));
  CHECK_GT(nbytes, 0);
  void *frame = malloc(nbytes);
  uint32_t filters = 0;
  H5_OK(H5Dread_chunk(d, H5P_DEFAULT, offset, &filters, frame));
  CHECK_EQ(filters, 0); /* the filter was applied */
  size_t chunk_bytes = 128 * 16 * sizeof(double);
  CHECK_EQ(ZSTD_getFrameContentSize(frame, nbytes), chunk_bytes);
  CHECK_EQ(ZSTD_findFrameCompressedSize(frame, nbytes), nbytes);
  double *plain = malloc(chunk_bytes);
  CHECK_EQ(ZSTD_decompress(plain, chunk_bytes, frame, nbytes), chunk_bytes);
  for (size_t i = 0; i < 128; i++)
    for (size_t j = 0; j < 16; j++)
      CHECK(plain[i * 16 + j] == data[i * N_COLS + j]);
  free(plain);
  free(frame);
  H5Dclose(d);
  H5Fclose(f);
  free(data);
}

/* A one-chunk dataset of 4096 u8 whose only chunk is written as given
 * (bypassing the filter), then read through the filter. Returns H5Dread's
 * status; the values go to out. */
static herr_t read_crafted(const void *chunk, size_t n, unsigned char *out) {
  hid_t f = create_file();
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  hsize_t dims[1] = {4096}, cdims[1] = {4096}, offset[1] = {0};
  H5_OK(H5Pset_chunk(dcpl, 1, cdims));
  H5_OK(H5Pset_filter(dcpl, DCKPT_H5Z_ZSTD_ID, H5Z_FLAG_MANDATORY, 0, NULL));
  hid_t space = H5Screate_simple(1, dims, NULL);
  hid_t d = H5Dcreate2(f, "c", H5T_NATIVE_UCHAR, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  CHECK(d >= 0);
  H5_OK(H5Dwrite_chunk(d, H5P_DEFAULT, 0, offset, n, chunk));
  herr_t rc;
  H5E_BEGIN_TRY {
    rc = H5Dread(d, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, out);
  }
  H5E_END_TRY;
  H5Dclose(d);
  H5Sclose(space);
  H5Pclose(dcpl);
  H5Fclose(f);
  return rc;
}

/* A frame of src written by the streaming API without a stated size. */
static size_t frame_without_size(void *dst, size_t cap, const void *src, size_t n) {
  ZSTD_CCtx *c = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 0);
  ZSTD_outBuffer out = {dst, cap, 0};
  ZSTD_inBuffer in = {src, n, 0};
  size_t rc = ZSTD_compressStream2(c, &out, &in, ZSTD_e_end);
  CHECK_EQ(rc, 0);
  ZSTD_freeCCtx(c);
  CHECK_EQ(ZSTD_getFrameContentSize(dst, out.pos), ZSTD_CONTENTSIZE_UNKNOWN);
  return out.pos;
}

/* sized: the datasets carry their chunk size in cd_values[1] (made by dckpt);
 * else they carry the level only, as files from hdf5plugin or from the
 * plugin module do. */
static void test_corrupt(int sized) {
  unsigned char src[4096], out[4096], frame[8192];
  for (size_t i = 0; i < sizeof src; i++)
    src[i] = (unsigned char)(i * 7 % 251);
  size_t n = ZSTD_compress(frame, sizeof frame, src, sizeof src, 3);
  CHECK(!ZSTD_isError(n));

  CHECK_GE(read_crafted(frame, n, out), 0); /* the honest frame reads */
  CHECK(memcmp(out, src, sizeof src) == 0);

  /* so does one with zstd's checksum, which follows the data that fills the
   * chunk exactly */
  ZSTD_CCtx *cc = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
  size_t nc = ZSTD_compress2(cc, frame, sizeof frame, src, sizeof src);
  ZSTD_freeCCtx(cc);
  CHECK(!ZSTD_isError(nc));
  memset(out, 0, sizeof out);
  CHECK_GE(read_crafted(frame, nc, out), 0);
  CHECK(memcmp(out, src, sizeof src) == 0);
  n = ZSTD_compress(frame, sizeof frame, src, sizeof src, 3);

  unsigned char garbage[64];
  memset(garbage, 0xAB, sizeof garbage);
  CHECK_LT(read_crafted(garbage, sizeof garbage, out), 0);
  CHECK_LT(read_crafted(frame, n / 2, out), 0); /* truncated */
  CHECK_LT(read_crafted(frame, 6, out), 0);     /* only part of a header */

  unsigned char trailing[8200];
  memcpy(trailing, frame, n);
  memset(trailing + n, 0, 8);
  CHECK_LT(read_crafted(trailing, n + 8, out), 0); /* bytes after the frame */

  /* a frame that decompresses to less than the chunk: HDF5 would take it
   * for a whole chunk and read past its end; refused when the size is known
   * (without it nothing can tell, which docs/container.md states) */
  if (sized) {
    size_t short_n = ZSTD_compress(frame, sizeof frame, src, 100, 3);
    CHECK_LT(read_crafted(frame, short_n, out), 0);
    /* and one that holds more than the chunk */
    unsigned char big[8192] = {0};
    size_t big_n = frame_without_size(frame, sizeof frame, big, sizeof big);
    CHECK_LT(read_crafted(frame, big_n, out), 0);
  }

  /* a flipped bit inside the compressed data: zstd frames from the filter
   * carry no checksum of their own, so what matters is a clean outcome:
   * either an error or 4096 bytes, never a crash or an overrun (ASan) */
  n = ZSTD_compress(frame, sizeof frame, src, sizeof src, 3);
  for (size_t bit = 0; bit < n * 8; bit += 13) {
    unsigned char bad[8192];
    memcpy(bad, frame, n);
    bad[bit / 8] ^= (unsigned char)(1u << (bit % 8));
    (void)read_crafted(bad, n, out);
  }

  /* no content size in the header: decoded by growing the buffer, also for a
   * chunk far larger than four times its frame (all zeros) */
  size_t m = frame_without_size(frame, sizeof frame, src, sizeof src);
  CHECK_GE(read_crafted(frame, m, out), 0);
  CHECK(memcmp(out, src, sizeof src) == 0);
  unsigned char zeros[4096] = {0};
  m = frame_without_size(frame, sizeof frame, zeros, sizeof zeros);
  CHECK_LT(m * 4 + 64, sizeof zeros); /* so the first guess is too small */
  memset(out, 0xFF, sizeof out);
  CHECK_GE(read_crafted(frame, m, out), 0);
  CHECK(memcmp(out, zeros, sizeof zeros) == 0);

  /* a header that claims 1 TiB (the frame is cut short after the data of
   * 4 KiB): refused without allocating 1 TiB */
  unsigned char liar[8192];
  ZSTD_CCtx *c = ZSTD_createCCtx();
  ZSTD_CCtx_setPledgedSrcSize(c, 1ull << 40);
  ZSTD_outBuffer ob = {liar, sizeof liar, 0};
  ZSTD_inBuffer ib = {src, sizeof src, 0};
  size_t rc = ZSTD_compressStream2(c, &ob, &ib, ZSTD_e_flush);
  CHECK(!ZSTD_isError(rc));
  ZSTD_freeCCtx(c);
  CHECK_EQ(ZSTD_getFrameContentSize(liar, ob.pos), 1ull << 40);
  CHECK_LT(read_crafted(liar, ob.pos, out), 0);
  /* and one that claims 4096 bytes but holds 4000 */
  c = ZSTD_createCCtx();
  ZSTD_CCtx_setPledgedSrcSize(c, 4096);
  ob = (ZSTD_outBuffer){liar, sizeof liar, 0};
  ib = (ZSTD_inBuffer){src, 4000, 0};
  rc = ZSTD_compressStream2(c, &ob, &ib, ZSTD_e_flush);
  CHECK(!ZSTD_isError(rc));
  ZSTD_freeCCtx(c);
  CHECK_LT(read_crafted(liar, ob.pos, out), 0);
}

static void test_level(void) {
  double *data = make_data();
  hid_t f = create_file();
  unsigned level = 1000;
  hid_t dcpl = chunked_plist(1, &level);
  hsize_t dims[2] = {N_ROWS, N_COLS};
  hid_t space = H5Screate_simple(2, dims, NULL);
  hid_t d = H5Dcreate2(f, "x", H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  CHECK(d >= 0);
  herr_t rc;
  H5E_BEGIN_TRY {
    rc = H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    if (rc >= 0)
      rc = H5Dclose(d); /* chunks may be flushed only here */
    else
      H5Dclose(d);
    if (rc >= 0) rc = H5Fflush(f, H5F_SCOPE_GLOBAL);
  }
  H5E_END_TRY;
  CHECK_LT(rc, 0);
  H5Sclose(space);
  H5Pclose(dcpl);
  H5E_BEGIN_TRY {
    H5Fclose(f);
  }
  H5E_END_TRY;
  free(data);
}

/* Another class for 32015 (like a foreign plugin: no set_local, so its
 * datasets keep {level} only) registered first; dckpt_h5zstd_register puts
 * dckpt's own back, whose datasets carry {level, chunk size}. */
static void test_replace(void) {
  double *data = make_data();
  H5Z_class2_t foreign = dckpt_h5zstd_class;
  foreign.set_local = NULL;
  foreign.name = "zstd (foreign)";
  H5_OK(H5Zregister(&foreign));
  hid_t f = create_file();
  unsigned level = 1, cd[4];
  write_zstd(f, "foreign", 1, &level, data);
  H5_OK(dckpt_h5zstd_register());
  write_zstd(f, "own", 1, &level, data);
  CHECK_EQ(filter_params(f, "foreign", cd), 1);
  CHECK_EQ(filter_params(f, "own", cd), 2);
  check_f64(f, "foreign", data);
  check_f64(f, "own", data);
  H5_OK(H5Fclose(f));
  free(data);
}

/* Every rank writes its own rows of one filtered dataset, collectively (the
 * only way parallel HDF5 1.10 writes filtered data); rank 0 then reads the
 * whole file back on its own. */
static void test_parallel(void) {
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  CHECK_GE(size, 2);
  double *data = make_data();
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5_OK(H5Pset_fapl_mpio(fapl, MPI_COMM_WORLD, MPI_INFO_NULL));
  hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  CHECK(f >= 0);
  unsigned level = 1;
  hid_t dcpl = chunked_plist(1, &level);
  hsize_t dims[2] = {N_ROWS, N_COLS};
  hid_t space = H5Screate_simple(2, dims, NULL);
  hid_t d = H5Dcreate2(f, "x", H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  CHECK(d >= 0);
  hsize_t per = (N_ROWS + (hsize_t)size - 1) / (hsize_t)size;
  hsize_t first = per * (hsize_t)rank;
  hsize_t rows = first >= N_ROWS ? 0 : (first + per > N_ROWS ? N_ROWS - first : per);
  hsize_t start[2] = {first < N_ROWS ? first : 0, 0}, count[2] = {rows, N_COLS};
  hid_t mem = H5Screate_simple(2, count, NULL);
  if (rows) {
    H5_OK(H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL));
  } else {
    H5Sselect_none(space);
    H5Sselect_none(mem);
  }
  hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
  H5_OK(H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE));
  H5_OK(H5Dwrite(d, H5T_NATIVE_DOUBLE, mem, space, dxpl, data + first * N_COLS));
  H5Pclose(dxpl);
  H5Sclose(mem);
  H5Sclose(space);
  H5Dclose(d);
  H5Pclose(dcpl);
  H5Pclose(fapl);
  H5_OK(H5Fclose(f));
  MPI_Barrier(MPI_COMM_WORLD);
  if (rank == 0) {
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK(f >= 0);
    check_f64(f, "x", data);
    CHECK_LT(stored_bytes(f, "x"), sizeof(double) * N_ROWS * N_COLS);
    H5Fclose(f);
  }
  free(data);
}

/* For the plugin tests: /state (shuffle + zstd level 1) and /plain (zstd at
 * the default level), both the value() grid, which also goes raw (native
 * float64, row-major) to FILE.bin for the other side to compare with. */
static void test_write(void) {
  double *data = make_data();
  hid_t f = create_file();
  unsigned level = 1;
  write_zstd(f, "state", 1, &level, data);
  write_zstd(f, "plain", 0, NULL, data);
  H5_OK(H5Fclose(f));
  char bin[4200];
  snprintf(bin, sizeof bin, "%s.bin", path);
  FILE *out = fopen(bin, "wb");
  CHECK(out != NULL);
  CHECK_EQ(fwrite(data, sizeof(double), N_ROWS * N_COLS, out), N_ROWS * N_COLS);
  CHECK_EQ(fclose(out), 0);
  free(data);
}

/* Checks every dataset of the file (as test_write or h5py wrote them): each
 * equals the value() grid and uses filter 32015. */
static void test_read(void) {
  double *data = make_data();
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  CHECK(f >= 0);
  const char *names[] = {"state", "plain"};
  for (size_t k = 0; k < 2; k++) {
    check_f64(f, names[k], data);
    unsigned cd[4];
    CHECK_GE(filter_params(f, names[k], cd), 1); /* {level} or {level, size} */
  }
  H5Fclose(f);
  free(data);
  printf("read: %s holds the expected values through filter %d\n", path,
         DCKPT_H5Z_ZSTD_ID);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  if (argc < 2) {
    fprintf(stderr, "usage: test_h5zstd GROUP [FILE]\n");
    return 2;
  }
  const char *group = argv[1];
  if (argc > 2) {
    snprintf(path, sizeof path, "%s", argv[2]);
  } else {
    /* one file per group; in the parallel group all ranks share it */
    snprintf(path, sizeof path, "%s/h5zstd-%s.h5", DCKPT_TEST_TMP, group);
  }
  H5_OK(dckpt_h5zstd_register());
  CHECK_EQ(dckpt_h5zstd_register(), 0); /* twice is fine */
  CHECK_GT(H5Zfilter_avail(DCKPT_H5Z_ZSTD_ID), 0);
  if (!strcmp(group, "roundtrip"))
    test_roundtrip();
  else if (!strcmp(group, "frame"))
    test_frame();
  else if (!strcmp(group, "corrupt"))
    test_corrupt(1);
  else if (!strcmp(group, "corrupt_unsized")) {
    /* registered first without set_local, so datasets keep {level} only */
    H5Z_class2_t bare = dckpt_h5zstd_class;
    bare.set_local = NULL;
    H5_OK(H5Zunregister(DCKPT_H5Z_ZSTD_ID));
    H5_OK(H5Zregister(&bare));
    test_corrupt(0);
  } else if (!strcmp(group, "level"))
    test_level();
  else if (!strcmp(group, "replace"))
    test_replace();
  else if (!strcmp(group, "parallel"))
    test_parallel();
  else if (!strcmp(group, "write"))
    test_write();
  else if (!strcmp(group, "read"))
    test_read();
  else {
    fprintf(stderr, "test_h5zstd: unknown group '%s'\n", group);
    return 2;
  }
  H5close();
  MPI_Finalize();
  printf("test_h5zstd %s: passed\n", group);
  return 0;
}
