/* The one test of an integer argument or value of the programs (dckpt,
 * dckpt-bench, dckpt-example) before strtoll/strtoull converts it. */
#ifndef DCKPT_APPS_PLAIN_INTEGER_H
#define DCKPT_APPS_PLAIN_INTEGER_H

#include <stdbool.h>

/* Plain decimal digits, a '-' first only when `negative` allows it, no
 * leading zero: strtoll alone took " 5", "\t5" and "+5", "010" (octal to C
 * and shells) as 10, and strtoull read " -1" as 2^64 - 1. */
static inline bool app_plain_integer(const char *text, bool negative) {
  if (negative && *text == '-') text++;
  if (*text < '0' || *text > '9' || (text[0] == '0' && text[1] != '\0')) return false;
  while (*text >= '0' && *text <= '9')
    text++;
  return *text == '\0';
}

#endif
