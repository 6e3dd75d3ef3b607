/* Reading a caller's struct that starts with `size_t struct_size` (the
 * option structs of the public headers): the library takes only the fields
 * the caller's struct_size covers and keeps its defaults for the rest, so a
 * program built against an older header passes a shorter struct, and one
 * built against a newer header may pass a longer one as long as everything
 * this library does not know is zero (as the newer _init leaves it).
 *
 * Header-only: the runtime library (libdckpt_run) uses it too without
 * exporting anything. */
#ifndef DCKPT_UTIL_STRUCT_SIZE_H
#define DCKPT_UTIL_STRUCT_SIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/** One member of a struct: where it lies, how long it is and its alignment. */
typedef struct dckpt_member {
  size_t offset, size, align;
} dckpt_member;

#define DCKPT_MEMBER(type, field)                                                        \
  { offsetof(type, field), sizeof(((type *)0)->field), __alignof__(((type *)0)->field) }

/** Where `field` ends: the struct_size of a header whose last member it was.
 *  Each struct's oldest published size is written this way, with the last
 *  member of its first release (dckpt 0.2), so that it stays put when members
 *  are appended. */
#define DCKPT_STRUCT_END(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))

/** Whether `caller_size` bytes of the caller's struct can be read as a struct
 *  of `known` bytes: at least `oldest` (the first published layout; 0 or any
 *  other smaller value is a struct never initialized), and any bytes beyond
 *  `known` (from a newer header) all zero. */
static inline bool dckpt_struct_size_ok(const void *caller, size_t caller_size,
                                        size_t oldest, size_t known) {
  if (caller_size < oldest || caller_size < sizeof(size_t)) return false;
  const unsigned char *p = (const unsigned char *)caller;
  for (size_t i = known; i < caller_size; i++)
    if (p[i] != 0) return false;
  return true;
}

/** Copies into `dst` (already holding the defaults) each member of `src` that
 *  `caller_size` covers entirely. Members are appended, never moved, so a
 *  member an older header did not have lies beyond its struct_size. */
static inline void dckpt_struct_merge(void *dst, const void *src, size_t caller_size,
                                      const dckpt_member *members, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (members[i].offset + members[i].size <= caller_size)
      memcpy((char *)dst + members[i].offset, (const char *)src + members[i].offset,
             members[i].size);
}

/** Reads the caller's struct `caller`, which starts with its struct_size,
 *  into `mine`, a struct of `known` bytes that holds this library's defaults:
 *  when dckpt_struct_size_ok accepts it (`oldest` as there), copies the
 *  `members` (n of them) its struct_size covers, sets mine's struct_size to
 *  `known` and returns true. Otherwise returns false with `mine` untouched,
 *  and the caller reports the caller's struct_size. */
static inline bool dckpt_struct_take(void *mine, const void *caller, size_t oldest,
                                     size_t known, const dckpt_member *members,
                                     size_t n) {
  size_t caller_size;
  memcpy(&caller_size, caller, sizeof caller_size);
  if (!dckpt_struct_size_ok(caller, caller_size, oldest, known)) return false;
  dckpt_struct_merge(mine, caller, caller_size, members, n);
  memcpy(mine, &known, sizeof known);
  return true;
}

/** Whether `members`, in order, are every member of a struct of `size` bytes
 *  and alignment `align` after its first `start` bytes (struct_size): each
 *  lies where the compiler puts the member after the one before it (the end
 *  of that one rounded up to its own alignment), and the struct ends where
 *  the last one does, rounded up to the struct's alignment. A member added to
 *  a public option struct without its entry in the table would never be
 *  copied from the caller: tests/test_option_tables.c checks every table. */
static inline bool dckpt_members_cover(const dckpt_member *m, size_t n, size_t start,
                                       size_t size, size_t align) {
  size_t end = start;
  for (size_t i = 0; i < n; i++) {
    if (m[i].align == 0 ||
        m[i].offset != (end + m[i].align - 1) / m[i].align * m[i].align)
      return false;
    end = m[i].offset + m[i].size;
  }
  return size == (end + align - 1) / align * align;
}

#endif
