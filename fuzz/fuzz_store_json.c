/* Fuzzes the store's JSON loaders end to end: the input becomes, in turn,
 * metadata.json, a trial's progress.json and complete.json, the metrics
 * marker and the lock file of a scratch run on a tmpfs, and the store's public
 * calls read them. Nothing may crash, leak or read out of bounds, and every
 * refusal must come with a message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dckpt.h"

static char root[256];

static void put(const char *rel, const uint8_t *data, size_t size) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", root, rel);
  FILE *f = fopen(path, "wb");
  if (!f) abort();
  if (size && fwrite(data, 1, size, f) != size) abort();
  fclose(f);
}

static const char good_meta[] =
    "{\"n_trials\":1,\"algorithms\":[{\"name\":\"a\",\"iterations\":3,\"index\":0}]}";

static void setup(void) {
  snprintf(root, sizeof root, "/dev/shm/dckpt-fuzz-%ld", (long)getpid());
  char p[512];
  mkdir(root, 0755);
  snprintf(p, sizeof p, "%s/algorithm_0", root);
  mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/algorithm_0/trial_0", root);
  mkdir(p, 0755);
}

static void require_message(int rc, const dckpt_store *s) {
  if (rc != DCKPT_OK && dckpt_store_errmsg(s)[0] == '\0') abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!root[0]) setup();
  dckpt_store_options o;
  dckpt_store_options_init(&o);
  o.flags = DCKPT_OPEN_READ;
  dckpt_store *s = NULL;
  if (dckpt_store_open(root, &o, &s) != DCKPT_OK) abort();

  put("metadata.json", data, size);
  dckpt_metadata *m = NULL;
  require_message(dckpt_store_load_metadata(s, &m), s);
  dckpt_metadata_free(m);
  bool b;
  require_message(dckpt_store_run_is_complete(s, &b), s);

  put("metadata.json", (const uint8_t *)good_meta, sizeof good_meta - 1);
  put("algorithm_0/trial_0/progress.json", data, size);
  dckpt_trial_status st;
  require_message(dckpt_store_trial_status(s, 0, 0, &st), s);
  dckpt_record *r = NULL;
  int64_t it;
  require_message(dckpt_store_load_latest(s, 0, 0, &r, &it), s);
  dckpt_record_free(r);

  put("algorithm_0/trial_0/complete.json", data, size);
  r = NULL;
  require_message(dckpt_store_load_final_state(s, 0, 0, &r), s);
  dckpt_record_free(r);
  dckpt_result *res = NULL;
  require_message(dckpt_store_load_results(s, &res), s);
  dckpt_result_free(res);

  put("metric_computation_complete.json", data, size);
  r = NULL;
  require_message(dckpt_store_load_metrics(s, &r), s);
  dckpt_record_free(r);
  size_t n_bad = 0;
  require_message(dckpt_store_verify(s, NULL, NULL, &n_bad), s);
  dckpt_store_close(s);

  /* the lock file is read by writers */
  put("dckpt.lock", data, size);
  o.flags = DCKPT_OPEN_WRITE;
  s = NULL;
  require_message(dckpt_store_open(root, &o, &s), s);
  dckpt_store_close(s);
  return 0;
}
