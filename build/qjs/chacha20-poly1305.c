/* AEAD_CHACHA20_POLY1305 (chacha20-poly1305.h), written from RFC 8439 §2.6 and §2.8. Checked
   against §2.8.2 and A.5 and against @noble/ciphers on random inputs (test/build/qjs-crypto.test.ts). */
#include "chacha20-poly1305.h"

#include <stdint.h>
#include <string.h>

#include "chacha20.h"
#include "poly1305.h"
#include "wipe.h"

static const uint8_t zeros[16];

/* ChaCha20 from counter 1 (§2.8), `in` to `out` of len bytes that may overlap in any way:
   elma_chacha20_xor itself takes only in == out or disjoint buffers, so a partial overlap is first
   moved into place and then encrypted in place. */
static void encrypt_from_block1(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *in, uint8_t *out, size_t len) {
  uintptr_t i = (uintptr_t)in, o = (uintptr_t)out;
  if (in != out && len > 0 && i < o + len && o < i + len) {
    memmove(out, in, len);
    in = out;
  }
  elma_chacha20_xor(key, 1, nonce, in, out, len);
}

/* §2.8: the tag over aad || pad16(aad) || ciphertext || pad16(ciphertext) || le64(aad_len) || le64(len),
   keyed by the first 32 bytes of block 0 (§2.6 poly1305_key_gen). */
static void tag_of(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                   const uint8_t *ciphertext, size_t len, uint8_t tag[16]) {
  uint8_t block0[64];
  elma_chacha20_block(key, 0, nonce, block0);
  elma_poly1305_ctx p;
  elma_poly1305_init(&p, block0);
  elma_wipe(block0, sizeof block0);
  elma_poly1305_update(&p, aad, aad_len);
  if (aad_len % 16 != 0) elma_poly1305_update(&p, zeros, 16 - aad_len % 16);
  elma_poly1305_update(&p, ciphertext, len);
  if (len % 16 != 0) elma_poly1305_update(&p, zeros, 16 - len % 16);
  uint8_t lengths[16];
  for (int i = 0; i < 8; i++) {
    lengths[i] = (uint8_t)((uint64_t)aad_len >> (8 * i));
    lengths[8 + i] = (uint8_t)((uint64_t)len >> (8 * i));
  }
  elma_poly1305_update(&p, lengths, sizeof lengths);
  elma_poly1305_final(&p, tag);
}

void elma_aead_seal(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                    const uint8_t *plaintext, size_t len, uint8_t *out) {
  encrypt_from_block1(key, nonce, plaintext, out, len);
  tag_of(key, nonce, aad, aad_len, out, len, out + len);
}

int elma_aead_open(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                   const uint8_t *sealed, size_t sealed_len, uint8_t *out) {
  size_t len = sealed_len - 16;
  uint8_t tag[16];
  /* Authenticate first, decrypt only what is authentic (RFC 8439 §4). */
  tag_of(key, nonce, aad, aad_len, sealed, len, tag);
  int ok = elma_poly1305_tags_equal(tag, sealed + len);
  elma_wipe(tag, sizeof tag);
  if (!ok) return -1;
  encrypt_from_block1(key, nonce, sealed, out, len);
  return 0;
}
