#include <stdlib.h>
#include <string.h>

#include "io/path.h"
#include "store/store_internal.h"

char *dckpt_layout_root_file(const dckpt_store *s, const char *name) {
  return dckpt_path_join(s->dir, name);
}

char *dckpt_layout_alg_dir(const dckpt_store *s, int64_t alg) {
  return dckpt_path_printf("%s/algorithm_%lld", s->dir, (long long)alg);
}

char *dckpt_layout_trial_dir(const dckpt_store *s, int64_t alg, int64_t trial) {
  return dckpt_path_printf("%s/algorithm_%lld/trial_%lld", s->dir, (long long)alg,
                           (long long)trial);
}

char *dckpt_layout_trial_file(const dckpt_store *s, int64_t alg, int64_t trial,
                              const char *name) {
  return dckpt_path_printf("%s/algorithm_%lld/trial_%lld/%s", s->dir, (long long)alg,
                           (long long)trial, name);
}

char *dckpt_layout_checkpoint(const dckpt_store *s, int64_t alg, int64_t trial,
                              int64_t iteration) {
  return dckpt_path_printf("%s/algorithm_%lld/trial_%lld/checkpoint_%07lld" DCKPT_EXT,
                           s->dir, (long long)alg, (long long)trial,
                           (long long)iteration);
}

bool dckpt_layout_parse_checkpoint(const char *name, int64_t *iteration) {
  static const char prefix[] = "checkpoint_";
  size_t plen = sizeof prefix - 1, elen = strlen(DCKPT_EXT), n = strlen(name);
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
  if (iteration) *iteration = v;
  return true;
}

bool dckpt_layout_safe_checkpoint_name(const char *name) {
  return name && !strchr(name, '/') && !strstr(name, "..") &&
         dckpt_layout_parse_checkpoint(name, NULL);
}
