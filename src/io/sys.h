/* Every system call by which the library changes a file or a directory goes
 * through here (SQLite's VFS idea): creating, writing, truncating, syncing,
 * renaming, linking, unlinking, making and removing directories, closing a
 * file that was written. No code outside src/io/ spells one of these calls
 * (tests/lint/syscalls.sh checks).
 *
 * In a release build these are static inline pass-throughs and cost nothing.
 * The power-loss tests link a second build of the library made with
 * DCKPT_IO_TRACE, where each call is recorded with its data (io/trace.c), so
 * that io/crashfs.c can compute every on-disk state that a crash during the
 * recorded calls could leave. */
#ifndef DCKPT_IO_SYS_H
#define DCKPT_IO_SYS_H

#ifndef _GNU_SOURCE
#error "io/sys.h needs _GNU_SOURCE (renameat2, sync_file_range): define it first"
#endif

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#ifdef DCKPT_IO_TRACE

int dckpt_sys_open(const char *path, int flags, mode_t mode);
ssize_t dckpt_sys_write(int fd, const void *buf, size_t n);
ssize_t dckpt_sys_pwrite(int fd, const void *buf, size_t n, off_t off);
int dckpt_sys_ftruncate(int fd, off_t len);
int dckpt_sys_fsync(int fd);
int dckpt_sys_fdatasync(int fd);
int dckpt_sys_sync_file_range(int fd, off_t off, off_t n, unsigned flags);
int dckpt_sys_fchmod(int fd, mode_t mode);
int dckpt_sys_close(int fd);
int dckpt_sys_rename(const char *from, const char *to);
int dckpt_sys_renameat2(int fromdir, const char *from, int todir, const char *to,
                        unsigned flags);
int dckpt_sys_link(const char *from, const char *to);
int dckpt_sys_link_fd(int fd, const char *to);
int dckpt_sys_unlink(const char *path);
int dckpt_sys_unlinkat(int dirfd, const char *name, int flags);
int dckpt_sys_mkdir(const char *path, mode_t mode);
int dckpt_sys_rmdir(const char *path);
int dckpt_sys_syncfs(int fd);

#else

static inline int dckpt_sys_open(const char *path, int flags, mode_t mode) {
  return open(path, flags, mode);
}
static inline ssize_t dckpt_sys_write(int fd, const void *buf, size_t n) {
  return write(fd, buf, n);
}
static inline ssize_t dckpt_sys_pwrite(int fd, const void *buf, size_t n, off_t off) {
  return pwrite(fd, buf, n, off);
}
static inline int dckpt_sys_ftruncate(int fd, off_t len) {
  return ftruncate(fd, len);
}
static inline int dckpt_sys_fsync(int fd) {
  return fsync(fd);
}
static inline int dckpt_sys_fdatasync(int fd) {
  return fdatasync(fd);
}
static inline int dckpt_sys_sync_file_range(int fd, off_t off, off_t n, unsigned flags) {
  return sync_file_range(fd, off, n, flags);
}
static inline int dckpt_sys_fchmod(int fd, mode_t mode) {
  return fchmod(fd, mode);
}
static inline int dckpt_sys_close(int fd) {
  return close(fd);
}
static inline int dckpt_sys_rename(const char *from, const char *to) {
  return rename(from, to);
}
static inline int dckpt_sys_renameat2(int fromdir, const char *from, int todir,
                                      const char *to, unsigned flags) {
  return renameat2(fromdir, from, todir, to, flags);
}
static inline int dckpt_sys_link(const char *from, const char *to) {
  return link(from, to);
}
/* Gives the file open as `fd` (an unnamed O_TMPFILE) the name `to`, through
 * /proc/self/fd (linkat's AT_EMPTY_PATH would need CAP_DAC_READ_SEARCH). */
static inline int dckpt_sys_link_fd(int fd, const char *to) {
  char proc[40];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  return linkat(AT_FDCWD, proc, AT_FDCWD, to, AT_SYMLINK_FOLLOW);
}
static inline int dckpt_sys_unlink(const char *path) {
  return unlink(path);
}
static inline int dckpt_sys_unlinkat(int dirfd, const char *name, int flags) {
  return unlinkat(dirfd, name, flags);
}
static inline int dckpt_sys_mkdir(const char *path, mode_t mode) {
  return mkdir(path, mode);
}
static inline int dckpt_sys_rmdir(const char *path) {
  return rmdir(path);
}
static inline int dckpt_sys_syncfs(int fd) {
  return syncfs(fd);
}

#endif

#endif
