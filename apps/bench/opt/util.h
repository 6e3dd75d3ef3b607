/* Small helpers shared by the files of dckpt_opt: error messages into a
 * caller's buffer and overflow-checked allocation sizes. */
#ifndef OPT_UTIL_H
#define OPT_UTIL_H

#include <stdbool.h>
#include <stddef.h>

/** Formats a message into err[errlen] (when err is non-NULL) and returns `status`,
 *  so that a failure reads `return opt_fail(err, errlen, DCKPT_EINVAL, ...)`. */
int opt_fail(char *err, size_t errlen, int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/** a * b, or false when it overflows size_t. */
bool opt_mul_size(size_t a, size_t b, size_t *out);

/** calloc of n doubles (NULL when n * 8 overflows or memory runs out); n == 0
 *  still returns a unique pointer so that NULL always means failure. */
double *opt_alloc_f64(size_t n);

#endif
