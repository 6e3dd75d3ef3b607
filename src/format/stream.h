/* The streaming writer for large records: the calling thread shuffles the
 * arrays into a ring of blocks and hashes and writes what comes out, while a
 * worker thread compresses. */
#ifndef DCKPT_FORMAT_STREAM_H
#define DCKPT_FORMAT_STREAM_H

#include <stdint.h>
#include <zstd.h>

#include "dckpt.h"
#include "format/codec.h"
#include "format/scratch.h"
#include "io/atomic.h"
#include "util/err.h"
#include "util/xxh.h"

/** Where payload bytes go: a file, or a buffer of the worst-case size. */
typedef struct dckpt_sink {
  dckpt_atomic_file *file; /* NULL: write to mem */
  uint8_t *mem;
  uint64_t mem_cap;
  uint64_t payload_len; /* bytes emitted so far */
  uint64_t unsynced;    /* bytes written since the last writeback request */
  XXH3_state_t *xxh;
  dckpt_err *err;
} dckpt_sink;

/** Streams the payload of `rec` (raw_len bytes of arrays) to `out` and fills
 *  in the header parameters. `target` names the destination in messages. The
 *  rings between the two threads and the compression context come from `sc`
 *  (buffer A and its context). */
int dckpt_stream_payload(const dckpt_record *rec, int level, uint64_t raw_len,
                         dckpt_sink *out, const char *target, dckpt_scratch *sc,
                         dckpt_hdr_params *p);

/** Status and message for a zstd error code. */
int dckpt_zstd_fail(size_t code, const char *target, dckpt_err *err);

#endif
