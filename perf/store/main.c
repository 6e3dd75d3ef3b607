/*
 * bench_store — save/load throughput of the dckpt checkpoint store, side by
 * side with plain write()+fsync() of the same bytes, with a zstd level-1
 * reference (no shuffle) and, optionally, with the Python ancestor
 * (perf/baselines/ancestor_baseline.py) run in the same session on the same disk.
 *
 * A program, not a test: it prints markdown tables to stdout (and a CSV with
 * --csv) and a PASS/FAIL line per performance target. Run with --help.
 * docs/performance.md, section "Store: save and load throughput", says how
 * its numbers were taken.
 *
 * The parts: options.c (command line), state.c (the state saved), stores.c
 * (the stores under test), plain.c (the plain-file references), phases.c
 * (the commit protocol's steps), measure.c (one size), ancestor.c (the
 * Python ancestor), profile.c (--profile), tables.c, phase_table.c,
 * targets.c and csv.c (the report).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "bench_store.h"
#include "bench_util.h"

/* The scratch directories of one run. */
typedef struct run_dirs {
  bool made_top; /* o->dir was created by this run */
  char *run, *full, *none;
} run_dirs;

static void check_inputs(const options *o) {
  if (o->ancestor && access(o->ancestor, R_OK) != 0)
    bench_die("--ancestor %s: %s", o->ancestor, strerror(errno));
  if (o->ancestor && access(o->python, X_OK) != 0)
    bench_die("--python %s: %s", o->python, strerror(errno));
}

static bool cold_loads_possible(const options *o) {
  if (!o->drop_caches) return false;
  if (bench_drop_caches()) return true;
  fprintf(stderr,
          "bench_store: cannot write /proc/sys/vm/drop_caches (%s); "
          "cold loads are skipped\n",
          strerror(errno));
  return false;
}

/* DIR/bench_store.<pid>/{dckpt_full,dckpt_none,raw}; the stores in c. */
static void open_run(const options *o, run_dirs *d, bench_ctx *c) {
  d->made_top = mkdir(o->dir, 0755) == 0;
  if (!d->made_top && errno != EEXIST) bench_die("mkdir %s: %s", o->dir, strerror(errno));
  char sub[64];
  snprintf(sub, sizeof sub, "bench_store.%ld", (long)getpid());
  d->run = bench_path_join(o->dir, sub);
  if (mkdir(d->run, 0755) != 0) bench_die("mkdir %s: %s", d->run, strerror(errno));
  d->full = bench_path_join(d->run, "dckpt_full");
  d->none = bench_path_join(d->run, "dckpt_none");
  c->o = o;
  c->pacc[0] = bench_xmalloc(sizeof *c->pacc[0]);
  c->pacc[1] = bench_xmalloc(sizeof *c->pacc[1]);
  c->raw_dir = bench_path_join(d->run, "raw");
  c->full_dir = d->full;
  if (mkdir(c->raw_dir, 0755) != 0)
    bench_die("mkdir %s: %s", c->raw_dir, strerror(errno));
  c->full = open_store(d->full, DCKPT_DURABILITY_FULL, o, o->phases ? &c->plog[0] : NULL);
  c->none = open_store(d->none, DCKPT_DURABILITY_NONE, o, o->phases ? &c->plog[1] : NULL);
}

/* Removes what the run wrote (unless --keep), o->dir only when ours and empty. */
static void close_run(const options *o, run_dirs *d, bench_ctx *c) {
  if (!o->keep) bench_remove_tree(d->run);
  if (!o->keep && d->made_top) (void)rmdir(o->dir);
  free(d->run);
  free(d->full);
  free(d->none);
  free(c->raw_dir);
  free(c->pacc[0]);
  free(c->pacc[1]);
}

static void print_header(const options *o, bool cold, double seconds, double load_start,
                         double load_end) {
  printf("## bench_store results\n\n");
  printf("dckpt %s, zstd %s, state = 2 float64 arrays %u × dim + %u u64 rng words, "
         "keep_n = 2, level %d; dir %s; %s; reps %d (%d for ≥ 256 MiB); %.0f s\n",
         dckpt_version_string(), ZSTD_versionString(), AGENTS, RNG_WORDS, o->level,
         o->dir, cold ? "cold loads after drop_caches" : "warm loads only", o->reps,
         o->reps_large, seconds);
  printf(
      "\n1-minute load average: %.2f at start, %.2f at end (the end value includes this "
      "run; a start value above ~0.3 means other processes competed for the CPUs)\n",
      load_start, load_end);
}

/* Every size (and the ancestor after each), the report; returns the verdicts. */
static verdicts measure_and_report(bench_ctx *c, const run_dirs *d) {
  const options *o = c->o;
  size_result *res = calloc(o->n_sizes, sizeof *res);
  if (!res) bench_die("out of memory");
  double load_start = bench_loadavg1();
  if (load_start > 0.5)
    fprintf(stderr,
            "bench_store: warning: load average is %.2f; other processes will "
            "disturb the timings\n",
            load_start);
  double t_start = bench_now();
  for (size_t i = 0; i < o->n_sizes; i++) {
    bench_size(c, i, &res[i]);
    if (o->ancestor) run_ancestor(o, d->run, c->cold, i, res);
  }
  dckpt_store_close(c->full);
  dckpt_store_close(c->none);
  if (!o->keep) {
    bench_remove_tree(d->full);
    bench_remove_tree(d->none);
  }
  print_header(o, c->cold, bench_now() - t_start, load_start, bench_loadavg1());
  print_tables(o, res, o->ancestor != NULL);
  verdicts v = print_targets(o, res, o->ancestor != NULL);
  printf("\n%d PASS, %d FAIL, %d SKIP\n", v.pass, v.fail, v.skip);
  fflush(stdout);
  if (o->csv) write_csv(o->csv, o, res);
  free(res);
  return v;
}

int main(int argc, char **argv) {
  bench_set_prog("bench_store");
  options o;
  parse_options(argc, argv, &o);
  check_inputs(&o);
  bench_ctx c;
  memset(&c, 0, sizeof c);
  c.cold = cold_loads_possible(&o);
  run_dirs d = {0};
  open_run(&o, &d, &c);
  if (o.profile) {
    profile_loop(&c);
    dckpt_store_close(c.full);
    dckpt_store_close(c.none);
    close_run(&o, &d, &c);
    return 0;
  }
  verdicts v = measure_and_report(&c, &d);
  close_run(&o, &d, &c);
  return (o.strict && v.fail > 0) ? 2 : 0;
}
