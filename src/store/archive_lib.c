/* See archive_lib.h. */
#include "store/archive_lib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#ifndef DCKPT_LIBARCHIVE_SONAME
#define DCKPT_LIBARCHIVE_SONAME "libarchive.so.13"
#endif

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static dckpt_archive_lib g_lib;
static bool g_loaded;
static char g_why[512];

static void load_once(void) {
  /* never closed: the functions stay valid for the process's life */
  void *h = dlopen(DCKPT_LIBARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char *e = dlerror();
    snprintf(g_why, sizeof g_why, "%s", e ? e : "dlopen failed");
    return;
  }
  void *sym;
  const char *missing = NULL;
  /* a data pointer to a function pointer by its bytes, as POSIX dlsym means */
#define DCKPT_ARCHIVE_LOAD(name)                                                         \
  sym = dlsym(h, #name);                                                                 \
  if (!sym && !missing) missing = #name;                                                 \
  memcpy(&g_lib.name, &sym, sizeof g_lib.name);
  DCKPT_ARCHIVE_FUNCTIONS(DCKPT_ARCHIVE_LOAD)
#undef DCKPT_ARCHIVE_LOAD
  if (missing) {
    snprintf(g_why, sizeof g_why, "%s has no %s", DCKPT_LIBARCHIVE_SONAME, missing);
    return;
  }
  g_loaded = true;
}

const dckpt_archive_lib *dckpt_archive_lib_get(dckpt_err *err) {
  pthread_once(&g_once, load_once);
  if (g_loaded) return &g_lib;
  dckpt_err_set(err, DCKPT_EIO, "backup: cannot load libarchive (%s): %s",
                DCKPT_LIBARCHIVE_SONAME, g_why);
  return NULL;
}
