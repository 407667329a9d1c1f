/* Zeroing secrets (keys, keystream, one-time keys, hash states) before their memory is reused:
   a plain memset of memory that is never read again may be removed by the compiler as a dead
   store; writes through a volatile pointer may not be. */
#ifndef ELMA_QJS_WIPE_H
#define ELMA_QJS_WIPE_H

#include <stddef.h>
#include <stdint.h>

static inline void elma_wipe(void *p, size_t n) {
  volatile uint8_t *v = (volatile uint8_t *)p;
  while (n-- > 0) *v++ = 0;
}

#endif
