#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

const char *tu_scratch(const char *tag) {
  static char buf[1024];
  snprintf(buf, sizeof buf, "%s/%s-%ld", DCKPT_TEST_TMP, tag, (long)getpid());
  tu_rmrf(buf);
  return buf;
}

void tu_rmrf(const char *path) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
  if (system(cmd) != 0) CHECK_FAIL_("cannot remove %s", path);
}

void tu_write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (!f) CHECK_FAIL_("cannot write %s", path);
  fputs(text, f);
  fclose(f);
}

char *tu_read_text(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  CHECK(buf != NULL);
  size_t got = fread(buf, 1, (size_t)n, f);
  fclose(f);
  buf[got] = '\0';
  if (len) *len = got;
  return buf;
}

bool tu_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

const char *tu_at(const char *dir, const char *rel) {
  static char buf[4][2048];
  static unsigned next;
  char *p = buf[next++ % 4];
  snprintf(p, sizeof buf[0], "%s/%s", dir, rel);
  return p;
}

/* splitmix64: a tiny deterministic generator for test data. */
static uint64_t mix(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static void fill(uint64_t seed, int64_t iteration, uint64_t n, double *x,
                 uint64_t rng[4]) {
  uint64_t s = seed * 1000003u + (uint64_t)iteration;
  for (uint64_t i = 0; i < n; i++)
    x[i] = (double)i * 1e-3 + (double)(mix(&s) >> 11) * 0x1.0p-53 * 1e-3;
  for (int k = 0; k < 4; k++)
    rng[k] = mix(&s);
}

dckpt_record *tu_state(uint64_t seed, int64_t iteration, uint64_t n) {
  double *x = malloc((n + 1) * sizeof *x);
  uint64_t rng[4];
  CHECK(x != NULL);
  fill(seed, iteration, n, x, rng);
  dckpt_record *r = dckpt_record_create();
  CHECK(r != NULL);
  CHECK_OK(dckpt_record_put_f64(r, "x", x, n));
  CHECK_OK(dckpt_record_put_u64(r, "rng", rng, 4));
  CHECK_OK(dckpt_record_put(r, "iteration", DCKPT_I64, 0, NULL, &iteration));
  free(x);
  return r;
}

bool tu_state_equal(const dckpt_record *rec, uint64_t seed, int64_t iteration,
                    uint64_t n) {
  double *want = malloc((n + 1) * sizeof *want), *got = malloc((n + 1) * sizeof *got);
  uint64_t rng[4], grng[4];
  int64_t it = -1;
  CHECK(want && got);
  fill(seed, iteration, n, want, rng);
  bool ok = dckpt_record_get(rec, "x", DCKPT_F64, got, n) == DCKPT_OK &&
            dckpt_record_get(rec, "rng", DCKPT_U64, grng, 4) == DCKPT_OK &&
            dckpt_record_get(rec, "iteration", DCKPT_I64, &it, 1) == DCKPT_OK &&
            memcmp(want, got, n * sizeof *got) == 0 &&
            memcmp(rng, grng, sizeof rng) == 0 && it == iteration;
  free(want);
  free(got);
  return ok;
}

void tu_log_fn(void *ctx, dckpt_log_level level, const char *msg) {
  tu_log *log = ctx;
  if (level >= DCKPT_LOG_WARN) log->warnings++;
  size_t used = strlen(log->text);
  snprintf(log->text + used, sizeof log->text - used, "[%s] %s\n",
           dckpt_log_level_name(level), msg);
}

dckpt_store_options tu_options(tu_log *log) {
  dckpt_store_options o;
  dckpt_store_options_init(&o);
  if (log) {
    memset(log, 0, sizeof *log);
    o.log = tu_log_fn;
    o.log_ctx = log;
    o.log_level = DCKPT_LOG_DEBUG;
  }
  return o;
}

dckpt_store *tu_open(const char *dir, const dckpt_store_options *opts) {
  dckpt_store *s = NULL;
  int rc = dckpt_store_open(dir, opts, &s);
  if (rc != DCKPT_OK)
    CHECK_FAIL_("open %s: %s: %s", dir, dckpt_err_name(rc), dckpt_store_errmsg(s));
  return s;
}

dckpt_metadata tu_plan(int64_t n_trials) {
  static dckpt_algorithm_info algs[2] = {{.name = "dgd", .iterations = 10},
                                         {.name = "extra", .iterations = 20}};
  dckpt_metadata m;
  memset(&m, 0, sizeof m);
  m.n_trials = n_trials;
  m.n_algorithms = 2;
  m.algorithms = algs;
  m.benchmark_metadata = (char *)"{\"problem\":\"least_squares\",\"agents\":8}";
  m.has_seed = true;
  m.rng_seed = 42;
  return m;
}

bool tu_latest_is(dckpt_store *s, int64_t a, int64_t t, int64_t iteration, uint64_t seed,
                  uint64_t n) {
  dckpt_record *r = NULL;
  int64_t it = -1;
  int rc = dckpt_store_load_latest(s, a, t, &r, &it);
  bool ok =
      rc == DCKPT_OK && it == iteration && r && tu_state_equal(r, seed, iteration, n);
  if (!ok)
    fprintf(stderr,
            "algorithm %lld trial %lld: wanted iteration %lld, loaded %lld (%s%s)\n",
            (long long)a, (long long)t, (long long)iteration, (long long)it,
            dckpt_err_name(rc), rc == DCKPT_OK && it == iteration ? ", other state" : "");
  dckpt_record_free(r);
  return ok;
}

dckpt_store *tu_new_run(const char *dir, const dckpt_store_options *opts,
                        int64_t n_trials) {
  dckpt_store *s = tu_open(dir, opts);
  dckpt_metadata plan = tu_plan(n_trials);
  CHECK_OK(dckpt_store_initialize(s, &plan, NULL, NULL));
  return s;
}

tu_child tu_spawn(const char *const *argv) {
  int fds[2];
  CHECK_EQ(pipe(fds), 0);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    execv(argv[0], (char *const *)argv);
    _exit(127);
  }
  close(fds[1]);
  tu_child c = {.pid = pid, .out = fdopen(fds[0], "r")};
  CHECK(c.out != NULL);
  return c;
}

int tu_child_end(tu_child *c, bool *killed) {
  fclose(c->out);
  int status = 0;
  CHECK_EQ(waitpid(c->pid, &status, 0), c->pid);
  *killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
