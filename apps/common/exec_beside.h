/* Running a program installed beside the running one (in libexec/dckpt/),
 * in place of it: same process, same arguments. */
#ifndef DCKPT_EXEC_BESIDE_H
#define DCKPT_EXEC_BESIDE_H

#include <stddef.h>

/**
 * Executes (execv, `argv` unchanged) the first of `places` that exists, each
 * a path relative to the directory of the running program (/proc/self/exe),
 * so that the build tree and any install prefix work alike.
 * Returns only when none could be executed: then `msg` says what was tried
 * and why it failed.
 */
void dckpt_exec_beside(const char *const places[], size_t n_places, char **argv,
                       char *msg, size_t msg_len);

#endif
