/* The state of one dckpt_run call on one rank. */
#ifndef DCKPT_RUNTIME_RUN_CTX_H
#define DCKPT_RUNTIME_RUN_CTX_H

#include "runtime/runtime_internal.h"

/** A shared run's pair leases (shared.c; the store holds the leases). */
typedef struct run_shared {
  bool holding;      /* this rank's store holds a pair's lease */
  double next_renew; /* when it is renewed next */
  run_pair *watch;   /* pairs other runs held when this rank came to them */
  int64_t n_watch;
} run_shared;

typedef struct run_ctx {
  MPI_Comm comm;
  int rank, size;
  const dckpt_run_options *o; /* &opts: what this call reads */
  dckpt_run_options opts;     /* the caller's, as far as its struct_size goes */
  dckpt_run_experimental x;   /* opts.experimental points here */
  const dckpt_algorithm *algs;
  size_t n_algs;
  const dckpt_record *user_problem; /* as passed (rank 0, new runs) */
  dckpt_record *problem;            /* as stored: what trials see */
  dckpt_store *store;
  dckpt_logger log;
  run_plan plan;
  run_sched sched;
  run_stop stop;
  run_progress progress;
  run_writer writer;         /* periodic checkpoints in the background (when running) */
  run_completion completion; /* rank 0: the completion index */
  dckpt_index *index;        /* rank 0: what the scan found, until the above owns it */
  char *meta_text;           /* metadata.json as rank 0 read it (every rank) */
  size_t meta_len;
  bool sched_open;
  bool stopping;       /* a stop request is being honoured */
  bool stop_seen_here; /* ... and this rank saw it (signal, HALT, deadline) */
  bool store_open;     /* c->store opened (on rank 0: the lock is held) */
  bool status_blocked; /* rank 0: a status file cannot be written (said at start) */
  bool planned;        /* every rank knows the plan */
  int status;          /* first local failure (DCKPT_OK if none) */
  char message[1024];  /* its message */
  int64_t pairs_run, pairs_completed, iterations_run;
  int64_t unreported; /* iterations not yet added to the shared counter */
  double last_report;
  run_shared shared; /* o->shared */
} run_ctx;

/** Fills c->opts and c->x from the caller's options and points c->o at them
 *  (defaults where the caller's struct_size ends); DCKPT_EINVAL with the
 *  reason in `why` when they cannot be read (options.c). */
int run_options_take(run_ctx *c, const dckpt_run_options *caller, char *why, size_t len);

/** Records the first local failure (later ones are logged only); returns status. */
int run_fail(run_ctx *c, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Whether two records hold the same arrays (names, types, shapes, bytes) and
 *  header; `what` names the first difference. */
bool run_records_equal(const dckpt_record *a, const dckpt_record *b, char *what,
                       size_t len);

/* ---- fingerprint.c: what a resume must ask for again ---- */
/** The caller's JSON object text (NULL: an empty object) parsed, or NULL
 *  when it is not an object or holds one of the `n` keys in `reserved` (the
 *  runtime's own, which it adds). Free with cJSON_Delete(). */
struct cJSON *run_app_object(const char *text, const char *const *reserved, size_t n);
/** The recorded config of an algorithm / of the campaign (malloc'd JSON), or
 *  NULL when the caller's text is not a JSON object (or out of memory). */
char *run_algorithm_fingerprint(const dckpt_algorithm *a);
char *run_campaign_fingerprint(const dckpt_run_options *opts);
/** Sets m->campaign and each m->algorithms[a].config (m->algorithms has
 *  c->n_algs entries); release with run_fingerprint_release(). */
int run_fingerprint_fill(run_ctx *c, dckpt_metadata *m);
void run_fingerprint_release(dckpt_metadata *m, size_t n_algs);

/** Opens c->store: rank 0 with the lock, the others without touching a file. */
int run_open_store(run_ctx *c);

/* ---- share.c: what rank 0 read, for every rank ---- */
/** Sends rank 0's plan to every rank. */
int run_share_plan(run_ctx *c);
/** Rank 0 reads metadata.json and the problem once; every other rank
 *  receives them, opens its store and adopts the metadata. Failures go
 *  through run_fail (to be agreed on). */
void run_share_inputs(run_ctx *c);

/** Rank 0: opens or starts the run and fills c->plan. */
int run_plan_rank0(run_ctx *c);

/* ---- shared.c: shared runs ---- */
/** Rank 0, once the plan is made and shared: gives the lock back (the store
 *  stays registered as a shared run; the completion index removes no other
 *  run's file). */
int run_shared_unlock(run_ctx *c);
/** Claims pair `p` and runs it unless it is complete; a pair another run
 *  holds is watched. The status of run_pair_execute, or a claim's failure. */
int run_shared_pair(run_ctx *c, const run_pair *p);
/** After the hand-out: takes over and runs the watched pairs whose holder is
 *  gone, counts those found complete; the pairs still held stay in
 *  shared.watch and the run ends, or (o->shared_wait) it watches them until
 *  each is complete, whoever completes it. DCKPT_EINTERRUPTED on a stop. */
int run_shared_wait(run_ctx *c);
/** Once every rank of the run has ended its hand-out (after a barrier): one
 *  more look at each pair still watched, counting those now complete. A rank
 *  that looked while another rank of its run still held a pair could see
 *  that the other run's last pair was held while the other run saw the same
 *  of it: both ended with the campaign complete and no results. Looked at
 *  after its own run's last release, a run's last pair is seen complete by
 *  the run of the other last pair, or that run's by it. Runs nothing. */
void run_shared_last_look(run_ctx *c);
/** Rank 0, at the end of a shared run: the pair leases left by holders that
 *  ended without releasing them after their pair was complete (killed after
 *  its completion was committed, or after finding it complete), which no run
 *  claims again, so they would stay: each lease of a complete pair whose
 *  holder is gone is taken over and released; a live holder's is left. */
void run_shared_sweep(run_ctx *c);
/** Rank 0, at the end of a shared run: the pairs that another run added by
 *  growing the campaign (more trials) after this run made its plan, which
 *  the plan does not hold: their number in *added (0 when it did not grow),
 *  how many are complete in *added_done, the stored trials in *n_trials. */
void run_shared_growth(run_ctx *c, int64_t *added, int64_t *added_done,
                       int64_t *n_trials);
/** In the loop: renews the pair's lease when due; DCKPT_ELOCKED when
 *  another run has taken it (the pair must be left, nothing written). */
int run_shared_renew(run_ctx *c, double now);

/** Runs (or continues) one pair until it completes, fails or is stopped. */
int run_pair_execute(run_ctx *c, const run_pair *pair);

/** Checks for a stop request (local or from another rank) and, on the first,
 *  spreads it to the other ranks. */
bool run_should_stop(run_ctx *c, bool force_poll);

#endif
