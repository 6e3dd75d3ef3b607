/* dckpt dump: array values with full precision, as text or JSON. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "dump.h"

void dump_format_value(const dckpt_array_info *a, uint64_t i, bool json, char *buf,
                       size_t len) {
  const unsigned char *p =
      (const unsigned char *)a->data + i * dckpt_dtype_size(a->dtype);
  switch (a->dtype) {
  case DCKPT_F64: {
    double d;
    memcpy(&d, p, sizeof d);
    if (json && !isfinite(d))
      snprintf(buf, len, "null");
    else
      snprintf(buf, len, "%.17g", d);
    return;
  }
  case DCKPT_F32: {
    float f;
    memcpy(&f, p, sizeof f);
    if (json && !isfinite(f))
      snprintf(buf, len, "null");
    else
      snprintf(buf, len, "%.9g", (double)f);
    return;
  }
  case DCKPT_I64: {
    int64_t v;
    memcpy(&v, p, sizeof v);
    snprintf(buf, len, "%" PRId64, v);
    return;
  }
  case DCKPT_U64: {
    uint64_t v;
    memcpy(&v, p, sizeof v);
    snprintf(buf, len, "%" PRIu64, v);
    return;
  }
  case DCKPT_BYTES: snprintf(buf, len, "%u", (unsigned)p[0]); return;
  }
  snprintf(buf, len, "?");
}

void dump_print_values(const dckpt_array_info *a, uint64_t count, FILE *out) {
  uint64_t row = a->ndim >= 2 ? a->shape[a->ndim - 1] : 1;
  char buf[64];
  for (uint64_t i = 0; i < count; i++) {
    dump_format_value(a, i, false, buf, sizeof buf);
    fputs(buf, out);
    bool row_end = row == 0 || (i + 1) % row == 0 || i + 1 == count;
    fputc(row_end ? '\n' : ' ', out);
  }
}

cJSON *dump_values_json(const dckpt_array_info *a, uint64_t count) {
  cli_buf b = {NULL, 0, 0, false};
  char buf[64];
  cli_buf_printf(&b, "[");
  for (uint64_t i = 0; i < count && !b.failed; i++) {
    dump_format_value(a, i, true, buf, sizeof buf);
    cli_buf_printf(&b, "%s%s", i ? ", " : "", buf);
  }
  cli_buf_printf(&b, "]");
  cJSON *raw = b.failed ? NULL : cJSON_CreateRaw(b.data);
  cli_buf_free(&b);
  return raw;
}

void dump_format_shape(const dckpt_array_info *a, char *buf, size_t len) {
  size_t used = 0;
  int n = snprintf(buf, len, "[");
  for (int d = 0; d < a->ndim && n >= 0 && (size_t)n < len - used; d++) {
    used += (size_t)n;
    n = snprintf(buf + used, len - used, "%s%" PRIu64, d ? ", " : "", a->shape[d]);
  }
  if (n >= 0 && (size_t)n < len - used) {
    used += (size_t)n;
    snprintf(buf + used, len - used, "]");
  }
}
