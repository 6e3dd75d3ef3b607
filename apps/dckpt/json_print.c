/* Pretty JSON output: two-space indentation, and an object or array whose
 * members are all scalars on one line when it is short (cJSON_Print indents
 * with tabs and puts every value of a long list on its own line).
 *
 * The output is UTF-8 whatever bytes the strings hold (paths and array names
 * come from disk, cJSON copies bytes as given): a string that is not UTF-8 is
 * written with U+FFFD for each maximal ill-formed subsequence (the Unicode
 * practice, as Python's errors="replace"), and an object member whose value
 * is such a string is followed by "<name>_hex": its exact bytes in lowercase
 * hex (docs/cli.md, "JSON output"). UTF-8 strings are written as they are. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app_utf8.h"
#include "cli.h"

#define INLINE_MAX 88 /* longest one-line object or array */

bool cli_utf8_valid(const char *s) {
  return dckpt_utf8_valid(s, strlen(s), NULL);
}

cJSON *cli_json_parse(const char *text) {
  return text && cli_utf8_valid(text) ? cJSON_Parse(text) : NULL;
}

/* The characters of s between the quotes of a JSON string. */
static void write_chars(cli_buf *b, const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    size_t used = 1;
    if (*p == '"' || *p == '\\')
      cli_buf_printf(b, "\\%c", *p);
    else if (*p == '\n')
      cli_buf_printf(b, "\\n");
    else if (*p == '\t')
      cli_buf_printf(b, "\\t");
    else if (*p < 0x20)
      cli_buf_printf(b, "\\u%04x", *p);
    else {
      /* a well-formed sequence, or U+FFFD for an ill-formed one (the
       * library's one owner of that, app_utf8.h); no length is needed: the
       * NUL ending s is never a continuation byte, so nothing past it is read */
      size_t len;
      const char *piece = dckpt_utf8_piece((const char *)p, SIZE_MAX, &len, &used);
      cli_buf_printf(b, "%.*s", (int)len, piece);
    }
    p += used;
  }
}

static void write_string(cli_buf *b, const char *s) {
  cli_buf_printf(b, "\"");
  write_chars(b, s);
  cli_buf_printf(b, "\"");
}

/* An object member whose value is a string that is not UTF-8: it gets a
 * "<name>_hex" companion. */
static bool needs_hex(const cJSON *member) {
  return cJSON_IsString(member) && member->valuestring &&
         !cli_utf8_valid(member->valuestring);
}

/* "<name>_hex": "<the value's bytes in hex>" */
static void write_hex_member(cli_buf *b, const cJSON *member) {
  cli_buf_printf(b, "\"");
  write_chars(b, member->string);
  cli_buf_printf(b, "_hex\": \"");
  for (const unsigned char *p = (const unsigned char *)member->valuestring; *p; p++)
    cli_buf_printf(b, "%02x", *p);
  cli_buf_printf(b, "\"");
}

static bool is_container(const cJSON *item) {
  return cJSON_IsObject(item) || cJSON_IsArray(item);
}

static void write_scalar(cli_buf *b, const cJSON *item) {
  if (cJSON_IsString(item)) {
    write_string(b, item->valuestring);
    return;
  }
  char *text = cJSON_PrintUnformatted(item);
  if (!text) {
    b->failed = true;
    return;
  }
  cli_buf_printf(b, "%s", text);
  cJSON_free(text);
}

/* Writes a container of scalars on one line if it fits; false otherwise
 * (nothing written). */
static bool write_inline(cli_buf *b, const cJSON *item, int indent) {
  bool obj = cJSON_IsObject(item);
  size_t start = b->len;
  cli_buf_printf(b, obj ? "{" : "[");
  for (const cJSON *c = item->child; c; c = c->next) {
    if (is_container(c) || b->len - start + (size_t)indent > INLINE_MAX) break;
    if (obj) {
      write_string(b, c->string);
      cli_buf_printf(b, ": ");
    }
    write_scalar(b, c);
    if (obj && needs_hex(c)) {
      cli_buf_printf(b, ", ");
      write_hex_member(b, c);
    }
    if (c->next) cli_buf_printf(b, ", ");
    if (!c->next) {
      cli_buf_printf(b, obj ? "}" : "]");
      if (b->len - start + (size_t)indent <= INLINE_MAX) return true;
    }
  }
  if (!b->failed) {
    b->len = start;
    b->data[start] = '\0';
  }
  return false;
}

static void write_value(cli_buf *b, const cJSON *item, int depth) {
  if (!is_container(item)) {
    write_scalar(b, item);
    return;
  }
  bool obj = cJSON_IsObject(item);
  if (!item->child) {
    cli_buf_printf(b, obj ? "{}" : "[]");
    return;
  }
  if (write_inline(b, item, 2 * depth)) return;
  cli_buf_printf(b, obj ? "{" : "[");
  for (const cJSON *c = item->child; c && !b->failed; c = c->next) {
    cli_buf_printf(b, "\n%*s", 2 * (depth + 1), "");
    if (obj) {
      write_string(b, c->string);
      cli_buf_printf(b, ": ");
    }
    write_value(b, c, depth + 1);
    if (obj && needs_hex(c)) {
      cli_buf_printf(b, ",\n%*s", 2 * (depth + 1), "");
      write_hex_member(b, c);
    }
    if (c->next) cli_buf_printf(b, ",");
  }
  cli_buf_printf(b, "\n%*s%s", 2 * depth, "", obj ? "}" : "]");
}

char *cli_json_pretty(const cJSON *item) {
  cli_buf b = {NULL, 0, 0, false};
  write_value(&b, item, 0);
  if (b.failed) {
    cli_buf_free(&b);
    return NULL;
  }
  return b.data;
}

int cli_json_print(const char *cmd, cJSON *doc) {
  char *text = doc ? cli_json_pretty(doc) : NULL;
  cJSON_Delete(doc);
  if (!text) {
    cli_error(cmd, "out of memory while building the JSON output");
    return CLI_EXIT_FAIL;
  }
  fputs(text, stdout);
  fputc('\n', stdout);
  free(text);
  return CLI_EXIT_OK;
}
