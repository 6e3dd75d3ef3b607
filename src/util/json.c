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
    /* cJSON says where it stopped, not why: a whole value followed by more
     * text is worth telling apart from a broken one. */
    cJSON *first = cJSON_Parse(text);
    bool trailing = first != NULL;
    cJSON_Delete(first);
    return dckpt_err_set(err, DCKPT_ECORRUPT, "%s: malformed JSON at byte %ld%s", what,
                         pos,
                         trailing ? " (bytes after the end of the first value)" : "");
  }
  if (!cJSON_IsObject(obj)) {
    cJSON_Delete(obj);
    return dckpt_err_set(err, DCKPT_ECORRUPT, "%s: expected a JSON object", what);
  }
  int rc = dckpt_json_check_unique_keys(obj, false, what, err);
  if (rc != DCKPT_OK) {
    cJSON_Delete(obj);
    return rc;
  }
  *out = obj;
  return DCKPT_OK;
}

static int key_order(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A repeated key among the members of one object: the keys sorted, so an
 * object of a million members costs no more than sorting them. */
static const char *repeated_member(const cJSON *obj, bool *oom) {
  size_t n = 0;
  for (const cJSON *c = obj->child; c; c = c->next)
    n++;
  if (n < 2) return NULL;
  const char *few[16];
  const char **keys = n <= 16 ? few : malloc(n * sizeof *keys);
  if (!keys) {
    *oom = true;
    return NULL;
  }
  size_t k = 0;
  for (const cJSON *c = obj->child; c; c = c->next)
    keys[k++] = c->string ? c->string : "";
  qsort(keys, n, sizeof *keys, key_order);
  const char *found = NULL;
  for (size_t i = 1; i < n && !found; i++)
    if (strcmp(keys[i - 1], keys[i]) == 0) found = keys[i];
  if (keys != few) free(keys);
  return found;
}

const char *dckpt_json_repeated_key(const cJSON *node, bool nested, bool *oom) {
  *oom = false;
  if (!node) return NULL;
  const char *found = cJSON_IsObject(node) ? repeated_member(node, oom) : NULL;
  /* cJSON's nesting limit bounds this recursion (1000 levels). */
  for (const cJSON *c = nested ? node->child : NULL; c && !found && !*oom; c = c->next)
    found = dckpt_json_repeated_key(c, true, oom);
  return found;
}

int dckpt_json_check_unique_keys(const cJSON *node, bool nested, const char *what,
                                 dckpt_err *err) {
  bool oom = false;
  const char *key = dckpt_json_repeated_key(node, nested, &oom);
  if (oom)
    return dckpt_err_set(err, DCKPT_ENOMEM, "%s: out of memory checking its keys", what);
  if (key)
    return dckpt_err_set(err, DCKPT_ECORRUPT,
                         "%s: key \"%.200s\" appears twice in one object (which one "
                         "counts differs from reader to reader)",
                         what, key);
  return DCKPT_OK;
}

const cJSON *dckpt_json_non_finite(const cJSON *node, const char **key) {
  for (const cJSON *c = node ? node->child : NULL; c; c = c->next) {
    const char *was = *key;
    if (c->string) *key = c->string;
    if (cJSON_IsNumber(c) && !isfinite(c->valuedouble)) return c;
    const cJSON *found = dckpt_json_non_finite(c, key);
    if (found) return found;
    *key = was;
  }
  return NULL;
}

int dckpt_json_parse_caller_object(const char *text, const char *what, cJSON **out,
                                   dckpt_err *err) {
  *out = NULL;
  /* cJSON copies a string's bytes as they are: refuse what is not UTF-8. */
  if (dckpt_json_require_utf8(text, what, err)) return DCKPT_EINVAL;
  cJSON *obj = NULL;
  int rc = dckpt_json_parse_object(text, what, &obj, err);
  /* a key twice anywhere: what dckpt reads of it is not what others do */
  if (rc == DCKPT_OK) rc = dckpt_json_check_unique_keys(obj, true, what, err);
  const char *key = "(top level)";
  if (rc == DCKPT_OK && dckpt_json_non_finite(obj, &key))
    rc = dckpt_err_set(err, DCKPT_EINVAL,
                       "%s: key \"%.200s\" holds a number beyond the range of a double "
                       "(such as 1e999: dckpt would write it as null, other readers take "
                       "it as infinity or refuse it)",
                       what, key);
  if (rc != DCKPT_OK) {
    cJSON_Delete(obj);
    /* the caller's text, not a file, is bad; ENOMEM stays what it is */
    if (rc != DCKPT_ENOMEM) rc = DCKPT_EINVAL;
    if (err) err->status = rc;
    return rc;
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
