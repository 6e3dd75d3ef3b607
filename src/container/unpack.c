/* dckpt_container_unpack: the directory back from a container. Every rank
 * opens the container read-only and writes a share of the trials; every
 * path comes from a checked index row (ctr_path_valid), so nothing lands
 * outside the directory. A fresh directory is built under a temporary name
 * beside DIR and renamed into place; a restore builds each missing trial
 * directory under a temporary name in its algorithm directory. */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container/option_members.h"
#include "container/publish.h"
#include "container/reader.h"
#include "io/fs.h"
#include "io/sys.h"

void dckpt_unpack_options_init(dckpt_unpack_options *o) {
  if (!o) return;
  memset(o, 0, sizeof *o);
  o->struct_size = sizeof *o;
  o->durability = DCKPT_DURABILITY_FULL;
  o->log_level = DCKPT_LOG_INFO;
}

/* The size of the first published layout with struct_size. */
#define OPTIONS_OLDEST DCKPT_STRUCT_END(dckpt_unpack_options, log_level)

/* The caller's options as this library reads them (util/struct_size.h). */
static int take_options(dckpt_unpack_options *mine, const dckpt_unpack_options *o,
                        ctr_err *e) {
  dckpt_unpack_options_init(mine);
  if (!o) return DCKPT_OK;
  if (!dckpt_struct_take(
          mine, o, OPTIONS_OLDEST, sizeof *mine, dckpt_unpack_option_members,
          sizeof dckpt_unpack_option_members / sizeof *dckpt_unpack_option_members))
    return ctr_fail(
        e, DCKPT_EINVAL,
        "unpack: options.struct_size is %zu: fill the options with "
        "dckpt_unpack_options_init() (a struct from a newer dckpt_container.h "
        "must leave the fields this library does not know at zero)",
        o->struct_size);
  return DCKPT_OK;
}

typedef struct unpack_ctx {
  MPI_Comm comm;
  int rank, size;
  const char *file, *dir;
  dckpt_unpack_options o;
  dckpt_logger log;
  dckpt_container *c;
  char work[4200]; /* where the tree is built: a temporary (fresh) or DIR */
  bool made_work;
  int64_t lo, hi; /* this rank's trials */
  int64_t n_trials_written;
  uint64_t n_files, bytes;
  ctr_err e;
} unpack_ctx;

static int fail_c(unpack_ctx *u) {
  return ctr_fail(&u->e, u->c->err.status, "unpack: %s", u->c->err.msg);
}

/* ---- writing one entry ---- */

/* A JSON file's bytes through the public crash-safe writer. */
static int write_text(const char *path, const char *text, size_t len, char *why,
                      size_t whylen) {
  dckpt_file_writer *w = NULL;
  int rc = dckpt_file_writer_open(path, DCKPT_DURABILITY_NONE, &w);
  if (rc == DCKPT_OK) rc = dckpt_file_writer_write(w, text, len);
  if (rc == DCKPT_OK) rc = dckpt_file_writer_commit(w);
  if (rc != DCKPT_OK)
    snprintf(why, whylen, "%s", w ? dckpt_file_writer_errmsg(w) : "out of memory");
  dckpt_file_writer_free(w);
  return rc;
}

/* Writes an entry's record or bytes to `path` (atomically: a temporary in
 * its directory, renamed). */
static int write_entry(unpack_ctx *u, ctr_entry *en, const char *path) {
  char why[1024] = "";
  int rc;
  if (ctr_kind_is_record((int)en->row[CTR_F_KIND])) {
    dckpt_record *rec = NULL;
    if (ctr_load_record(u->c, en, &rec) != DCKPT_OK) return fail_c(u);
    /* The level the record was written at, so that the bytes come back the
     * same. The record format's level field is informational: a file whose
     * header names a level dckpt cannot write (outside -7..22) verifies and
     * packs, and is written at the default level 1 (same arrays, header and
     * identity). */
    int level = (int)(int64_t)en->row[CTR_F_REC_LEVEL];
    if (level < -7 || level > 22) level = 1;
    /* not durable one by one: sync_all() makes the whole tree durable at once */
    rc = dckpt_record_write(rec, path, level, DCKPT_DURABILITY_NONE);
    if (rc != DCKPT_OK) snprintf(why, sizeof why, "%s", dckpt_record_errmsg(rec));
    dckpt_record_free(rec);
    /* the report counts the bytes written: the file as encoded, not its
     * arrays' raw bytes (the container keeps no file size of a record) */
    struct stat st;
    if (rc == DCKPT_OK) {
      if (stat(path, &st) == 0) {
        u->bytes += (uint64_t)st.st_size;
      } else {
        rc = DCKPT_EIO;
        snprintf(why, sizeof why, "cannot stat it after writing: %s", strerror(errno));
      }
    }
  } else {
    rc = write_text(path, en->text, (size_t)en->row[CTR_F_TEXT_LEN], why, sizeof why);
    if (rc == DCKPT_OK) u->bytes += en->row[CTR_F_TEXT_LEN];
  }
  if (rc != DCKPT_OK)
    return ctr_fail(&u->e, rc, "unpack: cannot write '%s': %s", path, why);
  u->n_files++;
  return DCKPT_OK;
}

static int make_dir(const char *path, ctr_err *e) {
  if (dckpt_sys_mkdir(path, 0777) == 0 || errno == EEXIST) return DCKPT_OK;
  return ctr_fail_errno(e, errno, "unpack: cannot create directory '%s'", path);
}

/* ---- rank 0: the root files and the algorithm directories ---- */

/* The container's plan must agree with its own metadata.json. */
static int check_metadata(unpack_ctx *u, const char **text) {
  ctr_entry *en = NULL;
  char why[1024];
  if (ctr_find(u->c, "metadata.json", &en) != DCKPT_OK) return fail_c(u);
  if (ctr_check_meta_plan(u->c, en->text, why, sizeof why) != DCKPT_OK)
    return ctr_fail(&u->e, DCKPT_ECORRUPT, "unpack: %s", why);
  /* a metadata.json that the store would refuse makes a run nobody can open */
  int rc = ctr_check_meta_by_store(u->c, why, sizeof why);
  if (rc != DCKPT_OK) return ctr_fail(&u->e, rc, "unpack: %s", why);
  *text = en->text;
  return DCKPT_OK;
}

/* --restore: DIR must hold the very run the container holds. */
static int check_same_run(unpack_ctx *u, const char *meta) {
  char path[4300], *have = NULL;
  snprintf(path, sizeof path, "%s/metadata.json", u->dir);
  FILE *f = fopen(path, "rb");
  size_t want = strlen(meta), n = 0;
  if (f) {
    have = malloc(want + 2);
    n = have ? fread(have, 1, want + 1, f) : 0;
    fclose(f);
  }
  bool same = have && n == want && !memcmp(have, meta, want);
  free(have);
  if (same) return DCKPT_OK;
  if (!f) return ctr_fail_errno(&u->e, errno, "unpack --restore: cannot read '%s'", path);
  return ctr_fail(&u->e, DCKPT_EMISMATCH,
                  "unpack --restore: '%s' differs from the metadata.json in '%s': the "
                  "directory holds another run, or one that changed since it was packed",
                  path, u->file);
}

static int prepare_root(unpack_ctx *u) {
  const char *meta = NULL;
  CTR_TRY(check_metadata(u, &meta));
  struct stat st;
  if (u->o.restore) {
    CTR_TRY(check_same_run(u, meta));
    /* trial directories are added to DIR: not while a run works on it */
    if (!u->o.ignore_lock)
      CTR_TRY(ctr_check_not_in_use(u->dir, "unpack --restore", "restore into it", &u->log,
                                   &u->e));
    snprintf(u->work, sizeof u->work, "%s", u->dir);
  } else {
    /* the tree is renamed into DIR's place: a symbolic link there (even to
     * an empty directory) would fail that rename after all the work */
    if (lstat(u->dir, &st) == 0 && S_ISLNK(st.st_mode))
      return ctr_fail(&u->e, DCKPT_EINVAL,
                      "unpack: '%s' is a symbolic link; unpack renames the new directory "
                      "into its place: give the path it points to",
                      u->dir);
    if (stat(u->dir, &st) == 0 && !dckpt_dir_is_empty(u->dir))
      return ctr_fail(&u->e, DCKPT_ENOTEMPTY,
                      "unpack: '%s' exists and is not an empty directory; unpack into a "
                      "new one (or use --restore for a pruned directory of the same run)",
                      u->dir);
    ctr_clean_stale_temporaries(u->dir, &u->log);
    CTR_TRY(ctr_make_temporary_dir(u->dir, u->work, sizeof u->work, &u->e));
    u->made_work = true;
  }
  for (uint64_t i = 0; i < u->c->n_root; i++) {
    char path[sizeof u->work + CTR_MAX_PATH + 2];
    const char *rel = u->c->root[i].path;
    if (u->c->root[i].status != DCKPT_OK)
      return ctr_fail(&u->e, u->c->root[i].status, "unpack: %s", u->c->root[i].why);
    snprintf(path, sizeof path, "%s/%s", u->work, rel);
    if (u->o.restore && access(path, F_OK) == 0) continue; /* DIR's own wins */
    /* results/ and the directories under it (a checked path: no "..") */
    for (const char *s = strchr(rel, '/'); s; s = strchr(s + 1, '/')) {
      snprintf(path, sizeof path, "%s/%.*s", u->work, (int)(s - rel), rel);
      CTR_TRY(make_dir(path, &u->e));
    }
    snprintf(path, sizeof path, "%s/%s", u->work, rel);
    CTR_TRY(write_entry(u, &u->c->root[i], path));
  }
  for (int64_t a = 0; a < u->c->n_algs; a++) {
    char path[4300];
    snprintf(path, sizeof path, "%s/algorithm_%lld", u->work, (long long)a);
    CTR_TRY(make_dir(path, &u->e));
  }
  return DCKPT_OK;
}

/* ---- which rank writes which trials ---- */

#define BLOCK_ROWS 65536

/* Calls fn for the bytes of every trial, reading index/trials in blocks
 * and checking each row, so that a damaged or hostile table is refused
 * before much is read. */
static int each_trial_bytes(unpack_ctx *u, void (*fn)(void *, int64_t, uint64_t),
                            void *ctx) {
  dckpt_container *c = u->c;
  uint64_t *rows = malloc(BLOCK_ROWS * CTR_T_NCOLS * sizeof *rows);
  if (!rows) return ctr_fail(&u->e, DCKPT_ENOMEM, "unpack: out of memory");
  int rc = DCKPT_OK;
  for (uint64_t at = 0; rc == DCKPT_OK && at < c->n_pairs; at += BLOCK_ROWS) {
    uint64_t n = c->n_pairs - at < BLOCK_ROWS ? c->n_pairs - at : BLOCK_ROWS;
    if (ctr_read_rows(c, c->trials, CTR_DS_TRIALS, CTR_T_NCOLS, at, n, rows)) {
      rc = fail_c(u);
      break;
    }
    for (uint64_t i = 0; i < n; i++) {
      const uint64_t *r = rows + i * CTR_T_NCOLS;
      if (r[CTR_T_ROW_HASH] != ctr_row_hash(r, CTR_T_NCOLS)) {
        rc = ctr_fail(&u->e, DCKPT_ECORRUPT,
                      "unpack: '%s': row %llu of /%s is damaged (checksum mismatch); "
                      "'dckpt verify' names what is lost",
                      u->file, (unsigned long long)(at + i), CTR_DS_TRIALS);
        break;
      }
      fn(ctx, (int64_t)(at + i), r[CTR_T_BYTES]);
    }
  }
  free(rows);
  return rc;
}

typedef struct splitter {
  long double total, sum;
  int rank, size;
  int64_t lo, hi;
} splitter;

static void add_total(void *ctx, int64_t i, uint64_t bytes) {
  (void)i;
  ((splitter *)ctx)->total += (long double)bytes + 1;
}

/* Contiguous ranges of about equal bytes, in trial order. */
static void assign(void *ctx, int64_t i, uint64_t bytes) {
  splitter *s = ctx;
  long double w = (long double)bytes + 1;
  int64_t r = (int64_t)((s->sum + w / 2) / s->total * (long double)s->size);
  if (r >= s->size) r = s->size - 1;
  if (r == s->rank && s->lo < 0) s->lo = i;
  if (r == s->rank) s->hi = i + 1;
  s->sum += w;
}

static int plan(unpack_ctx *u) {
  splitter s = {0, 0, u->rank, u->size, -1, -1};
  CTR_TRY(each_trial_bytes(u, add_total, &s));
  CTR_TRY(each_trial_bytes(u, assign, &s));
  u->lo = s.lo < 0 ? 0 : s.lo;
  u->hi = s.lo < 0 ? 0 : s.hi;
  return DCKPT_OK;
}

/* ---- the trials ---- */

static int write_trial(unpack_ctx *u, int64_t pair) {
  dckpt_container *c = u->c;
  int64_t a = pair / c->n_trials, t = pair % c->n_trials;
  ctr_trial *tr = ctr_get_trial(c, a, t);
  if (!tr) return fail_c(u);
  if (tr->status != DCKPT_OK) return ctr_fail(&u->e, tr->status, "unpack: %s", tr->why);
  if (!tr->n_entries) return DCKPT_OK; /* the trial had no directory */
  for (size_t k = 0; k < tr->n_entries; k++)
    if (tr->entries[k].status != DCKPT_OK)
      return ctr_fail(&u->e, tr->entries[k].status, "unpack: %s", tr->entries[k].why);
  char final[4400], build[4400], path[4700];
  snprintf(final, sizeof final, "%s/algorithm_%lld/trial_%lld", u->work, (long long)a,
           (long long)t);
  /* DIR's own trial wins, unless its directory is empty (made, never
   * written to): the renamed one below replaces an empty directory */
  if (u->o.restore && access(final, F_OK) == 0 && !dckpt_dir_is_empty(final))
    return DCKPT_OK;
  if (u->o.restore) /* built aside, then renamed into place */
    CTR_TRY(ctr_make_temporary_dir(final, build, sizeof build, &u->e));
  else {
    snprintf(build, sizeof build, "%s", final);
    CTR_TRY(make_dir(build, &u->e));
  }
  /* entry paths are "algorithm_A/trial_T/NAME": NAME goes into `build` */
  int rc = DCKPT_OK;
  for (size_t k = 0; rc == DCKPT_OK && k < tr->n_entries; k++) {
    ctr_entry *en = &tr->entries[k];
    snprintf(path, sizeof path, "%s/%s", build, strrchr(en->path, '/') + 1);
    rc = write_entry(u, en, path);
  }
  if (rc == DCKPT_OK && u->o.restore) rc = ctr_rename(build, final, &u->e);
  if (rc != DCKPT_OK && u->o.restore) ctr_remove_tree(build);
  if (rc == DCKPT_OK) u->n_trials_written++;
  return rc;
}

/* Makes everything this rank wrote durable at once: one syncfs of the file
 * system instead of an fsync per file (the tree appears by one rename). */
static int sync_all(unpack_ctx *u) {
  int fd = open(u->work, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ctr_fail_errno(&u->e, errno, "unpack: cannot open '%s'", u->work);
  int rc = dckpt_sys_syncfs(fd) == 0
               ? DCKPT_OK
               : ctr_fail_errno(&u->e, errno, "unpack: cannot sync '%s'", u->work);
  close(fd);
  return rc;
}

static int run(unpack_ctx *u) {
  int rc = dckpt_container_open(u->file, &u->c) == DCKPT_OK ? DCKPT_OK : fail_c(u);
  CTR_TRY(ctr_agree(u->comm, u->rank, rc, &u->e));
  if (u->rank == 0) { /* nothing is written before the whole index holds */
    rc = ctr_check_structure(u->c) == DCKPT_OK ? DCKPT_OK : fail_c(u);
    if (rc == DCKPT_OK) rc = prepare_root(u);
  }
  CTR_TRY(ctr_agree(u->comm, u->rank, rc, &u->e));
  MPI_Bcast(u->work, (int)sizeof u->work, MPI_CHAR, 0, u->comm);
  rc = plan(u);
  for (int64_t i = u->lo; rc == DCKPT_OK && i < u->hi; i++)
    rc = write_trial(u, i);
  if (rc == DCKPT_OK && u->o.durability == DCKPT_DURABILITY_FULL) rc = sync_all(u);
  CTR_TRY(ctr_agree(u->comm, u->rank, rc, &u->e));
  if (u->rank == 0 && !u->o.restore) {
    rc = ctr_rename(u->work, u->dir, &u->e);
    if (rc == DCKPT_OK) u->made_work = false;
  }
  if (rc == DCKPT_OK && u->rank == 0 && u->o.durability == DCKPT_DURABILITY_FULL)
    rc = u->o.restore ? DCKPT_OK : ctr_fsync_parent(u->dir, &u->e);
  return ctr_agree(u->comm, u->rank, rc, &u->e);
}

static void report(unpack_ctx *u, int rc, dckpt_unpack_report *rep, double t0) {
  uint64_t mine[3] = {(uint64_t)u->n_trials_written, u->n_files, u->bytes}, sum[3];
  MPI_Allreduce(mine, sum, 3, MPI_UINT64_T, MPI_SUM, u->comm);
  if (!rep) return;
  memset(rep, 0, sizeof *rep);
  rep->n_trials = (int64_t)sum[0];
  rep->n_files = sum[1];
  rep->bytes = sum[2];
  rep->seconds = MPI_Wtime() - t0;
  if (rc != DCKPT_OK) snprintf(rep->message, sizeof rep->message, "%s", u->e.msg);
}

int dckpt_container_unpack(MPI_Comm comm, const char *file, const char *dir,
                           const dckpt_unpack_options *opts, dckpt_unpack_report *rep) {
  double t0 = MPI_Wtime();
  unpack_ctx u;
  memset(&u, 0, sizeof u);
  int taken = take_options(&u.o, opts, &u.e);
  u.log = (dckpt_logger){u.o.log, u.o.log_ctx, u.o.log_level};
  u.file = file;
  u.dir = dir;
  MPI_Comm_dup(comm, &u.comm);
  MPI_Comm_rank(u.comm, &u.rank);
  MPI_Comm_size(u.comm, &u.size);
  int rc = taken != DCKPT_OK ? taken
           : !file || !*file || !dir || !*dir
               ? ctr_fail(&u.e, DCKPT_EINVAL, "unpack: FILE and DIR must be given")
               : DCKPT_OK;
  rc = ctr_agree(u.comm, u.rank, rc, &u.e);
  ctr_h5_enter(); /* HDF5 is used all along (the lock is recursive) */
  if (rc == DCKPT_OK) rc = run(&u);
  if (u.rank == 0 && u.made_work) ctr_remove_tree(u.work); /* failed: no trace */
  report(&u, rc, rep, t0);
  if (rc == DCKPT_OK && u.rank == 0)
    dckpt_log(&u.log, DCKPT_LOG_INFO, "unpacked '%s' into '%s'", file, dir);
  dckpt_container_close(u.c);
  ctr_h5_leave();
  MPI_Comm_free(&u.comm);
  return rc;
}
