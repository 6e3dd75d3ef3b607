/* What a lock file says about its holder (host, pid, the pid's start time,
 * job id, since when, whether it holds the kernel lock), and the one judgement
 * of whether that holder still runs, shared by the lock (io/lock.c) and the
 * public query (dckpt_lock_query). */
#ifndef DCKPT_IO_LOCK_FACTS_H
#define DCKPT_IO_LOCK_FACTS_H

#include <stdbool.h>
#include <stddef.h>

#include "dckpt.h"

/** Largest lock file that is read. */
#define DCKPT_LOCK_FACTS_MAX 4096

/** A holder as its lock file names it. */
typedef struct dckpt_lock_facts {
  dckpt_lock_info info; /* host, pid, pid_start, job_id, since (state unused) */
  bool kernel_lock;     /* it holds the file's kernel lock (io/lock.c) */
  /** Leases: when the holder last renewed its claim (seconds since the
   *  epoch, whole seconds); 0 for a lock, which is not renewed. */
  double renewed;
  /** Leases: which incarnation of its job the holder is (Slurm's
   *  SLURM_RESTART_COUNT: 0, then one more at each requeue); -1 when not
   *  recorded (a lock, or a lease file of dckpt 0.2.x before this field). */
  int64_t restart;
} dckpt_lock_facts;

/** Whether the kernel lock of a lock file is held by some process. */
typedef enum dckpt_kernel_lock {
  DCKPT_KERNEL_FREE = 0,
  DCKPT_KERNEL_HELD = 1,
  DCKPT_KERNEL_UNKNOWN = 2 /* not tried, or the file system has no such locks */
} dckpt_kernel_lock;

/** This host's name ("unknown" when gethostname fails) as UTF-8 text in
 *  buf[0..len) (len >= 1), mended by dckpt_utf8_mend (U+FFFD for each
 *  ill-formed stretch, cut before a character that does not fit): lock files
 *  and leases are JSON, whose text is UTF-8, and gethostname takes any
 *  bytes. What dckpt_lock_facts_self records and dckpt_lock_holder_local
 *  compares a holder's host with. */
void dckpt_lock_host_name(char *buf, size_t len);

/** This process as a holder: host name (dckpt_lock_host_name), pid, its
 *  start time, `job_id` (NULL for none), now. */
void dckpt_lock_facts_self(dckpt_lock_facts *f, const char *job_id, bool kernel_lock);

/** The facts as the lock file's text: one JSON object and a newline.
 *  malloc'd; NULL when out of memory. */
char *dckpt_lock_facts_text(const dckpt_lock_facts *f);

/** Parses a lock file's text. False when it is not one complete JSON object
 *  (empty, cut short, garbage); `why` then says what is wrong. Missing fields
 *  read as unknown. */
bool dckpt_lock_facts_parse(const char *text, size_t len, dckpt_lock_facts *f, char *why,
                            size_t whylen);

/** Start time of process `pid` in clock ticks since boot (0 when unknown). */
unsigned long long dckpt_process_start_time(long pid);

/** Whether the holder's process is running on this host: the pid exists, is
 *  not a zombie, and started when the holder did (a reused pid is not it).
 *  True when this cannot be told (no /proc): never take a live lock. */
bool dckpt_lock_holder_running(const dckpt_lock_facts *f);

/** Whether the holder's process on this host is being killed: SIGKILL is
 *  pending or it has begun to exit. It still holds its files (and so its
 *  kernel lock) for a moment; a refused process waits for that moment to end
 *  instead of naming a holder that is going away. */
bool dckpt_lock_holder_dying(const dckpt_lock_facts *f);

/** Whether the holder ran on this host (its pid can be checked here). */
bool dckpt_lock_holder_local(const dckpt_lock_facts *f);

/**
 * The verdict on a holder whose facts could be read:
 *  - the kernel lock is held: ALIVE, whatever the facts say;
 *  - a holder on this host: ALIVE while its process runs, else STALE;
 *  - a holder on another host: STALE when it held the kernel lock, the lock
 *    is now free and `shared_locks` (the file system arbitrates its locks
 *    between hosts, io/lock_fs.c); else UNKNOWN.
 */
dckpt_lock_state dckpt_lock_judge(const dckpt_lock_facts *f, dckpt_kernel_lock kernel,
                                  bool shared_locks);

#endif
