/* ChaCha20 (chacha20.h), written from RFC 8439 §2.1–2.4. Checked against the RFC's vectors (§2.3.2,
   §2.4.2, A.1, A.2, A.4) and against @noble/ciphers on random inputs by test/build/qjs-crypto.test.ts. */
#include "chacha20.h"

#include "wipe.h"

/* Little-endian loads and stores byte by byte, so the code is right on any byte order; GCC turns
   them into single loads and stores on little-endian machines (x86-64, AArch64). */
static uint32_t load32_le(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void store32_le(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

static uint32_t rotl32(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

/* §2.1: the quarter round on four words of the state. */
#define QUARTERROUND(x, a, b, c, d)                          \
  do {                                                       \
    x[a] += x[b]; x[d] ^= x[a]; x[d] = rotl32(x[d], 16);     \
    x[c] += x[d]; x[b] ^= x[c]; x[b] = rotl32(x[b], 12);     \
    x[a] += x[b]; x[d] ^= x[a]; x[d] = rotl32(x[d], 8);      \
    x[c] += x[d]; x[b] ^= x[c]; x[b] = rotl32(x[b], 7);      \
  } while (0)

/* §2.3: the initial state — the constants "expand 32-byte k", the key, the counter, the nonce. */
static void setup(uint32_t s[16], const uint8_t key[32], uint32_t counter, const uint8_t nonce[12]) {
  s[0] = 0x61707865; s[1] = 0x3320646e; s[2] = 0x79622d32; s[3] = 0x6b206574;
  for (int i = 0; i < 8; i++) s[4 + i] = load32_le(key + 4 * i);
  s[12] = counter;
  for (int i = 0; i < 3; i++) s[13 + i] = load32_le(nonce + 4 * i);
}

/* §2.3: 20 rounds (10 column rounds alternating with 10 diagonal rounds), then the input state
   added word by word. */
static void block_words(const uint32_t s[16], uint32_t out[16]) {
  uint32_t x[16];
  for (int i = 0; i < 16; i++) x[i] = s[i];
  for (int i = 0; i < 10; i++) {
    QUARTERROUND(x, 0, 4, 8, 12);
    QUARTERROUND(x, 1, 5, 9, 13);
    QUARTERROUND(x, 2, 6, 10, 14);
    QUARTERROUND(x, 3, 7, 11, 15);
    QUARTERROUND(x, 0, 5, 10, 15);
    QUARTERROUND(x, 1, 6, 11, 12);
    QUARTERROUND(x, 2, 7, 8, 13);
    QUARTERROUND(x, 3, 4, 9, 14);
  }
  for (int i = 0; i < 16; i++) out[i] = x[i] + s[i];
  elma_wipe(x, sizeof x);
}

void elma_chacha20_block(const uint8_t key[32], uint32_t counter, const uint8_t nonce[12], uint8_t out[64]) {
  uint32_t s[16], w[16];
  setup(s, key, counter, nonce);
  block_words(s, w);
  for (int i = 0; i < 16; i++) store32_le(out + 4 * i, w[i]); /* §2.3: serialized little-endian */
  elma_wipe(s, sizeof s);
  elma_wipe(w, sizeof w);
}

int elma_chacha20_fits(uint32_t counter, uint64_t len) {
  uint64_t blocks = len / 64 + (len % 64 != 0);
  return blocks <= (uint64_t)0x100000000 - counter;
}

void elma_chacha20_xor(const uint8_t key[32], uint32_t counter, const uint8_t nonce[12], const uint8_t *in, uint8_t *out, size_t len) {
  uint32_t s[16], w[16];
  setup(s, key, counter, nonce);
  /* Whole blocks word by word: each input word is read before the output word at the same offset
     is written, so in == out works. */
  for (; len >= 64; len -= 64, in += 64, out += 64) {
    block_words(s, w);
    for (int i = 0; i < 16; i++) store32_le(out + 4 * i, load32_le(in + 4 * i) ^ w[i]);
    s[12]++; /* §2.4: the next block's counter; the caller checked that it does not wrap */
  }
  if (len > 0) { /* §2.4.1: the last partial block uses only as much keystream as it needs */
    uint8_t ks[64];
    block_words(s, w);
    for (int i = 0; i < 16; i++) store32_le(ks + 4 * i, w[i]);
    for (size_t i = 0; i < len; i++) out[i] = in[i] ^ ks[i];
    elma_wipe(ks, sizeof ks);
  }
  elma_wipe(s, sizeof s);
  elma_wipe(w, sizeof w);
}
