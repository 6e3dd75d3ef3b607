/* Encoding and decoding of whole records (header + payload), shared by the
 * in-memory API and the file API (file.c). */
#ifndef DCKPT_FORMAT_PAYLOAD_H
#define DCKPT_FORMAT_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dckpt.h"
#include "format/codec.h"
#include "format/scratch.h"
#include "io/atomic.h"
#include "util/err.h"

/** Records with at least this many bytes of arrays are streamed (and
 *  compressed by zstd worker threads); smaller ones are encoded in one shot. */
#define DCKPT_STREAM_MIN ((uint64_t)4 << 20)

/** Compressed payloads whose arrays take at most this many bytes are loaded
 *  whole: decoded zstd block by block into one scratch buffer of their raw
 *  bytes and moved into the record piece by piece while in cache (decode.c).
 *  The streamed load (reader thread, zstd's window buffer, a shuffle block)
 *  costs ~25 % more CPU at 4 MiB and hands every MiB between two threads,
 *  which a loaded machine makes wait for a time slice; above this size its
 *  bounded memory wins. A load this size keeps at most the raw bytes and
 *  (below DCKPT_LOAD_PIECES_MIN) the payload in its scratch
 *  (format/scratch.h). */
#define DCKPT_READ_WHOLE_MAX ((uint64_t)8 << 20)

/** Compressed payloads read from a file with at least this many bytes of
 *  arrays (and at most DCKPT_READ_WHOLE_MAX) are read in pieces into a small
 *  buffer, each piece hashed and decoded while in cache (decode.c); smaller
 *  ones are read whole (file.c), then decoded from memory. */
#define DCKPT_LOAD_PIECES_MIN ((uint64_t)1 << 20)

/** Whether a compressed payload is decoded whole, block by block into one
 *  buffer of its raw bytes: from memory up to DCKPT_READ_WHOLE_MAX of
 *  arrays; from a file from DCKPT_LOAD_PIECES_MIN up to that, unless the
 *  payload is larger than any encoder makes for that size (only a crafted
 *  file has one; it must not grow a scratch for good). */
bool dckpt_load_whole(const dckpt_hdr *h, bool from_file);

/** EINVAL unless `level` is 0 or a zstd level in -7..22. */
int dckpt_check_level(int level, dckpt_err *err);

/** Encodes `rec` into the begun atomic file `f` (header patched at the end).
 *  `target` names the destination in messages. The caller commits or aborts.
 *  Small records are built in `sc` (NULL: temporaries allocated per call). */
int dckpt_encode_file(const dckpt_record *rec, int level, dckpt_atomic_file *f,
                      const char *target, dckpt_scratch *sc, dckpt_err *err);

/** Encodes `rec` into a malloc'd buffer. */
int dckpt_encode_memory(const dckpt_record *rec, int level, uint8_t **out,
                        size_t *out_len, dckpt_err *err);

/** Where a caller wants the arrays decoded (dckpt_record_read_into()). */
typedef struct dckpt_placement {
  dckpt_record_place_fn fn;
  void *ctx;
} dckpt_placement;

/** A record of a parsed header's arrays, JSON header set, data pointing into
 *  a newly allocated arena that dckpt_decode_payload() fills; or, with a
 *  placement (may be NULL), into the memory its function hands out, which
 *  the record borrows. */
int dckpt_decode_skeleton(const dckpt_hdr *h, const char *origin,
                          const dckpt_placement *place, dckpt_record **out,
                          dckpt_err *err);

/** Where the payload comes from: all of it in memory (already hashed), or
 *  read piecewise at offsets relative to the payload's start. */
typedef struct dckpt_payload_src {
  const uint8_t *mem;
  int (*read)(void *ctx, void *buf, size_t n, uint64_t off, dckpt_err *err);
  void *ctx;
} dckpt_payload_src;

/** Fills the skeleton's arrays from the payload. Read piecewise, the payload
 *  is hashed on the way and the hash checked at the end. Temporaries come from
 *  `sc` (NULL: allocated per call); when the payload is in memory, buffer A of
 *  `sc` is left alone, so it may hold that payload. */
int dckpt_decode_payload(const dckpt_hdr *h, const dckpt_payload_src *src,
                         dckpt_record *rec, const char *origin, dckpt_scratch *sc,
                         dckpt_err *err);

/** Verifies the payload hash; ECORRUPT naming `origin` on mismatch. */
int dckpt_check_payload_hash(const dckpt_hdr *h, uint64_t actual, const char *origin,
                             dckpt_err *err);

/** Parses, verifies and decodes a whole record held in memory. */
int dckpt_decode_buffer(const uint8_t *buf, size_t len, const char *origin,
                        dckpt_record **out, dckpt_err *err);

#endif
