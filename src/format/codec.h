/* The record header: its byte layout (docs/format.md, "Record files"), how
 * to size and write it for a record, and how to parse and bound it when it
 * comes from an untrusted file. */
#ifndef DCKPT_FORMAT_CODEC_H
#define DCKPT_FORMAT_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dckpt.h"
#include "util/err.h"

/** zstd skippable frame magic (the last of the 16 allowed values). */
#define DCKPT_SKIPPABLE_MAGIC 0x184D2A5Du
/** Standard zstd frame magic. */
#define DCKPT_ZSTD_MAGIC 0xFD2FB528u
/** First 8 bytes of the skippable frame's content. */
#define DCKPT_RECORD_MAGIC "DCKPTREC"
/** Record format versions: 1 (no identity) and 2 (an identity section: which
 *  run, algorithm, trial, iteration and kind of file the record is). The writer
 *  uses version 2 for a record that carries an identity, 1 otherwise, so that
 *  records without one stay readable by every dckpt. Both are read. */
#define DCKPT_FORMAT_VERSION_1 1u
#define DCKPT_FORMAT_VERSION_2 2u
/** The newest version this library reads and writes. */
#define DCKPT_FORMAT_VERSION DCKPT_FORMAT_VERSION_2

/** Bytes before the array table: frame magic, frame size, then the fixed part
 *  (version 1); version 2 adds the identity length and a reserved u32. */
#define DCKPT_HDR_FIXED_V1 56u
#define DCKPT_HDR_FIXED_V2 64u
/** Bytes after the JSON text: payload hash, header hash. */
#define DCKPT_HDR_TAIL 16u
/** Smallest header of a version: no arrays, JSON "{}" (and identity "{}"). */
#define DCKPT_HDR_MIN_V1 (DCKPT_HDR_FIXED_V1 + 2u + DCKPT_HDR_TAIL)
#define DCKPT_HDR_MIN_V2 (DCKPT_HDR_FIXED_V2 + 4u + DCKPT_HDR_TAIL)
/** Largest header, skippable frame included. */
#define DCKPT_HDR_MAX ((uint64_t)64 << 20)
/** Longest JSON header text (leaves room for the array table). */
#define DCKPT_HEADER_MAX_JSON ((uint64_t)32 << 20)
/** Longest identity text (a small JSON object written by the store). */
#define DCKPT_IDENTITY_MAX ((uint64_t)4096)
/** Most bytes of array data in one record. */
#define DCKPT_RECORD_MAX_RAW ((uint64_t)1 << 40)
/** zstd cannot expand its input by more than this (an RLE block of 128 KiB
 *  costs 4 bytes, a ratio of 32768; twice that leaves margin). */
#define DCKPT_ZSTD_MAX_RATIO 65536u
/** Smallest table entry: 1-byte name, no dimensions. */
#define DCKPT_ENTRY_MIN 21u

enum { DCKPT_COMP_RAW = 0, DCKPT_COMP_ZSTD = 1 };
/** Array flag: the array's bytes are shuffled in the raw payload. */
#define DCKPT_ARRAY_SHUFFLED 1u

/** What a writer fills in after the payload is known. */
typedef struct dckpt_hdr_params {
  uint32_t compression;
  int32_t level;
  uint64_t payload_len;
  uint64_t raw_len;
  uint64_t payload_hash;
} dckpt_hdr_params;

/** A parsed and validated header. Pointers point into the parsed buffer. */
typedef struct dckpt_hdr {
  uint64_t header_bytes; /* skippable frame included: the payload's offset */
  uint32_t version;
  uint32_t compression;
  int32_t level;
  uint32_t n_arrays;
  uint64_t payload_len;
  uint64_t raw_len;
  uint64_t payload_hash;
  bool any_shuffled;
  const uint8_t *table;
  const char *json;
  size_t json_len;
  const char *ident; /* version 2: the identity JSON object; NULL in version 1 */
  size_t ident_len;
} dckpt_hdr;

/** One entry of a validated array table. */
typedef struct dckpt_hdr_entry {
  const char *name; /* not NUL-terminated */
  size_t name_len;
  dckpt_dtype dtype;
  unsigned flags;
  int ndim;
  uint64_t shape[DCKPT_MAX_NDIM];
  uint64_t nelems;
  uint64_t offset;
  uint64_t nbytes;
} dckpt_hdr_entry;

/** Whether the writer shuffles arrays of `dtype` in a payload compressed or not. */
bool dckpt_shuffles(dckpt_dtype dtype, bool compressed);

/** Header size and raw payload size of `rec` (with its identity, if any: see
 *  dckpt_record_identity_). ETOOBIG beyond the bounds. */
int dckpt_hdr_measure(const dckpt_record *rec, uint64_t *header_bytes, uint64_t *raw_len,
                      dckpt_err *err);

/** Writes the header of `rec` into buf[0, header_bytes). */
void dckpt_hdr_write(const dckpt_record *rec, const dckpt_hdr_params *p, uint8_t *buf,
                     uint64_t header_bytes);

/**
 * From the first min(8, total) bytes, the size of the header (skippable frame
 * included) of a record of `total` bytes. `origin` names the file ("'path'")
 * or "buffer" in messages.
 */
int dckpt_hdr_frame(const uint8_t *first, uint64_t total, const char *origin,
                    uint64_t *header_bytes, dckpt_err *err);

/** Parses and validates the whole header held in buf[0, header_bytes) of a
 *  record of `total` bytes (header_bytes from dckpt_hdr_frame()). */
int dckpt_hdr_parse(const uint8_t *buf, uint64_t header_bytes, uint64_t total,
                    const char *origin, dckpt_hdr *h, dckpt_err *err);

/** Reads the table entry at `p` of a validated header; returns the next one. */
const uint8_t *dckpt_hdr_entry_read(const uint8_t *p, dckpt_hdr_entry *e);

/** Checks the first `n` bytes of the payload against the header: a zstd frame
 *  whose declared content size is raw_len when compressed. */
int dckpt_payload_check_start(const dckpt_hdr *h, const uint8_t *payload, size_t n,
                              const char *origin, dckpt_err *err);

#endif
