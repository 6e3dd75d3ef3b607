/* Lease races (io/lock.h, dckpt_lease_claim): many processes claim the same
 * lease at once, and at most one may hold it. Each race sets the lease up as
 * one of the cases below, starts 2..K claimants together (a pipe closed as the
 * start gun) and counts holders: a holder records itself, renews once and
 * waits (a file barrier) until every claimant has tried, so two holders at
 * once are always seen. Every refused claimant must get DCKPT_ELOCKED naming
 * the holder (host, pid, job id). Afterwards nothing may be left: no lease
 * file, no ticket, no private name.
 *
 *   lease_race [--races N] [--seed S] [--max K] --work DIR
 *
 * Prints its seed; DCKPT_LOCK_SEED and DCKPT_LOCK_RACES override --seed and
 * --races. Run as well with tests/lock/nolocks.c preloaded (no fcntl locks:
 * the tickets alone decide). Exit 0 when every race went right. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dckpt.h"
#include "io/lock.h"
#include "lease_jobs.h"
#include "race_util.h"

#define MAX_CLAIMANTS 8

typedef enum kind {
  FRESH,        /* no lease file */
  DEAD,         /* its holder on this host was killed (SIGKILL) */
  DEAD_ZOMBIE,  /* ... and not reaped yet */
  REMOTE_OLD,   /* a holder on another host whose renewal is an hour old */
  REMOTE_JOB,   /* a holder on another host whose job is gone */
  INTERRUPTED,  /* a dead holder, and a taker that died after its ticket */
  REMOTE_ALIVE, /* a holder on another host, renewed now, job running: kept */
  N_KINDS
} kind;
static const char *const kind_names[] = {
    "fresh",    "dead holder",           "dead holder (not reaped)", "renewal too old",
    "job gone", "interrupted take-over", "live remote holder"};

static const char *work;
static char host[256];
static long double_holders, no_holder, bad_refusals, leftovers, failures;

static uint64_t rng;
static uint64_t next_rand(void) {
  return splitmix64(&rng);
}

static void put(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
    perror(path);
    exit(2);
  }
  close(fd);
}

static void claim(const char *dir, const char *lease, int id, int n, int gun,
                  uint64_t jitter) {
  char one;
  while (read(gun, &one, 1) < 0 && errno == EINTR) {
  }
  for (volatile uint64_t i = 0; i < jitter; i++) {
  }
  char job[32];
  snprintf(job, sizeof job, "c%d", id);
  dckpt_lock l;
  dckpt_err e;
  dckpt_err_clear(&e);
  int rc = dckpt_lease_claim(&l, lease, job, 0, &policy, NULL, &e);
  char *mark = fmt("%s/%s.%d", dir, rc == DCKPT_OK ? "holder" : "refused", id);
  char *text = rc == DCKPT_OK ? fmt("%d", (int)getpid())
                              : fmt("%s: %s", dckpt_err_name(rc), e.msg);
  put(mark, text);
  int code = rc == DCKPT_OK ? 0 : rc == DCKPT_ELOCKED ? 1 : 3;
  if (rc == DCKPT_OK && dckpt_lease_renew(&l, &e) != DCKPT_OK) code = 4;
  char *tried = fmt("%s/tried.%d", dir, id);
  put(tried, "");
  if (rc == DCKPT_OK) {
    for (long i = 0; i < 120000 && count_prefix(dir, "tried.") < n; i++)
      usleep(1000);
    dckpt_lock_release(&l);
  }
  _exit(code);
}

/* A holder on this host that is killed with SIGKILL once it holds the lease. */
static pid_t dead_holder(const char *lease, bool reap) {
  int p[2];
  if (pipe(p) != 0) exit(2);
  pid_t pid = fork();
  if (pid == 0) {
    dckpt_lock l;
    dckpt_err e;
    if (dckpt_lease_claim(&l, lease, "victim", 0, &policy, NULL, &e) != DCKPT_OK)
      _exit(4);
    if (write(p[1], "x", 1) != 1) _exit(5);
    for (;;)
      pause();
  }
  char c;
  if (read(p[0], &c, 1) != 1) exit(2);
  close(p[0]);
  close(p[1]);
  kill(pid, SIGKILL);
  if (reap) waitpid(pid, NULL, 0);
  return reap ? 0 : pid;
}

static uint64_t fnv1a(const char *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)p[i]) * 0x100000001b3ull;
  return h;
}

/* A taker that died after publishing its ticket for the lease's content. */
static void dead_ticket(const char *lease) {
  pid_t dead = fork();
  if (dead == 0) _exit(0);
  waitpid(dead, NULL, 0);
  char *text = read_text(lease);
  struct stat st;
  if (!text || stat(lease, &st) != 0) exit(2);
  char *ticket = fmt("%s.take.%llx.%016llx", lease, (unsigned long long)st.st_ino,
                     (unsigned long long)fnv1a(text, strlen(text)));
  char *facts = fmt("{\"host\":\"%s\",\"pid\":%d,\"job_id\":\"taker\","
                    "\"started\":\"2026-01-01T00:00:00Z\"}\n",
                    host, (int)dead);
  put(ticket, facts);
  free(text);
  free(ticket);
  free(facts);
}

static void set_up(kind k, const char *lease, pid_t *zombie) {
  char now[32], old[32];
  time_t t = time(NULL), o = t - 3600;
  strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
  strftime(old, sizeof old, "%Y-%m-%dT%H:%M:%SZ", gmtime(&o));
  const char *remote = "{\"host\":\"far.away\",\"pid\":4242,\"job_id\":\"%s\","
                       "\"started\":\"%s\",\"renewed\":\"%s\"}\n";
  char *text = NULL;
  *zombie = 0;
  switch (k) {
  case DEAD: dead_holder(lease, true); break;
  case DEAD_ZOMBIE: *zombie = dead_holder(lease, false); break;
  case INTERRUPTED:
    dead_holder(lease, true);
    dead_ticket(lease);
    break;
  case REMOTE_OLD: text = fmt(remote, "running-1", old, old); break;
  case REMOTE_JOB: text = fmt(remote, "gone-7", now, now); break;
  case REMOTE_ALIVE: text = fmt(remote, "running-2", now, now); break;
  default: break;
  }
  if (text) put(lease, text);
  free(text);
}

/* Checks one race; returns the number of problems. */
static int judge(kind k, const char *dir, const char *lease, int n, const int *codes,
                 const char *label) {
  int holders = 0, winner = -1, problems = 0;
  for (int i = 0; i < n; i++) {
    char *p = fmt("%s/holder.%d", dir, i);
    if (access(p, F_OK) == 0) holders++, winner = i;
    free(p);
  }
  int want = k == REMOTE_ALIVE ? 0 : 1;
  if (holders > 1) double_holders++;
  if (holders < want) no_holder++;
  if (holders != want) {
    fprintf(stderr, "%s: %d holders\n", label, holders);
    problems++;
  }
  char *wpid = NULL;
  if (winner >= 0) {
    char *p = fmt("%s/holder.%d", dir, winner);
    wpid = read_text(p);
    free(p);
  }
  for (int i = 0; i < n && holders <= 1; i++) {
    if (i == winner) continue;
    char *p = fmt("%s/refused.%d", dir, i), *msg = read_text(p);
    char *job = winner >= 0 ? fmt("job 'c%d'", winner) : fmt("job 'running-2'");
    char *pid = winner >= 0 ? fmt("pid %s ", wpid) : fmt("pid 4242 ");
    const char *where = winner >= 0 ? host : "far.away";
    if (!(msg && strstr(msg, "ELOCKED") && strstr(msg, job) && strstr(msg, pid) &&
          strstr(msg, where))) {
      bad_refusals++, problems++;
      fprintf(stderr, "%s: claimant %d (exit %d) was not refused naming %s %s: %s\n",
              label, i, codes[i], job, pid, msg ? msg : "(no message)");
    }
    free(p), free(msg), free(job), free(pid);
  }
  free(wpid);
  for (int i = 0; i < n; i++)
    if (codes[i] != 0 && codes[i] != 1) {
      failures++, problems++;
      fprintf(stderr, "%s: claimant %d exited %d\n", label, i, codes[i]);
    }
  if (k != REMOTE_ALIVE && count_prefix(dir, "lease") != 0) {
    leftovers++, problems++;
    fprintf(stderr, "%s: the lease, a ticket or a private name was left behind\n", label);
  }
  (void)lease;
  return problems;
}

static int race(long r) {
  int n = 2 + (int)(next_rand() % (uint64_t)(MAX_CLAIMANTS - 1));
  kind k = (kind)(next_rand() % N_KINDS);
  char *dir = fmt("%s/race%ld", work, r), *lease = fmt("%s/lease", dir);
  char *label = fmt("race %ld (%d claimants, %s)", r, n, kind_names[k]);
  if (mkdir(dir, 0755) != 0) exit(2);
  pid_t zombie;
  set_up(k, lease, &zombie);
  int gun[2];
  if (pipe(gun) != 0) exit(2);
  pid_t pids[MAX_CLAIMANTS];
  for (int i = 0; i < n; i++) {
    uint64_t jitter = next_rand() % 20000;
    pids[i] = fork();
    if (pids[i] == 0) {
      close(gun[1]);
      claim(dir, lease, i, n, gun[0], jitter);
    }
  }
  close(gun[0]);
  close(gun[1]);
  int codes[MAX_CLAIMANTS];
  for (int i = 0; i < n; i++) {
    int st = 0;
    waitpid(pids[i], &st, 0);
    codes[i] = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }
  if (zombie) waitpid(zombie, NULL, 0);
  int problems = judge(k, dir, lease, n, codes, label);
  if (problems == 0) {
    char *cmd = fmt("rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
    free(cmd);
  } else {
    fprintf(stderr, "%s: kept in %s\n", label, dir);
  }
  free(dir), free(lease), free(label);
  return problems;
}

int main(int argc, char **argv) {
  long races = 200;
  uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16);
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--races"))
      races = atol(argv[i + 1]);
    else if (!strcmp(argv[i], "--seed"))
      seed = strtoull(argv[i + 1], NULL, 0);
    else if (!strcmp(argv[i], "--work"))
      work = argv[i + 1];
    else {
      fprintf(stderr, "lease_race: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  const char *env = getenv("DCKPT_LOCK_RACES");
  if (env && *env) races = atol(env);
  env = getenv("DCKPT_LOCK_SEED");
  if (env && *env) seed = strtoull(env, NULL, 0);
  if (!work) {
    fprintf(stderr, "lease_race: --work DIR is required\n");
    return 2;
  }
  gethostname(host, sizeof host - 1);
  rng = seed;
  char *cmd = fmt("rm -rf '%s' && mkdir -p '%s'", work, work);
  if (system(cmd) != 0) return 2;
  free(cmd);
  printf("lease_race: seed %llu (replay: DCKPT_LOCK_SEED=%llu), %ld races of 2..%d\n",
         (unsigned long long)seed, (unsigned long long)seed, races, MAX_CLAIMANTS);
  fflush(stdout);
  for (long r = 0; r < races; r++)
    race(r);
  printf("lease_race: %ld races: %ld double holders, %ld without holder, %ld refusals "
         "not naming the holder, %ld left behind, %ld other failures\n",
         races, double_holders, no_holder, bad_refusals, leftovers, failures);
  bool ok = !double_holders && !no_holder && !bad_refusals && !leftovers && !failures;
  if (!ok) printf("lease_race: FAILED (seed %llu)\n", (unsigned long long)seed);
  return ok ? 0 : 1;
}
