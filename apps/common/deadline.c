/* --deadline arguments: durations, local times, epochs and the Slurm job's end
 * time. See deadline.h. */
#include "deadline.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "command.h"

/* Larger relative values or epochs are typing mistakes (over 300 years). */
#define MAX_SECONDS 1e10
/* scontrol prints one line per job; a few KiB. Anything longer is cut. */
#define SCONTROL_OUT_MAX 65536

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || errlen == 0) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

/* Parses DIGITS[.DIGITS] at *p (no sign, no exponent, no hex, no inf).
 * @return 0 and advances *p, or -1 when no digit is there. */
static int parse_decimal(const char **p, double *out) {
  const char *s = *p;
  double v = 0;
  int digits = 0;
  for (; isdigit((unsigned char)*s); s++, digits++)
    v = v * 10 + (*s - '0');
  if (*s == '.') {
    double scale = 0.1;
    for (s++; isdigit((unsigned char)*s); s++, digits++, scale /= 10)
      v += (*s - '0') * scale;
  }
  if (digits == 0) return -1;
  *p = s;
  *out = v;
  return 0;
}

/* Reads exactly n digits at s into *out. @return 0 or -1. */
static int fixed_digits(const char *s, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (!isdigit((unsigned char)s[i])) return -1;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 0;
}

/* YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS, local time, whole string.
 * @return 0, -1 when the shape is wrong, -2 when no such local time exists. */
static int parse_local_time(const char *s, double *out) {
  size_t n = strlen(s);
  int y, mo, d, h, mi, sec = 0;
  if (n != 16 && n != 19) return -1;
  if (fixed_digits(s, 4, &y) || s[4] != '-' || fixed_digits(s + 5, 2, &mo) ||
      s[7] != '-' || fixed_digits(s + 8, 2, &d) || s[10] != 'T' ||
      fixed_digits(s + 11, 2, &h) || s[13] != ':' || fixed_digits(s + 14, 2, &mi))
    return -1;
  if (n == 19 && (s[16] != ':' || fixed_digits(s + 17, 2, &sec))) return -1;
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59)
    return -2;
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d;
  tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = sec;
  tm.tm_isdst = -1;
  time_t t = mktime(&tm);
  /* mktime normalises Feb 30 to Mar 2 and a time in a DST gap to another
   * hour: such a time does not exist, so the fields must come back unchanged. */
  if (t == (time_t)-1 || tm.tm_year != y - 1900 || tm.tm_mon != mo - 1 ||
      tm.tm_mday != d || tm.tm_hour != h || tm.tm_min != mi)
    return -2;
  *out = (double)t;
  return 0;
}

static void format_local(double t, char *buf, size_t len) {
  time_t tt = (time_t)t;
  struct tm tm;
  if (!localtime_r(&tt, &tm) || strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
    snprintf(buf, len, "@%.0f", t);
}

/* An absolute deadline must lie ahead. */
static int check_future(const char *arg, double t, double now, double *deadline,
                        char *err, size_t errlen) {
  if (t <= now) {
    char when[32], at[32];
    format_local(t, when, sizeof when);
    format_local(now, at, sizeof at);
    set_err(err, errlen, "deadline '%s': %s is in the past (now is %s)", arg, when, at);
    return -1;
  }
  *deadline = t;
  return 0;
}

/* H:MM:SS after an optional '+'. */
static int parse_hms(const char *arg, const char *s, double *secs, char *err,
                     size_t errlen) {
  int fields = 1;
  for (const char *c = s; *c; c++)
    fields += *c == ':';
  if (fields != 3) {
    set_err(err, errlen,
            "deadline '%s': a duration with colons is H:MM:SS (1:30:00 is an hour and a "
            "half, 0:01:30 a minute and a half)",
            arg);
    return -1;
  }
  const char *p = s;
  double h = 0;
  int mi, sec;
  if (parse_decimal(&p, &h) || strchr(s, '.') || *p != ':' ||
      fixed_digits(p + 1, 2, &mi) || p[3] != ':' || fixed_digits(p + 4, 2, &sec) ||
      p[6] != '\0') {
    set_err(err, errlen, "deadline '%s': not a duration H:MM:SS (like 1:30:00)", arg);
    return -1;
  }
  if (mi > 59 || sec > 59) {
    set_err(err, errlen, "deadline '%s': minutes and seconds must be 00..59", arg);
    return -1;
  }
  *secs = h * 3600 + mi * 60 + sec;
  return 0;
}

/* SECONDS, +SECONDS, 90s, 15m, 2h, 1d, H:MM:SS. */
static int parse_relative(const char *arg, double now, double *deadline, char *err,
                          size_t errlen) {
  const char *s = arg[0] == '+' ? arg + 1 : arg;
  double secs = 0;
  if (strchr(s, ':')) {
    if (parse_hms(arg, s, &secs, err, errlen)) return -1;
  } else {
    const char *p = s;
    if (parse_decimal(&p, &secs)) {
      set_err(err, errlen,
              "deadline '%s': not a duration, a date, @EPOCH or slurm (use %s)", arg,
              APP_DEADLINE_FORMATS);
      return -1;
    }
    static const struct {
      char unit;
      double seconds;
    } units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
    if (*p) {
      size_t u = 0;
      while (u < sizeof units / sizeof units[0] && units[u].unit != *p)
        u++;
      if (u == sizeof units / sizeof units[0] || p[1] != '\0') {
        set_err(err, errlen, "deadline '%s': unknown unit '%s' (use s, m, h or d)", arg,
                p);
        return -1;
      }
      secs *= units[u].seconds;
    }
  }
  if (secs <= 0) {
    set_err(err, errlen, "deadline '%s': the time left must be more than 0 seconds", arg);
    return -1;
  }
  if (secs > MAX_SECONDS) {
    set_err(err, errlen, "deadline '%s': too far ahead (more than %.0f seconds)", arg,
            MAX_SECONDS);
    return -1;
  }
  *deadline = now + secs;
  return 0;
}

static int parse_epoch(const char *arg, double now, double *deadline, char *err,
                       size_t errlen) {
  const char *p = arg + 1;
  double t = 0;
  if (parse_decimal(&p, &t) || *p) {
    set_err(err, errlen, "deadline '%s': @EPOCH wants seconds since 1970 (like @%.0f)",
            arg, now + 3600);
    return -1;
  }
  if (t > MAX_SECONDS) {
    set_err(err, errlen, "deadline '%s': too far ahead", arg);
    return -1;
  }
  return check_future(arg, t, now, deadline, err, errlen);
}

int app_slurm_end_time(const char *job_id, const char *text, double *end, char *err,
                       size_t errlen) {
  static const char key[] = "EndTime=";
  const char *v = NULL;
  for (const char *p = strstr(text, key); p; p = strstr(p + 1, key))
    if (p == text || isspace((unsigned char)p[-1])) {
      v = p + sizeof key - 1;
      break;
    }
  if (!v) {
    set_err(err, errlen, "no EndTime in the output of 'scontrol show job %s'", job_id);
    return -1;
  }
  char value[64];
  size_t n = strcspn(v, " \t\r\n");
  snprintf(value, sizeof value, "%.*s", (int)(n < sizeof value ? n : sizeof value - 1),
           v);
  if (!strcmp(value, "Unknown") || !strcmp(value, "None") || n == 0) {
    set_err(err, errlen,
            "Slurm reports no end time for job %s (EndTime=%s; does it have a time "
            "limit?)",
            job_id, value);
    return -1;
  }
  if (n != 19 || parse_local_time(value, end) != 0) {
    set_err(err, errlen, "job %s: cannot read EndTime=%s (expected YYYY-MM-DDTHH:MM:SS)",
            job_id, value);
    return -1;
  }
  return 0;
}

/* Runs scontrol for job `id` into buf. @return its wait status, or -1 when it
 * could not be started. */
static int run_scontrol(const char *id, char *buf, size_t len) {
  char cmd[128];
  /* SLURM_TIME_FORMAT=standard: a user's "relative" or strftime format would
   * change how EndTime is printed. The id is digits and '_' only (checked). */
  snprintf(cmd, sizeof cmd, "SLURM_TIME_FORMAT=standard scontrol show job -o %s 2>&1",
           id);
  return app_run_capture(cmd, buf, len);
}

static bool all_digits(const char *s) {
  return s && *s && strlen(s) <= 20 && strspn(s, "0123456789") == strlen(s);
}

static int slurm_deadline(const char *arg, double now, double *deadline, char *err,
                          size_t errlen) {
  const char *job = getenv("SLURM_JOB_ID");
  if (!job || !*job) {
    set_err(err, errlen,
            "deadline '%s': not inside a Slurm job (SLURM_JOB_ID is not set)", arg);
    return -1;
  }
  if (!all_digits(job)) {
    set_err(err, errlen, "deadline '%s': SLURM_JOB_ID '%.40s' is not a job id", arg, job);
    return -1;
  }
  /* A task of a job array is asked for as <array job>_<task>: one of the
   * tasks has the array's own id as SLURM_JOB_ID, and 'scontrol show job'
   * of that id lists every task of the array, each with its own EndTime. */
  char id[48];
  const char *array = getenv("SLURM_ARRAY_JOB_ID"), *task = getenv("SLURM_ARRAY_TASK_ID");
  if (all_digits(array) && all_digits(task))
    snprintf(id, sizeof id, "%s_%s", array, task);
  else
    snprintf(id, sizeof id, "%s", job);
  char *out = malloc(SCONTROL_OUT_MAX);
  if (!out) {
    set_err(err, errlen, "deadline '%s': out of memory", arg);
    return -1;
  }
  int status = run_scontrol(id, out, SCONTROL_OUT_MAX);
  int rc = -1;
  if (status == -1) {
    set_err(err, errlen, "deadline '%s': cannot run scontrol: %s", arg, strerror(errno));
  } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    out[strcspn(out, "\n")] = '\0';
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    set_err(err, errlen, "deadline '%s': 'scontrol show job %s' failed (exit %d%s%s)",
            arg, id, code, out[0] ? ": " : "", out);
  } else {
    char why[512];
    double end = 0;
    if (app_slurm_end_time(id, out, &end, why, sizeof why) != 0)
      set_err(err, errlen, "deadline '%s': %s", arg, why);
    else
      rc = check_future(arg, end, now, deadline, err, errlen);
  }
  free(out);
  return rc;
}

int app_parse_deadline(const char *arg, double now, double *deadline, char *err,
                       size_t errlen) {
  if (err && errlen) err[0] = '\0';
  if (!arg || !*arg) {
    set_err(err, errlen, "deadline '': empty (use %s)", APP_DEADLINE_FORMATS);
    return -1;
  }
  if (!strcmp(arg, "slurm")) return slurm_deadline(arg, now, deadline, err, errlen);
  if (arg[0] == '@') return parse_epoch(arg, now, deadline, err, errlen);
  /* A date starts with four digits and a dash; nothing relative does. */
  if (strlen(arg) >= 5 && strspn(arg, "0123456789") == 4 && arg[4] == '-') {
    double t = 0;
    int rc = parse_local_time(arg, &t);
    if (rc == -1) {
      set_err(err, errlen,
              "deadline '%s': a date is YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS", arg);
      return -1;
    }
    if (rc == -2) {
      set_err(err, errlen, "deadline '%s': no such date or local time", arg);
      return -1;
    }
    return check_future(arg, t, now, deadline, err, errlen);
  }
  return parse_relative(arg, now, deadline, err, errlen);
}
