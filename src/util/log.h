/* Internal logging: formats a message and hands it to the application's
 * callback. Prints nothing on its own. */
#ifndef DCKPT_UTIL_LOG_H
#define DCKPT_UTIL_LOG_H

#include "dckpt.h"

typedef struct dckpt_logger {
  dckpt_log_fn fn;
  void *ctx;
  dckpt_log_level min_level;
} dckpt_logger;

void dckpt_log(const dckpt_logger *lg, dckpt_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
