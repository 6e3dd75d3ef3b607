/* Numerically safe pieces of the logistic loss, shared by objective.c and
 * logit.c. */
#ifndef OPT_LOSS_H
#define OPT_LOSS_H

#include <math.h>

/* log(1 + exp(t)) without overflow for large t or loss of digits for small. */
static inline double opt_softplus(double t) {
  return t > 0 ? t + log1p(exp(-t)) : log1p(exp(t));
}

/* 1 / (1 + exp(-t)), evaluated on the side where exp cannot overflow. */
static inline double opt_sigmoid(double t) {
  if (t >= 0) return 1.0 / (1.0 + exp(-t));
  double e = exp(t);
  return e / (1.0 + e);
}

#endif
