/* The campaign's HDF5 container (docs/bench.md, "One file per campaign"):
 * with --container FILE.h5 a campaign that completes packs itself, every rank
 * taking part, and the file is verified; --prune then removes the trial
 * directories. A later run on the pruned directory prints the results from
 * the container, and one that grows the campaign unpacks the pruned trials
 * first. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "dckpt_container.h"

static int rank0(void) {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r == 0;
}

static int world_size(void) {
  int n = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}

static void on_log(void *ctx, dckpt_log_level level, const char *msg) {
  (void)ctx;
  fprintf(stderr, "dckpt-bench: %s: %s\n", dckpt_log_level_name(level), msg);
}

/* Testing hook: DCKPT_BENCH_TEST_STOP_AT=N stops the process (SIGSTOP) at
 * the N-th step of the pack's aftermath and of the prune, so that a test
 * can kill it there, at a known state (tests/bench_app/container.sh). */
static void step(void) {
  static long count = 0, stop_at = -1;
  if (stop_at < 0) {
    const char *v = getenv("DCKPT_BENCH_TEST_STOP_AT");
    stop_at = v && *v ? strtol(v, NULL, 10) : 0;
  }
  if (stop_at > 0 && ++count == stop_at) raise(SIGSTOP);
}

/* The trial directory (a, t) of the campaign, in buf. */
static void trial_dir(const bench_config *cfg, size_t a, int64_t t, char *buf,
                      size_t len) {
  snprintf(buf, len, "%.4000s/algorithm_%zu/trial_%lld", cfg->checkpoint_dir, a,
           (long long)t);
}

static bool is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The text of metadata.json of `s` (NULL with the message when it has none). */
static char *metadata_text(dckpt_store *s, size_t *len, int *rc) {
  char *text = NULL;
  *rc = dckpt_store_metadata_text(s, &text, len);
  return *rc == DCKPT_OK ? text : NULL;
}

static int remove_tree(const char *path, char *err, size_t len);

/* Whether `dir` holds nothing but results/ (the tables a run that read the
 * container drew there) and dckpt's bookkeeping: no run, no data. */
static bool holds_only_results(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return false;
  bool only = true;
  struct dirent *de;
  while (only && (de = readdir(d)) != NULL) {
    const char *n = de->d_name;
    only = !strcmp(n, ".") || !strcmp(n, "..") || !strcmp(n, "results") ||
           !strcmp(n, DCKPT_RUN_STATUS_FILE) || !strcmp(n, DCKPT_LOCK_FILE) ||
           !strcmp(n, DCKPT_HALT_FILE);
  }
  closedir(d);
  return only;
}

/* The facts rank 0 decides on. */
typedef struct ctr_view {
  dckpt_store *store; /* over the container */
  dckpt_metadata *meta;
  bool exists, pruned, dir_has_run, same_run;
} ctr_view;

static void view_free(ctr_view *v) {
  dckpt_metadata_free(v->meta);
  dckpt_store_close(v->store);
  memset(v, 0, sizeof *v);
}

/* Whether the directory lacks a trial that the container holds. */
static bool lacks_trials(const bench_config *cfg, ctr_view *v) {
  for (size_t a = 0; a < v->meta->n_algorithms; a++)
    for (int64_t t = 0; t < v->meta->n_trials; t++) {
      dckpt_trial_status st;
      if (dckpt_store_trial_status(v->store, (int64_t)a, t, &st) != DCKPT_OK ||
          st.state == DCKPT_TRIAL_NOT_STARTED)
        continue;
      char dir[4200];
      trial_dir(cfg, a, t, dir, sizeof dir);
      if (!is_dir(dir)) return true;
    }
  return false;
}

/* Reads the container and compares it with the directory (rank 0). */
static int look(const bench_config *cfg, ctr_view *v, char *err, size_t len) {
  memset(v, 0, sizeof *v);
  struct stat st;
  if (stat(cfg->container, &st) != 0) {
    if (errno == ENOENT) return 0; /* nothing packed yet */
    snprintf(err, len, "--container %.900s: %s", cfg->container, strerror(errno));
    return BENCH_EXIT_FAILED;
  }
  if (!dckpt_container_probe(cfg->container)) {
    snprintf(err, len,
             "--container %.900s: the file exists and is not an HDF5 container; "
             "not replacing it",
             cfg->container);
    return BENCH_EXIT_FAILED;
  }
  v->exists = true;
  int rc = dckpt_container_open_store(cfg->container, NULL, &v->store);
  if (rc == DCKPT_OK) rc = dckpt_store_load_metadata(v->store, &v->meta);
  size_t clen = 0, dlen = 0;
  char *ctext = rc == DCKPT_OK ? metadata_text(v->store, &clen, &rc) : NULL;
  if (rc != DCKPT_OK) {
    snprintf(err, len, "--container: %s", dckpt_store_errmsg(v->store));
    dckpt_free(ctext);
    return BENCH_EXIT_FAILED;
  }
  dckpt_store_options o;
  dckpt_store_options_init(&o);
  o.flags = DCKPT_OPEN_READ;
  dckpt_store *d = NULL;
  int drc = dckpt_store_open(cfg->checkpoint_dir, &o, &d);
  char *dtext = drc == DCKPT_OK ? metadata_text(d, &dlen, &drc) : NULL;
  v->dir_has_run = dtext != NULL;
  v->same_run = dtext && dlen == clen && !memcmp(dtext, ctext, clen);
  bool empty = false;
  if (!v->dir_has_run && d) dckpt_store_is_empty(d, &empty);
  /* the campaign's trials are in the container only: a directory whose run
   * is the container's but lacks some of its trials, or none at all */
  v->pruned = v->same_run ? lacks_trials(cfg, v)
                          : (!v->dir_has_run &&
                             (empty || holds_only_results(cfg->checkpoint_dir)));
  dckpt_store_close(d);
  dckpt_free(ctext);
  dckpt_free(dtext);
  return 0;
}

/* The container's campaign is the one asked for: the same algorithms, in
 * order, and the same problem and network (what dckpt_run would check). */
static int same_campaign(const bench_config *cfg, const dckpt_metadata *m, char *err,
                         size_t len) {
  bool same = m->n_algorithms == cfg->n_algs;
  for (size_t a = 0; same && a < m->n_algorithms; a++)
    same = !strcmp(m->algorithms[a].name, cfg->algs[a].name);
  char *campaign = bench_campaign_json(cfg, err, len);
  if (!campaign) return BENCH_EXIT_FAILED;
  cJSON *want = cJSON_Parse(campaign),
        *have = m->campaign ? cJSON_Parse(m->campaign) : NULL;
  /* every member the config gives (problem, network) as recorded; the
   * runtime records more (metrics_period) */
  same = same && want && have;
  for (const cJSON *w = want ? want->child : NULL; same && w; w = w->next)
    same = cJSON_Compare(w, cJSON_GetObjectItemCaseSensitive(have, w->string), true);
  cJSON_Delete(want);
  cJSON_Delete(have);
  free(campaign);
  if (same) return 0;
  snprintf(
      err, len,
      "--container %.500s holds another campaign (its algorithms, problem or network "
      "differ from %.300s)",
      cfg->container, cfg->config_path);
  return BENCH_EXIT_FAILED;
}

static bool grows(const bench_config *cfg, const dckpt_metadata *m) {
  return cfg->add_trials > 0 || cfg->add_iterations > 0 || cfg->trials > m->n_trials;
}

/* Rank 0: the plan, and whether the unpack builds the whole directory. */
static int decide(const bench_config *cfg, int *plan, int *whole, char *err, size_t len) {
  *plan = BENCH_CTR_RUN;
  *whole = 0;
  ctr_view v;
  int code = look(cfg, &v, err, len);
  if (code == 0 && v.exists && v.pruned) {
    code = same_campaign(cfg, v.meta, err, len);
    *plan = grows(cfg, v.meta) ? BENCH_CTR_GROW : BENCH_CTR_READ;
    *whole = !v.dir_has_run;
    /* the whole campaign comes back from the container, into an empty DIR:
     * tables drawn there from the container are drawn again by the run */
    char results[4200];
    snprintf(results, sizeof results, "%.4000s/results", cfg->checkpoint_dir);
    if (code == 0 && *whole && *plan == BENCH_CTR_GROW)
      code = remove_tree(results, err, len);
    if (code == 0 && !cfg->quiet)
      printf("%s: the trial directories of %s were pruned: %s\n", cfg->campaign,
             cfg->checkpoint_dir,
             *plan == BENCH_CTR_READ ? "the results come from the container"
                                     : "unpacking them from the container to grow "
                                       "the campaign");
    fflush(stdout);
  }
  view_free(&v);
  return code;
}

int bench_container_before(const bench_config *cfg, bench_ctr_plan *plan) {
  char err[1200] = "";
  int msg[3] = {0, BENCH_CTR_RUN, 0}; /* exit code, plan, whole */
  if (rank0()) {
    msg[0] = decide(cfg, &msg[1], &msg[2], err, sizeof err);
    if (msg[0]) fprintf(stderr, "dckpt-bench: %s\n", err);
  }
  MPI_Bcast(msg, 3, MPI_INT, 0, MPI_COMM_WORLD);
  *plan = (bench_ctr_plan)msg[1];
  if (msg[0] || *plan != BENCH_CTR_GROW) return msg[0];
  dckpt_unpack_options uo;
  dckpt_unpack_options_init(&uo);
  uo.restore = !msg[2];
  uo.durability = cfg->fsync ? DCKPT_DURABILITY_FULL : DCKPT_DURABILITY_NONE;
  uo.log = on_log;
  uo.log_level = DCKPT_LOG_WARN;
  dckpt_unpack_report rep;
  int rc = dckpt_container_unpack(MPI_COMM_WORLD, cfg->container, cfg->checkpoint_dir,
                                  &uo, &rep);
  if (rank0() && rc != DCKPT_OK)
    fprintf(stderr, "dckpt-bench: unpack %s: %s\n", cfg->container, rep.message);
  else if (rank0() && !cfg->quiet)
    printf("unpacked %lld trial directories from %s into %s\n", (long long)rep.n_trials,
           cfg->container, cfg->checkpoint_dir);
  return rc == DCKPT_OK ? 0 : BENCH_EXIT_FAILED;
}

/* mkdir -p: the tables go to DIR/results also when DIR itself is gone and
 * the campaign is in the container alone. */
static int make_dirs(const char *path, char *err, size_t len) {
  char buf[4200];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1;; p++) {
    bool end = *p == '\0';
    if (*p != '/' && !end) continue;
    *p = '\0';
    if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
      snprintf(err, len, "cannot create '%.500s': %s", buf, strerror(errno));
      return -1;
    }
    if (end) return 0;
    *p = '/';
  }
}

int bench_container_results(const bench_config *cfg, char *err, size_t errlen) {
  if (make_dirs(cfg->results_dir, err, errlen) != 0) return DCKPT_EIO;
  dckpt_store *s = NULL;
  int rc = dckpt_container_open_store(cfg->container, NULL, &s);
  if (rc == DCKPT_OK)
    rc = bench_results_from(cfg, s, NULL, 0, err, errlen);
  else
    snprintf(err, errlen, "%s", dckpt_store_errmsg(s));
  dckpt_store_close(s);
  return rc;
}

/* ---- after a completed campaign: pack, verify, prune ---- */

static void on_problem(void *ctx, const char *path, int status, const char *reason) {
  (void)ctx;
  fprintf(stderr, "dckpt-bench: verify: %s: %s (%s)\n", path, reason,
          dckpt_err_name(status));
}

static void on_warning(void *ctx, const char *path, int status, const char *reason) {
  (void)ctx;
  fprintf(stderr, "dckpt-bench: verify: warning: %s: %s (%s)\n", path, reason,
          dckpt_err_name(status));
}

/* Reads the published file back and checks every array (rank 0). */
static int verify(const bench_config *cfg, int *status, char *err, size_t len) {
  dckpt_container *c = NULL;
  size_t bad = 0;
  int rc = dckpt_container_open(cfg->container, &c);
  if (rc == DCKPT_OK)
    rc = dckpt_container_verify_warn(c, on_problem, on_warning, NULL, &bad, NULL);
  if (rc != DCKPT_OK)
    snprintf(err, len, "verify: %s", dckpt_container_errmsg(c));
  else if (bad)
    snprintf(err, len, "verify: %zu problem(s) in %.900s: the directory is kept", bad,
             cfg->container);
  dckpt_container_close(c);
  if (rc != DCKPT_OK || bad) *status = rc != DCKPT_OK ? rc : DCKPT_ECORRUPT;
  return rc != DCKPT_OK || bad ? BENCH_EXIT_FAILED : 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path) != 0 && errno != ENOENT ? -1 : 0;
}

/* rm -rf `path` (a missing one is no error). */
static int remove_tree(const char *path, char *err, size_t len) {
  if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT) {
    snprintf(err, len, "cannot remove '%.500s': %s", path, strerror(errno));
    return BENCH_EXIT_FAILED;
  }
  return 0;
}

static void sync_dir(const char *path) {
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

/*
 * Removes the trial directories (rank 0), after the container was verified.
 * Each goes whole: it is first renamed (atomically) into a folder beside the
 * campaign, DIR.dckpt-pruned, which is then removed; so a kill at any moment
 * leaves every trial directory either whole in DIR or gone, and its trial in
 * the verified container. The completion index (a cache of the markers,
 * DIR/index) goes first, so that it never lists a trial that is gone.
 */
static int prune(const bench_config *cfg, const dckpt_metadata *m, int64_t *n, char *err,
                 size_t len) {
  *n = 0;
  char trash[4200], path[4300], to[4300];
  snprintf(trash, sizeof trash, "%.4000s.dckpt-pruned", cfg->checkpoint_dir);
  int code = remove_tree(trash, err, len); /* left by a killed prune */
  snprintf(path, sizeof path, "%.4000s/index", cfg->checkpoint_dir);
  if (!code) code = remove_tree(path, err, len);
  step();
  if (!code && mkdir(trash, 0755) != 0) {
    snprintf(err, len, "cannot create '%.500s': %s", trash, strerror(errno));
    code = BENCH_EXIT_FAILED;
  }
  for (size_t a = 0; !code && a < m->n_algorithms; a++) {
    for (int64_t t = 0; !code && t < m->n_trials; t++) {
      trial_dir(cfg, a, t, path, sizeof path);
      snprintf(to, sizeof to, "%s/%zu.%lld", trash, a, (long long)t);
      if (!is_dir(path)) continue;
      if (rename(path, to) != 0) {
        snprintf(err, len, "cannot move '%.500s' to '%.500s': %s", path, to,
                 strerror(errno));
        code = BENCH_EXIT_FAILED;
        break;
      }
      (*n)++;
      step();
    }
    snprintf(path, sizeof path, "%.4000s/algorithm_%zu", cfg->checkpoint_dir, a);
    if (cfg->fsync) sync_dir(path);
  }
  if (!code) code = remove_tree(trash, err, len);
  step();
  return code;
}

/* Rank 0: nothing ran, and the container already holds this very campaign
 * complete with every trial also in the directory: packing it again would
 * write the same file. */
static bool up_to_date(const bench_config *cfg, bool ran) {
  if (ran) return false;
  ctr_view v;
  char err[512];
  bool same = look(cfg, &v, err, sizeof err) == 0 && v.exists && v.same_run && !v.pruned;
  view_free(&v);
  return same;
}

static int pack(const bench_config *cfg, int *status, char *err, size_t len) {
#ifdef __GLIBC__
  /* the pack decodes every record into fresh memory and HDF5 takes a fresh
   * buffer per chunk: this process keeps what it frees instead of mapping
   * and unmapping it each time (as dckpt pack does; docs/design.md, "What
   * made pack fast"). A program's choice, so the library does not make it. */
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
  dckpt_pack_options po;
  dckpt_pack_options_init(&po);
  po.verify = true; /* read back and verified before it is published */
  po.durability = cfg->fsync ? DCKPT_DURABILITY_FULL : DCKPT_DURABILITY_NONE;
  po.log = on_log;
  po.log_level = DCKPT_LOG_WARN;
  dckpt_pack_report rep;
  int rc = dckpt_container_pack(MPI_COMM_WORLD, cfg->checkpoint_dir, cfg->container, &po,
                                &rep);
  if (rank0() && rc != DCKPT_OK) {
    snprintf(err, len, "pack %.2000s: %s", cfg->container, rep.message);
    fprintf(stderr, "dckpt-bench: %s\n", err);
    *status = rc;
  } else if (rank0() && !cfg->quiet)
    printf("packed %s into %s: %lld trials, %llu files, %.1f MiB of files -> %.1f MiB "
           "in %.2f s on %d rank(s)\n",
           cfg->checkpoint_dir, cfg->container, (long long)rep.n_trials,
           (unsigned long long)rep.n_files, (double)rep.source_bytes / 1048576.0,
           (double)rep.file_bytes / 1048576.0, rep.seconds, world_size());
  return rc == DCKPT_OK ? 0 : BENCH_EXIT_FAILED;
}

/* Whether DIR (`d`, opened with its lock) still holds what the container
 * holds: the same metadata.json, and every trial at the same state and
 * iteration. Another run may have taken DIR between the pack and now (grown
 * the campaign, or rerun a trial); pruning then would delete work that is in
 * no container. Under DIR's lock, kept until the prune ends, no run can
 * change it meanwhile. */
static int unchanged_since_pack(const bench_config *cfg, dckpt_store *d,
                                const dckpt_metadata *m, char *err, size_t len) {
  dckpt_store *c = NULL;
  char *ctext = NULL, *dtext = NULL;
  size_t clen = 0, dlen = 0;
  int rc = dckpt_container_open_store(cfg->container, NULL, &c);
  if (rc == DCKPT_OK) rc = dckpt_store_metadata_text(c, &ctext, &clen);
  if (rc != DCKPT_OK) snprintf(err, len, "prune: %s", dckpt_store_errmsg(c));
  if (rc == DCKPT_OK && dckpt_store_metadata_text(d, &dtext, &dlen) != DCKPT_OK) {
    snprintf(err, len, "prune: %s", dckpt_store_errmsg(d));
    rc = DCKPT_EIO;
  }
  bool same = rc == DCKPT_OK && clen == dlen && !memcmp(ctext, dtext, clen);
  if (rc == DCKPT_OK && !same)
    snprintf(err, len,
             "prune: %.500s changed since it was packed (its metadata.json is not the "
             "one in %.500s: another run grew or replaced the campaign); nothing pruned, "
             "the next run with --container packs it again",
             cfg->checkpoint_dir, cfg->container);
  for (size_t a = 0; same && a < m->n_algorithms; a++)
    for (int64_t t = 0; same && t < m->n_trials; t++) {
      dckpt_trial_status sd, sc;
      same = dckpt_store_trial_status(d, (int64_t)a, t, &sd) == DCKPT_OK &&
             dckpt_store_trial_status(c, (int64_t)a, t, &sc) == DCKPT_OK &&
             sd.state == sc.state && sd.last_iteration == sc.last_iteration &&
             sd.marker_status == DCKPT_OK;
      if (!same)
        snprintf(err, len,
                 "prune: %.500s changed since it was packed (algorithm %zu, trial %lld "
                 "is not as %.500s holds it); nothing pruned, the next run with "
                 "--container packs it again",
                 cfg->checkpoint_dir, a, (long long)t, cfg->container);
    }
  dckpt_free(ctext);
  dckpt_free(dtext);
  dckpt_store_close(c);
  return same ? 0 : BENCH_EXIT_FAILED;
}

/* Rank 0, once the container is published: verify it, then prune. */
static int verify_and_prune(const bench_config *cfg, int *status, char *err, size_t len) {
  step();
  int code = verify(cfg, status, err, len);
  if (!code && !cfg->quiet) printf("verified %s: every array and file\n", cfg->container);
  dckpt_store *s = NULL;
  dckpt_metadata *m = NULL;
  if (!code && cfg->prune) {
    /* a writing open takes DIR's lock (and refuses while shared runs are
     * registered): no other run changes DIR while it is compared with the
     * container and pruned */
    dckpt_store_options o;
    dckpt_store_options_init(&o);
    o.flags = DCKPT_OPEN_WRITE | DCKPT_OPEN_EXISTING;
    if (cfg->break_lock) o.flags |= DCKPT_OPEN_BREAK_LOCK;
    int rc = dckpt_store_open(cfg->checkpoint_dir, &o, &s);
    if (rc == DCKPT_OK) rc = dckpt_store_load_metadata(s, &m);
    if (rc != DCKPT_OK) {
      snprintf(err, len, "prune: %s", dckpt_store_errmsg(s));
      *status = rc;
      code = BENCH_EXIT_FAILED;
    }
    if (!code) code = unchanged_since_pack(cfg, s, m, err, len);
    int64_t n = 0;
    if (!code) code = prune(cfg, m, &n, err, len);
    if (!code && !cfg->quiet)
      printf("pruned %lld trial directories from %s: the campaign is in %s\n",
             (long long)n, cfg->checkpoint_dir, cfg->container);
  }
  if (code) fprintf(stderr, "dckpt-bench: %s\n", err);
  fflush(stdout);
  dckpt_metadata_free(m);
  dckpt_store_close(s);
  return code;
}

/* Rank 0, once the pack is done: a stop asked for with a HALT file after the
 * run's last look at it (the campaign complete, its pack going on) stops
 * nothing, since nothing is left to stop, but it stays in DIR and would stop
 * the next run on DIR at once: said, with what happened. */
static void halt_after_pack(const bench_config *cfg, int code) {
  /* DIR/HALT, and a named run's own */
  const char *names[2] = {NULL, cfg->run_name};
  char path[4200];
  for (int i = 0; i < (cfg->run_name[0] ? 2 : 1); i++)
    if (dckpt_halt_path(cfg->checkpoint_dir, names[i], path, sizeof path) == DCKPT_OK &&
        access(path, F_OK) == 0)
      fprintf(stderr,
              "dckpt-bench: '%.2000s' appeared after the campaign had completed: %s; "
              "nothing was left to stop. Remove it, or the next run on %.1000s stops "
              "at once\n",
              path,
              code         ? "the container step failed (above)"
              : cfg->prune ? "the pack, verification and prune went on to their end"
                           : "the pack and its verification went on to their end",
              cfg->checkpoint_dir);
}

int bench_container_after(const bench_config *cfg, bool ran, int *status, char *err,
                          size_t len) {
  *status = DCKPT_EIO;
  err[0] = '\0';
  int skip = rank0() && up_to_date(cfg, ran);
  MPI_Bcast(&skip, 1, MPI_INT, 0, MPI_COMM_WORLD);
  int code = 0;
  if (!skip)
    code = pack(cfg, status, err, len);
  else if (rank0() && !cfg->quiet)
    printf("%s already holds this campaign: not packed again\n", cfg->container);
  if (!code && rank0()) code = verify_and_prune(cfg, status, err, len);
  if (rank0() && !skip) halt_after_pack(cfg, code);
  return bench_agree(code);
}
