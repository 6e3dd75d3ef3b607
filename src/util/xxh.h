/* XXH3 for the hot paths: through libxxhash's runtime dispatch where the
 * library has one (CMakeLists.txt defines DCKPT_HAVE_XXH_DISPATCH), which
 * picks AVX2 or AVX-512 when the CPU has them: about twice the speed of the
 * plain entry points (SSE2) on the test VM, same hashes. Include it instead
 * of <xxhash.h>: XXH3_64bits and XXH3_64bits_update then dispatch. */
#ifndef DCKPT_UTIL_XXH_H
#define DCKPT_UTIL_XXH_H

#include <xxhash.h>

#ifdef DCKPT_HAVE_XXH_DISPATCH
#include <xxh_x86dispatch.h>
#endif

#endif
