/* Raw data of a problem before it is split: a feature matrix and a target
 * column, from a CSV file or generated from a seed. Internal to dckpt_opt. */
#ifndef OPT_DATA_H
#define OPT_DATA_H

#include <stddef.h>

#include "opt/problem.h"

/* The largest data a problem takes: the optimum x* is solved from a d x d
 * system (O(m d^2 + d^3) work), and every agent's state holds d values, so about
 * a thousand features is already far beyond a benchmark (m d^2 = 1.7e10 at
 * the limits); rows x features values of 8 bytes: at most 128 MiB. Larger asks are
 * refused before anything is allocated (a config asking for 10^12 rows once asked the
 * allocator for 30 TiB). */
#define OPT_MAX_FEATURES    1024
#define OPT_MAX_DATA_VALUES ((size_t)1 << 24)

typedef struct opt_raw_data {
  size_t m, f;
  double *X;     /* m x f, row-major */
  double *y;     /* m */
  size_t *lines; /* m CSV line numbers, NULL for synthetic data */
  char label[128];
} opt_raw_data;

/**
 * Synthetic data from spec->seed: X_rc ~ N(0, 1) drawn row by row; least
 * squares y = X x_true + noise * N(0, 1) with x_true ~ N(0, I); logistic
 * y = +1 with probability sigmoid(X x_true), else -1, with
 * x_true ~ N(0, (4 / f) I) so the margins have variance about 4.
 */
int opt_data_synthetic(const opt_problem_spec *spec, opt_raw_data *out, char *err,
                       size_t errlen);

/** Data from spec->csv_path; label = spec->label or the last column. */
int opt_data_csv(const opt_problem_spec *spec, opt_raw_data *out, char *err,
                 size_t errlen);

/** Logistic labels: {0, 1} and {-1, +1} both become {-1, +1}; anything else is
 *  an error naming the file, line and label column. */
int opt_data_map_labels(const opt_problem_spec *spec, opt_raw_data *d, char *err,
                        size_t errlen);

/** Centres each column and divides it by its standard deviation (1/m
 *  normalization); a constant column becomes all zeros.
 *  @return DCKPT_OK or DCKPT_ENOMEM. */
int opt_data_standardize(opt_raw_data *d);

void opt_raw_data_free(opt_raw_data *d);

#endif
