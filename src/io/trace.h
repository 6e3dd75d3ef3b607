/* Recording of the io/sys.h calls, in the DCKPT_IO_TRACE build of the
 * library only (the power-loss tests link it; release builds have none of
 * this). While a trace runs, every successful file-changing call is appended
 * to a log file as one record, with the inode numbers it touched and the
 * bytes it wrote, so that io/crashfs.c can replay the calls onto the tree as
 * it was before and compute what a crash at any point could leave.
 *
 * Every call while a trace runs has exactly one record (a call that changed
 * nothing has a NOOP one), so that "before the n-th call" and "before the
 * n-th record" are the same kill point.
 *
 * Writes the library makes with other I/O (HDF5 through MPI-IO, in the
 * container's pack) are not seen as they happen. A file created through
 * io/sys.h and not written through it is recorded whole, as one WRITE
 * counted as a call, just before its first fsync or rename: its data counts
 * as written right then, and is lost, kept, zeroed, garbled or torn like any
 * unsynced data until an fsync covers it (a crash before that record sees
 * the file as it was created).
 *
 * The log is a sequence of dckpt_trace_rec, each followed by its name
 * (name_len bytes), its second name (name2_len bytes) and, for a write, its
 * data (len bytes). Records are written with the calls' order, under one
 * mutex, also from the library's background threads. */
#ifndef DCKPT_IO_TRACE_H
#define DCKPT_IO_TRACE_H

#include <stdbool.h>
#include <stdint.h>

enum {
  DCKPT_TR_CREATE = 1, /* dir, name: new regular file ino */
  DCKPT_TR_MKDIR,      /* dir, name: new directory ino */
  DCKPT_TR_WRITE,      /* ino: len bytes of data at off */
  DCKPT_TR_TRUNCATE,   /* ino: size set to off */
  DCKPT_TR_FSYNC,      /* ino (a directory when flags has DCKPT_TR_DIR) made durable */
  DCKPT_TR_SYNC_RANGE, /* ino: writeback started; no durability */
  DCKPT_TR_CLOSE,      /* ino: a written file closed; no durability */
  DCKPT_TR_RENAME,     /* dir, name (ino) moved to dir2, name2 (replacing ino2, or 0) */
  DCKPT_TR_EXCHANGE,   /* dir, name (ino) and dir2, name2 (ino2) swapped */
  DCKPT_TR_LINK,       /* ino (at dir, name) gets the new entry dir2, name2 */
  DCKPT_TR_UNLINK,     /* dir, name (ino) removed */
  DCKPT_TR_RMDIR,      /* dir, name (directory ino) removed */
  DCKPT_TR_MARK,       /* a label the test put in (name) */
  DCKPT_TR_NOOP,       /* a call that changed nothing: failed with errno off, or an
                          open that created nothing; flags: the kind it was */
  DCKPT_TR_SYNCFS,     /* everything written before it made durable (syncfs: the test
                          tree is on one file system) */
  DCKPT_TR_TMPFILE,    /* dir: new regular file ino without a name (O_TMPFILE); a
                          LINK from dir with an empty name gives it one */
  DCKPT_TR_KIND_END
};

#define DCKPT_TR_DIR 1u /* flags: the inode is a directory */

typedef struct dckpt_trace_rec {
  uint32_t kind, flags;
  uint64_t ino, dir, ino2, dir2;
  uint64_t off, len;
  uint32_t name_len, name2_len;
} dckpt_trace_rec;

/** Starts recording into `log_path` (created or appended to). 0, or -errno. */
int dckpt_trace_start(const char *log_path);
/** Stops recording. 0 when every record was written, else -errno of the
 *  first failure to write the log. */
int dckpt_trace_stop(void);
/** Appends a mark with `label` (e.g. "ok save 3": a call returned), which the
 *  explorer uses to know what was committed before a crash point. */
void dckpt_trace_mark(const char *label);
/** Kills the process with SIGKILL just before its n-th file-changing call
 *  from now on (1 = the next one); 0 never. For "killed, then power lost". */
void dckpt_trace_kill_at(uint64_t n);
/** File-changing calls attempted since the trace started. */
uint64_t dckpt_trace_calls(void);

#endif
