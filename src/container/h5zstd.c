/* HDF5 zstd filter (id 32015): see h5zstd.h.
 *
 * Forward: the chunk becomes one zstd frame with its content size in the
 * header, at the level in cd_values[0] (DCKPT_H5Z_ZSTD_LEVEL_DEFAULT when the
 * dataset gave none). Reverse: the frame is decoded by streaming into a buffer
 * that grows as needed, so a wrong or absent content size in a damaged file
 * can neither overrun the buffer nor make it allocate more than the frame
 * really holds (and never more than HDF5's 4 GiB chunk limit).
 *
 * Built into dckpt, the filter allocates with HDF5's allocator (HDF5 frees
 * the buffers it gets back) and explains failures on HDF5's error stack.
 * Built as the plugin module (DCKPT_H5ZSTD_PLUGIN), it calls no HDF5 function
 * at all, so that it loads into any program, whichever libhdf5 that program
 * uses (h5dump and h5py use the serial one, and h5py loads it privately):
 * it allocates with malloc, which is what HDF5's allocator is in release
 * builds of HDF5, and a failure is HDF5's own "filter returned failure". */
#include "container/h5zstd.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <zstd.h>

/* HDF5 chunks are at most 4 GiB - 1. */
#define CHUNK_MAX ((size_t)UINT32_MAX)

/* One spare zstd context of each kind, kept between chunks: creating one per
 * chunk cost more than compressing a chunk (its tables are fresh memory, so
 * every chunk paid their page faults). A chunk takes the spare, or makes a
 * context when another thread holds it, and gives it back after. */
static _Atomic(ZSTD_CCtx *) spare_cctx;
static _Atomic(ZSTD_DCtx *) spare_dctx;

static ZSTD_CCtx *take_cctx(void) {
  ZSTD_CCtx *c = atomic_exchange(&spare_cctx, NULL);
  return c ? c : ZSTD_createCCtx();
}
static void give_cctx(ZSTD_CCtx *c) {
  ZSTD_freeCCtx(atomic_exchange(&spare_cctx, c));
}
static ZSTD_DCtx *take_dctx(void) {
  ZSTD_DCtx *d = atomic_exchange(&spare_dctx, NULL);
  return d ? d : ZSTD_createDCtx();
}
static void give_dctx(ZSTD_DCtx *d) {
  ZSTD_freeDCtx(atomic_exchange(&spare_dctx, d));
}

#ifdef DCKPT_H5ZSTD_PLUGIN
#define buf_alloc(n)     malloc(n)
#define buf_resize(p, n) realloc(p, n)
#define buf_free(p)      free(p)
static size_t fail(const char *msg) {
  (void)msg;
  return 0;
}
#else
#define buf_alloc(n)     H5allocate_memory(n, 0)
#define buf_resize(p, n) H5resize_memory(p, n)
#define buf_free(p)      H5free_memory(p)
static size_t fail(const char *msg) {
  H5Epush2(H5E_DEFAULT, __FILE__, "dckpt_h5zstd", __LINE__, H5E_ERR_CLS, H5E_PLINE,
           H5E_CANTFILTER, "%s", msg);
  return 0;
}
#endif

static size_t compress_chunk(size_t cd_nelmts, const unsigned int cd_values[],
                             size_t nbytes, size_t *buf_size, void **buf) {
  int level = DCKPT_H5Z_ZSTD_LEVEL_DEFAULT;
  if (cd_nelmts >= 1) level = (int)cd_values[0];
  if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel())
    return fail("zstd filter: cd_values[0] is not a zstd compression level");
  /* The reverse filter holds the frame to cd_values[1]: a chunk written under
   * another size could never be read back (h5py creates such a dataset
   * through the plugin, which has no set_local to put the size right). */
  if (cd_nelmts >= 2 && cd_values[1] != 0 && cd_values[1] != nbytes)
    return fail("zstd filter: cd_values[1] is not the dataset's chunk size in bytes");
  size_t cap = ZSTD_compressBound(nbytes);
  void *out = buf_alloc(cap);
  ZSTD_CCtx *cctx = out ? take_cctx() : NULL;
  if (!cctx) {
    buf_free(out);
    return fail("zstd filter: out of memory for a compressed chunk");
  }
  size_t n = ZSTD_compressCCtx(cctx, out, cap, *buf, nbytes, level);
  give_cctx(cctx);
  if (ZSTD_isError(n)) {
    buf_free(out);
    return fail(ZSTD_getErrorName(n));
  }
  buf_free(*buf);
  *buf = out;
  *buf_size = cap;
  return n;
}

/* expect: the chunk's size in bytes when the dataset states it (cd_values[1],
 * set at creation by dckpt), 0 when not (files from other writers). */
static size_t decompress_chunk(size_t expect, size_t nbytes, size_t *buf_size,
                               void **buf) {
  unsigned long long declared = ZSTD_getFrameContentSize(*buf, nbytes);
  if (declared == ZSTD_CONTENTSIZE_ERROR)
    return fail("zstd filter: the chunk is not a zstd frame");
  /* A first guess only: the frame's own size when it states a plausible one
   * (zstd's best ratio is far below 1:1024 per block), else a few times the
   * input. The buffer grows if the frame holds more. With the chunk size
   * known, the buffer is exactly that and may not grow. */
  size_t cap = nbytes * 4 + 64;
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared <= CHUNK_MAX &&
      declared / 1024 <= nbytes)
    cap = declared > 0 ? (size_t)declared : 1;
  if (cap > CHUNK_MAX) cap = CHUNK_MAX;
  if (expect) cap = expect;
  ZSTD_DCtx *dctx = take_dctx();
  void *out = dctx ? buf_alloc(cap) : NULL;
  if (!out) {
    if (dctx) give_dctx(dctx);
    return fail("zstd filter: out of memory for a decompressed chunk");
  }
  ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
  ZSTD_inBuffer in = {*buf, nbytes, 0};
  ZSTD_outBuffer ob = {out, cap, 0};
  const char *err = NULL;
  for (;;) {
    size_t in_was = in.pos, out_was = ob.pos;
    size_t rc = ZSTD_decompressStream(dctx, &ob, &in);
    if (ZSTD_isError(rc)) {
      err = ZSTD_getErrorName(rc);
      break;
    }
    if (rc == 0) { /* frame complete */
      if (in.pos != in.size) err = "zstd filter: data after the end of the zstd frame";
      break;
    }
    if (in.pos != in_was || ob.pos != out_was) continue; /* progress: go on */
    /* Stuck: with room left the input ran out; with none, the buffer must
     * grow. A full buffer alone proves nothing: a frame that fills it exactly
     * may still have its end (or checksum) to read, which the next call does. */
    if (ob.pos < ob.size) {
      err = "zstd filter: the zstd frame is truncated";
      break;
    }
    if (expect) {
      err = "zstd filter: the zstd frame holds more than the dataset's chunk size";
      break;
    }
    if (ob.size == CHUNK_MAX) {
      err = "zstd filter: the chunk decompresses to more than 4 GiB";
      break;
    }
    size_t bigger = ob.size > CHUNK_MAX / 2 ? CHUNK_MAX : ob.size * 2;
    void *grown = buf_resize(out, bigger);
    if (!grown) {
      err = "zstd filter: out of memory for a decompressed chunk";
      break;
    }
    out = ob.dst = grown;
    ob.size = bigger;
  }
  give_dctx(dctx);
  if (!err && declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != ob.pos)
    err = "zstd filter: the zstd frame's content size disagrees with its data";
  /* HDF5 takes the result for a whole chunk without checking its length */
  if (!err && expect && ob.pos != expect)
    err = "zstd filter: the zstd frame holds less than the dataset's chunk size";
  if (err) {
    buf_free(out);
    return fail(err);
  }
  buf_free(*buf);
  *buf = out;
  *buf_size = ob.size;
  return ob.pos;
}

static size_t h5zstd_filter(unsigned int flags, size_t cd_nelmts,
                            const unsigned int cd_values[], size_t nbytes,
                            size_t *buf_size, void **buf) {
  if (flags & H5Z_FLAG_REVERSE)
    return decompress_chunk(cd_nelmts >= 2 ? cd_values[1] : 0, nbytes, buf_size, buf);
  return compress_chunk(cd_nelmts, cd_values, nbytes, buf_size, buf);
}

#ifndef DCKPT_H5ZSTD_PLUGIN
/* At dataset creation: cd_values becomes {level, chunk size in bytes}. The
 * level stays where readers of filter 32015 look for it (cd_values[0]); the
 * size lets the reverse filter refuse a frame that would hand HDF5 a chunk of
 * the wrong length. The plugin build leaves this out (it may call no HDF5
 * function), so datasets it creates carry the level only, as hdf5plugin's. */
static herr_t h5zstd_set_local(hid_t dcpl, hid_t type, hid_t space) {
  (void)space;
  unsigned flags = 0, cd[2] = {DCKPT_H5Z_ZSTD_LEVEL_DEFAULT, 0};
  size_t n = 2;
  if (H5Pget_filter_by_id2(dcpl, DCKPT_H5Z_ZSTD_ID, &flags, &n, cd, 0, NULL, NULL) < 0)
    return -1;
  if (n == 0) cd[0] = DCKPT_H5Z_ZSTD_LEVEL_DEFAULT;
  hsize_t dims[H5S_MAX_RANK];
  int rank = H5Pget_chunk(dcpl, H5S_MAX_RANK, dims);
  size_t elem = H5Tget_size(type);
  if (rank <= 0 || elem == 0) return -1;
  unsigned long long bytes = elem;
  for (int i = 0; i < rank; i++) {
    if (dims[i] != 0 && bytes > CHUNK_MAX / dims[i]) return -1;
    bytes *= dims[i];
  }
  cd[1] = (unsigned)bytes;
  return H5Pmodify_filter(dcpl, DCKPT_H5Z_ZSTD_ID, flags, 2, cd);
}
#define H5ZSTD_SET_LOCAL h5zstd_set_local
#else
#define H5ZSTD_SET_LOCAL NULL
#endif

const H5Z_class2_t dckpt_h5zstd_class = {
    .version = H5Z_CLASS_T_VERS,
    .id = DCKPT_H5Z_ZSTD_ID,
    .encoder_present = 1,
    .decoder_present = 1,
    .name = DCKPT_H5Z_ZSTD_NAME,
    .can_apply = NULL,
    .set_local = H5ZSTD_SET_LOCAL,
    .filter = h5zstd_filter,
};

#ifndef DCKPT_H5ZSTD_PLUGIN
herr_t dckpt_h5zstd_register(void) {
  /* H5Zregister replaces an earlier class of the same id */
  return H5Zregister(&dckpt_h5zstd_class);
}
#endif
