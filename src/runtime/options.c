/* The caller's dckpt_run_options as this library reads them: the members its
 * struct_size covers, defaults for the rest (util/struct_size.h), and a copy
 * of the experimental hooks. */
#include <stdio.h>

#include "dckpt_experimental.h"
#include "runtime/option_members.h"
#include "runtime/run_ctx.h"
#include "util/struct_size.h"

#define COUNT(a) (sizeof(a) / sizeof *(a))

/* The sizes of the first published layouts (dckpt 0.2). */
#define OPTIONS_OLDEST      DCKPT_STRUCT_END(dckpt_run_options, experimental)
#define EXPERIMENTAL_OLDEST DCKPT_STRUCT_END(dckpt_run_experimental, interval_clock_ctx)

/* The store options are embedded by value: their size is part of the run
 * options' layout, so it must be this header's exactly (a release in which
 * dckpt_store_options grows reads the older layout by struct_size). */
static int take_store(const dckpt_run_options *o, char *why, size_t len) {
  if (o->store.struct_size == sizeof o->store) return DCKPT_OK;
  snprintf(why, len,
           "run options: store.struct_size is %zu, not %zu: fill the options with "
           "dckpt_run_options_init() from this version's dckpt_run.h",
           o->store.struct_size, sizeof o->store);
  return DCKPT_EINVAL;
}

int run_options_take(run_ctx *c, const dckpt_run_options *caller, char *why, size_t len) {
  dckpt_run_options_init(&c->opts);
  dckpt_run_experimental_init(&c->x);
  c->o = &c->opts;
  if (!caller) {
    snprintf(why, len, "run options are NULL");
    return DCKPT_EINVAL;
  }
  if (!dckpt_struct_take(&c->opts, caller, OPTIONS_OLDEST, sizeof c->opts,
                         dckpt_run_option_members, COUNT(dckpt_run_option_members))) {
    snprintf(why, len,
             "run options: struct_size is %zu: fill the options with "
             "dckpt_run_options_init() (a struct from a newer dckpt_run.h must leave "
             "the fields this library does not know at zero)",
             caller->struct_size);
    return DCKPT_EINVAL;
  }
  if (take_store(&c->opts, why, len) != DCKPT_OK) {
    dckpt_run_options_init(&c->opts); /* not one field of it can be trusted */
    return DCKPT_EINVAL;
  }
  const dckpt_run_experimental *x = c->opts.experimental;
  if (x && !dckpt_struct_take(&c->x, x, EXPERIMENTAL_OLDEST, sizeof c->x,
                              dckpt_run_experimental_members,
                              COUNT(dckpt_run_experimental_members))) {
    snprintf(why, len,
             "run options: experimental.struct_size is %zu: fill it with "
             "dckpt_run_experimental_init()",
             x->struct_size);
    return DCKPT_EINVAL;
  }
#pragma GCC diagnostic push /* the deprecated place of the hook */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  if (!c->x.interval_clock && c->opts.interval_clock) { /* the older place */
    c->x.interval_clock = c->opts.interval_clock;
    c->x.interval_clock_ctx = c->opts.interval_clock_ctx;
  }
#pragma GCC diagnostic pop
  c->opts.experimental = &c->x;
  return DCKPT_OK;
}
