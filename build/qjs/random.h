/* Random bytes for elma-qjs from the kernel's CSPRNG, getrandom(2) (Linux ≥ 3.17; the TX2's L4T
   runs 4.9): the link's ephemeral keys, outbox ids, temporary file names. */
#ifndef ELMA_QJS_RANDOM_H
#define ELMA_QJS_RANDOM_H

#include "quickjs.h"

/* randomBytes(n) -> ArrayBuffer of n bytes (n ≤ 65536, as Web Crypto's getRandomValues). */
extern const JSCFunctionListEntry elma_random_funcs[];
extern const int elma_random_funcs_count;

#endif
