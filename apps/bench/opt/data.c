#include "opt/data.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dckpt_run.h"
#include "opt/csv.h"
#include "opt/linalg.h"
#include "opt/loss.h"
#include "opt/util.h"

static int alloc_raw(opt_raw_data *d, size_t m, size_t f) {
  size_t n;
  memset(d, 0, sizeof *d);
  if (!opt_mul_size(m, f, &n)) return DCKPT_ENOMEM;
  d->X = opt_alloc_f64(n);
  d->y = opt_alloc_f64(m);
  if (!d->X || !d->y) {
    opt_raw_data_free(d);
    return DCKPT_ENOMEM;
  }
  d->m = m;
  d->f = f;
  return DCKPT_OK;
}

static void synth_targets(const opt_problem_spec *spec, opt_raw_data *d,
                          const double *x_true, dckpt_rng *rng) {
  for (size_t r = 0; r < d->m; r++) {
    double z = opt_dot(d->X + r * d->f, x_true, d->f);
    if (spec->kind == OPT_LEAST_SQUARES)
      d->y[r] = z + spec->noise * dckpt_rng_normal(rng);
    else
      d->y[r] = dckpt_rng_uniform(rng) < opt_sigmoid(z) ? 1.0 : -1.0;
  }
}

int opt_data_synthetic(const opt_problem_spec *spec, opt_raw_data *out, char *err,
                       size_t errlen) {
  if (spec->rows == 0 || spec->features == 0 || !(spec->noise >= 0.0))
    return opt_fail(err, errlen, DCKPT_EINVAL,
                    "synthetic data: rows = %zu and features = %zu must be positive and "
                    "noise = %g >= 0",
                    spec->rows, spec->features, spec->noise);
  if (spec->features > OPT_MAX_FEATURES || spec->rows > OPT_MAX_DATA_VALUES ||
      spec->rows * spec->features > OPT_MAX_DATA_VALUES)
    return opt_fail(err, errlen, DCKPT_EINVAL,
                    "synthetic data: rows = %zu x features = %zu is too large (at most "
                    "%d features and %zu values)",
                    spec->rows, spec->features, OPT_MAX_FEATURES, OPT_MAX_DATA_VALUES);
  if (alloc_raw(out, spec->rows, spec->features) != DCKPT_OK)
    return opt_fail(err, errlen, DCKPT_ENOMEM, "synthetic data: out of memory");
  double *x_true = opt_alloc_f64(spec->features);
  if (!x_true) {
    opt_raw_data_free(out);
    return opt_fail(err, errlen, DCKPT_ENOMEM, "synthetic data: out of memory");
  }
  dckpt_rng rng;
  dckpt_rng_seed(&rng, spec->seed);
  double scale = spec->kind == OPT_LOGISTIC ? 2.0 / sqrt((double)spec->features) : 1.0;
  for (size_t c = 0; c < spec->features; c++)
    x_true[c] = scale * dckpt_rng_normal(&rng);
  for (size_t k = 0; k < out->m * out->f; k++)
    out->X[k] = dckpt_rng_normal(&rng);
  synth_targets(spec, out, x_true, &rng);
  free(x_true);
  return DCKPT_OK;
}

static void copy_columns(const opt_table *t, size_t label_col, opt_raw_data *d) {
  for (size_t r = 0; r < t->rows; r++) {
    const double *src = t->values + r * t->cols;
    double *dst = d->X + r * d->f;
    for (size_t c = 0, k = 0; c < t->cols; c++) {
      if (c == label_col)
        d->y[r] = src[c];
      else
        dst[k++] = src[c];
    }
  }
}

/* Whether another column has the label column's name: the label would be
 * the first of them when named and the last by default, and the campaign's
 * fingerprint (which records the name) could not tell the two apart. */
static bool label_twice(const opt_table *t, size_t label_col) {
  for (size_t c = 0; c < t->cols; c++)
    if (c != label_col && !strcmp(t->names[c], t->names[label_col])) return true;
  return false;
}

int opt_data_csv(const opt_problem_spec *spec, opt_raw_data *out, char *err,
                 size_t errlen) {
  opt_table t;
  memset(out, 0, sizeof *out);
  int rc = opt_csv_read(spec->csv_path, &t, err, errlen);
  if (rc != DCKPT_OK) return rc;
  long col = spec->label ? opt_table_column(&t, spec->label) : (long)t.cols - 1;
  if (col < 0)
    rc = opt_fail(err, errlen, DCKPT_EINVAL, "%s: no column named '%s' (the label)",
                  spec->csv_path, spec->label);
  else if (label_twice(&t, (size_t)col))
    rc = opt_fail(err, errlen, DCKPT_EINVAL,
                  "%s: the label column '%s' is not the only column of that name: which "
                  "one holds the label is ambiguous; rename the others",
                  spec->csv_path, t.names[col]);
  else if (t.cols < 2)
    rc = opt_fail(err, errlen, DCKPT_EINVAL,
                  "%s: needs at least one feature column besides the label",
                  spec->csv_path);
  else if (alloc_raw(out, t.rows, t.cols - 1) != DCKPT_OK)
    rc = opt_fail(err, errlen, DCKPT_ENOMEM, "%s: out of memory", spec->csv_path);
  if (rc == DCKPT_OK) {
    copy_columns(&t, (size_t)col, out);
    snprintf(out->label, sizeof out->label, "%s", t.names[col]);
    out->lines = t.lines; /* kept for label messages */
    t.lines = NULL;
  }
  opt_table_free(&t);
  return rc;
}

int opt_data_map_labels(const opt_problem_spec *spec, opt_raw_data *d, char *err,
                        size_t errlen) {
  for (size_t r = 0; r < d->m; r++) {
    double v = d->y[r];
    if (v == 0.0 || v == -1.0)
      d->y[r] = -1.0;
    else if (v == 1.0)
      d->y[r] = 1.0;
    else if (d->lines)
      return opt_fail(err, errlen, DCKPT_EINVAL,
                      "%s:%zu: column '%s': label %g is not 0, 1 or -1 (logistic "
                      "regression needs two classes)",
                      spec->csv_path, d->lines[r], d->label, v);
    else
      return opt_fail(err, errlen, DCKPT_EINVAL, "row %zu: label %g is not 0, 1 or -1", r,
                      v);
  }
  return DCKPT_OK;
}

int opt_data_standardize(opt_raw_data *d) {
  size_t f = d->f;
  double *mean = opt_alloc_f64(f), *inv = opt_alloc_f64(f);
  if (!mean || !inv) {
    free(mean);
    free(inv);
    return DCKPT_ENOMEM;
  }
  /* Row by row, so the m x f matrix is read along memory. */
  for (size_t r = 0; r < d->m; r++)
    opt_axpy(1.0, d->X + r * f, mean, f);
  for (size_t c = 0; c < f; c++)
    mean[c] /= (double)d->m;
  for (size_t r = 0; r < d->m; r++)
    for (size_t c = 0; c < f; c++) {
      double t = d->X[r * f + c] - mean[c];
      inv[c] += t * t;
    }
  for (size_t c = 0; c < f; c++) {
    double sd = sqrt(inv[c] / (double)d->m);
    inv[c] = sd > 0.0 ? 1.0 / sd : 0.0; /* a constant column carries no information */
  }
  for (size_t r = 0; r < d->m; r++)
    for (size_t c = 0; c < f; c++)
      d->X[r * f + c] = (d->X[r * f + c] - mean[c]) * inv[c];
  free(mean);
  free(inv);
  return DCKPT_OK;
}

void opt_raw_data_free(opt_raw_data *d) {
  free(d->X);
  free(d->y);
  free(d->lines);
  memset(d, 0, sizeof *d);
}
