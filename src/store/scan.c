/* Where every pair of a run stands, at O(algorithms) metadata operations plus
 * O(pairs the completion index does not list): the index is merged and spot
 * checked; each algorithm directory with pairs the index does not list (or
 * that changed since the index recorded it) is listed once; only the trial
 * directories that exist and are not listed have their markers read. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/fs.h"
#include "io/walk.h"
#include "store/index.h"

/* Listed pairs whose complete.json is looked at on every scan. */
#define SPOT_CHECKS 32

typedef struct scanner {
  dckpt_store *s;
  const dckpt_metadata *m;
  dckpt_trial_status *out;
  dckpt_scan_info *info;
  dckpt_index *ix;
  uint8_t *exists; /* trial directories of the algorithm being scanned */
  bool distrust;
  bool sync_found; /* the index will be committed: see read_pair */
} scanner;

void dckpt_scan_info_init(dckpt_scan_info *info) {
  if (!info) return;
  memset(info, 0, sizeof *info);
  info->struct_size = sizeof *info;
}

__attribute__((format(printf, 2, 3))) static void note(scanner *sc, const char *fmt,
                                                       ...) {
  if (sc->info->note[0]) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(sc->info->note, sizeof sc->info->note, fmt, ap);
  va_end(ap);
}

static dckpt_trial_status *at(scanner *sc, size_t a, int64_t t) {
  return &sc->out[a * (size_t)sc->m->n_trials + (size_t)t];
}

/* Reads the markers of one pair; a complete one joins the index. When the
 * index is for committing, such a pair's directory is synced first: a writer
 * killed before its last directory fsync leaves complete.json renamed in the
 * page cache only, and an index committed durably on top of it would list a
 * pair that a power loss then unmarks (tests/powerloss: index_after_kill).
 * The files themselves were synced before their renames. */
static int read_pair(scanner *sc, size_t a, int64_t t) {
  dckpt_trial_status *st = at(sc, a, t);
  DCKPT_TRY(dckpt_store_trial_status(sc->s, (int64_t)a, t, st));
  sc->info->read++;
  if (st->state != DCKPT_TRIAL_COMPLETE) return DCKPT_OK;
  if (sc->sync_found) {
    char *dir = dckpt_layout_trial_dir(sc->s, (int64_t)a, t);
    int rc = dir ? dckpt_io_fsync_dir(dir, &sc->s->err)
                 : dckpt_store_fail(sc->s, DCKPT_ENOMEM, "out of memory");
    free(dir);
    DCKPT_TRY(rc);
  }
  dckpt_index_set(sc->ix, (int64_t)a, t, true);
  return DCKPT_OK;
}

static int deep(scanner *sc) {
  for (size_t a = 0; a < sc->m->n_algorithms; a++)
    for (int64_t t = 0; t < sc->m->n_trials; t++)
      DCKPT_TRY(read_pair(sc, a, t));
  return DCKPT_OK;
}

/* A sample of listed pairs must have a valid complete.json (read and checked
 * as a load of the result would: a marker damaged after the index listed its
 * pair is found here, when drawn). */
static int spot_check(scanner *sc) {
  int64_t listed = dckpt_index_count(sc->ix, -1);
  if (listed == 0) return DCKPT_OK;
  char seed_hex[DCKPT_RUN_ID_LEN + 1];
  DCKPT_TRY(dckpt_make_run_id(seed_hex));
  dckpt_rng rng;
  dckpt_rng_seed(&rng, strtoull(seed_hex + 16, NULL, 16));
  dckpt_err saved = sc->s->err;
  for (int64_t i = 0; i < SPOT_CHECKS && i < listed && !sc->distrust; i++) {
    /* every listed pair when there are few, else a random sample */
    int64_t a, t,
        k = listed <= SPOT_CHECKS ? i : (int64_t)dckpt_rng_below(&rng, (uint64_t)listed);
    dckpt_index_nth(sc->ix, k, &a, &t);
    int rc = dckpt_store_read_complete(sc->s, a, t, NULL, NULL, NULL);
    sc->info->spot_checked++;
    if (rc == DCKPT_ENOMEM) return rc;
    if (rc != DCKPT_OK) {
      note(sc,
           "the completion index lists algorithm %lld trial %lld as complete, but: %s",
           (long long)a, (long long)t, sc->s->err.msg);
      sc->distrust = true;
    }
  }
  sc->s->err = saved;
  return DCKPT_OK;
}

/* The algorithm directory is as the index files recorded it at their commit. */
static bool dir_unchanged(scanner *sc, size_t a) {
  const dckpt_dir_stamp *d = &sc->ix->dirs[a];
  if (dckpt_src_active(sc->s)) return false;
  if (!sc->ix->dirs_agree[a] || d->mtime_ns < 0) return false;
  char *dir = dckpt_layout_alg_dir(sc->s, (int64_t)a);
  struct stat st;
  bool same = dir && stat(dir, &st) == 0 && (uint64_t)st.st_ino == d->ino &&
              (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec == d->mtime_ns;
  free(dir);
  return same;
}

static int see_trial(void *ctx, const dckpt_walk_entry *e, dckpt_err *err) {
  (void)err;
  scanner *sc = ctx;
  int64_t t;
  if (dckpt_layout_parse_trial_dir(e->name, &t) && t < sc->m->n_trials)
    sc->exists[t / 8] |= (uint8_t)(1u << (t % 8));
  return DCKPT_OK;
}

/* Marks the trial directories of an algorithm directory in sc->exists. */
static int list_trials(scanner *sc, const char *dir) {
  if (!dckpt_src_active(sc->s))
    return dckpt_walk(dir, DCKPT_WALK_MISSING_OK, see_trial, sc, &sc->s->err);
  dckpt_dirlist list;
  DCKPT_TRY(dckpt_src_list(sc->s, dir, &list, &sc->s->err));
  for (size_t i = 0; i < list.count; i++) {
    dckpt_walk_entry e = {-1, list.names[i], dir};
    see_trial(sc, &e, NULL);
  }
  dckpt_dirlist_free(&list);
  return DCKPT_OK;
}

static bool exists(const scanner *sc, int64_t t) {
  return (sc->exists[t / 8] >> (t % 8)) & 1;
}

/* One algorithm: listed pairs are complete; the others are looked at when
 * their trial directory exists. */
static int scan_alg(scanner *sc, size_t a) {
  int64_t n = sc->m->n_trials, iters = sc->m->algorithms[a].iterations;
  bool all = dckpt_index_count(sc->ix, (int64_t)a) == n;
  if (!all || !dir_unchanged(sc, a)) {
    memset(sc->exists, 0, ((size_t)n + 7) / 8);
    char *dir = dckpt_layout_alg_dir(sc->s, (int64_t)a);
    if (!dir) return dckpt_store_fail(sc->s, DCKPT_ENOMEM, "out of memory");
    int rc = list_trials(sc, dir);
    free(dir);
    DCKPT_TRY(rc);
    sc->info->dirs_listed++;
    /* the listing checks the listed trials below: the next commit stamps the
     * directory again, so that the next scan need not list it */
    if (dckpt_index_count(sc->ix, (int64_t)a) > 0) {
      sc->ix->changed[a] = true;
      if (all) sc->ix->dirty = true;
    }
  } else {
    memset(sc->exists, 0xff, ((size_t)n + 7) / 8);
  }
  for (int64_t t = 0; t < n && !sc->distrust; t++) {
    bool listed = dckpt_index_has(sc->ix, (int64_t)a, t);
    if (listed && !exists(sc, t)) {
      char *p = dckpt_layout_trial_dir(sc->s, (int64_t)a, t);
      note(sc, "the completion index lists a pair as complete but '%s' is missing",
           p ? p : "?");
      free(p);
      sc->distrust = true;
    } else if (listed) {
      *at(sc, a, t) = (dckpt_trial_status){.state = DCKPT_TRIAL_COMPLETE,
                                           .last_iteration = iters - 1};
    } else if (!exists(sc, t)) {
      *at(sc, a, t) =
          (dckpt_trial_status){.state = DCKPT_TRIAL_NOT_STARTED, .last_iteration = -1};
    } else {
      DCKPT_TRY(read_pair(sc, a, t));
    }
  }
  return DCKPT_OK;
}

static int with_index(scanner *sc) {
  dckpt_index_found ld;
  DCKPT_TRY(dckpt_index_load(sc->s, sc->ix, false, &ld));
  sc->info->index_files = ld.files;
  if (ld.note[0]) note(sc, "%s", ld.note);
  DCKPT_TRY(spot_check(sc));
  int64_t listed = dckpt_index_count(sc->ix, -1);
  for (size_t a = 0; a < sc->m->n_algorithms && !sc->distrust; a++)
    DCKPT_TRY(scan_alg(sc, a));
  if (!sc->distrust) {
    sc->info->listed = listed;
    return DCKPT_OK;
  }
  /* The index lied about a pair: the markers decide, for every pair. */
  size_t len = strlen(sc->info->note);
  snprintf(sc->info->note + len, sizeof sc->info->note - len,
           "; the index is not trusted: every pair's markers were read");
  dckpt_index_clear(sc->ix);
  sc->info->read = 0;
  return deep(sc);
}

static int run_scan(scanner *sc, unsigned flags) {
  sc->info->pairs = (int64_t)sc->m->n_algorithms * sc->m->n_trials;
  if (!(flags & DCKPT_SCAN_DEEP)) return with_index(sc);
  dckpt_index_found ld;
  DCKPT_TRY(dckpt_index_load(sc->s, sc->ix, true, &ld));
  sc->info->index_files = ld.files;
  note(sc, "deep scan: the completion index was not used");
  return deep(sc);
}

int dckpt_store_scan(dckpt_store *s, unsigned flags, dckpt_trial_status *status,
                     size_t n_status, dckpt_scan_info *info, dckpt_index **index) {
  if (index) *index = NULL;
  DCKPT_STORE_NEED(s, "scan", status);
  dckpt_scan_info local;
  dckpt_scan_info_init(&local);
  dckpt_metadata *m = NULL;
  DCKPT_TRY(dckpt_store_read_metadata(s, NULL, &m));
  scanner sc = {.s = s,
                .m = m,
                .out = status,
                .info = &local,
                .sync_found = index && s->writable && dckpt_store_durable(s)};
  int rc = DCKPT_OK;
  if (n_status < m->n_algorithms * (size_t)m->n_trials)
    rc = dckpt_store_fail(s, DCKPT_EINVAL,
                          "scan: room for %zu pair states, the run has %zu x %lld",
                          n_status, m->n_algorithms, (long long)m->n_trials);
  if (rc == DCKPT_OK) rc = dckpt_index_create(s, m, &sc.ix);
  sc.exists = rc == DCKPT_OK ? calloc(((size_t)m->n_trials + 7) / 8 + 1, 1) : NULL;
  if (rc == DCKPT_OK && !sc.exists)
    rc = dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  if (rc == DCKPT_OK) rc = run_scan(&sc, flags);
  if (info) {
    size_t n = info->struct_size && info->struct_size < sizeof local ? info->struct_size
                                                                     : sizeof local;
    memcpy(info, &local, n);
    info->struct_size = n;
  }
  if (rc == DCKPT_OK && index && s->writable)
    *index = sc.ix;
  else
    dckpt_index_free(sc.ix);
  free(sc.exists);
  dckpt_metadata_free(m);
  return rc;
}
