/* The campaign's fingerprint: whether a resume or a growth asks for the run
 * the directory holds. Names, per-algorithm configurations, the campaign
 * object and the seed are compared canonically; the first difference is
 * named, so a changed method or setting can never mix two computations in
 * one run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "util/json_diff.h"

/* Parses a JSON object text of the caller or of metadata.json; NULL text is
 * an empty object. */
static cJSON *object_or_empty(const char *text) {
  cJSON *o = text ? cJSON_Parse(text) : cJSON_CreateObject();
  if (o && !cJSON_IsObject(o)) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

/* EMISMATCH naming `what` and the first difference between two JSON texts. */
static int compare_objects(dckpt_store *s, const char *what, const char *stored,
                           const char *asked) {
  cJSON *a = object_or_empty(stored), *b = object_or_empty(asked);
  int rc = DCKPT_OK;
  dckpt_json_diff d;
  if (!a || !b)
    rc = dckpt_store_fail(s, b ? DCKPT_ECORRUPT : DCKPT_EINVAL,
                          "%s: %s is not a JSON object", what,
                          b ? "the stored one" : "the asked one");
  else if (!dckpt_json_equal(a, b, &d))
    rc = dckpt_store_fail(s, DCKPT_EMISMATCH,
                          "%s%s%s differs: the run in '%s' has %s, %s was asked", what,
                          d.path[0] ? "." : "", d.path, s->dir, d.left, d.right);
  cJSON_Delete(a);
  cJSON_Delete(b);
  return rc;
}

static int compare_algorithms(dckpt_store *s, const dckpt_metadata *m,
                              const dckpt_metadata *asked, bool *unchecked) {
  if (m->n_algorithms != asked->n_algorithms)
    return dckpt_store_fail(s, DCKPT_EMISMATCH,
                            "'%s' holds a run of %zu algorithms; %zu were asked", s->dir,
                            m->n_algorithms, asked->n_algorithms);
  for (size_t a = 0; a < m->n_algorithms; a++) {
    const dckpt_algorithm_info *x = &m->algorithms[a], *y = &asked->algorithms[a];
    if (!y->name || strcmp(x->name, y->name) != 0)
      return dckpt_store_fail(s, DCKPT_EMISMATCH,
                              "algorithm %zu of the run in '%s' is '%s'; '%s' was asked",
                              a, s->dir, x->name, y->name ? y->name : "(none)");
    if (!x->config) {
      *unchecked = *unchecked || y->config != NULL;
      continue;
    }
    char what[320];
    snprintf(what, sizeof what, "algorithms[%zu] ('%s') config", a, x->name);
    DCKPT_TRY(compare_objects(s, what, x->config, y->config));
  }
  return DCKPT_OK;
}

static void seed_text(const dckpt_metadata *m, char *buf, size_t len) {
  if (m->has_seed)
    snprintf(buf, len, "seed %llu", (unsigned long long)m->rng_seed);
  else
    snprintf(buf, len, "no seed");
}

int dckpt_store_check_campaign(dckpt_store *s, const dckpt_metadata *asked) {
  if (!asked) return dckpt_store_fail(s, DCKPT_EINVAL, "check_campaign: NULL metadata");
  dckpt_metadata *m = NULL;
  DCKPT_TRY(dckpt_store_read_metadata(s, NULL, &m));
  bool unchecked = false;
  int rc = compare_algorithms(s, m, asked, &unchecked);
  if (rc == DCKPT_OK && m->campaign)
    rc = compare_objects(s, "campaign", m->campaign, asked->campaign);
  else if (rc == DCKPT_OK)
    unchecked = unchecked || asked->campaign != NULL;
  if (rc == DCKPT_OK && (m->has_seed != asked->has_seed ||
                         (m->has_seed && m->rng_seed != asked->rng_seed))) {
    char have[40], want[40];
    seed_text(m, have, sizeof have);
    seed_text(asked, want, sizeof want);
    rc = dckpt_store_fail(s, DCKPT_EMISMATCH, "the run in '%s' has %s; %s was asked",
                          s->dir, have, want);
  }
  if (rc == DCKPT_OK && unchecked)
    dckpt_log(&s->log, DCKPT_LOG_WARN,
              "the run in '%s' was made by a dckpt that did not record configurations; "
              "they cannot be compared",
              s->dir);
  dckpt_metadata_free(m);
  return rc;
}
