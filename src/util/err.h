/* Error detail carried through internal calls: a status and a message that
 * names the file, key or argument and the cause. */
#ifndef DCKPT_UTIL_ERR_H
#define DCKPT_UTIL_ERR_H

#include <stddef.h>

#include "dckpt.h"
#include "util/try.h"

#define DCKPT_ERRMSG_MAX 1024

typedef struct dckpt_err {
  int status;
  char msg[DCKPT_ERRMSG_MAX];
} dckpt_err;

/** Clears `err` (status OK, empty message). */
void dckpt_err_clear(dckpt_err *err);

/** Sets status and a printf-style message; returns `status`. NULL err allowed. */
int dckpt_err_set(dckpt_err *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Sets a status derived from errno value `errnum` and a message that ends with
 *  ": <strerror(errnum)>"; returns the status. */
int dckpt_err_errno(dckpt_err *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Prefixes the current message with more context ("<ctx>: <old message>"). */
int dckpt_err_wrap(dckpt_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/** Maps an errno value to a dckpt status. */
int dckpt_status_from_errno(int errnum);

/** Copies the message of `err` into a caller buffer (may be NULL/0). */
void dckpt_err_copy(const dckpt_err *err, char *buf, size_t len);

#endif
