/* Checks of the arguments of the programs (dckpt, dckpt-bench, dckpt-example)
 * that all three make: integer values, and a value option given twice. Each
 * program says a bad integer in its own words (dckpt-bench's are those of its
 * config keys); the rule for reading one is here. */
#ifndef DCKPT_APPS_APP_ARGS_H
#define DCKPT_APPS_APP_ARGS_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

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

/* Reads `text` (NULL reads as nothing) as a plain integer (a '-' only when lo
 * < 0) in lo..hi. @return true with *out set; false, *out untouched. */
static inline bool app_parse_int(const char *text, int64_t lo, int64_t hi, int64_t *out) {
  char *end = NULL;
  errno = 0;
  long long v = text && app_plain_integer(text, lo < 0) ? strtoll(text, &end, 10) : 0;
  if (!end || *end != '\0' || errno == ERANGE || v < lo || v > hi) return false;
  *out = (int64_t)v;
  return true;
}

/* Reads `text` as a plain integer in 0..UINT64_MAX (a seed, a count).
 * @return true with *out set; false, *out untouched. */
static inline bool app_parse_u64(const char *text, uint64_t *out) {
  char *end = NULL;
  errno = 0;
  unsigned long long v =
      text && app_plain_integer(text, false) ? strtoull(text, &end, 10) : 0;
  if (!end || *end != '\0' || errno == ERANGE) return false;
  *out = (uint64_t)v;
  return true;
}

/* Keeps `value` in *seen (NULL until option `opt` is first given). A value
 * option given a second time is refused, in the same words by every program:
 * last-wins ran a command line edited by appending with a value nobody
 * checked. (Switches may repeat: they do not come here.)
 * @return true; false with the message in msg (len bytes). */
static inline bool app_option_once(const char **seen, const char *opt, const char *value,
                                   char *msg, size_t len) {
  if (*seen) {
    snprintf(msg, len, "option '%s' given twice ('%s' and '%s'): give it once", opt,
             *seen, value);
    return false;
  }
  *seen = value;
  return true;
}

#endif
