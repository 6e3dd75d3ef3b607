/* The public streaming writer (dckpt_file_writer_*): io/atomic.c's
 * temporary + fsync + rename + directory fsync behind an opaque handle that
 * remembers the first failure and keeps its message (dckpt.h, "Error
 * detail"). */
#include <stdio.h>
#include <stdlib.h>

#include "io/atomic.h"

typedef enum writer_state {
  WRITER_FAILED_OPEN, /* no temporary: only errmsg and free */
  WRITER_OPEN,        /* the temporary exists */
  WRITER_DONE         /* committed or given up: the temporary is gone */
} writer_state;

struct dckpt_file_writer {
  dckpt_atomic_file file;
  dckpt_io_opts io; /* file.io points here: the handle never moves */
  dckpt_err err;    /* the first failure */
  writer_state state;
};

int dckpt_file_writer_open(const char *path, dckpt_durability durability,
                           dckpt_file_writer **out) {
  if (!out) return DCKPT_EINVAL;
  dckpt_file_writer *w = calloc(1, sizeof *w);
  *out = w;
  if (!w) return DCKPT_ENOMEM;
  w->state = WRITER_FAILED_OPEN;
  if (!path)
    return dckpt_err_set(&w->err, DCKPT_EINVAL, "file_writer_open: the path is NULL");
  if (durability != DCKPT_DURABILITY_FULL && durability != DCKPT_DURABILITY_NONE)
    return dckpt_err_set(&w->err, DCKPT_EINVAL,
                         "file_writer_open: durability %d for '%s' is not full or none",
                         (int)durability, path);
  w->io =
      (dckpt_io_opts){.durable = durability == DCKPT_DURABILITY_FULL, .label = "file"};
  DCKPT_TRY(dckpt_atomic_begin(&w->file, path, &w->io, &w->err));
  w->state = WRITER_OPEN;
  return DCKPT_OK;
}

/* EINVAL for a writer that has no temporary; its own failure wins. */
static int require_open(dckpt_file_writer *w, const char *call) {
  if (w->state == WRITER_OPEN || w->err.status != DCKPT_OK) return w->err.status;
  return dckpt_err_set(&w->err, DCKPT_EINVAL, "%s: the writer is already committed",
                       call);
}

int dckpt_file_writer_write(dckpt_file_writer *w, const void *data, size_t len) {
  if (!w) return DCKPT_EINVAL;
  DCKPT_TRY(require_open(w, "file_writer_write"));
  if (!data && len > 0)
    return dckpt_err_set(&w->err, DCKPT_EINVAL,
                         "file_writer_write: NULL data of %zu bytes for '%s'", len,
                         w->file.final_path);
  return dckpt_atomic_write(&w->file, data, len, &w->err);
}

int dckpt_file_writer_commit(dckpt_file_writer *w) {
  if (!w) return DCKPT_EINVAL;
  if (w->state != WRITER_OPEN) {
    /* A second commit, or one after a failed open, says so whatever failed
     * before; the first failure stays the message. */
    int rc = w->err.status != DCKPT_OK ? w->err.status : DCKPT_EINVAL;
    if (w->err.status == DCKPT_OK)
      dckpt_err_set(&w->err, rc, "file_writer_commit: the writer is already committed");
    return rc;
  }
  w->state = WRITER_DONE;
  if (w->err.status != DCKPT_OK) {
    dckpt_atomic_abort(&w->file);
    return w->err.status;
  }
  return dckpt_atomic_commit(&w->file, &w->err); /* releases the file either way */
}

const char *dckpt_file_writer_errmsg(const dckpt_file_writer *w) {
  return w ? w->err.msg : "";
}

void dckpt_file_writer_free(dckpt_file_writer *w) {
  if (!w) return;
  if (w->state == WRITER_OPEN) dckpt_atomic_abort(&w->file);
  free(w);
}

/* ---- deprecated in 0.2 (dckpt.h), on top of the writer; delete in 0.3 ---- */

int dckpt_file_write_atomic(const char *path, const void *data, size_t len, bool durable,
                            char *errbuf, size_t errlen) {
  dckpt_file_writer *w = NULL;
  int rc = dckpt_file_writer_open(
      path, durable ? DCKPT_DURABILITY_FULL : DCKPT_DURABILITY_NONE, &w);
  if (rc == DCKPT_OK) rc = dckpt_file_writer_write(w, data, len);
  if (rc == DCKPT_OK) rc = dckpt_file_writer_commit(w);
  if (errbuf && errlen)
    snprintf(errbuf, errlen, "%s", w ? dckpt_file_writer_errmsg(w) : "out of memory");
  dckpt_file_writer_free(w);
  return rc;
}
