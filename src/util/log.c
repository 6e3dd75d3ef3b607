#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>

void dckpt_log(const dckpt_logger *lg, dckpt_log_level level, const char *fmt, ...) {
  if (!lg || !lg->fn || level < lg->min_level) return;
  char buf[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  lg->fn(lg->ctx, level, buf);
}
