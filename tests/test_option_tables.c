/* Every option struct of the public headers is read by struct_size through a
 * table of its members (util/struct_size.h): a member added to the struct
 * without its entry in the table would silently never be copied from the
 * caller. This test fails when a table no longer covers its struct:
 *  - by layout: each member lies where the compiler puts the one after the
 *    member before it, and the struct ends with the last one;
 *  - by bytes (GCC 11 and later): every byte of every member, as the compiler
 *    knows them (__builtin_clear_padding zeroes exactly the padding), is in a
 *    member of the table; this also finds a small member the layout check
 *    cannot, one that sits in what would otherwise be padding.
 * Usage: test_option_tables */
#include <stdalign.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "container/option_members.h"
#include "runtime/option_members.h"
#include "store/option_members.h"

#define COUNT(a) (sizeof(a) / sizeof *(a))

#if defined(__has_builtin)
#if __has_builtin(__builtin_clear_padding)
#define HAVE_CLEAR_PADDING 1
#endif
#endif

/* Whether every member byte of `bytes` (0xff: set before the padding was
 * cleared) after struct_size lies in a member of the table. */
static bool bytes_listed(const char *name, const unsigned char *bytes, size_t size,
                         const dckpt_member *m, size_t n, bool quiet) {
  static unsigned char listed[4096];
  CHECK_LE(size, sizeof listed);
  memset(listed, 0, size);
  for (size_t i = 0; i < n; i++)
    memset(listed + m[i].offset, 1, m[i].size);
  for (size_t b = sizeof(size_t); b < size; b++)
    if (bytes[b] == 0xff && !listed[b]) {
      if (!quiet)
        fprintf(stderr, "%s: byte %zu belongs to a member missing from its table\n", name,
                b);
      return false;
    }
  return true;
}

#ifdef HAVE_CLEAR_PADDING
#define MEMBER_BYTES(type, obj)                                                          \
  (memset(&(obj), 0xff, sizeof(obj)), __builtin_clear_padding(&(obj)),                   \
   (const unsigned char *)&(obj))
#define BYTES_OK(type, table, n, quiet)                                                  \
  __extension__({                                                                        \
    type obj_;                                                                           \
    bytes_listed(#type, MEMBER_BYTES(type, obj_), sizeof obj_, table, n, quiet);         \
  })
#else
#define BYTES_OK(type, table, n, quiet) ((void)bytes_listed, true)
#endif

#define LAYOUT_OK(type, table, n)                                                        \
  dckpt_members_cover(table, n, sizeof(size_t), sizeof(type), alignof(type))
#define COVERS(type, table)                                                              \
  (LAYOUT_OK(type, table, COUNT(table)) && BYTES_OK(type, table, COUNT(table), false))

/* The checks themselves can fail: a table without any one of its members, or
 * with two members swapped, does not cover its struct. */
static void check_detects_gaps(void) {
  size_t n = COUNT(dckpt_run_option_members);
  for (size_t drop = 0; drop < n; drop++) {
    dckpt_member holed[COUNT(dckpt_run_option_members)];
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
      if (i != drop) holed[k++] = dckpt_run_option_members[i];
    bool layout = LAYOUT_OK(dckpt_run_options, holed, k);
    bool bytes = BYTES_OK(dckpt_run_options, holed, k, true);
#ifndef HAVE_CLEAR_PADDING
    if (layout) continue; /* a member in padding: only the byte check sees it */
#endif
    if (layout && bytes) {
      fprintf(stderr, "a table without member %zu (offset %zu) passed the checks\n", drop,
              dckpt_run_option_members[drop].offset);
      CHECK(0);
    }
  }
  dckpt_member swapped[2] = {dckpt_store_experimental_members[1],
                             dckpt_store_experimental_members[0]};
  CHECK(!LAYOUT_OK(dckpt_store_experimental, swapped, 2));
}

int main(void) {
  CHECK(COVERS(dckpt_store_options, dckpt_store_option_members));
  CHECK(COVERS(dckpt_store_experimental, dckpt_store_experimental_members));
  CHECK(COVERS(dckpt_run_options, dckpt_run_option_members));
  CHECK(COVERS(dckpt_run_experimental, dckpt_run_experimental_members));
  CHECK(COVERS(dckpt_pack_options, dckpt_pack_option_members));
  CHECK(COVERS(dckpt_unpack_options, dckpt_unpack_option_members));
  check_detects_gaps();
#ifdef HAVE_CLEAR_PADDING
  printf("6 option tables cover their structs (layout and bytes)\n");
#else
  printf(
      "6 option tables cover their structs (layout only: no __builtin_clear_padding)\n");
#endif
  return 0;
}
