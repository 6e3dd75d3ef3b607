/* Writes the golden record files of the current format version into the
 * directory given as argument. Run by hand, once per format version:
 *   gen_golden tests/golden
 * The committed files must never be regenerated for an existing version:
 * their point is to prove that later code still reads them. Version 1's
 * files (record_v1_*.dckpt) came from the first release of its writer;
 * this program now writes version 2's (a record with an identity). */
#include <stdio.h>

#include "dckpt.h"
#include "format/record_io.h"
#include "golden_data.h"

static int write_one(const dckpt_record *rec, const char *dir, const char *name,
                     int level) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  dckpt_io_opts io = {.durable = true, .label = "golden"};
  dckpt_err err;
  dckpt_err_clear(&err);
  int rc = dckpt_record_write_atomic(rec, GOLDEN_IDENTITY, path, level, &io, NULL, &err);
  if (rc != DCKPT_OK)
    fprintf(stderr, "gen_golden: %s\n", err.msg);
  else
    printf("wrote %s\n", path);
  return rc;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: gen_golden DIR\n");
    return 2;
  }
  dckpt_record *rec = dckpt_record_create();
  if (!rec) return 1;
  golden_fill(rec);
  int rc = write_one(rec, argv[1], "record_v2_zstd.dckpt", 3);
  if (rc == DCKPT_OK) rc = write_one(rec, argv[1], "record_v2_raw.dckpt", 0);
  dckpt_record_free(rec);
  return rc == DCKPT_OK ? 0 : 1;
}
