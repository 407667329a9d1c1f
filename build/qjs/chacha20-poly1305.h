/* AEAD_CHACHA20_POLY1305 as RFC 8439 §2.8 defines it: ChaCha20 (chacha20.h) encrypts from block
   counter 1, Poly1305 (poly1305.h) keyed by block 0 authenticates the associated data and the
   ciphertext, each zero-padded to 16 bytes, then both lengths as 64-bit little-endian numbers.
   The link's transport messages (Noise rev34 §12.3 ChaChaPoly) on elma-qjs, behind @noble's
   chacha20poly1305 interface (build/quickjs/qjs-chacha.ts). */
#ifndef ELMA_QJS_CHACHA20_POLY1305_H
#define ELMA_QJS_CHACHA20_POLY1305_H

#include <stddef.h>
#include <stdint.h>

#define ELMA_AEAD_KEY_BYTES 32
#define ELMA_AEAD_NONCE_BYTES 12
#define ELMA_AEAD_TAG_BYTES 16
/* §2.8: the plaintext may be at most 2^38 − 64 bytes (2^32 − 1 blocks after the key block). */
#define ELMA_AEAD_MAX_PLAINTEXT ((uint64_t)274877906880)

/* out (len + 16 bytes) = the ciphertext of `plaintext`, then the tag. `out` may overlap
   `plaintext` in any way (as with memmove). len ≤ ELMA_AEAD_MAX_PLAINTEXT (the caller checks). */
void elma_aead_seal(const uint8_t key[ELMA_AEAD_KEY_BYTES], const uint8_t nonce[ELMA_AEAD_NONCE_BYTES],
                    const uint8_t *aad, size_t aad_len, const uint8_t *plaintext, size_t len, uint8_t *out);

/* Checks the tag of `sealed` (sealed_len ≥ 16: ciphertext then tag) in constant time, and only
   when it is right writes the plaintext (sealed_len − 16 bytes) to `out` and returns 0; a wrong
   tag returns −1 and leaves `out` untouched. `out` may overlap `sealed` in any way (as with
   memmove; where it does, the ciphertext is overwritten by the plaintext). */
int elma_aead_open(const uint8_t key[ELMA_AEAD_KEY_BYTES], const uint8_t nonce[ELMA_AEAD_NONCE_BYTES],
                   const uint8_t *aad, size_t aad_len, const uint8_t *sealed, size_t sealed_len, uint8_t *out);

#endif
