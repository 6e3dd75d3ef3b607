/* Canonical comparison of JSON values, naming the first difference: objects
 * compare by key whatever the order, arrays element by element, numbers
 * exactly, strings byte for byte. */
#ifndef DCKPT_UTIL_JSON_DIFF_H
#define DCKPT_UTIL_JSON_DIFF_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/** Where two values first differ (empty path: at the top), and both values
 *  printed compactly ("(absent)" for a missing key), cut to fit. */
typedef struct dckpt_json_diff {
  char path[256];
  char left[160];
  char right[160];
} dckpt_json_diff;

/** True when `a` and `b` are equal; otherwise false and `d` (may be NULL) says
 *  where. NULL stands for an absent value. */
bool dckpt_json_equal(const cJSON *a, const cJSON *b, dckpt_json_diff *d);

#endif
