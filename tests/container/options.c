/* The container's option structs are read by struct_size, as every public
 * option struct (util/struct_size.h, docs/api.md):
 *
 *   container_options WORKDIR
 *
 * struct_size 0 (never initialized) and a size below the first published
 * layout are refused with DCKPT_EINVAL naming the call and the size, before
 * anything is looked at or written; a longer struct (a newer header) is read
 * when its unknown tail is zero — the caller's fields are taken (a bad level
 * is then what fails) — and refused otherwise; NULL options are the
 * defaults. For pack and unpack. One rank; exit 0 when all hold. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "dckpt_container.h"

static char dir[4096], file[4200];

static bool exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

static int pack(const dckpt_pack_options *o, dckpt_pack_report *rep) {
  return dckpt_container_pack(MPI_COMM_WORLD, dir, file, o, rep);
}

static void test_pack(void) {
  dckpt_pack_report rep;
  dckpt_pack_options o;
  dckpt_pack_options_init(&o);
  CHECK_EQ(o.struct_size, sizeof o);
  o.struct_size = 0;
  CHECK_EQ(pack(&o, &rep), DCKPT_EINVAL);
  CHECK_CONTAINS(rep.message, "pack: options.struct_size is 0");
  CHECK_CONTAINS(rep.message, "dckpt_pack_options_init");
  CHECK(!exists(file));

  dckpt_pack_options_init(&o);
  o.struct_size = offsetof(dckpt_pack_options, step_hook_ctx);
  CHECK_EQ(pack(&o, &rep), DCKPT_EINVAL);
  char want[64];
  snprintf(want, sizeof want, "struct_size is %zu", o.struct_size);
  CHECK_CONTAINS(rep.message, want);

  struct {
    dckpt_pack_options o;
    unsigned char newer[32];
  } big;
  memset(&big, 0, sizeof big);
  dckpt_pack_options_init(&big.o);
  big.o.struct_size = sizeof big;
  big.o.level = 99; /* taken from the caller: the level check refuses it */
  CHECK_EQ(pack(&big.o, &rep), DCKPT_EINVAL);
  CHECK_CONTAINS(rep.message, "level must be");
  big.newer[5] = 1;
  CHECK_EQ(pack(&big.o, &rep), DCKPT_EINVAL);
  CHECK_CONTAINS(rep.message, "newer dckpt_container.h");
  CHECK(!exists(file));

  /* a buffer beyond any memory: 2^64 - 1 wrapped a stage's size to 0 and the
   * pack spun for good once a round's texts passed 256 KiB */
  dckpt_pack_options_init(&o);
  o.buffer_bytes = UINT64_MAX;
  CHECK_EQ(pack(&o, &rep), DCKPT_EINVAL);
  CHECK_CONTAINS(rep.message, "buffer_bytes (18446744073709551615) must be at most");
  CHECK(!exists(file));

  /* the ranges are dckpt_container.h's, which `dckpt pack` checks too: just
   * outside each bound is refused, the bounds themselves are taken (the
   * missing DIR is then what fails) */
  const uint64_t bad_chunks[] = {DCKPT_CONTAINER_CHUNK_MIN - DCKPT_CONTAINER_CHUNK_ALIGN,
                                 DCKPT_CONTAINER_CHUNK_MIN +
                                     DCKPT_CONTAINER_CHUNK_ALIGN / 2,
                                 DCKPT_CONTAINER_CHUNK_MAX + DCKPT_CONTAINER_CHUNK_ALIGN};
  for (size_t i = 0; i < sizeof bad_chunks / sizeof *bad_chunks; i++) {
    dckpt_pack_options_init(&o);
    o.chunk_bytes = bad_chunks[i];
    o.buffer_bytes = DCKPT_CONTAINER_BUFFER_MAX;
    CHECK_EQ(pack(&o, &rep), DCKPT_EINVAL);
    CHECK_CONTAINS(rep.message,
                   "chunk_bytes must be a multiple of 8 in 4096 .. 67108864");
  }
  dckpt_pack_options_init(&o);
  o.buffer_bytes = DCKPT_CONTAINER_BUFFER_MAX + 1;
  CHECK_EQ(pack(&o, &rep), DCKPT_EINVAL);
  dckpt_pack_options_init(&o);
  o.level = DCKPT_CONTAINER_LEVEL_MIN - 1;
  CHECK_EQ(pack(&o, &rep), DCKPT_EINVAL);
  o.level = DCKPT_CONTAINER_LEVEL_MAX + 1;
  CHECK_EQ(pack(&o, &rep), DCKPT_EINVAL);
  const uint64_t bounds[][2] = {{DCKPT_CONTAINER_CHUNK_MIN, DCKPT_CONTAINER_CHUNK_MIN},
                                {DCKPT_CONTAINER_CHUNK_MAX, DCKPT_CONTAINER_BUFFER_MAX}};
  for (size_t i = 0; i < 2; i++) {
    dckpt_pack_options_init(&o);
    o.chunk_bytes = bounds[i][0];
    o.buffer_bytes = bounds[i][1];
    o.level = i ? DCKPT_CONTAINER_LEVEL_MAX : DCKPT_CONTAINER_LEVEL_MIN;
    CHECK(pack(&o, &rep) != DCKPT_EINVAL);
    CHECK_CONTAINS(rep.message, dir);
  }
  CHECK(!exists(file));

  /* NULL: the defaults; the missing DIR is what fails */
  CHECK(pack(NULL, &rep) != DCKPT_OK);
  CHECK_CONTAINS(rep.message, dir);
}

static void test_unpack(void) {
  dckpt_unpack_report rep;
  dckpt_unpack_options o;
  dckpt_unpack_options_init(&o);
  CHECK_EQ(o.struct_size, sizeof o);
  o.struct_size = 0;
  CHECK_EQ(dckpt_container_unpack(MPI_COMM_WORLD, file, dir, &o, &rep), DCKPT_EINVAL);
  CHECK_CONTAINS(rep.message, "unpack: options.struct_size is 0");
  CHECK_CONTAINS(rep.message, "dckpt_unpack_options_init");
  o.struct_size = sizeof(size_t);
  CHECK_EQ(dckpt_container_unpack(MPI_COMM_WORLD, file, dir, &o, &rep), DCKPT_EINVAL);
  CHECK_CONTAINS(rep.message, "struct_size is 8");

  struct {
    dckpt_unpack_options o;
    unsigned char newer[32];
  } big;
  memset(&big, 0, sizeof big);
  dckpt_unpack_options_init(&big.o);
  big.o.struct_size = sizeof big;
  /* read: the missing container is what fails */
  CHECK(dckpt_container_unpack(MPI_COMM_WORLD, file, dir, &big.o, &rep) != DCKPT_OK);
  CHECK(!strstr(rep.message, "struct_size"));
  CHECK_CONTAINS(rep.message, file);
  big.newer[31] = 1;
  CHECK_EQ(dckpt_container_unpack(MPI_COMM_WORLD, file, dir, &big.o, &rep), DCKPT_EINVAL);
  CHECK_CONTAINS(rep.message, "newer dckpt_container.h");
  CHECK(!exists(dir));
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  if (argc != 2) {
    fprintf(stderr, "usage: container_options WORKDIR\n");
    return 2;
  }
  if (mkdir(argv[1], 0777) != 0 && !exists(argv[1])) {
    perror(argv[1]);
    return 1;
  }
  snprintf(dir, sizeof dir, "%s/no-run", argv[1]);
  snprintf(file, sizeof file, "%s/c.h5", argv[1]);
  unlink(file); /* of an earlier run that failed */
  test_pack();
  test_unpack();
  printf("container option structs: struct_size checked\n");
  MPI_Finalize();
  return 0;
}
