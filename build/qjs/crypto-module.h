/* The link's symmetric crypto on elma:host, in C (issue 18: interpreted by QuickJS, @noble's
   ChaCha20-Poly1305 took ~2.3 s per MiB and BLAKE2s ~7 s per MiB): ChaCha20 and Poly1305
   (RFC 8439 §2.4, §2.5), their AEAD (§2.8) and BLAKE2s (RFC 7693). build/quickjs/qjs-chacha.ts and
   qjs-blake2.ts put them behind @noble's interfaces in the device program. */
#ifndef ELMA_QJS_CRYPTO_MODULE_H
#define ELMA_QJS_CRYPTO_MODULE_H

#include "quickjs.h"

/* Register the BLAKE2s hasher class (once, before the module is used). */
int elma_crypto_init(JSContext *ctx);

/* chacha20, poly1305, chacha20poly1305Seal, chacha20poly1305Open, createBlake2s. */
extern const JSCFunctionListEntry elma_crypto_funcs[];
extern const int elma_crypto_funcs_count;

#endif
