/* JSON files: bounded loading of a file that must hold an object, and
 * crash-safe writing through io/atomic. */
#ifndef DCKPT_IO_JSON_FILE_H
#define DCKPT_IO_JSON_FILE_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "io/atomic.h"
#include "util/err.h"

/** Largest JSON file that is read (metadata, markers). */
#define DCKPT_JSON_MAX_FILE ((uint64_t)64 << 20)

/** Loads and parses a JSON file that must hold an object. ENOENT when missing;
 *  ECORRUPT (naming the file and the position) when malformed. */
int dckpt_json_load(const char *path, cJSON **out, dckpt_err *err);

/** Parses the `len` bytes of `text`, read from the file `path`, as a JSON
 *  object, and frees `text` (taken over, also on failure). ECORRUPT, naming
 *  the file, when it holds a NUL byte or is not an object. */
int dckpt_json_parse_file_text(char *text, size_t len, const char *path, cJSON **out,
                               dckpt_err *err);

/** Whether `obj`, written to `path`, could be read back as it is: at most
 *  DCKPT_JSON_MAX_FILE bytes once printed (else ETOOBIG), nested no deeper
 *  than a JSON reader here accepts and holding no number beyond a double's
 *  range (printed as null; else EINVAL); the message names `path` and says
 *  that nothing was written. For files that hold a caller's JSON
 *  (metadata.json): written unreadable, they would lose the whole run. */
int dckpt_json_check_readable(const char *path, const cJSON *obj, dckpt_err *err);

/** Prints `obj` compactly, with a final newline, and writes it crash-safely
 *  to `path`. */
int dckpt_json_save(const char *path, const cJSON *obj, const dckpt_io_opts *io,
                    dckpt_err *err);

#endif
