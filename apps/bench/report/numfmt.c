#include "numfmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static int fmt_nonfinite(double v, char *buf, size_t n) {
  if (isnan(v))
    snprintf(buf, n, "nan");
  else if (isinf(v))
    snprintf(buf, n, "%s", v > 0 ? "inf" : "-inf");
  else
    return 0;
  return 1;
}

/* "1.5e-05" -> "1.5e-5", "4.012e+04" -> "4.012e4": narrower columns, and
 * still what strtod and every spreadsheet read. */
static void compact_exponent(char *s) {
  char *e = strchr(s, 'e');
  if (!e) return;
  char *src = e + 1, *dst = e + 1;
  if (*src == '+')
    src++;
  else if (*src == '-')
    *dst++ = *src++;
  while (*src == '0' && src[1] != '\0')
    src++;
  memmove(dst, src, strlen(src) + 1);
}

void fmt_sig(double v, char *buf, size_t n) {
  if (fmt_nonfinite(v, buf, n)) return;
  if (v == 0.0) v = 0.0; /* folds -0 into +0 */
  snprintf(buf, n, "%.*g", REPORT_SIG_DIGITS, v);
  compact_exponent(buf);
}

void fmt_exact(double v, char *buf, size_t n) {
  if (fmt_nonfinite(v, buf, n)) return;
  if (v == 0.0) v = 0.0;
  for (int p = 1; p <= 17; p++) {
    snprintf(buf, n, "%.*g", p, v);
    if (strtod(buf, NULL) == v) return;
  }
}

void fmt_tex(double v, char *buf, size_t n) {
  char plain[64];
  fmt_sig(v, plain, sizeof plain);
  char *e = strchr(plain, 'e');
  if (!e || !isfinite(v)) {
    snprintf(buf, n, "%s", isfinite(v) ? plain : "\\mathrm{nan}");
    return;
  }
  *e = '\0';
  int exp10 = atoi(e + 1); /* "%g" writes e-05 / e+12: atoi drops the padding */
  snprintf(buf, n, "%s\\times 10^{%d}", plain, exp10);
}

size_t utf8_width(const char *s) {
  size_t w = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80) w++;
  return w;
}
