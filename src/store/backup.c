/* Backup of a checkpoint directory into a zip archive beside it, through
 * libarchive. The archive is written to a temporary name and published with
 * link(2), which never replaces an existing file, so two backups in the same
 * second get distinct names (_2, _3, ...). */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io/fs.h"
#include "io/path.h"
#include "store/store_internal.h"

static int add_file(dckpt_store *s, struct archive *a, const char *path, const char *rel,
                    const struct stat *st) {
  struct archive_entry *e = archive_entry_new();
  if (!e) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  archive_entry_set_pathname(e, rel);
  archive_entry_copy_stat(e, st);
  int rc = DCKPT_OK;
  if (archive_write_header(a, e) != ARCHIVE_OK)
    rc = dckpt_store_fail(s, DCKPT_EIO, "backup: cannot add '%s': %s", path,
                          archive_error_string(a));
  if (rc == DCKPT_OK && S_ISREG(st->st_mode)) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) rc = dckpt_err_errno(&s->err, errno, "backup: cannot open '%s'", path);
    char buf[1 << 16];
    ssize_t n;
    while (rc == DCKPT_OK && (n = read(fd, buf, sizeof buf)) != 0) {
      if (n < 0) {
        if (errno == EINTR) continue;
        rc = dckpt_err_errno(&s->err, errno, "backup: cannot read '%s'", path);
      } else if (archive_write_data(a, buf, (size_t)n) != n) {
        rc = dckpt_store_fail(s, DCKPT_EIO, "backup: cannot write data of '%s': %s", path,
                              archive_error_string(a));
      }
    }
    if (fd >= 0) close(fd);
  }
  archive_entry_free(e);
  return rc;
}

/* Adds the tree under `path` (archive names relative, prefixed by `rel`). */
static int add_tree(dckpt_store *s, struct archive *a, const char *path,
                    const char *rel) {
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
      rc = dirname ? add_file(s, a, full, dirname, &st) : DCKPT_ENOMEM;
      free(dirname);
      if (rc == DCKPT_OK) rc = add_tree(s, a, full, name);
    } else if (S_ISREG(st.st_mode)) {
      rc = add_file(s, a, full, name, &st);
    }
    free(full);
    free(name);
  }
  dckpt_dirlist_free(&list);
  return rc;
}

static int write_archive(dckpt_store *s, int fd, const char *tmp) {
  struct archive *a = archive_write_new();
  if (!a) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  int rc = DCKPT_OK;
  if (archive_write_set_format_zip(a) != ARCHIVE_OK ||
      archive_write_open_fd(a, fd) != ARCHIVE_OK)
    rc = dckpt_store_fail(s, DCKPT_EIO, "backup: cannot start zip '%s': %s", tmp,
                          archive_error_string(a));
  if (rc == DCKPT_OK) rc = add_tree(s, a, s->dir, NULL);
  if (archive_write_close(a) != ARCHIVE_OK && rc == DCKPT_OK)
    rc = dckpt_store_fail(s, DCKPT_EIO, "backup: cannot finish '%s': %s", tmp,
                          archive_error_string(a));
  archive_write_free(a);
  if (rc == DCKPT_OK && fsync(fd) != 0)
    rc = dckpt_err_errno(&s->err, errno, "backup: cannot sync '%s'", tmp);
  return rc;
}

/* Gives the finished temporary its final name without replacing anything. */
static int publish(dckpt_store *s, const char *tmp, char **path) {
  char stamp[32];
  time_t now = time(NULL);
  struct tm tm;
  localtime_r(&now, &tm);
  strftime(stamp, sizeof stamp, "%Y%m%d_%H%M%S", &tm);
  for (int n = 1; n < 10000; n++) {
    char *name = n == 1 ? dckpt_path_printf("%s_backup_%s.zip", s->dir, stamp)
                        : dckpt_path_printf("%s_backup_%s_%d.zip", s->dir, stamp, n);
    if (!name) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
    if (link(tmp, name) == 0) {
      *path = name;
      char *parent = dckpt_path_dirname(name);
      int rc = parent ? dckpt_io_fsync_dir(parent, &s->err) : DCKPT_ENOMEM;
      free(parent);
      return rc;
    }
    int e = errno;
    if (e != EEXIST) {
      int rc = dckpt_err_errno(&s->err, e, "backup: cannot create '%s'", name);
      free(name);
      return rc;
    }
    free(name);
  }
  return dckpt_store_fail(s, DCKPT_EEXIST,
                          "backup: too many backups of '%s' in one second", s->dir);
}

int dckpt_store_backup(dckpt_store *s, char **path) {
  *path = NULL;
  if (!dckpt_path_is_dir(s->dir))
    return dckpt_store_fail(s, DCKPT_ENOENT, "backup: '%s' is not a directory", s->dir);
  char *tmp = dckpt_path_printf("%s_backup." DCKPT_TMP_PREFIX "XXXXXX", s->dir);
  if (!tmp) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  int fd = mkostemp(tmp, O_CLOEXEC);
  if (fd < 0) {
    int rc = dckpt_err_errno(&s->err, errno, "backup: cannot create a file beside '%s'",
                             s->dir);
    free(tmp);
    return rc;
  }
  (void)fchmod(fd, 0644);
  int rc = write_archive(s, fd, tmp);
  close(fd);
  if (rc == DCKPT_OK) rc = publish(s, tmp, path);
  unlink(tmp);
  free(tmp);
  if (rc == DCKPT_OK)
    dckpt_log(&s->log, DCKPT_LOG_INFO, "backed up '%s' to '%s'", s->dir, *path);
  return rc;
}
