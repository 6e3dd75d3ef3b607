/* Opening a container: root attributes, datasets and their bounds, the root
 * entries. Reading needs no MPI: HDF5's default file driver. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container/reader.h"

int ctr_cfail(dckpt_container *c, int status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  c->err.status = status;
  vsnprintf(c->err.msg, sizeof c->err.msg, fmt, ap);
  va_end(ap);
  return status;
}

/* Opens a dataset and checks its rank, element type and, for tables, its
 * columns; *len gets its rows (or elements). */
/* Every component of NAME ("group/dataset") is a hard link: an external link
 * would make HDF5 open another file (a FIFO there blocks for ever), a soft
 * link read another object of this one. */
static int check_links(dckpt_container *c, const char *name) {
  char part[64];
  size_t n = strlen(name);
  for (size_t end = 0; end <= n; end++) {
    if (name[end] != '/' && name[end] != '\0') continue;
    if (end >= sizeof part) break;
    memcpy(part, name, end);
    part[end] = '\0';
    H5L_info_t info;
    htri_t exists = H5Lexists(c->file, part, H5P_DEFAULT);
    if (exists <= 0)
      return ctr_fail_h5(&c->err, DCKPT_ECORRUPT, "'%s': dataset /%s is missing", c->path,
                         name);
    if (H5Lget_info(c->file, part, &info, H5P_DEFAULT) < 0 || info.type != H5L_TYPE_HARD)
      return ctr_cfail(c, DCKPT_ECORRUPT,
                       "'%s': /%s is %s link, not an object stored in the container",
                       c->path, part,
                       info.type == H5L_TYPE_SOFT ? "a soft" : "an external");
  }
  return DCKPT_OK;
}

/* The dataset's elements are in the container itself: not in external raw
 * data files, not a virtual dataset mapping other datasets or files. */
static int check_storage(dckpt_container *c, const char *name, hid_t ds) {
  hid_t dcpl = H5Dget_create_plist(ds);
  if (dcpl < 0)
    return ctr_fail_h5(&c->err, DCKPT_ECORRUPT, "'%s': cannot read the layout of /%s",
                       c->path, name);
  H5D_layout_t layout = H5Pget_layout(dcpl);
  int external = H5Pget_external_count(dcpl);
  hsize_t chunk[H5S_MAX_RANK];
  int chunk_rank = layout == H5D_CHUNKED ? H5Pget_chunk(dcpl, H5S_MAX_RANK, chunk) : 0;
  ctr_h5_close(dcpl);
  /* a chunk is expanded whole to read one element of it: a crafted 2 GiB
   * chunk of zeros (32 KiB stored) made reading one scalar cost 4 GB */
  hid_t type = H5Dget_type(ds);
  uint64_t chunk_bytes = type >= 0 ? H5Tget_size(type) : 0;
  ctr_h5_close(type);
  for (int d = 0; d < chunk_rank; d++) {
    if (chunk[d] && chunk_bytes > CTR_MAX_CHUNK_BYTES / chunk[d]) {
      chunk_bytes = CTR_MAX_CHUNK_BYTES + 1;
      break;
    }
    chunk_bytes *= (uint64_t)chunk[d];
  }
  if (chunk_rank < 0 || chunk_bytes > CTR_MAX_CHUNK_BYTES)
    return ctr_cfail(c, DCKPT_ECORRUPT,
                     "'%s': dataset /%s has chunks of more than %llu MiB, which no pack "
                     "writes (reading one element expands a whole chunk)",
                     c->path, name, (unsigned long long)(CTR_MAX_CHUNK_BYTES >> 20));
  if (layout != H5D_CHUNKED && layout != H5D_CONTIGUOUS && layout != H5D_COMPACT)
    return ctr_cfail(c, DCKPT_ECORRUPT,
                     "'%s': dataset /%s is not stored in the container (%s layout)",
                     c->path, name, layout == H5D_VIRTUAL ? "virtual" : "unknown");
  if (external != 0)
    return ctr_cfail(c, DCKPT_ECORRUPT,
                     "'%s': dataset /%s keeps its elements in external files, not in the "
                     "container",
                     c->path, name);
  return DCKPT_OK;
}

static int open_dataset(dckpt_container *c, const char *name, hid_t type, int rank,
                        size_t ncols, hid_t *ds, uint64_t *len) {
  CTR_TRY(check_links(c, name));
  *ds = H5Dopen2(c->file, name, H5P_DEFAULT);
  if (*ds < 0)
    return ctr_fail_h5(&c->err, DCKPT_ECORRUPT, "'%s': dataset /%s is missing", c->path,
                       name);
  CTR_TRY(check_storage(c, name, *ds));
  hid_t t = H5Dget_type(*ds), s = H5Dget_space(*ds);
  hsize_t dims[2] = {0, 0};
  bool ok = t >= 0 && s >= 0 && H5Tequal(t, type) > 0 &&
            H5Sget_simple_extent_ndims(s) == rank &&
            H5Sget_simple_extent_dims(s, dims, NULL) == rank &&
            (rank == 1 || dims[1] == ncols);
  ctr_h5_close(t);
  ctr_h5_close(s);
  if (!ok)
    return ctr_cfail(c, DCKPT_ECORRUPT,
                     "'%s': dataset /%s is not a %d-D array of the expected type%s",
                     c->path, name, rank, rank == 2 ? " and columns" : "");
  /* zstd expands at most CTR_MAX_RATIO times: a dataset cannot hold more
   * than its storage allows, whatever its dimensions say */
  uint64_t bytes = (uint64_t)dims[0] * (rank == 2 ? ncols : 1) * H5Tget_size(type);
  uint64_t storage = H5Dget_storage_size(*ds);
  if (storage > c->file_bytes || (dims[0] && bytes / CTR_MAX_RATIO > storage) ||
      (ncols && dims[0] > UINT64_MAX / 8 / ncols))
    return ctr_cfail(
        c, DCKPT_ECORRUPT, "'%s': dataset /%s claims %llu elements but stores %llu bytes",
        c->path, name, (unsigned long long)dims[0], (unsigned long long)storage);
  *len = dims[0];
  return DCKPT_OK;
}

static int read_attributes(dckpt_container *c) {
  char magic[64];
  int64_t version = 0, n_root = 0;
  if (ctr_attr_read_str(c->file, CTR_ATTR_MAGIC, c->path, magic, sizeof magic, &c->err) ||
      strcmp(magic, CTR_MAGIC) != 0)
    return ctr_cfail(
        c, DCKPT_EINVAL,
        "'%s' is an HDF5 file but not a dckpt container (root attribute '%s')", c->path,
        CTR_ATTR_MAGIC);
  CTR_TRY(ctr_attr_read_i64(c->file, CTR_ATTR_VERSION, c->path, &version, &c->err));
  if (version < 1 || version > CTR_FORMAT_VERSION)
    return ctr_cfail(c, DCKPT_EVERSION,
                     "'%s': container format version %lld is not supported (this dckpt "
                     "reads 1..%d)",
                     c->path, (long long)version, CTR_FORMAT_VERSION);
  CTR_TRY(ctr_attr_read_i64(c->file, CTR_ATTR_N_ALGS, c->path, &c->n_algs, &c->err));
  CTR_TRY(ctr_attr_read_i64(c->file, CTR_ATTR_N_TRIALS, c->path, &c->n_trials, &c->err));
  CTR_TRY(ctr_attr_read_i64(c->file, CTR_ATTR_N_ROOT, c->path, &n_root, &c->err));
  if (c->n_algs < 0 || c->n_trials < 0 || n_root < 1 || n_root > 4096 ||
      (c->n_algs && c->n_trials > INT32_MAX / c->n_algs))
    return ctr_cfail(c, DCKPT_ECORRUPT,
                     "'%s': root attributes say %lld algorithms x %lld trials and %lld "
                     "root files",
                     c->path, (long long)c->n_algs, (long long)c->n_trials,
                     (long long)n_root);
  c->n_root = (uint64_t)n_root;
  c->n_pairs = (uint64_t)(c->n_algs * c->n_trials);
  return DCKPT_OK;
}

static int open_datasets(dckpt_container *c) {
  for (int p = 0; p < CTR_N_POOLS; p++)
    CTR_TRY(open_dataset(c, ctr_pool_path(p), ctr_pool_type(p), 1, 0, &c->pool[p],
                         &c->pool_len[p]));
  CTR_TRY(open_dataset(c, CTR_DS_FILES, H5T_STD_U64LE, 2, CTR_F_NCOLS, &c->files,
                       &c->n_files));
  CTR_TRY(open_dataset(c, CTR_DS_ARRAYS, H5T_STD_U64LE, 2, CTR_A_NCOLS, &c->arrays,
                       &c->n_arrays));
  uint64_t n_trial_rows = 0;
  CTR_TRY(open_dataset(c, CTR_DS_TRIALS, H5T_STD_U64LE, 2, CTR_T_NCOLS, &c->trials,
                       &n_trial_rows));
  if (n_trial_rows != c->n_pairs || c->n_files < c->n_root)
    return ctr_cfail(c, DCKPT_ECORRUPT,
                     "'%s': /%s has %llu rows for %lld x %lld trials, /%s %llu rows for "
                     "%llu root files",
                     c->path, CTR_DS_TRIALS, (unsigned long long)n_trial_rows,
                     (long long)c->n_algs, (long long)c->n_trials, CTR_DS_FILES,
                     (unsigned long long)c->n_files, (unsigned long long)c->n_root);
  return DCKPT_OK;
}

/* The root entries: rows [0, n_root) of index/files. A damaged one is kept
 * with its status, so that the others stay readable. */
static int load_root(dckpt_container *c) {
  uint64_t *rows = malloc(c->n_root * CTR_F_NCOLS * sizeof *rows);
  c->root = calloc(c->n_root, sizeof *c->root);
  if (!rows || !c->root) {
    free(rows);
    return ctr_cfail(c, DCKPT_ENOMEM, "out of memory");
  }
  int rc = ctr_read_rows(c, c->files, CTR_DS_FILES, CTR_F_NCOLS, 0, c->n_root, rows);
  for (uint64_t i = 0; rc == DCKPT_OK && i < c->n_root; i++) {
    ctr_entry *en = &c->root[i];
    char why[600];
    memcpy(en->row, rows + i * CTR_F_NCOLS, sizeof en->row);
    en->index = i;
    if (ctr_check_file_row(c, en->row, i, why, sizeof why) != DCKPT_OK ||
        (int64_t)en->row[CTR_F_ALG] != -1) {
      en->status = DCKPT_ECORRUPT;
      en->why = strdup(why);
      continue;
    }
    rc = ctr_load_entry(c, en, NULL) == DCKPT_ENOMEM ? DCKPT_ENOMEM : DCKPT_OK;
  }
  free(rows);
  /* a path twice: readers would take the first, unpack write the last */
  ctr_entry *a = NULL, *b = NULL;
  if (rc == DCKPT_OK) rc = ctr_find_same_path(c, c->root, (size_t)c->n_root, &a, &b);
  if (rc == DCKPT_OK && a) {
    char msg[800];
    ctr_same_path_message(c, a, b, msg, sizeof msg);
    for (ctr_entry *en = a; en; en = en == a ? b : NULL) {
      en->status = DCKPT_ECORRUPT;
      free(en->why);
      en->why = strdup(msg);
    }
  }
  return rc;
}

static int open_file(dckpt_container *c) {
  struct stat st;
  if (stat(c->path, &st) != 0)
    return ctr_fail_errno(&c->err, errno, "cannot open '%s'", c->path);
  c->file_bytes = (uint64_t)st.st_size;
  if (!dckpt_container_probe(c->path))
    return ctr_cfail(c, DCKPT_EINVAL, "'%s' is not an HDF5 file (no HDF5 signature)",
                     c->path);
  c->file = H5Fopen(c->path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (c->file < 0)
    return ctr_fail_h5(&c->err, DCKPT_ECORRUPT, "cannot open '%s'", c->path);
  CTR_TRY(read_attributes(c));
  CTR_TRY(open_datasets(c));
  return load_root(c);
}

int dckpt_container_open(const char *path, dckpt_container **out) {
  if (!out) return DCKPT_EINVAL; /* nowhere to return a handle or its message */
  dckpt_container *c = calloc(1, sizeof *c);
  *out = c;
  if (!c) return DCKPT_ENOMEM;
  c->failed_open = true;
  c->file = c->files = c->arrays = c->trials = -1;
  for (int p = 0; p < CTR_N_POOLS; p++)
    c->pool[p] = -1;
  c->page_first = -1;
  if (!path || !*path) return ctr_cfail(c, DCKPT_EINVAL, "container path is empty");
  c->path = strdup(path);
  if (!c->path) return ctr_cfail(c, DCKPT_ENOMEM, "out of memory");
  ctr_h5_enter();
  int rc = open_file(c);
  ctr_h5_leave();
  if (rc == DCKPT_OK) c->failed_open = false;
  return rc;
}

void ctr_entry_clear(ctr_entry *en) {
  free(en->path);
  free(en->text);
  free(en->ident);
  free(en->why);
  en->path = en->text = en->ident = en->why = NULL;
}

void dckpt_container_close(dckpt_container *c) {
  if (!c) return;
  ctr_h5_enter();
  ctr_drop_page(c);
  for (uint64_t i = 0; c->root && i < c->n_root; i++)
    ctr_entry_clear(&c->root[i]);
  free(c->root);
  cJSON_Delete(c->meta);
  for (int p = 0; p < CTR_N_POOLS; p++)
    ctr_h5_close(c->pool[p]);
  ctr_h5_close(c->files);
  ctr_h5_close(c->arrays);
  ctr_h5_close(c->trials);
  ctr_h5_close(c->file);
  ctr_h5_leave();
  free(c->path);
  free(c);
}

const char *dckpt_container_errmsg(const dckpt_container *c) {
  return c ? c->err.msg : "out of memory";
}

const char *dckpt_container_path(const dckpt_container *c) {
  return c ? c->path : "";
}
