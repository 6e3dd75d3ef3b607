/* Starting the library's internal threads (the store's reaper, the
 * compressor of a large save, the reader of a large load). */
#ifndef DCKPT_UTIL_THREAD_H
#define DCKPT_UTIL_THREAD_H

#include <pthread.h>

/** pthread_create() with every asynchronous signal blocked in the new
 *  thread, so that the application's signals (SIGTERM, SIGINT, SIGUSR1, ...)
 *  reach its own threads and never run its handlers on one of ours. Faults
 *  (SIGSEGV, SIGBUS, ...) stay deliverable. Returns pthread_create's result;
 *  the caller's mask is unchanged. */
int dckpt_thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

#endif
