/* Internals of `dckpt dump`: printing array values. */
#ifndef DCKPT_CLI_DUMP_H
#define DCKPT_CLI_DUMP_H

#include "cli.h"

/** Formats element `i` with full precision (%.17g f64, %.9g f32, integers
 *  exactly). With `json`, NaN and infinities become null. */
void dump_format_value(const dckpt_array_info *a, uint64_t i, bool json, char *buf,
                       size_t len);
/** Prints the first `count` elements: one per line for 0 or 1 dimensions,
 *  else one row per last dimension, separated by spaces. */
void dump_print_values(const dckpt_array_info *a, uint64_t count, FILE *out);
/** The first `count` elements as a flat JSON array, or NULL when out of memory. */
cJSON *dump_values_json(const dckpt_array_info *a, uint64_t count);
/** "[2, 3]" (or "[]" for a scalar) into buf. */
void dump_format_shape(const dckpt_array_info *a, char *buf, size_t len);

#endif
