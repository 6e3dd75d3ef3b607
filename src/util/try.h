/* Early-return helpers in the style of zstd's error_private.h, for functions
 * that return a dckpt status. Header-only, so that the runtime library, which
 * links only libdckpt's public API, shares them. */
#ifndef DCKPT_UTIL_TRY_H
#define DCKPT_UTIL_TRY_H

#include "dckpt.h"

/** Returns from the calling function with the status of `expr` unless OK. */
#define DCKPT_TRY(expr)                                                                  \
  do {                                                                                   \
    int dckpt_try_rc_ = (expr);                                                          \
    if (dckpt_try_rc_ != DCKPT_OK) return dckpt_try_rc_;                                 \
  } while (0)

#endif
