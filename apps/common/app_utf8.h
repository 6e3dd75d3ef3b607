/* "Is this UTF-8, and where does it break": the library's own check
 * (src/util/utf8.h), which needs nothing else of the library and exports
 * nothing, so the programs compile src/util/utf8.c in (dckpt_appcommon, and
 * dckpt's dckpt_cli_common) rather than keep a copy of it. */
#ifndef DCKPT_APP_UTF8_H
#define DCKPT_APP_UTF8_H

#include "../../src/util/utf8.h"

#endif
