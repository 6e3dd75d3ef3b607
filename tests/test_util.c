/* Unit tests of src/util: status and messages (err), JSON text helpers
 * (json), canonical JSON comparison (json_diff), the logging hook (log), the random
 * generator (rng), large allocations (mem), internal threads (thread) and the helper
 * thread of the format pipelines (worker). `test_util CASE` runs one case; each is its
 * own CTest entry util.<case>. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "dckpt.h"
#include "util/err.h"
#include "util/json.h"
#include "util/json_diff.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/thread.h"
#include "util/utf8.h"
#include "util/worker.h"

/* ---- err ---- */

static int try_twice(int first, int second, int *reached) {
  DCKPT_TRY(first);
  *reached = 1;
  DCKPT_TRY(second);
  *reached = 2;
  return DCKPT_OK;
}

static void test_err(void) {
  dckpt_err e;
  dckpt_err_clear(&e);
  CHECK_EQ(e.status, DCKPT_OK);
  CHECK_STR_EQ(e.msg, "");
  CHECK_EQ(dckpt_err_set(&e, DCKPT_ECORRUPT, "'%s': key \"%s\"", "f.json", "k"),
           DCKPT_ECORRUPT);
  CHECK_EQ(e.status, DCKPT_ECORRUPT);
  CHECK_STR_EQ(e.msg, "'f.json': key \"k\"");
  /* errno: the status follows the errno, the message ends with strerror */
  CHECK_EQ(dckpt_err_errno(&e, ENOENT, "cannot open '%s'", "x"), DCKPT_ENOENT);
  char want[256];
  snprintf(want, sizeof want, "cannot open 'x': %s", strerror(ENOENT));
  CHECK_STR_EQ(e.msg, want);
  CHECK_EQ(dckpt_err_errno(&e, 0, "odd"), DCKPT_EIO); /* never OK for a failure */
  /* wrap keeps the cause after the context */
  dckpt_err_set(&e, DCKPT_ECORRUPT, "cause");
  CHECK_EQ(dckpt_err_wrap(&e, "algorithms[%d]", 3), DCKPT_ECORRUPT);
  CHECK_STR_EQ(e.msg, "algorithms[3]: cause");
  /* a huge cause is cut, and the context stays visible */
  char big[2 * DCKPT_ERRMSG_MAX];
  memset(big, 'c', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  dckpt_err_set(&e, DCKPT_EIO, "%s", big);
  CHECK_EQ(strlen(e.msg), DCKPT_ERRMSG_MAX - 1);
  dckpt_err_wrap(&e, "context");
  CHECK(strncmp(e.msg, "context: ccc", 12) == 0);
  /* a NULL err is allowed everywhere */
  CHECK_EQ(dckpt_err_set(NULL, DCKPT_EINVAL, "x"), DCKPT_EINVAL);
  CHECK_EQ(dckpt_err_errno(NULL, EACCES, "x"), DCKPT_EACCES);
  dckpt_err_clear(NULL);
  /* copy into a small caller buffer truncates with a NUL */
  char small[5];
  dckpt_err_set(&e, DCKPT_EIO, "abcdefgh");
  dckpt_err_copy(&e, small, sizeof small);
  CHECK_STR_EQ(small, "abcd");
  dckpt_err_copy(&e, NULL, 0);
  /* DCKPT_TRY returns the first failure and nothing after it runs */
  int reached = 0;
  CHECK_EQ(try_twice(DCKPT_OK, DCKPT_EIO, &reached), DCKPT_EIO);
  CHECK_EQ(reached, 1);
  reached = 0;
  CHECK_EQ(try_twice(DCKPT_ENOENT, DCKPT_OK, &reached), DCKPT_ENOENT);
  CHECK_EQ(reached, 0);
  CHECK_EQ(try_twice(DCKPT_OK, DCKPT_OK, &reached), DCKPT_OK);
  CHECK_EQ(reached, 2);
}

static void test_errno_map(void) {
  static const struct {
    int errnum, status;
  } map[] = {
      {0, DCKPT_OK},
      {ENOENT, DCKPT_ENOENT},
      {ENOTDIR, DCKPT_ENOTDIR},
      {EEXIST, DCKPT_EEXIST},
      {ENOSPC, DCKPT_ENOSPC},
      {EDQUOT, DCKPT_ENOSPC},
      {EACCES, DCKPT_EACCES},
      {EPERM, DCKPT_EACCES},
      {EROFS, DCKPT_EROFS},
      {ENOMEM, DCKPT_ENOMEM},
      {ENOTEMPTY, DCKPT_ENOTEMPTY},
      {EINVAL, DCKPT_EINVAL},
      {EFBIG, DCKPT_ETOOBIG},
      {EIO, DCKPT_EIO},
      {EXDEV, DCKPT_EIO},
  };
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (dckpt_status_from_errno(map[i].errnum) != map[i].status)
      CHECK_FAIL_("errno %d (%s) maps to %s, wanted %s", map[i].errnum,
                  strerror(map[i].errnum),
                  dckpt_err_name(dckpt_status_from_errno(map[i].errnum)),
                  dckpt_err_name(map[i].status));
      /* every status of the table has a name and a message; others do not */
#define CHECK_STATUS_(name, value, msg)                                                  \
  CHECK_STR_EQ(dckpt_err_name(value), #name);                                            \
  CHECK_STR_EQ(dckpt_strerror(value), msg);
  DCKPT_STATUS_MAP(CHECK_STATUS_)
#undef CHECK_STATUS_
  CHECK_STR_EQ(dckpt_err_name(-12345), "EUNKNOWN");
  CHECK_STR_EQ(dckpt_strerror(-12345), "unknown status");
}

/* ---- json ---- */

static void test_json(void) {
  dckpt_err e;
  dckpt_err_clear(&e);
  cJSON *o = NULL;
  CHECK_RC(dckpt_json_parse_object("{\"a\": 1,", "'t.json'", &o, &e), DCKPT_ECORRUPT);
  CHECK(o == NULL);
  CHECK_CONTAINS(e.msg, "'t.json': malformed JSON at byte");
  CHECK_RC(dckpt_json_parse_object("[1, 2]", "'t.json'", &o, &e), DCKPT_ECORRUPT);
  CHECK_CONTAINS(e.msg, "expected a JSON object");
  CHECK_RC(dckpt_json_parse_object("{} trailing", "'t.json'", &o, &e), DCKPT_ECORRUPT);
  const char *text =
      "{\"i\": -42, \"f\": 1.5, \"big\": 1e300, \"u\": \"18446744073709551615\","
      " \"neg\": -1, \"s\": \"str\", \"n\": 7, \"bad\": \"12x\"}";
  CHECK_OK(dckpt_json_parse_object(text, "'t.json'", &o, &e));
  int64_t i = 0;
  CHECK_OK(dckpt_json_get_i64(o, "i", "t.json", &i, &e));
  CHECK_EQ(i, -42);
  CHECK_RC(dckpt_json_get_i64(o, "f", "t.json", &i, &e), DCKPT_ECORRUPT);
  CHECK_CONTAINS(e.msg, "'t.json': key \"f\" must be an integer");
  CHECK_RC(dckpt_json_get_i64(o, "big", "t.json", &i, &e), DCKPT_ECORRUPT);
  CHECK_RC(dckpt_json_get_i64(o, "s", "t.json", &i, &e), DCKPT_ECORRUPT);
  CHECK_RC(dckpt_json_get_i64(o, "missing", "t.json", &i, &e), DCKPT_ECORRUPT);
  CHECK_CONTAINS(e.msg, "'t.json': key \"missing\" is missing");
  uint64_t u = 0;
  CHECK_OK(dckpt_json_get_u64(o, "u", "t.json", &u, &e));
  CHECK(u == UINT64_MAX);
  CHECK_OK(dckpt_json_get_u64(o, "n", "t.json", &u, &e));
  CHECK(u == 7);
  CHECK_RC(dckpt_json_get_u64(o, "neg", "t.json", &u, &e), DCKPT_ECORRUPT);
  CHECK_CONTAINS(e.msg, "must be a non-negative integer");
  CHECK_RC(dckpt_json_get_u64(o, "bad", "t.json", &u, &e), DCKPT_ECORRUPT);
  const char *s = NULL;
  CHECK_OK(dckpt_json_get_str(o, "s", "t.json", &s, &e));
  CHECK_STR_EQ(s, "str");
  CHECK_RC(dckpt_json_get_str(o, "n", "t.json", &s, &e), DCKPT_ECORRUPT);
  CHECK_CONTAINS(e.msg, "key \"n\" must be a string");
  cJSON_Delete(o);
}

/* ---- json_diff ---- */

/* dckpt_json_equal on two texts; `path`, `left`, `right`: the difference it
 * must name (NULL: the texts must compare equal). */
static void diff_case(const char *a, const char *b, const char *path, const char *left,
                      const char *right) {
  cJSON *x = cJSON_Parse(a), *y = cJSON_Parse(b);
  CHECK(x != NULL && y != NULL);
  dckpt_json_diff d;
  memset(&d, 'x', sizeof d); /* the call must clear what it does not write */
  bool same = dckpt_json_equal(x, y, &d);
  if (!path) {
    if (!same)
      CHECK_FAIL_("%s vs %s: differ at '%s' (%s vs %s)", a, b, d.path, d.left, d.right);
    CHECK_STR_EQ(d.path, "");
  } else {
    if (same) CHECK_FAIL_("%s vs %s: compared equal", a, b);
    CHECK_STR_EQ(d.path, path);
    CHECK_STR_EQ(d.left, left);
    CHECK_STR_EQ(d.right, right);
  }
  CHECK(dckpt_json_equal(x, y, NULL) == same); /* the same answer without a report */
  CHECK(dckpt_json_equal(y, x, NULL) == same); /* and symmetric */
  cJSON_Delete(x);
  cJSON_Delete(y);
}

static void test_json_diff(void) {
  /* objects by key whatever the order; numbers by value, not spelling */
  diff_case("{\"a\":1,\"b\":[true,null,\"s\"]}", "{\"b\":[true,null,\"s\"],\"a\":1.0}",
            NULL, NULL, NULL);
  diff_case("{\"n\":1e2}", "{\"n\":100}", NULL, NULL, NULL);
  diff_case("[]", "[]", NULL, NULL, NULL);
  /* the first difference, with its path and both values */
  diff_case("{\"a\":{\"b\":[1,2,3]}}", "{\"a\":{\"b\":[1,5,3]}}", "a.b[1]", "2", "5");
  diff_case("{\"a\":1}", "{\"a\":1,\"z\":{\"k\":0}}", "z", "(absent)", "{\"k\":0}");
  diff_case("{\"a\":1,\"z\":2}", "{\"a\":1}", "z", "2", "(absent)");
  diff_case("[1,2]", "[1,2,3]", "[2]", "(absent)", "3");
  diff_case("{\"s\":\"abc\"}", "{\"s\":\"abd\"}", "s", "\"abc\"", "\"abd\"");
  diff_case("{\"t\":\"1\"}", "{\"t\":1}", "t", "\"1\"", "1"); /* types differ */
  diff_case("{\"t\":true}", "{\"t\":false}", "t", "true", "false");
  diff_case("{\"t\":null}", "{\"t\":0}", "t", "null", "0");
  diff_case("[[1],[2]]", "[[1],[2,0]]", "[1][1]", "(absent)", "0");
  diff_case("1", "2", "", "1", "2"); /* at the top: empty path */
  /* keys compare case-sensitively */
  diff_case("{\"Key\":1}", "{\"key\":1}", "Key", "1", "(absent)");
  /* a long value is cut to fit, ending in "..." */
  char big[600] = "[\"";
  memset(big + 2, 'v', 500);
  strcpy(big + 502, "\"]");
  cJSON *x = cJSON_Parse(big), *y = cJSON_Parse("[\"w\"]");
  CHECK(x != NULL && y != NULL);
  dckpt_json_diff d;
  CHECK(!dckpt_json_equal(x, y, &d));
  CHECK_STR_EQ(d.path, "[0]");
  CHECK_EQ(strlen(d.left), sizeof d.left - 1);
  CHECK(strcmp(d.left + sizeof d.left - 4, "...") == 0);
  /* NULL stands for an absent value */
  CHECK(dckpt_json_equal(NULL, NULL, &d));
  CHECK(!dckpt_json_equal(x, NULL, &d));
  CHECK_STR_EQ(d.right, "(absent)");
  cJSON_Delete(x);
  cJSON_Delete(y);
}

/* ---- log ---- */

typedef struct seen {
  int calls;
  dckpt_log_level level;
  char msg[4096];
} seen;

static void collect(void *ctx, dckpt_log_level level, const char *msg) {
  seen *s = ctx;
  s->calls++;
  s->level = level;
  snprintf(s->msg, sizeof s->msg, "%s", msg);
}

static void test_log(void) {
  seen s = {0};
  dckpt_logger lg = {collect, &s, DCKPT_LOG_INFO};
  dckpt_log(&lg, DCKPT_LOG_DEBUG, "hidden %d", 1);
  CHECK_EQ(s.calls, 0);
  dckpt_log(&lg, DCKPT_LOG_WARN, "shown %d", 2);
  CHECK_EQ(s.calls, 1);
  CHECK_EQ(s.level, DCKPT_LOG_WARN);
  CHECK_STR_EQ(s.msg, "shown 2");
  /* a long message is cut, not overrun */
  char big[5000];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  dckpt_log(&lg, DCKPT_LOG_ERROR, "%s", big);
  CHECK_EQ(s.calls, 2);
  CHECK(strlen(s.msg) > 1000 && strlen(s.msg) < sizeof big - 1);
  /* no logger or no callback: nothing happens */
  dckpt_log(NULL, DCKPT_LOG_ERROR, "x");
  dckpt_logger none = {NULL, NULL, DCKPT_LOG_DEBUG};
  dckpt_log(&none, DCKPT_LOG_ERROR, "x");
  CHECK_EQ(s.calls, 2);
  CHECK_STR_EQ(dckpt_log_level_name(DCKPT_LOG_WARN), "warn");
}

/* ---- rng ---- */

static void test_rng(void) {
  /* Pinned outputs (computed with an independent implementation of
   * splitmix64 + xoshiro256**): the generator's state is saved in
   * checkpoints, and a resumed run is bit-identical only if the sequence
   * never changes. */
  static const uint64_t want[3] = {0x92e011592e98ae15ull, 0x489f37946d6d18d8ull,
                                   0xd0009e279d9cdedaull};
  dckpt_rng r;
  dckpt_rng_seed(&r, 2026);
  for (int i = 0; i < 3; i++) {
    uint64_t got = dckpt_rng_next(&r);
    if (got != want[i])
      CHECK_FAIL_("output %d of seed 2026 is 0x%016llx, wanted 0x%016llx", i,
                  (unsigned long long)got, (unsigned long long)want[i]);
  }
  dckpt_rng other;
  dckpt_rng_seed(&other, 2027);
  CHECK(dckpt_rng_next(&other) != want[0]);
  /* below(n) stays in range and reaches both ends; uniform is in [0, 1) */
  bool lo = false, hi = false;
  for (int i = 0; i < 10000; i++) {
    uint64_t v = dckpt_rng_below(&r, 7);
    CHECK(v < 7);
    lo = lo || v == 0;
    hi = hi || v == 6;
    double u = dckpt_rng_uniform(&r);
    CHECK(u >= 0.0 && u < 1.0);
  }
  CHECK(lo && hi);
  CHECK_EQ(dckpt_rng_below(&r, 0), 0);
  CHECK_EQ(dckpt_rng_below(&r, 1), 0);
  /* the ancestor's pair seed: 32 bits, distinct for neighbouring pairs */
  CHECK(dckpt_pair_seed(1, 0, 0) <= 0xFFFFFFFFull);
  CHECK(dckpt_pair_seed(1, 0, 1) != dckpt_pair_seed(1, 1, 0));
  CHECK(dckpt_pair_seed(1, 2, 3) == 0xf25596d8ull);
}

/* ---- mem ---- */

static void test_mem(void) {
  void *small = dckpt_big_alloc(0);
  CHECK(small != NULL);
  free(small);
  size_t n = DCKPT_BIG_MIN + 123;
  unsigned char *big = dckpt_big_alloc(n);
  CHECK(big != NULL);
  CHECK_EQ((uintptr_t)big % ((uintptr_t)2 << 20), 0);
  big[0] = 1;
  big[n - 1] = 2;
  dckpt_big_prefault(big, n); /* keeps contents */
  CHECK_EQ(big[0], 1);
  CHECK_EQ(big[n - 1], 2);
  free(big);
  CHECK(dckpt_big_alloc(SIZE_MAX - 10) == NULL);
  /* dckpt_big_free keeps the last large block for an allocation of about its
   * size (its contents may then be anything: no calloc semantics) */
  size_t m = (size_t)8 << 20;
  unsigned char *a = dckpt_big_alloc(m);
  CHECK(a != NULL);
  memset(a, 7, m);
  dckpt_big_free(a, m);
  unsigned char *b = dckpt_big_alloc(m - 4096);
  CHECK(b == a);
  memset(b, 9, m - 4096); /* usable whole */
  /* (while it is kept, glibc still counts it as allocated: b == a above
   * cannot be glibc handing the same address out again) ... it does not
   * serve an allocation of less than half its size, which frees it */
  dckpt_big_free(b, m - 4096);
  unsigned char *c = dckpt_big_alloc((size_t)2 << 20);
  CHECK(c != NULL);
  c[((size_t)2 << 20) - 1] = 1;
  dckpt_big_free(c, (size_t)2 << 20);
  /* small blocks and blocks over the keeping limit are simply freed */
  dckpt_big_free(dckpt_big_alloc(100), 100);
  void *huge = dckpt_big_alloc(DCKPT_BIG_KEEP_MAX + 1);
  CHECK(huge != NULL);
  dckpt_big_free(huge, DCKPT_BIG_KEEP_MAX + 1);
  dckpt_big_free(NULL, m);
}

/* ---- thread ---- */

static void *report_mask(void *arg) {
  sigset_t *mask = arg;
  pthread_sigmask(SIG_BLOCK, NULL, mask);
  return NULL;
}

static void test_thread(void) {
  sigset_t before, after, inner;
  sigemptyset(&inner);
  pthread_sigmask(SIG_BLOCK, NULL, &before);
  pthread_t t;
  CHECK_EQ(dckpt_thread_start(&t, report_mask, &inner), 0);
  CHECK_EQ(pthread_join(t, NULL), 0);
  pthread_sigmask(SIG_BLOCK, NULL, &after);
  /* the application's signals never run on the library's threads... */
  int blocked[] = {SIGTERM, SIGINT, SIGUSR1, SIGUSR2, SIGHUP, SIGALRM, SIGCHLD};
  for (size_t i = 0; i < sizeof blocked / sizeof blocked[0]; i++)
    if (!sigismember(&inner, blocked[i]))
      CHECK_FAIL_("signal %d is not blocked in the new thread", blocked[i]);
  /* ...faults stay deliverable, and the caller's mask is unchanged */
  CHECK(!sigismember(&inner, SIGSEGV));
  CHECK(!sigismember(&inner, SIGBUS));
  for (int sig = 1; sig < 32; sig++)
    CHECK_EQ(sigismember(&before, sig), sigismember(&after, sig));
}

/* ---- worker ---- */

/* A producer that hands the owner `limit` numbers one at a time through the
 * worker's mutex, then returns 7; or, when it is cancelled first, 3. */
typedef struct counter {
  int limit, made, taken;
} counter;

static int produce(dckpt_worker *w, void *arg) {
  counter *c = arg;
  pthread_mutex_lock(&w->mu);
  while (c->made < c->limit && !w->cancelled) {
    if (c->made > c->taken) { /* one slot: wait until it is taken */
      dckpt_worker_wait(w);
      continue;
    }
    c->made++;
    dckpt_worker_wake(w);
  }
  bool cancelled = w->cancelled;
  pthread_mutex_unlock(&w->mu);
  return cancelled ? 3 : 7;
}

static void test_worker(void) {
  /* finishes by itself: the owner takes every number, sees `finished`, and
   * the join hands back the status */
  dckpt_worker w;
  counter c = {1000, 0, 0};
  CHECK(dckpt_worker_start(&w, produce, &c));
  pthread_mutex_lock(&w.mu);
  while (!w.finished || c.made > c.taken) {
    if (c.made > c.taken) {
      c.taken++;
      dckpt_worker_wake(&w);
    } else {
      dckpt_worker_wait(&w);
    }
  }
  CHECK_EQ(w.status, 7);
  pthread_mutex_unlock(&w.mu);
  CHECK_EQ(c.taken, 1000);
  CHECK_EQ(dckpt_worker_join(&w), 7);
  /* the owner gives up after one number: the join cancels the worker, which
   * is waiting for its slot to be taken, and returns what it returned */
  counter d = {1000, 0, 0};
  CHECK(dckpt_worker_start(&w, produce, &d));
  pthread_mutex_lock(&w.mu);
  while (d.made == 0)
    dckpt_worker_wait(&w);
  pthread_mutex_unlock(&w.mu);
  CHECK_EQ(dckpt_worker_join(&w), 3);
  CHECK_EQ(d.made, 1);
}

/* ---- the kept thread ---- */

/* Records the thread it ran on; with `hold`, first waits until released. */
typedef struct where {
  pthread_t thread;
  long tid; /* the kernel's */
  bool hold, started;
} where;

static int note_thread(dckpt_worker *w, void *arg) {
  where *at = arg;
  at->thread = pthread_self();
  at->tid = (long)syscall(SYS_gettid);
  pthread_mutex_lock(&w->mu);
  at->started = true;
  dckpt_worker_wake(w);
  while (at->hold && !w->cancelled)
    dckpt_worker_wait(w);
  pthread_mutex_unlock(&w->mu);
  return 5;
}

/* Whether the kernel still lists thread `tid` of this process. */
static bool thread_listed(long tid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/task/%ld", tid);
  return access(path, F_OK) == 0;
}

/* Jobs in a row run on one kept thread, not the caller's; a job that finds
 * it busy gets a thread of its own; the cancelled path joins as before;
 * destroying the helper joins its thread (it leaves the task list: a state
 * polled, not a time); a forked child runs jobs on threads of its own and only frees. */
static void test_worker_kept(void) {

  dckpt_helper *h = dckpt_helper_create();
  CHECK(h != NULL);
  pthread_t first = pthread_self();
  long kept_tid = 0;
  for (int i = 0; i < 3; i++) {
    dckpt_worker w;
    where at = {0};
    CHECK(dckpt_worker_start_on(h, &w, note_thread, &at));
    CHECK_EQ(dckpt_worker_join(&w), 5);
    CHECK(!pthread_equal(at.thread, pthread_self()));
    if (i == 0) first = at.thread, kept_tid = at.tid;
    CHECK(pthread_equal(at.thread, first));
  }
  CHECK(thread_listed(kept_tid)); /* kept, idle */
  /* busy: the second job cannot wait for the first, it runs beside it */
  dckpt_worker a, b;
  where at_a = {.hold = true}, at_b = {0};
  CHECK(dckpt_worker_start_on(h, &a, note_thread, &at_a));
  pthread_mutex_lock(&a.mu);
  while (!at_a.started)
    dckpt_worker_wait(&a);
  pthread_mutex_unlock(&a.mu);
  CHECK(dckpt_worker_start_on(h, &b, note_thread, &at_b));
  CHECK_EQ(dckpt_worker_join(&b), 5);
  CHECK(!pthread_equal(at_b.thread, first));
  CHECK_EQ(dckpt_worker_join(&a), 5); /* cancelled while held: released */
  CHECK(pthread_equal(at_a.thread, first));
  /* the kept thread takes jobs again after that */
  where again = {0};
  CHECK(dckpt_worker_start_on(h, &a, note_thread, &again));
  CHECK_EQ(dckpt_worker_join(&a), 5);
  CHECK(pthread_equal(again.thread, first));
#ifndef __SANITIZE_THREAD__ /* TSan lets no child of a threaded parent start one */
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    dckpt_worker w;
    where at = {0};
    int bad = !dckpt_worker_start_on(h, &w, note_thread, &at);
    bad |= !bad && dckpt_worker_join(&w) != 5;
    dckpt_helper_destroy(h); /* frees only: the thread is the parent's */
    _exit(bad);
  }
  int status = 0;
  CHECK_EQ(waitpid(pid, &status, 0), pid);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
#endif
  dckpt_helper_destroy(h);
  dckpt_helper_destroy(NULL);
  /* a helper that never ran a job has no thread to join */
  dckpt_helper_destroy(dckpt_helper_create());
  /* joined: the kernel may list a joined thread a moment longer, so this
   * waits for the state, bounded at 60 s (a thread not joined stays) */
  for (int k = 0; k < 6000 && thread_listed(kept_tid); k++)
    usleep(10000);
  CHECK(!thread_listed(kept_tid));
}

/* utf8: well-formed sequences (Unicode Table 3-7) and, for the others, the
 * first bad offset and the maximal ill-formed subsequence. */
static void test_utf8(void) {
  static const struct {
    const char *s;
    size_t len;
    bool ok;
    size_t bad_at, bad_len; /* when not ok */
  } cases[] = {
      {"", 0, true, 0, 0},
      {"plain ascii", 11, true, 0, 0},
      {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf", 19, true, 0, 0},
      {"a\xff"
       "b",
       3, false, 1, 1},
      {"\x80", 1, false, 0, 1},             /* a lone continuation byte */
      {"\xc0\xaf", 2, false, 0, 1},         /* overlong '/' */
      {"\xc1\xbf", 2, false, 0, 1},         /* overlong */
      {"\xe0\x80\xaf", 3, false, 0, 1},     /* overlong, 3 bytes */
      {"\xed\xa0\x80", 3, false, 0, 1},     /* a surrogate */
      {"\xf0\x80\x80\xaf", 4, false, 0, 1}, /* overlong, 4 bytes */
      {"\xf4\x90\x80\x80", 4, false, 0, 1}, /* past U+10FFFF */
      {"\xf5\x80\x80\x80", 4, false, 0, 1}, /* never a lead byte */
      {"x\xe2\x82", 3, false, 1, 2},        /* cut short at the end */
      {"x\xe2\x82y", 4, false, 1, 2},       /* cut short before 'y' */
      {"\xf0\x9f\x98", 3, false, 0, 3},
      {"ok\xc3", 3, false, 2, 1},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    size_t at = 99;
    bool ok = dckpt_utf8_valid(cases[i].s, cases[i].len, &at);
    if (ok != cases[i].ok) CHECK_FAIL_("case %zu: valid %d", i, ok);
    if (ok) continue;
    CHECK_EQ(at, cases[i].bad_at);
    size_t bad = 0;
    CHECK_EQ(
        dckpt_utf8_seq((const unsigned char *)cases[i].s + at, cases[i].len - at, &bad),
        0);
    CHECK_EQ(bad, cases[i].bad_len);
    /* shown: U+FFFD standing for exactly that stretch */
    size_t len = 0, used = 0;
    const char *piece = dckpt_utf8_piece(cases[i].s + at, cases[i].len - at, &len, &used);
    CHECK_EQ(len, 3);
    CHECK(memcmp(piece, "\xEF\xBF\xBD", 3) == 0);
    CHECK_EQ(used, cases[i].bad_len);
  }
  /* a well-formed sequence is shown as it is */
  size_t len = 0, used = 0;
  const char *euro = "\xe2\x82\xac!";
  CHECK(dckpt_utf8_piece(euro, 4, &len, &used) == euro);
  CHECK_EQ(len, 3);
  CHECK_EQ(used, 3);
  /* the message of the library's check names what, byte and offset */
  dckpt_err e;
  dckpt_err_clear(&e);
  CHECK_OK(dckpt_json_require_utf8("{\"a\":\"\xc3\xa9\"}", "thing", &e));
  CHECK_RC(dckpt_json_require_utf8("{\"a\":\"\xc3\"}", "thing", &e), DCKPT_EINVAL);
  CHECK_CONTAINS(e.msg, "thing is not UTF-8: byte 0xc3 at offset 6");
  /* the one wording, which dckpt_run's plan check shares; cut to the buffer */
  char msg[24];
  memset(msg, 'x', sizeof msg);
  CHECK(dckpt_utf8_for_json("plain", "thing", msg, sizeof msg));
  CHECK(msg[0] == 'x'); /* left alone when the text is UTF-8 */
  CHECK(!dckpt_utf8_for_json("ab\xff", "thing", msg, sizeof msg));
  CHECK(strcmp(msg, "thing is not UTF-8: byt") == 0);
  /* mended: each ill-formed stretch one U+FFFD, whole characters only */
  char out[16];
  CHECK_EQ(dckpt_utf8_mend("a\xff\xc3\xa9\xe2\x82", out, sizeof out), 9);
  CHECK(strcmp(out, "a\xEF\xBF\xBD\xc3\xa9\xEF\xBF\xBD") == 0);
  CHECK_EQ(dckpt_utf8_mend("ab\xff", out, 5), 2); /* U+FFFD would not fit */
  CHECK(strcmp(out, "ab") == 0);
  CHECK_EQ(dckpt_utf8_mend("\xe2\x82\xac", out, 3), 0); /* nor the euro sign */
  CHECK(out[0] == '\0');
  CHECK_EQ(dckpt_utf8_mend("", out, 1), 0);
}

int main(int argc, char **argv) {
  static const check_case cases[] = {
      {"err", test_err},       {"errno_map", test_errno_map},
      {"json", test_json},     {"json_diff", test_json_diff},
      {"log", test_log},       {"rng", test_rng},
      {"mem", test_mem},       {"thread", test_thread},
      {"worker", test_worker}, {"worker_kept", test_worker_kept},
      {"utf8", test_utf8}};
  return check_main("test_util", argc, argv, cases, sizeof cases / sizeof *cases);
}
