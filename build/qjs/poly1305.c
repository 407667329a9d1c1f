/* Poly1305 (poly1305.h), written from RFC 8439 §2.5: for each 16-byte block n (with a 1 byte
   appended, so a shorter last block is padded to 17 bytes), a = ((a + n) · r) mod p, p = 2^130 − 5;
   the tag is (a + s) mod 2^128, little-endian. Checked against the RFC's vectors (§2.5.2, A.3 #1–#11,
   which probe the reduction's corner cases) and against @noble/ciphers on random inputs by
   test/build/qjs-crypto.test.ts.

   Representation: a number x < 2^131 is five limbs x0..x4 of 26 bits, x = Σ xi · 2^(26 i). In a
   product a · r the terms ai · rj with i + j ≥ 5 carry a factor 2^130 ≡ 5 (mod p), so they are
   folded in as ai · (5 rj): with ai < 2^27 and 5 rj < 2^29 each product is below 2^56 and a sum of
   five below 2^59, well inside 64 bits. */
#include "poly1305.h"

#include <string.h>

#include "wipe.h"

#define MASK26 0x3ffffffu

static uint32_t load32_le(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void store32_le(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

/* 16 little-endian bytes as five 26-bit limbs (bits 0–25, 26–51, 52–77, 78–103, 104–127). */
static void limbs_of(const uint8_t p[16], uint32_t x[5]) {
  uint32_t w0 = load32_le(p), w1 = load32_le(p + 4), w2 = load32_le(p + 8), w3 = load32_le(p + 12);
  x[0] = w0 & MASK26;
  x[1] = ((w0 >> 26) | (w1 << 6)) & MASK26;
  x[2] = ((w1 >> 20) | (w2 << 12)) & MASK26;
  x[3] = ((w2 >> 14) | (w3 << 18)) & MASK26;
  x[4] = w3 >> 8;
}

void elma_poly1305_init(elma_poly1305_ctx *c, const uint8_t key[32]) {
  /* §2.5: r = le_bytes_to_num(key[0..15]) clamped — the top four bits of bytes 3, 7, 11, 15 and
     the bottom two bits of bytes 4, 8, 12 cleared. */
  uint8_t r[16];
  memcpy(r, key, 16);
  r[3] &= 15; r[7] &= 15; r[11] &= 15; r[15] &= 15;
  r[4] &= 252; r[8] &= 252; r[12] &= 252;
  limbs_of(r, c->r);
  elma_wipe(r, sizeof r);
  for (int i = 0; i < 4; i++) c->s[i] = load32_le(key + 16 + 4 * i);
  for (int i = 0; i < 5; i++) c->h[i] = 0;
  c->fill = 0;
}

/* a = ((a + n) · r) mod p for one block n; `hibit` is 2^24 in limb 4 (the appended 1 byte at bit
   128) for a full block, 0 for the padded last block (whose 1 byte is already in its bytes). */
static void block(elma_poly1305_ctx *c, const uint8_t m[16], uint32_t hibit) {
  uint32_t n[5];
  limbs_of(m, n);
  uint64_t h0 = c->h[0] + n[0], h1 = c->h[1] + n[1], h2 = c->h[2] + n[2], h3 = c->h[3] + n[3], h4 = c->h[4] + n[4] + hibit;
  const uint64_t r0 = c->r[0], r1 = c->r[1], r2 = c->r[2], r3 = c->r[3], r4 = c->r[4];
  const uint64_t s1 = r1 * 5, s2 = r2 * 5, s3 = r3 * 5, s4 = r4 * 5;
  uint64_t d0 = h0 * r0 + h1 * s4 + h2 * s3 + h3 * s2 + h4 * s1;
  uint64_t d1 = h0 * r1 + h1 * r0 + h2 * s4 + h3 * s3 + h4 * s2;
  uint64_t d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s4 + h4 * s3;
  uint64_t d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s4;
  uint64_t d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;
  /* Carry limb to limb; what leaves limb 4 is a multiple of 2^130, i.e. 5 times as much in limb 0.
     The result is only partly reduced (below 2^131), which the next block's sums tolerate. */
  d1 += d0 >> 26; d0 &= MASK26;
  d2 += d1 >> 26; d1 &= MASK26;
  d3 += d2 >> 26; d2 &= MASK26;
  d4 += d3 >> 26; d3 &= MASK26;
  d0 += (d4 >> 26) * 5; d4 &= MASK26;
  d1 += d0 >> 26; d0 &= MASK26;
  c->h[0] = (uint32_t)d0; c->h[1] = (uint32_t)d1; c->h[2] = (uint32_t)d2; c->h[3] = (uint32_t)d3; c->h[4] = (uint32_t)d4;
}

void elma_poly1305_update(elma_poly1305_ctx *c, const uint8_t *m, size_t len) {
  if (c->fill > 0) {
    size_t take = 16 - c->fill < len ? 16 - c->fill : len;
    memcpy(c->buf + c->fill, m, take);
    c->fill += take;
    m += take;
    len -= take;
    if (c->fill < 16) return;
    block(c, c->buf, 1u << 24);
    c->fill = 0;
  }
  for (; len >= 16; m += 16, len -= 16) block(c, m, 1u << 24);
  memcpy(c->buf, m, len);
  c->fill = len;
}

void elma_poly1305_final(elma_poly1305_ctx *c, uint8_t tag[16]) {
  if (c->fill > 0) { /* §2.5.1: the last block with its 1 byte appended, zero-padded to 16 */
    c->buf[c->fill] = 1;
    for (size_t i = c->fill + 1; i < 16; i++) c->buf[i] = 0;
    block(c, c->buf, 0);
  }
  /* Carry fully: afterwards h < 2^130 + 2^26 and every limb but h1 below 2^26. */
  uint32_t h0 = c->h[0], h1 = c->h[1], h2 = c->h[2], h3 = c->h[3], h4 = c->h[4], k;
  k = h1 >> 26; h1 &= MASK26; h2 += k;
  k = h2 >> 26; h2 &= MASK26; h3 += k;
  k = h3 >> 26; h3 &= MASK26; h4 += k;
  k = h4 >> 26; h4 &= MASK26; h0 += k * 5;
  k = h0 >> 26; h0 &= MASK26; h1 += k;
  /* h mod p: g = h + 5 − 2^130 is h − p; when it is not negative (h ≥ p) take g, else h. The choice
     is a mask, not a branch. h < 2p here, so one subtraction reduces fully. */
  uint32_t g0 = h0 + 5; k = g0 >> 26; g0 &= MASK26;
  uint32_t g1 = h1 + k; k = g1 >> 26; g1 &= MASK26;
  uint32_t g2 = h2 + k; k = g2 >> 26; g2 &= MASK26;
  uint32_t g3 = h3 + k; k = g3 >> 26; g3 &= MASK26;
  uint32_t g4 = h4 + k - (1u << 26);
  uint32_t take_g = (g4 >> 31) - 1; /* all ones when g4 ≥ 0 as a signed number, else 0 */
  h0 = (h0 & ~take_g) | (g0 & take_g);
  h1 = (h1 & ~take_g) | (g1 & take_g);
  h2 = (h2 & ~take_g) | (g2 & take_g);
  h3 = (h3 & ~take_g) | (g3 & take_g);
  h4 = (h4 & ~take_g) | (g4 & take_g);
  /* (h + s) mod 2^128, accumulated by addition so an h1 of exactly 2^26 still counts right. */
  uint64_t acc = (uint64_t)h0 + ((uint64_t)h1 << 26) + c->s[0];
  store32_le(tag, (uint32_t)acc);
  acc = (acc >> 32) + ((uint64_t)h2 << 20) + c->s[1];
  store32_le(tag + 4, (uint32_t)acc);
  acc = (acc >> 32) + ((uint64_t)h3 << 14) + c->s[2];
  store32_le(tag + 8, (uint32_t)acc);
  acc = (acc >> 32) + ((uint64_t)h4 << 8) + c->s[3];
  store32_le(tag + 12, (uint32_t)acc);
  elma_wipe(c, sizeof *c);
}

void elma_poly1305(const uint8_t key[32], const uint8_t *m, size_t len, uint8_t tag[16]) {
  elma_poly1305_ctx c;
  elma_poly1305_init(&c, key);
  elma_poly1305_update(&c, m, len);
  elma_poly1305_final(&c, tag);
}

int elma_poly1305_tags_equal(const uint8_t a[16], const uint8_t b[16]) {
  /* Every byte is compared whatever the earlier ones gave; the result is one bit of their OR. */
  volatile uint8_t diff = 0;
  for (int i = 0; i < 16; i++) diff = (uint8_t)(diff | (a[i] ^ b[i]));
  return (int)((((uint32_t)diff - 1) >> 8) & 1);
}
