#include "util/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dckpt_err_clear(dckpt_err *err) {
  if (!err) return;
  err->status = DCKPT_OK;
  err->msg[0] = '\0';
}

__attribute__((format(printf, 3, 0))) static void vset(dckpt_err *err, int status,
                                                       const char *fmt, va_list ap) {
  err->status = status;
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
}

int dckpt_err_set(dckpt_err *err, int status, const char *fmt, ...) {
  if (!err) return status;
  va_list ap;
  va_start(ap, fmt);
  vset(err, status, fmt, ap);
  va_end(ap);
  return status;
}

int dckpt_status_from_errno(int errnum) {
  switch (errnum) {
  case 0: return DCKPT_OK;
  case ENOENT: return DCKPT_ENOENT;
  case ENOTDIR: return DCKPT_ENOTDIR;
  case EEXIST: return DCKPT_EEXIST;
  case ENOSPC:
  case EDQUOT: return DCKPT_ENOSPC;
  case EACCES:
  case EPERM: return DCKPT_EACCES;
  case EROFS: return DCKPT_EROFS;
  case ENOMEM: return DCKPT_ENOMEM;
  case ENOTEMPTY: return DCKPT_ENOTEMPTY;
  case EINVAL:
  case ENAMETOOLONG: return DCKPT_EINVAL;
  case EFBIG: return DCKPT_ETOOBIG;
  default: return DCKPT_EIO;
  }
}

int dckpt_err_errno(dckpt_err *err, int errnum, const char *fmt, ...) {
  int status = dckpt_status_from_errno(errnum);
  if (status == DCKPT_OK) status = DCKPT_EIO;
  if (!err) return status;
  va_list ap;
  va_start(ap, fmt);
  vset(err, status, fmt, ap);
  va_end(ap);
  size_t used = strlen(err->msg);
  if (used < sizeof err->msg - 1)
    snprintf(err->msg + used, sizeof err->msg - used, ": %s", strerror(errnum));
  return status;
}

int dckpt_err_wrap(dckpt_err *err, const char *fmt, ...) {
  if (!err) return DCKPT_EIO;
  char old[DCKPT_ERRMSG_MAX], ctx[DCKPT_ERRMSG_MAX];
  memcpy(old, err->msg, sizeof old);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ctx, sizeof ctx, fmt, ap);
  va_end(ap);
  /* Bounded halves: the context and the cause both stay visible. */
  if (old[0])
    snprintf(err->msg, sizeof err->msg, "%.400s: %.600s", ctx, old);
  else
    snprintf(err->msg, sizeof err->msg, "%s", ctx);
  return err->status;
}

void dckpt_err_copy(const dckpt_err *err, char *buf, size_t len) {
  if (!buf || len == 0) return;
  snprintf(buf, len, "%s", err ? err->msg : "");
}

/* ---- public status helpers ---- */

const char *dckpt_strerror(int status) {
  switch (status) {
#define DCKPT_STATUS_MSG_(name, value, msg)                                              \
  case value: return msg;
    DCKPT_STATUS_MAP(DCKPT_STATUS_MSG_)
#undef DCKPT_STATUS_MSG_
  default: return "unknown status";
  }
}

const char *dckpt_err_name(int status) {
  switch (status) {
#define DCKPT_STATUS_NAME_(name, value, msg)                                             \
  case value: return #name;
    DCKPT_STATUS_MAP(DCKPT_STATUS_NAME_)
#undef DCKPT_STATUS_NAME_
  default: return "EUNKNOWN";
  }
}

void dckpt_free(void *ptr) {
  free(ptr);
}

unsigned dckpt_version_number(void) {
  return DCKPT_VERSION_NUMBER;
}

const char *dckpt_version_string(void) {
  return DCKPT_VERSION_STRING;
}

const char *dckpt_log_level_name(dckpt_log_level level) {
  switch (level) {
  case DCKPT_LOG_DEBUG: return "debug";
  case DCKPT_LOG_INFO: return "info";
  case DCKPT_LOG_WARN: return "warn";
  case DCKPT_LOG_ERROR: return "error";
  }
  return "?";
}
