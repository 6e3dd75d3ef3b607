/* Numeric CSV tables: one header row of column names, then rows of numbers. */
#ifndef OPT_CSV_H
#define OPT_CSV_H

#include <stddef.h>

typedef struct opt_table {
  size_t rows, cols;
  char **names;   /* cols column names from the header row */
  double *values; /* rows x cols, row-major */
  size_t *lines;  /* rows: the 1-based file line of each row, for messages */
} opt_table;

/**
 * Reads `path`: comma-separated, first non-blank line the header, every other
 * non-blank line exactly one finite number per column (surrounding blanks and
 * a trailing CR are ignored; names may be in double quotes).
 * @return DCKPT_OK, DCKPT_ENOENT / DCKPT_EIO (file), DCKPT_EINVAL (content:
 *         the message names the file, line and column) or DCKPT_ENOMEM.
 *         On failure *out is left empty.
 */
int opt_csv_read(const char *path, opt_table *out, char *err, size_t errlen);

/** Index of the column called `name`, or -1. */
long opt_table_column(const opt_table *t, const char *name);

/** Frees the table's arrays and empties it. Accepts an empty table. */
void opt_table_free(opt_table *t);

#endif
