/*
 * bench_store — save/load throughput of the dckpt checkpoint store, side by
 * side with plain write()+fsync() of the same bytes, with a zstd level-1
 * reference (no shuffle) and, optionally, with the Python ancestor
 * (scripts/ancestor_baseline.py) run in the same session on the same disk.
 *
 * A program, not a test: it prints markdown tables to stdout (and a CSV with
 * --csv) and a PASS/FAIL line per performance target. Run with --help.
 *
 * The state is solver-like: x_i = sin(i * 1e-3) + 1e-3 * N(0, 1), i over the
 * whole state, split into two float64 arrays "algorithm" and "network" of
 * shape agents x dim (agents = 64), plus a 6-word u64 "rng_state" array.
 * The normal deviates come from a fixed-seed xoshiro256** + Box-Muller.
 */
#define _XOPEN_SOURCE 700 /* sync(), fsync() */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <zstd.h>

#include "bench_util.h"
#include "dckpt.h"

#define KIB        ((uint64_t)1024)
#define MIB        (KIB * KIB)
#define AGENTS     64u
#define RNG_WORDS  6u
#define MAX_SIZES  16
#define MAX_REPS   1000
#define MAX_PHASES 24
#define PHASE_NAME 40
#define LARGE_SIZE (256 * MIB)

/* ------------------------------------------------------------------------- */
/* Measurements                                                              */
/* ------------------------------------------------------------------------- */

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
  M_DECODE,         /* dckpt_record_decode, in memory */
  M_ZSTD1,          /* ZSTD_compress level 1 of the raw bytes, no shuffle */
  M_ANC_SAVE,       /* ancestor save, no fsync */
  M_ANC_SAVE_FSYNC, /* ancestor save, fsync file + dir */
  M_ANC_LOAD_WARM,  /* ancestor load, cached */
  M_ANC_LOAD_COLD,  /* ancestor load after drop_caches */
  M_COUNT
} method;

static const char *const method_key[M_COUNT] = {
    "dckpt_save_full", "write_fsync",         "write_fsync_rename", "dckpt_save_none",
    "write_nofsync",   "dckpt_load_warm",     "read_warm",          "dckpt_load_cold",
    "read_cold",       "dckpt_encode",        "dckpt_decode",       "zstd1_noshuffle",
    "ancestor_save",   "ancestor_save_fsync", "ancestor_load_warm", "ancestor_load_cold"};

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

/* ------------------------------------------------------------------------- */
/* Options                                                                   */
/* ------------------------------------------------------------------------- */

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

static void usage(FILE *out) {
  fputs("usage: bench_store [options]\n"
        "\n"
        "Measures dckpt checkpoint save/load throughput against plain write()+fsync()\n"
        "of the same bytes on the same disk, and compares file sizes with raw and\n"
        "zstd level 1 (no shuffle). Prints markdown tables and PASS/FAIL per target.\n"
        "\n"
        "options:\n"
        "  --dir DIR          directory on the disk under test (default ./bench-tmp);\n"
        "                     a subdirectory bench_store.<pid> is created and removed\n"
        "  --sizes LIST       comma-separated state sizes, suffix K/M/G = KiB/MiB/GiB,\n"
        "                     multiples of 1 KiB (default 64K,1M,16M,64M,256M)\n"
        "  --reps N           repetitions per measurement (default 7)\n"
        "  --reps-large N     repetitions for sizes >= 256 MiB (default 3)\n"
        "  --csv FILE         also write every measurement as CSV to FILE\n"
        "  --drop-caches      also measure cold loads: sync and write 3 to\n"
        "                     /proc/sys/vm/drop_caches before each (needs root)\n"
        "  --ancestor SCRIPT  run the Python ancestor baseline (e.g.\n"
        "                     scripts/ancestor_baseline.py) with the same sizes,\n"
        "                     reps and directory, and compare against it\n"
        "  --python PATH      interpreter for --ancestor (default /usr/bin/python3)\n"
        "  --seed N           PRNG seed of the state generator (default 12345)\n"
        "  --level N          zstd level of the dckpt saves, 0 = stored raw, -7..22\n"
        "                     (default 1; the targets are defined for level 1)\n"
        "  --no-phases        do not time the commit-protocol steps of the saves\n"
        "  --keep             keep the files written (default: remove them)\n"
        "  --strict           exit with status 2 when a target fails\n"
        "  --profile OP       no tables: repeat one operation on the first --sizes\n"
        "                     entry for --seconds, for `perf record`; OP is one of\n"
        "                     save-full, save-none, load, encode, decode\n"
        "  --seconds S        duration of --profile (default 10)\n"
        "  -h, --help         this text\n"
        "\n"
        "Times are wall clock (CLOCK_MONOTONIC) of one call; every timed operation\n"
        "starts after an untimed sync() so that no earlier write-back overlaps it.\n"
        "Throughput is raw state bytes / time, in MiB/s.\n",
        out);
}

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...);
static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("bench_store: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

static bool parse_u64(const char *s, uint64_t *out) {
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || s[0] == '-') return false;
  *out = (uint64_t)v;
  return true;
}

static bool parse_int(const char *s, int lo, int hi, int *out) {
  uint64_t v = 0;
  if (!parse_u64(s, &v) || v < (uint64_t)lo || v > (uint64_t)hi) return false;
  *out = (int)v;
  return true;
}

/* "64K", "1M", "1048576", "2G" -> bytes. */
static bool parse_size(const char *s, uint64_t *out) {
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || end == s || s[0] == '-') return false;
  uint64_t mul = 1;
  if (*end == 'K' || *end == 'k') {
    mul = KIB;
    end++;
  } else if (*end == 'M' || *end == 'm') {
    mul = MIB;
    end++;
  } else if (*end == 'G' || *end == 'g') {
    mul = MIB * KIB;
    end++;
  }
  if (*end == 'i' && end[1] == 'B')
    end += 2;
  else if (*end == 'B')
    end++;
  if (*end != '\0' || v == 0 || v > (64ull << 30) / mul) return false;
  *out = (uint64_t)v * mul;
  return true;
}

static void parse_sizes(const char *arg, options *o) {
  char *copy = strdup(arg);
  if (!copy) die("out of memory");
  o->n_sizes = 0;
  for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
    uint64_t v = 0;
    if (!parse_size(tok, &v)) die("--sizes: '%s' is not a size (e.g. 64K, 16M, 1G)", tok);
    if (v % KIB != 0 || v < 2 * KIB)
      die("--sizes: %s is not a multiple of 1 KiB of at least 2 KiB", tok);
    if (o->n_sizes == MAX_SIZES) die("--sizes: more than %d sizes", MAX_SIZES);
    o->sizes[o->n_sizes++] = v;
  }
  free(copy);
  if (o->n_sizes == 0) die("--sizes: empty list");
}

static void parse_options(int argc, char **argv, options *o) {
  static const struct option longopts[] = {{"dir", required_argument, NULL, 'd'},
                                           {"sizes", required_argument, NULL, 's'},
                                           {"reps", required_argument, NULL, 'r'},
                                           {"reps-large", required_argument, NULL, 'R'},
                                           {"csv", required_argument, NULL, 'c'},
                                           {"drop-caches", no_argument, NULL, 'D'},
                                           {"ancestor", required_argument, NULL, 'a'},
                                           {"python", required_argument, NULL, 'p'},
                                           {"seed", required_argument, NULL, 'S'},
                                           {"no-phases", no_argument, NULL, 'P'},
                                           {"level", required_argument, NULL, 'L'},
                                           {"profile", required_argument, NULL, 'F'},
                                           {"seconds", required_argument, NULL, 'T'},
                                           {"keep", no_argument, NULL, 'k'},
                                           {"strict", no_argument, NULL, 'x'},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
  o->dir = "./bench-tmp";
  o->sizes[0] = 64 * KIB;
  o->sizes[1] = MIB;
  o->sizes[2] = 16 * MIB;
  o->sizes[3] = 64 * MIB;
  o->sizes[4] = 256 * MIB;
  o->n_sizes = 5;
  o->reps = 7;
  o->reps_large = 3;
  o->python = "/usr/bin/python3";
  o->phases = true;
  o->seed = 12345;
  o->level = 1;
  o->seconds = 10;
  int c;
  while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
    switch (c) {
    case 'd': o->dir = optarg; break;
    case 's': parse_sizes(optarg, o); break;
    case 'r':
      if (!parse_int(optarg, 1, MAX_REPS, &o->reps))
        die("--reps: '%s' is not an integer in 1..%d", optarg, MAX_REPS);
      break;
    case 'R':
      if (!parse_int(optarg, 1, MAX_REPS, &o->reps_large))
        die("--reps-large: '%s' is not an integer in 1..%d", optarg, MAX_REPS);
      break;
    case 'c': o->csv = optarg; break;
    case 'D': o->drop_caches = true; break;
    case 'a': o->ancestor = optarg; break;
    case 'p': o->python = optarg; break;
    case 'S':
      if (!parse_u64(optarg, &o->seed)) die("--seed: '%s' is not an integer", optarg);
      break;
    case 'P': o->phases = false; break;
    case 'L': {
      char *end = NULL;
      long v = strtol(optarg, &end, 10);
      if (end == optarg || *end != '\0' || v < -7 || v > 22)
        die("--level: '%s' is not 0 or a zstd level in -7..22", optarg);
      o->level = (int)v;
      break;
    }
    case 'F':
      if (strcmp(optarg, "save-full") != 0 && strcmp(optarg, "save-none") != 0 &&
          strcmp(optarg, "load") != 0 && strcmp(optarg, "encode") != 0 &&
          strcmp(optarg, "decode") != 0)
        die("--profile: '%s' is not save-full, save-none, load, encode or decode",
            optarg);
      o->profile = optarg;
      break;
    case 'T': {
      char *end = NULL;
      o->seconds = strtod(optarg, &end);
      if (end == optarg || *end != '\0' || !(o->seconds > 0 && o->seconds < 1e6))
        die("--seconds: '%s' is not a positive number", optarg);
      break;
    }
    case 'k': o->keep = true; break;
    case 'x': o->strict = true; break;
    case 'h': usage(stdout); exit(0);
    default: usage(stderr); exit(1);
    }
  }
  if (optind < argc) die("unexpected argument '%s' (see --help)", argv[optind]);
  if (o->reps_large > o->reps) o->reps_large = o->reps;
}

/* ------------------------------------------------------------------------- */
/* Small utilities                                                           */
/* ------------------------------------------------------------------------- */

static stat_cell summarize(const double *v, int n) {
  stat_cell s = {0};
  if (n <= 0) return s;
  s.have = true;
  s.reps = n;
  s.min = v[0];
  for (int i = 1; i < n; i++)
    if (v[i] < s.min) s.min = v[i];
  s.median = bench_median(v, (size_t)n);
  return s;
}

static char *path_join(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  char *p = malloc(la + lb + 2);
  if (!p) die("out of memory");
  memcpy(p, a, la);
  p[la] = '/';
  memcpy(p + la + 1, b, lb + 1);
  return p;
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) die("out of memory (%zu bytes)", n);
  return p;
}

static void write_all(int fd, const void *buf, size_t len, const char *path) {
  const unsigned char *p = buf;
  while (len > 0) {
    ssize_t w = write(fd, p, len);
    if (w < 0) {
      if (errno == EINTR) continue;
      die("write %s: %s", path, strerror(errno));
    }
    p += w;
    len -= (size_t)w;
  }
}

static void fsync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) die("open directory %s: %s", dir, strerror(errno));
  if (fsync(fd) != 0) die("fsync directory %s: %s", dir, strerror(errno));
  close(fd);
}

static void unlink_quiet(const char *path) {
  if (unlink(path) != 0 && errno != ENOENT) die("unlink %s: %s", path, strerror(errno));
}

static bool drop_caches_ok = false;

/* sync + echo 3 > /proc/sys/vm/drop_caches. Returns false when not allowed. */
static bool drop_caches(void) {
  sync();
  FILE *f = fopen("/proc/sys/vm/drop_caches", "w");
  if (!f) return false;
  bool ok = fputs("3\n", f) >= 0;
  if (fclose(f) != 0) ok = false;
  return ok;
}

static double mibs(uint64_t bytes, double secs) {
  return secs > 0 ? (double)bytes / (double)MIB / secs : 0.0;
}

/* 1-minute load average from /proc/loadavg, or -1. */
static double loadavg1(void) {
  FILE *f = fopen("/proc/loadavg", "r");
  double v = -1;
  if (f) {
    if (fscanf(f, "%lf", &v) != 1) v = -1;
    fclose(f);
  }
  return v;
}

static void fmt_size(uint64_t b, char *out, size_t n) {
  if (b >= MIB && b % MIB == 0)
    snprintf(out, n, "%llu MiB", (unsigned long long)(b / MIB));
  else if (b >= KIB && b % KIB == 0)
    snprintf(out, n, "%llu KiB", (unsigned long long)(b / KIB));
  else
    snprintf(out, n, "%llu B", (unsigned long long)b);
}

/* ------------------------------------------------------------------------- */
/* State generator                                                           */
/* ------------------------------------------------------------------------- */

typedef struct xoshiro {
  uint64_t s[4];
} xoshiro;

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

static uint64_t xo_next(xoshiro *r) {
  uint64_t result = rotl(r->s[1] * 5, 7) * 9;
  uint64_t t = r->s[1] << 17;
  r->s[2] ^= r->s[0];
  r->s[3] ^= r->s[1];
  r->s[1] ^= r->s[2];
  r->s[0] ^= r->s[3];
  r->s[2] ^= t;
  r->s[3] = rotl(r->s[3], 45);
  return result;
}

/* uniform in (0, 1] */
static double xo_unit(xoshiro *r) {
  return ((double)(xo_next(r) >> 11) + 1.0) * 0x1.0p-53;
}

/* Fills x[0..n) with sin(i * 1e-3) + 1e-3 * N(0,1), and rng[0..RNG_WORDS). */
static void make_state(double *x, size_t n, uint64_t *rng, uint64_t seed) {
  xoshiro r;
  uint64_t sm = seed;
  for (int i = 0; i < 4; i++)
    r.s[i] = splitmix64(&sm);
  const double two_pi = 6.283185307179586476925286766559;
  for (size_t i = 0; i < n; i += 2) {
    double u1 = xo_unit(&r), u2 = xo_unit(&r);
    double rad = sqrt(-2.0 * log(u1));
    x[i] = sin((double)i * 1e-3) + 1e-3 * rad * cos(two_pi * u2);
    if (i + 1 < n) x[i + 1] = sin((double)(i + 1) * 1e-3) + 1e-3 * rad * sin(two_pi * u2);
  }
  /* Shaped like numpy's PCG64 state: state hi/lo, inc hi/lo, has_uint32, uinteger. */
  for (unsigned i = 0; i < 4; i++)
    rng[i] = r.s[i];
  rng[4] = 0;
  rng[5] = 0;
}

/* ------------------------------------------------------------------------- */
/* Commit-protocol step timing through the store's step hook                 */
/* ------------------------------------------------------------------------- */

#define MAX_EVENTS 64

typedef struct phase_log {
  size_t n;
  char name[MAX_EVENTS][PHASE_NAME];
  double t[MAX_EVENTS];
} phase_log;

static void phase_hook(void *ctx, const char *step) {
  phase_log *pl = ctx;
  double t = bench_now();
  if (pl->n >= MAX_EVENTS) return;
  snprintf(pl->name[pl->n], PHASE_NAME, "%s", step ? step : "?");
  pl->t[pl->n] = t;
  pl->n++;
}

/* Per rep: seconds in each named step (summed when a step repeats). */
typedef struct phase_acc {
  size_t n_names;
  char names[MAX_PHASES][PHASE_NAME];
  double v[MAX_PHASES][MAX_REPS];
} phase_acc;

static size_t phase_index(phase_acc *pa, const char *name) {
  for (size_t i = 0; i < pa->n_names; i++)
    if (strcmp(pa->names[i], name) == 0) return i;
  if (pa->n_names == MAX_PHASES) return MAX_PHASES;
  snprintf(pa->names[pa->n_names], PHASE_NAME, "%s", name);
  return pa->n_names++;
}

static void phase_add(phase_acc *pa, int rep, const phase_log *pl, double t0, double t1) {
  const char *prev = "(before first step)";
  double tprev = t0;
  for (size_t i = 0; i <= pl->n; i++) {
    double t = (i < pl->n) ? pl->t[i] : t1;
    size_t k = phase_index(pa, prev);
    if (k < MAX_PHASES) pa->v[k][rep] += t - tprev;
    if (i < pl->n) {
      prev = pl->name[i];
      tprev = t;
    }
  }
}

/* ------------------------------------------------------------------------- */
/* dckpt side                                                                */
/* ------------------------------------------------------------------------- */

static void log_cb(void *ctx, dckpt_log_level level, const char *msg) {
  (void)ctx;
  fprintf(stderr, "bench_store: dckpt %s: %s\n", dckpt_log_level_name(level), msg);
}

static void check(int rc, const char *what, const dckpt_store *st) {
  if (rc == DCKPT_OK) return;
  die("%s failed: %s (%s)%s%s", what, dckpt_strerror(rc), dckpt_err_name(rc),
      st && dckpt_store_errmsg(st)[0] ? ": " : "", st ? dckpt_store_errmsg(st) : "");
}

static dckpt_store *open_store(const char *dir, dckpt_durability d, const options *opt,
                               phase_log *pl) {
  dckpt_store_options o;
  dckpt_store_options_init(&o);
  o.keep_n = 2;
  o.compression_level = opt->level;
  o.durability = d;
  o.flags = DCKPT_OPEN_WRITE;
  o.log = log_cb;
  o.log_level = DCKPT_LOG_WARN;
  if (pl) {
    o.step_hook = phase_hook;
    o.step_hook_ctx = pl;
  }
  dckpt_store *st = NULL;
  int rc = dckpt_store_open(dir, &o, &st);
  if (rc != DCKPT_OK) {
    char msg[1024];
    snprintf(msg, sizeof msg, "dckpt_store_open(%s)", dir);
    check(rc, msg, st);
  }
  dckpt_algorithm_info alg = {.name = "bench_state", .iterations = INT64_C(1000000000)};
  dckpt_metadata meta;
  memset(&meta, 0, sizeof meta);
  meta.n_trials = (int64_t)opt->n_sizes;
  meta.n_algorithms = 1;
  meta.algorithms = &alg;
  meta.benchmark_metadata = NULL;
  meta.has_seed = true;
  meta.rng_seed = opt->seed;
  check(dckpt_store_initialize(st, &meta, NULL, NULL), "dckpt_store_initialize", st);
  return st;
}

/* Size of DIR/algorithm_0/trial_<t>/checkpoint_<iter:07d>.* */
static uint64_t checkpoint_file_size(const char *store_dir, int64_t trial, int64_t iter) {
  char sub[128], prefix[64];
  snprintf(sub, sizeof sub, "algorithm_0/trial_%lld", (long long)trial);
  snprintf(prefix, sizeof prefix, "checkpoint_%07lld.", (long long)iter);
  char *tdir = path_join(store_dir, sub);
  DIR *d = opendir(tdir);
  if (!d) die("opendir %s: %s", tdir, strerror(errno));
  uint64_t size = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strncmp(e->d_name, prefix, strlen(prefix)) != 0) continue;
    char *p = path_join(tdir, e->d_name);
    struct stat st;
    if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) size = (uint64_t)st.st_size;
    free(p);
  }
  closedir(d);
  if (size == 0) die("no checkpoint file %s* in %s", prefix, tdir);
  free(tdir);
  return size;
}

static void verify_loaded(const dckpt_record *rec, const unsigned char *buf, size_t half,
                          size_t state_bytes) {
  static const char *const names[3] = {"algorithm", "network", "rng_state"};
  const size_t off[3] = {0, half, state_bytes};
  const size_t len[3] = {half, half, RNG_WORDS * sizeof(uint64_t)};
  for (int i = 0; i < 3; i++) {
    dckpt_array_info ai;
    if (dckpt_record_find(rec, names[i], &ai) != DCKPT_OK)
      die("loaded checkpoint lacks array '%s'", names[i]);
    if (ai.nbytes != len[i] || memcmp(ai.data, buf + off[i], len[i]) != 0)
      die("loaded array '%s' differs from what was saved", names[i]);
  }
}

/* ------------------------------------------------------------------------- */
/* Ancestor (Python) side                                                    */
/* ------------------------------------------------------------------------- */

static char *run_capture(char *const argv[]) {
  int pfd[2];
  if (pipe(pfd) != 0) die("pipe: %s", strerror(errno));
  pid_t pid = fork();
  if (pid < 0) die("fork: %s", strerror(errno));
  if (pid == 0) {
    dup2(pfd[1], STDOUT_FILENO);
    close(pfd[0]);
    close(pfd[1]);
    execv(argv[0], argv);
    fprintf(stderr, "bench_store: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  close(pfd[1]);
  size_t cap = 1 << 16, len = 0;
  char *out = xmalloc(cap);
  for (;;) {
    if (len + 1 >= cap) {
      cap *= 2;
      char *n = realloc(out, cap);
      if (!n) die("out of memory");
      out = n;
    }
    ssize_t r = read(pfd[0], out + len, cap - len - 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    len += (size_t)r;
  }
  out[len] = '\0';
  close(pfd[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    die("ancestor baseline (%s %s) failed with status %d", argv[0], argv[1],
        WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return out;
}

static int ancestor_method(const char *measure) {
  if (strcmp(measure, "save") == 0) return M_ANC_SAVE;
  if (strcmp(measure, "save_fsync") == 0) return M_ANC_SAVE_FSYNC;
  if (strcmp(measure, "load_warm") == 0) return M_ANC_LOAD_WARM;
  if (strcmp(measure, "load_cold") == 0) return M_ANC_LOAD_COLD;
  return -1;
}

/* Runs the ancestor for size number `idx` (right after dckpt's measurements of
 * that size, so that both see the same machine state) and stores its rows in
 * res[idx]. CSV columns: impl,size_bytes,measure,reps,median_s,min_s,file_bytes */
static void run_ancestor(const options *o, const char *run_dir, size_t idx,
                         size_result *res) {
  char sizes[24];
  snprintf(sizes, sizeof sizes, "%llu", (unsigned long long)o->sizes[idx]);
  char reps[16], reps_large[16], seed[24];
  snprintf(reps, sizeof reps, "%d", o->reps);
  snprintf(reps_large, sizeof reps_large, "%d", o->reps_large);
  /* the same seed as bench_size() uses for this size */
  snprintf(seed, sizeof seed, "%llu", (unsigned long long)(o->seed + idx));
  char *adir = path_join(run_dir, "ancestor");
  char *argv[24];
  int a = 0;
  argv[a++] = (char *)o->python;
  argv[a++] = (char *)o->ancestor;
  argv[a++] = "--dir";
  argv[a++] = adir;
  argv[a++] = "--sizes";
  argv[a++] = sizes;
  argv[a++] = "--reps";
  argv[a++] = reps;
  argv[a++] = "--reps-large";
  argv[a++] = reps_large;
  argv[a++] = "--seed";
  argv[a++] = seed;
  argv[a++] = "--fsync";
  argv[a++] = "both";
  argv[a++] = "--format";
  argv[a++] = "csv";
  if (drop_caches_ok) argv[a++] = "--drop-caches";
  argv[a] = NULL;
  fprintf(stderr, "bench_store: running the ancestor baseline: %s %s --sizes %s ...\n",
          o->python, o->ancestor, sizes);
  char *out = run_capture(argv);
  int rows = 0;
  for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
    char impl[32], measure[32];
    unsigned long long size = 0, file = 0;
    int n = 0;
    double med = 0, mn = 0;
    if (strncmp(line, "impl,", 5) == 0) continue;
    if (sscanf(line, "%31[^,],%llu,%31[^,],%d,%lf,%lf,%llu", impl, &size, measure, &n,
               &med, &mn, &file) != 7)
      die("ancestor baseline: cannot parse CSV line '%s'", line);
    int m = ancestor_method(measure);
    if (m < 0 || size != res[idx].state_bytes) continue;
    res[idx].m[m] = (stat_cell){true, n, med, mn};
    if (file) res[idx].anc_file = file;
    rows++;
  }
  if (rows == 0) die("ancestor baseline printed no measurements");
  free(out);
  free(adir);
}

/* ------------------------------------------------------------------------- */
/* One state size                                                            */
/* ------------------------------------------------------------------------- */

typedef struct ctx {
  const options *o;
  dckpt_store *full, *none;
  const char *full_dir;
  char *raw_dir;
  phase_log plog[2]; /* [0] FULL store, [1] NONE store */
  phase_acc *pacc[2];
} ctx;

static void save_plain(const char *dir, const char *path, const char *tmp,
                       const void *buf, size_t len, bool do_fsync, bool via_rename) {
  const char *target = via_rename ? tmp : path;
  int fd = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) die("open %s: %s", target, strerror(errno));
  write_all(fd, buf, len, target);
  if (do_fsync && fsync(fd) != 0) die("fsync %s: %s", target, strerror(errno));
  if (close(fd) != 0) die("close %s: %s", target, strerror(errno));
  if (via_rename) {
    if (rename(tmp, path) != 0) die("rename %s: %s", tmp, strerror(errno));
    if (do_fsync) fsync_dir(dir);
  }
}

static void read_plain(const char *path, size_t expect) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die("open %s: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) die("fstat %s: %s", path, strerror(errno));
  size_t len = (size_t)st.st_size;
  if (len != expect) die("%s has %zu bytes, expected %zu", path, len, expect);
  unsigned char *b = xmalloc(len);
  size_t got = 0;
  while (got < len) {
    ssize_t r = read(fd, b + got, len - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) die("read %s: %s", path, r < 0 ? strerror(errno) : "short file");
    got += (size_t)r;
  }
  close(fd);
  /* touch the buffer so the read cannot be optimised into nothing */
  volatile unsigned char sink = b[len / 2];
  (void)sink;
  free(b);
}

/* One buffer: algorithm | network | rng words, borrowed by the record. */
static dckpt_record *make_record(uint64_t state, uint64_t seed, unsigned char **bufp) {
  const size_t n = (size_t)(state / sizeof(double));
  const size_t half = n / 2;
  unsigned char *buf = xmalloc((size_t)state + RNG_WORDS * sizeof(uint64_t));
  double *x = (double *)(void *)buf;
  uint64_t *rngw = (uint64_t *)(void *)(buf + state);
  make_state(x, n, rngw, seed);
  dckpt_record *rec = dckpt_record_create();
  if (!rec) die("out of memory");
  const uint64_t shape[2] = {AGENTS, half / AGENTS};
  const uint64_t rshape[1] = {RNG_WORDS};
  if (dckpt_record_put_ref(rec, "algorithm", DCKPT_F64, 2, shape, x) != DCKPT_OK ||
      dckpt_record_put_ref(rec, "network", DCKPT_F64, 2, shape, x + half) != DCKPT_OK ||
      dckpt_record_put_ref(rec, "rng_state", DCKPT_U64, 1, rshape, rngw) != DCKPT_OK)
    die("dckpt_record_put_ref: %s", dckpt_record_errmsg(rec));
  *bufp = buf;
  return rec;
}

/* --profile: one operation in a loop, for perf record / perf stat. */
static void profile_loop(ctx *c) {
  const options *o = c->o;
  const char *op = o->profile;
  unsigned char *buf = NULL;
  dckpt_record *rec = make_record(o->sizes[0], o->seed, &buf);
  bool full = strcmp(op, "save-full") == 0 || strcmp(op, "load") == 0;
  dckpt_store *st = full ? c->full : c->none;
  int64_t it = 0;
  check(dckpt_store_save(st, 0, 0, it++, rec), "dckpt_store_save", st);
  void *enc = NULL;
  size_t enc_len = 0;
  if (dckpt_record_encode(rec, o->level, &enc, &enc_len) != DCKPT_OK)
    die("dckpt_record_encode: %s", dckpt_record_errmsg(rec));
  char lbl[32];
  fmt_size(o->sizes[0], lbl, sizeof lbl);
  fprintf(stderr, "bench_store: profiling %s of %s for %.0f s (pid %ld)\n", op, lbl,
          o->seconds, (long)getpid());
  long count = 0;
  double t0 = bench_now(), busy = 0;
  while (bench_now() - t0 < o->seconds) {
    double t1 = bench_now();
    if (strncmp(op, "save", 4) == 0) {
      check(dckpt_store_save(st, 0, 0, it++, rec), "dckpt_store_save", st);
    } else if (strcmp(op, "load") == 0) {
      dckpt_record *got = NULL;
      int64_t gi = -1;
      check(dckpt_store_load_latest(st, 0, 0, &got, &gi), "dckpt_store_load_latest", st);
      dckpt_record_free(got);
    } else if (strcmp(op, "encode") == 0) {
      void *e2 = NULL;
      size_t l2 = 0;
      if (dckpt_record_encode(rec, o->level, &e2, &l2) != DCKPT_OK) die("encode failed");
      dckpt_free(e2);
    } else {
      dckpt_record *dec = NULL;
      char err[256] = "";
      if (dckpt_record_decode(enc, enc_len, &dec, err, sizeof err) != DCKPT_OK)
        die("decode failed: %s", err);
      dckpt_record_free(dec);
    }
    busy += bench_now() - t1;
    count++;
  }
  printf("%s %s: %ld ops in %.1f s, %.3f ms/op, %.0f MiB/s\n", op, lbl, count, busy,
         busy / (double)count * 1e3, mibs(o->sizes[0], busy / (double)count));
  dckpt_free(enc);
  dckpt_record_free(rec);
  free(buf);
}

static void bench_size(ctx *c, size_t idx, size_result *r) {
  const options *o = c->o;
  const uint64_t state = o->sizes[idx];
  const size_t n = (size_t)(state / sizeof(double));
  const size_t half = n / 2;
  const size_t raw = (size_t)state + RNG_WORDS * sizeof(uint64_t);
  const int reps = state >= LARGE_SIZE ? o->reps_large : o->reps;
  const int64_t trial = (int64_t)idx;
  char label[32];
  fmt_size(state, label, sizeof label);
  fprintf(stderr, "bench_store: %s state, %d reps ...\n", label, reps);

  r->state_bytes = state;
  r->raw_bytes = raw;

  unsigned char *buf = NULL;
  dckpt_record *rec = make_record(state, o->seed + idx, &buf);

  char name[64];
  snprintf(name, sizeof name, "raw_%zu.bin", idx);
  char *raw_path = path_join(c->raw_dir, name);
  snprintf(name, sizeof name, "raw_%zu.bin.tmp", idx);
  char *raw_tmp = path_join(c->raw_dir, name);
  snprintf(name, sizeof name, "renamed_%zu.bin", idx);
  char *ren_path = path_join(c->raw_dir, name);

  double *t[M_COUNT];
  for (int m = 0; m < M_COUNT; m++)
    t[m] = xmalloc((size_t)reps * sizeof(double));
  memset(c->pacc[0], 0, sizeof *c->pacc[0]);
  memset(c->pacc[1], 0, sizeof *c->pacc[1]);

  int64_t it_full = 0, it_none = 0;
  /* Warm-up (untimed): directories, first allocation, library init. */
  check(dckpt_store_save(c->full, 0, trial, it_full++, rec), "dckpt_store_save (FULL)",
        c->full);
  check(dckpt_store_save(c->none, 0, trial, it_none++, rec), "dckpt_store_save (NONE)",
        c->none);
  save_plain(c->raw_dir, ren_path, raw_tmp, buf, raw, true, true);

  /* ---- saves, interleaved per rep ---- */
  for (int k = 0; k < reps; k++) {
    double t0, t1;

    unlink_quiet(raw_path);
    sync();
    t0 = bench_now();
    save_plain(c->raw_dir, raw_path, raw_tmp, buf, raw, true, false);
    t[M_WRITE_FSYNC][k] = bench_now() - t0;

    sync();
    c->plog[0].n = 0;
    t0 = bench_now();
    int rc = dckpt_store_save(c->full, 0, trial, it_full++, rec);
    t1 = bench_now();
    check(rc, "dckpt_store_save (FULL)", c->full);
    t[M_DCKPT_FULL][k] = t1 - t0;
    if (o->phases) phase_add(c->pacc[0], k, &c->plog[0], t0, t1);

    sync();
    t0 = bench_now();
    save_plain(c->raw_dir, ren_path, raw_tmp, buf, raw, true, true);
    t[M_WRITE_RENAME][k] = bench_now() - t0;

    sync();
    c->plog[1].n = 0;
    t0 = bench_now();
    rc = dckpt_store_save(c->none, 0, trial, it_none++, rec);
    t1 = bench_now();
    check(rc, "dckpt_store_save (NONE)", c->none);
    t[M_DCKPT_NONE][k] = t1 - t0;
    if (o->phases) phase_add(c->pacc[1], k, &c->plog[1], t0, t1);

    unlink_quiet(raw_path);
    sync();
    t0 = bench_now();
    save_plain(c->raw_dir, raw_path, raw_tmp, buf, raw, false, false);
    t[M_WRITE_ONLY][k] = bench_now() - t0;
  }
  sync();
  r->dckpt_file = checkpoint_file_size(c->full_dir, trial, it_full - 1);

  /* ---- loads ---- */
  {
    dckpt_record *got = NULL;
    int64_t it = -1;
    check(dckpt_store_load_latest(c->full, 0, trial, &got, &it),
          "dckpt_store_load_latest", c->full);
    if (!got || it != it_full - 1)
      die("dckpt_store_load_latest returned iteration %lld, expected %lld", (long long)it,
          (long long)(it_full - 1));
    verify_loaded(got, buf, half * sizeof(double), (size_t)state);
    dckpt_record_free(got);
  }
  /* Warm loads first (the file was just written and verified), then cold
   * ones: a drop_caches would otherwise make the next "warm" load cold. */
  for (int k = 0; k < reps; k++) {
    dckpt_record *got = NULL;
    int64_t it = -1;
    double t0 = bench_now();
    int rc = dckpt_store_load_latest(c->full, 0, trial, &got, &it);
    t[M_LOAD_WARM][k] = bench_now() - t0;
    check(rc, "dckpt_store_load_latest", c->full);
    dckpt_record_free(got);

    t0 = bench_now();
    read_plain(raw_path, raw);
    t[M_READ_WARM][k] = bench_now() - t0;
  }
  for (int k = 0; k < reps && drop_caches_ok; k++) {
    dckpt_record *got = NULL;
    int64_t it = -1;
    if (!drop_caches()) die("writing /proc/sys/vm/drop_caches failed");
    double t0 = bench_now();
    int rc = dckpt_store_load_latest(c->full, 0, trial, &got, &it);
    t[M_LOAD_COLD][k] = bench_now() - t0;
    check(rc, "dckpt_store_load_latest", c->full);
    dckpt_record_free(got);

    if (!drop_caches()) die("writing /proc/sys/vm/drop_caches failed");
    t0 = bench_now();
    read_plain(raw_path, raw);
    t[M_READ_COLD][k] = bench_now() - t0;
  }

  /* ---- CPU only, in memory ---- */
  {
    size_t bound = ZSTD_compressBound(raw);
    unsigned char *zdst = xmalloc(bound);
    for (int k = 0; k < reps; k++) {
      void *enc = NULL;
      size_t enc_len = 0;
      double t0 = bench_now();
      int rc = dckpt_record_encode(rec, o->level, &enc, &enc_len);
      t[M_ENCODE][k] = bench_now() - t0;
      if (rc != DCKPT_OK) die("dckpt_record_encode: %s", dckpt_strerror(rc));

      dckpt_record *dec = NULL;
      char err[256] = "";
      t0 = bench_now();
      rc = dckpt_record_decode(enc, enc_len, &dec, err, sizeof err);
      t[M_DECODE][k] = bench_now() - t0;
      if (rc != DCKPT_OK) die("dckpt_record_decode: %s: %s", dckpt_strerror(rc), err);
      dckpt_record_free(dec);
      dckpt_free(enc);

      t0 = bench_now();
      size_t z = ZSTD_compress(zdst, bound, buf, raw, 1);
      t[M_ZSTD1][k] = bench_now() - t0;
      if (ZSTD_isError(z)) die("ZSTD_compress: %s", ZSTD_getErrorName(z));
      r->zstd1_bytes = (uint64_t)z;
    }
    free(zdst);
  }

  for (int m = 0; m < M_COUNT; m++) {
    if (m == M_LOAD_COLD || m == M_READ_COLD) {
      if (drop_caches_ok) r->m[m] = summarize(t[m], reps);
    } else if (m < M_ANC_SAVE) {
      r->m[m] = summarize(t[m], reps);
    }
    free(t[m]);
  }
  for (int d = 0; d < 2 && o->phases; d++) {
    r->n_phases[d] = c->pacc[d]->n_names;
    for (size_t i = 0; i < c->pacc[d]->n_names; i++) {
      snprintf(r->phases[d][i].name, PHASE_NAME, "%s", c->pacc[d]->names[i]);
      r->phases[d][i].med = summarize(c->pacc[d]->v[i], reps).median;
    }
  }

  unlink_quiet(raw_path);
  unlink_quiet(ren_path);
  free(raw_path);
  free(raw_tmp);
  free(ren_path);
  dckpt_record_free(rec);
  free(buf);
}

/* ------------------------------------------------------------------------- */
/* Report                                                                    */
/* ------------------------------------------------------------------------- */

/* "12.3 (11.9) ms, 1234 MiB/s" */
static const char *cell(const size_result *r, method m, char *out, size_t n) {
  const stat_cell *s = &r->m[m];
  if (!s->have) {
    snprintf(out, n, "—");
    return out;
  }
  double med = s->median * 1e3, mn = s->min * 1e3;
  int prec = med < 10 ? 2 : med < 100 ? 1 : 0;
  snprintf(out, n, "%.*f (%.*f) ms, %.0f MiB/s", prec, med, prec, mn,
           mibs(r->state_bytes, s->median));
  return out;
}

static double ratio(const size_result *r, method num, method den) {
  if (!r->m[num].have || !r->m[den].have || r->m[den].median <= 0) return NAN;
  return r->m[num].median / r->m[den].median;
}

static void print_ratio(double v) {
  if (isnan(v))
    printf(" — |");
  else
    printf(" %.2f× |", v);
}

/* Median time per commit-protocol step; dur 0 = FULL saves, 1 = NONE saves. */
static void print_phases(const size_result *res, size_t ns, int dur) {
  char lbl[32];
  char names[MAX_PHASES * 2][PHASE_NAME];
  size_t nn = 0;
  for (size_t i = 0; i < ns; i++) /* union of step names, first-seen order */
    for (size_t k = 0; k < res[i].n_phases[dur]; k++) {
      size_t j = 0;
      while (j < nn && strcmp(names[j], res[i].phases[dur][k].name) != 0)
        j++;
      if (j == nn && nn < MAX_PHASES * 2)
        snprintf(names[nn++], PHASE_NAME, "%s", res[i].phases[dur][k].name);
    }
  if (nn == 0) return;
  printf("\n### Where a %s save spends its time (median ms per step, from the store's "
         "step hook)\n\n",
         dur == 0 ? "durable (FULL)" : "non-durable (NONE)");
  printf("| step (time until the next step starts) |");
  for (size_t i = 0; i < ns; i++) {
    fmt_size(res[i].state_bytes, lbl, sizeof lbl);
    printf(" %s |", lbl);
  }
  printf("\n|---|");
  for (size_t i = 0; i < ns; i++)
    printf("---|");
  printf("\n");
  for (size_t j = 0; j < nn; j++) {
    printf("| %s |", names[j]);
    for (size_t i = 0; i < ns; i++) {
      double v = NAN;
      for (size_t k = 0; k < res[i].n_phases[dur]; k++)
        if (strcmp(res[i].phases[dur][k].name, names[j]) == 0)
          v = res[i].phases[dur][k].med;
      if (isnan(v))
        printf(" — |");
      else
        printf(" %.3f |", v * 1e3);
    }
    printf("\n");
  }
  printf("| **total (median of the save)** |");
  for (size_t i = 0; i < ns; i++)
    printf(" %.3f |", res[i].m[dur == 0 ? M_DCKPT_FULL : M_DCKPT_NONE].median * 1e3);
  printf("\n");
}

static void print_tables(const options *o, const size_result *res, bool ancestor) {
  char a[96], b[96], c[96], d[96], e[96], lbl[32];
  size_t ns = o->n_sizes;

  printf("\n### Durable saves (fsync), median (min) of N runs\n\n");
  printf(
      "| state | N | dckpt save FULL | write+fsync | tmp+write+fsync+rename+dir fsync |"
      " dckpt / write+fsync throughput |%s\n",
      ancestor ? " ancestor save +fsync |" : "");
  printf("|---|---|---|---|---|---|%s\n", ancestor ? "---|" : "");
  for (size_t i = 0; i < ns; i++) {
    const size_result *r = &res[i];
    fmt_size(r->state_bytes, lbl, sizeof lbl);
    printf("| %s | %d | %s | %s | %s |", lbl, r->m[M_DCKPT_FULL].reps,
           cell(r, M_DCKPT_FULL, a, sizeof a), cell(r, M_WRITE_FSYNC, b, sizeof b),
           cell(r, M_WRITE_RENAME, c, sizeof c));
    print_ratio(ratio(r, M_WRITE_FSYNC, M_DCKPT_FULL));
    if (ancestor) printf(" %s |", cell(r, M_ANC_SAVE_FSYNC, d, sizeof d));
    printf("\n");
  }

  printf("\n### Saves without fsync (DCKPT_DURABILITY_NONE), median (min)\n\n");
  printf("| state | dckpt save NONE | write (no fsync) |%s\n",
         ancestor ? " ancestor save (no fsync) | dckpt speed-up vs ancestor |" : "");
  printf("|---|---|---|%s\n", ancestor ? "---|---|" : "");
  for (size_t i = 0; i < ns; i++) {
    const size_result *r = &res[i];
    fmt_size(r->state_bytes, lbl, sizeof lbl);
    printf("| %s | %s | %s |", lbl, cell(r, M_DCKPT_NONE, a, sizeof a),
           cell(r, M_WRITE_ONLY, b, sizeof b));
    if (ancestor) {
      printf(" %s |", cell(r, M_ANC_SAVE, c, sizeof c));
      print_ratio(ratio(r, M_ANC_SAVE, M_DCKPT_NONE));
    }
    printf("\n");
  }

  printf("\n### Loads, median (min)\n\n");
  printf("| state | dckpt load warm | read() raw warm | dckpt load cold | read() raw "
         "cold |%s\n",
         ancestor
             ? " ancestor load warm | ancestor load cold | dckpt speed-up warm (cold) |"
             : "");
  printf("|---|---|---|---|---|%s\n", ancestor ? "---|---|---|" : "");
  for (size_t i = 0; i < ns; i++) {
    const size_result *r = &res[i];
    fmt_size(r->state_bytes, lbl, sizeof lbl);
    printf("| %s | %s | %s | %s | %s |", lbl, cell(r, M_LOAD_WARM, a, sizeof a),
           cell(r, M_READ_WARM, b, sizeof b), cell(r, M_LOAD_COLD, c, sizeof c),
           cell(r, M_READ_COLD, d, sizeof d));
    if (ancestor) {
      printf(" %s | %s |", cell(r, M_ANC_LOAD_WARM, a, sizeof a),
             cell(r, M_ANC_LOAD_COLD, e, sizeof e));
      double w = ratio(r, M_ANC_LOAD_WARM, M_LOAD_WARM);
      double cl = ratio(r, M_ANC_LOAD_COLD, M_LOAD_COLD);
      if (isnan(w))
        printf(" — |");
      else if (isnan(cl))
        printf(" %.2f× |", w);
      else
        printf(" %.2f× (%.2f×) |", w, cl);
    }
    printf("\n");
  }

  printf("\n### CPU only, in memory (no file system), median (min)\n\n");
  printf("| state | dckpt_record_encode level %d (shuffle + zstd) | dckpt_record_decode |"
         " ZSTD_compress level 1, no shuffle |\n|---|---|---|---|\n",
         o->level);
  for (size_t i = 0; i < ns; i++) {
    const size_result *r = &res[i];
    fmt_size(r->state_bytes, lbl, sizeof lbl);
    printf("| %s | %s | %s | %s |\n", lbl, cell(r, M_ENCODE, a, sizeof a),
           cell(r, M_DECODE, b, sizeof b), cell(r, M_ZSTD1, c, sizeof c));
  }

  printf("\n### File sizes (bytes; ratio = raw / file)\n\n");
  printf("| state | raw | dckpt (level %d, shuffle) | zstd level 1, no shuffle |%s\n",
         o->level, ancestor ? " ancestor pickle + zstd 1 | ancestor / dckpt |" : "");
  printf("|---|---|---|---|%s\n", ancestor ? "---|---|" : "");
  for (size_t i = 0; i < ns; i++) {
    const size_result *r = &res[i];
    fmt_size(r->state_bytes, lbl, sizeof lbl);
    printf("| %s | %llu | %llu (%.3f×) | %llu (%.3f×) |", lbl,
           (unsigned long long)r->raw_bytes, (unsigned long long)r->dckpt_file,
           (double)r->raw_bytes / (double)r->dckpt_file,
           (unsigned long long)r->zstd1_bytes,
           (double)r->raw_bytes / (double)r->zstd1_bytes);
    if (ancestor) {
      if (r->anc_file)
        printf(" %llu (%.3f×) | %.3f× |", (unsigned long long)r->anc_file,
               (double)r->raw_bytes / (double)r->anc_file,
               (double)r->anc_file / (double)r->dckpt_file);
      else
        printf(" — | — |");
    }
    printf("\n");
  }

  for (int dur = 0; dur < 2 && o->phases && ns > 0; dur++)
    print_phases(res, ns, dur);
}

typedef struct verdicts {
  int pass, fail, skip;
} verdicts;

__attribute__((format(printf, 3, 4))) static void verdict(verdicts *v, int state,
                                                          const char *fmt, ...);
static void verdict(verdicts *v, int state, const char *fmt, ...) {
  static const char *const tag[3] = {"FAIL", "PASS", "SKIP"};
  va_list ap;
  va_start(ap, fmt);
  printf("- **%s** ", tag[state]);
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  if (state == 1)
    v->pass++;
  else if (state == 0)
    v->fail++;
  else
    v->skip++;
}

/* Median seconds of a commit step (dur 0 = FULL, 1 = NONE), NAN if unknown. */
static double phase_median(const size_result *r, int dur, const char *name) {
  for (size_t k = 0; k < r->n_phases[dur]; k++)
    if (strcmp(r->phases[dur][k].name, name) == 0) return r->phases[dur][k].med;
  return NAN;
}

static const size_result *find_size(const options *o, const size_result *res,
                                    uint64_t s) {
  for (size_t i = 0; i < o->n_sizes; i++)
    if (res[i].state_bytes == s) return &res[i];
  return NULL;
}

static verdicts print_targets(const options *o, const size_result *res, bool ancestor) {
  verdicts v = {0, 0, 0};
  printf("\n### Targets\n\n");
  const size_result *r64m = find_size(o, res, 64 * MIB);
  const size_result *r64k = find_size(o, res, 64 * KIB);

  if (r64m) {
    double q = ratio(r64m, M_WRITE_FSYNC, M_DCKPT_FULL);
    verdict(&v, q >= 0.8,
            "durable save of 64 MiB ≥ 0.8× write+fsync throughput: %.2f× (%.0f vs %.0f "
            "MiB/s)",
            q, mibs(r64m->state_bytes, r64m->m[M_DCKPT_FULL].median),
            mibs(r64m->state_bytes, r64m->m[M_WRITE_FSYNC].median));
    double rot = phase_median(r64m, 0, "rotate");
    if (!isnan(rot) && q > 0)
      printf("  - info: without its `rotate` step (%.1f ms: moving the oldest checkpoint "
             "aside) "
             "the durable save would reach %.2f×\n",
             rot * 1e3,
             r64m->m[M_WRITE_FSYNC].median / (r64m->m[M_DCKPT_FULL].median - rot));
  } else {
    verdict(&v, 2, "durable save of 64 MiB ≥ 0.8× write+fsync: 64M not in --sizes");
  }

  for (size_t i = 0; i < o->n_sizes; i++) {
    char lbl[32];
    fmt_size(res[i].state_bytes, lbl, sizeof lbl);
    double q = (double)res[i].raw_bytes / (double)res[i].dckpt_file;
    verdict(&v, q >= 1.25, "%s: dckpt file ≥ 1.25× smaller than raw: %.3f×", lbl, q);
  }

  if (r64k) {
    double ms = r64k->m[M_DCKPT_FULL].median * 1e3;
    verdict(&v, ms <= 3.0, "64 KiB durable (FULL) save ≤ 3 ms median: %.2f ms", ms);
  } else {
    verdict(&v, 2, "64 KiB durable save ≤ 3 ms: 64K not in --sizes");
  }

  if (!ancestor) {
    verdict(&v, 2, "ancestor targets: run with --ancestor scripts/ancestor_baseline.py");
    return v;
  }
  if (r64k) {
    double q = ratio(r64k, M_ANC_SAVE, M_DCKPT_NONE);
    verdict(&v, q >= 3.0, "64 KiB save ≥ 3× faster than the ancestor (no fsync): %.2f×",
            q);
  }
  if (r64m) {
    double q = ratio(r64m, M_ANC_SAVE, M_DCKPT_NONE);
    verdict(&v, q >= 1.5, "64 MiB save ≥ 1.5× faster than the ancestor (no fsync): %.2f×",
            q);
  }
  for (size_t i = 0; i < o->n_sizes; i++) {
    char lbl[32];
    fmt_size(res[i].state_bytes, lbl, sizeof lbl);
    double q = ratio(&res[i], M_ANC_LOAD_WARM, M_LOAD_WARM);
    verdict(&v, q >= 3.0, "%s: load ≥ 3× faster than the ancestor (warm cache): %.2f×",
            lbl, q);
    double qc = ratio(&res[i], M_ANC_LOAD_COLD, M_LOAD_COLD);
    if (!isnan(qc))
      printf("  - info: %s cold (after drop_caches): %.2f× the ancestor; not a target, "
             "both sides wait for the same device reads\n",
             lbl, qc);
  }
  for (size_t i = 0; i < o->n_sizes; i++) {
    char lbl[32];
    fmt_size(res[i].state_bytes, lbl, sizeof lbl);
    if (!res[i].anc_file) continue;
    double q = (double)res[i].anc_file / (double)res[i].dckpt_file;
    verdict(&v, q >= 1.2, "%s: dckpt file ≥ 1.2× smaller than the ancestor's: %.3f×", lbl,
            q);
  }
  return v;
}

static void write_csv(const char *path, const options *o, const size_result *res) {
  FILE *f = fopen(path, "w");
  if (!f) die("cannot write --csv %s: %s", path, strerror(errno));
  fprintf(f,
          "size_bytes,method,reps,median_s,min_s,median_mib_s,best_mib_s,file_bytes\n");
  for (size_t i = 0; i < o->n_sizes; i++) {
    const size_result *r = &res[i];
    for (int m = 0; m < M_COUNT; m++) {
      const stat_cell *s = &r->m[m];
      if (!s->have) continue;
      uint64_t fb = 0;
      if (m == M_DCKPT_FULL || m == M_DCKPT_NONE)
        fb = r->dckpt_file;
      else if (m == M_WRITE_FSYNC || m == M_WRITE_RENAME || m == M_WRITE_ONLY)
        fb = r->raw_bytes;
      else if (m == M_ZSTD1)
        fb = r->zstd1_bytes;
      else if (m == M_ANC_SAVE || m == M_ANC_SAVE_FSYNC)
        fb = r->anc_file;
      fprintf(f, "%llu,%s,%d,%.9f,%.9f,%.3f,%.3f,%llu\n",
              (unsigned long long)r->state_bytes, method_key[m], s->reps, s->median,
              s->min, mibs(r->state_bytes, s->median), mibs(r->state_bytes, s->min),
              (unsigned long long)fb);
    }
    for (int d = 0; d < 2; d++)
      for (size_t k = 0; k < r->n_phases[d]; k++)
        fprintf(f, "%llu,%s:%s,%d,%.9f,,,\n", (unsigned long long)r->state_bytes,
                d == 0 ? "phase_full" : "phase_none", r->phases[d][k].name,
                r->m[d == 0 ? M_DCKPT_FULL : M_DCKPT_NONE].reps, r->phases[d][k].med);
  }
  if (fclose(f) != 0) die("writing --csv %s: %s", path, strerror(errno));
}

/* ------------------------------------------------------------------------- */

int main(int argc, char **argv) {
  options o;
  memset(&o, 0, sizeof o);
  parse_options(argc, argv, &o);

  if (o.ancestor && access(o.ancestor, R_OK) != 0)
    die("--ancestor %s: %s", o.ancestor, strerror(errno));
  if (o.ancestor && access(o.python, X_OK) != 0)
    die("--python %s: %s", o.python, strerror(errno));
  if (o.drop_caches) {
    drop_caches_ok = drop_caches();
    if (!drop_caches_ok)
      fprintf(stderr,
              "bench_store: cannot write /proc/sys/vm/drop_caches (%s); "
              "cold loads are skipped\n",
              strerror(errno));
  }

  bool made_dir = mkdir(o.dir, 0755) == 0;
  if (!made_dir && errno != EEXIST) die("mkdir %s: %s", o.dir, strerror(errno));
  char sub[64];
  snprintf(sub, sizeof sub, "bench_store.%ld", (long)getpid());
  char *run_dir = path_join(o.dir, sub);
  if (mkdir(run_dir, 0755) != 0) die("mkdir %s: %s", run_dir, strerror(errno));

  ctx c;
  memset(&c, 0, sizeof c);
  c.o = &o;
  c.pacc[0] = xmalloc(sizeof *c.pacc[0]);
  c.pacc[1] = xmalloc(sizeof *c.pacc[1]);
  char *full_dir = path_join(run_dir, "dckpt_full");
  char *none_dir = path_join(run_dir, "dckpt_none");
  c.raw_dir = path_join(run_dir, "raw");
  c.full_dir = full_dir;
  if (mkdir(c.raw_dir, 0755) != 0) die("mkdir %s: %s", c.raw_dir, strerror(errno));
  c.full = open_store(full_dir, DCKPT_DURABILITY_FULL, &o, o.phases ? &c.plog[0] : NULL);
  c.none = open_store(none_dir, DCKPT_DURABILITY_NONE, &o, o.phases ? &c.plog[1] : NULL);

  if (o.profile) {
    profile_loop(&c);
    dckpt_store_close(c.full);
    dckpt_store_close(c.none);
    if (!o.keep) bench_remove_tree(run_dir);
    if (!o.keep && made_dir) (void)rmdir(o.dir);
    return 0;
  }

  size_result *res = calloc(o.n_sizes, sizeof *res);
  if (!res) die("out of memory");
  double load_start = loadavg1();
  if (load_start > 0.5)
    fprintf(stderr,
            "bench_store: warning: load average is %.2f; other processes will "
            "disturb the timings\n",
            load_start);
  double t_start = bench_now();
  bool ancestor = o.ancestor != NULL;
  for (size_t i = 0; i < o.n_sizes; i++) {
    bench_size(&c, i, &res[i]);
    if (ancestor) run_ancestor(&o, run_dir, i, res);
  }
  dckpt_store_close(c.full);
  dckpt_store_close(c.none);
  if (!o.keep) {
    bench_remove_tree(full_dir);
    bench_remove_tree(none_dir);
  }

  double load_end = loadavg1();

  printf("## bench_store results\n\n");
  printf("dckpt %s, zstd %s, state = 2 float64 arrays %u × dim + %u u64 rng words, "
         "keep_n = 2, level %d; dir %s; %s; reps %d (%d for ≥ 256 MiB); %.0f s\n",
         dckpt_version_string(), ZSTD_versionString(), AGENTS, RNG_WORDS, o.level, o.dir,
         drop_caches_ok ? "cold loads after drop_caches" : "warm loads only", o.reps,
         o.reps_large, bench_now() - t_start);
  printf(
      "\n1-minute load average: %.2f at start, %.2f at end (the end value includes this "
      "run; a start value above ~0.3 means other processes competed for the CPUs)\n",
      load_start, load_end);
  print_tables(&o, res, ancestor);
  verdicts v = print_targets(&o, res, ancestor);
  printf("\n%d PASS, %d FAIL, %d SKIP\n", v.pass, v.fail, v.skip);
  fflush(stdout);

  if (o.csv) write_csv(o.csv, &o, res);
  if (!o.keep) bench_remove_tree(run_dir);
  if (!o.keep && made_dir) (void)rmdir(o.dir); /* only when empty and ours */

  free(res);
  free(full_dir);
  free(none_dir);
  free(c.raw_dir);
  free(c.pacc[0]);
  free(c.pacc[1]);
  free(run_dir);
  return (o.strict && v.fail > 0) ? 2 : 0;
}
