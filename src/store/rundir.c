/* The run directory's bookkeeping, public: who holds the lock
 * (dckpt_lock_query) and how the last run ended (run_status.json). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/fs.h"
#include "io/json_file.h"
#include "io/lock.h"
#include "io/path.h"
#include "store/layout.h"
#include "store/shared.h"
#include "store/store_internal.h"
#include "util/json.h"
#include "util/struct_size.h"
#include "util/utf8.h"

int dckpt_lock_query(const char *dir, dckpt_lock_info **out) {
  if (out) *out = NULL;
  if (!dir || !out) return DCKPT_EINVAL;
  dckpt_lock_info *info = calloc(1, sizeof *info);
  char *path = dckpt_path_join(dir, DCKPT_LOCK_FILE);
  if (!info || !path) {
    free(info);
    free(path);
    return DCKPT_ENOMEM;
  }
  dckpt_lock_probe(path, info);
  free(path);
  *out = info;
  return DCKPT_OK;
}

void dckpt_run_status_init(dckpt_run_status *st) {
  if (!st) return;
  memset(st, 0, sizeof *st);
  st->struct_size = sizeof *st;
  st->status = DCKPT_OK;
}

/* The status code named `name` ("EINTERRUPTED"), false when there is none. */
static bool status_from_name(const char *name, int *status) {
#define DCKPT_STATUS_FIND_(n, value, msg)                                                \
  if (!strcmp(name, #n)) {                                                               \
    *status = value;                                                                     \
    return true;                                                                         \
  }
  DCKPT_STATUS_MAP(DCKPT_STATUS_FIND_)
#undef DCKPT_STATUS_FIND_
  return false;
}

static cJSON *status_json(const dckpt_run_status *st) {
  cJSON *j = cJSON_CreateObject();
  if (!j) return NULL;
  bool ok = cJSON_AddStringToObject(j, "status", dckpt_err_name(st->status)) &&
            cJSON_AddNumberToObject(j, "exit_code", st->exit_code) &&
            cJSON_AddStringToObject(j, "message", st->message) &&
            cJSON_AddNumberToObject(j, "pairs_total", (double)st->pairs_total) &&
            cJSON_AddNumberToObject(j, "pairs_completed", (double)st->pairs_completed) &&
            cJSON_AddNumberToObject(j, "iterations_run", (double)st->iterations_run) &&
            cJSON_AddNumberToObject(j, "ranks", st->ranks) &&
            cJSON_AddNumberToObject(j, "seconds", st->seconds) &&
            cJSON_AddNumberToObject(j, "finished_at", st->finished_at);
  if (!ok) {
    cJSON_Delete(j);
    return NULL;
  }
  return j;
}

/* The size of the first published layout (dckpt 0.2). */
#define STATUS_OLDEST DCKPT_STRUCT_END(dckpt_run_status, finished_at)

/* The members of dckpt_run_status after struct_size (util/struct_size.h). */
static const dckpt_member status_members[] = {
    DCKPT_MEMBER(dckpt_run_status, status),
    DCKPT_MEMBER(dckpt_run_status, exit_code),
    DCKPT_MEMBER(dckpt_run_status, message),
    DCKPT_MEMBER(dckpt_run_status, pairs_total),
    DCKPT_MEMBER(dckpt_run_status, pairs_completed),
    DCKPT_MEMBER(dckpt_run_status, iterations_run),
    DCKPT_MEMBER(dckpt_run_status, ranks),
    DCKPT_MEMBER(dckpt_run_status, seconds),
    DCKPT_MEMBER(dckpt_run_status, finished_at),
};

/* The message may quote what no check made UTF-8 (a directory's path holds
 * any byte but NUL): each ill-formed stretch becomes U+FFFD, as the CLI
 * shows such text (docs/cli.md), so that the file stays JSON; whole
 * sequences only, cut to the buffer. */
static void message_utf8(char *msg, size_t cap) {
  char out[sizeof((dckpt_run_status *)0)->message];
  size_t o = dckpt_utf8_mend(msg, out, cap < sizeof out ? cap : sizeof out);
  memcpy(msg, out, o + 1);
}

/* Writes the status file `path` from the caller's status (as far as its
 * struct_size goes). */
static int write_status_at(const char *path, const dckpt_run_status *caller, bool durable,
                           dckpt_err *err) {
  if (!caller)
    return dckpt_err_set(err, DCKPT_EINVAL, "write_run_status: the status is NULL");
  dckpt_run_status st;
  dckpt_run_status_init(&st);
  if (!dckpt_struct_take(&st, caller, STATUS_OLDEST, sizeof st, status_members,
                         sizeof status_members / sizeof *status_members))
    return dckpt_err_set(err, DCKPT_EINVAL,
                         "write_run_status: struct_size is %zu: fill the status with "
                         "dckpt_run_status_init()",
                         caller->struct_size);
  st.message[sizeof st.message - 1] = '\0';
  message_utf8(st.message, sizeof st.message);
  int dummy;
  if (!status_from_name(dckpt_err_name(st.status), &dummy))
    return dckpt_err_set(err, DCKPT_EINVAL, "write_run_status: %d is not a status code",
                         st.status);
  cJSON *j = status_json(&st);
  int rc = DCKPT_OK;
  if (!j || !path) {
    rc = dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  } else {
    dckpt_io_opts io = {.durable = durable, .replaces = true, .label = "run_status"};
    rc = dckpt_json_save(path, j, &io, err);
  }
  cJSON_Delete(j);
  return rc;
}

/* write_status_at() of `path` (DIR/run_status.json or a named run's, NULL
 * when out of memory), which it frees. */
static int write_status(char *path, const dckpt_run_status *caller, bool durable,
                        dckpt_err *err) {
  int rc = write_status_at(path, caller, durable, err);
  free(path);
  return rc;
}

static int parse_status(const cJSON *j, const char *file, dckpt_run_status *st,
                        dckpt_err *err) {
  const char *name = NULL, *message = NULL;
  int64_t code = 0, ranks = 0;
  DCKPT_TRY(dckpt_json_get_str(j, "status", file, &name, err));
  if (!status_from_name(name, &st->status))
    return dckpt_err_set(err, DCKPT_ECORRUPT, "'%s': key \"status\": unknown status '%s'",
                         file, name);
  DCKPT_TRY(dckpt_json_get_i64(j, "exit_code", file, &code, err));
  DCKPT_TRY(dckpt_json_get_str(j, "message", file, &message, err));
  DCKPT_TRY(dckpt_json_get_i64(j, "pairs_total", file, &st->pairs_total, err));
  DCKPT_TRY(dckpt_json_get_i64(j, "pairs_completed", file, &st->pairs_completed, err));
  DCKPT_TRY(dckpt_json_get_i64(j, "iterations_run", file, &st->iterations_run, err));
  DCKPT_TRY(dckpt_json_get_i64(j, "ranks", file, &ranks, err));
  if (code < 0 || code > 255 || ranks < 0 || ranks > INT32_MAX)
    return dckpt_err_set(err, DCKPT_ECORRUPT,
                         "'%s': exit_code %lld or ranks %lld is out of range", file,
                         (long long)code, (long long)ranks);
  st->exit_code = (int)code;
  st->ranks = (int)ranks;
  snprintf(st->message, sizeof st->message, "%s", message);
  const char *secs[] = {"seconds", "finished_at"};
  double *dst[] = {&st->seconds, &st->finished_at};
  for (int i = 0; i < 2; i++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, secs[i]);
    if (!cJSON_IsNumber(v))
      return dckpt_err_set(err, DCKPT_ECORRUPT, "'%s': key \"%s\" must be a number", file,
                           secs[i]);
    *dst[i] = v->valuedouble;
  }
  return DCKPT_OK;
}

/* Reads the status file `path` into a new status (NULL on failure); through
 * the store's source when `s` is given. Frees `path`. */
static int read_status(dckpt_store *s, char *path, dckpt_run_status **out,
                       dckpt_err *err) {
  if (!out) {
    free(path);
    return dckpt_err_set(err, DCKPT_EINVAL,
                         "read_run_status: the status pointer is NULL");
  }
  *out = NULL;
  dckpt_run_status *st = malloc(sizeof *st);
  cJSON *j = NULL;
  int rc = DCKPT_OK;
  if (!path || !st)
    rc = dckpt_err_set(err, DCKPT_ENOMEM, "out of memory");
  else
    rc = s ? dckpt_src_json_load(s, path, &j, err) : dckpt_json_load(path, &j, err);
  if (rc == DCKPT_OK) {
    dckpt_run_status_init(st);
    rc = parse_status(j, path, st, err);
  }
  cJSON_Delete(j);
  free(path);
  if (rc == DCKPT_OK)
    *out = st;
  else
    free(st);
  return rc;
}

static char *status_path(const char *dir) {
  return dckpt_path_join(dir, DCKPT_RUN_STATUS_FILE);
}

int dckpt_store_write_run_status(dckpt_store *s, const dckpt_run_status *st) {
  DCKPT_TRY(dckpt_store_require_writable(s, "write_run_status"));
  return write_status(status_path(s->dir), st, dckpt_store_durable(s), &s->err);
}

int dckpt_store_read_run_status(dckpt_store *s, dckpt_run_status **out) {
  return read_status(s, status_path(s->dir), out, &s->err);
}

static int bad_name(dckpt_store *s, const char *what, const char *name) {
  return dckpt_err_set(&s->err, DCKPT_EINVAL,
                       "%s: '%.80s' is not a run name (1 to %d letters, digits, '.', '_' "
                       "or '-', the first a letter or a digit)",
                       what, name ? name : "(null)", DCKPT_RUN_NAME_MAX);
}

/* DIR/runs and DIR/runs/<name>: directories of the store's own, created
 * when missing; the named run's status file at `*status` (malloc'd). */
static int named_places(dckpt_store *s, const char *name, char **status) {
  *status = NULL;
  char *runs = dckpt_path_join(s->dir, DCKPT_RUNS_DIR);
  char *folder = dckpt_layout_named_run(s->dir, name, NULL);
  char *path = dckpt_layout_named_run(s->dir, name, DCKPT_RUN_STATUS_FILE);
  char what[160];
  snprintf(what, sizeof what, "the folder of the named run '%s'", name);
  bool durable = dckpt_store_durable(s);
  int rc = runs && folder && path ? DCKPT_OK
                                  : dckpt_err_set(&s->err, DCKPT_ENOMEM, "out of memory");
  if (rc == DCKPT_OK)
    rc = dckpt_io_own_dir(runs, "the folder of named runs", durable, &s->err);
  if (rc == DCKPT_OK) rc = dckpt_io_own_dir(folder, what, durable, &s->err);
  if (rc == DCKPT_OK)
    rc = dckpt_io_file_place(path, "how the named run last ended", &s->err);
  free(runs);
  free(folder);
  if (rc == DCKPT_OK)
    *status = path;
  else
    free(path);
  return rc;
}

int dckpt_store_write_named_status(dckpt_store *s, const char *name,
                                   const dckpt_run_status *st) {
  DCKPT_TRY(dckpt_store_require_writable(s, "write_named_status"));
  if (!dckpt_run_name_valid(name)) return bad_name(s, "write_named_status", name);
  char *path = NULL;
  DCKPT_TRY(named_places(s, name, &path));
  return write_status(path, st, dckpt_store_durable(s), &s->err);
}

int dckpt_store_prepare_run_status(dckpt_store *s, const char *name) {
  DCKPT_TRY(dckpt_store_require_writable(s, "prepare_run_status"));
  char *path = status_path(s->dir);
  int rc = path ? dckpt_io_file_place(path, "how the last run ended", &s->err)
                : dckpt_err_set(&s->err, DCKPT_ENOMEM, "out of memory");
  free(path);
  if (rc != DCKPT_OK || !name) return rc;
  if (!dckpt_run_name_valid(name)) return bad_name(s, "prepare_run_status", name);
  rc = named_places(s, name, &path);
  free(path);
  return rc == DCKPT_OK ? dckpt_store_claim_run_name(s, name) : rc;
}

int dckpt_store_read_named_status(dckpt_store *s, const char *name,
                                  dckpt_run_status **out) {
  if (out) *out = NULL;
  if (!dckpt_run_name_valid(name)) return bad_name(s, "read_named_status", name);
  return read_status(s, dckpt_layout_named_run(s->dir, name, DCKPT_RUN_STATUS_FILE), out,
                     &s->err);
}

/* ---- deprecated in 0.2 (dckpt.h): without a store; delete in 0.3 ---- */

int dckpt_run_status_write(const char *dir, const dckpt_run_status *st, bool durable,
                           char *errbuf, size_t errlen) {
  dckpt_err err;
  dckpt_err_clear(&err);
  int rc =
      dir ? write_status(status_path(dir), st, durable, &err)
          : dckpt_err_set(&err, DCKPT_EINVAL, "run_status_write: the directory is NULL");
  dckpt_err_copy(&err, errbuf, errlen);
  return rc;
}

int dckpt_run_status_read(const char *dir, dckpt_run_status **out, char *errbuf,
                          size_t errlen) {
  dckpt_err err;
  dckpt_err_clear(&err);
  int rc = DCKPT_EINVAL;
  if (out) *out = NULL;
  if (!dir || !out)
    dckpt_err_set(&err, DCKPT_EINVAL, "run_status_read: NULL argument");
  else
    rc = read_status(NULL, status_path(dir), out, &err);
  dckpt_err_copy(&err, errbuf, errlen);
  return rc;
}
