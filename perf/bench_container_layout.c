/* bench_container --layout N: why the container pools its arrays. N arrays
 * (of --state bytes each, spread round robin over the ranks) are written
 * with shuffle + zstd (filter 32015, --level) into one HDF5 file through
 * MPI-IO in three layouts:
 *   pooled     one 1-D dataset; every rank's arrays packed densely in its own
 *              chunk-aligned region; one collective write (what dckpt pack does)
 *   per-array  one dataset per array: N collective creations, each written
 *              collectively by its owner while the others take part empty
 *   aligned    one dataset, but every array starting on a chunk boundary
 * each timed from a barrier to H5Fclose on the slowest rank. */
#include <hdf5.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_container.h"
#include "bench_util.h"
#include "container/h5zstd.h"

static hid_t create_file(const char *path) {
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_fapl_mpio(fapl, MPI_COMM_WORLD, MPI_INFO_NULL);
  H5Pset_all_coll_metadata_ops(fapl, 1);
  H5Pset_coll_metadata_write(fapl, 1);
  H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_V110);
  hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
  return f;
}

static hid_t make_dataset(hid_t f, const char *name, hsize_t n, hsize_t chunk,
                          int level) {
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  hsize_t c = chunk < n ? chunk : (n ? n : 1);
  H5Pset_chunk(dcpl, 1, &c);
  H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER);
  unsigned cd = (unsigned)level;
  H5Pset_shuffle(dcpl);
  H5Pset_filter(dcpl, DCKPT_H5Z_ZSTD_ID, H5Z_FLAG_MANDATORY, 1, &cd);
  hid_t space = H5Screate_simple(1, &n, NULL);
  hid_t d = H5Dcreate2(f, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  H5Sclose(space);
  H5Pclose(dcpl);
  return d;
}

/* Collective write of `count` elements at `start` (count 0: empty part). */
static void write_part(hid_t d, hsize_t start, hsize_t count, const double *buf) {
  hid_t fs = H5Dget_space(d),
        ms = count ? H5Screate_simple(1, &count, NULL) : H5Scopy(fs);
  hid_t dx = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_dxpl_mpio(dx, H5FD_MPIO_COLLECTIVE);
  if (count)
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL);
  else
    H5Sselect_none(fs), H5Sselect_none(ms);
  if (H5Dwrite(d, H5T_IEEE_F64LE, ms, fs, dx, count ? buf : (const double *)"") < 0)
    fprintf(stderr, "bench_container: a write failed\n");
  H5Pclose(dx);
  H5Sclose(ms);
  H5Sclose(fs);
}

/* pooled (gap 0) or aligned (each array rounded up to chunks). */
static double one_dataset(const char *path, const double *data, int64_t mine,
                          hsize_t elems, hsize_t chunk, int level, bool aligned) {
  hsize_t per = aligned ? (elems + chunk - 1) / chunk * chunk : elems;
  int64_t most = 0;
  MPI_Allreduce(&mine, &most, 1, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD);
  hsize_t region = ((hsize_t)most * per + chunk - 1) / chunk * chunk;
  double *buf = calloc((size_t)(mine * (int64_t)per) + 1, sizeof *buf);
  for (int64_t k = 0; k < mine; k++)
    memcpy(buf + (size_t)k * per, data + (size_t)k * elems, elems * sizeof *buf);
  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = bench_now();
  hid_t f = create_file(path);
  hid_t d = make_dataset(f, "pool", region * (hsize_t)bc_size(), chunk, level);
  write_part(d, region * (hsize_t)bc_rank(), (hsize_t)mine * per, buf);
  H5Dclose(d);
  H5Fclose(f);
  double t = bc_time_max(t0);
  free(buf);
  return t;
}

static double per_array(const char *path, const double *data, int64_t n, hsize_t elems,
                        hsize_t chunk, int level) {
  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = bench_now();
  hid_t f = create_file(path);
  for (int64_t i = 0; i < n; i++) {
    char name[32];
    snprintf(name, sizeof name, "a%lld", (long long)i);
    hid_t d = make_dataset(f, name, elems, chunk, level); /* collective */
    bool mine = i % bc_size() == bc_rank();
    write_part(d, 0, mine ? elems : 0, data + (size_t)(i / bc_size()) * elems);
    H5Dclose(d);
  }
  H5Fclose(f);
  return bc_time_max(t0);
}

int bc_layout(const bc_opts *o) {
  dckpt_h5zstd_register();
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  int64_t n = o->layout, mine = n / bc_size() + (bc_rank() < n % bc_size());
  hsize_t elems = o->state / 8, chunk = o->chunk / 8;
  double *data = malloc((size_t)(mine * (int64_t)elems) * sizeof *data + 8);
  for (size_t i = 0; i < (size_t)(mine * (int64_t)elems); i++)
    data[i] = sin((double)i * 1e-3) + 1e-3 * cos((double)i * 7.77);
  char path[4200];
  snprintf(path, sizeof path, "%s/layout.h5", o->work);
  if (bc_rank() == 0)
    printf("layout: %lld arrays of %llu bytes on %d rank(s), chunk %llu, level %d; "
           "median of %d\n",
           (long long)n, (unsigned long long)o->state, bc_size(),
           (unsigned long long)o->chunk, o->level, o->reps);
  const char *names[3] = {"pooled", "per-array", "aligned"};
  double t[3][BC_MAX_REPS];
  for (int r = 0; r < o->reps && r < BC_MAX_REPS; r++) {
    t[0][r] = one_dataset(path, data, mine, elems, chunk, o->level, false);
    t[1][r] = per_array(path, data, n, elems, chunk, o->level);
    t[2][r] = one_dataset(path, data, mine, elems, chunk, o->level, true);
  }
  for (int k = 0; k < 3 && bc_rank() == 0; k++)
    printf("%-10s %8.3f s\n", names[k], bench_median(t[k], (size_t)o->reps));
  if (bc_rank() == 0) unlink(path);
  free(data);
  return 0;
}
