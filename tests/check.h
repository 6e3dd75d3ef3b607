/* Minimal test assertions that print the expression and both values, in the
 * spirit of libuv's test/task.h. A failed check ends the test with exit 1. */
#ifndef DCKPT_TESTS_CHECK_H
#define DCKPT_TESTS_CHECK_H

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_FAIL_(...)                                                                 \
  do {                                                                                   \
    fprintf(stderr, "%s:%d: check failed: ", __FILE__, __LINE__);                        \
    fprintf(stderr, __VA_ARGS__);                                                        \
    fputc('\n', stderr);                                                                 \
    exit(1);                                                                             \
  } while (0)

#define CHECK(cond)                                                                      \
  do {                                                                                   \
    if (!(cond)) CHECK_FAIL_("%s", #cond);                                               \
  } while (0)

#define CHECK_INT_(a, op, b)                                                             \
  do {                                                                                   \
    long long check_a_ = (long long)(a), check_b_ = (long long)(b);                      \
    if (!(check_a_ op check_b_))                                                         \
      CHECK_FAIL_("%s %s %s (%lld vs %lld)", #a, #op, #b, check_a_, check_b_);           \
  } while (0)

#define CHECK_EQ(a, b) CHECK_INT_(a, ==, b)
#define CHECK_NE(a, b) CHECK_INT_(a, !=, b)
#define CHECK_LT(a, b) CHECK_INT_(a, <, b)
#define CHECK_LE(a, b) CHECK_INT_(a, <=, b)
#define CHECK_GT(a, b) CHECK_INT_(a, >, b)
#define CHECK_GE(a, b) CHECK_INT_(a, >=, b)

#define CHECK_STR_EQ(a, b)                                                               \
  do {                                                                                   \
    const char *check_a_ = (a), *check_b_ = (b);                                         \
    if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0)                       \
      CHECK_FAIL_("%s == %s (\"%s\" vs \"%s\")", #a, #b, check_a_ ? check_a_ : "(null)", \
                  check_b_ ? check_b_ : "(null)");                                       \
  } while (0)

#define CHECK_CONTAINS(hay, needle)                                                      \
  do {                                                                                   \
    const char *check_h_ = (hay), *check_n_ = (needle);                                  \
    if (!check_h_ || !strstr(check_h_, check_n_))                                        \
      CHECK_FAIL_("%s contains \"%s\" (got \"%s\")", #hay, check_n_,                     \
                  check_h_ ? check_h_ : "(null)");                                       \
  } while (0)

/* The threads of the process (/proc/self/task). */
static inline int check_threads_now(void) {
  DIR *d = opendir("/proc/self/task");
  CHECK(d != NULL);
  int n = 0;
  for (struct dirent *e; (e = readdir(d));)
    n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

/* A status call that must succeed; prints the status name on failure. */
#define CHECK_OK(expr)                                                                   \
  do {                                                                                   \
    int check_rc_ = (expr);                                                              \
    if (check_rc_ != 0)                                                                  \
      CHECK_FAIL_("%s returned %d (%s)", #expr, check_rc_, dckpt_err_name(check_rc_));   \
  } while (0)

/* A status call that must fail with a given code. */
#define CHECK_RC(expr, want)                                                             \
  do {                                                                                   \
    int check_rc_ = (expr), check_w_ = (want);                                           \
    if (check_rc_ != check_w_)                                                           \
      CHECK_FAIL_("%s returned %s (%d), wanted %s (%d)", #expr,                          \
                  dckpt_err_name(check_rc_), check_rc_, dckpt_err_name(check_w_),        \
                  check_w_);                                                             \
  } while (0)

/* Runs one named test function and reports it. */
#define RUN_TEST(fn)                                                                     \
  do {                                                                                   \
    fprintf(stderr, "-- %s\n", #fn);                                                     \
    fn();                                                                                \
  } while (0)

/* One case of a test program that runs one case a call: `PROG CASE`. */
typedef struct check_case {
  const char *name;
  void (*fn)(void);
} check_case;

/* The main of such a program: runs the case argv[1] names among cases[0, n)
 * and prints "PROG CASE: passed"; 2 for a wrong command line or an unknown
 * case. */
static inline int check_main(const char *prog, int argc, char **argv,
                             const check_case *cases, size_t n) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s CASE\n", prog);
    return 2;
  }
  for (size_t i = 0; i < n; i++) {
    if (strcmp(argv[1], cases[i].name) != 0) continue;
    fprintf(stderr, "-- %s\n", cases[i].name);
    cases[i].fn();
    printf("%s %s: passed\n", prog, argv[1]);
    return 0;
  }
  fprintf(stderr, "%s: unknown case '%s'\n", prog, argv[1]);
  return 2;
}

#endif
