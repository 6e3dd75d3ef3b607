#define _GNU_SOURCE
#include "io/lock_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* The whole file, from offset 0 to any length; l_pid must be 0 for OFD locks. */
static struct flock whole_file(short type) {
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  return fl;
}

bool dckpt_klock_unsupported_errno(int e) {
  return e == ENOLCK || e == ENOSYS || e == EOPNOTSUPP || e == ENOTSUP || e == EINVAL;
}

dckpt_klock dckpt_klock_try(int fd) {
  struct flock fl = whole_file(F_WRLCK);
  int rc;
  do
    rc = fcntl(fd, F_OFD_SETLK, &fl);
  while (rc != 0 && errno == EINTR);
  if (rc == 0) return DCKPT_KLOCK_TAKEN;
  if (errno == EAGAIN || errno == EACCES) return DCKPT_KLOCK_BUSY;
  return dckpt_klock_unsupported_errno(errno) ? DCKPT_KLOCK_UNSUPPORTED
                                              : DCKPT_KLOCK_FAILED;
}

dckpt_kernel_lock dckpt_klock_test(int fd) {
  struct flock fl = whole_file(F_WRLCK);
  int rc;
  do
    rc = fcntl(fd, F_OFD_GETLK, &fl);
  while (rc != 0 && errno == EINTR);
  if (rc != 0) return DCKPT_KERNEL_UNKNOWN;
  return fl.l_type == F_UNLCK ? DCKPT_KERNEL_FREE : DCKPT_KERNEL_HELD;
}

/* Whether the comma-separated `list` holds `token` exactly. */
static bool has_option(const char *list, const char *token) {
  size_t n = strlen(token);
  for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
    if (!strncmp(p, token, n) && (p[n] == ',' || p[n] == '\0')) return true;
  return false;
}

static bool in_list(const char *word, const char *const *list) {
  for (; *list; list++)
    if (!strcmp(word, *list)) return true;
  return false;
}

dckpt_lockfs dckpt_lockfs_classify(const char *fstype, const char *options) {
  static const char *const local[] = {"ext2",  "ext3",     "ext4",     "xfs",  "btrfs",
                                      "tmpfs", "ramfs",    "overlay",  "zfs",  "f2fs",
                                      "jfs",   "reiserfs", "bcachefs", "vfat", "exfat",
                                      "ntfs3", "hfsplus",  "nilfs2",   NULL};
  /* cluster file systems whose fcntl locks are kept cluster-wide */
  static const char *const cluster[] = {"gpfs", "ceph", "gfs2", "ocfs2", NULL};
  if (in_list(fstype, local)) return DCKPT_LOCKFS_LOCAL;
  if (in_list(fstype, cluster)) return DCKPT_LOCKFS_SHARED;
  bool shared = false;
  if (!strcmp(fstype, "nfs") || !strcmp(fstype, "nfs4"))
    shared = !has_option(options, "nolock") && !has_option(options, "local_lock=posix") &&
             !has_option(options, "local_lock=all");
  else if (!strcmp(fstype, "lustre"))
    shared = has_option(options, "flock");
  return shared ? DCKPT_LOCKFS_SHARED : DCKPT_LOCKFS_PRIVATE;
}

bool dckpt_lockfs_shared_type(const char *fstype, const char *options) {
  return dckpt_lockfs_classify(fstype, options) != DCKPT_LOCKFS_PRIVATE;
}

bool dckpt_lockfs_parse_mountinfo(const char *line, unsigned *major, unsigned *minor,
                                  char *fstype, size_t typelen, char *options,
                                  size_t optlen) {
  /* id parent major:minor root mountpoint mount-options [optional...] - type
   * source super-options */
  char mopts[1024], type[64], sopts[1024];
  int used = 0;
  if (sscanf(line, "%*s %*s %u:%u %*s %*s %1023s%n", major, minor, mopts, &used) != 3)
    return false;
  const char *sep = strstr(line + used, " - ");
  if (!sep || sscanf(sep + 3, "%63s %*s %1023s", type, sopts) != 2) return false;
  snprintf(fstype, typelen, "%s", type);
  snprintf(options, optlen, "%s,%s", mopts, sopts);
  return true;
}

/* The type and options of the mount holding device `dev`, from mountinfo. */
static bool find_mount(dev_t dev, char *fstype, size_t typelen, char *options,
                       size_t optlen) {
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f) return false;
  char line[4096];
  bool found = false;
  while (!found && fgets(line, sizeof line, f)) {
    unsigned maj, min;
    found = dckpt_lockfs_parse_mountinfo(line, &maj, &min, fstype, typelen, options,
                                         optlen) &&
            maj == major(dev) && min == minor(dev);
  }
  fclose(f);
  return found;
}

/* Without mountinfo (or a device it does not list, as btrfs subvolumes):
 * the local file systems by their magic numbers; anything else is unknown. */
static dckpt_lockfs classify_by_magic(int fd) {
  static const unsigned long local[] = {0xEF53,     0x58465342, 0x9123683E, 0x01021994,
                                        0x794C7630, 0x2FC12FC1, 0xF2F52010, 0x858458F6};
  struct statfs sf;
  if (fstatfs(fd, &sf) != 0) return DCKPT_LOCKFS_PRIVATE;
  for (size_t i = 0; i < sizeof local / sizeof local[0]; i++)
    if ((unsigned long)sf.f_type == local[i]) return DCKPT_LOCKFS_LOCAL;
  return DCKPT_LOCKFS_PRIVATE;
}

dckpt_lockfs dckpt_lockfs_of(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return DCKPT_LOCKFS_PRIVATE;
  char fstype[64], options[2100];
  if (find_mount(st.st_dev, fstype, sizeof fstype, options, sizeof options))
    return dckpt_lockfs_classify(fstype, options);
  return classify_by_magic(fd);
}

bool dckpt_lockfs_shared(int fd) {
  return dckpt_lockfs_of(fd) != DCKPT_LOCKFS_PRIVATE;
}
