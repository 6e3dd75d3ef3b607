/* The members of the store's option structs, for util/struct_size.h: what a
 * caller's struct_size may cover. Included by store.c, which copies them, and
 * by tests/test_option_tables.c, which checks that they cover each struct. */
#ifndef DCKPT_STORE_OPTION_MEMBERS_H
#define DCKPT_STORE_OPTION_MEMBERS_H

#include "dckpt.h"
#include "dckpt_experimental.h"
#include "util/struct_size.h"

/* The members of dckpt_store_options, in order: what a caller's struct_size
 * may cover (util/struct_size.h). Append a member here when one is added. */
#pragma GCC diagnostic push /* step_hook: still read until 0.3 */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static const dckpt_member dckpt_store_option_members[] = {
    DCKPT_MEMBER(dckpt_store_options, checkpoint_step),
    DCKPT_MEMBER(dckpt_store_options, keep_n),
    DCKPT_MEMBER(dckpt_store_options, compression_level),
    DCKPT_MEMBER(dckpt_store_options, durability),
    DCKPT_MEMBER(dckpt_store_options, flags),
    DCKPT_MEMBER(dckpt_store_options, job_id),
    DCKPT_MEMBER(dckpt_store_options, log),
    DCKPT_MEMBER(dckpt_store_options, log_ctx),
    DCKPT_MEMBER(dckpt_store_options, log_level),
    DCKPT_MEMBER(dckpt_store_options, experimental),
    DCKPT_MEMBER(dckpt_store_options, step_hook),
    DCKPT_MEMBER(dckpt_store_options, step_hook_ctx),
    DCKPT_MEMBER(dckpt_store_options, job_restart),
};
#pragma GCC diagnostic pop

/* The members of dckpt_store_experimental, in order. */
static const dckpt_member dckpt_store_experimental_members[] = {
    DCKPT_MEMBER(dckpt_store_experimental, step_hook),
    DCKPT_MEMBER(dckpt_store_experimental, step_hook_ctx),
};

#endif
