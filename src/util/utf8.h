/* UTF-8 well-formedness: the one owner of "is this UTF-8, and where does it
 * break" (Unicode Table 3-7: no overlong form, no surrogate, nothing past
 * U+10FFFF). Needs nothing else of the library, so that the programs of
 * apps/ compile this same file (they link only the public API): record names
 * (format/record.c), the caller's strings and JSON texts that reach a JSON
 * file (store/, runtime/), and the command-line tools' input and output. */
#ifndef DCKPT_UTIL_UTF8_H
#define DCKPT_UTIL_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/** Length (1-4) of the well-formed UTF-8 sequence at p, of which at most n
 *  bytes may be read; 0 when there is none, and then *bad (may be NULL) is
 *  the length of the maximal ill-formed subsequence there (a lead byte and
 *  the continuation bytes that could still have completed it, at least 1):
 *  what becomes one U+FFFD when the text is shown. n >= 1. */
size_t dckpt_utf8_seq(const unsigned char *p, size_t n, size_t *bad);

/** The next piece of s[0..n) as text shown to a person or written to a JSON
 *  file: the well-formed sequence at s, or U+FFFD standing for the maximal
 *  ill-formed subsequence there (Unicode's practice, as Python's
 *  errors="replace"). Returns the piece's bytes, *piece_len (1-4) their
 *  count, and *used how many bytes of s it stands for. The one owner of that
 *  replacement (the CLI's JSON output, run_status.json's message). n >= 1. */
const char *dckpt_utf8_piece(const char *s, size_t n, size_t *piece_len, size_t *used);

/** Copies the NUL-terminated `in` to out[0..cap) with each ill-formed
 *  stretch replaced by U+FFFD (dckpt_utf8_piece), whole characters only: it
 *  stops before one that would not fit with the NUL. cap >= 1; `in` and
 *  `out` must not overlap. Returns the bytes written (without the NUL). */
size_t dckpt_utf8_mend(const char *in, char *out, size_t cap);

/** Whether s[0..len) is UTF-8. When it is not, *bad_at (may be NULL) is the
 *  offset of the first byte that does not begin a well-formed sequence. */
bool dckpt_utf8_valid(const char *s, size_t len, size_t *bad_at);

/** Whether the NUL-terminated `text`, bound for a JSON file dckpt writes, is
 *  UTF-8. When it is not, msg[0..len) gets why, naming it by `what`: the one
 *  wording of that refusal, for the library's callers (util/json.c) and
 *  dckpt_run's (runtime/plan.c). */
bool dckpt_utf8_for_json(const char *text, const char *what, char *msg, size_t len);

#endif
