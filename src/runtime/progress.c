/* Progress reports on rank 0: a live line on a terminal, periodic one-line
 * summaries otherwise (batch logs). Resumed work counts as done. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/runtime_internal.h"

void run_progress_start(run_progress *p, const dckpt_run_options *o, const run_plan *plan,
                        const dckpt_algorithm *algs, size_t n_algs) {
  memset(p, 0, sizeof *p);
  p->out = o->progress_stream ? (FILE *)o->progress_stream : stderr;
  p->mode = o->progress;
  p->tty = isatty(fileno(p->out)) == 1;
  p->interval = p->tty ? 0.5 : (o->progress_interval > 0 ? o->progress_interval : 30.0);
  p->start = p->last = run_now();
  p->total = plan->work_total;
  p->done_at_start = plan->work_done;
  p->algs = algs;
  p->n_algs = n_algs;
  p->plan = plan;
}

static void format_duration(double s, char *buf, size_t len) {
  if (s < 0 || s > 1e9) {
    snprintf(buf, len, "?");
    return;
  }
  long t = (long)(s + 0.5);
  if (t >= 3600)
    snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  else
    snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
}

static void per_algorithm(const run_progress *p, const int64_t *done, char *buf,
                          size_t len) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t a = 0; a < p->n_algs && used + 1 < len; a++) {
    double all = (double)p->plan->iterations[a] * (double)p->plan->n_trials;
    int n = snprintf(buf + used, len - used, "%s%s %.0f%%", a ? ", " : "",
                     p->algs[a].name, all > 0 ? 100.0 * (double)done[a] / all : 100.0);
    if (n < 0) break;
    used += (size_t)n;
  }
}

void run_progress_tick(run_progress *p, run_sched *s, bool final) {
  if (p->mode == 0 || s->rank != 0) return;
  if (p->done_at_start >= p->total) return; /* nothing to do: nothing to report */
  double now = run_now();
  if (!final && now - p->last < p->interval) return;
  p->last = now;
  int64_t done = 0;
  int64_t *alg_done = calloc(p->n_algs + 1, sizeof *alg_done);
  if (!alg_done) return;
  run_sched_read_work(s, &done, alg_done);
  double frac = p->total > 0 ? (double)done / (double)p->total : 1.0;
  double rate = (double)(done - p->done_at_start) / (now - p->start + 1e-9);
  char eta[32], algs[512];
  format_duration(rate > 0 ? (double)(p->total - done) / rate : -1, eta, sizeof eta);
  per_algorithm(p, alg_done, algs, sizeof algs);
  free(alg_done);
  if (p->tty) {
    char bar[31];
    int fill = (int)(frac * 30.0);
    for (int i = 0; i < 30; i++)
      bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    fprintf(p->out, "\r[%s] %5.1f%%  %.0f it/s  ETA %s  %s\033[K%s", bar, 100.0 * frac,
            rate, eta, algs, final ? "\n" : "");
  } else {
    fprintf(p->out, "progress: %.1f%% (%lld/%lld iterations), %.0f it/s, ETA %s; %s\n",
            100.0 * frac, (long long)done, (long long)p->total, rate, eta, algs);
  }
  fflush(p->out);
}
