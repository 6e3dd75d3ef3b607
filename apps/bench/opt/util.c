#include "opt/util.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int opt_fail(char *err, size_t errlen, int status, const char *fmt, ...) {
  if (err && errlen > 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
  }
  return status;
}

bool opt_mul_size(size_t a, size_t b, size_t *out) {
  if (a != 0 && b > SIZE_MAX / a) return false;
  *out = a * b;
  return true;
}

double *opt_alloc_f64(size_t n) {
  if (n > SIZE_MAX / sizeof(double)) return NULL;
  return calloc(n ? n : 1, sizeof(double));
}
