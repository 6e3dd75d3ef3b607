/* Error messages into the caller's buffer. */
#ifndef DCKPT_REPORT_ERRMSG_H
#define DCKPT_REPORT_ERRMSG_H

#include <stddef.h>

/** Formats a message into err (if any) and returns -1. */
int report_errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Like report_errf, followed by ": <strerror(errnum)>". */
int report_errno(char *err, size_t errlen, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
