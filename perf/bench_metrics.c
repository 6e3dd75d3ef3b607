/* bench_metrics: what a long trial's metric history costs its checkpoints.
 *
 * One synthetic trial through dckpt_run (1 rank): a state of --state-doubles
 * float64, --iterations iterations, metrics (--n-metrics values) every
 * --period iterations, a checkpoint every --step iterations, durable unless
 * --no-fsync. Run under two configurations, alternated rep by rep:
 *   whole     metrics_segment_bytes = 0: every checkpoint carries the whole
 *             history (dckpt before metric segments)
 *   segments  metrics_segment_bytes at its default (256 KiB)
 * Measured per run: wall time of dckpt_run; bytes the process wrote
 * (/proc/self/io: wchar, bytes passed to write(); write_bytes, bytes sent to
 * the block layer); bytes per checkpoint (wchar between the ends of two
 * successive checkpoints, read in the store's step hook: the checkpoint,
 * progress.json and any segment), over the first and the last 5 % of the
 * trial's checkpoints. Prints one markdown table of medians over the reps.
 *
 *   bench_metrics [--dir DIR] [--iterations N] [--period P] [--step S]
 *                 [--state-doubles D] [--n-metrics M] [--reps R] [--no-fsync]
 */
#define _GNU_SOURCE
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "dckpt_experimental.h"
#include "dckpt_run.h"

typedef struct opts {
  const char *dir;
  int64_t iterations, period, step, state_doubles;
  int n_metrics, reps;
  bool durable;
} opts;

typedef struct io_counts {
  unsigned long long wchar, write_bytes;
} io_counts;

static io_counts read_io(void) {
  io_counts c = {0, 0};
  FILE *f = fopen("/proc/self/io", "r");
  char key[64];
  unsigned long long v;
  while (f && fscanf(f, "%63[^:]: %llu\n", key, &v) == 2) {
    if (!strcmp(key, "wchar")) c.wchar = v;
    if (!strcmp(key, "write_bytes")) c.write_bytes = v;
  }
  if (f) fclose(f);
  return c;
}

/* Bytes between the ends of successive checkpoints (step hook, writer thread). */
typedef struct ckpt_log {
  unsigned long long last;
  double *bytes;
  size_t n, cap;
} ckpt_log;

static void on_step(void *ctx, const char *step) {
  ckpt_log *l = ctx;
  if (strcmp(step, "ckpt.done") != 0) return;
  unsigned long long now = read_io().wchar;
  if (l->n < l->cap) l->bytes[l->n++] = (double)(now - l->last);
  l->last = now;
}

typedef struct st {
  int64_t n;
  double x[];
} st;

static int s_create(const dckpt_trial_info *info, dckpt_rng *rng, void **out) {
  const opts *o = info->user;
  st *s = malloc(sizeof *s + (size_t)o->state_doubles * sizeof(double));
  if (!s) return 1;
  s->n = o->state_doubles;
  for (int64_t i = 0; i < s->n; i++)
    s->x[i] = dckpt_rng_normal(rng);
  *out = s;
  return 0;
}

/* A few microseconds of real work that depends on the RNG stream. */
static int s_step(const dckpt_trial_info *info, void *state, int64_t k, dckpt_rng *rng) {
  (void)info;
  st *s = state;
  double noise = dckpt_rng_uniform(rng) - 0.5;
  for (int j = 0; j < 16; j++) {
    int64_t i = (k * 16 + j) % s->n;
    s->x[i] = 0.999 * s->x[i] + 1e-3 * noise + 1e-4 * sin((double)k);
  }
  return 0;
}

static int s_save(const dckpt_trial_info *info, const void *state, dckpt_record *rec) {
  (void)info;
  const st *s = state;
  uint64_t n = (uint64_t)s->n;
  return dckpt_record_put_ref(rec, "x", DCKPT_F64, 1, &n, s->x);
}

static int s_load(const dckpt_trial_info *info, const dckpt_record *rec, void **out) {
  const opts *o = info->user;
  st *s = malloc(sizeof *s + (size_t)o->state_doubles * sizeof(double));
  if (!s) return 1;
  s->n = o->state_doubles;
  int rc = dckpt_record_get(rec, "x", DCKPT_F64, s->x, (uint64_t)s->n);
  if (rc)
    free(s);
  else
    *out = s;
  return rc ? 1 : 0;
}

static void s_destroy(const dckpt_trial_info *info, void *state) {
  (void)info;
  free(state);
}

static int s_metrics(const dckpt_trial_info *info, const void *state, int64_t k,
                     double *out) {
  const opts *o = info->user;
  const st *s = state;
  for (int m = 0; m < o->n_metrics; m++)
    out[m] = s->x[(k + m * 7) % s->n] * (m + 1);
  return 0;
}

typedef struct result {
  double wall, wchar, write_bytes, ckpts, first, last;
} result;

static double median_of(const double *v, size_t n) {
  return bench_median(v, n);
}

static int run_one(const opts *o, size_t segment_bytes, result *r) {
  char dir[4200];
  snprintf(dir, sizeof dir, "%s/run", o->dir);
  bench_remove_tree(dir);
  static const char *names[] = {"m0", "m1", "m2",  "m3",  "m4",  "m5",  "m6",  "m7",
                                "m8", "m9", "m10", "m11", "m12", "m13", "m14", "m15"};
  dckpt_algorithm alg = {.name = "synthetic",
                         .iterations = o->iterations,
                         .user = (void *)o,
                         .create = s_create,
                         .step = s_step,
                         .save = s_save,
                         .load = s_load,
                         .destroy = s_destroy,
                         .n_metrics = o->n_metrics,
                         .metric_names = names,
                         .metrics = s_metrics};
  size_t cap = (size_t)(o->iterations / o->step) + 8;
  ckpt_log log = {.bytes = calloc(cap, sizeof(double)), .cap = cap};
  if (!log.bytes) return 1;
  dckpt_run_options ro;
  dckpt_run_options_init(&ro);
  ro.dir = dir;
  ro.mode = DCKPT_RUN_NEW;
  ro.n_trials = 1;
  ro.seed = 11;
  ro.progress = 0;
  ro.metrics_period = o->period;
  ro.metrics_segment_bytes = segment_bytes;
  ro.store.checkpoint_step = o->step;
  ro.store.keep_n = 2;
  ro.store.durability = o->durable ? DCKPT_DURABILITY_FULL : DCKPT_DURABILITY_NONE;
  dckpt_store_experimental hooks;
  dckpt_store_experimental_init(&hooks);
  hooks.step_hook = on_step;
  hooks.step_hook_ctx = &log;
  ro.store.experimental = &hooks;
  dckpt_record *problem = dckpt_record_create();
  double one = 1.0;
  dckpt_record_put_f64(problem, "unit", &one, 1);
  dckpt_run_report rep;
  io_counts a = read_io();
  log.last = a.wchar;
  double t0 = bench_now();
  int rc = dckpt_run(MPI_COMM_WORLD, &ro, &alg, 1, problem, &rep);
  r->wall = bench_now() - t0;
  io_counts b = read_io();
  dckpt_record_free(problem);
  r->wchar = (double)(b.wchar - a.wchar);
  r->write_bytes = (double)(b.write_bytes - a.write_bytes);
  /* the last entry is the final checkpoint (whole history either way) */
  size_t n = log.n > 1 ? log.n - 1 : log.n, w = n / 20 ? n / 20 : 1;
  r->ckpts = (double)n;
  r->first = n ? median_of(log.bytes, w) : 0;
  r->last = n ? median_of(log.bytes + n - w, w) : 0;
  free(log.bytes);
  if (rc != DCKPT_OK) fprintf(stderr, "bench_metrics: %s\n", rep.message);
  bench_remove_tree(dir);
  return rc == DCKPT_OK ? 0 : 1;
}

static int parse(int argc, char **argv, opts *o) {
  *o = (opts){.dir = "bench-metrics-tmp",
              .iterations = 1000000,
              .period = 10,
              .step = 250,
              .state_doubles = 512,
              .n_metrics = 6,
              .reps = 3,
              .durable = true};
  for (int i = 1; i < argc; i++) {
    const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(k, "--no-fsync")) {
      o->durable = false;
      continue;
    }
    if (!v) return 2;
    if (!strcmp(k, "--dir"))
      o->dir = v;
    else if (!strcmp(k, "--iterations"))
      o->iterations = atoll(v);
    else if (!strcmp(k, "--period"))
      o->period = atoll(v);
    else if (!strcmp(k, "--step"))
      o->step = atoll(v);
    else if (!strcmp(k, "--state-doubles"))
      o->state_doubles = atoll(v);
    else if (!strcmp(k, "--n-metrics"))
      o->n_metrics = atoi(v);
    else if (!strcmp(k, "--reps"))
      o->reps = atoi(v);
    else
      return 2;
    i++;
  }
  bool ok = o->iterations >= 1 && o->period >= 1 && o->step >= 1 &&
            o->state_doubles >= 1 && o->n_metrics >= 1 && o->n_metrics <= 16 &&
            o->reps >= 1 && o->reps <= 50;
  return ok ? 0 : 2;
}

#define MIB (1024.0 * 1024.0)

static void print_row(const char *name, result *rs, int reps) {
  double v[6][50] = {{0}};
  for (int i = 0; i < reps; i++) {
    v[0][i] = rs[i].wall, v[1][i] = rs[i].wchar, v[2][i] = rs[i].write_bytes;
    v[3][i] = rs[i].ckpts, v[4][i] = rs[i].first, v[5][i] = rs[i].last;
  }
  double wmin = v[0][0], wmax = v[0][0];
  for (int i = 1; i < reps; i++) {
    wmin = fmin(wmin, v[0][i]);
    wmax = fmax(wmax, v[0][i]);
  }
  size_t n = (size_t)reps;
  printf(
      "| %s | %.2f s (%.2f–%.2f) | %.1f MiB | %.1f MiB | %.0f | %.1f KiB | %.1f KiB |\n",
      name, median_of(v[0], n), wmin, wmax, median_of(v[1], n) / MIB,
      median_of(v[2], n) / MIB, median_of(v[3], n), median_of(v[4], n) / 1024.0,
      median_of(v[5], n) / 1024.0);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  opts o;
  if (parse(argc, argv, &o) != 0) {
    fprintf(stderr, "usage: bench_metrics [--dir DIR] [--iterations N] [--period P] "
                    "[--step S] [--state-doubles D] [--n-metrics M] [--reps R] "
                    "[--no-fsync]\n");
    MPI_Finalize();
    return 2;
  }
  result whole[50], seg[50];
  int rc = 0;
  for (int i = 0; i < o.reps && !rc; i++) {
    /* alternated, the order swapped every rep */
    if (i % 2 == 0)
      rc = run_one(&o, 0, &whole[i]) || run_one(&o, 256 * 1024, &seg[i]);
    else
      rc = run_one(&o, 256 * 1024, &seg[i]) || run_one(&o, 0, &whole[i]);
    fprintf(stderr, "rep %d: whole %.2f s, segments %.2f s\n", i + 1, whole[i].wall,
            seg[i].wall);
  }
  if (!rc) {
    printf("%lld iterations, metrics (%d values) every %lld, checkpoint every %lld, "
           "state %lld float64, %s; medians of %d runs\n\n",
           (long long)o.iterations, o.n_metrics, (long long)o.period, (long long)o.step,
           (long long)o.state_doubles, o.durable ? "durable" : "no fsync", o.reps);
    printf("| metric history | wall time, median (min–max) | bytes written (write()) | "
           "bytes to the disk (write_bytes) | periodic checkpoints | bytes per "
           "checkpoint, first 5 %% | bytes per checkpoint, last 5 %% |\n");
    printf("|---|---|---|---|---|---|---|\n");
    print_row("whole history in every checkpoint (`metrics_segment_bytes` 0, before)",
              whole, o.reps);
    print_row("segments (`metrics_segment_bytes` 256 KiB, after)", seg, o.reps);
  }
  MPI_Finalize();
  return rc;
}
