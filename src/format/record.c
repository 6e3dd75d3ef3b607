/* The in-memory record: named arrays in insertion order, a name index and a
 * JSON header. Encoding and decoding live in encode.c and decode.c. */
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dckpt_experimental.h"
#include "format/codec.h"
#include "format/record_internal.h"
#include "io/reaper.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/utf8.h"
#include "util/xxh.h"

size_t dckpt_dtype_size(dckpt_dtype dtype) {
  switch (dtype) {
  case DCKPT_F64:
  case DCKPT_I64:
  case DCKPT_U64: return 8;
  case DCKPT_F32: return 4;
  case DCKPT_BYTES: return 1;
  }
  return 0;
}

const char *dckpt_dtype_name(dckpt_dtype dtype) {
  switch (dtype) {
  case DCKPT_F64: return "f64";
  case DCKPT_F32: return "f32";
  case DCKPT_I64: return "i64";
  case DCKPT_U64: return "u64";
  case DCKPT_BYTES: return "bytes";
  }
  return "?";
}

dckpt_record *dckpt_record_create(void) {
  return calloc(1, sizeof(dckpt_record));
}

void dckpt_record_free(dckpt_record *rec) {
  if (!rec) return;
  for (size_t i = 0; i < rec->count; i++) {
    free(rec->arrays[i].name);
    dckpt_big_free(rec->arrays[i].owned, (size_t)rec->arrays[i].nbytes);
  }
  free(rec->arrays);
  free(rec->index);
  free(rec->header);
  free(rec->identity);
  dckpt_big_free(rec->arena, rec->arena_len);
  /* waits for the replaced files to be freed; in a forked child the thread
   * is not there to join (the parent's closes its own descriptors) */
  if (rec->reaped) dckpt_reaper_wait(dckpt_reaper_process(), rec->reaped);
  free(rec);
}

int dckpt_record_fail_(dckpt_record *rec, int status, const char *fmt, ...) {
  if (!rec) return status;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(rec->errmsg, sizeof rec->errmsg, fmt, ap);
  va_end(ap);
  return status;
}

dckpt_record *dckpt_record_failed_(const dckpt_err *e) {
  dckpt_record *rec = dckpt_record_create();
  if (rec) dckpt_record_fail_(rec, e->status, "%s", e->msg);
  return rec;
}

const char *dckpt_record_errmsg(const dckpt_record *rec) {
  return rec ? rec->errmsg : "";
}

/* ---- name index ---- */

static size_t name_slot(const char *name, size_t len, size_t cap) {
  return (size_t)XXH3_64bits(name, len) & (cap - 1);
}

long dckpt_record_lookup_(const dckpt_record *rec, const char *name, size_t name_len) {
  if (rec->index_cap == 0) return -1;
  for (size_t s = name_slot(name, name_len, rec->index_cap);;
       s = (s + 1) & (rec->index_cap - 1)) {
    uint32_t v = rec->index[s];
    if (v == 0) return -1;
    const dckpt_rec_array *a = &rec->arrays[v - 1];
    if (a->name_len == name_len && memcmp(a->name, name, name_len) == 0)
      return (long)(v - 1);
  }
}

static void index_insert(dckpt_record *rec, size_t i) {
  const dckpt_rec_array *a = &rec->arrays[i];
  size_t s = name_slot(a->name, a->name_len, rec->index_cap);
  while (rec->index[s] != 0)
    s = (s + 1) & (rec->index_cap - 1);
  rec->index[s] = (uint32_t)(i + 1);
}

/* Keeps the index at most half full so that probes stay short. */
static int index_reserve(dckpt_record *rec, size_t n) {
  if (2 * n <= rec->index_cap) return DCKPT_OK;
  size_t cap = 16;
  while (cap < 2 * n)
    cap *= 2;
  uint32_t *idx = calloc(cap, sizeof *idx);
  if (!idx) return DCKPT_ENOMEM;
  free(rec->index);
  rec->index = idx;
  rec->index_cap = cap;
  for (size_t i = 0; i < rec->count; i++)
    index_insert(rec, i);
  return DCKPT_OK;
}

dckpt_rec_array *dckpt_record_append_(dckpt_record *rec, const char *name,
                                      size_t name_len, dckpt_dtype dtype, int ndim,
                                      const uint64_t *shape, uint64_t nelems,
                                      uint64_t nbytes) {
  if (rec->count == rec->cap) {
    size_t cap = rec->cap ? 2 * rec->cap : 8;
    dckpt_rec_array *arr = realloc(rec->arrays, cap * sizeof *arr);
    if (!arr) return NULL;
    rec->arrays = arr;
    rec->cap = cap;
  }
  if (index_reserve(rec, rec->count + 1) != DCKPT_OK) return NULL;
  char *copy = malloc(name_len + 1);
  if (!copy) return NULL;
  memcpy(copy, name, name_len);
  copy[name_len] = '\0';
  dckpt_rec_array *a = &rec->arrays[rec->count];
  memset(a, 0, sizeof *a);
  a->name = copy;
  a->name_len = name_len;
  a->dtype = dtype;
  a->ndim = ndim;
  for (int d = 0; d < ndim; d++)
    a->shape[d] = shape[d];
  a->nelems = nelems;
  a->nbytes = nbytes;
  index_insert(rec, rec->count++);
  return a;
}

/* ---- validation shared with the decoder ---- */

bool dckpt_name_ok_(const char *name, size_t len) {
  return dckpt_name_problem_(name, len, false, NULL, 0) == NULL;
}

const char *dckpt_name_problem_(const char *name, size_t len, bool utf8, char *buf,
                                size_t cap) {
  if (len == 0) return "it is empty";
  if (len > DCKPT_MAX_NAME) return "it is longer than 255 bytes";
  const unsigned char *p = (const unsigned char *)name;
  for (size_t i = 0; i < len;) {
    size_t step = 1;
    const char *why = NULL;
    if (p[i] == '/')
      why = "a '/'";
    else if (p[i] == '\0')
      why = "a NUL byte";
    else if (utf8 && (step = dckpt_utf8_seq(p + i, len - i, NULL)) == 0)
      why = "not UTF-8: byte";
    if (why) {
      if (!buf || cap == 0) return "invalid";
      if (p[i] >= 0x80)
        snprintf(buf, cap, "%s 0x%02x at offset %zu", why, p[i], i);
      else
        snprintf(buf, cap, "%s at offset %zu", why, i);
      return buf;
    }
    i += step;
  }
  return NULL;
}

void dckpt_name_quote_(const char *name, size_t len, char *buf, size_t cap) {
  size_t o = 0;
  if (cap == 0) return;
  for (size_t i = 0; i < len && o + 5 < cap; i++) {
    unsigned char c = (unsigned char)name[i];
    if (c < 0x20 || c >= 0x7F || c == '\\')
      o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
    else
      buf[o++] = (char)c;
  }
  buf[o] = '\0';
}

int dckpt_shape_size_(dckpt_dtype dtype, int ndim, const uint64_t *shape,
                      const char *what, uint64_t *nelems, uint64_t *nbytes,
                      dckpt_err *err) {
  uint64_t n = 1;
  for (int d = 0; d < ndim; d++) {
    if (shape[d] != 0 && n > UINT64_MAX / shape[d])
      return dckpt_err_set(err, DCKPT_ETOOBIG, "%s: shape overflows 64 bits", what);
    n *= shape[d];
  }
  uint64_t esize = dckpt_dtype_size(dtype);
  if (n > DCKPT_RECORD_MAX_RAW / esize)
    return dckpt_err_set(err, DCKPT_ETOOBIG,
                         "%s: %llu elements of %s exceed the record limit of %llu bytes",
                         what, (unsigned long long)n, dckpt_dtype_name(dtype),
                         (unsigned long long)DCKPT_RECORD_MAX_RAW);
  *nelems = n;
  *nbytes = n * esize;
  return DCKPT_OK;
}

/* ---- put ---- */

/* strlen that stops past the longest valid name (names come from callers). */
static size_t name_length(const char *name) {
  size_t n = 0;
  while (n <= DCKPT_MAX_NAME && name[n] != '\0')
    n++;
  return n;
}

/* `utf8`: the name must be UTF-8 (dckpt_record_put); without it, only what a
 * reader of a file requires (dckpt_record_put_tolerant). */
static int check_put(dckpt_record *rec, const char *name, size_t len, bool utf8,
                     dckpt_dtype dtype, int ndim, const uint64_t *shape) {
  char why[64], shown[4 * 64 + 8];
  const char *problem = dckpt_name_problem_(name, len, utf8, why, sizeof why);
  if (problem) {
    dckpt_name_quote_(name, len > 64 ? 64 : len, shown, sizeof shown);
    return dckpt_record_fail_(rec, DCKPT_EINVAL,
                              "invalid array name '%s': %s (names are 1..%d bytes%s "
                              "without '/')",
                              shown, problem, DCKPT_MAX_NAME, utf8 ? " of UTF-8" : "");
  }
  if (dckpt_dtype_size(dtype) == 0)
    return dckpt_record_fail_(rec, DCKPT_EINVAL, "array '%s': unknown dtype %d", name,
                              (int)dtype);
  if (ndim < 0 || ndim > DCKPT_MAX_NDIM)
    return dckpt_record_fail_(rec, DCKPT_EINVAL, "array '%s': ndim %d is not in 0..%d",
                              name, ndim, DCKPT_MAX_NDIM);
  if (ndim > 0 && !shape)
    return dckpt_record_fail_(rec, DCKPT_EINVAL, "array '%s': shape is NULL", name);
  return DCKPT_OK;
}

static int put_array(dckpt_record *rec, const char *name, dckpt_dtype dtype, int ndim,
                     const uint64_t *shape, const void *data, bool copy, bool utf8) {
  if (!rec) return DCKPT_EINVAL;
  if (!name) return dckpt_record_fail_(rec, DCKPT_EINVAL, "array name is NULL");
  size_t len = name_length(name);
  DCKPT_TRY(check_put(rec, name, len, utf8, dtype, ndim, shape));
  dckpt_err err;
  uint64_t nelems = 0, nbytes = 0; /* set on success; gcc -O3 cannot tell */
  char what[DCKPT_MAX_NAME + 16];
  snprintf(what, sizeof what, "array '%s'", name);
  if (dckpt_shape_size_(dtype, ndim, shape, what, &nelems, &nbytes, &err) != DCKPT_OK)
    return dckpt_record_fail_(rec, err.status, "%s", err.msg);
  if (!data && nbytes > 0)
    return dckpt_record_fail_(rec, DCKPT_EINVAL, "array '%s': data is NULL", name);
  long at = dckpt_record_lookup_(rec, name, len);
  if (at < 0 && rec->count >= DCKPT_MAX_ARRAYS)
    return dckpt_record_fail_(rec, DCKPT_ETOOBIG,
                              "array '%s': a record holds at most %u arrays", name,
                              DCKPT_MAX_ARRAYS);
  void *owned = NULL;
  if (copy && nbytes > 0) {
    owned = dckpt_big_alloc((size_t)nbytes);
    if (!owned)
      return dckpt_record_fail_(rec, DCKPT_ENOMEM,
                                "array '%s': out of memory (%llu bytes)", name,
                                (unsigned long long)nbytes);
    memcpy(owned, data, (size_t)nbytes);
  }
  dckpt_rec_array *a = NULL;
  if (at >= 0) {
    a = &rec->arrays[at];
    dckpt_big_free(a->owned, (size_t)a->nbytes); /* replaced in place: same position */
    a->dtype = dtype;
    a->ndim = ndim;
    memset(a->shape, 0, sizeof a->shape);
    for (int d = 0; d < ndim; d++)
      a->shape[d] = shape[d];
    a->nelems = nelems;
    a->nbytes = nbytes;
  } else {
    a = dckpt_record_append_(rec, name, len, dtype, ndim, shape, nelems, nbytes);
    if (!a) {
      dckpt_big_free(owned, (size_t)nbytes);
      return dckpt_record_fail_(rec, DCKPT_ENOMEM, "array '%s': out of memory", name);
    }
  }
  a->owned = owned;
  a->data = copy ? owned : data;
  a->borrowed = !copy && nbytes > 0;
  return DCKPT_OK;
}

int dckpt_record_own(dckpt_record *rec) {
  if (!rec) return DCKPT_EINVAL;
  for (size_t i = 0; i < rec->count; i++) {
    dckpt_rec_array *a = &rec->arrays[i];
    if (!a->borrowed) continue;
    void *copy = dckpt_big_alloc((size_t)a->nbytes);
    if (!copy)
      return dckpt_record_fail_(rec, DCKPT_ENOMEM,
                                "array '%s': out of memory (%llu bytes)", a->name,
                                (unsigned long long)a->nbytes);
    memcpy(copy, a->data, (size_t)a->nbytes);
    a->owned = copy;
    a->data = copy;
    a->borrowed = false;
  }
  return DCKPT_OK;
}

int dckpt_record_put(dckpt_record *rec, const char *name, dckpt_dtype dtype, int ndim,
                     const uint64_t *shape, const void *data) {
  return put_array(rec, name, dtype, ndim, shape, data, true, true);
}

/* Record files written before 475f4a0 may hold names that are not UTF-8, and
 * their readers keep them: a tool that rebuilds such a record (the
 * container's reader) must be able to put them back, or what it packed could
 * not be read again. Only the UTF-8 rule is waived. */
int dckpt_record_put_tolerant(dckpt_record *rec, const char *name, dckpt_dtype dtype,
                              int ndim, const uint64_t *shape, const void *data) {
  return put_array(rec, name, dtype, ndim, shape, data, true, false);
}

int dckpt_record_put_ref(dckpt_record *rec, const char *name, dckpt_dtype dtype, int ndim,
                         const uint64_t *shape, const void *data) {
  return put_array(rec, name, dtype, ndim, shape, data, false, true);
}

int dckpt_record_put_f64(dckpt_record *rec, const char *name, const double *data,
                         uint64_t n) {
  return put_array(rec, name, DCKPT_F64, 1, &n, data, true, true);
}

int dckpt_record_put_i64(dckpt_record *rec, const char *name, const int64_t *data,
                         uint64_t n) {
  return put_array(rec, name, DCKPT_I64, 1, &n, data, true, true);
}

int dckpt_record_put_u64(dckpt_record *rec, const char *name, const uint64_t *data,
                         uint64_t n) {
  return put_array(rec, name, DCKPT_U64, 1, &n, data, true, true);
}

int dckpt_record_put_bytes(dckpt_record *rec, const char *name, const void *data,
                           uint64_t n) {
  return put_array(rec, name, DCKPT_BYTES, 1, &n, data, true, true);
}

/* ---- queries ---- */

size_t dckpt_record_count(const dckpt_record *rec) {
  return rec ? rec->count : 0;
}

static void fill_info(const dckpt_rec_array *a, dckpt_array_info *info) {
  memset(info, 0, sizeof *info);
  info->name = a->name;
  info->dtype = a->dtype;
  info->ndim = a->ndim;
  memcpy(info->shape, a->shape, sizeof info->shape);
  info->nelems = a->nelems;
  info->nbytes = a->nbytes;
  info->data = a->data;
}

int dckpt_record_at(const dckpt_record *rec, size_t index, dckpt_array_info *info) {
  /* No message here or below: the record is const (dckpt.h, "Error detail"). */
  if (!rec || !info || index >= rec->count) return DCKPT_EINVAL;
  fill_info(&rec->arrays[index], info);
  return DCKPT_OK;
}

int dckpt_record_find(const dckpt_record *rec, const char *name, dckpt_array_info *info) {
  if (!rec || !info || !name) return DCKPT_EINVAL;
  long at = dckpt_record_lookup_(rec, name, name_length(name));
  if (at < 0) return DCKPT_ENOENT;
  fill_info(&rec->arrays[at], info);
  return DCKPT_OK;
}

int dckpt_record_get(const dckpt_record *rec, const char *name, dckpt_dtype dtype,
                     void *out, uint64_t nelems) {
  dckpt_array_info info;
  DCKPT_TRY(dckpt_record_find(rec, name, &info));
  if (info.dtype != dtype || info.nelems != nelems) return DCKPT_EMISMATCH;
  if (info.nbytes == 0) return DCKPT_OK;
  if (!out) return DCKPT_EINVAL;
  memcpy(out, info.data, (size_t)info.nbytes);
  return DCKPT_OK;
}

/* ---- texts: the JSON header and the identity ---- */

/* Replaces the text `*field` (of `*field_len` bytes) with a NUL-terminated
 * copy of text[0, len); on ENOMEM the old text stays. */
static int replace_text(char **field, size_t *field_len, const char *text, size_t len) {
  char *copy = malloc(len + 1);
  if (!copy) return DCKPT_ENOMEM;
  memcpy(copy, text, len);
  copy[len] = '\0';
  free(*field);
  *field = copy;
  *field_len = len;
  return DCKPT_OK;
}

/* ---- JSON header ---- */

int dckpt_record_set_header_n_(dckpt_record *rec, const char *json, size_t len) {
  return replace_text(&rec->header, &rec->header_len, json, len);
}

/* `strict`: a caller's new header, which must be one JSON object that every
 * reader reads alike (dckpt_json_parse_caller_object); without it, only what
 * the decoder requires of a header read from a file (a JSON object, perhaps
 * followed by other bytes or holding a key twice: older writers did not
 * refuse those), for tools that copy a record they read. */
static int set_header(dckpt_record *rec, const char *json, bool strict) {
  if (!rec) return DCKPT_EINVAL;
  if (!json) {
    free(rec->header);
    rec->header = NULL;
    rec->header_len = 0;
    return DCKPT_OK;
  }
  size_t len = strlen(json);
  if (len > DCKPT_HEADER_MAX_JSON)
    return dckpt_record_fail_(rec, DCKPT_ETOOBIG,
                              "JSON header is %zu bytes, more than the limit of %llu",
                              len, (unsigned long long)DCKPT_HEADER_MAX_JSON);
  if (strict) {
    dckpt_err err;
    dckpt_err_clear(&err);
    cJSON *doc = NULL;
    int rc = dckpt_json_parse_caller_object(json, "JSON header", &doc, &err);
    cJSON_Delete(doc);
    if (rc != DCKPT_OK) return dckpt_record_fail_(rec, rc, "%s", err.msg);
  } else {
    cJSON *doc = cJSON_ParseWithLength(json, len);
    bool ok = doc && cJSON_IsObject(doc);
    cJSON_Delete(doc);
    if (!ok)
      return dckpt_record_fail_(rec, DCKPT_EINVAL,
                                "JSON header is not a JSON object: %.64s%s", json,
                                len > 64 ? "..." : "");
  }
  if (dckpt_record_set_header_n_(rec, json, len) != DCKPT_OK)
    return dckpt_record_fail_(rec, DCKPT_ENOMEM, "out of memory copying the JSON header");
  return DCKPT_OK;
}

int dckpt_record_set_header(dckpt_record *rec, const char *json) {
  return set_header(rec, json, true);
}

int dckpt_record_set_header_tolerant(dckpt_record *rec, const char *json) {
  return set_header(rec, json, false);
}

const char *dckpt_record_header(const dckpt_record *rec) {
  return rec && rec->header ? rec->header : "{}";
}

/* ---- identity ---- */

int dckpt_record_set_identity_n_(dckpt_record *rec, const char *text, size_t len) {
  return replace_text(&rec->identity, &rec->identity_len, text, len);
}

int dckpt_record_set_identity(dckpt_record *rec, const char *json) {
  if (!rec) return DCKPT_EINVAL;
  if (!json || !*json) {
    free(rec->identity);
    rec->identity = NULL;
    rec->identity_len = 0;
    return DCKPT_OK;
  }
  size_t len = strlen(json);
  cJSON *doc = len <= DCKPT_IDENTITY_MAX ? cJSON_ParseWithLength(json, len) : NULL;
  bool oom = false;
  const char *twice = doc ? dckpt_json_repeated_key(doc, true, &oom) : NULL;
  if (twice || oom) {
    int rc =
        oom ? dckpt_record_fail_(rec, DCKPT_ENOMEM, "out of memory checking the identity")
            : dckpt_record_fail_(rec, DCKPT_EINVAL,
                                 "identity holds key \"%.64s\" twice in one object",
                                 twice);
    cJSON_Delete(doc);
    return rc;
  }
  bool ok = doc && cJSON_IsObject(doc);
  cJSON_Delete(doc);
  if (!ok)
    return dckpt_record_fail_(rec, DCKPT_EINVAL,
                              "identity is not a JSON object of at most %llu bytes: "
                              "%.64s%s",
                              (unsigned long long)DCKPT_IDENTITY_MAX, json,
                              len > 64 ? "..." : "");
  if (dckpt_record_set_identity_n_(rec, json, len) != DCKPT_OK)
    return dckpt_record_fail_(rec, DCKPT_ENOMEM, "out of memory copying the identity");
  return DCKPT_OK;
}

const char *dckpt_record_identity(const dckpt_record *rec) {
  return rec && rec->identity ? rec->identity : "";
}
