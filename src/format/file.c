/* Record files: crash-safe writes through io/atomic, verified reads. The
 * header is read, bounded and verified first; the payload then streams
 * through in chunks. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "format/payload.h"
#include "format/record_internal.h"
#include "format/record_io.h"
#include "io/path.h"
#include "io/reaper.h"
#include "util/xxh.h"

/* Chunk of the payload hashed at a time by dckpt_record_verify(). */
#define VERIFY_CHUNK ((size_t)1 << 20)

typedef struct rfile {
  int fd;
  uint64_t size;
  uint8_t *head; /* the header bytes; h points into them */
  dckpt_hdr h;
  char *origin; /* "'path'" */
} rfile;

static void rfile_close(rfile *rf) {
  if (rf->fd >= 0) close(rf->fd);
  free(rf->head);
  free(rf->origin);
}

static int read_at(const rfile *rf, void *buf, size_t len, uint64_t off, dckpt_err *err) {
  uint8_t *p = buf;
  while (len > 0) {
    ssize_t n = pread(rf->fd, p, len, (off_t)off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return dckpt_err_errno(err, errno, "cannot read %s", rf->origin);
    if (n == 0)
      return dckpt_err_set(err, DCKPT_EIO, "cannot read %s: it shrank while being read",
                           rf->origin);
    p += n;
    len -= (size_t)n;
    off += (uint64_t)n;
  }
  return DCKPT_OK;
}

static int stat_open(const char *path, rfile *rf, dckpt_err *err) {
  /* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below
   * as not a regular file. (No effect on regular files.) */
  rf->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (rf->fd < 0) return dckpt_err_errno(err, errno, "cannot open %s", rf->origin);
  struct stat st;
  if (fstat(rf->fd, &st) != 0)
    return dckpt_err_errno(err, errno, "cannot stat %s", rf->origin);
  if (!S_ISREG(st.st_mode))
    return dckpt_err_set(err, DCKPT_EINVAL, "%s is not a regular file", rf->origin);
  rf->size = (uint64_t)st.st_size;
  if (rf->size > DCKPT_RECORD_MAX_FILE)
    return dckpt_err_set(err, DCKPT_ETOOBIG, "%s: %llu bytes exceed the limit of %llu",
                         rf->origin, (unsigned long long)rf->size,
                         (unsigned long long)DCKPT_RECORD_MAX_FILE);
  return DCKPT_OK;
}

/* Opens `path` and reads, bounds and verifies its header. */
static int rfile_open(const char *path, rfile *rf, dckpt_err *err) {
  memset(rf, 0, sizeof *rf);
  rf->fd = -1;
  rf->origin = dckpt_path_printf("'%s'", path);
  if (!rf->origin) return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  DCKPT_TRY(stat_open(path, rf, err));
  uint8_t first[8] = {0};
  uint64_t hb;
  DCKPT_TRY(read_at(rf, first, rf->size < 8 ? (size_t)rf->size : 8, 0, err));
  DCKPT_TRY(dckpt_hdr_frame(first, rf->size, rf->origin, &hb, err));
  rf->head = malloc((size_t)hb);
  if (!rf->head) return dckpt_err_set(err, DCKPT_ENOMEM, "%s: out of memory", rf->origin);
  DCKPT_TRY(read_at(rf, rf->head, (size_t)hb, 0, err));
  return dckpt_hdr_parse(rf->head, hb, rf->size, rf->origin, &rf->h, err);
}

/* ---- reading ---- */

static int rfile_read(void *ctx, void *buf, size_t n, uint64_t off, dckpt_err *err) {
  const rfile *rf = ctx;
  return read_at(rf, buf, n, rf->h.header_bytes + off, err);
}

/* A small payload is read whole into scratch buffer A and decoded like a
 * buffer (decode.c keeps to buffer B). */
static int read_small(rfile *rf, const dckpt_placement *place, dckpt_record **rec,
                      dckpt_scratch *sc, dckpt_err *err) {
  const dckpt_hdr *h = &rf->h;
  size_t len = (size_t)h->payload_len;
  uint8_t *payload = dckpt_scratch_get(sc, DCKPT_SCRATCH_A, len ? len : 1);
  if (!payload) return dckpt_err_set(err, DCKPT_ENOMEM, "%s: out of memory", rf->origin);
  DCKPT_TRY(read_at(rf, payload, len, h->header_bytes, err));
  DCKPT_TRY(dckpt_check_payload_hash(h, XXH3_64bits(payload, len), rf->origin, err));
  DCKPT_TRY(dckpt_payload_check_start(h, payload, len, rf->origin, err));
  DCKPT_TRY(dckpt_decode_skeleton(h, rf->origin, place, rec, err));
  dckpt_payload_src src = {payload, NULL, NULL};
  return dckpt_decode_payload(h, &src, *rec, rf->origin, sc, err);
}

/* Whether a payload is read whole here: a small record, or a compressed one
 * below DCKPT_LOAD_PIECES_MIN (payload.h; decode.c reads larger ones up to
 * DCKPT_READ_WHOLE_MAX whole itself, in pieces, while decoding), unless its payload is
 * larger than any encoder makes for that size (only a crafted file has one), which then
 * must not grow a caller's scratch for good. A raw payload above DCKPT_STREAM_MIN is read
 * straight into the record instead (no copy in between). */
static bool is_small(const dckpt_hdr *h) {
  if (dckpt_load_whole(h, true)) return false; /* read piecewise by decode.c */
  uint64_t max =
      h->compression == DCKPT_COMP_RAW ? DCKPT_STREAM_MIN - 1 : DCKPT_READ_WHOLE_MAX;
  return h->raw_len <= max && h->payload_len <= ZSTD_compressBound((size_t)max);
}

/* A large one makes one pass from the file through zstd into the record's
 * arena, hashed on the way (format/decode.c). */
static int read_payload(rfile *rf, const dckpt_placement *place, dckpt_record **rec,
                        dckpt_scratch *sc, dckpt_err *err) {
  const dckpt_hdr *h = &rf->h;
  if (is_small(h)) return read_small(rf, place, rec, sc, err);
  uint8_t start[32];
  size_t n = h->payload_len < sizeof start ? (size_t)h->payload_len : sizeof start;
  DCKPT_TRY(read_at(rf, start, n, h->header_bytes, err));
  /* Before the arena is allocated: the frame must agree about the size. */
  DCKPT_TRY(dckpt_payload_check_start(h, start, n, rf->origin, err));
  DCKPT_TRY(dckpt_decode_skeleton(h, rf->origin, place, rec, err));
  dckpt_payload_src src = {NULL, rfile_read, rf};
  return dckpt_decode_payload(h, &src, *rec, rf->origin, sc, err);
}

static void set_info(const rfile *rf, dckpt_file_info *info) {
  memset(info, 0, sizeof *info);
  info->format_version = rf->h.version;
  info->compressed = rf->h.compression == DCKPT_COMP_ZSTD;
  info->level = rf->h.level;
  info->n_arrays = rf->h.n_arrays;
  info->payload_bytes = rf->h.payload_len;
  info->raw_bytes = rf->h.raw_len;
  info->file_bytes = rf->size;
}

int dckpt_record_file_read_placed(const char *path, const dckpt_placement *place,
                                  dckpt_record **out, dckpt_file_info *info,
                                  dckpt_scratch *scratch, dckpt_err *err) {
  if (!out) return dckpt_err_set(err, DCKPT_EINVAL, "output record pointer is NULL");
  *out = NULL;
  if (!path) return dckpt_err_set(err, DCKPT_EINVAL, "record path is NULL");
  dckpt_scratch local = {0};
  rfile rf;
  dckpt_record *rec = NULL;
  int rc = rfile_open(path, &rf, err);
  if (rc == DCKPT_OK)
    rc = read_payload(&rf, place, &rec, scratch ? scratch : &local, err);
  if (rc == DCKPT_OK && info) set_info(&rf, info);
  rfile_close(&rf);
  dckpt_scratch_free(&local);
  if (rc != DCKPT_OK) {
    dckpt_record_free(rec);
    return rc;
  }
  *out = rec;
  return DCKPT_OK;
}

int dckpt_record_file_read(const char *path, dckpt_record **out, dckpt_scratch *scratch,
                           dckpt_err *err) {
  return dckpt_record_file_read_placed(path, NULL, out, NULL, scratch, err);
}

/* ---- verifying ---- */

/* Hashes the payload in chunks: verifying a large file needs little memory. */
static int hash_payload(rfile *rf, dckpt_err *err) {
  const dckpt_hdr *h = &rf->h;
  size_t cap = h->payload_len < VERIFY_CHUNK ? (size_t)h->payload_len : VERIFY_CHUNK;
  uint8_t *buf = malloc(cap ? cap : 1);
  XXH3_state_t *xxh = XXH3_createState();
  int rc = buf && xxh ? DCKPT_OK
                      : dckpt_err_set(err, DCKPT_ENOMEM, "%s: out of memory", rf->origin);
  if (rc == DCKPT_OK) XXH3_64bits_reset(xxh);
  for (uint64_t off = 0; rc == DCKPT_OK && off < h->payload_len; off += cap) {
    size_t n = h->payload_len - off < cap ? (size_t)(h->payload_len - off) : cap;
    rc = read_at(rf, buf, n, h->header_bytes + off, err);
    if (rc == DCKPT_OK && off == 0)
      rc = dckpt_payload_check_start(h, buf, n, rf->origin, err);
    if (rc == DCKPT_OK) XXH3_64bits_update(xxh, buf, n);
  }
  if (rc == DCKPT_OK && h->payload_len == 0)
    rc = dckpt_payload_check_start(h, buf, 0, rf->origin, err);
  if (rc == DCKPT_OK)
    rc = dckpt_check_payload_hash(h, XXH3_64bits_digest(xxh), rf->origin, err);
  XXH3_freeState(xxh);
  free(buf);
  return rc;
}

int dckpt_record_verify(const char *path, dckpt_file_info *info, char **identity,
                        dckpt_err *err) {
  if (identity) *identity = NULL;
  if (!path) return dckpt_err_set(err, DCKPT_EINVAL, "record path is NULL");
  rfile rf;
  int rc = rfile_open(path, &rf, err);
  if (rc == DCKPT_OK) rc = hash_payload(&rf, err);
  if (rc == DCKPT_OK && identity && rf.h.ident &&
      !(*identity = strndup(rf.h.ident, rf.h.ident_len)))
    rc = dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  if (rc == DCKPT_OK && info) set_info(&rf, info);
  rfile_close(&rf);
  return rc;
}

/* ---- writing ---- */

int dckpt_record_write_atomic(const dckpt_record *rec, const char *identity,
                              const char *path, int level, const dckpt_io_opts *io,
                              dckpt_scratch *scratch, dckpt_err *err) {
  if (!rec || !path) return dckpt_err_set(err, DCKPT_EINVAL, "record or path is NULL");
  DCKPT_TRY(dckpt_check_level(level, err));
  /* A shallow view of the caller's record with the identity to write: the
   * arrays and header are shared, nothing of the view is freed. */
  dckpt_record view;
  if (identity) {
    size_t len = strlen(identity);
    if (len < 2 || len > DCKPT_IDENTITY_MAX)
      return dckpt_err_set(err, DCKPT_EINVAL, "identity of %zu bytes for '%s'", len,
                           path);
    view = *rec;
    view.identity = (char *)(uintptr_t)identity;
    view.identity_len = len;
    rec = &view;
  }
  char *target = dckpt_path_printf("'%s'", path);
  if (!target) return dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  dckpt_atomic_file f;
  int rc = dckpt_atomic_begin(&f, path, io, err);
  if (rc == DCKPT_OK) {
    rc = dckpt_encode_file(rec, level, &f, target, scratch, err);
    if (rc == DCKPT_OK)
      rc = dckpt_atomic_commit(&f, err);
    else
      dckpt_atomic_abort(&f);
  }
  free(target);
  return rc;
}

/* ---- public ---- */

int dckpt_record_read_err_(const char *path, dckpt_record **out, dckpt_err *e) {
  dckpt_scratch *sc = dckpt_scratch_borrow(true); /* NULL: a local one */
  int rc = dckpt_record_file_read(path, out, sc, e);
  dckpt_scratch_give_back(sc);
  return rc;
}

int dckpt_record_read(const char *path, dckpt_record **out) {
  if (!out) return DCKPT_EINVAL;
  dckpt_err e;
  dckpt_err_clear(&e);
  int rc = dckpt_record_read_err_(path, out, &e);
  if (rc != DCKPT_OK) *out = dckpt_record_failed_(&e);
  return rc;
}

int dckpt_record_read_into(const char *path, dckpt_record_place_fn place, void *ctx,
                           dckpt_record **out, dckpt_file_info *info) {
  if (!out) return DCKPT_EINVAL;
  dckpt_err e;
  dckpt_err_clear(&e);
  dckpt_placement where = {place, ctx};
  int rc = place ? DCKPT_OK
                 : dckpt_err_set(&e, DCKPT_EINVAL, "record_read_into: place is NULL");
  if (rc == DCKPT_OK) {
    dckpt_scratch *sc = dckpt_scratch_borrow(true); /* NULL: a local one */
    rc = dckpt_record_file_read_placed(path, &where, out, info, sc, &e);
    dckpt_scratch_give_back(sc);
  }
  if (rc != DCKPT_OK) {
    *out = dckpt_record_failed_(&e);
    if (info) {
      memset(info, 0, sizeof *info);
      snprintf(info->error, sizeof info->error, "%s", e.msg);
    }
  }
  return rc;
}

/* dckpt_record_write_err_, handing the file it replaced (when replaced_fd
 * is not NULL) to the caller as a descriptor to close (io/atomic.h). */
static int write_keeping(const dckpt_record *rec, const char *path, int level,
                         dckpt_durability durability, int *replaced_fd, dckpt_err *e) {
  if (durability != DCKPT_DURABILITY_FULL && durability != DCKPT_DURABILITY_NONE)
    return dckpt_err_set(e, DCKPT_EINVAL,
                         "record_write: durability %d is not full or none",
                         (int)durability);
  /* replaces: a record file is typically saved over its previous version;
   * without durability that is then swapped out instead of renamed over,
   * which would make ext4 start writing the new file back (io/atomic.c). */
  dckpt_io_opts io = {.durable = durability == DCKPT_DURABILITY_FULL,
                      .replaces = true,
                      .unnamed = true, /* durable: one directory write less */
                      .replaced_fd = replaced_fd,
                      .label = "record"};
  dckpt_scratch *sc = dckpt_scratch_borrow(true); /* NULL: a local one */
  int rc = dckpt_record_write_atomic(rec, NULL, path, level, &io, sc, e);
  dckpt_scratch_give_back(sc);
  return rc;
}

int dckpt_record_write_err_(const dckpt_record *rec, const char *path, int level,
                            dckpt_durability durability, dckpt_err *e) {
  return write_keeping(rec, path, level, durability, NULL, e);
}

int dckpt_record_write(dckpt_record *rec, const char *path, int level,
                       dckpt_durability durability) {
  if (!rec) return DCKPT_EINVAL;
  dckpt_err e;
  dckpt_err_clear(&e);
  /* The file replaced (a record file is usually saved over its previous
   * version) is freed by the process's reaper thread, not in this call: on a
   * file system that discards freed blocks synchronously that costs ~3.5 ms
   * for a 12 MB file here (docs/performance.md, "Against the peers"). */
  int old = -1;
  int rc = write_keeping(rec, path, level, durability, &old, &e);
  if (old >= 0) {
    uint64_t ticket = dckpt_reaper_close(dckpt_reaper_process(), old);
    if (ticket) rec->reaped = ticket;
  }
  if (rc != DCKPT_OK) dckpt_record_fail_(rec, rc, "%s", e.msg);
  return rc;
}

int dckpt_record_stat(const char *path, dckpt_file_info *info) {
  if (!info) return DCKPT_EINVAL;
  dckpt_err e;
  dckpt_err_clear(&e);
  int rc = dckpt_record_verify(path, info, NULL, &e);
  if (rc != DCKPT_OK) {
    memset(info, 0, sizeof *info);
    snprintf(info->error, sizeof info->error, "%s", e.msg);
  } else {
    info->error[0] = '\0';
  }
  return rc;
}
