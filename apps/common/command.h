/* Running a shell command and keeping what it prints (the programs' own
 * helpers: the library runs no command). */
#ifndef DCKPT_APPS_COMMON_COMMAND_H
#define DCKPT_APPS_COMMON_COMMAND_H

#include <stddef.h>

/** Runs `cmd` with /bin/sh (close-on-exec pipe), keeps the first len - 1
 *  bytes of its standard output in buf (NUL-terminated) and reads the rest
 *  to its end. @return its wait status (pclose), or -1 when it could not be
 *  started. */
int app_run_capture(const char *cmd, char *buf, size_t len);

#endif
