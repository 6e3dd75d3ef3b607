/* The members of the container's option structs, for util/struct_size.h:
 * what a caller's struct_size may cover. Included by pack.c and unpack.c,
 * which copy them (ctr_take_options), and by tests/test_option_tables.c,
 * which checks that they cover each struct. */
#ifndef DCKPT_CONTAINER_OPTION_MEMBERS_H
#define DCKPT_CONTAINER_OPTION_MEMBERS_H

#include "dckpt_container.h"
#include "util/struct_size.h"

/* The members of dckpt_pack_options after struct_size, in order. Append a
 * member here when one is added. */
static const dckpt_member dckpt_pack_option_members[] = {
    DCKPT_MEMBER(dckpt_pack_options, final_only),
    DCKPT_MEMBER(dckpt_pack_options, level),
    DCKPT_MEMBER(dckpt_pack_options, chunk_bytes),
    DCKPT_MEMBER(dckpt_pack_options, buffer_bytes),
    DCKPT_MEMBER(dckpt_pack_options, durability),
    DCKPT_MEMBER(dckpt_pack_options, ignore_lock),
    DCKPT_MEMBER(dckpt_pack_options, verify),
    DCKPT_MEMBER(dckpt_pack_options, log),
    DCKPT_MEMBER(dckpt_pack_options, log_ctx),
    DCKPT_MEMBER(dckpt_pack_options, log_level),
    DCKPT_MEMBER(dckpt_pack_options, step_hook),
    DCKPT_MEMBER(dckpt_pack_options, step_hook_ctx),
};

/* The members of dckpt_unpack_options after struct_size, in order. */
static const dckpt_member dckpt_unpack_option_members[] = {
    DCKPT_MEMBER(dckpt_unpack_options, restore),
    DCKPT_MEMBER(dckpt_unpack_options, ignore_lock),
    DCKPT_MEMBER(dckpt_unpack_options, durability),
    DCKPT_MEMBER(dckpt_unpack_options, log),
    DCKPT_MEMBER(dckpt_unpack_options, log_ctx),
    DCKPT_MEMBER(dckpt_unpack_options, log_level),
};

#endif
