/*
 * bench_run_opt — dckpt_run on a real decentralized-optimization campaign:
 * a least-squares problem of `agents` agents x `dim` features solved by EXTRA
 * (by default), `trials` trials, run under several checkpoint configurations
 * (checkpoint_step none; every `step` iterations durable; the same without
 * fsync), alternately, `reps` times each.
 *
 * Used for two measurements of docs/performance.md ("Runtime"): the overhead
 * of periodic durable checkpoints (1 rank, 1 trial), and the scaling of a
 * CPU-bound campaign (many trials, checkpoint_step none) from 1 to 2 ranks.
 *
 * A program, not a test: it prints one JSON object per run and a summary
 * object (medians) on stdout; perf/bench_run.py turns them into the tables
 * of docs/performance.md ("Runtime"). Run with --help.
 *
 * The algorithm's callbacks are wrapped so that the time inside dckpt_run is
 * split into: step callbacks, metrics callbacks, the runner's own work
 * between iterations ("bookkeeping"), periodic checkpoints (from the save
 * callback's entry to the next step: record build, encode, write, fsyncs,
 * progress.json, rotation — or, with background checkpoints, the record build,
 * its copy and the hand-off to the writer, plus any wait for the previous
 * save) and the final save (mark_complete).
 */
#define _XOPEN_SOURCE 700

#include <cjson/cJSON.h>
#include <getopt.h>
#include <mpi.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench_mpi.h"
#include "bench_util.h"
#include "dckpt_experimental.h"
#include "dckpt_run.h"
#include "opt/algorithms.h"
#include "opt/network.h"
#include "opt/problem.h"

#define MAX_CONFIGS 8
#define MAX_REPS    200

/* ------------------------------------------------------------------------- */
/* Timing wrapper around an algorithm's callbacks                            */
/* ------------------------------------------------------------------------- */

enum { AFTER_NOTHING = 0, AFTER_ITERATION, AFTER_SAVE };

#define MAX_PHASES 24
#define PHASE_NAME 32

/* Time spent in each step of a save, from the store's step hook: a phase runs
 * from its hook call to the next one; "prepare" is from the save callback to
 * the first hook (building the record), the last one ends at the next step. */
typedef struct phases {
  char name[MAX_PHASES][PHASE_NAME];
  double sum[MAX_PHASES]; /* over the periodic checkpoints */
  double cur[MAX_PHASES]; /* of the save in progress */
  int n;
  int open;     /* index of the running phase, -1 when none */
  double since; /* its start */
} phases;

typedef struct probe {
  dckpt_algorithm inner;
  int where; /* what the last event was */
  double last_end, save_start;
  double step_s, metrics_s, book_s, final_s;
  int64_t steps, finals;
  double *ckpt; /* durations of the periodic checkpoints, in order */
  int64_t n_ckpt, cap;
  phases ph;
} probe;

static int phase_index(phases *ph, const char *name) {
  for (int i = 0; i < ph->n; i++)
    if (!strcmp(ph->name[i], name)) return i;
  if (ph->n == MAX_PHASES) return MAX_PHASES - 1; /* lumped into the last slot */
  snprintf(ph->name[ph->n], PHASE_NAME, "%s", name);
  return ph->n++;
}

/* Closes the running phase at time t and opens `name` (NULL: none). */
static void phase_switch(phases *ph, const char *name, double t) {
  if (ph->open >= 0) ph->cur[ph->open] += t - ph->since;
  ph->open = name ? phase_index(ph, name) : -1;
  ph->since = t;
}

/* The save in progress was a periodic checkpoint (keep) or the final one. */
static void phase_end_save(phases *ph, double t, bool keep) {
  phase_switch(ph, NULL, t);
  for (int i = 0; i < ph->n; i++) {
    if (keep) ph->sum[i] += ph->cur[i];
    ph->cur[i] = 0;
  }
}

static void on_store_step(void *ctx, const char *step) {
  probe *p = ctx;
  if (p->where == AFTER_SAVE) phase_switch(&p->ph, step, bench_now());
}

static dckpt_trial_info inner_info(const dckpt_trial_info *info, probe **p) {
  *p = info->user;
  dckpt_trial_info in = *info;
  in.user = (*p)->inner.user;
  return in;
}

static void push_ckpt(probe *p, double seconds) {
  if (p->n_ckpt == p->cap) {
    int64_t cap = p->cap ? 2 * p->cap : 256;
    double *n = realloc(p->ckpt, (size_t)cap * sizeof *n);
    if (!n) return; /* the duration is lost; the totals stay right */
    p->ckpt = n;
    p->cap = cap;
  }
  p->ckpt[p->n_ckpt++] = seconds;
}

static int w_create(const dckpt_trial_info *info, dckpt_rng *rng, void **state) {
  probe *p;
  dckpt_trial_info in = inner_info(info, &p);
  p->where = AFTER_NOTHING;
  return p->inner.create(&in, rng, state);
}

static int w_load(const dckpt_trial_info *info, const dckpt_record *rec, void **state) {
  probe *p;
  dckpt_trial_info in = inner_info(info, &p);
  p->where = AFTER_NOTHING;
  return p->inner.load(&in, rec, state);
}

static int w_step(const dckpt_trial_info *info, void *state, int64_t k, dckpt_rng *rng) {
  probe *p;
  dckpt_trial_info in = inner_info(info, &p);
  double t0 = bench_now();
  if (p->where == AFTER_SAVE) {
    push_ckpt(p, t0 - p->save_start);
    phase_end_save(&p->ph, t0, true);
  } else if (p->where == AFTER_ITERATION)
    p->book_s += t0 - p->last_end;
  int rc = p->inner.step(&in, state, k, rng);
  double t1 = bench_now();
  p->step_s += t1 - t0;
  p->steps++;
  p->last_end = t1;
  p->where = AFTER_ITERATION;
  return rc;
}

static int w_metrics(const dckpt_trial_info *info, const void *state, int64_t k,
                     double *out) {
  probe *p;
  dckpt_trial_info in = inner_info(info, &p);
  double t0 = bench_now();
  p->book_s += t0 - p->last_end;
  int rc = p->inner.metrics(&in, state, k, out);
  double t1 = bench_now();
  p->metrics_s += t1 - t0;
  p->last_end = t1;
  return rc;
}

static int w_save(const dckpt_trial_info *info, const void *state, dckpt_record *rec) {
  probe *p;
  dckpt_trial_info in = inner_info(info, &p);
  double t0 = bench_now();
  if (p->where == AFTER_ITERATION) p->book_s += t0 - p->last_end;
  p->save_start = t0;
  p->where = AFTER_SAVE;
  phase_switch(&p->ph, "prepare", t0);
  return p->inner.save(&in, state, rec);
}

static void w_destroy(const dckpt_trial_info *info, void *state) {
  probe *p;
  dckpt_trial_info in = inner_info(info, &p);
  if (p->where == AFTER_SAVE) {
    double t = bench_now();
    p->final_s += t - p->save_start;
    p->finals++;
    phase_end_save(&p->ph, t, false);
  }
  p->where = AFTER_NOTHING;
  p->inner.destroy(&in, state);
}

static void probe_wrap(probe *p, dckpt_algorithm *out) {
  *out = p->inner;
  out->user = p;
  out->create = w_create;
  out->load = w_load;
  out->step = w_step;
  out->metrics = p->inner.metrics ? w_metrics : NULL;
  out->save = w_save;
  out->destroy = w_destroy;
}

static void probe_reset(probe *p) {
  p->where = AFTER_NOTHING;
  p->step_s = p->metrics_s = p->book_s = p->final_s = 0;
  p->steps = p->finals = 0;
  p->n_ckpt = 0;
  memset(&p->ph, 0, sizeof p->ph);
  p->ph.open = -1;
}

/* ------------------------------------------------------------------------- */
/* Options                                                                   */
/* ------------------------------------------------------------------------- */

typedef struct config {
  char name[32];
  int64_t step; /* DCKPT_STEP_NONE or > 0 */
  dckpt_durability durability;
  bool sync; /* background_checkpoints off */
} config;

typedef struct options {
  const char *dir;
  const char *method;
  size_t agents, dim, rows_per_agent;
  int64_t iterations, trials, step, period;
  int keep, level, reps;
  config configs[MAX_CONFIGS];
  int n_configs;
  bool json;
} options;

static const char usage[] =
    "Usage: bench_run_opt [options]   (under mpirun, any number of ranks)\n"
    "\n"
    "Times dckpt_run on a decentralized least-squares campaign with and without\n"
    "periodic checkpoints, alternately, and splits the time into step, metrics,\n"
    "runner bookkeeping, periodic checkpoints and final saves.\n"
    "\n"
    "  --dir DIR            scratch directory (default ./bench-run-opt); each\n"
    "                       run uses DIR/run and removes it afterwards\n"
    "  --method M           dgd, atc, extra, diging, nids, admm (default extra)\n"
    "  --agents N           agents (default 32)\n"
    "  --dim D              features = dimension of x (default 50)\n"
    "  --rows-per-agent R   data rows per agent (default 100)\n"
    "  --iterations K       iterations per trial (default 5000)\n"
    "  --trials T           trials of the campaign (default 1)\n"
    "  --step S             checkpoint every S iterations (default 100)\n"
    "  --period P           metrics every P iterations (default 1)\n"
    "  --keep N             checkpoints kept per trial (default 3)\n"
    "  --level L            zstd level of checkpoints (default 1)\n"
    "  --configs LIST       comma list of: none (checkpoint_step none), full (every\n"
    "                       S iterations, durability full), nosync (every S, no\n"
    "                       fsync), each optionally with the suffix -sync\n"
    "                       (background_checkpoints off: saves on the loop's\n"
    "                       thread) (default none,full)\n"
    "  --reps R             runs of each configuration (default 5)\n"
    "  --json               JSON lines only (what bench_run.py reads)\n"
    "  --help               this text\n"
    "\n"
    "Output: one JSON object per run, then {\"summary\": ...} with medians and the\n"
    "overhead of every configuration against the first one.\n";

static int parse_configs(const char *list, options *o) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", list);
  o->n_configs = 0;
  for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
       tok = strtok_r(NULL, ",", &save)) {
    if (o->n_configs == MAX_CONFIGS) return -1;
    config *c = &o->configs[o->n_configs++];
    snprintf(c->name, sizeof c->name, "%s", tok);
    size_t n = strlen(tok);
    c->sync = n > 5 && !strcmp(tok + n - 5, "-sync");
    if (c->sync) tok[n - 5] = '\0';
    if (!strcmp(tok, "none"))
      c->step = DCKPT_STEP_NONE, c->durability = DCKPT_DURABILITY_FULL;
    else if (!strcmp(tok, "full"))
      c->step = 0, c->durability = DCKPT_DURABILITY_FULL;
    else if (!strcmp(tok, "nosync"))
      c->step = 0, c->durability = DCKPT_DURABILITY_NONE;
    else
      return -1;
  }
  return o->n_configs > 0 ? 0 : -1;
}

static int parse(int argc, char **argv, options *o) {
  *o = (options){.dir = "bench-run-opt",
                 .method = "extra",
                 .agents = 32,
                 .dim = 50,
                 .rows_per_agent = 100,
                 .iterations = 5000,
                 .trials = 1,
                 .step = 100,
                 .period = 1,
                 .keep = 3,
                 .level = 1,
                 .reps = 5};
  parse_configs("none,full", o);
  static const struct option longs[] = {{"dir", required_argument, NULL, 'd'},
                                        {"method", required_argument, NULL, 'm'},
                                        {"agents", required_argument, NULL, 'a'},
                                        {"dim", required_argument, NULL, 'D'},
                                        {"rows-per-agent", required_argument, NULL, 'r'},
                                        {"iterations", required_argument, NULL, 'k'},
                                        {"trials", required_argument, NULL, 't'},
                                        {"step", required_argument, NULL, 's'},
                                        {"period", required_argument, NULL, 'p'},
                                        {"keep", required_argument, NULL, 'K'},
                                        {"level", required_argument, NULL, 'l'},
                                        {"configs", required_argument, NULL, 'c'},
                                        {"reps", required_argument, NULL, 'R'},
                                        {"json", no_argument, NULL, 'j'},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  int ch;
  while ((ch = getopt_long(argc, argv, "", longs, NULL)) != -1) {
    switch (ch) {
    case 'd': o->dir = optarg; break;
    case 'm': o->method = optarg; break;
    case 'a': o->agents = (size_t)strtoull(optarg, NULL, 10); break;
    case 'D': o->dim = (size_t)strtoull(optarg, NULL, 10); break;
    case 'r': o->rows_per_agent = (size_t)strtoull(optarg, NULL, 10); break;
    case 'k': o->iterations = strtoll(optarg, NULL, 10); break;
    case 't': o->trials = strtoll(optarg, NULL, 10); break;
    case 's': o->step = strtoll(optarg, NULL, 10); break;
    case 'p': o->period = strtoll(optarg, NULL, 10); break;
    case 'K': o->keep = atoi(optarg); break;
    case 'l': o->level = atoi(optarg); break;
    case 'c':
      if (parse_configs(optarg, o) != 0) return 2;
      break;
    case 'R': o->reps = atoi(optarg); break;
    case 'j': o->json = true; break;
    case 'h': return 1;
    default: return 2;
    }
  }
  if (optind != argc || o->agents < 2 || o->dim < 1 || o->rows_per_agent < 1 ||
      o->iterations < 1 || o->trials < 1 || o->step < 1 || o->period < 1 || o->keep < 1 ||
      o->reps < 1 || o->reps > MAX_REPS)
    return 2;
  for (int i = 0; i < o->n_configs; i++)
    if (o->configs[i].step == 0) o->configs[i].step = o->step;
  return 0;
}

/* ------------------------------------------------------------------------- */
/* The campaign                                                              */
/* ------------------------------------------------------------------------- */

static int build_problem(const options *o, dckpt_record **out, size_t *state_bytes) {
  char err[512];
  opt_network_spec ns;
  opt_network_spec_init(&ns);
  ns.topology = OPT_REGULAR;
  ns.n = o->agents;
  ns.degree = o->agents > 4 ? 4 : 2;
  opt_network net;
  int rc = opt_network_build(&ns, &net, err, sizeof err);
  if (rc != DCKPT_OK) {
    fprintf(stderr, "bench_run_opt: network: %s\n", err);
    return rc;
  }
  opt_problem_spec ps;
  opt_problem_spec_init(&ps);
  ps.kind = OPT_LEAST_SQUARES;
  ps.rows = o->agents * o->rows_per_agent;
  ps.features = o->dim;
  ps.lambda = 1e-3;
  opt_problem prob;
  rc = opt_problem_build(&ps, &net, &prob, err, sizeof err);
  opt_network_free(&net);
  if (rc != DCKPT_OK) {
    fprintf(stderr, "bench_run_opt: problem: %s\n", err);
    return rc;
  }
  *out = dckpt_record_create();
  rc = *out ? opt_problem_to_record(&prob, *out, err, sizeof err) : DCKPT_ENOMEM;
  opt_problem_free(&prob);
  if (rc != DCKPT_OK) fprintf(stderr, "bench_run_opt: problem record: %s\n", err);
  *state_bytes = o->agents * o->dim * sizeof(double);
  return rc;
}

typedef struct run_result {
  double wall, step_s, metrics_s, book_s, final_s;
  int64_t steps, finals, n_ckpt;
  double ckpt_total, ckpt_median, ckpt_first, ckpt_last;
  int64_t ckpt_bytes_last; /* size of the newest checkpoint file at the end */
  phases ph;               /* rank 0's split of its periodic checkpoints */
  int64_t ph_count;        /* rank 0's periodic checkpoints */
} run_result;

static void log_stderr(void *ctx, dckpt_log_level level, const char *msg) {
  (void)ctx;
  fprintf(stderr, "[%s] %s\n", dckpt_log_level_name(level), msg);
}

/* Size of the newest checkpoint of (0, 0). */
static int64_t newest_checkpoint_bytes(const char *run_dir) {
  dckpt_store_options so;
  dckpt_store_options_init(&so);
  so.flags = DCKPT_OPEN_READ;
  dckpt_store *s = NULL;
  int64_t bytes = -1;
  if (dckpt_store_open(run_dir, &so, &s) == DCKPT_OK) {
    int64_t last = -1;
    dckpt_trial_status st;
    if (dckpt_store_trial_status(s, 0, 0, &st) == DCKPT_OK) last = st.last_iteration;
    char path[4400];
    snprintf(path, sizeof path, "%s/algorithm_0/trial_0/checkpoint_%07lld.dckpt", run_dir,
             (long long)last);
    struct stat sb;
    if (last >= 0 && stat(path, &sb) == 0) bytes = (int64_t)sb.st_size;
  }
  dckpt_store_close(s);
  return bytes;
}

static int run_once(MPI_Comm comm, const options *o, const config *c, probe *p,
                    const dckpt_record *problem, run_result *r) {
  int rank;
  MPI_Comm_rank(comm, &rank);
  char run_dir[4200];
  snprintf(run_dir, sizeof run_dir, "%s/run", o->dir);
  if (rank == 0) bench_remove_tree(run_dir);
  dckpt_run_options ro;
  dckpt_run_options_init(&ro);
  ro.dir = run_dir;
  ro.mode = DCKPT_RUN_NEW;
  ro.n_trials = o->trials;
  ro.seed = 11;
  ro.metrics_period = o->period;
  ro.progress = 0;
  ro.store.checkpoint_step = c->step;
  ro.store.durability = c->durability;
  ro.store.keep_n = o->keep;
  ro.store.compression_level = o->level;
  ro.store.log = log_stderr;
  ro.store.log_level = DCKPT_LOG_WARN;
  ro.background_checkpoints = !c->sync;
  /* The phase split (the store's step hook) only for saves on this thread: a
   * background save calls the hook on the writer thread. */
  dckpt_store_experimental hooks;
  dckpt_store_experimental_init(&hooks);
  if (c->sync) {
    hooks.step_hook = on_store_step;
    hooks.step_hook_ctx = p;
    ro.store.experimental = &hooks;
  }
  dckpt_algorithm alg;
  probe_reset(p);
  probe_wrap(p, &alg);
  dckpt_run_report rep;
  MPI_Barrier(comm);
  double t0 = bench_now();
  int rc = dckpt_run(comm, &ro, &alg, 1, problem, &rep);
  double mine = bench_now() - t0;
  MPI_Allreduce(&mine, &r->wall, 1, MPI_DOUBLE, MPI_MAX, comm);
  if (rc != DCKPT_OK) {
    if (rank == 0)
      fprintf(stderr, "bench_run_opt: dckpt_run: %s: %s\n", dckpt_err_name(rc),
              rep.message);
    return rc;
  }
  /* Sums over ranks of the callback timings (1 rank in the usual set-up). */
  double loc[5] = {p->step_s, p->metrics_s, p->book_s, p->final_s, 0}, sum[5];
  for (int64_t i = 0; i < p->n_ckpt; i++)
    loc[4] += p->ckpt[i];
  MPI_Allreduce(loc, sum, 5, MPI_DOUBLE, MPI_SUM, comm);
  int64_t cnt[3] = {p->steps, p->finals, p->n_ckpt}, csum[3];
  MPI_Allreduce(cnt, csum, 3, MPI_INT64_T, MPI_SUM, comm);
  r->step_s = sum[0];
  r->metrics_s = sum[1];
  r->book_s = sum[2];
  r->final_s = sum[3];
  r->ckpt_total = sum[4];
  r->steps = csum[0];
  r->finals = csum[1];
  r->n_ckpt = csum[2];
  /* Checkpoint durations of rank 0 (the first, the median, the last). */
  r->ckpt_first = p->n_ckpt ? p->ckpt[0] : 0;
  r->ckpt_last = p->n_ckpt ? p->ckpt[p->n_ckpt - 1] : 0;
  r->ckpt_median = bench_median(p->ckpt, (size_t)p->n_ckpt);
  r->ckpt_bytes_last = rank == 0 ? newest_checkpoint_bytes(run_dir) : -1;
  r->ph = p->ph;
  r->ph_count = p->n_ckpt;
  MPI_Barrier(comm);
  if (rank == 0) bench_remove_tree(run_dir);
  return DCKPT_OK;
}

static void print_run(const options *o, const config *c, int rep, int ranks,
                      const run_result *r) {
  printf("{\"bench\":\"overhead\",\"config\":\"%s\",\"rep\":%d,\"ranks\":%d,"
         "\"method\":\"%s\",\"agents\":%zu,\"dim\":%zu,\"rows\":%zu,\"iterations\":%lld,"
         "\"trials\":%lld,\"step\":%lld,\"durability\":\"%s\",\"period\":%lld,"
         "\"wall_s\":%.6f,\"steps\":%lld,\"step_s\":%.6f,\"metrics_s\":%.6f,"
         "\"bookkeeping_s\":%.6f,\"checkpoints\":%lld,\"checkpoint_s\":%.6f,"
         "\"checkpoint_median_s\":%.7f,\"checkpoint_first_s\":%.7f,"
         "\"checkpoint_last_s\":%.7f,\"final_saves\":%lld,\"final_save_s\":%.6f,"
         "\"newest_checkpoint_bytes\":%lld,\"phases_per_checkpoint_s\":{",
         c->name, rep, ranks, o->method, o->agents, o->dim, o->rows_per_agent,
         (long long)o->iterations, (long long)o->trials, (long long)c->step,
         c->durability == DCKPT_DURABILITY_FULL ? "full" : "none", (long long)o->period,
         r->wall, (long long)r->steps, r->step_s, r->metrics_s, r->book_s,
         (long long)r->n_ckpt, r->ckpt_total, r->ckpt_median, r->ckpt_first, r->ckpt_last,
         (long long)r->finals, r->final_s, (long long)r->ckpt_bytes_last);
  for (int i = 0; i < r->ph.n; i++)
    printf("%s\"%s\":%.8f", i ? "," : "", r->ph.name[i],
           r->ph_count ? r->ph.sum[i] / (double)r->ph_count : 0.0);
  printf("}}\n");
  fflush(stdout);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, ranks;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  options o;
  int prc = parse(argc, argv, &o);
  if (prc != 0) return bench_mpi_usage(prc, usage);
  bench_mpi_scratch(o.dir);
  dckpt_record *problem = NULL;
  size_t state_bytes = 0;
  int rc = DCKPT_OK;
  if (rank == 0) rc = build_problem(&o, &problem, &state_bytes);
  MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
  char err[512];
  probe p;
  memset(&p, 0, sizeof p);
  if (rc == DCKPT_OK && opt_make_algorithm(o.method, o.method, NULL, o.iterations,
                                           &p.inner, err, sizeof err) != DCKPT_OK) {
    if (rank == 0) fprintf(stderr, "bench_run_opt: %s\n", err);
    rc = DCKPT_EINVAL;
  }
  static run_result results[MAX_CONFIGS][MAX_REPS];
  for (int rep = 0; rc == DCKPT_OK && rep < o.reps; rep++) {
    /* Alternate the order so that a drift in machine load hits all alike. */
    for (int j = 0; rc == DCKPT_OK && j < o.n_configs; j++) {
      int ci = rep % 2 ? o.n_configs - 1 - j : j;
      rc = run_once(MPI_COMM_WORLD, &o, &o.configs[ci], &p, problem, &results[ci][rep]);
      if (rc == DCKPT_OK && rank == 0) {
        if (o.json)
          print_run(&o, &o.configs[ci], rep, ranks, &results[ci][rep]);
        else
          printf("rep %d %-7s wall %.3f s, %lld checkpoints %.1f ms total\n", rep,
                 o.configs[ci].name, results[ci][rep].wall,
                 (long long)results[ci][rep].n_ckpt, 1e3 * results[ci][rep].ckpt_total);
      }
    }
  }
  if (rc == DCKPT_OK && rank == 0) {
    double base = 0;
    printf("{\"summary\":{\"bench\":\"overhead\",\"state_bytes\":%zu,\"configs\":[",
           4 * state_bytes);
    for (int ci = 0; ci < o.n_configs; ci++) {
      double wall[MAX_REPS], per_it[MAX_REPS], ck[MAX_REPS];
      for (int r = 0; r < o.reps; r++) {
        const run_result *x = &results[ci][r];
        wall[r] = x->wall;
        per_it[r] = (x->step_s + x->metrics_s + x->book_s) / (double)x->steps;
        ck[r] = x->n_ckpt ? x->ckpt_total / (double)x->n_ckpt : 0;
      }
      double w = bench_median(wall, (size_t)o.reps);
      if (ci == 0) base = w;
      printf("%s{\"config\":\"%s\",\"wall_median_s\":%.6f,\"wall_min_s\":%.6f,"
             "\"wall_max_s\":%.6f,\"per_iteration_s\":%.9f,\"checkpoint_mean_s\":%.7f,"
             "\"overhead\":%.5f}",
             ci ? "," : "", o.configs[ci].name, w, wall[0], wall[o.reps - 1],
             bench_median(per_it, (size_t)o.reps), bench_median(ck, (size_t)o.reps),
             w / base - 1.0);
    }
    printf("]}}\n");
  }
  opt_algorithm_release(&p.inner);
  free(p.ckpt);
  dckpt_record_free(problem);
  MPI_Finalize();
  return rc == DCKPT_OK ? 0 : 1;
}
