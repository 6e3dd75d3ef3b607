/* The record object shared by the files of format/: record.c owns its
 * lifetime, encode.c reads it, decode.c builds it from a file. */
#ifndef DCKPT_FORMAT_RECORD_INTERNAL_H
#define DCKPT_FORMAT_RECORD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dckpt.h"
#include "util/err.h"

/** Most arrays in one record (a format bound, checked on put and on read). */
#define DCKPT_MAX_ARRAYS 65536u

typedef struct dckpt_rec_array {
  char *name; /* owned, NUL-terminated */
  size_t name_len;
  dckpt_dtype dtype;
  int ndim;
  uint64_t shape[DCKPT_MAX_NDIM];
  uint64_t nelems;
  uint64_t nbytes;
  const void *data; /* the owned copy, borrowed memory, or inside rec->arena */
  void *owned;      /* what to free: NULL when borrowed or in the arena */
  bool borrowed;    /* data is the caller's (dckpt_record_put_ref) */
} dckpt_rec_array;

struct dckpt_record {
  dckpt_rec_array *arrays; /* insertion order */
  size_t count, cap;
  uint32_t *index;  /* open addressing by name: array index + 1, 0 = empty */
  size_t index_cap; /* power of two, at least twice count */
  char *header;     /* JSON object text; NULL means "{}" */
  size_t header_len;
  void *arena; /* one block holding every array of a decoded record */
  size_t arena_len;
  /* Where the record belongs (format version 2): a JSON object written by the
   * store, or NULL (owned). */
  char *identity;
  size_t identity_len;
  /* The ticket of the last file that dckpt_record_write replaced, which the
   * process's reaper closes off the caller's thread (that close frees its
   * blocks): dckpt_record_free waits for it. 0: none pending. */
  uint64_t reaped;
  char errmsg[DCKPT_ERRMSG_MAX];
};

/** Records the message of a failed call in `rec` (may be NULL) and returns
 *  `status`. Calls on a const record leave no message (dckpt.h). */
int dckpt_record_fail_(dckpt_record *rec, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** A new empty record holding the message of `e`: what a call that creates a
 *  record returns when it fails, so that the caller can read why. NULL when
 *  out of memory. */
dckpt_record *dckpt_record_failed_(const dckpt_err *e);

/** Index of array `name` (name_len bytes), or -1. */
long dckpt_record_lookup_(const dckpt_record *rec, const char *name, size_t name_len);

/** Appends an array description without data (the decoder fills `data`).
 *  The caller has checked name, dtype, shape and uniqueness.
 *  @return the new slot, or NULL when out of memory. */
dckpt_rec_array *dckpt_record_append_(dckpt_record *rec, const char *name,
                                      size_t name_len, dckpt_dtype dtype, int ndim,
                                      const uint64_t *shape, uint64_t nelems,
                                      uint64_t nbytes);

/** Takes over a JSON header text that is known to be a valid object. */
int dckpt_record_set_header_n_(dckpt_record *rec, const char *json, size_t len);

/** nelems and nbytes of a shape, with overflow checks. ETOOBIG on overflow
 *  (message in `err`, naming `what`). */
int dckpt_shape_size_(dckpt_dtype dtype, int ndim, const uint64_t *shape,
                      const char *what, uint64_t *nelems, uint64_t *nbytes,
                      dckpt_err *err);

/** Takes a copy of an identity text known to be a valid JSON object. */
int dckpt_record_set_identity_n_(dckpt_record *rec, const char *text, size_t len);

/** Whether a name obeys the rules a file may hold: 1..255 bytes, no '/', no
 *  NUL (UTF-8 is not required of files: older writers did not check it). */
bool dckpt_name_ok_(const char *name, size_t len);

/** What is wrong with a name, or NULL: empty, too long, a '/' or a NUL byte
 *  (with its offset), or with `utf8` not UTF-8 (the byte and its offset).
 *  The text is a constant or is written in buf (cap bytes). */
const char *dckpt_name_problem_(const char *name, size_t len, bool utf8, char *buf,
                                size_t cap);

/** The first len bytes of a name for a message: bytes outside printable
 *  ASCII (and '\\') as \\xNN, so a NUL or a broken byte is seen, not hidden. */
void dckpt_name_quote_(const char *name, size_t len, char *buf, size_t cap);

#endif
