/* BLAKE2s as RFC 7693 defines it: 32-bit words, 64-byte blocks, digests of 1–32 bytes, optionally
   keyed by up to 32 bytes. Noise's BLAKE2s (rev34 §12.8: HASH and, through HMAC, HKDF) in the link's
   handshake on elma-qjs, behind @noble's blake2s interface (build/quickjs/qjs-blake2.ts). Portable
   C: additions, XORs and rotations; the message schedule is indexed by round number only. */
#ifndef ELMA_QJS_BLAKE2S_H
#define ELMA_QJS_BLAKE2S_H

#include <stddef.h>
#include <stdint.h>

#define ELMA_BLAKE2S_BLOCK_BYTES 64
#define ELMA_BLAKE2S_MAX_OUT 32
#define ELMA_BLAKE2S_MAX_KEY 32

typedef struct {
  uint32_t h[8];
  uint64_t t;       /* bytes compressed so far (RFC 7693 §3.2 t, a 2w-bit counter) */
  uint8_t buf[64];  /* the last block, kept until final or more data arrives (it may be the last) */
  size_t fill;
  size_t out_len;
} elma_blake2s_ctx;

/* §2.5 and §3.3's parameter block word 0 (digest length, key length, fan-out 1, depth 1); a key
   is padded to a whole first block. out_len 1..32, key_len 0..32: the caller checks. */
void elma_blake2s_init(elma_blake2s_ctx *c, size_t out_len, const uint8_t *key, size_t key_len);
void elma_blake2s_update(elma_blake2s_ctx *c, const uint8_t *data, size_t len);
/* Writes out_len bytes and wipes the context. */
void elma_blake2s_final(elma_blake2s_ctx *c, uint8_t *out);

#endif
