/* bench_container: what the HDF5 container costs and saves (docs/performance.md,
 * "Container"). Run under mpirun; every timed operation is collective and
 * timed from a barrier to the slowest rank.
 *
 *   mpirun -np N bench_container --work DIR [options]
 *
 * On a synthetic campaign (made once under DIR/campaign, reused while its
 * parameters match) it times, interleaved in every repetition:
 *   pack        dckpt_container_pack of the campaign (reads, decodes and
 *               checks every record, writes the file, fsync, rename);
 *   raw         MPI_File_write_at_all of as many bytes as the pack's arrays
 *               and texts, from memory, then MPI_File_sync: the bandwidth
 *               ceiling of one shared file;
 *   raw+read    every rank reads its share of the campaign's files and writes
 *               their bytes with MPI_File_write_at_all, then MPI_File_sync: a
 *               container without compression, index or checks (as tar);
 *   store       the directory store writing the same records again (each
 *               rank saves its trials' checkpoints and markers through
 *               dckpt_store_save / mark_complete, durable as a run);
 * then sizes (container against the directory: bytes and blocks), files on
 * disk, and rank 0 reading single trials in place (open + load of a random
 * trial's final record, cold and warm, through dckpt_container_load_record and
 * through the store view, dckpt_store_load_final_state). --layout N instead compares N
 * arrays written pooled in one dataset against one dataset per array. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_container.h"
#include "bench_util.h"

static int rank_, size_;

static void usage(void) {
  fputs("usage: mpirun -np N bench_container --work DIR [--algs A] [--trials T]\n"
        "         [--state BYTES] [--ckpts K] [--reps R] [--level L] [--chunk BYTES]\n"
        "         [--buffer BYTES]\n"
        "         [--reads N] [--cold-reads N] [--no-fsync] [--drop-caches]\n"
        "         [--skip WHAT,...] [--csv FILE] | --layout N_ARRAYS\n"
        "WHAT: pack, raw, rawread, store, reads\n",
        stderr);
}

static uint64_t parse_size(const char *s) {
  char *end = NULL;
  double v = strtod(s, &end);
  if (end && (*end == 'K' || *end == 'k')) v *= 1024;
  if (end && (*end == 'M' || *end == 'm')) v *= 1024 * 1024;
  if (end && (*end == 'G' || *end == 'g')) v *= 1024.0 * 1024 * 1024;
  return (uint64_t)v;
}

static int parse(int argc, char **argv, bc_opts *o) {
  static const struct option long_opts[] = {
      {"work", 1, 0, 'w'},        {"algs", 1, 0, 'a'},       {"trials", 1, 0, 't'},
      {"state", 1, 0, 's'},       {"ckpts", 1, 0, 'k'},      {"reps", 1, 0, 'r'},
      {"level", 1, 0, 'l'},       {"chunk", 1, 0, 'c'},      {"buffer", 1, 0, 'b'},
      {"reads", 1, 0, 'R'},       {"cold-reads", 1, 0, 'C'}, {"no-fsync", 0, 0, 'n'},
      {"drop-caches", 0, 0, 'd'}, {"skip", 1, 0, 'S'},       {"csv", 1, 0, 'v'},
      {"layout", 1, 0, 'L'},      {"help", 0, 0, 'h'},       {0, 0, 0, 0}};
  *o = (bc_opts){.algs = 10,
                 .trials = 20,
                 .state = 64 << 10,
                 .ckpts = 3,
                 .reps = 5,
                 .level = 1,
                 .chunk = 256 << 10,
                 .reads = 200,
                 .cold_reads = 20,
                 .fsync = true};
  int c;
  while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
    switch (c) {
    case 'w': o->work = optarg; break;
    case 'a': o->algs = atoll(optarg); break;
    case 't': o->trials = atoll(optarg); break;
    case 's': o->state = parse_size(optarg); break;
    case 'k': o->ckpts = atoi(optarg); break;
    case 'r': o->reps = atoi(optarg); break;
    case 'l': o->level = atoi(optarg); break;
    case 'c': o->chunk = parse_size(optarg); break;
    case 'b': o->buffer = parse_size(optarg); break;
    case 'R': o->reads = atoi(optarg); break;
    case 'C': o->cold_reads = atoi(optarg); break;
    case 'n': o->fsync = false; break;
    case 'd': o->drop_caches = true; break;
    case 'S': o->skip = optarg; break;
    case 'v': o->csv = optarg; break;
    case 'L': o->layout = atoll(optarg); break;
    default: return -1;
    }
  }
  return o->work && o->algs > 0 && o->trials > 0 && o->ckpts > 0 && o->reps > 0 ? 0 : -1;
}

bool bc_skip(const bc_opts *o, const char *what) {
  if (!o->skip) return false;
  const char *p = strstr(o->skip, what);
  size_t n = strlen(what);
  return p && (p == o->skip || p[-1] == ',') && (p[n] == '\0' || p[n] == ',');
}

int bc_rank(void) {
  return rank_;
}
int bc_size(void) {
  return size_;
}

void bc_drop_caches(const bc_opts *o) {
  MPI_Barrier(MPI_COMM_WORLD);
  if (o->drop_caches && rank_ == 0) {
    sync();
    int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
    if (fd < 0 || write(fd, "3\n", 2) != 2)
      fprintf(stderr, "bench_container: cannot drop caches (root needed): %s\n",
              strerror(errno));
    if (fd >= 0) close(fd);
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

double bc_time_max(double t0) {
  double mine = bench_now() - t0, all = 0;
  MPI_Allreduce(&mine, &all, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return all;
}

static void print_row(FILE *f, const char *what, const double *v, int n, uint64_t bytes) {
  double med = bench_median(v, (size_t)n), lo = v[0], hi = v[0];
  for (int i = 1; i < n; i++) {
    lo = v[i] < lo ? v[i] : lo;
    hi = v[i] > hi ? v[i] : hi;
  }
  fprintf(f, "%-10s %9.3f s  (%.3f .. %.3f)  %9.1f MiB/s\n", what, med, lo, hi,
          (double)bytes / 1048576.0 / med);
}

static void report_times(const bc_opts *o, bc_result *res) {
  if (rank_ != 0) return;
  printf(
      "\n%d rank(s), %lld x %lld trials, %d checkpoint(s) of %llu bytes each, level %d, "
      "chunk %llu, buffer %llu, fsync %s; median (min .. max) of %d, MiB/s of the %llu "
      "raw bytes\n",
      size_, (long long)o->algs, (long long)o->trials, o->ckpts,
      (unsigned long long)o->state, o->level, (unsigned long long)o->chunk,
      (unsigned long long)o->buffer, o->fsync ? "on" : "off", o->reps,
      (unsigned long long)res->raw_bytes);
  const char *names[BC_N_OPS] = {"pack", "raw", "raw+read", "store"};
  for (int k = 0; k < BC_N_OPS; k++)
    if (res->n[k]) print_row(stdout, names[k], res->t[k], res->n[k], res->raw_bytes);
  if (res->n[BC_PACK] && res->n[BC_RAW])
    printf("pack / raw throughput: %.2f; pack / raw+read: %.2f; pack / store: %.2f\n",
           bench_median(res->t[BC_RAW], (size_t)res->n[BC_RAW]) /
               bench_median(res->t[BC_PACK], (size_t)res->n[BC_PACK]),
           res->n[BC_RAWREAD]
               ? bench_median(res->t[BC_RAWREAD], (size_t)res->n[BC_RAWREAD]) /
                     bench_median(res->t[BC_PACK], (size_t)res->n[BC_PACK])
               : NAN,
           res->n[BC_STORE] ? bench_median(res->t[BC_STORE], (size_t)res->n[BC_STORE]) /
                                  bench_median(res->t[BC_PACK], (size_t)res->n[BC_PACK])
                            : NAN);
  printf("sizes: container %llu bytes, directory %llu bytes in files (%llu in blocks): "
         "%.3fx of the bytes, %.3fx of the blocks; files: 1 against %llu\n",
         (unsigned long long)res->file_bytes, (unsigned long long)res->dir_bytes,
         (unsigned long long)res->dir_blocks,
         (double)res->file_bytes / (double)res->dir_bytes,
         (double)res->file_bytes / (double)res->dir_blocks,
         (unsigned long long)res->dir_files);
}

static void write_csv(const bc_opts *o, const bc_result *res) {
  if (!o->csv || rank_ != 0) return;
  FILE *f = fopen(o->csv, "a");
  if (!f) return;
  const char *names[BC_N_OPS] = {"pack", "raw", "raw+read", "store"};
  for (int k = 0; k < BC_N_OPS; k++)
    for (int i = 0; i < res->n[k]; i++)
      fprintf(f, "%d,%lld,%lld,%d,%llu,%d,%s,%d,%.6f,%llu,%llu,%llu\n", size_,
              (long long)o->algs, (long long)o->trials, o->ckpts,
              (unsigned long long)o->state, o->level, names[k], i, res->t[k][i],
              (unsigned long long)res->raw_bytes, (unsigned long long)res->file_bytes,
              (unsigned long long)res->dir_bytes);
  fclose(f);
}

int main(int argc, char **argv) {
#ifdef __GLIBC__
  /* as dckpt pack and dckpt-bench do (docs/design.md, "The HDF5 container") */
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  bc_opts o;
  if (parse(argc, argv, &o) != 0) {
    if (rank_ == 0) usage();
    MPI_Finalize();
    return 2;
  }
  mkdir(o.work, 0777);
  int rc = 0;
  if (o.layout) {
    rc = bc_layout(&o);
  } else {
    bc_result res;
    memset(&res, 0, sizeof res);
    rc = bc_make_campaign(&o);
    if (!rc) rc = bc_time_ops(&o, &res);
    if (!rc) bc_sizes(&o, &res);
    report_times(&o, &res);
    write_csv(&o, &res);
    if (!rc && !bc_skip(&o, "reads")) rc = bc_reads(&o, &res);
  }
  MPI_Finalize();
  return rc ? 1 : 0;
}
