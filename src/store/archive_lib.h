/* libarchive, loaded when the first backup needs it rather than with
 * libdckpt: it and what it links (libxml2, ICU, libstdc++, nettle, lzma, ...)
 * made the start of every program that links libdckpt cost about 1.2 ms of
 * CPU more (docs/performance.md, "Scale"), and only backup.c uses it. */
#ifndef DCKPT_STORE_ARCHIVE_LIB_H
#define DCKPT_STORE_ARCHIVE_LIB_H

#include <archive.h>
#include <archive_entry.h>

#include "util/err.h"

/* The functions backup.c calls, X(name): the table's fields have their
 * names and the types archive.h gives them. */
#define DCKPT_ARCHIVE_FUNCTIONS(X)                                                       \
  X(archive_write_new)                                                                   \
  X(archive_write_set_format_zip)                                                        \
  X(archive_write_set_bytes_in_last_block)                                               \
  X(archive_write_open2)                                                                 \
  X(archive_write_header)                                                                \
  X(archive_write_data)                                                                  \
  X(archive_write_close)                                                                 \
  X(archive_write_free)                                                                  \
  X(archive_error_string)                                                                \
  X(archive_set_error)                                                                   \
  X(archive_entry_new)                                                                   \
  X(archive_entry_set_pathname)                                                          \
  X(archive_entry_copy_stat)                                                             \
  X(archive_entry_free)

#define DCKPT_ARCHIVE_FIELD(name) __typeof__(name) *name;
typedef struct dckpt_archive_lib {
  DCKPT_ARCHIVE_FUNCTIONS(DCKPT_ARCHIVE_FIELD)
} dckpt_archive_lib;
#undef DCKPT_ARCHIVE_FIELD

/** libarchive's functions, loaded on the first call (once per process,
 *  thread-safe) and kept until the process ends. NULL when it cannot be
 *  loaded: then `err` says why (DCKPT_EIO). */
const dckpt_archive_lib *dckpt_archive_lib_get(dckpt_err *err);

#endif
