/* ChaCha20 as RFC 8439 §2.3–2.4 defines it: a 256-bit key, a 96-bit nonce and a 32-bit block
   counter (the IETF variant; Noise's ChaChaPoly and the link use it through the AEAD of §2.8,
   chacha20-poly1305.h). Portable C: 32-bit additions, XORs and rotations only, no tables, so its
   time does not depend on the key or the data. */
#ifndef ELMA_QJS_CHACHA20_H
#define ELMA_QJS_CHACHA20_H

#include <stddef.h>
#include <stdint.h>

#define ELMA_CHACHA20_KEY_BYTES 32
#define ELMA_CHACHA20_NONCE_BYTES 12
#define ELMA_CHACHA20_BLOCK_BYTES 64

/* §2.3: the 64-byte keystream block for this key, block counter and nonce. */
void elma_chacha20_block(const uint8_t key[ELMA_CHACHA20_KEY_BYTES], uint32_t counter,
                         const uint8_t nonce[ELMA_CHACHA20_NONCE_BYTES], uint8_t out[ELMA_CHACHA20_BLOCK_BYTES]);

/* Whether `len` bytes starting at block `counter` fit before the 32-bit counter would wrap
   (§2.3: one key and nonce give at most 2^32 blocks, 256 GiB). */
int elma_chacha20_fits(uint32_t counter, uint64_t len);

/* §2.4: out = in XOR the keystream from block `counter` on. `out` may be `in` itself (in place);
   other overlaps are the caller's to avoid. The caller checks elma_chacha20_fits first. */
void elma_chacha20_xor(const uint8_t key[ELMA_CHACHA20_KEY_BYTES], uint32_t counter,
                       const uint8_t nonce[ELMA_CHACHA20_NONCE_BYTES], const uint8_t *in, uint8_t *out, size_t len);

#endif
