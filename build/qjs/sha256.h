/* SHA-256 (FIPS 180-4 §6.2) for elma-qjs: the bundle's files are checked against their manifest
   hashes in C, because hashing megabytes of weights in interpreted JavaScript would cost seconds. */
#ifndef ELMA_QJS_SHA256_H
#define ELMA_QJS_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* An incremental hash: init, update any number of times, then final (files hashed in pieces: an
   OTA download's archive, node:crypto's createHash on elma-qjs). */
typedef struct {
  uint32_t h[8];
  uint64_t len;
  uint8_t buf[64];
  size_t fill;
} elma_sha256_ctx;

void elma_sha256_init(elma_sha256_ctx *c);
void elma_sha256_update(elma_sha256_ctx *c, const uint8_t *data, size_t len);
/* The 32-byte digest; the context must be initialised again before reuse. */
void elma_sha256_final(elma_sha256_ctx *c, uint8_t digest[32]);

/* Writes the 64 lowercase hex digits of SHA-256(data) and a terminating NUL into hex[65]. */
void elma_sha256_hex(const uint8_t *data, size_t len, char hex[65]);

#endif
