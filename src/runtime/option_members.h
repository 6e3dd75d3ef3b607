/* The members of the runtime's option structs, for util/struct_size.h: what
 * a caller's struct_size may cover. Included by options.c, which copies them,
 * and by tests/test_option_tables.c, which checks that they cover each struct. */
#ifndef DCKPT_RUNTIME_OPTION_MEMBERS_H
#define DCKPT_RUNTIME_OPTION_MEMBERS_H

#include "dckpt_experimental.h"
#include "dckpt_run.h"
#include "util/struct_size.h"

/* The members of dckpt_run_options after struct_size, in order. Append a
 * member here when one is added. */
#pragma GCC diagnostic push /* interval_clock: still read until 0.3 */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static const dckpt_member dckpt_run_option_members[] = {
    DCKPT_MEMBER(dckpt_run_options, dir),
    DCKPT_MEMBER(dckpt_run_options, mode),
    DCKPT_MEMBER(dckpt_run_options, store),
    DCKPT_MEMBER(dckpt_run_options, n_trials),
    DCKPT_MEMBER(dckpt_run_options, seed),
    DCKPT_MEMBER(dckpt_run_options, add_trials),
    DCKPT_MEMBER(dckpt_run_options, add_iterations),
    DCKPT_MEMBER(dckpt_run_options, backup_before_resume),
    DCKPT_MEMBER(dckpt_run_options, break_lock),
    DCKPT_MEMBER(dckpt_run_options, benchmark_metadata),
    DCKPT_MEMBER(dckpt_run_options, campaign),
    DCKPT_MEMBER(dckpt_run_options, metrics_period),
    DCKPT_MEMBER(dckpt_run_options, deadline),
    DCKPT_MEMBER(dckpt_run_options, deadline_margin),
    DCKPT_MEMBER(dckpt_run_options, handle_signals),
    DCKPT_MEMBER(dckpt_run_options, progress),
    DCKPT_MEMBER(dckpt_run_options, progress_interval),
    DCKPT_MEMBER(dckpt_run_options, progress_stream),
    DCKPT_MEMBER(dckpt_run_options, scheduler),
    DCKPT_MEMBER(dckpt_run_options, background_checkpoints),
    DCKPT_MEMBER(dckpt_run_options, checkpoint_interval),
    DCKPT_MEMBER(dckpt_run_options, experimental),
    DCKPT_MEMBER(dckpt_run_options, interval_clock),
    DCKPT_MEMBER(dckpt_run_options, interval_clock_ctx),
    DCKPT_MEMBER(dckpt_run_options, index_interval),
    DCKPT_MEMBER(dckpt_run_options, metrics_segment_bytes),
    DCKPT_MEMBER(dckpt_run_options, shared),
    DCKPT_MEMBER(dckpt_run_options, run_name),
    DCKPT_MEMBER(dckpt_run_options, job_state),
    DCKPT_MEMBER(dckpt_run_options, job_state_ctx),
    DCKPT_MEMBER(dckpt_run_options, shared_wait),
};
#pragma GCC diagnostic pop

/* The members of dckpt_run_experimental, in order. */
static const dckpt_member dckpt_run_experimental_members[] = {
    DCKPT_MEMBER(dckpt_run_experimental, interval_clock),
    DCKPT_MEMBER(dckpt_run_experimental, interval_clock_ctx),
};

#endif
