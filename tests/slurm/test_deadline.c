/* Unit tests of app_parse_deadline (apps/common/deadline.h): every accepted
 * form and the refusal of bad input, each message naming the argument and the
 * cause. Needs no Slurm: the `slurm` form is checked here up to running
 * scontrol (and for the parsing of scontrol's output); the scripts in tests/slurm/ check
 * it inside real jobs.
 *
 *   test_deadline              run the tests
 *   test_deadline --print ARG  print the parsed deadline (epoch seconds), for
 *                              the scripts; exit 1 with the message on error */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "deadline.h"

/* A fixed "now" in the future of any test machine clock does not matter: the
 * parser takes now as an argument. 2030-06-15T12:00:00Z. */
static const double NOW = 1907755200.0;

static double ok(const char *arg, double now) {
  char err[512] = "unset";
  double d = -1;
  int rc = app_parse_deadline(arg, now, &d, err, sizeof err);
  if (rc != 0) CHECK_FAIL_("'%s' refused: %s", arg, err);
  CHECK_STR_EQ(err, "");
  return d;
}

static void rel(const char *arg, double seconds) {
  double d = ok(arg, NOW);
  if (d != NOW + seconds)
    CHECK_FAIL_("'%s' gave now%+.3f, wanted now%+.3f", arg, d - NOW, seconds);
}

/* bad ARG WHY: refused, deadline untouched, message names arg and says why. */
static void bad(const char *arg, const char *why) {
  char err[512] = "";
  double d = 42;
  int rc = app_parse_deadline(arg, NOW, &d, err, sizeof err);
  if (rc == 0) CHECK_FAIL_("'%s' accepted as %.3f", arg, d);
  CHECK_EQ(rc, -1);
  CHECK(d == 42);
  char quoted[128];
  snprintf(quoted, sizeof quoted, "deadline '%s'", arg);
  CHECK_CONTAINS(err, quoted);
  CHECK_CONTAINS(err, why);
  printf("  refused %-24s %s\n", arg, err);
}

static void use_tz(const char *tz) {
  setenv("TZ", tz, 1);
  tzset();
}

static void test_relative(void) {
  rel("90", 90);
  rel("+90", 90);
  rel("90.5", 90.5);
  rel("+0.25", 0.25);
  rel("90s", 90);
  rel("+90s", 90);
  rel("15m", 900);
  rel("2h", 7200);
  rel("1.5h", 5400);
  rel("1d", 86400);
  rel("1:30:00", 5400);
  rel("+0:01:30", 90);
  rel("100:00:05", 360005);
  rel("0:00:01", 1);
}

static void test_relative_bad(void) {
  bad("", "empty");
  bad("abc", "not a duration");
  bad("-5", "not a duration");
  bad("+", "not a duration");
  bad("s", "not a duration");
  bad("inf", "not a duration");
  bad("nan", "not a duration");
  bad(" 90", "not a duration");
  bad("90 ", "unknown unit ' '");
  bad("1e3", "unknown unit 'e3'");
  bad("0x10", "unknown unit 'x10'");
  bad("15x", "unknown unit 'x'");
  bad("15ms", "unknown unit 'ms'");
  bad("15m ", "unknown unit 'm '");
  bad("0", "more than 0 seconds");
  bad("+0", "more than 0 seconds");
  bad("0s", "more than 0 seconds");
  bad("0:00:00", "more than 0 seconds");
  bad("99999999999", "too far ahead");
  bad("1:30", "H:MM:SS");
  bad("1:30:00:00", "H:MM:SS");
  bad("1:60:00", "00..59");
  bad("1:30:60", "00..59");
  bad("1:3:00", "not a duration H:MM:SS");
  bad("1.5:00:00", "not a duration H:MM:SS");
  bad(":30:00", "not a duration H:MM:SS");
  bad("1:30:00s", "not a duration H:MM:SS");
}

static void test_absolute(void) {
  use_tz("UTC");
  CHECK(ok("2030-07-01T00:00", NOW) == 1909094400.0);
  CHECK(ok("2030-06-15T12:00:01", NOW) == NOW + 1);
  CHECK(ok("2030-06-15T13:30:00", NOW) == NOW + 5400);
  /* Local time: the same wall clock in UTC+2 (summer time of CET) is two hours
   * earlier. A POSIX TZ string needs no tzdata. */
  use_tz("CET-1CEST,M3.5.0,M10.5.0/3");
  CHECK(ok("2030-06-15T16:30", NOW) == NOW + 2.5 * 3600);
  bad("2031-03-30T02:30", "no such date or local time"); /* skipped by DST */
  CHECK(ok("2031-03-30T03:30", NOW) > NOW);
  use_tz("UTC");
  /* The local time of now + an hour, as the parser's round trip. */
  time_t later = time(NULL) + 3600;
  struct tm tm;
  char buf[32];
  localtime_r(&later, &tm);
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  CHECK(ok(buf, (double)time(NULL)) == (double)later);
}

static void test_absolute_bad(void) {
  use_tz("UTC");
  bad("2020-01-01T00:00", "in the past");
  bad("2030-06-15T12:00:00", "in the past"); /* == now */
  bad("2030-02-30T10:00", "no such date");
  bad("2031-02-29T10:00", "no such date");
  bad("2030-13-01T00:00", "no such date");
  bad("2030-00-10T00:00", "no such date");
  bad("2030-07-01T24:00", "no such date");
  bad("2030-07-01T23:60", "no such date");
  bad("2030-07-01T23:59:60", "no such date");
  bad("1969-12-31T23:59", "no such date");
  bad("2030-7-01T00:00", "YYYY-MM-DDTHH:MM");
  bad("2030-07-01 10:00", "YYYY-MM-DDTHH:MM");
  bad("2030-07-01T10", "YYYY-MM-DDTHH:MM");
  bad("2030-07-01", "YYYY-MM-DDTHH:MM");
  bad("2030-07-01T10:00:00Z", "YYYY-MM-DDTHH:MM");
  bad("2030-07-01T10:00:0", "YYYY-MM-DDTHH:MM");
  bad("2030-07-01T1a:00", "YYYY-MM-DDTHH:MM");
}

static void test_epoch(void) {
  CHECK(ok("@1907755260", NOW) == NOW + 60);
  CHECK(ok("@1907755200.5", NOW) == NOW + 0.5);
  bad("@", "@EPOCH");
  bad("@abc", "@EPOCH");
  bad("@-5", "@EPOCH");
  bad("@12x", "@EPOCH");
  bad("@100", "in the past");
  bad("@1907755200", "in the past");
  bad("@99999999999", "too far ahead");
}

static void test_slurm_env(void) {
  unsetenv("SLURM_JOB_ID");
  bad("slurm", "not inside a Slurm job");
  setenv("SLURM_JOB_ID", "", 1);
  bad("slurm", "not inside a Slurm job");
  setenv("SLURM_JOB_ID", "12;true", 1);
  bad("slurm", "is not a job id");
  setenv("SLURM_JOB_ID", "12 13", 1);
  bad("slurm", "is not a job id");
  /* No scontrol on the PATH: the command fails and the message says so. */
  const char *path = getenv("PATH");
  char *saved = path ? strdup(path) : NULL;
  setenv("PATH", "/nonexistent", 1);
  setenv("SLURM_JOB_ID", "4242", 1);
  bad("slurm", "'scontrol show job 4242' failed (exit 127");
  if (saved) setenv("PATH", saved, 1);
  free(saved);
  unsetenv("SLURM_JOB_ID");
}

/* Output of Slurm 22.05's `scontrol show job -o`, shortened. */
#define JOB_LINE(end)                                                                    \
  "JobId=17 JobName=dckpt UserId=root(0) GroupId=root(0) Priority=1 "                    \
  "JobState=RUNNING Reason=None Restarts=1 RunTime=00:00:05 TimeLimit=00:01:00 "         \
  "SubmitTime=2030-06-15T11:59:00 EligibleTime=2030-06-15T11:59:07 "                     \
  "StartTime=2030-06-15T12:00:00 " end " Deadline=N/A "                                  \
  "PreemptEligibleTime=2030-06-15T12:00:00 PreemptTime=None\n"

static void end_ok(const char *text, double want) {
  char err[256] = "";
  double end = 0;
  if (app_slurm_end_time("17", text, &end, err, sizeof err) != 0)
    CHECK_FAIL_("refused: %s", err);
  CHECK(end == want);
}

static void end_bad(const char *text, const char *why) {
  char err[256] = "";
  double end = 7;
  CHECK_EQ(app_slurm_end_time("17", text, &end, err, sizeof err), -1);
  CHECK(end == 7);
  CHECK_CONTAINS(err, "17");
  CHECK_CONTAINS(err, why);
  printf("  refused scontrol output: %s\n", err);
}

static void test_scontrol_output(void) {
  use_tz("UTC");
  end_ok(JOB_LINE("EndTime=2030-06-15T12:01:00"), NOW + 60);
  end_ok("EndTime=2030-06-15T12:01:00", NOW + 60);
  end_ok("JobId=17\n   EndTime=2030-06-15T12:01:00\n", NOW + 60);
  end_ok("XEndTime=1 EndTime=2030-06-15T12:01:00", NOW + 60);
  end_bad(JOB_LINE("EndTime=Unknown"), "no end time");
  end_bad(JOB_LINE("EndTime=None"), "no end time");
  end_bad(JOB_LINE("EndTime="), "no end time");
  end_bad(JOB_LINE("RunEndTime=2030-06-15T12:01:00"), "no EndTime");
  end_bad("slurm_load_jobs error: Invalid job id specified\n", "no EndTime");
  end_bad("", "no EndTime");
  end_bad(JOB_LINE("EndTime=2030-06-15T12:01"), "cannot read EndTime");
  end_bad(JOB_LINE("EndTime=Tomorr 12:01"), "cannot read EndTime");
  end_bad(JOB_LINE("EndTime=2030-06-31T12:01:00"), "cannot read EndTime");
}

static void test_no_err_buffer(void) {
  double d = 0;
  CHECK_EQ(app_parse_deadline("nope", NOW, &d, NULL, 0), -1);
  char one[1] = {'x'};
  CHECK_EQ(app_parse_deadline("nope", NOW, &d, one, sizeof one), -1);
  CHECK_EQ(one[0], '\0');
  char small[16];
  CHECK_EQ(app_parse_deadline("nope", NOW, &d, small, sizeof small), -1);
  CHECK_EQ(strlen(small), sizeof small - 1);
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "--print")) {
    char err[512];
    double d = 0;
    if (app_parse_deadline(argv[2], (double)time(NULL), &d, err, sizeof err) != 0) {
      fprintf(stderr, "%s\n", err);
      return 1;
    }
    printf("%.0f\n", d);
    return 0;
  }
  if (argc != 1) {
    fprintf(stderr, "usage: test_deadline [--print ARG]\n");
    return 2;
  }
  test_relative();
  test_relative_bad();
  test_absolute();
  test_absolute_bad();
  test_epoch();
  test_slurm_env();
  test_scontrol_output();
  test_no_err_buffer();
  printf("test_deadline: all passed\n");
  return 0;
}
