#include "io/json_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/fs.h"
#include "util/json.h"

int dckpt_json_load(const char *path, cJSON **out, dckpt_err *err) {
  *out = NULL;
  char *text = NULL;
  size_t len = 0;
  DCKPT_TRY(dckpt_read_file(path, DCKPT_JSON_MAX_FILE, &text, &len, err));
  return dckpt_json_parse_file_text(text, len, path, out, err);
}

int dckpt_json_parse_file_text(char *text, size_t len, const char *path, cJSON **out,
                               dckpt_err *err) {
  *out = NULL;
  if (strlen(text) != len) {
    free(text);
    return dckpt_err_set(err, DCKPT_ECORRUPT, "'%s': malformed JSON (NUL byte inside)",
                         path);
  }
  char what[1100];
  snprintf(what, sizeof what, "'%s'", path);
  int rc = dckpt_json_parse_object(text, what, out, err);
  free(text);
  return rc;
}

int dckpt_json_check_readable(const char *path, const cJSON *obj, dckpt_err *err) {
  const char *key = "(top level)";
  if (dckpt_json_non_finite(obj, &key))
    return dckpt_err_set(err, DCKPT_EINVAL,
                         "'%s' not written (left as it was): key \"%s\" holds a number "
                         "beyond the range of a double (such as 1e999), which would be "
                         "stored as null",
                         path, key);
  char *text = cJSON_PrintUnformatted(obj);
  if (!text) return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory printing '%s'", path);
  size_t len = strlen(text) + 1; /* the final newline */
  int rc = DCKPT_OK;
  if (len > DCKPT_JSON_MAX_FILE) {
    rc = dckpt_err_set(err, DCKPT_ETOOBIG,
                       "'%s' not written (left as it was): it would be %zu bytes, more "
                       "than the %llu bytes a JSON file of a run may hold",
                       path, len, (unsigned long long)DCKPT_JSON_MAX_FILE);
  } else {
    cJSON *back = cJSON_ParseWithLength(text, len - 1);
    if (!back)
      rc = dckpt_err_set(err, DCKPT_EINVAL,
                         "'%s' not written (left as it was): it could not be read back "
                         "(objects and arrays nested deeper than %d levels)",
                         path, CJSON_NESTING_LIMIT);
    cJSON_Delete(back);
  }
  cJSON_free(text);
  return rc;
}

int dckpt_json_save(const char *path, const cJSON *obj, const dckpt_io_opts *io,
                    dckpt_err *err) {
  char *text = cJSON_PrintUnformatted(obj);
  if (!text) return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory printing '%s'", path);
  size_t len = strlen(text);
  text[len] = '\n'; /* overwrite NUL: files end with a newline */
  int rc = dckpt_io_write_file(path, text, len + 1, io, err);
  free(text);
  return rc;
}
