#include "util/json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

/* Whether the brackets of `text` up to `end` open more than cJSON's nesting
 * limit (cJSON then fails there with no word of why). Strings are skipped. */
static bool too_deep(const char *text, const char *end) {
  long depth = 0;
  bool in_string = false;
  for (const char *p = text; *p && (!end || p <= end); p++) {
    if (in_string) {
      if (*p == '\\' && p[1])
        p++;
      else if (*p == '"')
        in_string = false;
    } else if (*p == '"') {
      in_string = true;
    } else if (*p == '[' || *p == '{') {
      if (++depth > CJSON_NESTING_LIMIT) return true;
    } else if (*p == ']' || *p == '}') {
      depth--;
    }
  }
  return false;
}

int dckpt_json_parse_object(const char *text, const char *what, cJSON **out,
                            dckpt_err *err) {
  *out = NULL;
  const char *end = NULL;
  cJSON *obj = cJSON_ParseWithOpts(text, &end, 1);
  if (!obj) {
    long pos = end ? (long)(end - text) : -1;
    if (too_deep(text, end))
      return dckpt_err_set(err, DCKPT_ECORRUPT,
                           "%s: JSON nested deeper than %d levels (objects and arrays) "
                           "at byte %ld",
                           what, CJSON_NESTING_LIMIT, pos);
    return dckpt_err_set(err, DCKPT_ECORRUPT, "%s: malformed JSON at byte %ld", what,
                         pos);
  }
  if (!cJSON_IsObject(obj)) {
    cJSON_Delete(obj);
    return dckpt_err_set(err, DCKPT_ECORRUPT, "%s: expected a JSON object", what);
  }
  *out = obj;
  return DCKPT_OK;
}

int dckpt_json_require_utf8(const char *text, const char *what, dckpt_err *err) {
  char msg[DCKPT_ERRMSG_MAX];
  if (dckpt_utf8_for_json(text, what, msg, sizeof msg)) return DCKPT_OK;
  return dckpt_err_set(err, DCKPT_EINVAL, "%s", msg);
}

static const cJSON *field(const cJSON *obj, const char *key, const char *file,
                          dckpt_err *err) {
  const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (!item) dckpt_err_set(err, DCKPT_ECORRUPT, "'%s': key \"%s\" is missing", file, key);
  return item;
}

int dckpt_json_get_i64(const cJSON *obj, const char *key, const char *file, int64_t *out,
                       dckpt_err *err) {
  const cJSON *item = field(obj, key, file, err);
  if (!item) return DCKPT_ECORRUPT;
  double v = item->valuedouble;
  if (!cJSON_IsNumber(item) || !isfinite(v) || v != floor(v) || v < -9007199254740992.0 ||
      v > 9007199254740992.0)
    return dckpt_err_set(err, DCKPT_ECORRUPT, "'%s': key \"%s\" must be an integer", file,
                         key);
  *out = (int64_t)v;
  return DCKPT_OK;
}

int dckpt_json_get_u64(const cJSON *obj, const char *key, const char *file, uint64_t *out,
                       dckpt_err *err) {
  const cJSON *item = field(obj, key, file, err);
  if (!item) return DCKPT_ECORRUPT;
  if (cJSON_IsString(item)) {
    const char *s = item->valuestring;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (s[0] >= '0' && s[0] <= '9' && end && *end == '\0' && errno == 0) {
      *out = (uint64_t)v;
      return DCKPT_OK;
    }
  } else {
    int64_t v = 0;
    if (dckpt_json_get_i64(obj, key, file, &v, err) == DCKPT_OK && v >= 0) {
      *out = (uint64_t)v;
      return DCKPT_OK;
    }
  }
  return dckpt_err_set(err, DCKPT_ECORRUPT,
                       "'%s': key \"%s\" must be a non-negative integer", file, key);
}

int dckpt_json_get_str(const cJSON *obj, const char *key, const char *file,
                       const char **out, dckpt_err *err) {
  const cJSON *item = field(obj, key, file, err);
  if (!item) return DCKPT_ECORRUPT;
  if (!cJSON_IsString(item) || !item->valuestring)
    return dckpt_err_set(err, DCKPT_ECORRUPT, "'%s': key \"%s\" must be a string", file,
                         key);
  *out = item->valuestring;
  return DCKPT_OK;
}
