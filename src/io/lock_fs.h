/* The kernel's part of a lock: an open-file-description (OFD) write lock on
 * the whole lock file, and what the file system makes of such locks (whether
 * every host that can open the file sees them). */
#ifndef DCKPT_IO_LOCK_FS_H
#define DCKPT_IO_LOCK_FS_H

#include <stdbool.h>
#include <stddef.h>

#include "io/lock_facts.h"

typedef enum dckpt_klock {
  DCKPT_KLOCK_TAKEN = 0,       /* this open file description now holds it */
  DCKPT_KLOCK_BUSY = 1,        /* another open file description holds it */
  DCKPT_KLOCK_UNSUPPORTED = 2, /* the file system has no such locks */
  DCKPT_KLOCK_FAILED = 3       /* another error; errno says which */
} dckpt_klock;

/** Tries to take the write lock of the whole file `fd` (open for writing)
 *  without waiting (F_OFD_SETLK). It is released when the last descriptor of
 *  this open file description is closed, also when the process dies. */
dckpt_klock dckpt_klock_try(int fd);

/** Whether another open file description holds a lock on `fd` (F_OFD_GETLK;
 *  `fd` may be read-only). Changes nothing. */
dckpt_kernel_lock dckpt_klock_test(int fd);

/** Whether errno value `e` from a lock call means "no locks here" (ENOLCK:
 *  NFS without a lock manager; ENOSYS: Lustre mounted noflock; EOPNOTSUPP;
 *  EINVAL: a kernel without OFD locks). */
bool dckpt_klock_unsupported_errno(int e);

/** What a file system makes of fcntl locks. */
typedef enum dckpt_lockfs {
  /** Local: every process that can open a file runs on this kernel. */
  DCKPT_LOCKFS_LOCAL = 0,
  /** Network or cluster file system whose locks every client sees. */
  DCKPT_LOCKFS_SHARED = 1,
  /** Locks local to each host (Lustre localflock, NFS local_lock), or not
   *  known to be shared (FUSE, BeeGFS, unknown types). */
  DCKPT_LOCKFS_PRIVATE = 2
} dckpt_lockfs;

/** The class of the file system holding `fd` (PRIVATE when unknown). */
dckpt_lockfs dckpt_lockfs_of(int fd);

/** The class of a file system of type `fstype` (as /proc/self/mountinfo
 *  names it, e.g. "nfs4", "lustre", "ext4") mounted with the comma-separated
 *  `options` (mount and super options together). */
dckpt_lockfs dckpt_lockfs_classify(const char *fstype, const char *options);

/**
 * Whether the kernel lock of the file `fd` is seen by every host that can open
 * it, so that a free lock proves that a holder on another host no longer holds
 * it: true on local file systems (every process that can open the file shares
 * this kernel), NFS unless mounted with local_lock=posix/all (or nolock),
 * Lustre mounted with flock, and the cluster file systems that keep their
 * locks cluster-wide (GPFS, CephFS, GFS2, OCFS2); false otherwise (Lustre
 * localflock, BeeGFS, FUSE, unknown types).
 */
bool dckpt_lockfs_shared(int fd);

/** The verdict of dckpt_lockfs_shared() for a file system of type `fstype`
 *  (as /proc/self/mountinfo names it, e.g. "nfs4", "lustre", "ext4") mounted
 *  with the comma-separated `options` (mount and super options together). */
bool dckpt_lockfs_shared_type(const char *fstype, const char *options);

/** Parses one line of /proc/self/mountinfo: the device "major:minor", the file
 *  system type, and the mount and super options joined by a comma (all
 *  written into the caller's buffers). False for a line that is not one. */
bool dckpt_lockfs_parse_mountinfo(const char *line, unsigned *major, unsigned *minor,
                                  char *fstype, size_t typelen, char *options,
                                  size_t optlen);

#endif
