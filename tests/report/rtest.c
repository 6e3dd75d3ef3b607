#include "rtest.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

const char *rtest_dir(const char *name) {
  static char path[1024];
  snprintf(path, sizeof path, "%s/report.%s", DCKPT_TEST_TMP, name);
  DIR *d = opendir(path);
  if (d) {
    char file[2048];
    for (struct dirent *e; (e = readdir(d));) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
      snprintf(file, sizeof file, "%s/%s", path, e->d_name);
      CHECK(unlink(file) == 0);
    }
    closedir(d);
  } else {
    CHECK(mkdir(path, 0755) == 0);
  }
  return path;
}

char *rtest_read(const char *dir, const char *name, size_t *len) {
  char path[2048];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  for (size_t k; buf && (k = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
    n += k;
    if (cap - n < 2) {
      char *grown = realloc(buf, cap *= 2);
      if (!grown) free(buf);
      buf = grown;
    }
  }
  fclose(f);
  if (buf) buf[n] = '\0';
  if (len) *len = n;
  return buf;
}

int rtest_count_prefix(const char *dir, const char *prefix) {
  DIR *d = opendir(dir);
  CHECK(d != NULL);
  int n = 0;
  for (struct dirent *e; (e = readdir(d));)
    if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) n++;
  closedir(d);
  return n;
}

void rtest_png_load(rtest_png *p, const char *dir, const char *name) {
  char path[2048];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  p->surf = cairo_image_surface_create_from_png(path);
  if (cairo_surface_status(p->surf) != CAIRO_STATUS_SUCCESS)
    CHECK_FAIL_("cannot decode %s: %s", path,
                cairo_status_to_string(cairo_surface_status(p->surf)));
  cairo_surface_flush(p->surf);
  p->w = cairo_image_surface_get_width(p->surf);
  p->h = cairo_image_surface_get_height(p->surf);
  p->stride = cairo_image_surface_get_stride(p->surf);
  p->data = cairo_image_surface_get_data(p->surf);
  cairo_format_t fmt = cairo_image_surface_get_format(p->surf);
  CHECK(fmt == CAIRO_FORMAT_RGB24 || fmt == CAIRO_FORMAT_ARGB32);
}

void rtest_png_free(rtest_png *p) {
  cairo_surface_destroy(p->surf);
}

/* Both formats store one native-endian 32-bit word per pixel: 0x00RRGGBB. */
static uint32_t pixel(const rtest_png *p, int x, int y) {
  uint32_t v;
  memcpy(&v, p->data + (size_t)y * (size_t)p->stride + (size_t)x * 4, 4);
  return v & 0xFFFFFFu;
}

long rtest_png_count_box(const rtest_png *p, const unsigned char rgb[3], int tol, int x0,
                         int x1, int y0, int y1) {
  long n = 0;
  for (int y = y0 < 0 ? 0 : y0; y < y1 && y < p->h; y++)
    for (int x = x0 < 0 ? 0 : x0; x < x1 && x < p->w; x++) {
      uint32_t v = pixel(p, x, y);
      int r = (int)(v >> 16), g = (int)((v >> 8) & 0xFF), b = (int)(v & 0xFF);
      if (abs(r - rgb[0]) <= tol && abs(g - rgb[1]) <= tol && abs(b - rgb[2]) <= tol) n++;
    }
  return n;
}

long rtest_png_count_near(const rtest_png *p, const unsigned char rgb[3], int tol, int y0,
                          int y1) {
  return rtest_png_count_box(p, rgb, tol, 0, p->w, y0, y1);
}

long rtest_png_nonwhite(const rtest_png *p) {
  long n = 0;
  for (int y = 0; y < p->h; y++)
    for (int x = 0; x < p->w; x++)
      n += pixel(p, x, y) != 0xFFFFFFu;
  return n;
}

long rtest_png_differ(const rtest_png *a, const rtest_png *b, int tol) {
  CHECK(a->w == b->w && a->h == b->h);
  long n = 0;
  for (int y = 0; y < a->h; y++)
    for (int x = 0; x < a->w; x++) {
      uint32_t u = pixel(a, x, y), v = pixel(b, x, y);
      for (int sh = 0; sh <= 16; sh += 8)
        if (abs((int)((u >> sh) & 0xFF) - (int)((v >> sh) & 0xFF)) > tol) {
          n++;
          break;
        }
    }
  return n;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

long rtest_png_distinct(const rtest_png *p) {
  size_t n = (size_t)p->w * (size_t)p->h;
  uint32_t *all = malloc(n * sizeof *all);
  CHECK(all != NULL);
  for (int y = 0; y < p->h; y++)
    for (int x = 0; x < p->w; x++)
      all[(size_t)y * (size_t)p->w + (size_t)x] = pixel(p, x, y);
  qsort(all, n, sizeof *all, cmp_u32);
  long distinct = n > 0;
  for (size_t i = 1; i < n; i++)
    distinct += all[i] != all[i - 1];
  free(all);
  return distinct;
}

int rtest_main(int argc, char **argv, const check_case *cases, size_t n) {
  int ran = 0;
  for (size_t i = 0; i < n; i++) {
    if (argc > 1 && strcmp(argv[1], cases[i].name) != 0) continue;
    fprintf(stderr, "-- %s\n", cases[i].name);
    cases[i].fn();
    ran++;
  }
  if (ran == 0) {
    fprintf(stderr, "no test case named '%s'\n", argc > 1 ? argv[1] : "");
    return 1;
  }
  return 0;
}
