/* dckpt pack and dckpt unpack: a checkpoint directory into one HDF5
 * container and back, MPI collective (run under mpirun, or alone as one
 * rank). Only rank 0 prints. They run in dckpt-h5; dckpt hands them over
 * (cli.h), so its help texts and summaries are the same. */
#include "cli.h"

#ifdef DCKPT_CLI_CONTAINER
#include <errno.h>
#include <inttypes.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

#include "dckpt_container.h"
#endif

static const char pack_help[] =
    "Usage: [mpirun -np N] dckpt pack DIR FILE.h5 [OPTIONS]\n"
    "\n"
    "Packs checkpoint directory DIR into one HDF5 file: metadata.json, the\n"
    "problem and initial records, every trial's kept checkpoints and markers,\n"
    "the metrics record, run_status.json and results/. Every array keeps its\n"
    "dtype, shape, name and checksum; the data are shuffled and compressed\n"
    "with zstd (HDF5 filter 32015). Under mpirun every rank packs a share of\n"
    "the trials through MPI-IO; any number of ranks works. FILE.h5 appears\n"
    "only complete (temporary name, fsync, rename): a failed or killed pack\n"
    "leaves no FILE.h5, keeps an older one, and never writes into DIR.\n"
    "Refused while a run holds DIR.\n"
    "\n"
    "Options:\n"
    "  --final-only     pack only the newest checkpoint of each trial\n"
    "  --level N        zstd level of the data, -7..22, 0 for none (default 1)\n"
    "  --chunk BYTES    bytes per chunk of the data, a multiple of 8 in 4K..64M\n"
    "                   (default 256K; K, M, G suffixes: powers of 1024)\n"
    "  --buffer BYTES   bytes each rank gathers per write round, from the chunk\n"
    "                   size up to 1024G (default 64M)\n"
    "  --no-fsync       do not fsync the file and its directory\n"
    "  --ignore-lock    pack although DIR/dckpt.lock names a holder\n"
    "  --verify         read the file back and verify it before it is published\n"
    "  --quiet          print nothing on success\n"
    "  -h, --help       show this help\n"
    "\n"
    "Exit status: 0 packed, 1 failed, 2 usage error.\n";

static const char unpack_help[] =
    "Usage: [mpirun -np N] dckpt unpack FILE.h5 DIR [OPTIONS]\n"
    "\n"
    "Rebuilds checkpoint directory DIR from a container written by 'dckpt\n"
    "pack': the directory resumes and grows exactly as the one packed. DIR\n"
    "must not exist (or be empty); it is built under a temporary name beside\n"
    "it and renamed into place. Under mpirun every rank writes a share of the\n"
    "trials. Every path in the container is checked first: nothing is ever\n"
    "written outside DIR.\n"
    "\n"
    "Options:\n"
    "  --restore    DIR exists and holds the same run (e.g. its trial\n"
    "               directories were pruned): write only what it lacks;\n"
    "               refused while a run holds DIR or shared runs work on it\n"
    "  --ignore-lock  with --restore: write even though DIR seems in use\n"
    "  --no-fsync   do not sync what is written\n"
    "  --quiet      print nothing on success\n"
    "  -h, --help   show this help\n"
    "\n"
    "Exit status: 0 unpacked, 1 failed, 2 usage error.\n";

#ifdef DCKPT_CLI_CONTAINER
static int rank0(void) {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r == 0;
}

static void on_log(void *ctx, dckpt_log_level level, const char *msg) {
  fprintf(stderr, "dckpt %s: %s: %s\n", (const char *)ctx, dckpt_log_level_name(level),
          msg);
}

/* "4096", "256K", "64M", "1G" (powers of 1024): digits, then at most one of
 * K, M, G (either case); no sign, space, fraction or leading zero. */
static int parse_bytes(const char *cmd, const char *opt, const char *text,
                       uint64_t *out) {
  char *end = NULL;
  errno = 0;
  unsigned long long v = text[0] >= '0' && text[0] <= '9' ? strtoull(text, &end, 10) : 0;
  bool range = errno == ERANGE; /* 99999999999999999999 read as 2^64 - 1 */
  unsigned shift = 0;
  if (end && (*end == 'K' || *end == 'k'))
    shift = 10, end++;
  else if (end && (*end == 'M' || *end == 'm'))
    shift = 20, end++;
  else if (end && (*end == 'G' || *end == 'g'))
    shift = 30, end++;
  /* digits first, no leading zero ("010K" is not 8K to anyone) */
  if (!end || (text[0] == '0' && end != text + 1) || *end || range ||
      v > (UINT64_MAX >> shift))
    return cli_usage_error(cmd,
                           "option '%s': '%s' is not a byte count (digits and an "
                           "optional K, M or G: powers of 1024, e.g. 256K)",
                           opt, text);
  *out = (uint64_t)v << shift;
  return CLI_EXIT_OK;
}

/* The ranges of dckpt_container.h, checked here (a usage error naming the
 * option as typed) before anything is read, rather than by the pack (which
 * would name the library's field and exit 1). */
static int check_bytes(const char *chunk, const char *buffer,
                       const dckpt_pack_options *o) {
  if (o->chunk_bytes < DCKPT_CONTAINER_CHUNK_MIN ||
      o->chunk_bytes > DCKPT_CONTAINER_CHUNK_MAX ||
      o->chunk_bytes % DCKPT_CONTAINER_CHUNK_ALIGN)
    return cli_usage_error("pack",
                           "option '--chunk': '%s' is out of range: a multiple of %d "
                           "bytes in 4K..64M (%llu..%llu bytes)",
                           chunk, DCKPT_CONTAINER_CHUNK_ALIGN,
                           (unsigned long long)DCKPT_CONTAINER_CHUNK_MIN,
                           (unsigned long long)DCKPT_CONTAINER_CHUNK_MAX);
  if (o->buffer_bytes < o->chunk_bytes || o->buffer_bytes > DCKPT_CONTAINER_BUFFER_MAX)
    return cli_usage_error("pack",
                           "option '--buffer': '%s' is out of range: from the chunk "
                           "size (%llu bytes) up to 1024G (%llu bytes)",
                           buffer ? buffer : "64M", (unsigned long long)o->chunk_bytes,
                           (unsigned long long)DCKPT_CONTAINER_BUFFER_MAX);
  return CLI_EXIT_OK;
}

typedef struct pack_args {
  const char *pos[2];
  int npos;
  bool quiet;
} pack_args;

static int positional(const char *cmd, const char *arg, pack_args *a) {
  if (arg[0] == '\0')
    return cli_usage_error(cmd, "an empty argument where a path belongs");
  if (arg[0] == '-' && arg[1] != '\0')
    return cli_usage_error(cmd, "unknown option '%s'", arg);
  if (a->npos == 2) return cli_usage_error(cmd, "unexpected argument '%s'", arg);
  a->pos[a->npos++] = arg;
  return CLI_EXIT_OK;
}

static int parse_pack(int argc, char **argv, pack_args *a, dckpt_pack_options *o) {
  const char *level = NULL, *chunk = NULL, *buffer = NULL; /* given once each */
  for (int i = 1; i < argc; i++) {
    const char *v = NULL;
    int m;
    if (cli_is_help(argv[i])) return cli_print_help(&cli_cmd_pack);
    if (!strcmp(argv[i], "--final-only"))
      o->final_only = true;
    else if (!strcmp(argv[i], "--no-fsync"))
      o->durability = DCKPT_DURABILITY_NONE;
    else if (!strcmp(argv[i], "--ignore-lock"))
      o->ignore_lock = true;
    else if (!strcmp(argv[i], "--verify"))
      o->verify = true;
    else if (!strcmp(argv[i], "--quiet"))
      a->quiet = true;
    else if ((m = cli_option_value("pack", argc, argv, &i, "--level", &v)) != 0) {
      long l = 0;
      if (m < 0 || cli_option_once("pack", "--level", &level, v) ||
          cli_parse_int("pack", "--level", v, DCKPT_CONTAINER_LEVEL_MIN,
                        DCKPT_CONTAINER_LEVEL_MAX, &l))
        return CLI_EXIT_USAGE;
      o->level = (int)l;
    } else if ((m = cli_option_value("pack", argc, argv, &i, "--chunk", &v)) != 0) {
      if (m < 0 || cli_option_once("pack", "--chunk", &chunk, v) ||
          parse_bytes("pack", "--chunk", v, &o->chunk_bytes))
        return CLI_EXIT_USAGE;
    } else if ((m = cli_option_value("pack", argc, argv, &i, "--buffer", &v)) != 0) {
      if (m < 0 || cli_option_once("pack", "--buffer", &buffer, v) ||
          parse_bytes("pack", "--buffer", v, &o->buffer_bytes))
        return CLI_EXIT_USAGE;
    } else if (positional("pack", argv[i], a) != CLI_EXIT_OK)
      return CLI_EXIT_USAGE;
  }
  if (a->npos < 2) return cli_usage_error("pack", "expected DIR and FILE.h5");
  if (check_bytes(chunk ? chunk : "256K", buffer, o)) return CLI_EXIT_USAGE;
  return CLI_CONTINUE;
}

/* Packing decodes every record into fresh memory and HDF5 takes a fresh
 * buffer for every chunk; glibc maps blocks of 128 KiB and more afresh each
 * time and unmaps them on free, so the pack spent more time in page faults
 * than in zstd (docs/performance.md, "Container"). This process keeps what it
 * frees instead. (A program's choice, so the library does not make it.) */
static void keep_freed_memory(void) {
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
}

/* MPI is started for these two commands only; the others make no MPI call. */
static int with_mpi(int argc, char **argv, int (*body)(int, char **)) {
  keep_freed_memory();
  int inited = 0;
  MPI_Initialized(&inited);
  if (!inited) MPI_Init(NULL, NULL);
  int ex = body(argc, argv);
  if (!inited) MPI_Finalize();
  return ex;
}

static int pack_body(int argc, char **argv) {
  pack_args a = {{NULL, NULL}, 0, false};
  dckpt_pack_options o;
  dckpt_pack_options_init(&o);
  o.log = on_log;
  o.log_ctx = (void *)(uintptr_t) "pack";
  o.log_level = DCKPT_LOG_WARN;
  int ex = parse_pack(argc, argv, &a, &o);
  if (ex != CLI_CONTINUE) return ex;
  dckpt_pack_report rep;
  int rc = dckpt_container_pack(MPI_COMM_WORLD, a.pos[0], a.pos[1], &o, &rep);
  if (!rank0()) return rc == DCKPT_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
  if (rc != DCKPT_OK) {
    cli_error("pack", "%s (%s)", rep.message, dckpt_err_name(rc));
    return CLI_EXIT_FAIL;
  }
  if (!a.quiet) {
    char src[32], out[32];
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    cli_format_bytes(rep.source_bytes, src, sizeof src);
    cli_format_bytes(rep.file_bytes, out, sizeof out);
    printf("packed %s into %s: %" PRId64 " trials, %" PRIu64 " files, %" PRIu64
           " arrays; %s of files -> %s (%.2fx) in %.2f s on %d rank(s)\n",
           a.pos[0], a.pos[1], rep.n_trials, rep.n_files, rep.n_arrays, src, out,
           rep.source_bytes ? (double)rep.file_bytes / (double)rep.source_bytes : 0.0,
           rep.seconds, size);
  }
  return CLI_EXIT_OK;
}

static int run_pack(int argc, char **argv) {
  return with_mpi(argc, argv, pack_body);
}
#else
static int run_pack(int argc, char **argv) {
  (void)argc, (void)argv;
  return cli_handoff("pack", CLI_EXIT_FAIL);
}
#endif

const cli_command cli_cmd_pack = {
    "pack", "pack DIR into one HDF5 file (under mpirun: in parallel)", pack_help,
    run_pack};

#ifdef DCKPT_CLI_CONTAINER
static int parse_unpack(int argc, char **argv, pack_args *a, dckpt_unpack_options *o) {
  for (int i = 1; i < argc; i++) {
    if (cli_is_help(argv[i])) return cli_print_help(&cli_cmd_unpack);
    if (!strcmp(argv[i], "--restore"))
      o->restore = true;
    else if (!strcmp(argv[i], "--ignore-lock"))
      o->ignore_lock = true;
    else if (!strcmp(argv[i], "--no-fsync"))
      o->durability = DCKPT_DURABILITY_NONE;
    else if (!strcmp(argv[i], "--quiet"))
      a->quiet = true;
    else if (positional("unpack", argv[i], a) != CLI_EXIT_OK)
      return CLI_EXIT_USAGE;
  }
  if (a->npos < 2) return cli_usage_error("unpack", "expected FILE.h5 and DIR");
  return CLI_CONTINUE;
}

static int unpack_body(int argc, char **argv) {
  pack_args a = {{NULL, NULL}, 0, false};
  dckpt_unpack_options o;
  dckpt_unpack_options_init(&o);
  o.log = on_log;
  o.log_ctx = (void *)(uintptr_t) "unpack";
  o.log_level = DCKPT_LOG_WARN;
  int ex = parse_unpack(argc, argv, &a, &o);
  if (ex != CLI_CONTINUE) return ex;
  dckpt_unpack_report rep;
  int rc = dckpt_container_unpack(MPI_COMM_WORLD, a.pos[0], a.pos[1], &o, &rep);
  if (!rank0()) return rc == DCKPT_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
  if (rc != DCKPT_OK) {
    cli_error("unpack", "%s (%s)", rep.message, dckpt_err_name(rc));
    return CLI_EXIT_FAIL;
  }
  if (!a.quiet) {
    char b[32];
    cli_format_bytes(rep.bytes, b, sizeof b);
    printf("unpacked %s into %s: %" PRId64 " trial directories, %" PRIu64
           " files, %s in %.2f s\n",
           a.pos[0], a.pos[1], rep.n_trials, rep.n_files, b, rep.seconds);
  }
  return CLI_EXIT_OK;
}

static int run_unpack(int argc, char **argv) {
  return with_mpi(argc, argv, unpack_body);
}
#else
static int run_unpack(int argc, char **argv) {
  (void)argc, (void)argv;
  return cli_handoff("unpack", CLI_EXIT_FAIL);
}
#endif

const cli_command cli_cmd_unpack = {
    "unpack", "rebuild a directory from an HDF5 container (under mpirun: in parallel)",
    unpack_help, run_unpack};
