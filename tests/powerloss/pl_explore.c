/* The explorer: runs a scenario's operation traced, then recovers from the
 * crash states at every crash point (all of them, or a seeded sample when
 * there are more than the budget) and judges each recovery. */
#define _GNU_SOURCE
#include "pl_explore.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "io/crashfs.h"
#include "io/fs.h"
#include "io/trace.h"

/* ---- a set of state hashes ---- */

typedef struct seen_set {
  uint64_t *h;
  size_t n, cap;
} seen_set;

/* Adds h; false when it was there already. */
static bool seen_add(seen_set *s, uint64_t h) {
  if (h == 0) h = 1; /* 0 marks an empty slot */
  if (2 * (s->n + 1) > s->cap) {
    seen_set g = {calloc(s->cap ? 2 * s->cap : 1024, sizeof *g.h), 0,
                  s->cap ? 2 * s->cap : 1024};
    CHECK(g.h != NULL);
    for (size_t i = 0; i < s->cap; i++)
      if (s->h[i]) seen_add(&g, s->h[i]);
    free(s->h);
    *s = g;
  }
  size_t i = h % s->cap;
  while (s->h[i] && s->h[i] != h)
    i = (i + 1) % s->cap;
  if (s->h[i]) return false;
  s->h[i] = h;
  s->n++;
  return true;
}

/* ---- processes ---- */

static int wait_child(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    CHECK_EQ(errno, EINTR);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* Runs the scenario's calls traced in a child; with kill_at > 0 the child
 * dies just before its kill_at-th file-changing call. Returns the child's
 * exit code (128 + 9 when killed). */
static int run_traced(const pl_scenario *sc, pl_run *r, const char *log,
                      uint64_t kill_at) {
  fflush(NULL);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    if (dckpt_trace_start(log) != 0) _exit(3);
    dckpt_trace_kill_at(kill_at);
    pl_scenario_run(sc, r);
    _exit(dckpt_trace_stop() == 0 ? 0 : 4);
  }
  return wait_child(pid);
}

/* ---- one exploration ---- */

typedef struct explorer {
  const pl_scenario *sc;
  const pl_config *o;
  pl_stats *st;
  pl_run *r;
  dckpt_cfs *c;
  char scratch[600];
  char said[620]; /* the recovery's stderr */
  seen_set seen;
  size_t first; /* records before this are from a killed earlier attempt */
  uint64_t kill_at;
  bool failed;
} explorer;

static const char *mode_name(const explorer *x) {
  return x->r->durability == DCKPT_DURABILITY_NONE ? "none" : "full";
}

static void report(explorer *x, size_t k, uint64_t choice, const dckpt_cfs_state *s,
                   int code) {
  char desc[8192];
  dckpt_cfs_state_describe(s, desc, sizeof desc);
  fprintf(stderr,
          "VIOLATION: operation %s, durability %s%s: power lost after record %zu of %zu "
          "(%s), state %llu (exit %d)\n  loss pattern: %s\n  replay: "
          "DCKPT_POWERLOSS_SEED=%llu DCKPT_POWERLOSS_REPLAY=%llu:%zu:%llu %s %s %s\n",
          x->sc->name, mode_name(x), x->kill_at ? " (after a kill)" : "", k,
          dckpt_cfs_n_records(x->c), k ? dckpt_cfs_record_text(x->c, k - 1) : "start",
          (unsigned long long)choice, code, desc, (unsigned long long)x->o->seed,
          (unsigned long long)x->kill_at, k, (unsigned long long)choice, x->o->argv0,
          x->sc->name, x->o->mode);
  char *said = NULL;
  size_t len = 0;
  dckpt_err e;
  if (dckpt_read_file(x->said, 1 << 20, &said, &len, &e) == DCKPT_OK)
    fprintf(stderr, "  recovery said:\n%s", said);
  free(said);
  x->st->violations++;
  x->failed = true;
}

/* Is this outcome what the mode promises? */
static bool acceptable(const explorer *x, uint64_t choice, int code) {
  if (code == PL_RECOVERED) return true;
  if (x->r->durability == DCKPT_DURABILITY_FULL || choice == 0) return false;
  /* durability none after a power loss: losses are allowed, damage is not */
  return code == PL_LOST || code == PL_STUCK || code == PL_BAD_FILES;
}

static int recover_in_child(explorer *x, size_t k) {
  pl_run copy = *x->r;
  snprintf(copy.world, sizeof copy.world, "%s", x->scratch);
  snprintf(copy.dir, sizeof copy.dir, "%s/run", x->scratch);
  snprintf(copy.file, sizeof copy.file, "%s/run.h5", x->scratch);
  /* The newest version a call that returned had made (calls that returned
   * before a kill count too). */
  int marks = 0;
  for (size_t i = 0; i < k; i++) {
    int v = pl_mark_version(dckpt_cfs_record_text(x->c, i));
    if (v > marks) marks = v;
  }
  fflush(NULL);
  pid_t pid = fork();
  CHECK(pid >= 0);
  int upto = x->kill_at ? x->r->n_calls : marks + 1;
  if (pid == 0) {
    /* what the recovery says is shown only with a violation */
    int fd = open(x->said, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || dup2(fd, 2) < 0) _exit(3);
    pl_recover(&copy, x->sc, marks, upto);
  }
  return wait_child(pid);
}

/* Writes one state and recovers from it. */
static void recover_built(explorer *x, const dckpt_cfs_state *s, size_t k,
                          uint64_t choice) {
  dckpt_err e;
  CHECK_OK(dckpt_remove_tree(x->scratch, &e));
  if (dckpt_cfs_state_write(s, x->scratch, &e) != DCKPT_OK) CHECK_FAIL_("%s", e.msg);
  int code = recover_in_child(x, k);
  x->st->states++;
  if (code >= PL_LOST && code <= PL_BAD_FILES) x->st->outcome[code - PL_LOST]++;
  if (!acceptable(x, choice, code)) report(x, k, choice, s, code);
  if (x->o->replay) {
    char desc[8192];
    dckpt_cfs_state_describe(s, desc, sizeof desc);
    printf("replayed state %llu after record %zu (%s): exit %d\n  %s\n  kept in %s\n",
           (unsigned long long)choice, k,
           k ? dckpt_cfs_record_text(x->c, k - 1) : "start", code, desc, x->scratch);
  }
}

static dckpt_cfs_state *build(explorer *x, dckpt_cfs_point *p, size_t k,
                              uint64_t choice) {
  dckpt_cfs_state *s = NULL;
  dckpt_err e;
  dckpt_err_clear(&e);
  if (dckpt_cfs_state_build(p, choice, x->o->seed ^ k, &s, &e) != DCKPT_OK)
    CHECK_FAIL_("%s: building state %llu at %zu: %s", x->sc->name,
                (unsigned long long)choice, k, e.msg);
  x->st->draws++;
  return s;
}

/* Recovers from one state (already known to be new). */
static void recover_state(explorer *x, dckpt_cfs_point *p, size_t k, uint64_t choice) {
  dckpt_cfs_state *s = build(x, p, k, choice);
  recover_built(x, s, k, choice);
  dckpt_cfs_state_free(s);
}

/* Builds one state and recovers from it unless an equal one was seen. */
static void check_state(explorer *x, dckpt_cfs_point *p, size_t k, uint64_t choice) {
  dckpt_cfs_state *s = build(x, p, k, choice);
  if (seen_add(&x->seen, dckpt_cfs_state_hash(s)) || x->o->replay)
    recover_built(x, s, k, choice);
  dckpt_cfs_state_free(s);
}

/* A random choice below n from (seed, k, draw). */
static uint64_t draw(uint64_t seed, size_t k, uint64_t i, uint64_t n) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (k + 1) + 0xBF58476D1CE4E5B9ull * (i + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return (z ^ (z >> 31)) % n;
}

typedef struct point_list {
  size_t *k;
  dckpt_cfs_point **p;
  size_t n;
} point_list;

static void open_points(explorer *x, point_list *pl) {
  size_t n = dckpt_cfs_n_records(x->c);
  pl->k = calloc(n + 2, sizeof *pl->k);
  pl->p = calloc(n + 2, sizeof *pl->p);
  CHECK(pl->k && pl->p);
  pl->n = 0;
  for (size_t k = x->first; k <= n; k++) {
    if (k > x->first && !dckpt_cfs_is_crash_point(x->c, k)) continue;
    dckpt_err e;
    CHECK_OK(dckpt_cfs_point_open(x->c, k, &pl->p[pl->n], &e));
    uint64_t count = dckpt_cfs_point_count(pl->p[pl->n]);
    x->st->combos =
        count > UINT64_MAX - x->st->combos ? UINT64_MAX : x->st->combos + count;
    pl->k[pl->n++] = k;
  }
  x->st->points += pl->n;
}

static void close_points(point_list *pl) {
  for (size_t i = 0; i < pl->n; i++)
    dckpt_cfs_point_free(pl->p[i]);
  free(pl->k);
  free(pl->p);
}

/* A distinct state to recover from. */
typedef struct candidate {
  size_t point;
  uint64_t choice;
} candidate;

typedef struct cand_list {
  candidate *c;
  size_t n, cap;
} cand_list;

/* States are cheaper to build than to recover from: build up to this many
 * choices of a run's points (and no more than 40 per state of the budget) to
 * find its distinct states; beyond, draw at random. */
#define BUILD_CAP       20000
#define BUILD_PER_STATE 40

/* Adds choice `ch` of point i when its state is new. */
static void consider(explorer *x, const point_list *pl, size_t i, uint64_t ch,
                     cand_list *l) {
  dckpt_cfs_state *s = build(x, pl->p[i], pl->k[i], ch);
  if (seen_add(&x->seen, dckpt_cfs_state_hash(s))) {
    if (l->n == l->cap) {
      l->cap = l->cap ? 2 * l->cap : 256;
      CHECK((l->c = realloc(l->c, l->cap * sizeof *l->c)) != NULL);
    }
    l->c[l->n++] = (candidate){i, ch};
  }
  dckpt_cfs_state_free(s);
}

static void shuffle(const explorer *x, candidate *c, size_t n, uint64_t salt) {
  for (size_t i = 0; i + 1 < n; i++) {
    size_t j = i + (size_t)draw(x->o->seed, salt, i, n - i);
    candidate t = c[i];
    c[i] = c[j];
    c[j] = t;
  }
}

static bool after_mark(const explorer *x, size_t k) {
  return k > 0 && dckpt_cfs_record_kind(x->c, k - 1) == DCKPT_TR_MARK;
}

/* Every distinct state, most telling first: at the end, what a killed
 * process leaves and what remains when nothing unsynced survived; the same
 * right after each call returned; the same at every other point (in a seeded
 * order); then all other states (seeded order), or random draws when there
 * are too many to build. */
static void gather(explorer *x, const point_list *pl, uint64_t budget, cand_list *l) {
  size_t last = pl->n - 1;
  consider(x, pl, last, 0, l);
  consider(x, pl, last, dckpt_cfs_point_all_lost(pl->p[last]), l);
  for (size_t i = 0; i < pl->n; i++)
    if (after_mark(x, pl->k[i]))
      consider(x, pl, i, dckpt_cfs_point_all_lost(pl->p[i]), l);
  size_t from = l->n;
  for (size_t i = 0; i < pl->n; i++) {
    consider(x, pl, i, 0, l);
    consider(x, pl, i, dckpt_cfs_point_all_lost(pl->p[i]), l);
  }
  shuffle(x, l->c + from, l->n - from, 1);
  from = l->n;
  uint64_t cap = budget && budget * BUILD_PER_STATE < BUILD_CAP ? budget * BUILD_PER_STATE
                                                                : BUILD_CAP;
  uint64_t total = 0;
  for (size_t i = 0; i < pl->n; i++)
    total +=
        dckpt_cfs_point_count(pl->p[i]) < cap ? dckpt_cfs_point_count(pl->p[i]) : cap;
  if (total <= cap) {
    for (size_t i = 0; i < pl->n; i++)
      for (uint64_t ch = 1; ch < dckpt_cfs_point_count(pl->p[i]); ch++)
        consider(x, pl, i, ch, l);
  } else {
    x->st->sampled = true;
    uint64_t want = budget ? budget : BUILD_CAP;
    for (uint64_t d = 0; l->n < want && d < BUILD_PER_STATE * want; d++) {
      size_t i = (size_t)(d % pl->n);
      consider(x, pl, i, draw(x->o->seed, pl->k[i], d, dckpt_cfs_point_count(pl->p[i])),
               l);
    }
  }
  shuffle(x, l->c + from, l->n - from, 2);
}

/* Recovers from the states of every crash point: all distinct ones, or the
 * budget's worth, most telling first (gather). */
static void sweep(explorer *x, uint64_t budget) {
  point_list pl;
  open_points(x, &pl);
  cand_list l = {0};
  if (pl.n) gather(x, &pl, budget, &l);
  size_t n = budget && l.n > budget ? (size_t)budget : l.n;
  if (n < l.n) x->st->sampled = true;
  for (size_t i = 0; i < n && !x->failed; i++)
    recover_state(x, pl.p[l.c[i].point], pl.k[l.c[i].point], l.c[i].choice);
  free(l.c);
  close_points(&pl);
}

static void replay_one(explorer *x) {
  unsigned long long kill = 0, k = 0, choice = 0;
  CHECK_EQ(sscanf(x->o->replay, "%llu:%llu:%llu", &kill, &k, &choice), 3);
  dckpt_cfs_point *p = NULL;
  dckpt_err e;
  CHECK_OK(dckpt_cfs_point_open(x->c, (size_t)k, &p, &e));
  check_state(x, p, (size_t)k, choice);
  dckpt_cfs_point_free(p);
}

/* ---- a scenario, once ---- */

/* Where the operation is killed in an "after a kill" run (1 = before its
 * first call; record i is call i + 1). */
typedef struct kill_list {
  uint64_t *at;
  size_t n;
} kill_list;

/* Just before each fsync (or syncfs): then what the call before it did is in the page
 * cache only, and the rerun finds it there. With o->kills (0: all), that
 * many of them, spread evenly and shifted by the seed. */
static void find_kill_points(const dckpt_cfs *c, const pl_config *o, kill_list *kl) {
  size_t n = dckpt_cfs_n_records(c), found = 0;
  uint64_t *all = calloc(n + 1, sizeof *all);
  kl->at = calloc(n + 1, sizeof *kl->at);
  CHECK(all && kl->at);
  for (size_t i = 0; i < n; i++)
    if (dckpt_cfs_record_kind(c, i) == DCKPT_TR_FSYNC ||
        dckpt_cfs_record_kind(c, i) == DCKPT_TR_SYNCFS)
      all[found++] = i + 1;
  size_t want = o->kills && o->kills < found ? (size_t)o->kills : found;
  for (size_t j = 0; j < want; j++)
    kl->at[kl->n++] = all[(j * found / want + o->seed) % found];
  free(all);
}

static size_t first_of_second_run(const dckpt_cfs *c) {
  for (size_t i = 0; i < dckpt_cfs_n_records(c); i++)
    if (!strcmp(dckpt_cfs_record_text(c, i), "mark \"run again after a kill\""))
      return i + 1;
  return 0;
}

/* Sets up, snapshots and runs the operation (killed first when kill_at > 0;
 * false when it finished before that call), then explores. With `calls`,
 * only counts the calls the operation makes instead. */
static bool explore_once(const pl_scenario *sc, pl_run *r, const pl_config *o,
                         pl_stats *st, uint64_t kill_at, kill_list *kills) {
  char log[1100];
  explorer x = {.sc = sc, .o = o, .st = st, .r = r, .kill_at = kill_at};
  snprintf(r->world, sizeof r->world, "%s/world", o->base);
  snprintf(r->dir, sizeof r->dir, "%s/run", r->world);
  snprintf(r->file, sizeof r->file, "%s/run.h5", r->world);
  snprintf(x.scratch, sizeof x.scratch, "%s/state", o->base);
  snprintf(x.said, sizeof x.said, "%s/recovery.err", o->base);
  snprintf(log, sizeof log, "%s/trace.log", o->base);
  dckpt_err e;
  CHECK_OK(dckpt_remove_tree(r->world, &e));
  CHECK_OK(dckpt_remove_tree(x.scratch, &e));
  unlink(log);
  CHECK_EQ(mkdir(r->world, 0755), 0);
  pl_scenario_setup(sc, r);
  if (dckpt_cfs_create(r->world, &x.c, &e) != DCKPT_OK) CHECK_FAIL_("%s", e.msg);
  if (kill_at) {
    int code = run_traced(sc, r, log, kill_at);
    if (code == 0) {
      dckpt_cfs_free(x.c);
      return false;
    }
    if (code != 128 + SIGKILL) CHECK_FAIL_("%s: killed run exited %d", sc->name, code);
    CHECK_EQ(dckpt_trace_start(log), 0); /* the parent marks where run two starts */
    dckpt_trace_mark("run again after a kill");
    CHECK_EQ(dckpt_trace_stop(), 0);
  }
  int code = run_traced(sc, r, log, 0);
  if (code != 0) CHECK_FAIL_("%s: the traced operation exited %d", sc->name, code);
  if (dckpt_cfs_load(x.c, log, &e) != DCKPT_OK ||
      dckpt_cfs_check_final(x.c, r->world, NULL, &e) != DCKPT_OK)
    CHECK_FAIL_("%s: %s", sc->name, e.msg);
  x.first = kill_at ? first_of_second_run(x.c) : 0;
  if (kills) {
    find_kill_points(x.c, o, kills);
    dckpt_cfs_free(x.c);
    return true;
  }
  st->explorations++;
  for (size_t i = 0; o->verbose && i < dckpt_cfs_n_records(x.c); i++)
    printf("  %c%4zu %s\n", i < x.first ? ' ' : '>', i, dckpt_cfs_record_text(x.c, i));
  if (o->replay)
    replay_one(&x);
  else
    sweep(&x, kill_at ? o->kill_budget : o->budget);
  free(x.seen.h);
  dckpt_cfs_free(x.c);
  if (!o->keep && !x.failed && !o->replay) CHECK_OK(dckpt_remove_tree(x.scratch, &e));
  return true;
}

void pl_explore(const pl_scenario *sc, dckpt_durability d, bool after_kill,
                const pl_config *o, pl_stats *st) {
  memset(st, 0, sizeof *st);
  pl_run r;
  memset(&r, 0, sizeof r);
  r.durability = d;
  if (o->replay) {
    unsigned long long kill = 0;
    CHECK_EQ(sscanf(o->replay, "%llu:", &kill), 1);
    explore_once(sc, &r, o, st, kill, NULL);
    return;
  }
  if (!after_kill) {
    explore_once(sc, &r, o, st, 0, NULL);
    return;
  }
  kill_list kl = {0};
  explore_once(sc, &r, o, st, 0, &kl);
  for (size_t i = 0; i < kl.n; i++)
    explore_once(sc, &r, o, st, kl.at[i], NULL);
  free(kl.at);
}
