/* api.unload: a program that loads libdckpt with dlopen(), saves a record
 * large enough to start the shared scratch's kept thread (format/scratch.h)
 * twice to one path (the second starts the process's reaper thread,
 * io/reaper.h) and unloads it with dlclose() is left without those threads:
 * the library's code is unmapped, so a thread of it sleeping on would crash
 * at its next wake-up. Usage: test_unload PATH-TO-libdckpt.so */
#define _DEFAULT_SOURCE /* usleep */
#include <dirent.h>
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "dckpt.h"

/* The library's functions, looked up by name. */
typedef struct api {
  dckpt_record *(*create)(void);
  int (*put_ref)(dckpt_record *, const char *, dckpt_dtype, int, const uint64_t *,
                 const void *);
  int (*write)(dckpt_record *, const char *, int, dckpt_durability);
  int (*read)(const char *, dckpt_record **);
  void (*free)(dckpt_record *);
} api;

static void *sym(void *lib, const char *name) {
  void *p = dlsym(lib, name);
  if (!p) CHECK_FAIL_("dlsym %s: %s", name, dlerror());
  return p;
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  int base = check_threads_now();
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) CHECK_FAIL_("dlopen %s: %s", argv[1], dlerror());
  api a;
  *(void **)&a.create = sym(lib, "dckpt_record_create");
  *(void **)&a.put_ref = sym(lib, "dckpt_record_put_ref");
  *(void **)&a.write = sym(lib, "dckpt_record_write");
  *(void **)&a.read = sym(lib, "dckpt_record_read");
  *(void **)&a.free = sym(lib, "dckpt_record_free");
  size_t n = (size_t)6 << 17; /* 6 MiB of doubles: a streamed save */
  double *x = malloc(n * sizeof *x);
  CHECK(x != NULL);
  for (size_t i = 0; i < n; i++)
    x[i] = (double)(i % 1000) * 0.5;
  char path[1024];
  snprintf(path, sizeof path, "%s/unload-%ld.dckpt", DCKPT_TEST_TMP, (long)getpid());
  dckpt_record *rec = a.create();
  CHECK(rec != NULL);
  CHECK_EQ(a.put_ref(rec, "x", DCKPT_F64, 1, (uint64_t[]){n}, x), DCKPT_OK);
  CHECK_EQ(a.write(rec, path, 1, DCKPT_DURABILITY_NONE), DCKPT_OK);
  /* saved over: the process's reaper thread closes the replaced file */
  CHECK_EQ(a.write(rec, path, 1, DCKPT_DURABILITY_NONE), DCKPT_OK);
  dckpt_record *back = NULL;
  CHECK_EQ(a.read(path, &back), DCKPT_OK);
  a.free(back);
  a.free(rec);
  CHECK(check_threads_now() > base + 1); /* the kept threads, asleep */
  CHECK_EQ(dlclose(lib), 0);
  /* dlclose ran the library's destructors, which joined them; the kernel may
   * list a joined thread a moment longer (a state polled, bounded at 60 s) */
#ifndef __SANITIZE_THREAD__ /* TSan starts a thread of its own on the way */
  for (int k = 0; k < 6000 && check_threads_now() > base; k++)
    usleep(10000);
  CHECK_EQ(check_threads_now(), base);
#endif
  CHECK_EQ(unlink(path), 0);
  free(x);
  fprintf(stderr, "unload: passed\n");
  return 0;
}
