#include "util/json_diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_value(const cJSON *v, char *out, size_t len) {
  if (!v) {
    snprintf(out, len, "(absent)");
    return;
  }
  char *text = cJSON_PrintUnformatted(v);
  if (!text) {
    snprintf(out, len, "?");
    return;
  }
  size_t n = strlen(text);
  if (n < len)
    memcpy(out, text, n + 1);
  else
    snprintf(out, len, "%.*s...", (int)(len - 4), text);
  free(text);
}

static bool differ(const cJSON *a, const cJSON *b, dckpt_json_diff *d) {
  if (d) {
    print_value(a, d->left, sizeof d->left);
    print_value(b, d->right, sizeof d->right);
  }
  return false;
}

/* Appends ".key" or "[i]" to the path; restores it when the values agree. */
static bool equal_at(const cJSON *a, const cJSON *b, dckpt_json_diff *d, const char *key,
                     int index);

static bool equal_objects(const cJSON *a, const cJSON *b, dckpt_json_diff *d) {
  for (const cJSON *x = a->child; x; x = x->next)
    if (!equal_at(x, cJSON_GetObjectItemCaseSensitive(b, x->string), d, x->string, -1))
      return false;
  for (const cJSON *y = b->child; y; y = y->next)
    if (!cJSON_GetObjectItemCaseSensitive(a, y->string))
      return equal_at(NULL, y, d, y->string, -1);
  return true;
}

static bool equal_arrays(const cJSON *a, const cJSON *b, dckpt_json_diff *d) {
  const cJSON *x = a->child, *y = b->child;
  for (int i = 0; x || y; i++, x = x ? x->next : NULL, y = y ? y->next : NULL)
    if (!equal_at(x, y, d, NULL, i)) return false;
  return true;
}

static bool equal_values(const cJSON *a, const cJSON *b, dckpt_json_diff *d) {
  if (!a || !b) return a == b || differ(a, b, d);
  int ta = a->type & 0xFF, tb = b->type & 0xFF;
  if (ta != tb) return differ(a, b, d);
  switch (ta) {
  case cJSON_Object: return equal_objects(a, b, d);
  case cJSON_Array: return equal_arrays(a, b, d);
  case cJSON_Number: return a->valuedouble == b->valuedouble || differ(a, b, d);
  case cJSON_String:
  case cJSON_Raw:
    return (a->valuestring && b->valuestring &&
            !strcmp(a->valuestring, b->valuestring)) ||
           differ(a, b, d);
  default: return true; /* true, false, null: the type says it all */
  }
}

static bool equal_at(const cJSON *a, const cJSON *b, dckpt_json_diff *d, const char *key,
                     int index) {
  size_t mark = d ? strlen(d->path) : 0;
  if (d) {
    size_t room = sizeof d->path - mark;
    if (key)
      snprintf(d->path + mark, room, "%s%s", mark ? "." : "", key);
    else
      snprintf(d->path + mark, room, "[%d]", index);
  }
  bool same = equal_values(a, b, d);
  if (same && d) d->path[mark] = '\0';
  return same;
}

bool dckpt_json_equal(const cJSON *a, const cJSON *b, dckpt_json_diff *d) {
  if (d) memset(d, 0, sizeof *d);
  return equal_values(a, b, d);
}
