/* Errors, the HDF5 lock and attribute helpers of the container library. */
#define _GNU_SOURCE /* PTHREAD_MUTEX_RECURSIVE */
#include "container/ctr.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "container/h5zstd.h"
#include "container/layout.h"

int ctr_status_of_errno(int errnum) {
  switch (errnum) {
  case ENOENT:
  case ENOTDIR: return DCKPT_ENOENT;
  case EEXIST: return DCKPT_EEXIST;
  case ENOSPC:
  case EDQUOT: return DCKPT_ENOSPC;
  case EACCES:
  case EPERM:
  case EROFS: return DCKPT_EACCES;
  case ENOMEM: return DCKPT_ENOMEM;
  case ENOTEMPTY: return DCKPT_ENOTEMPTY;
  case EFBIG: return DCKPT_ETOOBIG;
  default: return DCKPT_EIO;
  }
}

static void vfail(ctr_err *e, int status, const char *fmt, va_list ap) {
  e->status = status;
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
}

int ctr_fail(ctr_err *e, int status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfail(e, status, fmt, ap);
  va_end(ap);
  return status;
}

int ctr_fail_errno(ctr_err *e, int errnum, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfail(e, ctr_status_of_errno(errnum), fmt, ap);
  va_end(ap);
  size_t n = strlen(e->msg);
  snprintf(e->msg + n, sizeof e->msg - n, ": %s", strerror(errnum));
  return e->status;
}

/* Collects the descriptions of HDF5's error stack, innermost last, skipping
 * repeats; the innermost usually says why (e.g. "No space left on device"). */
typedef struct stack_text {
  char buf[600];
  size_t len;
  int n;
} stack_text;

static herr_t walk_error(unsigned n, const H5E_error2_t *err, void *ctx) {
  (void)n;
  stack_text *t = ctx;
  const char *d = err->desc ? err->desc : "";
  if (!d[0] || strstr(t->buf, d) || t->n >= 3) return 0;
  int w = snprintf(t->buf + t->len, sizeof t->buf - t->len, "%s%s", t->n ? "; " : "", d);
  if (w > 0 && (size_t)w < sizeof t->buf - t->len) t->len += (size_t)w;
  t->n++;
  return 0;
}

int ctr_fail_h5(ctr_err *e, int status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfail(e, status, fmt, ap);
  va_end(ap);
  stack_text t = {"", 0, 0};
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, walk_error, &t);
  H5Eclear2(H5E_DEFAULT);
  if (t.n) {
    size_t n = strlen(e->msg);
    snprintf(e->msg + n, sizeof e->msg - n, " (HDF5: %s)", t.buf);
    if (strstr(t.buf, "No space left") && status == DCKPT_EIO) e->status = DCKPT_ENOSPC;
  }
  return e->status;
}

/* Recursive: an entry point may call another (open_store opens a container). */
static pthread_mutex_t h5_lock;
static pthread_once_t h5_once = PTHREAD_ONCE_INIT;
static int h5_depth;
static H5E_auto2_t saved_func;
static void *saved_data;

static void init_once(void) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init(&h5_lock, &attr);
  pthread_mutexattr_destroy(&attr);
}

void ctr_h5_enter(void) {
  pthread_once(&h5_once, init_once);
  pthread_mutex_lock(&h5_lock);
  if (h5_depth++ == 0) {
    H5Eget_auto2(H5E_DEFAULT, &saved_func, &saved_data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    /* every time: parallel HDF5 shuts itself down in MPI_Finalize, and a
     * later call starts it afresh, without the filter */
    (void)dckpt_h5zstd_register();
  }
}

void ctr_h5_leave(void) {
  if (--h5_depth == 0) {
    H5Eclear2(H5E_DEFAULT);
    H5Eset_auto2(H5E_DEFAULT, saved_func, saved_data);
  }
  pthread_mutex_unlock(&h5_lock);
}

void ctr_h5_close(hid_t id) {
  if (id < 0) return;
  switch (H5Iget_type(id)) {
  case H5I_FILE: H5Fclose(id); break;
  case H5I_GROUP: H5Gclose(id); break;
  case H5I_DATASET: H5Dclose(id); break;
  case H5I_DATASPACE: H5Sclose(id); break;
  case H5I_DATATYPE: H5Tclose(id); break;
  case H5I_ATTR: H5Aclose(id); break;
  case H5I_GENPROP_LST: H5Pclose(id); break;
  default: break;
  }
}

hid_t ctr_pool_type(int p) {
  switch (p) {
  case CTR_POOL_F64: return H5T_IEEE_F64LE;
  case CTR_POOL_F32: return H5T_IEEE_F32LE;
  case CTR_POOL_I64: return H5T_STD_I64LE;
  case CTR_POOL_U64: return H5T_STD_U64LE;
  default: return H5T_STD_U8LE;
  }
}

static int write_attr(hid_t obj, const char *name, hid_t type, const void *v,
                      ctr_err *e) {
  hid_t space = H5Screate(H5S_SCALAR);
  hid_t a =
      space >= 0 ? H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT) : -1;
  herr_t rc = a >= 0 ? H5Awrite(a, type, v) : -1;
  ctr_h5_close(a);
  ctr_h5_close(space);
  return rc < 0 ? ctr_fail_h5(e, DCKPT_EIO, "cannot write attribute '%s'", name)
                : DCKPT_OK;
}

int ctr_attr_write_u64(hid_t obj, const char *name, uint64_t v, ctr_err *e) {
  return write_attr(obj, name, H5T_STD_U64LE, &v, e);
}

int ctr_attr_write_i64(hid_t obj, const char *name, int64_t v, ctr_err *e) {
  return write_attr(obj, name, H5T_STD_I64LE, &v, e);
}

int ctr_attr_write_str(hid_t obj, const char *name, const char *v, ctr_err *e) {
  hid_t t = H5Tcopy(H5T_C_S1);
  if (t < 0 || H5Tset_size(t, strlen(v) ? strlen(v) : 1) < 0 ||
      H5Tset_strpad(t, H5T_STR_NULLPAD) < 0) {
    ctr_h5_close(t);
    return ctr_fail_h5(e, DCKPT_EIO, "cannot make the type of attribute '%s'", name);
  }
  int rc = write_attr(obj, name, t, v, e);
  H5Tclose(t);
  return rc;
}

int ctr_attr_read_i64(hid_t obj, const char *name, const char *file, int64_t *v,
                      ctr_err *e) {
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  hid_t t = a >= 0 ? H5Aget_type(a) : -1;
  hid_t s = a >= 0 ? H5Aget_space(a) : -1;
  bool ok = t >= 0 && H5Tget_class(t) == H5T_INTEGER && s >= 0 &&
            H5Sget_simple_extent_npoints(s) == 1 && H5Aread(a, H5T_NATIVE_INT64, v) >= 0;
  ctr_h5_close(s);
  ctr_h5_close(t);
  ctr_h5_close(a);
  if (!ok)
    return ctr_fail_h5(e, DCKPT_ECORRUPT,
                       "'%s': root attribute '%s' is missing or not one integer", file,
                       name);
  return DCKPT_OK;
}

int ctr_attr_read_str(hid_t obj, const char *name, const char *file, char *buf,
                      size_t len, ctr_err *e) {
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  hid_t t = a >= 0 ? H5Aget_type(a) : -1;
  hid_t s = a >= 0 ? H5Aget_space(a) : -1;
  size_t size = t >= 0 ? H5Tget_size(t) : 0;
  bool ok = t >= 0 && H5Tget_class(t) == H5T_STRING && !H5Tis_variable_str(t) &&
            size > 0 && size < len && s >= 0 && H5Sget_simple_extent_npoints(s) == 1;
  if (ok) {
    memset(buf, 0, len);
    ok = H5Aread(a, t, buf) >= 0;
  }
  ctr_h5_close(s);
  ctr_h5_close(t);
  ctr_h5_close(a);
  if (!ok)
    return ctr_fail_h5(e, DCKPT_ECORRUPT,
                       "'%s': root attribute '%s' is missing or not a short string", file,
                       name);
  return DCKPT_OK;
}

/* Agrees on the outcome of a step every rank took: the status of the lowest
 * rank that failed (with its message), or DCKPT_OK everywhere. */
int ctr_agree(MPI_Comm comm, int rank, int status, ctr_err *e) {
  int mine = status != DCKPT_OK ? rank : INT32_MAX, first = INT32_MAX;
  MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
  if (first == INT32_MAX) return DCKPT_OK;
  int st = status;
  MPI_Bcast(&st, 1, MPI_INT, first, comm);
  MPI_Bcast(e->msg, (int)sizeof e->msg, MPI_CHAR, first, comm);
  e->status = st;
  return st;
}
