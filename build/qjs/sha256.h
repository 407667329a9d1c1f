/* SHA-256 (FIPS 180-4 §6.2) for elma-qjs: the bundle's files are checked against their manifest
   hashes in C, because hashing megabytes of weights in interpreted JavaScript would cost seconds. */
#ifndef ELMA_QJS_SHA256_H
#define ELMA_QJS_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* Writes the 64 lowercase hex digits of SHA-256(data) and a terminating NUL into hex[65]. */
void elma_sha256_hex(const uint8_t *data, size_t len, char hex[65]);

#endif
