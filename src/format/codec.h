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
/** Record format version written by this library (the only one it reads). */
#define DCKPT_FORMAT_VERSION 1u

/** Bytes before the array table: frame magic, frame size, then the fixed part. */
#define DCKPT_HDR_FIXED 56u
/** Bytes after the JSON text: payload hash, header hash. */
#define DCKPT_HDR_TAIL 16u
/** Smallest header: no arrays, JSON "{}". */
#define DCKPT_HDR_MIN (DCKPT_HDR_FIXED + 2u + DCKPT_HDR_TAIL)
/** Largest header, skippable frame included. */
#define DCKPT_HDR_MAX ((uint64_t)64 << 20)
/** Longest JSON header text (leaves room for the array table). */
#define DCKPT_HEADER_MAX_JSON ((uint64_t)32 << 20)
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

/** Header size and raw payload size of `rec`. ETOOBIG beyond the bounds. */
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
