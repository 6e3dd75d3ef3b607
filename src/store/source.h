/* Where the store reads a run's files: its directory, or the read-only
 * source a store was opened on (dckpt_store_open_source(), e.g. an HDF5
 * container). Every read of the run's files that the reading calls make
 * goes through here, with the same paths either way (DIR/relative path), so
 * that markers, identities and fallbacks are checked by the same code. */
#ifndef DCKPT_STORE_SOURCE_H
#define DCKPT_STORE_SOURCE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "dckpt.h"
#include "io/fs.h"
#include "util/err.h"

/** Whether the store reads from a source rather than a directory. */
bool dckpt_src_active(const dckpt_store *s);

/** The bytes of the file at `path` (as dckpt_read_file()). */
int dckpt_src_read(dckpt_store *s, const char *path, uint64_t max_bytes, char **data,
                   size_t *len, dckpt_err *err);
/** A JSON file that must hold an object (as dckpt_json_load()). */
int dckpt_src_json_load(dckpt_store *s, const char *path, cJSON **out, dckpt_err *err);
/** The names in directory `dir`, sorted (as dckpt_list_dir(): a missing
 *  directory lists nothing). */
int dckpt_src_list(dckpt_store *s, const char *dir, dckpt_dirlist *out, dckpt_err *err);
/** Whether something is at `path`; whether it is a directory; a regular file. */
bool dckpt_src_exists(dckpt_store *s, const char *path);
bool dckpt_src_is_dir(dckpt_store *s, const char *path);
bool dckpt_src_is_file(dckpt_store *s, const char *path);
/** Reads and verifies the record at `path` (identity not checked here). */
int dckpt_src_read_record(dckpt_store *s, const char *path, dckpt_record **out,
                          dckpt_err *err);
/** Verifies the record at `path`; its identity text in *identity (malloc'd,
 *  may be NULL when it has none). */
int dckpt_src_verify_record(dckpt_store *s, const char *path, char **identity,
                            dckpt_err *err);
/** Refuses a call that needs a directory (size, backup, ...) on a store
 *  opened on a source; DCKPT_OK otherwise. */
int dckpt_src_require_dir(dckpt_store *s, const char *call);
/** Asks the source for its root (the open of a store over a source): its
 *  status and message, in the handle, when it cannot serve. */
int dckpt_src_check_root(dckpt_store *s);
/** Releases the source (dckpt_store_close()). */
void dckpt_src_close(dckpt_store *s);

#endif
