/*
 * bench_run_sched — scheduling of dckpt_run: scaling over ranks, load
 * balance of algorithms of unequal cost, and how long it takes a rank to get
 * its next pair, with the two schedulers (the RMA counter on rank 0 and the
 * rank-0 dispenser).
 *
 * The algorithms are synthetic: a trial's step burns a calibrated amount of
 * CPU (a dependent chain of floating-point multiply-adds on the trial's small
 * state, so it cannot be optimised away and does not touch memory). `cost`
 * multiplies the burn per iteration; cost_hint is set to it or left at 1.
 *
 * Modes (--mode):
 *   balance  algorithms of cost 1x, 4x, 16x (--costs), several trials each,
 *            timed pair by pair; prints the makespan, the lower bound
 *            max(sum / P, longest pair), the LPT schedule and (P = 2, up to
 *            26 pairs) the optimal schedule of the measured pair times.
 *   scaling  equal CPU-bound pairs; run under -np 1 and -np 2 and compare.
 *   handout  many 1-iteration pairs: the gap between the end of one pair and
 *            the start of the next on the same rank (hand-out plus the
 *            store's look-up of the new pair), per scheduler.
 *   micro    the MPI calls of each scheduler alone (the counter's
 *            MPI_Fetch_and_op + MPI_Win_flush; the dispenser's request/reply
 *            answered by rank 0 between busy "iterations" of --busy-us, with
 *            sched.c's single MPI_Iprobe per poll and, for comparison, two
 *            MPI_Iprobe calls or a pre-posted MPI_Irecv tested with MPI_Test).
 *
 * A program, not a test: JSON objects on stdout, one per run, then a summary;
 * perf/bench_run.py makes the tables of docs/performance.md. Run with --help.
 */
#define _XOPEN_SOURCE 700

#include <getopt.h>
#include <math.h>
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
#include "dckpt_run.h"

#define MAX_ALGS      8
#define MAX_REPS      200
#define STATE_WORDS   4
#define MAX_OPT_PAIRS 26

/* ------------------------------------------------------------------------- */
/* The burn                                                                  */
/* ------------------------------------------------------------------------- */

/* Where calibration results go, so that the compiler keeps the loop. */
static volatile double burn_sink;

/* `loops` dependent multiply-adds on each of the state's words. */
__attribute__((noinline)) static void burn(double *x, int64_t loops) {
  double a = x[0], b = x[1], c = x[2], d = x[3];
  for (int64_t i = 0; i < loops; i++) {
    a = a * 0.9999999 + 1e-7;
    b = b * 0.9999998 + 2e-7;
    c = c * 0.9999997 + 3e-7;
    d = d * 0.9999996 + 4e-7;
  }
  x[0] = a, x[1] = b, x[2] = c, x[3] = d;
}

/* Loops per microsecond, measured on this rank (best of a few tries). */
static double calibrate(void) {
  double x[STATE_WORDS] = {1, 2, 3, 4}, best = 0;
  int64_t loops = 1 << 20;
  for (int t = 0; t < 7; t++) {
    double t0 = bench_now();
    burn(x, loops);
    double dt = bench_now() - t0;
    double rate = (double)loops / (dt * 1e6);
    if (rate > best) best = rate;
  }
  burn_sink = x[0] + x[1] + x[2] + x[3];
  return best;
}

/* ------------------------------------------------------------------------- */
/* The synthetic algorithm and its pair log                                  */
/* ------------------------------------------------------------------------- */

typedef struct pair_event {
  double alg, trial, start, end; /* doubles: one MPI type for the gather */
} pair_event;

typedef struct pair_log {
  pair_event *ev;
  size_t n, cap;
} pair_log;

typedef struct burn_conf {
  int64_t loops;  /* per iteration */
  int64_t loops0; /* per iteration on rank 0 (handout --rank0-busy-us) */
  bool rank0;     /* this process is rank 0 */
  pair_log *log;
} burn_conf;

typedef struct burn_state {
  double x[STATE_WORDS];
  size_t slot; /* index in the pair log */
} burn_state;

static int log_start(pair_log *log, int64_t alg, int64_t trial, size_t *slot) {
  if (log->n == log->cap) {
    size_t cap = log->cap ? 2 * log->cap : 256;
    pair_event *e = realloc(log->ev, cap * sizeof *e);
    if (!e) return 1;
    log->ev = e;
    log->cap = cap;
  }
  *slot = log->n++;
  log->ev[*slot] = (pair_event){(double)alg, (double)trial, bench_now(), 0};
  return 0;
}

static int b_create(const dckpt_trial_info *info, dckpt_rng *rng, void **out) {
  burn_conf *c = info->user;
  burn_state *s = calloc(1, sizeof *s);
  if (!s) return 1;
  if (log_start(c->log, info->alg, info->trial, &s->slot) != 0) {
    free(s);
    return 1;
  }
  for (int i = 0; i < STATE_WORDS; i++)
    s->x[i] = 1.0 + dckpt_rng_uniform(rng);
  *out = s;
  return 0;
}

static int b_load(const dckpt_trial_info *info, const dckpt_record *rec, void **out) {
  burn_conf *c = info->user;
  burn_state *s = calloc(1, sizeof *s);
  if (!s) return 1;
  if (log_start(c->log, info->alg, info->trial, &s->slot) != 0 ||
      dckpt_record_get(rec, "x", DCKPT_F64, s->x, STATE_WORDS) != DCKPT_OK) {
    free(s);
    return 1;
  }
  *out = s;
  return 0;
}

static int b_step(const dckpt_trial_info *info, void *state, int64_t k, dckpt_rng *rng) {
  (void)k;
  (void)rng;
  const burn_conf *c = info->user;
  burn_state *s = state;
  burn(s->x, c->rank0 ? c->loops0 : c->loops);
  return 0;
}

static int b_save(const dckpt_trial_info *info, const void *state, dckpt_record *rec) {
  (void)info;
  const burn_state *s = state;
  return dckpt_record_put_f64(rec, "x", s->x, STATE_WORDS);
}

static void b_destroy(const dckpt_trial_info *info, void *state) {
  burn_conf *c = info->user;
  burn_state *s = state;
  c->log->ev[s->slot].end = bench_now();
  free(s);
}

/* ------------------------------------------------------------------------- */
/* Options                                                                   */
/* ------------------------------------------------------------------------- */

enum mode { MODE_BALANCE, MODE_SCALING, MODE_HANDOUT, MODE_MICRO };

typedef struct options {
  enum mode mode;
  const char *dir;
  double costs[MAX_ALGS];
  int n_algs;
  int64_t trials, iterations;
  double unit_us;
  int hint;  /* 0 off, 1 on, 2 both */
  int sched; /* bit 0 counter, bit 1 dispenser, bit 2 auto */
  bool thread_multiple;
  double rank0_busy_us; /* handout: rank 0's iterations (-1: as the others) */
  int reps;
  int64_t requests;      /* micro */
  double busy_us;        /* micro: rank 0's iteration; handout: each pair's step */
  double index_interval; /* dckpt_run_options.index_interval (-1: its default) */
  bool durable;          /* durability FULL instead of NONE */
  bool json;
} options;

static const char usage[] =
    "Usage: bench_run_sched --mode balance|scaling|handout|micro [options]\n"
    "       (under mpirun; balance and handout compare schedulers on the same ranks)\n"
    "\n"
    "  --dir DIR          scratch directory (default ./bench-run-sched)\n"
    "  --scheduler S      counter, dispenser, auto (the default of dckpt_run),\n"
    "                     both (counter and dispenser) or all (default both)\n"
    "  --thread T         multiple: MPI_Init_thread(MPI_THREAD_MULTIPLE) (rank 0\n"
    "                     then serves requests from a thread); single: MPI_Init\n"
    "                     (default)\n"
    "  --reps R           runs of each configuration, alternated (default 5)\n"
    "  --index-interval S completion index commits every S s (default: dckpt_run's;\n"
    "                     0: after every completion, so that commits overlap the\n"
    "                     hand-outs)\n"
    "  --durable          the store's full durability (fsyncs) instead of none\n"
    "  --json             JSON lines only (what bench_run.py reads)\n"
    "  --help             this text\n"
    "balance (defaults: --costs 1,4,16 --trials 5 --iterations 100 --unit-us 500):\n"
    "  --costs LIST       cost per iteration of each algorithm, in units\n"
    "  --trials T         trials per algorithm\n"
    "  --iterations K     iterations per trial (every algorithm)\n"
    "  --unit-us U        CPU time of one unit of cost (calibrated on rank 0)\n"
    "  --hint H           cost_hint = cost (on), 1 (off) or both (default both)\n"
    "scaling (defaults: --costs 1 --trials 16 --iterations 200 --unit-us 2500):\n"
    "  equal pairs; the driver runs it under -np 1 and -np 2\n"
    "handout (defaults: --trials 400 --iterations 1 --busy-us 0):\n"
    "  1-algorithm campaign of tiny pairs; --busy-us is each iteration's burn\n"
    "  --rank0-busy-us B  rank 0's iterations burn B us instead: how long do the\n"
    "                     other ranks wait for a pair while rank 0 computes?\n"
    "micro (defaults: --requests 2000 --busy-us 0):\n"
    "  --requests N       requests per rank\n"
    "  --busy-us B        rank 0 burns B us between two of its own counter takes\n"
    "                     (counter) or two polls for requests (dispenser); the time\n"
    "                     reported is per take / request on the other ranks\n"
    "\n"
    "Pairs are checkpointed only at their end (checkpoint_step none), without\n"
    "fsync (unless --durable), so that the scheduling, not the disk, is measured.\n";

static int parse_costs(const char *s, options *o) {
  o->n_algs = 0;
  char buf[256];
  snprintf(buf, sizeof buf, "%s", s);
  for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
       tok = strtok_r(NULL, ",", &save)) {
    if (o->n_algs == MAX_ALGS) return -1;
    double c = strtod(tok, NULL);
    if (!(c > 0)) return -1;
    o->costs[o->n_algs++] = c;
  }
  return o->n_algs ? 0 : -1;
}

static int parse_choice(const char *v, const char *a, const char *b, int *out) {
  if (!strcmp(v, a))
    *out = 0;
  else if (!strcmp(v, b))
    *out = 1;
  else if (!strcmp(v, "both"))
    *out = 2;
  else
    return -1;
  return 0;
}

static int parse(int argc, char **argv, options *o) {
  *o = (options){.mode = MODE_BALANCE,
                 .dir = "bench-run-sched",
                 .hint = 2,
                 .sched = 3,
                 .reps = 5,
                 .trials = -1,
                 .iterations = -1,
                 .unit_us = -1,
                 .requests = 2000,
                 .busy_us = 0,
                 .rank0_busy_us = -1,
                 .index_interval = -1};
  const char *costs = NULL;
  static const struct option longs[] = {{"mode", required_argument, NULL, 'M'},
                                        {"dir", required_argument, NULL, 'd'},
                                        {"costs", required_argument, NULL, 'c'},
                                        {"trials", required_argument, NULL, 't'},
                                        {"iterations", required_argument, NULL, 'k'},
                                        {"unit-us", required_argument, NULL, 'u'},
                                        {"hint", required_argument, NULL, 'H'},
                                        {"scheduler", required_argument, NULL, 's'},
                                        {"reps", required_argument, NULL, 'R'},
                                        {"requests", required_argument, NULL, 'n'},
                                        {"busy-us", required_argument, NULL, 'b'},
                                        {"rank0-busy-us", required_argument, NULL, 'z'},
                                        {"thread", required_argument, NULL, 'T'},
                                        {"index-interval", required_argument, NULL, 'I'},
                                        {"durable", no_argument, NULL, 'D'},
                                        {"json", no_argument, NULL, 'j'},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  int ch;
  while ((ch = getopt_long(argc, argv, "", longs, NULL)) != -1) {
    switch (ch) {
    case 'M':
      if (!strcmp(optarg, "balance"))
        o->mode = MODE_BALANCE;
      else if (!strcmp(optarg, "scaling"))
        o->mode = MODE_SCALING;
      else if (!strcmp(optarg, "handout"))
        o->mode = MODE_HANDOUT;
      else if (!strcmp(optarg, "micro"))
        o->mode = MODE_MICRO;
      else
        return 2;
      break;
    case 'd': o->dir = optarg; break;
    case 'c': costs = optarg; break;
    case 't': o->trials = strtoll(optarg, NULL, 10); break;
    case 'k': o->iterations = strtoll(optarg, NULL, 10); break;
    case 'u': o->unit_us = strtod(optarg, NULL); break;
    case 'H':
      if (parse_choice(optarg, "off", "on", &o->hint) != 0) return 2;
      break;
    case 's':
      o->sched = !strcmp(optarg, "counter")     ? 1
                 : !strcmp(optarg, "dispenser") ? 2
                 : !strcmp(optarg, "auto")      ? 4
                 : !strcmp(optarg, "both")      ? 3
                 : !strcmp(optarg, "all")       ? 7
                                                : 0;
      if (!o->sched) return 2;
      break;
    case 'z': o->rank0_busy_us = strtod(optarg, NULL); break;
    case 'T':
      if (strcmp(optarg, "multiple") && strcmp(optarg, "single")) return 2;
      o->thread_multiple = !strcmp(optarg, "multiple");
      break;
    case 'R': o->reps = atoi(optarg); break;
    case 'n': o->requests = strtoll(optarg, NULL, 10); break;
    case 'b': o->busy_us = strtod(optarg, NULL); break;
    case 'I':
      o->index_interval = strtod(optarg, NULL);
      if (!(o->index_interval >= 0)) return 2;
      break;
    case 'D': o->durable = true; break;
    case 'j': o->json = true; break;
    case 'h': return 1;
    default: return 2;
    }
  }
  if (optind != argc) return 2;
  /* Mode defaults. */
  const char *dc = "1";
  int64_t dt = 16, dk = 200;
  double du = 2500;
  if (o->mode == MODE_BALANCE) dc = "1,4,16", dt = 5, dk = 100, du = 500;
  if (o->mode == MODE_HANDOUT) dt = 400, dk = 1, du = 0;
  if (parse_costs(costs ? costs : dc, o) != 0) return 2;
  if (o->trials < 0) o->trials = dt;
  if (o->iterations < 0) o->iterations = dk;
  if (o->unit_us < 0) o->unit_us = du;
  if (o->mode == MODE_HANDOUT) o->unit_us = o->busy_us;
  if (o->mode != MODE_BALANCE) o->hint = 1;
  if (o->trials < 1 || o->iterations < 1 || o->reps < 1 || o->reps > MAX_REPS ||
      o->requests < 1 || o->unit_us < 0 || o->busy_us < 0)
    return 2;
  return 0;
}

/* ------------------------------------------------------------------------- */
/* One campaign                                                              */
/* ------------------------------------------------------------------------- */

static void log_stderr(void *ctx, dckpt_log_level level, const char *msg) {
  (void)ctx;
  fprintf(stderr, "[%s] %s\n", dckpt_log_level_name(level), msg);
}

typedef struct campaign_result {
  double wall;                         /* dckpt_run, max over ranks */
  double makespan;                     /* last pair end - first pair start */
  double sum, longest;                 /* of the pair times */
  double lower, lpt, opt;              /* opt < 0: not computed */
  double rank_busy_max, rank_busy_min; /* per-rank sum of pair times */
  double gap_median[2]; /* handout: median gap on rank 0 and on the other ranks */
  double gap_mean[2];
  double gap_max_others; /* handout: the longest gap on a rank other than 0 */
  int64_t pairs;
} campaign_result;

/* LPT list scheduling of times t[0..n) (any order) on p machines. */
static double lpt(const double *t, size_t n, int p) {
  double *s = malloc(n * sizeof *s), *load = calloc((size_t)p, sizeof *load);
  double span = 0;
  if (s && load) {
    memcpy(s, t, n * sizeof *s);
    qsort(s, n, sizeof *s, bench_cmp_double);
    for (size_t i = n; i-- > 0;) {
      int best = 0;
      for (int m = 1; m < p; m++)
        if (load[m] < load[best]) best = m;
      load[best] += s[i];
    }
    for (int m = 0; m < p; m++)
      if (load[m] > span) span = load[m];
  }
  free(s);
  free(load);
  return span;
}

/* The optimal 2-machine makespan: the best split over every subset (n small). */
static double opt2(const double *t, size_t n) {
  double total = 0;
  for (size_t i = 0; i < n; i++)
    total += t[i];
  double best = total;
  /* Pair 0 goes to machine A without loss of generality. */
  uint32_t subsets = (uint32_t)1 << (n - 1);
  for (uint32_t m = 0; m < subsets; m++) {
    double a = t[0];
    for (size_t i = 1; i < n; i++)
      if (m & ((uint32_t)1 << (i - 1))) a += t[i];
    double span = a > total - a ? a : total - a;
    if (span < best) best = span;
  }
  return best;
}

static int run_campaign(MPI_Comm comm, const options *o, double loops_per_us, bool hint,
                        dckpt_scheduler sched, campaign_result *r) {
  int rank, size;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  char run_dir[4200];
  snprintf(run_dir, sizeof run_dir, "%s/run", o->dir);
  if (rank == 0) bench_remove_tree(run_dir);
  pair_log log = {0};
  burn_conf conf[MAX_ALGS];
  char names[MAX_ALGS][32];
  dckpt_algorithm algs[MAX_ALGS];
  memset(algs, 0, sizeof algs);
  for (int a = 0; a < o->n_algs; a++) {
    double busy0 = o->rank0_busy_us >= 0 ? o->rank0_busy_us : o->costs[a] * o->unit_us;
    conf[a] = (burn_conf){(int64_t)llround(o->costs[a] * o->unit_us * loops_per_us),
                          (int64_t)llround(busy0 * loops_per_us), rank == 0, &log};
    snprintf(names[a], sizeof names[a], "burn%g", o->costs[a]);
    algs[a] = (dckpt_algorithm){.name = names[a],
                                .iterations = o->iterations,
                                .cost_hint = hint ? o->costs[a] : 1.0,
                                .user = &conf[a],
                                .create = b_create,
                                .step = b_step,
                                .save = b_save,
                                .load = b_load,
                                .destroy = b_destroy};
  }
  dckpt_run_options ro;
  dckpt_run_options_init(&ro);
  ro.dir = run_dir;
  ro.mode = DCKPT_RUN_NEW;
  ro.n_trials = o->trials;
  ro.seed = 5;
  ro.progress = 0;
  ro.scheduler = sched;
  ro.store.checkpoint_step = DCKPT_STEP_NONE;
  ro.store.durability = o->durable ? DCKPT_DURABILITY_FULL : DCKPT_DURABILITY_NONE;
  if (o->index_interval >= 0) ro.index_interval = o->index_interval;
  ro.store.log = log_stderr;
  ro.store.log_level = DCKPT_LOG_WARN;
  dckpt_record *problem = dckpt_record_create();
  double one = 1.0;
  if (problem) dckpt_record_put_f64(problem, "unit", &one, 1);
  dckpt_run_report rep;
  MPI_Barrier(comm);
  double t0 = bench_now();
  int rc = dckpt_run(comm, &ro, algs, (size_t)o->n_algs, problem, &rep);
  double mine = bench_now() - t0;
  dckpt_record_free(problem);
  MPI_Allreduce(&mine, &r->wall, 1, MPI_DOUBLE, MPI_MAX, comm);
  if (rc != DCKPT_OK) {
    if (rank == 0)
      fprintf(stderr, "bench_run_sched: dckpt_run: %s: %s\n", dckpt_err_name(rc),
              rep.message);
    free(log.ev);
    return rc;
  }
  /* Gaps between consecutive pairs of this rank (pairs are logged in order). */
  double gsum = 0, gmax = 0;
  double *gaps = malloc((log.n + 1) * sizeof *gaps);
  size_t ng = 0;
  for (size_t i = 1; gaps && i < log.n; i++) {
    gaps[ng] = log.ev[i].start - log.ev[i - 1].end;
    if (gaps[ng] > gmax) gmax = gaps[ng];
    gsum += gaps[ng++];
  }
  double gmed = gaps ? bench_median(gaps, ng) : 0;
  free(gaps);
  /* Rank 0 collects every pair and every rank's gap summary. */
  int n = (int)log.n;
  int *counts = rank == 0 ? calloc((size_t)size, sizeof *counts) : NULL;
  int *displs = rank == 0 ? calloc((size_t)size, sizeof *displs) : NULL;
  MPI_Gather(&n, 1, MPI_INT, counts, 1, MPI_INT, 0, comm);
  int total = 0;
  if (rank == 0)
    for (int i = 0; i < size; i++) {
      counts[i] *= 4;
      displs[i] = total;
      total += counts[i];
    }
  double *all = rank == 0 ? malloc(((size_t)total + 4) * sizeof *all) : NULL;
  MPI_Gatherv(log.ev, 4 * n, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0, comm);
  double gmine[4] = {gmed, ng ? gsum / (double)ng : 0, (double)ng, gmax};
  double *gall = rank == 0 ? malloc(4 * (size_t)size * sizeof *gall) : NULL;
  MPI_Gather(gmine, 4, MPI_DOUBLE, gall, 4, MPI_DOUBLE, 0, comm);
  if (rank == 0) {
    size_t np = (size_t)total / 4;
    double first = INFINITY, last = -INFINITY;
    double *t = malloc((np + 1) * sizeof *t);
    r->sum = r->longest = 0;
    for (size_t i = 0; i < np; i++) {
      const double *e = all + 4 * i;
      if (e[2] < first) first = e[2];
      if (e[3] > last) last = e[3];
      t[i] = e[3] - e[2];
      r->sum += t[i];
      if (t[i] > r->longest) r->longest = t[i];
    }
    r->pairs = (int64_t)np;
    r->makespan = last - first;
    r->lower = r->sum / size > r->longest ? r->sum / size : r->longest;
    r->lpt = lpt(t, np, size);
    r->opt = size == 2 && np <= MAX_OPT_PAIRS && np > 0 ? opt2(t, np) : -1;
    r->rank_busy_max = 0;
    r->rank_busy_min = INFINITY;
    for (int k = 0, off = 0; k < size; k++) {
      double busy = 0;
      for (int i = 0; i < counts[k] / 4; i++)
        busy += t[off + i];
      off += counts[k] / 4;
      if (busy > r->rank_busy_max) r->rank_busy_max = busy;
      if (busy < r->rank_busy_min) r->rank_busy_min = busy;
    }
    /* Gaps: rank 0 alone, and the median over the other ranks' medians. */
    r->gap_median[0] = gall[0];
    r->gap_mean[0] = gall[1];
    double meds[64], means = 0;
    int m = 0;
    r->gap_max_others = 0;
    for (int k = 1; k < size && m < 64; k++, m++) {
      meds[m] = gall[4 * k];
      means += gall[4 * k + 1];
      if (gall[4 * k + 3] > r->gap_max_others) r->gap_max_others = gall[4 * k + 3];
    }
    r->gap_median[1] = m ? bench_median(meds, (size_t)m) : 0;
    r->gap_mean[1] = m ? means / m : 0;
    free(t);
  }
  free(all);
  free(gall);
  free(counts);
  free(displs);
  free(log.ev);
  MPI_Barrier(comm);
  if (rank == 0) bench_remove_tree(run_dir);
  return DCKPT_OK;
}

/* ------------------------------------------------------------------------- */
/* micro: the schedulers' MPI calls alone                                    */
/* ------------------------------------------------------------------------- */

/* Every rank takes `n` numbers from a counter on rank 0 exactly as sched.c
 * does, rank 0 burning `loops` before each of its own takes (the owner of the
 * window is busy computing, as in a run); returns this rank's mean seconds per
 * take. */
static double micro_counter(MPI_Comm comm, int64_t n, int64_t loops) {
  int rank;
  MPI_Comm_rank(comm, &rank);
  int64_t *base = NULL;
  MPI_Win win;
  MPI_Aint bytes = rank == 0 ? (MPI_Aint)(3 * sizeof(int64_t)) : 0;
  MPI_Win_allocate(bytes, (int)sizeof(int64_t), MPI_INFO_NULL, comm, &base, &win);
  if (rank == 0) memset(base, 0, (size_t)bytes);
  MPI_Barrier(comm);
  MPI_Win_lock_all(0, win);
  int64_t one = 1, old = 0;
  double x[STATE_WORDS] = {1, 1, 1, 1};
  double t0 = bench_now();
  for (int64_t i = 0; i < n; i++) {
    if (rank == 0 && loops > 0) burn(x, loops);
    MPI_Fetch_and_op(&one, &old, MPI_INT64_T, 0, 0, MPI_SUM, win);
    MPI_Win_flush(0, win);
  }
  double dt = bench_now() - t0;
  MPI_Win_unlock_all(win);
  MPI_Barrier(comm);
  MPI_Win_free(&win);
  return dt / (double)n;
}

/* How rank 0 looks for requests between two busy iterations. */
enum serve_kind {
  SERVE_IPROBE = 0,  /* one MPI_Iprobe per poll: what sched.c does */
  SERVE_IPROBE2 = 1, /* MPI_Iprobe, and once more when it found nothing */
  SERVE_IRECV = 2    /* a pre-posted MPI_Irecv(MPI_ANY_SOURCE) tested with MPI_Test */
};

/* Ranks > 0 send `n` requests each to rank 0 and wait for the reply; rank 0
 * alternates busy "iterations" of `loops` burn loops with answering what is
 * waiting, as the dispenser does. Returns the mean seconds per request on
 * ranks > 0 (rank 0: 0). */
static double micro_dispenser(MPI_Comm comm, int64_t n, int64_t loops,
                              enum serve_kind how) {
  int rank, size;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  enum { TAG_REQ = 9101, TAG_REP = 9102 };
  MPI_Barrier(comm);
  double t0 = bench_now();
  if (rank != 0) {
    char dummy = 0;
    int64_t index = 0;
    for (int64_t i = 0; i < n; i++) {
      MPI_Send(&dummy, 1, MPI_CHAR, 0, TAG_REQ, comm);
      MPI_Recv(&index, 1, MPI_INT64_T, 0, TAG_REP, comm, MPI_STATUS_IGNORE);
    }
    double dt = bench_now() - t0;
    MPI_Barrier(comm);
    return dt / (double)n;
  }
  int64_t left = n * (size - 1), next = 0;
  double x[STATE_WORDS] = {1, 1, 1, 1};
  char slot = 0;
  MPI_Request req = MPI_REQUEST_NULL;
  if (how == SERVE_IRECV)
    MPI_Irecv(&slot, 1, MPI_CHAR, MPI_ANY_SOURCE, TAG_REQ, comm, &req);
  while (left > 0) {
    burn(x, loops);
    while (left > 0) {
      int flag = 0, source = -1;
      MPI_Status st;
      if (how == SERVE_IRECV) {
        MPI_Test(&req, &flag, &st);
        if (!flag) break;
        source = st.MPI_SOURCE;
      } else {
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_REQ, comm, &flag, &st);
        if (!flag && how == SERVE_IPROBE2)
          MPI_Iprobe(MPI_ANY_SOURCE, TAG_REQ, comm, &flag, &st);
        if (!flag) break;
        source = st.MPI_SOURCE;
        char dummy;
        MPI_Recv(&dummy, 1, MPI_CHAR, source, TAG_REQ, comm, MPI_STATUS_IGNORE);
      }
      MPI_Send(&next, 1, MPI_INT64_T, source, TAG_REP, comm);
      next++;
      left--;
      if (how == SERVE_IRECV && left > 0)
        MPI_Irecv(&slot, 1, MPI_CHAR, MPI_ANY_SOURCE, TAG_REQ, comm, &req);
    }
  }
  MPI_Barrier(comm);
  return 0;
}

/* ------------------------------------------------------------------------- */
/* main                                                                      */
/* ------------------------------------------------------------------------- */

static const char *sched_name(dckpt_scheduler s) {
  return s == DCKPT_SCHED_COUNTER     ? "counter"
         : s == DCKPT_SCHED_DISPENSER ? "dispenser"
                                      : "auto";
}

static const char *mode_name(enum mode m) {
  static const char *const names[] = {"balance", "scaling", "handout", "micro"};
  return names[m];
}

typedef struct config {
  bool hint;
  dckpt_scheduler sched;
} config;

static void print_result(const options *o, const config *c, int rep, int ranks,
                         double loops_per_us, const campaign_result *r) {
  printf("{\"bench\":\"%s\",\"scheduler\":\"%s\",\"hint\":%s,\"rep\":%d,\"ranks\":%d,"
         "\"costs\":[",
         mode_name(o->mode), sched_name(c->sched), c->hint ? "true" : "false", rep,
         ranks);
  for (int a = 0; a < o->n_algs; a++)
    printf("%s%g", a ? "," : "", o->costs[a]);
  printf("],\"trials\":%lld,\"iterations\":%lld,\"unit_us\":%g,\"loops_per_us\":%.2f,"
         "\"pairs\":%lld,\"wall_s\":%.6f,\"makespan_s\":%.6f,\"sum_s\":%.6f,"
         "\"longest_s\":%.6f,\"lower_bound_s\":%.6f,\"lpt_s\":%.6f,\"opt_s\":%.6f,"
         "\"rank_busy_max_s\":%.6f,\"rank_busy_min_s\":%.6f,"
         "\"gap_median_rank0_s\":%.8f,\"gap_median_others_s\":%.8f,"
         "\"gap_mean_rank0_s\":%.8f,\"gap_mean_others_s\":%.8f,"
         "\"gap_max_others_s\":%.8f,\"rank0_busy_us\":%g,\"thread_multiple\":%s,"
         "\"index_interval\":%g,\"durable\":%s}\n",
         (long long)o->trials, (long long)o->iterations, o->unit_us, loops_per_us,
         (long long)r->pairs, r->wall, r->makespan, r->sum, r->longest, r->lower, r->lpt,
         r->opt, r->rank_busy_max, r->rank_busy_min, r->gap_median[0], r->gap_median[1],
         r->gap_mean[0], r->gap_mean[1], r->gap_max_others, o->rank0_busy_us,
         o->thread_multiple ? "true" : "false", o->index_interval,
         o->durable ? "true" : "false");
  fflush(stdout);
}

static void print_human(const options *o, const config *c, int rep,
                        const campaign_result *r) {
  if (o->mode == MODE_HANDOUT) {
    printf(
        "rep %d %-9s pairs %lld, wall %.3f s, gap median rank0 %.1f us, others %.1f us "
        "(mean %.1f us, max %.1f us)\n",
        rep, sched_name(c->sched), (long long)r->pairs, r->wall, 1e6 * r->gap_median[0],
        1e6 * r->gap_median[1], 1e6 * r->gap_mean[1], 1e6 * r->gap_max_others);
    return;
  }
  printf("rep %d %-9s hint %-3s wall %.3f s, makespan %.3f s, lower bound %.3f s, LPT "
         "%.3f s,"
         " opt %.3f s, makespan/opt %.3f\n",
         rep, sched_name(c->sched), c->hint ? "on" : "off", r->wall, r->makespan,
         r->lower, r->lpt, r->opt,
         r->opt > 0 ? r->makespan / r->opt : r->makespan / r->lower);
}

static int run_micro(const options *o, int rank, int size, double loops_per_us) {
  double per[4][MAX_REPS];
  int64_t loops = (int64_t)llround(o->busy_us * loops_per_us);
  for (int rep = 0; rep < o->reps; rep++) {
    double mine[4] = {micro_counter(MPI_COMM_WORLD, o->requests, loops), 0, 0, 0}, sum[4];
    for (int k = 0; k < 3 && size > 1; k++)
      mine[1 + k] =
          micro_dispenser(MPI_COMM_WORLD, o->requests, loops, (enum serve_kind)k);
    /* means over ranks > 0 (rank 0 is the server); one rank: its own takes */
    if (rank == 0 && size > 1) mine[0] = 0;
    MPI_Reduce(mine, sum, 4, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    for (int k = 0; k < 4; k++)
      per[k][rep] = size > 1 ? sum[k] / (size - 1) : sum[k];
    if (rank == 0) {
      if (o->json)
        printf("{\"bench\":\"micro\",\"rep\":%d,\"ranks\":%d,\"busy_us\":%g,\"requests\":"
               "%lld,"
               "\"counter_s\":%.9f,\"dispenser_s\":%.9f,\"dispenser_iprobe2_s\":%.9f,"
               "\"dispenser_irecv_s\":%.9f}\n",
               rep, size, o->busy_us, (long long)o->requests, per[0][rep], per[1][rep],
               per[2][rep], per[3][rep]);
      else
        printf(
            "rep %d (rank 0 busy %g us between takes / polls): counter %.2f us per take;"
            " dispenser %.2f us per request (one MPI_Iprobe per poll, as sched.c), %.2f "
            "us"
            " (Iprobe twice), %.2f us (pre-posted Irecv + MPI_Test)\n",
            rep, o->busy_us, 1e6 * per[0][rep], 1e6 * per[1][rep], 1e6 * per[2][rep],
            1e6 * per[3][rep]);
    }
  }
  if (rank == 0)
    printf("{\"summary\":{\"bench\":\"micro\",\"ranks\":%d,\"busy_us\":%g,"
           "\"counter_median_s\":%.9f,\"dispenser_median_s\":%.9f,"
           "\"dispenser_iprobe2_median_s\":%.9f,\"dispenser_irecv_median_s\":%.9f}}\n",
           size, o->busy_us, bench_median(per[0], (size_t)o->reps),
           bench_median(per[1], (size_t)o->reps), bench_median(per[2], (size_t)o->reps),
           bench_median(per[3], (size_t)o->reps));
  return 0;
}

int main(int argc, char **argv) {
  bool multiple = false;
  for (int i = 1; i + 1 < argc; i++)
    multiple |= !strcmp(argv[i], "--thread") && !strcmp(argv[i + 1], "multiple");
  int provided = MPI_THREAD_SINGLE;
  if (multiple)
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
  else
    MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  options o;
  int prc = parse(argc, argv, &o);
  if (prc != 0) return bench_mpi_usage(prc, usage);
  /* One calibration for every rank (rank 0's), so that a pair costs the same
   * number of loops wherever it runs. */
  double loops_per_us = rank == 0 ? calibrate() : 0;
  MPI_Bcast(&loops_per_us, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  if (o.mode == MODE_MICRO) {
    run_micro(&o, rank, size, loops_per_us);
    MPI_Finalize();
    return 0;
  }
  bench_mpi_scratch(o.dir);
  config configs[6];
  int nc = 0;
  static const dckpt_scheduler scheds[3] = {DCKPT_SCHED_COUNTER, DCKPT_SCHED_DISPENSER,
                                            DCKPT_SCHED_AUTO};
  for (int h = 0; h < 2; h++) {
    if (o.hint != 2 && o.hint != h) continue;
    for (int s = 0; s < 3; s++)
      if (o.sched & (1 << s)) configs[nc++] = (config){h == 1, scheds[s]};
  }
  static campaign_result res[6][MAX_REPS];
  int rc = DCKPT_OK;
  for (int rep = 0; rc == DCKPT_OK && rep < o.reps; rep++)
    for (int j = 0; rc == DCKPT_OK && j < nc; j++) {
      int ci = rep % 2 ? nc - 1 - j : j;
      rc = run_campaign(MPI_COMM_WORLD, &o, loops_per_us, configs[ci].hint,
                        configs[ci].sched, &res[ci][rep]);
      if (rc == DCKPT_OK && rank == 0) {
        if (o.json)
          print_result(&o, &configs[ci], rep, size, loops_per_us, &res[ci][rep]);
        else
          print_human(&o, &configs[ci], rep, &res[ci][rep]);
      }
    }
  if (rc == DCKPT_OK && rank == 0) {
    printf("{\"summary\":{\"bench\":\"%s\",\"ranks\":%d,\"configs\":[", mode_name(o.mode),
           size);
    for (int ci = 0; ci < nc; ci++) {
      double w[MAX_REPS], m[MAX_REPS], ratio[MAX_REPS], g0[MAX_REPS], g1[MAX_REPS];
      for (int r = 0; r < o.reps; r++) {
        const campaign_result *x = &res[ci][r];
        w[r] = x->wall;
        m[r] = x->makespan;
        ratio[r] = x->makespan / (x->opt > 0 ? x->opt : x->lower);
        g0[r] = x->gap_median[0];
        g1[r] = x->gap_median[1];
      }
      printf(
          "%s{\"scheduler\":\"%s\",\"hint\":%s,\"wall_median_s\":%.6f,"
          "\"makespan_median_s\":%.6f,\"ratio_median\":%.5f,\"gap_median_rank0_s\":%.8f,"
          "\"gap_median_others_s\":%.8f}",
          ci ? "," : "", sched_name(configs[ci].sched),
          configs[ci].hint ? "true" : "false", bench_median(w, (size_t)o.reps),
          bench_median(m, (size_t)o.reps), bench_median(ratio, (size_t)o.reps),
          bench_median(g0, (size_t)o.reps), bench_median(g1, (size_t)o.reps));
    }
    printf("]}}\n");
  }
  MPI_Finalize();
  return rc == DCKPT_OK ? 0 : 1;
}
