/* Number formatting shared by the table writers and the plot labels. */
#ifndef DCKPT_REPORT_NUMFMT_H
#define DCKPT_REPORT_NUMFMT_H

#include <stddef.h>

/** Significant digits shown in human-readable tables. */
#define REPORT_SIG_DIGITS 4

/** "%.4g" with a compact exponent ("1.5e-5"), -0 shown as 0, and non-finite
 *  values as "nan", "inf", "-inf". */
void fmt_sig(double v, char *buf, size_t n);

/** The shortest "%.<p>g" (p <= 17) that reads back to exactly `v`, so a CSV
 *  consumer gets the bits the table was computed from. NaN gives "nan". */
void fmt_exact(double v, char *buf, size_t n);

/** fmt_sig as LaTeX math content: "1.234\times 10^{-5}", "-3.2", "0". */
void fmt_tex(double v, char *buf, size_t n);

/** Display width in columns of a UTF-8 string (one per code point). */
size_t utf8_width(const char *s);

#endif
