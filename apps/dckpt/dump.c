/* dckpt dump: what a record file holds — header facts, the JSON header, the
 * table of arrays, and optionally the values of one array. */
#define _GNU_SOURCE /* strndup */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#ifdef DCKPT_CLI_CONTAINER
#include "dckpt_container.h"
#endif
#include "dump.h"

static const char dump_help[] =
    "Usage: dckpt dump FILE [--array NAME [--head N]] [--json]\n"
    "       dckpt dump CONTAINER.h5/PATH | CONTAINER.h5 PATH  [options]\n"
    "\n"
    "Shows a record file (a checkpoint, the problem, the initial algorithms or\n"
    "the metrics): format version, compression and level, sizes and ratio, the\n"
    "JSON header and a table of the arrays (name, dtype, shape, bytes). The\n"
    "whole file is verified (checksum) first. In a container made by 'dckpt\n"
    "pack', PATH names the record as in the directory (e.g.\n"
    "algorithm_0/trial_3/checkpoint_0000019.dckpt); only its chunks are read\n"
    "and every array's checksum is checked.\n"
    "\n"
    "Options:\n"
    "  --array NAME  print only the values of array NAME: one per line, or one\n"
    "                row per last dimension for 2 or more dimensions; full\n"
    "                precision (%.17g for f64, %.9g for f32, integers exact)\n"
    "  --head N      with --array: only the first N values (in storage order)\n"
    "  --json        print one JSON document instead (see docs/cli.md)\n"
    "  -h, --help    show this help\n"
    "\n"
    "Exit status: 0 shown, 1 FILE unreadable or corrupt or no such array,\n"
    "2 usage error.\n";

typedef struct dump_args {
  const char *file;
  const char *inner; /* PATH inside a container, or NULL */
  const char *array;
  bool json, has_head;
  uint64_t head;
} dump_args;

static int parse_args(int argc, char **argv, dump_args *d) {
  const char *head_seen = NULL;
  for (int i = 1; i < argc; i++) {
    const char *value = NULL;
    int m;
    if (cli_is_help(argv[i])) return cli_print_help(&cli_cmd_dump);
    if (strcmp(argv[i], "--json") == 0) {
      d->json = true;
    } else if ((m = cli_option_value("dump", argc, argv, &i, "--array", &value)) != 0) {
      if (m < 0 || cli_option_once("dump", "--array", &d->array, value))
        return CLI_EXIT_USAGE;
    } else if ((m = cli_option_value("dump", argc, argv, &i, "--head", &value)) != 0) {
      if (m < 0 || cli_option_once("dump", "--head", &head_seen, value) ||
          cli_parse_count("dump", "--head", value, &d->head) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
      d->has_head = true;
    } else if (d->file && !d->inner && argv[i][0] != '-' &&
               dckpt_container_probe(d->file)) {
      d->inner = argv[i]; /* dckpt dump CONTAINER.h5 PATH */
    } else if (cli_positional("dump", argv[i], &d->file) != CLI_EXIT_OK) {
      return CLI_EXIT_USAGE;
    }
  }
  if (!d->file) return cli_usage_error("dump", "missing record FILE");
  if (d->has_head && !d->array)
    return cli_usage_error("dump", "option '--head' needs '--array NAME'");
  return CLI_CONTINUE;
}

static double ratio(const dckpt_file_info *fi) {
  return fi->payload_bytes ? (double)fi->raw_bytes / (double)fi->payload_bytes : 1.0;
}

static void print_facts(const char *file, const dckpt_file_info *fi, FILE *out) {
  char size[32];
  cli_format_bytes(fi->file_bytes, size, sizeof size);
  fprintf(out, "file:           %s\n", file);
  if (fi->file_bytes == 0 && fi->payload_bytes == 0) { /* a record in a container */
    cli_format_bytes(fi->raw_bytes, size, sizeof size);
    fprintf(out, "format version: %" PRIu32 " (of the file that was packed)\n",
            fi->format_version);
    fprintf(out, "compression:    zstd chunks of the container (packed from level %d)\n",
            fi->level);
    fprintf(out, "arrays:         %" PRIu64 "\n", fi->n_arrays);
    fprintf(out, "raw bytes:      %" PRIu64 " (%s)\n", fi->raw_bytes, size);
    return;
  }
  fprintf(out, "format version: %" PRIu32 "\n", fi->format_version);
  if (fi->compressed)
    fprintf(out, "compression:    zstd, level %d\n", fi->level);
  else
    fprintf(out, "compression:    none (stored raw)\n");
  fprintf(out, "arrays:         %" PRIu64 "\n", fi->n_arrays);
  fprintf(out, "file size:      %" PRIu64 " bytes (%s)\n", fi->file_bytes, size);
  fprintf(out,
          "payload:        %" PRIu64 " bytes stored, %" PRIu64
          " bytes raw (ratio %.2f)\n",
          fi->payload_bytes, fi->raw_bytes, ratio(fi));
}

/* The bytes after the header's JSON object (white space after it aside),
 * which *at points to: a record written before dckpt_record_set_header
 * refused them may hold some (docs/format.md, check 6); every reader takes
 * the object and leaves them. 0 when the header is no JSON object. */
static size_t header_trailing(const char *text, const char **at) {
  const char *end = NULL;
  cJSON *h = text ? cJSON_ParseWithOpts(text, &end, 0) : NULL;
  bool object = cJSON_IsObject(h);
  cJSON_Delete(h);
  if (!object || !end) return 0;
  while (*end && (unsigned char)*end <= ' ') /* what cJSON skips as white space */
    end++;
  *at = end;
  return strlen(end);
}

/* The header pretty-printed; as stored when it is not valid JSON (or not
 * UTF-8, which JSON text is); then a note of bytes after its object. */
static void print_header(const dckpt_record *rec, FILE *out) {
  const char *text = dckpt_record_header(rec), *rest = NULL;
  cJSON *h = cli_json_parse(text);
  char *pretty = h ? cli_json_pretty(h) : NULL;
  fprintf(out, "header:         %s\n", pretty ? pretty : text);
  free(pretty);
  size_t n = header_trailing(text, &rest);
  if (n && h) { /* (a header shown as stored shows them itself) */
    cJSON *shown = cJSON_CreateString(rest); /* quoted, escaped */
    char *q = shown ? cJSON_PrintUnformatted(shown) : NULL;
    fprintf(out,
            "header note:    %zu byte%s after the JSON object%s%.60s%s, as an older "
            "dckpt kept them: readers take the object, a current writer refuses such "
            "a header\n",
            n, n == 1 ? "" : "s", q ? " (" : "", q ? q : "",
            q ? (strlen(q) > 60 ? "...)" : ")") : "");
    free(q);
    cJSON_Delete(shown);
  }
  cJSON_Delete(h);
}

static void print_table(const dckpt_record *rec, FILE *out) {
  size_t n = dckpt_record_count(rec);
  int w = 4;
  dckpt_array_info a;
  for (size_t i = 0; i < n; i++)
    if (dckpt_record_at(rec, i, &a) == DCKPT_OK && strlen(a.name) > (size_t)w)
      w = strlen(a.name) > 60 ? 60 : (int)strlen(a.name);
  fprintf(out, "\n%-*s  %-5s  %-20s  %14s\n", w, "name", "dtype", "shape", "bytes");
  for (size_t i = 0; i < n; i++) {
    char shape[160];
    if (dckpt_record_at(rec, i, &a) != DCKPT_OK) continue;
    dump_format_shape(&a, shape, sizeof shape);
    fprintf(out, "%-*s  %-5s  %-20s  %14" PRIu64 "\n", w, a.name,
            dckpt_dtype_name(a.dtype), shape, a.nbytes);
  }
}

static cJSON *array_json(const dckpt_array_info *a) {
  cJSON *o = cJSON_CreateObject();
  char shape[160];
  dump_format_shape(a, shape, sizeof shape);
  cJSON_AddStringToObject(o, "name", a->name);
  cJSON_AddStringToObject(o, "dtype", dckpt_dtype_name(a->dtype));
  cJSON_AddItemToObject(o, "shape", cJSON_CreateRaw(shape));
  cJSON_AddItemToObject(o, "nelems", cli_json_u64(a->nelems));
  cJSON_AddItemToObject(o, "bytes", cli_json_u64(a->nbytes));
  return o;
}

static cJSON *facts_json(const char *file, const dckpt_file_info *fi) {
  cJSON *doc = cJSON_CreateObject();
  cJSON_AddStringToObject(doc, "file", file);
  cJSON_AddNumberToObject(doc, "format_version", fi->format_version);
  cJSON_AddBoolToObject(doc, "compressed", fi->compressed != 0);
  cJSON_AddNumberToObject(doc, "level", fi->level);
  cJSON_AddItemToObject(doc, "n_arrays", cli_json_u64(fi->n_arrays));
  cJSON_AddItemToObject(doc, "file_bytes", cli_json_u64(fi->file_bytes));
  cJSON_AddItemToObject(doc, "payload_bytes", cli_json_u64(fi->payload_bytes));
  cJSON_AddItemToObject(doc, "raw_bytes", cli_json_u64(fi->raw_bytes));
  cJSON_AddNumberToObject(doc, "ratio", ratio(fi));
  return doc;
}

static int print_json(const dump_args *d, const dckpt_file_info *fi,
                      const dckpt_record *rec, const dckpt_array_info *sel) {
  cJSON *doc = facts_json(d->file, fi);
  cJSON *h = cli_json_parse(dckpt_record_header(rec));
  const char *rest = NULL;
  size_t trailing = header_trailing(dckpt_record_header(rec), &rest);
  cJSON_AddItemToObject(doc, "header",
                        h ? h : cJSON_CreateString(dckpt_record_header(rec)));
  if (h && trailing) /* only then: the header as an object leaves them out */
    cJSON_AddItemToObject(doc, "header_trailing_bytes", cli_json_u64(trailing));
  cJSON *arrays = cJSON_AddArrayToObject(doc, "arrays");
  dckpt_array_info a;
  for (size_t i = 0; i < dckpt_record_count(rec); i++)
    if (dckpt_record_at(rec, i, &a) == DCKPT_OK)
      cJSON_AddItemToArray(arrays, array_json(&a));
  if (sel) {
    uint64_t count = d->has_head && d->head < sel->nelems ? d->head : sel->nelems;
    cJSON *o = array_json(sel);
    cJSON *values = dump_values_json(sel, count);
    if (!values) {
      cJSON_Delete(o);
      cJSON_Delete(doc);
      cli_error("dump", "%s: out of memory formatting array '%s'", d->file, sel->name);
      return CLI_EXIT_FAIL;
    }
    cJSON_AddBoolToObject(o, "truncated", count < sel->nelems);
    cJSON_AddItemToObject(o, "values", values);
    cJSON_AddItemToObject(doc, "array", o);
  }
  return cli_json_print("dump", doc);
}

/* Names the arrays there are when the requested one is missing. */
static void no_such_array(const char *file, const char *name, const dckpt_record *rec) {
  cli_buf names = {NULL, 0, 0, false};
  dckpt_array_info a;
  for (size_t i = 0; i < dckpt_record_count(rec); i++)
    if (dckpt_record_at(rec, i, &a) == DCKPT_OK)
      cli_buf_printf(&names, "%s'%s'", i ? ", " : "", a.name);
  cli_error("dump", "%s: no array '%s' (it has: %s)", file, name,
            names.len && !names.failed ? names.data : "no arrays");
  cli_buf_free(&names);
}

static int show(const dump_args *d, const dckpt_file_info *fi, const dckpt_record *rec) {
  dckpt_array_info sel;
  if (d->array && dckpt_record_find(rec, d->array, &sel) != DCKPT_OK) {
    no_such_array(d->file, d->array, rec);
    return CLI_EXIT_FAIL;
  }
  if (d->json) return print_json(d, fi, rec, d->array ? &sel : NULL);
  if (d->array) {
    dump_print_values(&sel, d->has_head && d->head < sel.nelems ? d->head : sel.nelems,
                      stdout);
    return CLI_EXIT_OK;
  }
  print_facts(d->file, fi, stdout);
  print_header(rec, stdout);
  print_table(rec, stdout);
  return CLI_EXIT_OK;
}

/* "C.h5/inner/path": the first prefix that is an HDF5 file names the
 * container, and *inner is the rest; NULL when there is none. */
static char *split_container(const char *arg, const char **inner) {
  for (const char *p = strchr(arg, '/'); p; p = strchr(p + 1, '/')) {
    char *prefix = strndup(arg, (size_t)(p - arg));
    if (prefix && p > arg && dckpt_container_probe(prefix)) {
      *inner = p + 1;
      return prefix;
    }
    free(prefix);
  }
  return NULL;
}

#ifdef DCKPT_CLI_CONTAINER
/* Loads the record from a container; the message goes to err. */
static int load_from_container(const char *path, const char *inner, dckpt_record **rec,
                               dckpt_file_info *fi, char *err, size_t len) {
  dckpt_container *c = NULL;
  int rc = dckpt_container_open(path, &c);
  if (rc == DCKPT_OK) rc = dckpt_container_load_record(c, inner, rec, fi);
  if (rc != DCKPT_OK) snprintf(err, len, "%s", dckpt_container_errmsg(c));
  dckpt_container_close(c);
  return rc;
}
#else
/* Whether FILE is a container or a record in one (then dckpt-h5 shows it). */
static bool names_container(const dump_args *d) {
  const char *inner = NULL;
  if (d->inner || dckpt_container_probe(d->file)) return true;
  char *container = split_container(d->file, &inner);
  bool found = container != NULL;
  free(container);
  return found;
}
#endif

static int load(dump_args *d, dckpt_record **rec, dckpt_file_info *fi, char *err,
                size_t len) {
#ifdef DCKPT_CLI_CONTAINER
  char *container = NULL;
  const char *inner = d->inner;
  if (!inner && !dckpt_container_probe(d->file))
    container = split_container(d->file, &inner);
  if (inner) {
    int rc =
        load_from_container(container ? container : d->file, inner, rec, fi, err, len);
    free(container);
    return rc;
  }
  if (dckpt_container_probe(d->file)) {
    snprintf(err, len,
             "%s is a container: name a record in it, as in 'dckpt dump %s "
             "benchmark_problem.dckpt' ('dckpt ls %s' lists them)",
             d->file, d->file, d->file);
    return DCKPT_EINVAL;
  }
#endif
  int rc = dckpt_record_stat(d->file, fi);
  if (rc != DCKPT_OK) {
    snprintf(err, len, "%s", fi->error);
    return rc;
  }
  rc = dckpt_record_read(d->file, rec);
  if (rc != DCKPT_OK) snprintf(err, len, "%s", dckpt_record_errmsg(*rec));
  return rc;
}

static int run_dump(int argc, char **argv) {
  dump_args d;
  memset(&d, 0, sizeof d);
  int ex = parse_args(argc, argv, &d);
  if (ex != CLI_CONTINUE) return ex;
#ifndef DCKPT_CLI_CONTAINER
  if (names_container(&d)) return cli_handoff("dump", CLI_EXIT_FAIL);
#endif
  char err[1200] = "", shown[4200];
  dckpt_file_info fi;
  dckpt_record *rec = NULL;
  int rc = load(&d, &rec, &fi, err, sizeof err);
  const char *why = err;
  if (d.inner) { /* show the record's path as one */
    snprintf(shown, sizeof shown, "%s/%s", d.file, d.inner);
    d.file = shown;
  }
  if (rc != DCKPT_OK) {
    if (why[0])
      cli_error("dump", "%s (%s)", why, dckpt_err_name(rc));
    else
      cli_error("dump", "%s: %s (%s)", d.file, dckpt_strerror(rc), dckpt_err_name(rc));
    dckpt_record_free(rec);
    return CLI_EXIT_FAIL;
  }
  ex = show(&d, &fi, rec);
  dckpt_record_free(rec);
  return ex;
}

const cli_command cli_cmd_dump = {
    "dump", "show a record file: header facts, arrays, values", dump_help, run_dump};
