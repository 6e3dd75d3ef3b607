/* Recovery from one crash state, as a resubmitted job would do it: open the
 * run for writing (taking over the dead writer's lock), verify it, read back
 * everything that was committed and compare it with the versions before and
 * after the call in flight, then finish the campaign and check its results.
 * Runs in its own process; the exit status says what went wrong. */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "dckpt_container.h"
#include "io/fs.h"
#include "pl.h"
#include "testutil.h"

static const pl_run *run;
static size_t bad_files; /* problems verify found; the caller judges them */

__attribute__((format(printf, 2, 3), noreturn)) static void fail(int code,
                                                                 const char *fmt, ...) {
  static const char *const what[] = {
      "committed data lost", "the run cannot resume", "damaged data accepted",
      "neither the state before nor the one after", "verify finds damaged files"};
  fprintf(stderr, "    %s: ", what[code - PL_LOST]);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  fflush(stderr);
  _exit(code);
}

/* ---- what the run holds now ---- */

static int read_tag(const char *bm) {
  const char *p = bm ? strstr(bm, "\"tag\":") : NULL;
  return p ? atoi(p + 6) : 0;
}

static void observe_plan(dckpt_store *s, pl_version *seen) {
  dckpt_metadata *m = NULL;
  int rc = dckpt_store_load_metadata(s, &m);
  if (rc == DCKPT_ENOENT) return;
  if (rc != DCKPT_OK) fail(PL_STUCK, "metadata: %s", dckpt_store_errmsg(s));
  seen->run = true;
  seen->n_trials = m->n_trials;
  if (m->n_algorithms != PL_ALGS)
    fail(PL_DAMAGED, "metadata names %zu algorithms", m->n_algorithms);
  for (int a = 0; a < PL_ALGS; a++)
    seen->iterations[a] = m->algorithms[a].iterations;
  seen->tag = read_tag(m->benchmark_metadata);
  dckpt_metadata_free(m);
  if (seen->n_trials > PL_TRIALS)
    fail(PL_DAMAGED, "metadata says %lld trials", (long long)seen->n_trials);
}

static void check_root_records(dckpt_store *s) {
  dckpt_record *r = NULL;
  if (dckpt_store_load_initial_algorithms(s, &r) != DCKPT_OK)
    fail(PL_STUCK, "initial algorithms: %s", dckpt_store_errmsg(s));
  bool same = tu_state_equal(r, 77, -1, 64);
  dckpt_record_free(r);
  if (!same) fail(PL_DAMAGED, "initial algorithms differ from what was saved");
  if (dckpt_store_load_problem(s, &r) != DCKPT_OK)
    fail(PL_STUCK, "problem: %s", dckpt_store_errmsg(s));
  same = tu_state_equal(r, 78, -1, 64);
  dckpt_record_free(r);
  if (!same) fail(PL_DAMAGED, "problem record differs from what was saved");
}

/* Every metric segment the loaded checkpoint lists is there, sound and the
 * one it names: the checkpoint is committed, and so is the history it builds
 * on. */
static void check_segments(dckpt_store *s, const dckpt_record *r, int64_t a, int64_t t,
                           int64_t it) {
  dckpt_array_info info;
  if (dckpt_record_find(r, DCKPT_SEGMENTS_KEY, &info) != DCKPT_OK) return;
  const uint64_t *digests = info.data;
  for (uint64_t q = 0; q < info.nelems; q++) {
    dckpt_record *seg = NULL;
    if (dckpt_store_load_segment(s, a, t, (int64_t)q, digests[q], &seg) != DCKPT_OK)
      fail(PL_LOST, "trial (%lld, %lld): checkpoint %lld lists metric segment %llu: %s",
           (long long)a, (long long)t, (long long)it, (unsigned long long)q,
           dckpt_store_errmsg(s));
    bool same = pl_segment_equal(seg, a, t, (int64_t)q);
    dckpt_record_free(seg);
    if (!same)
      fail(PL_DAMAGED, "trial (%lld, %lld): metric segment %llu holds other bytes",
           (long long)a, (long long)t, (unsigned long long)q);
  }
}

static void observe_trial(dckpt_store *s, pl_version *seen, int64_t a, int64_t t) {
  dckpt_record *r = NULL;
  int64_t it = -1;
  if (dckpt_store_load_latest(s, a, t, &r, &it) != DCKPT_OK)
    fail(PL_STUCK, "load_latest(%lld, %lld): %s", (long long)a, (long long)t,
         dckpt_store_errmsg(s));
  if (r && !pl_state_equal(r, a, t, it))
    fail(PL_DAMAGED, "trial (%lld, %lld) loaded iteration %lld with other bytes",
         (long long)a, (long long)t, (long long)it);
  if (r) check_segments(s, r, a, t, it);
  dckpt_record_free(r);
  seen->last[a][t] = it;
  bool done = false;
  CHECK_OK(dckpt_store_trial_is_complete(s, a, t, &done));
  seen->complete[a][t] = done;
  if (!done) return;
  if (dckpt_store_load_final_state(s, a, t, &r) != DCKPT_OK)
    fail(PL_STUCK, "trial (%lld, %lld) is marked complete but: %s", (long long)a,
         (long long)t, dckpt_store_errmsg(s));
  bool same = pl_state_equal(r, a, t, seen->iterations[a] - 1);
  dckpt_record_free(r);
  if (!same)
    fail(PL_DAMAGED, "final state of trial (%lld, %lld) is not that of iteration %lld",
         (long long)a, (long long)t, (long long)seen->iterations[a] - 1);
}

static void observe_metrics(dckpt_store *s, pl_version *seen) {
  dckpt_record *r = NULL;
  int rc = dckpt_store_load_metrics(s, &r);
  if (rc == DCKPT_ENOTCOMPLETE) return;
  if (rc == DCKPT_ECORRUPT) { /* refused, not accepted: a damaged file left */
    fprintf(stderr, "    metrics: %s\n", dckpt_store_errmsg(s));
    bad_files++;
    seen->metrics = -1;
    return;
  }
  if (rc != DCKPT_OK) fail(PL_STUCK, "metrics: %s", dckpt_store_errmsg(s));
  for (int v = 1; v <= 3 && !seen->metrics; v++)
    if (tu_state_equal(r, 500 + (uint64_t)v, 0, 300)) seen->metrics = v;
  dckpt_record_free(r);
  if (!seen->metrics) fail(PL_DAMAGED, "the metrics record is none that was saved");
}

/* An archive counts when libarchive reads every entry of it to the end. */
static void check_archive(const char *path) {
  struct archive *a = archive_read_new();
  archive_read_support_format_zip(a);
  if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK)
    fail(PL_DAMAGED, "backup '%s' does not open: %s", path, archive_error_string(a));
  struct archive_entry *e;
  int n = 0, rc;
  bool meta = false;
  while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
    n++;
    meta = meta || !strcmp(archive_entry_pathname(e), "metadata.json");
    if (archive_read_data_skip(a) != ARCHIVE_OK) break;
  }
  if (rc != ARCHIVE_EOF || !meta)
    fail(PL_DAMAGED, "backup '%s' is damaged after %d entries: %s", path, n,
         archive_error_string(a));
  archive_read_free(a);
}

static void observe_siblings(dckpt_store *s, pl_version *seen) {
  dckpt_dirlist l;
  dckpt_err e;
  CHECK_OK(dckpt_list_dir(run->world, &l, &e));
  for (size_t i = 0; i < l.count; i++) {
    if (strncmp(l.names[i], "run_backup_", 11) != 0) continue;
    char path[1400];
    snprintf(path, sizeof path, "%s/%s", run->world, l.names[i]);
    check_archive(path);
    seen->backups++;
  }
  dckpt_dirlist_free(&l);
  dckpt_run_status *st = NULL;
  int rc = dckpt_store_read_run_status(s, &st);
  const char *why = dckpt_store_errmsg(s);
  if (rc == DCKPT_ECORRUPT) {
    fprintf(stderr, "    run_status.json: %s\n", why);
    bad_files++; /* refused, not accepted: a damaged file left behind */
    seen->status = -1;
  } else if (rc == DCKPT_OK) {
    seen->status = (int)st->iterations_run;
    if (seen->status < 1 || seen->status > 3 || st->pairs_total != 7)
      fail(PL_DAMAGED, "run_status.json says %lld iterations of %lld pairs",
           (long long)st->iterations_run, (long long)st->pairs_total);
  } else if (rc != DCKPT_ENOENT) {
    fail(PL_STUCK, "run_status.json: %s", why);
  }
  dckpt_free(st);
}

static void on_bad(void *ctx, const char *path, int status, const char *reason);

/* The run a container holds: the newest version with a run. */
static const pl_version *packed_run(void) {
  int j = run->n_calls;
  while (j > 0 && !run->v[j].run)
    j--;
  return &run->v[j];
}

/* FILE.h5: absent (0); refused, not accepted (-1, a damaged file left); or
 * it verifies and holds the newest checkpoint of every trial packed (1). */
static void observe_container(pl_version *seen) {
  if (access(run->file, F_OK) != 0) return;
  dckpt_container *c = NULL;
  size_t n_bad = 0;
  int rc = dckpt_container_open(run->file, &c);
  if (rc == DCKPT_OK) rc = dckpt_container_verify(c, on_bad, NULL, &n_bad);
  if (rc != DCKPT_OK || n_bad) {
    fprintf(stderr, "    FILE.h5 refused: %s\n",
            rc != DCKPT_OK ? dckpt_container_errmsg(c) : "problems listed above");
    dckpt_container_close(c);
    bad_files++;
    seen->container = -1;
    return;
  }
  const pl_version *v = packed_run();
  for (int a = 0; a < PL_ALGS; a++)
    for (int t = 0; t < v->n_trials; t++) {
      if (v->last[a][t] < 0) continue;
      char path[128];
      snprintf(path, sizeof path, "algorithm_%d/trial_%d/checkpoint_%07lld.dckpt", a, t,
               (long long)v->last[a][t]);
      dckpt_record *rec = NULL;
      if (dckpt_container_load_record(c, path, &rec, NULL) != DCKPT_OK)
        fail(PL_DAMAGED, "FILE.h5 verifies but %s does not load: %s", path,
             dckpt_container_errmsg(c));
      bool same = pl_state_equal(rec, a, t, v->last[a][t]);
      dckpt_record_free(rec);
      if (!same) fail(PL_DAMAGED, "FILE.h5 holds other bytes for %s", path);
    }
  dckpt_container_close(c);
  seen->container = 1;
}

/* The results hold an algorithm only when all its trials are complete, and
 * then exactly their final states. */
static void check_partial_results(dckpt_store *s, const pl_version *seen) {
  dckpt_result *res = NULL;
  if (dckpt_store_load_results(s, &res) != DCKPT_OK)
    fail(PL_STUCK, "load_result: %s", dckpt_store_errmsg(s));
  for (size_t i = 0; i < dckpt_result_n_algorithms(res); i++) {
    int64_t a = dckpt_result_algorithm_index(res, i);
    for (int64_t t = 0; t < seen->n_trials; t++) {
      if (!seen->complete[a][t])
        fail(PL_DAMAGED,
             "the results hold algorithm %lld, whose trial %lld is not complete",
             (long long)a, (long long)t);
      if (!pl_state_equal(dckpt_result_trial(res, i, t), a, t, seen->iterations[a] - 1))
        fail(PL_DAMAGED, "the result of trial (%lld, %lld) is not its final state",
             (long long)a, (long long)t);
    }
  }
  dckpt_result_free(res);
}

/* The completion index may lag behind the markers, never lead: a scan
 * through it must say what reading every pair's markers says (a pair it
 * called complete that is not would be skipped by every resume). */
static void check_index(dckpt_store *s, const pl_version *seen) {
  dckpt_trial_status fast[PL_ALGS * PL_TRIALS], deep[PL_ALGS * PL_TRIALS];
  dckpt_scan_info info;
  dckpt_scan_info_init(&info);
  size_t n = PL_ALGS * PL_TRIALS;
  if (dckpt_store_scan(s, 0, fast, n, &info, NULL) != DCKPT_OK ||
      dckpt_store_scan(s, DCKPT_SCAN_DEEP, deep, n, NULL, NULL) != DCKPT_OK)
    fail(PL_STUCK, "scan: %s", dckpt_store_errmsg(s));
  if (info.note[0]) fprintf(stderr, "    scan: %s\n", info.note);
  for (int64_t a = 0; a < PL_ALGS; a++)
    for (int64_t t = 0; t < seen->n_trials; t++) {
      size_t i = (size_t)(a * seen->n_trials + t);
      bool listed = fast[i].state == DCKPT_TRIAL_COMPLETE;
      if (listed != (deep[i].state == DCKPT_TRIAL_COMPLETE))
        fail(PL_STUCK,
             "the scan calls trial (%lld, %lld) %s, its markers do not (the index "
             "%s; %lld pair(s) listed)",
             (long long)a, (long long)t, listed ? "complete" : "not complete",
             listed ? "leads" : "lags without a rescan", (long long)info.listed);
    }
}

/* progress.json is a hint that a durable save never flushes (docs/design.md,
 * "Commit protocol"): a power loss may leave it unreadable, missing or
 * naming a checkpoint whose rename was lost. Verify calls that a warning, not
 * a problem, so every problem it reports counts as a bad file; what a warning
 * says about the resume is checked by observe_trial's load. */
static void on_bad(void *ctx, const char *path, int status, const char *reason) {
  (void)ctx;
  fprintf(stderr, "    verify: %s [%s] %s\n", path, dckpt_err_name(status), reason);
}

static void on_warn(void *ctx, const char *path, int status, const char *reason) {
  (void)ctx;
  const char *slash = strrchr(path, '/');
  if (strcmp(slash ? slash + 1 : path, "progress.json") != 0)
    fail(PL_STUCK, "verify warned about '%s', which is not a hint: %s [%s]", path, reason,
         dckpt_err_name(status));
}

static pl_version observe(dckpt_store *s) {
  pl_version seen = pl_none();
  observe_plan(s, &seen);
  observe_siblings(s, &seen);
  size_t verified = 0; /* store verify sets its count (FILE.h5's come first) */
  if (seen.run)
    CHECK_OK(dckpt_store_verify_warn(s, on_bad, on_warn, NULL, &verified, NULL));
  bad_files += verified;
  observe_container(&seen);
  if (!seen.run) return seen;
  check_root_records(s);
  for (int64_t a = 0; a < PL_ALGS; a++)
    for (int64_t t = 0; t < seen.n_trials; t++)
      observe_trial(s, &seen, a, t);
  check_index(s, &seen);
  observe_metrics(s, &seen);
  check_partial_results(s, &seen);
  return seen;
}

/* ---- before or after ---- */

/* Which versions hold the value that `seen` holds in the field at `off`, as
 * a bit set over v[0..n_calls]. */
static unsigned matches(const pl_version *seen, const void *field, size_t size) {
  size_t off = (size_t)((const char *)field - (const char *)seen);
  unsigned m = 0;
  for (int j = 0; j <= run->n_calls; j++)
    if (!memcmp((const char *)&run->v[j] + off, field, size)) m |= 1u << j;
  return m;
}

#define MATCHES(field) matches(seen, &seen->field, sizeof seen->field)

/* A value must be that of v[marks] or v[marks + 1]; one only older ones have
 * (or, with `older`, one older than all allowed) means something committed
 * was lost. */
static int newest; /* the newest version a state may hold */

static unsigned common; /* the versions every field judged so far matches */

static void judge(const char *what, unsigned matches, int marks, bool older) {
  common &= matches;
  unsigned allowed = 0;
  for (int j = marks; j <= newest && j <= run->n_calls; j++)
    allowed |= 1u << j;
  if (matches & allowed) return;
  if (older || (matches & ((1u << marks) - 1)))
    fail(PL_LOST, "%s is that of an older version (after %d call(s) had returned)", what,
         marks);
  fail(PL_MISMATCH, "%s matches no version of the run", what);
}

/* A trial's newest checkpoint older than every allowed version's. */
static bool older_checkpoint(const pl_version *seen, int a, int t, int marks) {
  int64_t lo = run->v[marks].last[a][t];
  for (int j = marks + 1; j <= newest && j <= run->n_calls; j++)
    if (run->v[j].last[a][t] < lo) lo = run->v[j].last[a][t];
  return seen->last[a][t] < lo;
}

static void compare_fields(const pl_version *seen, int marks, unsigned flags) {
  judge("whether a run exists", MATCHES(run), marks, false);
  judge("the backups", MATCHES(backups), marks, false);
  if (seen->status >= 0) judge("run_status.json", MATCHES(status), marks, false);
  if (seen->container >= 0) judge("FILE.h5", MATCHES(container), marks, false);
  if (!seen->run) return;
  judge("n_trials", MATCHES(n_trials), marks, false);
  judge("the plan's iterations", MATCHES(iterations[0]) & MATCHES(iterations[1]), marks,
        false);
  judge("benchmark_metadata", MATCHES(tag), marks, false);
  if (seen->metrics >= 0) judge("the metrics", MATCHES(metrics), marks, false);
  char what[128];
  for (int a = 0; a < PL_ALGS; a++)
    for (int t = 0; t < PL_TRIALS; t++) {
      snprintf(what, sizeof what, "the newest checkpoint of trial (%d, %d) (%lld)", a, t,
               (long long)seen->last[a][t]);
      judge(what, MATCHES(last[a][t]), marks, older_checkpoint(seen, a, t, marks));
      if ((flags & PL_MAY_UNMARK) && !seen->complete[a][t]) continue;
      snprintf(what, sizeof what, "completion of trial (%d, %d) (%s)", a, t,
               seen->complete[a][t] ? "complete" : "not complete");
      judge(what, MATCHES(complete[a][t]), marks, false);
    }
}

/* Each field must be that of an allowed version; with PL_WHOLE, all of them
 * that of one same version (a run that appears whole or not at all). */
static void compare(const pl_version *seen, int marks, unsigned flags) {
  common = ~0u;
  compare_fields(seen, marks, flags);
  unsigned allowed = 0;
  for (int j = marks; j <= newest && j <= run->n_calls; j++)
    allowed |= 1u << j;
  if ((flags & PL_WHOLE) && !(common & allowed))
    fail(PL_MISMATCH, "the run mixes versions (each part is that of some version)");
}

/* ---- finishing the run ---- */

static void finish_trial(dckpt_store *s, const pl_version *seen, int64_t a, int64_t t) {
  int64_t final = seen->iterations[a] - 1;
  for (int64_t i = seen->last[a][t] < final ? seen->last[a][t] + 1 : final; i <= final;
       i++) {
    dckpt_record *st = pl_state(a, t, i);
    int rc = i == final ? dckpt_store_mark_complete(s, a, t, i, st)
                        : dckpt_store_save(s, a, t, i, st);
    dckpt_record_free(st);
    if (rc != DCKPT_OK)
      fail(PL_STUCK, "resuming trial (%lld, %lld) at %lld: %s", (long long)a,
           (long long)t, (long long)i, dckpt_store_errmsg(s));
  }
}

static void check_results(dckpt_store *s, const pl_version *seen) {
  dckpt_result *res = NULL;
  if (dckpt_store_load_results(s, &res) != DCKPT_OK)
    fail(PL_STUCK, "load_result: %s", dckpt_store_errmsg(s));
  if (dckpt_result_n_algorithms(res) != PL_ALGS)
    fail(PL_STUCK, "the results hold %zu algorithm(s)", dckpt_result_n_algorithms(res));
  for (size_t a = 0; a < PL_ALGS; a++)
    for (int64_t t = 0; t < seen->n_trials; t++)
      if (!pl_state_equal(dckpt_result_trial(res, a, t), (int64_t)a, t,
                          seen->iterations[a] - 1))
        fail(PL_DAMAGED, "the result of trial (%zu, %lld) is not its final state", a,
             (long long)t);
  dckpt_result_free(res);
  dckpt_record *m = pl_metrics(3), *back = NULL;
  if (dckpt_store_save_metrics(s, m) != DCKPT_OK || dckpt_store_load_metrics(s, &back))
    fail(PL_STUCK, "metrics after the run: %s", dckpt_store_errmsg(s));
  if (!tu_state_equal(back, 503, 0, 300)) fail(PL_DAMAGED, "metrics read back differ");
  dckpt_record_free(m);
  dckpt_record_free(back);
}

/* What a resubmitted job does: the operation again (when the scenario says
 * how: it is idempotent), then every trial to its end, then the results. */
static void finish(dckpt_store *s, const pl_scenario *sc) {
  pl_version seen = pl_none();
  observe_plan(s, &seen);
  if (!seen.run) {
    int j = 0;
    while (j <= run->n_calls && !run->v[j].run)
      j++;
    if (j > run->n_calls) return; /* no version has a run: nothing to finish */
    pl_initialize_with(s, &run->v[j]);
    observe_plan(s, &seen);
  }
  if (!pl_scenario_redo(sc, s, run))
    fail(PL_STUCK, "redoing the operation: %s", dckpt_store_errmsg(s));
  observe_plan(s, &seen);
  for (int64_t a = 0; a < PL_ALGS; a++)
    for (int64_t t = 0; t < seen.n_trials; t++)
      observe_trial(s, &seen, a, t);
  for (int64_t a = 0; a < PL_ALGS; a++)
    for (int64_t t = 0; t < seen.n_trials; t++)
      if (!seen.complete[a][t]) finish_trial(s, &seen, a, t);
  check_results(s, &seen);
}

void pl_recover(const pl_run *r, const pl_scenario *sc, int marks, int upto) {
  run = r;
  newest = upto;
  dckpt_store_options o = pl_store_options(r);
  dckpt_store *s = NULL;
  if (dckpt_store_open(r->dir, &o, &s) != DCKPT_OK)
    fail(PL_STUCK, "open for writing: %s", dckpt_store_errmsg(s));
  pl_version seen = observe(s);
  compare(&seen, marks, sc->flags);
  finish(s, sc);
  dckpt_store_close(s);
  if (bad_files && !(sc->flags & PL_DAMAGED_BEFORE))
    fail(PL_BAD_FILES, "%zu file(s) (listed above)", bad_files);
  fflush(NULL);
  _exit(PL_RECOVERED);
}
