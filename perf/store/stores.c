/* The two dckpt stores under test (durable and not), and what the
 * measurements need to know about their files. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench_store.h"
#include "bench_util.h"
#include "dckpt_experimental.h"

static void log_cb(void *ctx, dckpt_log_level level, const char *msg) {
  (void)ctx;
  fprintf(stderr, "bench_store: dckpt %s: %s\n", dckpt_log_level_name(level), msg);
}

void check(int rc, const char *what, const dckpt_store *st) {
  if (rc == DCKPT_OK) return;
  bench_die("%s failed: %s (%s)%s%s", what, dckpt_strerror(rc), dckpt_err_name(rc),
            st && dckpt_store_errmsg(st)[0] ? ": " : "",
            st ? dckpt_store_errmsg(st) : "");
}

static void init_run(dckpt_store *st, const options *opt) {
  dckpt_algorithm_info alg = {.name = "bench_state", .iterations = INT64_C(1000000000)};
  dckpt_metadata meta;
  memset(&meta, 0, sizeof meta);
  meta.n_trials = (int64_t)opt->n_sizes;
  meta.n_algorithms = 1;
  meta.algorithms = &alg;
  meta.benchmark_metadata = NULL;
  meta.has_seed = true;
  meta.rng_seed = opt->seed;
  check(dckpt_store_initialize(st, &meta, NULL, NULL), "dckpt_store_initialize", st);
}

dckpt_store *open_store(const char *dir, dckpt_durability d, const options *opt,
                        phase_log *pl) {
  dckpt_store_options o;
  dckpt_store_options_init(&o);
  o.keep_n = 2;
  o.compression_level = opt->level;
  o.durability = d;
  o.flags = DCKPT_OPEN_WRITE;
  o.log = log_cb;
  o.log_level = DCKPT_LOG_WARN;
  dckpt_store_experimental hooks; /* copied by the open */
  dckpt_store_experimental_init(&hooks);
  if (pl) {
    hooks.step_hook = phase_hook;
    hooks.step_hook_ctx = pl;
    o.experimental = &hooks;
  }
  dckpt_store *st = NULL;
  int rc = dckpt_store_open(dir, &o, &st);
  if (rc != DCKPT_OK) {
    char msg[1024];
    snprintf(msg, sizeof msg, "dckpt_store_open(%s)", dir);
    check(rc, msg, st);
  }
  init_run(st, opt);
  return st;
}

/* Size of DIR/algorithm_0/trial_<t>/checkpoint_<iter:07d>.* */
uint64_t checkpoint_file_size(const char *store_dir, int64_t trial, int64_t iter) {
  char sub[128], prefix[64];
  snprintf(sub, sizeof sub, "algorithm_0/trial_%lld", (long long)trial);
  snprintf(prefix, sizeof prefix, "checkpoint_%07lld.", (long long)iter);
  char *tdir = bench_path_join(store_dir, sub);
  DIR *d = opendir(tdir);
  if (!d) bench_die("opendir %s: %s", tdir, strerror(errno));
  uint64_t size = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strncmp(e->d_name, prefix, strlen(prefix)) != 0) continue;
    char *p = bench_path_join(tdir, e->d_name);
    struct stat st;
    if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) size = (uint64_t)st.st_size;
    free(p);
  }
  closedir(d);
  if (size == 0) bench_die("no checkpoint file %s* in %s", prefix, tdir);
  free(tdir);
  return size;
}
