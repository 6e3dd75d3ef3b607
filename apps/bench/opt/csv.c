#include "opt/csv.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "dckpt.h"
#include "opt/data.h"
#include "opt/util.h"

/* One parse in progress: the growing table plus where we are in the file. */
typedef struct csv_reader {
  const char *path;
  size_t line;
  size_t cap_rows;
  opt_table *t;
  char *err;
  size_t errlen;
} csv_reader;

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t')
    s++;
  size_t n = strlen(s);
  while (n > 0 &&
         (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
    s[--n] = '\0';
  return s;
}

static int parse_header(csv_reader *r, char *line) {
  size_t cols = 1;
  for (const char *p = line; *p; p++)
    cols += (*p == ',');
  if (cols > OPT_MAX_FEATURES + 1) /* the features and the label */
    return opt_fail(r->err, r->errlen, DCKPT_EINVAL,
                    "%s:%zu: %zu columns; at most %d features and a label", r->path,
                    r->line, cols, OPT_MAX_FEATURES);
  r->t->names = calloc(cols, sizeof(char *));
  if (!r->t->names) return opt_fail(r->err, r->errlen, DCKPT_ENOMEM, "out of memory");
  r->t->cols = cols;
  char *field = line;
  for (size_t c = 0; c < cols; c++) {
    char *comma = strchr(field, ',');
    if (comma) *comma = '\0';
    char *name = trim(field);
    size_t n = strlen(name);
    if (n >= 2 && name[0] == '"' && name[n - 1] == '"') {
      name[n - 1] = '\0';
      name++;
    }
    if (*name == '\0')
      return opt_fail(r->err, r->errlen, DCKPT_EINVAL,
                      "%s:%zu: column %zu of the header row has no name", r->path,
                      r->line, c + 1);
    r->t->names[c] = strdup(name);
    if (!r->t->names[c])
      return opt_fail(r->err, r->errlen, DCKPT_ENOMEM, "out of memory");
    field = comma ? comma + 1 : field + strlen(field);
  }
  return DCKPT_OK;
}

static int grow_rows(csv_reader *r) {
  opt_table *t = r->t;
  if (t->rows < r->cap_rows) return DCKPT_OK;
  if (t->rows * t->cols >= OPT_MAX_DATA_VALUES)
    return opt_fail(r->err, r->errlen, DCKPT_EINVAL,
                    "%s:%zu: too much data: more than %zu values (rows x columns)",
                    r->path, r->line, OPT_MAX_DATA_VALUES);
  size_t cap = r->cap_rows ? 2 * r->cap_rows : 64, nvals;
  if (!opt_mul_size(cap, t->cols, &nvals) || nvals > SIZE_MAX / sizeof(double))
    return opt_fail(r->err, r->errlen, DCKPT_ENOMEM, "%s: too many rows", r->path);
  double *v = realloc(t->values, nvals * sizeof(double));
  if (v) t->values = v;
  size_t *l = realloc(t->lines, cap * sizeof(size_t));
  if (l) t->lines = l;
  if (!v || !l) return opt_fail(r->err, r->errlen, DCKPT_ENOMEM, "out of memory");
  r->cap_rows = cap;
  return DCKPT_OK;
}

/* A decimal number as spreadsheets write it: an optional sign, digits with
 * an optional '.', an optional exponent. strtod alone also read hex ("0x10"
 * as 16, "0x1p3" as 8), which no spreadsheet writes. */
static bool decimal_text(const char *s) {
  if (*s == '+' || *s == '-') s++;
  bool digits = false;
  for (; (*s >= '0' && *s <= '9') || *s == '.'; s++)
    digits = digits || *s != '.';
  if (digits && (*s == 'e' || *s == 'E')) {
    s++;
    if (*s == '+' || *s == '-') s++;
    if (*s < '0' || *s > '9') return false;
    while (*s >= '0' && *s <= '9')
      s++;
  }
  return digits && *s == '\0';
}

static int parse_number(csv_reader *r, char *field, size_t c, double *out) {
  char *s = trim(field), *end = NULL;
  errno = 0;
  double v = decimal_text(s) ? strtod(s, &end) : 0;
  /* ERANGE with a finite result is an underflow (1e-320, a subnormal, or 0):
   * a value, not an error; it was refused as "not a finite number" */
  if (!end || *end != '\0' || !isfinite(v))
    return opt_fail(r->err, r->errlen, DCKPT_EINVAL,
                    "%s:%zu: column %zu ('%s'): '%.40s' is not a finite number (%s)",
                    r->path, r->line, c + 1, r->t->names[c], s,
                    end && !*end ? "beyond the range of a double"
                                 : "decimal digits, a '.', an exponent");
  *out = v;
  return DCKPT_OK;
}

static int parse_row(csv_reader *r, char *line) {
  opt_table *t = r->t;
  int rc = grow_rows(r);
  if (rc != DCKPT_OK) return rc;
  double *row = t->values + t->rows * t->cols;
  char *field = line;
  for (size_t c = 0; c < t->cols; c++) {
    char *comma = strchr(field, ',');
    if (!comma && c + 1 < t->cols)
      return opt_fail(r->err, r->errlen, DCKPT_EINVAL,
                      "%s:%zu: %zu fields, the header names %zu columns", r->path,
                      r->line, c + 1, t->cols);
    if (comma && c + 1 == t->cols)
      return opt_fail(r->err, r->errlen, DCKPT_EINVAL,
                      "%s:%zu: more fields than the %zu columns of the header", r->path,
                      r->line, t->cols);
    if (comma) *comma = '\0';
    rc = parse_number(r, field, c, &row[c]);
    if (rc != DCKPT_OK) return rc;
    if (comma) field = comma + 1;
  }
  t->lines[t->rows++] = r->line;
  return DCKPT_OK;
}

static int read_lines(csv_reader *r, FILE *f) {
  char *buf = NULL;
  size_t cap = 0;
  int rc = DCKPT_OK;
  ssize_t len;
  while (rc == DCKPT_OK && (len = getline(&buf, &cap, f)) >= 0) {
    r->line++;
    if ((size_t)len != strlen(buf)) { /* a binary file, not a CSV */
      rc = opt_fail(r->err, r->errlen, DCKPT_EINVAL, "%s:%zu: NUL byte in line", r->path,
                    r->line);
      break;
    }
    if (*trim(buf) == '\0') continue; /* blank lines carry no data */
    /* A UTF-8 byte-order mark (Excel's "CSV UTF-8" writes one) is not part
     * of the first column's name: with it, "label": "y" found no column y. */
    char *line = buf;
    if (r->line == 1 && !strncmp(line, "\xEF\xBB\xBF", 3)) line += 3;
    rc = r->t->names ? parse_row(r, line) : parse_header(r, line);
  }
  if (rc == DCKPT_OK && ferror(f))
    rc = opt_fail(r->err, r->errlen, DCKPT_EIO, "%s: read error after line %zu", r->path,
                  r->line);
  free(buf);
  return rc;
}

int opt_csv_read(const char *path, opt_table *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  FILE *f = fopen(path, "r");
  if (!f)
    return opt_fail(err, errlen, errno == ENOENT ? DCKPT_ENOENT : DCKPT_EIO,
                    "cannot open '%s': %s", path, strerror(errno));
  csv_reader r = {path, 0, 0, out, err, errlen};
  int rc = read_lines(&r, f);
  fclose(f);
  if (rc == DCKPT_OK && !out->names)
    rc = opt_fail(err, errlen, DCKPT_EINVAL, "%s: no header row (the file is empty)",
                  path);
  else if (rc == DCKPT_OK && out->rows == 0)
    rc = opt_fail(err, errlen, DCKPT_EINVAL, "%s: a header row but no data rows", path);
  if (rc != DCKPT_OK) opt_table_free(out);
  return rc;
}

long opt_table_column(const opt_table *t, const char *name) {
  for (size_t c = 0; c < t->cols; c++)
    if (strcmp(t->names[c], name) == 0) return (long)c;
  return -1;
}

void opt_table_free(opt_table *t) {
  if (t->names)
    for (size_t c = 0; c < t->cols; c++)
      free(t->names[c]);
  free(t->names);
  free(t->values);
  free(t->lines);
  memset(t, 0, sizeof *t);
}
