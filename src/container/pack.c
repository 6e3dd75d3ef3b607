/* dckpt_container_pack: the plan (which rank packs which trials), the
 * temporary file and its crash-safe publication. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container/option_members.h"
#include "container/pack.h"
#include "container/publish.h"
#include "io/sys.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the container writes its data and index in memory order: little-endian hosts only"
#endif

void dckpt_pack_options_init(dckpt_pack_options *o) {
  if (!o) return;
  memset(o, 0, sizeof *o);
  o->struct_size = sizeof *o;
  o->level = 1;
  o->chunk_bytes = 256 * 1024;
  o->buffer_bytes = 64 << 20;
  o->durability = DCKPT_DURABILITY_FULL;
  o->log_level = DCKPT_LOG_INFO;
}

/* The size of the first published layout with struct_size. */
#define OPTIONS_OLDEST DCKPT_STRUCT_END(dckpt_pack_options, step_hook_ctx)

/* The caller's options as this library reads them: the members its
 * struct_size covers, defaults for the rest (util/struct_size.h). */
static int take_options(dckpt_pack_options *mine, const dckpt_pack_options *o,
                        ctr_err *e) {
  dckpt_pack_options_init(mine);
  if (!o) return DCKPT_OK;
  if (!dckpt_struct_take(mine, o, OPTIONS_OLDEST, sizeof *mine, dckpt_pack_option_members,
                         sizeof dckpt_pack_option_members /
                             sizeof *dckpt_pack_option_members))
    return ctr_fail(e, DCKPT_EINVAL,
                    "pack: options.struct_size is %zu: fill the options with "
                    "dckpt_pack_options_init() (a struct from a newer dckpt_container.h "
                    "must leave the fields this library does not know at zero)",
                    o->struct_size);
  return DCKPT_OK;
}

/* The ranges are dckpt_container.h's (DCKPT_CONTAINER_*), which `dckpt pack`
 * checks its options against too. */
static int check_options(const dckpt_pack_options *o, ctr_err *e) {
  if (o->level < DCKPT_CONTAINER_LEVEL_MIN || o->level > DCKPT_CONTAINER_LEVEL_MAX)
    return ctr_fail(e, DCKPT_EINVAL,
                    "pack: level must be 0 (no filter) or %d..%d, got %d",
                    DCKPT_CONTAINER_LEVEL_MIN, DCKPT_CONTAINER_LEVEL_MAX, o->level);
  if (o->chunk_bytes < DCKPT_CONTAINER_CHUNK_MIN ||
      o->chunk_bytes > DCKPT_CONTAINER_CHUNK_MAX ||
      o->chunk_bytes % DCKPT_CONTAINER_CHUNK_ALIGN)
    return ctr_fail(
        e, DCKPT_EINVAL,
        "pack: chunk_bytes must be a multiple of %d in %llu .. %llu (4 KiB .. "
        "64 MiB), got %llu",
        DCKPT_CONTAINER_CHUNK_ALIGN, (unsigned long long)DCKPT_CONTAINER_CHUNK_MIN,
        (unsigned long long)DCKPT_CONTAINER_CHUNK_MAX,
        (unsigned long long)o->chunk_bytes);
  if (o->buffer_bytes < o->chunk_bytes)
    return ctr_fail(
        e, DCKPT_EINVAL, "pack: buffer_bytes (%llu) must be at least chunk_bytes (%llu)",
        (unsigned long long)o->buffer_bytes, (unsigned long long)o->chunk_bytes);
  /* A round's stage is sized from it: 2^64 - 1 wrapped that size to 0 and
   * the pack spun for good; more than this is no machine's memory. */
  if (o->buffer_bytes > DCKPT_CONTAINER_BUFFER_MAX)
    return ctr_fail(e, DCKPT_EINVAL,
                    "pack: buffer_bytes (%llu) must be at most %llu (1 TiB)",
                    (unsigned long long)o->buffer_bytes,
                    (unsigned long long)DCKPT_CONTAINER_BUFFER_MAX);
  if (o->durability != DCKPT_DURABILITY_FULL && o->durability != DCKPT_DURABILITY_NONE)
    return ctr_fail(e, DCKPT_EINVAL, "pack: durability must be full or none");
  return DCKPT_OK;
}

/* ---- rank 0's checks before anything is written ---- */

/* FILE inside DIR would write into DIR (and pack itself). */
static int check_paths(const char *dir, const char *file, ctr_err *e) {
  char rdir[PATH_MAX], rparent[PATH_MAX];
  struct stat st;
  if (stat(dir, &st) != 0) return ctr_fail_errno(e, errno, "pack: cannot open '%s'", dir);
  if (!S_ISDIR(st.st_mode))
    return ctr_fail(e, DCKPT_EINVAL, "pack: '%s' is not a directory", dir);
  char *parent = ctr_dirname(file);
  if (!parent) return ctr_fail(e, DCKPT_ENOMEM, "out of memory");
  bool ok = realpath(dir, rdir) && realpath(parent, rparent);
  int err = errno;
  free(parent);
  if (!ok)
    return ctr_fail_errno(e, err, "pack: cannot resolve the directory of '%s'", file);
  size_t n = strlen(rdir);
  if (!strncmp(rparent, rdir, n) && (rparent[n] == '\0' || rparent[n] == '/'))
    return ctr_fail(
        e, DCKPT_EINVAL,
        "pack: '%s' is inside the directory it packs ('%s'); put it elsewhere", file,
        dir);
  return DCKPT_OK;
}

static int run_plan(const char *dir, int64_t *n_algs, int64_t *n_trials, ctr_err *e) {
  dckpt_store_options so;
  dckpt_store_options_init(&so);
  so.flags = DCKPT_OPEN_READ;
  dckpt_store *s = NULL;
  dckpt_metadata *m = NULL;
  int rc = dckpt_store_open(dir, &so, &s);
  if (rc == DCKPT_OK) rc = dckpt_store_load_metadata(s, &m);
  if (rc != DCKPT_OK)
    ctr_fail(e, rc, "pack: %s", s ? dckpt_store_errmsg(s) : "out of memory");
  else {
    *n_algs = (int64_t)m->n_algorithms;
    *n_trials = m->n_trials;
    if (*n_algs > 0 && *n_trials > INT32_MAX / *n_algs)
      rc = ctr_fail(e, DCKPT_ETOOBIG, "pack: %lld algorithms x %lld trials is too many",
                    (long long)*n_algs, (long long)*n_trials);
  }
  dckpt_metadata_free(m);
  dckpt_store_close(s);
  return rc;
}

typedef struct pack_ctx {
  MPI_Comm comm;
  int rank, size;
  const char *dir, *file;
  dckpt_pack_options o;
  dckpt_logger log;
  int64_t n_algs, n_trials, n_pairs;
  uint64_t n_root;         /* root files (rank 0 packs them) */
  uint64_t format_version; /* pk_format_version of the root files */
  char tmp[4200];
  bool tmp_made;
  pk_list root;
  pk_list *lists; /* scanned trials, by pair index (NULL lists unscanned) */
  bool *scanned;
  int64_t lo, hi; /* this rank's pairs */
  pk_rows trials;
  char *meta_text; /* DIR/metadata.json, read once (rank 0) and sent to all */
  uint64_t meta_len;
  ctr_err e;
} pack_ctx;

/* Rank 0's checks and the temporary file, agreed by every rank. */
static int prepare(pack_ctx *c) {
  int64_t plan[2] = {0, 0};
  int rc = DCKPT_OK;
  if (c->rank == 0) {
    rc = check_paths(c->dir, c->file, &c->e);
    if (rc == DCKPT_OK && !c->o.ignore_lock)
      rc = ctr_check_not_in_use(c->dir, "pack", "pack it", &c->log, &c->e);
    if (rc == DCKPT_OK) rc = run_plan(c->dir, &plan[0], &plan[1], &c->e);
    if (rc == DCKPT_OK) rc = pk_scan_root(c->dir, &c->root, &c->log, &c->e);
    if (rc == DCKPT_OK) { /* the first root file, its size as listed */
      char path[4200];
      size_t len = 0;
      snprintf(path, sizeof path, "%s/%s", c->dir, c->root.files[0].rel);
      rc = pk_read_text(path, c->root.files[0].size, &c->meta_text, &len, &c->e);
      c->meta_len = len;
    }
    if (rc == DCKPT_OK) {
      ctr_clean_stale_temporaries(c->file, &c->log);
      rc = ctr_make_temporary(c->file, c->tmp, sizeof c->tmp, &c->e);
      c->tmp_made = rc == DCKPT_OK;
    }
  }
  CTR_TRY(ctr_agree(c->comm, c->rank, rc, &c->e));
  MPI_Bcast(plan, 2, MPI_INT64_T, 0, c->comm);
  /* written by every rank as attributes */
  uint64_t head[2] = {c->root.count, pk_format_version(&c->root)};
  MPI_Bcast(head, 2, MPI_UINT64_T, 0, c->comm);
  c->n_root = head[0];
  c->format_version = head[1];
  MPI_Bcast(c->tmp, (int)sizeof c->tmp, MPI_CHAR, 0, c->comm);
  MPI_Bcast(&c->meta_len, 1, MPI_UINT64_T, 0, c->comm); /* <= CTR_MAX_TEXT */
  if (c->rank != 0 && !(c->meta_text = malloc((size_t)c->meta_len + 1)))
    rc = ctr_fail(&c->e, DCKPT_ENOMEM, "pack: out of memory");
  CTR_TRY(ctr_agree(c->comm, c->rank, rc, &c->e));
  MPI_Bcast(c->meta_text, (int)c->meta_len, MPI_CHAR, 0, c->comm);
  c->n_algs = plan[0];
  c->n_trials = plan[1];
  c->n_pairs = plan[0] * plan[1];
  return DCKPT_OK;
}

/* ---- which rank packs which trials ---- */

static int scan_pair(pack_ctx *c, int64_t i, ctr_err *e) {
  if (c->scanned[i]) return DCKPT_OK;
  c->scanned[i] = true;
  return pk_scan_trial(c->dir, i / c->n_trials, i % c->n_trials, c->o.final_only,
                       &c->lists[i], &c->log, e);
}

static uint64_t list_bytes(const pk_list *l) {
  uint64_t b = 0;
  for (size_t i = 0; i < l->count; i++)
    b += l->files[i].size;
  return b;
}

/* Every rank lists an equal share of the trials; then the trials are split
 * into contiguous ranges of about equal bytes (rank 0 also packs the root
 * files), and each rank lists the trials of its range it has not seen. */
static int plan_ranges(pack_ctx *c) {
  int64_t T = c->n_pairs, N = c->size;
  c->lists = calloc((size_t)T + 1, sizeof *c->lists);
  c->scanned = calloc((size_t)T + 1, sizeof *c->scanned);
  uint64_t *bytes = calloc((size_t)T + 1, sizeof *bytes);
  int *counts = calloc((size_t)N, sizeof *counts),
      *displs = calloc((size_t)N, sizeof *displs);
  int rc = c->lists && c->scanned && bytes && counts && displs
               ? DCKPT_OK
               : ctr_fail(&c->e, DCKPT_ENOMEM, "pack: out of memory");
  int64_t lo = c->rank * T / N, hi = (c->rank + 1) * T / N;
  for (int64_t i = lo; rc == DCKPT_OK && i < hi; i++) {
    rc = scan_pair(c, i, &c->e);
    if (rc == DCKPT_OK) bytes[i] = list_bytes(&c->lists[i]) + 1;
  }
  rc = ctr_agree(c->comm, c->rank, rc, &c->e);
  if (rc == DCKPT_OK) {
    for (int64_t r = 0; r < N; r++) {
      displs[r] = (int)(r * T / N);
      counts[r] = (int)((r + 1) * T / N - r * T / N);
    }
    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_UINT64_T, bytes, counts, displs, MPI_UINT64_T,
                   c->comm);
    uint64_t root = list_bytes(&c->root), total = 0, sum = 0;
    MPI_Bcast(&root, 1, MPI_UINT64_T, 0, c->comm);
    for (int64_t i = 0; i < T; i++)
      total += bytes[i];
    total += root;
    c->lo = c->hi = -1;
    sum = root;
    for (int64_t i = 0; i < T; i++) {
      long double mid =
          ((long double)sum + (long double)bytes[i] / 2) / (long double)total;
      int64_t r = (int64_t)(mid * (long double)N);
      if (r >= N) r = N - 1;
      if (r == c->rank && c->lo < 0) c->lo = i;
      if (r == c->rank) c->hi = i + 1;
      sum += bytes[i];
    }
    if (c->lo < 0) c->lo = c->hi = 0; /* no trials: no rows either */
  }
  free(bytes);
  free(counts);
  free(displs);
  return rc;
}

/* ---- packing ---- */

/* Stages this rank's files, with a round whenever the stage is full. */
static int stage_all(pack_ctx *c, pk_writer *w) {
  int rc = DCKPT_OK;
  bool all_done = false, agreed = false; /* agreed: a round already failed */
  for (size_t i = 0; rc == DCKPT_OK && i < c->root.count; i++)
    rc = pk_writer_stage(w, c->dir, &c->root.files[i], &c->e);
  pk_writer_next_trial(w);
  for (int64_t i = c->lo; rc == DCKPT_OK && i < c->hi; i++) {
    rc = scan_pair(c, i, &c->e);
    if (rc != DCKPT_OK) break;
    uint64_t *row = pk_rows_add(&c->trials);
    if (!row) {
      rc = ctr_fail(&c->e, DCKPT_ENOMEM, "pack: out of memory");
      break;
    }
    const pk_list *l = &c->lists[i];
    uint64_t raw_before = w->raw_bytes;
    row[CTR_T_ALG] = (uint64_t)(i / c->n_trials);
    row[CTR_T_TRIAL] = (uint64_t)(i % c->n_trials);
    row[CTR_T_FIRST_FILE] = w->files.count;
    row[CTR_T_N_FILES] = l->count;
    for (size_t k = 0; rc == DCKPT_OK && k < l->count; k++) {
      rc = pk_writer_stage(w, c->dir, &l->files[k], &c->e);
      if (rc == DCKPT_OK && w->staged_bytes >= c->o.buffer_bytes) {
        rc = pk_writer_round(w, false, DCKPT_OK, &c->e, &all_done);
        agreed = rc != DCKPT_OK;
      }
    }
    row[CTR_T_BYTES] = w->raw_bytes - raw_before;
    pk_writer_next_trial(w);
    pk_list_free(&c->lists[i]);
  }
  /* the last rounds: ranks that are done take part with what they have left
   * (or nothing) until every rank is done; a failure ends them all at once */
  if (agreed) return rc;
  int status = rc;
  do {
    rc = pk_writer_round(w, true, status, &c->e, &all_done);
    status = DCKPT_OK;
  } while (rc == DCKPT_OK && !all_done);
  return rc;
}

static int empty_file(const char *path) {
  int fd = dckpt_sys_open(path, O_WRONLY | O_CLOEXEC, 0);
  if (fd < 0) return -1;
  int rc = dckpt_sys_ftruncate(fd, 0);
  dckpt_sys_close(fd);
  return rc;
}

static int write_file(pack_ctx *c, pk_writer *w) {
  pk_step(&c->o, "pack.create");
  w->n_algs = c->n_algs;
  w->n_trials = c->n_trials;
  char meta_path[4200];
  snprintf(meta_path, sizeof meta_path, "%s/metadata.json", c->dir);
  int rc = pk_writer_set_meta(w, meta_path, c->meta_text, (size_t)c->meta_len, &c->e);
  c->meta_text = NULL; /* w's now */
  rc = ctr_agree(c->comm, c->rank, rc, &c->e);
  if (rc == DCKPT_OK)
    rc = ctr_agree(c->comm, c->rank, pk_writer_open(w, c->tmp, &c->e), &c->e);
  if (rc == DCKPT_OK) rc = stage_all(c, w);
  if (rc == DCKPT_OK)
    rc = pk_writer_finish(w, &c->trials, c->n_algs, c->n_trials, c->n_root,
                          c->format_version, &c->e);
  /* After a failed write, HDF5 still flushes its metadata when the file is
   * closed, and a rank whose flush fails too leaves the collective calls of
   * the close that the others make: the close hung (ENOSPC on 2 ranks, about
   * one time in four). The file is garbage by now: emptying it first gives
   * the flush the room it needs on a full file system. */
  if (rc != DCKPT_OK && c->rank == 0 && empty_file(c->tmp) != 0)
    dckpt_log(&c->log, DCKPT_LOG_DEBUG, "pack: cannot empty '%s'", c->tmp);
  MPI_Barrier(c->comm);
  pk_step(&c->o, "pack.close");
  int crc = pk_writer_close(w, &c->e);
  if (rc == DCKPT_OK) rc = crc;
  return ctr_agree(c->comm, c->rank, rc, &c->e);
}

static void count_bad(void *ctx, const char *path, int status, const char *reason) {
  (void)status;
  char *first = ctx;
  if (!first[0]) snprintf(first, 1024, "%s: %s", path, reason);
}

/* --verify: the whole file read back and checked before it is published. */
static int verify_written(pack_ctx *c) {
  dckpt_container *ct = NULL;
  char first[1024] = "";
  size_t n_bad = 0;
  int rc = dckpt_container_open(c->tmp, &ct);
  if (rc == DCKPT_OK) rc = dckpt_container_verify(ct, count_bad, first, &n_bad);
  if (rc != DCKPT_OK)
    ctr_fail(&c->e, rc, "pack: the file written does not read back: %s",
             dckpt_container_errmsg(ct));
  else if (n_bad)
    rc = ctr_fail(&c->e, DCKPT_EIO,
                  "pack: the file written does not verify (%zu problems; first: %s)",
                  n_bad, first);
  dckpt_container_close(ct);
  return rc;
}

/* Every rank syncs what it wrote (on a parallel file system each client
 * holds its own dirty data); rank 0 checks it, then renames it into place. */
static int publish(pack_ctx *c) {
  bool durable = c->o.durability == DCKPT_DURABILITY_FULL;
  pk_step(&c->o, "pack.fsync");
  int rc = durable ? ctr_fsync_path(c->tmp, &c->e) : DCKPT_OK;
  CTR_TRY(ctr_agree(c->comm, c->rank, rc, &c->e));
  if (c->rank == 0) {
    ctr_err holes = {DCKPT_OK, ""};
    rc = ctr_check_no_holes(c->tmp, &holes);
    if (rc != DCKPT_OK)
      ctr_fail(&c->e, rc, "pack: writing '%.300s': %.600s", c->file, holes.msg);
    if (rc == DCKPT_OK && c->o.verify) rc = verify_written(c);
  }
  CTR_TRY(ctr_agree(c->comm, c->rank, rc, &c->e));
  if (c->rank == 0) {
    pk_step(&c->o, "pack.rename");
    rc = ctr_rename(c->tmp, c->file, &c->e);
    if (rc == DCKPT_OK) c->tmp_made = false;
    if (rc == DCKPT_OK && durable) {
      pk_step(&c->o, "pack.dirsync");
      rc = ctr_fsync_parent(c->file, &c->e);
    }
  }
  return ctr_agree(c->comm, c->rank, rc, &c->e);
}

static void report(pack_ctx *c, const pk_writer *w, int rc, dckpt_pack_report *rep,
                   double t0) {
  uint64_t mine[5] = {w->n_files, w->n_arrays, w->source_bytes, w->raw_bytes, 0}, sum[5];
  for (size_t i = 0; i < c->trials.count; i++)
    mine[4] += c->trials.rows[i * CTR_T_NCOLS + CTR_T_N_FILES] > 0;
  MPI_Allreduce(mine, sum, 5, MPI_UINT64_T, MPI_SUM, c->comm);
  uint64_t size = 0;
  struct stat st;
  if (c->rank == 0 && rc == DCKPT_OK && stat(c->file, &st) == 0)
    size = (uint64_t)st.st_size;
  MPI_Bcast(&size, 1, MPI_UINT64_T, 0, c->comm);
  if (!rep) return;
  memset(rep, 0, sizeof *rep);
  rep->n_files = sum[0];
  rep->n_arrays = sum[1];
  rep->source_bytes = sum[2];
  rep->raw_bytes = sum[3];
  rep->n_trials = (int64_t)sum[4];
  rep->file_bytes = size;
  rep->rounds = w->rounds;
  rep->seconds = MPI_Wtime() - t0;
  if (rc != DCKPT_OK) snprintf(rep->message, sizeof rep->message, "%s", c->e.msg);
}

static void ctx_free(pack_ctx *c) {
  for (int64_t i = 0; c->lists && i < c->n_pairs; i++)
    pk_list_free(&c->lists[i]);
  free(c->lists);
  free(c->scanned);
  pk_list_free(&c->root);
  pk_rows_free(&c->trials);
  free(c->meta_text);
}

int dckpt_container_pack(MPI_Comm comm, const char *dir, const char *file,
                         const dckpt_pack_options *opts, dckpt_pack_report *rep) {
  double t0 = MPI_Wtime();
  pack_ctx c;
  memset(&c, 0, sizeof c);
  int taken = take_options(&c.o, opts, &c.e);
  c.log = (dckpt_logger){c.o.log, c.o.log_ctx, c.o.log_level};
  c.dir = dir;
  c.file = file;
  c.trials.ncols = CTR_T_NCOLS;
  MPI_Comm_dup(comm, &c.comm);
  MPI_Comm_rank(c.comm, &c.rank);
  MPI_Comm_size(c.comm, &c.size);
  pk_writer w;
  memset(&w, 0, sizeof w);
  w.comm = c.comm;
  w.rank = c.rank;
  w.size = c.size;
  w.opts = &c.o;
  w.log = &c.log;
  w.file = -1;
  int rc = taken != DCKPT_OK ? taken
           : !dir || !*dir || !file || !*file
               ? ctr_fail(&c.e, DCKPT_EINVAL, "pack: DIR and FILE must be given")
               : check_options(&c.o, &c.e);
  ctr_h5_enter();
  rc = ctr_agree(c.comm, c.rank, rc, &c.e);
  if (rc == DCKPT_OK) rc = prepare(&c);
  if (rc == DCKPT_OK) rc = plan_ranges(&c);
  if (rc == DCKPT_OK) rc = write_file(&c, &w);
  if (rc == DCKPT_OK) rc = publish(&c);
  if (c.rank == 0 && c.tmp_made) dckpt_sys_unlink(c.tmp); /* failed: no trace of it */
  ctr_h5_leave();
  report(&c, &w, rc, rep, t0);
  if (rc == DCKPT_OK) {
    pk_step(&c.o, "pack.done");
    if (c.rank == 0)
      dckpt_log(&c.log, DCKPT_LOG_INFO, "packed '%s' into '%s'", dir, file);
  }
  ctx_free(&c);
  MPI_Comm_free(&c.comm);
  return rc;
}
