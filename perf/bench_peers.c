/*
 * bench_peers — what one checkpoint of a solver state costs through dckpt,
 * side by side with what a user would pick instead: numpy.savez, h5py (raw,
 * shuffle + gzip, shuffle + zstd through dckpt's HDF5 plugin), zarr (run by
 * perf/bench_peers.py under /usr/bin/python3) and HDF5 from C, on the same
 * numbers, on the same disk, in one run.
 *
 * A program, not a test: it prints markdown tables (and a CSV with --csv) and
 * one PASS/FAIL line per target of issue 13 item 1. Run with --help.
 *
 * The state: n = size / 8 doubles x_i = sin(i * 1e-3) + 1e-3 * N(0, 1)
 * (dckpt_rng, fixed seed), split into two float64 arrays "algorithm" and
 * "network" of 64 rows each. It is written once per size to a raw file that
 * the Python peers read, so every peer saves exactly these bytes.
 */
#define _GNU_SOURCE /* sync(), strdup() */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <hdf5.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_util.h"
#include "dckpt.h"

#define KIB       ((uint64_t)1024)
#define MIB       (KIB * KIB)
#define ROWS      64u
#define MAX_SIZES 16
#define MAX_REPS  1000
#define MAX_ROWS  24 /* methods: the C side's and the Python peers' */
#define NAME_LEN  32

#ifndef BENCH_PEERS_SCRIPT
#define BENCH_PEERS_SCRIPT "perf/bench_peers.py"
#endif
#ifndef BENCH_H5_PLUGIN_DIR
#define BENCH_H5_PLUGIN_DIR ""
#endif

/* ------------------------------------------------------------------------- */
/* Results: one row per method and size, samples per operation               */
/* ------------------------------------------------------------------------- */

/* save_fsync: into a new file, that file and its directory fsynced (dckpt's
 * guarantee); inplace_fsync: over the previous file, fsynced (one flush less,
 * but a crash can leave neither state; peers only, not a target). */
enum { OP_SAVE, OP_SAVE_FSYNC, OP_INPLACE, OP_LOAD, OP_COUNT };
static const char *const op_name[OP_COUNT] = {"save", "save_fsync", "inplace_fsync",
                                              "load"};

/* What kind of peer a method is, for the targets. */
typedef enum kind { K_DCKPT, K_RAW, K_COMPRESSING } kind;

typedef struct row {
  char name[NAME_LEN];
  kind kind;
  uint64_t bytes;      /* on disk after a save */
  double *s[OP_COUNT]; /* samples, seconds: rounds x reps */
  size_t n[OP_COUNT];
} row;

typedef struct size_rows {
  uint64_t size;
  row rows[MAX_ROWS];
  size_t n_rows;
} size_rows;

typedef struct options {
  const char *dir;
  uint64_t sizes[MAX_SIZES];
  size_t n_sizes;
  int rounds, reps, reps_large;
  const char *python, *script, *plugin_dir, *peers, *csv;
  int level;
} options;

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...);
static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("bench_peers: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

/* snprintf into a path buffer; a path too long for it is fatal. */
__attribute__((format(printf, 3, 4))) static void xpath(char *buf, size_t len,
                                                        const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, len, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= len) die("path too long: %s...", buf);
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) die("out of memory (%zu bytes)", n);
  return p;
}

static kind kind_of(const char *name) {
  if (!strncmp(name, "dckpt", 5)) return K_DCKPT;
  if (!strcmp(name, "npz") || !strcmp(name, "h5py") || !strcmp(name, "C HDF5"))
    return K_RAW;
  return K_COMPRESSING;
}

static row *row_get(size_rows *sr, const char *name) {
  for (size_t i = 0; i < sr->n_rows; i++)
    if (!strcmp(sr->rows[i].name, name)) return &sr->rows[i];
  if (sr->n_rows == MAX_ROWS) die("more than %d methods", MAX_ROWS);
  row *r = &sr->rows[sr->n_rows++];
  memset(r, 0, sizeof *r);
  snprintf(r->name, sizeof r->name, "%s", name);
  r->kind = kind_of(name);
  return r;
}

static void row_add(row *r, int op, double seconds) {
  r->s[op] = realloc(r->s[op], (r->n[op] + 1) * sizeof(double));
  if (!r->s[op]) die("out of memory");
  r->s[op][r->n[op]++] = seconds;
}

/* Median over rounds of each round's median (`per_round` samples each). */
static double row_median(const row *r, int op, size_t per_round) {
  size_t n = r->n[op];
  if (n == 0 || per_round == 0) return NAN;
  size_t rounds = (n + per_round - 1) / per_round;
  double *med = xmalloc(rounds * sizeof *med);
  for (size_t i = 0; i < rounds; i++) {
    size_t from = i * per_round, k = n - from < per_round ? n - from : per_round;
    med[i] = bench_median(r->s[op] + from, k);
  }
  double m = bench_median(med, rounds);
  free(med);
  return m;
}

/* ------------------------------------------------------------------------- */
/* Options                                                                   */
/* ------------------------------------------------------------------------- */

static void usage(FILE *out) {
  fputs("usage: bench_peers [options]\n"
        "\n"
        "Times one state of two float64 arrays saved (no fsync), saved durably and\n"
        "loaded through dckpt's record-file API and its store, and through numpy,\n"
        "h5py, zarr (perf/bench_peers.py) and C HDF5, on the same disk in one run.\n"
        "\n"
        "options:\n"
        "  --dir DIR         scratch directory on the disk under test (default\n"
        "                    ./bench-peers-tmp; a subdirectory per run, removed)\n"
        "  --sizes LIST      state sizes, K/M/G suffixes (default\n"
        "                    64K,256K,1M,4M,16M,64M,256M)\n"
        "  --rounds N        rounds over all sizes (default 3)\n"
        "  --reps N          repetitions per round (default 7)\n"
        "  --reps-large N    repetitions per round from 64 MiB up (default 3)\n"
        "  --level N         zstd level of dckpt's saves, -7..22 as dckpt takes\n"
        "                    (default 1)\n"
        "  --peers LIST      Python peers (default: bench_peers.py's list);\n"
        "                    'none' runs the C side only\n"
        "  --python PATH     interpreter (default /usr/bin/python3)\n"
        "  --script PATH     the Python side (default: the source tree's)\n"
        "  --plugin-dir DIR  HDF5_PLUGIN_PATH for h5py's zstd (default: the build's)\n"
        "  --csv FILE        also write the medians as CSV\n"
        "  -h, --help        this text\n"
        "\n"
        "Every timed call starts after an untimed sync(). Cells are the median over\n"
        "the rounds of each round's median.\n",
        out);
}

static void parse_sizes(const char *arg, options *o) {
  char *copy = strdup(arg);
  if (!copy) die("out of memory");
  o->n_sizes = 0;
  for (char *t = strtok(copy, ","); t; t = strtok(NULL, ",")) {
    uint64_t v;
    if (!bench_parse_size(t, &v) || v > 16 * KIB * MIB || v % (16 * ROWS) != 0)
      die("--sizes: '%s' is not a size that is a multiple of %u bytes", t, 16 * ROWS);
    if (o->n_sizes == MAX_SIZES) die("--sizes: more than %d sizes", MAX_SIZES);
    o->sizes[o->n_sizes++] = v;
  }
  free(copy);
  if (!o->n_sizes) die("--sizes: empty list");
}

static int parse_count(const char *flag, const char *s, int lo, int hi) {
  char *end = NULL;
  long v = strtol(s, &end, 10);
  if (end == s || *end || v < lo || v > hi)
    die("%s: '%s' is not an integer in %d..%d", flag, s, lo, hi);
  return (int)v;
}

static void parse_options(int argc, char **argv, options *o) {
  static const struct option lo[] = {{"dir", required_argument, NULL, 'd'},
                                     {"sizes", required_argument, NULL, 's'},
                                     {"rounds", required_argument, NULL, 'n'},
                                     {"reps", required_argument, NULL, 'r'},
                                     {"reps-large", required_argument, NULL, 'R'},
                                     {"level", required_argument, NULL, 'L'},
                                     {"peers", required_argument, NULL, 'P'},
                                     {"python", required_argument, NULL, 'p'},
                                     {"script", required_argument, NULL, 'S'},
                                     {"plugin-dir", required_argument, NULL, 'D'},
                                     {"csv", required_argument, NULL, 'c'},
                                     {"help", no_argument, NULL, 'h'},
                                     {NULL, 0, NULL, 0}};
  *o = (options){.dir = "./bench-peers-tmp",
                 .rounds = 3,
                 .reps = 7,
                 .reps_large = 3,
                 .python = "/usr/bin/python3",
                 .script = BENCH_PEERS_SCRIPT,
                 .plugin_dir = BENCH_H5_PLUGIN_DIR,
                 .level = 1};
  parse_sizes("64K,256K,1M,4M,16M,64M,256M", o);
  int c;
  while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
    switch (c) {
    case 'd': o->dir = optarg; break;
    case 's': parse_sizes(optarg, o); break;
    case 'n': o->rounds = parse_count("--rounds", optarg, 1, 100); break;
    case 'r': o->reps = parse_count("--reps", optarg, 1, MAX_REPS); break;
    case 'R': o->reps_large = parse_count("--reps-large", optarg, 1, MAX_REPS); break;
    case 'L': o->level = parse_count("--level", optarg, -7, 22); break;
    case 'P': o->peers = optarg; break;
    case 'p': o->python = optarg; break;
    case 'S': o->script = optarg; break;
    case 'D': o->plugin_dir = optarg; break;
    case 'c': o->csv = optarg; break;
    case 'h': usage(stdout); exit(0);
    default: usage(stderr); exit(1);
    }
  }
  if (optind < argc) die("unexpected argument '%s' (see --help)", argv[optind]);
}

static int reps_for(const options *o, uint64_t size) {
  int r = size >= 64 * MIB ? o->reps_large : o->reps;
  return r < o->reps ? r : o->reps;
}

/* ------------------------------------------------------------------------- */
/* The state                                                                 */
/* ------------------------------------------------------------------------- */

typedef struct state {
  uint64_t size; /* bytes of both arrays */
  double *x;     /* size / 8 doubles: "algorithm", then "network" */
  uint64_t cols; /* of each array (ROWS rows) */
} state;

static void state_make(state *st, uint64_t size) {
  uint64_t n = size / 8;
  st->size = size;
  st->x = xmalloc((size_t)size);
  st->cols = n / 2 / ROWS;
  dckpt_rng rng;
  dckpt_rng_seed(&rng, 12345);
  for (uint64_t i = 0; i < n; i++)
    st->x[i] = sin((double)i * 1e-3) + 1e-3 * dckpt_rng_normal(&rng);
}

static const double *state_array(const state *st, int which) {
  return st->x + (size_t)which * (size_t)(ROWS * st->cols);
}

static uint64_t file_bytes(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
}

static void fsync_file(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fsync(fd) != 0) die("cannot fsync %s: %s", path, strerror(errno));
  close(fd);
}

static void fsync_dir(const char *path) {
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || fsync(fd) != 0) die("cannot fsync %s: %s", path, strerror(errno));
  close(fd);
}

/* ------------------------------------------------------------------------- */
/* dckpt: the record-file API and the store                                  */
/* ------------------------------------------------------------------------- */

typedef struct dckpt_side {
  dckpt_record *rec; /* borrows the state's arrays */
  char file[4096];   /* record-file API target */
  char store_dir[2][4096];
  dckpt_store *store[2]; /* [0] durability NONE, [1] FULL */
  int64_t iteration;
} dckpt_side;

static void check(int rc, const char *what, const char *msg) {
  if (rc != DCKPT_OK) die("%s: %s (%s)", what, dckpt_strerror(rc), msg ? msg : "");
}

static dckpt_store *open_store(const char *dir, dckpt_durability d, int level) {
  dckpt_store_options so;
  dckpt_store_options_init(&so);
  so.durability = d;
  so.keep_n = 2;
  so.compression_level = level;
  dckpt_store *s = NULL;
  int rc = dckpt_store_open(dir, &so, &s);
  check(rc, dir, dckpt_store_errmsg(s));
  dckpt_algorithm_info alg = {.name = "state", .iterations = (int64_t)1 << 40};
  dckpt_metadata meta = {.n_trials = 1, .n_algorithms = 1, .algorithms = &alg};
  check(dckpt_store_initialize(s, &meta, NULL, NULL), dir, dckpt_store_errmsg(s));
  return s;
}

static void dckpt_setup(dckpt_side *d, const state *st, const char *dir, int level) {
  memset(d, 0, sizeof *d);
  d->rec = dckpt_record_create();
  if (!d->rec) die("out of memory");
  uint64_t shape[2] = {ROWS, st->cols};
  check(
      dckpt_record_put_ref(d->rec, "algorithm", DCKPT_F64, 2, shape, state_array(st, 0)),
      "put", dckpt_record_errmsg(d->rec));
  check(dckpt_record_put_ref(d->rec, "network", DCKPT_F64, 2, shape, state_array(st, 1)),
        "put", dckpt_record_errmsg(d->rec));
  xpath(d->file, sizeof d->file, "%s/state.dckpt", dir);
  for (int i = 0; i < 2; i++) {
    xpath(d->store_dir[i], sizeof d->store_dir[i], "%s/store_%s", dir,
          i ? "full" : "none");
    d->store[i] = open_store(d->store_dir[i],
                             i ? DCKPT_DURABILITY_FULL : DCKPT_DURABILITY_NONE, level);
  }
}

static void dckpt_teardown(dckpt_side *d) {
  for (int i = 0; i < 2; i++) {
    dckpt_store_close(d->store[i]);
    bench_remove_tree(d->store_dir[i]);
  }
  unlink(d->file);
  dckpt_record_free(d->rec);
}

/* Whether a loaded record holds the state, bit for bit. */
static void check_loaded(const dckpt_record *r, const state *st, const char *who) {
  for (int i = 0; i < 2; i++) {
    dckpt_array_info a;
    if (dckpt_record_find(r, i ? "network" : "algorithm", &a) != DCKPT_OK ||
        a.nbytes != st->size / 2 || memcmp(a.data, state_array(st, i), a.nbytes) != 0)
      die("%s read back different numbers", who);
  }
}

static double time_file_save(dckpt_side *d, int level, bool durable) {
  sync();
  double t0 = bench_now();
  int rc = dckpt_record_write(d->rec, d->file, level,
                              durable ? DCKPT_DURABILITY_FULL : DCKPT_DURABILITY_NONE);
  double t = bench_now() - t0;
  check(rc, d->file, dckpt_record_errmsg(d->rec));
  return t;
}

static double time_file_load(dckpt_side *d, const state *st) {
  dckpt_record *r = NULL;
  sync();
  double t0 = bench_now();
  int rc = dckpt_record_read(d->file, &r);
  double t = bench_now() - t0;
  check(rc, d->file, r ? dckpt_record_errmsg(r) : "out of memory");
  check_loaded(r, st, "dckpt_record_read");
  dckpt_record_free(r);
  return t;
}

static double time_store_save(dckpt_side *d, int which) {
  dckpt_store *s = d->store[which];
  sync();
  double t0 = bench_now();
  int rc = dckpt_store_save(s, 0, 0, d->iteration++, d->rec);
  double t = bench_now() - t0;
  check(rc, "dckpt_store_save", dckpt_store_errmsg(s));
  return t;
}

static double time_store_load(dckpt_side *d, const state *st) {
  dckpt_store *s = d->store[1];
  dckpt_record *r = NULL;
  int64_t it;
  sync();
  double t0 = bench_now();
  int rc = dckpt_store_load_latest(s, 0, 0, &r, &it);
  double t = bench_now() - t0;
  check(rc, "dckpt_store_load_latest", dckpt_store_errmsg(s));
  if (!r) die("dckpt_store_load_latest found nothing");
  check_loaded(r, st, "dckpt_store_load_latest");
  dckpt_record_free(r);
  return t;
}

/* ------------------------------------------------------------------------- */
/* C HDF5: two contiguous datasets, as a C user writes them                  */
/* ------------------------------------------------------------------------- */

static void h5_save(const char *path, const state *st) {
  hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hsize_t dims[2] = {ROWS, st->cols};
  hid_t sp = H5Screate_simple(2, dims, NULL);
  if (f < 0 || sp < 0) die("HDF5: cannot create %s", path);
  for (int i = 0; i < 2; i++) {
    hid_t ds = H5Dcreate2(f, i ? "network" : "algorithm", H5T_IEEE_F64LE, sp, H5P_DEFAULT,
                          H5P_DEFAULT, H5P_DEFAULT);
    if (ds < 0 || H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                           state_array(st, i)) < 0)
      die("HDF5: cannot write %s", path);
    H5Dclose(ds);
  }
  H5Sclose(sp);
  if (H5Fclose(f) < 0) die("HDF5: cannot close %s", path);
}

/* op: OP_SAVE over `path`, OP_INPLACE over it and fsynced, OP_SAVE_FSYNC to
 * path.new with it and the directory fsynced (removed after the clock). */
static double time_h5_save(const char *path, const char *dir, const state *st, int op) {
  char fresh[4200];
  xpath(fresh, sizeof fresh, "%s.new", path);
  const char *target = op == OP_SAVE_FSYNC ? fresh : path;
  sync();
  double t0 = bench_now();
  h5_save(target, st);
  if (op != OP_SAVE) fsync_file(target);
  if (op == OP_SAVE_FSYNC) fsync_dir(dir);
  double t = bench_now() - t0;
  if (op == OP_SAVE_FSYNC) unlink(fresh);
  return t;
}

static double time_h5_load(const char *path, const state *st) {
  double *buf[2];
  sync();
  double t0 = bench_now();
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) die("HDF5: cannot open %s", path);
  for (int i = 0; i < 2; i++) {
    buf[i] = xmalloc((size_t)st->size / 2);
    hid_t ds = H5Dopen2(f, i ? "network" : "algorithm", H5P_DEFAULT);
    if (ds < 0 ||
        H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf[i]) < 0)
      die("HDF5: cannot read %s", path);
    H5Dclose(ds);
  }
  H5Fclose(f);
  double t = bench_now() - t0;
  for (int i = 0; i < 2; i++) {
    if (memcmp(buf[i], state_array(st, i), (size_t)st->size / 2) != 0)
      die("HDF5 read back different numbers");
    free(buf[i]);
  }
  return t;
}

/* ------------------------------------------------------------------------- */
/* One round of one size                                                     */
/* ------------------------------------------------------------------------- */

/* One repetition of every C-side operation (recorded unless `warmup`). */
static void c_rep(size_rows *sr, dckpt_side *d, const state *st, const char *h5,
                  const char *dir, int level, bool warmup) {
  double t[3][OP_COUNT];
  t[0][OP_SAVE] = time_file_save(d, level, false);
  t[0][OP_SAVE_FSYNC] = time_file_save(d, level, true);
  t[0][OP_LOAD] = time_file_load(d, st);
  t[1][OP_SAVE] = time_store_save(d, 0);
  t[1][OP_SAVE_FSYNC] = time_store_save(d, 1);
  t[1][OP_LOAD] = time_store_load(d, st);
  t[2][OP_SAVE] = time_h5_save(h5, dir, st, OP_SAVE);
  t[2][OP_SAVE_FSYNC] = time_h5_save(h5, dir, st, OP_SAVE_FSYNC);
  t[2][OP_INPLACE] = time_h5_save(h5, dir, st, OP_INPLACE);
  t[2][OP_LOAD] = time_h5_load(h5, st);
  if (warmup) return;
  static const char *const names[3] = {"dckpt file", "dckpt store", "C HDF5"};
  for (int m = 0; m < 3; m++)
    for (int op = 0; op < OP_COUNT; op++)
      if (m == 2 || op != OP_INPLACE) row_add(row_get(sr, names[m]), op, t[m][op]);
}

static void c_side(size_rows *sr, const state *st, const char *dir, const options *o,
                   int reps) {
  dckpt_side d;
  dckpt_setup(&d, st, dir, o->level);
  char h5[4096];
  xpath(h5, sizeof h5, "%s/state.h5", dir);
  c_rep(sr, &d, st, h5, dir, o->level, true);
  for (int r = 0; r < reps; r++)
    c_rep(sr, &d, st, h5, dir, o->level, false);
  char ckpt[4200];
  xpath(ckpt, sizeof ckpt, "%s/algorithm_0/trial_0/checkpoint_%07lld.dckpt",
        d.store_dir[1], (long long)(d.iteration - 1));
  row_get(sr, "dckpt file")->bytes = file_bytes(d.file);
  row_get(sr, "dckpt store")->bytes = file_bytes(ckpt);
  row_get(sr, "C HDF5")->bytes = file_bytes(h5);
  dckpt_teardown(&d);
  unlink(h5);
}

/* The Python peers on the same numbers: their lines go into `sr`. */
static void python_side(size_rows *sr, const state *st, const char *dir, const options *o,
                        int reps) {
  if (o->peers && !strcmp(o->peers, "none")) return;
  char data[4096], cmd[16384], line[512];
  xpath(data, sizeof data, "%s/state.f64", dir);
  FILE *f = fopen(data, "wb");
  if (!f || fwrite(st->x, 1, (size_t)st->size, f) != st->size || fclose(f) != 0)
    die("cannot write %s", data);
  if (o->plugin_dir[0]) setenv("HDF5_PLUGIN_PATH", o->plugin_dir, 1);
  xpath(cmd, sizeof cmd, "'%s' '%s' --data '%s' --rows %u --dir '%s' --reps %d%s%s",
        o->python, o->script, data, ROWS, dir, reps, o->peers ? " --peers " : "",
        o->peers ? o->peers : "");
  FILE *p = popen(cmd, "r");
  if (!p) die("cannot run %s", cmd);
  while (fgets(line, sizeof line, p)) {
    char name[NAME_LEN], op[NAME_LEN];
    double sec;
    unsigned long long bytes;
    if (sscanf(line, "time %31s %31s %lf", name, op, &sec) == 3) {
      for (int i = 0; i < OP_COUNT; i++)
        if (!strcmp(op, op_name[i])) row_add(row_get(sr, name), i, sec);
    } else if (sscanf(line, "bytes %31s %llu", name, &bytes) == 2) {
      row_get(sr, name)->bytes = bytes;
    } else if (!strncmp(line, "skip ", 5)) {
      fprintf(stderr, "bench_peers: python peer skipped: %s", line + 5);
    }
  }
  if (pclose(p) != 0) die("the Python side failed: %s", cmd);
  unlink(data);
}

/* ------------------------------------------------------------------------- */
/* Report                                                                    */
/* ------------------------------------------------------------------------- */

static const char *display(const char *name) {
  static const char *const map[][2] = {
      {"npz", "numpy.savez"},
      {"npz_deflate", "numpy.savez_compressed"},
      {"h5py", "h5py raw"},
      {"h5py_gzip", "h5py shuffle+gzip 1"},
      {"h5py_zstd", "h5py shuffle+zstd 1 (dckpt plugin)"},
      {"zarr", "zarr (Blosc lz4 5, shuffle)"},
      {"zarr_zstd", "zarr Blosc zstd 1, shuffle"}};
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (!strcmp(name, map[i][0])) return map[i][1];
  return name;
}

static void print_ms(double s) {
  if (isnan(s))
    printf(" – |");
  else
    printf(s < 0.01 ? " %.3f |" : s < 1 ? " %.2f |" : " %.1f |", s * 1e3);
}

static void print_table(size_rows *all, size_t n, const options *o) {
  printf("| state | method | save (ms) | save + fsync, new file (ms) | in place + fsync "
         "(ms) | load (ms) | file bytes | raw / file "
         "|\n|---|---|---|---|---|---|---|---|\n");
  for (size_t i = 0; i < n; i++) {
    char label[32];
    bench_format_size(all[i].size, label, sizeof label);
    size_t per = (size_t)reps_for(o, all[i].size);
    for (size_t j = 0; j < all[i].n_rows; j++) {
      const row *r = &all[i].rows[j];
      printf("| %s | %s |", j == 0 ? label : "", display(r->name));
      for (int op = 0; op < OP_COUNT; op++)
        print_ms(row_median(r, op, per));
      printf(" %llu | %.3f× |\n", (unsigned long long)r->bytes,
             r->bytes ? (double)all[i].size / (double)r->bytes : 0.0);
    }
  }
}

/* The fastest row of `k` (or of every peer when k is K_DCKPT) for `op`. */
static const row *fastest(const size_rows *sr, int op, kind k, size_t per, double *best) {
  const row *who = NULL;
  *best = NAN;
  for (size_t j = 0; j < sr->n_rows; j++) {
    const row *r = &sr->rows[j];
    if (r->kind == K_DCKPT || (k != K_DCKPT && r->kind != k)) continue;
    double m = row_median(r, op, per);
    if (!isnan(m) && (isnan(*best) || m < *best)) {
      *best = m;
      who = r;
    }
  }
  return who;
}

static int print_verdict_row(const size_rows *sr, const row *d, const options *o) {
  size_t per = (size_t)reps_for(o, sr->size);
  double save = row_median(d, OP_SAVE, per), dur = row_median(d, OP_SAVE_FSYNC, per);
  double load = row_median(d, OP_LOAD, per), comp, raw, pdur, pload;
  const row *wc = fastest(sr, OP_SAVE, K_COMPRESSING, per, &comp);
  const row *wr = fastest(sr, OP_SAVE, K_RAW, per, &raw);
  const row *wd = fastest(sr, OP_SAVE_FSYNC, K_DCKPT, per, &pdur);
  const row *wl = fastest(sr, OP_LOAD, K_DCKPT, per, &pload);
  double ratio = d->bytes ? (double)sr->size / (double)d->bytes : 0;
  bool ok[5] = {!wc || save <= comp, !wr || save <= raw / 0.9, !wd || dur <= pdur,
                !wl || load <= pload, ratio >= 1.25};
  char label[32];
  bench_format_size(sr->size, label, sizeof label);
  printf("| %s | %s | %.3g vs %.3g %s, %.3g %s (%.2f×) | %.3g vs %.3g %s (%.2f×) | "
         "%.3g vs %.3g %s (%.2f×) | %.3f× |",
         label, d->name + 6, save * 1e3, comp * 1e3, wc ? display(wc->name) : "-",
         raw * 1e3, wr ? display(wr->name) : "-", raw / save, dur * 1e3, pdur * 1e3,
         wd ? display(wd->name) : "-", pdur / dur, load * 1e3, pload * 1e3,
         wl ? display(wl->name) : "-", pload / load, ratio);
  int met = 0;
  for (int i = 0; i < 5; i++)
    met += ok[i];
  printf(" %s |\n", met == 5 ? "**PASS**" : "**FAIL**");
  static const char *const what[5] = {
      "save vs fastest compressing peer", "save ≥ 0.9× fastest raw peer",
      "durable save vs fastest peer", "load vs fastest peer", "file ≥ 1.25× smaller"};
  for (int i = 0; i < 5; i++)
    if (!ok[i]) fprintf(stderr, "bench_peers: %s %s: FAIL %s\n", label, d->name, what[i]);
  return met == 5 ? 0 : 1;
}

static int print_verdicts(size_rows *all, size_t n, const options *o) {
  printf("\n| state | dckpt API | save ms: dckpt vs fastest compressing, fastest raw "
         "(raw / dckpt) | durable save ms: dckpt vs fastest peer (peer / dckpt) | load "
         "ms: dckpt vs fastest peer (peer / dckpt) | raw / file | targets |\n"
         "|---|---|---|---|---|---|---|\n");
  int fails = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < all[i].n_rows; j++)
      if (all[i].rows[j].kind == K_DCKPT)
        fails += print_verdict_row(&all[i], &all[i].rows[j], o);
  return fails;
}

static void write_csv(size_rows *all, size_t n, const options *o) {
  FILE *f = fopen(o->csv, "w");
  if (!f) die("cannot write %s: %s", o->csv, strerror(errno));
  fprintf(f, "size_bytes,method,save_s,save_fsync_s,inplace_fsync_s,load_s,file_bytes\n");
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < all[i].n_rows; j++) {
      const row *r = &all[i].rows[j];
      size_t per = (size_t)reps_for(o, all[i].size);
      fprintf(f, "%llu,%s,%.9f,%.9f,%.9f,%.9f,%llu\n", (unsigned long long)all[i].size,
              r->name, row_median(r, OP_SAVE, per), row_median(r, OP_SAVE_FSYNC, per),
              row_median(r, OP_INPLACE, per), row_median(r, OP_LOAD, per),
              (unsigned long long)r->bytes);
    }
  if (fclose(f) != 0) die("cannot write %s", o->csv);
}

int main(int argc, char **argv) {
  options o;
  parse_options(argc, argv, &o);
  char dir[4096];
  xpath(dir, sizeof dir, "%s/bench_peers.%ld", o.dir, (long)getpid());
  if ((mkdir(o.dir, 0755) != 0 && errno != EEXIST) || mkdir(dir, 0755) != 0)
    die("cannot create %s: %s", dir, strerror(errno));
  static size_rows all[MAX_SIZES];
  for (int round = 0; round < o.rounds; round++)
    for (size_t i = 0; i < o.n_sizes; i++) {
      fprintf(stderr, "bench_peers: round %d of %d, %llu bytes\n", round + 1, o.rounds,
              (unsigned long long)o.sizes[i]);
      all[i].size = o.sizes[i];
      state st;
      state_make(&st, o.sizes[i]);
      int reps = reps_for(&o, o.sizes[i]);
      /* which side goes first alternates between rounds */
      if (round % 2) python_side(&all[i], &st, dir, &o, reps);
      c_side(&all[i], &st, dir, &o, reps);
      if (!(round % 2)) python_side(&all[i], &st, dir, &o, reps);
      free(st.x);
    }
  print_table(all, o.n_sizes, &o);
  int fails = print_verdicts(all, o.n_sizes, &o);
  if (o.csv) write_csv(all, o.n_sizes, &o);
  bench_remove_tree(dir);
  return fails ? 2 : 0;
}
