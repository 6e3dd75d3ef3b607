#include "errmsg.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int report_errf(char *err, size_t errlen, const char *fmt, ...) {
  if (err && errlen > 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
  }
  return -1;
}

int report_errno(char *err, size_t errlen, int errnum, const char *fmt, ...) {
  if (err && errlen > 0) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    /* strerror is not thread-safe; strerror_r's POSIX form is. */
    char why[128] = "unknown error";
    if (strerror_r(errnum, why, sizeof why) != 0)
      snprintf(why, sizeof why, "errno %d", errnum);
    if (n >= 0 && (size_t)n < errlen) snprintf(err + n, errlen - (size_t)n, ": %s", why);
  }
  return -1;
}
