/* JSON helpers over cJSON: parsing text that must hold an object, and typed
 * field access with messages that name the file and the key. Reading and
 * writing JSON files is io/json_file's. */
#ifndef DCKPT_UTIL_JSON_H
#define DCKPT_UTIL_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

/** Parses text that must be a JSON object that holds each of its own keys
 *  once (dckpt_json_check_unique_keys; objects within are not checked: runs
 *  written before this rule may hold the user's objects with a key twice);
 *  `what` names it in messages. */
int dckpt_json_parse_object(const char *text, const char *what, cJSON **out,
                            dckpt_err *err);

/** The key of the first member of the object `node` that an earlier member
 *  already has, or NULL when its keys are unique; with `nested`, of every
 *  object under `node` too (depth first). `*oom` is set when memory ran out
 *  (NULL is then no answer). cJSON keeps both members and its lookups find
 *  the first; Python and jq take the last: such a text means two different
 *  things to two readers. */
const char *dckpt_json_repeated_key(const cJSON *node, bool nested, bool *oom);

/** DCKPT_ECORRUPT when the object `node` (with `nested`, or any object under
 *  it) holds a key twice, the message "<what>: key "<key>" appears twice in
 *  one object (...)"; DCKPT_ENOMEM when that could not be checked. */
int dckpt_json_check_unique_keys(const cJSON *node, bool nested, const char *what,
                                 dckpt_err *err);

/** DCKPT_EINVAL when a caller's string `text` (NUL-terminated), bound for a
 *  JSON file, is not UTF-8: the message names `what`, the first bad byte and
 *  its offset ("<what> is not UTF-8: byte 0xff at offset 3 ..."). Files read
 *  back are not checked: only what dckpt is asked to write. */
int dckpt_json_require_utf8(const char *text, const char *what, dckpt_err *err);

/** The first number under `node` (depth first) that is not finite, or NULL:
 *  cJSON reads 1e999 as infinity and prints it as null. `*key` (set by the
 *  caller to a name for the top) becomes the nearest key above it. */
const cJSON *dckpt_json_non_finite(const cJSON *node, const char **key);

/** Parses a caller's text that dckpt is asked to write as a JSON object
 *  (metadata.json's objects, a record's JSON header): it must be exactly one
 *  object that every JSON reader reads alike, so it must be UTF-8
 *  (dckpt_json_require_utf8), hold nothing but white space after the object
 *  (dckpt_json_parse_object), no key twice in any object, however deep
 *  (dckpt_json_check_unique_keys) and no number beyond a double's range
 *  (dckpt_json_non_finite). DCKPT_EINVAL otherwise, the message naming `what`
 *  and the cause; DCKPT_ENOMEM. */
int dckpt_json_parse_caller_object(const char *text, const char *what, cJSON **out,
                                   dckpt_err *err);

/** Reads an integer field (a JSON number with no fraction, within int64).
 *  ECORRUPT naming `file` and `key` when missing or of the wrong type. */
int dckpt_json_get_i64(const cJSON *obj, const char *key, const char *file, int64_t *out,
                       dckpt_err *err);
/** Reads a non-negative integer that may exceed 2^53 when stored as a string. */
int dckpt_json_get_u64(const cJSON *obj, const char *key, const char *file, uint64_t *out,
                       dckpt_err *err);
/** Reads a string field; the pointer is owned by `obj`. */
int dckpt_json_get_str(const cJSON *obj, const char *key, const char *file,
                       const char **out, dckpt_err *err);

#endif
