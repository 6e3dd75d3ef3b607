/* "utf8.h", not "util/utf8.h": apps/ compile this file too (app_utf8.h). */
#include "utf8.h"

#include <stdio.h>
#include <string.h>

size_t dckpt_utf8_seq(const unsigned char *p, size_t n, size_t *bad) {
  size_t bad_len = 1;
  unsigned char c = p[0];
  if (c < 0x80) return 1;
  size_t more;                        /* continuation bytes */
  unsigned char lo = 0x80, hi = 0xBF; /* the range of the first of them */
  if (c >= 0xC2 && c <= 0xDF) {
    more = 1;
  } else if (c >= 0xE0 && c <= 0xEF) {
    more = 2;
    if (c == 0xE0) lo = 0xA0; /* overlong below */
    if (c == 0xED) hi = 0x9F; /* surrogates above */
  } else if (c >= 0xF0 && c <= 0xF4) {
    more = 3;
    if (c == 0xF0) lo = 0x90; /* overlong below */
    if (c == 0xF4) hi = 0x8F; /* past U+10FFFF above */
  } else {
    more = 0; /* 80..C1, F5..FF: never a lead byte */
  }
  size_t i = 1;
  for (; more > 0 && i <= more && i < n; i++)
    if (p[i] < (i == 1 ? lo : 0x80) || p[i] > (i == 1 ? hi : 0xBF)) break;
  if (more > 0 && i == more + 1) return more + 1;
  bad_len = i; /* the lead byte and the continuation bytes that fitted */
  if (bad) *bad = bad_len;
  return 0;
}

const char *dckpt_utf8_piece(const char *s, size_t n, size_t *piece_len, size_t *used) {
  size_t bad = 1, k = dckpt_utf8_seq((const unsigned char *)s, n, &bad);
  if (k) {
    *piece_len = *used = k;
    return s;
  }
  *piece_len = 3;
  *used = bad;
  return "\xEF\xBF\xBD"; /* U+FFFD */
}

bool dckpt_utf8_valid(const char *s, size_t len, size_t *bad_at) {
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; i < len;) {
    size_t n = dckpt_utf8_seq(p + i, len - i, NULL);
    if (n == 0) {
      if (bad_at) *bad_at = i;
      return false;
    }
    i += n;
  }
  return true;
}

bool dckpt_utf8_for_json(const char *text, const char *what, char *msg, size_t len) {
  size_t at = 0;
  if (dckpt_utf8_valid(text, strlen(text), &at)) return true;
  snprintf(msg, len,
           "%s is not UTF-8: byte 0x%02x at offset %zu (the JSON files dckpt writes hold "
           "UTF-8 only)",
           what, (unsigned char)text[at], at);
  return false;
}

size_t dckpt_utf8_mend(const char *in, char *out, size_t cap) {
  size_t n = strlen(in), at = 0, o = 0;
  while (at < n) {
    size_t len, used;
    const char *piece = dckpt_utf8_piece(in + at, n - at, &len, &used);
    if (o + len >= cap) break;
    memcpy(out + o, piece, len);
    o += len;
    at += used;
  }
  out[o] = '\0';
  return o;
}
