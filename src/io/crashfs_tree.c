/* Trees in memory for the crash model: snapshot, write, hash, compare. The
 * files written here are crash states for the tests to recover from, not
 * the library's data: plain system calls, never traced. */
#define _GNU_SOURCE
#include "io/crashfs_tree.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/fs.h"
#include "io/path.h"
#include "io/walk.h"
#include "util/xxh.h"

int cfs_tree_add(cfs_tree *t, const char *path, bool dir, const uint8_t *data, size_t len,
                 uint64_t ino) {
  if (t->n == t->cap) {
    size_t cap = t->cap ? 2 * t->cap : 64;
    cfs_item *grown = realloc(t->items, cap * sizeof *grown);
    if (!grown) return DCKPT_ENOMEM;
    t->items = grown;
    t->cap = cap;
  }
  cfs_item *it = &t->items[t->n];
  *it = (cfs_item){strdup(path), dir, NULL, len, ino};
  if (!dir) it->data = malloc(len ? len : 1);
  if (!it->path || (!dir && !it->data)) {
    free(it->path);
    free(it->data);
    return DCKPT_ENOMEM;
  }
  if (!dir && len) memcpy(it->data, data, len);
  t->n++;
  return DCKPT_OK;
}

static int by_path(const void *a, const void *b) {
  return strcmp(((const cfs_item *)a)->path, ((const cfs_item *)b)->path);
}

void cfs_tree_sort(cfs_tree *t) {
  if (t->n > 1) qsort(t->items, t->n, sizeof *t->items, by_path);
}

void cfs_tree_free(cfs_tree *t) {
  for (size_t i = 0; i < t->n; i++) {
    free(t->items[i].path);
    free(t->items[i].data);
  }
  free(t->items);
  memset(t, 0, sizeof *t);
}

/* ---- snapshot ---- */

typedef struct snap {
  cfs_tree *t;
  const char *root;
  size_t root_len;
} snap;

static int snap_file(snap *s, const char *full, const char *rel, uint64_t ino,
                     dckpt_err *err) {
  char *data = NULL;
  size_t len = 0;
  DCKPT_TRY(dckpt_read_file(full, UINT64_MAX >> 1, &data, &len, err));
  int rc = cfs_tree_add(s->t, rel, false, (uint8_t *)data, len, ino);
  free(data);
  return rc == DCKPT_OK ? rc : dckpt_err_set(err, rc, "out of memory");
}

static int snap_entry(void *ctx, const dckpt_walk_entry *e, dckpt_err *err) {
  snap *s = ctx;
  char *full = dckpt_path_join(e->dir, e->name);
  if (!full) return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  const char *rel = full + s->root_len + 1;
  struct stat st;
  int rc = DCKPT_OK;
  if (fstatat(e->dirfd, e->name, &st, AT_SYMLINK_NOFOLLOW) != 0)
    rc = dckpt_err_errno(err, errno, "cannot stat '%s'", full);
  else if (S_ISDIR(st.st_mode)) {
    rc = cfs_tree_add(s->t, rel, true, NULL, 0, (uint64_t)st.st_ino);
    if (rc == DCKPT_OK) rc = dckpt_walk(full, 0, snap_entry, s, err);
  } else if (S_ISREG(st.st_mode))
    rc = snap_file(s, full, rel, (uint64_t)st.st_ino, err);
  else
    rc = dckpt_err_set(err, DCKPT_EINVAL, "'%s' is neither a directory nor a file", full);
  free(full);
  return rc;
}

int cfs_tree_snapshot(const char *root, cfs_tree *t, dckpt_err *err) {
  memset(t, 0, sizeof *t);
  snap s = {t, root, strlen(root)};
  int rc = dckpt_walk(root, 0, snap_entry, &s, err);
  if (rc != DCKPT_OK) {
    cfs_tree_free(t);
    return rc;
  }
  cfs_tree_sort(t);
  return DCKPT_OK;
}

/* ---- write ---- */

static int write_file(const char *path, const cfs_item *it, dckpt_err *err) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return dckpt_err_errno(err, errno, "cannot create '%s'", path);
  size_t done = 0;
  while (done < it->len) {
    ssize_t n = write(fd, it->data + done, it->len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = n < 0 ? errno : EIO;
      close(fd);
      return dckpt_err_errno(err, e, "cannot write '%s'", path);
    }
    done += (size_t)n;
  }
  return close(fd) == 0 ? DCKPT_OK
                        : dckpt_err_errno(err, errno, "cannot close '%s'", path);
}

int cfs_tree_write(const cfs_tree *t, const char *dest, dckpt_err *err) {
  if (mkdir(dest, 0755) != 0)
    return dckpt_err_errno(err, errno, "cannot create directory '%s'", dest);
  int rc = DCKPT_OK;
  for (size_t i = 0; rc == DCKPT_OK && i < t->n; i++) {
    char *p = dckpt_path_join(dest, t->items[i].path);
    if (!p) return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
    if (t->items[i].dir && mkdir(p, 0755) != 0)
      rc = dckpt_err_errno(err, errno, "cannot create directory '%s'", p);
    else if (!t->items[i].dir)
      rc = write_file(p, &t->items[i], err);
    free(p);
  }
  return rc;
}

/* ---- hash and compare ---- */

uint64_t cfs_tree_hash(const cfs_tree *t) {
  XXH3_state_t *h = XXH3_createState();
  if (!h) return 0;
  XXH3_64bits_reset(h);
  for (size_t i = 0; i < t->n; i++) {
    const cfs_item *it = &t->items[i];
    uint64_t head[2] = {it->dir, it->len};
    XXH3_64bits_update(h, it->path, strlen(it->path) + 1);
    XXH3_64bits_update(h, head, sizeof head);
    if (!it->dir) XXH3_64bits_update(h, it->data, it->len);
  }
  uint64_t v = XXH3_64bits_digest(h);
  XXH3_freeState(h);
  return v;
}

static bool ignored(const char *path, const char *const *ignore) {
  const char *base = dckpt_path_basename(path);
  for (size_t i = 0; ignore && ignore[i]; i++)
    if (!strncmp(base, ignore[i], strlen(ignore[i]))) return true;
  return false;
}

static size_t next_kept(const cfs_tree *t, size_t i, const char *const *ignore) {
  while (i < t->n && ignored(t->items[i].path, ignore))
    i++;
  return i;
}

/* Called with at least one of m, d. */
static int differ(const cfs_item *m, const cfs_item *d, dckpt_err *err) {
  int order = !m ? 1 : !d ? -1 : strcmp(m->path, d->path);
  if (order < 0 && m)
    return dckpt_err_set(err, DCKPT_ECORRUPT, "the model has '%s', the disk does not",
                         m->path);
  if (order > 0 && d)
    return dckpt_err_set(err, DCKPT_ECORRUPT, "the disk has '%s', the model does not",
                         d->path);
  if (!m || !d) return DCKPT_OK;
  if (m->dir != d->dir)
    return dckpt_err_set(err, DCKPT_ECORRUPT, "'%s' is a %s in the model, a %s on disk",
                         m->path, m->dir ? "directory" : "file",
                         d->dir ? "directory" : "file");
  if (!m->dir && (m->len != d->len || memcmp(m->data, d->data, m->len) != 0))
    return dckpt_err_set(err, DCKPT_ECORRUPT,
                         "'%s' holds %zu bytes in the model, %zu different ones on disk",
                         m->path, m->len, d->len);
  return DCKPT_OK;
}

int cfs_tree_compare(const cfs_tree *model, const cfs_tree *disk,
                     const char *const *ignore, dckpt_err *err) {
  size_t i = next_kept(model, 0, ignore), j = next_kept(disk, 0, ignore);
  while (i < model->n || j < disk->n) {
    const cfs_item *m = i < model->n ? &model->items[i] : NULL;
    const cfs_item *d = j < disk->n ? &disk->items[j] : NULL;
    DCKPT_TRY(differ(m, d, err));
    i = next_kept(model, i + 1, ignore);
    j = next_kept(disk, j + 1, ignore);
  }
  return DCKPT_OK;
}
