/* The run directory's names and kinds (layout.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "io/atomic.h"
#include "io/path.h"
#include "store/store_internal.h"

static bool has_prefix(const char *name, const char *prefix) {
  return strncmp(name, prefix, strlen(prefix)) == 0;
}

dckpt_entry_kind dckpt_layout_kind(const char *name) {
  static const struct {
    const char *name;
    dckpt_entry_kind kind;
  } fixed[] = {
      {DCKPT_METADATA_FILE, DCKPT_ENTRY_METADATA},
      {DCKPT_PROBLEM_FILE, DCKPT_ENTRY_PROBLEM},
      {DCKPT_INITIAL_FILE, DCKPT_ENTRY_INITIAL},
      {DCKPT_METRICS_FILE, DCKPT_ENTRY_METRICS},
      {DCKPT_METRICS_MARKER, DCKPT_ENTRY_METRICS_MARKER},
      {DCKPT_RESULTS_DIR, DCKPT_ENTRY_RESULTS},
      {DCKPT_INDEX_DIR, DCKPT_ENTRY_INDEX},
      {DCKPT_LOCK_FILE, DCKPT_ENTRY_LOCK},
      {DCKPT_LEASES_DIR, DCKPT_ENTRY_LEASES},
      {DCKPT_RUNS_DIR, DCKPT_ENTRY_RUNS},
      {DCKPT_HALT_FILE, DCKPT_ENTRY_HALT},
      {DCKPT_RUN_STATUS_FILE, DCKPT_ENTRY_RUN_STATUS},
  };
  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
    if (!strcmp(name, fixed[i].name)) return fixed[i].kind;
  /* a lock file being published under a private name (io/lock.c) */
  if (has_prefix(name, DCKPT_LOCK_FILE ".")) return DCKPT_ENTRY_LOCK;
  if (has_prefix(name, DCKPT_TMP_PREFIX)) return DCKPT_ENTRY_TEMPORARY;
  if (has_prefix(name, DCKPT_ALG_DIR_PREFIX)) return DCKPT_ENTRY_ALG_DIR;
  return DCKPT_ENTRY_FOREIGN;
}

bool dckpt_layout_is_bookkeeping(dckpt_entry_kind kind) {
  return kind == DCKPT_ENTRY_LOCK || kind == DCKPT_ENTRY_LEASES ||
         kind == DCKPT_ENTRY_RUNS || kind == DCKPT_ENTRY_HALT ||
         kind == DCKPT_ENTRY_RUN_STATUS || kind == DCKPT_ENTRY_TEMPORARY;
}

bool dckpt_layout_is_init_leftover(dckpt_entry_kind kind) {
  /* an index left by an earlier run names that run's id: ignored, then
   * replaced by the new run's first compacting commit */
  return kind == DCKPT_ENTRY_PROBLEM || kind == DCKPT_ENTRY_INITIAL ||
         kind == DCKPT_ENTRY_ALG_DIR || kind == DCKPT_ENTRY_INDEX;
}

bool dckpt_layout_is_transient(dckpt_entry_kind kind) {
  return kind == DCKPT_ENTRY_LOCK || kind == DCKPT_ENTRY_LEASES ||
         kind == DCKPT_ENTRY_TEMPORARY;
}

char *dckpt_layout_root_file(const dckpt_store *s, const char *name) {
  return dckpt_path_join(s->dir, name);
}

char *dckpt_layout_alg_dir(const dckpt_store *s, int64_t alg) {
  return dckpt_path_printf("%s/" DCKPT_ALG_DIR_PREFIX "%lld", s->dir, (long long)alg);
}

char *dckpt_layout_trial_dir(const dckpt_store *s, int64_t alg, int64_t trial) {
  return dckpt_path_printf("%s/" DCKPT_ALG_DIR_PREFIX "%lld/trial_%lld", s->dir,
                           (long long)alg, (long long)trial);
}

char *dckpt_layout_index_dir(const dckpt_store *s) {
  return dckpt_path_join(s->dir, DCKPT_INDEX_DIR);
}

char *dckpt_layout_index_file(const dckpt_store *s, const char *instance) {
  return dckpt_path_printf("%s/" DCKPT_INDEX_DIR "/" DCKPT_INDEX_FILE_PREFIX
                           "%s" DCKPT_INDEX_FILE_SUFFIX,
                           s->dir, instance);
}

char *dckpt_layout_leases_dir(const dckpt_store *s) {
  return dckpt_path_join(s->dir, DCKPT_LEASES_DIR);
}

char *dckpt_layout_run_lease(const char *dir, const char *host, long long pid) {
  return dckpt_path_printf("%s/" DCKPT_LEASES_DIR "/" DCKPT_RUN_LEASE_PREFIX
                           "%s.%lld" DCKPT_LEASE_SUFFIX,
                           dir, host, pid);
}

bool dckpt_run_name_valid(const char *name) {
  if (!name || !*name || strlen(name) > DCKPT_RUN_NAME_MAX) return false;
  /* no hidden names, no "." or "..": the name is a folder of DIR/runs */
  if (!isalnum((unsigned char)name[0])) return false;
  for (const char *p = name; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-') return false;
  return true;
}

char *dckpt_layout_named_run(const char *dir, const char *run_name, const char *file) {
  if (!dckpt_run_name_valid(run_name)) return NULL;
  return file ? dckpt_path_printf("%s/" DCKPT_RUNS_DIR "/%s/%s", dir, run_name, file)
              : dckpt_path_printf("%s/" DCKPT_RUNS_DIR "/%s", dir, run_name);
}

int dckpt_halt_path(const char *dir, const char *run_name, char *buf, size_t len) {
  if (buf && len) buf[0] = '\0';
  if (!dir || !*dir || !buf || !len || (run_name && !dckpt_run_name_valid(run_name)))
    return DCKPT_EINVAL;
  char *path = run_name ? dckpt_layout_named_run(dir, run_name, DCKPT_HALT_FILE)
                        : dckpt_path_join(dir, DCKPT_HALT_FILE);
  if (!path) return DCKPT_ENOMEM;
  size_t n = strlen(path);
  if (n < len) memcpy(buf, path, n + 1);
  free(path);
  return n < len ? DCKPT_OK : DCKPT_ETOOBIG;
}

char *dckpt_layout_pair_lease(const char *dir, int64_t alg, int64_t trial) {
  return dckpt_path_printf("%s/" DCKPT_LEASES_DIR "/pair.%lld.%lld" DCKPT_LEASE_SUFFIX,
                           dir, (long long)alg, (long long)trial);
}

bool dckpt_layout_parse_index_file(const char *name, char *instance) {
  size_t plen = strlen(DCKPT_INDEX_FILE_PREFIX), slen = strlen(DCKPT_INDEX_FILE_SUFFIX);
  if (strlen(name) != plen + 16 + slen || !has_prefix(name, DCKPT_INDEX_FILE_PREFIX) ||
      strcmp(name + plen + 16, DCKPT_INDEX_FILE_SUFFIX) != 0)
    return false;
  for (size_t i = 0; i < 16; i++) {
    char c = name[plen + i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    if (instance) instance[i] = c;
  }
  if (instance) instance[16] = '\0';
  return true;
}

bool dckpt_layout_parse_trial_dir(const char *name, int64_t *trial) {
  static const char prefix[] = "trial_";
  size_t plen = sizeof prefix - 1, n = strlen(name);
  if (n <= plen || n > plen + 18 || strncmp(name, prefix, plen) != 0) return false;
  if (name[plen] == '0' && n > plen + 1) return false;
  int64_t v = 0;
  for (size_t i = plen; i < n; i++) {
    if (name[i] < '0' || name[i] > '9') return false;
    v = v * 10 + (name[i] - '0');
  }
  if (trial) *trial = v;
  return true;
}

char *dckpt_layout_trial_file(const dckpt_store *s, int64_t alg, int64_t trial,
                              const char *name) {
  return dckpt_path_printf("%s/" DCKPT_ALG_DIR_PREFIX "%lld/trial_%lld/%s", s->dir,
                           (long long)alg, (long long)trial, name);
}

char *dckpt_layout_checkpoint(const dckpt_store *s, int64_t alg, int64_t trial,
                              int64_t iteration) {
  return dckpt_path_printf(
      "%s/" DCKPT_ALG_DIR_PREFIX "%lld/trial_%lld/checkpoint_%07lld" DCKPT_EXT, s->dir,
      (long long)alg, (long long)trial, (long long)iteration);
}

/* Parses "<prefix><digits>.dckpt" (at most 18 digits). */
static bool parse_numbered(const char *name, const char *prefix, int64_t *value) {
  size_t plen = strlen(prefix), elen = strlen(DCKPT_EXT), n = strlen(name);
  if (n <= plen + elen || strncmp(name, prefix, plen) != 0 ||
      strcmp(name + n - elen, DCKPT_EXT) != 0)
    return false;
  size_t digits = n - plen - elen;
  if (digits > 18) return false;
  int64_t v = 0;
  for (size_t i = 0; i < digits; i++) {
    char c = name[plen + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (value) *value = v;
  return true;
}

bool dckpt_layout_parse_checkpoint(const char *name, int64_t *iteration) {
  return parse_numbered(name, "checkpoint_", iteration);
}

char *dckpt_layout_segment(const dckpt_store *s, int64_t alg, int64_t trial,
                           int64_t seq) {
  return dckpt_path_printf("%s/" DCKPT_ALG_DIR_PREFIX
                           "%lld/trial_%lld/" DCKPT_SEGMENT_PREFIX "%06lld" DCKPT_EXT,
                           s->dir, (long long)alg, (long long)trial, (long long)seq);
}

bool dckpt_layout_parse_segment(const char *name, int64_t *seq) {
  return parse_numbered(name, DCKPT_SEGMENT_PREFIX, seq);
}

bool dckpt_layout_safe_checkpoint_name(const char *name) {
  return name && !strchr(name, '/') && !strstr(name, "..") &&
         dckpt_layout_parse_checkpoint(name, NULL);
}
