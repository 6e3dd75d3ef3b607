/* The Python ancestor (perf/baselines/ancestor_baseline.py), run for each size right
 * after dckpt's measurements of that size, so that both see the same machine
 * state; its CSV rows join the size's results. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_store.h"
#include "bench_util.h"

/* Reads all of fd into a NUL-terminated string (caller frees). */
static char *read_all(int fd) {
  size_t cap = 1 << 16, len = 0;
  char *out = bench_xmalloc(cap);
  for (;;) {
    if (len + 1 >= cap) {
      cap *= 2;
      char *n = realloc(out, cap);
      if (!n) bench_die("out of memory");
      out = n;
    }
    ssize_t r = read(fd, out + len, cap - len - 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    len += (size_t)r;
  }
  out[len] = '\0';
  return out;
}

/* Runs argv, returns its stdout; dies unless it exits 0. */
static char *run_capture(char *const argv[]) {
  int pfd[2];
  if (pipe(pfd) != 0) bench_die("pipe: %s", strerror(errno));
  pid_t pid = fork();
  if (pid < 0) bench_die("fork: %s", strerror(errno));
  if (pid == 0) {
    dup2(pfd[1], STDOUT_FILENO);
    close(pfd[0]);
    close(pfd[1]);
    execv(argv[0], argv);
    fprintf(stderr, "bench_store: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  close(pfd[1]);
  char *out = read_all(pfd[0]);
  close(pfd[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    bench_die("ancestor baseline (%s %s) failed with status %d", argv[0], argv[1],
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

/* CSV columns: impl,size_bytes,measure,reps,median_s,min_s,file_bytes.
 * Returns the number of rows taken into r. */
static int parse_rows(char *out, size_result *r) {
  int rows = 0;
  for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
    char impl[32], measure[32];
    unsigned long long size = 0, file = 0;
    int n = 0;
    double med = 0, mn = 0;
    if (strncmp(line, "impl,", 5) == 0) continue;
    if (sscanf(line, "%31[^,],%llu,%31[^,],%d,%lf,%lf,%llu", impl, &size, measure, &n,
               &med, &mn, &file) != 7)
      bench_die("ancestor baseline: cannot parse CSV line '%s'", line);
    int m = ancestor_method(measure);
    if (m < 0 || size != r->state_bytes) continue;
    r->m[m] = (stat_cell){true, n, med, mn};
    if (file) r->anc_file = file;
    rows++;
  }
  return rows;
}

void run_ancestor(const options *o, const char *run_dir, bool cold, size_t idx,
                  size_result *res) {
  char sizes[24], reps[16], reps_large[16], seed[24];
  snprintf(sizes, sizeof sizes, "%llu", (unsigned long long)o->sizes[idx]);
  snprintf(reps, sizeof reps, "%d", o->reps);
  snprintf(reps_large, sizeof reps_large, "%d", o->reps_large);
  /* the same seed as bench_size() uses for this size */
  snprintf(seed, sizeof seed, "%llu", (unsigned long long)(o->seed + idx));
  char *adir = bench_path_join(run_dir, "ancestor");
  char *argv[] = {(char *)o->python,
                  (char *)o->ancestor,
                  "--dir",
                  adir,
                  "--sizes",
                  sizes,
                  "--reps",
                  reps,
                  "--reps-large",
                  reps_large,
                  "--seed",
                  seed,
                  "--fsync",
                  "both",
                  "--format",
                  "csv",
                  cold ? "--drop-caches" : NULL,
                  NULL};
  fprintf(stderr, "bench_store: running the ancestor baseline: %s %s --sizes %s ...\n",
          o->python, o->ancestor, sizes);
  char *out = run_capture(argv);
  if (parse_rows(out, &res[idx]) == 0)
    bench_die("ancestor baseline printed no measurements");
  free(out);
  free(adir);
}
