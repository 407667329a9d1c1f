/* BLAKE2s (blake2s.h), written from RFC 7693 §2–3: the G mixing function with rotations 16, 12,
   8, 7 (§2.1, §3.1), ten rounds of the compression F (§3.2) over the message schedule SIGMA
   (§2.7), the IV of SHA-256 (§2.6), and the padding of the last block with the final flag (§3.3).
   Checked against RFC 7693 Appendix B ("abc") and Appendix E's self-test (every digest and key
   length family it covers) and against @noble/hashes on random inputs by
   test/build/qjs-crypto.test.ts. */
#include "blake2s.h"

#include <string.h>

#include "wipe.h"

static const uint32_t IV[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

/* §2.7: the message word permutations of rounds 0–9. */
static const uint8_t SIGMA[10][16] = {
  {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
  {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
  {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
  {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
  {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
  {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
  {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
  {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
  {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
  {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
};

static uint32_t load32_le(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t rotr32(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

/* §3.1: G with BLAKE2s's rotation constants (R1..R4) = (16, 12, 8, 7). */
#define G(v, a, b, c, d, x, y)                              \
  do {                                                      \
    v[a] = v[a] + v[b] + (x); v[d] = rotr32(v[d] ^ v[a], 16); \
    v[c] = v[c] + v[d];       v[b] = rotr32(v[b] ^ v[c], 12); \
    v[a] = v[a] + v[b] + (y); v[d] = rotr32(v[d] ^ v[a], 8);  \
    v[c] = v[c] + v[d];       v[b] = rotr32(v[b] ^ v[c], 7);  \
  } while (0)

/* §3.2: F(h, m, t, f) for one 64-byte block; `last` sets the final block flag f0. */
static void compress(elma_blake2s_ctx *c, const uint8_t block[64], int last) {
  uint32_t m[16], v[16];
  for (int i = 0; i < 16; i++) m[i] = load32_le(block + 4 * i);
  for (int i = 0; i < 8; i++) { v[i] = c->h[i]; v[8 + i] = IV[i]; }
  v[12] ^= (uint32_t)c->t;
  v[13] ^= (uint32_t)(c->t >> 32);
  if (last) v[14] = ~v[14];
  for (int r = 0; r < 10; r++) {
    const uint8_t *s = SIGMA[r];
    G(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
    G(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
    G(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
    G(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
    G(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
    G(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
    G(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
    G(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
  }
  for (int i = 0; i < 8; i++) c->h[i] ^= v[i] ^ v[8 + i];
  elma_wipe(m, sizeof m);
  elma_wipe(v, sizeof v);
}

void elma_blake2s_init(elma_blake2s_ctx *c, size_t out_len, const uint8_t *key, size_t key_len) {
  memcpy(c->h, IV, sizeof IV);
  /* §3.3: h0 ^= 0x0101kknn (depth 1, fan-out 1, key length kk, digest length nn). */
  c->h[0] ^= 0x01010000u ^ (uint32_t)(key_len << 8) ^ (uint32_t)out_len;
  c->t = 0;
  c->fill = 0;
  c->out_len = out_len;
  if (key_len > 0) { /* §3.3: a key is the first block, zero-padded */
    memset(c->buf, 0, sizeof c->buf);
    memcpy(c->buf, key, key_len);
    c->fill = 64;
  }
}

void elma_blake2s_update(elma_blake2s_ctx *c, const uint8_t *data, size_t len) {
  while (len > 0) {
    /* A full buffer is compressed only once more data follows: the last block is compressed
       by final, with the flag. */
    if (c->fill == 64) {
      c->t += 64;
      compress(c, c->buf, 0);
      c->fill = 0;
    }
    if (c->fill == 0) {
      for (; len > 64; data += 64, len -= 64) { /* whole blocks straight from the input */
        c->t += 64;
        compress(c, data, 0);
      }
    }
    size_t take = 64 - c->fill < len ? 64 - c->fill : len;
    memcpy(c->buf + c->fill, data, take);
    c->fill += take;
    data += take;
    len -= take;
  }
}

void elma_blake2s_final(elma_blake2s_ctx *c, uint8_t *out) {
  c->t += c->fill; /* §3.3: the counter counts the message bytes, not the padding */
  memset(c->buf + c->fill, 0, 64 - c->fill);
  compress(c, c->buf, 1);
  for (size_t i = 0; i < c->out_len; i++) out[i] = (uint8_t)(c->h[i / 4] >> (8 * (i % 4))); /* little-endian */
  elma_wipe(c, sizeof *c);
}
