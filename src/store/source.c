/* The store's reads of a run's files, from its directory or from the source
 * it was opened on (store/source.h). A source sees paths relative to the
 * run's root; the store and its messages keep using NAME/relative path. */
#include "store/source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "format/record_io.h"
#include "io/json_file.h"
#include "io/path.h"
#include "store/store_internal.h"
#include "util/json.h"
#include "util/struct_size.h"

bool dckpt_src_active(const dckpt_store *s) {
  return s->src != NULL;
}

/* `path` relative to the run's root ("" for the root itself). */
static const char *rel(const dckpt_store *s, const char *path) {
  size_t n = strlen(s->dir);
  if (strncmp(path, s->dir, n) != 0) return path;
  if (path[n] == '\0') return "";
  return path[n] == '/' ? path + n + 1 : path;
}

/* The source's status, with its message (or a generic one) in err. */
static int from_source(int rc, const char *msg, const char *path, dckpt_err *err) {
  if (rc == DCKPT_OK) return rc;
  if (msg[0]) return dckpt_err_set(err, rc, "%s", msg);
  return dckpt_err_set(err, rc, "cannot read '%s': %s", path, dckpt_strerror(rc));
}

int dckpt_src_read(dckpt_store *s, const char *path, uint64_t max_bytes, char **data,
                   size_t *len, dckpt_err *err) {
  if (!s->src) return dckpt_read_file(path, max_bytes, data, len, err);
  *data = NULL;
  *len = 0;
  char msg[sizeof err->msg] = "";
  int rc = s->src->read(s->src->ctx, rel(s, path), max_bytes, data, len, msg, sizeof msg);
  if (rc != DCKPT_OK) {
    free(*data);
    *data = NULL;
    *len = 0;
  } else if (!*data) {
    rc = DCKPT_EIO;
    snprintf(msg, sizeof msg, "the source gave no bytes for '%s'", path);
  } else if (*len > max_bytes) {
    free(*data);
    *data = NULL;
    *len = 0;
    rc = DCKPT_ETOOBIG;
    snprintf(msg, sizeof msg, "'%s' is more than the limit of %llu bytes", path,
             (unsigned long long)max_bytes);
  }
  return from_source(rc, msg, path, err);
}

int dckpt_src_json_load(dckpt_store *s, const char *path, cJSON **out, dckpt_err *err) {
  if (!s->src) return dckpt_json_load(path, out, err);
  *out = NULL;
  char *text = NULL;
  size_t len = 0;
  DCKPT_TRY(dckpt_src_read(s, path, DCKPT_JSON_MAX_FILE, &text, &len, err));
  return dckpt_json_parse_file_text(text, len, path, out, err);
}

typedef struct names {
  dckpt_dirlist *list;
  size_t cap;
} names;

static int add_name(void *ctx, const char *name) {
  names *n = ctx;
  dckpt_dirlist *l = n->list;
  if (!name || !*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
    return DCKPT_OK; /* not a name in a directory: never handed on */
  if (l->count == n->cap) {
    size_t cap = n->cap ? 2 * n->cap : 16;
    char **p = realloc(l->names, cap * sizeof *p);
    if (!p) return DCKPT_ENOMEM;
    l->names = p;
    n->cap = cap;
  }
  if (!(l->names[l->count] = strdup(name))) return DCKPT_ENOMEM;
  l->count++;
  return DCKPT_OK;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int dckpt_src_list(dckpt_store *s, const char *dir, dckpt_dirlist *out, dckpt_err *err) {
  if (!s->src) return dckpt_list_dir(dir, out, err);
  out->names = NULL;
  out->count = 0;
  names n = {out, 0};
  char msg[sizeof err->msg] = "";
  int rc = s->src->list(s->src->ctx, rel(s, dir), add_name, &n, msg, sizeof msg);
  if (rc == DCKPT_ENOMEM && !msg[0])
    snprintf(msg, sizeof msg, "out of memory listing '%s'", dir);
  if (rc != DCKPT_OK) {
    dckpt_dirlist_free(out);
    return from_source(rc, msg, dir, err);
  }
  if (out->count) qsort(out->names, out->count, sizeof *out->names, cmp_names);
  return DCKPT_OK;
}

static dckpt_source_entry what_is(dckpt_store *s, const char *path) {
  dckpt_source_entry what = DCKPT_SOURCE_ENTRY_NONE;
  char msg[256] = "";
  if (s->src->stat(s->src->ctx, rel(s, path), &what, msg, sizeof msg) != DCKPT_OK)
    return DCKPT_SOURCE_ENTRY_NONE; /* the read that follows, if any, says why */
  return what;
}

bool dckpt_src_exists(dckpt_store *s, const char *path) {
  if (!s->src) return dckpt_path_exists(path);
  return what_is(s, path) != DCKPT_SOURCE_ENTRY_NONE;
}

bool dckpt_src_is_dir(dckpt_store *s, const char *path) {
  if (!s->src) return dckpt_path_is_dir(path);
  return what_is(s, path) == DCKPT_SOURCE_ENTRY_DIR;
}

bool dckpt_src_is_file(dckpt_store *s, const char *path) {
  struct stat st;
  if (!s->src) return stat(path, &st) == 0 && S_ISREG(st.st_mode);
  return what_is(s, path) == DCKPT_SOURCE_ENTRY_FILE;
}

int dckpt_src_read_record(dckpt_store *s, const char *path, dckpt_record **out,
                          dckpt_err *err) {
  if (!s->src) {
    dckpt_scratch *shared = dckpt_scratch_borrow(false); /* store_internal.h */
    int rc = dckpt_record_file_read(path, out, shared ? shared : &s->scratch, err);
    dckpt_scratch_give_back(shared);
    return rc;
  }
  *out = NULL;
  char msg[sizeof err->msg] = "";
  int rc = s->src->load_record(s->src->ctx, rel(s, path), out, msg, sizeof msg);
  if (rc == DCKPT_OK && !*out) {
    rc = DCKPT_EIO;
    snprintf(msg, sizeof msg, "the source gave no record for '%s'", path);
  }
  if (rc != DCKPT_OK) {
    dckpt_record_free(*out);
    *out = NULL;
  }
  return from_source(rc, msg, path, err);
}

int dckpt_src_verify_record(dckpt_store *s, const char *path, char **identity,
                            dckpt_err *err) {
  if (!s->src) return dckpt_record_verify(path, NULL, identity, err);
  if (identity) *identity = NULL;
  dckpt_record *rec = NULL;
  DCKPT_TRY(dckpt_src_read_record(s, path, &rec, err));
  const char *id = dckpt_record_identity(rec);
  int rc = DCKPT_OK;
  if (identity && id && *id && !(*identity = strdup(id)))
    rc = dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  dckpt_record_free(rec);
  return rc;
}

int dckpt_src_require_dir(dckpt_store *s, const char *call) {
  if (!s->src) return DCKPT_OK;
  return dckpt_err_set(&s->err, DCKPT_EINVAL,
                       "%s: '%s' is not a directory (the store reads it from a "
                       "source such as a container)",
                       call, s->dir);
}

void dckpt_src_close(dckpt_store *s) {
  if (s->src && s->src->close) s->src->close(s->src->ctx);
  free(s->src);
  s->src = NULL;
}

void dckpt_store_source_init(dckpt_store_source *src) {
  if (!src) return;
  memset(src, 0, sizeof *src);
  src->struct_size = sizeof *src;
}

int dckpt_src_check_root(dckpt_store *s) {
  dckpt_source_entry root = DCKPT_SOURCE_ENTRY_NONE;
  char msg[sizeof s->err.msg] = "";
  int rc = s->src->stat(s->src->ctx, "", &root, msg, sizeof msg);
  if (rc == DCKPT_OK && root != DCKPT_SOURCE_ENTRY_DIR) {
    rc = DCKPT_EINVAL;
    snprintf(msg, sizeof msg, "store_open_source: '%s': the source has no root", s->dir);
  }
  return from_source(rc, msg, s->dir, &s->err);
}

/* HDF5's 8-byte signature at offset 0 (containers are HDF5 files). */
bool dckpt_container_probe(const char *path) {
  static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  unsigned char head[8];
  struct stat st;
  if (!path || stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return false;
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  bool ok = fread(head, 1, 8, f) == 8 && !memcmp(head, sig, 8);
  fclose(f);
  return ok;
}
