/* The public streaming writer (dckpt_file_writer_*): io/atomic.c's
 * temporary + fsync + rename + directory fsync behind an opaque handle that
 * remembers the first failure until commit. */
#include <stdlib.h>

#include "io/atomic.h"

struct dckpt_file_writer {
  dckpt_atomic_file file;
  dckpt_io_opts io; /* file.io points here: the handle never moves */
  dckpt_err err;    /* the first failure, reported by commit */
};

int dckpt_file_writer_open(const char *path, bool durable, dckpt_file_writer **out,
                           char *errbuf, size_t errlen) {
  dckpt_err err;
  dckpt_err_clear(&err);
  if (out) *out = NULL;
  if (!path || !out) {
    dckpt_err_set(&err, DCKPT_EINVAL, "file_writer_open: %s is NULL",
                  path ? "the writer pointer" : "the path");
    dckpt_err_copy(&err, errbuf, errlen);
    return DCKPT_EINVAL;
  }
  dckpt_file_writer *w = calloc(1, sizeof *w);
  if (!w) {
    dckpt_err_set(&err, DCKPT_ENOMEM, "out of memory opening '%s'", path);
    dckpt_err_copy(&err, errbuf, errlen);
    return DCKPT_ENOMEM;
  }
  w->io = (dckpt_io_opts){.durable = durable, .label = "file"};
  int rc = dckpt_atomic_begin(&w->file, path, &w->io, &err);
  if (rc != DCKPT_OK) {
    free(w);
    dckpt_err_copy(&err, errbuf, errlen);
    return rc;
  }
  dckpt_err_clear(&w->err);
  *out = w;
  return DCKPT_OK;
}

int dckpt_file_writer_write(dckpt_file_writer *w, const void *data, size_t len) {
  if (!w) return DCKPT_EINVAL;
  if (w->err.status != DCKPT_OK) return w->err.status;
  if (!data && len > 0)
    return dckpt_err_set(&w->err, DCKPT_EINVAL,
                         "file_writer_write: NULL data of %zu bytes for '%s'", len,
                         w->file.final_path);
  return dckpt_atomic_write(&w->file, data, len, &w->err);
}

int dckpt_file_writer_commit(dckpt_file_writer *w, char *errbuf, size_t errlen) {
  if (!w) {
    dckpt_err err;
    dckpt_err_set(&err, DCKPT_EINVAL, "file_writer_commit: the writer is NULL");
    dckpt_err_copy(&err, errbuf, errlen);
    return DCKPT_EINVAL;
  }
  int rc = w->err.status;
  if (rc != DCKPT_OK)
    dckpt_atomic_abort(&w->file);
  else
    rc = dckpt_atomic_commit(&w->file, &w->err); /* releases the file either way */
  dckpt_err_copy(&w->err, errbuf, errlen);
  free(w);
  return rc;
}

void dckpt_file_writer_abort(dckpt_file_writer *w) {
  if (!w) return;
  dckpt_atomic_abort(&w->file);
  free(w);
}
