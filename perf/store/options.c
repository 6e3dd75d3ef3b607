/* bench_store's command line: --help text, parsing and defaults. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_store.h"
#include "bench_util.h"

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
        "                     perf/baselines/ancestor_baseline.py) with the same sizes,\n"
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

static bool parse_u64(const char *s, uint64_t *out) {
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || s[0] == '-') return false;
  *out = (uint64_t)v;
  return true;
}

static int parse_reps(const char *flag, const char *s) {
  uint64_t v = 0;
  if (!parse_u64(s, &v) || v < 1 || v > MAX_REPS)
    bench_die("%s: '%s' is not an integer in 1..%d", flag, s, MAX_REPS);
  return (int)v;
}

static void parse_sizes(const char *arg, options *o) {
  char *copy = strdup(arg);
  if (!copy) bench_die("out of memory");
  o->n_sizes = 0;
  for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
    uint64_t v = 0;
    if (!bench_parse_size(tok, &v))
      bench_die("--sizes: '%s' is not a size (e.g. 64K, 16M, 1G)", tok);
    if (v % KIB != 0 || v < 2 * KIB)
      bench_die("--sizes: %s is not a multiple of 1 KiB of at least 2 KiB", tok);
    if (o->n_sizes == MAX_SIZES) bench_die("--sizes: more than %d sizes", MAX_SIZES);
    o->sizes[o->n_sizes++] = v;
  }
  free(copy);
  if (o->n_sizes == 0) bench_die("--sizes: empty list");
}

static int parse_level(const char *s) {
  char *end = NULL;
  long v = strtol(s, &end, 10);
  if (end == s || *end != '\0' || v < -7 || v > 22)
    bench_die("--level: '%s' is not 0 or a zstd level in -7..22", s);
  return (int)v;
}

static const char *parse_profile(const char *s) {
  static const char *const ops[] = {"save-full", "save-none", "load", "encode", "decode"};
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
    if (strcmp(s, ops[i]) == 0) return s;
  bench_die("--profile: '%s' is not save-full, save-none, load, encode or decode", s);
}

static double parse_seconds(const char *s) {
  char *end = NULL;
  double v = strtod(s, &end);
  if (end == s || *end != '\0' || !(v > 0 && v < 1e6))
    bench_die("--seconds: '%s' is not a positive number", s);
  return v;
}

static void set_defaults(options *o) {
  static const uint64_t sizes[] = {64 * KIB, MIB, 16 * MIB, 64 * MIB, 256 * MIB};
  memset(o, 0, sizeof *o);
  o->dir = "./bench-tmp";
  o->n_sizes = sizeof sizes / sizeof sizes[0];
  memcpy(o->sizes, sizes, sizeof sizes);
  o->reps = 7;
  o->reps_large = 3;
  o->python = "/usr/bin/python3";
  o->phases = true;
  o->seed = 12345;
  o->level = 1;
  o->seconds = 10;
}

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

void parse_options(int argc, char **argv, options *o) {
  set_defaults(o);
  int c;
  while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
    switch (c) {
    case 'd': o->dir = optarg; break;
    case 's': parse_sizes(optarg, o); break;
    case 'r': o->reps = parse_reps("--reps", optarg); break;
    case 'R': o->reps_large = parse_reps("--reps-large", optarg); break;
    case 'c': o->csv = optarg; break;
    case 'D': o->drop_caches = true; break;
    case 'a': o->ancestor = optarg; break;
    case 'p': o->python = optarg; break;
    case 'S':
      if (!parse_u64(optarg, &o->seed))
        bench_die("--seed: '%s' is not an integer", optarg);
      break;
    case 'P': o->phases = false; break;
    case 'L': o->level = parse_level(optarg); break;
    case 'F': o->profile = parse_profile(optarg); break;
    case 'T': o->seconds = parse_seconds(optarg); break;
    case 'k': o->keep = true; break;
    case 'x': o->strict = true; break;
    case 'h': usage(stdout); exit(0);
    default: usage(stderr); exit(1);
    }
  }
  if (optind < argc) bench_die("unexpected argument '%s' (see --help)", argv[optind]);
  if (o->reps_large > o->reps) o->reps_large = o->reps;
}
