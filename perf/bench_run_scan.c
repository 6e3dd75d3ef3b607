/*
 * bench_run_scan — how fast a large run directory is scanned: `dckpt status
 * DIR`, the resume scan of dckpt_run, and a plain Python scan of the
 * completion markers (perf/baselines/status_scan_baseline.py) side by side.
 *
 * The run directory holds `algs` algorithms x `trials` trials (default 100 x
 * 100) with a tiny state, made directly through the store API
 * (dckpt_store_initialize, dckpt_store_mark_complete, durability none); it is
 * a valid dckpt_run campaign of the synthetic algorithms below. Before every
 * repetition a few pairs are made incomplete again: --in-progress pairs get a
 * checkpoint half-way (dckpt_store_save), --not-started pairs lose their
 * files. Then, all with a warm page cache (one untimed warm-up round first):
 *
 *   status     `dckpt status DIR > /dev/null`, process wall time (rank 0)
 *   baseline   the Python script, process wall time and its own scan time
 *   plan       the rank-0 plan scan of dckpt_run replayed through the public
 *              API (dckpt_store_trial_status for every pair, as list_pending
 *              in src/runtime/plan.c does), and, for comparison, a scan that
 *              only stats complete.json (dckpt_store_trial_is_complete)
 *   run        dckpt_run on the mostly-complete campaign: time to the first
 *              pair handed out (first create/load callback on any rank) and
 *              the whole call; then dckpt_run again on the now all-complete
 *              campaign: the whole call
 *
 * With --marks, each measured region is bracketed by access() calls on
 * "/dckpt-mark/r<rank>/<label>" (paths that do not exist), so that a trace
 * (strace -f) can count each rank's file-system calls between them:
 * perf/bench_scan.py does, for the "Scans" and "Start-up" sections of
 * docs/performance.md.
 *
 * A program, not a test: JSON objects on stdout (one per repetition and a
 * summary of medians); perf/bench_run.py makes the tables. Run with --help.
 * A freshly made directory is sync()ed (untimed) before the timings.
 */
#define _XOPEN_SOURCE 700

#include <fcntl.h>
#include <getopt.h>
#include <mpi.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_mpi.h"
#include "bench_util.h"
#include "dckpt_run.h"

extern char **environ;

#define MAX_REPS   100
#define ITERATIONS 10
#define SEED       3

/* ------------------------------------------------------------------------- */
/* Options                                                                   */
/* ------------------------------------------------------------------------- */

typedef struct options {
  const char *dir;
  int64_t algs, trials, in_progress, not_started;
  int reps;
  int64_t step; /* checkpoint_step of the resumes (-1: none) */
  const char *dckpt, *python, *baseline;
  bool do_status, do_deep, do_baseline, do_plan, do_run, recreate, json, marks,
      fast_create, knock_only;
} options;

static const char usage[] =
    "Usage: bench_run_scan [options]   (under mpirun; status, baseline and plan run\n"
    "                                   on rank 0 only)\n"
    "\n"
    "  --dir DIR          the run directory (default ./bench-run-scan); made when it\n"
    "                     holds no run or with --recreate\n"
    "  --algs A           algorithms (default 100)\n"
    "  --trials T         trials per algorithm (default 100)\n"
    "  --in-progress N    pairs left with a half-way checkpoint (default 3)\n"
    "  --not-started N    pairs left without any file (default 2)\n"
    "  --reps R           repetitions (default 7), after one warm-up round\n"
    "  --what LIST        comma list of status, deep (dckpt status --deep),\n"
    "                     baseline, plan, run (default all but deep)\n"
    "  --knock-only       make the run directory (if needed), make the chosen pairs\n"
    "                     incomplete, and stop (for traces of single commands)\n"
    "  --dckpt PATH       the dckpt CLI (default: dckpt beside this build,\n"
    "                     ../apps/dckpt/dckpt relative to this program)\n"
    "  --python PATH      interpreter for the baseline (default /usr/bin/python3)\n"
    "  --baseline PATH    the baseline script (default "
    "perf/baselines/status_scan_baseline.py)\n"
    "  --recreate         make the run directory again\n"
    "  --fast-create      make complete pairs by writing their markers directly\n"
    "                     (no checkpoint files: no scan reads them), for 10^6\n"
    "  --step S           checkpoint_step of the resumes (default none): S > 0\n"
    "                     starts each rank's background checkpoint writer\n"
    "  --marks            bracket measured regions with access() markers for a\n"
    "                     trace (see the top of the source)\n"
    "  --json             JSON lines only (what bench_run.py reads)\n"
    "  --help             this text\n";

static int parse_what(const char *list, options *o) {
  o->do_status = o->do_deep = o->do_baseline = o->do_plan = o->do_run = false;
  char buf[128];
  snprintf(buf, sizeof buf, "%s", list);
  for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
       tok = strtok_r(NULL, ",", &save)) {
    if (!strcmp(tok, "status"))
      o->do_status = true;
    else if (!strcmp(tok, "deep"))
      o->do_deep = true;
    else if (!strcmp(tok, "baseline"))
      o->do_baseline = true;
    else if (!strcmp(tok, "plan"))
      o->do_plan = true;
    else if (!strcmp(tok, "run"))
      o->do_run = true;
    else
      return -1;
  }
  return 0;
}

static int parse(int argc, char **argv, options *o, char *dckpt_default, size_t len) {
  *o = (options){.dir = "bench-run-scan",
                 .algs = 100,
                 .trials = 100,
                 .in_progress = 3,
                 .not_started = 2,
                 .reps = 7,
                 .step = -1,
                 .python = "/usr/bin/python3",
                 .baseline = "perf/baselines/status_scan_baseline.py",
                 .do_status = true,
                 .do_baseline = true,
                 .do_plan = true,
                 .do_run = true};
  /* dckpt beside this build: <build>/perf/bench_run_scan -> <build>/apps/dckpt/dckpt */
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash) *slash = '\0';
    snprintf(dckpt_default, len, "%s/../apps/dckpt/dckpt", self);
  } else {
    snprintf(dckpt_default, len, "dckpt");
  }
  o->dckpt = dckpt_default;
  static const struct option longs[] = {{"dir", required_argument, NULL, 'd'},
                                        {"algs", required_argument, NULL, 'a'},
                                        {"trials", required_argument, NULL, 't'},
                                        {"in-progress", required_argument, NULL, 'i'},
                                        {"not-started", required_argument, NULL, 'n'},
                                        {"reps", required_argument, NULL, 'R'},
                                        {"what", required_argument, NULL, 'w'},
                                        {"dckpt", required_argument, NULL, 'D'},
                                        {"python", required_argument, NULL, 'P'},
                                        {"baseline", required_argument, NULL, 'B'},
                                        {"recreate", no_argument, NULL, 'r'},
                                        {"fast-create", no_argument, NULL, 'F'},
                                        {"step", required_argument, NULL, 'S'},
                                        {"marks", no_argument, NULL, 'm'},
                                        {"knock-only", no_argument, NULL, 'K'},
                                        {"json", no_argument, NULL, 'j'},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  int ch;
  while ((ch = getopt_long(argc, argv, "", longs, NULL)) != -1) {
    switch (ch) {
    case 'd': o->dir = optarg; break;
    case 'a': o->algs = strtoll(optarg, NULL, 10); break;
    case 't': o->trials = strtoll(optarg, NULL, 10); break;
    case 'i': o->in_progress = strtoll(optarg, NULL, 10); break;
    case 'n': o->not_started = strtoll(optarg, NULL, 10); break;
    case 'R': o->reps = atoi(optarg); break;
    case 'w':
      if (parse_what(optarg, o) != 0) return 2;
      break;
    case 'D': o->dckpt = optarg; break;
    case 'P': o->python = optarg; break;
    case 'B': o->baseline = optarg; break;
    case 'r': o->recreate = true; break;
    case 'F': o->fast_create = true; break;
    case 'S': o->step = strtoll(optarg, NULL, 10); break;
    case 'm': o->marks = true; break;
    case 'K': o->knock_only = true; break;
    case 'j': o->json = true; break;
    case 'h': return 1;
    default: return 2;
    }
  }
  if (optind != argc || o->algs < 1 || o->algs > 100000 || o->trials < 1 || o->reps < 1 ||
      o->reps > MAX_REPS || o->in_progress < 0 || o->not_started < 0 || o->step == 0 ||
      o->in_progress + o->not_started > o->algs * o->trials)
    return 2;
  return 0;
}

/* A marker for a trace: an access() of a path that does not exist. */
static bool marks_on;
static void mark(const char *label) {
  if (!marks_on) return;
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  char path[256];
  snprintf(path, sizeof path, "/dckpt-mark/r%d/%s", rank, label);
  (void)access(path, F_OK);
}

/* ------------------------------------------------------------------------- */
/* The synthetic campaign                                                    */
/* ------------------------------------------------------------------------- */

typedef struct tiny {
  double x[4];
} tiny;

static double first_callback; /* monotonic time of this rank's first create/load */

static void note_callback(void) {
  if (first_callback == 0) {
    first_callback = bench_now();
    mark("first-pair");
  }
}

static int t_create(const dckpt_trial_info *info, dckpt_rng *rng, void **out) {
  (void)info;
  note_callback();
  tiny *s = calloc(1, sizeof *s);
  if (!s) return 1;
  for (int i = 0; i < 4; i++)
    s->x[i] = dckpt_rng_uniform(rng);
  *out = s;
  return 0;
}

static int t_load(const dckpt_trial_info *info, const dckpt_record *rec, void **out) {
  (void)info;
  note_callback();
  tiny *s = calloc(1, sizeof *s);
  if (!s) return 1;
  if (dckpt_record_get(rec, "x", DCKPT_F64, s->x, 4) != DCKPT_OK) {
    free(s);
    return 1;
  }
  *out = s;
  return 0;
}

static int t_step(const dckpt_trial_info *info, void *state, int64_t k, dckpt_rng *rng) {
  (void)info;
  (void)k;
  tiny *s = state;
  for (int i = 0; i < 4; i++)
    s->x[i] = 0.5 * s->x[i] + dckpt_rng_uniform(rng);
  return 0;
}

static int t_save(const dckpt_trial_info *info, const void *state, dckpt_record *rec) {
  (void)info;
  const tiny *s = state;
  return dckpt_record_put_f64(rec, "x", s->x, 4);
}

static void t_destroy(const dckpt_trial_info *info, void *state) {
  (void)info;
  free(state);
}

typedef struct campaign {
  dckpt_algorithm *algs;
  char (*names)[32];
  size_t n;
  dckpt_record *problem;
} campaign;

static int campaign_make(const options *o, campaign *c) {
  c->n = (size_t)o->algs;
  c->algs = calloc(c->n, sizeof *c->algs);
  c->names = calloc(c->n, sizeof *c->names);
  c->problem = dckpt_record_create();
  if (!c->algs || !c->names || !c->problem) return DCKPT_ENOMEM;
  for (size_t a = 0; a < c->n; a++) {
    snprintf(c->names[a], sizeof c->names[a], "alg%03zu", a);
    c->algs[a] = (dckpt_algorithm){.name = c->names[a],
                                   .iterations = ITERATIONS,
                                   .create = t_create,
                                   .step = t_step,
                                   .save = t_save,
                                   .load = t_load,
                                   .destroy = t_destroy};
  }
  double scale = 1.0;
  return dckpt_record_put_f64(c->problem, "scale", &scale, 1);
}

static void campaign_free(campaign *c) {
  free(c->algs);
  free(c->names);
  dckpt_record_free(c->problem);
}

/* A checkpoint record as dckpt_run writes it: the state plus the runner's RNG
 * and iteration (no metrics: the algorithms have none). */
static dckpt_record *state_record(int64_t alg, int64_t trial, int64_t iteration) {
  dckpt_record *r = dckpt_record_create();
  if (!r) return NULL;
  double x[4] = {(double)alg, (double)trial, 0.25, 0.5};
  dckpt_rng rng;
  dckpt_rng_seed(&rng, dckpt_pair_seed(SEED, alg, trial));
  int rc = dckpt_record_put_f64(r, "x", x, 4);
  if (!rc) rc = dckpt_record_put_u64(r, "_dckpt_rng", rng.s, 4);
  if (!rc) rc = dckpt_record_put(r, "_dckpt_iteration", DCKPT_I64, 0, NULL, &iteration);
  if (rc) {
    dckpt_record_free(r);
    return NULL;
  }
  return r;
}

static int store_open(const char *dir, unsigned flags, dckpt_store **s) {
  dckpt_store_options so;
  dckpt_store_options_init(&so);
  so.flags = flags;
  so.durability = DCKPT_DURABILITY_NONE;
  int rc = dckpt_store_open(dir, &so, s);
  if (rc != DCKPT_OK)
    fprintf(stderr, "bench_run_scan: %s: %s\n", dir,
            *s ? dckpt_store_errmsg(*s) : "no memory");
  return rc;
}

static int write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f) return DCKPT_EIO;
  int bad = fputs(text, f) < 0;
  return fclose(f) != 0 || bad ? DCKPT_EIO : DCKPT_OK;
}

/* --fast-create: every pair complete by its markers alone, as the store
 * writes them (a scan never reads the checkpoint of a complete pair). */
static int write_markers(const options *o, const campaign *c, dckpt_store *s) {
  dckpt_metadata *m = NULL;
  int rc = dckpt_store_load_metadata(s, &m);
  const char *run = rc == DCKPT_OK && m->run_id ? m->run_id : "";
  for (int64_t a = 0; rc == DCKPT_OK && a < o->algs; a++)
    for (int64_t t = 0; rc == DCKPT_OK && t < o->trials; t++) {
      char dir[4400], path[4500], text[512];
      snprintf(dir, sizeof dir, "%s/algorithm_%lld/trial_%lld", o->dir, (long long)a,
               (long long)t);
      if (mkdir(dir, 0777) != 0) rc = DCKPT_EIO;
      snprintf(path, sizeof path, "%s/progress.json", dir);
      snprintf(text, sizeof text,
               "{\"last_completed_iteration\":%d,\"run\":\"%s\",\"alg\":%lld,"
               "\"trial\":%lld}\n",
               ITERATIONS - 1, run, (long long)a, (long long)t);
      if (rc == DCKPT_OK) rc = write_text(path, text);
      snprintf(path, sizeof path, "%s/complete.json", dir);
      snprintf(text, sizeof text,
               "{\"run\":\"%s\",\"alg_name\":\"%s\",\"alg_idx\":%lld,\"trial\":%lld,"
               "\"iteration\":%d,\"checkpoint_path\":\"checkpoint_%07d.dckpt\"}\n",
               run, c->names[a], (long long)a, (long long)t, ITERATIONS - 1,
               ITERATIONS - 1);
      if (rc == DCKPT_OK) rc = write_text(path, text);
    }
  dckpt_metadata_free(m);
  return rc;
}

/* Makes the run directory: metadata as dckpt_run writes it, every pair
 * complete. Returns the seconds it took, or -1. */
static double create_run(const options *o, const campaign *c) {
  bench_remove_tree(o->dir);
  double t0 = bench_now();
  dckpt_store *s = NULL;
  if (store_open(o->dir, DCKPT_OPEN_WRITE, &s) != DCKPT_OK) {
    dckpt_store_close(s);
    return -1;
  }
  /* benchmark_metadata as src/runtime/plan.c records it, so that dckpt_run
   * resumes this directory as its own campaign. */
  size_t cap = 64 + (size_t)o->algs * 24;
  char *bm = malloc(cap);
  dckpt_metadata m;
  memset(&m, 0, sizeof m);
  m.algorithms = calloc(c->n, sizeof *m.algorithms);
  dckpt_record *initial = dckpt_record_create();
  int rc = bm && m.algorithms && initial ? DCKPT_OK : DCKPT_ENOMEM;
  if (rc == DCKPT_OK) {
    size_t used = (size_t)snprintf(bm, cap, "{\"algorithm_hyperparameters\":{");
    for (size_t a = 0; a < c->n; a++) {
      used += (size_t)snprintf(bm + used, cap - used, "%s\"%s\":{}", a ? "," : "",
                               c->names[a]);
      m.algorithms[a] =
          (dckpt_algorithm_info){.name = c->names[a], .iterations = ITERATIONS};
    }
    snprintf(bm + used, cap - used, "},\"metrics_period\":1}");
    m.n_trials = o->trials;
    m.n_algorithms = c->n;
    m.benchmark_metadata = bm;
    m.has_seed = true;
    m.rng_seed = SEED;
    dckpt_record_set_header(initial, bm);
    rc = dckpt_store_initialize(s, &m, initial, c->problem);
  }
  if (rc == DCKPT_OK && o->fast_create) rc = write_markers(o, c, s);
  for (int64_t a = 0; rc == DCKPT_OK && !o->fast_create && a < o->algs; a++)
    for (int64_t t = 0; rc == DCKPT_OK && t < o->trials; t++) {
      dckpt_record *r = state_record(a, t, ITERATIONS - 1);
      rc = r ? dckpt_store_mark_complete(s, a, t, ITERATIONS - 1, r) : DCKPT_ENOMEM;
      dckpt_record_free(r);
    }
  if (rc != DCKPT_OK)
    fprintf(stderr, "bench_run_scan: create: %s\n", dckpt_store_errmsg(s));
  dckpt_store_close(s);
  dckpt_record_free(initial);
  free(m.algorithms);
  free(bm);
  return rc == DCKPT_OK ? bench_now() - t0 : -1;
}

/* The k-th knocked-out pair: spread over the plan, deterministic. */
static void knocked_pair(const options *o, int64_t k, int64_t *alg, int64_t *trial) {
  int64_t total = o->algs * o->trials, n = o->in_progress + o->not_started;
  int64_t index = (k * total) / n + total / (2 * n);
  *alg = index / o->trials;
  *trial = index % o->trials;
}

static void remove_trial_files(const char *dir, int64_t alg, int64_t trial) {
  char path[4400];
  snprintf(path, sizeof path, "%s/algorithm_%lld/trial_%lld", dir, (long long)alg,
           (long long)trial);
  bench_remove_tree(path);
}

/* Makes the chosen pairs incomplete again (rank 0, store closed by others). */
static int knock_out(const options *o) {
  dckpt_store *s = NULL;
  int rc = store_open(o->dir, DCKPT_OPEN_WRITE, &s);
  for (int64_t k = 0; rc == DCKPT_OK && k < o->in_progress + o->not_started; k++) {
    int64_t a, t;
    knocked_pair(o, k, &a, &t);
    /* through the store: the completion index forgets the pair first */
    rc = dckpt_store_unmark_complete(s, a, t);
    remove_trial_files(o->dir, a, t);
    if (rc == DCKPT_OK && k < o->in_progress) {
      dckpt_record *r = state_record(a, t, ITERATIONS / 2 - 1);
      rc = r ? dckpt_store_save(s, a, t, ITERATIONS / 2 - 1, r) : DCKPT_ENOMEM;
      dckpt_record_free(r);
    }
  }
  if (rc != DCKPT_OK && s) fprintf(stderr, "bench_run_scan: %s\n", dckpt_store_errmsg(s));
  dckpt_store_close(s);
  return rc;
}

/* ------------------------------------------------------------------------- */
/* Measurements                                                              */
/* ------------------------------------------------------------------------- */

/* Runs argv with stdout to `out` (or /dev/null) and stderr to /dev/null;
 * returns the wall seconds from spawn to exit, or -1 on failure. */
static double time_process(char *const argv[], const char *out) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out ? out : "/dev/null",
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  double t0 = bench_now();
  int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  double dt = bench_now() - t0;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? dt : -1;
}

static double read_scan_seconds(const char *path) {
  FILE *f = fopen(path, "r");
  char buf[512] = "";
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f) fclose(f);
  buf[n] = '\0';
  const char *p = strstr(buf, "\"scan_s\":");
  return p ? strtod(p + 9, NULL) : -1;
}

typedef struct plan_times {
  double open_s, status_loop_s, stat_loop_s;
  int64_t complete;
} plan_times;

/* The rank-0 plan scan through the public API. */
static int plan_scan(const options *o, plan_times *pt) {
  double t0 = bench_now();
  dckpt_store *s = NULL;
  int rc = store_open(o->dir, DCKPT_OPEN_READ, &s);
  dckpt_metadata *m = NULL;
  if (rc == DCKPT_OK) rc = dckpt_store_load_metadata(s, &m);
  double t1 = bench_now();
  pt->complete = 0;
  for (size_t a = 0; rc == DCKPT_OK && a < m->n_algorithms; a++)
    for (int64_t t = 0; rc == DCKPT_OK && t < m->n_trials; t++) {
      dckpt_trial_status st;
      rc = dckpt_store_trial_status(s, (int64_t)a, t, &st);
      if (rc == DCKPT_OK && st.state == DCKPT_TRIAL_COMPLETE) pt->complete++;
    }
  double t2 = bench_now();
#ifdef DCKPT_SCAN_DEEP
  /* what list_pending does since the completion index: one scan */
  size_t n = m ? m->n_algorithms * (size_t)m->n_trials : 0;
  dckpt_trial_status *all = malloc((n + 1) * sizeof *all);
  if (rc == DCKPT_OK)
    rc = all ? dckpt_store_scan(s, 0, all, n, NULL, NULL) : DCKPT_ENOMEM;
  free(all);
#else
  for (size_t a = 0; rc == DCKPT_OK && a < m->n_algorithms; a++)
    for (int64_t t = 0; rc == DCKPT_OK && t < m->n_trials; t++) {
      bool done = false;
      rc = dckpt_store_trial_is_complete(s, (int64_t)a, t, &done);
    }
#endif
  double t3 = bench_now();
  if (rc != DCKPT_OK && s)
    fprintf(stderr, "bench_run_scan: plan: %s\n", dckpt_store_errmsg(s));
  dckpt_metadata_free(m);
  dckpt_store_close(s);
  pt->open_s = t1 - t0;
  pt->status_loop_s = t2 - t1;
  pt->stat_loop_s = t3 - t2;
  return rc;
}

static void log_stderr(void *ctx, dckpt_log_level level, const char *msg) {
  (void)ctx;
  fprintf(stderr, "[%s] %s\n", dckpt_log_level_name(level), msg);
}

/* dckpt_run on DIR; *whole is the call's wall time (max over ranks) and
 * *first the time from the call to the first pair handed out (min over
 * ranks; -1 when no pair was run). */
static int time_run(MPI_Comm comm, const options *o, const campaign *c, const char *label,
                    double *whole, double *first, int64_t *pairs_run) {
  dckpt_run_options ro;
  dckpt_run_options_init(&ro);
  ro.dir = o->dir;
  ro.mode = DCKPT_RUN_RESUME;
  ro.n_trials = o->trials;
  ro.seed = SEED;
  ro.progress = 0;
  ro.store.durability = DCKPT_DURABILITY_NONE;
  ro.store.log = log_stderr;
  ro.store.log_level = DCKPT_LOG_WARN;
  ro.store.checkpoint_step = o->step > 0 ? o->step : DCKPT_STEP_NONE;
  dckpt_run_report rep;
  first_callback = 0;
  char begin[64], end[64];
  snprintf(begin, sizeof begin, "%s-begin", label);
  snprintf(end, sizeof end, "%s-end", label);
  MPI_Barrier(comm);
  mark(begin);
  double t0 = bench_now();
  int rc = dckpt_run(comm, &ro, c->algs, c->n, c->problem, &rep);
  double dt = bench_now() - t0;
  mark(end);
  double f = first_callback > 0 ? first_callback - t0 : 1e30;
  MPI_Allreduce(&dt, whole, 1, MPI_DOUBLE, MPI_MAX, comm);
  MPI_Allreduce(&f, first, 1, MPI_DOUBLE, MPI_MIN, comm);
  if (*first >= 1e30) *first = -1;
  *pairs_run = rep.pairs_run;
  if (rc != DCKPT_OK) {
    int rank;
    MPI_Comm_rank(comm, &rank);
    if (rank == 0)
      fprintf(stderr, "bench_run_scan: dckpt_run: %s: %s\n", dckpt_err_name(rc),
              rep.message);
  }
  return rc;
}

typedef struct rep_result {
  double status_s, deep_s, baseline_s, baseline_scan_s;
  plan_times plan;
  double run_first_s, run_mostly_s, run_complete_s;
  int64_t pairs_run;
} rep_result;

static int one_rep(MPI_Comm comm, const options *o, const campaign *c, rep_result *r) {
  int rank;
  MPI_Comm_rank(comm, &rank);
  int rc = DCKPT_OK;
  memset(r, 0, sizeof *r);
  if (rank == 0) {
    rc = knock_out(o);
    char tmp[4400];
    snprintf(tmp, sizeof tmp, "%s.baseline.out", o->dir);
    if (rc == DCKPT_OK && o->do_status) {
      char *argv[] = {(char *)o->dckpt, "status", (char *)o->dir, NULL};
      r->status_s = time_process(argv, NULL);
      if (r->status_s < 0) {
        fprintf(stderr, "bench_run_scan: '%s status %s' failed\n", o->dckpt, o->dir);
        rc = DCKPT_EIO;
      }
    }
    if (rc == DCKPT_OK && o->do_deep) {
      char *argv[] = {(char *)o->dckpt, "status", (char *)o->dir, "--deep", NULL};
      r->deep_s = time_process(argv, NULL);
      if (r->deep_s < 0) {
        fprintf(stderr, "bench_run_scan: '%s status %s --deep' failed\n", o->dckpt,
                o->dir);
        rc = DCKPT_EIO;
      }
    }
    if (rc == DCKPT_OK && o->do_baseline) {
      char *argv[] = {(char *)o->python, (char *)o->baseline, (char *)o->dir, NULL};
      r->baseline_s = time_process(argv, tmp);
      r->baseline_scan_s = read_scan_seconds(tmp);
      if (r->baseline_s < 0) {
        fprintf(stderr, "bench_run_scan: '%s %s %s' failed\n", o->python, o->baseline,
                o->dir);
        rc = DCKPT_EIO;
      }
    }
    if (rc == DCKPT_OK && o->do_plan) rc = plan_scan(o, &r->plan);
  }
  MPI_Bcast(&rc, 1, MPI_INT, 0, comm);
  if (rc == DCKPT_OK && o->do_run) {
    int64_t pairs = 0;
    rc = time_run(comm, o, c, "mostly", &r->run_mostly_s, &r->run_first_s, &r->pairs_run);
    if (rc == DCKPT_OK) {
      double none;
      rc = time_run(comm, o, c, "complete", &r->run_complete_s, &none, &pairs);
    }
  }
  return rc;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, ranks;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  options o;
  char dckpt_default[4200];
  int prc = parse(argc, argv, &o, dckpt_default, sizeof dckpt_default);
  if (prc != 0) return bench_mpi_usage(prc, usage);
  campaign c;
  memset(&c, 0, sizeof c);
  marks_on = o.marks;
  int rc = campaign_make(&o, &c);
  double created = 0;
  if (rank == 0 && rc == DCKPT_OK) {
    char meta[4300];
    snprintf(meta, sizeof meta, "%s/metadata.json", o.dir);
    struct stat sb;
    if (o.recreate || stat(meta, &sb) != 0) {
      created = create_run(&o, &c);
      sync(); /* untimed: no write-back of the new files during the timings */
      if (created < 0)
        rc = DCKPT_EIO;
      else if (!o.json)
        printf("made %s: %lld x %lld pairs in %.2f s\n", o.dir, (long long)o.algs,
               (long long)o.trials, created);
    }
  }
  MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (o.knock_only) {
    if (rank == 0 && rc == DCKPT_OK) rc = knock_out(&o);
    campaign_free(&c);
    MPI_Finalize();
    return rc == DCKPT_OK ? 0 : 1;
  }
  static rep_result res[MAX_REPS];
  rep_result warm;
  if (rc == DCKPT_OK) rc = one_rep(MPI_COMM_WORLD, &o, &c, &warm); /* warm-up */
  for (int rep = 0; rc == DCKPT_OK && rep < o.reps; rep++) {
    rc = one_rep(MPI_COMM_WORLD, &o, &c, &res[rep]);
    const rep_result *r = &res[rep];
    if (rc == DCKPT_OK && rank == 0) {
      if (o.json)
        printf(
            "{\"bench\":\"scan\",\"rep\":%d,\"ranks\":%d,\"pairs\":%lld,"
            "\"status_s\":%.6f,\"deep_s\":%.6f,\"baseline_s\":%.6f,\"baseline_scan_s\":%."
            "6f,"
            "\"plan_open_s\":%.6f,\"plan_status_loop_s\":%.6f,\"plan_stat_loop_s\":%.6f,"
            "\"plan_complete\":%lld,\"run_first_pair_s\":%.6f,\"run_mostly_s\":%.6f,"
            "\"run_pairs_run\":%lld,\"run_complete_s\":%.6f}\n",
            rep, ranks, (long long)(o.algs * o.trials), r->status_s, r->deep_s,
            r->baseline_s, r->baseline_scan_s, r->plan.open_s, r->plan.status_loop_s,
            r->plan.stat_loop_s, (long long)r->plan.complete, r->run_first_s,
            r->run_mostly_s, (long long)r->pairs_run, r->run_complete_s);
      else
        printf("rep %d: status %.3f s, baseline %.3f s (scan %.3f s), plan scan %.3f s "
               "(stat only %.3f s), dckpt_run first pair %.3f s, whole %.3f s, "
               "all complete %.3f s\n",
               rep, r->status_s, r->baseline_s, r->baseline_scan_s, r->plan.status_loop_s,
               r->plan.stat_loop_s, r->run_first_s, r->run_mostly_s, r->run_complete_s);
      fflush(stdout);
    }
  }
  if (rc == DCKPT_OK && rank == 0) {
    double v[10][MAX_REPS];
    for (int i = 0; i < o.reps; i++) {
      const rep_result *r = &res[i];
      double row[10] = {r->status_s,           r->baseline_s,
                        r->baseline_scan_s,    r->plan.open_s + r->plan.status_loop_s,
                        r->plan.status_loop_s, r->plan.stat_loop_s,
                        r->run_first_s,        r->run_mostly_s,
                        r->run_complete_s,     r->deep_s};
      for (int k = 0; k < 10; k++)
        v[k][i] = row[k];
    }
    size_t n = (size_t)o.reps;
    printf(
        "{\"summary\":{\"bench\":\"scan\",\"ranks\":%d,\"pairs\":%lld,\"in_progress\":%"
        "lld,"
        "\"not_started\":%lld,\"created_s\":%.3f,\"status_s\":%.6f,\"baseline_s\":%.6f,"
        "\"baseline_scan_s\":%.6f,\"plan_s\":%.6f,\"plan_status_loop_s\":%.6f,"
        "\"plan_stat_loop_s\":%.6f,\"run_first_pair_s\":%.6f,\"run_mostly_s\":%.6f,"
        "\"run_complete_s\":%.6f,\"deep_s\":%.6f}}\n",
        ranks, (long long)(o.algs * o.trials), (long long)o.in_progress,
        (long long)o.not_started, created, bench_median(v[0], n), bench_median(v[1], n),
        bench_median(v[2], n), bench_median(v[3], n), bench_median(v[4], n),
        bench_median(v[5], n), bench_median(v[6], n), bench_median(v[7], n),
        bench_median(v[8], n), bench_median(v[9], n));
  }
  campaign_free(&c);
  MPI_Finalize();
  return rc == DCKPT_OK ? 0 : 1;
}
