/* A small campaign through dckpt_run, for the MPI tests. Its algorithms are
 * tiny but carry real state that depends on every RNG draw, so a wrong
 * restore or a wrong stream shows in the final states.
 *
 *   campaign DIR [options]      exit 0 done, 75 interrupted, 1 failed, 2 usage
 *
 * Options: --trials N, --iters A,B,C, --step S, --keep K, --seed S,
 * --add-trials N, --add-iterations N, --mode auto|new|resume, --period P,
 * --fail-at ALG:TRIAL:ITER (its step returns 42, with the reason of
 * --fail-reason TEXT if given; the step before gives a reason and succeeds),
 * --sleep-us N, --deadline-in SEC, --deadline ARG,
 * --margin SEC, --dump FILE, --no-fsync, --progress, --quiet, --dispenser,
 * --backup, --sync-checkpoints (background_checkpoints off), --verify (only
 * checks DIR with dckpt_store_verify: exit 0 when it finds no problem),
 * --block-at ALG:TRIAL:ITER (at that step: wait 0.3 s, then put a directory
 * where the checkpoint of iteration ITER+2 must go, so that its save fails),
 * --ready FILE (created when a trial reaches its third iteration, so that a
 * test can wait for "trials are running" instead of a fixed time),
 * --scheduler auto|counter|dispenser, --thread-multiple (MPI_Init_thread
 * with MPI_THREAD_MULTIPLE: rank 0 then serves from a thread),
 * --index-interval SEC, --kill-at-step STEP:N (rank 0 SIGKILLs itself just before
 * the N-th time its store reaches STEP, e.g. index.rename:2), --hold-step
 * STEP:FILE (rank 0's thread that reaches STEP creates FILE.held and waits
 * there until FILE exists, every time until then: a commit kept in progress),
 * --count-step STEP (rank 0 prints "step STEP reached N times" at the end).
 * --job-id ID is recorded in the lock (default under Slurm: SLURM_JOB_ID, or
 * an array task's <array>_<task>: apps/common/slurm_state.h); under
 * Slurm (SLURM_JOB_ID set) the run asks Slurm about the jobs of leases'
 * holders on other hosts (apps/common/slurm_state.h). --race DIR:N:ID makes the run a
 * contender of tests/lock/race.c: rank 0 writes DIR/ready.ID and waits for
 * DIR/go.0; a run that gets the lock writes DIR/owner.ID (rank 0's pid) and
 * DIR/tried.ID from its first trial and waits there until N contenders have
 * written tried.*; a refused one writes DIR/refused.ID ("ENAME: message").
 * --interval SEC (checkpoint_interval), --fake-clock (checkpoint_interval is
 * measured on a clock that step k of any trial advances by 1 + k % 3
 * "seconds", so the checkpoints fall on iterations known in advance),
 * --kill-at ALG:TRIAL:ITER (SIGKILL to the own process at that step).
 * --segment-bytes N (metrics_segment_bytes). --shared joins the other shared
 * runs of DIR (dckpt_run_options.shared), --shared-wait waits for them
 * (shared_wait; --dump is skipped by a run that left pairs to other runs);
 * --run-name NAME names the run
 * (its own DIR/runs/NAME/HALT and run_status.json). --campaign JSON is
 * dckpt_run_options.campaign, --benchmark-metadata JSON its
 * benchmark_metadata. --null-algs passes NULL for the 3 algorithms (refused).
 * --deadline takes every form of apps/common/deadline.h (90s, 1:30:00,
 * 2026-12-01T08:00, @EPOCH, slurm); rank 0 parses it and broadcasts it. */
#define _DEFAULT_SOURCE
#include <math.h>
#include <mpi.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dckpt_experimental.h"
#include "dckpt_run.h"
#include "deadline_mpi.h"
#include "slurm_state.h"

#define DIM 16

typedef struct st {
  double x[DIM];
  int64_t draws;
} st;

typedef struct alg_conf {
  int kind; /* 0 walk, 1 mix, 2 heavy */
  int64_t fail_trial, fail_iter;
  const char *fail_reason; /* given at the failure (dckpt_run_fail_reason) */
  long sleep_us;
  int64_t block_trial, block_iter;
  const char *dir;
  const char *ready_file;
  int64_t step; /* the checkpoint step (for --block-at) */
  int64_t kill_trial, kill_iter;
} alg_conf;

/* --race: where the contenders meet, how many they are, which one this is. */
static struct {
  const char *dir;
  int n, id;
  long owner_pid;
  bool recorded;
} race;

static void race_touch(const char *name, int id, const char *text) {
  char path[4400];
  snprintf(path, sizeof path, "%s/%s.%d", race.dir, name, id);
  FILE *f = fopen(path, "wx");
  if (f) {
    fputs(text, f);
    fclose(f);
  }
}

static bool race_exists(const char *name, int id) {
  char path[4400];
  snprintf(path, sizeof path, "%s/%s.%d", race.dir, name, id);
  return access(path, F_OK) == 0;
}

static int race_count_tried(void) {
  int n = 0;
  for (int i = 0; i < race.n; i++)
    n += race_exists("tried", i);
  return n;
}

/* The lock is held while trials run: record it, then wait for the others. */
static int race_owned(void) {
  if (!race.dir || race.recorded) return 0;
  race.recorded = true;
  char pid[32];
  snprintf(pid, sizeof pid, "%ld", race.owner_pid);
  race_touch("owner", race.id, pid);
  race_touch("tried", race.id, "");
  for (long i = 0; i < 120000 && race_count_tried() < race.n; i++)
    usleep(1000);
  return race_count_tried() < race.n ? 1 : 0;
}

/* --fake-clock: advanced by the steps, read by the runtime's interval rule
 * (both on the loop's thread). */
static double fake_now;

static double fake_clock(void *ctx) {
  (void)ctx;
  return fake_now;
}

/* The hook is experimental (dckpt_experimental.h); its struct is sized like
 * the option structs. */
static const dckpt_run_experimental fake_clock_hooks = {
    .struct_size = sizeof(dckpt_run_experimental), .interval_clock = fake_clock};

static int create(const dckpt_trial_info *info, dckpt_rng *rng, void **out) {
  (void)info;
  if (race_owned() != 0) return 1;
  st *s = calloc(1, sizeof *s);
  if (!s) return 1;
  for (int i = 0; i < DIM; i++)
    s->x[i] = dckpt_rng_normal(rng);
  *out = s;
  return 0;
}

/* Waits (up to a minute) until the trial's progress.json names `iteration`. */
static bool wait_committed(const alg_conf *conf, const dckpt_trial_info *info,
                           int64_t iteration) {
  char path[4400];
  snprintf(path, sizeof path, "%s/algorithm_%lld/trial_%lld/progress.json", conf->dir,
           (long long)info->alg, (long long)info->trial);
  for (int i = 0; i < 60000; i++) {
    FILE *f = fopen(path, "r");
    long long last = -1;
    if (f) {
      if (fscanf(f, "{\"last_completed_iteration\":%lld", &last) != 1) last = -1;
      fclose(f);
    }
    if (last >= iteration) return true;
    usleep(1000);
  }
  return false;
}

static int step(const dckpt_trial_info *info, void *state, int64_t k, dckpt_rng *rng) {
  const alg_conf *conf = info->user;
  st *s = state;
  if (conf->fail_trial == info->trial && conf->fail_iter == k) {
    dckpt_trial_info copy = *info; /* not the runner's: refused */
    if (dckpt_run_fail_reason(&copy, "a copy's reason") != DCKPT_EINVAL) return 45;
    if (conf->fail_reason) dckpt_run_fail_reason(info, "%s", conf->fail_reason);
    return 42;
  }
  /* a reason given by a step that then succeeds is not the failure's */
  if (conf->fail_trial == info->trial && conf->fail_iter == k + 1 &&
      dckpt_run_fail_reason(info, "not the reason (iteration %lld)", (long long)k) !=
          DCKPT_OK)
    return 46;
  if (conf->kill_trial == info->trial && conf->kill_iter == k) raise(SIGKILL);
  fake_now += (double)(1 + k % 3);
  if (conf->sleep_us) usleep((useconds_t)conf->sleep_us);
  if (conf->ready_file && k == 2) {
    FILE *f = fopen(conf->ready_file, "a");
    if (f) fclose(f);
  }
  if (conf->block_trial == info->trial && conf->block_iter == k) {
    /* the save before (possibly still in the background writer) is
     * committed first: wait for its progress.json */
    if (!wait_committed(conf, info, ((k + 1) / conf->step) * conf->step - 1)) return 44;
    char path[4400];
    snprintf(path, sizeof path, "%s/algorithm_%lld/trial_%lld/checkpoint_%07lld.dckpt",
             conf->dir, (long long)info->alg, (long long)info->trial, (long long)k + 2);
    if (mkdir(path, 0777) != 0) return 43;
  }
  int rounds = conf->kind == 2 ? 4 : 1;
  for (int r = 0; r < rounds; r++)
    for (int i = 0; i < DIM; i++) {
      double u = dckpt_rng_uniform(rng);
      s->draws++;
      if (conf->kind == 0)
        s->x[i] += u - 0.5;
      else
        s->x[i] = 0.9 * s->x[i] + 0.1 * sin(s->x[(i + 1) % DIM] + u * (double)(k % 7));
    }
  return 0;
}

static int save(const dckpt_trial_info *info, const void *state, dckpt_record *rec) {
  (void)info;
  const st *s = state;
  uint64_t n = DIM;
  int rc = dckpt_record_put_ref(rec, "x", DCKPT_F64, 1, &n, s->x);
  return rc ? rc : dckpt_record_put(rec, "draws", DCKPT_I64, 0, NULL, &s->draws);
}

static int load(const dckpt_trial_info *info, const dckpt_record *rec, void **out) {
  (void)info;
  st *s = calloc(1, sizeof *s);
  if (!s) return 1;
  if (dckpt_record_get(rec, "x", DCKPT_F64, s->x, DIM) ||
      dckpt_record_get(rec, "draws", DCKPT_I64, &s->draws, 1)) {
    free(s);
    return 2;
  }
  *out = s;
  return 0;
}

static void destroy(const dckpt_trial_info *info, void *state) {
  (void)info;
  free(state);
}

static const char *const metric_names[] = {"norm", "mean"};

static int metrics(const dckpt_trial_info *info, const void *state, int64_t k,
                   double *out) {
  (void)info;
  (void)k;
  const st *s = state;
  double n2 = 0, sum = 0;
  for (int i = 0; i < DIM; i++)
    n2 += s->x[i] * s->x[i], sum += s->x[i];
  out[0] = sqrt(n2);
  out[1] = sum / DIM;
  return 0;
}

/* FNV-1a over the bytes of every array of a record, in order. */
static uint64_t digest(const dckpt_record *r) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < dckpt_record_count(r); i++) {
    dckpt_array_info a;
    dckpt_record_at(r, i, &a);
    const unsigned char *p = a.data;
    for (const char *c = a.name; *c; c++)
      h = (h ^ (unsigned char)*c) * 1099511628211ull;
    for (uint64_t b = 0; b < a.nbytes; b++)
      h = (h ^ p[b]) * 1099511628211ull;
  }
  return h;
}

/* Writes one line per final state: "alg trial digest", for comparisons. */
static int dump(const char *dir, const char *file) {
  dckpt_store_options o;
  dckpt_store_options_init(&o);
  o.flags = DCKPT_OPEN_READ;
  dckpt_store *s = NULL;
  dckpt_result *res = NULL;
  int rc = dckpt_store_open(dir, &o, &s);
  if (rc == DCKPT_OK) rc = dckpt_store_load_results(s, &res);
  if (rc != DCKPT_OK) {
    fprintf(stderr, "dump: %s\n", dckpt_store_errmsg(s));
    dckpt_store_close(s);
    return 1;
  }
  FILE *f = fopen(file, "w");
  for (size_t a = 0; f && a < dckpt_result_n_algorithms(res); a++)
    for (int64_t t = 0; t < dckpt_result_n_trials(res); t++)
      fprintf(f, "%s %lld %016llx\n", dckpt_result_algorithm_name(res, a), (long long)t,
              (unsigned long long)digest(dckpt_result_trial(res, a, t)));
  if (f) fclose(f);
  dckpt_result_free(res);
  dckpt_store_close(s);
  return f ? 0 : 1;
}

static void on_bad(void *ctx, const char *path, int status, const char *reason) {
  (void)ctx;
  fprintf(stderr, "verify: %s: %s: %s\n", path, dckpt_err_name(status), reason);
}

/* Checks every record and marker of DIR; 0 when all is well. */
static int verify(const char *dir) {
  dckpt_store_options o;
  dckpt_store_options_init(&o);
  o.flags = DCKPT_OPEN_READ;
  dckpt_store *s = NULL;
  size_t n_bad = 0;
  int rc = dckpt_store_open(dir, &o, &s);
  if (rc == DCKPT_OK) rc = dckpt_store_verify(s, on_bad, NULL, &n_bad);
  if (rc != DCKPT_OK)
    fprintf(stderr, "verify: %s\n", dckpt_store_errmsg(s));
  else
    printf("verify: %zu problem(s)\n", n_bad);
  dckpt_store_close(s);
  return rc == DCKPT_OK && n_bad == 0 ? 0 : 1;
}

static void on_log(void *ctx, dckpt_log_level level, const char *msg) {
  (void)ctx;
  fprintf(stderr, "[%s] %s\n", dckpt_log_level_name(level), msg);
}

typedef struct args {
  dckpt_run_options o;
  int64_t iters[3];
  const char *dump_file;
  const char *ready_file;
  const char *deadline_arg;
  int64_t fail_alg, fail_trial, fail_iter;
  const char *fail_reason;
  int64_t block_alg, block_trial, block_iter;
  int64_t kill_alg, kill_trial, kill_iter;
  long sleep_us;
  bool quiet, verify_only, thread_multiple, null_algs;
  const char *kill_step;
  long kill_nth;
  const char *hold_step, *hold_file, *count_step;
} args;

static const char *kill_step;
static long kill_left = -1;
static const char *hold_step, *hold_file;
static const char *count_step;
static atomic_long count_seen;

/* --hold-step: the thread stays at the step until the test lets it go. */
static void hold(const char *step) {
  if (!hold_step || strcmp(step, hold_step) != 0 || access(hold_file, F_OK) == 0) return;
  char held[4200];
  snprintf(held, sizeof held, "%s.held", hold_file);
  FILE *f = fopen(held, "w");
  if (f) fclose(f);
  for (long i = 0; i < 600000 && access(hold_file, F_OK) != 0; i++) /* <= 10 min */
    usleep(1000);
}

/* --kill-at-step: a crash of rank 0 at a chosen step of the commit protocol (on
 * whichever of its threads reaches it). */
static void kill_hook(void *ctx, const char *step) {
  (void)ctx;
  if (kill_step && strcmp(step, kill_step) == 0 && --kill_left == 0) raise(SIGKILL);
  if (count_step && strcmp(step, count_step) == 0) atomic_fetch_add(&count_seen, 1);
  hold(step);
}

static int parse(int argc, char **argv, args *a) {
  dckpt_run_options_init(&a->o);
  a->o.dir = argv[1];
  a->o.n_trials = 3;
  a->o.seed = 7;
  a->o.store.checkpoint_step = 5;
  a->o.store.keep_n = 2;
  a->o.progress = 0;
  static char slurm_job_buf[APP_SLURM_JOB_ID_MAX];
  a->o.store.job_id = app_slurm_job_id(slurm_job_buf);
  a->o.store.job_restart = app_slurm_restart_count();
  if (a->o.store.job_id) a->o.job_state = app_slurm_job_state;
  a->iters[0] = 40, a->iters[1] = 30, a->iters[2] = 20;
  a->fail_alg = -1;
  a->block_alg = -1;
  a->kill_alg = -1;
  for (int i = 2; i < argc; i++) {
    const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(k, "--no-fsync"))
      a->o.store.durability = DCKPT_DURABILITY_NONE;
    else if (!strcmp(k, "--progress"))
      a->o.progress = 1, a->o.progress_interval = 0.2;
    else if (!strcmp(k, "--quiet"))
      a->quiet = true;
    else if (!strcmp(k, "--dispenser"))
      a->o.scheduler = DCKPT_SCHED_DISPENSER;
    else if (!strcmp(k, "--backup"))
      a->o.backup_before_resume = true;
    else if (!strcmp(k, "--sync-checkpoints"))
      a->o.background_checkpoints = false;
    else if (!strcmp(k, "--verify"))
      a->verify_only = true;
    else if (!strcmp(k, "--fake-clock"))
      a->o.experimental = &fake_clock_hooks;
    else if (!strcmp(k, "--thread-multiple"))
      a->thread_multiple = true;
    else if (!strcmp(k, "--shared"))
      a->o.shared = true;
    else if (!strcmp(k, "--shared-wait"))
      a->o.shared_wait = true;
    else if (!strcmp(k, "--null-algs"))
      a->null_algs = true;
    else if (!v)
      return 2;
    else if (!strcmp(k, "--job-id"))
      a->o.store.job_id = v, i++;
    else if (!strcmp(k, "--run-name"))
      a->o.run_name = v, i++;
    else if (!strcmp(k, "--campaign"))
      a->o.campaign = v, i++;
    else if (!strcmp(k, "--benchmark-metadata"))
      a->o.benchmark_metadata = v, i++;
    else if (!strcmp(k, "--race")) {
      static char dir[4096];
      if (sscanf(v, "%4095[^:]:%d:%d", dir, &race.n, &race.id) != 3) return 2;
      race.dir = dir;
      i++;
    } else if (!strcmp(k, "--trials"))
      a->o.n_trials = atoll(v), i++;
    else if (!strcmp(k, "--step"))
      a->o.store.checkpoint_step = atoll(v), i++;
    else if (!strcmp(k, "--keep"))
      a->o.store.keep_n = atoi(v), i++;
    else if (!strcmp(k, "--seed"))
      a->o.seed = strtoull(v, NULL, 10), i++;
    else if (!strcmp(k, "--period"))
      a->o.metrics_period = atoll(v), i++;
    else if (!strcmp(k, "--add-trials"))
      a->o.add_trials = atoll(v), i++;
    else if (!strcmp(k, "--add-iterations"))
      a->o.add_iterations = atoll(v), i++;
    else if (!strcmp(k, "--sleep-us"))
      a->sleep_us = atol(v), i++;
    else if (!strcmp(k, "--dump"))
      a->dump_file = v, i++;
    else if (!strcmp(k, "--ready"))
      a->ready_file = v, i++;
    else if (!strcmp(k, "--deadline-in"))
      a->o.deadline = (double)time(NULL) + atof(v), i++;
    else if (!strcmp(k, "--deadline"))
      a->deadline_arg = v, i++;
    else if (!strcmp(k, "--margin"))
      a->o.deadline_margin = atof(v), i++;
    else if (!strcmp(k, "--interval"))
      a->o.checkpoint_interval = atof(v), i++;
    else if (!strcmp(k, "--segment-bytes"))
      a->o.metrics_segment_bytes = (size_t)atoll(v), i++;
    else if (!strcmp(k, "--index-interval"))
      a->o.index_interval = atof(v), i++;
    else if (!strcmp(k, "--scheduler")) {
      a->o.scheduler = !strcmp(v, "counter")     ? DCKPT_SCHED_COUNTER
                       : !strcmp(v, "dispenser") ? DCKPT_SCHED_DISPENSER
                                                 : DCKPT_SCHED_AUTO;
      i++;
    } else if (!strcmp(k, "--kill-at-step")) {
      static char step[64];
      if (sscanf(v, "%63[^:]:%ld", step, &a->kill_nth) != 2) return 2;
      a->kill_step = step;
      i++;
    } else if (!strcmp(k, "--count-step")) {
      a->count_step = v;
      i++;
    } else if (!strcmp(k, "--hold-step")) {
      static char step[64], file[4096];
      if (sscanf(v, "%63[^:]:%4095s", step, file) != 2) return 2;
      a->hold_step = step;
      a->hold_file = file;
      i++;
    } else if (!strcmp(k, "--iters")) {
      if (sscanf(v, "%ld,%ld,%ld", &a->iters[0], &a->iters[1], &a->iters[2]) != 3)
        return 2;
      i++;
    } else if (!strcmp(k, "--fail-at")) {
      if (sscanf(v, "%ld:%ld:%ld", &a->fail_alg, &a->fail_trial, &a->fail_iter) != 3)
        return 2;
      i++;
    } else if (!strcmp(k, "--fail-reason")) {
      a->fail_reason = v;
      i++;
    } else if (!strcmp(k, "--kill-at")) {
      if (sscanf(v, "%ld:%ld:%ld", &a->kill_alg, &a->kill_trial, &a->kill_iter) != 3)
        return 2;
      i++;
    } else if (!strcmp(k, "--block-at")) {
      if (sscanf(v, "%ld:%ld:%ld", &a->block_alg, &a->block_trial, &a->block_iter) != 3)
        return 2;
      i++;
    } else if (!strcmp(k, "--mode")) {
      a->o.mode = !strcmp(v, "new")      ? DCKPT_RUN_NEW
                  : !strcmp(v, "resume") ? DCKPT_RUN_RESUME
                                         : DCKPT_RUN_AUTO;
      i++;
    } else
      return 2;
  }
  return 0;
}

static void on_stop_signal(int signum) {
  dckpt_request_stop(signum);
}

int main(int argc, char **argv) {
  /* Stop requests that come while MPI starts up are kept for dckpt_run. */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGUSR1, &sa, NULL);
  bool multiple = false;
  for (int i = 1; i < argc; i++)
    multiple |= !strcmp(argv[i], "--thread-multiple");
  if (multiple) {
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
  } else {
    MPI_Init(&argc, &argv);
  }
  args a;
  memset(&a, 0, sizeof a);
  if (argc < 2 || parse(argc, argv, &a) != 0) {
    fprintf(stderr, "usage: campaign DIR [options] (see the source)\n");
    MPI_Finalize();
    return 2;
  }
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (a.verify_only) {
    int vrc = rank == 0 ? verify(a.o.dir) : 0;
    MPI_Finalize();
    return vrc;
  }
  if (a.deadline_arg) {
    char err[512];
    if (app_parse_deadline_bcast(MPI_COMM_WORLD, a.deadline_arg, &a.o.deadline, err,
                                 sizeof err) != 0) {
      if (rank == 0) fprintf(stderr, "campaign: %s\n", err);
      MPI_Finalize();
      return 2;
    }
  }
  if (race.dir) {
    /* rank 0's pid is the lock holder's: every rank learns it */
    long pid = (long)getpid();
    MPI_Bcast(&pid, 1, MPI_LONG, 0, MPI_COMM_WORLD);
    race.owner_pid = pid;
    if (rank == 0) {
      race_touch("ready", race.id, "");
      for (long i = 0; i < 120000 && !race_exists("go", 0); i++)
        usleep(1000);
    }
    MPI_Barrier(MPI_COMM_WORLD);
  }
  if ((a.kill_step || a.hold_step || a.count_step) && rank == 0) {
    kill_step = a.kill_step;
    kill_left = a.kill_nth;
    hold_step = a.hold_step;
    hold_file = a.hold_file;
    count_step = a.count_step;
    static dckpt_store_experimental kill_hooks; /* read by the open */
    dckpt_store_experimental_init(&kill_hooks);
    kill_hooks.step_hook = kill_hook;
    a.o.store.experimental = &kill_hooks;
  }
  a.o.store.log = on_log;
  a.o.store.log_level = a.quiet ? DCKPT_LOG_ERROR : DCKPT_LOG_WARN;
  alg_conf conf[3];
  const char *names[3] = {"walk", "mix", "heavy"};
  dckpt_algorithm algs[3];
  memset(algs, 0, sizeof algs);
  for (int i = 0; i < 3; i++) {
    conf[i] =
        (alg_conf){.kind = i,
                   .fail_trial = a.fail_alg == i ? a.fail_trial : -1,
                   .fail_iter = a.fail_iter,
                   .fail_reason = a.fail_reason,
                   .sleep_us = a.sleep_us,
                   .block_trial = a.block_alg == i ? a.block_trial : -1,
                   .block_iter = a.block_iter,
                   .dir = a.o.dir,
                   .ready_file = a.ready_file,
                   .step = a.o.store.checkpoint_step > 0 ? a.o.store.checkpoint_step : 1,
                   .kill_trial = a.kill_alg == i ? a.kill_trial : -1,
                   .kill_iter = a.kill_iter};
    algs[i] = (dckpt_algorithm){.name = names[i],
                                .iterations = a.iters[i],
                                .hyperparameters = i == 1 ? "{\"damping\":0.9}" : NULL,
                                .cost_hint = i == 2 ? 4.0 : 1.0,
                                .user = &conf[i],
                                .create = create,
                                .step = step,
                                .save = save,
                                .load = load,
                                .destroy = destroy,
                                .n_metrics = 2,
                                .metric_names = metric_names,
                                .metrics = metrics};
  }
  dckpt_record *problem = dckpt_record_create();
  double scale = 1.5;
  dckpt_record_put_f64(problem, "scale", &scale, 1);
  dckpt_run_report rep;
  /* outside a run's callback a reason is refused */
  dckpt_trial_info none = {0};
  bool outside_refused = dckpt_run_fail_reason(&none, "no trial") == DCKPT_EINVAL;
  int rc = dckpt_run(MPI_COMM_WORLD, &a.o, a.null_algs ? NULL : algs, 3, problem, &rep);
  dckpt_record_free(problem);
  if (rank == 0 && !a.quiet)
    printf(
        "status %s: %lld/%lld pairs complete, %lld run, %lld iterations in %.2f s%s%s\n",
        dckpt_err_name(rc), (long long)rep.pairs_completed, (long long)rep.pairs_total,
        (long long)rep.pairs_run, (long long)rep.iterations_run, rep.seconds,
        rep.message[0] ? "; " : "", rep.message);
  if (!outside_refused) {
    fprintf(stderr, "dckpt_run_fail_reason outside a run was not refused\n");
    rc = DCKPT_EINVAL;
  }
  if (rank == 0 && count_step)
    printf("step %s reached %ld times\n", count_step, atomic_load(&count_seen));
  if (rank == 0 && race.dir && rc != DCKPT_OK) {
    char msg[1200];
    snprintf(msg, sizeof msg, "%s: %s", dckpt_err_name(rc), rep.message);
    race_touch("refused", race.id, msg);
    race_touch("tried", race.id, "");
  }
  if (rank == 0 && rc == DCKPT_OK && rep.pairs_completed == rep.pairs_total &&
      a.dump_file && dump(a.o.dir, a.dump_file) != 0)
    rc = 1;
  MPI_Finalize();
  if (rc == DCKPT_OK) return 0;
  return rc == DCKPT_EINTERRUPTED ? DCKPT_EXIT_INTERRUPTED : 1;
}
