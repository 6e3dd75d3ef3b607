/* The end of a pack: the index tables and the root attributes, written
 * collectively. Each rank's rows of index/files and index/arrays go to its
 * own region, starting on a chunk boundary (zero rows pad the gaps, so no
 * filtered chunk is shared between ranks); index/trials, small, is gathered
 * and written by rank 0. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "container/pack.h"

#define INDEX_CHUNK_ROWS 256

static uint64_t round_up(uint64_t v, uint64_t m) {
  return (v + m - 1) / m * m;
}

static hid_t table_dcpl(int level, size_t ncols, uint64_t rows) {
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  hsize_t chunk[2] = {rows && rows < INDEX_CHUNK_ROWS ? rows : INDEX_CHUNK_ROWS, ncols};
  /* Unfiltered, HDF5 writes only the rows inside the table of its last,
   * partial chunk; filling chunks when they are allocated leaves no hole
   * (which ctr_check_no_holes would take for a lost write). Filtered chunks
   * are written whole anyway. */
  H5D_fill_time_t fill = level == 0 ? H5D_FILL_TIME_ALLOC : H5D_FILL_TIME_NEVER;
  bool ok = dcpl >= 0 && H5Pset_chunk(dcpl, 2, chunk) >= 0 &&
            H5Pset_fill_time(dcpl, fill) >= 0 && H5Pset_obj_track_times(dcpl, 0) >= 0;
  if (ok && level != 0) {
    unsigned cd = (unsigned)level;
    ok = H5Pset_shuffle(dcpl) >= 0 &&
         H5Pset_filter(dcpl, 32015, H5Z_FLAG_MANDATORY, 1, &cd) >= 0;
  }
  if (!ok) {
    ctr_h5_close(dcpl);
    return -1;
  }
  return dcpl;
}

/* Creates table `name` of `total` rows (collective) and writes `n` rows of
 * this rank at row `at` (possibly none). */
static int write_table(pk_writer *w, const char *name, const char *columns, size_t ncols,
                       uint64_t total, const uint64_t *rows, uint64_t n, uint64_t at,
                       ctr_err *e) {
  /* fixed dimensions (a compact chunk index) unless empty */
  hsize_t dims[2] = {total, ncols}, maxd[2] = {total ? total : H5S_UNLIMITED, ncols};
  hid_t space = H5Screate_simple(2, dims, maxd);
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  hid_t dcpl = table_dcpl(w->opts->level, ncols, total);
  hid_t ds = -1;
  if (space >= 0 && lcpl >= 0 && dcpl >= 0 &&
      H5Pset_create_intermediate_group(lcpl, 1) >= 0)
    ds = H5Dcreate2(w->file, name, H5T_STD_U64LE, space, lcpl, dcpl, H5P_DEFAULT);
  ctr_h5_close(dcpl);
  ctr_h5_close(lcpl);
  int rc = ds < 0 ? ctr_fail_h5(e, DCKPT_EIO, "pack: cannot create dataset /%s", name)
                  : ctr_attr_write_str(ds, CTR_ATTR_COLUMNS, columns, e);
  hsize_t start[2] = {at, 0}, count[2] = {n, ncols};
  hid_t ms = n ? H5Screate_simple(2, count, NULL) : H5Scopy(space);
  hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
  bool ok = rc == DCKPT_OK && ms >= 0 && dxpl >= 0 &&
            H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE) >= 0;
  if (ok && n)
    ok = H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL) >= 0;
  else if (ok)
    ok = H5Sselect_none(space) >= 0 && H5Sselect_none(ms) >= 0;
  if (ok)
    ok = H5Dwrite(ds, H5T_STD_U64LE, ms, space, dxpl, n ? (const void *)rows : "") >= 0;
  if (rc == DCKPT_OK && !ok)
    rc = ctr_fail_h5(e, DCKPT_EIO, "pack: cannot write /%s", name);
  ctr_h5_close(dxpl);
  ctr_h5_close(ms);
  ctr_h5_close(ds);
  ctr_h5_close(space);
  return rc;
}

/* With `padded`, padding rows (first column 0: kind or dtype) stay all zeros;
 * index/trials has none (its first column is the algorithm, 0 included). */
static void hash_rows(uint64_t *rows, size_t n, size_t ncols, bool padded) {
  for (size_t i = 0; i < n; i++)
    if (!padded || rows[i * ncols])
      rows[i * ncols + ncols - 1] = ctr_row_hash(rows + i * ncols, ncols);
}

/* Pads this rank's rows with zero rows to whole chunks (but the last rank's),
 * so that its region is written whole: no chunk partly unwritten. */
static int pad_rows(pk_writer *w, pk_rows *r, ctr_err *e) {
  while (w->rank + 1 < w->size && r->count % INDEX_CHUNK_ROWS)
    if (!pk_rows_add(r)) return ctr_fail(e, DCKPT_ENOMEM, "pack: out of memory");
  return DCKPT_OK;
}

/* This rank's first row in a table whose ranks hold counts[]: regions start
 * on chunk boundaries. *total: rows of the table. */
static uint64_t region_start(const uint64_t *counts, int size, int rank,
                             uint64_t *total) {
  uint64_t at = 0, mine = 0;
  for (int r = 0; r < size; r++) {
    if (r == rank) mine = at;
    at += r + 1 < size ? round_up(counts[r], INDEX_CHUNK_ROWS) : counts[r];
  }
  *total = at;
  return mine;
}

static int write_trials(pk_writer *w, pk_rows *trials, uint64_t n_rows, ctr_err *e) {
  int *counts = calloc((size_t)w->size, sizeof *counts);
  int *displs = calloc((size_t)w->size, sizeof *displs);
  uint64_t *all = w->rank == 0 ? malloc((size_t)n_rows * CTR_T_NCOLS * 8 + 8) : NULL;
  int rc = counts && displs && (w->rank != 0 || all) ? DCKPT_OK : DCKPT_ENOMEM;
  if (rc) ctr_fail(e, rc, "pack: out of memory");
  rc = ctr_agree(w->comm, w->rank, rc, e);
  if (rc == DCKPT_OK) {
    int mine = (int)(trials->count * CTR_T_NCOLS);
    MPI_Gather(&mine, 1, MPI_INT, counts, 1, MPI_INT, 0, w->comm);
    for (int r = 1; r < w->size && w->rank == 0; r++)
      displs[r] = displs[r - 1] + counts[r - 1];
    MPI_Gatherv(trials->rows, mine, MPI_UINT64_T, all, counts, displs, MPI_UINT64_T, 0,
                w->comm);
    rc = write_table(w, CTR_DS_TRIALS, ctr_trials_columns, CTR_T_NCOLS, n_rows, all,
                     w->rank == 0 ? n_rows : 0, 0, e);
  }
  free(all);
  free(counts);
  free(displs);
  return rc;
}

static int write_attributes(pk_writer *w, int64_t n_algs, int64_t n_trials,
                            uint64_t n_root, uint64_t format_version, ctr_err *e) {
  hid_t root = w->file;
  CTR_TRY(ctr_attr_write_str(root, CTR_ATTR_MAGIC, CTR_MAGIC, e));
  CTR_TRY(ctr_attr_write_u64(root, CTR_ATTR_VERSION, format_version, e));
  CTR_TRY(ctr_attr_write_str(root, CTR_ATTR_DCKPT, dckpt_version_string(), e));
  CTR_TRY(ctr_attr_write_i64(root, CTR_ATTR_N_ALGS, n_algs, e));
  CTR_TRY(ctr_attr_write_i64(root, CTR_ATTR_N_TRIALS, n_trials, e));
  CTR_TRY(ctr_attr_write_u64(root, CTR_ATTR_N_ROOT, n_root, e));
  CTR_TRY(ctr_attr_write_u64(root, CTR_ATTR_FINAL_ONLY, w->opts->final_only, e));
  CTR_TRY(ctr_attr_write_i64(root, CTR_ATTR_LEVEL, w->opts->level, e));
  return ctr_attr_write_u64(root, CTR_ATTR_RANKS, (uint64_t)w->size, e);
}

int pk_writer_finish(pk_writer *w, pk_rows *trials, int64_t n_algs, int64_t n_trials,
                     uint64_t n_root, uint64_t format_version, ctr_err *e) {
  uint64_t *all = malloc((size_t)w->size * 2 * sizeof *all);
  uint64_t *fc = malloc((size_t)w->size * sizeof *fc), *ac = malloc((size_t)w->size * 8);
  int rc = all && fc && ac ? DCKPT_OK : ctr_fail(e, DCKPT_ENOMEM, "pack: out of memory");
  if (rc == DCKPT_OK) rc = pad_rows(w, &w->files, e);
  if (rc == DCKPT_OK) rc = pad_rows(w, &w->arrays, e);
  uint64_t mine[2] = {w->files.count, w->arrays.count};
  rc = ctr_agree(w->comm, w->rank, rc, e);
  uint64_t f_total = 0, a_total = 0, f_at = 0, a_at = 0;
  if (rc == DCKPT_OK) {
    MPI_Allgather(mine, 2, MPI_UINT64_T, all, 2, MPI_UINT64_T, w->comm);
    for (int r = 0; r < w->size; r++) {
      fc[r] = all[2 * r];
      ac[r] = all[2 * r + 1];
    }
    f_at = region_start(fc, w->size, w->rank, &f_total);
    a_at = region_start(ac, w->size, w->rank, &a_total);
    for (size_t i = 0; i < w->files.count; i++) /* (0 for files without arrays) */
      if (w->files.rows[i * CTR_F_NCOLS + CTR_F_N_ARRAYS])
        w->files.rows[i * CTR_F_NCOLS + CTR_F_FIRST_ARRAY] += a_at;
    for (size_t i = 0; i < trials->count; i++)
      trials->rows[i * CTR_T_NCOLS + CTR_T_FIRST_FILE] += f_at;
    hash_rows(w->files.rows, w->files.count, CTR_F_NCOLS, true);
    hash_rows(w->arrays.rows, w->arrays.count, CTR_A_NCOLS, true);
    hash_rows(trials->rows, trials->count, CTR_T_NCOLS, false);
    pk_step(w->opts, "pack.index");
    rc = write_table(w, CTR_DS_FILES, ctr_files_columns, CTR_F_NCOLS, f_total,
                     w->files.rows, w->files.count, f_at, e);
  }
  rc = ctr_agree(w->comm, w->rank, rc, e);
  if (rc == DCKPT_OK)
    rc = write_table(w, CTR_DS_ARRAYS, ctr_arrays_columns, CTR_A_NCOLS, a_total,
                     w->arrays.rows, w->arrays.count, a_at, e);
  rc = ctr_agree(w->comm, w->rank, rc, e);
  if (rc == DCKPT_OK) rc = write_trials(w, trials, (uint64_t)(n_algs * n_trials), e);
  rc = ctr_agree(w->comm, w->rank, rc, e);
  if (rc == DCKPT_OK)
    rc = write_attributes(w, n_algs, n_trials, n_root, format_version, e);
  free(all);
  free(fc);
  free(ac);
  return ctr_agree(w->comm, w->rank, rc, e);
}

int pk_writer_close(pk_writer *w, ctr_err *e) {
  for (int p = 0; p < CTR_N_POOLS; p++) {
    ctr_h5_close(w->pool[p]);
    w->pool[p] = -1;
    free(w->stage[p]);
    w->stage[p] = NULL;
  }
  int rc = DCKPT_OK;
  if (w->file >= 0 && H5Fclose(w->file) < 0)
    rc = ctr_fail_h5(e, DCKPT_EIO, "pack: cannot close the file");
  w->file = -1;
  pk_rows_free(&w->files);
  pk_rows_free(&w->arrays);
  pk_writer_next_trial(w);
  cJSON_Delete(w->meta);
  w->meta = NULL;
  free(w->meta_text);
  w->meta_text = NULL;
  free(w->names);
  free(w->name_off);
  free(w->name_len);
  w->names = NULL;
  w->name_off = w->name_len = NULL;
  return rc;
}
