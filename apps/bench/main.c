/* dckpt-bench: runs a decentralized-optimization benchmark campaign with
 * dckpt's MPI runtime (checkpointed, resumable, stoppable) and ends with
 * tables and plots. See docs/bench.md. */
#define _POSIX_C_SOURCE 200809L
#include <mpi.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "deadline_mpi.h"
#include "slurm_state.h"

static int rank_of_world(void) {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

static int world_size(void) {
  int n = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}

/* Stop signals are handled here for the program's whole life, not only
 * during dckpt_run (whose own handlers come and go with the call, and whose
 * installation would forget a request that arrived while rank 0 was still
 * building the problem). A request before or during the run stops the run
 * (exit 75, resumable); one after it lets the results finish, so that no rank
 * dies half-way through the tables after run_status.json said "done".
 * SIGPIPE is ignored: mpirun, when it is stopped, closes the ranks' output
 * first, and a write must then fail rather than kill a rank mid-checkpoint. */
static void on_stop_signal(int signum) {
  dckpt_request_stop(signum);
}

/* Installed first thing in main, before MPI_Init (which takes a good part of
 * a second): a batch system that preempts a job just after it started must
 * get exit 75 and run_status.json, not a rank killed by the default action.
 * The stop signals are then unblocked, in case the launcher passed them down
 * blocked: one that arrived before main is delivered now, to the handler. */
static void install_stop_handlers(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop_signal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGUSR1, &sa, NULL);
  sa.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &sa, NULL);
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGUSR1);
  sigprocmask(SIG_UNBLOCK, &stop, NULL);
}

/* Corrects DIR/run_status.json (and a named run's own), which dckpt_run wrote
 * saying the run is done, when the results cannot be made afterwards: a batch
 * script reads it. The
 * store is opened for writing (dckpt_run has released the lock) so that the
 * file is written only while this program holds the directory. */
static void status_correct(const bench_config *cfg, int status, int exit_code,
                           const char *message) {
  dckpt_store_options so;
  dckpt_store_options_init(&so);
  so.flags =
      DCKPT_OPEN_WRITE | DCKPT_OPEN_EXISTING | (cfg->shared ? DCKPT_OPEN_SHARED : 0);
  so.durability = cfg->fsync ? DCKPT_DURABILITY_FULL : DCKPT_DURABILITY_NONE;
  if (cfg->break_lock) so.flags |= DCKPT_OPEN_BREAK_LOCK;
  dckpt_store *s = NULL;
  int rc = dckpt_store_open(cfg->checkpoint_dir, &so, &s);
  dckpt_run_status *st = NULL, fresh;
  dckpt_run_status_init(&fresh);
  fresh.finished_at = (double)time(NULL);
  if (rc == DCKPT_OK) dckpt_store_read_run_status(s, &st); /* else: fresh */
  dckpt_run_status *use = st ? st : &fresh;
  if (rc == DCKPT_OK) {
    use->status = status;
    use->exit_code = exit_code;
    snprintf(use->message, sizeof use->message, "%.*s", (int)sizeof use->message - 1,
             message);
    rc = dckpt_store_write_run_status(s, use);
    /* a named run's own verdict, which its batch script reads */
    if (rc == DCKPT_OK && cfg->run_name[0])
      rc = dckpt_store_write_named_status(s, cfg->run_name, use);
  }
  if (rc != DCKPT_OK)
    fprintf(stderr, "dckpt-bench: cannot correct %s: %s\n", DCKPT_RUN_STATUS_FILE,
            dckpt_store_errmsg(s));
  dckpt_free(st);
  dckpt_store_close(s);
}

/* The run logs each failure where it happens (a trial that fails early in a
 * long run is seen at once) and returns the first one in its report, which
 * rank 0 prints when the run returns (run_campaign). So that a failure is
 * not said twice, the log keeps a hash of the error lines it printed, and the
 * report is printed as "<status> (the error above)" when its message is one
 * of them. The log may be called from the run's threads. */
#define RUN_LOG_KEPT 64
typedef struct run_log {
  pthread_mutex_t lock;
  size_t n;
  uint64_t said[RUN_LOG_KEPT];
} run_log;

static uint64_t line_hash(const char *s) {
  uint64_t h = 1469598103934665603u; /* FNV-1a */
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211u;
  return h;
}

static void on_log(void *ctx, dckpt_log_level level, const char *msg) {
  run_log *lg = ctx;
  if (level == DCKPT_LOG_ERROR) {
    pthread_mutex_lock(&lg->lock);
    if (lg->n < RUN_LOG_KEPT) lg->said[lg->n++] = line_hash(msg);
    pthread_mutex_unlock(&lg->lock);
  }
  fprintf(stderr, "dckpt-bench: %s: %s\n", dckpt_log_level_name(level), msg);
}

/* Whether this process printed `msg` as an error line. */
static bool run_log_said(run_log *lg, const char *msg) {
  uint64_t h = line_hash(msg);
  pthread_mutex_lock(&lg->lock);
  bool said = false;
  for (size_t i = 0; i < lg->n && !said; i++)
    said = lg->said[i] == h;
  pthread_mutex_unlock(&lg->lock);
  return said;
}

static void fill_options(const bench_config *cfg, double deadline, dckpt_run_options *o) {
  dckpt_run_options_init(o);
  o->dir = cfg->checkpoint_dir;
  o->mode = cfg->mode;
  o->store.checkpoint_step = cfg->checkpoint_step;
  o->checkpoint_interval = cfg->checkpoint_interval;
  o->store.keep_n = cfg->keep;
  o->store.compression_level = cfg->compression;
  o->store.durability = cfg->fsync ? DCKPT_DURABILITY_FULL : DCKPT_DURABILITY_NONE;
  o->store.log = on_log;
  o->store.log_level = cfg->quiet ? DCKPT_LOG_WARN : DCKPT_LOG_INFO;
  o->n_trials = cfg->trials;
  o->seed = cfg->seed;
  o->add_trials = cfg->add_trials;
  o->add_iterations = cfg->add_iterations;
  o->backup_before_resume = cfg->backup;
  o->break_lock = cfg->break_lock;
  o->shared = cfg->shared;
  o->shared_wait = cfg->shared_wait;
  o->run_name = cfg->run_name[0] ? cfg->run_name : NULL;
  /* the holder's job, in the lock and the leases (dckpt status names it) */
  static char job_buf[APP_SLURM_JOB_ID_MAX];
  o->store.job_id = app_slurm_job_id(job_buf);
  /* a requeued job takes over its previous run's pairs at once, on any node */
  o->store.job_restart = app_slurm_restart_count();
  /* under Slurm, a pair whose holder's job has ended is taken over at once */
  if (o->store.job_id) o->job_state = app_slurm_job_state;
  o->metrics_period = cfg->metrics_period;
  o->deadline = deadline;
  o->progress = cfg->progress == 0 || cfg->quiet ? 0 : 1;
  o->benchmark_metadata = NULL;
  o->handle_signals = false; /* install_stop_handlers() above */
}

/* Builds the algorithms of the config; on failure releases what was built. */
static int make_algorithms(const bench_config *cfg, dckpt_algorithm *algs, char *err,
                           size_t len) {
  for (size_t a = 0; a < cfg->n_algs; a++) {
    const bench_alg *b = &cfg->algs[a];
    char why[512];
    if (opt_make_algorithm(b->method, b->name, b->hyper, b->iterations, &algs[a], why,
                           sizeof why) != DCKPT_OK) {
      snprintf(err, len, "%.300s: algorithms[%zu] ('%.100s'): %.500s", cfg->config_path,
               a, b->name, why);
      for (size_t k = 0; k < a; k++)
        opt_algorithm_release(&algs[k]);
      return BENCH_EXIT_USAGE;
    }
  }
  return 0;
}

int bench_agree(int code) {
  int worst = code;
  /* rank 0 may come late (it alone writes the results) */
  dckpt_run_barrier(MPI_COMM_WORLD);
  MPI_Allreduce(&code, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return worst;
}

/* A campaign whose trial directories were pruned and that does not grow: its
 * results come from the container (--container), without a run. */
static int results_from_container(const bench_config *cfg) {
  char err[1024] = "";
  int code = 0;
  if (rank_of_world() == 0 && bench_container_results(cfg, err, sizeof err) != DCKPT_OK) {
    fprintf(stderr, "dckpt-bench: results from %s: %s\n", cfg->container, err);
    code = BENCH_EXIT_FAILED;
  }
  return bench_agree(code);
}

static int run_campaign(const bench_config *cfg, double deadline) {
  bench_ctr_plan plan = BENCH_CTR_RUN;
  if (cfg->container[0]) {
    int before = bench_container_before(cfg, &plan);
    if (before) return before;
    if (plan == BENCH_CTR_READ) return results_from_container(cfg);
  }
  char err[1024] = "";
  bool ran = false, left = false;
  dckpt_algorithm algs[BENCH_MAX_ALGS];
  memset(algs, 0, sizeof algs);
  int code = bench_agree(make_algorithms(cfg, algs, err, sizeof err));
  if (code) {
    if (rank_of_world() == 0)
      fprintf(stderr, "dckpt-bench: %s\n", err[0] ? err : "bad algorithm");
    return code;
  }
  dckpt_record *problem = NULL;
  char *campaign = NULL;
  int rc = DCKPT_OK;
  if (rank_of_world() == 0) {
    rc = bench_problem_record(cfg, algs, &problem, err, sizeof err);
    if (rc == DCKPT_OK && !(campaign = bench_campaign_json(cfg, err, sizeof err)))
      rc = DCKPT_EIO;
  }
  code = bench_agree(rc == DCKPT_OK ? 0 : BENCH_EXIT_USAGE);
  if (code == 0) {
    dckpt_run_options o;
    fill_options(cfg, deadline, &o);
    o.campaign = campaign;
    dckpt_run_report rep;
    run_log lg = {.lock = PTHREAD_MUTEX_INITIALIZER, .n = 0};
    o.store.log_ctx = &lg;
    rc = dckpt_run(MPI_COMM_WORLD, &o, algs, cfg->n_algs, problem, &rep);
    if (rank_of_world() == 0 && rc != DCKPT_OK) {
      char kind[200];
      if (rc == DCKPT_ENAMEINUSE)
        snprintf(kind, sizeof kind, "the run name '%s' is held by another live run",
                 cfg->run_name);
      else
        snprintf(kind, sizeof kind, "%s", dckpt_strerror(rc));
      if (run_log_said(&lg, rep.message))
        fprintf(stderr, "dckpt-bench: %s (the error above)\n", kind);
      else
        fprintf(stderr, "dckpt-bench: %s: %s\n", kind, rep.message);
    }
    /* (no summary when the run was refused before it started) */
    if (rank_of_world() == 0 && !cfg->quiet && rep.pairs_total > 0)
      printf("%s: %lld/%lld trials complete, %lld iterations in %.1f s on %d rank(s)%s\n",
             cfg->campaign, (long long)rep.pairs_completed, (long long)rep.pairs_total,
             (long long)rep.iterations_run, rep.seconds, world_size(), "");
    ran = rep.iterations_run > 0;
    /* a shared run that left pairs to other runs computes no results: the
     * run that completes the campaign does */
    left = rc == DCKPT_OK && rep.pairs_completed < rep.pairs_total;
    if (rank_of_world() == 0 && left && !cfg->quiet)
      printf("%s: %s\n", cfg->campaign, rep.message);
    code = rc == DCKPT_OK             ? 0
           : rc == DCKPT_EINTERRUPTED ? DCKPT_EXIT_INTERRUPTED
                                      : BENCH_EXIT_FAILED;
  } else if (rank_of_world() == 0) {
    fprintf(stderr, "dckpt-bench: %s\n", err);
  }
  char note[900] = "";
  if (code == 0 && !left && rank_of_world() == 0 &&
      (rc = bench_results(cfg, note, sizeof note, err, sizeof err)) != DCKPT_OK) {
    fprintf(stderr, "dckpt-bench: results: %s\n", err);
    char msg[1200];
    snprintf(msg, sizeof msg, "results: %s", err);
    status_correct(cfg, rc, BENCH_EXIT_FAILED, msg);
    code = BENCH_EXIT_FAILED;
  } else if (code == 0 && !left && rank_of_world() == 0 && note[0]) {
    /* trials that diverged are an outcome (exit 0), said where a batch
     * script looks as well as in the tables */
    char msg[1024];
    snprintf(msg, sizeof msg, "complete; diverged (a metric ended inf/NaN): %s", note);
    status_correct(cfg, DCKPT_OK, 0, msg);
  }
  dckpt_record_free(problem);
  free(campaign);
  for (size_t a = 0; a < cfg->n_algs; a++)
    opt_algorithm_release(&algs[a]);
  code = bench_agree(code);
  /* a completed campaign packs itself (all ranks) and is verified, then
   * pruned; run_status.json, which said the run is done, is corrected when
   * that fails (a batch script took exit_code 0 for a complete job) */
  if (code == 0 && !left && cfg->container[0]) {
    int status = DCKPT_EIO;
    code = bench_container_after(cfg, ran, &status, err, sizeof err);
    if (code && rank_of_world() == 0) {
      char msg[1200];
      snprintf(msg, sizeof msg, "container: %s",
               err[0] ? err : "failed (the error above)");
      status_correct(cfg, status, code, msg);
    }
  }
  return code;
}

int main(int argc, char **argv) {
  install_stop_handlers();
  /* MPI_THREAD_MULTIPLE lets dckpt_run answer pair requests from a thread of
   * rank 0, so that no rank waits for rank 0's iteration when ranks share no
   * memory (docs/runtime.md, "Roles"); with less, it answers between them. */
  int provided = MPI_THREAD_SINGLE;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
  int rank = rank_of_world();
  bench_config cfg;
  bool help = false;
  char err[1024] = "";
  int code = bench_parse(argc, argv, &cfg, &help, err, sizeof err);
  for (int i = 1; i < argc && rank == 0; i++)
    if (!strcmp(argv[i], "--version")) printf("dckpt-bench %s\n", dckpt_version_string());
  if (help && rank == 0 && !(argc == 2 && !strcmp(argv[1], "--version")))
    bench_usage(stdout);
  if (!help && code && rank == 0) fprintf(stderr, "dckpt-bench: %s\n", err);
  double deadline = 0;
  if (!help && !code && cfg.deadline[0] &&
      app_parse_deadline_bcast(MPI_COMM_WORLD, rank == 0 ? cfg.deadline : NULL, &deadline,
                               err, sizeof err) != 0) {
    if (rank == 0) fprintf(stderr, "dckpt-bench: --deadline: %s\n", err);
    code = BENCH_EXIT_USAGE;
  }
  if (!help && !code) code = run_campaign(&cfg, deadline);
  bench_config_free(&cfg);
  MPI_Finalize();
  return help ? 0 : code;
}
