/* Poly1305 as RFC 8439 §2.5 defines it: a one-time authenticator keyed by 32 bytes (r, clamped,
   and s), over a message of any length, giving a 16-byte tag. Arithmetic modulo 2^130 − 5 in five
   26-bit limbs with 32 × 32 → 64-bit products (portable C, fast on 32- and 64-bit CPUs alike);
   no branches or table lookups on secret values. */
#ifndef ELMA_QJS_POLY1305_H
#define ELMA_QJS_POLY1305_H

#include <stddef.h>
#include <stdint.h>

#define ELMA_POLY1305_KEY_BYTES 32
#define ELMA_POLY1305_TAG_BYTES 16

/* An incremental computation: init, update any number of times, then final. */
typedef struct {
  uint32_t r[5];    /* r, clamped, in 26-bit limbs */
  uint32_t h[5];    /* the accumulator, in 26-bit limbs (each at most a little above 2^26 between blocks) */
  uint32_t s[4];    /* s, the second half of the key, as four little-endian words */
  uint8_t buf[16];  /* a block not yet complete */
  size_t fill;
} elma_poly1305_ctx;

void elma_poly1305_init(elma_poly1305_ctx *c, const uint8_t key[ELMA_POLY1305_KEY_BYTES]);
void elma_poly1305_update(elma_poly1305_ctx *c, const uint8_t *m, size_t len);
/* Writes the tag and wipes the context. */
void elma_poly1305_final(elma_poly1305_ctx *c, uint8_t tag[ELMA_POLY1305_TAG_BYTES]);

/* The tag of one message. */
void elma_poly1305(const uint8_t key[ELMA_POLY1305_KEY_BYTES], const uint8_t *m, size_t len, uint8_t tag[ELMA_POLY1305_TAG_BYTES]);

/* 1 when the two 16-byte tags are equal, else 0, in time that does not depend on where they
   differ (RFC 8439 §4: the tag comparison must be constant-time). */
int elma_poly1305_tags_equal(const uint8_t a[ELMA_POLY1305_TAG_BYTES], const uint8_t b[ELMA_POLY1305_TAG_BYTES]);

#endif
