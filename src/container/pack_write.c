/* The collective writer of a pack. Each rank stages the arrays and texts of
 * its files in one buffer per pool; a round (collective) extends every pool
 * and writes each rank's staged elements at a chunk-aligned place, so no
 * chunk is shared between ranks (HDF5 1.10 writes filtered chunks only
 * collectively, and shared ones need extra exchanges). The index rows are
 * kept until the end and written in one collective call per table. */
#include <stdlib.h>
#include <string.h>

#include "container/pack.h"

#define INDEX_CHUNK_ROWS 256
#define TEXT_CHUNK_BYTES (64 * 1024)

void pk_step(const dckpt_pack_options *o, const char *step) {
  if (o->step_hook) o->step_hook(o->step_hook_ctx, step);
}

uint64_t *pk_rows_add(pk_rows *r) {
  if (r->count == r->cap) {
    size_t cap = r->cap ? 2 * r->cap : 256;
    uint64_t *p = realloc(r->rows, cap * r->ncols * sizeof *p);
    if (!p) return NULL;
    r->rows = p;
    r->cap = cap;
  }
  uint64_t *row = r->rows + r->count++ * r->ncols;
  memset(row, 0, r->ncols * sizeof *row);
  return row;
}

void pk_rows_free(pk_rows *r) {
  free(r->rows);
  r->rows = NULL;
  r->count = r->cap = 0;
}

/* ---- creating the file ---- */

static hid_t pool_dcpl(const pk_writer *w, int p) {
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  hsize_t chunk = w->chunk_elems[p];
  bool ok = dcpl >= 0 && H5Pset_chunk(dcpl, 1, &chunk) >= 0 &&
            H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) >= 0 &&
            H5Pset_obj_track_times(dcpl, 0) >= 0;
  if (ok && w->opts->level != 0) {
    unsigned cd = (unsigned)w->opts->level;
    if (ctr_pool_elem(p) > 1) ok = H5Pset_shuffle(dcpl) >= 0;
    ok = ok && H5Pset_filter(dcpl, 32015, H5Z_FLAG_MANDATORY, 1, &cd) >= 0;
  }
  if (!ok) {
    ctr_h5_close(dcpl);
    return -1;
  }
  return dcpl;
}

static int create_pools(pk_writer *w, ctr_err *e) {
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  if (lcpl < 0 || H5Pset_create_intermediate_group(lcpl, 1) < 0) {
    ctr_h5_close(lcpl);
    return ctr_fail_h5(e, DCKPT_EIO, "pack: cannot make a property list");
  }
  int rc = DCKPT_OK;
  for (int p = 0; rc == DCKPT_OK && p < CTR_N_POOLS; p++) {
    hsize_t dims = 0, maxd = H5S_UNLIMITED;
    hid_t space = H5Screate_simple(1, &dims, &maxd);
    hid_t dcpl = pool_dcpl(w, p);
    w->pool[p] = space >= 0 && dcpl >= 0
                     ? H5Dcreate2(w->file, ctr_pool_path(p), ctr_pool_type(p), space,
                                  lcpl, dcpl, H5P_DEFAULT)
                     : -1;
    if (w->pool[p] < 0)
      rc = ctr_fail_h5(e, DCKPT_EIO, "pack: cannot create dataset /%s", ctr_pool_path(p));
    ctr_h5_close(dcpl);
    ctr_h5_close(space);
  }
  H5Pclose(lcpl);
  return rc;
}

int pk_writer_open(pk_writer *w, const char *tmp_path, ctr_err *e) {
  for (int p = 0; p < CTR_N_POOLS; p++) {
    w->pool[p] = -1;
    uint64_t bytes = p == CTR_POOL_TEXT ? TEXT_CHUNK_BYTES : w->opts->chunk_bytes;
    w->chunk_elems[p] = bytes / ctr_pool_elem(p);
  }
  w->files.ncols = CTR_F_NCOLS;
  w->arrays.ncols = CTR_A_NCOLS;
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  bool ok = fapl >= 0 && H5Pset_fapl_mpio(fapl, w->comm, MPI_INFO_NULL) >= 0 &&
            H5Pset_all_coll_metadata_ops(fapl, 1) >= 0 &&
            H5Pset_coll_metadata_write(fapl, 1) >= 0 &&
            H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_V110) >= 0;
  w->file = ok ? H5Fcreate(tmp_path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl) : -1;
  ctr_h5_close(fapl);
  if (w->file < 0) return ctr_fail_h5(e, DCKPT_EIO, "pack: cannot create '%s'", tmp_path);
  return create_pools(w, e);
}

/* ---- rounds ---- */

/* The collective write of pool p: this rank's staged elements at `at`. */
static int write_slab(pk_writer *w, int p, uint64_t at, uint64_t new_len, ctr_err *e) {
  hsize_t dims = new_len, start = at, count = w->staged[p];
  if (H5Dset_extent(w->pool[p], &dims) < 0)
    return ctr_fail_h5(e, DCKPT_EIO, "pack: cannot extend /%s", ctr_pool_path(p));
  hid_t fs = H5Dget_space(w->pool[p]);
  hid_t ms = count ? H5Screate_simple(1, &count, NULL) : H5Scopy(fs);
  hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
  bool ok = fs >= 0 && ms >= 0 && dxpl >= 0 &&
            H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE) >= 0;
  if (ok && count) /* a rank with nothing takes part with an empty selection */
    ok = H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL) >= 0;
  else if (ok)
    ok = H5Sselect_none(fs) >= 0 && H5Sselect_none(ms) >= 0;
  /* memory type = file type: collective filtered writes allow no conversion */
  ok = ok && H5Dwrite(w->pool[p], ctr_pool_type(p), ms, fs, dxpl,
                      count ? (const void *)w->stage[p] : (const void *)"") >= 0;
  ctr_h5_close(dxpl);
  ctr_h5_close(ms);
  ctr_h5_close(fs);
  return ok ? DCKPT_OK
            : ctr_fail_h5(e, DCKPT_EIO, "pack: cannot write /%s", ctr_pool_path(p));
}

/* Gives the rows staged this round their places in the pools. */
static void fix_rows(pk_writer *w, const uint64_t *at) {
  for (size_t i = w->round_arrays; i < w->arrays.count; i++) {
    uint64_t *r = w->arrays.rows + i * CTR_A_NCOLS;
    r[CTR_A_OFFSET] += at[ctr_pool_of_dtype((int)r[CTR_A_DTYPE])];
    r[CTR_A_NAME_OFF] += at[CTR_POOL_TEXT];
  }
  for (size_t i = w->round_files; i < w->files.count; i++) {
    uint64_t *r = w->files.rows + i * CTR_F_NCOLS;
    r[CTR_F_PATH_OFF] += at[CTR_POOL_TEXT];
    if (r[CTR_F_TEXT_LEN]) r[CTR_F_TEXT_OFF] += at[CTR_POOL_TEXT];
    if (r[CTR_F_IDENT_LEN]) r[CTR_F_IDENT_OFF] += at[CTR_POOL_TEXT];
  }
  w->round_arrays = w->arrays.count;
  w->round_files = w->files.count;
  pk_writer_next_trial(w); /* staged names now have places: start afresh */
}

int pk_writer_round(pk_writer *w, bool done, int status, ctr_err *e, bool *all_done) {
  /* per rank: status, done, then the staged elements of each pool */
  enum { W = 2 + CTR_N_POOLS };
  uint64_t mine[W], *all = malloc((size_t)w->size * W * sizeof *all);
  int rc = all ? status : DCKPT_ENOMEM;
  if (!all) ctr_fail(e, rc, "pack: out of memory");
  if (rc == DCKPT_OK) rc = pk_stage_pad(w, e);
  mine[0] = rc != DCKPT_OK;
  mine[1] = done;
  for (int p = 0; p < CTR_N_POOLS; p++)
    mine[2 + p] = w->staged[p];
  rc = ctr_agree(w->comm, w->rank, rc, e);
  if (rc != DCKPT_OK) {
    free(all);
    return rc;
  }
  MPI_Allgather(mine, W, MPI_UINT64_T, all, W, MPI_UINT64_T, w->comm);
  *all_done = true;
  uint64_t at[CTR_N_POOLS];
  for (int p = 0; p < CTR_N_POOLS; p++) {
    uint64_t end = w->pool_len[p];
    for (int r = 0; r < w->size; r++) {
      if (r == w->rank) at[p] = end;
      end += all[(size_t)r * W + 2 + (size_t)p]; /* whole chunks (pk_stage_pad) */
    }
    if (end != w->pool_len[p] && rc == DCKPT_OK) rc = write_slab(w, p, at[p], end, e);
    rc = ctr_agree(w->comm, w->rank, rc, e);
    w->pool_len[p] = end;
  }
  for (int r = 0; r < w->size; r++)
    *all_done = *all_done && all[(size_t)r * W + 1];
  free(all);
  if (rc != DCKPT_OK) return rc;
  fix_rows(w, at);
  memset(w->staged, 0, sizeof w->staged);
  w->staged_bytes = 0;
  w->rounds++;
  pk_step(w->opts, "pack.round");
  return DCKPT_OK;
}
