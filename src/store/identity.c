/* Where a file belongs. Every record the store writes carries an identity
 * (format version 2): the run's id, the kind of file, and for checkpoints the
 * algorithm (index and name), trial and iteration. Every load compares it with
 * where the file lies and what was asked, so that a file copied in from
 * another trial, another iteration or another run is refused as corrupt
 * instead of being used (docs/design.md, "Identity"). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "format/record_io.h"
#include "store/store_internal.h"

static const char *const kind_names[] = {"checkpoint", "initial", "problem", "metrics",
                                         "metrics_segment"};

const char *dckpt_kind_name(dckpt_kind kind) {
  return (unsigned)kind < sizeof kind_names / sizeof *kind_names ? kind_names[kind] : "?";
}

int dckpt_make_run_id(char out[DCKPT_RUN_ID_LEN + 1]) {
  unsigned char bytes[DCKPT_RUN_ID_LEN / 2];
  size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return DCKPT_EIO;
    got += (size_t)n;
  }
  for (size_t i = 0; i < sizeof bytes; i++)
    snprintf(out + 2 * i, 3, "%02x", bytes[i]);
  return DCKPT_OK;
}

int dckpt_run_facts_set(dckpt_store *s, const dckpt_metadata *m) {
  dckpt_run_facts_clear(s);
  s->facts.names = calloc(m->n_algorithms + 1, sizeof *s->facts.names);
  bool ok = s->facts.names != NULL;
  for (size_t i = 0; ok && i < m->n_algorithms; i++) {
    ok = (s->facts.names[i] = strdup(m->algorithms[i].name)) != NULL;
    if (ok) s->facts.n_names = i + 1;
  }
  if (!ok) {
    dckpt_run_facts_clear(s);
    return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  }
  if (m->run_id) memcpy(s->facts.run_id, m->run_id, DCKPT_RUN_ID_LEN + 1);
  s->facts.has_run_id = m->run_id != NULL;
  s->facts.loaded = true;
  return DCKPT_OK;
}

int dckpt_store_adopt_metadata(dckpt_store *s, const char *json, size_t len) {
  if (!json) return dckpt_store_fail(s, DCKPT_EINVAL, "adopt_metadata: NULL text");
  dckpt_metadata *m = NULL;
  DCKPT_TRY(dckpt_store_parse_metadata_text(s, json, len, "adopted metadata.json", &m));
  int rc = dckpt_run_facts_set(s, m);
  dckpt_metadata_free(m);
  return rc;
}

/* The run id and algorithm names never change once a run exists, so they are
 * read from metadata.json once per handle (or given to it: adopt_metadata).
 * A directory without a run (a store used without initialize) has neither. */
int dckpt_run_facts(dckpt_store *s, const dckpt_run_facts_t **out) {
  if (!s->facts.loaded) {
    dckpt_metadata *m = NULL;
    dckpt_err saved = s->err;
    int rc = dckpt_store_read_metadata(s, NULL, &m);
    if (rc == DCKPT_ENOENT) {
      /* No run (yet): nothing to compare with. Not cached, since an
       * initialize may come. */
      static const dckpt_run_facts_t none;
      s->err = saved;
      *out = &none;
      return DCKPT_OK;
    }
    if (rc == DCKPT_OK) rc = dckpt_run_facts_set(s, m);
    dckpt_metadata_free(m);
    DCKPT_TRY(rc);
  }
  *out = &s->facts;
  return DCKPT_OK;
}

/* Kinds that belong to one trial, and the key of their number. */
static bool in_trial(dckpt_kind kind) {
  return kind == DCKPT_KIND_CHECKPOINT || kind == DCKPT_KIND_SEGMENT;
}

static const char *number_key(dckpt_kind kind) {
  return kind == DCKPT_KIND_SEGMENT ? "segment" : "iteration";
}

static const char *alg_name(const dckpt_run_facts_t *f, int64_t alg) {
  return alg >= 0 && (uint64_t)alg < f->n_names ? f->names[alg] : NULL;
}

int dckpt_identity_make(dckpt_store *s, const dckpt_where *w, char **text) {
  *text = NULL;
  const dckpt_run_facts_t *f;
  DCKPT_TRY(dckpt_run_facts(s, &f));
  cJSON *o = cJSON_CreateObject();
  if (!o) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  if (f->has_run_id) cJSON_AddStringToObject(o, "run", f->run_id);
  cJSON_AddStringToObject(o, "kind", dckpt_kind_name(w->kind));
  if (in_trial(w->kind)) {
    cJSON_AddNumberToObject(o, "alg", (double)w->alg);
    const char *name = alg_name(f, w->alg);
    if (name) cJSON_AddStringToObject(o, "alg_name", name);
    cJSON_AddNumberToObject(o, "trial", (double)w->trial);
    cJSON_AddNumberToObject(o, number_key(w->kind), (double)w->iteration);
  }
  *text = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  return *text ? DCKPT_OK : dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
}

/* "checkpoint of algorithm 1 ('ATC'), trial 3, iteration 249 of run 5f3a…";
 * a metric segment has "segment 2" in place of the iteration. */
static void describe(char *buf, size_t len, const char *kind, int64_t alg,
                     const char *name, int64_t trial, int64_t iter, const char *run) {
  int n = snprintf(buf, len, "%s", kind);
  if (n < 0 || (size_t)n >= len) return;
  bool segment = !strcmp(kind, dckpt_kind_name(DCKPT_KIND_SEGMENT));
  if (alg >= 0)
    n += snprintf(buf + n, len - (size_t)n,
                  " of algorithm %lld%s%s%s, trial %lld, "
                  "%s %lld",
                  (long long)alg, name ? " ('" : "", name ? name : "", name ? "')" : "",
                  (long long)trial, segment ? "segment" : "iteration", (long long)iter);
  if (n < 0 || (size_t)n >= len) return;
  snprintf(buf + n, len - (size_t)n, " of %s%s", run ? "run " : "a run without an id",
           run ? run : "");
}

static int64_t get_i64(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 9.0e15
             ? (int64_t)v->valuedouble
             : -2;
}

static const char *get_str(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool str_eq(const char *a, const char *b) {
  return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Whether the identity `o` names place `w` of the run described by `f`. */
static bool same_place(const cJSON *o, const dckpt_run_facts_t *f, const dckpt_where *w) {
  if (!str_eq(get_str(o, "run"), f->has_run_id ? f->run_id : NULL)) return false;
  if (!str_eq(get_str(o, "kind"), dckpt_kind_name(w->kind))) return false;
  if (!in_trial(w->kind)) return true;
  const char *name = get_str(o, "alg_name"), *expected = alg_name(f, w->alg);
  return get_i64(o, "alg") == w->alg && get_i64(o, "trial") == w->trial &&
         get_i64(o, number_key(w->kind)) == w->iteration &&
         (!expected || str_eq(name, expected));
}

int dckpt_identity_check(dckpt_store *s, const char *path, const char *identity,
                         const dckpt_where *w) {
  const dckpt_run_facts_t *f;
  DCKPT_TRY(dckpt_run_facts(s, &f));
  const char *run = f->has_run_id ? f->run_id : NULL;
  char want[512];
  describe(want, sizeof want, dckpt_kind_name(w->kind), in_trial(w->kind) ? w->alg : -1,
           alg_name(f, w->alg), w->trial, w->iteration, run);
  if (!identity || !*identity) {
    /* Files of runs made before identities existed have none; such a run has
     * no id either. A run with an id writes one into every record. */
    if (!run) return DCKPT_OK;
    return dckpt_store_fail(s, DCKPT_ECORRUPT,
                            "'%s' carries no identity, so it was not written for this "
                            "run; expected the %s",
                            path, want);
  }
  cJSON *o = cJSON_Parse(identity);
  bool same = o && same_place(o, f, w);
  char got[512] = "an unreadable identity";
  if (o && !same) {
    const char *kind = get_str(o, "kind") ? get_str(o, "kind") : "?";
    bool segment = !strcmp(kind, dckpt_kind_name(DCKPT_KIND_SEGMENT));
    describe(got, sizeof got, kind, get_i64(o, "alg") >= 0 ? get_i64(o, "alg") : -1,
             get_str(o, "alg_name"), get_i64(o, "trial"),
             get_i64(o, segment ? "segment" : "iteration"), get_str(o, "run"));
  }
  cJSON_Delete(o);
  if (same) return DCKPT_OK;
  return dckpt_store_fail(s, DCKPT_ECORRUPT,
                          "'%s' belongs elsewhere: it is the %s; expected the %s", path,
                          got, want);
}

int dckpt_store_read_record(dckpt_store *s, const char *path, const dckpt_where *w,
                            dckpt_record **out) {
  *out = NULL;
  dckpt_record *rec = NULL;
  DCKPT_TRY(dckpt_src_read_record(s, path, &rec, &s->err));
  int rc = dckpt_identity_check(s, path, dckpt_record_identity(rec), w);
  if (rc != DCKPT_OK) {
    dckpt_record_free(rec);
    return rc;
  }
  *out = rec;
  return DCKPT_OK;
}

int dckpt_store_verify_record(dckpt_store *s, const char *path, const dckpt_where *w,
                              dckpt_err *err) {
  char *identity = NULL;
  int rc = dckpt_src_verify_record(s, path, &identity, err);
  if (rc == DCKPT_OK) {
    dckpt_err saved = s->err;
    rc = dckpt_identity_check(s, path, identity, w);
    if (rc != DCKPT_OK) *err = s->err;
    s->err = saved;
  }
  free(identity);
  return rc;
}

int dckpt_store_write_record(dckpt_store *s, const char *path, const dckpt_where *w,
                             const dckpt_record *rec, const dckpt_io_opts *io) {
  char *identity = NULL;
  DCKPT_TRY(dckpt_identity_make(s, w, &identity));
  dckpt_scratch *shared = dckpt_scratch_borrow(false); /* store_internal.h */
  dckpt_scratch *sc = shared ? shared : &s->scratch;
  int rc = dckpt_record_write_atomic(rec, identity, path, s->opts.compression_level, io,
                                     sc, &s->err);
  dckpt_scratch_give_back(shared);
  free(identity);
  return rc;
}
