/* A trial's metric segments: records that hold part of its metric history,
 * written once and referenced by the checkpoints that follow (by number and
 * content digest, in the array DCKPT_SEGMENTS_KEY), so that a checkpoint
 * carries only the rows added since the last segment instead of the whole
 * history (docs/design.md, "Metric history in segments"). */
#include <stdio.h>
#include <stdlib.h>

#include "io/fs.h"
#include "io/path.h"
#include "store/store_internal.h"

/* Segment numbers fit the layout's digits and a double in the identity. */
#define SEGMENT_MAX ((int64_t)1 << 50)

static int check_seq(dckpt_store *s, const char *call, int64_t seq) {
  if (seq < 0 || seq > SEGMENT_MAX)
    return dckpt_store_fail(s, DCKPT_EINVAL, "%s: segment number %lld is out of range",
                            call, (long long)seq);
  return DCKPT_OK;
}

int dckpt_store_save_segment(dckpt_store *s, int64_t alg, int64_t trial, int64_t seq,
                             const dckpt_record *segment) {
  DCKPT_TRY(dckpt_store_require_writable(s, "save_segment"));
  DCKPT_TRY(dckpt_store_check_ids(s, alg, trial));
  DCKPT_TRY(check_seq(s, "save_segment", seq));
  if (!segment)
    return dckpt_store_fail(s, DCKPT_EINVAL, "save_segment: segment record is NULL");
  char *dir = dckpt_layout_trial_dir(s, alg, trial);
  char *path = dckpt_layout_segment(s, alg, trial, seq);
  int rc = DCKPT_OK;
  if (!dir || !path) rc = dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  if (rc == DCKPT_OK) rc = dckpt_mkdirs(dir, dckpt_store_durable(s), &s->err);
  if (rc == DCKPT_OK) {
    dckpt_io_opts io = dckpt_store_io(s, "segment");
    dckpt_where w = {DCKPT_KIND_SEGMENT, alg, trial, seq};
    rc = dckpt_store_write_record(s, path, &w, segment, &io);
  }
  if (rc != DCKPT_OK && s->err.status == DCKPT_OK) s->err.status = rc;
  free(dir);
  free(path);
  return rc;
}

/* Reads segment `path` and checks its identity and digest. A file that does
 * not verify, or belongs elsewhere, is moved aside (`quarantine`); one that is
 * sound but has another digest is left for the save that rewrites it. */
static int read_segment(dckpt_store *s, const char *path, const dckpt_where *w,
                        uint64_t digest, bool quarantine, dckpt_record **out) {
  if (!dckpt_src_exists(s, path))
    return dckpt_store_fail(s, DCKPT_ENOENT, "metric segment '%s' is missing", path);
  dckpt_record *rec = NULL;
  int rc = dckpt_store_read_record(s, path, w, &rec);
  if (rc != DCKPT_OK) {
    if (quarantine && rc != DCKPT_ENOMEM)
      dckpt_store_quarantine(s, "metric segment", path, s->err.msg);
    return rc;
  }
  uint64_t got = 0;
  rc = dckpt_record_digest(rec, &got);
  if (rc == DCKPT_OK && got != digest)
    rc = dckpt_store_fail(s, DCKPT_ECORRUPT,
                          "metric segment '%s' is not the one the checkpoint lists "
                          "(content digest %016llx, expected %016llx): it is left "
                          "from an abandoned history",
                          path, (unsigned long long)got, (unsigned long long)digest);
  else if (rc != DCKPT_OK)
    rc = dckpt_store_fail(s, rc, "out of memory");
  if (rc != DCKPT_OK) {
    dckpt_record_free(rec);
    return rc;
  }
  *out = rec;
  return DCKPT_OK;
}

int dckpt_store_read_segment(dckpt_store *s, int64_t alg, int64_t trial, int64_t seq,
                             uint64_t digest, bool quarantine, dckpt_record **out) {
  *out = NULL;
  DCKPT_TRY(dckpt_store_check_ids(s, alg, trial));
  DCKPT_TRY(check_seq(s, "load_segment", seq));
  char *path = dckpt_layout_segment(s, alg, trial, seq);
  if (!path) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  dckpt_where w = {DCKPT_KIND_SEGMENT, alg, trial, seq};
  int rc = read_segment(s, path, &w, digest, quarantine, out);
  free(path);
  return rc;
}

int dckpt_store_load_segment(dckpt_store *s, int64_t alg, int64_t trial, int64_t seq,
                             uint64_t digest, dckpt_record **out) {
  if (!out) return dckpt_store_fail(s, DCKPT_EINVAL, "load_segment: out is NULL");
  return dckpt_store_read_segment(s, alg, trial, seq, digest, true, out);
}

int dckpt_store_drop_segments(dckpt_store *s, int64_t alg, int64_t trial,
                              int64_t from_seq) {
  DCKPT_TRY(dckpt_store_require_writable(s, "drop_segments"));
  DCKPT_TRY(dckpt_store_check_ids(s, alg, trial));
  DCKPT_TRY(check_seq(s, "drop_segments", from_seq));
  char *dir = dckpt_layout_trial_dir(s, alg, trial);
  if (!dir) return dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
  dckpt_dirlist list;
  int rc = dckpt_list_dir(dir, &list, &s->err);
  if (rc != DCKPT_OK) {
    free(dir);
    return rc;
  }
  for (size_t i = 0; rc == DCKPT_OK && i < list.count; i++) {
    int64_t seq;
    if (!dckpt_layout_parse_segment(list.names[i], &seq) || seq < from_seq) continue;
    char *p = dckpt_path_join(dir, list.names[i]);
    if (!p) rc = dckpt_store_fail(s, DCKPT_ENOMEM, "out of memory");
    /* only files: a directory under a segment's name is not dckpt's */
    else if (!dckpt_path_is_dir(p))
      rc = dckpt_io_remove(p, false, &s->err);
    free(p);
  }
  dckpt_dirlist_free(&list);
  free(dir);
  return rc;
}
