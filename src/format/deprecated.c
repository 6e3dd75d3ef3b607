/* The record calls of dckpt 0.1 that 0.2 replaced (dckpt.h, "Deprecated in
 * 0.2, removed in 0.3"), on top of their replacements: the reason goes to a
 * caller buffer instead of the record. Delete this file in 0.3. */
#include <stdio.h>

#include "format/record_internal.h"
#include "format/record_io.h"

/* The message of a failed call that created `rec`, copied out; rec freed. */
static void give_reason(dckpt_record **rec, char *err, size_t errlen) {
  if (err && errlen)
    snprintf(err, errlen, "%s", *rec ? dckpt_record_errmsg(*rec) : "out of memory");
  dckpt_record_free(*rec);
  *rec = NULL;
}

int dckpt_record_load_file(const char *path, dckpt_record **out, char *err,
                           size_t errlen) {
  if (err && errlen) err[0] = '\0';
  int rc = dckpt_record_read(path, out);
  if (rc != DCKPT_OK && out) give_reason(out, err, errlen);
  return rc;
}

int dckpt_record_decode(const void *buf, size_t len, dckpt_record **out, char *err,
                        size_t errlen) {
  if (err && errlen) err[0] = '\0';
  int rc = dckpt_record_parse(buf, len, out);
  if (rc != DCKPT_OK && out) give_reason(out, err, errlen);
  return rc;
}

int dckpt_record_save_file(const dckpt_record *rec, const char *path, int level,
                           bool durable, char *err, size_t errlen) {
  if (err && errlen) err[0] = '\0';
  dckpt_err e;
  dckpt_err_clear(&e);
  int rc = rec ? dckpt_record_write_err_(
                     rec, path, level,
                     durable ? DCKPT_DURABILITY_FULL : DCKPT_DURABILITY_NONE, &e)
               : dckpt_err_set(&e, DCKPT_EINVAL, "record is NULL");
  dckpt_err_copy(&e, err, errlen);
  return rc;
}

int dckpt_record_stat_file(const char *path, dckpt_file_info *info, char *err,
                           size_t errlen) {
  if (err && errlen) err[0] = '\0';
  dckpt_file_info local;
  int rc = dckpt_record_stat(path, info ? info : &local);
  if (rc != DCKPT_OK && err && errlen)
    snprintf(err, errlen, "%s", info ? info->error : local.error);
  return rc;
}
