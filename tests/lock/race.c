/* Lock races: many processes try to take the same run directory at once, on a
 * fresh directory or on a stale lock (its holder killed with SIGKILL), and
 * exactly one may proceed. Each winner records itself while it holds the lock
 * and then waits until every contender has finished trying (a file barrier),
 * so two owners at once are always seen; every loser must be refused with
 * DCKPT_ELOCKED and a message naming the winner (host, pid, job id).
 *
 *   race [--races N] [--seed S] [--max K] [--work DIR]
 *        [--mpiexec PATH --campaign PATH [--np-max P]] [--fresh-only | --stale-only]
 *
 * Without --campaign the contenders are forked processes that open the store
 * (dckpt_store_open); with it, each contender is `mpiexec -n P campaign ...`,
 * a real MPI run of tests/mpi/campaign.c whose rank 0 takes the lock. Races
 * have 2..K contenders (K at most 8); --fresh-only leaves out the stale-lock
 * races (for a file system without fcntl locks, where a stale lock is only
 * taken by a break); --stale-only races only for stale locks. DCKPT_LOCK_RACES and
 * DCKPT_LOCK_SEED in the environment override --races and --seed (a long run, a replay).
 * Exit 0 when every race had exactly one owner and every loser named it. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dckpt.h"
#include "race_util.h"

#define MAX_CONTENDERS 8

typedef struct config {
  long races;
  uint64_t seed;
  int max;
  const char *work;
  const char *mpiexec, *campaign;
  int np_max;
  bool fresh_only, stale_only;
} config;

typedef enum race_kind {
  FRESH_MISSING,
  FRESH_EMPTY,
  STALE_REAPED,
  STALE_ZOMBIE
} race_kind;
static const char *const kind_names[] = {
    "fresh (no directory)", "fresh (empty directory)", "stale (holder killed)",
    "stale (holder killed, not reaped)"};

typedef struct tally {
  long races, contenders, double_owners, no_owner, bad_refusals, failures;
} tally;

static uint64_t rng_state;
static uint64_t next_rand(void) {
  return splitmix64(&rng_state);
}

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "race: ");
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(2);
}

static void touch(const char *dir, const char *name, int id, const char *text) {
  char *p = fmt("%s/%s.%d", dir, name, id);
  int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd >= 0) {
    if (text && write(fd, text, strlen(text)) < 0) perror(p);
    close(fd);
  }
  free(p);
}

static char *slurp(const char *dir, const char *name, int id) {
  char *p = fmt("%s/%s.%d", dir, name, id);
  char *text = read_text(p);
  free(p);
  return text;
}

/* The barrier: a winner waits until all n contenders have finished trying. */
static int wait_all_tried(const char *race_dir, int n) {
  for (long i = 0; i < 120000; i++) {
    if (count_prefix(race_dir, "tried.") >= n) return 0;
    usleep(1000);
  }
  return -1;
}

static void spin(uint64_t iterations) {
  volatile uint64_t x = 0;
  for (uint64_t i = 0; i < iterations; i++)
    x += i;
}

/* A forked contender: waits for the start gun (EOF on `gun`), then opens the
 * store as run job "c<id>". */
static void contend(const char *run_dir, const char *race_dir, int id, int n, int gun,
                    uint64_t jitter) {
  char one;
  while (read(gun, &one, 1) < 0 && errno == EINTR) {
  }
  spin(jitter);
  dckpt_store_options o;
  dckpt_store_options_init(&o);
  char job[32];
  snprintf(job, sizeof job, "c%d", id);
  o.job_id = job;
  dckpt_store *s = NULL;
  int rc = dckpt_store_open(run_dir, &o, &s);
  if (rc == DCKPT_OK) {
    char pid[32];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    touch(race_dir, "owner", id, pid);
    touch(race_dir, "tried", id, NULL);
    int brc = wait_all_tried(race_dir, n);
    dckpt_store_close(s);
    _exit(brc == 0 ? 0 : 9);
  }
  char *msg = fmt("%s: %s", dckpt_err_name(rc), dckpt_store_errmsg(s));
  touch(race_dir, "refused", id, msg);
  touch(race_dir, "tried", id, NULL);
  dckpt_store_close(s);
  _exit(rc == DCKPT_ELOCKED ? 1 : 3);
}

/* A holder that takes the lock, says so through `ready`, and waits to die. */
static pid_t start_holder(const char *run_dir) {
  int p[2];
  if (pipe(p) != 0) die("pipe: %s", strerror(errno));
  pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    dckpt_store_options o;
    dckpt_store_options_init(&o);
    o.job_id = "stale-holder";
    dckpt_store *s = NULL;
    if (dckpt_store_open(run_dir, &o, &s) != DCKPT_OK) _exit(4);
    if (write(p[1], "x", 1) != 1) _exit(5);
    for (;;)
      pause();
  }
  close(p[1]);
  char c;
  if (read(p[0], &c, 1) != 1) die("the holder could not take the lock");
  close(p[0]);
  return pid;
}

/* Starts contender `id` as an MPI run of the campaign program. */
static pid_t spawn_mpi(const config *cfg, const char *run_dir, const char *race_dir,
                       int id, int n, int np) {
  char *race = fmt("%s:%d:%d", race_dir, n, id), *job = fmt("c%d", id);
  char nps[16];
  snprintf(nps, sizeof nps, "%d", np);
  pid_t pid = fork();
  if (pid == 0) {
    char *log = fmt("%s/log.%d", race_dir, id);
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) dup2(fd, 1), dup2(fd, 2);
    execl(cfg->mpiexec, cfg->mpiexec, "-n", nps, cfg->campaign, run_dir, "--race", race,
          "--job-id", job, "--trials", "1", "--iters", "3,3,3", "--no-fsync", "--quiet",
          (char *)NULL);
    _exit(127);
  }
  free(race);
  free(job);
  return pid;
}

/* Checks one race's outcome; returns the number of problems. */
static int judge(const char *race_dir, int n, const pid_t *pids, const int *codes,
                 tally *t, const char *label) {
  int owners = 0, winner = -1, problems = 0;
  for (int i = 0; i < n; i++) {
    char *o = slurp(race_dir, "owner", i);
    if (o) owners++, winner = i;
    free(o);
  }
  if (owners > 1) t->double_owners++, problems++;
  if (owners == 0) t->no_owner++, problems++;
  if (owners != 1) fprintf(stderr, "%s: %d owners\n", label, owners);
  char host[256] = "";
  gethostname(host, sizeof host - 1);
  char *wpid = winner >= 0 ? slurp(race_dir, "owner", winner) : NULL;
  for (int i = 0; i < n && owners == 1; i++) {
    if (i == winner) continue;
    char *msg = slurp(race_dir, "refused", i);
    char *want_job = fmt("job 'c%d'", winner), *want_pid = fmt("pid %s ", wpid);
    bool named = msg && strstr(msg, "ELOCKED") && strstr(msg, want_job) &&
                 strstr(msg, want_pid) && strstr(msg, host);
    if (!named) {
      t->bad_refusals++, problems++;
      fprintf(stderr,
              "%s: contender %d (pid %d, exit %d) was not refused naming the "
              "winner c%d (pid %s): %s\n",
              label, i, (int)pids[i], codes[i], winner, wpid ? wpid : "?",
              msg ? msg : "(no message)");
    }
    free(msg);
    free(want_job);
    free(want_pid);
  }
  free(wpid);
  for (int i = 0; i < n; i++)
    if (codes[i] != 0 && codes[i] != 1) {
      t->failures++, problems++;
      char *msg = slurp(race_dir, "refused", i);
      fprintf(stderr, "%s: contender %d exited %d: %s\n", label, i, codes[i],
              msg ? msg : "(no message)");
      free(msg);
    }
  return problems;
}

static int exit_code(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Waits for the contenders. One that ended has finished trying, whatever it
 * wrote (so a crashed one cannot hold a winner at the barrier). MPI runs
 * start at their own pace: they are let go together once each is ready (or
 * one has already ended). */
static void reap(const char *race_dir, int n, const pid_t *pids, int *codes, bool gun) {
  bool done[MAX_CONTENDERS] = {false};
  int left = n;
  while (left > 0) {
    if (gun && (count_prefix(race_dir, "ready.") >= n || left < n)) {
      touch(race_dir, "go", 0, NULL);
      gun = false;
    }
    for (int i = 0; i < n; i++) {
      int status = 0;
      if (done[i] || waitpid(pids[i], &status, WNOHANG) != pids[i]) continue;
      done[i] = true;
      left--;
      codes[i] = exit_code(status);
      touch(race_dir, "tried", i, NULL);
    }
    if (left > 0) usleep(1000);
  }
}

/* One race: sets up the directory, starts n contenders at once, waits. */
static int race(const config *cfg, long r, tally *t) {
  int n = 2 + (int)(next_rand() % (uint64_t)(cfg->max - 1));
  race_kind kind = (race_kind)(next_rand() % (cfg->fresh_only ? 2 : 4));
  if (cfg->stale_only) kind = (race_kind)(STALE_REAPED + kind % 2);
  char *race_dir = fmt("%s/race%ld", cfg->work, r), *run_dir = fmt("%s/run", race_dir);
  char *label = fmt("race %ld (%d contenders, %s)", r, n, kind_names[kind]);
  if (mkdir(race_dir, 0755) != 0) die("mkdir %s: %s", race_dir, strerror(errno));
  if (kind != FRESH_MISSING) mkdir(run_dir, 0755);
  pid_t holder = 0;
  if (kind == STALE_REAPED || kind == STALE_ZOMBIE) {
    holder = start_holder(run_dir);
    kill(holder, SIGKILL);
    if (kind == STALE_REAPED) waitpid(holder, NULL, 0);
  }
  pid_t pids[MAX_CONTENDERS];
  int codes[MAX_CONTENDERS];
  if (cfg->campaign) {
    for (int i = 0; i < n; i++)
      pids[i] = spawn_mpi(cfg, run_dir, race_dir, i, n,
                          1 + (int)(next_rand() % (uint64_t)cfg->np_max));
  } else {
    int gun[2];
    if (pipe(gun) != 0) die("pipe: %s", strerror(errno));
    for (int i = 0; i < n; i++) {
      uint64_t jitter = next_rand() % 20000;
      pids[i] = fork();
      if (pids[i] == 0) {
        close(gun[1]);
        contend(run_dir, race_dir, i, n, gun[0], jitter);
      }
    }
    close(gun[0]);
    close(gun[1]); /* everyone starts now */
  }
  reap(race_dir, n, pids, codes, cfg->campaign != NULL);
  if (kind == STALE_ZOMBIE) waitpid(holder, NULL, 0);
  int problems = judge(race_dir, n, pids, codes, t, label);
  if (problems == 0 && access(run_dir, F_OK) == 0) {
    char *lock = fmt("%s/%s", run_dir, DCKPT_LOCK_FILE);
    if (access(lock, F_OK) == 0) {
      fprintf(stderr, "%s: the winner left its lock behind\n", label);
      problems++;
      t->failures++;
    }
    free(lock);
  }
  t->races++;
  t->contenders += n;
  if (problems == 0) {
    char *cmd = fmt("rm -rf '%s'", race_dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", race_dir);
    free(cmd);
  } else {
    fprintf(stderr, "%s: kept in %s\n", label, race_dir);
  }
  free(race_dir);
  free(run_dir);
  free(label);
  return problems;
}

static void parse(int argc, char **argv, config *cfg) {
  *cfg = (config){.races = 200, .max = MAX_CONTENDERS, .np_max = 2};
  cfg->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16);
  for (int i = 1; i < argc; i++) {
    const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(k, "--fresh-only") || !strcmp(k, "--stale-only")) {
      cfg->fresh_only = cfg->fresh_only || !strcmp(k, "--fresh-only");
      cfg->stale_only = cfg->stale_only || !strcmp(k, "--stale-only");
      continue;
    }
    if (!v) die("%s needs a value", k);
    if (!strcmp(k, "--races"))
      cfg->races = atol(v);
    else if (!strcmp(k, "--seed"))
      cfg->seed = strtoull(v, NULL, 0);
    else if (!strcmp(k, "--max"))
      cfg->max = atoi(v);
    else if (!strcmp(k, "--work"))
      cfg->work = v;
    else if (!strcmp(k, "--mpiexec"))
      cfg->mpiexec = v;
    else if (!strcmp(k, "--campaign"))
      cfg->campaign = v;
    else if (!strcmp(k, "--np-max"))
      cfg->np_max = atoi(v);
    else
      die("unknown option %s", k);
    i++;
  }
  const char *env = getenv("DCKPT_LOCK_RACES");
  if (env && *env) cfg->races = atol(env);
  env = getenv("DCKPT_LOCK_SEED");
  if (env && *env) cfg->seed = strtoull(env, NULL, 0);
  if (!cfg->work) die("--work DIR is required");
  if (cfg->max < 2 || cfg->max > MAX_CONTENDERS)
    die("--max must be 2..%d", MAX_CONTENDERS);
  if (cfg->campaign && !cfg->mpiexec) die("--campaign needs --mpiexec");
  if (cfg->np_max < 1) die("--np-max must be >= 1");
  if (cfg->fresh_only && cfg->stale_only) die("--fresh-only or --stale-only, not both");
}

int main(int argc, char **argv) {
  config cfg;
  parse(argc, argv, &cfg);
  rng_state = cfg.seed;
  char *cmd = fmt("rm -rf '%s' && mkdir -p '%s'", cfg.work, cfg.work);
  if (system(cmd) != 0) die("cannot prepare %s", cfg.work);
  free(cmd);
  printf("race: seed %llu (replay: DCKPT_LOCK_SEED=%llu), %ld races of 2..%d %s\n",
         (unsigned long long)cfg.seed, (unsigned long long)cfg.seed, cfg.races, cfg.max,
         cfg.campaign ? "MPI runs of the campaign" : "processes");
  fflush(stdout);
  tally t = {0};
  for (long r = 0; r < cfg.races; r++)
    race(&cfg, r, &t);
  printf("race: %ld races, %ld contenders: %ld double owners, %ld without owner, "
         "%ld refusals not naming the winner, %ld other failures\n",
         t.races, t.contenders, t.double_owners, t.no_owner, t.bad_refusals, t.failures);
  bool ok =
      t.double_owners == 0 && t.no_owner == 0 && t.bad_refusals == 0 && t.failures == 0;
  if (!ok) printf("race: FAILED (seed %llu)\n", (unsigned long long)cfg.seed);
  return ok ? 0 : 1;
}
