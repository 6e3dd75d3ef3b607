/* bench_container: the campaign, the timed operations, sizes and reads. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_container.h"
#include "bench_util.h"
#include "dckpt_container.h"
#include "dckpt_experimental.h"

#define STEP 10 /* a checkpoint every 10 iterations */

static void path_of(char *buf, size_t len, const bc_opts *o, const char *name) {
  snprintf(buf, len, "%s/%s", o->work, name);
}

/* A trial's state after checkpoint c: x = sin(i 1e-3) + 1e-3 N(0, 1), as the
 * store benchmark, plus the RNG, the iteration and a metric history. */
static dckpt_record *state(const bc_opts *o, int64_t a, int64_t t, int c) {
  dckpt_record *r = dckpt_record_create();
  uint64_t n = o->state / 8, rows = (uint64_t)c + 1, hist_shape[2] = {rows, 7};
  double *x = malloc(n * sizeof *x + 8), *hist = malloc(rows * 7 * sizeof *hist);
  dckpt_rng g;
  dckpt_rng_seed(&g, dckpt_pair_seed(7, a, t) + (uint64_t)c);
  for (uint64_t i = 0; i < n; i++)
    x[i] = sin((double)i * 1e-3) + 1e-3 * dckpt_rng_normal(&g);
  for (uint64_t i = 0; i < rows * 7; i++)
    hist[i] = 1.0 / (double)(i + 1);
  int64_t it = (int64_t)c * STEP + STEP - 1;
  dckpt_record_put_f64(r, "x", x, n);
  dckpt_record_put_u64(r, "_dckpt_rng", g.s, 4);
  dckpt_record_put(r, "_dckpt_iteration", DCKPT_I64, 0, NULL, &it);
  dckpt_record_put(r, "_dckpt_metrics", DCKPT_F64, 2, hist_shape, hist);
  free(x);
  free(hist);
  return r;
}

static int save_trial(dckpt_store *s, const bc_opts *o, int64_t a, int64_t t) {
  int rc = DCKPT_OK;
  for (int c = 0; rc == DCKPT_OK && c < o->ckpts; c++) {
    dckpt_record *r = state(o, a, t, c);
    int64_t it = (int64_t)c * STEP + STEP - 1;
    rc = c + 1 < o->ckpts ? dckpt_store_save(s, a, t, it, r)
                          : dckpt_store_mark_complete(s, a, t, it, r);
    dckpt_record_free(r);
  }
  return rc;
}

/* Rank 0 initializes, then every rank writes its trials (round robin). */
static int write_campaign(const bc_opts *o, const char *dir, bool durable) {
  dckpt_store_options so;
  dckpt_store_options_init(&so);
  so.keep_n = o->ckpts;
  so.durability = durable ? DCKPT_DURABILITY_FULL : DCKPT_DURABILITY_NONE;
  so.flags = DCKPT_OPEN_WRITE | (bc_rank() ? DCKPT_OPEN_NO_LOCK : 0);
  int rc = DCKPT_OK;
  dckpt_store *s = NULL;
  if (bc_rank() == 0) {
    dckpt_algorithm_info *algs = calloc((size_t)o->algs, sizeof *algs);
    char(*names)[24] = calloc((size_t)o->algs, sizeof *names);
    for (int64_t a = 0; a < o->algs; a++) {
      snprintf(names[a], sizeof names[a], "alg%lld", (long long)a);
      algs[a] = (dckpt_algorithm_info){.name = names[a],
                                       .iterations = (int64_t)o->ckpts * STEP};
    }
    dckpt_metadata m = {.n_trials = o->trials,
                        .n_algorithms = (size_t)o->algs,
                        .algorithms = algs,
                        .has_seed = true,
                        .rng_seed = 7};
    rc = dckpt_store_open(dir, &so, &s);
    if (!rc) rc = dckpt_store_initialize(s, &m, NULL, NULL);
    free(algs);
    free(names);
  }
  MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (!rc && bc_rank() != 0) rc = dckpt_store_open(dir, &so, &s);
  for (int64_t i = bc_rank(); !rc && i < o->algs * o->trials; i += bc_size())
    rc = save_trial(s, o, i / o->trials, i % o->trials);
  if (rc) fprintf(stderr, "bench_container: %s\n", dckpt_store_errmsg(s));
  dckpt_store_close(s);
  int worst = 0;
  MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  return worst;
}

int bc_make_campaign(const bc_opts *o) {
  char dir[4200], marker[4200], want[200], have[200] = "";
  path_of(dir, sizeof dir, o, "campaign");
  path_of(marker, sizeof marker, o, "campaign.params");
  snprintf(want, sizeof want, "%lld %lld %llu %d\n", (long long)o->algs,
           (long long)o->trials, (unsigned long long)o->state, o->ckpts);
  FILE *f = fopen(marker, "r");
  if (f) {
    if (!fgets(have, sizeof have, f)) have[0] = '\0';
    fclose(f);
  }
  if (!strcmp(want, have)) return 0;
  if (bc_rank() == 0) {
    unlink(marker);
    bench_remove_tree(dir);
    printf("making the campaign %s: %s", dir, want);
    fflush(stdout);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  int rc = write_campaign(o, dir, false);
  if (!rc && bc_rank() == 0 && (f = fopen(marker, "w"))) {
    fputs(want, f);
    fclose(f);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  return rc;
}

/* ---- the timed operations ---- */

static int time_pack(const bc_opts *o, bc_result *res) {
  char dir[4200], file[4200];
  path_of(dir, sizeof dir, o, "campaign");
  path_of(file, sizeof file, o, "c.h5");
  dckpt_pack_options po;
  dckpt_pack_options_init(&po);
  po.level = o->level;
  po.chunk_bytes = o->chunk;
  if (o->buffer) po.buffer_bytes = o->buffer;
  po.durability = o->fsync ? DCKPT_DURABILITY_FULL : DCKPT_DURABILITY_NONE;
  dckpt_pack_report rep;
  /* a new file, as raw writes one: the last repetition's is removed before
   * the clock starts (replacing it freed its pages inside the pack's time) */
  if (bc_rank() == 0) unlink(file);
  MPI_Barrier(MPI_COMM_WORLD);
  bc_drop_caches(o);
  double t0 = bench_now();
  int rc = dckpt_container_pack(MPI_COMM_WORLD, dir, file, &po, &rep);
  double t = bc_time_max(t0);
  if (rc) {
    if (bc_rank() == 0) fprintf(stderr, "bench_container: pack: %s\n", rep.message);
    return rc;
  }
  res->t[BC_PACK][res->n[BC_PACK]++] = t;
  res->raw_bytes = rep.raw_bytes;
  res->file_bytes = rep.file_bytes;
  return 0;
}

/* Writes `len` bytes of this rank at `at` into `file` collectively, syncs. */
static int write_shared(const bc_opts *o, const char *file, const char *buf, uint64_t len,
                        uint64_t at) {
  MPI_File fh;
  if (MPI_File_open(MPI_COMM_WORLD, file, MPI_MODE_CREATE | MPI_MODE_WRONLY,
                    MPI_INFO_NULL, &fh) != MPI_SUCCESS)
    return -1;
  /* every rank takes part in every round, with whatever it has left */
  uint64_t piece = 1u << 30, mine = (len + piece - 1) / piece, rounds = 0;
  MPI_Allreduce(&mine, &rounds, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
  int rc = 0;
  for (uint64_t r = 0; r < rounds; r++) {
    uint64_t off = r * piece, n = off < len ? (len - off < piece ? len - off : piece) : 0;
    if (MPI_File_write_at_all(fh, (MPI_Offset)(at + off), buf + (n ? off : 0), (int)n,
                              MPI_BYTE, MPI_STATUS_IGNORE) != MPI_SUCCESS)
      rc = -1;
  }
  if (o->fsync && MPI_File_sync(fh) != MPI_SUCCESS) rc = -1;
  MPI_File_close(&fh);
  return rc;
}

static int time_raw(const bc_opts *o, bc_result *res) {
  char file[4200];
  path_of(file, sizeof file, o, "raw.bin");
  uint64_t total = res->raw_bytes, per = total / (uint64_t)bc_size();
  uint64_t len =
      bc_rank() + 1 == bc_size() ? total - per * (uint64_t)(bc_size() - 1) : per;
  char *buf = malloc(len + 1);
  if (!buf) return -1;
  for (uint64_t i = 0; i < len; i++)
    buf[i] = (char)(i * 2654435761u >> 13);
  if (bc_rank() == 0) unlink(file);
  bc_drop_caches(o);
  double t0 = bench_now();
  int rc = write_shared(o, file, buf, len, per * (uint64_t)bc_rank());
  double t = bc_time_max(t0);
  free(buf);
  if (bc_rank() == 0) unlink(file);
  if (!rc) res->t[BC_RAW][res->n[BC_RAW]++] = t;
  return rc;
}

/* Appends the bytes of every file under `dir` to *buf. */
static int read_tree(const char *dir, char **buf, uint64_t *len, uint64_t *cap) {
  DIR *d = opendir(dir);
  if (!d) return errno == ENOENT ? 0 : -1;
  struct dirent *de;
  int rc = 0;
  while (!rc && (de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.') continue;
    char path[4600];
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    struct stat st;
    if (stat(path, &st) != 0 || S_ISDIR(st.st_mode)) continue;
    if (*len + (uint64_t)st.st_size > *cap) {
      *cap = (*len + (uint64_t)st.st_size) * 2;
      char *p = realloc(*buf, *cap);
      if (!p) return -1;
      *buf = p;
    }
    int fd = open(path, O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, *buf + *len, (size_t)st.st_size) : -1;
    if (fd >= 0) close(fd);
    if (n != st.st_size) rc = -1;
    *len += (uint64_t)st.st_size;
  }
  closedir(d);
  return rc;
}

static int time_raw_read(const bc_opts *o, bc_result *res) {
  char dir[4200], file[4200], tdir[4400];
  path_of(dir, sizeof dir, o, "campaign");
  path_of(file, sizeof file, o, "rawread.bin");
  if (bc_rank() == 0) unlink(file);
  bc_drop_caches(o);
  double t0 = bench_now();
  char *buf = NULL;
  uint64_t len = 0, cap = 0, at = 0;
  int rc = bc_rank() == 0 ? read_tree(dir, &buf, &len, &cap) : 0;
  for (int64_t i = bc_rank(); !rc && i < o->algs * o->trials; i += bc_size()) {
    snprintf(tdir, sizeof tdir, "%s/algorithm_%lld/trial_%lld", dir,
             (long long)(i / o->trials), (long long)(i % o->trials));
    rc = read_tree(tdir, &buf, &len, &cap);
  }
  MPI_Exscan(&len, &at, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
  if (bc_rank() == 0) at = 0;
  if (!rc) rc = write_shared(o, file, buf ? buf : "", len, at);
  double t = bc_time_max(t0);
  free(buf);
  if (bc_rank() == 0) unlink(file);
  if (!rc) res->t[BC_RAWREAD][res->n[BC_RAWREAD]++] = t;
  return rc;
}

static int time_store(const bc_opts *o, bc_result *res) {
  char dir[4200];
  path_of(dir, sizeof dir, o, "store");
  if (bc_rank() == 0) bench_remove_tree(dir);
  bc_drop_caches(o);
  double t0 = bench_now();
  int rc = write_campaign(o, dir, o->fsync);
  double t = bc_time_max(t0);
  if (!rc) res->t[BC_STORE][res->n[BC_STORE]++] = t;
  MPI_Barrier(MPI_COMM_WORLD);
  if (bc_rank() == 0) bench_remove_tree(dir);
  return rc;
}

int bc_time_ops(const bc_opts *o, bc_result *res) {
  int rc = 0;
  for (int r = 0; !rc && r < o->reps && r < BC_MAX_REPS; r++) {
    if (!bc_skip(o, "pack") || r == 0) rc = time_pack(o, res); /* raw needs its size */
    if (!rc && !bc_skip(o, "raw")) rc = time_raw(o, res);
    if (!rc && !bc_skip(o, "rawread")) rc = time_raw_read(o, res);
    if (!rc && !bc_skip(o, "store")) rc = time_store(o, res);
    if (bc_rank() == 0) {
      printf("repetition %d done\n", r + 1);
      fflush(stdout);
    }
  }
  return rc;
}

/* ---- sizes ---- */

static void tree_sizes(const char *dir, uint64_t *bytes, uint64_t *blocks,
                       uint64_t *files) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
    char path[4600];
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    struct stat st;
    if (lstat(path, &st) != 0) continue;
    *blocks += (uint64_t)st.st_blocks * 512;
    if (S_ISDIR(st.st_mode)) {
      tree_sizes(path, bytes, blocks, files);
    } else if (S_ISREG(st.st_mode)) {
      *bytes += (uint64_t)st.st_size;
      (*files)++;
    }
  }
  closedir(d);
}

void bc_sizes(const bc_opts *o, bc_result *res) {
  char dir[4200];
  path_of(dir, sizeof dir, o, "campaign");
  if (bc_rank() == 0) tree_sizes(dir, &res->dir_bytes, &res->dir_blocks, &res->dir_files);
  MPI_Barrier(MPI_COMM_WORLD);
}

/* ---- reading single trials ---- */

static void drop_now(void) {
  sync();
  int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
  if (fd >= 0) {
    if (write(fd, "3\n", 2) != 2) perror("drop_caches");
    close(fd);
  }
}

typedef struct sample {
  double open, load;
} sample;

/* Opens the container (or not, when `c` is given) and loads trial i's final
 * record; -1 on failure. */
static int read_one(const bc_opts *o, const char *file, dckpt_container *c, int64_t i,
                    sample *s) {
  char path[200];
  snprintf(path, sizeof path, "algorithm_%lld/trial_%lld/checkpoint_%07lld.dckpt",
           (long long)(i / o->trials), (long long)(i % o->trials),
           (long long)(o->ckpts * STEP - 1));
  double t0 = bench_now();
  dckpt_container *own = NULL;
  if (!c && dckpt_container_open(file, &own) != DCKPT_OK) return -1;
  double t1 = bench_now();
  dckpt_record *r = NULL;
  int rc = dckpt_container_load_record(c ? c : own, path, &r, NULL);
  double t2 = bench_now();
  dckpt_record_free(r);
  dckpt_container_close(own);
  *s = (sample){t1 - t0, t2 - t1};
  return rc ? -1 : 0;
}

/* The same through the store view of the container (dckpt_container_open_store
 * unless `st` is given, then dckpt_store_load_final_state: complete.json names
 * the checkpoint, which is verified); -1 on failure. */
static int read_one_store(const bc_opts *o, const char *file, dckpt_store *st, int64_t i,
                          sample *s) {
  double t0 = bench_now();
  dckpt_store *own = NULL;
  if (!st) {
    dckpt_store_options so;
    dckpt_store_options_init(&so);
    so.flags = DCKPT_OPEN_READ;
    if (dckpt_container_open_store(file, &so, &own) != DCKPT_OK) {
      dckpt_store_close(own);
      return -1;
    }
  }
  double t1 = bench_now();
  dckpt_record *r = NULL;
  int rc = dckpt_store_load_final_state(st ? st : own, i / o->trials, i % o->trials, &r);
  double t2 = bench_now();
  dckpt_record_free(r);
  dckpt_store_close(own);
  *s = (sample){t1 - t0, t2 - t1};
  return rc ? -1 : 0;
}

static void print_samples(const char *what, sample *s, int n) {
  double *v = malloc(sizeof(double) * (size_t)n * 3 + 8), *o = v + n, *l = v + 2 * n;
  for (int i = 0; i < n; i++)
    v[i] = s[i].open + s[i].load, o[i] = s[i].open, l[i] = s[i].load;
  qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
  printf("%-34s %8.3f ms  (open %.3f, load %.3f; p90 %.3f, max %.3f) over %d\n", what,
         1e3 * bench_median(v, (size_t)n), 1e3 * bench_median(o, (size_t)n),
         1e3 * bench_median(l, (size_t)n), 1e3 * v[(size_t)(n * 9 / 10)], 1e3 * v[n - 1],
         n);
  free(v);
}

int bc_reads(const bc_opts *o, const bc_result *res) {
  (void)res;
  int rc = 0;
  if (bc_rank() == 0) {
    char file[4200];
    path_of(file, sizeof file, o, "c.h5");
    int n = o->reads > 0 ? o->reads : 1, nc = o->cold_reads;
    sample *s = calloc((size_t)(n + nc + 1), sizeof *s);
    uint64_t seed = 12345, pairs = (uint64_t)(o->algs * o->trials);
    dckpt_rng g;
    dckpt_rng_seed(&g, seed);
    printf("\nreading one trial's final record of %llu (seed %llu):\n",
           (unsigned long long)pairs, (unsigned long long)seed);
    for (int i = 0; !rc && i < nc; i++) {
      drop_now();
      rc = read_one(o, file, NULL, (int64_t)dckpt_rng_below(&g, pairs), &s[i]);
    }
    if (nc && !rc) print_samples("cold: open + load", s, nc);
    for (int i = 0; !rc && i < n; i++)
      rc = read_one(o, file, NULL, (int64_t)dckpt_rng_below(&g, pairs), &s[i]);
    if (!rc) print_samples("warm: open + load", s, n);
    dckpt_container *c = NULL;
    rc = rc ? rc : dckpt_container_open(file, &c);
    for (int i = 0; !rc && i < n; i++)
      rc = read_one(o, file, c, (int64_t)dckpt_rng_below(&g, pairs), &s[i]);
    if (!rc) print_samples("warm: load (container open)", s, n);
    dckpt_container_close(c);
    for (int i = 0; !rc && i < nc; i++) {
      drop_now();
      rc = read_one_store(o, file, NULL, (int64_t)dckpt_rng_below(&g, pairs), &s[i]);
    }
    if (nc && !rc) print_samples("store cold: open + final_state", s, nc);
    for (int i = 0; !rc && i < n; i++)
      rc = read_one_store(o, file, NULL, (int64_t)dckpt_rng_below(&g, pairs), &s[i]);
    if (!rc) print_samples("store warm: open + final_state", s, n);
    dckpt_store *st = NULL;
    if (!rc) {
      dckpt_store_options so;
      dckpt_store_options_init(&so);
      so.flags = DCKPT_OPEN_READ;
      rc = dckpt_container_open_store(file, &so, &st) ? -1 : 0;
    }
    for (int i = 0; !rc && i < n; i++)
      rc = read_one_store(o, file, st, (int64_t)dckpt_rng_below(&g, pairs), &s[i]);
    if (!rc) print_samples("store warm: final_state (open)", s, n);
    dckpt_store_close(st);
    free(s);
    if (rc) fprintf(stderr, "bench_container: reading a trial failed\n");
  }
  MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
  return rc;
}
