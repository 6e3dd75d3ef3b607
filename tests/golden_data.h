/* The content of the golden record files (tests/golden/record_v1_*.dckpt):
 * gen_golden.c writes it, test_format.c checks that every value read back
 * from the committed files is exactly this. Values come from integer
 * arithmetic only, so no libm difference can change them. Never edit this
 * once the files are committed: a new format version gets new files. */
#ifndef DCKPT_TESTS_GOLDEN_DATA_H
#define DCKPT_TESTS_GOLDEN_DATA_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "dckpt.h"

/* The identity of the version-2 golden files (as the store writes one). */
#define GOLDEN_IDENTITY                                                                  \
  "{\"run\":\"0123456789abcdef0123456789abcdef\",\"kind\":\"checkpoint\",\"alg\":1,"     \
  "\"alg_name\":\"golden\",\"trial\":2,\"iteration\":99}"

#define GOLDEN_HEADER                                                                    \
  "{\"algorithm\":\"gd\",\"iteration\":41,\"step\":0.125,"                               \
  "\"tags\":[\"a\",\"\\u00e9\"],\"nested\":{\"ok\":true,\"none\":null}}"

#define GOLDEN_N 300

static inline double golden_f64(uint64_t i) {
  /* Smooth with a little deterministic "noise" in the low mantissa bits. */
  return (double)(int64_t)(i * i % 1000) / 64.0 - 3.5 +
         (double)(i * 2654435761u % 97) * 0x1p-40;
}

static inline void golden_fill(dckpt_record *rec) {
  static double x[GOLDEN_N], grid[4][6], special[6];
  static float xf[GOLDEN_N];
  static int64_t counts[7];
  static uint64_t rng[4] = {0x0123456789abcdefull, 0xfedcba9876543210ull, 0, UINT64_MAX};
  for (uint64_t i = 0; i < GOLDEN_N; i++) {
    x[i] = golden_f64(i);
    xf[i] = (float)golden_f64(i + 7);
  }
  for (int r = 0; r < 4; r++)
    for (int c = 0; c < 6; c++)
      grid[r][c] = r * 10 + c + 0.5;
  special[0] = -0.0;
  special[1] = HUGE_VAL;
  special[2] = -HUGE_VAL;
  special[3] = DBL_MIN / 4; /* subnormal */
  special[4] = DBL_MAX;
  special[5] = 1.0 / 3.0;
  for (int i = 0; i < 7; i++)
    counts[i] = (int64_t)(i - 3) * 1000000007LL;
  uint64_t shape_x[1] = {GOLDEN_N}, shape_grid[2] = {4, 6}, shape_sp[1] = {6};
  uint64_t shape_counts[1] = {7}, shape_rng[1] = {4}, shape_empty[2] = {3, 0};
  double scalar = 2.718281828459045;
  const char *text = "hello, dckpt\n";
  dckpt_record_set_header(rec, GOLDEN_HEADER);
  dckpt_record_put(rec, "x", DCKPT_F64, 1, shape_x, x);
  dckpt_record_put(rec, "x32", DCKPT_F32, 1, shape_x, xf);
  dckpt_record_put(rec, "grid", DCKPT_F64, 2, shape_grid, grid);
  dckpt_record_put(rec, "special", DCKPT_F64, 1, shape_sp, special);
  dckpt_record_put(rec, "counts", DCKPT_I64, 1, shape_counts, counts);
  dckpt_record_put(rec, "rng_state", DCKPT_U64, 1, shape_rng, rng);
  dckpt_record_put(rec, "scalar", DCKPT_F64, 0, NULL, &scalar);
  dckpt_record_put(rec, "empty", DCKPT_F32, 2, shape_empty, NULL);
  dckpt_record_put(rec, "note", DCKPT_BYTES, 1, (uint64_t[]){strlen(text)}, text);
}

#endif
