/* Backup of a checkpoint directory into a zip archive beside it, through
 * libarchive (loaded on the first backup: archive_lib.h). The archive is written to a
 * temporary name and published with link(2), which never replaces an existing file, so
 * two backups in the same second get distinct names (_2, _3, ...). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io/fs.h"
#include "io/path.h"
#include "store/archive_lib.h"
#include "store/store_internal.h"

static const char *archive_why(const dckpt_archive_lib *L, struct archive *a) {
  const char *why = L->archive_error_string(a);
  return why ? why : "the archive library gave no reason";
}

/* A directory entry (st from lstat), or a regular file: opened first and
 * described by its own fstat, so that the entry's size is that of the bytes
 * read. Between the listing's lstat and the open a live run may replace the
 * file (progress.json: the header said the old size, the data was the new
 * file's, cut short or refused with "(null)") or rotate it away (the backup
 * failed with ENOENT): a file gone by then is skipped, as one gone before. */
static int add_file(const dckpt_archive_lib *L, dckpt_store *s, struct archive *a,
                    const char *path, const char *rel, const struct stat *lst) {
  struct stat st = *lst;
  int fd = -1;
  if (S_ISREG(lst->st_mode)) {
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 && (errno == ENOENT || errno == ELOOP)) return DCKPT_OK; /* gone */
    if (fd < 0) return dckpt_err_errno(&s->err, errno, "backup: cannot open '%s'", path);
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      close(fd);
      return DCKPT_OK; /* replaced by something that is not a file: not the run's */
    }
  }
  struct archive_entry *e = L->archive_entry_new();
  if (!e) {
    if (fd >= 0) close(fd);
    return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  }
  L->archive_entry_set_pathname(e, rel);
  L->archive_entry_copy_stat(e, &st);
  int rc = DCKPT_OK;
  if (L->archive_write_header(a, e) != ARCHIVE_OK)
    rc = dckpt_store_fail(s, DCKPT_EIO, "backup: cannot add '%s': %s", path,
                          archive_why(L, a));
  char buf[1 << 16];
  ssize_t n;
  while (fd >= 0 && rc == DCKPT_OK && (n = read(fd, buf, sizeof buf)) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      rc = dckpt_err_errno(&s->err, errno, "backup: cannot read '%s'", path);
    } else if (L->archive_write_data(a, buf, (size_t)n) != n) {
      rc = dckpt_store_fail(s, DCKPT_EIO, "backup: cannot write data of '%s': %s", path,
                            archive_why(L, a));
    }
  }
  if (fd >= 0) close(fd);
  L->archive_entry_free(e);
  return rc;
}

/* Adds the tree under `path` (archive names relative, prefixed by `rel`). */
static int add_tree(const dckpt_archive_lib *L, dckpt_store *s, struct archive *a,
                    const char *path, const char *rel) {
  dckpt_dirlist list;
  DCKPT_TRY(dckpt_list_dir(path, &list, &s->err));
  int rc = DCKPT_OK;
  for (size_t i = 0; rc == DCKPT_OK && i < list.count; i++) {
    /* the lock and temporaries belong to running processes, not to the run */
    if (dckpt_layout_is_transient(dckpt_layout_kind(list.names[i]))) continue;
    char *full = dckpt_path_join(path, list.names[i]);
    char *name = rel ? dckpt_path_join(rel, list.names[i]) : strdup(list.names[i]);
    struct stat st;
    if (!full || !name)
      rc = dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
    else if (lstat(full, &st) != 0)
      rc = DCKPT_OK; /* vanished meanwhile */
    else if (S_ISDIR(st.st_mode)) {
      char *dirname = dckpt_path_printf("%s/", name);
      rc = dirname ? add_file(L, s, a, full, dirname, &st) : DCKPT_ENOMEM;
      free(dirname);
      if (rc == DCKPT_OK) rc = add_tree(L, s, a, full, name);
    } else if (S_ISREG(st.st_mode)) {
      rc = add_file(L, s, a, full, name, &st);
    }
    free(full);
    free(name);
  }
  dckpt_dirlist_free(&list);
  return rc;
}

typedef struct archive_sink {
  const dckpt_archive_lib *L;
  dckpt_store *s;
  dckpt_atomic_file *f;
} archive_sink;

/* libarchive hands the archive's bytes here: they go through io/atomic. */
static la_ssize_t archive_out(struct archive *a, void *ctx, const void *buf, size_t n) {
  archive_sink *out = ctx;
  const dckpt_archive_lib *L = out->L;
  if (dckpt_atomic_write(out->f, buf, n, &out->s->err) != DCKPT_OK) {
    L->archive_set_error(a, EIO, "%s", out->s->err.msg);
    return -1;
  }
  return (la_ssize_t)n;
}

static int write_archive(dckpt_store *s, dckpt_atomic_file *f, const char *shown) {
  const dckpt_archive_lib *L = dckpt_archive_lib_get(&s->err);
  if (!L) return s->err.status;
  struct archive *a = L->archive_write_new();
  if (!a) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  archive_sink sink = {L, s, f};
  int rc = DCKPT_OK;
  /* A regular file needs no padding to a whole block after the archive. */
  if (L->archive_write_set_format_zip(a) != ARCHIVE_OK ||
      L->archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
      L->archive_write_open2(a, &sink, NULL, archive_out, NULL, NULL) != ARCHIVE_OK)
    rc = dckpt_store_fail(s, DCKPT_EIO, "backup: cannot start zip '%s': %s", shown,
                          L->archive_error_string(a));
  if (rc == DCKPT_OK) rc = add_tree(L, s, a, s->dir, NULL);
  if (L->archive_write_close(a) != ARCHIVE_OK && rc == DCKPT_OK)
    rc = dckpt_store_fail(s, DCKPT_EIO, "backup: cannot finish '%s': %s", shown,
                          L->archive_error_string(a));
  L->archive_write_free(a);
  return rc;
}

/* Gives the finished temporary its final name without replacing anything. */
static int publish(dckpt_store *s, dckpt_atomic_file *f, char **path) {
  char stamp[32];
  time_t now = time(NULL);
  struct tm tm;
  localtime_r(&now, &tm);
  strftime(stamp, sizeof stamp, "%Y%m%d_%H%M%S", &tm);
  for (int n = 1; n < 10000; n++) {
    char *name = n == 1 ? dckpt_path_printf("%s_backup_%s.zip", s->dir, stamp)
                        : dckpt_path_printf("%s_backup_%s_%d.zip", s->dir, stamp, n);
    if (!name) {
      dckpt_atomic_abort(f);
      return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
    }
    int rc = dckpt_atomic_publish(f, name, &s->err);
    if (rc == DCKPT_OK) *path = name;
    if (rc != DCKPT_EEXIST) {
      if (rc != DCKPT_OK) free(name);
      return rc;
    }
    free(name);
  }
  dckpt_atomic_abort(f);
  return dckpt_store_fail(s, DCKPT_EEXIST,
                          "backup: too many backups of '%s' in one second", s->dir);
}

int dckpt_store_backup(dckpt_store *s, char **path) {
  DCKPT_STORE_NEED(s, "backup", path);
  *path = NULL;
  DCKPT_TRY(dckpt_src_require_dir(s, "backup"));
  if (!dckpt_path_is_dir(s->dir))
    return dckpt_store_fail(s, DCKPT_ENOENT, "backup: '%s' is not a directory", s->dir);
  /* Only a run is archived: `dckpt backup .` in a home directory (or /,
   * through /proc, whose files can block a read) zipped whatever was there. */
  char *meta = dckpt_layout_root_file(s, DCKPT_METADATA_FILE);
  if (!meta) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  struct stat mst;
  bool run = stat(meta, &mst) == 0 && S_ISREG(mst.st_mode);
  if (!run) {
    dckpt_store_fail(s, DCKPT_ENOENT,
                     "backup: '%s' does not hold a dckpt run ('%s' is missing); nothing "
                     "archived",
                     s->dir, meta);
    free(meta);
    return DCKPT_ENOENT;
  }
  free(meta);
  /* The temporary sits beside the directory, where the archive goes; it is
   * always made durable before it gets its name. */
  char *shown = dckpt_path_printf("%s_backup.zip", s->dir);
  if (!shown) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  dckpt_io_opts io = {.durable = true,
                      .hook = s->x.step_hook,
                      .hook_ctx = s->x.step_hook_ctx,
                      .label = "backup"};
  dckpt_atomic_file f;
  int rc = dckpt_atomic_begin(&f, shown, &io, &s->err);
  if (rc == DCKPT_OK) {
    rc = write_archive(s, &f, shown);
    if (rc == DCKPT_OK)
      rc = publish(s, &f, path);
    else
      dckpt_atomic_abort(&f);
  }
  free(shown);
  if (rc == DCKPT_OK)
    dckpt_log(&s->log, DCKPT_LOG_INFO, "backed up '%s' to '%s'", s->dir, *path);
  return rc;
}
