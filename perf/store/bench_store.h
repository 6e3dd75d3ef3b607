/* Internals of bench_store (perf/store/): what one run measures and the
 * functions of each part. main.c says what the program does. */
#ifndef DCKPT_BENCH_STORE_H
#define DCKPT_BENCH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dckpt.h"

#define KIB        ((uint64_t)1024)
#define MIB        (KIB * KIB)
#define AGENTS     64u /* rows of the two state arrays */
#define RNG_WORDS  6u  /* u64 words of the "rng_state" array */
#define MAX_SIZES  16
#define MAX_REPS   1000
#define MAX_PHASES 24
#define MAX_EVENTS 64 /* step hook calls recorded per save */
#define PHASE_NAME 40
#define LARGE_SIZE (256 * MIB) /* from here on, --reps-large repetitions */

/* ---- options.c: the command line ---- */

typedef struct options {
  const char *dir;
  uint64_t sizes[MAX_SIZES];
  size_t n_sizes;
  int reps;
  int reps_large;
  const char *csv;
  bool drop_caches;
  const char *ancestor;
  const char *python;
  bool keep;
  bool strict;
  bool phases;
  uint64_t seed;
  int level;
  const char *profile; /* NULL, or the operation to repeat for perf */
  double seconds;
} options;

/** Fills `o` from the command line; exits on --help (0) or bad usage (1). */
void parse_options(int argc, char **argv, options *o);

/* ---- results of one state size ---- */

typedef enum method {
  M_DCKPT_FULL,     /* dckpt_store_save, DCKPT_DURABILITY_FULL, keep_n = 2 */
  M_WRITE_FSYNC,    /* open new file, write, fsync, close */
  M_WRITE_RENAME,   /* tmp file, write, fsync, rename, directory fsync */
  M_DCKPT_NONE,     /* dckpt_store_save, DCKPT_DURABILITY_NONE */
  M_WRITE_ONLY,     /* open new file, write, close (no fsync) */
  M_LOAD_WARM,      /* dckpt_store_load_latest, file in page cache */
  M_READ_WARM,      /* read() of the raw file into a new buffer, cached */
  M_LOAD_COLD,      /* dckpt_store_load_latest after drop_caches */
  M_READ_COLD,      /* read() of the raw file after drop_caches */
  M_ENCODE,         /* dckpt_record_encode level 1, in memory */
  M_DECODE,         /* dckpt_record_parse, in memory */
  M_ZSTD1,          /* ZSTD_compress level 1 of the raw bytes, no shuffle */
  M_ANC_SAVE,       /* ancestor save, no fsync */
  M_ANC_SAVE_FSYNC, /* ancestor save, fsync file + dir */
  M_ANC_LOAD_WARM,  /* ancestor load, cached */
  M_ANC_LOAD_COLD,  /* ancestor load after drop_caches */
  M_COUNT
} method;

/** The CSV name of each method. */
extern const char *const method_key[M_COUNT];

typedef struct stat_cell {
  bool have;
  int reps;
  double median; /* seconds */
  double min;    /* seconds */
} stat_cell;

typedef struct phase_stat {
  char name[PHASE_NAME];
  double med; /* median seconds per save spent in this step */
} phase_stat;

typedef struct size_result {
  uint64_t state_bytes; /* f64 bytes of the two arrays */
  uint64_t raw_bytes;   /* all array bytes (state + rng words) */
  uint64_t dckpt_file;  /* checkpoint file size */
  uint64_t zstd1_bytes; /* ZSTD_compress level 1 of the raw bytes */
  uint64_t anc_file;    /* ancestor .pkl.zst size (0 = not run) */
  stat_cell m[M_COUNT];
  size_t n_phases[2]; /* [0] FULL saves, [1] NONE saves */
  phase_stat phases[2][MAX_PHASES];
} size_result;

/** Median and minimum of v[0, n). */
stat_cell summarize(const double *v, int n);

/* ---- state.c: the solver-like state ---- */

/** A record of the state for `state` bytes of f64, drawn from `seed`, whose
 *  arrays borrow one buffer (*bufp: algorithm | network | rng words; the
 *  caller frees it after the record). */
dckpt_record *make_record(uint64_t state, uint64_t seed, unsigned char **bufp);

/** Dies unless `rec` holds the three arrays of buf as make_record laid them out. */
void verify_loaded(const dckpt_record *rec, const unsigned char *buf, uint64_t state);

/* ---- phases.c: the commit protocol's steps, from the store's step hook ---- */

typedef struct phase_log {
  size_t n;
  char name[MAX_EVENTS][PHASE_NAME];
  double t[MAX_EVENTS];
} phase_log;

/** Per repetition: seconds in each named step (summed when a step repeats). */
typedef struct phase_acc {
  size_t n_names;
  char names[MAX_PHASES][PHASE_NAME];
  double v[MAX_PHASES][MAX_REPS];
} phase_acc;

/** dckpt_store_experimental.step_hook: timestamps the step named in a phase_log. */
void phase_hook(void *ctx, const char *step);
/** Adds one save (t0..t1, steps in pl) as repetition `rep` to pa. */
void phase_add(phase_acc *pa, int rep, const phase_log *pl, double t0, double t1);
/** The median of each step over `reps` repetitions, into out/n_out. */
void phase_summarize(const phase_acc *pa, int reps, phase_stat *out, size_t *n_out);
/** Median seconds of step `name` (dur 0 = FULL saves, 1 = NONE), NAN if unknown. */
double phase_median(const size_result *r, int dur, const char *name);

/* ---- stores.c: the dckpt stores under test ---- */

/** Dies with the store's message unless rc is DCKPT_OK. */
void check(int rc, const char *what, const dckpt_store *st);
/** A store in `dir`, initialized for opt->n_sizes trials of one algorithm. */
dckpt_store *open_store(const char *dir, dckpt_durability d, const options *opt,
                        phase_log *pl);
/** Size of the checkpoint of (algorithm 0, trial, iter) under store_dir. */
uint64_t checkpoint_file_size(const char *store_dir, int64_t trial, int64_t iter);

/* ---- measure.c: one state size ---- */

typedef struct bench_ctx {
  const options *o;
  dckpt_store *full, *none;
  const char *full_dir;
  char *raw_dir;
  bool cold;         /* drop_caches works: measure cold loads */
  phase_log plog[2]; /* [0] FULL store, [1] NONE store */
  phase_acc *pacc[2];
} bench_ctx;

/** Every dckpt and plain-file measurement of size number idx, into r. */
void bench_size(bench_ctx *c, size_t idx, size_result *r);

/* ---- plain.c: the plain-file references ---- */

/** Writes len bytes to path (via tmp + rename + directory fsync when
 *  via_rename), with fsync when do_fsync; dir holds path. */
void save_plain(const char *dir, const char *path, const char *tmp, const void *buf,
                size_t len, bool do_fsync, bool via_rename);
/** read()s the whole file into fresh memory; dies unless it has `expect` bytes. */
void read_plain(const char *path, size_t expect);
/** unlink() that ignores a missing file. */
void unlink_quiet(const char *path);

/* ---- profile.c: --profile ---- */

/** Repeats o->profile on the first size for o->seconds, prints ops and time. */
void profile_loop(bench_ctx *c);

/* ---- ancestor.c: the Python ancestor ---- */

/** Runs the ancestor for size number idx and stores its rows in res[idx]. */
void run_ancestor(const options *o, const char *run_dir, bool cold, size_t idx,
                  size_result *res);

/* ---- tables.c, phase_table.c, targets.c, csv.c: the report ---- */

/** num's median / den's median, NAN when either is missing. */
double ratio(const size_result *r, method num, method den);
/** The markdown tables of every measurement. */
void print_tables(const options *o, const size_result *res, bool ancestor);
/** Median ms per commit step of res[0, ns); dur 0 = FULL saves, 1 = NONE. */
void print_phase_table(const size_result *res, size_t ns, int dur);

typedef struct verdicts {
  int pass, fail, skip;
} verdicts;

/** One PASS/FAIL/SKIP line per performance target. */
verdicts print_targets(const options *o, const size_result *res, bool ancestor);
/** Every measurement as CSV (perf/summarize_store.py reads it). */
void write_csv(const char *path, const options *o, const size_result *res);

#endif
