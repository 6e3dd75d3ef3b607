/* dckpt-bench: a decentralized-optimization benchmark campaign run through
 * dckpt's MPI runtime, ending with tables and plots. */
#ifndef DCKPT_BENCH_H
#define DCKPT_BENCH_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "dckpt_run.h"
#include "opt/algorithms.h"
#include "opt/network.h"
#include "opt/problem.h"

/** Exit statuses (docs/bench.md). */
enum { BENCH_EXIT_OK = 0, BENCH_EXIT_FAILED = 1, BENCH_EXIT_USAGE = 2 };

#define BENCH_MAX_ALGS 64
/** Metric history limits (docs/bench.md, "Limits"), in rows of the 7
 *  metrics and the iteration (64 bytes): a trial's, held in its rank's
 *  memory and in its checkpoints (256 MiB), and the whole campaign's,
 *  gathered on rank 0 at the end (1 GiB). */
#define BENCH_MAX_TRIAL_HISTORY_ROWS    ((int64_t)1 << 22)
#define BENCH_MAX_CAMPAIGN_HISTORY_ROWS ((int64_t)1 << 24)

typedef struct bench_alg {
  char name[128];
  char method[32];
  int64_t iterations;
  cJSON *hyper; /* owned by the config's JSON tree */
} bench_alg;

/** Everything a campaign needs, from the config file and the flags. */
typedef struct bench_config {
  cJSON *json; /* the parsed config file (owns strings below) */
  char config_path[4096];
  char campaign[128];
  opt_problem_spec problem;
  char data_path[4096]; /* resolved CSV path, "" for synthetic */
  opt_network_spec network;
  bench_alg algs[BENCH_MAX_ALGS];
  size_t n_algs;
  int64_t trials, add_trials, add_iterations, metrics_period;
  uint64_t seed;
  char checkpoint_dir[4096];
  int64_t checkpoint_step;    /* DCKPT_STEP_NONE for none */
  bool checkpoint_step_set;   /* given by the config or a flag */
  double checkpoint_interval; /* seconds, 0 for none */
  int keep, compression;
  bool fsync, backup, break_lock, quiet;
  bool shared; /* --shared / checkpoint.shared: one of several runs on the campaign */
  bool shared_wait; /* --shared-wait / checkpoint.shared_wait: wait for the others */
  int progress;     /* -1 auto (on), 0 off */
  dckpt_run_mode mode;
  char deadline[256];                    /* --deadline argument, "" for none */
  char run_name[DCKPT_RUN_NAME_MAX + 1]; /* --run-name, "" for none */
  char results_dir[4096];                /* default CHECKPOINT_DIR/results */
  char container[4096]; /* --container FILE.h5, "" for none (container.c) */
  bool prune;           /* --prune: remove the trial directories once packed */
} bench_config;

/** Parses argv (and the config file it names) into `cfg`. Returns 0, or
 *  BENCH_EXIT_USAGE with the message in err; *help is set for --help. */
int bench_parse(int argc, char **argv, bench_config *cfg, bool *help, char *err,
                size_t errlen);
void bench_config_free(bench_config *cfg);
void bench_usage(FILE *out);

/** Builds the problem record (rank 0, new runs), and checks that the
 *  problem suits every algorithm of `algs` (opt_algorithm_check_problem). */
int bench_problem_record(const bench_config *cfg, const dckpt_algorithm *algs,
                         dckpt_record **out, char *err, size_t errlen);

/** The campaign object recorded with the run and compared on every resume:
 *  the resolved problem (data by content hash) and network. malloc'd JSON, or
 *  NULL with the reason in err. */
char *bench_campaign_json(const bench_config *cfg, char *err, size_t errlen);

/** Rank 0 after a completed campaign: metrics record, tables, plots, and the
 *  table on stdout. Re-running a finished campaign prints the table only.
 *  `note` (may be NULL) gets which algorithms had trials that diverged, how
 *  many and from which iteration ("" when none did): an outcome, which the
 *  tables count too, for run_status.json. */
int bench_results(const bench_config *cfg, char *note, size_t notelen, char *err,
                  size_t errlen);
/** The same from `store` (read-only: a container's), which the caller owns:
 *  a metrics record it lacks is computed but not saved. */
int bench_results_from(const bench_config *cfg, dckpt_store *store, char *note,
                       size_t notelen, char *err, size_t errlen);

/** MPI collective: 0 when every rank says 0, else the largest code. */
int bench_agree(int code);

/* ---- the campaign's container (--container, --prune: container.c) ---- */

/** What a run with --container does before dckpt_run. */
typedef enum bench_ctr_plan {
  BENCH_CTR_RUN = 0,  /* run as usual (no container, or the directory is whole) */
  BENCH_CTR_READ = 1, /* the trials were pruned and nothing grows: results from
                         the container, no run */
  BENCH_CTR_GROW = 2  /* pruned and growing: the container was unpacked into the
                         directory first, then the run */
} bench_ctr_plan;

/** MPI collective: decides the plan on rank 0 and unpacks when it needs to.
 *  Returns 0 or an exit status (same on every rank; the message printed). */
int bench_container_before(const bench_config *cfg, bench_ctr_plan *plan);
/** Rank 0: the results printed from the container (BENCH_CTR_READ). */
int bench_container_results(const bench_config *cfg, char *err, size_t errlen);
/** MPI collective, after a completed campaign's results: packs the directory
 *  into the container, verifies it, then prunes (--prune). Returns 0 or an
 *  exit status, the same on every rank. `ran`: iterations were run now. On
 *  failure rank 0 has the message (printed) in `err` and a dckpt status in
 *  `*status`, for run_status.json. */
int bench_container_after(const bench_config *cfg, bool ran, int *status, char *err,
                          size_t len);

#endif
